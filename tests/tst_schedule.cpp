// Tests the schedule simulator that predicts unmeasured worker counts: self-scheduling in input order, chunks,
// processor sharing beyond the cores, a dispatcher that serves one worker at a time, and the calibration from a
// run's accounts, on cases scheduled by hand in the comments.

#include "measurement.h"
#include "runresult.h"
#include "stats/analysis.h"
#include "stats/schedule.h"
#include "workerstarts.h"

#include <QTest>
#include <cmath>

using namespace parlab;

Q_DECLARE_METATYPE(parlab::Schedule::Setup)

class TestSchedule final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void wallTime_data();
    void wallTime();
    void inputOrderIsNotLongestFirst();
    void calibrationReproducesItsOwnMeasurement();
    void calibrationNeedsTheMeasurementAndBaseline();
    void predictionFromLossesWhenNoAccounts();
    void weakRunsPredictTheGrownTasks();
    void startupLagsAsMeasuredBetweenCounts();
    void startupLagFromWorkersStartedAtOnce();
    void calibrationStartsWorkersAsLateAsMeasured();
    void workersAfterTheFirstStartAsTheRepeatsAway();
    void handOutsSlowWhereWorkersTakeThemAtOnce();
    void servedHandOutsSlowWithMoreWorkersServed();
};

namespace {
Schedule::Setup setup(QList<double> costs, int workers, int cores, Schedule::Costs c = {}, int chunk = 1)
{
    Schedule::Setup s;
    s.costsS = std::move(costs);
    s.workers = workers;
    s.cores = cores;
    s.chunk = chunk;
    s.costs = std::move(c);
    return s;
}

Schedule::Setup hosts(Schedule::Setup s, QList<int> hostCores, double hopS)
{
    s.hostCores = std::move(hostCores);
    s.hopS = hopS;
    return s;
}

Schedule::Costs costs(double startup, double startupShare, double dispatch, double dispatchShare, double finish = 0)
{
    Schedule::Costs c;
    c.startupS = startup;
    c.startupSerialShare = startupShare;
    c.dispatchS = dispatch;
    c.dispatchSerialShare = dispatchShare;
    c.finishS = finish;
    return c;
}
} // namespace

