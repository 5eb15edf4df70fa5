#include "sweepreport.h"

#include "formatting.h"
#include "jsonexport.h"
#include "sweep.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace parlab {

namespace {
QJsonValue crossingValue(const Crossing& crossing)
{
    if (crossing.where == Crossing::Where::At)
        return JsonExport::number(crossing.ms);
    const QString key = crossing.key();
    return key.isEmpty() ? QJsonValue() : QJsonValue(key);
}
} // namespace

QString SweepReport::title(const SweepResult& sweep)
{
    const SweepSpec& spec = sweep.spec;
    const SweepPoint* first = sweep.points.isEmpty() ? nullptr : &sweep.points.constFirst();
    // The kernel that ran (spin's sizes run on spin-us), as the runs in the history name it.
    const QString kernel = first ? first->run.spec.kernel : spec.base.kernel;
    return QStringLiteral("%1, %2 tasks of %3 each, on %4")
        .arg(kernel)
        .arg(spec.tasks)
        .arg(spec.sizesText(), spec.base.backends.join(QStringLiteral(", ")));
}

Report::Table SweepReport::table(const SweepResult& sweep)
{
    Report::Table t;
    t.header = QStringList { QStringLiteral("backend"), QStringLiteral("workers") };
    t.rightAligned = { false, true };
    for (double ms : sweep.spec.sizesMs) {
        t.header.append(formatSize(ms) + QStringLiteral(" ms"));
        t.rightAligned.append(true);
    }
    t.header << QStringLiteral("break-even") << QStringLiteral("90% of ideal");
    t.rightAligned << false << false;
    for (const SweepSeries& s : sweep.series()) {
        QStringList row { s.backend, QString::number(s.workers) };
        for (double speedup : s.speedup)
            row.append(Format::speedup(speedup));
        row << s.breakEven.text() << s.ninetyPercent.text();
        t.rows.append(row);
    }
    return t;
}

QStringList SweepReport::notes(const SweepResult& sweep)
{
    QStringList notes;
    notes.append(QStringLiteral(
        "Speedup against sequential at each task size. break-even: the task size from which the speedup stays at 1 "
        "or above; 90% of ideal: from which it stays at 90% of the lpt bound of %1 equal tasks (the workers, when "
        "they divide the tasks evenly). Both interpolated on log size and log speedup between the sizes around them.")
                     .arg(sweep.spec.tasks));
    if (sweep.cancelled)
        notes.append(QStringLiteral("The sweep was cancelled after %1 of %2 sizes.")
                         .arg(sweep.points.size())
                         .arg(sweep.spec.sizesMs.size()));
    if (!sweep.error.isEmpty())
        notes.append(QStringLiteral("The sweep stopped: %1").arg(sweep.error));
    return notes;
}

QString SweepReport::toText(const SweepResult& sweep)
{
    QString out = title(sweep) + QStringLiteral("\n\n") + Report::alignedText(table(sweep)) + QLatin1Char('\n');
    for (const QString& note : notes(sweep))
        out += note + QLatin1Char('\n');
    return out;
}

QJsonObject SweepReport::toObject(const SweepResult& sweep)
{
    QJsonArray sizes;
    for (double ms : sweep.spec.sizesMs)
        sizes.append(ms);
    QJsonArray series;
    for (const SweepSeries& s : sweep.series()) {
        QJsonArray speedup, ideal;
        for (double v : s.speedup)
            speedup.append(JsonExport::number(v));
        for (double v : s.ideal)
            ideal.append(JsonExport::number(v));
        series.append(QJsonObject {
            { QStringLiteral("backend"), s.backend },
            { QStringLiteral("workers"), s.workers },
            { QStringLiteral("speedup"), speedup },
            { QStringLiteral("ideal"), ideal },
            { QStringLiteral("break_even_ms"), crossingValue(s.breakEven) },
            { QStringLiteral("near_ideal_ms"), crossingValue(s.ninetyPercent) },
        });
    }
    QJsonArray runs;
    for (const SweepPoint& point : sweep.points)
        runs.append(QJsonObject {
            { QStringLiteral("size_ms"), point.sizeMs },
            { QStringLiteral("history_id"), point.historyId >= 0 ? QJsonValue(point.historyId) : QJsonValue() },
            { QStringLiteral("result"), JsonExport::toObject(point.run) },
        });
    QJsonObject object {
        { QStringLiteral("tool"), QStringLiteral("parlab") },
        { QStringLiteral("version"), QStringLiteral(PARLAB_VERSION) },
    };
    if (!sweep.points.isEmpty()) {
        const RunResult& first = sweep.points.constFirst().run;
        object.insert(QStringLiteral("created"), first.created.toString(Qt::ISODateWithMs));
        object.insert(QStringLiteral("environment"), JsonExport::environmentObject(first.environment));
    }
    object.insert(QStringLiteral("sweep"),
        QJsonObject {
            { QStringLiteral("kernel"), sweep.spec.base.kernel },
            { QStringLiteral("tasks"), sweep.spec.tasks },
            { QStringLiteral("sizes_ms"), sizes },
            { QStringLiteral("near_ideal_share"), SweepResult::kNearIdeal },
            { QStringLiteral("tag"), sweep.tag },
            { QStringLiteral("cancelled"), sweep.cancelled },
            { QStringLiteral("error"), sweep.error },
            { QStringLiteral("series"), series },
            { QStringLiteral("runs"), runs },
        });
    return object;
}

QByteArray SweepReport::toJson(const SweepResult& sweep)
{
    return QJsonDocument(toObject(sweep)).toJson(QJsonDocument::Indented);
}

} // namespace parlab
