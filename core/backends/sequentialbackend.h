#pragma once

#include "backend.h"

namespace parlab {

// The baseline: every input one after another, in the calling (runner) thread. With task_timeout_s, a task
// running longer is stopped (at the kernel's next poll; a command's program is killed) and fails the batch, so a
// program that never exits cannot hang a run before the parallel backends get their turn.
class SequentialBackend final : public Backend {
public:
    static BackendFacts facts();

    QString id() const override { return QStringLiteral("sequential"); }
    void configure(const RunOptions& options) override;
    // Pins the calling (runner) thread, which runs the tasks, for each execute.
    void pinWorkers(const QList<int>& cpus) override { m_taskCpu = cpus.value(0, -1); }
    void execute(const Kernel& kernel, const QList<qint64>& inputs, int workers, RunControl& control,
        QList<TaskSpan>& spans) override;
    RepeatUsage collectUsage() override { return { .workers = m_usage }; }

private:
    QList<WorkerUsage> m_usage; // the runner thread's, of the last execute
    double m_taskTimeoutS = 0;
    int m_taskCpu = -1;
};

} // namespace parlab