void TestSchedule::wallTime_data()
{
    QTest::addColumn<Schedule::Setup>("setup");
    QTest::addColumn<double>("expected");

    // 16 x 20 ms: 8 each on 2 workers.
    QTest::newRow("spin 20x16, 2 workers") << setup(QList<double>(16, 0.020), 2, 2) << 0.160;
    // More workers than inputs: one input each, the rest idle.
    QTest::newRow("more workers than inputs") << setup(QList<double>(3, 1.0), 8, 8) << 1.0;
    // 4 workers on 2 cores: all four tasks run at half speed, 2 s.
    QTest::newRow("4 workers share 2 cores") << setup(QList<double>(4, 1.0), 4, 2) << 2.0;
    // 3 workers on 2 cores, 3 tasks: 1.5 s, every task at two thirds of a core.
    QTest::newRow("3 workers share 2 cores") << setup(QList<double>(3, 1.0), 3, 2) << 1.5;
    // Start-up 1 s, all at the dispatcher: worker 0 starts at 1, worker 1 at 2; tasks of 1 s: ends 2 and 3.
    QTest::newRow("serial start-up") << setup({ 1, 1 }, 2, 2, costs(1, 1, 0, 0)) << 3.0;
    // Start-up all the worker's own: both start at 1, end at 2; then a finish of 0.5.
    QTest::newRow("own start-up, finish") << setup({ 1, 1 }, 2, 2, costs(1, 0, 0, 0, 0.5)) << 2.5;
    // 100 empty tasks, a hand-out of 10 ms all at the dispatcher: the 96 after each worker's first (its start-up,
    // free here) one at a time, whatever the workers: 0.96 s. The dispatcher is the bottleneck that noop shows.
    QTest::newRow("serial dispatch, 4 workers") << setup(QList<double>(100, 0.0), 4, 8, costs(0, 0, 0.010, 1)) << 0.96;
    // The same hand-outs done by the workers themselves: 96 after the 4 first, 24 each, 0.24 s.
    QTest::newRow("own dispatch, 4 workers") << setup(QList<double>(100, 0.0), 4, 8, costs(0, 0, 0.010, 0)) << 0.24;
    // Chunks of 4 of 8 inputs on 2 workers: one hand-out each, 4 x 1 s each.
    QTest::newRow("chunks") << setup(QList<double>(8, 1.0), 2, 2, costs(0, 0, 0.5, 1), 4) << 4.0;
    // Chunks of 3 of 8: 3 hand-outs (0..2, 3..5, 6..7) on 2 workers; the third after worker 0's first chunk ends at
    // 3 s, plus 0.5 s hand-out, plus 2 tasks: 5.5 s.
    QTest::newRow("uneven chunks") << setup(QList<double>(8, 1.0), 2, 2, costs(0, 0, 0.5, 1), 3) << 5.5;
    // Slowdown 1.5: 3 s of tasks on one worker take 4.5 s.
    Schedule::Costs slower;
    slower.slowdown = 1.5;
    QTest::newRow("slowdown") << setup({ 1, 1, 1 }, 1, 1, slower) << 4.5;
    QTest::newRow("no inputs") << setup({}, 4, 4, costs(0.25, 0, 0, 0, 0.5)) << 0.75;
    // Two empty tasks, 2 workers whose start-up of 1 s is half the creator's: the first runs both at 1 s; the second
    // starts at 1.5 s and finds nothing. Threads are joined: 1.5 s; a pool's batch ends with its last task: 1 s.
    Schedule::Costs joined = costs(1, 0.5, 0, 0);
    joined.joinsWorkers = true;
    QTest::newRow("joins every worker") << setup({ 0, 0 }, 2, 2, joined) << 1.5;
    QTest::newRow("ends with the last task") << setup({ 0, 0 }, 2, 2, costs(1, 0.5, 0, 0)) << 1.0;
    // Two hosts of one core: each worker has a core of its own, where one host of one core shares it.
    QTest::newRow("two hosts") << hosts(setup({ 1, 1 }, 2, 1), { 1, 1 }, 0) << 1.0;
    QTest::newRow("one host") << setup({ 1, 1 }, 2, 1) << 2.0;
    // The second worker's host is a hop of 0.5 s away from the dispatcher: its request and the reply take 1 s, so
    // it starts input 1 at 1 s; the first runs 0, 2 and 3 (ends 3 s) while the second's next request is under way.
    QTest::newRow("a hop away") << hosts(setup(QList<double>(4, 1.0), 2, 1), { 1, 1 }, 0.5) << 3.0;
    QTest::newRow("no hop") << hosts(setup(QList<double>(4, 1.0), 2, 1), { 1, 1 }, 0) << 2.0;
    // By slot: 3 workers on hosts of 2 and 1 cores, the first two on the first host; 3 tasks each on a core.
    QTest::newRow("placed by slot") << hosts(setup(QList<double>(3, 1.0), 3, 1), { 2, 1 }, 0) << 1.0;
    // 4 workers on those 3 slots: the fourth goes round to the first host again, 3 tasks on its 2 cores there.
    QTest::newRow("round again") << hosts(setup(QList<double>(4, 1.0), 4, 1), { 2, 1 }, 0) << 1.5;
    // A start-up of 1 s alone, and the second of two started at once 0.5 s later, all their own: the first starts at
    // 1 and ends at 2, the second starts at 1.5 and ends at 2.5; one worker alone still starts at 1.
    Schedule::Costs lagged = costs(1, 0, 0, 0);
    lagged.startupLagS = { { 1, 0.0 }, { 2, 0.5 } };
    QTest::newRow("the second of 2 starts later") << setup({ 1, 1 }, 2, 2, lagged) << 2.5;
    QTest::newRow("start-up alone at 1 worker") << setup({ 1, 1 }, 1, 2, lagged) << 3.0;
    // More workers than inputs start only as many as there are inputs: 2, at 1 and 1.5.
    QTest::newRow("as late as the workers started") << setup({ 1, 1 }, 8, 8, lagged) << 2.5;
    // A process per task starts one for every hand-out too, which takes what one more start at once adds: with the
    // same lag, four 1 s tasks on two workers, hand-outs of 1 s alone: the first starts at 1, runs a task, takes 1.5
    // for its next and ends at 4.5; the second starts at 1.5 and ends at 5 (at 4.5 where only the start lags). One
    // worker alone: 1 + 4 + 3 hand-outs of 1 s = 8 s.
    Schedule::Costs spawned = costs(1, 0, 1, 0);
    spawned.startupLagS = lagged.startupLagS;
    spawned.handOutStarts = true;
    QTest::newRow("hand-outs that start a process lag") << setup(QList<double>(4, 1.0), 2, 2, spawned) << 5.0;
    spawned.handOutStarts = false;
    QTest::newRow("hand-outs that start nothing do not") << setup(QList<double>(4, 1.0), 2, 2, spawned) << 4.5;
    spawned.handOutStarts = true;
    QTest::newRow("hand-outs alone at 1 worker") << setup(QList<double>(4, 1.0), 1, 2, spawned) << 8.0;
}

