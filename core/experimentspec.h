#pragma once

#include "result.h"
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

class Kernel;

// How many times the base inputs' work a measurement of backend `backend` at `workers` does: `workers` under weak
// scaling for a backend that uses workers, else 1 (a strong run; a baseline, which has no workers).
int workScale(const ExperimentSpec& spec, const QString& backend, int workers);
// The inputs a measurement at work scale `scale` runs: the spec's own at 1; above it (weak scaling) the kernel's
// size rule applied to each input (Kernel::scaledInput), or, for a kernel without one, the inputs `scale` times
// over.
QList<qint64> scaledInputs(const ExperimentSpec& spec, const Kernel& kernel, int scale);
// That rule in words, for a weak run's notes: "at N workers each input is N times as many milliseconds (spin's size
// rule)", "at N workers the 6 inputs N times over"; empty for a strong run.
QString scaledInputsRule(const ExperimentSpec& spec);
// The same rule for the base inputs' measured costs (one per input): what a weak measurement's bounds read.
QList<double> scaledCosts(const ExperimentSpec& spec, const QList<double>& costs, int scale);

// The range of one whole-number field, declared once for `parlab run`'s flags, presets, the window and imported
// files; each caller puts the field's name as its user knows it before the message ("--workers",
// "spec.workers[2]", "preset 'x': field 'repeats'").
struct CountRange {
    qint64 min = 0;
    qint64 max = 0;

    // "0 is out of range, use 1 to 1024".
    Result<void> check(qint64 value) const;
    // The same message for a value as text (one that no qint64 holds: "1e+300").
    QString outOfRange(const QString& value) const;
};
inline constexpr CountRange kWorkerRange { 1, ExperimentSpec::kMaxWorkers };
inline constexpr CountRange kRepeatRange { 1, ExperimentSpec::kMaxRepeats };
inline constexpr CountRange kWarmupRange { 0, ExperimentSpec::kMaxRepeats };

// A name the registry knows, else "unknown kernel 'fibb': did you mean 'fib'? (known: ...)"; the same for backends.
Result<void> checkKernelName(const QString& name);
Result<void> checkBackendId(const QString& id);

// 1, 2, 4, ... up to the logical core count, which is always included.
QList<int> defaultWorkerCounts();

// Worker counts written in the input language ("1,2,4", "1..16"), duplicates dropped, each in kWorkerRange.
// A mistake's message starts with `label` as the user typed it ("--workers at column 3 ('x'): ..." for a parse
// error, "--workers: 0 is out of range, use 1 to 1024").
Result<QList<int>> parseWorkerCounts(const QString& text, const QString& label);

// What validateSpec asks of a spec: that it can run here (before a run: the user's code is loaded in what will run
// it); the same without looking up the hostfile's hosts, which may wait seconds on a DNS server, nor loading the
// user's code, which may take seconds too (on a window's thread: the run's own check, on the runner's thread, does
// both); or only that it could have run somewhere (a run recorded elsewhere, read from
// a file: a backend this machine lacks, such as mpi, is fine).
enum class SpecCheck { RunHere, RunHereWithoutLookups, Recorded };

// Everything wrong with the spec that would stop it from running, as one message naming what and where
// ("workers: 0 is out of range, use 1 to 1024"). Checks names, ranges, the options, every input against the
// kernel, each backend against the kernel and, for RunHere, that each backend is available and loads the user's
// code (BackendRegistry::checkCode).
Result<void> validateSpec(const ExperimentSpec& spec, SpecCheck check = SpecCheck::RunHere);

// The closest of `candidates` to `name` (for "did you mean"), or an empty string when none is close.
QString closestName(const QString& name, const QStringList& candidates);

} // namespace parlab

Q_DECLARE_METATYPE(parlab::ExperimentSpec)
