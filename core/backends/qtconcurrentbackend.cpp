#include "qtconcurrentbackend.h"

#include "context.h"
#include "resourceusage.h"

#include <QCoreApplication>
#include <QMap>
#include <QScopeGuard>
#include <QThreadPool>
#include <QtConcurrent/QtConcurrentMap>
#include <algorithm>
#include <atomic>
#include <mutex>
#include <numeric>
#include <optional>

namespace parlab {

namespace {
// QtConcurrent does not say which pool thread runs a task: each thread numbers itself the first time it
// serves a batch, keyed by a process-wide batch number.
std::atomic<quint64> g_batches { 0 };

struct ThreadSlot {
    quint64 batch = 0;
    int worker = 0;
    ResourceUsage::Switches start; // the thread's switches at its first task of the batch
};
thread_local ThreadSlot t_slot;
} // namespace

void QtConcurrentBackend::execute(
    const Kernel& kernel, const QList<qint64>& inputs, int workers, RunControl& control, QList<TaskSpan>& spans)
{
    const qint64 pid = QCoreApplication::applicationPid();
    const quint64 batch = ++g_batches;
    std::atomic<int> nextWorker { 0 };
    FirstFailure failure(control);
    std::mutex usageMutex;
    QMap<int, WorkerUsage> usage; // by worker

    QList<int> indices(inputs.size());
    std::iota(indices.begin(), indices.end(), 0);

    // Tasks that did not run come back with index -1.
    TaskSpan skipped = [] {
        TaskSpan s;
        s.index = -1;
        return s;
    }();
    auto task = [&](int index) -> TaskSpan {
        bool first = false;
        if (t_slot.batch != batch) {
            t_slot.batch = batch;
            t_slot.worker = nextWorker.fetch_add(1, std::memory_order_relaxed);
            first = true;
            t_slot.start = ResourceUsage::startWorker();
        }
        // A pool thread's switches are counted from its first task to the end of its latest one: what it did between
        // tasks inside QtConcurrent is not seen. One reading per task, which a QtConcurrent task's dispatch dwarfs.
        const auto counted = qScopeGuard([&] {
            const WorkerUsage used = ResourceUsage::workerSince(t_slot.worker, t_slot.start);
            std::lock_guard lock(usageMutex);
            usage.insert(used.worker, used);
        });
        if (control.shouldStop())
            return skipped;
        // On this thread's stack, as in the other backends: the kernel's tick counter stays local.
        Context context(control, t_slot.worker);
        try {
            if (first)
                pinWorkerThread(m_cpus, t_slot.worker);
            return runTask(kernel, inputs, index, context, pid);
        } catch (...) {
            failure.capture(std::current_exception());
            return skipped;
        }
    };

    QThreadPool pool;
    pool.setMaxThreadCount(workers);
    QFuture<TaskSpan> future = QtConcurrent::mapped(&pool, indices, task);
    // Wait on the pool, not the future: QFuture::waitForFinished() may steal a queued task and run it in
    // this thread, which would add a worker the user did not ask for.
    pool.waitForDone();
    future.waitForFinished();
    m_usage = usage.values();

    failure.rethrow();
    spans = future.results();
    if (spans.size() != inputs.size()
        || std::any_of(spans.cbegin(), spans.cend(), [](const TaskSpan& s) { return s.index < 0; }))
        throw Cancelled();
}

} // namespace parlab
