#pragma once

#include <QByteArray>
#include <QString>

namespace parlab {

struct RunResult;
struct SweepResult;

// One self-contained HTML file (no scripts or files fetched from anywhere) that opens offline in any
// browser: title, spec, results table, bounds, environment, warnings, speedup and wall-time charts and a
// task timeline as inline SVG. Well-formed XHTML, so it also parses as XML.
namespace HtmlReport {
// `title` defaults to "<kernel> on <backends>, <date>" when empty.
QByteArray toHtml(const RunResult& result, const QString& title = {});
// A task-size sweep: its table of speedup against task size with each backend's break-even and 90%-of-ideal sizes,
// its chart on log axes, then each size's results table. The title defaults to "Task-size sweep of <kernel> on
// <backends>".
QByteArray toHtml(const SweepResult& sweep, const QString& title = {});
} // namespace HtmlReport

} // namespace parlab
