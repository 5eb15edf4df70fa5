#include "jsonexport.h"

#include "formatting.h"
#include "results.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <cmath>

namespace parlab {

namespace {
// JSON has no NaN: unknown figures are null.
QJsonValue number(double value)
{
    return std::isfinite(value) ? QJsonValue(value) : QJsonValue(QJsonValue::Null);
}

QJsonArray numbers(const QList<double>& values)
{
    QJsonArray array;
    for (double v : values)
        array.append(number(v));
    return array;
}

QJsonObject environment(const Environment& env)
{
    return {
        { QStringLiteral("cpu"), env.cpu },
        { QStringLiteral("logical_cores"), env.logicalCores },
        { QStringLiteral("os"), env.os },
        { QStringLiteral("qt"), env.qt },
        { QStringLiteral("compiler"), env.compiler },
        { QStringLiteral("build_type"), env.buildType },
        { QStringLiteral("load_avg"), number(env.loadAverage) },
    };
}

QJsonObject spec(const ExperimentSpec& s)
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
        { QStringLiteral("options"), QJsonObject::fromVariantMap(s.options) },
    };
}

QJsonObject measurement(const Measurement& m)
{
    QJsonArray outliers;
    for (int i : m.wall.outliers)
        outliers.append(i);
    return {
        { QStringLiteral("backend"), m.backend },
        { QStringLiteral("workers"), m.workers },
        { QStringLiteral("samples_s"), numbers(m.samplesS) },
        { QStringLiteral("median_s"), number(m.wall.median) },
        { QStringLiteral("mean_s"), number(m.wall.mean) },
        { QStringLiteral("stddev_s"), number(m.wall.stddev) },
        { QStringLiteral("min_s"), number(m.wall.min) },
        { QStringLiteral("max_s"), number(m.wall.max) },
        { QStringLiteral("cv"), number(m.wall.cv) },
        { QStringLiteral("cpu_s"), number(m.cpuMedianS) },
        { QStringLiteral("speedup"), number(m.speedup) },
        { QStringLiteral("speedup_ci"), QJsonArray { number(m.speedupLow), number(m.speedupHigh) } },
        { QStringLiteral("efficiency"), number(m.efficiency) },
        { QStringLiteral("checksum"), Format::checksum(m.checksum) },
        { QStringLiteral("outliers"), outliers },
    };
}
} // namespace

QJsonObject JsonExport::toObject(const RunResult& result)
{
    QJsonObject lpt;
    for (auto it = result.bounds.lpt.cbegin(); it != result.bounds.lpt.cend(); ++it)
        lpt.insert(QString::number(it.key()), number(it.value()));
    QJsonArray results;
    for (const Measurement& m : result.measurements) {
        if (!m.samplesS.isEmpty())
            results.append(measurement(m));
    }
    return {
        { QStringLiteral("tool"), QStringLiteral("parlab") },
        { QStringLiteral("version"), QStringLiteral(PARLAB_VERSION) },
        { QStringLiteral("created"), result.created.toString(Qt::ISODateWithMs) },
        { QStringLiteral("environment"), environment(result.environment) },
        { QStringLiteral("spec"), spec(result.spec) },
        { QStringLiteral("warnings"), QJsonArray::fromStringList(result.warnings) },
        { QStringLiteral("bounds"),
            QJsonObject {
                { QStringLiteral("critical"), number(result.bounds.critical) }, { QStringLiteral("lpt"), lpt } } },
        { QStringLiteral("results"), results },
        { QStringLiteral("reference_checksum"), Format::checksum(result.referenceChecksum) },
    };
}

QByteArray JsonExport::toJson(const RunResult& result)
{
    return QJsonDocument(toObject(result)).toJson(QJsonDocument::Indented);
}

} // namespace parlab
