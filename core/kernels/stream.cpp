#include "builtinkernels.h"
#include "context.h"
#include "kernel.h"

#include <bit>
#include <memory>

namespace parlab {

namespace {
constexpr qsizetype kDoublesPerMiB = 1024 * 1024 / sizeof(double);
constexpr int kPasses = 4;
constexpr qsizetype kBlock = 8192;

// STREAM's triad a = b + s * c over three arrays of N MiB each: memory-bound, so threads stop scaling
// when the memory bus is full, long before the cores run out.
class StreamKernel final : public Kernel {
public:
    QString name() const override { return QStringLiteral("stream"); }
    QString description() const override
    {
        return QStringLiteral("STREAM triad over three arrays of N MiB: memory-bound, limited by bandwidth");
    }
    KernelKind kind() const override { return KernelKind::Memory; }
    QString inputMeaning() const override { return QStringLiteral("MiB per array"); }
    InputRange range() const override
    {
        return { 1, 2048, QStringLiteral("each task allocates three arrays of N MiB; 2 GiB each is the limit") };
    }
    double cost(qint64 input) const override { return double(input); }
    quint64 run(qint64 input, Context& context) const override
    {
        const qsizetype n = qsizetype(input) * kDoublesPerMiB;
        // Uninitialised allocation, then filled block by block: zero-filling gigabytes in one go would
        // not notice a cancel for a second or more.
        const auto length = static_cast<size_t>(n);
        std::unique_ptr<double[]> a(new double[length]), b(new double[length]), c(new double[length]);
        for (qsizetype start = 0; start < n; start += kBlock) {
            const qsizetype end = std::min(n, start + kBlock);
            for (qsizetype i = start; i < end; ++i) {
                a[size_t(i)] = 0.0;
                b[size_t(i)] = double(i % 7 + 1);
                c[size_t(i)] = double(i % 5 + 1);
            }
            context.poll();
        }
        for (int pass = 0; pass < kPasses; ++pass) {
            const double scalar = 0.5 + pass;
            for (qsizetype start = 0; start < n; start += kBlock) {
                const qsizetype end = std::min(n, start + kBlock);
                for (qsizetype i = start; i < end; ++i)
                    a[size_t(i)] = b[size_t(i)] + scalar * c[size_t(i)];
                context.poll();
            }
            std::swap(a, b);
        }
        quint64 checksum = 0;
        for (qsizetype i = 0; i < n; i += 4097)
            checksum = checksum * 31 + std::bit_cast<quint64>(b[size_t(i)]);
        return checksum;
    }
};
} // namespace

std::unique_ptr<Kernel> makeStreamKernel()
{
    return std::make_unique<StreamKernel>();
}

} // namespace parlab
