// Tests the accounting of lost speedup: where a repeat's worker-seconds went (Accounting::account) on hand-made
// spans, the split against the baseline (useful + the parts = 1) worked out by hand, its JSON, its warnings, and
// one real run whose loss has a known cause.

#include "backends/backendregistry.h"
#include "experimentspec.h"
#include "export/jsonexport.h"
#include "export/jsonimport.h"
#include "measurement.h"
#include "runoptions.h"
#include "runresult.h"
#include "stats/analysis.h"
#include "stats/losses.h"
#include "taskspan.h"
#include "testsupport.h"

#include <QJsonObject>
#include <QTest>
#include <cmath>

using namespace parlab;

namespace {
constexpr qint64 kS = 1'000'000'000; // ns per second

TaskSpan span(int worker, double startS, double endS, double cpuS = -1, double waitS = -1)
{
    TaskSpan s;
    s.worker = worker;
    s.startNs = qint64(startS * kS);
    s.endNs = qint64(endS * kS);
    s.cpuNs = cpuS < 0 ? -1 : qint64(cpuS * kS);
    s.waitNs = waitS < 0 ? -1 : qint64(waitS * kS);
    return s;
}

RepeatAccount account(
    double startup, double dispatch, double tail, double task, double cpu, double wait, double lockWait = std::nan(""))
{
    return { startup, dispatch, tail, task, cpu, wait, lockWait };
}

Measurement measurement(const QString& backend, int workers, double wallS, const RepeatAccount& a)
{
    Measurement m;
    m.backend = backend;
    m.workers = workers;
    m.samplesS = { wallS };
    m.cpuS = { wallS };
    m.accounts = { a };
    return m;
}

double partsAndUseful(const Losses& l)
{
    double sum = l.useful;
    for (const Accounting::Part& part : Accounting::parts())
        sum += std::isfinite(l.*part.share) ? l.*part.share : 0.0;
    return sum;
}

bool near(double got, double want)
{
    return std::abs(got - want) < 1e-9;
}

// `cores`: the calibration's speeds; `baselineCpu`: the core the baseline was pinned to, -1 for none.
RunResult analysed(QList<Measurement> measurements, const QList<CoreSpeed>& cores = {}, int baselineCpu = -1)
{
    RunResult r;
    r.spec.kernel = QStringLiteral("fib");
    r.spec.inputs = { 30, 30 };
    r.environment.logicalCores = 2;
    r.environment.cores.cores = cores;
    r.environment.baselineCpu = baselineCpu;
    r.measurements = std::move(measurements);
    analyse(r);
    return r;
}
} // namespace

class TestLosses final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void accountSplitsEveryWorkerSecond();
    void accountWithoutMeasuredCpuLeavesItUnknown();
    void startedAwayCountsFirstTasksOnAnotherCpu();
    void accountCountsTheModelsLockWaits();
    void medianRepeat();
    void partsAgainstTheBaseline();
    void interpreterLockIsOffCpuTime();
    void baselinesOwnGapsAreUseful();
    void scheduleImbalanceIsWhatLptIdles();
    void simulatedLockComesFromLockStates();
    void lockWaitAndCoreWaitAreNotCountedTwice();
    void unknownWithoutAccounts();
    void explainsTheMedianRepeat();
    void jsonCarriesEveryPart();
    void summaryNamesTheLargestFirst();
    void fasterTasksWarnOfASlowerBaselineCore();
    void slowRoundTripsAtFewerWorkersWarnOfPlacement();
    void threadsDrawingTwoPlacementsWarn();
    void waitingForACoreWarnsOfABusyMachine();
    void slowdownThatVariesIsTheMachine();
    void realRunPutsUnevenTasksInImbalance();
    void everyBackendAccountsForEveryWorkerSecond();
};

// Repeat 0..10 s with 3 workers (30 worker-seconds). Worker 0: tasks 1-4 and 5-9 (start-up 1, gap 1, tail 1);
// worker 1: task 2-3 (start-up 2, tail 7); worker 2: no task (all 10 idle at the end).
void TestLosses::accountSplitsEveryWorkerSecond()
{
    const QList<TaskSpan> spans {
        span(0, 1, 4, 2.0, 0.5), // measured
        span(0, 5, 9), // too short to sample: counts as running all 4 s
        span(1, 2, 3, 0.5, 0.75), // wait beyond the wall time left after the CPU time: 0.5
    };
    const RepeatAccount a = Accounting::account(spans, {}, 0, 10 * kS, 3);
    QVERIFY(near(a.startupS, 3));
    QVERIFY(near(a.dispatchS, 1));
    QVERIFY(near(a.tailS, 1 + 7 + 10));
    QVERIFY(near(a.taskS, 3 + 4 + 1));
    QVERIFY(near(a.startupS + a.dispatchS + a.tailS + a.taskS, 30)); // every worker-second, once
    QVERIFY(near(a.taskCpuS, 2 + 4 + 0.5));
    QVERIFY(near(a.taskWaitS, 0.5 + 0 + 0.5));
    QVERIFY(std::isnan(a.lockWaitS)); // no lock states: not a locking backend

    // A span reaching past the repeat (another clock, a late report) is cut at its ends.
    const RepeatAccount cut = Accounting::account({ span(0, -1, 12, 13, 0) }, {}, 0, 10 * kS, 1);
    QVERIFY(near(cut.startupS, 0));
    QVERIFY(near(cut.tailS, 0));
    QVERIFY(near(cut.taskS, 10));
    QVERIFY(near(cut.taskCpuS, 10));
}

