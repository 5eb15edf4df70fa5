#include "threadpoolbackend.h"

#include "context.h"
#include "resourceusage.h"

#include <QCoreApplication>
#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace parlab {

void ThreadPoolBackend::execute(
    const Kernel& kernel, const QList<qint64>& inputs, int workers, RunControl& control, QList<TaskSpan>& spans)
{
    const qint64 pid = QCoreApplication::applicationPid();
    const int count = int(inputs.size());
    spans.resize(count);
    std::atomic<int> next { 0 };
    FirstFailure failure(control);
    // No point starting more threads than there are tasks.
    const int threads = std::clamp(workers, 1, std::max(count, 1));
    std::vector<WorkerUsage> usage(static_cast<size_t>(threads));

    auto work = [&](int worker) {
        const ResourceUsage::Switches start = ResourceUsage::startWorker();
        Context context(control, worker);
        try {
            pinWorkerThread(m_cpus, worker);
            for (int i = next.fetch_add(1, std::memory_order_relaxed); i < count && !control.shouldStop();
                 i = next.fetch_add(1, std::memory_order_relaxed)) {
                spans[i] = runTask(kernel, inputs, i, context, pid);
            }
        } catch (...) {
            failure.capture(std::current_exception());
        }
        usage[size_t(worker)] = ResourceUsage::workerSince(worker, start);
    };

    std::vector<std::jthread> pool;
    pool.reserve(size_t(threads));
    for (int w = 0; w < threads; ++w)
        pool.emplace_back(work, w);
    pool.clear(); // joins
    m_usage = QList<WorkerUsage>(usage.cbegin(), usage.cend());

    failure.rethrow();
    if (next.load() < count)
        throw Cancelled();
}

} // namespace parlab