void TestSchedule::wallTime()
{
    QFETCH(Schedule::Setup, setup);
    QFETCH(double, expected);
    QVERIFY2(std::abs(Schedule::wallTime(setup) - expected) < 1e-9,
        qPrintable(QStringLiteral("%1 s, expected %2 s").arg(Schedule::wallTime(setup)).arg(expected)));
}

void TestSchedule::inputOrderIsNotLongestFirst()
{
    // fib 30..36 in input order on 2 workers (costs in fib(30)s, rounded to the golden ratio): w0 takes 30 (1),
    // w1 31 (1.618); w0 32 at 1 -> 3.618; w1 33 at 1.618 -> 5.854; w0 34 at 3.618 -> 10.472; w1 35 at 5.854
    // -> 16.944; w0 36 at 10.472 -> 28.416. Longest first would end at 27.4: self-scheduling in input order does
    // not find that schedule, and the prediction must not either.
    const QList<double> fib { 1, 1.618, 2.618, 4.236, 6.854, 11.090, 17.944 };
    QCOMPARE(std::round(Schedule::wallTime(setup(fib, 2, 2)) * 1000), 28416.0);
}

namespace {
// A run of `workers` of backend `id` over 16 x 20 ms tasks: the baseline's repeats at 0.33 s, and accounts of
// 10 ms start-up, 1 ms per hand-out and 2 ms after the last task per repeat at one worker.
RunResult spinRun(const QString& id)
{
    RunResult r;
    r.spec.kernel = QStringLiteral("spin");
    r.spec.inputs = QList<qint64>(16, 20);
    r.spec.backends = { QStringLiteral("sequential"), id };
    r.spec.workers = { 1, 2 };
    r.environment.logicalCores = 2;
    r.bounds.taskCostsS = QList<double>(16, 0.020);
    Measurement base;
    base.backend = QStringLiteral("sequential");
    base.samplesS = { 0.33, 0.33, 0.33 };
    RepeatAccount b; // 10 ms between its tasks, recording them
    b.startupS = 0;
    b.dispatchS = 0.010;
    b.tailS = 0;
    b.taskS = 0.320;
    base.accounts = { b, b, b };
    Measurement one;
    one.backend = id;
    one.workers = 1;
    RepeatAccount a;
    a.startupS = 0.010;
    a.dispatchS = 0.015;
    a.tailS = 0.002;
    a.taskS = 0.320;
    one.accounts = { a, a, a };
    one.samplesS = { 0.347, 0.347, 0.347 };
    r.measurements = { base, one };
    r.completedRuns = r.plannedRuns = 6;
    analyse(r, Intervals::Skip);
    return r;
}
} // namespace

void TestSchedule::calibrationReproducesItsOwnMeasurement()
{
    // At one worker the model spends what was measured: 10 + 320 + 15 + 2 ms = 347 ms. At two, on 2 cores, 8 tasks
    // and 7 hand-outs of 1 ms each, and the second worker's start waits for the first's serial part:
    // - threads (half of a start serial, hand-outs their own): starts at 10 and 15 ms, the later one ends at
    //   15 + 160 + 7 = 182 ms, then 2 ms: 184 ms;
    // - processes (a quarter of a start serial, each hand-out the parent's, the two never colliding): starts
    //   at 10 and 12.5 ms, ends 12.5 + 167 = 179.5 ms, then 2 ms: 181.5 ms.
    const QList<QPair<QString, double>> cases { { QStringLiteral("threads"), 0.184 },
        { QStringLiteral("processes"), 0.1815 } };
    for (const auto& [id, twoS] : cases) {
        const RunResult r = spinRun(id);
        const Schedule::Calibration cal = Schedule::calibrate(r, id, 1);
        QVERIFY2(cal.error.isEmpty(), qPrintable(cal.error));
        QCOMPARE(std::round(Schedule::speedup(cal, 1, 2) * 1e4), std::round(0.330 / 0.347 * 1e4));
        QCOMPARE(std::round(Schedule::predictedSpeedup(r, id, 1) * 1e4), std::round(0.330 / 0.347 * 1e4));
        QCOMPARE(std::round(Schedule::speedup(cal, 2, 2) * 1e4), std::round(0.330 / twoS * 1e4));
        // On one core two workers share it: no faster than one.
        QVERIFY(Schedule::speedup(cal, 2, 1) <= Schedule::speedup(cal, 1, 1) + 1e-9);
    }
}

