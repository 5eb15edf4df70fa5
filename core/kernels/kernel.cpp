#include "kernel.h"

namespace parlab {

Kernel::~Kernel() = default;

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

QString Kernel::checkInput(qint64 input) const
{
    const InputRange r = range();
    if (input < r.min)
        return QStringLiteral("%1: input %2 is below %3 (%4)").arg(name()).arg(input).arg(r.min).arg(r.reason);
    if (input > r.max)
        return QStringLiteral("%1: input %2 is above %3 (%4)").arg(name()).arg(input).arg(r.max).arg(r.reason);
    return {};
}

} // namespace parlab
