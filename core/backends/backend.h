#pragma once

#include "backendregistry.h"
#include "measurement.h"
#include "taskspan.h"
#include "unknown.h"

#include <QList>
#include <QString>
#include <exception>
#include <mutex>
#include <stdexcept>

namespace parlab {

class Context;
class Kernel;
class RunControl;
struct RunOptions;

// A task or backend failure with a message a user can act on.
class BackendError final : public std::runtime_error {
public:
    explicit BackendError(const QString& message)
        : std::runtime_error(message.toStdString())
    { }
    QString message() const { return QString::fromStdString(what()); }
};

// One way of running a list of inputs with a number of workers. `execute` runs every input once, fills one
// span per input (in input order) and returns; it throws Cancelled when the run is cancelled and
// BackendError when a task fails. The runner keeps one backend object per (backend, workers) combination
// for a whole run, so a backend may keep costly resources (a process pool) between calls. What a backend is
// (description, worker noun, baseline, the options it reads) is in its static facts() (BackendFacts), which the
// registry lists without making one.
class Backend {
public:
    virtual ~Backend();

    virtual QString id() const = 0;
    // Whether it can run here as configured: its facts' availability check with the options it was given.
    virtual Availability availability() const { return {}; }
    // The experiment's options (chunksize, task_timeout_s, ...), once, before the first execute. The codec and
    // validateSpec have checked their ranges already.
    virtual void configure(const RunOptions& options) { Q_UNUSED(options); }
    // CPU seconds used so far by child processes that are still alive, which getrusage cannot see yet.
    virtual double liveChildCpuSeconds() const { return 0; }
    // Starts what every following execute with these workers reuses (mpirun's job), so that the repeats time the
    // work and not the launch. The runner calls it before each timed execute, outside the timing; a backend whose
    // resources are up returns at once. Throws like execute. Backends without such a phase do nothing.
    virtual void start(const Kernel& kernel, int workers, RunControl& control)
    {
        Q_UNUSED(kernel);
        Q_UNUSED(workers);
        Q_UNUSED(control);
    }
    // Seconds the last start() spent launching (mpirun until every rank was ready), measured once per launch and
    // shown apart from the repeats; NaN when it launched nothing.
    virtual double lastLaunchSeconds() const { return kUnknown; }
    // The workers' lock states during the last execute and the number of lock hand-overs (the GIL model);
    // empty and -1 for backends without a lock.
    virtual QList<StateSpan> lastStates() const { return {}; }
    virtual qint64 lastSwitches() const { return -1; }
    // What the last execute used, as far as the backend measures it: each worker's context switches and, for a
    // worker process, its peak memory, in worker order; the peak of the process its tasks run under (its runtime);
    // or why it could not measure them (RepeatUsage::whyUnknown). The runner adds its own process's peak. It asks
    // after every execute, warm-ups included, outside the timing: a backend whose workers outlive an execute (a pool)
    // has them report here, and they count afresh from their next task.
    virtual RepeatUsage collectUsage() { return {}; }
    // Seconds the dispatching thread spent blocked for the workers during the last execute, one worker at a time:
    // starting each one (before its first task) and between a worker's tasks (handing out, spawning the next). What
    // the schedule simulator takes as the serial share of start-up and hand-out (Schedule::calibrate); NaN where a
    // backend does not measure it.
    struct SerialWork {
        double startupS = kUnknown;
        double dispatchS = kUnknown;
    };
    virtual SerialWork lastSerialWork() const { return {}; }
    // What runs the tasks when it is not this program (an interpreter and its version); empty otherwise.
    // Called after configure().
    virtual QString runtime() const { return {}; }
    // Runs worker i's tasks in every following execute on CPU cpus[i] alone, and lets them run anywhere again when
    // that execute ends; empty lifts the pins. Option pin places the workers (Topology::placement, as many CPUs as
    // workers); a baseline's one worker goes where option baseline_core says. The runner asks only the backends
    // whose facts list Option::Pin or Option::BaselineCore; an execute that cannot pin throws BackendError naming
    // the worker and the CPU.
    virtual void pinWorkers(const QList<int>& cpus) { Q_UNUSED(cpus); }

    virtual void execute(
        const Kernel& kernel, const QList<qint64>& inputs, int workers, RunControl& control, QList<TaskSpan>& spans)
        = 0;
};

// Runs input #index through the kernel and times it: the one place every in-process backend calls the
// kernel from. The span gets the task's thread CPU time and run-queue delay where TaskClock samples it.
// A kernel's own exception becomes a BackendError naming the input; Cancelled passes through.
TaskSpan runTask(const Kernel& kernel, const QList<qint64>& inputs, int index, Context& context, qint64 pid);

// Pins the calling thread, which runs worker `worker`'s tasks, to that worker's CPU in `cpus` (pinWorkers); nothing
// when `cpus` is empty. Throws BackendError "cannot pin worker 1 to CPU 5: ...".
void pinWorkerThread(const QList<int>& cpus, int worker);
// "cannot pin worker 1 to CPU 5: <why>": how every backend says a pin failed.
QString pinFailure(int worker, int cpu, const QString& why);

// "input 60000 (#2) ran longer than the task timeout of 0.3 s": how every backend that times tasks says so.
QString taskTimeoutMessage(qint64 input, int index, double timeoutS);

// Keeps the first failure of a multi-worker batch and stops the sibling workers at once.
class FirstFailure final {
public:
    explicit FirstFailure(RunControl& control)
        : m_control(control)
    { }
    // Call from a catch block.
    void capture(const std::exception_ptr& failure);
    // After the workers joined: rethrows the failure, else Cancelled when the run was cancelled.
    void rethrow() const;

private:
    RunControl& m_control;
    mutable std::mutex m_mutex;
    std::exception_ptr m_failure;
};

} // namespace parlab
