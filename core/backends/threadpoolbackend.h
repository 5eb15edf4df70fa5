#pragma once

#include "backend.h"
#include "optiondescriptor.h"

namespace parlab {

// A pool of std::threads with dynamic dispatch: each free thread takes the next input from a shared
// atomic counter, so uneven tasks balance themselves.
class ThreadPoolBackend final : public Backend {
public:
    static BackendFacts facts()
    {
        return { .id = QStringLiteral("threads"),
            .description = QStringLiteral("a pool of std::threads taking the next input from a shared queue"),
            .workerNoun = QStringLiteral("thread"),
            .options = { Option::Pin },
            .create = [] { return std::unique_ptr<Backend>(std::make_unique<ThreadPoolBackend>()); } };
    }

    QString id() const override { return QStringLiteral("threads"); }
    // Each thread pins itself as it starts.
    void pinWorkers(const QList<int>& cpus) override { m_cpus = cpus; }
    void execute(const Kernel& kernel, const QList<qint64>& inputs, int workers, RunControl& control,
        QList<TaskSpan>& spans) override;
    RepeatUsage collectUsage() override { return { .workers = m_usage }; }

private:
    QList<int> m_cpus;
    QList<WorkerUsage> m_usage; // each thread's, of the last execute
};

} // namespace parlab
