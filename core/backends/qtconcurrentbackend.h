#pragma once

#include "backend.h"
#include "optiondescriptor.h"

namespace parlab {

// QtConcurrent::mapped over the inputs on a private QThreadPool whose maxThreadCount is the worker count.
class QtConcurrentBackend final : public Backend {
public:
    static BackendFacts facts()
    {
        return { .id = QStringLiteral("qtconcurrent"),
            .description = QStringLiteral("QtConcurrent::mapped on a private QThreadPool of N threads"),
            .workerNoun = QStringLiteral("pool thread"),
            .options = { Option::Pin },
            .create = [] { return std::unique_ptr<Backend>(std::make_unique<QtConcurrentBackend>()); } };
    }

    QString id() const override { return QStringLiteral("qtconcurrent"); }
    // Each pool thread pins itself when it takes its first task of a batch: the pool is the batch's own, so its
    // threads end with it.
    void pinWorkers(const QList<int>& cpus) override { m_cpus = cpus; }
    void execute(const Kernel& kernel, const QList<qint64>& inputs, int workers, RunControl& control,
        QList<TaskSpan>& spans) override;
    RepeatUsage collectUsage() override { return { .workers = m_usage }; }

private:
    QList<int> m_cpus;
    QList<WorkerUsage> m_usage; // each pool thread's, from its first task of the last execute to its last
};

} // namespace parlab
