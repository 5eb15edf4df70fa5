#include "processusageprobe.h"

#include "procfs.h"

#include <QString>
#include <QStringList>
#include <algorithm>

namespace parlab {

namespace {
QByteArray statusText(qint64 pid, qint64 tid = 0)
{
    return procfs::readFile(tid > 0 ? QStringLiteral("/proc/%1/task/%2/status").arg(pid).arg(tid)
                                    : QStringLiteral("/proc/%1/status").arg(pid));
}

// A thread's switches so far; -1 each where it cannot be read.
ResourceUsage::Switches threadSwitches(qint64 pid, qint64 tid)
{
    const QByteArray text = statusText(pid, tid);
    return { ResourceUsage::statusCount(text, "voluntary_ctxt_switches"),
        ResourceUsage::statusCount(text, "nonvoluntary_ctxt_switches") };
}
} // namespace

RepeatUsage ProcessUsageProbe::take(qint64 runtime, const QList<Worker>& workers)
{
    RepeatUsage usage;
    QStringList unread;
    m_processes.clear();
    const auto peakOf = [&](qint64 pid) {
        m_processes.append(pid);
        const qint64 peak = ResourceUsage::statusBytes(statusText(pid), "VmHWM");
        if (peak < 0)
            unread << QStringLiteral("pid %1").arg(pid);
        return peak;
    };
    if (runtime > 0)
        usage.runtimePeakRssBytes = peakOf(runtime);
    for (const Worker& w : workers) {
        WorkerUsage used;
        used.worker = w.worker;
        used.pid = w.pid;
        const ResourceUsage::Switches now = threadSwitches(w.pid, w.tid);
        if (now.voluntary >= 0 && now.involuntary >= 0) {
            const ResourceUsage::Switches start = m_since.value({ w.pid, w.tid }, { 0, 0 });
            used.voluntarySwitches = std::max<qint64>(0, now.voluntary - start.voluntary);
            used.involuntarySwitches = std::max<qint64>(0, now.involuntary - start.involuntary);
        }
        if (w.ownProcess)
            used.peakRssBytes = peakOf(w.pid);
        usage.workers.append(used);
    }
    m_workers = workers;
    if (!unread.isEmpty())
        usage.whyUnknown = QStringLiteral("the peak memory of %1 could not be read (/proc/PID/status): gone, or not "
                                          "this user's")
                               .arg(unread.join(QStringLiteral(", ")));
    return usage;
}

void ProcessUsageProbe::restart()
{
    for (qint64 pid : std::as_const(m_processes))
        ResourceUsage::resetPeakRssOf(pid);
    m_since.clear();
    for (const Worker& w : std::as_const(m_workers)) {
        if (const ResourceUsage::Switches now = threadSwitches(w.pid, w.tid); now.voluntary >= 0)
            m_since.insert({ w.pid, w.tid }, now);
    }
}

} // namespace parlab
