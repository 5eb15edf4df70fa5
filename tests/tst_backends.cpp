// The in-process backends: every one must reproduce the kernel's own checksums, report one well-formed span
// per input with the CPU time and run-queue delay its thread spent on it, really run in parallel, stop its
// siblings when a task fails and stop at once when cancelled.

#include "backends/backend.h"
#include "backends/backendregistry.h"
#include "clock.h"
#include "context.h"
#include "kernels/kernel.h"
#include "kernels/kernelregistry.h"
#include "optiondescriptor.h"
#include "runoptions.h"
#include "taskclock.h"
#include "taskspan.h"
#include "testsupport.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QSet>
#include <QTest>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <thread>

using namespace parlab;

namespace {

std::unique_ptr<Backend> backendNamed(const QString& id)
{
    auto backend = BackendRegistry::create(id);
    if (!backend)
        qFatal("no backend named %s", qPrintable(id));
    return backend;
}

std::unique_ptr<Kernel> kernelNamed(const QString& name)
{
    auto kernel = KernelRegistry::create(name);
    if (!kernel)
        qFatal("no kernel named %s", qPrintable(name));
    return kernel;
}

// Fails on input 3 the way a buggy user kernel would; any other input sleeps that many milliseconds
// (cancellably), so a batch can hold a long task in flight next to the failing one.
class ThrowingKernel final : public Kernel {
public:
    QString name() const override { return QStringLiteral("throwing"); }
    QString description() const override { return QStringLiteral("throws on input 3, else sleeps N ms"); }
    KernelKind kind() const override { return KernelKind::Io; }
    QString inputMeaning() const override { return QStringLiteral("milliseconds"); }
    InputRange range() const override { return { 0, 600'000, QStringLiteral("test kernel") }; }
    double cost(qint64 input) const override { return double(input) + 1; }
    quint64 run(qint64 input, Context& context) const override
    {
        if (input == 3)
            throw std::runtime_error("the third input is cursed");
        context.sleepFor(std::chrono::milliseconds(input));
        return quint64(input);
    }
};

// The in-process backends this test covers; the process-based ones have their own tests.
const QStringList& inProcessBackends()
{
    static const QStringList ids { QStringLiteral("sequential"), QStringLiteral("threads"),
        QStringLiteral("qtconcurrent") };
    return ids;
}

const QStringList& parallelBackends()
{
    static const QStringList ids { QStringLiteral("threads"), QStringLiteral("qtconcurrent") };
    return ids;
}

QString describe(const TaskSpan& s)
{
    return QStringLiteral("span #%1 input %2 worker %3 [%4, %5]")
        .arg(s.index)
        .arg(s.input)
        .arg(s.worker)
        .arg(s.startNs)
        .arg(s.endNs);
}

} // namespace

class TestBackends final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void registry();
    void checksumsAndSpans_data();
    void checksumsAndSpans();
    void runsInParallel_data();
    void runsInParallel();
    void tasksRecordTheirCpuAndWait_data();
    void tasksRecordTheirCpuAndWait();
    void shortTasksAreSampledSparingly();
    void moreWorkersThanTasks_data();
    void moreWorkersThanTasks();
    void emptyInputList_data();
    void emptyInputList();
    void failingTask_data();
    void failingTask();
    void cancelMidBatch_data();
    void cancelMidBatch();
    void runsAgainAfterCancel_data();
    void runsAgainAfterCancel();
    void cleanupTestCase();

private:
    QStringList m_latencies;
};

void TestBackends::registry()
{
    const QStringList ids = BackendRegistry::ids();
    QCOMPARE(QSet<QString>(ids.cbegin(), ids.cend()).size(), ids.size());
    for (const BackendFacts& facts : BackendRegistry::all()) {
        // The table and the class it makes agree on the id, so a fact is never read for the wrong backend.
        const auto backend = BackendRegistry::create(facts.id);
        QVERIFY(backend);
        QCOMPARE(backend->id(), facts.id);
        QVERIFY(!facts.description.isEmpty());
        QVERIFY(!facts.workerNoun.isEmpty());
        QVERIFY2(ids.contains(facts.baseline), qPrintable(facts.id));
        QVERIFY2(!BackendRegistry::find(facts.baseline)->usesWorkers, qPrintable(facts.baseline));
        // Every option a backend lists is a declared backend option.
        for (const Option option : facts.options)
            QVERIFY2(RunOptions::descriptor(option).scope == OptionDescriptor::Scope::Backend, qPrintable(facts.id));
    }
    for (const QString& id : inProcessBackends()) {
        QVERIFY2(ids.contains(id), qPrintable(id));
        QVERIFY(BackendRegistry::availability(id, RunOptions()).available); // nothing outside this process is needed
        QCOMPARE(BackendRegistry::find(id)->baseline, QStringLiteral("sequential"));
    }
    QVERIFY(!BackendRegistry::find(QStringLiteral("sequential"))->usesWorkers);
    QVERIFY(BackendRegistry::find(QStringLiteral("threads"))->usesWorkers);
    QVERIFY(BackendRegistry::find(QStringLiteral("qtconcurrent"))->usesWorkers);
    QCOMPARE(BackendRegistry::find(QStringLiteral("gil-threads"))->options,
        (QList<Option> { Option::SwitchInterval, Option::ReleaseGil, Option::Pin }));
    // Option pin places the workers of every backend that has workers, and the baselines.
    for (const QString& id : ids)
        QVERIFY2(BackendRegistry::find(id)->options.contains(Option::Pin), qPrintable(id));
    QVERIFY(!BackendRegistry::create(QStringLiteral("thread")));
    QVERIFY(!BackendRegistry::find(QStringLiteral("thread")));
    const Availability unknown = BackendRegistry::availability(QStringLiteral("thread"), RunOptions());
    QVERIFY(!unknown.available);
    QVERIFY2(unknown.reason.contains(QStringLiteral("did you mean 'threads'?")), qPrintable(unknown.reason));

    // An id from another build's history: a guess from its name, marked as one.
    const BackendFacts guessed = BackendRegistry::factsOf(QStringLiteral("python-asyncio"));
    QVERIFY(!guessed.known);
    QCOMPARE(guessed.workerNoun, QStringLiteral("worker"));
    QVERIFY(guessed.usesWorkers);
    QCOMPARE(guessed.baseline, QStringLiteral("python-sequential"));
    QVERIFY(!BackendRegistry::factsOf(QStringLiteral("gpu-sequential")).usesWorkers);
    QVERIFY(BackendRegistry::factsOf(QStringLiteral("threads")).known);
}

void TestBackends::checksumsAndSpans_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<QString>("kernel");
    QTest::addColumn<QList<qint64>>("inputs");
    QTest::addColumn<int>("workers");

