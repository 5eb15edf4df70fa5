#include "interleave.h"

#include "cliutil.h"
#include "history/comparison.h"
#include "history/historystore.h"

#include <QCommandLineParser>
#include <QDateTime>

namespace parlab::cli {

namespace {
// The command kernel's setting (core/kernels/command.cpp declares it; the flag --command sets it).
const QString kProgramSetting = QStringLiteral("command");
const QString kCommandKernel = QStringLiteral("command");
} // namespace

Interleave::Interleave()
    : m_option(QStringLiteral("interleave-with"),
        QStringLiteral("With --kernel command: also measure this program (the baseline; {} becomes the input, as in "
                       "--command) in the same run, each combination of the two in turn, and compare them. The "
                       "drift-proof way to compare two builds: no minutes between them for the machine to change "
                       "in. The baseline is saved in the history as a run of its own; with --fail-on it is the "
                       "gate's baseline."),
        QStringLiteral("line"))
{ }

Result<std::optional<ExperimentSpec>> Interleave::baselineSpec(
    const QCommandLineParser& parser, const ExperimentSpec& spec) const
{
    if (!parser.isSet(m_option))
        return std::optional<ExperimentSpec>();
    const QString program = parser.value(m_option).trimmed();
    if (program.isEmpty())
        return fail(QStringLiteral("--interleave-with needs the baseline program's command line, e.g. "
                                   "--interleave-with './old/prog {}'"));
    if (spec.kernel != kCommandKernel)
        return fail(QStringLiteral("--interleave-with compares two programs: it needs --kernel command (the kernel "
                                   "is %1)")
                        .arg(spec.kernel));
    ExperimentSpec baseline = spec;
    baseline.options.kernelSettings.insert(kProgramSetting, program);
    return std::optional<ExperimentSpec>(baseline);
}

RunResult Interleave::comparableBaseline(const RunResult& run)
{
    if (!run.interleavedBaseline)
        return {};
    RunResult baseline = *run.interleavedBaseline;
    baseline.spec.options.kernelSettings.insert(kProgramSetting, run.spec.options.kernelSetting(kProgramSetting));
    return baseline;
}

Result<qint64> Interleave::reserve(HistoryStore& history, const ExperimentSpec& baseline)
{
    if (!history.isOpen())
        return qint64(-1);
    return history.beginRun(baseline, Environment::capture(), QDateTime::currentDateTime());
}

Result<qint64> Interleave::record(const RunResult& run, qint64 runId, HistoryStore& history, qint64 baselineId)
{
    if (!run.interleavedBaseline)
        return qint64(-1);
    const RunResult& baseline = *run.interleavedBaseline;
    const QString program = baseline.spec.options.kernelSetting(kProgramSetting).toString();
    if (baselineId >= 0) {
        for (const Measurement& m : baseline.measurements) {
            if (const Result<void> stored = history.appendMeasurement(baselineId, m); !stored)
                return fail(stored.error());
        }
        if (const Result<void> ended = history.finishRun(baselineId, baseline); !ended)
            return fail(ended.error());
        const QString name = runId >= 0 ? QStringLiteral("interleaved baseline of run %1").arg(runId)
                                        : QStringLiteral("interleaved baseline");
        if (const Result<void> named = history.rename(baselineId, name); !named)
            return fail(named.error());
    }
    const Comparison comparison = compareRuns(comparableBaseline(run), run);
    printErr(QStringLiteral("interleaved with the baseline '%1' (%2A: the baseline, B: this run): %3\n")
                 .arg(program, baselineId >= 0 ? QStringLiteral("saved as run %1; ").arg(baselineId) : QString(),
                     comparison.summary));
    return baselineId;
}

} // namespace parlab::cli