// Three workers started from CPU 1: worker 0's first task (the earliest, not the first listed) ran on CPU 0, worker
// 1's on CPU 1, worker 2's on CPU 3; later tasks elsewhere do not count.
void TestLosses::startedAwayCountsFirstTasksOnAnotherCpu()
{
    const auto on = [](TaskSpan s, int cpu) {
        s.cpu = cpu;
        return s;
    };
    const QList<TaskSpan> spans { on(span(0, 2, 3), 1), on(span(0, 0, 1), 0), on(span(1, 0, 1), 1),
        on(span(1, 1, 2), 0), on(span(2, 1, 2), 3) };
    QCOMPARE(Accounting::startedAway(spans, 1), 2.0);
    QCOMPARE(Accounting::startedAway(spans, 0), 2.0);
    QCOMPARE(Accounting::startedAway(spans.first(4), 1), 1.0);
    QCOMPARE(Accounting::startedAway({ on(span(0, 0, 1), 1) }, 1), 0.0);
    QVERIFY(std::isnan(Accounting::startedAway(spans, -1))); // the starter's CPU not known
    QVERIFY(std::isnan(Accounting::startedAway({ on(span(0, 0, 1), 1), span(1, 0, 1) }, 1))); // nor a first task's
    QVERIFY(std::isnan(Accounting::startedAway({}, 1)));
}

void TestLosses::accountWithoutMeasuredCpuLeavesItUnknown()
{
    const RepeatAccount a = Accounting::account({ span(0, 0, 1), span(1, 0, 2) }, {}, 0, 2 * kS, 2);
    QVERIFY(near(a.taskS, 3));
    QVERIFY(near(a.tailS, 1));
    QVERIFY(std::isnan(a.taskCpuS)); // a backend that measured none: unknown, not "all running"
    QVERIFY(std::isnan(a.taskWaitS));
    QVERIFY(std::isnan(Accounting::account({}, {}, 5, 5, 1).taskS)); // an empty repeat
}

void TestLosses::accountCountsTheModelsLockWaits()
{
    const QList<StateSpan> states {
        { 0, LockState::Running, 0, 1 * kS },
        { 0, LockState::Waiting, 1 * kS, 3 * kS },
        { 1, LockState::Waiting, 0, kS / 2 },
        { 1, LockState::Released, kS / 2, 2 * kS },
    };
    const RepeatAccount a = Accounting::account({ span(0, 0, 4, 1), span(1, 0, 4, 0.5) }, states, 0, 4 * kS, 2);
    QVERIFY(near(a.lockWaitS, 2.5));

    QVERIFY(near(a.lockIdleS, 0));

    // Waiting outside the worker's tasks is idle time the lock took: it leaves the gap, start-up or tail it fell
    // in and counts apart, once. Worker 0 waits 1-3 s; its tasks are 0-1.5 and 2.5-4, so 1 s of that is inside
    // them and the 1 s gap is all the lock's. Worker 1 ran no task and waited 0-3 s of its 4.
    const QList<StateSpan> between { { 0, LockState::Waiting, 1 * kS, 3 * kS }, { 1, LockState::Waiting, 0, 3 * kS } };
    const RepeatAccount b = Accounting::account({ span(0, 0, 1.5, 1), span(0, 2.5, 4, 1) }, between, 0, 4 * kS, 2);
    QVERIFY(near(b.lockWaitS, 1.0));
    QVERIFY(near(b.lockIdleS, 1.0 + 3.0));
    QVERIFY(near(b.dispatchS, 0));
    QVERIFY(near(b.startupS, 0));
    QVERIFY(near(b.tailS, 1.0)); // worker 1's last second, when it no longer waited
    QVERIFY(near(b.startupS + b.dispatchS + b.tailS + b.taskS + b.lockIdleS, 8.0)); // every worker-second, once
}

void TestLosses::medianRepeat()
{
    QCOMPARE(Accounting::medianRepeat({ 3.0, 1.0, 2.0 }), 2);
    QCOMPARE(Accounting::medianRepeat({ 4.0, 1.0, 3.0, 2.0 }), 3); // the lower middle of an even count
    QCOMPARE(Accounting::medianRepeat({ 2.0, 2.0, 2.0 }), 1);
    QCOMPARE(Accounting::medianRepeat({}), -1);
}

