#include "gatecheck.h"

#include "cliutil.h"
#include "export/gatereport.h"
#include "history/historystore.h"

#include <QCommandLineParser>

namespace parlab::cli {

GateCheck::GateCheck()
    : m_failOn(QStringLiteral("fail-on"),
        QStringLiteral("Exit %1 when a combination is slower than the baseline by more than PCT percent (default %2) "
                       "and by more than this machine's run-to-run noise (from earlier runs of the same experiment "
                       "on this host in the history), and significantly (Mann-Whitney p < %3). The verdict and its "
                       "reason go to stderr and to the JSON's \"gate\"; runs of different work exit %4.")
            .arg(ExitRegression)
            .arg(100 * Gate::kDefaultSlowerBy)
            .arg(kSignificance)
            .arg(ExitUsage),
        QStringLiteral("slower[:PCT]"))
    , m_gateOn(QStringLiteral("gate-on"),
          QStringLiteral("The time the gate judges: wall (default) or cpu, the CPU time of the run's processes (user + "
                         "system, children included). For a CPU-bound program on a shared machine: another program on "
                         "the core stretches its wall time from one run to the next, not its CPU time."),
          QStringLiteral("wall|cpu"), QStringLiteral("wall"))
    , m_summary(QStringLiteral("summary"),
          QStringLiteral("Write the gate's verdict as Markdown to this file (e.g. $GITHUB_STEP_SUMMARY): the "
                         "combinations' medians and ratios, the noise used, the reason."),
          QStringLiteral("file"))
{ }

Result<void> GateCheck::read(const QCommandLineParser& parser, bool gated)
{
    if (parser.isSet(m_failOn)) {
        const Result<double> slowerBy = parseFailOn(parser.value(m_failOn));
        if (!slowerBy)
            return fail(QStringLiteral("--fail-on: %1").arg(slowerBy.error()));
        m_slowerBy = *slowerBy;
    }
    const QString time = parser.value(m_gateOn).trimmed().toLower();
    if (time != gateTimeName(GateTime::Wall) && time != gateTimeName(GateTime::Cpu))
        return fail(QStringLiteral("--gate-on: '%1' is not wall or cpu").arg(parser.value(m_gateOn)));
    m_time = time == gateTimeName(GateTime::Cpu) ? GateTime::Cpu : GateTime::Wall;
    if (parser.isSet(m_gateOn) && !gated)
        return fail(QStringLiteral("--gate-on says what a gate judges: give --baseline ID|FILE"));
    m_summaryPath = parser.value(m_summary);
    if (parser.isSet(m_summary) && m_summaryPath.isEmpty())
        return fail(QStringLiteral("--summary needs a file name"));
    if (!gated && wanted())
        return fail(QStringLiteral("--fail-on and --summary judge a run against a baseline: give --baseline ID|FILE "
                                   "(or, with --kernel command, --interleave-with CMD)"));
    if (!m_summaryPath.isEmpty()) {
        if (const Result<void> writable = checkWritable(m_summaryPath); !writable)
            return fail(QStringLiteral("--summary: %1").arg(writable.error()));
    }
    return {};
}

Result<Gate> GateCheck::evaluate(const RunResult& baseline, const QString& baselineName, qint64 baselineId,
    const RunResult& candidate, qint64 candidateId, HistoryStore* history, bool interleaved, bool acrossMachines) const
{
    RunNoise noise = RunNoise::of({}, candidate.environment.hostname);
    noise.interleaved = interleaved;
    if (history && history->isOpen() && !interleaved) {
        Result<RunNoise> measured = RunNoise::fromHistory(*history, candidate, candidateId, m_time);
        if (!measured)
            return fail(measured.error());
        noise = std::move(measured).value();
    }
    Gate gate = Gate::evaluate(
        baseline, baselineName, candidate, m_slowerBy.value_or(Gate::kDefaultSlowerBy), noise, m_time, acrossMachines);
    gate.baselineId = baselineId;
    gate.candidateId = candidateId;
    gate.enforced = enforced();
    printErr(GateReport::toText(gate));
    if (!m_summaryPath.isEmpty()) {
        if (const Result<void> written = writeFile(m_summaryPath, GateReport::toMarkdown(gate).toUtf8()); !written)
            return fail(written.error());
    }
    return gate;
}

void GateCheck::notJudged(const QString& why) const
{
    if (m_summaryPath.isEmpty())
        return;
    if (const Result<void> written = writeFile(m_summaryPath, GateReport::notJudgedMarkdown(why).toUtf8()); !written)
        printErr(QStringLiteral("parlab: error: --summary: %1\n").arg(written.error()));
}

int GateCheck::exitCode(const Gate& gate) const
{
    if (!enforced())
        return ExitOk;
    switch (gate.outcome) {
    case Gate::Outcome::Fail:
        return ExitRegression;
    case Gate::Outcome::NotComparable:
        return ExitUsage;
    case Gate::Outcome::Pass:
        break;
    }
    return ExitOk;
}

} // namespace parlab::cli
