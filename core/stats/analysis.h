#pragma once

#include <QList>
#include <QStringList>
#include <QtGlobal>

namespace parlab {

struct Measurement;
struct RunResult;

// Whether analyse() computes the speedups' bootstrap intervals (linear in the samples: about 3 ms a measurement
// of 100 samples, 0.3 s of 10,000). A list of many stored runs shows point figures only and skips them;
// everything else is computed the same either way.
enum class Intervals { Bootstrap, Skip };

// Derives everything that follows from the raw samples of a (possibly partial) run: per-measurement
// statistics, speedups with confidence intervals, efficiencies, bounds, Amdahl and Karp-Flatt, warnings.
// Pure: it reads samples, the task costs in `bounds.taskCostsS`, the spec, the environment, the counts and
// how the run ended. The live run and the history (on every load) call it alike, so their figures agree.
void analyse(RunResult& result, Intervals intervals = Intervals::Bootstrap);
// How many times analyse() ran in this process: its cost is the largest of loading or importing a run, and the
// tests hold each path to one analysis per run with it.
qint64 analyseCalls();

// How other programs competed for the cores during an analysed run, the same tests its warnings apply: "load
// average 3.10 on 2 logical cores at the start", "threads x2 waited for a core 25% of its time"; empty when they
// did not. A comparison names it: a busy machine's times drift by more than a quiet one's.
QString busyMachine(const RunResult& result);

// Where a dispatcher served `m`'s hand-outs (a pool's parent, MPI's rank 0) and each took longer than its backend's
// other worker counts allow, the warning analyse() raises for it: the scheduler placed its processes where every
// round trip crosses cores ("processes x1: each hand-out took 51.26 µs, 2.4 times as long as at 2 workers …"); empty
// where they did not.
QString slowPlacement(const RunResult& result, const Measurement& m);
// Where `m`'s repeats drew two placements of their threads (RepeatAccount::startedAway: some began a worker on
// another core than the runner's thread, some did not), each in at least 3 repeats and a tenth of them, and the
// slower draw's median is 1.5 times the faster's and apart by 5% of the measurement's median, the warning analyse()
// raises for it ("threads x1: 8 of 35 repeats ran a worker's first task on another core … and took 157 µs, the other 27
// took 52 µs …"); empty elsewhere, and where the run pinned the workers.
QString twoPlacements(const RunResult& result, const Measurement& m);

// Whether `warning` is one analyse() raised in an earlier wording and words otherwise now ("the run was cancelled
// after 3 of 100 measurements", which counted warm-ups and repeats as measurements). A stored or imported run's copy
// of it is no warning of its own beyond the analysis, which raises the current wording.
bool isEarlierWording(const QString& warning);

// analyse() for a run in progress, at a cost that does not grow with the number of repeats so far: after a
// repeat of one measurement it derives again only what that repeat changed. analyse() after every repeat
// recomputed every measurement's statistics and interval, so a run's analysis grew with the square of
// --repeat (500 repeats: over two minutes). Here, after measurement i's repeat:
// - i's statistics and warnings are derived again; every other measurement's stay as they are (their
//   samples did not change);
// - every point figure that reads several measurements (speedups, efficiencies, Karp-Flatt, bounds, Amdahl)
//   is derived again: O(measurements), no sample is touched;
// - i's interval is computed again while it has at most kExactSamples samples, then whenever its samples or
//   its baseline's have grown by an eighth since it was last computed. Over a run of R repeats that is
//   about 9 intervals of R samples: linear in R. A live interval thus rests on at least 8/9 of the samples.
// finish() is analyse(): the figures a run ends with are exact and the same as the history's.
class LiveAnalysis final {
public:
    static constexpr qsizetype kExactSamples = 64;

    // After measurement `index` of `result` recorded a repeat (a sample, or a failure).
    void update(RunResult& result, qsizetype index);
    void finish(RunResult& result);

private:
    struct Interval {
        double low = 0;
        double high = 0;
        qsizetype baselineSamples = -1; // what it was computed from; -1: not computed
        qsizetype samples = -1;
    };

    QList<Interval> m_intervals; // by measurement
    QList<QStringList> m_warnings; // each measurement's own warnings, by measurement
};

} // namespace parlab
