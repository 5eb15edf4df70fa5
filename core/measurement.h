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

} // namespace parlab

Q_DECLARE_METATYPE(parlab::Measurement)
