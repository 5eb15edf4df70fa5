#pragma once

#include "backend.h"

namespace parlab {

// QtConcurrent::mapped over the inputs on a private QThreadPool whose maxThreadCount is the worker count.
class QtConcurrentBackend final : public Backend {
public:
    static BackendFacts facts()
    {
        return { .id = QStringLiteral("qtconcurrent"),
            .description = QStringLiteral("QtConcurrent::mapped on a private QThreadPool of N threads"),
            .workerNoun = QStringLiteral("pool thread"),
            .create = [] { return std::unique_ptr<Backend>(std::make_unique<QtConcurrentBackend>()); } };
    }

    QString id() const override { return QStringLiteral("qtconcurrent"); }
    void execute(const Kernel& kernel, const QList<qint64>& inputs, int workers, RunControl& control,
        QList<TaskSpan>& spans) override;
};

} // namespace parlab
