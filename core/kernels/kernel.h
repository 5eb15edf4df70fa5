#pragma once

#include "result.h"

#include <QList>
#include <QString>
#include <QStringList>

namespace parlab {

class Context;
struct OptionDescriptor;
struct RunOptions;

// A task of a given size as a kernel runs it (Kernel::taskOfSize): the kernel to run and its input.
struct SizedTask {
    QString kernel;
    qint64 input = 0;
};

enum class KernelKind { Cpu, Io, Memory, Mixed };
QString kernelKindName(KernelKind kind);

// The inputs a kernel accepts, and why the limits are where they are.
struct InputRange {
    qint64 min = 0;
    qint64 max = 0;
    QString reason;
};

// A function of one integer input that every backend runs, the same compiled code in every one.
// `run` returns a checksum that must not depend on the backend, the worker or the timing.
class Kernel {
public:
    virtual ~Kernel();

    virtual QString name() const = 0;
    virtual QString description() const = 0;
    virtual KernelKind kind() const = 0;
    // What one input means, e.g. "n", "milliseconds", "MiB".
    virtual QString inputMeaning() const = 0;
    virtual InputRange range() const = 0;
    // Relative cost of one input (any unit, only ratios matter): for ETAs before anything was measured.
    virtual double cost(qint64 input) const = 0;
    // Whether cost() predicts run time at all: false where nobody knows what an input costs (a user's program),
    // so that an estimate says "unknown" instead of inventing a figure.
    virtual bool costIsKnown() const { return true; }
    // Whether this kernel runs code a user brought (a Python function, a shared library) rather than ParLab's. Such
    // code may crash the process it runs in, so a run of it goes to an engine process of its own
    // (Runner::runsInEngine); and its results are the user's to get right, so a checksum that differs between
    // backends is reported as their function being non-deterministic or racy, not as a backend that computed
    // something else.
    virtual bool isUsersCode() const { return false; }
    // Whether run() can execute it in this program, so that ParLab's native backends (sequential, threads,
    // processes, mpi, ...) can run it. False for a Python function (py:), which only an interpreter runs: the
    // python-* backends; the registry refuses every other backend for it before anything runs.
    virtual bool runsNatively() const { return true; }
    virtual quint64 run(qint64 input, Context& context) const = 0;
    // Weak scaling's size rule (option scaling weak): the one input that is `scale` times `input`'s work, where
    // the kernel has such an input (spin and sleep: `scale` times the milliseconds). Without one (the default),
    // a weak run repeats the inputs `scale` times instead. Either way the work is exactly `scale` times the
    // base inputs', which scaled speedup (N.T1/TN) assumes.
    virtual bool scalesBySize() const { return false; }
    virtual qint64 scaledInput(qint64 input, int scale) const { return input * scale; }

    // A task of `ms` milliseconds of work, for a task-size sweep (parlab run --sweep): the kernel that runs it, this
    // one or a finer-grained sibling (spin's input is whole milliseconds, so spin sends sizes to spin-us), and its
    // input. Only kernels whose input is a duration have one; the rest say so ("fib has no task-size rule: ...").
    // A size the kernel cannot ask for exactly (0.5 ms of sleep) is an error, never rounded.
    virtual Result<SizedTask> taskOfSize(double ms) const;

    // The settings this kernel reads, declared here so that a kernel with settings stays one file: each
    // becomes an option in files (RunOptions::kernelSettings), on the command line and in the window. Only
    // key, flag, label, type, defaultValue, valueName and help need filling; the registry adds the rest.
    virtual QList<OptionDescriptor> settings() const;
    // Reads the kernel's own settings (RunOptions::kernelSetting); an error a user can act on when they cannot
    // run ("the command kernel needs a program to run").
    virtual Result<void> configure(const RunOptions& options)
    {
        Q_UNUSED(options);
        return {};
    }
    // The keys of this kernel's settings that `options` sets away from their defaults: what a backend that cannot
    // pass settings on (python-*) must refuse rather than ignore.
    QStringList settingsInUse(const RunOptions& options) const;
    // After configure(), where finding out whether the user's code loads takes a process of its own (a library
    // that this process only reads, LibraryKernel::setLoadsHere): the error a user can act on. The last and
    // slowest check before a run here (validateSpec's SpecCheck::RunHere), never on a window's thread.
    virtual Result<void> checkLoads() const { return {}; }

    // An error a user can act on when `input` is outside the range.
    Result<void> checkInput(qint64 input) const;
    // The same for a whole list: the first input out of range, named with its position ("(input #2 of 6)").
    Result<void> checkInputs(const QList<qint64>& inputs) const;

protected:
    // For taskOfSize: `count` of `unit` (1000 "µs" for 1 ms) as `kernel`'s input when it is a whole number in
    // `kernel`'s range, else why not ("spin-us counts whole microseconds: 0.0005 ms is 0.5 of them").
    Result<SizedTask> sizedTask(const QString& kernel, double ms, double count, const QString& unit) const;
};

} // namespace parlab
