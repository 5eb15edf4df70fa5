#include "engineprotocol.h"

#include "export/jsonexport.h"
#include "export/jsonimport.h"
#include "history/historystore.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace parlab {

namespace {
QByteArray line(const QJsonObject& object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact) + '\n';
}

QJsonObject event(const char* name, QJsonObject object = {})
{
    object.insert(QStringLiteral("event"), QLatin1String(name));
    return object;
}

// What the runner keeps beside the measurements, which the analysis reads.
QJsonObject facts(const RunResult& run)
{
    QJsonObject runtimes;
    for (auto it = run.runtimes.cbegin(); it != run.runtimes.cend(); ++it)
        runtimes.insert(it.key(), it.value());
    return { { QStringLiteral("environment"), HistoryJson::environmentObject(run.environment) },
        { QStringLiteral("created"), run.created.toString(Qt::ISODateWithMs) },
        { QStringLiteral("runtimes"), runtimes },
        // In hex: a JSON number (a double) does not hold 64 bits.
        { QStringLiteral("reference_checksum"), QString::number(run.referenceChecksum, 16) },
        { QStringLiteral("task_costs_s"), HistoryJson::numbers(run.bounds.taskCostsS) },
        { QStringLiteral("completed_runs"), run.completedRuns }, { QStringLiteral("planned_runs"), run.plannedRuns } };
}

Result<RunResult> factsFrom(const QJsonObject& object)
{
    RunResult run;
    const Result<Environment> environment
        = HistoryJson::environmentFromObject(object.value(QStringLiteral("environment")).toObject());
    if (!environment)
        return fail(environment.error());
    run.environment = *environment;
    run.created = QDateTime::fromString(object.value(QStringLiteral("created")).toString(), Qt::ISODateWithMs);
    const QJsonObject runtimes = object.value(QStringLiteral("runtimes")).toObject();
    for (auto it = runtimes.constBegin(); it != runtimes.constEnd(); ++it)
        run.runtimes.insert(it.key(), it.value().toString());
    bool ok = false;
    run.referenceChecksum = object.value(QStringLiteral("reference_checksum")).toString().toULongLong(&ok, 16);
    if (!ok)
        return fail(QStringLiteral("run.reference_checksum is not a checksum"));
    run.bounds.taskCostsS = HistoryJson::numbersFrom(object.value(QStringLiteral("task_costs_s")));
    run.completedRuns = object.value(QStringLiteral("completed_runs")).toInt();
    run.plannedRuns = object.value(QStringLiteral("planned_runs")).toInt();
    return run;
}
} // namespace

QByteArray EngineProtocol::specLine(const ExperimentSpec& spec)
{
    return line(JsonExport::specObject(spec));
}

Result<ExperimentSpec> EngineProtocol::readSpec(const QByteArray& text)
{
    QJsonParseError error {};
    const QJsonDocument document = QJsonDocument::fromJson(text, &error);
    if (!document.isObject())
        return fail(QStringLiteral("the spec is not a JSON object (%1)").arg(error.errorString()));
    return JsonImport::specFromObject(document.object());
}

QByteArray EngineProtocol::started(int plannedRuns)
{
    return line(event("started", { { QStringLiteral("planned"), plannedRuns } }));
}

QByteArray EngineProtocol::progress(int done, int total, double etaS, const QString& current)
{
    return line(event("progress",
        { { QStringLiteral("done"), done }, { QStringLiteral("total"), total },
            { QStringLiteral("eta_s"), JsonExport::number(etaS) }, { QStringLiteral("current"), current } }));
}

QByteArray EngineProtocol::measurement(qsizetype index, const RunResult& run)
{
    return line(event("measurement",
        { { QStringLiteral("index"), index },
            { QStringLiteral("measurement"), HistoryJson::measurementObject(run.measurements.at(index)) },
            { QStringLiteral("run"), facts(run) } }));
}

QByteArray EngineProtocol::failed(const QString& error)
{
    return line(event("failed", { { QStringLiteral("error"), error } }));
}

QByteArray EngineProtocol::finished(const RunResult& result)
{
    QJsonObject run = facts(result);
    run.insert(QStringLiteral("cancelled"), result.cancelled);
    run.insert(QStringLiteral("error"), result.error);
    run.insert(QStringLiteral("measurements"), result.measurements.size());
    return line(event("finished", { { QStringLiteral("run"), run } }));
}

Result<EngineProtocol::Event> EngineProtocol::read(const QByteArray& text)
{
    QJsonParseError error {};
    const QJsonDocument document = QJsonDocument::fromJson(text, &error);
    if (!document.isObject())
        return fail(QStringLiteral("not a JSON object (%1)").arg(error.errorString()));
    const QJsonObject o = document.object();
    const QString name = o.value(QStringLiteral("event")).toString();
    Event e;
    if (name == QStringLiteral("started")) {
        e.kind = Event::Kind::Started;
        e.plannedRuns = o.value(QStringLiteral("planned")).toInt();
    } else if (name == QStringLiteral("progress")) {
        e.kind = Event::Kind::Progress;
        e.done = o.value(QStringLiteral("done")).toInt();
        e.total = o.value(QStringLiteral("total")).toInt();
        e.etaS = o.value(QStringLiteral("eta_s")).toDouble(-1);
        e.current = o.value(QStringLiteral("current")).toString();
    } else if (name == QStringLiteral("measurement")) {
        e.kind = Event::Kind::Measurement;
        e.index = o.value(QStringLiteral("index")).toInteger(-1);
        Result<Measurement> m = HistoryJson::measurementFromObject(o.value(QStringLiteral("measurement")).toObject());
        if (!m)
            return fail(m.error());
        e.measurement = std::move(*m);
    } else if (name == QStringLiteral("failed")) {
        e.kind = Event::Kind::Failed;
        e.error = o.value(QStringLiteral("error")).toString();
    } else if (name == QStringLiteral("finished")) {
        e.kind = Event::Kind::Finished;
    } else {
        return fail(QStringLiteral("event '%1' is unknown").arg(name));
    }
    if (e.kind == Event::Kind::Measurement || e.kind == Event::Kind::Finished) {
        const QJsonObject run = o.value(QStringLiteral("run")).toObject();
        Result<RunResult> read = factsFrom(run);
        if (!read)
            return fail(read.error());
        e.run = std::move(*read);
        if (e.kind == Event::Kind::Finished) {
            e.run.cancelled = run.value(QStringLiteral("cancelled")).toBool();
            e.run.error = run.value(QStringLiteral("error")).toString();
            e.measurements = run.value(QStringLiteral("measurements")).toInteger(-1);
        }
    }
    return e;
}

} // namespace parlab
