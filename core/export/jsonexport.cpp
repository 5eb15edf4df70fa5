#include "jsonexport.h"

#include "backends/backendregistry.h"
#include "environment.h"
#include "experimentspec.h"
#include "formatting.h"
#include "measurement.h"
#include "optiondescriptor.h"
#include "resourceusage.h"
#include "runresult.h"
#include "stats/losses.h"
#include "stats/schedule.h"
#include "workerplacement.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonValue>
#include <QMap>
#include <cmath>
#include <limits>

namespace parlab {

namespace {
using JsonExport::number;

// Numbers that are -1 where unknown: null then.
QJsonArray cpuNumbers(const QList<int>& values)
{
    QJsonArray array;
    for (int v : values)
        array.append(v >= 0 ? QJsonValue(v) : QJsonValue(QJsonValue::Null));
    return array;
}

QJsonArray numbers(const QList<double>& values)
{
    QJsonArray array;
    for (double v : values)
        array.append(number(v));
    return array;
}

// A count or size measured as -1 where not known: null then.
QJsonValue countOrNull(qint64 value)
{
    return value >= 0 ? QJsonValue(value) : QJsonValue(QJsonValue::Null);
}
} // namespace

const QList<JsonExport::Figure>& JsonExport::figures()
{
    static const QList<Figure> list = [] {
        QList<Figure> all {
            { "median_s", &SampleStats::median },
            { "mean_s", &SampleStats::mean },
            { "stddev_s", &SampleStats::stddev },
            { "min_s", &SampleStats::min },
            { "max_s", &SampleStats::max },
            { "cv", &SampleStats::cv },
            { "cpu_s", nullptr, &Measurement::cpuMedianS },
            { "launch_s", nullptr, &Measurement::launchMedianS },
            { "peak_rss_bytes", nullptr, &Measurement::peakRssBytes },
            { "voluntary_switches", nullptr, &Measurement::voluntarySwitches },
            { "involuntary_switches", nullptr, &Measurement::involuntarySwitches },
            { "speedup", nullptr, &Measurement::speedup },
            { "efficiency", nullptr, &Measurement::efficiency },
            { "useful", nullptr, nullptr, &Losses::useful },
        };
        // The accounting's parts, in its order, grouped under "losses"; a share of lost time may be negative.
        constexpr double kAnyShare = -std::numeric_limits<double>::infinity();
        for (const Accounting::Part& part : Accounting::parts())
            all.append({ part.key, nullptr, nullptr, part.share, "losses", kAnyShare });
        return all;
    }();
    return list;
}

double& JsonExport::Figure::of(Measurement& m) const
{
    return wall ? m.wall.*wall : loss ? m.losses.*loss : m.*own;
}

double JsonExport::Figure::of(const Measurement& m) const
{
    return wall ? m.wall.*wall : loss ? m.losses.*loss : m.*own;
}

QJsonObject JsonExport::measurementObject(const Measurement& m)
{
    QJsonArray outliers;
    for (int i : m.wall.outliers)
        outliers.append(i);
    QJsonObject object {
        { QStringLiteral("backend"), m.backend },
        { QStringLiteral("workers"), m.workers },
        { QStringLiteral("samples_s"), numbers(m.samplesS) },
        { QStringLiteral("speedup_ci"), QJsonArray { number(m.speedupLow), number(m.speedupHigh) } },
        { QStringLiteral("checksum"), Format::checksum(m.checksum) },
        { QStringLiteral("outliers"), outliers },
    };
    QMap<QString, QJsonObject> groups;
    for (const Figure& figure : figures()) {
        if (figure.group)
            groups[QLatin1String(figure.group)].insert(QLatin1String(figure.key), number(figure.of(m)));
        else
            object.insert(QLatin1String(figure.key), number(figure.of(m)));
    }
    for (auto it = groups.cbegin(); it != groups.cend(); ++it)
        object.insert(it.key(), it.value());
    // Where each worker's tasks ran in the latest repeat (spec.options.pin says how they were placed).
    QJsonArray placement;
    for (const WorkerPlacement::Worker& w : WorkerPlacement::workers(m.spans)) {
        QJsonObject worker { { QStringLiteral("worker"), w.worker }, { QStringLiteral("cpus"), cpuNumbers(w.cpus) },
            { QStringLiteral("cores"), cpuNumbers(w.cores) } };
        if (!w.host.isEmpty())
            worker.insert(QStringLiteral("host"), w.host);
        placement.append(worker);
    }
    if (!placement.isEmpty())
        object.insert(QStringLiteral("placement"), placement);
    if (!m.usage.isEmpty()) {
        QJsonArray usage;
        for (const RepeatUsage& u : m.usage)
            usage.append(usageObject(u));
        object.insert(QStringLiteral("usage"), usage);
    }
    // Beside a null peak_rss_bytes, why it is null.
    if (const QString why = ResourceUsage::whyUnknown(m); !why.isEmpty())
        object.insert(QStringLiteral("usage_note"), why);
    return object;
}

QJsonObject JsonExport::usageObject(const RepeatUsage& usage)
{
    QJsonArray workers;
    for (const WorkerUsage& w : usage.workers) {
        workers.append(
            QJsonObject { { QStringLiteral("worker"), w.worker }, { QStringLiteral("pid"), countOrNull(w.pid) },
                { QStringLiteral("peak_rss_bytes"), countOrNull(w.peakRssBytes) },
                { QStringLiteral("program_peak_rss_bytes"), countOrNull(w.programPeakRssBytes) },
                { QStringLiteral("voluntary_switches"), countOrNull(w.voluntarySwitches) },
                { QStringLiteral("involuntary_switches"), countOrNull(w.involuntarySwitches) } });
    }
    QJsonObject object { { QStringLiteral("process_peak_rss_bytes"), countOrNull(usage.processPeakRssBytes) },
        { QStringLiteral("runtime_peak_rss_bytes"), countOrNull(usage.runtimePeakRssBytes) },
        { QStringLiteral("workers"), workers } };
    if (!usage.whyUnknown.isEmpty())
        object.insert(QStringLiteral("why_unknown"), usage.whyUnknown);
    return object;
}

QJsonValue JsonExport::number(double value)
{
    return std::isfinite(value) ? QJsonValue(value) : QJsonValue(QJsonValue::Null);
}

QJsonObject JsonExport::environmentObject(const Environment& env)
{
    QJsonObject object {
        { QStringLiteral("hostname"), env.hostname },
        { QStringLiteral("cpu"), env.cpu },
        { QStringLiteral("logical_cores"), env.logicalCores },
        { QStringLiteral("os"), env.os },
        { QStringLiteral("qt"), env.qt },
        { QStringLiteral("compiler"), env.compiler },
        { QStringLiteral("build_type"), env.buildType },
        { QStringLiteral("load_avg"), number(env.loadAverage) },
        { QStringLiteral("baseline_cpu"), env.baselineCpu >= 0 ? QJsonValue(env.baselineCpu) : QJsonValue() },
    };
    // Issue 18's facts: an empty text or a 0 count is not known (not readable here, or recorded before ParLab kept
    // it), written as null so that a reader never takes it for a value.
    const auto text = [](const QString& value) { return value.isEmpty() ? QJsonValue() : QJsonValue(value); };
    const auto count = [](int value) { return value > 0 ? QJsonValue(value) : QJsonValue(); };
    object.insert(QStringLiteral("kernel"), text(env.kernel));
    object.insert(QStringLiteral("physical_cores"), count(env.physicalCores));
    object.insert(QStringLiteral("threads_per_core"), count(env.threadsPerCore));
    object.insert(QStringLiteral("packages"), count(env.packages));
    object.insert(QStringLiteral("numa_nodes"), count(env.numaNodes));
    object.insert(QStringLiteral("governor"), text(env.governor));
    object.insert(QStringLiteral("turbo"), text(env.turbo));
    object.insert(QStringLiteral("parlab_version"), text(env.parlabVersion));
    object.insert(QStringLiteral("python"), text(env.python));
    object.insert(QStringLiteral("label"), text(env.label));
    object.insert(QStringLiteral("commit"), text(env.commit));
    if (env.frequency.measured()) {
        const CpuFrequency& f = env.frequency;
        object.insert(QStringLiteral("frequency"),
            QJsonObject { { QStringLiteral("min_mhz"), number(f.minMhz) },
                { QStringLiteral("median_mhz"), number(f.medianMhz) }, { QStringLiteral("max_mhz"), number(f.maxMhz) },
                { QStringLiteral("readings"), f.readings }, { QStringLiteral("busy_only"), f.busyOnly },
                { QStringLiteral("source"), f.source } });
    } else {
        object.insert(QStringLiteral("frequency"), QJsonValue());
    }
    // Left out when not measured, as in an export of 0.1: a reader then knows the speeds are unknown.
    if (!env.cores.cores.isEmpty()) {
        QJsonArray cores;
        for (const CoreSpeed& core : env.cores.cores)
            cores.append(QJsonObject { { QStringLiteral("cpu"), core.cpu }, { QStringLiteral("loop_s"), core.loopS },
                { QStringLiteral("relative_speed"), core.relative } });
        object.insert(QStringLiteral("core_speeds"),
            QJsonObject { { QStringLiteral("rounds"), env.cores.rounds },
                { QStringLiteral("wall_s"), number(env.cores.wallS) }, { QStringLiteral("cores"), cores } });
    }
    // Left out when none was measured (no backend of the run starts its workers in this process).
    if (!env.workerStarts.isEmpty()) {
        QJsonArray starts;
        for (const WorkerStarts& w : env.workerStarts) {
            QJsonArray counts;
            for (const WorkerStartCost& c : w.counts)
                counts.append(QJsonObject { { QStringLiteral("workers"), c.workers },
                    { QStringLiteral("wall_s"), number(c.wallS) }, { QStringLiteral("finish_s"), number(c.finishS) },
                    { QStringLiteral("wall_samples_s"), numbers(c.wallSamplesS) },
                    { QStringLiteral("hand_out_s"), number(c.handOutS) } });
            starts.append(QJsonObject { { QStringLiteral("backend"), w.backend },
                { QStringLiteral("rounds"), w.rounds }, { QStringLiteral("counts"), counts } });
        }
        object.insert(QStringLiteral("worker_starts"), starts);
    }
    return object;
}

QJsonObject JsonExport::specObject(const ExperimentSpec& s)
{
    QJsonArray inputs, workers;
    for (qint64 input : s.inputs)
        inputs.append(input);
    for (int w : s.workers)
        workers.append(w);
    return {
        { QStringLiteral("kernel"), s.kernel },
        { QStringLiteral("inputs"), inputs },
        { QStringLiteral("backends"), QJsonArray::fromStringList(s.backends) },
        { QStringLiteral("workers"), workers },
        { QStringLiteral("repeats"), s.repeats },
        { QStringLiteral("warmup"), s.warmup },
        { QStringLiteral("options"), s.options.toJson() },
    };
}

QJsonObject JsonExport::boundsObject(const Bounds& bounds)
{
    QJsonObject lpt;
    for (auto it = bounds.lpt.cbegin(); it != bounds.lpt.cend(); ++it)
        lpt.insert(QString::number(it.key()), number(it.value()));
    return { { QStringLiteral("critical"), number(bounds.critical) }, { QStringLiteral("lpt"), lpt } };
}

QJsonObject JsonExport::fitsObject(const RunResult& result)
{
    // A backend's entry holds the fits it has: Amdahl's and the USL in a strong run, Gustafson's in a weak one.
    QMap<QString, QJsonObject> fits;
    for (auto it = result.amdahlSerialFraction.cbegin(); it != result.amdahlSerialFraction.cend(); ++it)
        fits[it.key()].insert(QStringLiteral("amdahl_serial_fraction"), number(it.value()));
    for (auto it = result.usl.cbegin(); it != result.usl.cend(); ++it) {
        const UslFit& usl = it.value();
        fits[it.key()].insert(QStringLiteral("usl"),
            usl.fits() ? QJsonObject { { QStringLiteral("contention"), number(usl.sigma) },
                { QStringLiteral("coherency"), number(usl.kappa) },
                { QStringLiteral("peak_workers"), usl.peakWorkers ? QJsonValue(*usl.peakWorkers) : QJsonValue() } }
                       : QJsonObject { { QStringLiteral("why"), usl.why } });
    }
    for (auto it = result.gustafsonSerialFraction.cbegin(); it != result.gustafsonSerialFraction.cend(); ++it)
        fits[it.key()].insert(QStringLiteral("gustafson_serial_fraction"), number(it.value()));
    QJsonObject object;
    for (auto it = fits.cbegin(); it != fits.cend(); ++it)
        object.insert(it.key(), it.value());
    return object;
}

QJsonObject JsonExport::scalingObject(const ExperimentSpec& spec)
{
    // What "speedup" and "efficiency" in the results are: a reader of a weak run's file must not take its scaled
    // speedups for strong ones. The kind itself is spec.options.scaling; this says what follows from it.
    const Format::FigureNames& names = Format::figureNames(spec.options.scaling);
    QJsonObject object { { QStringLiteral("kind"),
                             spec.options.value(RunOptions::descriptor(Option::Scaling)).toString() },
        { QStringLiteral("speedup"), names.speedup + QStringLiteral(": ") + names.speedupMeaning },
        { QStringLiteral("efficiency"), names.efficiency + QStringLiteral(": ") + names.efficiencyMeaning } };
    if (const QString rule = scaledInputsRule(spec); !rule.isEmpty())
        object.insert(QStringLiteral("inputs"), rule);
    return object;
}

QJsonObject JsonExport::toObject(const RunResult& result)
{
    QJsonArray results;
    for (const Measurement& m : result.measurements) {
        if (m.samplesS.isEmpty())
            continue;
        // Beside what was measured, what the schedule simulator predicts from the backend's smallest count, so that
        // the prediction's error is there to see; not stored in the history, which derives it again.
        QJsonObject entry = measurementObject(m);
        if (BackendRegistry::usesWorkers(m.backend))
            entry.insert(
                QStringLiteral("predicted_speedup"), number(Schedule::predictedSpeedup(result, m.backend, m.workers)));
        results.append(entry);
    }
    // Each input's sequential cost, which `parlab predict` simulates the schedule with.
    QJsonObject bounds = boundsObject(result.bounds);
    if (!result.bounds.taskCostsS.isEmpty()) {
        QJsonArray costs;
        for (double cost : result.bounds.taskCostsS)
            costs.append(number(cost));
        bounds.insert(QStringLiteral("task_costs_s"), costs);
    }
    return {
        { QStringLiteral("tool"), QStringLiteral("parlab") },
        { QStringLiteral("version"), QStringLiteral(PARLAB_VERSION) },
        { QStringLiteral("created"), result.created.toString(Qt::ISODateWithMs) },
        { QStringLiteral("environment"), environmentObject(result.environment) },
        { QStringLiteral("spec"), specObject(result.spec) },
        { QStringLiteral("warnings"), QJsonArray::fromStringList(result.warnings) },
        { QStringLiteral("bounds"), bounds },
        { QStringLiteral("fits"), fitsObject(result) },
        { QStringLiteral("scaling"), scalingObject(result.spec) },
        { QStringLiteral("results"), results },
        { QStringLiteral("reference_checksum"), Format::checksum(result.referenceChecksum) },
    };
}

QByteArray JsonExport::toJson(const RunResult& result)
{
    return QJsonDocument(toObject(result)).toJson(QJsonDocument::Indented);
}

} // namespace parlab
