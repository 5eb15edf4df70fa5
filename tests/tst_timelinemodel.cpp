// The timeline without a widget: the rows one measurement makes and what they are called (the one name the
// window, the report and the trace use), how each task's time split (the strip both renderers draw, on hand-made
// spans and on real thread and GIL batches), the time window's pixel maths, zoom and pan limits, and the axis
// ticks both renderers draw. Pure core: no QApplication with a screen, no painting.

#include "backends/backend.h"
#include "backends/backendregistry.h"
#include "clock.h"
#include "context.h"
#include "kernels/kernel.h"
#include "kernels/kernelregistry.h"
#include "measurement.h"
#include "stats/losses.h"
#include "taskspan.h"
#include "timeline/taskstates.h"
#include "timeline/timeaxis.h"
#include "timeline/timelinemodel.h"
#include "timeline/timewindow.h"

#include <QTest>
#include <cmath>
#include <numeric>

using namespace parlab;

// QTest data columns hold spans; the library declares only the types its signals carry.
Q_DECLARE_METATYPE(QList<parlab::TaskSpan>)
Q_DECLARE_METATYPE(parlab::TaskSpan)

namespace {
constexpr qint64 kClock = 7'000'000'000; // far from zero, as the monotonic clock is
constexpr qint64 kMs = 1'000'000;

TaskSpan task(int index, int worker, double startMs, double endMs, qint64 pid = 4242, const QString& host = {})
{
    TaskSpan span;
    span.input = 30 + index;
    span.index = index;
    span.worker = worker;
    span.pid = pid;
    span.host = host;
    span.startNs = kClock + qint64(startMs * kMs);
    span.endNs = kClock + qint64(endMs * kMs);
    return span;
}

StateSpan state(int worker, LockState lock, double startMs, double endMs)
{
    StateSpan s;
    s.worker = worker;
    s.state = lock;
    s.startNs = kClock + qint64(startMs * kMs);
    s.endNs = kClock + qint64(endMs * kMs);
    return s;
}

// A task of `wallMs` that its worker measured: `cpuMs` on a CPU and `waitMs` waiting for a core (-1: not
// measured).
TaskSpan measured(double wallMs, double cpuMs, double waitMs, int worker = 0, double startMs = 0)
{
    TaskSpan span = task(0, worker, startMs, startMs + wallMs);
    span.cpuNs = cpuMs < 0 ? qint64(cpuMs) : qint64(cpuMs * kMs);
    span.waitNs = waitMs < 0 ? qint64(waitMs) : qint64(waitMs * kMs);
    return span;
}

// The parts of a split in ms, in TaskStates::Part order.
QList<double> partsMs(const TaskStates& states)
{
    QList<double> ms;
    for (int p = 0; p < TaskStates::PartCount; ++p)
        ms.append(double(states.ns(TaskStates::Part(p))) / double(kMs));
    return ms;
}

Measurement measurementOf(const QString& backend, const QList<TaskSpan>& spans, const QList<StateSpan>& states = {})
{
    Measurement m;
    m.backend = backend;
    m.workers = 2;
    m.spans = spans;
    m.states = states;
    return m;
}
} // namespace

class TestTimelineModel final : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void rowsPerWorkerInTimeOrder();
    void rowLabelsNameWorkersOnce_data();
    void rowLabelsNameWorkersOnce();
    void unrecordedSpansAreLeftOut();
    void maxTasksKeepsTheEarliest();
    void nearestItemsAndBinarySearch();
    void relativeExtentHoldsStatesBeforeTheFirstTask();
    void taskStatesSplitTheWallTime_data();
    void taskStatesSplitTheWallTime();
    void taskStatesPercentsAddUpAndSay();
    void taskStatesUnderTheModelsLock();
    void taskStatesOfARealBatch_data();
    void taskStatesOfARealBatch();
    void windowMapsTimeAndPixelsBothWays();
    void zoomKeepsTheAnchorAndStopsAtTheLimits();
    void panStaysInsideTheBounds();
    void paddedBoundsHoldEverything();
    void axisTicksAreRoundAndLabelled();
};

