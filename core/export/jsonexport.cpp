#include "jsonexport.h"

#include "environment.h"
#include "experimentspec.h"
#include "formatting.h"
#include "measurement.h"
#include "runresult.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonValue>
#include <cmath>

namespace parlab {

namespace {
using JsonExport::number;

QJsonArray numbers(const QList<double>& values)
{
    QJsonArray array;
    for (double v : values)
        array.append(number(v));
    return array;
}
} // namespace

QJsonObject JsonExport::measurementObject(const Measurement& m)
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
        { QStringLiteral("imbalance"), number(m.imbalance) },
        { QStringLiteral("checksum"), Format::checksum(m.checksum) },
        { QStringLiteral("outliers"), outliers },
    };
}

QJsonValue JsonExport::number(double value)
{
    return std::isfinite(value) ? QJsonValue(value) : QJsonValue(QJsonValue::Null);
}

QJsonObject JsonExport::environmentObject(const Environment& env)
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

QJsonObject JsonExport::toObject(const RunResult& result)
{
    QJsonArray results;
    for (const Measurement& m : result.measurements) {
        if (!m.samplesS.isEmpty())
            results.append(measurementObject(m));
    }
    return {
        { QStringLiteral("tool"), QStringLiteral("parlab") },
        { QStringLiteral("version"), QStringLiteral(PARLAB_VERSION) },
        { QStringLiteral("created"), result.created.toString(Qt::ISODateWithMs) },
        { QStringLiteral("environment"), environmentObject(result.environment) },
        { QStringLiteral("spec"), specObject(result.spec) },
        { QStringLiteral("warnings"), QJsonArray::fromStringList(result.warnings) },
        { QStringLiteral("bounds"), boundsObject(result.bounds) },
        { QStringLiteral("results"), results },
        { QStringLiteral("reference_checksum"), Format::checksum(result.referenceChecksum) },
    };
}

QByteArray JsonExport::toJson(const RunResult& result)
{
    return QJsonDocument(toObject(result)).toJson(QJsonDocument::Indented);
}

} // namespace parlab
