#pragma once

#include "backend.h"

namespace parlab {

// The baseline: every input one after another, in the calling (runner) thread.
class SequentialBackend final : public Backend {
public:
    static BackendFacts facts()
    {
        return { .id = QStringLiteral("sequential"),
            .description = QStringLiteral("the baseline: inputs one after another in the runner thread"),
            .workerNoun = QStringLiteral("thread"),
            .usesWorkers = false,
            .create = [] { return std::unique_ptr<Backend>(std::make_unique<SequentialBackend>()); } };
    }

    QString id() const override { return QStringLiteral("sequential"); }
    void execute(const Kernel& kernel, const QList<qint64>& inputs, int workers, RunControl& control,
        QList<TaskSpan>& spans) override;
};

} // namespace parlab