void TestSchedule::calibrationNeedsTheMeasurementAndBaseline()
{
    RunResult r = spinRun(QStringLiteral("threads"));
    const Schedule::Calibration missing = Schedule::calibrate(r, QStringLiteral("threads"), 4);
    QCOMPARE(missing.error, QStringLiteral("threads has no measurement at 4 workers"));
    QVERIFY(std::isnan(Schedule::speedup(missing, 4, 4)));
    r.measurements.removeFirst();
    const Schedule::Calibration noBase = Schedule::calibrate(r, QStringLiteral("threads"), 1);
    QCOMPARE(noBase.error, QStringLiteral("the run has no sequential baseline to predict threads's speedup against"));
}

void TestSchedule::predictionFromLossesWhenNoAccounts()
{
    // A run read from a JSON export has its median repeat's losses and no task costs: equal tasks from the
    // baseline, start-up and hand-outs from the shares, and the same prediction within a percent.
    const RunResult full = spinRun(QStringLiteral("threads"));
    RunResult file = full;
    file.bounds.taskCostsS.clear();
    file.measurements[1].accounts.clear();
    const Schedule::Calibration cal = Schedule::calibrate(file, QStringLiteral("threads"), 1);
    QVERIFY(!cal.note.isEmpty());
    const double fromFile = Schedule::speedup(cal, 2, 2);
    const double fromRun = Schedule::predictedSpeedup(full, QStringLiteral("threads"), 2);
    QVERIFY2(
        std::abs(fromFile / fromRun - 1) < 0.05, qPrintable(QStringLiteral("%1 vs %2").arg(fromFile).arg(fromRun)));
}

void TestSchedule::weakRunsPredictTheGrownTasks()
{
    // A weak run's 2 workers run twice the work: spin's 16 tasks of 40 ms (its size rule), fib's 32 tasks (its inputs
    // twice over), and the prediction is a scaled speedup, 2 x 330 ms over the wall time. threads on 2 cores, as in
    // calibrationReproducesItsOwnMeasurement: the later worker starts at 15 ms.
    // - spin: 8 tasks of 40 ms and 7 hand-outs of 1 ms, then 2 ms: 15 + 320 + 7 + 2 = 344 ms;
    // - fib: 16 tasks of 20 ms and 15 hand-outs: 15 + 320 + 15 + 2 = 352 ms.
    const QList<QPair<QString, double>> cases { { QStringLiteral("spin"), 0.344 }, { QStringLiteral("fib"), 0.352 } };
    for (const auto& [kernel, twoS] : cases) {
        RunResult r = spinRun(QStringLiteral("threads"));
        r.spec.kernel = kernel;
        r.spec.options.scaling = ScalingKind::Weak;
        analyse(r, Intervals::Skip);
        const Schedule::Calibration cal = Schedule::calibrate(r, QStringLiteral("threads"), 1);
        QVERIFY2(cal.error.isEmpty(), qPrintable(cal.error));
        // At its own count the calibration is the measurement; at two, the grown tasks.
        QCOMPARE(std::round(Schedule::speedup(cal, 1, 2) * 1e4), std::round(0.330 / 0.347 * 1e4));
        QCOMPARE(std::round(Schedule::speedup(cal, 2, 2) * 1e4), std::round(2 * 0.330 / twoS * 1e4));
    }
}

void TestSchedule::startupLagsAsMeasuredBetweenCounts()
{
    Schedule::Costs c;
    c.startupS = 0.010;
    QCOMPARE(Schedule::startupAt(c, 64), 0.010); // nothing measured: a start never delays another
    c.startupLagS = { { 1, 0.0 }, { 2, 0.004 }, { 4, 0.006 } };
    // The k-th worker started.
    const auto ms = [&c](int k) { return std::round(Schedule::startupAt(c, k) * 1e6) / 1e3; };
    QCOMPARE(ms(1), 10.0);
    QCOMPARE(ms(2), 14.0);
    QCOMPARE(ms(3), 15.0); // between two counts measured: linear
    QCOMPARE(ms(4), 16.0);
    QCOMPARE(ms(8), 20.0); // beyond the last: 1 ms a worker more, as between the last two
    // A lag that fell between the last two counts (noise, or starts that overlap better) is not carried beyond: a
    // later worker never starts sooner than the last one measured.
    c.startupLagS = { { 1, 0.0 }, { 2, 0.004 }, { 4, 0.002 } };
    QCOMPARE(ms(3), 13.0);
    QCOMPARE(ms(16), 12.0);
    // Never below nothing.
    c.startupLagS = { { 1, 0.0 }, { 2, -0.020 } };
    QCOMPARE(Schedule::startupAt(c, 2), 0.0);
}

