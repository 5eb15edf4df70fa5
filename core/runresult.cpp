#include "runresult.h"

namespace parlab {

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