void TestTimelineModel::rowsPerWorkerInTimeOrder()
{
    // Out of order on purpose: the model sorts each row by start.
    const Measurement m = measurementOf(QStringLiteral("threads"),
        { task(0, 1, 20, 30), task(1, 0, 10, 25), task(2, 0, 0, 10), task(3, 1, 0.5, 20) },
        { state(0, LockState::Running, 0, 5), state(2, LockState::Waiting, 0, 30) });
    const TimelineModel model(m);
    QCOMPARE(model.rowCount(), 3); // worker 2 has only lock states, still a row
    QCOMPARE(model.row(0).worker, 0);
    QCOMPARE(model.row(2).worker, 2);
    QCOMPARE(model.rowOf(1), 1);
    QCOMPARE(model.rowOf(7), -1);
    QCOMPARE(model.row(0).tasks, (std::vector<int> { 2, 1 }));
    QCOMPARE(model.row(1).tasks, (std::vector<int> { 3, 0 }));
    QCOMPARE(model.row(0).taskMaxEnd, (std::vector<qint64> { kClock + 10 * kMs, kClock + 25 * kMs }));
    QVERIFY(model.row(2).tasks.empty());
    QCOMPARE(model.row(2).states, (std::vector<int> { 1 }));
    QCOMPARE(model.taskCount(), 4);
    QVERIFY(model.hasStates());
    QCOMPARE(model.originNs(), kClock);
    QCOMPARE(model.extent().startNs, double(kClock));
    QCOMPARE(model.extent().endNs, double(kClock + 30 * kMs));
}

void TestTimelineModel::rowLabelsNameWorkersOnce_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<QList<TaskSpan>>("spans");
    QTest::addColumn<QStringList>("labels");
    // Threads share the program's pid: no pid in the label, counted from 1.
    QTest::newRow("threads") << QStringLiteral("threads") << QList<TaskSpan> { task(0, 0, 0, 1), task(1, 1, 0, 1) }
                             << QStringList { QStringLiteral("thread 1"), QStringLiteral("thread 2") };
    QTest::newRow("gil-threads") << QStringLiteral("gil-threads") << QList<TaskSpan> { task(0, 0, 0, 1) }
                                 << QStringList { QStringLiteral("thread 1") };
    QTest::newRow("qtconcurrent") << QStringLiteral("qtconcurrent") << QList<TaskSpan> { task(0, 0, 0, 1) }
                                  << QStringList { QStringLiteral("pool thread 1") };
    // A worker process each: its pid tells it apart.
    QTest::newRow("processes") << QStringLiteral("processes")
                               << QList<TaskSpan> { task(0, 0, 0, 1, 1000), task(1, 1, 0, 1, 1001) }
                               << QStringList { QStringLiteral("process 1 (pid 1000)"),
                                      QStringLiteral("process 2 (pid 1001)") };
    // A fresh process per task: a slot has many pids, so none is named.
    QTest::newRow("process-per-task") << QStringLiteral("process-per-task")
                                      << QList<TaskSpan> { task(0, 0, 0, 1, 3000), task(1, 0, 1, 2, 3001) }
                                      << QStringList { QStringLiteral("process slot 1") };
    // Ranks from 0, with their host.
    QTest::newRow("mpi") << QStringLiteral("mpi")
                         << QList<TaskSpan> { task(0, 0, 0, 1, 7000, QStringLiteral("node-a")),
                                task(1, 1, 0, 1, 7001, QStringLiteral("node7")) }
                         << QStringList { QStringLiteral("rank 0 @ node-a (pid 7000)"),
                                QStringLiteral("rank 1 @ node7 (pid 7001)") };
    // An id this build does not know (a result from another build's history).
    QTest::newRow("unknown") << QStringLiteral("someone-elses") << QList<TaskSpan> { task(0, 0, 0, 1, 0) }
                             << QStringList { QStringLiteral("worker 1") };
}