// Baseline: 4 s, its task 3.6 s on a core and 0.4 s waiting for one. Threads x2: 3 s (6 worker-seconds), of which
// start-up 0.2, gaps 0.3, tails 0.5, tasks 5.0 (CPU 4.0, waiting 0.8, off the CPU 0.2).
void TestLosses::partsAgainstTheBaseline()
{
    const RunResult r = analysed({ measurement(QStringLiteral("sequential"), 1, 4.0, account(0, 0, 0, 4, 3.6, 0.4)),
        measurement(QStringLiteral("threads"), 2, 3.0, account(0.2, 0.3, 0.5, 5.0, 4.0, 0.8)) });
    const Losses& base = r.measurements[0].losses;
    QVERIFY(near(base.useful, 1));
    QVERIFY(near(base.slowdown, 0));
    QVERIFY(near(base.unexplained, 0));
    const Losses& l = r.measurements[1].losses;
    QVERIFY(near(l.useful, 4.0 / 6));
    QVERIFY(near(l.useful, r.measurements[1].efficiency)); // one repeat: its efficiency
    QVERIFY(near(l.startup, 0.2 / 6));
    QVERIFY(near(l.dispatch, 0.3 / 6));
    QVERIFY(near(l.imbalance, 0.5 / 6));
    QVERIFY(near(l.slowdown, 0.4 / 6));
    QVERIFY(near(l.cpuWait, 0.4 / 6)); // beyond the baseline's own 0.4 s
    QVERIFY(near(l.waited, 0.8 / 6)); // all of it, for the busy-machine warning
    QVERIFY(near(l.lockWait, 0)); // threads have no lock
    QVERIFY(near(l.blocked, 0.2 / 6));
    QVERIFY(near(l.unexplained, 0));
    QVERIFY(near(partsAndUseful(l), 1));
}

void TestLosses::interpreterLockIsOffCpuTime()
{
    // python-threads x2 against python-sequential: 1 s off the CPU inside tasks is waiting for the GIL.
    const RunResult r
        = analysed({ measurement(QStringLiteral("python-sequential"), 1, 4.0, account(0.1, 0, 0, 3.9, 3.9, 0)),
            measurement(QStringLiteral("python-threads"), 2, 3.0, account(0.2, 0, 0, 5.8, 4.0, 0.3)) });
    const Losses& l = r.measurements[1].losses;
    QVERIFY(near(l.lockWait, 1.5 / 6));
    QVERIFY(near(l.blocked, 0));
    QVERIFY(near(l.cpuWait, 0.3 / 6));
    QVERIFY(near(l.slowdown, 0.1 / 6));
    QVERIFY(near(partsAndUseful(l), 1));
    // The baseline's own start-up is inside T1 (useful), so only what python-threads spent beyond it is lost.
    QVERIFY(near(l.startup, 0.1 / 6));
    QVERIFY(near(l.unexplained, 0));
}

void TestLosses::baselinesOwnGapsAreUseful()
{
    // Tiny tasks (startup-cost's noop): the baseline spends 0.7 of its 1 s between tasks and 0.1 before the first.
    // That is the work as the baseline does it: its own parts are 0, and the pool's are what it spent beyond.
    const RunResult r = analysed({ measurement(QStringLiteral("sequential"), 1, 1.0, account(0.1, 0.7, 0, 0.2, 0.2, 0)),
        measurement(QStringLiteral("processes"), 2, 5.0, account(0.3, 9.3, 0.1, 0.3, 0.3, 0)) });
    const Losses& own = r.measurements[0].losses;
    QVERIFY(near(own.useful, 1));
    for (const Accounting::Part& part : Accounting::parts())
        QVERIFY2(near(own.*part.share, 0), part.key);
    const Losses& l = r.measurements[1].losses;
    QVERIFY(near(l.useful, 0.1));
    QVERIFY(near(l.startup, 0.2 / 10));
    QVERIFY(near(l.dispatch, 8.6 / 10));
    QVERIFY(near(l.imbalance, 0.1 / 10));
    QVERIFY(near(l.slowdown, 0.1 / 10));
    QVERIFY(near(l.unexplained, 0));
}

void TestLosses::scheduleImbalanceIsWhatLptIdles()
{
    // spin 300,100,100 on 2 workers: the longest-first schedule takes 300 ms for 500 ms of work, 1.67x, so it
    // leaves 1 - 1.67 / 2 = 17% of the workers' time idle: the imbalance no schedule of these tasks avoids.
    Bounds b;
    b.lpt = { { 1, 1.0 }, { 2, 500.0 / 300.0 } };
    QVERIFY(near(Accounting::scheduleImbalance(b, 1), 0));
    QVERIFY(near(Accounting::scheduleImbalance(b, 2), 1.0 / 6));
    QVERIFY(!std::isfinite(Accounting::scheduleImbalance(b, 4))); // not computed for 4 workers
}

