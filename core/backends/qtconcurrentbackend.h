#pragma once

#include "backend.h"

namespace parlab {

// QtConcurrent::mapped over the inputs on a private QThreadPool whose maxThreadCount is the worker count.
class QtConcurrentBackend final : public Backend {
public:
    QString id() const override { return QStringLiteral("qtconcurrent"); }
    QString description() const override
    {
        return QStringLiteral("QtConcurrent::mapped on a private QThreadPool of N threads");
    }
    QString workerNoun() const override { return QStringLiteral("pool thread"); }
    void execute(const Kernel& kernel, const QList<qint64>& inputs, int workers, RunControl& control,
        QList<TaskSpan>& spans) override;
};

} // namespace parlab