void TestTimelineModel::rowLabelsNameWorkersOnce()
{
    QFETCH(QString, backend);
    QFETCH(QList<TaskSpan>, spans);
    QFETCH(QStringList, labels);
    const Measurement m = measurementOf(backend, spans);
    const TimelineModel model(m);
    QStringList rows;
    for (int row = 0; row < model.rowCount(); ++row) {
        rows.append(model.row(row).label);
        // The convenience form (the trace's) says the same.
        QCOMPARE(TimelineModel::workerLabel(m, model.row(row).worker), model.row(row).label);
    }
    QCOMPARE(rows, labels);
    QCOMPARE(TimelineModel::rowLabelsOf(m), labels);
}

void TestTimelineModel::unrecordedSpansAreLeftOut()
{
    TaskSpan never = task(5, 3, 0, 0);
    never.startNs = never.endNs = 0; // a task of a cancelled batch
    TaskSpan backwards = task(6, 4, 10, 5);
    QVERIFY(!TimelineModel::isRecorded(never));
    QVERIFY(!TimelineModel::isRecorded(backwards));
    const TimelineModel model(measurementOf(QStringLiteral("threads"), { task(0, 0, 0, 1), never, backwards }));
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.taskCount(), 1);
    QCOMPARE(model.allTaskCount(), 1);

    const TimelineModel empty(measurementOf(QStringLiteral("threads"), { never }));
    QVERIFY(empty.isEmpty());
    QVERIFY(empty.relativeExtent().isEmpty());
    QVERIFY(TimelineModel::relativeExtentOf(measurementOf(QStringLiteral("threads"), { never })).isEmpty());
}

void TestTimelineModel::maxTasksKeepsTheEarliest()
{
    const Measurement m = measurementOf(QStringLiteral("gil-threads"),
        { task(0, 0, 0, 10), task(1, 1, 2, 12), task(2, 0, 10, 20), task(3, 2, 30, 40) },
        { state(0, LockState::Running, 0, 10), state(2, LockState::Waiting, 25, 40) });
    const TimelineModel model(m, 2);
    QCOMPARE(model.taskCount(), 2);
    QCOMPARE(model.allTaskCount(), 4);
    // Tasks 0 and 1 (0..12 ms): worker 2's task and its state at 25..40 ms are outside.
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.rowOf(2), -1);
    QCOMPARE(model.row(0).states, (std::vector<int> { 0 }));
    QCOMPARE(model.extent().endNs, double(kClock + 12 * kMs));
}

void TestTimelineModel::nearestItemsAndBinarySearch()
{
    // An overlap (a long task under short ones) is why the search runs on the maximum end so far.
    const Measurement m = measurementOf(QStringLiteral("threads"),
        { task(0, 0, 0, 50), task(1, 0, 10, 12), task(2, 0, 60, 70) }, { state(0, LockState::Waiting, 55, 58) });
    const TimelineModel model(m);
    QCOMPARE(
        model.row(0).taskMaxEnd, (std::vector<qint64> { kClock + 50 * kMs, kClock + 50 * kMs, kClock + 70 * kMs }));
    QCOMPARE(TimelineModel::firstReaching(model.row(0).taskMaxEnd, double(kClock + 30 * kMs)), size_t(0));
    QCOMPARE(TimelineModel::firstReaching(model.row(0).taskMaxEnd, double(kClock + 55 * kMs)), size_t(2));

    const double ms = double(kMs);
    QCOMPARE(model.taskNear(0, double(kClock) + 11 * ms, 0), 0); // the first containing it
    QCOMPARE(model.taskNear(0, double(kClock) + 30 * ms, 0), 0);
    QCOMPARE(model.taskNear(0, double(kClock) + 55 * ms, 1 * ms), -1); // 5 ms from either: too far
    QCOMPARE(model.taskNear(0, double(kClock) + 59 * ms, 2 * ms), 2); // within the tolerance
    QCOMPARE(model.stateNear(0, double(kClock) + 56 * ms, 0), 0);
    QCOMPARE(model.stateNear(0, double(kClock) + 40 * ms, 1 * ms), -1);
    QCOMPARE(model.taskNear(5, 0, 0), -1);
}

