#pragma once

#include "comparison.h"
#include "result.h"
#include "runresult.h"
#include "unknown.h"

#include <QList>
#include <QString>
#include <cmath>
#include <optional>

namespace parlab {

class HistoryStore;

// The time a gate judges. Wall time is what a user waits for; CPU time (user + system, children included) is what a
// CPU-bound program costs, and it does not stretch when another program shares the core: on a shared machine two
// runs minutes apart differ in wall time by who else ran (on the 2-core VM ParLab is built on, medians of the same
// program moved between 72 and 160 ms while their CPU times stayed within 2%), in CPU time hardly at all.
enum class GateTime { Wall, Cpu };
QString gateTimeName(GateTime time); // "wall", "cpu"
// `run` with each measurement's samples replaced by the time the gate judges: for Cpu, its per-repeat CPU times (a
// measurement without them, as an import of the JSON export, keeps none and is not gated).
RunResult timedBy(const RunResult& run, GateTime time);

// How much the same experiment's medians move from one run to the next on one machine, from the runs the history
// holds: the regression gate's allowance for drift that no single run can see in its own samples (on a shared VM
// the same work drifts by tens of percent between minutes, while the samples of one run agree to a percent).
//
// Definition: take the earlier finished runs of the same work (Comparison's work differences empty) on the same
// host, oldest first, at most kMaxRuns of the newest, leaving out the runs that failed a gate (a regression, by the
// verdict given when it ran: another program's time, not this machine's noise) unless another of the runs measured
// the same commit without failing one (the same program, so that failure was the machine's: left out, such slow
// runs would never widen the noise, and the gate would fail ever more often on a machine that has them). For each
// label (the user's --label:
// "main", "pr"; a run is paired with the previous run of its own label, so the step from one program to another is
// not taken for noise) and each (backend, workers), the changes |log(median of a run / median of the previous run)|
// between its consecutive runs. A lasting step is left out: a change above kStepFactor times the median change from
// a level that the runs before it share to one that the runs after it keep (up to kStepRuns on each side, at least
// one; the run being judged counts as the newest after), as a regression that landed makes; a change that comes
// back, as a machine's flip between busy and quiet or one slow run does, stays in, and so does a change at either
// end of the runs, which nothing tells apart yet. The noise
// is exp(the kQuantile-quantile of the changes) - 1: a run's median lands beyond ±noise of the previous run's in about
// 1 - kQuantile of the pairs, half of them slower. Fewer than kMinRuns - 1 pairs: unknown, and a verdict rests on
// the one run it compares.
//
// Why not a robust spread (the median change) alone: a machine whose time flips between two levels in some of the
// runs has that flip as its noise, which the median of the changes does not see.
struct RunNoise {
    static constexpr int kMinRuns = 5; // 4 consecutive pairs: below that a quantile is one run's accident
    static constexpr int kMaxRuns = 31; // the newest 30 pairs: the machine as it is now, not a year ago
    static constexpr double kQuantile = 0.95;
    // A change beyond this multiple of the median change, after which the level stays, is a step of the program.
    // Three: a normal spread of the changes exceeds 3x its median in about 4% of the pairs, and such a change in
    // noise comes back in the next runs about as often as it stays, so little noise is taken for a step.
    static constexpr double kStepFactor = 3.0;
    static constexpr int kStepRuns = 2; // the next runs that must stay on the far side of a step

    QString host; // the host the runs ran on ("" when the candidate's host is not known: no noise then)
    QList<qint64> runIds; // the runs it rests on, oldest first (history ids; none for runs given directly)
    int runs = 0;
    int pairs = 0;
    int failedGateRuns = 0; // earlier runs of the same work left out because they failed a gate
    int steps = 0; // lasting steps left out of the changes
    double noise = kUnknown; // a fraction: 0.08 for ±8%; unknown below kMinRuns runs
    // The baseline was measured interleaved with the candidate in one run (`parlab run --interleave-with`): the
    // machine's drift between runs never came between them, so there is no run-to-run noise to allow for, and the
    // verdict does not rest on one run of each.
    bool interleaved = false;

    bool known() const { return std::isfinite(noise); }
    // "±8.1% from 12 earlier runs on host vm1", "not measured: 2 earlier runs of this experiment on vm1, 5 needed"
    QString text() const;

