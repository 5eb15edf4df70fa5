#pragma once

#include "backend.h"

#include <QJsonObject>
#include <memory>
#include <vector>

namespace parlab {

class ChildProcess;

// Where the worker executable is and how to start one.
namespace WorkerLauncher {
// helperPath(Helper::Worker): $PARLAB_WORKER_EXECUTABLE, else the `parlab` beside the running program.
QString executable();
// `kernelSettings`: RunOptions' kernel settings in JSON, which the worker reads with the same codec. `cpu` >= 0:
// the worker pins itself to that CPU before it reads a task (option pin), or ends with a fatal line saying why not.
QStringList arguments(const QString& kernel, const QJsonObject& kernelSettings, int worker, int cpu = -1);
Availability availability();
// A `parlab worker`: one process, about 2 MiB of its own beside the libraries all workers share (8 MiB allowed,
// for page tables, pipe buffers and the kernel's heap), three pipes in ParLab.
constexpr WorkerFootprint footprint()
{
    return { .processes = 1, .memoryBytes = 8 << 20, .launcherFiles = 3 };
}
} // namespace WorkerLauncher

// Settings the out-of-process backends share, from the experiment's options.
struct ProcessOptions {
    int chunkSize = 1; // tasks handed to a pool worker at once (multiprocessing's chunksize)
    double taskTimeoutS = 0; // a task running longer is killed; 0 = no limit
    QJsonObject kernelSettings; // the kernel's settings (RunOptions::kernelSettings), passed on to each worker
    QList<int> cpus; // worker i's CPU (Backend::pinWorkers); empty: not pinned

    static ProcessOptions from(const RunOptions& options);
};

// A set of `parlab worker` child processes and the loop that feeds them: either a long-lived pool (each
// worker takes the next chunk when it is free) or one fresh worker per input. Never hangs on a dead or
// misbehaving worker: end of file, a signal, garbage on the pipe, or a task past its timeout all end the
// batch with a BackendError naming the input, the pid and what happened. Every child is stopped
// (SIGTERM to its process group, 500 ms, SIGKILL) on cancel, on error and on destruction.
class WorkerProcesses final {
public:
    enum class Mode { Pool, PerTask };

    explicit WorkerProcesses(Mode mode);
    ~WorkerProcesses();

    void run(const Kernel& kernel, const QList<qint64>& inputs, int workers, RunControl& control,
        QList<TaskSpan>& spans, const ProcessOptions& options);
    // One worker per input only: how long the last run() waited in fork-and-exec and in reaping each finished
    // worker, the parent's serial part of a process's start and hand-out (NaN for a pool, whose hand-out is a
    // write and a read of a line).
    Backend::SerialWork lastSerialWork() const { return m_serialWork; }
    // CPU seconds used so far by the workers that are still alive (not yet counted by getrusage).
    double liveCpuSeconds() const;
    // What each worker used during the last run() (Backend::collectUsage): a pool's workers are asked (a round trip
    // each, at most kUsageWaitMs, after which a silent one's figures are unknown); the processes of
    // a per-task run reported as they ended, and a slot's figures are those of the processes it ran.
    QList<WorkerUsage> collectUsage();
    static constexpr int kUsageWaitMs = 2000;
    void stopAll();

private:
    struct Slot;
    void startPool(const QString& kernel, const ProcessOptions& options, int count);
    std::unique_ptr<ChildProcess> spawn(const QString& kernel, const ProcessOptions& options, int worker);

    Mode m_mode;
    Backend::SerialWork m_serialWork;
    std::vector<std::unique_ptr<Slot>> m_slots;
    QList<WorkerUsage> m_perTaskUsage; // of the last per-task run, by slot
    QString m_poolKernel;
    QJsonObject m_poolSettings;
    QList<int> m_poolCpus;
};

} // namespace parlab