namespace {
// A probe of `id`'s starts: at one worker a batch of 30 ms, 10 of them after its task; at two, 55 ms, 12 after.
// spinRun's backend measured at 2 workers as well, 3 repeats of `wallS` whose accounts sum over the workers the
// start-ups, hand-outs and finishes given.
void addTwoWorkers(RunResult& r, double startupS, double dispatchS, double tailS, double wallS)
{
    Measurement two = r.measurements[1];
    two.workers = 2;
    RepeatAccount a;
    a.startupS = startupS;
    a.dispatchS = dispatchS;
    a.tailS = tailS;
    a.taskS = 0.320;
    two.accounts = { a, a, a };
    two.samplesS = { wallS, wallS, wallS };
    r.measurements.append(two);
    analyse(r, Intervals::Skip);
}

WorkerStarts probe(const QString& id)
{
    WorkerStarts w;
    w.backend = id;
    w.rounds = 11;
    w.counts = { { 1, 0.030, 0.010, {} },
        { 2, 0.055, 0.012, {} } }; // medians alone, as a file written before the rounds were kept
    return w;
}
} // namespace

void TestSchedule::startupLagFromWorkersStartedAtOnce()
{
    // One worker alone: a batch of 30 ms, its task done at 20. Two: 55 ms, the tasks done at 43: the last of them
    // started 23 ms later than one alone, and the two took 2 ms longer to end after it (joining both).
    const QList<QPair<int, double>> lags = Schedule::startupLag(probe(QStringLiteral("threads")));
    QCOMPARE(lags.size(), 2);
    QCOMPARE(lags[0], (QPair<int, double>(1, 0.0)));
    QCOMPARE(lags[1].first, 2);
    QCOMPARE(std::round(lags[1].second * 1e6), 23000.0);
    const QList<QPair<int, double>> finish = Schedule::finishGrowth(probe(QStringLiteral("threads")));
    QCOMPARE(finish.size(), 2);
    QCOMPARE(finish[0], (QPair<int, double>(1, 0.0)));
    QCOMPARE(std::round(finish[1].second * 1e6), 2000.0);
    // A file without the finishes: the whole batch's difference is the lag, and the finish does not grow.
    WorkerStarts unfinished = probe(QStringLiteral("threads"));
    unfinished.counts[0].finishS = kUnknown;
    QCOMPARE(std::round(Schedule::startupLag(unfinished).value(1).second * 1e6), 25000.0);
    QCOMPARE(Schedule::finishGrowth(unfinished).value(1).second, 0.0);
    // One count is no lag; nor is a batch of one that was not measured.
    WorkerStarts one = probe(QStringLiteral("threads"));
    one.counts.removeLast();
    QVERIFY(Schedule::startupLag(one).isEmpty());
    WorkerStarts unmeasured = probe(QStringLiteral("threads"));
    unmeasured.counts.first().wallS = kUnknown;
    QVERIFY(Schedule::startupLag(unmeasured).isEmpty());

    // With each round's batch kept (5 rounds, a process per task's): every batch of two after every batch of one is
    // a lag (a rank-sum p of 0.008); batches of two among those of one are none, whatever their medians say, and
    // neither is their finish's growth.
    WorkerStarts rounds = probe(QStringLiteral("process-per-task"));
    rounds.counts[0].wallSamplesS = { 0.028, 0.029, 0.030, 0.031, 0.032 };
    rounds.counts[1].wallSamplesS = { 0.053, 0.054, 0.055, 0.056, 0.057 };
    QCOMPARE(std::round(Schedule::startupLag(rounds).value(1).second * 1e6), 23000.0);
    rounds.counts[1].wallS = 0.031;
    rounds.counts[1].wallSamplesS = { 0.027, 0.029, 0.031, 0.033, 0.035 };
    QCOMPARE(Schedule::startupLag(rounds).value(1), (QPair<int, double>(2, 0.0)));
    QCOMPARE(Schedule::finishGrowth(rounds).value(1), (QPair<int, double>(2, 0.0)));
    // And the prediction says so.
    RunResult r = spinRun(QStringLiteral("process-per-task"));
    r.environment.workerStarts = { rounds };
    const Schedule::Calibration cal = Schedule::calibrate(r, QStringLiteral("process-per-task"), 1);
    QVERIFY2(cal.note.contains(
                 QStringLiteral("the last of 2 reached its task no later than one alone, within the rounds' spread")),
        qPrintable(cal.note));
}

