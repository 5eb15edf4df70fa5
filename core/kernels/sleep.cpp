#include "builtinkernels.h"
#include "clock.h"
#include "context.h"
#include "kernel.h"
#include "optiondescriptor.h"
#include "serialsection.h"

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
    QList<OptionDescriptor> settings() const override { return { SerialSection::setting() }; }
    Result<void> configure(const RunOptions& options) override { return m_serial.configure(options); }
    bool scalesBySize() const override { return true; }
    quint64 run(qint64 input, Context& context) const override
    {
        m_serial.run(context, input * 1'000'000, monotonicNs, [&](qint64 until) {
            if (const qint64 left = until - monotonicNs(); left > 0)
                context.sleepFor(std::chrono::nanoseconds(left));
        });
        return mix64(quint64(input));
    }
    // Whole milliseconds only: a sleep shorter than one is mostly the timer's slack, not the task asked for.
    Result<SizedTask> taskOfSize(double ms) const override
    {
        return sizedTask(name(), ms, ms, QStringLiteral("milliseconds"));
    }

private:
    SerialSection m_serial;
};
} // namespace

std::unique_ptr<Kernel> makeSleepKernel()
{
    return std::make_unique<SleepKernel>();
}

} // namespace parlab
