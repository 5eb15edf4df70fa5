#pragma once

#include "palette.h"

#include <QColor>
#include <QFont>
#include <QPen>
#include <QString>

class QAbstractSeries;
class QCategoryAxis;
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

// What exports are printed on: the palette's paper (white, near-black text) as a QPalette, whatever the window's.
QPalette paperPalette();

QFont titleFont();
QFont axisTitleFont();
QFont labelFont();

// Background, title, axes (labels, titles, grid, lines) and legend from the palette.
void applyPalette(QChart* chart, const QPalette& palette);
// Data series drawn as helpers (CI whiskers, bands) stay out of the legend.
void hideFromLegend(QChart* chart, QAbstractSeries* series);
bool isHiddenFromLegend(const QAbstractSeries* series);
// Takes the legend out of QChart's one-row layout, which truncates long labels ("lpt bound (best schedule
// of these tasks)") on a narrow chart. placeLegend then lays it out under the plot in as many centred rows
// as the width needs; call it after series change and whenever the chart is resized.
void detachLegend(QChart* chart);
void placeLegend(QChart* chart);
// Integer ticks for a worker axis covering 1 to maxWorkers (at least 2), with `pad` of the span either side so the
// first and last markers (and the backends dodged beside them) are not cut by the plot's edge.
void setWorkersRange(QChart* chart, QValueAxis* axis, int maxWorkers, double pad = 0.03);
// A range from 0 (or a round number a little below a negative minValue) to a round number a little above
// maxValue, with round tick steps.
void setValueRange(QChart* chart, QValueAxis* axis, double maxValue, double minValue = 0);
// How an axis maps values: linear, or logarithmic. A logarithmic axis is a QCategoryAxis over toAxis(value): series
// hold their points in those coordinates, and the labels (placed by setLogRange) say the values.
enum class Scale { Linear, Log2, Log10 };
double toAxis(double value, Scale scale);
double fromAxis(double axisValue, Scale scale);
// A logarithmic axis from minValue to maxValue (both > 0), with `pad` of its span either side: labels at the round
// values logTicks picks, as many as the plot fits. Call refitAxes when the plot changes size.
void setLogRange(QChart* chart, QCategoryAxis* axis, Scale scale, double minValue, double maxValue, double pad);
// Round values between minValue and maxValue for a logarithmic axis, at most `budget` of them where possible: powers
// of two for Log2 (workers: 1, 2, 4, 8, 16), 1-2-5 (or only 1, or finer) times powers of ten for Log10.
QList<double> logTicks(double minValue, double maxValue, Scale scale, int budget);
// A figure as an axis label or a read-out writes it: three significant digits, never rounded to nothing (0.005,
// 0.0123, 0.25, 2.5, 16, 1234), without trailing zeros.
QString number(double value);
// Tick steps are chosen for the plot's size (labels QtCharts cannot fit become "..."): call again when the
// plot area changes.
void refitAxes(QChart* chart);
// "Speedup vs workers: fib on 6 inputs": the chart's subject plus what ran, so an exported picture explains
// itself.
QString title(const QString& subject, const RunResult& result);
// The chart's title, kept even while it is not drawn: the window's charts leave it out (the tab names the chart and
// the line beside the tabs names the run, and the plot gets the height), every export draws it.
// A `note` (what the chart is measured against, when that could mislead) is drawn under the title, and alone when
// the title is left out.
void setTitle(QChart* chart, const QString& title, const QString& note = {});
QString titleOf(const QChart* chart);
void setTitleShown(QChart* chart, bool shown);
bool isTitleShown(const QChart* chart);
// Whether the backend scales with workers (false for sequential baselines); unknown ids count as scaling.
bool usesWorkers(const QString& backendId);
} // namespace ChartStyle

} // namespace parlab
