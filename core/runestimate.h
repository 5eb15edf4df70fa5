#pragma once

#include "experimentspec.h"

#include <QFuture>
#include <QList>
#include <QString>
#include <optional>

namespace parlab {

class Kernel;

// How long one kernel takes here, per unit of its cost model (Kernel::cost): the kernel timed on a cheap input of
// the calibration's own choosing (never the user's expensive one), in this process, on one thread, in that
// thread's CPU time (wall time for I/O kernels): what it takes with a core to itself.
struct KernelCalibration {
    double secondsPerCost = 0;
    qint64 input = 0; // the input the figure comes from
    int runs = 0; // how often that input ran for it
    double elapsedS = 0; // what the whole calibration took, every step of its ladder included
    qint64 atNs = 0; // when it ended (monotonicNs)
    // For CPU work, the calibration's wall time over its CPU time: 1 when it had a core to itself, 3 when it got a
    // third of one (the scheduler's share, nice levels included, which the load average does not see).
    double busy = 1;
};

// One (backend, workers) combination of the plan, as the estimate sees it.
struct EstimatedPart {
    QString backend;
    int workers = 1;
    int rounds = 0; // warm-up and measured rounds
    double roundS = 0; // one execute of every input
    double startS = 0; // once per run: a process pool, an interpreter, mpirun's job
    double totalS() const { return rounds * roundS + startS; }
};

// What a whole run of a spec should take, before it runs: the kernel's cost model turned into seconds by a
// calibration, scaled per backend (a sum for the sequential ones and for CPU work under a lock; for parallel
// ones the longest-task-first schedule of the tasks on min(workers, cores) workers, or on every worker for I/O
// work), plus process and interpreter start-ups, for every warm-up and measured round. Aimed at catching
// hours-long mistakes, within about a factor of two for CPU kernels, not at predicting a figure. On a machine busy
// with other programs (its load average) CPU work gets a share of the cores, as the scheduler hands them out.
struct RunEstimate {
    bool known = false;
    double seconds = 0;
    QString why; // when unknown: why ("the command kernel runs your own code, whose cost ParLab cannot know")
    QList<EstimatedPart> parts; // in plan order
    double setupS = 0; // once per run, before the first round (each core's speed is timed)
    // The other programs' runnable threads the estimate allowed for, and how much longer they make sequential CPU
    // work.
    double load = 0;
    int cores = 1;
    double busyFactor = 1;
    // The input that costs the most in all, and its share of the estimate.
    QString kernel;
    qint64 biggestInput = 0;
    int biggestCount = 0;
    double biggestS = 0;

    // "about 3 min", "about 2 weeks", or "unknown".
    QString label() const;
    // "fib(50) × 10000 inputs: about 3 months" (one input: "fib(50): about 2 min"); empty when unknown.
    QString biggestText() const;
    // One line per part of the plan (backend, workers, rounds, each round, start-up, in all), then the total and
    // the biggest contributor: what `parlab run --dry-run` prints and the window's tooltip shows.
    QString planText() const;
};

namespace RunEstimator {
// Above this a window asks before it starts a run: long enough for a coffee, short enough to catch a typo that
// costs hours.
inline constexpr double kConfirmAboveS = 10 * 60;
inline constexpr double kRecalibrateAfterS = 60;

// A duration in words, rounded as a person would say it: "under a second", "about 40 s", "about 3 min",
// "about 5 h", "about 4 days", "about 3 weeks", "about 5 months", "about 12 years".
QString durationText(double seconds);

// Times `kernel` (configured) on inputs of its range from the cheapest up, until one takes a few milliseconds,
// within about 50 ms in all. Blocks: call it off a window's thread.
KernelCalibration calibrate(const Kernel& kernel);

// The estimate from a calibration's figure, with `cores` logical cores and other programs keeping `load` threads
// runnable: no timing, cheap.
RunEstimate estimateWith(
    const ExperimentSpec& spec, const Kernel& kernel, double secondsPerCost, int cores, double load = 0);

// The estimate from `calibration` on this machine: its cores, and the other programs that kept them busy during
// the calibration (their share from calibration.busy; where the calibration had a core to itself, the load average
// up to the cores left over). No timing, cheap.
RunEstimate estimateWith(const ExperimentSpec& spec, const Kernel& kernel, const KernelCalibration& calibration);

// The estimate for `spec` here. Calibrates its kernel and settings the first time (blocking, about 50 ms), then
// reuses the figure for kRecalibrateAfterS, after which it times the kernel again: the machine's load drifts.
// Thread-safe: meant for a worker thread (estimateAsync).
RunEstimate estimate(const ExperimentSpec& spec);
// The same on a pool thread; the future's result comes back wherever a QFutureWatcher is.
QFuture<RunEstimate> estimateAsync(const ExperimentSpec& spec);
// The estimate when the spec's kernel and settings were calibrated (however long ago) or need no calibration,
// without timing anything: fit for a window's thread. Empty while a calibration is missing.
std::optional<RunEstimate> estimateIfCalibrated(const ExperimentSpec& spec);
} // namespace RunEstimator

} // namespace parlab

Q_DECLARE_METATYPE(parlab::RunEstimate)
