#pragma once

#include <QtGlobal>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace parlab {

class RunControl;

// The simulated global interpreter lock, after CPython's "new GIL" (Python/ceval_gil.c, 3.2+): a mutex-guarded
// flag with a condition variable. A thread that finds it taken waits one switch interval; when no switch
// happened meanwhile it sets the drop request, which the holder sees at its next checkpoint. The holder then
// drops the lock and (forced switching) waits until another thread has taken it before competing again, so
// it cannot take the lock straight back. Threads are named by small integers (worker ids).
//
// Every wait also stops within a few milliseconds of the run stopping (RunControl's cancel or batch abort,
// which do not notify this lock's condition variables) and throws Cancelled without holding the lock.
class InterpreterLock final {
public:
    static constexpr std::chrono::milliseconds kDefaultSwitchInterval { 5 };

    explicit InterpreterLock(
        const RunControl& control, std::chrono::nanoseconds switchInterval = kDefaultSwitchInterval);

    // Takes the lock when it is free; false (without waiting) when another thread holds it.
    bool tryTake(int thread);
    // Takes the lock, waiting as long as it takes (take_gil); throws Cancelled when the run stops first.
    void take(int thread);
    // Lets the lock go of the holder's own accord (a blocking call, a released section, the end of work).
    void drop(int thread);
    // The holder's answer to a drop request (drop_gil with FORCE_SWITCHING): lets the lock go and, when the
    // request is still pending, waits until another thread has taken it. Does not take it back; throws
    // Cancelled when the run stops while waiting.
    void yieldForSwitch(int thread);

    // Whether a waiter asked the holder to drop the lock: cheap, for the holder's checkpoint fast path.
    bool dropRequested() const noexcept { return m_dropRequest.load(std::memory_order_relaxed); }

    std::chrono::nanoseconds switchInterval() const noexcept { return m_interval; }
    // Hand-overs: acquisitions by a different thread than the previous holder (the first one is none).
    qint64 switches() const;
    // How many times a waiter ran out of patience and set the drop request.
    qint64 dropRequests() const;

private:
    void grab(int thread); // with m_mutex held and the lock free

    const RunControl& m_control;
    const std::chrono::nanoseconds m_interval;
    mutable std::mutex m_mutex;
    std::condition_variable m_released; // "gil->cond": the lock became free
    std::condition_variable m_switched; // "gil->switch_cond": a new thread took the lock
    bool m_locked = false;
    int m_holder = -1;
    int m_lastHolder = -1;
    quint64 m_holderChanges = 0; // "gil->switch_number", counting the first holder too
    qint64 m_dropRequests = 0;
    std::atomic<bool> m_dropRequest { false };
};

} // namespace parlab
