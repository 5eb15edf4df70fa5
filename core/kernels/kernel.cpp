#include "kernel.h"

#include "optiondescriptor.h"
#include "runoptions.h"

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
