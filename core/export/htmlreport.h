#pragma once

#include <QByteArray>
#include <QString>

namespace parlab {

struct RunResult;

// One self-contained HTML file (no scripts or files fetched from anywhere) that opens offline in any
// browser: title, spec, results table, bounds, environment, warnings, speedup and wall-time charts and a
// task timeline as inline SVG. Well-formed XHTML, so it also parses as XML.
namespace HtmlReport {
// `title` defaults to "<kernel> on <backends>, <date>" when empty.
QByteArray toHtml(const RunResult& result, const QString& title = {});
} // namespace HtmlReport

} // namespace parlab
