#pragma once

#include "backend.h"

#include <chrono>

namespace parlab {

// Threads under a simulated global interpreter lock (core/gil): each thread must hold the lock to pick up a
// task and to run kernel code, so CPU-bound work takes turns while waits (sleep) overlap. With release_gil a
// CPU kernel runs with the lock let go, as a C extension between Py_BEGIN_ALLOW_THREADS and
// Py_END_ALLOW_THREADS does. Records every thread's lock states and counts the hand-overs.
class GilThreadsBackend final : public Backend {
public:
    // At most this many lock-state intervals are kept per run, shared between the threads.
    static constexpr int kMaxStates = kMaxStateSpans;

    static BackendFacts facts();

    QString id() const override { return QStringLiteral("gil-threads"); }
    void configure(const RunOptions& options) override;
    // Each thread pins itself as it starts.
    void pinWorkers(const QList<int>& cpus) override { m_cpus = cpus; }
    QList<StateSpan> lastStates() const override { return m_states; }
    qint64 lastSwitches() const override { return m_switches; }
    RepeatUsage collectUsage() override { return { .workers = m_usage }; }
    void execute(const Kernel& kernel, const QList<qint64>& inputs, int workers, RunControl& control,
        QList<TaskSpan>& spans) override;

    std::chrono::nanoseconds switchInterval() const noexcept { return m_switchInterval; }
    bool releasesGil() const noexcept { return m_releaseGil; }
    // Drop requests of the last execute: how often a waiter ran out of patience.
    qint64 lastDropRequests() const noexcept { return m_dropRequests; }

private:
    std::chrono::nanoseconds m_switchInterval { std::chrono::milliseconds(5) };
    bool m_releaseGil = false;
    QList<StateSpan> m_states;
    qint64 m_switches = -1;
    QList<WorkerUsage> m_usage; // each thread's, of the last execute
    qint64 m_dropRequests = 0;
    QList<int> m_cpus;
};

} // namespace parlab
