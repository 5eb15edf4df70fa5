#pragma once

#include "backend.h"
#include "workerprocesses.h"

namespace parlab {

// One fresh `parlab worker` process per input, at most `workers` alive at once: the parent script that
// starts `python child.py &` for each job. Pays process start-up on every task.
class ProcessPerTaskBackend final : public Backend {
public:
    ProcessPerTaskBackend();

    static BackendFacts facts();

    QString id() const override { return QStringLiteral("process-per-task"); }
    Availability availability() const override { return WorkerLauncher::availability(); }
    void configure(const RunOptions& options) override;
    // Each worker process pins itself as it starts (WorkerLauncher::arguments).
    void pinWorkers(const QList<int>& cpus) override { m_options.cpus = cpus; }
    void execute(const Kernel& kernel, const QList<qint64>& inputs, int workers, RunControl& control,
        QList<TaskSpan>& spans) override;
    RepeatUsage collectUsage() override { return { .workers = m_processes.collectUsage() }; }
    SerialWork lastSerialWork() const override { return m_processes.lastSerialWork(); }

private:
    ProcessOptions m_options;
    WorkerProcesses m_processes;
};

} // namespace parlab
