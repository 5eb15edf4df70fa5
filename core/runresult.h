#pragma once

#include "environment.h"
#include "experimentspec.h"
#include "measurement.h"
#include "stats/scaling.h"
#include "unknown.h"

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QMetaType>
#include <QString>
#include <QStringList>
#include <memory>

namespace parlab {

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
    // backend -> the Universal Scalability Law's fit, or why there is none; for every backend with an Amdahl fit
    QMap<QString, UslFit> usl;
    // backend -> Gustafson's serial fraction fitted to a weak run's scaled speedups (strong runs have none)
    QMap<QString, double> gustafsonSerialFraction;
    QStringList warnings;
    // What ran a backend where it is not this program: "Python 3.11.2 (/usr/bin/python3)", by backend id.
    QMap<QString, QString> runtimes;
    quint64 referenceChecksum = 0;
    bool cancelled = false;
    QString error; // empty when the run succeeded (or was cancelled)
    int completedRuns = 0;
    int plannedRuns = 0;
    // A run measured interleaved with a baseline program (Runner::setInterleavedWith): the baseline's run, measured
    // in the same rounds; null otherwise. Not stored with this run: the history keeps it as a run of its own.
    std::shared_ptr<const RunResult> interleavedBaseline;

    bool succeeded() const { return !cancelled && error.isEmpty() && failedRuns() == 0; }
    int failedRuns() const;
    // What a cancelled or failed run kept, in the units its table shows: "2 timed repeats of 30, in 1 of 6
    // measurements" (warm-ups are never kept, so they are not counted).
    QString keptSummary() const;
    const Measurement* find(const QString& backend, int workers) const;
};

} // namespace parlab

Q_DECLARE_METATYPE(parlab::RunResult)