void TestLosses::simulatedLockComesFromLockStates()
{
    const RunResult r = analysed({ measurement(QStringLiteral("sequential"), 1, 4.0, account(0, 0, 0, 4, 4, 0)),
        measurement(QStringLiteral("gil-threads"), 2, 4.0, account(0, 0, 0, 8, 4.2, 0.2, 3.5)) });
    const Losses& l = r.measurements[1].losses;
    QVERIFY(near(l.lockWait, 3.5 / 8));
    QVERIFY(near(l.blocked, 0.1 / 8)); // 8 - 4.2 - 0.2 - 3.5
    QVERIFY(near(partsAndUseful(l), 1));
}

// gil-threads on a busy machine: 8 s in tasks, 3 s on a core, the lock states say 4 s waiting and schedstat 2 s
// runnable: 1 s of those were the same moments (woken for the lock, no core yet). The lock keeps its 4 s; the core
// wait is what is left, 1 s; nothing is "blocked" below zero.
void TestLosses::lockWaitAndCoreWaitAreNotCountedTwice()
{
    const RunResult r = analysed({ measurement(QStringLiteral("sequential"), 1, 3.0, account(0, 0, 0, 3, 3, 0)),
        measurement(QStringLiteral("gil-threads"), 2, 4.0, account(0, 0, 0, 8, 3, 2, 4)) });
    const Losses& l = r.measurements[1].losses;
    QVERIFY(near(l.lockWait, 4.0 / 8));
    QVERIFY(near(l.cpuWait, 1.0 / 8));
    QVERIFY(near(l.blocked, 0));
    QVERIFY(near(l.waited, 2.0 / 8)); // the raw wait is still what the warnings read
    QVERIFY(near(l.unexplained, 0));
}

void TestLosses::unknownWithoutAccounts()
{
    Measurement old = measurement(QStringLiteral("threads"), 2, 3.0, {});
    old.accounts.clear(); // recorded before the accounting, or imported without it
    const RunResult r = analysed({ measurement(QStringLiteral("sequential"), 1, 4.0, account(0, 0, 0, 4, 4, 0)), old });
    QVERIFY(std::isfinite(r.measurements[1].speedup));
    QVERIFY(std::isnan(r.measurements[1].losses.useful));
    QVERIFY(std::isnan(r.measurements[1].losses.unexplained));
    const QJsonObject json = JsonExport::measurementObject(r.measurements[1]);
    QVERIFY(json.value(QStringLiteral("losses")).toObject().value(QStringLiteral("cpu_wait")).isNull());
    QVERIFY(json.value(QStringLiteral("useful")).isNull());
    QVERIFY(Accounting::summary(r.measurements[1].losses).isEmpty());
}

void TestLosses::explainsTheMedianRepeat()
{
    Measurement threads = measurement(QStringLiteral("threads"), 2, 0, {});
    threads.samplesS = { 5.0, 2.0, 3.0 }; // the median is the third repeat
    threads.accounts = { account(0, 0, 5, 5, 5, 0), account(0, 0, 0, 4, 4, 0), account(0, 0, 1, 5, 4, 0) };
    const RunResult r
        = analysed({ measurement(QStringLiteral("sequential"), 1, 4.0, account(0, 0, 0, 4, 4, 0)), threads });
    QCOMPARE(r.measurements[1].medianRepeat, 2);
    QVERIFY(near(r.measurements[1].losses.imbalance, 1.0 / 6));
    QVERIFY(near(r.measurements[1].losses.slowdown, 0));
    QVERIFY(near(r.measurements[1].losses.blocked, 1.0 / 6));
}

