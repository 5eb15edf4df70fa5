#pragma once

#include "backend.h"
#include "cpus.h"
#include "result.h"
#include "runoptions.h"

#include <QJsonObject>
#include <QStringList>
#include <memory>

namespace parlab {

class ChildProcess;

// Real CPython running the kernel: `python-sequential` (a plain loop), `python-threads`
// (concurrent.futures.ThreadPoolExecutor.map) and `python-processes` (multiprocessing.Pool.map), each a
// long-lived interpreter running resources/python/parlab_worker.py, started on the first execute and kept
// for the life of this object, as a program keeps its Pool: warmup pays the start-up, repeats measure the
// map. The script runs pure-Python fib, sleep, spin and primes with the C++ kernels' checksums and reports
// per-task spans on CLOCK_MONOTONIC. With python_native every python-* backend calls ParLab's own C++
// kernel through ctypes (libparlab_kernels.so) instead, which releases the GIL during the call: the C
// extension lesson, in real CPython. The interpreter runs in a process group of its own, so a cancel stops
// its pool processes too.
class PythonBackend final : public Backend {
public:
    enum class Mode { Sequential, Threads, Processes };

    explicit PythonBackend(Mode mode);
    ~PythonBackend() override;

    static BackendFacts facts(Mode mode);
    // Needs a working Python 3.7+ (option python, else python3 on the PATH) and, with python_native, the
    // kernel library. Asks each interpreter its version once per program.
    static Availability availabilityWith(const RunOptions& options);
    // Why python-* backend `id` cannot run `kernel`: one without a Python version, or with python_native one
    // that has settings (the library makes kernels with default settings).
    static Result<void> checkKernel(const QString& id, const Kernel& kernel, const RunOptions& options);
    // "Python 3.11.2 (/usr/bin/python3)", plus whether it is free-threaded and whether kernels are native;
    // empty when there is no working interpreter.
    static QString runtimeWith(const RunOptions& options);

    QString id() const override;
    Availability availability() const override;
    // python (interpreter), python_native, chunksize (Pool.map's), switch_interval_ms (sys.setswitchinterval).
    void configure(const RunOptions& options) override;

    QString runtime() const override { return runtimeWith(m_options); }
    // python-sequential: pins the interpreter's main thread, which runs its loop, for each execute.
    void pinTasks(int cpu) override { m_taskCpu = cpu; }
    double liveChildCpuSeconds() const override;
    void execute(const Kernel& kernel, const QList<qint64>& inputs, int workers, RunControl& control,
        QList<TaskSpan>& spans) override;

    // The kernels the worker script has in pure Python.
    static QStringList pythonKernels();
    // helperPath(Helper::KernelLibrary): $PARLAB_KERNEL_LIBRARY, else the installed or built library.
    static QString kernelLibrary();

private:
    void startInterpreter(int workers, RunControl& control);
    void stopInterpreter();
    // The next JSON message from the interpreter; throws Cancelled, or BackendError (after stopping it) when
    // it died, gave up or wrote something that is not the protocol. `doing` completes "... while %1".
    QJsonObject nextMessage(RunControl& control, const QString& doing);
    [[noreturn]] void fail(const QString& message);

    Mode m_mode;
    RunOptions m_options;
    Result<QString> m_python = QString(); // the interpreter to run, or why there is none (configure() sets it)
    bool m_native = false;
    int m_chunkSize = 1;
    double m_switchIntervalS = 0.005;
    std::unique_ptr<ChildProcess> m_child;
    int m_childWorkers = 0;
    bool m_childEof = false;
    int m_taskCpu = -1;
    // The interpreter's pin during a batch, given back at its end and before the interpreter stops (so a pid
    // reused after it cannot be touched).
    ScopedPin m_pin;
};

} // namespace parlab
