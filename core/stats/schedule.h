#pragma once

#include "experimentspec.h"
#include "unknown.h"

#include <QList>
#include <QPair>
#include <QString>

namespace parlab {

struct RunResult;
struct WorkerStarts;

// A simulator of the schedule our backends run, to predict the wall time (and so the speedup) of worker counts
// that were not measured, on this machine or a bigger one. Every worker-using backend self-schedules from one queue
// in input order: a free worker takes the next `chunk` inputs. Besides the tasks' own costs the model has what the
// accounting of lost speedup (Accounting::account) measures of each repeat: the start-up before each worker's first
// task, the hand-out between its tasks and the finish after the last one. Starting the workers is always done by
// one thread, one worker after another (the runner's thread creates threads, spawns processes, writes the first
// chunks); handing out tasks is, where workers are processes the parent feeds, spawns or serves as rank 0. With more
// busy workers than cores everything runnable shares the cores equally (processor sharing): tasks, the dispatcher's
// work and the workers' own start-up and hand-out work.
namespace Schedule {

// What a backend costs beside its tasks, in seconds.
struct Costs {
    double startupS = 0; // one worker: the batch's start to its first task, when nothing else is started
    double dispatchS = 0; // one hand-out after a worker's first: its last task's end to its next task's start
    double finishS = 0; // the last task's end to the batch's end (joining threads, reaping the last process)
    // A worker that starts on another core than the thread starting it, where the run measured such starts apart
    // from the rest (calibrate): its start-up, and the finish of a batch that had one. Every worker after the first
    // starts so, as the first worker holds its starter's core; NaN where not known: as the first.
    double awayStartupS = kUnknown;
    double awayFinishS = kUnknown;
    // Of startupS and dispatchS, the part that the one dispatcher spends, for one worker at a time; the rest the
    // worker spends on its own, beside the others.
    double startupSerialShare = 0;
    double dispatchSerialShare = 0;
    // How much later than a worker started alone the k-th started at once reaches its first task: (k, seconds) at the
    // counts measured, ascending from (1, 0) (startupLag); empty: starts that never delay each other. Linear between
    // two counts; beyond the last, growing at the rate between the last two. Where it is known, the k-th worker's
    // start-up is startupS and the lag at k, all its own: the lag holds the one thread's starting of the others.
    QList<QPair<int, double>> startupLagS;
    // Whether every hand-out starts a worker (a process per task): it then takes what one more start at once adds to
    // the last one's lag.
    bool handOutStarts = false;
    // How much longer than one worker's the finish of k started at once takes (joining or reaping them all): (k,
    // seconds) at the counts measured, ascending from (1, 0) (finishGrowth); as startupLagS between and beyond them.
    QList<QPair<int, double>> finishGrowthS;
    // How much longer than one worker's alone a hand-out takes while k workers take theirs from the one queue (a
    // shared counter's cache line and the tasks' records crossing cores; a pool's parent serving workers on other
    // cores than its own, where a message wakes another core): (k, seconds) at the counts measured,
    // ascending from (1, 0) (handOutGrowth); as startupLagS between and beyond them. Not where a hand-out starts a
    // worker (the start-up lag holds that).
    QList<QPair<int, double>> handOutGrowthS;
    double slowdown = 1; // a task's time on this backend over its cost in the baseline (calibrate: what is left)
    // Whether the batch ends only when every worker started has ended, a worker that found nothing left included
    // (threads are joined); else when the last task ends (a pool's processes stay, a slot without a task is no
    // process).
    bool joinsWorkers = false;
};

struct Setup {
    QList<double> costsS; // each input's cost alone, in input order
    int workers = 1;
    int cores = 1; // logical cores that run them
    int chunk = 1; // inputs per hand-out
    Costs costs;
    // Several machines (an MPI hostfile): each host's cores, which its workers share; the workers fill the hosts'
    // cores in order (mpirun's placement by slot), the dispatcher runs on the first. Empty: one host of `cores`.
    QList<int> hostCores;
    // One message between two hosts: a worker on another host than the dispatcher's waits one for its request to
    // arrive and one for the reply, at start-up and at every hand-out.
    double hopS = 0;
};

// The batch's wall time, in seconds.
double wallTime(const Setup& setup);

// The start-up of the k-th worker started (from 1) in a batch: startupS (awayStartupS after the first, where known)
// and the lag at k (startupLagS), never below 0.
double startupAt(const Costs& costs, int k);
// The finish of a batch of `workers`: finishS (awayFinishS with more than one, where known) and its growth there
// (finishGrowthS), never below 0.
double finishAt(const Costs& costs, int workers);

// The lag that WorkerStarts measured: at each count k, how much later than in the batch of one the batch of k workers
// (one noop task each) reached its end less its finish (the last task's end to the batch's end), which the model
// gives the last of the k to start; empty when fewer than two counts were measured. Without the finish: the longer
// finish of more workers (joining or reaping them, 1.5 ms of a 2.5 ms lag between two processes started per task and
// one) is the batch's, once, where a lag is paid at every hand-out of a process per task (which it made 16% too slow
// on noop); finishGrowth has it. The lag, not a share of each start-up: on a 2-core VM a thread's start-up in a run (72
// µs) was three times the probe's (20 µs), while the second of two started about 15 µs after the first in both. Where
// the probe kept each round's batch, a count whose batches a rank-sum test cannot tell from one worker's (p at or above
// kSignificance) lags by nothing.
QList<QPair<int, double>> startupLag(const WorkerStarts& starts);

// What WorkerStarts measured of the finish: at each count k, how much longer the batch of k took from its last task's
// end to its end than the batch of one; empty as startupLag. A count whose batches a rank-sum test cannot tell from one
// worker's grows by nothing, as it lags by nothing.
QList<QPair<int, double>> finishGrowth(const WorkerStarts& starts);

// What WorkerStarts measured of the hand-outs: at each count k whose handOutS it has, how much longer a worker's
// noop task and hand-out took while k took theirs than while one did; empty where fewer than two counts have it. On
// this 2-core VM 51-57 ns alone and 139-220 ns on each of two threads: a noop batch of 300 on two threads spent as
// long in its tasks as on one. Where one dispatcher spends a share of each hand-out (dispatchSerialShare), a
// worker's cycle holds the others' served in turn, and the hand-out is the cycle over k times that share (at least
// one): a pool's parent took 7.3-7.8 µs a noop hand-out with one worker on its core and 8.5-9.4 with a second on
// the other, which a prediction from one worker missed by 17-21%.
QList<QPair<int, double>> handOutGrowth(const WorkerStarts& starts);

// Of a starting or handing-out cost, the share that one thread spends for one worker at a time. Start-up is
// always started by one thread (the runner's creates the threads, spawns the processes, writes the first chunk),
// but a worker's own start (a thread's first scheduling, a process's exec and library loading) runs beside the
// others. Hand-outs go through one dispatcher where the workers are processes that the parent feeds, spawns or
// rank 0 serves; threads take their next task themselves.
double startupSerialShare(const QString& backendId);
double dispatchSerialShare(const QString& backendId);
// Whether `backendId` starts a fresh worker process for every hand-out (process-per-task).
bool startsAWorkerPerHandOut(const QString& backendId);
// Whether one dispatcher serves every hand-out of `backendId` with a message and its reply (a pool's parent, MPI's
// rank 0).
bool servesHandOuts(const QString& backendId);
// Inputs per hand-out of `backendId` in a run of `spec`: option chunksize where the backend takes it, else 1.
int chunkOf(const ExperimentSpec& spec, const QString& backendId);
// The hand-outs of a measurement of `backendId` at `workers` in a run of `spec`: one per chunk of the inputs it ran
// (the spec's, grown in a weak run), a worker's first among them.
int handOuts(const ExperimentSpec& spec, const QString& backendId, int workers);

// What a run measured of backend `backendId`, made into the simulator's figures, from its measurement at
// `fromWorkers` (the one calibrated on; the other counts are only checked against). Reads the per-repeat accounts
// (the median of each figure over the repeats) or, in a run read from a JSON export, the losses of its median
// repeat; the tasks' costs are the run's bounds (each input's sequential median), or equal shares of the baseline's
// median where a file does not have them. The tasks' slowdown is what makes the model spend the measurement's own
// median wall time at fromWorkers: a prediction at the calibration's count is the measurement. Where the run measured
// its backend's start with several workers at once (Environment::workerStarts), each worker starts as late as
// measured (startupLag), from what the calibration's count measured.
struct Calibration {
    Setup setup; // as calibrated: at fromWorkers, on the run's logical cores
    double baselineS = kUnknown; // the baseline's median wall time: speedup = baselineS / wallTime
    double measuredS = kUnknown; // the calibration measurement's own median
    int fromWorkers = 0;
    // What it predicts for: in a weak run (scaledInputs) the tasks at N workers are the base tasks grown N times over,
    // and the speedup is the scaled speedup N.T1/TN.
    ExperimentSpec spec;
    QString backendId;
    QList<double> baseCostsS; // each base input's cost; setup.costsS are those grown to fromWorkers
    QString note; // what was assumed, when something was ("task costs unknown: equal shares assumed")
    QString error; // why it cannot predict, when it cannot ("threads has no measurement at 1 worker")
};
Calibration calibrate(const RunResult& result, const QString& backendId, int fromWorkers);

// The predicted speedup of `calibration` at `workers` on `cores`, or on the hosts of `hostCores` with `hopS` between
// them (Setup's); NaN when it cannot predict.
double speedup(
    const Calibration& calibration, int workers, int cores, const QList<int>& hostCores = {}, double hopS = 0);

// The predicted speedup of every worker-using measurement of `result` at its own worker count, calibrated on the
// smallest count its backend measured (the prediction that JSON export and the charts show beside the
// measurement), on the run's logical cores; NaN where it cannot predict.
double predictedSpeedup(const RunResult& result, const QString& backendId, int workers);

// What the charts draw beside each backend's measured speedups: the prediction at every count it measured and at
// the doublings beyond, up to twice the largest (how far it goes on), on the run's logical cores, calibrated on the
// smallest count it measured; by workers. Empty where it cannot predict.
struct CurvePoint {
    int workers = 1;
    double speedup = kUnknown;
};
QList<CurvePoint> predictedCurve(const RunResult& result, const QString& backendId);

} // namespace Schedule

} // namespace parlab
