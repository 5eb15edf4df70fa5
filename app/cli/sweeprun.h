#pragma once

#include <QString>

namespace parlab {
class HistoryStore;
struct SweepSpec;
} // namespace parlab

namespace parlab::cli {

class TerminalProgress;

// Where `parlab run --sweep` writes the sweep: stdout in `format` (table or json), and the exports named.
struct SweepOutput {
    QString format;
    QString json;
    QString html;
};

// Runs a checked task-size sweep as `parlab run --sweep` does, each size's run recorded in `history` when it is
// open, progress on `progress`, Ctrl+C cancelling; the exit code as `parlab run` gives it.
int runSweep(const SweepSpec& sweep, HistoryStore& history, TerminalProgress& progress, const SweepOutput& output);

} // namespace parlab::cli
