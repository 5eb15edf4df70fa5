#include "analysis.h"

#include "backends/backendregistry.h"
#include "bounds.h"
#include "environment.h"
#include "measurement.h"
#include "runresult.h"
#include "scaling.h"
#include "statistics.h"
#include "taskspan.h"
#include "unknown.h"

#include <QMap>
#include <algorithm>
#include <cmath>

namespace parlab {

namespace {
QString percent(double fraction)
{
    return QString::number(fraction * 100.0, 'f', 0) + QLatin1Char('%');
}

double imbalance(const Measurement& m)
{
    if (m.spans.isEmpty() || m.samplesS.isEmpty() || !(m.samplesS.last() > 0))
        return kUnknown;
    qint64 firstStart = m.spans.first().startNs;
    qint64 lastEnd = m.spans.first().endNs;
    QMap<int, qint64> workerEnd; // each worker's last task end
    for (const TaskSpan& span : m.spans) {
        firstStart = std::min(firstStart, span.startNs);
        lastEnd = std::max(lastEnd, span.endNs);
        workerEnd[span.worker] = std::max(workerEnd.value(span.worker, span.endNs), span.endNs);
    }
    const qsizetype workers = std::max<qsizetype>(m.workers, workerEnd.size());
    double idleNs = double(workers - workerEnd.size()) * double(lastEnd - firstStart); // workers that got no task
    for (const qint64 end : std::as_const(workerEnd))
        idleNs += double(lastEnd - end);
    return idleNs * 1e-9 / (double(workers) * m.samplesS.last());
}

void describeMeasurements(RunResult& result)
{
    for (Measurement& m : result.measurements) {
        m.imbalance = imbalance(m);
        m.wall = Statistics::describe(m.samplesS);
        m.cpuMedianS = Statistics::median(m.cpuS);
        m.launchMedianS = Statistics::median(m.launchS);
    }
}

void computeSpeedups(RunResult& result, Intervals intervals)
{
    for (Measurement& m : result.measurements) {
        const QString baselineId = BackendRegistry::factsOf(m.backend).baseline;
        const Measurement* baseline = result.find(baselineId, 1);
        m.speedup = m.speedupLow = m.speedupHigh = m.efficiency = m.selfSpeedup = m.karpFlatt = kUnknown;
        if (baseline && !baseline->samplesS.isEmpty() && !m.samplesS.isEmpty() && m.wall.median > 0) {
            m.speedup = baseline->wall.median / m.wall.median;
            if (intervals == Intervals::Bootstrap) {
                const auto ci = Statistics::bootstrapSpeedupCi(baseline->samplesS, m.samplesS);
                m.speedupLow = ci.low;
                m.speedupHigh = ci.high;
            }
            m.efficiency = m.speedup / m.workers;
            m.karpFlatt = Scaling::karpFlatt(m.speedup, m.workers);
        }
        if (const Measurement* one = result.find(m.backend, 1); one && m.wall.median > 0)
            m.selfSpeedup = one->wall.median / m.wall.median;
    }
}

void computeBounds(RunResult& result)
{
    Bounds& b = result.bounds;
    b.lpt.clear();
    b.critical = SpeedupBounds::critical(b.taskCostsS);
    if (b.taskCostsS.isEmpty())
        return;
    for (int w : result.spec.workers)
        b.lpt.insert(w, SpeedupBounds::lpt(b.taskCostsS, w));
    b.lpt.insert(1, SpeedupBounds::lpt(b.taskCostsS, 1));
}

void fitAmdahl(RunResult& result)
{
    result.amdahlSerialFraction.clear();
    QMap<QString, QList<QPair<int, double>>> points;
    for (const Measurement& m : result.measurements) {
        if (std::isfinite(m.speedup))
            points[m.backend].append({ m.workers, m.speedup });
    }
    for (auto it = points.cbegin(); it != points.cend(); ++it) {
        const double f = Scaling::amdahlSerialFraction(it.value());
        if (std::isfinite(f))
            result.amdahlSerialFraction.insert(it.key(), f);
    }
}

QStringList warningsFor(const RunResult& result)
{
    QStringList warnings;
    const Environment& env = result.environment;
    if (result.cancelled)
        warnings << QStringLiteral("the run was cancelled after %1 of %2 measurements; the figures are partial")
                        .arg(result.completedRuns)
                        .arg(result.plannedRuns);
    if (!result.error.isEmpty())
        warnings << QStringLiteral("the run failed after %1 of %2 measurements: %3")
                        .arg(result.completedRuns)
                        .arg(result.plannedRuns)
                        .arg(result.error);
    if (env.buildType.compare(QStringLiteral("Debug"), Qt::CaseInsensitive) == 0)
        warnings << QStringLiteral("this is a Debug build: timings are not representative of optimised code");
    if (env.logicalCores > 0 && env.loadAverage > 0.5 * env.logicalCores)
        warnings << QStringLiteral("the machine was busy at the start (load average %1 on %2 logical cores): "
                                   "other programs compete for the cores")
                        .arg(env.loadAverage, 0, 'f', 2)
                        .arg(env.logicalCores);
    if (!env.governor.isEmpty() && env.governor != QStringLiteral("performance"))
        warnings << QStringLiteral("the CPU frequency governor is '%1', not 'performance': clock changes add noise")
                        .arg(env.governor);
    for (const Measurement& m : result.measurements) {
        if (m.failedRuns > 0)
            warnings << QStringLiteral("%1: %2 repeat%3 failed and %4 not in the figures; the last: %5")
                            .arg(m.label())
                            .arg(m.failedRuns)
                            .arg(m.failedRuns == 1 ? QString() : QStringLiteral("s"),
                                m.failedRuns == 1 ? QStringLiteral("is") : QStringLiteral("are"), m.lastError);
        const BackendFacts* facts = BackendRegistry::find(m.backend);
        if (facts && facts->usesWorkers && env.logicalCores > 0 && m.workers > env.logicalCores)
            warnings << QStringLiteral("%1: %2 workers on %3 logical cores is oversubscribed: CPU-bound speedup "
                                       "cannot exceed %3")
                            .arg(m.label())
                            .arg(m.workers)
                            .arg(env.logicalCores);
        if (m.samplesS.size() >= 2 && m.wall.cv > 0.10)
            warnings << QStringLiteral("%1: noisy, the coefficient of variation is %2 (above 10%)")
                            .arg(m.label(), percent(m.wall.cv));
        if (m.samplesS.size() >= 3) {
            const double restMedian = Statistics::median(m.samplesS.mid(1));
            if (m.samplesS.first() > 1.5 * restMedian)
                warnings << QStringLiteral("%1: the first measured run was %2x slower than the rest (caches, page "
                                           "faults or frequency ramp-up): consider more --warmup")
                                .arg(m.label())
                                .arg(m.samplesS.first() / restMedian, 0, 'f', 1);
        }
        for (int index : m.wall.outliers)
            warnings << QStringLiteral("%1: repeat %2 (%3 s) is an outlier (modified z-score above 10); kept")
                            .arg(m.label())
                            .arg(index + 1)
                            .arg(m.samplesS[index], 0, 'g', 4);
    }
    return warnings;
}
} // namespace

void analyse(RunResult& result, Intervals intervals)
{
    describeMeasurements(result);
    computeSpeedups(result, intervals);
    computeBounds(result);
    fitAmdahl(result);
    result.warnings = warningsFor(result);
}

} // namespace parlab