void TestLosses::jsonCarriesEveryPart()
{
    const RunResult r = analysed({ measurement(QStringLiteral("sequential"), 1, 4.0, account(0, 0, 0, 4, 3.6, 0.4)),
        measurement(QStringLiteral("threads"), 2, 3.0, account(0.2, 0.3, 0.5, 5.0, 3.0, 0.8)) });
    const Measurement& m = r.measurements[1];
    const QJsonObject json = JsonExport::measurementObject(m);
    const QJsonObject losses = json.value(QStringLiteral("losses")).toObject();
    QCOMPARE(losses.keys(),
        QStringList({ QStringLiteral("blocked"), QStringLiteral("cpu_wait"), QStringLiteral("dispatch"),
            QStringLiteral("imbalance"), QStringLiteral("lock_wait"), QStringLiteral("slowdown"),
            QStringLiteral("startup"), QStringLiteral("unexplained") }));
    QCOMPARE(losses.value(QStringLiteral("slowdown")).toDouble(), m.losses.slowdown);
    QVERIFY(m.losses.slowdown < 0); // a negative part is kept as it is
    QCOMPARE(json.value(QStringLiteral("useful")).toDouble(), m.losses.useful);

    // An import takes the stated parts, negative ones too, and refuses a part that is not a number.
    Measurement bare;
    bare.backend = m.backend;
    bare.workers = m.workers;
    bare.samplesS = m.samplesS;
    const Result<Measurement> read = JsonImport::measurementFromObject(json, bare);
    QVERIFY2(read.has_value(), qPrintable(read ? QString() : read.error()));
    for (const Accounting::Part& part : Accounting::parts())
        QCOMPARE(read->losses.*part.share, m.losses.*part.share);
    QCOMPARE(read->losses.useful, m.losses.useful);
    QJsonObject wrong = json;
    QJsonObject wrongLosses = losses;
    wrongLosses.insert(QStringLiteral("cpu_wait"), QStringLiteral("12%"));
    wrong.insert(QStringLiteral("losses"), wrongLosses);
    const Result<Measurement> refused = JsonImport::measurementFromObject(wrong, bare);
    QVERIFY(!refused.has_value());
    QVERIFY2(refused.error().contains(QStringLiteral("losses.cpu_wait")), qPrintable(refused.error()));
}

void TestLosses::summaryNamesTheLargestFirst()
{
    Losses l;
    l.useful = 0.81;
    l.startup = 0.0;
    l.dispatch = 0.004;
    l.imbalance = 0.05;
    l.slowdown = 0.02;
    l.lockWait = 0;
    l.cpuWait = 0.12;
    l.blocked = 0.006;
    l.unexplained = 0.0;
    QCOMPARE(Accounting::summary(l), QStringLiteral("lost 19%: waiting for a core 12%, imbalance 5%, slowdown 2%"));
}

void TestLosses::slowRoundTripsAtFewerWorkersWarnOfPlacement()
{
    // 300 noop tasks on a pool, as a run on this VM drew them: 45 µs a hand-out at one worker, a worker waiting 20 µs
    // between its tasks at two (its own round trip and the other's): the one worker's round trips crossed cores.
    const auto run = [](const QString& backend, qint64 input, double oneEach, double oneWall, double twoEach,
                         double twoWall, const QString& hostfile = {}) {
        RunResult r;
        r.spec.options.hostfile = hostfile;
        r.spec.kernel = input == 0 ? QStringLiteral("noop") : QStringLiteral("spin");
        r.spec.inputs = QList<qint64>(300, input);
        r.environment.logicalCores = 2;
        const double task = input * 1e-3;
        r.measurements = { measurement(QStringLiteral("sequential"), 1, 300 * task + 5e-5,
                               account(0, 0, 0, 300 * task + 5e-5, 300 * task + 5e-5, 0)),
            measurement(backend, 1, oneWall, account(1e-4, 299 * oneEach, 1e-5, 300 * task, 300 * task, 0)),
            measurement(backend, 2, twoWall, account(2e-4, 298 * twoEach, 2e-5, 300 * task, 300 * task, 0)) };
        analyse(r);
        return r.warnings.filter(QStringLiteral("each hand-out took"));
    };
    // One warning, for that measurement, saying what and why.
    const auto warnedOnce = [](const QStringList& found, const QString& start) {
        return found.size() == 1 && found.first().startsWith(start) && found.first().contains(u"--pin compact");
    };
    const QStringList slow = run(QStringLiteral("processes"), 0, 45e-6, 0.0136, 20e-6, 0.0031);
    QVERIFY2(warnedOnce(slow,
                 QStringLiteral("processes x1: each hand-out took 45.00 µs, 2.3 times as long as at 2 workers (20.00 "
                                "µs, waits while the others were served included), which cost it 55% of its time")),
        qPrintable(slow.join(u'\n')));
    // The fast round trip at one worker, a worker at two waiting for both: as it should be.
    QVERIFY(run(QStringLiteral("processes"), 0, 10.5e-6, 0.0032, 21e-6, 0.0032).isEmpty());
    // Two workers that each waited 45 µs, where one worker's 13 µs round trips served in turn take at most 26: the
    // 2-worker pool drew the slow places.
    const QStringList slowTwo = run(QStringLiteral("processes"), 0, 13e-6, 0.0039, 45e-6, 0.0068);
    QVERIFY2(warnedOnce(slowTwo,
                 QStringLiteral("processes x2: each hand-out took 45.00 µs, 1.7 times as long as 2 workers served in "
                                "turn at the 13.00 µs one took at 1 worker (26.00 µs), which cost it 42% of its time")),
        qPrintable(slowTwo.join(u'\n')));
    // MPI's rank 0 serves its ranks the same way; across a hostfile's hosts a hand-out also crosses the network.
    QCOMPARE(run(QStringLiteral("mpi"), 0, 45e-6, 0.0136, 20e-6, 0.0031).size(), 1);
    QVERIFY(run(QStringLiteral("mpi"), 0, 13e-6, 0.0039, 45e-6, 0.0068, QStringLiteral("hosts")).isEmpty());
    // Threads take their tasks themselves: no round trip to place.
    QVERIFY(run(QStringLiteral("threads"), 0, 45e-6, 0.0136, 20e-6, 0.0031).isEmpty());
    // The slow round trip under 20 ms tasks costs the measurement too little to tell (0.1% of its time).
    QVERIFY(run(QStringLiteral("processes"), 20, 45e-6, 6.0136, 20e-6, 3.0031).isEmpty());
}

