#include "sequentialbackend.h"

#include "context.h"
#include "cpus.h"
#include "optiondescriptor.h"
#include "resourceusage.h"
#include "runoptions.h"

#include <QCoreApplication>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace parlab {

namespace {
// Stops the batch (RunControl::abortBatch, which kernels see at their next poll) when the armed task runs past
// its deadline. A thread of its own, started only when there is a timeout.
class TaskWatchdog final {
public:
    TaskWatchdog(RunControl& control, double timeoutS)
        : m_control(control)
        , m_timeout(
              std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(timeoutS)))
    {
        if (timeoutS > 0)
            m_thread = std::thread([this] { watch(); });
    }
    ~TaskWatchdog()
    {
        {
            std::lock_guard lock(m_mutex);
            m_quit = true;
        }
        m_wake.notify_all();
        if (m_thread.joinable())
            m_thread.join();
    }
    TaskWatchdog(const TaskWatchdog&) = delete;
    TaskWatchdog& operator=(const TaskWatchdog&) = delete;

    void arm()
    {
        {
            std::lock_guard lock(m_mutex);
            m_deadline = std::chrono::steady_clock::now() + m_timeout;
            m_armed = true;
        }
        m_wake.notify_all();
    }
    void disarm()
    {
        std::lock_guard lock(m_mutex);
        m_armed = false;
    }
    bool fired() const
    {
        std::lock_guard lock(m_mutex);
        return m_fired;
    }

private:
    void watch()
    {
        std::unique_lock lock(m_mutex);
        while (!m_quit) {
            if (!m_armed) {
                m_wake.wait(lock);
                continue;
            }
            const auto deadline = m_deadline;
            if (m_wake.wait_until(lock, deadline) == std::cv_status::timeout && m_armed && m_deadline == deadline) {
                m_fired = true;
                m_armed = false;
                m_control.abortBatch();
            }
        }
    }

    RunControl& m_control;
    const std::chrono::steady_clock::duration m_timeout;
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::chrono::steady_clock::time_point m_deadline {};
    bool m_armed = false;
    bool m_fired = false;
    bool m_quit = false;
    std::thread m_thread;
};
} // namespace

BackendFacts SequentialBackend::facts()
{
    return { .id = QStringLiteral("sequential"),
        .description = QStringLiteral("the baseline: inputs one after another in the runner thread"),
        .workerNoun = QStringLiteral("thread"),
        .usesWorkers = false,
        .options = { Option::TaskTimeout, Option::BaselineCore, Option::Pin },
        .create = [] { return std::unique_ptr<Backend>(std::make_unique<SequentialBackend>()); } };
}

void SequentialBackend::configure(const RunOptions& options)
{
    m_taskTimeoutS = options.taskTimeoutS;
}

void SequentialBackend::execute(
    const Kernel& kernel, const QList<qint64>& inputs, int, RunControl& control, QList<TaskSpan>& spans)
{
    const qint64 pid = QCoreApplication::applicationPid();
    Context context(control, 0);
    spans.resize(inputs.size());
    m_usage.clear();
    TaskWatchdog watchdog(control, m_taskTimeoutS);
    // After the watchdog started: a thread inherits its starter's CPUs, and the watchdog need not share the core.
    ScopedPin pin;
    if (m_taskCpu >= 0) {
        if (const Result<void> pinned = pin.pin(0, m_taskCpu); !pinned)
            throw BackendError(pinFailure(0, m_taskCpu, pinned.error()));
    }
    const ResourceUsage::Switches start = ResourceUsage::startWorker();
    for (int i = 0; i < inputs.size(); ++i) {
        if (control.shouldStop())
            throw Cancelled();
        watchdog.arm();
        try {
            spans[i] = runTask(kernel, inputs, i, context, pid);
        } catch (const Cancelled&) {
            if (watchdog.fired() && !control.isCancelled())
                throw BackendError(taskTimeoutMessage(inputs[i], i, m_taskTimeoutS));
            throw;
        }
        watchdog.disarm();
        if (watchdog.fired()) // it finished, but only after the deadline
            throw BackendError(taskTimeoutMessage(inputs[i], i, m_taskTimeoutS));
    }
    m_usage = { ResourceUsage::workerSince(0, start) };
}

} // namespace parlab