void TestTimelineModel::relativeExtentHoldsStatesBeforeTheFirstTask()
{
    const Measurement m = measurementOf(QStringLiteral("gil-threads"), { task(0, 0, 5, 25) },
        { state(0, LockState::Waiting, 2, 5), state(0, LockState::Running, 5, 30) });
    const TimelineModel model(m);
    QCOMPARE(model.originNs(), kClock + 5 * kMs);
    QCOMPARE(model.relativeExtent().startNs, -3.0 * double(kMs));
    QCOMPARE(model.relativeExtent().endNs, 25.0 * double(kMs));
    // The cheap pass says the same as the model.
    QCOMPARE(TimelineModel::relativeExtentOf(m).startNs, model.relativeExtent().startNs);
    QCOMPARE(TimelineModel::relativeExtentOf(m).endNs, model.relativeExtent().endNs);
}

void TestTimelineModel::taskStatesSplitTheWallTime_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<TaskSpan>("span");
    QTest::addColumn<bool>("isMeasured");
    // ran, waited for a core, waited for the lock, other (ms)
    QTest::addColumn<QList<double>>("expected");

    using L = QList<double>;
    const QString threads = QStringLiteral("threads");
    const QString python = QStringLiteral("python-threads");
    QTest::newRow("threads") << threads << measured(100, 62, 30) << true << L { 62, 30, 0, 8 };
    QTest::newRow("threads, never off the CPU") << threads << measured(100, 100, 0) << true << L { 100, 0, 0, 0 };
    // Impossible readings are cut to what the wall time holds, CPU first.
    QTest::newRow("cpu above wall") << threads << measured(100, 150, 20) << true << L { 100, 0, 0, 0 };
    QTest::newRow("cpu + wait above wall") << threads << measured(100, 80, 50) << true << L { 80, 20, 0, 0 };
    // The run-queue delay of a thread's first blocking task is not known: counted as none.
    QTest::newRow("wait not measured") << threads << measured(100, 40, -1) << true << L { 40, 0, 0, 60 };
    QTest::newRow("cpu not measured") << threads << measured(0.3, -1, -1) << false << L { 0, 0, 0, 0 };
    QTest::newRow("cpu below -1") << threads << measured(100, -5, 3) << false << L { 0, 0, 0, 0 };
    QTest::newRow("no wall time") << threads << measured(0, 0, 0) << false << L { 0, 0, 0, 0 };
    // CPython's own lock: a thread off the CPU and not waiting for a core waits for the GIL (the accounting's
    // in-task estimate, wall - cpu - wait), so nothing is left for other.
    QTest::newRow("python-threads") << python << measured(100, 30, 20) << true << L { 30, 20, 50, 0 };
    QTest::newRow("python-threads, cpu above wall") << python << measured(100, 120, 10) << true << L { 100, 0, 0, 0 };
    // A backend another build recorded: no lock known.
    QTest::newRow("unknown backend") << QStringLiteral("my-backend") << measured(10, 5, 1) << true << L { 5, 1, 0, 4 };
}