    // Small inputs, in no particular order, some repeated: the whole table stays well under 20 s.
    const QList<QPair<QString, QList<qint64>>> kernels {
        { QStringLiteral("fib"), { 25, 20, 22, 15, 20, 1, 0 } },
        { QStringLiteral("primes"), { 20'000, 10'000, 5000, 2 } },
        { QStringLiteral("mandelbrot"), { 0, 16, 32, 48, 63 } },
        { QStringLiteral("sha256"), { 1, 2, 1 } },
        { QStringLiteral("stream"), { 1, 2 } },
        { QStringLiteral("noop"), { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 } },
        { QStringLiteral("spin"), { 20, 10, 5, 0 } },
        { QStringLiteral("sleep"), { 20, 10, 5, 0 } },
    };
    for (const QString& backend : inProcessBackends()) {
        const bool usesWorkers = BackendRegistry::find(backend)->usesWorkers;
        for (const auto& [kernel, inputs] : kernels) {
            for (int workers : { 1, 2, 3 }) {
                if (!usesWorkers && workers > 1)
                    continue;
                QTest::addRow("%s/%s/x%d", qPrintable(backend), qPrintable(kernel), workers)
                    << backend << kernel << inputs << workers;
            }
        }
    }
}

void TestBackends::checksumsAndSpans()
{
    QFETCH(QString, backend);
    QFETCH(QString, kernel);
    QFETCH(QList<qint64>, inputs);
    QFETCH(int, workers);

    const auto k = kernelNamed(kernel);
    QList<quint64> expected;
    {
        RunControl control;
        Context context(control, 0);
        for (qint64 input : inputs)
            expected.append(k->run(input, context));
    }

    RunControl control;
    control.beginBatch();
    QList<TaskSpan> spans;
    const qint64 before = monotonicNs();
    backendNamed(backend)->execute(*k, inputs, workers, control, spans);
    const qint64 after = monotonicNs();

    QCOMPARE(spans.size(), inputs.size());
    for (int i = 0; i < int(spans.size()); ++i) {
        const TaskSpan& s = spans[i];
        QVERIFY2(s.index == i, qPrintable(describe(s)));
        QCOMPARE(s.input, inputs[i]);
        QVERIFY2(s.checksum == expected[i],
            qPrintable(QStringLiteral("%1: checksum %2, expected %3")
                           .arg(describe(s), QString::number(s.checksum, 16), QString::number(expected[i], 16))));
        QVERIFY2(s.startNs <= s.endNs, qPrintable(describe(s)));
        QVERIFY2(s.startNs >= before && s.endNs <= after, qPrintable(describe(s))); // the system-wide clock
        QVERIFY2(s.worker >= 0 && s.worker < workers, qPrintable(describe(s)));
        QCOMPARE(s.pid, QCoreApplication::applicationPid());
        if (backend == QStringLiteral("sequential") && i > 0)
            QVERIFY2(spans[i - 1].endNs <= s.startNs, qPrintable(describe(s))); // one after another
    }
}

