#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>

namespace parlab {

// Thrown out of a kernel by Context when the run was cancelled or the batch aborted; backends catch it.
class Cancelled final : public std::exception {
public:
    const char* what() const noexcept override { return "cancelled"; }
};

// The shared stop switches of one run: `cancel()` is the user's (thread-safe, any thread), `abortBatch()`
// is a backend's way to stop its sibling workers after one task failed. Kernels see both through Context.
class RunControl final {
public:
    RunControl() = default;
    // Takes the lock once: a cancel() from another thread is over by then, and a thread checker sees it ordered
    // before the end (otherwise that thread and the one deleting the runner meet only in Qt's event queue,
    // whose locks ThreadSanitizer cannot see in an uninstrumented Qt).
    ~RunControl();
    RunControl(const RunControl&) = delete;
    RunControl& operator=(const RunControl&) = delete;

    void cancel();
    bool isCancelled() const noexcept { return m_cancelled.load(std::memory_order_relaxed); }

    void beginBatch() noexcept { m_batchAborted.store(false, std::memory_order_relaxed); }
    void abortBatch();
    bool shouldStop() const noexcept
    {
        return m_cancelled.load(std::memory_order_relaxed) || m_batchAborted.load(std::memory_order_relaxed);
    }

    // Sleeps until `deadline` or until the run stops, whichever comes first; returns false when stopped.
    bool sleepUntil(std::chrono::steady_clock::time_point deadline) const;

    // Pacing, for a watcher that shows what lands (the window): the runner numbers each repeat that lands (land())
    // and, before it times the next, waits until the watcher has taken in everything landed (take(), any thread), at
    // most `most`, or until the run stops. The watcher's work then falls between two timed repeats, not inside one.
    std::uint64_t land() noexcept { return m_landed.fetch_add(1, std::memory_order_relaxed) + 1; }
    void take();
    void awaitTaken(std::uint64_t landed, std::chrono::milliseconds most) const;

    void reset();

private:
    void wakeSleepers();

    std::atomic<bool> m_cancelled { false };
    std::atomic<bool> m_batchAborted { false };
    std::atomic<std::uint64_t> m_landed { 0 };
    std::atomic<std::uint64_t> m_taken { 0 };
    mutable std::mutex m_mutex;
    mutable std::condition_variable m_wake;
};

// A lock held around kernel code, the simulated GIL: a kernel's thread offers it at every poll() (the holder
// drops it there when another thread asked for it) and lets it go during a blocking wait (sleepFor). The
// GIL model implements it; every other backend runs kernels without one.
class KernelLock {
public:
    // At a poll(): hand the lock over if asked to, and take it back before returning. Throws Cancelled when
    // the run stops while waiting for it.
    virtual void checkpoint() = 0;
    // Around a blocking wait: let the lock go, then take it back (may throw Cancelled while waiting).
    virtual void releaseForWait() = 0;
    virtual void reacquireAfterWait() = 0;

protected:
    ~KernelLock() = default;
};

// What a kernel sees of the run it belongs to: one per worker, never shared between threads.
// Cache-line aligned so that no two workers' tick counters ever share a line.
// `tick()` is cheap enough for a kernel's innermost loop; every few thousand ticks its slow path checks
// whether to stop. Kernels whose loop iterations are long call `poll()` instead.
class alignas(64) Context final {
public:
    Context(const RunControl& control, int worker) noexcept
        : m_control(control)
        , m_worker(worker)
    { }

    void tick()
    {
        if (++m_ticks >= kSlowPathInterval) [[unlikely]]
            poll();
    }

    // The slow path: throws Cancelled when the run should stop.
    void poll();

    // Sleeps for `duration`, waking at once when the run stops (then throws Cancelled).
    void sleepFor(std::chrono::nanoseconds duration);

    int worker() const noexcept { return m_worker; }

    // The lock this worker's kernel code runs under (the GIL model), or none.
    void setLock(KernelLock* lock) noexcept { m_lock = lock; }

private:
    static constexpr unsigned kSlowPathInterval = 1u << 12;
    unsigned m_ticks = 0;
    const RunControl& m_control;
    int m_worker;
    KernelLock* m_lock = nullptr;
};

} // namespace parlab
