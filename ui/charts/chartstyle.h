#pragma once

#include "palette.h"

#include <QColor>
#include <QFont>
#include <QPen>
#include <QString>

class QAbstractSeries;
class QChart;
class QPalette;
class QValueAxis;

namespace parlab {

struct RunResult;

// The look every ParLab chart shares: the colours and line styles of core's Palette (the HTML report draws from
// the same one) turned into QColor and QPen, projector-sized fonts, and backgrounds, axes and legends that
// follow the QPalette, so a dark theme looks right. Charts call applyPalette again on QEvent::PaletteChange.
namespace ChartStyle {
// Point markers, in pixels: visible from the back of a room without hiding the CI whiskers.
inline constexpr double kMarkerSize = 7;

// The palette's colour in the shade for this QPalette's background (Palette::Colour::dark on a dark window).
QColor color(const Palette::Colour& colour, const QPalette& palette);
// A pen drawing `line` on this QPalette: its colour, width and style (flat caps, so dashes and dots keep the
// pattern the report's SVG draws).
QPen pen(const Palette::Line& line, const QPalette& palette);
Qt::PenStyle penStyle(Palette::LineStyle style);
// A stable colour for a backend id, the same in every chart, the results table and the report; lighter on a
// dark palette so it stays readable.
QColor backendColor(const QString& backendId, const QPalette& palette);
// For reference lines (ideal, bounds, 100%): visible but quieter than the data.
QColor referenceColor(const QPalette& palette);
bool isDark(const QPalette& palette);
// `t` of the way from one colour to another: grid lines, axes and zebra rows from the window and text colours.
QColor mix(const QColor& from, const QColor& to, double t);

QFont titleFont();
QFont axisTitleFont();
QFont labelFont();

// Background, title, axes (labels, titles, grid, lines) and legend from the palette.
void applyPalette(QChart* chart, const QPalette& palette);
// Data series drawn as helpers (CI whiskers, bands) stay out of the legend.
void hideFromLegend(QChart* chart, QAbstractSeries* series);
// Takes the legend out of QChart's one-row layout, which truncates long labels ("lpt bound (best schedule
// of these tasks)") on a narrow chart. placeLegend then lays it out under the plot in as many centred rows
// as the width needs; call it after series change and whenever the chart is resized.
void detachLegend(QChart* chart);
void placeLegend(QChart* chart);
// Integer ticks for a worker axis covering 1 to maxWorkers (at least 2), with a sliver of padding.
void setWorkersRange(QChart* chart, QValueAxis* axis, int maxWorkers);
// A range from 0 (or a round number a little below a negative minValue) to a round number a little above
// maxValue, with round tick steps.
void setValueRange(QChart* chart, QValueAxis* axis, double maxValue, double minValue = 0);
// Tick steps are chosen for the plot's size (labels QtCharts cannot fit become "..."): call again when the
// plot area changes.
void refitAxes(QChart* chart);
// "Speedup vs workers: fib on 6 inputs": the chart's subject plus what ran, so an exported picture explains
// itself.
QString title(const QString& subject, const RunResult& result);
// Whether the backend scales with workers (false for sequential baselines); unknown ids count as scaling.
bool usesWorkers(const QString& backendId);
} // namespace ChartStyle

} // namespace parlab
