#include "analysis.h"

#include "backends/backendregistry.h"
#include "bounds.h"
#include "environment.h"
#include "experimentspec.h"
#include "export/formatting.h"
#include "losses.h"
#include "measurement.h"
#include "optiondescriptor.h"
#include "runresult.h"
#include "scaling.h"
#include "schedule.h"
#include "statistics.h"
#include "taskspan.h"
#include "unknown.h"
#include "workerplacement.h"

#include <QMap>
#include <QRegularExpression>
#include <algorithm>
#include <atomic>
#include <cmath>

namespace parlab {

namespace {
// Tasks that needed this much less CPU than the baseline's (a share of the workers' time) ran on a faster core.
constexpr double kFasterShare = 0.02;
// An overstated speedup below this (rounding to 0%) is not worth a warning.
constexpr double kSmallestOverstatement = 0.005;
// A slowdown above this share is worth telling apart from the machine's drift.
constexpr double kDriftShare = 0.05;

QString percent(double fraction)
{
    return QString::number(fraction * 100.0, 'f', 0) + QLatin1Char('%');
}

// The measurement's memory and switches from its repeats' (Measurement::usage): the largest peak, the median
// repeat's switches.
void describeUsage(Measurement& m)
{
    m.peakRssBytes = m.voluntarySwitches = m.involuntarySwitches = kUnknown;
    QList<double> voluntary, involuntary;
    for (const RepeatUsage& u : std::as_const(m.usage)) {
        if (const qint64 peak = u.peakRssBytes(); peak >= 0)
            m.peakRssBytes = std::isfinite(m.peakRssBytes) ? std::max(m.peakRssBytes, double(peak)) : double(peak);
        if (const qint64 v = u.voluntarySwitches(); v >= 0)
            voluntary.append(double(v));
        if (const qint64 v = u.involuntarySwitches(); v >= 0)
            involuntary.append(double(v));
    }
    m.voluntarySwitches = Statistics::median(voluntary);
    m.involuntarySwitches = Statistics::median(involuntary);
}

void describe(Measurement& m)
{
    m.wall = Statistics::describe(m.samplesS);
    m.medianRepeat = Accounting::medianRepeat(m.samplesS);
    QList<double> taskCpu;
    for (const RepeatAccount& a : std::as_const(m.accounts)) {
        if (std::isfinite(a.taskCpuS))
            taskCpu.append(a.taskCpuS);
    }
    m.taskCpuIqrS
        = taskCpu.size() >= 3 ? Statistics::quantile(taskCpu, 0.75) - Statistics::quantile(taskCpu, 0.25) : kUnknown;
    m.cpuMedianS = Statistics::median(m.cpuS);
    m.launchMedianS = Statistics::median(m.launchS);
    describeUsage(m);
}

// The measurement m's speedup is against, when both have samples to compare; else null.
const Measurement* baselineOf(const RunResult& result, const Measurement& m)
{
    const Measurement* baseline = result.find(BackendRegistry::factsOf(m.backend).baseline, 1);
    if (baseline && !baseline->samplesS.isEmpty() && !m.samplesS.isEmpty() && m.wall.median > 0)
        return baseline;
    return nullptr;
}

// How many times its baseline's work m did (workScale): a weak run's speedups are scaled speedups, N.T1/TN.
int scaleOf(const RunResult& result, const Measurement& m)
{
    return workScale(result.spec, m.backend, m.workers);
}

// Every measurement's point figures that read other measurements: O(measurements), no sample is read. In a weak
// run `speedup` is the scaled speedup N.T1/TN and `efficiency` the weak efficiency T1/TN; Karp-Flatt, a strong
// scaling metric, is not computed.
void computeSpeedups(RunResult& result)
{
    const bool weak = result.spec.options.scaling == ScalingKind::Weak;
    for (Measurement& m : result.measurements) {
        m.speedup = m.efficiency = m.selfSpeedup = m.karpFlatt = kUnknown;
        m.losses = {};
        const int scale = scaleOf(result, m);
        if (const Measurement* baseline = baselineOf(result, m)) {
            m.speedup = scale * baseline->wall.median / m.wall.median;
            m.efficiency = m.speedup / m.workers;
            if (!weak)
                m.karpFlatt = Scaling::karpFlatt(m.speedup, m.workers);
            m.losses = Accounting::losses(m, *baseline, BackendRegistry::factsOf(m.backend).lock, scale);
        }
        if (const Measurement* one = result.find(m.backend, 1); one && m.wall.median > 0)
            m.selfSpeedup = scale * one->wall.median / m.wall.median;
    }
}

void computeIntervals(RunResult& result, Intervals intervals)
{
    for (Measurement& m : result.measurements) {
        m.speedupLow = m.speedupHigh = kUnknown;
        if (const Measurement* baseline = baselineOf(result, m); baseline && intervals == Intervals::Bootstrap) {
            const auto ci = Statistics::bootstrapSpeedupCi(baseline->samplesS, m.samplesS);
            m.speedupLow = scaleOf(result, m) * ci.low;
            m.speedupHigh = scaleOf(result, m) * ci.high;
        }
    }
}

void computeBounds(RunResult& result)
{
    Bounds& b = result.bounds;
    b.lpt.clear();
    b.critical = SpeedupBounds::critical(b.taskCostsS);
    if (b.taskCostsS.isEmpty())
        return;
    // A weak run's bound at N workers is that of its grown tasks: what its scaled speedup can reach.
    const bool weak = result.spec.options.scaling == ScalingKind::Weak;
    for (int w : result.spec.workers)
        b.lpt.insert(w, SpeedupBounds::lpt(weak ? scaledCosts(result.spec, b.taskCostsS, w) : b.taskCostsS, w));
    b.lpt.insert(1, SpeedupBounds::lpt(b.taskCostsS, 1));
}

// Per backend, from its (workers, speedup) points: in a strong run Amdahl's serial fraction and the USL; in a weak
// run, whose speedups are scaled speedups, Gustafson's serial fraction (the strong-scaling models do not apply).
void fitScaling(RunResult& result)
{
    result.amdahlSerialFraction.clear();
    result.usl.clear();
    result.gustafsonSerialFraction.clear();
    const bool weak = result.spec.options.scaling == ScalingKind::Weak;
    QMap<QString, QList<QPair<int, double>>> points;
    for (const Measurement& m : result.measurements) {
        if (std::isfinite(m.speedup))
            points[m.backend].append({ m.workers, m.speedup });
    }
    for (auto it = points.cbegin(); it != points.cend(); ++it) {
        if (weak) {
            if (const double g = Scaling::gustafsonSerialFraction(it.value()); std::isfinite(g))
                result.gustafsonSerialFraction.insert(it.key(), g);
            continue;
        }
        const double f = Scaling::amdahlSerialFraction(it.value());
        if (!std::isfinite(f))
            continue; // a baseline, or a backend measured on one worker only: nothing to fit
        result.amdahlSerialFraction.insert(it.key(), f);
        result.usl.insert(it.key(), Scaling::uslFit(it.value()));
    }
}

// Other programs competed for the cores: at the start (the load average over half the cores), or during the run
// (the busiest measurement's workers waited for a core beyond Accounting::kBusyShare of their time).
bool busyAtStart(const Environment& env)
{
    return env.logicalCores > 0 && env.loadAverage > 0.5 * env.logicalCores;
}

const Measurement* busyDuring(const RunResult& result)
{
    const Measurement* busiest = Accounting::busiest(result.measurements, result.environment.logicalCores);
    return busiest && busiest->losses.waited > Accounting::kBusyShare ? busiest : nullptr;
}

// What concerns the run as a whole: how it ended, the build and the machine.
QStringList runWarnings(const RunResult& result)
{
    QStringList warnings;
    const Environment& env = result.environment;
    if (result.cancelled)
        warnings
            << QStringLiteral("the run was cancelled: it kept %1; the figures are partial").arg(result.keptSummary());
    if (!result.error.isEmpty())
        warnings << QStringLiteral("the run failed, having kept %1: %2").arg(result.keptSummary(), result.error);
    if (env.buildType.compare(QStringLiteral("Debug"), Qt::CaseInsensitive) == 0)
        warnings << QStringLiteral("this is a Debug build: timings are not representative of optimised code");
    if (busyAtStart(env))
        warnings << QStringLiteral("the machine was busy at the start (load average %1 on %2 logical cores): "
                                   "other programs compete for the cores")
                        .arg(env.loadAverage, 0, 'f', 2)
                        .arg(env.logicalCores);
    if (!env.governor.isEmpty() && env.governor != QStringLiteral("performance"))
        warnings << QStringLiteral("the CPU frequency governor is '%1', not 'performance': clock changes add noise")
                        .arg(env.governor);
    return warnings;
}

// What the accounting of lost speedup shows about the machine rather than the backends: other programs taking
// the cores, a baseline on a slower core, a machine whose speed drifted between repeats.
QStringList lossWarnings(const RunResult& result)
{
    QStringList warnings;
    if (const Measurement* busiest = busyDuring(result))
        warnings << QStringLiteral("the machine was busy during the run: other programs kept the workers waiting "
                                   "for a core %1 of their time (%2); run again on a quiet machine")
                        .arg(percent(busiest->losses.waited), busiest->label());
    for (const Measurement& m : result.measurements) {
        const Losses& l = m.losses;
        const bool superlinear = BackendRegistry::usesWorkers(m.backend) && m.speedup > m.workers;
        if (superlinear || l.slowdown < -kFasterShare) {
            // How much faster the tasks ran than in the baseline: what the speedup is overstated by.
            const double overstated = l.slowdown < 0 && l.useful + l.slowdown > 0
                ? l.useful / (l.useful + l.slowdown) - 1.0
                : m.speedup / m.workers - 1.0;
            // Below half a percent there is nothing to tell ("overstated by up to 0%"): a command's tasks wait for
            // their program, and their own CPU says nothing of its speed.
            if (overstated >= kSmallestOverstatement) {
                const Environment& env = result.environment;
                // What was seen, stated only where true: a speedup at 0.92x is not above the worker count.
                QStringList seen;
                if (superlinear)
                    seen << QStringLiteral("its speedup is above the worker count");
                if (l.slowdown < -kFasterShare)
                    seen
                        << QStringLiteral("its tasks needed %1 less CPU than the baseline's").arg(percent(-l.slowdown));
                const QString what = seen.join(QStringLiteral(" and "));
                if (env.baselineCpu >= 0 && env.baselineCpu == env.cores.fastest()) {
                    // Pinned to the fastest core, the baseline's core is not what made the tasks faster.
                    warnings << QStringLiteral(
                        "%1: %2 although the baseline ran on the fastest core (%3): caches the "
                        "workers share, or the machine's speed drifted; speedups may be overstated "
                        "by up to %4")
                                    .arg(m.label(), what)
                                    .arg(env.baselineCpu)
                                    .arg(percent(overstated));
                } else {
                    // What the calibration says the cores can account for, and the option that takes it away.
                    const double inflation = env.maxSpeedupInflation();
                    const QString cores = std::isfinite(inflation) && inflation - 1.0 >= kSmallestOverstatement
                        ? QStringLiteral("; the calibration found the cores up to %1 apart")
                              .arg(percent(inflation - 1.0))
                        : QString();
                    warnings << QStringLiteral(
                        "%1: the baseline ran on a slower core: speedups are overstated by up to %2 "
                        "(%3%4)%5")
                                    .arg(m.label(), percent(overstated), what, cores,
                                        env.baselineCpu < 0 ? QStringLiteral(
                                            "; --baseline-core fastest measures against the fastest core")
                                                            : QString());
                }
            }
        }
        if (std::abs(l.slowdown) > kDriftShare && l.slowdownSpread > std::abs(l.slowdown))
            warnings << QStringLiteral("%1: its slowdown (%2 of the workers' time) varies between repeats by more than "
                                       "itself (%3): the machine's speed drifted, not the backend")
                            .arg(m.label(), percent(l.slowdown), percent(l.slowdownSpread));
    }
    return warnings;
}

// A hand-out that one dispatcher serves (a pool's parent, rank 0) is a message and its reply between two processes,
// whose cost depends on where the scheduler put them, decided as the processes start and kept for their life: on
// this project's 2-core VM a pipe's round trip took 10 µs with both on one core and 45-60 µs across the two, every
// message waking the other core (parlab overhead; a plain run of 300 noop tasks on one pool worker drew the slow one
// in 3 of 8 runs, 13 ms against 3). A worker waits between two of its tasks for its own round trip and, with more
// workers, for the dispatcher serving the others, each at most a round trip: so at n workers a hand-out takes at
// least what one took at fewer, and at most n/m times what one took at m. A measurement beyond either bound drew
// slower places than the other; warned of where it is kPlacementFactor times the bound and that cost
// kPlacementShare of its workers' time.
constexpr double kPlacementFactor = 1.5;
constexpr double kPlacementShare = 0.05;

} // namespace

QString slowPlacement(const RunResult& result, const Measurement& m)
{
    // A worker's wait between two of its tasks, on average over the median repeat's hand-outs after the first ones.
    const auto after = [&result](const Measurement& of) {
        const int handOuts = Schedule::handOuts(result.spec, of.backend, of.workers);
        return handOuts - std::min(of.workers, handOuts);
    };
    const auto perHandOut = [&after](const Measurement& of) {
        const int count = after(of);
        if (count <= 0 || of.medianRepeat < 0 || of.medianRepeat >= of.accounts.size())
            return kUnknown;
        return of.accounts[of.medianRepeat].dispatchS / count;
    };
    // Across hosts (a hostfile's), a hand-out to a rank elsewhere also crosses the network: no sign of placement.
    const bool acrossHosts = BackendRegistry::factsOf(m.backend).options.contains(Option::Hostfile)
        && !result.spec.options.hostfile.isEmpty();
    if (!Schedule::servesHandOuts(m.backend) || acrossHosts || !(m.wall.median > 0))
        return {};
    const double mine = perHandOut(m);
    if (!(mine > 0))
        return {};
    // The other worker count whose hand-outs bound this one's most tightly.
    const Measurement* other = nullptr;
    double otherEach = kUnknown; // its hand-outs
    double bound = kUnknown;
    for (const Measurement& o : result.measurements) {
        if (o.backend != m.backend || o.workers == m.workers)
            continue;
        const double theirs = perHandOut(o);
        if (!(theirs > 0))
            continue;
        const double most = theirs * std::max(1.0, double(m.workers) / o.workers);
        if (!(most >= bound)) {
            bound = most;
            other = &o;
            otherEach = theirs;
        }
    }
    if (!other || !(mine > kPlacementFactor * bound))
        return {};
    const double cost = (mine - bound) * after(m) / (m.workers * m.wall.median);
    if (cost < kPlacementShare)
        return {};
    const QString against = other->workers > m.workers
        ? QStringLiteral("as long as at %1 workers (%2, waits while the others were served included)")
              .arg(other->workers)
              .arg(Format::duration(bound))
        : QStringLiteral("as long as %1 workers served in turn at the %2 one took at %3 worker%4 (%5)")
              .arg(m.workers)
              .arg(Format::duration(otherEach))
              .arg(other->workers)
              .arg(other->workers == 1 ? QString() : QStringLiteral("s"), Format::duration(bound));
    return QStringLiteral("%1: each hand-out took %2, %3 times %4, which cost it %5 of its time: the scheduler places "
                          "processes as they start, for their life, and a message that crosses cores can cost "
                          "several times one that stays on a core; run again, or pin the workers (--pin compact) to "
                          "place them the same way every run")
        .arg(m.label(), Format::duration(mine), Format::ratio(mine / bound, 1), against, percent(cost));
}

QString twoPlacements(const RunResult& result, const Measurement& m)
{
    // Pinned, the workers start where they are pinned: a worker at two that found no task left is no placement.
    if (WorkerPlacement::pinnedBy(result.spec.options, m.backend) == WorkerPlacement::PinnedBy::Pin)
        return {};
    // Each group: at least this many repeats, and this share of those whose placement is known.
    constexpr qsizetype kGroup = 3;
    constexpr double kGroupShare = 0.10;
    QList<double> home, away; // the wall times of the repeats whose workers all began on the starter's CPU, and not
    for (qsizetype i = 0; i < m.accounts.size() && i < m.samplesS.size(); ++i) {
        if (const double started = m.accounts[i].startedAway; std::isfinite(started))
            (started >= 1 ? away : home).append(m.samplesS[i]);
    }
    const qsizetype known = home.size() + away.size();
    const qsizetype least = std::max(kGroup, qsizetype(std::ceil(kGroupShare * double(known))));
    if (home.size() < least || away.size() < least || !(m.wall.median > 0))
        return {};
    const double homeS = Statistics::median(home);
    const double awayS = Statistics::median(away);
    const double slower = std::max(homeS, awayS), faster = std::min(homeS, awayS);
    if (!(slower > kPlacementFactor * faster) || (slower - faster) / m.wall.median < kPlacementShare)
        return {};
    return QStringLiteral(
        "%1: %2 of %3 repeats ran a worker's first task on another core than the one starting it and took %4, "
        "the other %5 took %6 (medians): a new thread starts on its starter's core or on an idle one "
        "that must first wake, the share of each changes from run to run, and the median falls "
        "with the more frequent; pin the workers (--pin compact) to start them the same way every "
        "repeat, or give the tasks more work")
        .arg(m.label())
        .arg(away.size())
        .arg(known)
        .arg(Format::duration(awayS))
        .arg(home.size())
        .arg(Format::duration(homeS));
}

namespace {
QStringList placementWarnings(const RunResult& result)
{
    QStringList warnings;
    for (const Measurement& m : result.measurements) {
        if (const QString slow = slowPlacement(result, m); !slow.isEmpty())
            warnings << slow;
        if (const QString drawn = twoPlacements(result, m); !drawn.isEmpty())
            warnings << drawn;
    }
    return warnings;
}

// A measurement whose CPU time is at least this share of what the machine's cores could give in its wall time is
// bound by the cores (oversubscribing them cannot help it).
constexpr double kCpuBoundShare = 0.5;

// What one measurement's own figures show: failed repeats, oversubscription, noise, a slow first run, outliers.
QStringList measurementWarnings(const Measurement& m, const Environment& env)
{
    QStringList warnings;
    if (m.failedRuns > 0)
        warnings << QStringLiteral("%1: %2 repeat%3 failed and %4 not in the figures; the last: %5")
                        .arg(m.label())
                        .arg(m.failedRuns)
                        .arg(m.failedRuns == 1 ? QString() : QStringLiteral("s"),
                            m.failedRuns == 1 ? QStringLiteral("is") : QStringLiteral("are"), m.lastError);
    const BackendFacts* facts = BackendRegistry::find(m.backend);
    // Only work that keeps cores busy is bound by them: tasks that wait (a sleep, I/O) scale past the cores, and
    // their CPU time, a small share of what the cores could give, says so. Unknown CPU time warns.
    const double coreShare = m.cpuS.isEmpty() || !(m.wall.median > 0) || env.logicalCores <= 0
        ? 1.0
        : Statistics::median(m.cpuS) / (m.wall.median * env.logicalCores);
    if (facts && facts->usesWorkers && env.logicalCores > 0 && m.workers > env.logicalCores
        && coreShare >= kCpuBoundShare)
        warnings << QStringLiteral("%1: %2 workers on %3 logical cores is oversubscribed: CPU-bound speedup "
                                   "cannot exceed %3")
                        .arg(m.label())
                        .arg(m.workers)
                        .arg(env.logicalCores);
    if (m.samplesS.size() >= 2 && m.wall.cv > 0.10)
        warnings << QStringLiteral("%1: noisy, the coefficient of variation is %2 (above 10%)%3")
                        .arg(m.label(), percent(m.wall.cv),
                            m.losses.waited > Accounting::kBusyShare / 2
                                ? QStringLiteral("; its tasks waited for a core %1 of the workers' time")
                                      .arg(percent(m.losses.waited))
                                : QString());
    if (m.samplesS.size() >= 3) {
        const double restMedian = Statistics::median(m.samplesS.mid(1));
        if (m.samplesS.first() > 1.5 * restMedian)
            warnings << QStringLiteral("%1: the first measured run was %2x slower than the rest (caches, page "
                                       "faults or frequency ramp-up): consider more --warmup")
                            .arg(m.label())
                            .arg(m.samplesS.first() / restMedian, 0, 'f', 1);
    }
    for (int index : m.wall.outliers)
        // The wording of 0.1, whose histories kept it: a migrated run's stored warning is then this one again.
        warnings << QStringLiteral("%1: repeat %2 (%3 s) is an outlier (modified z-score above 10); kept")
                        .arg(m.label())
                        .arg(index + 1)
                        .arg(m.samplesS[index], 0, 'g', 4);
    return warnings;
}

// The warnings that read several measurements at once: raised again after every repeat of any of them.
QStringList acrossMeasurements(const RunResult& result)
{
    return lossWarnings(result) << placementWarnings(result);
}

QStringList warningsFor(const RunResult& result)
{
    QStringList warnings = runWarnings(result);
    for (const Measurement& m : result.measurements)
        warnings << measurementWarnings(m, result.environment);
    warnings << acrossMeasurements(result);
    return warnings;
}

bool intervalDue(qsizetype baselineSamples, qsizetype samples, qsizetype lastBaselineSamples, qsizetype lastSamples)
{
    if (lastSamples < 0)
        return true;
    if (baselineSamples == lastBaselineSamples && samples == lastSamples)
        return false;
    if (std::max(baselineSamples, samples) <= LiveAnalysis::kExactSamples)
        return true;
    // Grown by an eighth (or shrunk: another run's result).
    const auto grown = [](qsizetype now, qsizetype then) { return now < then || 8 * now >= 9 * then; };
    return grown(samples, lastSamples) || grown(baselineSamples, lastBaselineSamples);
}

std::atomic<qint64> g_analyseCalls { 0 };
} // namespace

QString busyMachine(const RunResult& result)
{
    QStringList how;
    if (busyAtStart(result.environment))
        how << QStringLiteral("load average %1 on %2 logical cores at the start")
                   .arg(result.environment.loadAverage, 0, 'f', 2)
                   .arg(result.environment.logicalCores);
    if (const Measurement* busiest = busyDuring(result))
        how << QStringLiteral("%1 waited for a core %2 of its time")
                   .arg(busiest->label(), percent(busiest->losses.waited));
    return how.join(QStringLiteral("; "));
}

bool isEarlierWording(const QString& warning)
{
    static const QRegularExpression earlier(QStringLiteral(
        R"(^the run (was cancelled after \d+ of \d+ measurements; the figures are partial$|failed after \d+ of \d+ measurements: ))"));
    return earlier.match(warning).hasMatch();
}

qint64 analyseCalls()
{
    return g_analyseCalls.load(std::memory_order_relaxed);
}

void analyse(RunResult& result, Intervals intervals)
{
    g_analyseCalls.fetch_add(1, std::memory_order_relaxed);
    for (Measurement& m : result.measurements)
        describe(m);
    computeSpeedups(result);
    computeIntervals(result, intervals);
    computeBounds(result);
    fitScaling(result);
    result.warnings = warningsFor(result);
}

void LiveAnalysis::update(RunResult& result, qsizetype index)
{
    Q_ASSERT(index >= 0 && index < result.measurements.size());
    const qsizetype count = result.measurements.size();
    const bool first = m_warnings.size() != count; // the first repeat of a run: every measurement once
    if (first) {
        m_intervals = QList<Interval>(count);
        for (Measurement& m : result.measurements)
            describe(m);
    }
    Measurement& changed = result.measurements[index];
    describe(changed);
    computeSpeedups(result);
    if (first) {
        m_warnings.clear();
        for (const Measurement& m : std::as_const(result.measurements))
            m_warnings.append(measurementWarnings(m, result.environment));
    }
    m_warnings[index] = measurementWarnings(changed, result.environment);
    for (qsizetype i = 0; i < count; ++i) {
        Measurement& m = result.measurements[i];
        Interval& interval = m_intervals[i];
        const Measurement* baseline = baselineOf(result, m);
        if (baseline && i == index
            && intervalDue(baseline->samplesS.size(), m.samplesS.size(), interval.baselineSamples, interval.samples)) {
            const auto ci = Statistics::bootstrapSpeedupCi(baseline->samplesS, m.samplesS);
            interval = { ci.low, ci.high, baseline->samplesS.size(), m.samplesS.size() };
        }
        const bool known = baseline && interval.samples >= 0;
        m.speedupLow = known ? scaleOf(result, m) * interval.low : kUnknown;
        m.speedupHigh = known ? scaleOf(result, m) * interval.high : kUnknown;
    }
    computeBounds(result);
    fitScaling(result);
    result.warnings = runWarnings(result);
    for (const QStringList& warnings : std::as_const(m_warnings))
        result.warnings << warnings;
    result.warnings << acrossMeasurements(result);
}

void LiveAnalysis::finish(RunResult& result)
{
    m_intervals.clear();
    m_warnings.clear();
    analyse(result);
}

} // namespace parlab
