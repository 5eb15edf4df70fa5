#include "builtinkernels.h"
#include "clock.h"
#include "context.h"
#include "kernel.h"

namespace parlab {

namespace {
// Does nothing but return a checksum of its input: what is left is the backend's dispatch overhead.
class NoopKernel final : public Kernel {
public:
    QString name() const override { return QStringLiteral("noop"); }
    QString description() const override
    {
        return QStringLiteral("does nothing: measures pure dispatch overhead per task");
    }
    KernelKind kind() const override { return KernelKind::Cpu; }
    QString inputMeaning() const override { return QStringLiteral("any number"); }
    InputRange range() const override
    {
        return { 0, 1'000'000'000'000'000LL, QStringLiteral("inputs are only hashed") };
    }
    double cost(qint64) const override { return 1e-6; }
    quint64 run(qint64 input, Context& context) const override
    {
        context.tick();
        return mix64(quint64(input));
    }
};
} // namespace

std::unique_ptr<Kernel> makeNoopKernel()
{
    return std::make_unique<NoopKernel>();
}

} // namespace parlab
