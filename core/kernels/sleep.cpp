#include "builtinkernels.h"
#include "clock.h"
#include "context.h"
#include "kernel.h"

namespace parlab {

namespace {
// I/O-bound stand-in: waits without using the CPU (and, under a GIL, without holding it).
class SleepKernel final : public Kernel {
public:
    QString name() const override { return QStringLiteral("sleep"); }
    QString description() const override
    {
        return QStringLiteral("waits N milliseconds without using the CPU: I/O-bound, releases the GIL");
    }
    KernelKind kind() const override { return KernelKind::Io; }
    QString inputMeaning() const override { return QStringLiteral("milliseconds"); }
    InputRange range() const override { return { 0, 600'000, QStringLiteral("one task may wait at most 10 minutes") }; }
    double cost(qint64 input) const override { return double(input) + 0.01; }
    quint64 run(qint64 input, Context& context) const override
    {
        context.sleepFor(std::chrono::milliseconds(input));
        return mix64(quint64(input));
    }
};
} // namespace

std::unique_ptr<Kernel> makeSleepKernel()
{
    return std::make_unique<SleepKernel>();
}

} // namespace parlab
