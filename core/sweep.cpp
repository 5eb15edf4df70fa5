#include "sweep.h"

#include "backends/backendregistry.h"
#include "export/formatting.h"
#include "kernels/kernel.h"
#include "kernels/kernelregistry.h"
#include "stats/bounds.h"

#include <algorithm>
#include <cmath>

namespace parlab {

Result<ExperimentSpec> SweepSpec::specAt(qsizetype index) const
{
    const auto kernel = KernelRegistry::make(base.kernel);
    if (!kernel)
        return fail(kernel.error());
    const Result<SizedTask> task = (*kernel)->taskOfSize(sizesMs.at(index));
    if (!task && !(*kernel)->taskOfSize(1)) {
        // No size at all: name the kernels that have a rule.
        QStringList sized;
        for (const QString& name : KernelRegistry::names()) {
            if (KernelRegistry::create(name)->taskOfSize(1))
                sized.append(name);
        }
        return fail(
            QStringLiteral("--sweep: %1 (kernels with one: %2)").arg(task.error(), sized.join(QStringLiteral(", "))));
    }
    if (!task)
        return fail(QStringLiteral("--sweep %1 ms: %2").arg(formatSize(sizesMs.at(index)), task.error()));
    ExperimentSpec spec = base;
    spec.kernel = task->kernel;
    spec.inputs = QList<qint64>(tasks, task->input);
    return spec;
}

Result<void> SweepSpec::validate(SpecCheck check) const
{
    if (sizesMs.isEmpty())
        return fail(QStringLiteral("a sweep needs at least one task size"));
    if (sizesMs.size() > kMaxSizes)
        return fail(QStringLiteral("a sweep runs at most %1 sizes, not %2").arg(kMaxSizes).arg(sizesMs.size()));
    if (const Result<void> count = CountRange { 1, 100'000 }.check(tasks); !count)
        return fail(QStringLiteral("tasks: %1").arg(count.error()));
    for (qsizetype i = 0; i < sizesMs.size(); ++i) {
        const Result<ExperimentSpec> spec = specAt(i);
        if (!spec)
            return fail(spec.error());
        // Every size runs the same backends and kernel: what is wrong with one is wrong with all, so the rest are
        // checked without the slow parts (looking up hosts, loading code).
        if (Result<void> valid = validateSpec(*spec, i == 0 ? check : SpecCheck::RunHereWithoutLookups); !valid)
            return valid;
    }
    return {};
}

QString SweepSpec::sizesText() const
{
    QStringList sizes;
    for (double ms : sizesMs)
        sizes.append(formatSize(ms));
    return sizes.join(QStringLiteral(", ")) + QStringLiteral(" ms");
}

RunEstimate SweepSpec::estimate() const
{
    if (sizesMs.isEmpty())
        return {};
    const Result<ExperimentSpec> largest = specAt(sizesMs.size() - 1);
    if (!largest)
        return {};
    RunEstimate all = RunEstimator::estimate(*largest);
    for (qsizetype i = 0; i + 1 < sizesMs.size(); ++i) {
        const Result<ExperimentSpec> spec = specAt(i);
        const RunEstimate size = spec ? RunEstimator::estimate(*spec) : RunEstimate();
        all.known = all.known && size.known;
        all.seconds += size.seconds;
    }
    return all;
}

Result<QList<double>> parseSweepSizes(const QString& text, const QString& label)
{
    QList<double> sizes;
    const QStringList entries = text.split(QLatin1Char(','));
    for (qsizetype i = 0; i < entries.size(); ++i) {
        bool ok = false;
        const QString entry = entries[i].trimmed();
        const double ms = entry.toDouble(&ok);
        if (!ok || !(ms > 0) || !std::isfinite(ms))
            return fail(QStringLiteral("%1: '%2' (entry %3) is not a positive number of milliseconds")
                            .arg(label, entry)
                            .arg(i + 1));
        if (!sizes.contains(ms))
            sizes.append(ms);
    }
    std::sort(sizes.begin(), sizes.end());
    return sizes;
}

QString Crossing::text() const
{
    switch (where) {
    case Where::At:
        return formatSize(ms) + QStringLiteral(" ms");
    case Where::BelowSmallest:
        return QStringLiteral("below the smallest size swept");
    case Where::NotReached:
        return QStringLiteral("not reached in the sweep");
    case Where::Unknown:
        break;
    }
    return QStringLiteral("–");
}

QString Crossing::key() const
{
    switch (where) {
    case Where::BelowSmallest:
        return QStringLiteral("below_smallest");
    case Where::NotReached:
        return QStringLiteral("not_reached");
    case Where::At:
    case Where::Unknown:
        break;
    }
    return {};
}

Crossing findCrossing(const QList<double>& sizesMs, const QList<double>& values, double threshold)
{
    // The known points only; a speedup is positive, so logs are defined.
    QList<qsizetype> known;
    for (qsizetype i = 0; i < std::min(sizesMs.size(), values.size()); ++i) {
        if (std::isfinite(values[i]) && values[i] > 0)
            known.append(i);
    }
    if (known.isEmpty())
        return {};
    // The last size still below: noise that dips below the threshold after a first crossing moves the answer up to
    // where the backend stays above it, which is what "from this size on it pays off" means.
    qsizetype lastBelow = -1;
    for (qsizetype k = 0; k < known.size(); ++k) {
        if (values[known[k]] < threshold)
            lastBelow = k;
    }
    if (lastBelow < 0)
        return { Crossing::Where::BelowSmallest, kUnknown };
    if (lastBelow == known.size() - 1)
        return { Crossing::Where::NotReached, kUnknown };
    const qsizetype a = known[lastBelow], b = known[lastBelow + 1];
    const double t = (std::log(threshold) - std::log(values[a])) / (std::log(values[b]) - std::log(values[a]));
    return { Crossing::Where::At, std::exp(std::log(sizesMs[a]) + t * (std::log(sizesMs[b]) - std::log(sizesMs[a]))) };
}

QString formatSize(double ms)
{
    return Format::number(ms, 4);
}

bool SweepResult::succeeded() const
{
    if (cancelled || !error.isEmpty() || points.size() != spec.sizesMs.size())
        return false;
    return std::all_of(points.cbegin(), points.cend(), [](const SweepPoint& p) { return p.run.succeeded(); });
}

const SweepPoint* SweepResult::pointAt(double sizeMs) const
{
    for (const SweepPoint& point : points) {
        if (point.sizeMs == sizeMs)
            return &point;
    }
    return nullptr;
}

QList<SweepSeries> SweepResult::series() const
{
    QList<SweepSeries> all;
    const QList<double> equalTasks(spec.tasks, 1.0);
    for (const QString& backend : spec.base.backends) {
        if (!BackendRegistry::usesWorkers(backend))
            continue;
        for (int workers : spec.base.workers) {
            SweepSeries s;
            s.backend = backend;
            s.workers = workers;
            // Equal tasks: the lpt bound is tasks / ceil(tasks / workers), the schedule's own ceiling, so that a
            // count that does not divide evenly is not read as overhead.
            const double ideal = SpeedupBounds::lpt(equalTasks, workers);
            QList<double> shareOfIdeal;
            for (double ms : spec.sizesMs) {
                const SweepPoint* point = pointAt(ms);
                const Measurement* m = point ? point->run.find(backend, workers) : nullptr;
                const double speedup = m ? m->speedup : kUnknown;
                s.speedup.append(speedup);
                s.ideal.append(ideal);
                shareOfIdeal.append(speedup / ideal);
            }
            s.breakEven = findCrossing(spec.sizesMs, s.speedup, 1.0);
            s.ninetyPercent = findCrossing(spec.sizesMs, shareOfIdeal, kNearIdeal);
            all.append(s);
        }
    }
    return all;
}

QString SweepResult::tagFor(const QDateTime& started)
{
    return QStringLiteral("sweep %1:").arg(started.toString(QStringLiteral("yyyy-MM-dd hh:mm:ss")));
}

QString SweepResult::runName(qsizetype index) const
{
    return QStringLiteral("%1 %2 %3 ms (%4 of %5)")
        .arg(tag, spec.base.kernel, formatSize(spec.sizesMs.at(index)))
        .arg(index + 1)
        .arg(spec.sizesMs.size());
}

} // namespace parlab
