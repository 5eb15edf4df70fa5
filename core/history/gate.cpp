#include "gate.h"

#include "export/formatting.h"
#include "historystore.h"
#include "measurement.h"
#include "stats/mannwhitney.h"
#include "stats/statistics.h"

#include <QHash>
#include <QSet>
#include <algorithm>
#include <map>
#include <tuple>

namespace parlab {

namespace {
// The largest --fail-on percentage: a gate that allows a tenfold slowdown is a typo.
constexpr double kMaxSlowerByPercent = 1000;

QString rowLabel(const ComparisonRow& row)
{
    return QStringLiteral("%1 x%2").arg(row.backend).arg(row.workers);
}

// "12.3%": a slowdown or a noise band, to a tenth of a percent (whole ones are too coarse for a 5% threshold).
QString tenths(double fraction)
{
    return Format::percent(fraction, 1);
}

QString plural(int count)
{
    return count == 1 ? QString() : QStringLiteral("s");
}

QString pText(double p)
{
    return p < 0.0001 ? QStringLiteral("p < 0.0001") : QStringLiteral("p = %1").arg(Format::pValue(p));
}

// The row the reason names among those with `verdict`: the largest slowdown.
const GateRow* worst(const QList<GateRow>& rows, GateRow::Verdict verdict)
{
    const GateRow* found = nullptr;
    for (const GateRow& row : rows) {
        if (row.verdict == verdict && (!found || row.comparison.ratio > found->comparison.ratio))
            found = &row;
    }
    return found;
}

int countVerdict(const QList<GateRow>& rows, GateRow::Verdict verdict)
{
    return int(std::count_if(rows.cbegin(), rows.cend(), [verdict](const GateRow& r) { return r.verdict == verdict; }));
}

GateRow::Verdict judge(const ComparisonRow& row, double slowerBy, double threshold)
{
    if (row.verdict == Verdict::Missing)
        return GateRow::Verdict::Missing;
    if (row.verdict == Verdict::NotComparable)
        return GateRow::Verdict::NotComparable;
    const double slowdown = row.ratio - 1;
    if (slowdown > threshold)
        return row.verdict == Verdict::Slower ? GateRow::Verdict::Slower : GateRow::Verdict::NotSignificant;
    if (slowdown > slowerBy)
        return GateRow::Verdict::WithinNoise; // threshold > slowerBy: the noise is the larger
    if (row.verdict == Verdict::Slower)
        return GateRow::Verdict::WithinAllowance;
    if (row.verdict == Verdict::Faster)
        return GateRow::Verdict::Faster;
    return GateRow::Verdict::NoChange; // within the comparison's band, or a difference the samples do not show
}
} // namespace

QString gateTimeName(GateTime time)
{
    return time == GateTime::Cpu ? QStringLiteral("cpu") : QStringLiteral("wall");
}

RunResult timedBy(const RunResult& run, GateTime time)
{
    if (time == GateTime::Wall)
        return run;
    RunResult timed = run;
    for (Measurement& m : timed.measurements) {
        const bool known = m.cpuS.size() == m.samplesS.size()
            && std::all_of(m.cpuS.cbegin(), m.cpuS.cend(), [](double s) { return std::isfinite(s) && s > 0; });
        m.samplesS = known ? m.cpuS : QList<double>();
    }
    return timed;
}

QString RunNoise::text() const
{
    const QString where = host.isEmpty() ? QString() : QStringLiteral(" on %1").arg(host);
    if (interleaved)
        return QStringLiteral("none: the two were measured interleaved in one run");
    // What the figure leaves out, so a user sees why a slow run of the history is not in it.
    QStringList leftOut;
    if (failedGateRuns > 0)
        leftOut << QStringLiteral("%1 run%2 that failed a gate").arg(failedGateRuns).arg(plural(failedGateRuns));
    if (steps > 0)
        leftOut << QStringLiteral("%1 lasting step%2").arg(steps).arg(plural(steps));
    const QString without
        = leftOut.isEmpty() ? QString() : QStringLiteral(", leaving out %1").arg(leftOut.join(QStringLiteral(" and ")));
    if (known())
        return QStringLiteral("±%1 from %2 earlier runs%3%4").arg(tenths(noise)).arg(runs).arg(where, without);
    if (host.isEmpty())
        return QStringLiteral("not measured: the run does not name its host");
    if (runs >= kMinRuns)
        return QStringLiteral("not measured: %1 earlier runs of this experiment%2, but %3 consecutive pairs of one "
                              "label, %4 needed")
            .arg(runs)
            .arg(where)
            .arg(pairs)
            .arg(kMinRuns - 1);
    return QStringLiteral("not measured: %1 earlier run%2 of this experiment%3, %4 needed%5")
        .arg(runs)
        .arg(plural(runs))
        .arg(where)
        .arg(kMinRuns)
        .arg(without);
}

RunNoise RunNoise::of(const QList<RunResult>& earlier, const QString& host, const RunResult* candidate)
{
    RunNoise n;
    n.host = host;
    n.runs = int(earlier.size());
    // Each label's runs of each combination, oldest first: the log of its median in each run that measured it.
    using Series = std::tuple<QString, QString, int>; // label, backend, workers
    std::map<Series, QList<double>> series;
    const auto logMedian = [](const Measurement* m) {
        const double median = m && !m->samplesS.isEmpty() ? Statistics::median(m->samplesS) : kUnknown;
        return std::isfinite(median) && median > 0 ? std::log(median) : kUnknown;
    };
    QHash<QString, const RunResult*> previousOfLabel;
    for (const RunResult& after : earlier) {
        const QString label = after.environment.label;
        const RunResult* before = previousOfLabel.value(label);
        previousOfLabel.insert(label, &after);
        bool paired = false;
        for (const Measurement& m : after.measurements) {
            const double log = logMedian(&m);
            if (!std::isfinite(log))
                continue;
            series[{ label, m.backend, m.workers }].append(log);
            paired = paired || std::isfinite(logMedian(before ? before->find(m.backend, m.workers) : nullptr));
        }
        n.pairs += paired ? 1 : 0;
    }
    QList<double> all; // |log ratio| of every consecutive pair
    for (const auto& [key, logs] : series) {
        for (qsizetype k = 1; k < logs.size(); ++k)
            all.append(std::abs(logs[k] - logs[k - 1]));
    }
    if (n.pairs < kMinRuns - 1 || all.isEmpty())
        return n;
    const double stepAbove = kStepFactor * Statistics::median(all);
    QList<double> changes;
    for (const auto& [key, measured] : series) {
        // The candidate's time, where it has one, is the newest run after the last change.
        QList<double> logs = measured;
        if (const double now = logMedian(candidate ? candidate->find(std::get<1>(key), std::get<2>(key)) : nullptr);
            std::isfinite(now))
            logs.append(now);
        // Whether run j is on the side of run `near` rather than of run `far`.
        const auto sides = [&logs](qsizetype j, qsizetype near, qsizetype far) {
            return std::abs(logs[j] - logs[near]) < std::abs(logs[j] - logs[far]);
        };
        for (qsizetype k = 1; k < measured.size(); ++k) {
            const double change = std::abs(logs[k] - logs[k - 1]);
            // Up to kStepRuns runs on each side, at least one: a change at either end of the runs is kept.
            const qsizetype before = std::min<qsizetype>(kStepRuns, k - 1);
            const qsizetype after = std::min<qsizetype>(kStepRuns, logs.size() - 1 - k);
            bool step = change > stepAbove && before > 0 && after > 0;
            for (qsizetype j = k - 1 - before; step && j < k - 1; ++j)
                step = sides(j, k - 1, k); // the old level was there before it
            for (qsizetype j = k + 1; step && j <= k + after; ++j)
                step = sides(j, k, k - 1); // and the new one stays
            if (step)
                ++n.steps;
            else
                changes.append(change);
        }
    }
    if (!changes.isEmpty())
        n.noise = std::exp(Statistics::quantile(changes, kQuantile)) - 1;
    return n;
}

Result<RunNoise> RunNoise::fromHistory(
    HistoryStore& store, const RunResult& candidate, qint64 candidateId, GateTime time)
{
    const QString host = candidate.environment.hostname;
    if (host.isEmpty())
        return of({}, host);
    const Result<QList<RunSummary>> summaries = store.runs(); // newest first
    if (!summaries)
        return fail(summaries.error());
    struct Earlier {
        qint64 id;
        RunResult run;
        bool failedGate;
    };
    QList<Earlier> found; // newest first
    for (const RunSummary& s : *summaries) {
        if (found.size() >= kMaxRuns)
            break;
        // Cheap checks first: loading a run derives all its figures.
        if (s.id == candidateId || (candidateId >= 0 && s.id > candidateId) || s.status != RunStatus::Finished
            || s.kernel != candidate.spec.kernel)
            continue;
        Result<RunResult> run = store.load(s.id);
        if (!run)
            return fail(run.error());
        if (run->environment.hostname != host || !workDifferences(*run, candidate).isEmpty())
            continue;
        found.append({ s.id, timedBy(*run, time), s.gate == gateOutcomeName(Gate::Outcome::Fail) });
    }
    // The commits measured without failing a gate: a failed run of one of them was the machine's doing.
    QSet<QString> passedCommits;
    for (const Earlier& e : std::as_const(found)) {
        if (!e.failedGate && !e.run.environment.commit.isEmpty())
            passedCommits.insert(e.run.environment.commit);
    }
    QList<RunResult> earlier;
    QList<qint64> ids;
    int failedGate = 0;
    for (const Earlier& e : std::as_const(found)) {
        if (e.failedGate && !passedCommits.contains(e.run.environment.commit)) {
            ++failedGate;
            continue;
        }
        earlier.prepend(e.run);
        ids.prepend(e.id);
    }
    const RunResult timed = timedBy(candidate, time);
    RunNoise n = of(earlier, host, &timed);
    n.runIds = ids;
    n.failedGateRuns = failedGate;
    return n;
}

Result<qint64> lastBaseline(HistoryStore& store, const ExperimentSpec& spec, const std::optional<QString>& label)
{
    const Result<QList<RunSummary>> summaries = store.runs(); // newest first
    if (!summaries)
        return fail(summaries.error());
    RunResult planned;
    planned.spec = spec;
    int failedGate = 0;
    for (const RunSummary& s : *summaries) {
        if (s.status != RunStatus::Finished || s.kernel != spec.kernel)
            continue;
        Result<RunResult> run = store.load(s.id);
        if (!run)
            return fail(run.error());
        if (!workDifferences(*run, planned).isEmpty() || (label && run->environment.label != *label))
            continue;
        if (s.gate == gateOutcomeName(Gate::Outcome::Fail)) {
            ++failedGate;
            continue;
        }
        return s.id;
    }
    const QString of = label ? QStringLiteral(" labelled '%1'").arg(*label) : QString();
    return fail(
        QStringLiteral("no finished run of this experiment%1 in %2 to compare with%3; record one without "
                       "--baseline first (or name a run: --baseline ID)")
            .arg(of, store.path(),
                failedGate > 0 ? QStringLiteral(" (%1 failed a gate, and a regression is no baseline)").arg(failedGate)
                               : QString()));
}

QString baselineProblem(const RunResult& baseline, const ExperimentSpec& spec, bool running)
{
    RunResult planned;
    planned.spec = spec;
    if (const QStringList differences = workDifferences(baseline, planned); !differences.isEmpty())
        return QStringLiteral("it measured other work than this run would (A: the baseline, B: this run; %1), so the "
                              "gate could only say not comparable. To compare two programs, measure them in one run "
                              "with --interleave-with")
            .arg(differences.join(QStringLiteral("; ")));
    if (running)
        return QStringLiteral("it is still running (or was interrupted): its samples are not all there");
    const bool measured = std::any_of(baseline.measurements.cbegin(), baseline.measurements.cend(),
        [](const Measurement& m) { return !m.samplesS.isEmpty(); });
    if (!measured)
        return baseline.error.isEmpty() ? QStringLiteral("it measured nothing")
                                        : QStringLiteral("it measured nothing (it failed: %1)").arg(baseline.error);
    return {};
}

QString gateVerdictName(GateRow::Verdict verdict)
{
    switch (verdict) {
    case GateRow::Verdict::Slower:
        return QStringLiteral("slower");
    case GateRow::Verdict::WithinNoise:
        return QStringLiteral("within noise");
    case GateRow::Verdict::WithinAllowance:
        return QStringLiteral("within allowance");
    case GateRow::Verdict::NotSignificant:
        return QStringLiteral("not significant");
    case GateRow::Verdict::Faster:
        return QStringLiteral("faster");
    case GateRow::Verdict::NoChange:
        return QStringLiteral("no change");
    case GateRow::Verdict::Missing:
        return QStringLiteral("missing");
    case GateRow::Verdict::NotComparable:
        return QStringLiteral("not comparable");
    }
    return {};
}

QString gateOutcomeName(Gate::Outcome outcome)
{
    switch (outcome) {
    case Gate::Outcome::Pass:
        return QStringLiteral("pass");
    case Gate::Outcome::Fail:
        return QStringLiteral("fail");
    case Gate::Outcome::NotComparable:
        return QStringLiteral("not comparable");
    }
    return {};
}

std::optional<Gate::Outcome> gateOutcomeFromName(const QString& name)
{
    for (const Gate::Outcome outcome : { Gate::Outcome::Pass, Gate::Outcome::Fail, Gate::Outcome::NotComparable }) {
        if (name == gateOutcomeName(outcome))
            return outcome;
    }
    return std::nullopt;
}

Gate Gate::evaluate(const RunResult& baseline, const QString& baselineName, const RunResult& candidate, double slowerBy,
    const RunNoise& noise, GateTime time, bool acrossMachines)
{
    Gate g;
    g.time = time;
    g.baseline = baselineName;
    g.slowerBy = slowerBy;
    g.noise = noise;
    g.threshold = noise.known() ? std::max(slowerBy, noise.noise) : slowerBy;
    g.comparison = compareRuns(
        timedBy(baseline, time), timedBy(candidate, time), kComparisonNoise, kSignificance, acrossMachines);
    for (const ComparisonRow& row : std::as_const(g.comparison.rows))
        g.rows.append({ row, judge(row, slowerBy, g.threshold) });

    const int compared = int(g.rows.size()) - countVerdict(g.rows, GateRow::Verdict::Missing);
    // What the reason adds about the noise: it is either part of the threshold or missing from the verdict.
    const QString oneRun = noise.known() || noise.interleaved
        ? QString()
        : QStringLiteral("; the verdict rests on one run (run-to-run noise %1)").arg(noise.text());
    if (!g.comparison.comparable() || compared == 0 || countVerdict(g.rows, GateRow::Verdict::NotComparable) > 0) {
        g.outcome = Outcome::NotComparable;
        // Another machine or its settings (host, governor, turbo, clock): the comparison's summary names them.
        g.reason = !g.comparison.differences.isEmpty() ? QStringLiteral("the baseline measured different work (%1)")
                                                             .arg(g.comparison.differences.join(QStringLiteral("; ")))
            : compared == 0 && g.comparison.comparable() ? QStringLiteral("the runs share no measured combination")
                                                         : g.comparison.summary;
        // The outcome is said before the reason already ("gate: not comparable: ...").
        const QString prefix = QStringLiteral("not comparable: ");
        if (g.reason.startsWith(prefix))
            g.reason.remove(0, prefix.size());
        return g;
    }

    // Too few samples for the test to ever be significant: such a gate could not fail whatever the slowdown.
    for (const GateRow& r : std::as_const(g.rows)) {
        const ComparisonRow& c = r.comparison;
        if (r.verdict == GateRow::Verdict::Missing
            || MannWhitney::smallestPValue(c.samplesA, c.samplesB) < kSignificance)
            continue;
        g.outcome = Outcome::NotComparable;
        g.reason = QStringLiteral("too few samples to judge %1 (%2 in the baseline, %3 in this run): a Mann-Whitney "
                                  "test of so few cannot reach p < %4, so no slowdown could fail the gate; measure "
                                  "at least %5 repeats in each")
                       .arg(rowLabel(c))
                       .arg(c.samplesA)
                       .arg(c.samplesB)
                       .arg(kSignificance)
                       .arg(MannWhitney::fewestForSignificance(kSignificance));
        return g;
    }
    // What the gate leaves out, said in every verdict: a combination one run did not measure is not gated.
    QStringList ungated;
    for (const GateRow& r : std::as_const(g.rows)) {
        if (r.verdict == GateRow::Verdict::Missing)
            ungated << rowLabel(r.comparison);
    }
    const QString missing = ungated.isEmpty() ? QString()
                                              : QStringLiteral("; measured in only one of the runs, so not gated: %1")
                                                    .arg(ungated.join(QStringLiteral(", ")));

    const QString allowed = QStringLiteral("the %1 allowed").arg(tenths(slowerBy));
    if (const GateRow* r = worst(g.rows, GateRow::Verdict::Slower)) {
        g.outcome = Outcome::Fail;
        const int more = countVerdict(g.rows, GateRow::Verdict::Slower) - 1;
        g.reason = QStringLiteral("%1 is %2 slower than the baseline (%3), beyond %4%5, %6%7%8")
                       .arg(rowLabel(r->comparison), tenths(r->comparison.ratio - 1), baselineName)
                       .arg(allowed,
                           noise.known() ? QStringLiteral(" and this machine's run-to-run noise (%1)").arg(noise.text())
                                         : QString(),
                           pText(r->comparison.pValue),
                           more > 0 ? QStringLiteral("; %1 more combination%2 slower").arg(more).arg(plural(more))
                                    : QString(),
                           oneRun + missing);
        return g;
    }
    g.outcome = Outcome::Pass;
    const GateRow* notSignificant = worst(g.rows, GateRow::Verdict::NotSignificant);
    const GateRow* withinNoise = worst(g.rows, GateRow::Verdict::WithinNoise);
    const GateRow* withinAllowance = worst(g.rows, GateRow::Verdict::WithinAllowance);
    auto slowdown = [](const GateRow* r) {
        return QStringLiteral("%1 is %2 slower").arg(rowLabel(r->comparison), tenths(r->comparison.ratio - 1));
    };
    if (notSignificant)
        g.reason = QStringLiteral("%1, but not significantly (%2): no regression shown")
                       .arg(slowdown(notSignificant), pText(notSignificant->comparison.pValue));
    else if (withinNoise)
        g.reason = QStringLiteral("%1, within this machine's run-to-run noise (%2): no regression shown")
                       .arg(slowdown(withinNoise), noise.text());
    else if (withinAllowance)
        g.reason = QStringLiteral("%1, within %2").arg(slowdown(withinAllowance), allowed);
    else
        g.reason = QStringLiteral("no combination is slower beyond %1 (%2)").arg(allowed, g.comparison.summary);
    g.reason += oneRun + missing;
    return g;
}

Result<double> parseFailOn(const QString& text)
{
    const QString t = text.trimmed().toLower();
    const QString what = QStringLiteral("slower");
    if (t == what)
        return Gate::kDefaultSlowerBy;
    if (!t.startsWith(what + QLatin1Char(':')))
        return fail(
            QStringLiteral("'%1' is not slower or slower:PCT (e.g. slower:5 fails on a slowdown beyond 5%)").arg(text));
    QString number = t.mid(what.size() + 1).trimmed();
    if (number.endsWith(QLatin1Char('%')))
        number.chop(1);
    bool ok = false;
    const double percent = number.toDouble(&ok);
    if (!ok || !std::isfinite(percent))
        return fail(QStringLiteral("'%1' is not a percentage (slower:5 fails on a slowdown beyond 5%)").arg(number));
    if (percent <= 0 || percent > kMaxSlowerByPercent)
        return fail(QStringLiteral("%1% is out of range, use above 0 to %2").arg(number).arg(kMaxSlowerByPercent));
    return percent / 100;
}

} // namespace parlab
