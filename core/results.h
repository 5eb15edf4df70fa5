#pragma once

#include "environment.h"
#include "experimentspec.h"

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QMetaType>
#include <QString>
#include <limits>

namespace parlab {

inline constexpr double kUnknown = std::numeric_limits<double>::quiet_NaN();

// Two figures are the same when equal or both unknown (a view asking whether a figure changed).
inline bool sameNumber(double a, double b)
{
    return a == b || (a != a && b != b);
}

// One task as it ran: which input, on which worker, when (system-wide monotonic clock, ns).
struct TaskSpan {
    qint64 input = 0;
    int index = 0; // position in the input list
    int worker = 0; // thread, process slot or rank
    qint64 pid = 0;
    QString host; // set where workers may run on other machines (MPI)
    qint64 startNs = 0;
    qint64 endNs = 0;
    quint64 checksum = 0;

    double seconds() const { return double(endNs - startNs) * 1e-9; }
};

// What a thread under the GIL model was doing (drawn green / red / grey in the timeline).
enum class LockState : quint8 { Running, Waiting, Released };
QString lockStateName(LockState state); // "running", "waiting", "released"

// One interval of one worker's lock state (system-wide monotonic clock, ns).
struct StateSpan {
    int worker = 0;
    LockState state = LockState::Running;
    qint64 startNs = 0;
    qint64 endNs = 0;
};

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
    // Worker-seconds idle after each worker's last task until the repeat's last task ended, as a fraction of
    // workers x wall time, in the latest repeat (the one whose spans are kept): what uneven tasks cost.
    double imbalance = kUnknown;
    quint64 checksum = 0;
    QList<TaskSpan> spans; // of the latest repeat
    QList<StateSpan> states; // lock states of every worker in the latest repeat (gil-threads), else empty
    QList<qint64> switches; // lock hand-overs of each repeat (gil-threads), else empty
    QList<double> launchS; // start-up before the first task of each repeat, where a backend reports it (mpirun)
    double launchMedianS = kUnknown;
    int failedRuns = 0; // repeats that failed (with on_error continue), not in samplesS
    QString lastError;

    QString label() const { return QStringLiteral("%1 x%2").arg(backend).arg(workers); }
};

// Speedup ceilings from the tasks' sequentially measured costs (see SpeedupBounds for what each means).
struct Bounds {
    QList<double> taskCostsS; // median sequential duration of each input, in input order
    double critical = kUnknown; // sum / max: the bound with unlimited workers
    QMap<int, double> lpt; // workers -> sum / makespan of longest-processing-time-first
};

// One run as measured so far. It carries no run number: a result reaches the window or the CLI only through
// the RunSession of its run, so results of an old run cannot be taken for a new one's.
struct RunResult {
    ExperimentSpec spec;
    Environment environment;
    QDateTime created;
    QList<Measurement> measurements;
    Bounds bounds;
    QMap<QString, double> amdahlSerialFraction; // backend -> fitted serial fraction
    QStringList warnings;
    // What ran a backend where it is not this program: "Python 3.11.2 (/usr/bin/python3)", by backend id.
    QMap<QString, QString> runtimes;
    quint64 referenceChecksum = 0;
    bool cancelled = false;
    QString error; // empty when the run succeeded (or was cancelled)
    int completedRuns = 0;
    int plannedRuns = 0;

    bool succeeded() const { return !cancelled && error.isEmpty() && failedRuns() == 0; }
    int failedRuns() const;
    const Measurement* find(const QString& backend, int workers) const;
};

} // namespace parlab

Q_DECLARE_METATYPE(parlab::Measurement)
Q_DECLARE_METATYPE(parlab::RunResult)