void TestTimelineModel::taskStatesSplitTheWallTime()
{
    QFETCH(QString, backend);
    QFETCH(TaskSpan, span);
    QFETCH(bool, isMeasured);
    QFETCH(QList<double>, expected);

    // Through the model, as the renderers get it.
    const TimelineModel model(measurementOf(backend, { span }));
    const TaskStates states = model.taskStates(0);
    QCOMPARE(states.isMeasured(), isMeasured);
    QCOMPARE(states.lock(), BackendRegistry::factsOf(backend).lock);
    QCOMPARE(partsMs(states), expected);
    QCOMPARE(model.hasTaskStates(), isMeasured);
    QCOMPARE(states.wallNs(), span.endNs - span.startNs);
    if (!isMeasured) {
        QVERIFY(std::isnan(states.share(TaskStates::Running)));
        QCOMPARE(states.percents(), (std::array<int, TaskStates::PartCount> {}));
        QVERIFY2(states.summary().startsWith(QStringLiteral("time on a CPU not measured (tasks under 1 ms")),
            qPrintable(states.summary()));
        return;
    }
    // The parts hold the wall time exactly, none negative, whatever the worker reported.
    qint64 sum = 0;
    double shares = 0;
    for (int p = 0; p < TaskStates::PartCount; ++p) {
        QVERIFY(states.ns(TaskStates::Part(p)) >= 0);
        sum += states.ns(TaskStates::Part(p));
        shares += states.share(TaskStates::Part(p));
    }
    QCOMPARE(sum, states.wallNs());
    QCOMPARE(shares, 1.0);
    // The same split without the model, for a backend without lock states.
    const TaskStates direct = TaskStates::of(span, BackendRegistry::factsOf(backend).lock);
    QCOMPARE(partsMs(direct), expected);
}

void TestTimelineModel::taskStatesPercentsAddUpAndSay()
{
    // Thirds: rounded one by one they make 99; the tooltip's whole percentages make 100.
    const TaskStates thirds = TaskStates::of(measured(3, 1, 1), TaskLock::None);
    QCOMPARE(thirds.percents(), (std::array<int, TaskStates::PartCount> { 34, 33, 0, 33 }));
    for (const TaskSpan& span : { measured(7, 1.234, 2.345), measured(9.99, 0.001, 0.002), measured(100, 99.5, 0.4) }) {
        const std::array<int, TaskStates::PartCount> p = TaskStates::of(span, TaskLock::Simulated, 0).percents();
        QCOMPARE(std::accumulate(p.begin(), p.end(), 0), 100);
    }

    // What the tooltip says: every part the backend's tasks can have, in the strip's order.
    QCOMPARE(TaskStates::of(measured(100, 62, 30), TaskLock::Simulated, 0).summary(),
        QStringLiteral("ran 62% · waited for a core 30% · waited for the lock 0% · other 8% (totals over the task, "
                       "not when)"));
    QCOMPARE(TaskStates::of(measured(100, 62, 30), TaskLock::None).summary(),
        QStringLiteral("ran 62% · waited for a core 30% · other 8% (totals over the task, not when)"));
    QCOMPARE(TaskStates::of(measured(100, 30, 20), TaskLock::Interpreter).summary(),
        QStringLiteral("ran 30% · waited for a core 20% · waited for the lock 50% (totals over the task, not when)"));
    QVERIFY(TaskStates::of(measured(100, 30, -1), TaskLock::None)
                .summary()
                .endsWith(QStringLiteral("; the wait for a core was not measured")));
    QCOMPARE(TaskStates::of(measured(0.4, -1, -1), TaskLock::None).summary(),
        QStringLiteral("time on a CPU not measured (tasks under 1 ms are sampled only now and then)"));

    // Each state is drawn in the colour of the loss part it feeds, keyed as the accounting keys them.
    QCOMPARE(TaskStates::lossKey(TaskStates::Running), QLatin1String(Accounting::useful().key));
    QCOMPARE(TaskStates::lossKey(TaskStates::CoreWait), QStringLiteral("cpu_wait"));
    QCOMPARE(TaskStates::lossKey(TaskStates::LockWait), QStringLiteral("lock_wait"));
    QCOMPARE(TaskStates::lossKey(TaskStates::Other), QStringLiteral("blocked"));
    QCOMPARE(TaskStates::parts(TaskLock::None),
        (QList<TaskStates::Part> { TaskStates::Running, TaskStates::CoreWait, TaskStates::Other }));
}

