#pragma once

#include "experimentspec.h"
#include "result.h"
#include "runresult.h"

#include <QCommandLineOption>
#include <optional>

class QCommandLineParser;

namespace parlab {
class HistoryStore;
}

namespace parlab::cli {

// `parlab run --interleave-with CMD`: the command kernel's program measured against a baseline program in one run,
// each combination of the two in turn (Runner::setInterleavedWith). Two runs minutes apart differ by the machine's
// drift as well as by the programs (±30% between minutes on a shared VM); two arms of one run differ by the
// programs alone, so a gate on them needs no allowance for run-to-run noise.
class Interleave final {
public:
    Interleave();
    QCommandLineOption option() const { return m_option; }

    // The baseline arm's spec: `spec` with the command kernel's program replaced by the flag's; nothing when the flag
    // is not given. An error for a usage message when the kernel is not `command`, or the flag is empty.
    Result<std::optional<ExperimentSpec>> baselineSpec(
        const QCommandLineParser& parser, const ExperimentSpec& spec) const;

    // Before the run: the baseline's run in `history` (when open), begun ahead of the run itself so that the run is
    // the history's latest (`--baseline last` afterwards means the program under test, not its baseline). It reads
    // as interrupted should this process die before record(). -1 when the history is not open.
    static Result<qint64> reserve(HistoryStore& history, const ExperimentSpec& baseline);
    // After the run: stores the baseline's arm in its reserved run `baselineId` (-1: none), names it after run
    // `runId`, and says so on stderr with the comparison of the two. The baseline's id, -1 when not stored; an error
    // when the history would not take it.
    static Result<qint64> record(const RunResult& run, qint64 runId, HistoryStore& history, qint64 baselineId);

    // The baseline's arm as a comparison of the two should see it: the same work as `run`'s but for the program, which
    // differs by construction (else every row would be "not comparable": command differs).
    static RunResult comparableBaseline(const RunResult& run);

private:
    QCommandLineOption m_option;
};

} // namespace parlab::cli
