#pragma once

#include "context.h"
#include "taskspan.h"

#include <QList>

namespace parlab {

class InterpreterLock;

// One thread's seat at the interpreter lock (CPython's PyThreadState, as far as the lock is concerned): it
// takes and drops the shared InterpreterLock for that thread, answers drop requests at the kernel's
// checkpoints (the KernelLock a Context calls), and records what the thread was doing from its construction
// to finish(): running (holding the lock), waiting (for it) or released (outside it, e.g. sleeping).
// Used by that one thread only.
class GilThreadState final : public KernelLock {
public:
    static constexpr int kDefaultMaxSpans = 200'000;

    // Starts the record now (or, when the first take finds the lock free, then). Past `maxSpans` recorded intervals the
    // record is coarsened (StateRecord) rather than cut, so it still covers the thread's whole life.
    GilThreadState(InterpreterLock& lock, int thread, int maxSpans = kDefaultMaxSpans);

    int thread() const noexcept { return m_thread; }
    bool holding() const noexcept { return m_holding; }

    // Takes the lock: waiting (recorded only when another thread holds it), then running. Throws Cancelled
    // when the run stops first.
    void acquire();
    // Lets the lock go (released from now on); nothing when not holding it, so it is safe on any error path.
    void release() noexcept;

    // KernelLock: the holder drops the lock here when asked to, waits for the hand-over and takes it back.
    void checkpoint() override;
    void releaseForWait() override;
    void reacquireAfterWait() override;

    // Closes the record now and hands it over (adjacent intervals of the same state merged, no gaps).
    QList<StateSpan> finish();

private:
    void enter(LockState state);

    InterpreterLock& m_lock;
    const int m_thread;
    bool m_holding = false;
    bool m_releasedForWait = false;
    bool m_started = false; // whether m_state holds a real state yet (the first one starts at construction)
    LockState m_state = LockState::Released;
    qint64 m_sinceNs = 0;
    StateRecord m_record;
};

} // namespace parlab