void TestBackends::runsInParallel_data()
{
    QTest::addColumn<QString>("backend");
    for (const QString& id : parallelBackends())
        QTest::newRow(qPrintable(id)) << id;
}

void TestBackends::runsInParallel()
{
    QFETCH(QString, backend);
    const auto k = kernelNamed(QStringLiteral("sleep"));
    const QList<qint64> inputs { 100, 100 };
    RunControl control;
    control.beginBatch();
    QList<TaskSpan> spans;
    QElapsedTimer timer;
    timer.start();
    backendNamed(backend)->execute(*k, inputs, 2, control, spans);
    const qint64 wallMs = timer.elapsed();

    QCOMPARE(spans.size(), 2);
    const TaskSpan& a = spans[0];
    const TaskSpan& b = spans[1];
    // Two tasks on two workers overlap in time, on two different workers: that is real parallelism.
    QVERIFY2(a.worker != b.worker, qPrintable(describe(a) + QStringLiteral("; ") + describe(b)));
    const qint64 overlapNs = std::min(a.endNs, b.endNs) - std::max(a.startNs, b.startNs);
    QVERIFY2(overlapNs > 50'000'000, qPrintable(describe(a) + QStringLiteral("; ") + describe(b)));
    QVERIFY2(wallMs < 190, qPrintable(QString::number(wallMs)));
}

void TestBackends::tasksRecordTheirCpuAndWait_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<int>("workers");
    QTest::addColumn<QString>("kernel");
    QTest::addColumn<QList<qint64>>("inputs");
    QTest::addColumn<QString>("expect"); // computing, sleeping or locked (testsupport)
    // fib 31 takes a few ms: every task is longer than the sampling interval, so each one is measured.
    const QList<qint64> fib { 31, 31, 31, 31, 31, 31 };
    // Under the lock, tasks of several switch intervals (5 ms), so that each one waits for it about half the time.
    const QList<qint64> lockedFib { 34, 34, 34, 34 };
    const QList<qint64> sleep { 15, 15, 15, 15 };
    for (const QString& id : inProcessBackends() + QStringList { QStringLiteral("gil-threads") }) {
        for (int workers : { 1, 2 }) {
            if (id == QStringLiteral("sequential") && workers > 1)
                continue;
            const bool locked = id == QStringLiteral("gil-threads") && workers > 1;
            QTest::addRow("%s/x%d/fib", qPrintable(id), workers)
                << id << workers << QStringLiteral("fib") << (locked ? lockedFib : fib)
                << (locked ? QStringLiteral("locked") : QStringLiteral("computing"));
            QTest::addRow("%s/x%d/sleep", qPrintable(id), workers)
                << id << workers << QStringLiteral("sleep") << sleep << QStringLiteral("sleeping");
        }
    }
}

// What the accounting of lost time splits each task's wall time with, measured in the thread that ran it.
void TestBackends::tasksRecordTheirCpuAndWait()
{
    QFETCH(QString, backend);
    QFETCH(int, workers);
    QFETCH(QString, kernel);
    QFETCH(QList<qint64>, inputs);
    QFETCH(QString, expect);

    RunControl control;
    control.beginBatch();
    QList<TaskSpan> spans;
    backendNamed(backend)->execute(*kernelNamed(kernel), inputs, workers, control, spans);
    QCOMPARE(spans.size(), inputs.size());
    const QString problem = expect == QStringLiteral("computing") ? testsupport::computingTaskProblem(spans)
        : expect == QStringLiteral("sleeping")                    ? testsupport::sleepingTaskProblem(spans)
                                                                  : testsupport::lockedTaskProblem(spans);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
}