    // The noise of `earlier` (oldest first, runs of the candidate's work on its host that did not fail a gate: the
    // caller chose them); `candidate`, when given, shows where each combination's time is now: the newest run after a
    // change, never a change itself.
    static RunNoise of(const QList<RunResult>& earlier, const QString& host, const RunResult* candidate = nullptr);
    // The noise of the runs in `store` before run `candidateId` (every run when -1, as for a candidate not
    // stored) that measured the same work as `candidate` on its host, in the time the gate judges.
    static Result<RunNoise> fromHistory(
        HistoryStore& store, const RunResult& candidate, qint64 candidateId, GateTime time = GateTime::Wall);
};

// A regression gate: the candidate run against a baseline, failing when a combination is slower by more than
// the allowed fraction and the machine's run-to-run noise, and significantly so (Mann-Whitney, as compareRuns).
struct GateRow {
    enum class Verdict {
        Slower, // beyond max(allowed, noise) and significant: fails the gate
        WithinNoise, // slower beyond the allowed fraction but not beyond this machine's run-to-run noise
        WithinAllowance, // slower, but not beyond the allowed fraction
        NotSignificant, // beyond the threshold, but the samples do not show it (p >= alpha)
        Faster,
        NoChange,
        Missing, // measured in only one of the runs: not gated
        NotComparable,
    };
    ComparisonRow comparison; // A = baseline, B = candidate
    Verdict verdict = Verdict::Missing;
    bool fails() const { return verdict == Verdict::Slower; }
};
// "slower", "within noise", "within allowance", "not significant", "faster", "no change", "missing",
// "not comparable"
QString gateVerdictName(GateRow::Verdict verdict);

struct Gate {
    enum class Outcome { Pass, Fail, NotComparable };
    static constexpr double kDefaultSlowerBy = 0.05;

    double slowerBy = kDefaultSlowerBy; // the allowed slowdown, a fraction (--fail-on slower:5 is 0.05)
    GateTime time = GateTime::Wall;
    RunNoise noise;
    double threshold = kDefaultSlowerBy; // max(slowerBy, noise): what a slowdown must exceed to fail
    QString baseline; // "run 12" or the file's path
    qint64 baselineId = -1; // the baseline's history id, -1 for a file
    qint64 candidateId = -1; // the candidate's history id, -1 when not stored
    Comparison comparison;
    QList<GateRow> rows;
    Outcome outcome = Outcome::Pass;
    // Whether the outcome decides (--fail-on given): only an enforced gate's outcome stays with the run in the history
    // and its exports, since without --fail-on the verdict is information, not a gate. The caller's to set.
    bool enforced = false;
    // One sentence that says why: "threads x2 is 12.3% slower than the baseline (run 4), beyond the 5% allowed and
    // this machine's run-to-run noise (±3.1% from 12 earlier runs), p = 0.0002".
    QString reason;

    bool failed() const { return outcome == Outcome::Fail; }

    // Evaluates `candidate` against `baseline` (named `baselineName` in the reason: "run 12", a file's path) with
    // `noise` from the history (unknown: the verdict rests on the one pair of runs), in `time` (the noise must be of
    // the same time). `slowerBy` is a fraction (0.05). `acrossMachines`: judge runs of different machines or settings
    // too (compareRuns). The ids are the caller's to set.
    static Gate evaluate(const RunResult& baseline, const QString& baselineName, const RunResult& candidate,
        double slowerBy, const RunNoise& noise, GateTime time = GateTime::Wall, bool acrossMachines = false);
};
// "pass", "fail", "not comparable"
QString gateOutcomeName(Gate::Outcome outcome);
// The outcome gateOutcomeName() names, none for any other text.
std::optional<Gate::Outcome> gateOutcomeFromName(const QString& name);

// `--baseline last[:LABEL]`: the newest run of `store` a gate can judge `spec` against: finished, of the same work, not
// failed its own gate (so a retry of a failed job is judged against the run before the regression, not the
// regression), of `label` when one is given (`last:main` for a pull request's job). An error that says why none is.
Result<qint64> lastBaseline(HistoryStore& store, const ExperimentSpec& spec, const std::optional<QString>& label);
// Why run `baseline` (of the history or a file) cannot be a baseline for `spec`, before anything is measured: other
// work, nothing measured, still `running` (the history's status). Empty when it can.
QString baselineProblem(const RunResult& baseline, const ExperimentSpec& spec, bool running = false);

// `--fail-on slower[:PCT]`: the allowed slowdown as a fraction, PCT in percent (default 5, above 0, at most 1000);
// an error that says what is wrong with the text.
Result<double> parseFailOn(const QString& text);

} // namespace parlab
