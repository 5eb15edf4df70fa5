#include "jsonimport.h"

#include "history/gate.h"
#include "jsonexport.h"
#include "jsonfield.h"
#include "kernels/kernel.h"
#include "kernels/kernelregistry.h"
#include "runoptions.h"
#include "stats/analysis.h"
#include "unknown.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QRegularExpression>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <limits>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>

namespace parlab {

namespace {
// Thrown inside the reader, caught at the entry points: the message already names the field.
struct ImportError {
    QString message;
};

// How much a reader checks: the schema's types and ranges (what the history stores), or also that the names are
// ones this build has and the spec could have run (a file a user hands ParLab).
enum class Names { Unchecked, Checked };

// Every qint64: the range of a field whose only limit is its type.
constexpr CountRange kAnyInteger { std::numeric_limits<qint64>::min(), std::numeric_limits<qint64>::max() };
// A count stored in an int with no range of its own, 0 for unknown (environment.logical_cores).
constexpr CountRange kCountInInt { 0, std::numeric_limits<int>::max() };
// A machine's cores, packages, nodes: at least one of each where known (null where not).
constexpr CountRange kTopologyCount { 1, std::numeric_limits<int>::max() };
// A CPU number (environment.core_speeds, environment.baseline_cpu).
constexpr CountRange kCpuNumber { 0, kCpuSetSize - 1 };
// Rounds of a core calibration: at least one.
constexpr CountRange kCalibrationRounds { 1, std::numeric_limits<int>::max() };

// Not named fail: that is parlab::fail (result.h), which a helper of that name here would hide from the files
// batched with this one in a unity build.
[[noreturn]] void refuse(const QString& field, const QString& why)
{
    throw ImportError { QStringLiteral("%1: %2").arg(field, why) };
}

[[noreturn]] void throwMismatch(const QString& field, const QString& expected, const QJsonValue& got)
{
    refuse(field, QStringLiteral("expected %1, got %2").arg(expected, JsonField::typeName(got)));
}

template<typename T> T orRefuse(Result<T> read, const QString& field)
{
    if (!read)
        refuse(field, read.error());
    return std::move(read).value();
}

void orRefuse(const Result<void>& check, const QString& field)
{
    if (!check)
        refuse(field, check.error());
}

QString join(const QString& parent, const QString& key)
{
    return parent.isEmpty() ? key : parent + QLatin1Char('.') + key;
}

QString indexed(const QString& parent, qsizetype i)
{
    return QStringLiteral("%1[%2]").arg(parent).arg(i);
}

QJsonObject object(const QJsonValue& value, const QString& field)
{
    if (!value.isObject())
        throwMismatch(field, QStringLiteral("an object"), value);
    return value.toObject();
}

QJsonArray array(const QJsonValue& value, const QString& field)
{
    if (!value.isArray())
        throwMismatch(field, QStringLiteral("an array"), value);
    return value.toArray();
}

QString string(const QJsonObject& parent, const QString& path, const QString& key, bool required = true)
{
    const QJsonValue value = parent.value(key);
    if (value.isUndefined() && !required)
        return {};
    if (!value.isString())
        throwMismatch(join(path, key), QStringLiteral("a string"), value);
    return value.toString();
}

qint64 count(const QJsonValue& value, const QString& field, const CountRange& range)
{
    return orRefuse(JsonField::count(value, range), field);
}

// A figure: a finite number of 0 or more, or null (written for an unknown figure) read as unknown.
double figure(const QJsonValue& value, const QString& field, double minimum = 0)
{
    if (value.isNull())
        return kUnknown;
    if (!value.isDouble())
        throwMismatch(field, QStringLiteral("a number or null"), value);
    return orRefuse(JsonField::number(value, minimum), field);
}

// A count or size measured as -1 where not known (WorkerUsage, RepeatUsage): a whole number of 0 or more, or null.
qint64 measuredCount(const QJsonObject& parent, const QString& path, const QString& key)
{
    const QJsonValue value = parent.value(key);
    if (value.isNull() || value.isUndefined())
        return -1;
    return count(value, join(path, key), { 0, std::numeric_limits<qint64>::max() });
}

RepeatUsage repeatUsage(const QJsonObject& o, const QString& path)
{
    RepeatUsage u;
    u.processPeakRssBytes = measuredCount(o, path, QStringLiteral("process_peak_rss_bytes"));
    u.runtimePeakRssBytes = measuredCount(o, path, QStringLiteral("runtime_peak_rss_bytes"));
    u.whyUnknown = string(o, path, QStringLiteral("why_unknown"), false);
    if (u.whyUnknown.isEmpty() && o.contains(QStringLiteral("why_unknown")))
        refuse(join(path, QStringLiteral("why_unknown")), QStringLiteral("empty: a repeat with no reason has none"));
    const QString workersPath = join(path, QStringLiteral("workers"));
    const QJsonArray workers
        = o.contains(QStringLiteral("workers")) ? array(o.value(QStringLiteral("workers")), workersPath) : QJsonArray();
    for (qsizetype i = 0; i < workers.size(); ++i) {
        const QString at = indexed(workersPath, i);
        const QJsonObject w = object(workers.at(i), at);
        WorkerUsage worker;
        worker.worker = int(count(w.value(QStringLiteral("worker")), join(at, QStringLiteral("worker")), kCountInInt));
        worker.pid = measuredCount(w, at, QStringLiteral("pid"));
        worker.peakRssBytes = measuredCount(w, at, QStringLiteral("peak_rss_bytes"));
        worker.programPeakRssBytes = measuredCount(w, at, QStringLiteral("program_peak_rss_bytes"));
        worker.voluntarySwitches = measuredCount(w, at, QStringLiteral("voluntary_switches"));
        worker.involuntarySwitches = measuredCount(w, at, QStringLiteral("involuntary_switches"));
        u.workers.append(worker);
    }
    return u;
}

// Format::checksum's form: up to 16 hex digits.
quint64 checksum(const QJsonValue& value, const QString& field)
{
    if (!value.isString())
        throwMismatch(field, QStringLiteral("a checksum of hex digits"), value);
    static const QRegularExpression hex(QStringLiteral("^[0-9a-fA-F]{1,16}$"));
    if (!hex.match(value.toString()).hasMatch())
        refuse(field, QStringLiteral("'%1' is not a checksum of hex digits").arg(value.toString()));
    return value.toString().toULongLong(nullptr, 16);
}

// environment.core_speeds: each core's loop time and speed relative to the fastest, as measured; a file that
// leaves relative_speed out gets it from the loop times.
CpuCalibration coreSpeeds(const QJsonObject& o, const QString& path)
{
    CpuCalibration calibration;
    calibration.rounds
        = int(count(o.value(QStringLiteral("rounds")), join(path, QStringLiteral("rounds")), kCalibrationRounds));
    if (o.contains(QStringLiteral("wall_s")))
        calibration.wallS = figure(o.value(QStringLiteral("wall_s")), join(path, QStringLiteral("wall_s")));
    const QString coresPath = join(path, QStringLiteral("cores"));
    const QJsonArray cores = array(o.value(QStringLiteral("cores")), coresPath);
    if (cores.isEmpty())
        refuse(coresPath,
            QStringLiteral("expected at least one core, got none (leave core_speeds out when the cores "
                           "were not measured)"));
    double fastest = std::numeric_limits<double>::infinity();
    QList<bool> stated;
    for (qsizetype i = 0; i < cores.size(); ++i) {
        const QString field = indexed(coresPath, i);
        const QJsonObject core = object(cores.at(i), field);
        CoreSpeed speed;
        speed.cpu = int(count(core.value(QStringLiteral("cpu")), join(field, QStringLiteral("cpu")), kCpuNumber));
        // Named by the list: either of the two may be the wrong one.
        if (calibration.find(speed.cpu))
            refuse(coresPath, QStringLiteral("CPU %1 appears twice").arg(speed.cpu));
        const QString loopField = join(field, QStringLiteral("loop_s"));
        speed.loopS = orRefuse(JsonField::number(core.value(QStringLiteral("loop_s")), 0), loopField);
        if (speed.loopS <= 0)
            refuse(loopField, QStringLiteral("0 is out of range, use a number above 0"));
        stated.append(core.contains(QStringLiteral("relative_speed")));
        if (stated.constLast()) {
            const QString relativeField = join(field, QStringLiteral("relative_speed"));
            speed.relative
                = orRefuse(JsonField::number(core.value(QStringLiteral("relative_speed")), 0), relativeField);
            if (speed.relative <= 0 || speed.relative > 1)
                refuse(relativeField,
                    QStringLiteral("%1 is out of range, use a number above 0 and at most 1 (the fastest core)")
                        .arg(JsonField::numberText(speed.relative)));
        }
        fastest = std::min(fastest, speed.loopS);
        calibration.cores.append(speed);
    }
    for (qsizetype i = 0; i < calibration.cores.size(); ++i) {
        if (!stated[i])
            calibration.cores[i].relative = fastest / calibration.cores[i].loopS;
    }
    return calibration;
}

// environment.frequency: the busy cores' clock while the run measured; written only when sampled.
CpuFrequency frequency(const QJsonObject& o, const QString& path)
{
    CpuFrequency f;
    f.minMhz = figure(o.value(QStringLiteral("min_mhz")), join(path, QStringLiteral("min_mhz")));
    f.medianMhz = figure(o.value(QStringLiteral("median_mhz")), join(path, QStringLiteral("median_mhz")));
    f.maxMhz = figure(o.value(QStringLiteral("max_mhz")), join(path, QStringLiteral("max_mhz")));
    f.readings = int(count(o.value(QStringLiteral("readings")), join(path, QStringLiteral("readings")),
        { 1, std::numeric_limits<int>::max() }));
    const QJsonValue busy = o.value(QStringLiteral("busy_only"));
    if (!busy.isUndefined() && !busy.isBool())
        throwMismatch(join(path, QStringLiteral("busy_only")), QStringLiteral("true or false"), busy);
    f.busyOnly = busy.toBool(true);
    f.source = string(o, path, QStringLiteral("source"), false);
    if (!(f.minMhz <= f.medianMhz && f.medianMhz <= f.maxMhz))
        refuse(path, QStringLiteral("expected min_mhz <= median_mhz <= max_mhz"));
    return f;
}

// An array of times in seconds, none below 0; refused at the first that is not one.
QList<double> seconds(const QJsonArray& values, const QString& path)
{
    QList<double> list;
    for (qsizetype i = 0; i < values.size(); ++i) {
        const QString field = indexed(path, i);
        if (!values.at(i).isDouble())
            throwMismatch(field, QStringLiteral("a number of seconds"), values.at(i));
        list.append(orRefuse(JsonField::number(values.at(i), 0), field));
    }
    return list;
}

// environment.worker_starts: per backend, the batches of 1, 2, ... workers started at once (WorkerStarts).
QList<WorkerStarts> workerStarts(const QJsonArray& list, const QString& path)
{
    QList<WorkerStarts> all;
    for (qsizetype i = 0; i < list.size(); ++i) {
        const QString field = indexed(path, i);
        const QJsonObject o = object(list.at(i), field);
        WorkerStarts w;
        w.backend = string(o, field, QStringLiteral("backend"));
        w.rounds
            = int(count(o.value(QStringLiteral("rounds")), join(field, QStringLiteral("rounds")), kCalibrationRounds));
        const QString countsPath = join(field, QStringLiteral("counts"));
        const QJsonArray counts = array(o.value(QStringLiteral("counts")), countsPath);
        for (qsizetype j = 0; j < counts.size(); ++j) {
            const QString at = indexed(countsPath, j);
            const QJsonObject c = object(counts.at(j), at);
            WorkerStartCost cost;
            cost.workers
                = int(count(c.value(QStringLiteral("workers")), join(at, QStringLiteral("workers")), kWorkerRange));
            cost.wallS = figure(c.value(QStringLiteral("wall_s")), join(at, QStringLiteral("wall_s")));
            cost.finishS = figure(c.value(QStringLiteral("finish_s")), join(at, QStringLiteral("finish_s")));
            // Each round's batch; a file written before they were kept has the medians alone.
            if (c.contains(QStringLiteral("wall_samples_s"))) {
                const QString samplesPath = join(at, QStringLiteral("wall_samples_s"));
                cost.wallSamplesS = seconds(array(c.value(QStringLiteral("wall_samples_s")), samplesPath), samplesPath);
            }
            // A file written before the hand-outs were measured has none.
            if (c.contains(QStringLiteral("hand_out_s")))
                cost.handOutS = figure(c.value(QStringLiteral("hand_out_s")), join(at, QStringLiteral("hand_out_s")));
            // Schedule reads them as a curve from one worker up: the first at 1, each above the one before.
            const int after = w.counts.isEmpty() ? 0 : w.counts.constLast().workers;
            if ((after == 0 && cost.workers != 1) || (after > 0 && cost.workers <= after))
                refuse(join(at, QStringLiteral("workers")),
                    after == 0
                        ? QStringLiteral("%1: the first count must be 1").arg(cost.workers)
                        : QStringLiteral("%1 is not above the count before it (%2)").arg(cost.workers).arg(after));
            w.counts.append(cost);
        }
        if (w.counts.isEmpty())
            refuse(countsPath, QStringLiteral("expected at least one count, got none"));
        all.append(w);
    }
    return all;
}

// How a recorded fact written as "" reads: refused in a file (no ParLab writes one: it would read as not known and be
// written back as null, not as it was), not known in the history (a history migrated from 0.1 holds some).
enum class EmptyFacts { Refused, Unknown };

Environment environment(const QJsonObject& o, EmptyFacts empty)
{
    const QString path = QStringLiteral("environment");
    Environment env;
    env.hostname = string(o, path, QStringLiteral("hostname"), false);
    env.cpu = string(o, path, QStringLiteral("cpu"), false);
    if (o.contains(QStringLiteral("logical_cores")))
        env.logicalCores = int(
            count(o.value(QStringLiteral("logical_cores")), join(path, QStringLiteral("logical_cores")), kCountInInt));
    env.os = string(o, path, QStringLiteral("os"), false);
    env.qt = string(o, path, QStringLiteral("qt"), false);
    env.compiler = string(o, path, QStringLiteral("compiler"), false);
    env.buildType = string(o, path, QStringLiteral("build_type"), false);
    if (o.contains(QStringLiteral("load_avg"))) // null: not known where the run was measured
        env.loadAverage = figure(o.value(QStringLiteral("load_avg")), join(path, QStringLiteral("load_avg")));
    // Issue 18's facts: absent (an older file) or null, not known; "" as `empty` says.
    const auto text = [&](const char* key) {
        const QString name = QString::fromLatin1(key);
        if (o.value(name).isNull())
            return QString();
        QString value = string(o, path, name, false);
        if (value.isEmpty() && o.contains(name) && empty == EmptyFacts::Refused)
            refuse(join(path, name), QStringLiteral("an empty text: write null for a fact that is not known"));
        return value;
    };
    const auto countOf = [&](const char* key) {
        const QString name = QString::fromLatin1(key);
        const QJsonValue value = o.value(name);
        return value.isNull() || value.isUndefined() ? 0 : int(count(value, join(path, name), kTopologyCount));
    };
    env.governor = text("governor");
    env.kernel = text("kernel");
    env.physicalCores = countOf("physical_cores");
    env.threadsPerCore = countOf("threads_per_core");
    env.packages = countOf("packages");
    env.numaNodes = countOf("numa_nodes");
    env.turbo = text("turbo");
    if (!env.turbo.isEmpty() && env.turbo != QLatin1String("on") && env.turbo != QLatin1String("off"))
        refuse(join(path, QStringLiteral("turbo")),
            QStringLiteral("'%1' is not a turbo state: use \"on\", \"off\" or null (not readable)").arg(env.turbo));
    env.parlabVersion = text("parlab_version");
    env.python = text("python");
    env.label = text("label");
    env.commit = text("commit");
    if (const QJsonValue f = o.value(QStringLiteral("frequency")); !f.isNull() && !f.isUndefined())
        env.frequency
            = frequency(object(f, join(path, QStringLiteral("frequency"))), join(path, QStringLiteral("frequency")));
    if (o.contains(QStringLiteral("core_speeds")))
        env.cores
            = coreSpeeds(object(o.value(QStringLiteral("core_speeds")), join(path, QStringLiteral("core_speeds"))),
                join(path, QStringLiteral("core_speeds")));
    if (o.contains(QStringLiteral("worker_starts")))
        env.workerStarts
            = workerStarts(array(o.value(QStringLiteral("worker_starts")), join(path, QStringLiteral("worker_starts"))),
                join(path, QStringLiteral("worker_starts")));
    // null: not pinned; absent: written before ParLab pinned baselines, which ran unpinned.
    if (const QJsonValue pinned = o.value(QStringLiteral("baseline_cpu")); !pinned.isNull() && !pinned.isUndefined()) {
        const QString field = join(path, QStringLiteral("baseline_cpu"));
        env.baselineCpu = int(count(pinned, field, kCpuNumber));
        // Named by the environment: the pin or the list of cores may be the wrong one.
        if (!env.cores.cores.isEmpty() && !env.cores.find(env.baselineCpu))
            refuse(path,
                QStringLiteral("baseline_cpu %1 is not one of the cores measured in core_speeds").arg(env.baselineCpu));
    }
    return env;
}

ExperimentSpec spec(const QJsonObject& o, Names names)
{
    const QString path = QStringLiteral("spec");
    ExperimentSpec s;
    s.kernel = string(o, path, QStringLiteral("kernel"));
    std::unique_ptr<Kernel> kernel;
    if (names == Names::Checked) {
        orRefuse(checkKernelName(s.kernel), join(path, QStringLiteral("kernel")));
        kernel = KernelRegistry::create(s.kernel);
    }
    auto list = [&](const QString& key, const QString& what) {
        QJsonArray values = array(o.value(key), join(path, key));
        if (values.isEmpty() && names == Names::Checked)
            refuse(join(path, key), QStringLiteral("expected at least one %1, got none").arg(what));
        return values;
    };

    const QJsonArray inputs = list(QStringLiteral("inputs"), QStringLiteral("input"));
    for (qsizetype i = 0; i < inputs.size(); ++i) {
        const QString field = indexed(join(path, QStringLiteral("inputs")), i);
        const Result<qint64> input = JsonField::count(inputs.at(i), kAnyInteger);
        if (!input && kernel) // no qint64 holds it: named with the kernel's range
            orRefuse(JsonField::count(inputs.at(i), { kernel->range().min, kernel->range().max }), field);
        s.inputs.append(orRefuse(input, field));
        if (kernel) // the words of `parlab run --inputs`
            orRefuse(kernel->checkInput(s.inputs.constLast()), field);
    }

    const QJsonArray backends = list(QStringLiteral("backends"), QStringLiteral("backend"));
    for (qsizetype i = 0; i < backends.size(); ++i) {
        const QString field = indexed(join(path, QStringLiteral("backends")), i);
        if (!backends.at(i).isString())
            throwMismatch(field, QStringLiteral("a backend id"), backends.at(i));
        if (names == Names::Checked)
            orRefuse(checkBackendId(backends.at(i).toString()), field);
        s.backends.append(backends.at(i).toString());
    }

    const QJsonArray workers = list(QStringLiteral("workers"), QStringLiteral("worker count"));
    for (qsizetype i = 0; i < workers.size(); ++i)
        s.workers.append(int(count(workers.at(i), indexed(join(path, QStringLiteral("workers")), i), kWorkerRange)));
    if (o.contains(QStringLiteral("repeats")))
        s.repeats = int(count(o.value(QStringLiteral("repeats")), join(path, QStringLiteral("repeats")), kRepeatRange));
    if (o.contains(QStringLiteral("warmup")))
        s.warmup = int(count(o.value(QStringLiteral("warmup")), join(path, QStringLiteral("warmup")), kWarmupRange));
    // Options are strict where the rest of the schema is lenient: a misspelt option read as its default would
    // change what the stored run claims to have measured.
    // RunOptions' messages start with the field ("spec.options: unknown option 'chunksze' ..."). Missing, they
    // are the defaults (0.1 wrote only what was set); null is no object of options.
    if (o.value(QStringLiteral("options")).isNull())
        throwMismatch(join(path, QStringLiteral("options")), QStringLiteral("an object"), QJsonValue::Null);
    const Result<RunOptions> options
        = RunOptions::fromJson(o.value(QStringLiteral("options")), join(path, QStringLiteral("options")));
    if (!options)
        throw ImportError { options.error() };
    s.options = *options;
    // What no single field shows: the kernel's settings, a backend that cannot run the kernel.
    if (names == Names::Checked)
        orRefuse(validateSpec(s, SpecCheck::Recorded), path);
    return s;
}

Bounds bounds(const QJsonObject& o)
{
    const QString path = QStringLiteral("bounds");
    Bounds b;
    if (o.contains(QStringLiteral("critical")))
        b.critical = figure(o.value(QStringLiteral("critical")), join(path, QStringLiteral("critical")));
    if (o.contains(QStringLiteral("lpt"))) {
        const QString lptPath = join(path, QStringLiteral("lpt"));
        const QJsonObject lpt = object(o.value(QStringLiteral("lpt")), lptPath);
        for (auto it = lpt.constBegin(); it != lpt.constEnd(); ++it) {
            const QString field = join(lptPath, it.key());
            bool whole = false;
            const qint64 workers = it.key().toLongLong(&whole);
            if (!whole)
                refuse(field, QStringLiteral("the key '%1' is not a worker count").arg(it.key()));
            orRefuse(kWorkerRange.check(workers), field);
            b.lpt.insert(int(workers), figure(it.value(), field));
        }
    }
    // Each input's sequential cost (exports since 0.2): what `parlab predict` simulates the schedule with.
    if (o.contains(QStringLiteral("task_costs_s"))) {
        const QString costsPath = join(path, QStringLiteral("task_costs_s"));
        const QJsonArray costs = array(o.value(QStringLiteral("task_costs_s")), costsPath);
        for (qsizetype i = 0; i < costs.size(); ++i)
            b.taskCostsS.append(figure(costs.at(i), indexed(costsPath, i)));
    }
    return b;
}

// What one entry of `results` measured, into `m`: backend, workers, samples and checksum.
void measured(const QJsonObject& o, const QString& path, Measurement& m, Names names)
{
    m.backend = string(o, path, QStringLiteral("backend"));
    if (names == Names::Checked)
        orRefuse(checkBackendId(m.backend), join(path, QStringLiteral("backend")));
    m.workers = int(count(o.value(QStringLiteral("workers")), join(path, QStringLiteral("workers")), kWorkerRange));
    const QString samplesPath = join(path, QStringLiteral("samples_s"));
    const QJsonArray samples = array(o.value(QStringLiteral("samples_s")), samplesPath);
    // The export leaves out what measured nothing; the history keeps a measurement whose every repeat failed.
    if (samples.isEmpty() && names == Names::Checked)
        refuse(samplesPath, QStringLiteral("expected at least one sample, got none"));
    m.samplesS = seconds(samples, samplesPath);
    if (o.contains(QStringLiteral("checksum")))
        m.checksum = checksum(o.value(QStringLiteral("checksum")), join(path, QStringLiteral("checksum")));
    // Memory and switches per repeat, since 0.3; a file without them leaves them unknown.
    if (o.contains(QStringLiteral("usage"))) {
        const QString usagePath = join(path, QStringLiteral("usage"));
        const QJsonArray repeats = array(o.value(QStringLiteral("usage")), usagePath);
        if (repeats.size() != m.samplesS.size())
            refuse(usagePath,
                QStringLiteral("expected one entry per sample (%1), got %2")
                    .arg(m.samplesS.size())
                    .arg(repeats.size()));
        m.usage.clear();
        for (qsizetype i = 0; i < repeats.size(); ++i)
            m.usage.append(repeatUsage(object(repeats.at(i), indexed(usagePath, i)), indexed(usagePath, i)));
    }
}

// The figures one entry of `results` states, over those `m` has: each one present replaces m's.
void stated(const QJsonObject& o, const QString& path, Measurement& m)
{
    for (const JsonExport::Figure& f : JsonExport::figures()) {
        const QString key = QLatin1String(f.key);
        const QString groupKey = f.group ? QLatin1String(f.group) : QString();
        if (f.group && !o.contains(groupKey))
            continue;
        const QString groupPath = f.group ? join(path, groupKey) : path;
        const QJsonObject in = f.group ? object(o.value(groupKey), groupPath) : o;
        if (in.contains(key))
            f.of(m) = figure(in.value(key), join(groupPath, key), f.minimum);
    }
    if (o.contains(QStringLiteral("speedup_ci"))) {
        const QString ciPath = join(path, QStringLiteral("speedup_ci"));
        const QJsonArray ci = array(o.value(QStringLiteral("speedup_ci")), ciPath);
        if (ci.size() != 2)
            refuse(ciPath, QStringLiteral("expected [low, high], got %1 values").arg(ci.size()));
        m.speedupLow = figure(ci.at(0), indexed(ciPath, 0));
        m.speedupHigh = figure(ci.at(1), indexed(ciPath, 1));
    }
    if (o.contains(QStringLiteral("outliers"))) {
        const QString outliersPath = join(path, QStringLiteral("outliers"));
        const QJsonArray outliers = array(o.value(QStringLiteral("outliers")), outliersPath);
        m.wall.outliers.clear();
        for (qsizetype i = 0; i < outliers.size(); ++i) {
            const QString field = indexed(outliersPath, i);
            const qint64 index = count(outliers.at(i), field, kAnyInteger);
            if (index < 0 || index >= m.samplesS.size())
                refuse(
                    field, QStringLiteral("sample %1 does not exist (there are %2)").arg(index).arg(m.samplesS.size()));
            m.wall.outliers.append(int(index));
        }
    }
}

// The outcome of the enforced gate in the file's "gate" ("" when there is none or it was not enforced).
QString enforcedGate(const QJsonObject& root)
{
    if (!root.contains(QStringLiteral("gate")))
        return {};
    const QString path = QStringLiteral("gate");
    const QJsonObject gate = object(root.value(path), path);
    const QJsonValue enforced = gate.value(QStringLiteral("enforced"));
    if (!enforced.isUndefined() && !enforced.isBool())
        throwMismatch(join(path, QStringLiteral("enforced")), QStringLiteral("true or false"), enforced);
    if (!enforced.toBool())
        return {};
    QString outcome = string(gate, path, QStringLiteral("outcome"));
    if (!gateOutcomeFromName(outcome))
        refuse(join(path, QStringLiteral("outcome")),
            QStringLiteral("'%1' is not %2, %3 or %4")
                .arg(outcome, gateOutcomeName(Gate::Outcome::Pass), gateOutcomeName(Gate::Outcome::Fail),
                    gateOutcomeName(Gate::Outcome::NotComparable)));
    return outcome;
}

// The file's run; `derivedOut`, when given, gets what analyse() derived from its data before the file's figures
// were laid over it.
RunResult read(const QJsonObject& root, Intervals intervals = Intervals::Skip, RunResult* derivedOut = nullptr)
{
    if (root.contains(QStringLiteral("tool"))
        && root.value(QStringLiteral("tool")).toString() != QStringLiteral("parlab"))
        refuse(QStringLiteral("tool"),
            QStringLiteral("'%1' is not parlab; this is not a ParLab export")
                .arg(root.value(QStringLiteral("tool")).toVariant().toString()));
    RunResult result;
    const QString created = string(root, {}, QStringLiteral("created"));
    result.created = QDateTime::fromString(created, Qt::ISODateWithMs);
    if (!result.created.isValid())
        refuse(QStringLiteral("created"), QStringLiteral("'%1' is not an ISO 8601 date and time").arg(created));
    result.environment = environment(
        object(root.value(QStringLiteral("environment")), QStringLiteral("environment")), EmptyFacts::Refused);
    result.spec = spec(object(root.value(QStringLiteral("spec")), QStringLiteral("spec")), Names::Checked);
    if (root.contains(QStringLiteral("warnings"))) {
        const QJsonArray warnings = array(root.value(QStringLiteral("warnings")), QStringLiteral("warnings"));
        for (qsizetype i = 0; i < warnings.size(); ++i) {
            if (!warnings.at(i).isString())
                throwMismatch(indexed(QStringLiteral("warnings"), i), QStringLiteral("a string"), warnings.at(i));
            result.warnings.append(warnings.at(i).toString());
        }
    }
    if (root.contains(QStringLiteral("bounds")))
        result.bounds = bounds(object(root.value(QStringLiteral("bounds")), QStringLiteral("bounds")));
    // What the spec's scaling makes the figures mean, written for readers: a file that says otherwise contradicts
    // its own spec (a weak run's speedups read as strong ones), and is refused rather than half believed.
    if (root.contains(QStringLiteral("scaling"))) {
        const QJsonObject stated = object(root.value(QStringLiteral("scaling")), QStringLiteral("scaling"));
        const QJsonObject implied = JsonExport::scalingObject(result.spec);
        for (auto it = stated.constBegin(); it != stated.constEnd(); ++it) {
            const QString field = join(QStringLiteral("scaling"), it.key());
            if (!implied.contains(it.key()))
                refuse(field, QStringLiteral("unknown field"));
            if (it.value() != implied.value(it.key()))
                refuse(field,
                    QStringLiteral("contradicts spec.options.scaling '%1', which makes it \"%2\"")
                        .arg(implied.value(QStringLiteral("kind")).toString(), implied.value(it.key()).toString()));
        }
    }
    if (root.contains(QStringLiteral("runtimes"))) {
        const QJsonObject runtimes = object(root.value(QStringLiteral("runtimes")), QStringLiteral("runtimes"));
        for (auto it = runtimes.constBegin(); it != runtimes.constEnd(); ++it) {
            if (!it.value().isString())
                throwMismatch(QStringLiteral("runtimes.%1").arg(it.key()), QStringLiteral("a string"), it.value());
            result.runtimes.insert(it.key(), it.value().toString());
        }
    }
    const QJsonArray results = array(root.value(QStringLiteral("results")), QStringLiteral("results"));
    QList<QJsonObject> entries;
    for (qsizetype i = 0; i < results.size(); ++i) {
        const QString path = indexed(QStringLiteral("results"), i);
        entries.append(object(results.at(i), path));
        Measurement m;
        measured(entries.constLast(), path, m, Names::Checked);
        if (result.find(m.backend, m.workers))
            refuse(path, QStringLiteral("%1 appears twice").arg(m.label()));
        result.measurements.append(m);
    }
    if (root.contains(QStringLiteral("reference_checksum")))
        result.referenceChecksum
            = checksum(root.value(QStringLiteral("reference_checksum")), QStringLiteral("reference_checksum"));

    // The counts first: analyse() reads them (a failed run's warning quotes them), and `derived` must be what it
    // derives from the run as returned.
    for (const Measurement& m : std::as_const(result.measurements))
        result.completedRuns += int(m.samplesS.size());
    result.plannedRuns = result.completedRuns;

    // The history's path: every figure derived from the samples, then the file's stated figures over them.
    RunResult derived = result;
    analyse(derived, intervals);
    for (qsizetype i = 0; i < result.measurements.size(); ++i) {
        Measurement m = derived.measurements.at(i);
        stated(entries.at(i), indexed(QStringLiteral("results"), i), m);
        result.measurements[i] = std::move(m);
    }
    result.amdahlSerialFraction = derived.amdahlSerialFraction;
    result.usl = derived.usl;
    result.gustafsonSerialFraction = derived.gustafsonSerialFraction;
    if (derivedOut)
        *derivedOut = std::move(derived);
    return result;
}

// Runs one of the readers above: its value, or the message it threw.
template<typename Read> auto caught(Read read) -> Result<decltype(read())>
{
    try {
        return read();
    } catch (const ImportError& e) {
        return fail(e.message);
    }
}

// The top-level object of a JSON document, or why there is none.
Result<QJsonObject> topObject(const QByteArray& json)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return fail(
            QStringLiteral("not valid JSON at byte %1: %2").arg(parseError.offset).arg(parseError.errorString()));
    if (!document.isObject())
        return fail(QStringLiteral("expected a JSON object at the top level (a ParLab export)"));
    return document.object();
}

QString mebibytes(qint64 bytes)
{
    return QStringLiteral("%1 MiB").arg(
        double(bytes) / (1024.0 * 1024.0), 0, 'f', bytes % (qint64(1024) * 1024) != 0 ? 1 : 0);
}
} // namespace

