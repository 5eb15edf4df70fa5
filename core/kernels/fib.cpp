#include "builtinkernels.h"
#include "context.h"
#include "kernel.h"

#include <cmath>

namespace parlab {

namespace {
// Naive recursion on purpose: it is the classic CPU-bound example, exponential in n.
quint64 fib(qint64 n, Context& context)
{
    context.tick();
    return n < 2 ? quint64(n) : fib(n - 1, context) + fib(n - 2, context);
}

class FibKernel final : public Kernel {
public:
    QString name() const override { return QStringLiteral("fib"); }
    QString description() const override
    {
        return QStringLiteral("naive recursive Fibonacci: CPU-bound, cost grows 1.6x per step of n");
    }
    KernelKind kind() const override { return KernelKind::Cpu; }
    QString inputMeaning() const override { return QStringLiteral("n"); }
    InputRange range() const override { return { 0, 50, QStringLiteral("above 50 one call already takes minutes") }; }
    double cost(qint64 input) const override { return std::pow(1.618033988749895, double(input)); }
    quint64 run(qint64 input, Context& context) const override { return fib(input, context); }
};
} // namespace

std::unique_ptr<Kernel> makeFibKernel()
{
    return std::make_unique<FibKernel>();
}

} // namespace parlab
