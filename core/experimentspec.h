#pragma once

#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>
#include <QVariantMap>

namespace parlab {

// What to measure: a kernel over inputs, on backends x worker counts, each repeated.
struct ExperimentSpec {
    QString kernel;
    QList<qint64> inputs;
    QStringList backends;
    QList<int> workers;
    int repeats = 5;
    int warmup = 1;
    // chunksize, task_timeout_s, on_error ("stop" or "continue"), kernel settings such as command, and
    // backend settings: switch_interval_ms (double, gil-threads), release_gil (bool, gil-threads),
    // python (interpreter path, python-*), python_native (bool, python-threads calls the C++ kernel via
    // ctypes), hostfile and mpirun_args (mpi).
    QVariantMap options;

    bool continueOnError() const
    {
        return options.value(QStringLiteral("on_error")).toString() == QStringLiteral("continue");
    }

    static constexpr int kMaxWorkers = 1024;
    static constexpr int kMaxRepeats = 10'000;
};

// 1, 2, 4, ... up to the logical core count, which is always included.
QList<int> defaultWorkerCounts();

// Worker counts written in the input language ("1,2,4", "1..16"), duplicates dropped, each 1 to
// kMaxWorkers. On a mistake: an empty list and `error` set, prefixed with `label` as the user typed it
// ("--workers at column 3 ('x'): ..." for a parse error, "--workers: 0 is out of range, use 1 to 1024").
QList<int> parseWorkerCounts(const QString& text, const QString& label, QString* error);

// Everything wrong with the spec that would stop it from running, as one message naming what and where;
// an empty string when it can run. Checks names, ranges and every input against the kernel.
QString validateSpec(const ExperimentSpec& spec);

// Checks the options every run understands: chunksize (>= 1), task_timeout_s (>= 0), on_error
// (stop|continue), switch_interval_ms (0 < ms <= 1000), release_gil and python_native (bools). Kernel-specific options
// are checked by the kernel's configure().
QString validateOptions(const QVariantMap& options);

// The closest of `candidates` to `name` (for "did you mean"), or an empty string when none is close.
QString closestName(const QString& name, const QStringList& candidates);

} // namespace parlab

Q_DECLARE_METATYPE(parlab::ExperimentSpec)
