#pragma once

#include <QList>
#include <QString>
#include <QStringList>

namespace parlab {

struct RunResult;

// The summary a person reads: one row per backend x workers, then bounds, fits and warnings. The terminal
// table and the Markdown export both render these rows, so they always agree.
namespace Report {
struct Table {
    QStringList header;
    QList<QStringList> rows;
    QList<bool> rightAligned;
};
// One line naming the experiment and the machine.
QString title(const RunResult& result);
Table summary(const RunResult& result);
// Bounds and scaling fits, one sentence each.
QStringList notes(const RunResult& result);
// Aligned columns for a terminal.
QString toText(const RunResult& result);
} // namespace Report

namespace MarkdownExport {
QString toMarkdown(const RunResult& result);
}

} // namespace parlab
