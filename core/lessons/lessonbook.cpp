#include "lessonbook.h"

#include "backends/backendregistry.h"
#include "environment.h"
#include "export/formatting.h"
#include "measurement.h"
#include "resourcejson.h"
#include "runresult.h"
#include "stats/losses.h"
#include "sweep.h"
#include "taskspan.h"
#include "unknown.h"

#include <QFile>
#include <QHash>
#include <algorithm>
#include <cmath>

// The lessons live in a static library: nothing else references rcc's object file, so register it by hand.
static void initLessonResources()
{
    Q_INIT_RESOURCE(lessons);
}

namespace parlab {

namespace {
const QString kFolder = QStringLiteral(":/lessons");

using Outcome = LessonVerdict::Outcome;

// The thresholds of the rules, in one place. Each is where the classic notes' claim, measured on a quiet
// two-core machine, clearly lands on one side.
constexpr double kNoisyCv = 0.10; // wall times varying more than this are noisy (the runner warns too)
constexpr double kFlatSpeedup = 1.15; // CPU-bound work under one lock stays at or below this
constexpr double kScalingShare = 0.75; // "scales": at least this share of the ideal (1.5x on 2 workers)
constexpr double kReleasedShare = 0.80; // the lock-released model has no interpreter overhead: 1.6x on 2
constexpr double kBoundSlack = 1.10; // a measured speedup above sum / max by more than this is impossible
constexpr double kStartupRatio = 2.0; // a process per task takes at least this many times the pool's time
constexpr double kTurnTaking = 1.2; // CPU time / wall time below this: the workers took turns on one core
constexpr double kGranularityRatio = 4.0; // processes break even on tasks at least this many times threads' size
constexpr double kGranularityContradicted = 1.5; // closer than this, per-task overhead did not set them apart

bool isMeasured(const Measurement* m)
{
    return m && !m->samplesS.isEmpty() && std::isfinite(m->wall.median) && m->wall.median > 0;
}

QString workersPhrase(int workers)
{
    return workers == 1 ? QStringLiteral("1 worker") : QStringLiteral("%1 workers").arg(workers);
}

QString times(double value)
{
    return Format::speedup(value);
}

// The backend whose median is `backend`'s speedup baseline; known here even for ids this build lacks.
QString baselineOf(const QString& backend)
{
    return BackendRegistry::factsOf(backend).baseline;
}

// The measured (backend, workers) combinations of `backend`, fewest workers first.
QList<const Measurement*> measuredOf(const RunResult& result, const QString& backend)
{
    QList<const Measurement*> found;
    for (const Measurement& m : result.measurements) {
        if (m.backend == backend && isMeasured(&m))
            found.append(&m);
    }
    std::sort(
        found.begin(), found.end(), [](const Measurement* a, const Measurement* b) { return a->workers < b->workers; });
    return found;
}

// The measurement of `backend` that shows parallelism best: the most workers (at least 2); where the cores
// matter, the most that fit the machine's cores, or failing that the fewest above them.
const Measurement* pickParallel(const RunResult& result, const QString& backend, bool fitCores)
{
    QList<const Measurement*> candidates;
    for (const Measurement* m : measuredOf(result, backend)) {
        if (m->workers >= 2)
            candidates.append(m);
    }
    if (candidates.isEmpty())
        return nullptr;
    const int cores = result.environment.logicalCores;
    if (!fitCores || cores <= 0)
        return candidates.last();
    const Measurement* best = nullptr;
    for (const Measurement* m : std::as_const(candidates)) {
        if (m->workers <= cores)
            best = m;
    }
    return best ? best : candidates.first();
}

double cvOf(const Measurement* m)
{
    return isMeasured(m) && m->samplesS.size() >= 2 && std::isfinite(m->wall.cv) ? m->wall.cv : 0.0;
}

// The largest coefficient of variation behind a speedup: the measurement's own and its baseline's.
double noiseOf(const RunResult& result, const Measurement& m)
{
    return std::max(cvOf(&m), cvOf(result.find(baselineOf(m.backend), 1)));
}

// Why `backend` (`which`: "at 2 or more workers") has no measurement to judge.
QString missingReason(const RunResult& result, const QString& backend, const QString& which = {})
{
    const QString what = which.isEmpty() ? backend : QStringLiteral("%1 %2").arg(backend, which);
    if (!result.spec.backends.contains(backend) && measuredOf(result, backend).isEmpty())
        return QStringLiteral("%1 was not part of this run").arg(backend);
    if (result.cancelled)
        return QStringLiteral("the run was cancelled before %1 was measured").arg(what);
    if (!result.error.isEmpty())
        return QStringLiteral("the run failed before %1 was measured: %2").arg(what, result.error);
    return QStringLiteral("there is no measurement of %1 in this run").arg(what);
}

QString noSpeedupReason(const Measurement& m)
{
    return QStringLiteral("%1 has no speedup: its baseline %2 was not measured").arg(m.label(), baselineOf(m.backend));
}

// "1.83x at 2 workers (1.80–1.86 with 95% confidence)".
QString speedupText(const Measurement& m)
{
    QString text = QStringLiteral("%1 at %2").arg(times(m.speedup), workersPhrase(m.workers));
    if (std::isfinite(m.speedupLow) && std::isfinite(m.speedupHigh))
        text += QStringLiteral(" (%1–%2 with 95% confidence)")
                    .arg(Format::ratio(m.speedupLow), Format::ratio(m.speedupHigh));
    return text;
}

// One comparison of a measured figure with a rule's threshold.
struct Check {
    QString what; // "gil-threads x2"
    double value = kUnknown;
    double low = kUnknown; // its 95% interval, where known
    double high = kUnknown;
    double cv = 0; // the largest coefficient of variation of the wall times behind it
    double threshold = kUnknown;
    bool atLeast = true; // the claim holds when value >= threshold, else when value <= threshold
};

struct Judged {
    Outcome outcome = Outcome::NotRun;
    QString why;
};

Judged judge(const Check& c)
{
    const bool claimSide = c.atLeast ? c.value >= c.threshold : c.value <= c.threshold;
    if (std::isfinite(c.low) && std::isfinite(c.high) && c.low < c.threshold && c.threshold < c.high)
        return { Outcome::Inconclusive,
            QStringLiteral("with 95% confidence %1 lies between %2 and %3, on both sides of the %4 line: run it "
                           "again with more repeats")
                .arg(c.what, times(c.low), times(c.high), times(c.threshold)) };
    // An interval clear of the threshold has weighed the noise already (0.1 called 1.74x [1.24–2.38] noisy and
    // "cannot be told apart from 1.15"). Without one, noise scales a time, so it stretches a ratio by a factor
    // either way (a difference could go below zero).
    const bool interval = std::isfinite(c.low) && std::isfinite(c.high);
    const double stretch = 1 + 2 * c.cv;
    if (!interval && c.cv > kNoisyCv && c.value / stretch < c.threshold && c.threshold < c.value * stretch)
        return { Outcome::Inconclusive,
            QStringLiteral("the repeats' times behind %1 vary by %2: with that much noise %3 cannot be told apart "
                           "from %4; close other programs and run it again")
                .arg(c.what, Format::percent(c.cv), times(c.value), times(c.threshold)) };
    return { claimSide ? Outcome::Holds : Outcome::Contradicted, {} };
}

// A measurement's speedup against sequential, with its interval and noise, judged against `threshold`.
Judged judgeSpeedup(const RunResult& result, const Measurement& m, double threshold, bool atLeast)
{
    return judge({ m.label(), m.speedup, m.speedupLow, m.speedupHigh, noiseOf(result, m), threshold, atLeast });
}

// Contradicted outranks inconclusive, which outranks holds.
Outcome worst(Outcome a, Outcome b)
{
    auto rank = [](Outcome o) { return o == Outcome::Contradicted ? 2 : o == Outcome::Inconclusive ? 1 : 0; };
    return rank(a) >= rank(b) ? a : b;
}

// What about this machine and this run can hold parallel workers back.
QStringList machineReasons(const RunResult& result, int workers, bool coresMatter)
{
    QStringList reasons;
    const Environment& env = result.environment;
    if (coresMatter && env.logicalCores > 0 && env.logicalCores < workers)
        reasons << QStringLiteral("this machine has %1 logical core%2, fewer than the %3 workers: they take turns "
                                  "on the cores instead of running at once")
                       .arg(env.logicalCores)
                       .arg(env.logicalCores == 1 ? QString() : QStringLiteral("s"))
                       .arg(workers);
    // Measured during the run: the share of the workers' time their tasks waited for a core that other programs
    // had. It names the cause where the load average at the start can only hint at it.
    if (const Measurement* busiest = Accounting::busiest(result.measurements, env.logicalCores);
        busiest && busiest->losses.waited > Accounting::kBusyShare)
        reasons << QStringLiteral("other programs took %1 of the workers' time during the run (%2 waited that long "
                                  "for a core): run again on a quiet machine")
                       .arg(Format::percent(busiest->losses.waited), busiest->label());
    else if (env.logicalCores > 0 && env.loadAverage > 0.5 * env.logicalCores)
        reasons << QStringLiteral("the machine was busy when the run started (load average %1 on %2 logical "
                                  "cores): other programs took cores")
                       .arg(env.loadAverage, 0, 'f', 2)
                       .arg(env.logicalCores);
    return reasons;
}

// Why parallel workers whose CPU time is about their wall time did not run at once.
QString turnTakingReason(const Measurement& m, const QString& who)
{
    if (!std::isfinite(m.cpuMedianS) || m.cpuMedianS >= kTurnTaking * m.wall.median)
        return {};
    return QStringLiteral("the %1 used %2 of CPU time in %3 of wall time: they took turns on one core rather than "
                          "running at once")
        .arg(who, Format::duration(m.cpuMedianS), Format::duration(m.wall.median));
}

// The share of the workers' time with the lock released, from the lock states of the latest repeat.
double releasedShare(const Measurement& m)
{
    double total = 0;
    double released = 0;
    for (const StateSpan& s : m.states) {
        const double length = double(s.endNs - s.startNs);
        total += length;
        if (s.state == LockState::Released)
            released += length;
    }
    return total > 0 ? released / total : kUnknown;
}

int taskCount(const RunResult& result, int workers)
{
    return result.spec.inputs.isEmpty() ? workers : std::min<int>(workers, int(result.spec.inputs.size()));
}

LessonVerdict notMeasured(const QString& why)
{
    LessonVerdict v;
    v.outcome = Outcome::NotRun;
    v.text = QStringLiteral("Not measured");
    v.why = why;
    return v;
}

LessonVerdict finish(Outcome outcome, const QString& numbers, QStringList whys, const RunResult& result)
{
    // A busy machine explains most verdicts against a claim about parallelism; say so once.
    if (outcome == Outcome::Contradicted || outcome == Outcome::Inconclusive) {
        for (const QString& reason : machineReasons(result, 0, false)) {
            if (!whys.contains(reason))
                whys << reason;
        }
    }
    LessonVerdict v;
    v.outcome = outcome;
    switch (outcome) {
    case Outcome::Holds:
        v.text = numbers + QStringLiteral(" — the claim holds on this machine");
        return v;
    case Outcome::Contradicted:
        v.text = numbers + QStringLiteral(" — the claim does not hold on this machine");
        break;
    case Outcome::Inconclusive:
        v.text = numbers + QStringLiteral(" — inconclusive on this machine");
        break;
    case Outcome::NotRun:
        v.text = numbers;
        break;
    }
    v.why = whys.isEmpty() ? QStringLiteral("see the run's warnings") : whys.join(QStringLiteral("; "));
    return v;
}

// 1. CPU-bound threads under the GIL do not scale.
LessonVerdict gilThreadsRule(const Lesson&, const RunResult& result)
{
    const Measurement* gil = pickParallel(result, QStringLiteral("gil-threads"), true);
    if (!gil)
        return notMeasured(
            missingReason(result, QStringLiteral("gil-threads"), QStringLiteral("at 2 or more workers")));
    if (!std::isfinite(gil->speedup))
        return notMeasured(noSpeedupReason(*gil));
    const int w = gil->workers;
    QString numbers = QStringLiteral("threads under the GIL (gil-threads): %1 against sequential, at most %2 expected")
                          .arg(speedupText(*gil), Format::ratio(kFlatSpeedup));
    if (std::isfinite(gil->losses.lockWait))
        numbers += QStringLiteral(" (the threads waited for the lock %1 of their time)")
                       .arg(Format::percent(gil->losses.lockWait));
    const Measurement* native = result.find(QStringLiteral("threads"), w);
    const bool contrast = isMeasured(native) && std::isfinite(native->speedup);
    if (contrast)
        numbers += QStringLiteral("; native threads: %1 at %2").arg(times(native->speedup)).arg(w);

    auto [outcome, why] = judgeSpeedup(result, *gil, kFlatSpeedup, false);
    QStringList whys;
    if (!why.isEmpty())
        whys << why;
    if (outcome == Outcome::Holds && result.environment.logicalCores == 1) {
        outcome = Outcome::Inconclusive;
        whys << QStringLiteral("this machine has 1 logical core, where no backend can scale: a flat speedup here says "
                               "nothing about the lock, so the lesson cannot show a contrast; run it on 2 or more "
                               "cores");
    } else if (outcome == Outcome::Holds && contrast && native->speedup <= kFlatSpeedup) {
        outcome = Outcome::Inconclusive;
        whys << QStringLiteral("native threads did not scale either (%1 at %2), so something other than the lock "
                               "held the threads back")
                    .arg(times(native->speedup))
                    .arg(w);
        whys << machineReasons(result, w, true);
    } else if (outcome == Outcome::Contradicted) {
        whys << QStringLiteral("under the lock only one thread runs at a time, so %1 at %2 means the lock did not "
                               "serialise the work")
                    .arg(times(gil->speedup), workersPhrase(w));
        if (!gil->switches.isEmpty()) {
            QList<qint64> sorted = gil->switches;
            std::sort(sorted.begin(), sorted.end());
            if (sorted.last() == 0)
                whys << QStringLiteral("no lock hand-overs were counted, so the threads never waited for the lock");
            else
                whys << QStringLiteral("%1 lock hand-overs per run").arg(sorted.at(sorted.size() / 2));
        }
    }
    return finish(outcome, numbers, whys, result);
}

// 2. Processes do scale: the classic Pool().map(fib, [38..33]).
LessonVerdict processesRule(const Lesson&, const RunResult& result)
{
    const Measurement* p = pickParallel(result, QStringLiteral("processes"), true);
    if (!p)
        return notMeasured(missingReason(result, QStringLiteral("processes"), QStringLiteral("at 2 or more workers")));
    if (!std::isfinite(p->speedup))
        return notMeasured(noSpeedupReason(*p));
    const int w = p->workers;
    const double lpt = result.bounds.lpt.value(w, kUnknown);
    const double ideal = taskCount(result, w);
    const double ceiling = std::isfinite(lpt) && lpt > 0 ? std::min(lpt, ideal) : ideal;
    const double threshold = kScalingShare * ceiling;

    QString numbers = QStringLiteral("processes: %1 against sequential").arg(speedupText(*p));
    if (std::isfinite(lpt) && lpt > 0)
        numbers += QStringLiteral(", %1 of the best %2 any schedule of these tasks allows on %3 (the lpt bound)")
                       .arg(Format::percent(p->speedup / lpt), times(lpt), workersPhrase(w));
    numbers += QStringLiteral("; at least %1 expected").arg(times(threshold));
    if (const Measurement* gil = result.find(QStringLiteral("gil-threads"), w);
        isMeasured(gil) && std::isfinite(gil->speedup))
        numbers += QStringLiteral("; threads under the GIL: %1 at %2").arg(times(gil->speedup)).arg(w);

    const Judged j = judgeSpeedup(result, *p, threshold, true);
    QStringList whys;
    if (j.outcome == Outcome::Inconclusive)
        whys << j.why;
    if (j.outcome == Outcome::Contradicted) {
        whys << machineReasons(result, w, true);
        if (const QString turns = turnTakingReason(*p, QStringLiteral("processes")); !turns.isEmpty())
            whys << turns;
    }
    return finish(j.outcome, numbers, whys, result);
}

// 3. I/O-bound threads scale even under the GIL.
LessonVerdict ioThreadsRule(const Lesson&, const RunResult& result)
{
    // Waiting needs no core, so the most workers count, however many cores there are.
    const Measurement* gil = pickParallel(result, QStringLiteral("gil-threads"), false);
    if (!gil)
        return notMeasured(
            missingReason(result, QStringLiteral("gil-threads"), QStringLiteral("at 2 or more workers")));
    if (!std::isfinite(gil->speedup))
        return notMeasured(noSpeedupReason(*gil));
    const int w = gil->workers;
    const double threshold = kScalingShare * taskCount(result, w);
    const int cores = result.environment.logicalCores;

    QString numbers
        = QStringLiteral("threads under the GIL (gil-threads) waiting: %1 against sequential").arg(speedupText(*gil));
    if (cores > 0 && w > cores)
        numbers += QStringLiteral(", more workers than the %1 logical cores").arg(cores);
    numbers += QStringLiteral("; at least %1 expected").arg(times(threshold));
    const double released = releasedShare(*gil);
    if (std::isfinite(released))
        numbers += QStringLiteral("; the workers had the lock released %1 of the time").arg(Format::percent(released));

    const Judged j = judgeSpeedup(result, *gil, threshold, true);
    QStringList whys;
    if (j.outcome == Outcome::Inconclusive)
        whys << j.why;
    if (j.outcome == Outcome::Contradicted) {
        if (std::isfinite(released) && released < 0.5)
            whys << QStringLiteral("the workers had the lock released only %1 of the time, though a sleeping thread "
                                   "should release it")
                        .arg(Format::percent(released));
        whys << machineReasons(result, w, false);
    }
    return finish(j.outcome, numbers, whys, result);
}

// 4. A C extension that releases the GIL scales: in the model, and in CPython through ctypes.
LessonVerdict releaseGilRule(const Lesson&, const RunResult& result)
{
    const Measurement* gil = pickParallel(result, QStringLiteral("gil-threads"), true);
    if (!gil)
        return notMeasured(
            missingReason(result, QStringLiteral("gil-threads"), QStringLiteral("at 2 or more workers")));
    if (!std::isfinite(gil->speedup))
        return notMeasured(noSpeedupReason(*gil));
    const int w = gil->workers;
    const double threshold = kReleasedShare * taskCount(result, w);
    QString numbers = QStringLiteral("gil-threads with the lock released: %1 against sequential, at least %2 expected")
                          .arg(speedupText(*gil), times(threshold));

    const Judged model = judgeSpeedup(result, *gil, threshold, true);
    Outcome outcome = model.outcome;
    QStringList whys;
    if (model.outcome == Outcome::Inconclusive)
        whys << model.why;
    if (model.outcome == Outcome::Contradicted) {
        const double released = releasedShare(*gil);
        if (std::isfinite(released) && released < 0.5)
            whys << QStringLiteral("the model's workers had the lock released only %1 of the time")
                        .arg(Format::percent(released));
        whys << machineReasons(result, w, true);
        if (const QString turns = turnTakingReason(*gil, QStringLiteral("gil-threads")); !turns.isEmpty())
            whys << turns;
    }

    // Real CPython, where it ran: its threads calling the C++ kernel through ctypes, which drops the GIL.
    const Measurement* py = pickParallel(result, QStringLiteral("python-threads"), true);
    if (!py) {
        numbers += QStringLiteral("; real CPython not measured: %1")
                       .arg(missingReason(
                           result, QStringLiteral("python-threads"), QStringLiteral("at 2 or more workers")));
        return finish(outcome, numbers, whys, result);
    }
    if (!std::isfinite(py->speedup)) {
        numbers += QStringLiteral("; real CPython not judged: %1").arg(noSpeedupReason(*py));
        return finish(outcome, numbers, whys, result);
    }
    const int pw = py->workers;
    const double pythonThreshold = kScalingShare * taskCount(result, pw);
    numbers += QStringLiteral("; python-threads calling the C++ kernel through ctypes: %1 against python-sequential, "
                              "at least %2 expected")
                   .arg(speedupText(*py), times(pythonThreshold));
    if (const QString runtime = result.runtimes.value(QStringLiteral("python-threads")); !runtime.isEmpty())
        numbers += QStringLiteral(" (%1)").arg(runtime);
    const Judged real = judgeSpeedup(result, *py, pythonThreshold, true);
    if (real.outcome == Outcome::Inconclusive)
        whys << real.why;
    if (real.outcome == Outcome::Contradicted) {
        whys << QStringLiteral("python-threads reached only %1 at %2, though ctypes releases the GIL during the C "
                               "call")
                    .arg(times(py->speedup), workersPhrase(pw));
        whys << machineReasons(result, pw, true);
    }
    outcome = worst(outcome, real.outcome);
    whys.removeDuplicates();
    return finish(outcome, numbers, whys, result);
}

// 5. Real CPython agrees with the model: threads do not scale, processes do.
LessonVerdict realPythonRule(const Lesson&, const RunResult& result)
{
    const Measurement* threads = pickParallel(result, QStringLiteral("python-threads"), true);
    const Measurement* processes = pickParallel(result, QStringLiteral("python-processes"), true);
    if (!threads || !processes) {
        QStringList missing;
        if (!threads)
            missing << missingReason(result, QStringLiteral("python-threads"), QStringLiteral("at 2 or more workers"));
        if (!processes)
            missing << missingReason(
                result, QStringLiteral("python-processes"), QStringLiteral("at 2 or more workers"));
        return notMeasured(missing.join(QStringLiteral("; ")));
    }
    if (!std::isfinite(threads->speedup))
        return notMeasured(noSpeedupReason(*threads));
    if (!std::isfinite(processes->speedup))
        return notMeasured(noSpeedupReason(*processes));

    const double threshold = kScalingShare * taskCount(result, processes->workers);
    QString numbers
        = QStringLiteral("python-threads: %1, at most %2 expected; python-processes: %3, at least %4 "
                         "expected; both against python-sequential")
              .arg(speedupText(*threads), Format::ratio(kFlatSpeedup), speedupText(*processes), times(threshold));
    const QString runtime = result.runtimes.value(
        QStringLiteral("python-threads"), result.runtimes.value(QStringLiteral("python-processes")));
    if (!runtime.isEmpty())
        numbers += QStringLiteral(" on %1").arg(runtime);

    const Judged t = judgeSpeedup(result, *threads, kFlatSpeedup, false);
    const Judged p = judgeSpeedup(result, *processes, threshold, true);
    QStringList whys;
    for (const Judged* j : { &t, &p }) {
        if (j->outcome == Outcome::Inconclusive)
            whys << j->why;
    }
    if (t.outcome == Outcome::Contradicted)
        whys << QStringLiteral("python-threads reached %1 at %2: pure-Python threads run at once only in an "
                               "interpreter without a GIL (a free-threaded build)%3")
                    .arg(times(threads->speedup), workersPhrase(threads->workers),
                        runtime.isEmpty() ? QString() : QStringLiteral("; this one is %1").arg(runtime));
    if (p.outcome == Outcome::Contradicted) {
        whys << QStringLiteral("python-processes reached only %1 at %2")
                    .arg(times(processes->speedup), workersPhrase(processes->workers));
        whys << machineReasons(result, processes->workers, true);
        if (const QString turns = turnTakingReason(*processes, QStringLiteral("processes")); !turns.isEmpty())
            whys << turns;
    }
    Outcome outcome = worst(t.outcome, p.outcome);
    if (outcome == Outcome::Holds && result.environment.logicalCores == 1) {
        // Cannot happen honestly (two processes on one core do not reach 1.5x), but a flat thread result on one
        // core would prove nothing.
        outcome = Outcome::Inconclusive;
        whys << QStringLiteral("this machine has 1 logical core, where no backend can scale");
    }
    return finish(outcome, numbers, whys, result);
}

// 6. Load imbalance: six uneven tasks cannot use sixteen cores.
LessonVerdict loadImbalanceRule(const Lesson&, const RunResult& result)
{
    QList<const Measurement*> runs;
    for (const Measurement* m : measuredOf(result, QStringLiteral("threads"))) {
        if (std::isfinite(m->speedup))
            runs.append(m);
    }
    if (runs.isEmpty())
        return notMeasured(missingReason(result, QStringLiteral("threads")));
    const double critical = result.bounds.critical;
    if (!std::isfinite(critical) || critical <= 0)
        return notMeasured(QStringLiteral("the sequential run's task times are missing, so the limit the longest "
                                          "task sets cannot be computed"));
    const Measurement* best = *std::max_element(
        runs.cbegin(), runs.cend(), [](const Measurement* a, const Measurement* b) { return a->speedup < b->speedup; });
    const Measurement* most = runs.last();
    const int cores = result.environment.logicalCores;

    QString numbers = QStringLiteral("threads: best %1 over %2–%3 workers; the longest task is %4 of the total: at "
                                     "most %5 however many cores")
                          .arg(speedupText(*best))
                          .arg(runs.first()->workers)
                          .arg(most->workers)
                          .arg(Format::percent(1.0 / critical), times(critical));
    if (most != best)
        numbers += QStringLiteral("; at %1: %2, efficiency %3")
                       .arg(workersPhrase(most->workers), times(most->speedup), Format::percent(most->efficiency));
    if (std::isfinite(most->losses.imbalance))
        numbers += QStringLiteral("; %1 of the workers' time at %2 went idle after their last task (imbalance)")
                       .arg(Format::percent(most->losses.imbalance), workersPhrase(most->workers));

    const double threshold = kBoundSlack * critical;
    auto [outcome, why] = judgeSpeedup(result, *best, threshold, false);
    QStringList whys;
    if (!why.isEmpty())
        whys << why;
    const int usable = cores > 0 ? std::min(most->workers, cores) : most->workers;
    const double reachable = std::min(critical, double(usable));
    if (outcome == Outcome::Holds && usable <= critical) {
        outcome = Outcome::Inconclusive;
        whys << QStringLiteral("with %1 usable cores (%2 logical, up to %3 workers) the cores run out before the task "
                               "sizes do: the bound %4 only shows with more cores than that")
                    .arg(usable)
                    .arg(cores)
                    .arg(most->workers)
                    .arg(times(critical));
    } else if (outcome == Outcome::Holds && best->speedup < kScalingShare * reachable) {
        // Staying under the bound proves nothing when the threads did not get near it.
        outcome = Outcome::Inconclusive;
        whys << QStringLiteral("threads reached only %1, well below the %2 the task sizes allow on %3 usable cores, so "
                               "something other than the task sizes held them back")
                    .arg(times(best->speedup), times(reachable))
                    .arg(usable);
        whys << machineReasons(result, usable, false);
    } else if (outcome == Outcome::Contradicted) {
        // A speedup past a limit no schedule can beat does not speak against the claim: it says the run's own
        // times disagree with each other, which is noise, not a finding.
        outcome = Outcome::Inconclusive;
        whys << QStringLiteral("no schedule beats the limit the longest task sets without splitting a task, which "
                               "no backend does, so the times behind %1 or behind the limit were measured wrong "
                               "(the sequential repeats vary by %2): close other programs and run it again")
                    .arg(times(best->speedup), Format::percent(cvOf(result.find(QStringLiteral("sequential"), 1))));
    }
    return finish(outcome, numbers, whys, result);
}

// 7. Start-up cost: one process per task against a pool, on many small tasks.
LessonVerdict startupCostRule(const Lesson&, const RunResult& result)
{
    const Measurement* pool = nullptr;
    const Measurement* fresh = nullptr;
    for (const Measurement* m : measuredOf(result, QStringLiteral("processes"))) {
        if (const Measurement* f = result.find(QStringLiteral("process-per-task"), m->workers); isMeasured(f)) {
            pool = m;
            fresh = f;
            break;
        }
    }
    if (!pool) {
        QStringList missing;
        if (measuredOf(result, QStringLiteral("processes")).isEmpty())
            missing << missingReason(result, QStringLiteral("processes"));
        if (measuredOf(result, QStringLiteral("process-per-task")).isEmpty())
            missing << missingReason(result, QStringLiteral("process-per-task"));
        if (missing.isEmpty())
            missing << QStringLiteral("processes and process-per-task share no worker count in this run");
        return notMeasured(missing.join(QStringLiteral("; ")));
    }
    const int tasks = int(result.spec.inputs.size());
    if (tasks == 0)
        return notMeasured(QStringLiteral("the run lists no inputs, so there is no cost per task"));

    const double perTask = (fresh->wall.median - pool->wall.median) / tasks;
    const double ratio = fresh->wall.median / pool->wall.median;
    const QString numbers = QStringLiteral("process-per-task: %1 for %2 tasks at %3, the processes pool: %4; a fresh "
                                           "process costs %5 more per task, %6 the pool's time; at least %7 expected")
                                .arg(Format::duration(fresh->wall.median))
                                .arg(tasks)
                                .arg(workersPhrase(pool->workers), Format::duration(pool->wall.median),
                                    Format::duration(perTask), times(ratio), times(kStartupRatio));
    const Judged j = judge({ QStringLiteral("process-per-task against processes"), ratio, kUnknown, kUnknown,
        std::max(cvOf(pool), cvOf(fresh)), kStartupRatio, true });
    QStringList whys;
    if (j.outcome == Outcome::Inconclusive)
        whys << j.why;
    if (j.outcome == Outcome::Contradicted) {
        if (perTask <= 0)
            whys << QStringLiteral("the pool took longer than a process per task: starting the pool's workers (paid "
                                   "in every run) outweighed %1 fresh processes")
                        .arg(tasks);
        else
            whys << QStringLiteral("starting a process cost only %1 more per task here than handing a task to the pool "
                                   "(%2 per task)")
                        .arg(Format::duration(perTask), Format::duration(pool->wall.median / tasks));
        whys << machineReasons(result, pool->workers, false);
    }
    return finish(j.outcome, numbers, whys, result);
}

// 8. Some of Python's own C functions release the GIL: python-threads scale on hashlib and zlib.
LessonVerdict stdlibReleasesGilRule(const Lesson&, const RunResult& result)
{
    const Measurement* threads = pickParallel(result, QStringLiteral("python-threads"), true);
    if (!threads)
        return notMeasured(
            missingReason(result, QStringLiteral("python-threads"), QStringLiteral("at 2 or more workers")));
    if (!std::isfinite(threads->speedup))
        return notMeasured(noSpeedupReason(*threads));

    const int w = threads->workers;
    const double threshold = kScalingShare * taskCount(result, w);
    QString numbers = QStringLiteral("python-threads: %1 against python-sequential, at least %2 expected")
                          .arg(speedupText(*threads), times(threshold));
    if (const QString runtime = result.runtimes.value(QStringLiteral("python-threads")); !runtime.isEmpty())
        numbers += QStringLiteral(" on %1").arg(runtime);
    // The processes beside it, where they ran: what threads are measured against in the claim, not judged.
    if (const Measurement* processes = result.find(QStringLiteral("python-processes"), w);
        isMeasured(processes) && std::isfinite(processes->speedup))
        numbers += QStringLiteral("; python-processes: %1").arg(speedupText(*processes));

    const Judged j = judgeSpeedup(result, *threads, threshold, true);
    QStringList whys;
    if (j.outcome == Outcome::Inconclusive)
        whys << j.why;
    if (j.outcome == Outcome::Contradicted) {
        whys << QStringLiteral("python-threads reached only %1 at %2, though hashlib and zlib release the GIL while "
                               "they work on the buffer")
                    .arg(times(threads->speedup), workersPhrase(w));
        whys << machineReasons(result, w, true);
        if (const QString turns = turnTakingReason(*threads, QStringLiteral("python-threads")); !turns.isEmpty())
            whys << turns;
    }
    return finish(j.outcome, numbers, whys, result);
}

// 9. Granularity: the task size where each backend breaks even, along a sweep of sizes.
LessonVerdict granularityRule(const Lesson&, const SweepResult& sweep)
{
    // The largest worker count both ran: where per-task overhead is spread over the most workers.
    const SweepSeries* threads = nullptr;
    const SweepSeries* processes = nullptr;
    const QList<SweepSeries> all = sweep.series();
    for (const SweepSeries& s : all) {
        if (s.workers < 2)
            continue;
        for (const SweepSeries& t : all) {
            if (s.backend == QStringLiteral("processes") && t.backend == QStringLiteral("threads")
                && t.workers == s.workers && (!processes || s.workers > processes->workers)) {
                processes = &s;
                threads = &t;
            }
        }
    }
    if (!processes)
        return notMeasured(QStringLiteral("the sweep needs threads and processes at the same worker count, 2 or more"));
    const RunResult& last = sweep.points.constLast().run;
    const double smallest = sweep.spec.sizesMs.constFirst();
    const QString numbers
        = QStringLiteral("at %1, threads break even %2, processes %3")
              .arg(workersPhrase(processes->workers), threads->breakEven.text(), processes->breakEven.text());
    QStringList whys;
    using Where = Crossing::Where;
    if (threads->breakEven.where == Where::NotReached || threads->breakEven.where == Where::Unknown) {
        whys << QStringLiteral("threads never paid off, not even on the largest tasks: the workers had no cores to "
                               "run on");
        whys << machineReasons(last, processes->workers, true);
        return finish(Outcome::Inconclusive, numbers, whys, last);
    }
    if (processes->breakEven.where == Where::NotReached || processes->breakEven.where == Where::Unknown) {
        whys << QStringLiteral("processes did not pay off up to %1 ms: sweep larger tasks")
                    .arg(formatSize(sweep.spec.sizesMs.constLast()));
        return finish(Outcome::Inconclusive, numbers, whys, last);
    }
    if (processes->breakEven.where == Where::BelowSmallest) {
        whys << QStringLiteral("processes paid off even on %1 ms tasks, as threads did").arg(formatSize(smallest));
        return finish(Outcome::Contradicted, numbers, whys, last);
    }
    // Threads already paying off at the smallest size: their break-even is at most that size, so the ratio is at
    // least what it says.
    const bool threadsBelow = threads->breakEven.where == Where::BelowSmallest;
    const double ratio = processes->breakEven.ms / (threadsBelow ? smallest : threads->breakEven.ms);
    const QString withRatio = numbers
        + QStringLiteral(": processes need tasks %1%2 the size, at least %3 expected")
              .arg(threadsBelow ? QStringLiteral("at least ") : QString(), times(ratio), times(kGranularityRatio));
    if (ratio >= kGranularityRatio)
        return finish(Outcome::Holds, withRatio, whys, last);
    if (!threadsBelow && ratio < kGranularityContradicted) {
        whys << QStringLiteral("handing a task to a worker process cost about what handing it to a thread did");
        return finish(Outcome::Contradicted, withRatio, whys, last);
    }
    whys << (threadsBelow ? QStringLiteral("threads paid off even at the smallest size: sweep smaller tasks to see "
                                           "where they break even")
                          : QStringLiteral("the two break-even sizes are apart, but by less than expected"));
    return finish(Outcome::Inconclusive, withRatio, whys, last);
}

struct Rule {
    VerdictRule judge;
    QString text;
    SweepVerdictRule judgeSweep = {};
};

const QHash<QString, Rule>& rules()
{
    // Written for a teacher: plain words, backends by the names the charts use, no option keys; every figure
    // comes from the constants above, so the words cannot drift from what the rule does.
    const QString inconclusive
        = QStringLiteral(" When the repeats scatter too much to tell which side of the line the run is on (the range "
                         "the speedup lies in with 95% confidence crosses it, or the repeats' times differ by more "
                         "than %1), the verdict is \"inconclusive\": run it again on a quiet machine.")
              .arg(Format::percent(kNoisyCv));
    static const QHash<QString, Rule> table {
        { QStringLiteral("gil-threads"),
            { gilThreadsRule,
                QStringLiteral("The claim holds when threads under the lock (gil-threads), with as many threads as "
                               "the machine has cores (at least 2), run at most %1 as fast as the tasks one after "
                               "another (sequential). On a machine with one core, or when native threads in the same "
                               "run did not get faster either, the run cannot show the lock's effect: inconclusive.")
                        .arg(Format::speedup(kFlatSpeedup))
                    + inconclusive } },
        { QStringLiteral("processes-scale"),
            { processesRule,
                QStringLiteral("The claim holds when the process pool (processes), with as many workers as the "
                               "machine has cores (at least 2), reaches at least %1 of the best speedup any schedule "
                               "of these tasks allows (the table's lpt bound): %2 for the six classic tasks on 2 "
                               "workers.")
                        .arg(Format::percent(kScalingShare), Format::speedup(kScalingShare * 2))
                    + inconclusive } },
        { QStringLiteral("io-threads"),
            { ioThreadsRule,
                QStringLiteral("The claim holds when threads under the lock (gil-threads), at the most threads, "
                               "reach at least %1 of the ideal speedup, which is the number of threads: %2 with 4, "
                               "however many cores the machine has.")
                        .arg(Format::percent(kScalingShare), Format::speedup(kScalingShare * 4))
                    + inconclusive } },
        { QStringLiteral("release-gil"),
            { releaseGilRule,
                QStringLiteral("The claim holds when threads whose work runs with the lock released (gil-threads) "
                               "reach at least %1 of the ideal speedup, the number of threads (%2 with 2); and, where "
                               "real Python ran, when Python threads calling the C++ kernel (python-threads) reach at "
                               "least %3 of it (%4 with 2) against Python doing the tasks one after another "
                               "(python-sequential).")
                        .arg(Format::percent(kReleasedShare), Format::speedup(kReleasedShare * 2),
                            Format::percent(kScalingShare), Format::speedup(kScalingShare * 2))
                    + inconclusive } },
        { QStringLiteral("real-python"),
            { realPythonRule,
                QStringLiteral("The claim holds when Python threads (python-threads) run at most %1 as fast as "
                               "Python doing the tasks one after another (python-sequential), while Python processes "
                               "(python-processes) reach at least %2 of the ideal speedup, the number of processes (%3 "
                               "with 2).")
                        .arg(Format::speedup(kFlatSpeedup), Format::percent(kScalingShare),
                            Format::speedup(kScalingShare * 2))
                    + inconclusive } },
        { QStringLiteral("load-imbalance"),
            { loadImbalanceRule,
                QStringLiteral("The claim holds when native threads, at their best over all the worker counts, stay "
                               "within %1 the limit the longest task sets: all the work divided by the longest task, "
                               "both timed one after another. Inconclusive when the machine has too few cores to "
                               "reach that limit, when the threads stayed below %2 of it (something else held "
                               "them back), or when they beat it by more than that, which no schedule can: the "
                               "times were measured wrong.")
                        .arg(Format::speedup(kBoundSlack), Format::percent(kScalingShare))
                    + inconclusive } },
        { QStringLiteral("startup-cost"),
            { startupCostRule,
                QStringLiteral("The claim holds when starting a fresh process for every task (process-per-task) "
                               "takes at least %1 as long as handing the same tasks to a pool of running processes "
                               "(processes) with as many workers. The price of one process start is the difference "
                               "of the two times divided by the number of tasks.")
                        .arg(Format::speedup(kStartupRatio, 1))
                    + inconclusive } },
        { QStringLiteral("granularity"),
            { {},
                QStringLiteral("The claim holds when, along the sweep of task sizes and at the most workers both ran, "
                               "the pool of processes (processes) breaks even (speedup 1 against sequential) only on "
                               "tasks at least %1 the size on which threads break even. Each break-even size is "
                               "interpolated on log size between the two sizes swept around it. It does not hold when "
                               "processes already pay off at the smallest size, or break even within %2 of threads. "
                               "Inconclusive when threads never pay off (no free cores), when processes do not pay "
                               "off by the largest size, or when threads pay off at every size and the ratio is "
                               "only a lower bound below %1.")
                    .arg(times(kGranularityRatio), times(kGranularityContradicted)),
                granularityRule } },
        { QStringLiteral("stdlib-releases-gil"),
            { stdlibReleasesGilRule,
                QStringLiteral("The claim holds when Python threads (python-threads) running the standard library's "
                               "hashing and compression reach at least %1 of the ideal speedup, the number of threads "
                               "(%2 with 2), against Python doing the tasks one after another (python-sequential). "
                               "Python processes, where they ran, are shown beside them but not judged.")
                        .arg(Format::percent(kScalingShare), Format::speedup(kScalingShare * 2))
                    + inconclusive } },
    };
    return table;
}

void ensureResources()
{
    static const bool once = [] {
        initLessonResources();
        return true;
    }();
    Q_UNUSED(once);
}
} // namespace

namespace Lessons {

QStringList ids()
{
    ensureResources();
    return ResourceJson::ids(kFolder);
}

Result<Lesson> fromJson(const QString& id, const QByteArray& json)
{
    Result<Lesson> lesson = Lesson::fromJson(id, json);
    if (!lesson)
        return lesson;
    const auto rule = rules().constFind(id);
    if (rule == rules().cend())
        return fail(QStringLiteral("lesson '%1': no verdict rule for this id (rules exist for: %2)")
                        .arg(id, QStringList(rules().keys()).join(QStringLiteral(", "))));
    if (lesson->isSweep() != bool(rule->judgeSweep))
        return fail(
            QStringLiteral("lesson '%1': its rule judges %2, but its file %3")
                .arg(id, rule->judgeSweep ? QStringLiteral("a sweep") : QStringLiteral("one run"),
                    lesson->isSweep() ? QStringLiteral("asks for a sweep") : QStringLiteral("asks for no sweep")));
    lesson->judge = rule->judge;
    lesson->judgeSweep = rule->judgeSweep;
    lesson->rule = rule->text;
    return lesson;
}

Result<Lesson> load(const QString& id)
{
    ensureResources();
    QFile file(QStringLiteral("%1/%2.json").arg(kFolder, id));
    if (!file.open(QIODevice::ReadOnly))
        return fail(QStringLiteral("lesson '%1': cannot read %2 (known: %3)")
                        .arg(id, file.fileName(), ids().join(QStringLiteral(", "))));
    return fromJson(id, file.readAll());
}

const QList<Lesson>& all()
{
    static const QList<Lesson> lessons = [] {
        QList<Lesson> loaded;
        for (const QString& id : ids()) {
            if (const Result<Lesson> lesson = load(id))
                loaded.append(*lesson);
            else
                qWarning("%s", qPrintable(lesson.error()));
        }
        std::sort(loaded.begin(), loaded.end(), [](const Lesson& a, const Lesson& b) { return a.number < b.number; });
        return loaded;
    }();
    return lessons;
}

const Lesson* find(const QString& id)
{
    for (const Lesson& lesson : all()) {
        if (lesson.id == id)
            return &lesson;
    }
    return nullptr;
}

const Lesson* matching(const RunResult& result)
{
    const QStringList& ran = result.spec.backends;
    const Lesson* sameBackends = nullptr;
    for (const Lesson& lesson : all()) {
        if (lesson.isSweep() || !lesson.otherWork(result.spec).isEmpty())
            continue;
        bool requiredRan = true;
        for (const QString& backend : lesson.experiment.spec.backends)
            requiredRan = requiredRan && (ran.contains(backend) || lesson.optionalBackends.contains(backend));
        if (!requiredRan)
            continue;
        if (result.spec.inputs == lesson.experiment.spec.inputs)
            return &lesson;
        const bool onlyItsBackends = std::all_of(ran.cbegin(), ran.cend(),
            [&](const QString& backend) { return lesson.experiment.spec.backends.contains(backend); });
        if (onlyItsBackends && !sameBackends)
            sameBackends = &lesson;
    }
    return sameBackends;
}

const Lesson* matching(const SweepResult& sweep)
{
    for (const Lesson& lesson : all()) {
        if (!lesson.isSweep() || !lesson.otherWork(sweep.spec.base).isEmpty())
            continue;
        const bool requiredRan = std::all_of(lesson.experiment.spec.backends.cbegin(),
            lesson.experiment.spec.backends.cend(), [&](const QString& backend) {
                return sweep.spec.base.backends.contains(backend) || lesson.optionalBackends.contains(backend);
            });
        if (requiredRan)
            return &lesson;
    }
    return nullptr;
}

QString ruleText(const QString& id)
{
    return rules().value(id).text;
}

QString verdictText(const QString& lessonId, const RunResult& result)
{
    const Lesson* lesson = find(lessonId);
    if (!lesson) {
        QStringList known;
        for (const Lesson& l : all())
            known << l.id;
        return QStringLiteral("unknown lesson '%1' (known: %2)").arg(lessonId, known.join(QStringLiteral(", ")));
    }
    return verdictParagraph(*lesson, lesson->verdict(result));
}

QString verdictText(const Lesson& lesson, const SweepResult& sweep)
{
    return verdictParagraph(lesson, lesson.verdict(sweep));
}

QString verdictParagraph(const Lesson& lesson, const LessonVerdict& v)
{
    QString text = QStringLiteral("Lesson %1, %2: %3.").arg(lesson.number).arg(lesson.title, outcomeName(v.outcome));
    if (!v.text.isEmpty())
        text += QLatin1Char(' ') + v.text + QLatin1Char('.');
    if (!v.why.isEmpty())
        text += QStringLiteral(" Why: %1.").arg(v.why);
    return text;
}

} // namespace Lessons

} // namespace parlab
