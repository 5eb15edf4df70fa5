#pragma once

#include <QString>
#include <QStringList>

namespace parlab {

struct Measurement;
struct RunResult;
struct SweepResult;

// The HTML report's charts as inline SVG text (no widgets, no files): speedup and wall time against workers,
// and a task timeline. Colours and line styles come from the Palette, through classes that
// SvgCharts::styleSheet(result) defines for light and dark schemes; every bar and point carries a <title> that a
// browser shows on hover.
namespace SvgCharts {
// Text safe in XML content and attribute values: & < > " ' escaped, characters XML cannot hold dropped.
QString escape(const QString& text);

// The series class ("series0", "series1", ...) of each backend, in the order they were measured; the
// stylesheet gives each the palette's colour of its backend, and the report's table uses the same classes.
QStringList backendsInOrder(const RunResult& result);
QString seriesClass(const RunResult& result, const QString& backend);

// Speedup against workers: one line per backend that scales with workers, with its 95% interval, the lpt bound
// and ideal linear speedup in the palette's reference styles. Empty when no speedup is known.
QString speedupChart(const RunResult& result);
// Efficiency against workers, in percent (a weak run's weak efficiency T1/TN): one line per backend that scales with
// workers, its 95% interval as whiskers, and 100% in the palette's ideal style. Empty when none is known.
QString efficiencyChart(const RunResult& result);
// Median wall time against workers, min..max as whiskers; a baseline (sequential) as a flat line at its median
// in the palette's baseline style, as the window draws it. Empty when nothing was measured.
QString wallTimeChart(const RunResult& result);
// Where the time went: one stacked bar per backend x workers whose split of lost speedup is known (baselines have
// none: they are the yardstick), useful at the bottom, then Accounting::parts() in order, each a <rect
// class="part p-KEY" data-part="KEY"> with a <title> naming the part, its share in % and in seconds, and its
// meaning; a dashed line at 100%. A negative part hangs below the zero line, as in the window: the parts above
// zero minus those below are 100%. Empty when no split is known.
QString lossChart(const RunResult& result);
// The class of a part's segments ("p-cpu_wait", "p-useful"): the stylesheet fills it with the palette's colour.
QString partClass(const QString& key);
// The TimelineModel of the latest repeat drawn: one row per worker under the same label as in the window, a bar
// per task labelled "kernel(input)", along its bottom edge the shares of its time (TimelineModel::taskStates:
// <rect class="ts p-KEY" data-part="KEY">, the loss parts' classes) where it was measured and the bar is at least
// TaskStates::kMinBarWidth wide, lock states as a strip under the bars where the backend records them, the
// time axis as the window's TimeAxis ticks it. At most `maxTasks` bars (the earliest); empty without spans.
QString timeline(const Measurement& measurement, const QString& kernel, int maxTasks = 1000);

// A task-size sweep's speedup against task size, both axes logarithmic: a line per backend x workers in the
// backend's colour (series classes of the sweep's first run, labelled "x2" at its end), the ideal of each worker
// count as a reference line, speedup 1 as a grid line; each series' break-even size as a filled diamond on speedup
// 1 and its 90%-of-ideal size as a ring (class "mark"), each with a <title> naming the size. Empty when nothing is
// known.
QString sweepChart(const SweepResult& sweep);
// CSS for the classes above and the run's backends (series0.. in backendsInOrder), following
// prefers-color-scheme; it expects the page to define --fg, --bg, --muted and --rule (HtmlReport does).
QString styleSheet(const RunResult& result);
} // namespace SvgCharts

} // namespace parlab