void TestSchedule::calibrationStartsWorkersAsLateAsMeasured()
{
    // spinRun's threads, with the probe above in its environment: the second of two started at once 23 ms later
    // than one alone, and two end 2 ms later than one after their last task. At one worker nothing changes: 347 ms,
    // the measurement. At two, the first starts at 10 ms and the second at 33, all their own (the lag holds the
    // creator's part); each takes its next task 1 ms after its last ends: the first takes them at 10, 31, 52, ...,
    // the second at 33, 54, ..., so the first takes the 16th at 178 and ends at 198, while the second finds nothing
    // at 180: 198 + 2 + 2 = 202 ms, where without the probe (half a start the creator's: 10 and 15 ms) it was 184 ms.
    RunResult r = spinRun(QStringLiteral("threads"));
    r.environment.workerStarts = { probe(QStringLiteral("threads")) };
    const Schedule::Calibration cal = Schedule::calibrate(r, QStringLiteral("threads"), 1);
    QVERIFY2(cal.error.isEmpty(), qPrintable(cal.error));
    QCOMPARE(cal.setup.costs.startupSerialShare, 0.0);
    QCOMPARE(std::round(Schedule::speedup(cal, 1, 2) * 1e4), std::round(0.330 / 0.347 * 1e4));
    QCOMPARE(std::round(Schedule::speedup(cal, 2, 2) * 1e4), std::round(0.330 / 0.202 * 1e4));
    QVERIFY2(cal.note.contains(QStringLiteral("start-up measured with 1 to 2 workers started at once")),
        qPrintable(cal.note));
    QVERIFY2(cal.note.contains(QStringLiteral("the last of 2 reached its task +23000.0 µs after one alone, and "
                                              "ended +2000.0 µs later after its last task")),
        qPrintable(cal.note));
    // Another backend's probe is not this one's.
    r.environment.workerStarts = { probe(QStringLiteral("qtconcurrent")) };
    QCOMPARE(
        std::round(Schedule::predictedSpeedup(r, QStringLiteral("threads"), 2) * 1e4), std::round(0.330 / 0.184 * 1e4));

    // Calibrated at two workers, the prediction there is still the measurement, and the start-ups measured there
    // (10 and 33 ms) are one alone's and the second's lag.
    r.environment.workerStarts = { probe(QStringLiteral("threads")) };
    addTwoWorkers(r, 0.043, 0.014, 0.027, 0.202); // finish: 4 ms after the first's last task, 23 after the second's
    const Schedule::Calibration atTwo = Schedule::calibrate(r, QStringLiteral("threads"), 2);
    QVERIFY2(atTwo.error.isEmpty(), qPrintable(atTwo.error));
    QCOMPARE(std::round(atTwo.setup.costs.startupS * 1e6), 10000.0);
    QCOMPARE(std::round(Schedule::startupAt(atTwo.setup.costs, 2) * 1e6), 33000.0);
    QCOMPARE(std::round(Schedule::speedup(atTwo, 2, 2) * 1e4), std::round(0.330 / 0.202 * 1e4));
    QCOMPARE(atTwo.setup.costs.slowdown, cal.setup.costs.slowdown); // the same tasks' cost, seen from either count
}

void TestSchedule::workersAfterTheFirstStartAsTheRepeatsAway()
{
    // spinRun's threads and the probe, over 7 repeats at one worker: 4 whose thread ran on its starter's core (start-up
    // 10 ms, 2 ms after the last task: 347 ms, the median) and 3 on another (40 ms and 6 ms: 381 ms). At one worker
    // the prediction is the median, 347 ms. At two the second starts as those 3 did, 40 ms, and the probe's 23 ms
    // later: at 63 ms. The first takes tasks at 10, 31, 52, 73, ..., 178 (the 15th, ending 198), the second at 63,
    // 84, ..., 189 (the 16th, ending 209), then a finish of 6 ms and the probe's 2 more: 217 ms (202 with every worker
    // starting as the median, calibrationStartsWorkersAsLateAsMeasured).
    RunResult r = spinRun(QStringLiteral("threads"));
    r.environment.workerStarts = { probe(QStringLiteral("threads")) };
    Measurement& one = r.measurements[1];
    RepeatAccount home = one.accounts.constFirst();
    home.startedAway = 0;
    RepeatAccount away = home;
    away.startedAway = 1;
    away.startupS = 0.040;
    away.tailS = 0.006;
    one.accounts = { home, away, home, away, home, away, home };
    one.samplesS = { 0.347, 0.381, 0.347, 0.381, 0.347, 0.381, 0.347 };
    analyse(r, Intervals::Skip);
    const Schedule::Calibration cal = Schedule::calibrate(r, QStringLiteral("threads"), 1);
    QVERIFY2(cal.error.isEmpty(), qPrintable(cal.error));
    QCOMPARE(std::round(Schedule::speedup(cal, 1, 2) * 1e4), std::round(0.330 / 0.347 * 1e4));
    QCOMPARE(std::round(Schedule::speedup(cal, 2, 2) * 1e4), std::round(0.330 / 0.217 * 1e4));
    QVERIFY2(cal.note.contains(QStringLiteral("the workers after the first start as the 3 of 7 repeats at 1 worker "
                                              "whose thread ran on another core than its starter's (start-up "
                                              "40000.0 µs, finish 6000.0 µs)")),
        qPrintable(cal.note));

    // Two repeats away are too few to tell: every worker starts as the median.
    one.accounts[5].startedAway = 0;
    QCOMPARE(
        std::round(Schedule::predictedSpeedup(r, QStringLiteral("threads"), 2) * 1e4), std::round(0.330 / 0.202 * 1e4));
    // Unknown (a run before the count was kept) is not away.
    one.accounts[5].startedAway = kUnknown;
    QVERIFY(!Schedule::calibrate(r, QStringLiteral("threads"), 1).note.contains(QStringLiteral("repeats at 1 worker")));
    // A pool's workers are not started per batch: its repeats away change nothing.
    RunResult pool = r;
    pool.spec.backends[1] = QStringLiteral("processes");
    pool.measurements[1].backend = QStringLiteral("processes");
    pool.measurements[1].accounts[5].startedAway = 1;
    pool.environment.workerStarts = {};
    const Schedule::Calibration served = Schedule::calibrate(pool, QStringLiteral("processes"), 1);
    QVERIFY(std::isnan(served.setup.costs.awayStartupS));
}

