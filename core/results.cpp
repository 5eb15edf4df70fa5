#include "results.h"

namespace parlab {

QString lockStateName(LockState state)
{
    switch (state) {
    case LockState::Running:
        return QStringLiteral("running");
    case LockState::Waiting:
        return QStringLiteral("waiting");
    case LockState::Released:
        return QStringLiteral("released");
    }
    return {};
}

const Measurement* RunResult::find(const QString& backend, int workers) const
{
    for (const Measurement& m : measurements) {
        if (m.backend == backend && m.workers == workers)
            return &m;
    }
    return nullptr;
}

int RunResult::failedRuns() const
{
    int failed = 0;
    for (const Measurement& m : measurements)
        failed += m.failedRuns;
    return failed;
}

} // namespace parlab
