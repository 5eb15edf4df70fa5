#include "interpreterlock.h"

#include "context.h"

#include <algorithm>

namespace parlab {

namespace {
using Clock = std::chrono::steady_clock;

// RunControl does not notify this lock's condition variables, so no wait is longer than this before looking
// at the stop flags again. It matches the default switch interval, after which CPython's waiters wake anyway.
constexpr std::chrono::milliseconds kStopCheck { 5 };
} // namespace

InterpreterLock::InterpreterLock(const RunControl& control, std::chrono::nanoseconds switchInterval)
    : m_control(control)
    , m_interval(std::max(switchInterval, std::chrono::nanoseconds(1000)))
{ }

bool InterpreterLock::tryTake(int thread)
{
    std::lock_guard lock(m_mutex);
    if (m_locked)
        return false;
    grab(thread);
    return true;
}

void InterpreterLock::take(int thread)
{
    std::unique_lock lock(m_mutex);
    quint64 seenChanges = m_holderChanges;
    auto deadline = Clock::now() + m_interval;
    for (;;) {
        // A stopped run gives no more turns, even when the lock is free: the waiter leaves without it.
        if (m_control.shouldStop())
            throw Cancelled();
        if (!m_locked)
            break;
        m_released.wait_until(lock, std::min(deadline, Clock::now() + kStopCheck));
        if (!m_locked)
            continue;
        const auto now = Clock::now();
        if (m_holderChanges != seenChanges) {
            // Another thread got its turn meanwhile: this one's patience starts over.
            seenChanges = m_holderChanges;
            deadline = now + m_interval;
        } else if (now >= deadline) {
            // A whole interval without a switch: ask the holder to let go at its next checkpoint.
            if (!m_dropRequest.load(std::memory_order_relaxed)) {
                m_dropRequest.store(true, std::memory_order_relaxed);
                ++m_dropRequests;
            }
            deadline = now + m_interval;
        }
    }
    grab(thread);
}

void InterpreterLock::grab(int thread)
{
    m_locked = true;
    m_holder = thread;
    if (thread != m_lastHolder) {
        m_lastHolder = thread;
        ++m_holderChanges;
        m_switched.notify_all();
    }
    // Whoever asked for the lock, somebody now has it: the request is answered.
    m_dropRequest.store(false, std::memory_order_relaxed);
}

void InterpreterLock::drop(int thread)
{
    {
        std::lock_guard lock(m_mutex);
        Q_ASSERT(m_locked && m_holder == thread);
        Q_UNUSED(thread);
        m_locked = false;
        m_holder = -1;
    }
    m_released.notify_one();
}

void InterpreterLock::yieldForSwitch(int thread)
{
    drop(thread);
    std::unique_lock lock(m_mutex);
    // A waiter may have taken the lock already (the request is then answered) or not yet: only then wait, or
    // this thread would take the lock straight back before the waiter even woke up.
    if (!m_dropRequest.load(std::memory_order_relaxed) || m_lastHolder != thread)
        return;
    m_dropRequest.store(false, std::memory_order_relaxed);
    while (m_lastHolder == thread) {
        if (m_control.shouldStop())
            throw Cancelled();
        m_switched.wait_for(lock, kStopCheck);
    }
}

qint64 InterpreterLock::switches() const
{
    std::lock_guard lock(m_mutex);
    return m_holderChanges > 0 ? qint64(m_holderChanges - 1) : 0;
}

qint64 InterpreterLock::dropRequests() const
{
    std::lock_guard lock(m_mutex);
    return m_dropRequests;
}

} // namespace parlab
