#pragma once

#include "periodicthread.h"
#include "taskspan.h"

#include <QList>
#include <QtGlobal>
#include <atomic>
#include <vector>

namespace parlab {

// Watches some threads of another process from outside, without touching them: a thread of its own reads each
// watched thread's /proc/PID/task/TID/stat every interval (one pread of a file held open), and, when it sleeps,
// its wchan (the kernel function it sleeps in), from construction until stop(). What it saw becomes intervals:
//   running   stat says R: on a core, or runnable and waiting for one
//   waiting   asleep in a futex wait, i.e. on a lock (or asleep where the kernel does not say where)
//   released  asleep otherwise: a timer (time.sleep), I/O, or stopped (D, T, ...)
// A change between two readings is put half-way between them, so the intervals are right within half an interval
// on average. The python-threads backend draws CPython's GIL with it (PythonBackend::lockStates).
//
// Cost: about 6-12 us of this process's CPU per thread per reading on a 2-core VM, 1-3% of a core for two
// threads (tst_python's samplerSeesLockSleepAndRun and stateSamplingCost print it); nothing in the watched
// process, whose threads it never preempts (PeriodicThread: SCHED_BATCH). On a machine with no core to spare it
// reads when it gets one, so readings come less often there.
class ThreadStateSampler final {
public:
    // `threads` are thread ids of process `pid`; the intervals of threads[i] carry worker i. A thread that cannot
    // be opened (gone already, not ours) is not watched.
    ThreadStateSampler(qint64 pid, const QList<qint64>& threads, qint64 intervalNs, int maxSpansPerThread);
    ~ThreadStateSampler();
    ThreadStateSampler(const ThreadStateSampler&) = delete;
    ThreadStateSampler& operator=(const ThreadStateSampler&) = delete;

    // Stops sampling, within one interval; safe to call twice.
    void stop();

    // After stop(): every watched thread's intervals, worker by worker, each worker's in time order without gaps,
    // from its first reading to its last (a thread that ended stops there). Past `maxSpansPerThread` a thread's
    // record is coarsened (StateRecord) rather than cut.
    const QList<StateSpan>& states() const { return m_states; }
    // How many rounds of readings were taken so far (also while it samples: a caller may wait for enough).
    qint64 rounds() const { return m_rounds.load(std::memory_order_relaxed); }
    // After stop(): the CPU time the sampling thread used.
    qint64 cpuNs() const { return m_cpuNs; }

private:
    struct Watched;
    // On the sampling thread: opens the threads' files and reads them all once; reads them again each interval; at
    // the end turns the readings into m_states.
    void start(qint64 pid, const QList<qint64>& threads);
    void readRound();
    void collect();

    const int m_maxSpans;
    // Written by the sampling thread only, read after it joined.
    std::vector<Watched> m_watched;
    qint64 m_cpuAtStart = 0;
    QList<StateSpan> m_states;
    std::atomic<qint64> m_rounds { 0 }; // the one member read while the thread runs
    qint64 m_cpuNs = 0;
    // Last: its thread starts as it is made, once the members above exist, and is joined first on destruction.
    PeriodicThread m_sampling;
};

} // namespace parlab