void TestSchedule::handOutsSlowWhereWorkersTakeThemAtOnce()
{
    // The probe's hand-out batches: a noop task and its hand-out took 0.5 ms on one worker, 3.5 ms on each of two
    // taking theirs at once and 8.5 ms on each of four: 3 ms longer at two, 8 at four. A count without the figure is
    // left out of the curve; without one worker's there is none, nor with one count alone.
    WorkerStarts starts = probe(QStringLiteral("threads"));
    starts.counts = { { 1, 0.030, 0.010, {}, 0.0005 }, { 2, 0.055, 0.012, {}, 0.0035 }, { 3, 0.060, 0.012, {} },
        { 4, 0.070, 0.013, {}, 0.0085 } };
    const QList<QPair<int, double>> growth = Schedule::handOutGrowth(starts);
    QCOMPARE(growth.size(), 3);
    QCOMPARE(growth[0], (QPair<int, double>(1, 0.0)));
    QCOMPARE(growth[1].first, 2);
    QCOMPARE(std::round(growth[1].second * 1e6), 3000.0);
    QCOMPARE(growth[2].first, 4);
    QCOMPARE(std::round(growth[2].second * 1e6), 8000.0);
    WorkerStarts unknownAlone = starts;
    unknownAlone.counts[0].handOutS = kUnknown;
    QVERIFY(Schedule::handOutGrowth(unknownAlone).isEmpty());
    WorkerStarts alone = starts;
    alone.counts = { starts.counts[0] };
    QVERIFY(Schedule::handOutGrowth(alone).isEmpty());

    // spinRun's threads with that probe at 1 and 2 (the start lag of 23 ms, the finish 2 ms longer): at one worker
    // nothing changes, 347 ms. At two each hand-out takes 1 + 3 ms: the first takes tasks at 10, 34, 58, ..., 178,
    // the second at 33, 57, ..., 177 and the 16th at 201, ending at 221; then 2 + 2 ms: 225 ms (202 without).
    RunResult r = spinRun(QStringLiteral("threads"));
    starts.counts.remove(2, 2);
    r.environment.workerStarts = { starts };
    const Schedule::Calibration cal = Schedule::calibrate(r, QStringLiteral("threads"), 1);
    QVERIFY2(cal.error.isEmpty(), qPrintable(cal.error));
    QCOMPARE(cal.setup.costs.handOutGrowthS.size(), 2);
    QVERIFY2(cal.note.contains(QStringLiteral("a noop task and its hand-out took +3000.000 µs longer on each of 2 "
                                              "workers taking theirs at once than on one")),
        qPrintable(cal.note));
    QCOMPARE(std::round(Schedule::speedup(cal, 1, 2) * 1e4), std::round(0.330 / 0.347 * 1e4));
    QCOMPARE(std::round(Schedule::speedup(cal, 2, 2) * 1e4), std::round(0.330 / 0.225 * 1e4));

    // Calibrated at two, the hand-outs measured there (4 ms each, 14 of them) are one alone's and the growth.
    addTwoWorkers(r, 0.043, 0.056, 0.031, 0.225); // finish: 27 ms after the first's last task, 4 after the second's
    const Schedule::Calibration atTwo = Schedule::calibrate(r, QStringLiteral("threads"), 2);
    QVERIFY2(atTwo.error.isEmpty(), qPrintable(atTwo.error));
    QCOMPARE(std::round(atTwo.setup.costs.dispatchS * 1e6), 1000.0);

    // A process per task starts a process for each hand-out: the start-up lag holds what two at once cost.
    RunResult spawned = spinRun(QStringLiteral("process-per-task"));
    spawned.environment.workerStarts = { starts };
    spawned.environment.workerStarts[0].backend = QStringLiteral("process-per-task");
    const Schedule::Calibration spawnedCal = Schedule::calibrate(spawned, QStringLiteral("process-per-task"), 1);
    QVERIFY(spawnedCal.setup.costs.handOutGrowthS.isEmpty());
    QVERIFY2(!spawnedCal.note.contains(QStringLiteral("hand-out took")), qPrintable(spawnedCal.note));
}