void TestLosses::threadsDrawingTwoPlacementsWarn()
{
    // 300 noop tasks on one thread, 35 repeats, as `parlab run` drew them on this VM: some repeats started the thread
    // on the runner's core (52 µs), `away` of them on the other, idle core (157 µs); `startedAway` NaN: not known.
    const auto run = [](const QString& backend, int away, double homeS, double awayS, bool known = true,
                         Pinning pin = Pinning::None) {
        RunResult r;
        r.spec.options.pin = pin;
        r.spec.kernel = QStringLiteral("noop");
        r.spec.inputs = QList<qint64>(300, 0);
        r.environment.logicalCores = 2;
        Measurement base = measurement(QStringLiteral("sequential"), 1, 40e-6, account(0, 0, 0, 40e-6, 40e-6, 0));
        Measurement m;
        m.backend = backend;
        m.workers = 1;
        for (int i = 0; i < 35; ++i) {
            const bool isAway = (i * away) % 35 < away; // `away` of the 35, spread through the run
            const double wall = isAway ? awayS : homeS;
            RepeatAccount a = account(wall - 20e-6, 0, 10e-6, 10e-6, 10e-6, 0);
            a.startedAway = !known ? kUnknown : isAway ? 1.0 : 0.0;
            m.samplesS.append(wall);
            m.cpuS.append(wall);
            m.accounts.append(a);
        }
        r.measurements = { base, m };
        analyse(r);
        return r.warnings.filter(QStringLiteral("ran a worker's first task on another core"));
    };
    const QStringList drawn = run(QStringLiteral("threads"), 8, 52e-6, 157e-6);
    QVERIFY2(drawn.size() == 1
            && drawn.first().startsWith(
                QStringLiteral("threads x1: 8 of 35 repeats ran a worker's first task on another core "
                               "than the one starting it and took 157.0 µs, the other 27 "
                               "took 52.00 µs (medians)"))
            && drawn.first().contains(u"--pin compact"),
        qPrintable(drawn.join(u'\n')));
    // 3 of 35 is under a tenth: the median is firmly the other draw's.
    QVERIFY(run(QStringLiteral("threads"), 3, 52e-6, 157e-6).isEmpty());
    // Two draws within 1.5 times of each other, and 20 ms tasks whose start is lost in them: nothing to tell.
    QVERIFY(run(QStringLiteral("threads"), 8, 52e-6, 70e-6).isEmpty());
    QVERIFY(run(QStringLiteral("threads"), 8, 20.000e-3, 20.100e-3).isEmpty());
    // Where nothing was kept of the starts (a pool's processes, a run before it was kept): no word.
    QVERIFY(run(QStringLiteral("threads"), 8, 52e-6, 157e-6, false).isEmpty());
    // Pinned, where a worker starts is no draw (a worker at two that found no task left is counted as not away).
    QVERIFY(run(QStringLiteral("threads"), 8, 52e-6, 157e-6, true, Pinning::Compact).isEmpty());
}

