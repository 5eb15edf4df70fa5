#pragma once

#include "backend.h"

namespace parlab {

// The baseline: every input one after another, in the calling (runner) thread.
class SequentialBackend final : public Backend {
public:
    QString id() const override { return QStringLiteral("sequential"); }
    QString description() const override
    {
        return QStringLiteral("the baseline: inputs one after another in the runner thread");
    }
    QString workerNoun() const override { return QStringLiteral("thread"); }
    bool usesWorkers() const override { return false; }
    void execute(const Kernel& kernel, const QList<qint64>& inputs, int workers, RunControl& control,
        QList<TaskSpan>& spans) override;
};

} // namespace parlab
