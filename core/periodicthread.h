#pragma once

#include <QtGlobal>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace parlab {

// A thread of its own that runs `tick` every interval, from construction until stop(), for the samplers that watch
// a run from beside it (ThreadStateSampler, FrequencySampler). On that thread, in order: `begin` at once, then
// `tick` one interval after the start and every interval after that (at a fixed rate: a tick that overran is
// followed by the next at once, and the rate does not drift by the ticks' own cost), then `end` once stop() was
// called. stop() wakes the thread at once, not after its wait, and joins it: a caller waiting for the sampler (a
// batch, a run) waits for one tick in progress at most. The callbacks may write state that the owner reads after
// stop() returned, without a lock (the join orders them).
//
// The thread runs at SCHED_BATCH: its wake-ups never preempt a running thread (a worker of the run it watches, on
// a machine with no core to spare); it runs on a free core, or at the next scheduling point. A sampler's readings
// carry their own times or belong to their interval however late, so a late tick is still a right one. Where the
// policy cannot be set (not Linux) it runs as it is.
class PeriodicThread final {
public:
    struct Callbacks {
        std::function<void()> begin; // optional
        std::function<void()> tick;
        std::function<void()> end; // optional
    };

    PeriodicThread(qint64 intervalNs, Callbacks callbacks);
    // Stops the thread (stop()).
    ~PeriodicThread();
    PeriodicThread(const PeriodicThread&) = delete;
    PeriodicThread& operator=(const PeriodicThread&) = delete;

    // Wakes the thread, lets it finish the tick in progress and run `end`, and joins it; safe to call twice.
    void stop();

private:
    void run(qint64 intervalNs);

    Callbacks m_callbacks;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stopping = false; // guarded by m_mutex
    std::thread m_thread; // last: started in the constructor's body, once the members above exist
};

} // namespace parlab
