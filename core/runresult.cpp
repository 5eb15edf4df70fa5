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

QString RunResult::keptSummary() const
{
    int kept = 0, measured = 0;
    for (const Measurement& m : measurements) {
        kept += int(m.samplesS.size());
        measured += m.samplesS.isEmpty() ? 0 : 1;
    }
    const int planned = spec.repeats * int(measurements.size());
    return QStringLiteral("%1 timed %2 of %3, in %4 of %5 %6")
        .arg(kept)
        .arg(kept == 1 ? QStringLiteral("repeat") : QStringLiteral("repeats"))
        .arg(planned)
        .arg(measured)
        .arg(measurements.size())
        .arg(measurements.size() == 1 ? QStringLiteral("measurement") : QStringLiteral("measurements"));
}

int RunResult::failedRuns() const
{
    int failed = 0;
    for (const Measurement& m : measurements)
        failed += m.failedRuns;
    return failed;
}

} // namespace parlab