// Reading a thread's counters costs as much as a noop task: a thread samples at most one task per interval, so
// noop batches stay as fast as before, yet some of their tasks are measured.
void TestBackends::shortTasksAreSampledSparingly()
{
    const auto noop = kernelNamed(QStringLiteral("noop"));
    const QList<qint64> inputs(20'000, 0);
    RunControl control;
    control.beginBatch();
    QList<TaskSpan> spans;
    const qint64 before = monotonicNs();
    backendNamed(QStringLiteral("threads"))->execute(*noop, inputs, 2, control, spans);
    const qint64 wall = monotonicNs() - before;
    const auto measured = std::count_if(spans.cbegin(), spans.cend(), [](const TaskSpan& s) { return s.cpuNs >= 0; });
    QVERIFY(measured >= 1); // each thread's first task
    QVERIFY2(measured <= 2 * (wall / TaskClock::kSampleIntervalNs + 1),
        qPrintable(QStringLiteral("%1 of %2 tasks measured in %3 ms").arg(measured).arg(spans.size()).arg(wall / 1e6)));
    for (const TaskSpan& s : std::as_const(spans)) {
        if (s.cpuNs < 0) {
            QCOMPARE(s.waitNs, -1); // unmeasured means both
            continue;
        }
        QVERIFY2(s.waitNs >= 0 && s.cpuNs + s.waitNs <= s.endNs - s.startNs + 200'000,
            qPrintable(testsupport::describeSpan(s)));
    }
}

void TestBackends::moreWorkersThanTasks_data()
{
    QTest::addColumn<QString>("backend");
    for (const QString& id : inProcessBackends())
        QTest::newRow(qPrintable(id)) << id;
}

void TestBackends::moreWorkersThanTasks()
{
    QFETCH(QString, backend);
    const auto k = kernelNamed(QStringLiteral("sleep"));
    const QList<qint64> inputs { 20, 10 };
    RunControl control;
    control.beginBatch();
    QList<TaskSpan> spans;
    backendNamed(backend)->execute(*k, inputs, 16, control, spans);
    QCOMPARE(spans.size(), 2);
    for (int i = 0; i < 2; ++i) {
        QCOMPARE(spans[i].index, i);
        QCOMPARE(spans[i].input, inputs[i]);
        QCOMPARE(spans[i].checksum, mix64(quint64(inputs[i])));
        QVERIFY2(spans[i].worker >= 0 && spans[i].worker < 16, qPrintable(describe(spans[i])));
    }
}

void TestBackends::emptyInputList_data()
{
    moreWorkersThanTasks_data();
}

void TestBackends::emptyInputList()
{
    QFETCH(QString, backend);
    RunControl control;
    control.beginBatch();
    QList<TaskSpan> spans;
    backendNamed(backend)->execute(*kernelNamed(QStringLiteral("noop")), {}, 2, control, spans);
    QVERIFY(spans.isEmpty());
}

void TestBackends::failingTask_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<QList<qint64>>("inputs");
    QTest::addColumn<int>("failingIndex");

    // Sequential fails before it ever reaches the long task.
    QTest::newRow("sequential") << QStringLiteral("sequential") << QList<qint64> { 1, 2, 3, 60'000 } << 2;
    // The parallel ones start a 60 s task next to the failing one and must stop it, and start no more.
    for (const QString& id : parallelBackends()) {
        QTest::addRow("%s, long task first", qPrintable(id)) << id << QList<qint64> { 60'000, 3, 60'000, 60'000 } << 1;
        QTest::addRow("%s, long task among short ones", qPrintable(id))
            << id << QList<qint64> { 60'000, 1, 2, 3, 60'000, 60'000 } << 3;
    }
}

void TestBackends::failingTask()
{
    QFETCH(QString, backend);
    QFETCH(QList<qint64>, inputs);
    QFETCH(int, failingIndex);

    const ThrowingKernel kernel;
    RunControl control;
    control.beginBatch();
    QList<TaskSpan> spans;
    QElapsedTimer timer;
    timer.start();
    QString message;
    bool threwBackendError = false;
    try {
        backendNamed(backend)->execute(kernel, inputs, 2, control, spans);
    } catch (const BackendError& e) {
        threwBackendError = true;
        message = e.message();
    } catch (const Cancelled&) {
        QFAIL("the failure came out as Cancelled: the user would never learn what went wrong");
    }
    const qint64 wallMs = timer.elapsed();
    qInfo("%s: BackendError after %lld ms: %s", QTest::currentDataTag(), wallMs, qPrintable(message));

    QVERIFY2(threwBackendError, "a failing task did not fail the batch");
    QVERIFY2(message.contains(QStringLiteral("input 3")), qPrintable(message));
    QVERIFY2(message.contains(QStringLiteral("#%1").arg(failingIndex + 1)), qPrintable(message));
    QVERIFY2(message.contains(QStringLiteral("throwing")), qPrintable(message));
    QVERIFY2(message.contains(QStringLiteral("the third input is cursed")), qPrintable(message));
    QVERIFY2(wallMs < 1000, qPrintable(QStringLiteral("the batch took %1 ms to give up").arg(wallMs)));
    QVERIFY(!control.isCancelled()); // a failure is not the user's cancel
}

void TestBackends::cancelMidBatch_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<QString>("kernel");
    QTest::addColumn<int>("workers");

    for (const QString& id : inProcessBackends()) {
        for (const QString& kernel : { QStringLiteral("sleep"), QStringLiteral("spin") })
            QTest::addRow("%s/%s", qPrintable(id), qPrintable(kernel)) << id << kernel << 2;
    }
}

void TestBackends::cancelMidBatch()
{
    QFETCH(QString, backend);
    QFETCH(QString, kernel);
    QFETCH(int, workers);

    const auto k = kernelNamed(kernel);
    const QList<qint64> inputs { 60'000, 60'000, 60'000, 60'000 };
    RunControl control;
    control.beginBatch();
    std::atomic<qint64> cancelledAtNs { 0 };
    std::thread canceller([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        cancelledAtNs.store(monotonicNs());
        control.cancel();
    });

    QList<TaskSpan> spans;
    bool threw = false;
    QString other;
    try {
        backendNamed(backend)->execute(*k, inputs, workers, control, spans);
    } catch (const Cancelled&) {
        threw = true;
    } catch (const std::exception& e) {
        other = QString::fromLocal8Bit(e.what());
    }
    const qint64 returnedAtNs = monotonicNs();
    canceller.join();

    QVERIFY2(other.isEmpty(), qPrintable(QStringLiteral("threw something else: ") + other));
    QVERIFY2(threw, "execute returned normally from a cancelled batch");
    const double latencyMs = double(returnedAtNs - cancelledAtNs.load()) * 1e-6;
    const QString line = QStringLiteral("%1: execute returned %2 ms after the cancel")
                             .arg(QString::fromLatin1(QTest::currentDataTag()))
                             .arg(latencyMs, 0, 'f', 2);
    m_latencies.append(line);
    qInfo("%s", qPrintable(line));
    QVERIFY2(latencyMs < 150 * testsupport::kSlowdown, qPrintable(line));
}

void TestBackends::runsAgainAfterCancel_data()
{
    moreWorkersThanTasks_data();
}

void TestBackends::runsAgainAfterCancel()
{
    QFETCH(QString, backend);
    const auto k = kernelNamed(QStringLiteral("fib"));
    const auto b = backendNamed(backend);
    RunControl control;
    control.cancel();
    QList<TaskSpan> spans;
    QVERIFY_THROWS_EXCEPTION(Cancelled, b->execute(*k, { 30, 30, 30 }, 2, control, spans));

    control.reset();
    control.beginBatch();
    spans.clear();
    b->execute(*k, { 20, 10 }, 2, control, spans);
    QCOMPARE(spans.size(), 2);
    QCOMPARE(spans[0].checksum, quint64(6765));
    QCOMPARE(spans[1].checksum, quint64(55));
}

void TestBackends::cleanupTestCase()
{
    if (!m_latencies.isEmpty())
        qInfo("cancel latencies:\n  %s", qPrintable(m_latencies.join(QStringLiteral("\n  "))));
}

QTEST_GUILESS_MAIN(TestBackends)
#include "tst_backends.moc"