void TestTimelineModel::taskStatesUnderTheModelsLock()
{
    // gil-threads: the lock part is how long the worker's own states said waiting during the task; the other
    // worker's waits and waits outside the task do not count.
    QList<TaskSpan> spans { measured(40, 10, 4, 0, 0), measured(40, 30, 2, 0, 50), measured(40, 10, 30, 1, 0) };
    const QList<StateSpan> states {
        state(0, LockState::Waiting, -5, 5), // 5 ms inside task 0
        state(0, LockState::Running, 5, 20),
        state(0, LockState::Waiting, 20, 42), // 20 ms inside task 0, 2 between the tasks
        state(0, LockState::Waiting, 42, 55), // 5 ms inside task 1
        state(0, LockState::Released, 55, 90),
        state(1, LockState::Waiting, 0, 35), // worker 1: 35 ms inside task 2
        state(1, LockState::Running, 35, 40),
    };
    const TimelineModel model(measurementOf(QStringLiteral("gil-threads"), spans, states));
    QCOMPARE(model.lock(), TaskLock::Simulated);
    // Task 0: 10 on a CPU, 25 for the lock, the core wait cut to the 5 left, nothing other.
    QCOMPARE(partsMs(model.taskStates(0)), (QList<double> { 10, 4, 25, 1 }));
    QCOMPARE(partsMs(model.taskStates(1)), (QList<double> { 30, 2, 5, 3 }));
    // Task 2: 35 ms waiting for the lock, but only 30 off the CPU: the lock takes those, the core wait nothing.
    QCOMPARE(partsMs(model.taskStates(2)), (QList<double> { 10, 0, 30, 0 }));
    for (int i = 0; i < int(spans.size()); ++i) {
        const TaskStates t = model.taskStates(i);
        const std::array<int, TaskStates::PartCount> p = t.percents();
        QCOMPARE(std::accumulate(p.begin(), p.end(), 0), 100);
        QCOMPARE(t.ns(TaskStates::Running) + t.ns(TaskStates::CoreWait) + t.ns(TaskStates::LockWait)
                + t.ns(TaskStates::Other),
            t.wallNs());
    }
    // A model cut to its first tasks keeps the states those need.
    const TimelineModel cut(measurementOf(QStringLiteral("gil-threads"), spans, states), 2);
    QCOMPARE(partsMs(cut.taskStates(0)), partsMs(model.taskStates(0)));
    QCOMPARE(partsMs(cut.taskStates(2)), partsMs(model.taskStates(2)));
}

void TestTimelineModel::taskStatesOfARealBatch_data()
{
    QTest::addColumn<QString>("backend");
    QTest::newRow("threads") << QStringLiteral("threads");
    QTest::newRow("gil-threads") << QStringLiteral("gil-threads");
}

