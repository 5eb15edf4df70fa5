#pragma once

#include "taskspan.h"
#include "unknown.h"

#include <QList>
#include <QMetaType>
#include <QString>

namespace parlab {

// Summary statistics of one sample set (seconds).
struct SampleStats {
    double median = kUnknown;
    double mean = kUnknown;
    double stddev = kUnknown; // sample standard deviation (n - 1)
    double mad = kUnknown; // median absolute deviation, unscaled
    double min = kUnknown;
    double max = kUnknown;
    double cv = kUnknown; // stddev / mean
    QList<int> outliers; // indices into the samples, modified z-score > 10
};

// How one repeat's worker-seconds (workers x its wall time) were spent, summed over its workers, in seconds:
// raw data, recorded by the runner from the repeat's spans, stored with its sample. The accounting of lost
// speedup (Losses, derived by analyse()) splits a repeat's time with it. NaN where not measured.
struct RepeatAccount {
    double startupS = kUnknown; // before each worker's first task
    double dispatchS = kUnknown; // between one task's end and the same worker's next start
    double tailS = kUnknown; // after each worker's last task until the repeat ended; a worker with no task: all
    double taskS = kUnknown; // inside tasks (wall)
    double taskCpuS = kUnknown; // inside tasks, on a core (the tasks' own thread CPU time)
    double taskWaitS = kUnknown; // inside tasks, runnable but waiting for a core (run-queue delay)
    double lockWaitS = kUnknown; // inside tasks, waiting for the simulated GIL (gil-threads' lock states)
    // Outside tasks (before a worker's first, between two, after its last, or a worker with none), waiting for the
    // simulated GIL: taken out of startupS, dispatchS and tailS, so those hold only idle time of other causes.
    double lockIdleS = kUnknown;
};

// Where a measurement's lost speedup went, as fractions of its workers x wall time (N.W) in the repeat whose wall
// time is the median: useful + the parts = 1, `unexplained` being what the named parts do not cover. Each part
// counts what this repeat spent beyond what the baseline's median repeat spent in it (the baseline's own time is
// all useful), so the baseline's own parts are 0 and a backend with no loss has none. NaN where not known.
struct Losses {
    double useful = kUnknown; // the baseline's time over N.W: the efficiency of this repeat
    double startup = kUnknown; // before each worker's first task, beyond the baseline's
    double dispatch = kUnknown; // gaps between a worker's tasks, beyond the baseline's
    double imbalance = kUnknown; // after each worker's last task, beyond the baseline's
    double slowdown = kUnknown; // tasks needed more CPU than in the baseline (negative: less)
    double lockWait = kUnknown;
    double cpuWait = kUnknown; // runnable, waiting for a core, beyond the baseline's own wait
    double blocked = kUnknown; // other off-CPU time in tasks beyond the baseline's
    double unexplained = kUnknown;
    // Beside the parts, not one of them:
    double waited = kUnknown; // all the time tasks waited for a core, over N.W (other programs, oversubscription)
    double slowdownSpread = kUnknown; // how much the slowdown varies between repeats (IQR over N.W)
};

// Everything measured for one (backend, workers) combination so far.
struct Measurement {
    QString backend;
    int workers = 1;
    QList<double> samplesS; // wall time of each repeat
    QList<double> cpuS; // CPU time (user + system, children included) of each repeat
    SampleStats wall;
    double cpuMedianS = kUnknown;
    double speedup = kUnknown; // median(T_baseline) / median(T)
    double speedupLow = kUnknown;
    double speedupHigh = kUnknown;
    double efficiency = kUnknown; // speedup / workers
    double selfSpeedup = kUnknown; // T(this backend, 1 worker) / T(this backend, workers)
    double karpFlatt = kUnknown; // experimentally determined serial fraction at this worker count
    Losses losses; // where the time beyond the baseline's went (the median repeat)
    qsizetype medianRepeat = -1; // the repeat whose wall time is the median: the one the losses explain
    double taskCpuIqrS = kUnknown; // interquartile range of the repeats' in-task CPU time (machine drift)
    quint64 checksum = 0;
    QList<TaskSpan> spans; // of the latest repeat
    QList<StateSpan> states; // lock states of every worker in the latest repeat (gil-threads), else empty
    QList<qint64> switches; // lock hand-overs of each repeat (gil-threads), else empty
    QList<double> launchS; // each launch of what the backend keeps for all repeats (mpirun's job), apart from them
    QList<RepeatAccount> accounts; // of each repeat, beside samplesS (empty for runs recorded before 0.2)
    double launchMedianS = kUnknown;
    int failedRuns = 0; // repeats that failed (with on_error continue), not in samplesS
    QString lastError;

    QString label() const { return QStringLiteral("%1 x%2").arg(backend).arg(workers); }
};

} // namespace parlab

Q_DECLARE_METATYPE(parlab::Measurement)