void TestLosses::fasterTasksWarnOfASlowerBaselineCore()
{
    // The tasks needed 3.0 s of CPU on 2 threads, 4.0 s alone: the baseline's core was about a third slower.
    const RunResult r = analysed({ measurement(QStringLiteral("sequential"), 1, 4.0, account(0, 0, 0, 4, 4, 0)),
        measurement(QStringLiteral("threads"), 2, 1.6, account(0, 0, 0.2, 3.0, 3.0, 0)) });
    QVERIFY(r.measurements[1].speedup > 2);
    const QStringList found = r.warnings.filter(QStringLiteral("the baseline ran on a slower core"));
    QCOMPARE(found.size(), 1);
    QVERIFY2(found.first().startsWith(QStringLiteral("threads x2: ")), qPrintable(found.first()));
    QVERIFY2(found.first().contains(QStringLiteral("overstated by up to 33%")), qPrintable(found.first()));
    QVERIFY2(found.first().contains(QStringLiteral("--baseline-core fastest")), qPrintable(found.first()));

    // With the cores measured, the warning says how far apart the calibration found them.
    const QList<Measurement> faster { measurement(QStringLiteral("sequential"), 1, 4.0, account(0, 0, 0, 4, 4, 0)),
        measurement(QStringLiteral("threads"), 2, 1.6, account(0, 0, 0.2, 3.0, 3.0, 0)) };
    const QList<CoreSpeed> cores { { 0, 0.5, 1.0 }, { 1, 0.625, 0.8 } };
    const QStringList calibrated = analysed(faster, cores).warnings.filter(QStringLiteral("slower core"));
    QCOMPARE(calibrated.size(), 1);
    QVERIFY2(calibrated.first().contains(QStringLiteral("the calibration found the cores up to 25% apart")),
        qPrintable(calibrated.first()));
    // Pinned to the slower core (a calibration that erred), it is still the slower core's doing, and the option
    // is already in use.
    const QStringList slowPin = analysed(faster, cores, 1).warnings.filter(QStringLiteral("slower core"));
    QCOMPARE(slowPin.size(), 1);
    QVERIFY2(!slowPin.first().contains(QStringLiteral("--baseline-core")), qPrintable(slowPin.first()));
    // Pinned to the fastest core, the baseline's core is not to blame, and the warning does not say it is.
    const QStringList pinned = analysed(faster, cores, 0).warnings.filter(QStringLiteral("threads x2: "));
    QCOMPARE(pinned.size(), 1);
    QVERIFY2(pinned.first().contains(QStringLiteral("although the baseline ran on the fastest core (0)")),
        qPrintable(pinned.first()));
    QVERIFY2(!pinned.first().contains(QStringLiteral("slower core")), qPrintable(pinned.first()));
    QVERIFY2(pinned.first().contains(QStringLiteral("its speedup is above the worker count and its tasks needed")),
        qPrintable(pinned.first()));
    // Faster tasks below the worker count (1.82x of 2): the warning does not say the speedup is above it.
    const RunResult below
        = analysed({ measurement(QStringLiteral("sequential"), 1, 4.0, account(0, 0, 0, 4, 4, 0)),
                       measurement(QStringLiteral("threads"), 2, 2.2, account(0, 0, 1.4, 3.0, 3.0, 0)) },
            cores, 0);
    QVERIFY(below.measurements[1].speedup < 2);
    const QStringList belowWarned = below.warnings.filter(QStringLiteral("threads x2: "));
    QCOMPARE(belowWarned.size(), 1);
    QVERIFY2(belowWarned.first().startsWith(QStringLiteral("threads x2: its tasks needed 23% less CPU")),
        qPrintable(belowWarned.first()));

    const RunResult fair = analysed({ measurement(QStringLiteral("sequential"), 1, 4.0, account(0, 0, 0, 4, 4, 0)),
        measurement(QStringLiteral("threads"), 2, 2.2, account(0, 0, 0.4, 4.0, 4.0, 0)) });
    QVERIFY(fair.warnings.filter(QStringLiteral("slower core")).isEmpty());
}

void TestLosses::waitingForACoreWarnsOfABusyMachine()
{
    const RunResult busy = analysed({ measurement(QStringLiteral("sequential"), 1, 4.0, account(0, 0, 0, 4, 2.8, 1.2)),
        measurement(QStringLiteral("threads"), 2, 3.0, account(0, 0, 0, 6, 4, 2)) });
    const QStringList found = busy.warnings.filter(QStringLiteral("the machine was busy during the run"));
    QCOMPARE(found.size(), 1);
    QVERIFY2(found.first().contains(QStringLiteral("33% of their time (threads x2)")), qPrintable(found.first()));
    const RunResult quiet = analysed({ measurement(QStringLiteral("sequential"), 1, 4.0, account(0, 0, 0, 4, 3.9, 0.1)),
        measurement(QStringLiteral("threads"), 2, 2.1, account(0, 0, 0, 4.2, 4, 0.2)) });
    QVERIFY(quiet.warnings.filter(QStringLiteral("busy during the run")).isEmpty());
}