void TestTimelineModel::taskStatesOfARealBatch()
{
    // Four 25 ms busy loops on two workers, as the runner runs them: every task is longer than the sampling
    // interval, so every one is measured and has a strip.
    QFETCH(QString, backend);
    const auto kernel = KernelRegistry::create(QStringLiteral("spin"));
    const auto b = BackendRegistry::create(backend);
    RunControl control;
    control.beginBatch();
    Measurement m;
    m.backend = backend;
    m.workers = 2;
    const qint64 before = monotonicNs();
    b->execute(*kernel, { 25, 25, 25, 25 }, 2, control, m.spans);
    const qint64 after = monotonicNs();
    m.states = b->lastStates();

    const TimelineModel model(m);
    QCOMPARE(model.taskCount(), 4);
    QVERIFY(model.hasTaskStates());
    qint64 wall = 0, cpu = 0, lock = 0, other = 0;
    for (int i = 0; i < int(m.spans.size()); ++i) {
        const TaskStates t = model.taskStates(i);
        QVERIFY2(t.isMeasured(), qPrintable(t.summary()));
        QCOMPARE(t.ns(TaskStates::Running) + t.ns(TaskStates::CoreWait) + t.ns(TaskStates::LockWait)
                + t.ns(TaskStates::Other),
            m.spans[i].endNs - m.spans[i].startNs);
        QVERIFY2(t.summary().contains(QStringLiteral("(totals over the task, not when)")), qPrintable(t.summary()));
        wall += t.wallNs();
        cpu += t.ns(TaskStates::Running);
        lock += t.ns(TaskStates::LockWait);
        other += t.ns(TaskStates::Other);
    }
    // The strip and the "where the time went" bar agree: the tasks' parts sum to the repeat's account.
    const RepeatAccount a = Accounting::account(m.spans, m.states, before, after, 2);
    QCOMPARE(double(cpu) * 1e-9, a.taskCpuS);
    if (backend == QStringLiteral("threads")) {
        QCOMPARE(lock, 0);
        // A busy loop without a lock never blocks: on a CPU or waiting for one, nothing else, within clock reads.
        // (Under the lock it blocks, and some kernels leave waits after a preemption out of the run-queue delay.)
        QVERIFY2(other <= wall / 20 + 1'000'000, qPrintable(QStringLiteral("other %1 of %2 ns").arg(other).arg(wall)));
    } else {
        // Two threads under one lock: about half of the tasks' time waiting for it, a fifth at the very least on a
        // loaded machine, and all the lock waits inside tasks that the account counts.
        QVERIFY2(double(lock) > 0.2 * double(wall), qPrintable(QStringLiteral("lock %1 of %2 ns").arg(lock).arg(wall)));
        QVERIFY(double(lock) * 1e-9 <= a.lockWaitS + 1e-9);
        QVERIFY2(double(lock) * 1e-9 >= 0.9 * a.lockWaitS,
            qPrintable(QStringLiteral("%1 s of %2 s").arg(double(lock) * 1e-9).arg(a.lockWaitS)));
    }
}

