#include "threadstatesampler.h"

#include "clock.h"
#include "procfs.h"

#include <algorithm>

namespace parlab {

namespace {
// Whether a thread asleep in kernel function `wchan` waits for a lock. A pthread mutex or condition variable, and
// so CPython's GIL, sleeps in futex_wait_queue_me, futex_wait_queue or futex_do_wait, by kernel version; a timer
// sleeps in hrtimer_nanosleep, a pipe read in pipe_read. "0" means the thread woke between the two reads, or a
// kernel that hides it: a sleeping thread counts as on a lock then, as it does for a CPU-bound task.
bool sleepsOnLock(QByteArrayView wchan)
{
    const QByteArrayView name = wchan.trimmed();
    return name.isEmpty() || name == "0" || name.startsWith("futex");
}
} // namespace

struct ThreadStateSampler::Watched {
    procfs::OpenFile stat;
    procfs::OpenFile wchan;
    StateRecord record; // up to the last reading
    LockState state = LockState::Running; // at the last reading
    qint64 lastNs = 0; // when the last reading was taken; 0 before the first
    bool gone = false;
};

ThreadStateSampler::ThreadStateSampler(
    qint64 pid, const QList<qint64>& threads, qint64 intervalNs, int maxSpansPerThread)
    : m_maxSpans(std::max(2, maxSpansPerThread))
    , m_sampling(std::max<qint64>(intervalNs, 1'000),
          { .begin = [this, pid, threads] { start(pid, threads); },
              .tick = [this] { readRound(); },
              .end = [this] { collect(); } })
{ }

ThreadStateSampler::~ThreadStateSampler() = default;

void ThreadStateSampler::stop()
{
    m_sampling.stop();
}

void ThreadStateSampler::start(qint64 pid, const QList<qint64>& threads)
{
    m_cpuAtStart = threadCpuNs();
    m_watched.reserve(size_t(threads.size()));
    for (qint64 tid : threads) {
        const QString folder = QStringLiteral("/proc/%1/task/%2/").arg(pid).arg(tid);
        Watched w { procfs::OpenFile(folder + QStringLiteral("stat")),
            procfs::OpenFile(folder + QStringLiteral("wchan")), StateRecord(m_maxSpans) };
        w.gone = !w.stat.isOpen();
        m_watched.push_back(std::move(w));
    }
    readRound();
}

void ThreadStateSampler::readRound()
{
    char buffer[512];
    for (size_t i = 0; i < m_watched.size(); ++i) {
        Watched& w = m_watched[i];
        if (w.gone)
            continue;
        const qint64 now = monotonicNs();
        const char state = procfs::parseState(w.stat.read(buffer, sizeof buffer));
        if (state == 0 || state == 'Z' || state == 'X') {
            w.gone = true; // the thread ended, or the process
            continue;
        }
        LockState seen = LockState::Running;
        if (state != 'R')
            seen = state == 'S' && sleepsOnLock(w.wchan.read(buffer, sizeof buffer)) ? LockState::Waiting
                                                                                     : LockState::Released;
        // Between two readings of one state it stayed in it; where they differ, it changed somewhere between them,
        // and the middle is the best guess. The record merges the intervals of one state.
        if (w.lastNs > 0 && w.state == seen) {
            w.record.append({ int(i), seen, w.lastNs, now });
        } else if (w.lastNs > 0) {
            const qint64 middle = w.lastNs + (now - w.lastNs) / 2;
            w.record.append({ int(i), w.state, w.lastNs, middle });
            w.record.append({ int(i), seen, middle, now });
        }
        w.state = seen;
        w.lastNs = now;
    }
    m_rounds.fetch_add(1, std::memory_order_relaxed);
}

void ThreadStateSampler::collect()
{
    for (Watched& w : m_watched)
        m_states.append(w.record.take());
    m_cpuNs = threadCpuNs() - m_cpuAtStart;
}

} // namespace parlab
