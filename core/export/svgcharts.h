#pragma once

#include <QString>
#include <QStringList>

namespace parlab {

struct Measurement;
struct RunResult;

// The HTML report's charts as inline SVG text (no widgets, no files): speedup and wall time against workers,
// and a task timeline. Colours come from classes that SvgCharts::styleSheet() defines for light and dark
// schemes; every bar and point carries a <title> that a browser shows on hover.
namespace SvgCharts {
// Text safe in XML content and attribute values: & < > " ' escaped, characters XML cannot hold dropped.
QString escape(const QString& text);

// The series colour class ("series0".."series7") of each backend, in the order they were measured; the
// report's table uses the same colours as the charts.
QStringList backendsInOrder(const RunResult& result);
QString seriesClass(const RunResult& result, const QString& backend);

// Speedup against workers: one line per backend with its 95% interval, the lpt bound dashed and ideal
// linear speedup dotted. Empty when no speedup is known.
QString speedupChart(const RunResult& result);
// Median wall time against workers, min..max as whiskers. Empty when nothing was measured.
QString wallTimeChart(const RunResult& result);
// One row per worker of the latest repeat, a bar per task labelled "kernel(input)", lock states as a strip
// under the bars where the backend records them. At most `maxTasks` bars (the earliest); empty without spans.
QString timeline(const Measurement& measurement, const QString& kernel, int maxTasks = 1000);

// CSS for the classes above, following prefers-color-scheme.
QString styleSheet();
} // namespace SvgCharts

} // namespace parlab