void TestTimelineModel::windowMapsTimeAndPixelsBothWays()
{
    TimeWindow window(TimeRange { 1000, 11'000 });
    QVERIFY(window.isFitted());
    QCOMPARE(window.start(), 1000.0);
    QCOMPARE(window.span(), 10'000.0);
    // A plot 500 px wide from x = 100: 20 ns a pixel.
    QCOMPARE(window.xFor(1000, 100, 500), 100.0);
    QCOMPARE(window.xFor(11'000, 100, 500), 600.0);
    QCOMPARE(window.xFor(6000, 100, 500), 350.0);
    QCOMPARE(window.timeAt(350, 100, 500), 6000.0);
    QCOMPARE(window.nsPerPixel(500), 20.0);
    for (double ns : { 1000.0, 1234.5, 9999.0 })
        QCOMPARE_LT(std::abs(window.timeAt(window.xFor(ns, 100, 500), 100, 500) - ns), 1e-9);
}

void TestTimelineModel::zoomKeepsTheAnchorAndStopsAtTheLimits()
{
    TimeWindow window(TimeRange { 0, 1e9 });
    // Zoom x4 around a quarter of the width: the time there stays there.
    const double anchor = window.timeAt(125, 0, 500);
    window.zoomAround(0.25, 4);
    QVERIFY(!window.isFitted());
    QCOMPARE(window.span(), 0.25e9);
    QCOMPARE_LT(std::abs(window.timeAt(125, 0, 500) - anchor), 1e-3);
    // Out again past the bounds: the whole of them, no further.
    window.zoomAround(0.5, 1e-6);
    QVERIFY(window.isFitted());
    QCOMPARE(window.span(), 1e9);
    // In as far as it goes: a millionth of the bounds, never under 100 ns.
    window.zoomAround(0.5, 1e12);
    QCOMPARE(window.span(), 1000.0);
    QCOMPARE(window.minSpan(), 1000.0);
    TimeWindow tiny(TimeRange { 0, 1e4 });
    QCOMPARE(tiny.minSpan(), TimeWindow::kMinSpanNs);
    // A factor that is no factor changes nothing.
    const double before = window.span();
    window.zoomAround(0.5, 0);
    window.zoomAround(0.5, std::nan(""));
    QCOMPARE(window.span(), before);
    window.fit();
    QVERIFY(window.isFitted());
}

void TestTimelineModel::panStaysInsideTheBounds()
{
    TimeWindow window(TimeRange { 0, 1000 });
    window.setView(100, 200);
    window.panBy(50);
    QCOMPARE(window.start(), 150.0);
    QCOMPARE(window.span(), 200.0);
    window.panBy(10'000);
    QCOMPARE(window.end(), 1000.0);
    window.panBy(-10'000);
    QCOMPARE(window.start(), 0.0);
    // A window wider than the bounds is cut to them.
    window.setView(-500, 5000);
    QVERIFY(window.isFitted());
}

void TestTimelineModel::paddedBoundsHoldEverything()
{
    const TimeRange bounds = TimeWindow::padded(1e6, 2e6);
    QCOMPARE(bounds.startNs, 1e6 - 0.015e6);
    QCOMPARE(bounds.endNs, 2e6 + 0.015e6);
    // One instant still has a width (a microsecond and its padding).
    const TimeRange instant = TimeWindow::padded(5000, 5000);
    QVERIFY(!instant.isEmpty());
    QVERIFY(instant.startNs < 5000 && instant.endNs > 5000);
    QCOMPARE_GE(instant.spanNs(), 1000.0);
    // An empty range given to a window still makes a usable one.
    const TimeWindow window(TimeRange { 7, 7 });
    QVERIFY(window.span() > 0);
}

void TestTimelineModel::axisTicksAreRoundAndLabelled()
{
    QCOMPARE(TimeAxis::niceStep(0.7), 1.0);
    QCOMPARE(TimeAxis::niceStep(1.3), 2.0);
    QCOMPARE(TimeAxis::niceStep(3000), 5000.0);
    QCOMPARE(TimeAxis::niceStep(6000), 10'000.0);

    // 0..40 ms on 800 px with labels 40 px wide: steps of 5 ms, labelled in ms with no decimals.
    const auto fixedWidth = [](const QString&) { return 40.0; };
    const TimeAxis axis(0, 40 * double(kMs), 800, fixedWidth);
    QCOMPARE(axis.stepNs(), 5.0 * double(kMs));
    const QList<double> ticks = axis.ticks();
    QCOMPARE(ticks.size(), 9);
    QCOMPARE(ticks.first(), 0.0);
    QCOMPARE(axis.label(ticks.first()), QStringLiteral("0 ms"));
    QCOMPARE(axis.label(ticks.last()), QStringLiteral("40 ms"));

    // Narrow: fewer, wider steps; a fraction of a millisecond gets its decimals; negative times read as such.
    const TimeAxis narrow(-2 * double(kMs), 3 * double(kMs), 120, fixedWidth);
    QVERIFY(narrow.stepNs() >= 1.0 * double(kMs));
    const TimeAxis fine(0, 0.5 * double(kMs), 800, fixedWidth);
    QCOMPARE(fine.label(fine.stepNs()), QStringLiteral("%1 µs").arg(fine.stepNs() / 1000, 0, 'f', 0));
    const TimeAxis seconds(-2e9, 3e9, 800, fixedWidth);
    QCOMPARE(seconds.stepNs(), 0.5e9);
    QCOMPARE(seconds.ticks().first(), -2e9);
    QCOMPARE(seconds.label(-1e9), QStringLiteral("-1.0 s"));
    // No "-0" at zero, however it was reached.
    QCOMPARE(axis.label(-1e-7), QStringLiteral("0 ms"));
}

QTEST_GUILESS_MAIN(TestTimelineModel)
#include "tst_timelinemodel.moc"
