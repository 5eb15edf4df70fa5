#include "taskstates.h"

#include "backends/backendregistry.h"
#include "export/formatting.h"
#include "measurement.h"
#include "stats/losses.h"
#include "taskclock.h"
#include "taskspan.h"
#include "unknown.h"

#include <QStringList>
#include <algorithm>
#include <numeric>

namespace parlab {

TaskStates TaskStates::of(const TaskSpan& span, TaskLock lock, qint64 lockWaitNs)
{
    TaskStates t;
    t.m_lock = lock;
    t.m_wallNs = std::max<qint64>(0, span.endNs - span.startNs);
    // -1 is "not measured"; anything else below zero cannot have been measured either.
    if (span.cpuNs < 0 || t.m_wallNs == 0)
        return t;
    t.m_measured = true;
    t.m_coreWaitMeasured = span.waitNs >= 0;
    const qint64 wall = t.m_wallNs;
    const qint64 cpu = std::min(span.cpuNs, wall);
    const qint64 offCpu = wall - cpu;
    const qint64 coreWait = t.m_coreWaitMeasured ? std::min(span.waitNs, offCpu) : 0;
    qint64 lockWait = 0;
    switch (lock) {
    case TaskLock::None:
        break;
    case TaskLock::Simulated:
        lockWait = std::clamp<qint64>(lockWaitNs, 0, offCpu);
        break;
    case TaskLock::Interpreter:
        lockWait = offCpu - coreWait;
        break;
    }
    t.m_ns[Running] = cpu;
    t.m_ns[LockWait] = lockWait;
    t.m_ns[CoreWait] = std::min(coreWait, offCpu - lockWait);
    t.m_ns[Other] = wall - cpu - lockWait - t.m_ns[CoreWait];
    return t;
}

double TaskStates::share(Part part) const
{
    return m_measured ? double(ns(part)) / double(m_wallNs) : kUnknown;
}

std::array<int, TaskStates::PartCount> TaskStates::percents() const
{
    std::array<int, PartCount> whole {};
    if (!m_measured)
        return whole;
    // Hamilton's method: each part's floor, then the points left over to the largest remainders.
    std::array<double, PartCount> remainder {};
    for (int p = 0; p < PartCount; ++p) {
        const double exact = 100.0 * double(m_ns[size_t(p)]) / double(m_wallNs);
        whole[size_t(p)] = int(exact);
        remainder[size_t(p)] = exact - whole[size_t(p)];
    }
    std::array<int, PartCount> order {};
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(
        order.begin(), order.end(), [&remainder](int x, int y) { return remainder[size_t(x)] > remainder[size_t(y)]; });
    int left = 100 - std::accumulate(whole.begin(), whole.end(), 0);
    for (int k = 0; left > 0; k = (k + 1) % PartCount, --left)
        ++whole[size_t(order[size_t(k)])];
    return whole;
}

QString TaskStates::summary() const
{
    if (!m_measured)
        return QStringLiteral("time on a CPU not measured (tasks under %1 ms are sampled only now and then)")
            .arg(QString::number(double(TaskClock::kSampleIntervalNs) * 1e-6));
    const std::array<int, PartCount> shares = percents();
    QStringList named;
    for (Part part : parts(m_lock))
        named << label(part) + QLatin1Char(' ') + Format::percent(shares[size_t(part)] / 100.0);
    QString text = named.join(QStringLiteral(" · ")) + QStringLiteral(" (totals over the task, not when)");
    if (!m_coreWaitMeasured)
        text += QStringLiteral("; the wait for a core was not measured");
    return text;
}

QList<TaskStates::Part> TaskStates::parts(TaskLock lock)
{
    switch (lock) {
    case TaskLock::None:
        return { Running, CoreWait, Other };
    case TaskLock::Simulated:
        return { Running, CoreWait, LockWait, Other };
    case TaskLock::Interpreter:
        return { Running, CoreWait, LockWait };
    }
    return { Running, CoreWait, LockWait, Other };
}

const Accounting::Part& TaskStates::lossPart(Part part)
{
    double Losses::*share = nullptr;
    switch (part) {
    case Running:
    case PartCount:
        return Accounting::useful();
    case CoreWait:
        share = &Losses::cpuWait;
        break;
    case LockWait:
        share = &Losses::lockWait;
        break;
    case Other:
        share = &Losses::blocked;
        break;
    }
    const QList<Accounting::Part>& all = Accounting::parts();
    const auto found
        = std::find_if(all.begin(), all.end(), [share](const Accounting::Part& p) { return p.share == share; });
    Q_ASSERT(found != all.end());
    return found != all.end() ? *found : Accounting::useful();
}

QString TaskStates::lossKey(Part part)
{
    return QLatin1String(lossPart(part).key);
}

QString TaskStates::label(Part part)
{
    switch (part) {
    case Running:
    case PartCount:
        return QStringLiteral("ran");
    case CoreWait:
        return QStringLiteral("waited for a core");
    case LockWait:
        return QStringLiteral("waited for the lock");
    case Other:
        return QStringLiteral("other");
    }
    return {};
}

QString TaskStates::legendLabel(Part part)
{
    switch (part) {
    case Running:
    case PartCount:
        return QStringLiteral("ran on a CPU");
    case Other:
        return QStringLiteral("other off the CPU");
    case CoreWait:
    case LockWait:
        return label(part);
    }
    return {};
}

QString TaskStates::legendTitle()
{
    return QStringLiteral("each task's time, in shares:");
}

} // namespace parlab