void TestLosses::slowdownThatVariesIsTheMachine()
{
    Measurement threads = measurement(QStringLiteral("threads"), 2, 0, {});
    threads.samplesS = { 3.0, 2.6, 3.4, 2.8, 3.2 };
    // In-task CPU 4.0 .. 7.6 s against the baseline's 4.0: the median repeat's (the first) slowdown is 20% of the
    // 6 worker-seconds, the interquartile range of the repeats' CPU time 43%.
    threads.accounts = { account(0, 0, 0, 6.0, 5.2, 0), account(0, 0, 0, 4.8, 4.0, 0), account(0, 0, 0, 8.4, 7.6, 0),
        account(0, 0, 0, 5.0, 4.2, 0), account(0, 0, 0, 7.6, 6.8, 0) };
    const RunResult r
        = analysed({ measurement(QStringLiteral("sequential"), 1, 4.0, account(0, 0, 0, 4, 4, 0)), threads });
    QVERIFY(r.measurements[1].losses.slowdown > 0.05);
    QVERIFY(r.measurements[1].losses.slowdownSpread > r.measurements[1].losses.slowdown);
    QCOMPARE(r.warnings.filter(QStringLiteral("the machine's speed drifted, not the backend")).size(), 1);

    for (RepeatAccount& a : threads.accounts)
        a.taskCpuS = 5.2; // the same slowdown every repeat: the backend's own
    const RunResult steady
        = analysed({ measurement(QStringLiteral("sequential"), 1, 4.0, account(0, 0, 0, 4, 4, 0)), threads });
    QVERIFY(steady.warnings.filter(QStringLiteral("drifted")).isEmpty());
}

// sleep 400, 100, 100 ms on 2 threads: one thread sleeps 400 ms while the other is done after 200, so 200 of the
// 800 worker-milliseconds are the idle tail. Sleeping is useful work by definition (the baseline sleeps as long).
// On a loaded machine sleeps overrun by tens of milliseconds, which moves the other parts a little, not this one.
void TestLosses::realRunPutsUnevenTasksInImbalance()
{
    ExperimentSpec spec;
    spec.kernel = QStringLiteral("sleep");
    spec.inputs = { 400, 100, 100 };
    spec.backends = { QStringLiteral("sequential"), QStringLiteral("threads") };
    spec.workers = { 2 };
    spec.repeats = 3;
    spec.warmup = 0;
    const RunResult result = testsupport::runToEnd(spec).result;
    QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
    const Measurement* threads = result.find(QStringLiteral("threads"), 2);
    QVERIFY(threads);
    QCOMPARE(threads->accounts.size(), threads->samplesS.size());
    const Losses& l = threads->losses;
    const QString summary = Accounting::summary(l);
    QVERIFY2(l.imbalance > 0.15 && l.imbalance < 0.35, qPrintable(summary));
    for (const Accounting::Part& part : Accounting::parts())
        QVERIFY2(part.share == &Losses::imbalance || !(l.*part.share > l.imbalance), qPrintable(summary));
    QVERIFY(near(partsAndUseful(l), 1));
}

// On real runs of every backend that runs here: each repeat's account covers exactly its workers x wall time (no
// worker beyond the count, no task outside the repeat), and the split adds up.
void TestLosses::everyBackendAccountsForEveryWorkerSecond()
{
    for (const BackendFacts& facts : BackendRegistry::all()) {
        if (!BackendRegistry::availability(facts.id, RunOptions {}).available)
            continue;
        ExperimentSpec spec;
        spec.kernel = QStringLiteral("fib");
        spec.inputs = { 24, 23, 22, 21, 24 };
        spec.backends = { facts.id };
        spec.workers = { 2 };
        spec.repeats = 2;
        spec.warmup = 0;
        const RunResult result = testsupport::runToEnd(spec).result;
        QVERIFY2(result.error.isEmpty(), qPrintable(facts.id + QStringLiteral(": ") + result.error));
        const Measurement* m = result.find(facts.id, facts.usesWorkers ? 2 : 1);
        QVERIFY2(m, qPrintable(facts.id));
        QCOMPARE(m->accounts.size(), m->samplesS.size());
        for (qsizetype i = 0; i < m->accounts.size(); ++i) {
            const RepeatAccount& a = m->accounts[i];
            const double workerSeconds = m->workers * m->samplesS[i];
            const double accounted
                = a.startupS + a.dispatchS + a.tailS + a.taskS + (std::isfinite(a.lockIdleS) ? a.lockIdleS : 0.0);
            QVERIFY2(std::abs(accounted - workerSeconds) <= 1e-6 * std::max(1.0, workerSeconds),
                qPrintable(QStringLiteral("%1: accounted %2 s of %3 worker-seconds")
                               .arg(m->label())
                               .arg(accounted)
                               .arg(workerSeconds)));
        }
        // Threads of this process count the workers that began on another CPU than the runner's thread.
        const bool threadsHere = facts.usesWorkers && facts.footprint.processes <= 0 && !facts.runsPython;
        for (const RepeatAccount& a : std::as_const(m->accounts)) {
            QVERIFY2(threadsHere ? a.startedAway >= 0 && a.startedAway <= m->workers : std::isnan(a.startedAway),
                qPrintable(QStringLiteral("%1: %2 started away").arg(m->label()).arg(a.startedAway)));
        }
        QVERIFY2(std::isfinite(m->losses.useful), qPrintable(m->label()));
        QVERIFY2(near(partsAndUseful(m->losses), 1), qPrintable(m->label()));
    }
}

QTEST_GUILESS_MAIN(TestLosses)
#include "tst_losses.moc"
