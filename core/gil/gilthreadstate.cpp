#include "gilthreadstate.h"

#include "clock.h"
#include "interpreterlock.h"

#include <algorithm>

namespace parlab {

GilThreadState::GilThreadState(InterpreterLock& lock, int thread, int maxSpans)
    : m_lock(lock)
    , m_thread(thread)
    , m_sinceNs(monotonicNs())
    , m_record(maxSpans)
{ }

void GilThreadState::acquire()
{
    if (m_holding)
        return;
    if (!m_lock.tryTake(m_thread)) {
        enter(LockState::Waiting);
        m_lock.take(m_thread);
    }
    // The clock is read after taking and before dropping, so no two threads' running intervals overlap.
    m_holding = true;
    enter(LockState::Running);
}

void GilThreadState::release() noexcept
{
    m_releasedForWait = false;
    if (!m_holding)
        return;
    enter(LockState::Released);
    m_holding = false;
    m_lock.drop(m_thread);
}

void GilThreadState::checkpoint()
{
    if (!m_holding || !m_lock.dropRequested()) [[likely]]
        return;
    enter(LockState::Waiting);
    m_holding = false;
    m_lock.yieldForSwitch(m_thread);
    acquire();
}

void GilThreadState::releaseForWait()
{
    if (!m_holding)
        return;
    release();
    m_releasedForWait = true;
}

void GilThreadState::reacquireAfterWait()
{
    if (!m_releasedForWait)
        return;
    m_releasedForWait = false;
    acquire();
}

QList<StateSpan> GilThreadState::finish()
{
    // At least a nanosecond, so the record always ends in the state the thread ended in.
    const qint64 now = std::max(monotonicNs(), m_sinceNs + 1);
    if (!m_started) {
        // Never asked for the lock: it spent its life outside it.
        m_state = LockState::Released;
        m_started = true;
    }
    m_record.append({ m_thread, m_state, m_sinceNs, now });
    m_sinceNs = now;
    return m_record.take();
}

void GilThreadState::enter(LockState state)
{
    const qint64 now = monotonicNs();
    if (!m_started) {
        // A thread that had to wait did so from its start. One that found the lock free runs from the moment
        // it took it: a start that was slowed down (preempted) while another thread held the lock must not
        // look like running beside it.
        m_started = true;
        m_state = state;
        if (state != LockState::Waiting)
            m_sinceNs = std::max(now, m_sinceNs);
        return;
    }
    if (state == m_state)
        return;
    if (now > m_sinceNs) {
        m_record.append({ m_thread, m_state, m_sinceNs, now });
        m_sinceNs = now;
    }
    m_state = state;
}

} // namespace parlab
