#pragma once

#include "result.h"

#include <QSize>
#include <QString>
#include <QStringList>

class QChartView;
class QWidget;

namespace parlab {

// Charts out of the window: PNG (2x pixels for high-DPI screens and slides), SVG and PDF (vector, for papers),
// the clipboard, and the chart's right-click menu offering both. The chart is laid out at the export size
// rather than scaled from the widget, so a small window still exports a well-proportioned picture.
namespace ChartExport {
// The size used when none is given, in logical pixels.
inline constexpr QSize kDefaultSize { 1600, 1000 };

// Writes the chart in the format named by the path's suffix (.png, .svg, .pdf); on failure a message naming
// the path and the reason.
Result<void> save(QChartView* view, const QString& path, QSize size = {});
void copyToClipboard(QChartView* view);
// For QFileDialog: PNG, SVG and PDF, in that order.
QStringList fileFilters();
// Asks where to save a chart: the save dialog with fileFilters(), starting at `suggestedPath`. A name typed
// without a suffix gets the chosen filter's. Empty when the user cancels.
QString askSavePath(QWidget* parent, const QString& title, const QString& suggestedPath);
// Adds "Save chart as…" and "Copy chart" to the view's right-click menu, once however often it is called
// (ParLab's charts already call it).
void installContextMenu(QChartView* view);
} // namespace ChartExport

} // namespace parlab
