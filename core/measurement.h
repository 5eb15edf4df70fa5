#pragma once

#include "taskspan.h"
#include "unknown.h"

#include <QList>
#include <QMetaType>
#include <QString>
#include <algorithm>

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
    // Of startupS and dispatchS, what the dispatching thread spent blocked for one worker at a time (a process per
    // task: fork and exec, reaping the finished one), where the backend measures it (Backend::lastSerialWork).
    double startupSerialS = kUnknown;
    double dispatchSerialS = kUnknown;
    // How many workers ran their first task on another CPU than the one the starting thread was on as the repeat
    // began (Accounting::startedAway), where the backend starts its workers as threads of this process; NaN
    // elsewhere. On two cores a 1-worker repeat of threads draws its starter's core or the other, idle one, and the
    // other's start-up and finish are twice as long (Schedule::calibrate).
    double startedAway = kUnknown;
};

// What one worker used in one repeat, measured where it ran (getrusage and /proc of its own thread or process);
// -1 where not measured.
struct WorkerUsage {
    int worker = 0;
    qint64 pid = 0; // the process it ran in
    // A worker process's own peak resident memory in the repeat (its high-water mark, reset as the repeat began);
    // -1 for a thread, whose memory is its process's.
    qint64 peakRssBytes = -1;
    // Its own and those of the programs its tasks ran (wait4's), where they ran any:
    qint64 voluntarySwitches = -1; // times it gave up its core: it blocked (sleep, I/O, a lock, waiting for work)
    qint64 involuntarySwitches = -1; // times it was preempted: its time slice ended while another thread could run
    // The largest peak resident memory of the programs its tasks ran and waited for (the command kernel's), each as
    // wait4 reported it when it was reaped (what /usr/bin/time -v shows for that program); -1 where they ran none.
    qint64 programPeakRssBytes = -1;

    friend bool operator==(const WorkerUsage&, const WorkerUsage&) = default;
};

// Memory and context switches of one repeat: raw data, recorded by the runner and stored with its sample.
struct RepeatUsage {
    // The peak resident memory of the process that ran the repeat (ParLab, or its engine process): its high-water
    // mark (VmHWM) reset just before the repeat, so the tasks of every in-process backend are in it; -1 where the
    // kernel does not let a process reset it.
    qint64 processPeakRssBytes = -1;
    QList<WorkerUsage> workers {}; // in worker order; empty where the backend measures none
    // The peak of the process the backend's tasks run under, apart from ParLab and the worker processes: the Python
    // interpreter (its threads are python-threads' workers; python-processes' pool is its children), mpirun. -1 where
    // there is none or it was not measured.
    qint64 runtimePeakRssBytes = -1;
    // Why the repeat's peak memory is not known, in words a user can act on; empty where it is known.
    QString whyUnknown {};

    // The repeat's peak resident memory: the process's own plus the runtime's, each worker process's own and each
    // worker's largest program's, -1 when the process's is unknown. A sum of peaks: what they held at once if they
    // peaked together (a pool's workers run like tasks side by side; a worker's programs run one after another,
    // beside it), more than that if not. Pages shared between processes (libraries) count in each.
    qint64 peakRssBytes() const
    {
        if (processPeakRssBytes < 0)
            return -1;
        qint64 total = processPeakRssBytes + std::max<qint64>(0, runtimePeakRssBytes);
        for (const WorkerUsage& w : workers)
            total += std::max<qint64>(0, w.peakRssBytes) + std::max<qint64>(0, w.programPeakRssBytes);
        return total;
    }
    // The largest one process held: what `/usr/bin/time -v` reports as its "Maximum resident set size" for the
    // whole tree of processes; -1 when unknown.
    qint64 largestProcessRssBytes() const
    {
        qint64 largest = std::max(processPeakRssBytes, runtimePeakRssBytes);
        for (const WorkerUsage& w : workers)
            largest = std::max({ largest, w.peakRssBytes, w.programPeakRssBytes });
        return largest;
    }
    // Whether the memory of tasks that run outside ParLab's process was measured: the runtime's, or a worker
    // process's own.
    bool tasksApartMeasured() const
    {
        return runtimePeakRssBytes >= 0
            || std::any_of(workers.cbegin(), workers.cend(), [](const WorkerUsage& w) { return w.peakRssBytes >= 0; });
    }
    // Over all workers; -1 when none measured it.
    qint64 voluntarySwitches() const { return sum(&WorkerUsage::voluntarySwitches); }
    qint64 involuntarySwitches() const { return sum(&WorkerUsage::involuntarySwitches); }

    friend bool operator==(const RepeatUsage&, const RepeatUsage&) = default;

private:
    qint64 sum(qint64 WorkerUsage::*field) const
    {
        qint64 total = -1;
        for (const WorkerUsage& w : workers) {
            if (w.*field >= 0)
                total = std::max<qint64>(total, 0) + w.*field;
        }
        return total;
    }
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
    QList<RepeatUsage> usage; // of each repeat, beside samplesS (empty for runs recorded before 0.3)
    double launchMedianS = kUnknown;
    // Derived from `usage` (NaN where no repeat measured it): the largest repeat's peak resident memory in bytes
    // (RepeatUsage::peakRssBytes), and the median repeat's context switches, all workers together.
    double peakRssBytes = kUnknown;
    double voluntarySwitches = kUnknown;
    double involuntarySwitches = kUnknown;
    int failedRuns = 0; // repeats that failed (with on_error continue), not in samplesS
    QString lastError;

    QString label() const { return QStringLiteral("%1 x%2").arg(backend).arg(workers); }
};

} // namespace parlab

Q_DECLARE_METATYPE(parlab::Measurement)
