#include "lesson.h"

#include "backends/backendregistry.h"
#include "jsonfield.h"
#include "kernels/pythonfunction.h"
#include "measurement.h"
#include "optiondescriptor.h"
#include "resourcejson.h"
#include "runoptions.h"
#include "runresult.h"
#include "sweep.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <algorithm>
#include <cmath>

namespace parlab {

namespace {
// Lessons are numbered 1 to 99 in the list.
constexpr CountRange kLessonNumbers { 1, 99 };

LessonVerdict notRun(const QString& text, const QString& why)
{
    LessonVerdict v;
    v.outcome = LessonVerdict::Outcome::NotRun;
    v.text = text;
    v.why = why;
    return v;
}

QString onOff(bool value)
{
    return value ? QStringLiteral("on") : QStringLiteral("off");
}

// The window's name of an option, without its shortcut marker: what a user knows it by (never the JSON key).
QString plainLabel(const OptionDescriptor& d)
{
    return QString(d.label).remove(QLatin1Char('&'));
}
} // namespace

QString outcomeName(LessonVerdict::Outcome outcome)
{
    switch (outcome) {
    case LessonVerdict::Outcome::Holds:
        return QStringLiteral("holds");
    case LessonVerdict::Outcome::Contradicted:
        return QStringLiteral("contradicted");
    case LessonVerdict::Outcome::Inconclusive:
        return QStringLiteral("inconclusive");
    case LessonVerdict::Outcome::NotRun:
        return QStringLiteral("not run");
    }
    return {};
}

Availability backendAvailability(const QString& backendId, const RunOptions& options)
{
    return BackendRegistry::availability(backendId, options);
}

LessonPlan Lesson::planHere(const AvailabilityCheck& check) const
{
    LessonPlan plan;
    plan.spec = experiment.spec;
    QStringList kept;
    for (const QString& backend : std::as_const(experiment.spec.backends)) {
        const Availability a
            = check ? check(backend, experiment.spec.options) : backendAvailability(backend, experiment.spec.options);
        if (a.available) {
            kept.append(backend);
        } else if (optionalBackends.contains(backend)) {
            plan.notes.append(QStringLiteral("%1 left out: %2").arg(backend, a.reason));
        } else {
            kept.append(backend);
            if (plan.runnable) {
                plan.runnable = false;
                plan.blockedReason = QStringLiteral("%1 cannot run here: %2").arg(backend, a.reason);
            }
        }
    }
    plan.spec.backends = kept;
    return plan;
}

namespace {
// Whether `a` and `b` are one Python function in two copies of the same file: a lesson runs the installed copy of
// an example, and a user runs the one in the source folder, or their own copy of it. The same work.
bool samePythonFunction(const QString& a, const QString& b)
{
    if (!a.startsWith(PythonFunctionKernel::kPrefix) || !b.startsWith(PythonFunctionKernel::kPrefix))
        return false;
    const auto ka = PythonFunctionKernel::make(a);
    const auto kb = PythonFunctionKernel::make(b);
    if (!ka || !kb)
        return false;
    const auto& fa = static_cast<const PythonFunctionKernel&>(**ka);
    const auto& fb = static_cast<const PythonFunctionKernel&>(**kb);
    if (fa.function() != fb.function() || fa.file().isEmpty() || fb.file().isEmpty())
        return false;
    QFile one(fa.file());
    QFile other(fb.file());
    constexpr qint64 kMaxBytes = 1 << 20; // a script, not data: larger files are not compared
    return one.open(QIODevice::ReadOnly) && other.open(QIODevice::ReadOnly) && one.size() == other.size()
        && one.size() <= kMaxBytes && one.readAll() == other.readAll();
}
} // namespace

QString Lesson::otherWork(const ExperimentSpec& spec) const
{
    if (spec.kernel != experiment.spec.kernel && !samePythonFunction(spec.kernel, experiment.spec.kernel))
        return QStringLiteral("it measured kernel '%1', while this lesson's experiment runs '%2'")
            .arg(spec.kernel, experiment.spec.kernel);
    for (const Option flag : { Option::ReleaseGil, Option::PythonNative }) {
        // A flag no backend of the run reads changed nothing that ran (lesson 4 without python3 never calls
        // through ctypes).
        const bool read = std::any_of(spec.backends.cbegin(), spec.backends.cend(),
            [&](const QString& backend) { return BackendRegistry::factsOf(backend).options.contains(flag); });
        if (!read)
            continue;
        const OptionDescriptor& d = RunOptions::descriptor(flag);
        const bool wanted = experiment.spec.options.value(d).toBool();
        const bool got = spec.options.value(d).toBool();
        if (wanted != got)
            return QStringLiteral("it was measured with “%1” %2, while this lesson's experiment has it %3")
                .arg(plainLabel(d), onOff(got), onOff(wanted));
    }
    return {};
}

LessonVerdict Lesson::verdict(const RunResult& result) const
{
    bool measured = false;
    int measuredCount = 0;
    for (const Measurement& m : result.measurements) {
        if (!m.samplesS.isEmpty()) {
            measured = true;
            ++measuredCount;
        }
    }
    if (!measured) {
        if (result.cancelled)
            return notRun(
                QStringLiteral("Not run yet"), QStringLiteral("the run was cancelled before anything was measured"));
        if (!result.error.isEmpty())
            return notRun(QStringLiteral("Not run yet"), QStringLiteral("the run failed: %1").arg(result.error));
        return notRun(QStringLiteral("Not run yet"), {});
    }

    // A verdict on another experiment would be a verdict on the wrong claim.
    if (const QString other = otherWork(result.spec); !other.isEmpty())
        return notRun(QStringLiteral("Cannot judge this result"),
            QStringLiteral("%1: run the lesson's own experiment").arg(other));
    if (isSweep())
        return notRun(QStringLiteral("Cannot judge one run"),
            QStringLiteral("this lesson is judged on a sweep of task sizes (%1 ms): press Run in the lesson, or fill "
                           "Sweep task size")
                .arg(sweepText()));
    if (!judge)
        return notRun(QStringLiteral("Cannot judge this result"),
            QStringLiteral("lesson '%1' has no verdict rule in this build").arg(id));

    LessonVerdict v = judge(*this, result);
    if (v.outcome != LessonVerdict::Outcome::NotRun) {
        if (result.cancelled)
            v.text += QStringLiteral(" (from a cancelled run: %1 of %2 measurements)")
                          .arg(measuredCount)
                          .arg(result.measurements.size());
        else if (!result.error.isEmpty())
            v.text += QStringLiteral(" (the run then failed: %1)").arg(result.error);
    }
    return v;
}

LessonVerdict Lesson::verdict(const SweepResult& sweep) const
{
    if (!isSweep() || !judgeSweep)
        return notRun(QStringLiteral("Cannot judge a sweep"),
            QStringLiteral("lesson '%1' is judged on one run of its experiment, not on a sweep").arg(id));
    const bool measured = std::any_of(sweep.points.cbegin(), sweep.points.cend(), [](const SweepPoint& point) {
        return std::any_of(point.run.measurements.cbegin(), point.run.measurements.cend(),
            [](const Measurement& m) { return !m.samplesS.isEmpty(); });
    });
    if (!measured)
        return notRun(QStringLiteral("Not run yet"), sweep.error);
    if (const QString other = otherWork(sweep.spec.base); !other.isEmpty())
        return notRun(QStringLiteral("Cannot judge this sweep"),
            QStringLiteral("%1: run the lesson's own experiment").arg(other));
    LessonVerdict v = judgeSweep(*this, sweep);
    if (v.outcome != LessonVerdict::Outcome::NotRun && (sweep.cancelled || !sweep.error.isEmpty()))
        v.text += QStringLiteral(" (from a sweep that stopped after %1 of %2 sizes)")
                      .arg(sweep.points.size())
                      .arg(sweep.spec.sizesMs.size());
    return v;
}

QString Lesson::sweepText() const
{
    QStringList sizes;
    for (double ms : sweepSizesMs)
        sizes.append(formatSize(ms));
    return sizes.join(QLatin1Char(','));
}

Result<Lesson> Lesson::fromJson(const QString& id, const QByteArray& json)
{
    const QString where = QStringLiteral("lesson '%1'").arg(id);
    auto fieldError = [&](const QString& field, const QString& why) {
        return fail(QStringLiteral("%1: field '%2': %3").arg(where, field, why));
    };

    const Result<QJsonObject> parsed = ResourceJson::object(where, json,
        { QStringLiteral("id"), QStringLiteral("number"), QStringLiteral("title"), QStringLiteral("claim"),
            QStringLiteral("look_at"), QStringLiteral("timeline"), QStringLiteral("optional_backends"),
            QStringLiteral("experiment"), QStringLiteral("sweep") });
    if (!parsed)
        return fail(parsed.error());
    const QJsonObject& object = *parsed;

    Lesson lesson;
    for (const auto& [field, target] : { std::pair { QStringLiteral("id"), &lesson.id },
             std::pair { QStringLiteral("title"), &lesson.title }, std::pair { QStringLiteral("claim"), &lesson.claim },
             std::pair { QStringLiteral("look_at"), &lesson.lookAt } }) {
        const QJsonValue value = object.value(field);
        if (!value.isString() || value.toString().trimmed().isEmpty())
            return fieldError(field, QStringLiteral("missing, or not a non-empty string"));
        *target = value.toString().trimmed();
    }
    if (lesson.id != id)
        return fieldError(
            QStringLiteral("id"), QStringLiteral("'%1' differs from the file name '%2.json'").arg(lesson.id, id));

    const Result<qint64> number = JsonField::count(object.value(QStringLiteral("number")), kLessonNumbers);
    if (!number)
        return fieldError(QStringLiteral("number"), number.error());
    lesson.number = int(*number);

    QJsonValue experimentValue = object.value(QStringLiteral("experiment"));
    if (!experimentValue.isObject())
        return fieldError(QStringLiteral("experiment"),
            QStringLiteral("missing, or not an object in the preset format (title, description, kernel, inputs, "
                           "backends, workers, repeats, warmup, options)"));
    QJsonObject experiment = experimentValue.toObject();
    if (!experiment.contains(QStringLiteral("name")))
        experiment.insert(QStringLiteral("name"), id); // the preset's name is the lesson's id

    // The preset parser rejects backends this build does not have; a lesson keeps them and lets planHere()
    // say they cannot run, so the parser sees only the known ones (or the plain baseline, to check the rest).
    const QJsonValue backendsValue = experiment.value(QStringLiteral("backends"));
    QStringList backends;
    if (backendsValue.isArray()) {
        for (const auto& backend : backendsValue.toArray()) {
            if (!backend.isString() || backend.toString().trimmed().isEmpty())
                return fieldError(
                    QStringLiteral("experiment.backends"), QStringLiteral("every backend must be a non-empty name"));
            if (!backends.contains(backend.toString().trimmed()))
                backends.append(backend.toString().trimmed());
        }
        QJsonArray knownHere;
        for (const QString& backend : std::as_const(backends)) {
            if (BackendRegistry::ids().contains(backend))
                knownHere.append(backend);
        }
        if (knownHere.isEmpty() && !backends.isEmpty())
            knownHere.append(QStringLiteral("sequential"));
        experiment.insert(QStringLiteral("backends"), knownHere);
    }

    Result<Preset> preset = Presets::fromJson(id, QJsonDocument(experiment).toJson(QJsonDocument::Compact));
    if (!preset)
        return fail(QStringLiteral("%1, experiment: %2").arg(where, preset.error()));
    preset->spec.backends = backends;
    lesson.experiment = *preset;

    // A sweep: its sizes checked as --sweep checks them, against the experiment's kernel.
    if (const QJsonValue sweep = object.value(QStringLiteral("sweep")); !sweep.isUndefined()) {
        const QJsonObject sweepObject = sweep.toObject();
        QStringList sizes;
        const QJsonArray sizesMs = sweepObject.value(QStringLiteral("sizes_ms")).toArray();
        for (const QJsonValue size : sizesMs)
            sizes.append(QString::number(size.toDouble(-1)));
        const Result<QList<double>> swept = parseSweepSizes(sizes.join(QLatin1Char(',')), QStringLiteral("sizes_ms"));
        const Result<qint64> tasks = JsonField::count(sweepObject.value(QStringLiteral("tasks")), { 1, 100'000 });
        if (!sweep.isObject() || sizes.isEmpty() || !swept || !tasks)
            return fieldError(QStringLiteral("sweep"),
                !swept       ? swept.error()
                    : !tasks ? QStringLiteral("tasks: %1").arg(tasks.error())
                             : QStringLiteral("an object with sizes_ms (task sizes in milliseconds) and tasks"));
        SweepSpec check;
        check.base = lesson.experiment.spec;
        check.sizesMs = *swept;
        check.tasks = int(*tasks);
        if (const Result<void> valid = check.validate(SpecCheck::Recorded); !valid)
            return fieldError(QStringLiteral("sweep"), valid.error());
        lesson.sweepSizesMs = *swept;
        lesson.sweepTasks = int(*tasks);
    }

    const QJsonValue optional = object.value(QStringLiteral("optional_backends"));
    if (!optional.isUndefined()) {
        if (!optional.isArray())
            return fieldError(
                QStringLiteral("optional_backends"), QStringLiteral("must be a list of backends of the experiment"));
        for (const auto& backend : optional.toArray()) {
            const QString name = backend.toString().trimmed();
            if (!backend.isString() || !backends.contains(name))
                return fieldError(QStringLiteral("optional_backends"),
                    QStringLiteral("'%1' is not one of the experiment's backends (%2)")
                        .arg(backend.toVariant().toString(), backends.join(QStringLiteral(", "))));
            lesson.optionalBackends.append(name);
        }
        if (lesson.optionalBackends.size() == backends.size())
            return fieldError(QStringLiteral("optional_backends"),
                QStringLiteral("at least one backend must be required, or the lesson could run nothing"));
    }

    // "gil-threads x2": a required backend (an optional one may be left out) at a worker count the experiment runs.
    const QJsonValue timeline = object.value(QStringLiteral("timeline"));
    if (!timeline.isUndefined()) {
        const QString label = timeline.toString().trimmed();
        const qsizetype cut = label.lastIndexOf(QStringLiteral(" x"));
        const QString backend = cut > 0 ? label.left(cut) : QString();
        bool isNumber = false;
        const int workers = cut > 0 ? label.mid(cut + 2).toInt(&isNumber) : 0;
        QStringList required;
        for (const QString& b : std::as_const(backends)) {
            if (!lesson.optionalBackends.contains(b))
                required.append(b);
        }
        const bool oneWorker = !BackendRegistry::usesWorkers(backend);
        if (!timeline.isString() || !isNumber)
            return fieldError(QStringLiteral("timeline"),
                QStringLiteral("must name a measurement as the timeline does: a backend, a space, x and the "
                               "workers (\"threads x2\")"));
        if (!required.contains(backend))
            return fieldError(QStringLiteral("timeline"),
                QStringLiteral("'%1' is not one of the experiment's required backends (%2)")
                    .arg(backend, required.join(QStringLiteral(", "))));
        if (oneWorker ? workers != 1 : !lesson.experiment.spec.workers.contains(workers))
            return fieldError(QStringLiteral("timeline"),
                QStringLiteral("the experiment does not run %1 at %2 workers (it runs workers %3)")
                    .arg(backend)
                    .arg(workers)
                    .arg(oneWorker ? QStringLiteral("1") : lesson.experiment.workersText));
        lesson.timeline = label;
    }

    return lesson;
}

} // namespace parlab
