#include "kernel.h"

#include "kernelregistry.h"
#include "optiondescriptor.h"
#include "runoptions.h"

#include <cmath>

namespace parlab {

Kernel::~Kernel() = default;

QList<OptionDescriptor> Kernel::settings() const
{
    return {};
}

QStringList Kernel::settingsInUse(const RunOptions& options) const
{
    QStringList keys;
    for (const OptionDescriptor& d : settings()) {
        if (options.kernelSetting(d.key) != d.defaultValue)
            keys.append(d.key);
    }
    return keys;
}

Result<SizedTask> Kernel::taskOfSize(double ms) const
{
    Q_UNUSED(ms);
    return fail(QStringLiteral("%1 has no task-size rule: its input is not a duration").arg(name()));
}

Result<SizedTask> Kernel::sizedTask(const QString& kernel, double ms, double count, const QString& unit) const
{
    if (!(ms > 0) || !std::isfinite(ms))
        return fail(QStringLiteral("a task size must be a positive number of milliseconds, not %1").arg(ms));
    const double whole = std::round(count);
    // Sizes come from decimal text (0.01 ms is 10.000000000000002 µs): a relative slack of 1e-9 takes them whole.
    if (whole < 1 || std::abs(count - whole) > 1e-9 * whole)
        return fail(QStringLiteral("%1 counts whole %2: %3 ms is %4 of them").arg(kernel, unit).arg(ms).arg(count));
    const SizedTask task { kernel, qint64(whole) };
    if (const auto made = KernelRegistry::create(kernel); made) {
        if (const Result<void> inRange = made->checkInput(task.input); !inRange)
            return fail(inRange.error());
    }
    return task;
}

QString kernelKindName(KernelKind kind)
{
    switch (kind) {
    case KernelKind::Cpu:
        return QStringLiteral("cpu");
    case KernelKind::Io:
        return QStringLiteral("io");
    case KernelKind::Memory:
        return QStringLiteral("memory");
    case KernelKind::Mixed:
        return QStringLiteral("mixed");
    }
    return {};
}

Result<void> Kernel::checkInput(qint64 input) const
{
    const InputRange r = range();
    if (input < r.min)
        return fail(QStringLiteral("%1: input %2 is below %3 (%4)").arg(name()).arg(input).arg(r.min).arg(r.reason));
    if (input > r.max)
        return fail(QStringLiteral("%1: input %2 is above %3 (%4)").arg(name()).arg(input).arg(r.max).arg(r.reason));
    return {};
}

Result<void> Kernel::checkInputs(const QList<qint64>& inputs) const
{
    for (qsizetype i = 0; i < inputs.size(); ++i) {
        if (const Result<void> valid = checkInput(inputs[i]); !valid)
            return fail(QStringLiteral("%1 (input #%2 of %3)").arg(valid.error()).arg(i + 1).arg(inputs.size()));
    }
    return {};
}

} // namespace parlab
