#include "context.h"

namespace parlab {

RunControl::~RunControl()
{
    std::lock_guard lock(m_mutex); // see the header
}

void RunControl::cancel()
{
    m_cancelled.store(true, std::memory_order_relaxed);
    wakeSleepers();
}

void RunControl::abortBatch()
{
    m_batchAborted.store(true, std::memory_order_relaxed);
    wakeSleepers();
}

void RunControl::reset()
{
    m_cancelled.store(false, std::memory_order_relaxed);
    m_batchAborted.store(false, std::memory_order_relaxed);
    m_taken.store(m_landed.load(std::memory_order_relaxed), std::memory_order_relaxed);
}

void RunControl::wakeSleepers()
{
    // Taking the lock orders the flag store before a sleeper's predicate check, so no wake-up is lost; notifying
    // under it keeps the condition variable in use only while the lock is held, which ~RunControl() waits for.
    std::lock_guard lock(m_mutex);
    m_wake.notify_all();
}

bool RunControl::sleepUntil(std::chrono::steady_clock::time_point deadline) const
{
    std::unique_lock lock(m_mutex);
    return !m_wake.wait_until(lock, deadline, [this] { return shouldStop(); });
}

void RunControl::take()
{
    m_taken.store(m_landed.load(std::memory_order_relaxed), std::memory_order_relaxed);
    wakeSleepers();
}

void RunControl::awaitTaken(std::uint64_t landed, std::chrono::milliseconds most) const
{
    std::unique_lock lock(m_mutex);
    m_wake.wait_for(
        lock, most, [this, landed] { return shouldStop() || m_taken.load(std::memory_order_relaxed) >= landed; });
}

void Context::poll()
{
    m_ticks = 0;
    if (m_control.shouldStop())
        throw Cancelled();
    if (m_lock)
        m_lock->checkpoint();
}

void Context::sleepFor(std::chrono::nanoseconds duration)
{
    if (m_lock)
        m_lock->releaseForWait(); // waiting for I/O does not hold the interpreter lock
    const bool slept = m_control.sleepUntil(std::chrono::steady_clock::now() + duration);
    if (m_lock && slept)
        m_lock->reacquireAfterWait();
    if (!slept)
        throw Cancelled();
}

} // namespace parlab
