#include "periodicthread.h"

#include <algorithm>
#include <chrono>
#include <sched.h>

namespace parlab {

PeriodicThread::PeriodicThread(qint64 intervalNs, Callbacks callbacks)
    : m_callbacks(std::move(callbacks))
{
    m_thread = std::thread(&PeriodicThread::run, this, std::max<qint64>(intervalNs, 1));
}

PeriodicThread::~PeriodicThread()
{
    stop();
}

void PeriodicThread::stop()
{
    {
        const std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable())
        m_thread.join();
}

void PeriodicThread::run(qint64 intervalNs)
{
    sched_param batch {};
    sched_setscheduler(0, SCHED_BATCH, &batch);
    auto next = std::chrono::steady_clock::now();
    if (m_callbacks.begin)
        m_callbacks.begin();
    for (;;) {
        next = std::max(next + std::chrono::nanoseconds(intervalNs), std::chrono::steady_clock::now());
        {
            std::unique_lock lock(m_mutex);
            if (m_wake.wait_until(lock, next, [this] { return m_stopping; }))
                break;
        }
        m_callbacks.tick();
    }
    if (m_callbacks.end)
        m_callbacks.end();
}

} // namespace parlab
