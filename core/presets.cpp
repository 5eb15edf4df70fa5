#include "presets.h"

#include "backends/backendregistry.h"
#include "inputparser.h"
#include "kernels/kernel.h"
#include "kernels/kernelregistry.h"
#include "resourcejson.h"
#include "runoptions.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <cmath>
#include <tuple>

// The presets live in a static library: nothing else references rcc's object file, so register it by hand.
static void initPresetResources()
{
    Q_INIT_RESOURCE(presets);
}

namespace parlab {

namespace {
const QString kFolder = QStringLiteral(":/presets");

void ensureResources()
{
    static const bool once = [] {
        initPresetResources();
        return true;
    }();
    Q_UNUSED(once);
}

// Fills `error` (when given) and returns nullopt: the one way out of a failed load.
std::optional<Preset> failure(QString* error, const QString& message)
{
    if (error)
        *error = message;
    return std::nullopt;
}

// A whole number in [min, max] from a JSON value, or an empty optional.
std::optional<int> wholeNumber(const QJsonValue& value, int min, int max)
{
    if (!value.isDouble())
        return std::nullopt;
    const double d = value.toDouble();
    if (d != std::floor(d) || d < min || d > max)
        return std::nullopt;
    return int(d);
}
} // namespace

namespace Presets {

QStringList names()
{
    ensureResources();
    return ResourceJson::ids(kFolder);
}

std::optional<Preset> fromJson(const QString& name, const QByteArray& json, QString* error)
{
    const QString where = QStringLiteral("preset '%1'").arg(name);
    auto fieldError = [&](const QString& field, const QString& why) {
        return failure(error, QStringLiteral("%1: field '%2': %3").arg(where, field, why));
    };

    const auto parsed = ResourceJson::object(where, json,
        { QStringLiteral("name"), QStringLiteral("title"), QStringLiteral("description"), QStringLiteral("kernel"),
            QStringLiteral("inputs"), QStringLiteral("backends"), QStringLiteral("workers"), QStringLiteral("repeats"),
            QStringLiteral("warmup"), QStringLiteral("options") },
        error);
    if (!parsed)
        return std::nullopt;
    const QJsonObject& object = *parsed;

    Preset preset;
    for (const auto& [field, target] :
        { std::pair { QStringLiteral("name"), &preset.name }, std::pair { QStringLiteral("title"), &preset.title },
            std::pair { QStringLiteral("description"), &preset.description },
            std::pair { QStringLiteral("kernel"), &preset.spec.kernel },
            std::pair { QStringLiteral("inputs"), &preset.inputsText } }) {
        const QJsonValue value = object.value(field);
        if (!value.isString() || value.toString().trimmed().isEmpty())
            return fieldError(field, QStringLiteral("missing, or not a non-empty string"));
        *target = value.toString().trimmed();
    }
    if (preset.name != name)
        return fieldError(
            QStringLiteral("name"), QStringLiteral("'%1' differs from the file name '%2.json'").arg(preset.name, name));

    const auto kernel = KernelRegistry::create(preset.spec.kernel);
    if (!kernel) {
        QString why = QStringLiteral("unknown kernel '%1'").arg(preset.spec.kernel);
        if (const QString guess = closestName(preset.spec.kernel, KernelRegistry::names()); !guess.isEmpty())
            why += QStringLiteral(": did you mean '%1'?").arg(guess);
        return fieldError(QStringLiteral("kernel"), why);
    }

    const ParsedInputs inputs = parseInputs(preset.inputsText);
    if (!inputs.ok())
        return fieldError(QStringLiteral("inputs"), inputs.error->message());
    preset.spec.inputs = inputs.values;
    for (qsizetype i = 0; i < inputs.values.size(); ++i) {
        if (const QString why = kernel->checkInput(inputs.values[i]); !why.isEmpty())
            return fieldError(QStringLiteral("inputs"),
                QStringLiteral("%1 (input #%2 of %3)").arg(why).arg(i + 1).arg(inputs.values.size()));
    }

    const QJsonValue backends = object.value(QStringLiteral("backends"));
    if (!backends.isArray() || backends.toArray().isEmpty())
        return fieldError(QStringLiteral("backends"), QStringLiteral("missing, or not a non-empty list"));
    for (const auto& id : backends.toArray()) {
        if (!id.isString() || id.toString().trimmed().isEmpty())
            return fieldError(QStringLiteral("backends"), QStringLiteral("every backend must be a non-empty name"));
        const QString backend = id.toString().trimmed();
        if (!BackendRegistry::ids().contains(backend)) {
            QString why = QStringLiteral("unknown backend '%1'").arg(backend);
            if (const QString guess = closestName(backend, BackendRegistry::ids()); !guess.isEmpty())
                why += QStringLiteral(": did you mean '%1'?").arg(guess);
            return fieldError(QStringLiteral("backends"), why);
        }
        if (!preset.spec.backends.contains(backend))
            preset.spec.backends.append(backend);
    }

    const QJsonValue workers = object.value(QStringLiteral("workers"));
    if (!workers.isUndefined() && !workers.isString())
        return fieldError(
            QStringLiteral("workers"), QStringLiteral("must be a string such as \"1,2,4\", \"1..16\" or \"auto\""));
    preset.workersText = workers.toString(QStringLiteral("auto")).trimmed();
    if (preset.workersText == QStringLiteral("auto")) {
        preset.spec.workers = defaultWorkerCounts();
    } else {
        QString problem;
        preset.spec.workers = parseWorkerCounts(preset.workersText, QString(), &problem);
        if (!problem.isEmpty())
            return fieldError(QStringLiteral("workers"), problem);
    }

    for (const auto& [field, target, min] : { std::tuple { QStringLiteral("repeats"), &preset.spec.repeats, 1 },
             std::tuple { QStringLiteral("warmup"), &preset.spec.warmup, 0 } }) {
        const QJsonValue value = object.value(field);
        if (value.isUndefined())
            continue; // ExperimentSpec's default
        const auto number = wholeNumber(value, min, ExperimentSpec::kMaxRepeats);
        if (!number)
            return fieldError(field,
                QStringLiteral("must be a whole number from %1 to %2").arg(min).arg(ExperimentSpec::kMaxRepeats));
        *target = *number;
    }

    const QString optionsWhere = QStringLiteral("%1: field 'options'").arg(where);
    auto options = RunOptions::fromJson(object.value(QStringLiteral("options")), optionsWhere);
    if (!options)
        return failure(error, options.error());
    preset.spec.options = *options;
    if (const Result<void> configured = kernel->configure(preset.spec.options); !configured)
        return fieldError(QStringLiteral("options"), configured.error());

    if (error)
        error->clear();
    return preset;
}

std::optional<Preset> find(const QString& name, QString* error)
{
    const QStringList known = names();
    if (!known.contains(name)) {
        QString message = QStringLiteral("unknown preset '%1'").arg(name);
        if (const QString guess = closestName(name, known); !guess.isEmpty())
            message += QStringLiteral(": did you mean '%1'?").arg(guess);
        return failure(error, message + QStringLiteral(" (known: %1)").arg(known.join(QStringLiteral(", "))));
    }
    QFile file(QStringLiteral("%1/%2.json").arg(kFolder, name));
    if (!file.open(QIODevice::ReadOnly))
        return failure(error, QStringLiteral("preset '%1': cannot read %2").arg(name, file.fileName()));
    return fromJson(name, file.readAll(), error);
}

QList<Preset> all()
{
    QList<Preset> result;
    for (const QString& name : names()) {
        QString error;
        if (auto preset = find(name, &error))
            result.append(*preset);
        else
            qWarning("%s", qPrintable(error));
    }
    return result;
}

} // namespace Presets

} // namespace parlab
