#include "builtinkernels.h"
#include "clock.h"
#include "context.h"
#include "kernel.h"
#include "optiondescriptor.h"
#include "serialsection.h"

namespace parlab {

namespace {
// Burns exactly N units (milliseconds for spin, microseconds for spin-us) of this thread's CPU time, so its cost is
// known whatever else runs: under oversubscription or a GIL a task takes longer in wall time but never does less
// work. spin-us exists for tasks below a millisecond (a task-size sweep down to 10 µs): spin's input stays
// milliseconds, so its presets, history and exports keep their meaning.
class SpinKernel final : public Kernel {
public:
    SpinKernel(QString name, QString unit, qint64 unitNs, int stepsPerRead)
        : m_name(std::move(name))
        , m_unit(std::move(unit))
        , m_unitNs(unitNs)
        , m_stepsPerRead(stepsPerRead)
    { }

    QString name() const override { return m_name; }
    QString description() const override
    {
        return QStringLiteral("busy loop for N %1 of CPU time: a known cost, for tests and demos").arg(m_unit);
    }
    KernelKind kind() const override { return KernelKind::Cpu; }
    QString inputMeaning() const override { return QStringLiteral("%1 of CPU").arg(m_unit); }
    InputRange range() const override
    {
        return { 0, 600'000'000'000 / m_unitNs, QStringLiteral("one task may spin at most 10 minutes") };
    }
    double cost(qint64 input) const override { return double(input) + 0.01; }
    QList<OptionDescriptor> settings() const override { return { SerialSection::setting() }; }
    Result<void> configure(const RunOptions& options) override { return m_serial.configure(options); }
    bool scalesBySize() const override { return true; }
    quint64 run(qint64 input, Context& context) const override
    {
        quint64 x = quint64(input);
        const auto spinUntil = [&](qint64 deadline) {
            while (threadCpuNs() < deadline) {
                // Dependent arithmetic between clock reads, as much as the unit allows a task to overrun its deadline.
                for (int i = 0; i < m_stepsPerRead; ++i)
                    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
                asm volatile("" : "+r"(x));
                context.poll();
            }
        };
        // Waiting for the serial part's lock is off the CPU, so the thread's CPU time stays the input.
        m_serial.run(context, input * m_unitNs, threadCpuNs, spinUntil);
        // The loop count depends on timing, so the checksum comes from the input alone.
        return mix64(quint64(input));
    }
    // Both spins size their tasks in microseconds: every point of a sweep then runs the same kernel.
    Result<SizedTask> taskOfSize(double ms) const override
    {
        return sizedTask(QStringLiteral("spin-us"), ms, ms * 1000, QStringLiteral("microseconds"));
    }

private:
    const QString m_name;
    const QString m_unit;
    const qint64 m_unitNs;
    const int m_stepsPerRead;
    SerialSection m_serial;
};
} // namespace

std::unique_ptr<Kernel> makeSpinKernel()
{
    return std::make_unique<SpinKernel>(QStringLiteral("spin"), QStringLiteral("milliseconds"), 1'000'000,
        8192); // about 10 µs between clock reads: they take under 2% of a task, which overruns by under 1%
}

std::unique_ptr<Kernel> makeSpinUsKernel()
{
    return std::make_unique<SpinKernel>(QStringLiteral("spin-us"), QStringLiteral("microseconds"), 1'000,
        512); // under a microsecond between reads: a 10 µs task overruns by under 10%
}

} // namespace parlab