void TestSchedule::servedHandOutsSlowWithMoreWorkersServed()
{
    // A pool's probe: no batches of starts (its workers start once), hand-outs alone. One worker took a noop task
    // every 1 ms; each of two every 8 ms, the parent serving both in turn: 4 ms a hand-out, 3 longer than with one.
    WorkerStarts starts;
    starts.backend = QStringLiteral("processes");
    starts.rounds = 5;
    starts.counts = { { 1, kUnknown, kUnknown, {}, 0.001 }, { 2, kUnknown, kUnknown, {}, 0.008 } };
    QVERIFY(Schedule::startupLag(starts).isEmpty());
    QVERIFY(Schedule::finishGrowth(starts).isEmpty());
    const QList<QPair<int, double>> growth = Schedule::handOutGrowth(starts);
    QCOMPARE(growth.size(), 2);
    QCOMPARE(std::round(growth[1].second * 1e6), 3000.0);
    // Threads take theirs themselves: the same cycles are each worker's own hand-out, 7 ms longer.
    WorkerStarts threads = starts;
    threads.backend = QStringLiteral("threads");
    QCOMPARE(std::round(Schedule::handOutGrowth(threads).value(1).second * 1e6), 7000.0);

    // spinRun on a pool: 10 ms start-up (a quarter of it the parent's), 1 ms a hand-out, 2 ms finish. At two workers
    // the parent starts the first at 0-2.5 (its task at 10) and the second at 2.5-5 (its task at 12.5); then each
    // hand-out takes the parent 4 ms: the first worker's tasks start at 10, 34, 58, ..., its 8th at 178; the second's
    // at 12.5, 38, 62, ..., its 8th at 182, ending at 202; with the finish 204 ms. Without the probe a hand-out is 1
    // ms: 12.5, 33.5, ..., 159.5, ending at 179.5: 181.5 ms.
    RunResult r = spinRun(QStringLiteral("processes"));
    const Schedule::Calibration without = Schedule::calibrate(r, QStringLiteral("processes"), 1);
    QVERIFY2(without.error.isEmpty(), qPrintable(without.error));
    QCOMPARE(std::round(Schedule::speedup(without, 2, 2) * 1e4), std::round(0.330 / 0.1815 * 1e4));
    r.environment.workerStarts = { starts };
    const Schedule::Calibration cal = Schedule::calibrate(r, QStringLiteral("processes"), 1);
    QVERIFY2(cal.error.isEmpty(), qPrintable(cal.error));
    QVERIFY2(cal.note.contains(QStringLiteral("a hand-out of a noop task took the one dispatcher 3000.000 µs longer "
                                              "with 2 workers served at once than with one")),
        qPrintable(cal.note));
    QVERIFY2(!cal.note.contains(QStringLiteral("start-up measured")), qPrintable(cal.note));
    QCOMPARE(std::round(Schedule::speedup(cal, 1, 2) * 1e4), std::round(0.330 / 0.347 * 1e4));
    QCOMPARE(std::round(Schedule::speedup(cal, 2, 2) * 1e4), std::round(0.330 / 0.204 * 1e4));

    // Hand-outs of 4 tasks each, which two workers took at 1 ms each: 0.5 ms of the dispatcher a hand-out, 0.5 less
    // than with one.
    r.spec.options.chunksize = 4;
    r.environment.workerStarts[0].counts[1].handOutS = 0.001;
    const Schedule::Calibration chunked = Schedule::calibrate(r, QStringLiteral("processes"), 1);
    QVERIFY2(chunked.note.contains(QStringLiteral("a hand-out of 4 noop tasks took the one dispatcher 500.000 µs less "
                                                  "with 2 workers served at once than with one")),
        qPrintable(chunked.note));
}

QTEST_GUILESS_MAIN(TestSchedule)
#include "tst_schedule.moc"
