#pragma once

#include "result.h"

#include <QSize>
#include <QString>
#include <QStringList>

class QChartView;
class QWidget;

namespace parlab {

struct RunResult;

// Charts out of the window: PNG (2x pixels for high-DPI screens and slides), SVG and PDF (vector, for papers),
// the clipboard, and the chart's right-click menu offering both. The chart is laid out at the export size
// rather than scaled from the widget, so a small window still exports a well-proportioned picture. Every export is
// printed on white paper (Palette::paper) whatever the window's theme, with the chart's caption under it (when, on
// what machine, how many warnings), so a picture pasted into a document explains itself.
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
// The line under an exported chart: "ParLab · measured 2026-12-03 14:32 on Intel Core i7 (8 logical cores) · 2
// warnings: see the report"; empty for a result with nothing measured.
QString caption(const RunResult& result);
// What the view's exports print under the chart (ParLab's charts set it on every setResult); empty: no caption.
void setCaption(QChartView* view, const RunResult& result);
void setCaption(QChartView* view, const QString& caption);
QString captionOf(const QChartView* view);
} // namespace ChartExport

} // namespace parlab
