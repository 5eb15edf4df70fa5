#pragma once

#include "backend.h"
#include "cpus.h"
#include "kernels/usercode.h"
#include "processusageprobe.h"
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
// map. The script runs pure-Python fib, sleep, spin and primes with the C++ kernels' checksums, or the user's own
// function (a py: kernel, PythonFunctionKernel: each process loads it by path, its results hashed into checksums),
// and reports per-task spans on CLOCK_MONOTONIC. With python_native every python-* backend calls ParLab's own C++
// kernel through ctypes (libparlab_kernels.so) instead, which releases the GIL during the call: the C
// extension lesson, in real CPython. A user's Python function (py:) runs as it is; a user's C function (lib:) is
// called through ctypes the same way, native or not. The interpreter runs in a process group of its own, so a
// cancel stops its pool processes too.
//
// python-threads records its threads' lock states, measured: the interpreter starts its executor's threads
// before it says it is ready and names their thread ids, and while a batch runs a ThreadStateSampler reads each
// one's state from /proc every kStateSampleNs, from outside the interpreter (lockStates() says what they mean).
// They are a picture: the accounting's lock_wait for CPython stays the tasks' measured off-CPU time.
class PythonBackend final : public Backend {
public:
    enum class Mode { Sequential, Threads, Processes };

    // How often python-threads reads its threads' states: the measured lock strip's resolution.
    static constexpr qint64 kStateSampleNs = 1'000'000;

    explicit PythonBackend(Mode mode);
    ~PythonBackend() override;

    static BackendFacts facts(Mode mode);
    // Needs a working Python 3.7+ (option python, else python3 on the PATH) and, with python_native, the
    // kernel library. Asks each interpreter its version once per program.
    static Availability availabilityWith(const RunOptions& options);
    // Why python-* backend `id` cannot run `kernel`: one without a Python version, or with python_native one
    // that has settings (the library makes kernels with default settings).
    // A user's Python function (py:) runs without python_native only, a user's C function (lib:) with or without;
    // whether either loads is checkCode's question.
    static Result<void> checkKernel(const QString& id, const Kernel& kernel, const RunOptions& options);
    // For a user's Python function: runs the interpreter with the worker script's --check, which imports the file or
    // module and finds the function as a run would, and returns what it found wrong (no file, a syntax error and
    // its line, an import that raised, no such function, not callable, not callable with one argument). For a
    // user's C function, whether ctypes loads the library into that interpreter. Remembered per interpreter,
    // function and PYTHONPATH while the file is unchanged.
    static Result<void> checkCode(const Kernel& kernel, const RunOptions& options);
    // The top-level functions of the user's Python code at `location` (a .py file or a module, as in
    // py:LOCATION:FUNC), read by the interpreter `options` name with the worker script's --list: parsed, not run, so
    // that a file is listed even where importing it takes long or fails; each says whether it takes one argument.
    static Result<CodeListing> listFunctions(const QString& location, const RunOptions& options);
    // "Python 3.11.2 (/usr/bin/python3), with the GIL" (or ", free-threaded: no GIL"), and whether kernels are native;
    // empty when there is no working interpreter.
    static QString runtimeWith(const RunOptions& options);

    QString id() const override;
    Availability availability() const override;
    // python (interpreter), python_native, chunksize (Pool.map's), switch_interval_ms (sys.setswitchinterval),
    // task_timeout_s (a task that runs longer ends the interpreter and its pool, and fails the batch).
    void configure(const RunOptions& options) override;

    QString runtime() const override { return runtimeWith(m_options); }
    // python-sequential: pins the interpreter's main thread, which runs its loop, for each execute; python-threads
    // and python-processes: the pool's threads or processes, which the interpreter names when it starts.
    void pinWorkers(const QList<int>& cpus) override { m_cpus = cpus; }
    double liveChildCpuSeconds() const override;
    // Read through /proc (ProcessUsageProbe): the interpreter's peak as the runtime's, each worker's switches (its
    // thread's: python-sequential's main thread, python-threads' executor threads), python-processes' pool
    // processes' own peaks.
    RepeatUsage collectUsage() override;
    // Outside the timing, before each execute: the counts of collectUsage() start afresh.
    void start(const Kernel& kernel, int workers, RunControl& control) override;
    // python-threads: its threads' states in the latest batch (see lockStates()); empty for the others, and where
    // the interpreter did not name its threads (Python 3.7).
    QList<StateSpan> lastStates() const override { return m_states; }
    void execute(const Kernel& kernel, const QList<qint64>& inputs, int workers, RunControl& control,
        QList<TaskSpan>& spans) override;

    // The measured states `seen` of the threads (ThreadStateSampler: running, asleep on a lock, asleep otherwise)
    // as lock states, with the tasks `spans` of the same batch: inside a task of its worker, a thread asleep on a
    // lock waits for the GIL (a pure-Python task blocks on nothing else; time.sleep and C code that releases the
    // GIL sleep elsewhere or run); outside its tasks it is shown released, since waiting for work and waiting for
    // the GIL to take work look alike there. Running stays running: it holds the GIL, or it is runnable (waiting
    // for a core or for the GIL it was just handed). At most `maxPerWorker` states per worker (StateRecord).
    static QList<StateSpan> lockStates(const QList<StateSpan>& seen, const QList<TaskSpan>& spans, int maxPerWorker);

    // For the benchmark in tst_python only, to time python-threads with its state sampling against without: off,
    // it records no states. Not a user option: ParLab always samples.
    void setSampleStates(bool on) { m_sampleStates = on; }
    // CPU time the latest batch's state sampling used in this process (0 without one).
    qint64 lastSamplingCpuNs() const { return m_samplingCpuNs; }

    // The kernels the worker script has in pure Python.
    static QStringList pythonKernels();
    // helperPath(Helper::KernelLibrary): $PARLAB_KERNEL_LIBRARY, else the installed or built library.
    static QString kernelLibrary();

private:
    void startInterpreter(int workers, RunControl& control);
    void stopInterpreter();
    // Pins worker k's thread or process to m_cpus[k]; fails the batch naming the worker and the CPU.
    void pinPoolWorkers();
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
    double m_taskTimeoutS = 0; // the worker script watches its tasks and reports one that runs longer
    std::unique_ptr<ChildProcess> m_child;
    int m_childWorkers = 0;
    QList<qint64> m_threadIds; // python-threads: worker k's thread id, from the interpreter's ready message
    QList<qint64> m_processIds; // python-processes: worker k's process id, likewise
    bool m_sampleStates = true;
    QList<StateSpan> m_states;
    qint64 m_samplingCpuNs = 0;
    bool m_childEof = false;
    QList<int> m_cpus; // pinWorkers'
    ProcessUsageProbe m_usageProbe;
    // The interpreter's pin during a batch, given back at its end and before the interpreter stops (so a pid
    // reused after it cannot be touched).
    ScopedPin m_pin;
};

} // namespace parlab
