#pragma once

#include "backend.h"
#include "workerprocesses.h"

namespace parlab {

// A pool of long-lived `parlab worker` processes fed over pipes, like multiprocessing.Pool.map: the next
// chunk of inputs goes to whichever worker is free. The pool lives as long as this backend object (one
// per combination in a run), so repeats measure dispatch, not process start-up.
class ProcessPoolBackend final : public Backend {
public:
    ProcessPoolBackend();

    static BackendFacts facts();

    QString id() const override { return QStringLiteral("processes"); }
    Availability availability() const override { return WorkerLauncher::availability(); }
    void configure(const RunOptions& options) override;
    // Each worker process pins itself as it starts (WorkerLauncher::arguments).
    void pinWorkers(const QList<int>& cpus) override { m_options.cpus = cpus; }
    void execute(const Kernel& kernel, const QList<qint64>& inputs, int workers, RunControl& control,
        QList<TaskSpan>& spans) override;
    double liveChildCpuSeconds() const override { return m_processes.liveCpuSeconds(); }
    RepeatUsage collectUsage() override { return { .workers = m_processes.collectUsage() }; }

private:
    ProcessOptions m_options;
    WorkerProcesses m_processes;
};

} // namespace parlab
