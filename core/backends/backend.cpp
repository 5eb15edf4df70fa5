#include "backend.h"

#include "clock.h"
#include "context.h"
#include "cpus.h"
#include "kernels/kernel.h"
#include "taskclock.h"

namespace parlab {

Backend::~Backend() = default;

TaskSpan runTask(const Kernel& kernel, const QList<qint64>& inputs, int index, Context& context, qint64 pid)
{
    TaskSpan span;
    span.input = inputs[index];
    span.index = index;
    span.worker = context.worker();
    span.pid = pid;
    span.startNs = monotonicNs();
    const std::optional<TaskClock::Reading> begun = TaskClock::begin(span.startNs);
    try {
        span.checksum = kernel.run(span.input, context);
    } catch (const Cancelled&) {
        throw;
    } catch (const std::exception& e) {
        throw BackendError(QStringLiteral("%1 failed on input %2 (#%3): %4")
                               .arg(kernel.name())
                               .arg(span.input)
                               .arg(index + 1)
                               .arg(QString::fromLocal8Bit(e.what())));
    }
    const TaskClock::Usage used = TaskClock::since(begun);
    span.endNs = monotonicNs();
    span.cpu = currentCpu();
    span.cpuNs = used.cpuNs;
    span.waitNs = used.waitNs;
    return span;
}

void pinWorkerThread(const QList<int>& cpus, int worker)
{
    if (cpus.isEmpty())
        return;
    const int cpu = cpus.value(worker, -1);
    if (const Result<void> pinned = pinCurrentThread(cpu); !pinned)
        throw BackendError(pinFailure(worker, cpu, pinned.error()));
}

QString pinFailure(int worker, int cpu, const QString& why)
{
    return QStringLiteral("cannot pin worker %1 to CPU %2: %3").arg(worker).arg(cpu).arg(why);
}

QString taskTimeoutMessage(qint64 input, int index, double timeoutS)
{
    return QStringLiteral("input %1 (#%2) ran longer than the task timeout of %3 s")
        .arg(input)
        .arg(index + 1)
        .arg(timeoutS);
}

void FirstFailure::capture(const std::exception_ptr& failure)
{
    try {
        std::rethrow_exception(failure);
    } catch (const Cancelled&) {
        return; // a consequence of a stop, not a cause
    } catch (...) { }
    {
        std::lock_guard lock(m_mutex);
        if (!m_failure)
            m_failure = failure;
    }
    m_control.abortBatch();
}

void FirstFailure::rethrow() const
{
    std::lock_guard lock(m_mutex);
    if (m_failure)
        std::rethrow_exception(m_failure);
    if (m_control.isCancelled())
        throw Cancelled();
}

} // namespace parlab
