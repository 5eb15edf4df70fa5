#include "gatereport.h"

#include "formatting.h"
#include "history/gate.h"
#include "jsonexport.h"

#include <QJsonArray>

namespace parlab {

namespace {
using JsonExport::number;

QString percentText(double fraction)
{
    return Format::percent(fraction, 1);
}

// What the threshold was made of, one sentence: for the terminal and the summary alike.
QString thresholdText(const Gate& g)
{
    if (g.noise.interleaved)
        return QStringLiteral("a slowdown fails beyond %1 (the allowed slowdown); run-to-run noise %2, so none is "
                              "allowed for")
            .arg(percentText(g.slowerBy), g.noise.text());
    if (!g.noise.known())
        return QStringLiteral("a slowdown fails beyond %1 (the allowed slowdown); run-to-run noise %2, so the verdict "
                              "rests on "
                              "one run")
            .arg(percentText(g.slowerBy), g.noise.text());
    return QStringLiteral(
        "a slowdown fails beyond %1 = max(allowed %2, run-to-run noise %3; the %4th percentile of the change "
        "between consecutive runs)")
        .arg(percentText(g.threshold), percentText(g.slowerBy), g.noise.text())
        .arg(qRound(100 * RunNoise::kQuantile));
}
QString markdownCell(QString cell)
{
    return cell.replace(QLatin1Char('|'), QStringLiteral("\\|"));
}

// "### ✅ ParLab regression gate: pass" and the reason under it.
QString gateHeading(const QString& mark, const QString& outcome, const QString& reason)
{
    return QStringLiteral("### %1 ParLab regression gate: %2\n\n%3\n\n")
        .arg(mark, outcome, markdownCell(Format::capitalised(reason)));
}
} // namespace

QJsonObject GateReport::toObject(const Gate& g)
{
    QJsonArray rows;
    for (const GateRow& r : g.rows) {
        rows.append(QJsonObject {
            { QStringLiteral("backend"), r.comparison.backend },
            { QStringLiteral("workers"), r.comparison.workers },
            { QStringLiteral("median_baseline_s"), number(r.comparison.medianA) },
            { QStringLiteral("median_candidate_s"), number(r.comparison.medianB) },
            { QStringLiteral("ratio"), number(r.comparison.ratio) },
            { QStringLiteral("p_value"), number(r.comparison.pValue) },
            { QStringLiteral("verdict"), gateVerdictName(r.verdict) },
        });
    }
    QJsonArray runIds;
    for (qint64 id : g.noise.runIds)
        runIds.append(id);
    const QJsonObject noise {
        { QStringLiteral("fraction"), number(g.noise.noise) },
        { QStringLiteral("runs"), g.noise.runs },
        { QStringLiteral("pairs"), g.noise.pairs },
        { QStringLiteral("failed_gate_runs_left_out"), g.noise.failedGateRuns },
        { QStringLiteral("steps_left_out"), g.noise.steps },
        { QStringLiteral("quantile"), RunNoise::kQuantile },
        { QStringLiteral("min_runs"), RunNoise::kMinRuns },
        { QStringLiteral("host"), g.noise.host },
        { QStringLiteral("interleaved"), g.noise.interleaved },
        { QStringLiteral("run_ids"), runIds },
        { QStringLiteral("text"), g.noise.text() },
    };
    auto id = [](qint64 value) { return value >= 0 ? QJsonValue(value) : QJsonValue(); };
    return {
        { QStringLiteral("outcome"), gateOutcomeName(g.outcome) },
        { QStringLiteral("enforced"), g.enforced },
        { QStringLiteral("reason"), g.reason },
        { QStringLiteral("baseline"), g.baseline },
        { QStringLiteral("baseline_id"), id(g.baselineId) },
        { QStringLiteral("candidate_id"), id(g.candidateId) },
        { QStringLiteral("time"), gateTimeName(g.time) },
        { QStringLiteral("slower_by"), g.slowerBy },
        { QStringLiteral("threshold"), g.threshold },
        { QStringLiteral("noise"), noise },
        { QStringLiteral("rests_on_one_run"), !g.noise.known() },
        { QStringLiteral("geometric_mean_ratio"), number(g.comparison.geometricMeanRatio) },
        { QStringLiteral("rows"), rows },
        { QStringLiteral("differences"), QJsonArray::fromStringList(g.comparison.differences) },
        { QStringLiteral("cautions"), QJsonArray::fromStringList(g.comparison.cautions) },
    };
}

QString GateReport::notJudgedMarkdown(const QString& why)
{
    return gateHeading(QStringLiteral("⚠️"), QStringLiteral("not judged"), why);
}

QJsonObject GateReport::recordedObject(const QString& outcome)
{
    return { { QStringLiteral("outcome"), outcome }, { QStringLiteral("enforced"), true } };
}

QString GateReport::toMarkdown(const Gate& g)
{
    const QString mark = g.outcome == Gate::Outcome::Pass ? QStringLiteral("✅")
        : g.outcome == Gate::Outcome::Fail                ? QStringLiteral("❌")
                                                          : QStringLiteral("⚠️");
    QString out = gateHeading(mark, gateOutcomeName(g.outcome), g.reason);
    out += QStringLiteral("| backend | workers | baseline median | candidate median | ratio | p | verdict |\n"
                          "|---|---:|---:|---:|---:|---:|---|\n");
    for (const GateRow& r : g.rows) {
        out += QStringLiteral("| %1 | %2 | %3 | %4 | %5 | %6 | %7 |\n")
                   .arg(markdownCell(r.comparison.backend))
                   .arg(r.comparison.workers)
                   .arg(Format::duration(r.comparison.medianA), Format::duration(r.comparison.medianB),
                       Format::ratio(r.comparison.ratio, 3), Format::pValue(r.comparison.pValue),
                       gateVerdictName(r.verdict));
    }
    out += QLatin1Char('\n');
    out += QStringLiteral("- Baseline: %1; candidate: %2\n")
               .arg(markdownCell(g.baseline),
                   g.candidateId >= 0 ? QStringLiteral("run %1").arg(g.candidateId) : QStringLiteral("this run"));
    out += QStringLiteral("- Time judged: %1\n")
               .arg(g.time == GateTime::Cpu ? QStringLiteral("CPU time (user + system, children included)")
                                            : QStringLiteral("wall time"));
    out += QStringLiteral("- Threshold: %1\n").arg(markdownCell(thresholdText(g)));
    out += QStringLiteral("- Verdicts: slower only beyond the threshold with p < %1 (two-sided Mann–Whitney U over "
                          "the wall-time samples)\n")
               .arg(kSignificance);
    for (const QString& d : g.comparison.differences)
        out += QStringLiteral("- Differs: %1\n").arg(markdownCell(d));
    for (const QString& e : g.comparison.environment)
        out += QStringLiteral("- Environment: %1\n").arg(markdownCell(e));
    for (const QString& c : g.comparison.cautions)
        out += QStringLiteral("- Caution: %1\n").arg(markdownCell(c));
    return out;
}

QString GateReport::toText(const Gate& g)
{
    QString out = QStringLiteral("gate: %1%2: %3\n")
                      .arg(gateOutcomeName(g.outcome),
                          g.time == GateTime::Cpu ? QStringLiteral(" (CPU time)") : QString(), g.reason);
    if (g.outcome != Gate::Outcome::NotComparable) // no threshold was applied
        out += QStringLiteral("gate: threshold: %1\n").arg(thresholdText(g));
    for (const QString& c : g.comparison.cautions)
        out += QStringLiteral("gate: caution: %1\n").arg(c);
    return out;
}

} // namespace parlab
