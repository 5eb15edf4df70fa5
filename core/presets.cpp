#include "presets.h"

#include "inputparser.h"
#include "installlayout.h"
#include "jsonfield.h"
#include "kernels/kernel.h"
#include "kernels/kernelregistry.h"
#include "resourcejson.h"
#include "runoptions.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <algorithm>
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
} // namespace

namespace Presets {

QStringList names()
{
    ensureResources();
    return ResourceJson::ids(kFolder);
}

Result<Preset> fromJson(const QString& name, const QByteArray& json)
{
    const QString where = QStringLiteral("preset '%1'").arg(name);
    auto fieldError = [&](const QString& field, const QString& why) {
        return fail(QStringLiteral("%1: field '%2': %3").arg(where, field, why));
    };

    const Result<QJsonObject> parsed = ResourceJson::object(where, json,
        { QStringLiteral("name"), QStringLiteral("title"), QStringLiteral("description"), QStringLiteral("kernel"),
            QStringLiteral("inputs"), QStringLiteral("backends"), QStringLiteral("workers"), QStringLiteral("repeats"),
            QStringLiteral("warmup"), QStringLiteral("options"), QStringLiteral("order") });
    if (!parsed)
        return fail(parsed.error());
    const QJsonObject& object = *parsed;

    Preset preset;
    if (const QJsonValue order = object.value(QStringLiteral("order")); !order.isUndefined()) {
        if (!order.isDouble() || order.toDouble() != std::floor(order.toDouble()) || order.toDouble() < 0)
            return fieldError(QStringLiteral("order"), QStringLiteral("not a whole number of at least 0"));
        preset.order = order.toInt();
    }
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
    // A shipped example, named where this program finds its examples (an install, or the build tree).
    preset.spec.kernel.replace(kExamplesPlace, helperPath(Helper::Examples));
    preset.spec.kernel.replace(kExampleLibrariesPlace, helperPath(Helper::ExampleLibraries));
    if (preset.name != name)
        return fieldError(
            QStringLiteral("name"), QStringLiteral("'%1' differs from the file name '%2.json'").arg(preset.name, name));

    if (const Result<void> known = checkKernelName(preset.spec.kernel); !known)
        return fieldError(QStringLiteral("kernel"), known.error());
    const auto kernel = KernelRegistry::create(preset.spec.kernel);

    const ParsedInputs inputs = parseInputs(preset.inputsText);
    if (!inputs.ok())
        return fieldError(QStringLiteral("inputs"), inputs.error->message());
    preset.spec.inputs = inputs.values;
    if (const Result<void> valid = kernel->checkInputs(inputs.values); !valid)
        return fieldError(QStringLiteral("inputs"), valid.error());

    const QJsonValue backends = object.value(QStringLiteral("backends"));
    if (!backends.isArray() || backends.toArray().isEmpty())
        return fieldError(QStringLiteral("backends"), QStringLiteral("missing, or not a non-empty list"));
    for (const auto& id : backends.toArray()) {
        if (!id.isString() || id.toString().trimmed().isEmpty())
            return fieldError(QStringLiteral("backends"), QStringLiteral("every backend must be a non-empty name"));
        const QString backend = id.toString().trimmed();
        if (const Result<void> known = checkBackendId(backend); !known)
            return fieldError(QStringLiteral("backends"), known.error());
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
        const Result<QList<int>> counts = parseWorkerCounts(preset.workersText, QString());
        if (!counts)
            return fieldError(QStringLiteral("workers"), counts.error());
        preset.spec.workers = *counts;
    }

    for (const auto& [field, target, range] :
        { std::tuple { QStringLiteral("repeats"), &preset.spec.repeats, kRepeatRange },
            std::tuple { QStringLiteral("warmup"), &preset.spec.warmup, kWarmupRange } }) {
        const QJsonValue value = object.value(field);
        if (value.isUndefined())
            continue; // ExperimentSpec's default
        const Result<qint64> number = JsonField::count(value, range);
        if (!number)
            return fieldError(field, number.error());
        *target = int(*number);
    }

    const QString optionsWhere = QStringLiteral("%1: field 'options'").arg(where);
    const Result<RunOptions> options = RunOptions::fromJson(object.value(QStringLiteral("options")), optionsWhere);
    if (!options)
        return fail(options.error());
    preset.spec.options = *options;
    if (const Result<void> configured = kernel->configure(preset.spec.options); !configured)
        return fieldError(QStringLiteral("options"), configured.error());
    return preset;
}

Result<Preset> find(const QString& name)
{
    const QStringList known = names();
    if (!known.contains(name)) {
        QString message = QStringLiteral("unknown preset '%1'").arg(name);
        if (const QString guess = closestName(name, known); !guess.isEmpty())
            message += QStringLiteral(": did you mean '%1'?").arg(guess);
        return fail(message + QStringLiteral(" (known: %1)").arg(known.join(QStringLiteral(", "))));
    }
    QFile file(QStringLiteral("%1/%2.json").arg(kFolder, name));
    if (!file.open(QIODevice::ReadOnly))
        return fail(QStringLiteral("preset '%1': cannot read %2").arg(name, file.fileName()));
    return fromJson(name, file.readAll());
}

QList<Preset> all()
{
    QList<Preset> result;
    for (const QString& name : names()) {
        if (const Result<Preset> preset = find(name))
            result.append(*preset);
        else
            qWarning("%s", qPrintable(preset.error()));
    }
    std::stable_sort(result.begin(), result.end(),
        [](const Preset& a, const Preset& b) { return std::tie(a.order, a.title) < std::tie(b.order, b.title); });
    return result;
}

} // namespace Presets

} // namespace parlab
