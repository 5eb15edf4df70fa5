#include "comparison.h"

#include "environment.h"
#include "export/formatting.h"
#include "measurement.h"
#include "optiondescriptor.h"
#include "runoptions.h"
#include "stats/analysis.h"
#include "stats/mannwhitney.h"
#include "stats/statistics.h"

#include <cmath>

namespace parlab {

QString verdictName(Verdict verdict)
{
    switch (verdict) {
    case Verdict::Faster:
        return QStringLiteral("faster");
    case Verdict::Slower:
        return QStringLiteral("slower");
    case Verdict::NoChange:
        return QStringLiteral("no change");
    case Verdict::Inconclusive:
        return QStringLiteral("inconclusive");
    case Verdict::Mixed:
        return QStringLiteral("mixed");
    case Verdict::Missing:
        return QStringLiteral("missing");
    case Verdict::NotComparable:
        return QStringLiteral("not comparable");
    }
    return {};
}

namespace {
constexpr qsizetype kInputsShown = 6; // in a line of differences

// A setting's value in a line of differences: "unset" where a run has none.
QString shown(const QVariant& value)
{
    return value.toString().isEmpty() ? QStringLiteral("unset") : value.toString();
}
} // namespace

QStringList workDifferences(const RunResult& a, const RunResult& b)
{
    QStringList differences;
    if (a.spec.kernel != b.spec.kernel)
        differences << QStringLiteral("kernel: %1 in A, %2 in B").arg(a.spec.kernel, b.spec.kernel);
    if (a.spec.inputs != b.spec.inputs)
        differences << QStringLiteral("inputs: %1 in A, %2 in B")
                           .arg(Format::inputs(a.spec.inputs, kInputsShown),
                               Format::inputs(b.spec.inputs, kInputsShown));
    // Weak scaling grows the inputs with the workers: at 2 workers and up the two runs did different work.
    if (a.spec.options.scaling != b.spec.options.scaling) {
        const OptionDescriptor& scaling = RunOptions::descriptor(Option::Scaling);
        differences << QStringLiteral("scaling: %1 in A, %2 in B")
                           .arg(a.spec.options.value(scaling).toString(), b.spec.options.value(scaling).toString());
    }
    const QVariantMap& settingsA = a.spec.options.kernelSettings;
    const QVariantMap& settingsB = b.spec.options.kernelSettings;
    if (a.spec.kernel == b.spec.kernel && settingsA != settingsB) {
        QStringList keys = settingsA.keys() + settingsB.keys();
        keys.removeDuplicates();
        keys.sort();
        for (const QString& key : std::as_const(keys)) {
            if (settingsA.value(key) != settingsB.value(key))
                differences << QStringLiteral("%1 setting %2: %3 in A, %4 in B")
                                   .arg(a.spec.kernel, key, shown(settingsA.value(key)), shown(settingsB.value(key)));
        }
    }
    return differences;
}

QStringList settingDifferences(const RunResult& a, const RunResult& b)
{
    QStringList differences;
    for (const OptionDescriptor& d : RunOptions::descriptors()) {
        // The work's (scaling, kernel settings) are workDifferences; label and commit name what is compared.
        if (d.option == Option::Scaling || d.option == Option::KernelSetting || d.option == Option::Label
            || d.option == Option::Commit)
            continue;
        const QVariant valueA = a.spec.options.value(d);
        const QVariant valueB = b.spec.options.value(d);
        if (valueA != valueB)
            differences << QStringLiteral("%1: %2 in A, %3 in B").arg(d.key, shown(valueA), shown(valueB));
    }
    return differences;
}

namespace {
ComparisonRow compareOne(const Measurement* a, const Measurement* b, double noise, double alpha)
{
    ComparisonRow row;
    const Measurement* any = a ? a : b;
    row.backend = any->backend;
    row.workers = any->workers;
    if (a) {
        row.samplesA = int(a->samplesS.size());
        row.medianA = Statistics::median(a->samplesS);
    }
    if (b) {
        row.samplesB = int(b->samplesS.size());
        row.medianB = Statistics::median(b->samplesS);
    }
    if (!a || !b || a->samplesS.isEmpty() || b->samplesS.isEmpty()) {
        row.verdict = Verdict::Missing;
        return row;
    }
    row.ratio = row.medianA > 0 ? row.medianB / row.medianA : kUnknown;
    const MannWhitney::Result test = MannWhitney::test(a->samplesS, b->samplesS);
    row.pValue = test.pValue;
    row.exact = test.exact;
    // Faster or slower only when the change is beyond the noise and significant; no ratio is inconclusive too.
    if (std::isfinite(row.ratio) && std::abs(row.ratio - 1.0) <= noise)
        row.verdict = Verdict::NoChange;
    else if (std::isfinite(row.ratio) && row.pValue < alpha)
        row.verdict = row.ratio < 1.0 ? Verdict::Faster : Verdict::Slower;
    else
        row.verdict = Verdict::Inconclusive;
    return row;
}
} // namespace

Comparison compareRuns(const RunResult& a, const RunResult& b, double noise, double alpha, bool acrossMachines)
{
    Comparison c;
    c.differences = workDifferences(a, b);
    QStringList acrossLines;
    for (const EnvironmentDifference& d : environmentDifferences(a.environment, b.environment)) {
        c.environment << d.text;
        if (d.changesSpeed)
            (acrossMachines ? acrossLines : c.machineDifferences) << d.text;
    }
    if (const QStringList settings = settingDifferences(a, b); !settings.isEmpty())
        c.cautions << QStringLiteral("the runs' settings differ (%1): the times differ by them too")
                          .arg(settings.join(QStringLiteral("; ")));
    if (!acrossLines.isEmpty())
        c.cautions << QStringLiteral("compared across machines: the times differ by the machines too (%1)")
                          .arg(acrossLines.join(QStringLiteral("; ")));
    for (const Measurement& m : a.measurements) {
        if (!m.samplesS.isEmpty() || b.find(m.backend, m.workers))
            c.rows.append(compareOne(&m, b.find(m.backend, m.workers), noise, alpha));
    }
    for (const Measurement& m : b.measurements) {
        if (!a.find(m.backend, m.workers) && !m.samplesS.isEmpty())
            c.rows.append(compareOne(nullptr, &m, noise, alpha));
    }
    if (!c.comparable()) {
        for (ComparisonRow& row : c.rows) {
            if (row.verdict != Verdict::Missing)
                row.verdict = Verdict::NotComparable;
        }
    }
    for (const auto& [name, run] : { std::pair { QStringLiteral("A"), &a }, std::pair { QStringLiteral("B"), &b } }) {
        if (const QString busy = busyMachine(*run); !busy.isEmpty())
            c.cautions << QStringLiteral("%1 ran on a busy machine (%2): its times may be slower than the work")
                              .arg(name, busy);
    }

    double logSum = 0;
    int compared = 0;
    for (const ComparisonRow& row : std::as_const(c.rows)) {
        switch (row.verdict) {
        case Verdict::Faster:
            ++c.faster;
            break;
        case Verdict::Slower:
            ++c.slower;
            break;
        case Verdict::NoChange:
            ++c.unchanged;
            break;
        case Verdict::Inconclusive:
            ++c.inconclusive;
            break;
        case Verdict::Missing:
        case Verdict::Mixed:
            ++c.missing;
            break;
        case Verdict::NotComparable:
            break;
        }
        if (std::isfinite(row.ratio) && row.ratio > 0) {
            logSum += std::log(row.ratio);
            ++compared;
        }
    }
    if (compared > 0)
        c.geometricMeanRatio = std::exp(logSum / compared);

    if (!c.comparable())
        c.overall = Verdict::NotComparable;
    else if (c.faster > 0 && c.slower > 0)
        c.overall = Verdict::Mixed;
    else if (c.faster > 0)
        c.overall = Verdict::Faster;
    else if (c.slower > 0)
        c.overall = Verdict::Slower;
    else if (c.inconclusive > 0)
        c.overall = Verdict::Inconclusive;
    else if (compared > 0)
        c.overall = Verdict::NoChange;
    else
        c.overall = Verdict::Missing;

    const QString mean = std::isfinite(c.geometricMeanRatio)
        ? QStringLiteral(" (geometric mean time ratio B/A %1)").arg(Format::ratio(c.geometricMeanRatio, 3))
        : QString();
    switch (c.overall) {
    case Verdict::Faster:
        c.summary = QStringLiteral("B is faster on %1 of %2 combinations, slower on none%3")
                        .arg(c.faster)
                        .arg(compared)
                        .arg(mean);
        break;
    case Verdict::Slower:
        c.summary = QStringLiteral("B is slower on %1 of %2 combinations, faster on none%3")
                        .arg(c.slower)
                        .arg(compared)
                        .arg(mean);
        break;
    case Verdict::Mixed:
        c.summary = QStringLiteral("mixed: B is faster on %1 and slower on %2 of %3 combinations%4")
                        .arg(c.faster)
                        .arg(c.slower)
                        .arg(compared)
                        .arg(mean);
        break;
    case Verdict::NoChange:
        c.summary = QStringLiteral("no change: all %1 combinations within %2 noise%3")
                        .arg(compared)
                        .arg(Format::percent(noise))
                        .arg(mean);
        break;
    case Verdict::Inconclusive:
        c.summary = QStringLiteral("inconclusive: %1 of %2 combinations differ by more than %3 but not "
                                   "significantly (p >= %4); measure more repeats%5")
                        .arg(c.inconclusive)
                        .arg(compared)
                        .arg(Format::percent(noise))
                        .arg(alpha)
                        .arg(mean);
        break;
    case Verdict::Missing:
        c.summary = QStringLiteral("nothing to compare: the runs share no measured combination");
        break;
    case Verdict::NotComparable:
        c.summary = !c.differences.isEmpty()
            ? QStringLiteral("not comparable: the runs measured different work (%1), so their times say "
                             "nothing about each other")
                  .arg(c.differences.join(QStringLiteral("; ")))
            : QStringLiteral("not comparable: the runs were measured on different machines or settings (%1), which "
                             "change what the same work takes; compare across machines to judge the times anyway")
                  .arg(c.machineDifferences.join(QStringLiteral("; ")));
        break;
    }
    return c;
}

} // namespace parlab