Result<QByteArray> JsonImport::readFile(const QString& path)
{
    const QString what = QStringLiteral("cannot read '%1'").arg(path);
    // Opened without blocking and checked on the open descriptor: a FIFO would block the open itself, and a file
    // swapped between a check by name and the open would slip through.
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return fail(QStringLiteral("%1: %2").arg(what, QString::fromLocal8Bit(std::strerror(errno))));
    struct stat info { };
    if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        const bool folder = S_ISDIR(info.st_mode);
        ::close(fd);
        return fail(what
            + (folder
                    ? QStringLiteral(": it is a folder; give an export file (parlab run --export-json, history export)")
                    : QStringLiteral(": not a regular file (a device, FIFO or socket); give an export file "
                                     "(parlab run --export-json, history export)")));
    }
    if (info.st_size > kMaxFileBytes) {
        ::close(fd);
        return fail(QStringLiteral("%1: it is %2, more than the %3 an export can be")
                        .arg(what, mebibytes(info.st_size), mebibytes(kMaxFileBytes)));
    }
    QFile file;
    if (!file.open(fd, QIODevice::ReadOnly, QFileDevice::AutoCloseHandle)) {
        ::close(fd);
        return fail(QStringLiteral("%1: %2").arg(what, file.errorString()));
    }
    // One byte beyond the cap tells a file that grew after the check.
    QByteArray data = file.read(kMaxFileBytes + 1);
    if (file.error() != QFileDevice::NoError)
        return fail(QStringLiteral("%1: %2").arg(what, file.errorString()));
    if (data.size() > kMaxFileBytes)
        return fail(QStringLiteral("%1: it grew past the %2 an export can be while it was read")
                        .arg(what, mebibytes(kMaxFileBytes)));
    return data;
}

