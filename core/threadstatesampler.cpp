#include "threadstatesampler.h"

#include "clock.h"
#include "procfs.h"

#include <algorithm>
#include <chrono>
#include <sched.h>
#include <vector>

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

struct Watched {
    procfs::OpenFile stat;
    procfs::OpenFile wchan;
    QList<StateSpan> spans;
    bool gone = false;
};
} // namespace

ThreadStateSampler::ThreadStateSampler(
    qint64 pid, const QList<qint64>& threads, qint64 intervalNs, int maxSpansPerThread)
{
    m_thread = std::thread(&ThreadStateSampler::run, this, pid, threads, std::max<qint64>(intervalNs, 1'000),
        std::max(2, maxSpansPerThread));
}

ThreadStateSampler::~ThreadStateSampler()
{
    stop();
}

void ThreadStateSampler::stop()
{
    {
        const std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable())
        m_thread.join();
}

void ThreadStateSampler::run(qint64 pid, QList<qint64> threads, qint64 intervalNs, int maxSpans)
{
    // SCHED_BATCH: a wake-up of this thread never preempts a running one (a watched thread holding the GIL, on a
    // machine with no core to spare); it reads on a free core, or at the next scheduling point. The readings carry
    // their own times, so a late one is placed where it was taken. Failing that (not Linux), it samples as it is.
    sched_param batch {};
    sched_setscheduler(0, SCHED_BATCH, &batch);
    const qint64 cpuBefore = threadCpuNs();
    std::vector<Watched> watched;
    watched.reserve(size_t(threads.size()));
    for (qint64 tid : std::as_const(threads)) {
        const QString folder = QStringLiteral("/proc/%1/task/%2/").arg(pid).arg(tid);
        Watched w { procfs::OpenFile(folder + QStringLiteral("stat")),
            procfs::OpenFile(folder + QStringLiteral("wchan")), {}, false };
        w.gone = !w.stat.isOpen();
        watched.push_back(std::move(w));
    }

    char buffer[512];
    auto next = std::chrono::steady_clock::now(); // CLOCK_MONOTONIC
    for (;;) {
        for (size_t i = 0; i < watched.size(); ++i) {
            Watched& w = watched[i];
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
            if (w.spans.isEmpty()) {
                w.spans.append({ int(i), seen, now, now });
            } else if (w.spans.last().state == seen) {
                w.spans.last().endNs = now;
            } else {
                const qint64 middle = w.spans.last().endNs + (now - w.spans.last().endNs) / 2;
                w.spans.last().endNs = middle;
                w.spans.append({ int(i), seen, middle, now });
                if (w.spans.size() > maxSpans)
                    w.spans = coarsened(w.spans);
            }
        }
        ++m_rounds;
        // The next round one interval after this one's start; a round that overran starts the next at once.
        next = std::max(next + std::chrono::nanoseconds(intervalNs), std::chrono::steady_clock::now());
        std::unique_lock lock(m_mutex);
        if (m_wake.wait_until(lock, next, [this] { return m_stopping; }))
            break;
    }

    for (Watched& w : watched) {
        for (const StateSpan& s : std::as_const(w.spans)) {
            if (s.endNs > s.startNs)
                m_states.append(s);
        }
    }
    m_cpuNs = threadCpuNs() - cpuBefore;
}

} // namespace parlab
