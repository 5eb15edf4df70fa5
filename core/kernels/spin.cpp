#include "builtinkernels.h"
#include "clock.h"
#include "context.h"
#include "kernel.h"
#include "optiondescriptor.h"
#include "serialsection.h"

namespace parlab {

namespace {
// Burns exactly N milliseconds of this thread's CPU time, so its cost is known whatever else runs:
// under oversubscription or a GIL a task takes longer in wall time but never does less work.
class SpinKernel final : public Kernel {
public:
    QString name() const override { return QStringLiteral("spin"); }
    QString description() const override
    {
        return QStringLiteral("busy loop for N milliseconds of CPU time: a known cost, for tests and demos");
    }
    KernelKind kind() const override { return KernelKind::Cpu; }
    QString inputMeaning() const override { return QStringLiteral("milliseconds of CPU"); }
    InputRange range() const override { return { 0, 600'000, QStringLiteral("one task may spin at most 10 minutes") }; }
    double cost(qint64 input) const override { return double(input) + 0.01; }
    QList<OptionDescriptor> settings() const override { return { SerialSection::setting() }; }
    Result<void> configure(const RunOptions& options) override { return m_serial.configure(options); }
    quint64 run(qint64 input, Context& context) const override
    {
        quint64 x = quint64(input);
        const auto spinUntil = [&](qint64 deadline) {
            while (threadCpuNs() < deadline) {
                // About 10 us of dependent arithmetic between clock reads keeps the reads below 2%.
                for (int i = 0; i < 8192; ++i)
                    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
                asm volatile("" : "+r"(x));
                context.poll();
            }
        };
        // Waiting for the serial part's lock is off the CPU, so the thread's CPU time stays the input.
        m_serial.run(context, input * 1'000'000, threadCpuNs, spinUntil);
        // The loop count depends on timing, so the checksum comes from the input alone.
        return mix64(quint64(input));
    }

private:
    SerialSection m_serial;
};
} // namespace

std::unique_ptr<Kernel> makeSpinKernel()
{
    return std::make_unique<SpinKernel>();
}

} // namespace parlab
