#include "gilthreadsbackend.h"

#include "context.h"
#include "gil/gilthreadstate.h"
#include "gil/interpreterlock.h"
#include "optiondescriptor.h"
#include "resourceusage.h"
#include "runoptions.h"

#include <QCoreApplication>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <thread>
#include <vector>

namespace parlab {

BackendFacts GilThreadsBackend::facts()
{
    return { .id = QStringLiteral("gil-threads"),
        .description = QStringLiteral("threads under a simulated GIL (CPython's new GIL): one runs kernel code at a "
                                      "time, a waiter asks for the lock after each switch interval, sleeps release it"),
        .workerNoun = QStringLiteral("thread"),
        .options = { Option::SwitchInterval, Option::ReleaseGil, Option::Pin },
        .lock = TaskLock::Simulated,
        .lockStrip = QStringLiteral("simulated (the GIL model's own record)"),
        .create = [] { return std::unique_ptr<Backend>(std::make_unique<GilThreadsBackend>()); } };
}

void GilThreadsBackend::configure(const RunOptions& options)
{
    // The codec and validateSpec keep the interval in its declared range, so the lock never switches never or
    // constantly.
    m_switchInterval = std::chrono::nanoseconds(std::llround(options.switchIntervalMs * 1e6));
    m_releaseGil = options.releaseGil;
}

void GilThreadsBackend::execute(
    const Kernel& kernel, const QList<qint64>& inputs, int workers, RunControl& control, QList<TaskSpan>& spans)
{
    const qint64 pid = QCoreApplication::applicationPid();
    const int count = int(inputs.size());
    spans.resize(count);
    m_states.clear();
    m_switches = 0;
    m_dropRequests = 0;

    InterpreterLock lock(control, m_switchInterval);
    std::atomic<int> next { 0 };
    std::atomic<int> done { 0 };
    FirstFailure failure(control);
    const int threads = std::clamp(workers, 1, std::max(count, 1));
    std::vector<QList<StateSpan>> states(size_t(threads), QList<StateSpan> {});
    std::vector<WorkerUsage> usage(static_cast<size_t>(threads));
    const int maxSpansPerThread = std::max(64, kMaxStates / threads);

    auto work = [&](int worker) {
        const ResourceUsage::Switches start = ResourceUsage::startWorker();
        GilThreadState thread(lock, worker, maxSpansPerThread);
        Context context(control, worker);
        if (!m_releaseGil)
            context.setLock(&thread);
        try {
            pinWorkerThread(m_cpus, worker);
            // Picking up a task and finishing it are interpreter code: both happen under the lock.
            thread.acquire();
            for (int i = next.fetch_add(1, std::memory_order_relaxed); i < count && !control.shouldStop();
                 i = next.fetch_add(1, std::memory_order_relaxed)) {
                if (m_releaseGil)
                    thread.release(); // Py_BEGIN_ALLOW_THREADS
                spans[i] = runTask(kernel, inputs, i, context, pid);
                if (m_releaseGil)
                    thread.acquire(); // Py_END_ALLOW_THREADS
                done.fetch_add(1, std::memory_order_relaxed);
            }
            thread.release();
        } catch (...) {
            thread.release(); // first, so the siblings can go on to see the stop
            failure.capture(std::current_exception());
        }
        states[size_t(worker)] = thread.finish();
        usage[size_t(worker)] = ResourceUsage::workerSince(worker, start);
    };

    std::vector<std::jthread> pool;
    pool.reserve(size_t(threads));
    for (int w = 0; w < threads; ++w)
        pool.emplace_back(work, w);
    pool.clear(); // joins

    for (const QList<StateSpan>& perThread : states)
        m_states.append(perThread);
    m_switches = lock.switches();
    m_usage = QList<WorkerUsage>(usage.cbegin(), usage.cend());
    m_dropRequests = lock.dropRequests();

    failure.rethrow();
    if (done.load() < count)
        throw Cancelled();
}

} // namespace parlab
