#include "jsonimport.h"

#include "runoptions.h"
#include "stats/analysis.h"
#include "unknown.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <cmath>

namespace parlab {

namespace {
// Thrown inside the reader, caught at the entry points: the message already names the field.
struct ImportError {
    QString message;
};

QString typeName(const QJsonValue& value)
{
    switch (value.type()) {
    case QJsonValue::Null:
        return QStringLiteral("null");
    case QJsonValue::Bool:
        return QStringLiteral("a boolean");
    case QJsonValue::Double:
        return QStringLiteral("a number");
    case QJsonValue::String:
        return QStringLiteral("a string");
    case QJsonValue::Array:
        return QStringLiteral("an array");
    case QJsonValue::Object:
        return QStringLiteral("an object");
    case QJsonValue::Undefined:
        return QStringLiteral("nothing (the field is missing)");
    }
    return QStringLiteral("something else");
}

// Not named fail: that is parlab::fail (result.h), which a helper of that name here would hide from the files
// batched with this one in a unity build.
[[noreturn]] void throwMismatch(const QString& field, const QString& expected, const QJsonValue& got)
{
    throw ImportError { QStringLiteral("%1: expected %2, got %3").arg(field, expected, typeName(got)) };
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

// A number, or null (written for unknown figures) read as NaN. Missing optional fields are NaN too.
double number(const QJsonObject& parent, const QString& path, const QString& key, bool required = false)
{
    const QJsonValue value = parent.value(key);
    if (value.isNull() || (value.isUndefined() && !required))
        return kUnknown;
    if (!value.isDouble())
        throwMismatch(join(path, key), QStringLiteral("a number or null"), value);
    return value.toDouble();
}

qint64 integer(const QJsonValue& value, const QString& field)
{
    if (!value.isDouble() || value.toDouble() != std::floor(value.toDouble()))
        throwMismatch(field, QStringLiteral("a whole number"), value);
    return qint64(value.toDouble());
}

quint64 checksum(const QJsonObject& parent, const QString& path, const QString& key)
{
    const QJsonValue value = parent.value(key);
    if (value.isUndefined())
        return 0;
    if (!value.isString())
        throwMismatch(join(path, key), QStringLiteral("a checksum of hex digits"), value);
    bool ok = false;
    const quint64 parsed = value.toString().toULongLong(&ok, 16);
    if (!ok)
        throw ImportError {
            QStringLiteral("%1: '%2' is not a checksum of hex digits").arg(join(path, key), value.toString())
        };
    return parsed;
}

Environment environment(const QJsonObject& o)
{
    const QString path = QStringLiteral("environment");
    Environment env;
    env.cpu = string(o, path, QStringLiteral("cpu"), false);
    if (o.contains(QStringLiteral("logical_cores")))
        env.logicalCores
            = int(integer(o.value(QStringLiteral("logical_cores")), join(path, QStringLiteral("logical_cores"))));
    env.os = string(o, path, QStringLiteral("os"), false);
    env.qt = string(o, path, QStringLiteral("qt"), false);
    env.compiler = string(o, path, QStringLiteral("compiler"), false);
    env.buildType = string(o, path, QStringLiteral("build_type"), false);
    const double load = number(o, path, QStringLiteral("load_avg"));
    env.loadAverage = std::isfinite(load) ? load : 0.0;
    env.governor = string(o, path, QStringLiteral("governor"), false);
    return env;
}

ExperimentSpec spec(const QJsonObject& o)
{
    const QString path = QStringLiteral("spec");
    ExperimentSpec s;
    s.kernel = string(o, path, QStringLiteral("kernel"));
    const QJsonArray inputs = array(o.value(QStringLiteral("inputs")), join(path, QStringLiteral("inputs")));
    for (qsizetype i = 0; i < inputs.size(); ++i)
        s.inputs.append(integer(inputs.at(i), indexed(join(path, QStringLiteral("inputs")), i)));
    const QJsonArray backends = array(o.value(QStringLiteral("backends")), join(path, QStringLiteral("backends")));
    for (qsizetype i = 0; i < backends.size(); ++i) {
        if (!backends.at(i).isString())
            throwMismatch(
                indexed(join(path, QStringLiteral("backends")), i), QStringLiteral("a backend id"), backends.at(i));
        s.backends.append(backends.at(i).toString());
    }
    const QJsonArray workers = array(o.value(QStringLiteral("workers")), join(path, QStringLiteral("workers")));
    for (qsizetype i = 0; i < workers.size(); ++i)
        s.workers.append(int(integer(workers.at(i), indexed(join(path, QStringLiteral("workers")), i))));
    if (o.contains(QStringLiteral("repeats")))
        s.repeats = int(integer(o.value(QStringLiteral("repeats")), join(path, QStringLiteral("repeats"))));
    if (o.contains(QStringLiteral("warmup")))
        s.warmup = int(integer(o.value(QStringLiteral("warmup")), join(path, QStringLiteral("warmup"))));
    // Options are strict where the rest of the schema is lenient: a misspelt option read as its default would
    // change what the stored run claims to have measured.
    auto options = RunOptions::fromJson(o.value(QStringLiteral("options")), join(path, QStringLiteral("options")));
    if (!options)
        throw ImportError { options.error() };
    s.options = *options;
    return s;
}

Bounds bounds(const QJsonObject& o)
{
    Bounds b;
    b.critical = number(o, QStringLiteral("bounds"), QStringLiteral("critical"));
    if (o.contains(QStringLiteral("lpt"))) {
        const QJsonObject lpt = object(o.value(QStringLiteral("lpt")), QStringLiteral("bounds.lpt"));
        for (auto it = lpt.constBegin(); it != lpt.constEnd(); ++it) {
            bool ok = false;
            const int workers = it.key().toInt(&ok);
            if (!ok || workers < 1)
                throw ImportError { QStringLiteral("bounds.lpt: key '%1' is not a worker count").arg(it.key()) };
            if (!it.value().isDouble() && !it.value().isNull())
                throwMismatch(
                    QStringLiteral("bounds.lpt.%1").arg(it.key()), QStringLiteral("a number or null"), it.value());
            b.lpt.insert(workers, it.value().isNull() ? kUnknown : it.value().toDouble());
        }
    }
    return b;
}

// Reads over `m`, which keeps what the schema does not carry (spans, states, per-repeat CPU times).
Measurement measurement(const QJsonObject& o, const QString& path, Measurement m = {})
{
    m.backend = string(o, path, QStringLiteral("backend"));
    m.workers = int(integer(o.value(QStringLiteral("workers")), join(path, QStringLiteral("workers"))));
    if (m.workers < 1)
        throw ImportError { QStringLiteral("%1: %2 is not a worker count (1 or more)")
                                .arg(join(path, QStringLiteral("workers")))
                                .arg(m.workers) };
    const QString samplesPath = join(path, QStringLiteral("samples_s"));
    const QJsonArray samples = array(o.value(QStringLiteral("samples_s")), samplesPath);
    m.samplesS.clear();
    m.wall.outliers.clear();
    for (qsizetype i = 0; i < samples.size(); ++i) {
        if (!samples.at(i).isDouble())
            throwMismatch(indexed(samplesPath, i), QStringLiteral("a number of seconds"), samples.at(i));
        m.samplesS.append(samples.at(i).toDouble());
    }
    m.wall.median = number(o, path, QStringLiteral("median_s"));
    m.wall.mean = number(o, path, QStringLiteral("mean_s"));
    m.wall.stddev = number(o, path, QStringLiteral("stddev_s"));
    m.wall.min = number(o, path, QStringLiteral("min_s"));
    m.wall.max = number(o, path, QStringLiteral("max_s"));
    m.wall.cv = number(o, path, QStringLiteral("cv"));
    m.cpuMedianS = number(o, path, QStringLiteral("cpu_s"));
    m.speedup = number(o, path, QStringLiteral("speedup"));
    if (o.contains(QStringLiteral("speedup_ci"))) {
        const QString ciPath = join(path, QStringLiteral("speedup_ci"));
        const QJsonArray ci = array(o.value(QStringLiteral("speedup_ci")), ciPath);
        if (ci.size() != 2)
            throw ImportError { QStringLiteral("%1: expected [low, high], got %2 values").arg(ciPath).arg(ci.size()) };
        for (qsizetype i = 0; i < 2; ++i) {
            if (!ci.at(i).isDouble() && !ci.at(i).isNull())
                throwMismatch(indexed(ciPath, i), QStringLiteral("a number or null"), ci.at(i));
        }
        m.speedupLow = ci.at(0).isNull() ? kUnknown : ci.at(0).toDouble();
        m.speedupHigh = ci.at(1).isNull() ? kUnknown : ci.at(1).toDouble();
    }
    m.efficiency = number(o, path, QStringLiteral("efficiency"));
    m.imbalance = number(o, path, QStringLiteral("imbalance")); // since 0.2; else derived from the spans below
    m.checksum = checksum(o, path, QStringLiteral("checksum"));
    if (o.contains(QStringLiteral("outliers"))) {
        const QString outliersPath = join(path, QStringLiteral("outliers"));
        const QJsonArray outliers = array(o.value(QStringLiteral("outliers")), outliersPath);
        for (qsizetype i = 0; i < outliers.size(); ++i) {
            const qint64 index = integer(outliers.at(i), indexed(outliersPath, i));
            if (index < 0 || index >= m.samplesS.size())
                throw ImportError { QStringLiteral("%1: sample %2 does not exist (there are %3)")
                                        .arg(indexed(outliersPath, i))
                                        .arg(index)
                                        .arg(m.samplesS.size()) };
            m.wall.outliers.append(int(index));
        }
    }
    return m;
}

RunResult read(const QJsonObject& root)
{
    if (root.contains(QStringLiteral("tool"))
        && root.value(QStringLiteral("tool")).toString() != QStringLiteral("parlab"))
        throw ImportError { QStringLiteral("tool: '%1' is not parlab; this is not a ParLab export")
                                .arg(root.value(QStringLiteral("tool")).toVariant().toString()) };
    RunResult result;
    const QString created = string(root, {}, QStringLiteral("created"));
    result.created = QDateTime::fromString(created, Qt::ISODateWithMs);
    if (!result.created.isValid())
        throw ImportError { QStringLiteral("created: '%1' is not an ISO 8601 date and time").arg(created) };
    result.environment = environment(object(root.value(QStringLiteral("environment")), QStringLiteral("environment")));
    result.spec = spec(object(root.value(QStringLiteral("spec")), QStringLiteral("spec")));
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
    if (root.contains(QStringLiteral("runtimes"))) {
        const QJsonObject runtimes = object(root.value(QStringLiteral("runtimes")), QStringLiteral("runtimes"));
        for (auto it = runtimes.constBegin(); it != runtimes.constEnd(); ++it) {
            if (!it.value().isString())
                throwMismatch(QStringLiteral("runtimes.%1").arg(it.key()), QStringLiteral("a string"), it.value());
            result.runtimes.insert(it.key(), it.value().toString());
        }
    }
    const QJsonArray results = array(root.value(QStringLiteral("results")), QStringLiteral("results"));
    for (qsizetype i = 0; i < results.size(); ++i) {
        const QString path = indexed(QStringLiteral("results"), i);
        Measurement m = measurement(object(results.at(i), path), path);
        if (result.find(m.backend, m.workers))
            throw ImportError { QStringLiteral("%1: %2 appears twice").arg(path, m.label()) };
        result.measurements.append(m);
    }
    result.referenceChecksum = checksum(root, {}, QStringLiteral("reference_checksum"));

    // What the schema leaves out but the samples determine; the figures the file states are kept as stated.
    RunResult derived = result;
    analyse(derived);
    for (qsizetype i = 0; i < result.measurements.size(); ++i) {
        Measurement& m = result.measurements[i];
        const Measurement& d = derived.measurements.at(i);
        m.wall.mad = d.wall.mad;
        m.selfSpeedup = d.selfSpeedup;
        m.karpFlatt = d.karpFlatt;
        if (!std::isfinite(m.imbalance))
            m.imbalance = d.imbalance;
    }
    result.amdahlSerialFraction = derived.amdahlSerialFraction;
    for (const Measurement& m : std::as_const(result.measurements))
        result.completedRuns += int(m.samplesS.size());
    result.plannedRuns = result.completedRuns;
    return result;
}

// Runs one of the readers above: its value, or nullopt with `error` set to what it threw.
template<typename Read> auto caught(Read read, QString* error) -> std::optional<decltype(read())>
{
    try {
        return read();
    } catch (const ImportError& e) {
        if (error)
            *error = e.message;
        return std::nullopt;
    }
}
} // namespace

std::optional<RunResult> JsonImport::fromObject(const QJsonObject& object, QString* error)
{
    return caught([&] { return read(object); }, error);
}

std::optional<ExperimentSpec> JsonImport::specFromObject(const QJsonObject& object, QString* error)
{
    return caught([&] { return spec(object); }, error);
}

std::optional<Environment> JsonImport::environmentFromObject(const QJsonObject& object, QString* error)
{
    return caught([&] { return environment(object); }, error);
}

std::optional<Measurement> JsonImport::measurementFromObject(
    const QJsonObject& object, const Measurement& over, QString* error)
{
    return caught([&] { return measurement(object, QStringLiteral("result"), over); }, error);
}

std::optional<Bounds> JsonImport::boundsFromObject(const QJsonObject& object, QString* error)
{
    return caught([&] { return bounds(object); }, error);
}

std::optional<RunResult> JsonImport::fromJson(const QByteArray& json, QString* error)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        if (error)
            *error
                = QStringLiteral("not valid JSON at byte %1: %2").arg(parseError.offset).arg(parseError.errorString());
        return std::nullopt;
    }
    if (!document.isObject()) {
        if (error)
            *error = QStringLiteral("expected a JSON object at the top level (a ParLab export)");
        return std::nullopt;
    }
    return fromObject(document.object(), error);
}

} // namespace parlab
