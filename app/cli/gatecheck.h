#pragma once

#include "history/gate.h"
#include "result.h"

#include <QCommandLineOption>
#include <QString>
#include <optional>

class QCommandLineParser;

namespace parlab {
class HistoryStore;
}

namespace parlab::cli {

// The regression gate's options and its end, shared by `parlab run --baseline` and `parlab history compare`:
// --fail-on slower[:PCT] and --summary FILE, the verdict on stderr, the Markdown summary, the exit code.
class GateCheck final {
public:
    GateCheck();
    QList<QCommandLineOption> options() const { return { m_failOn, m_gateOn, m_summary }; }

    // Reads the options; an error for a usage message. `gated`: whether the command compares against a baseline at
    // all (run: --baseline given; compare: always), as --summary needs a verdict to write.
    Result<void> read(const QCommandLineParser& parser, bool gated);
    // Whether the gate decides the exit code (--fail-on given).
    bool enforced() const { return m_slowerBy.has_value(); }
    // Whether a gate is wanted at all: enforced, or a summary asked for.
    bool wanted() const { return enforced() || !m_summaryPath.isEmpty(); }

    // Evaluates `candidate` (history id `candidateId`, -1 when not stored) against the baseline, with the run-to-run
    // noise from `history` when it is open (none when the two were measured `interleaved` in one run); prints the
    // verdict to stderr and writes the summary. An error when the history cannot be read or the summary not written.
    Result<Gate> evaluate(const RunResult& baseline, const QString& baselineName, qint64 baselineId,
        const RunResult& candidate, qint64 candidateId, HistoryStore* history, bool interleaved = false,
        bool acrossMachines = false) const;

    // Writes the summary (when asked for) of a gate that could not judge: why, and that nothing was gated.
    void notJudged(const QString& why) const;

    // The exit code the gate adds when enforced: ExitRegression on a failed gate, ExitUsage when the runs are not
    // comparable; ExitOk otherwise (and whenever not enforced).
    int exitCode(const Gate& gate) const;

private:
    QCommandLineOption m_failOn;
    QCommandLineOption m_gateOn;
    QCommandLineOption m_summary;
    std::optional<double> m_slowerBy;
    GateTime m_time = GateTime::Wall;
    QString m_summaryPath;
};

} // namespace parlab::cli
