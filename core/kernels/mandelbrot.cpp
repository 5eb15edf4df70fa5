#include "builtinkernels.h"
#include "context.h"
#include "kernel.h"

namespace parlab {

namespace {
// A fixed 960 x 960 view of the Mandelbrot set, cut into 64 horizontal bands of 15 rows. Bands through
// the set cost far more than bands outside it: the uneven workload that static schedules get wrong.
constexpr int kWidth = 960;
constexpr int kBands = 64;
constexpr int kRowsPerBand = kWidth / kBands;
constexpr int kMaxIterations = 1000;
constexpr double kLeft = -2.2, kRight = 0.8, kTop = 1.5, kBottom = -1.5;

int escapeTime(int column, int row, int maxIterations)
{
    const double cr = kLeft + (kRight - kLeft) * (column + 0.5) / kWidth;
    const double ci = kTop + (kBottom - kTop) * (row + 0.5) / kWidth;
    double zr = 0, zi = 0;
    int i = 0;
    while (i < maxIterations && zr * zr + zi * zi <= 4.0) {
        const double t = zr * zr - zi * zi + cr;
        zi = 2.0 * zr * zi + ci;
        zr = t;
        ++i;
    }
    return i;
}

class MandelbrotKernel final : public Kernel {
public:
    QString name() const override { return QStringLiteral("mandelbrot"); }
    QString description() const override
    {
        return QStringLiteral("one of 64 bands of a fixed 960x960 Mandelbrot image: CPU-bound, very uneven costs");
    }
    KernelKind kind() const override { return KernelKind::Cpu; }
    QString inputMeaning() const override { return QStringLiteral("band (0..63)"); }
    InputRange range() const override { return { 0, kBands - 1, QStringLiteral("the image has 64 bands") }; }
    double cost(qint64 input) const override
    {
        // A coarse sample of the band (every 8th pixel of its middle row) predicts its relative cost.
        const int row = int(input) * kRowsPerBand + kRowsPerBand / 2;
        double iterations = 0;
        for (int column = 0; column < kWidth; column += 8)
            iterations += escapeTime(column, row, kMaxIterations) + 1;
        return iterations;
    }
    quint64 run(qint64 input, Context& context) const override
    {
        quint64 sum = 0;
        const int first = int(input) * kRowsPerBand;
        for (int row = first; row < first + kRowsPerBand; ++row) {
            for (int column = 0; column < kWidth; ++column) {
                sum += quint64(escapeTime(column, row, kMaxIterations));
                context.tick();
            }
        }
        return sum;
    }
};
} // namespace

std::unique_ptr<Kernel> makeMandelbrotKernel()
{
    return std::make_unique<MandelbrotKernel>();
}

} // namespace parlab
