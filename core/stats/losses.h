#pragma once

#include <QList>
#include <QString>
#include <QtGlobal>

namespace parlab {

struct Bounds;
struct Losses;
struct Measurement;
struct RepeatAccount;
struct StateSpan;
struct TaskSpan;
enum class TaskLock;

// The accounting of lost speedup. A measurement with N workers and wall time W had N.W worker-seconds; the
// baseline's time T1 of them did the work; the rest was lost, and is split into named parts (fractions of N.W)
// so that useful (= T1 / N.W) + the parts = 1. The split explains one real repeat: the one whose wall time is the
// median, against the baseline's median repeat.
namespace Accounting {

// Tasks that waited for a core more than this share of the workers' time, where the workers alone fit the cores,
// ran on a busy machine: the run's warnings and the lessons' verdicts say so.
constexpr double kBusyShare = 0.10;

// Where the worker-seconds of one repeat went: the repeat ran from startNs to endNs (the runner's clock, the
// spans' clock) with `workers` workers. A task whose CPU time or run-queue delay was not measured (too short to
// sample) counts as running all its wall time; a repeat with no measured task at all has neither figure. `states`
// are the simulated lock's (gil-threads); the runner passes none for python-threads, whose measured states picture
// waits its tasks' off-CPU time already holds.
RepeatAccount account(
    const QList<TaskSpan>& spans, const QList<StateSpan>& states, qint64 startNs, qint64 endNs, int workers);

// How many of the workers in `spans` ran their first task (the earliest to start) on another CPU than
// `starterCpu`, the CPU the thread that started them was on: NaN where that or a first task's CPU is not known.
double startedAway(const QList<TaskSpan>& spans, int starterCpu);

// The repeat whose wall time is the median: the lower middle of an even count; -1 for none.
qsizetype medianRepeat(const QList<double>& samplesS);

// The split of `m` against `baseline` (which may be m itself); every part unknown when either has no account. `scale`:
// how many times the baseline's work m did (a weak run, workScale): the baseline's repeat counts that many times
// over, as if it had run the grown inputs one copy after another.
Losses losses(const Measurement& m, const Measurement& baseline, TaskLock lock, int scale = 1);

// One named part: its key in JSON and CSV, its share in Losses, and what a user reads.
struct Part {
    const char* key; // "cpu_wait"
    double Losses::*share;
    const char* label; // "waiting for a core"
    const char* meaning; // one line: what it is and how it is measured
};
// startup, dispatch, imbalance, slowdown, lock_wait, cpu_wait, blocked, unexplained: the order of every table,
// chart and line that shows them.
const QList<Part>& parts();
// The share that did the baseline's work, as a Part for the charts that stack it under the parts.
const Part& useful();

// "lost 19%: waiting for a core 12%, imbalance 5%, slowdown 2%": the parts above `minimum`, largest first; empty
// when nothing is known.
QString summary(const Losses& losses, double minimum = 0.01);

// The share of N.W that the longest-task-first schedule of these tasks leaves idle on `workers` workers (1 - its
// speedup / N): the imbalance these tasks cost even when handed out that well, shown beside `imbalance`; NaN when
// the bound is not known.
double scheduleImbalance(const Bounds& bounds, int workers);

// The measurement whose tasks waited longest for a core where its workers alone fit `logicalCores` (or a
// backend without workers): what other programs took. Null when none has a known split.
const Measurement* busiest(const QList<Measurement>& measurements, int logicalCores);

} // namespace Accounting

} // namespace parlab
