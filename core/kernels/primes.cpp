#include "builtinkernels.h"
#include "context.h"
#include "kernel.h"

#include <cmath>

namespace parlab {

namespace {
bool isPrime(qint64 n)
{
    if (n < 2)
        return false;
    if (n % 2 == 0)
        return n == 2;
    for (qint64 d = 3; d * d <= n; d += 2) {
        if (n % d == 0)
            return false;
    }
    return true;
}

// Counts primes below N by trial division: CPU-bound, little memory, cost about N^1.5 / ln N.
class PrimesKernel final : public Kernel {
public:
    QString name() const override { return QStringLiteral("primes"); }
    QString description() const override
    {
        return QStringLiteral("counts the primes below N by trial division: CPU-bound, tiny memory");
    }
    KernelKind kind() const override { return KernelKind::Cpu; }
    QString inputMeaning() const override { return QStringLiteral("N (count primes below N)"); }
    InputRange range() const override
    {
        return { 0, 100'000'000, QStringLiteral("above 100,000,000 one call takes many minutes") };
    }
    double cost(qint64 input) const override
    {
        const double n = double(std::max<qint64>(input, 3));
        return n * std::sqrt(n) / std::log(n);
    }
    quint64 run(qint64 input, Context& context) const override
    {
        quint64 count = 0;
        for (qint64 n = 2; n < input; ++n) {
            context.tick();
            count += isPrime(n) ? 1 : 0;
        }
        return count;
    }
};
} // namespace

std::unique_ptr<Kernel> makePrimesKernel()
{
    return std::make_unique<PrimesKernel>();
}

} // namespace parlab