Result<RunResult> JsonImport::fromObject(const QJsonObject& object)
{
    return caught([&] { return read(object); });
}

Result<ExperimentSpec> JsonImport::specFromObject(const QJsonObject& object)
{
    return caught([&] { return spec(object, Names::Unchecked); });
}

Result<Environment> JsonImport::environmentFromObject(const QJsonObject& object)
{
    return caught([&] { return environment(object, EmptyFacts::Unknown); });
}

Result<Measurement> JsonImport::measurementFromObject(const QJsonObject& object, const Measurement& over)
{
    return caught([&] {
        const QString path = QStringLiteral("result");
        Measurement m = over;
        measured(object, path, m, Names::Unchecked);
        stated(object, path, m);
        return m;
    });
}

Result<RepeatUsage> JsonImport::usageFromObject(const QJsonObject& object)
{
    return caught([&] { return repeatUsage(object, QStringLiteral("usage")); });
}

Result<Bounds> JsonImport::boundsFromObject(const QJsonObject& object)
{
    return caught([&] { return bounds(object); });
}

Result<RunResult> JsonImport::fromJson(const QByteArray& json)
{
    const Result<QJsonObject> root = topObject(json);
    if (!root)
        return fail(root.error());
    return fromObject(*root);
}

Result<JsonImport::Analysed> JsonImport::analysedFromJson(const QByteArray& json)
{
    const Result<QJsonObject> root = topObject(json);
    if (!root)
        return fail(root.error());
    return caught([&] {
        Analysed analysed;
        analysed.result = read(*root, Intervals::Bootstrap, &analysed.derived);
        analysed.gate = enforcedGate(*root);
        return analysed;
    });
}

} // namespace parlab
