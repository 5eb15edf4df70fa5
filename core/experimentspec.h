#pragma once

#include "runoptions.h"

#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>

namespace parlab {

// What to measure: a kernel over inputs, on backends x worker counts, each repeated.
struct ExperimentSpec {
    QString kernel;
    QList<qint64> inputs;
    QStringList backends;
    QList<int> workers;
    int repeats = 5;
    int warmup = 1;
    // How it runs: the failure policy, backend settings and the kernel's own settings (runoptions.h).
    RunOptions options;

    bool continueOnError() const { return options.continueOnError(); }

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

// The closest of `candidates` to `name` (for "did you mean"), or an empty string when none is close.
QString closestName(const QString& name, const QStringList& candidates);

} // namespace parlab

Q_DECLARE_METATYPE(parlab::ExperimentSpec)
