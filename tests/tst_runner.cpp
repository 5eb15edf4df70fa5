// The Runner as the GUI and the CLI drive it: in its own thread, started through a queued call, watched only
// through its signals. Checks the plan, the signal sequence, the result, validation, cancellation and reuse,
// and, through a backend factory that hands out a faulty backend, every way a backend can fail a run.

#include "backends/backend.h"
#include "backends/backendregistry.h"
#include "experimentspec.h"
#include "measurement.h"
#include "runner.h"
#include "runoptions.h"
#include "runresult.h"
#include "taskspan.h"
#include "testsupport.h"
#include "workerstarts.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>
#include <QThread>
#include <cmath>
#include <memory>

using namespace parlab;
using testsupport::makeSpec;
using testsupport::totalSamples;

namespace {

// QSignalSpy (Qt 6.4) records with a direct connection and no lock, so it must not watch an object that emits
// from another thread. This relay lives in the test thread: the runner's signals reach it queued, as they
// reach the GUI, and the spies watch the relay.
class RunnerSignals final : public QObject {
    Q_OBJECT
public:
    explicit RunnerSignals(Runner* runner)
    {
        connect(runner, &Runner::started, this, &RunnerSignals::started);
        connect(runner, &Runner::measurementReady, this, &RunnerSignals::measurementReady);
        connect(runner, &Runner::progress, this, &RunnerSignals::progress);
        connect(runner, &Runner::failed, this, &RunnerSignals::failed);
        connect(runner, &Runner::finished, this, &RunnerSignals::finished);
    }

Q_SIGNALS:
    void started(int plannedRuns);
    void measurementReady(const parlab::Measurement& measurement);
    void progress(int done, int total, double etaS, const QString& current);
    void failed(const QString& error);
    void finished(const parlab::RunResult& result);
};

// The real backend `id`, except that from its `faultyFrom`-th execute on it does `fault` after running:
// corrupts a checksum, throws a BackendError or another exception. What a broken backend looks like to the
// runner, without breaking a real one.
class FaultyBackend final : public Backend {
public:
    enum class Fault { WrongChecksum, BackendError, OtherException };

    FaultyBackend(const QString& id, Fault fault, int faultyFrom)
        : m_real(BackendRegistry::create(id))
        , m_fault(fault)
        , m_faultyFrom(faultyFrom)
    { }

    QString id() const override { return m_real->id(); }
    void configure(const RunOptions& options) override { m_real->configure(options); }
    void execute(const Kernel& kernel, const QList<qint64>& inputs, int workers, RunControl& control,
        QList<TaskSpan>& spans) override
    {
        m_real->execute(kernel, inputs, workers, control, spans);
        if (++m_calls < m_faultyFrom)
            return;
        switch (m_fault) {
        case Fault::WrongChecksum:
            spans[1].checksum ^= 0x10; // the second task computed something else
            return;
        case Fault::BackendError:
            throw BackendError(QStringLiteral("task 2 (input %1) failed: the worker vanished").arg(inputs.at(1)));
        case Fault::OtherException:
            throw std::runtime_error("out of something");
        }
    }

private:
    std::unique_ptr<Backend> m_real;
    Fault m_fault;
    int m_faultyFrom;
    int m_calls = 0;
};

// The registry's backends, but `faulty` (at any worker count) made by `make`.
BackendFactory factoryWith(const QString& faulty, const std::function<std::unique_ptr<Backend>()>& make)
{
    return [faulty, make](const QString& id) { return id == faulty ? make() : BackendRegistry::create(id); };
}

// A Runner in its own thread with a spy on every signal; cancels and joins on destruction.
class RunnerHarness final {
public:
    explicit RunnerHarness(BackendFactory factory = &BackendRegistry::create)
        : m_runner(new Runner(std::move(factory)))
        , m_signals(m_runner)
        , started(&m_signals, &RunnerSignals::started)
        , measurementReady(&m_signals, &RunnerSignals::measurementReady)
        , progress(&m_signals, &RunnerSignals::progress)
        , failed(&m_signals, &RunnerSignals::failed)
        , finished(&m_signals, &RunnerSignals::finished)
    {
        m_thread.setObjectName(QStringLiteral("runner"));
        m_runner->moveToThread(&m_thread);
        QObject::connect(&m_thread, &QThread::finished, m_runner, &QObject::deleteLater);
        m_thread.start();
    }

    ~RunnerHarness()
    {
        m_runner->cancel();
        m_thread.quit();
        m_thread.wait();
    }

    Runner* runner() const { return m_runner; }

    void start(const ExperimentSpec& spec)
    {
        Runner* runner = m_runner;
        QMetaObject::invokeMethod(
            runner, [runner, spec] { runner->start(spec); }, Qt::QueuedConnection);
    }

    RunResult result() const { return finished.isEmpty() ? RunResult {} : finished.last().at(0).value<RunResult>(); }
    QList<Measurement> measurements() const
    {
        QList<Measurement> all;
        for (const QList<QVariant>& args : measurementReady)
            all.append(args.at(0).value<Measurement>());
        return all;
    }

private:
    QThread m_thread;
    Runner* m_runner;
    RunnerSignals m_signals;

public:
    QSignalSpy started;
    QSignalSpy measurementReady;
    QSignalSpy progress;
    QSignalSpy failed;
    QSignalSpy finished;
};

QString labelOf(const QPair<QString, int>& combination)
{
    return QStringLiteral("%1 x%2").arg(combination.first).arg(combination.second);
}

} // namespace

class TestRunner final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void plan_data();
    void plan();
    void fullRun();
    void invalidSpec_data();
    void invalidSpec();
    void cancelDuringTask();
    void cancelBeforeQueuedStartIsKept();
    void cancelKeepsMeasurements();
    void runsAgainAfterCancel();
    void checksumMismatchFailsTheRun();
    void backendFailureStopsTheRun_data();
    void backendFailureStopsTheRun();
    void backendFailureWithContinueGoesOn();
    void factoryWithoutTheBackendFails();
    void interleavedBaselineIsMeasuredInTheSameRounds();
    void interleavedBaselinesFailureEndsTheRun();
    void cancelEndsBothArmsKeepingWhatTheyMeasured();
    void weakScalingGrowsTheInputs_data();
    void weakScalingGrowsTheInputs();
    void poolProbeTimesTheRunsHandOuts();
};

void TestRunner::initTestCase()
{
    Runner registersMetaTypes; // QSignalSpy needs the value types registered before it is built
    Q_UNUSED(registersMetaTypes);
}

void TestRunner::plan_data()
{
    QTest::addColumn<QStringList>("backends");
    QTest::addColumn<QList<int>>("workers");
    QTest::addColumn<QStringList>("expected");

    QTest::newRow("sequential added first")
        << QStringList { QStringLiteral("threads"), QStringLiteral("qtconcurrent") } << QList<int> { 1, 2 }
        << QStringList { QStringLiteral("sequential x1"), QStringLiteral("threads x1"), QStringLiteral("threads x2"),
               QStringLiteral("qtconcurrent x1"), QStringLiteral("qtconcurrent x2") };
    QTest::newRow("sequential moved first, once, at one worker")
        << QStringList { QStringLiteral("threads"), QStringLiteral("sequential") } << QList<int> { 4, 2 }
        << QStringList { QStringLiteral("sequential x1"), QStringLiteral("threads x4"), QStringLiteral("threads x2") };
    QTest::newRow("repeated worker counts once")
        << QStringList { QStringLiteral("qtconcurrent") } << QList<int> { 2, 2, 1 }
        << QStringList { QStringLiteral("sequential x1"), QStringLiteral("qtconcurrent x2"),
               QStringLiteral("qtconcurrent x1") };
    QTest::newRow("sequential alone") << QStringList { QStringLiteral("sequential") } << QList<int> { 1, 2, 8 }
                                      << QStringList { QStringLiteral("sequential x1") };
}

void TestRunner::plan()
{
    QFETCH(QStringList, backends);
    QFETCH(QList<int>, workers);
    QFETCH(QStringList, expected);
    QStringList labels;
    for (const auto& combination : Runner::plan(makeSpec(QStringLiteral("fib"), { 20 }, backends, workers, 1, 0)))
        labels.append(labelOf(combination));
    QCOMPARE(labels, expected);
}

void TestRunner::fullRun()
{
    RunnerHarness h;
    const ExperimentSpec s = makeSpec(QStringLiteral("fib"), { 20, 21, 22 },
        { QStringLiteral("threads"), QStringLiteral("qtconcurrent") }, { 1, 2 }, 3, 1);
    const auto combinations = Runner::plan(s);
    QCOMPARE(combinations.size(), 5);
    QCOMPARE(combinations.first(), (QPair<QString, int>(QStringLiteral("sequential"), 1)));
    h.start(s);

    QVERIFY(h.finished.wait(20'000));
    QCOMPARE(h.finished.size(), 1);
    QCOMPARE(h.failed.size(), 0);

    // started: once, first, with (warmup + repeats) x combinations planned.
    QCOMPARE(h.started.size(), 1);
    QCOMPARE(h.started.first().at(0).toInt(), (1 + 3) * 5);

    // measurementReady: one per recorded run, each round visiting every combination in plan order.
    const QList<Measurement> ready = h.measurements();
    QCOMPARE(ready.size(), 3 * 5);
    for (int i = 0; i < int(ready.size()); ++i) {
        const Measurement& m = ready[i];
        QCOMPARE(m.label(), labelOf(combinations[i % 5]));
        QCOMPARE(m.samplesS.size(), i / 5 + 1); // the measurement so far, growing by one sample per round
        QCOMPARE(m.spans.size(), 3);
    }

    // progress: every run counts, warmup included, one step at a time up to done == total.
    QCOMPARE(h.progress.size(), (1 + 3) * 5);
    for (int i = 0; i < int(h.progress.size()); ++i) {
        const QList<QVariant>& args = h.progress[i];
        QCOMPARE(args.at(0).toInt(), i + 1);
        QCOMPARE(args.at(1).toInt(), (1 + 3) * 5);
        QVERIFY(!args.at(3).toString().isEmpty());
    }
    QCOMPARE(h.progress.last().at(0).toInt(), h.progress.last().at(1).toInt());

    const RunResult r = h.result();
    QVERIFY2(r.succeeded(), qPrintable(r.error));
    QVERIFY(!r.cancelled);
    QVERIFY(r.error.isEmpty());
    QCOMPARE(r.spec.kernel, QStringLiteral("fib"));
    QCOMPARE(r.plannedRuns, 20);
    QCOMPARE(r.completedRuns, 20);
    QCOMPARE(r.measurements.size(), 5);
    for (int i = 0; i < int(r.measurements.size()); ++i) {
        const Measurement& m = r.measurements[i];
        QCOMPARE(m.label(), labelOf(combinations[i]));
        QCOMPARE(m.samplesS.size(), 3);
        QCOMPARE(m.cpuS.size(), 3);
        for (double sample : m.samplesS)
            QVERIFY(std::isfinite(sample) && sample > 0);
        QVERIFY2(std::isfinite(m.speedup) && m.speedup > 0, qPrintable(m.label()));
        QVERIFY2(std::isfinite(m.speedupLow) && std::isfinite(m.speedupHigh), qPrintable(m.label()));
        QVERIFY(m.speedupLow <= m.speedupHigh);
        QVERIFY(std::isfinite(m.efficiency));
        QVERIFY2(m.checksum == r.referenceChecksum, qPrintable(m.label())); // every backend computed the same
        QCOMPARE(m.spans.size(), 3);
    }
    QVERIFY(r.referenceChecksum != 0);

    const Measurement* sequential = r.find(QStringLiteral("sequential"), 1);
    QVERIFY(sequential);
    QCOMPARE(sequential->speedup, 1.0);
    QVERIFY2(sequential->speedupLow <= 1.0 && 1.0 <= sequential->speedupHigh,
        qPrintable(QStringLiteral("[%1, %2]").arg(sequential->speedupLow).arg(sequential->speedupHigh)));

    QCOMPARE(r.bounds.taskCostsS.size(), 3);
    for (double cost : r.bounds.taskCostsS)
        QVERIFY(std::isfinite(cost) && cost > 0);
    QVERIFY(std::isfinite(r.bounds.critical) && r.bounds.critical >= 1.0);
    QCOMPARE(r.bounds.lpt.keys(), (QList<int> { 1, 2 }));
    QVERIFY(std::abs(r.bounds.lpt.value(1) - 1.0) < 1e-9); // one worker: no speedup possible
    QVERIFY(r.bounds.lpt.value(2) >= 1.0);
}

void TestRunner::invalidSpec_data()
{
    QTest::addColumn<ExperimentSpec>("spec");
    QTest::addColumn<QString>("expected"); // what the message must say

    const ExperimentSpec good
        = makeSpec(QStringLiteral("fib"), { 20, 21 }, { QStringLiteral("threads") }, { 1, 2 }, 3, 1);
    ExperimentSpec s = good;
    s.kernel = QStringLiteral("fibb");
    QTest::newRow("unknown kernel") << s << QStringLiteral("did you mean 'fib'");
    s = good;
    s.backends = { QStringLiteral("thread") };
    QTest::newRow("unknown backend") << s << QStringLiteral("did you mean 'threads'");
    s = good;
    s.workers = { 2, 0 };
    QTest::newRow("workers 0") << s << QStringLiteral("workers: 0 is out of range");
    s = good;
    s.workers = {};
    QTest::newRow("no workers") << s << QStringLiteral("worker count");
    s = good;
    s.repeats = 0;
    QTest::newRow("repeat 0") << s << QStringLiteral("repeats: 0 is out of range");
    s = good;
    s.warmup = -1;
    QTest::newRow("warmup -1") << s << QStringLiteral("warmup: -1 is out of range");
    s = good;
    s.inputs = {};
    QTest::newRow("empty inputs") << s << QStringLiteral("input list is empty");
    s = good;
    s.inputs = { 20, 90 };
    QTest::newRow("fib input 90") << s << QStringLiteral("input 90 is above 50");
    s = good;
    s.backends = {};
    QTest::newRow("no backends") << s << QStringLiteral("no backend");
    // Weak scaling grows the inputs with the workers: the grown ones must be inputs the kernel takes.
    s = makeSpec(QStringLiteral("spin"), { 10, 400'000 }, { QStringLiteral("threads") }, { 1, 2 }, 1, 0);
    s.options.scaling = ScalingKind::Weak;
    QTest::newRow("weak spin beyond its range")
        << s
        << QStringLiteral("scaling weak: at 2 workers input 400000 grows to 800000 milliseconds of CPU, above "
                          "spin's limit of 600000");
    s = makeSpec(QStringLiteral("noop"), QList<qint64>(600'000, 1), { QStringLiteral("threads") }, { 1, 2 }, 1, 0);
    s.options.scaling = ScalingKind::Weak;
    QTest::newRow("weak repeats too many inputs")
        << s
        << QStringLiteral("scaling weak: at 2 workers the 600000 inputs grow to 1200000 tasks, more than the "
                          "1000000 one measurement may run");
}

void TestRunner::invalidSpec()
{
    QFETCH(ExperimentSpec, spec);
    QFETCH(QString, expected);

    RunnerHarness h;
    h.start(spec);
    QVERIFY(h.finished.wait(5000));
    QCOMPARE(h.failed.size(), 1);
    const QString message = h.failed.first().at(0).toString();
    QVERIFY2(message.contains(expected), qPrintable(message));

    const RunResult r = h.result();
    QCOMPARE(r.error, message);
    QVERIFY(!r.succeeded());
    QVERIFY(!r.cancelled);
    QCOMPARE(h.measurementReady.size(), 0);
    QCOMPARE(h.progress.size(), 0);
    QCOMPARE(totalSamples(r), 0);
}

void TestRunner::cancelBeforeQueuedStartIsKept()
{
    RunnerHarness h;
    // Keep the runner thread busy, so that the run's start is surely still queued when it is cancelled.
    QMetaObject::invokeMethod(
        h.runner(), [] { QThread::msleep(300); }, Qt::QueuedConnection);
    h.start(makeSpec(QStringLiteral("spin"), { 60'000, 60'000 }, { QStringLiteral("threads") }, { 2 }, 3, 1));
    h.runner()->cancel();
    QElapsedTimer timer;
    timer.start();
    QVERIFY(h.finished.wait(5000));
    QVERIFY2(timer.elapsed() < 1000, "the run must end at once, not after a minute of spinning");
    QVERIFY(h.result().cancelled);

    // The cancel was spent on that run: the next one on the same runner goes ahead.
    h.start(makeSpec(QStringLiteral("fib"), { 20, 21 }, { QStringLiteral("threads") }, { 2 }, 1, 0));
    QVERIFY(h.finished.wait(10'000));
    QVERIFY(h.result().succeeded());
}

void TestRunner::cancelDuringTask()
{
    RunnerHarness h;
    h.start(makeSpec(
        QStringLiteral("spin"), { 60'000, 60'000, 60'000, 60'000 }, { QStringLiteral("threads") }, { 2 }, 3, 1));
    QVERIFY(h.started.wait(5000));
    QCOMPARE(h.started.first().at(0).toInt(), (1 + 3) * 2);
    QTest::qWait(100); // let the first task get going

    QElapsedTimer sinceCancel;
    sinceCancel.start();
    h.runner()->cancel();
    QVERIFY(h.finished.wait(5000));
    const qint64 latencyMs = sinceCancel.elapsed();
    qInfo("finished arrived %lld ms after cancel()", latencyMs);
    QVERIFY2(latencyMs < 500, qPrintable(QString::number(latencyMs)));

    const RunResult r = h.result();
    QVERIFY(r.cancelled);
    QVERIFY(!r.succeeded());
    QVERIFY2(r.error.isEmpty(), qPrintable(r.error)); // a cancel is not an error
    QCOMPARE(h.failed.size(), 0);
    QCOMPARE(h.measurementReady.size(), 0);
    QCOMPARE(r.completedRuns, 0);
    QCOMPARE(totalSamples(r), 0);
}

void TestRunner::cancelKeepsMeasurements()
{
    RunnerHarness h;
    h.start(makeSpec(QStringLiteral("spin"), { 30, 30 }, { QStringLiteral("threads") }, { 2 }, 50, 0));
    QTRY_VERIFY_WITH_TIMEOUT(h.measurementReady.size() >= 3, 10'000);
    QElapsedTimer sinceCancel;
    sinceCancel.start();
    h.runner()->cancel();
    QVERIFY(h.finished.wait(5000));
    qInfo("finished arrived %lld ms after cancel(), keeping %d measurements", sinceCancel.elapsed(),
        int(h.measurementReady.size()));

    const RunResult r = h.result();
    QVERIFY(r.cancelled);
    QVERIFY(r.error.isEmpty());
    QCOMPARE(h.failed.size(), 0);
    // Queued signals arrive in order: every measurement announced before finished is in the result.
    const QList<Measurement> ready = h.measurements();
    QVERIFY(ready.size() >= 3);
    QVERIFY2(ready.size() < 100, "the cancel did not stop the run");
    QCOMPARE(totalSamples(r), int(ready.size()));
    QCOMPARE(r.completedRuns, int(ready.size()));
    for (const Measurement& announced : ready) {
        const Measurement* kept = r.find(announced.backend, announced.workers);
        QVERIFY(kept);
        QVERIFY(kept->samplesS.size() >= announced.samplesS.size());
        QCOMPARE(kept->samplesS.mid(0, announced.samplesS.size()), announced.samplesS);
    }
    const Measurement* sequential = r.find(QStringLiteral("sequential"), 1);
    QVERIFY(sequential && sequential->samplesS.size() >= 2);
    QVERIFY(std::isfinite(sequential->wall.median));
    QCOMPARE(r.bounds.taskCostsS.size(), 2);
    bool warned = false;
    for (const QString& warning : r.warnings)
        warned = warned || warning.contains(QStringLiteral("cancelled"));
    QVERIFY2(warned, qPrintable(r.warnings.join(QLatin1Char('\n'))));
}

void TestRunner::interleavedBaselineIsMeasuredInTheSameRounds()
{
    // The candidate's tasks 10 ms, the baseline's 20 ms: the baseline's medians come out about twice as long, both
    // measured every round, and only the candidate's measurements are announced.
    RunnerHarness h;
    const ExperimentSpec spec
        = makeSpec(QStringLiteral("sleep"), { 10, 10 }, { QStringLiteral("threads") }, { 2 }, 3, 1);
    ExperimentSpec baseline = spec;
    baseline.inputs = { 20, 20 };
    h.runner()->setInterleavedWith(baseline);
    h.start(spec);
    QVERIFY(h.finished.wait(20'000));
    const RunResult r = h.result();
    QVERIFY2(r.succeeded(), qPrintable(r.error));
    QCOMPARE(h.started.first().at(0).toInt(), 2 * Runner::plannedRuns(spec));
    QCOMPARE(h.progress.last().at(0).toInt(), 2 * Runner::plannedRuns(spec));
    QCOMPARE(h.measurementReady.size(), 3 * 2); // sequential and threads x2, three repeats: the candidate's only
    QCOMPARE(r.plannedRuns, Runner::plannedRuns(spec));
    QVERIFY(r.interleavedBaseline);
    const RunResult& b = *r.interleavedBaseline;
    QVERIFY2(b.succeeded(), qPrintable(b.error));
    QCOMPARE(b.spec.inputs, baseline.inputs);
    QCOMPARE(b.environment.cpu, r.environment.cpu);
    for (const Measurement& m : r.measurements) {
        const Measurement* other = b.find(m.backend, m.workers);
        QVERIFY(other);
        QCOMPARE(other->samplesS.size(), 3);
        const double ratio = other->wall.median / m.wall.median;
        QVERIFY2(ratio > 1.6 && ratio < 2.4, qPrintable(QString::number(ratio)));
    }
    // The same rounds, the order alternating by step: in the last round (3 of 0..3) the baseline's sequential runs
    // before the candidate's, the candidate's threads x2 before the baseline's. Spans are the latest repeat's.
    const auto firstStart = [](const RunResult& run, const QString& backend, int workers) {
        return run.find(backend, workers)->spans.first().startNs;
    };
    const QString sequential = QStringLiteral("sequential"), threads = QStringLiteral("threads");
    QVERIFY(firstStart(b, sequential, 1) < firstStart(r, sequential, 1));
    QVERIFY(firstStart(r, sequential, 1) < firstStart(r, threads, 2));
    QVERIFY(firstStart(r, threads, 2) < firstStart(b, threads, 2));
    // Sleeping 20 ms is not what sleeping 10 ms computes (sleep's checksum is its input's): the run says so.
    QVERIFY2(r.warnings.join(QLatin1Char('\n')).contains(QStringLiteral("the interleaved baseline's output differs")),
        qPrintable(r.warnings.join(QLatin1Char('\n'))));
}

void TestRunner::interleavedBaselinesFailureEndsTheRun()
{
    RunnerHarness h;
    ExperimentSpec spec = makeSpec(QStringLiteral("command"), { 1, 2 }, { QStringLiteral("processes") }, { 2 }, 3, 0);
    spec.options.kernelSettings.insert(QStringLiteral("command"), QStringLiteral("echo {}"));
    ExperimentSpec baseline = spec;
    baseline.options.kernelSettings.insert(QStringLiteral("command"), QStringLiteral("exit 3"));
    h.runner()->setInterleavedWith(baseline);
    h.start(spec);
    QVERIFY(h.finished.wait(20'000));
    QCOMPARE(h.failed.size(), 1);
    const RunResult r = h.result();
    QVERIFY2(r.error.startsWith(QStringLiteral("the interleaved baseline failed: sequential")), qPrintable(r.error));
    // What the candidate measured before is kept: its sequential repeat ran first.
    QCOMPARE(r.find(QStringLiteral("sequential"), 1)->samplesS.size(), 1);
    QVERIFY(r.interleavedBaseline);
    QVERIFY(!r.interleavedBaseline->error.isEmpty());
}

void TestRunner::cancelEndsBothArmsKeepingWhatTheyMeasured()
{
    RunnerHarness h;
    const ExperimentSpec spec
        = makeSpec(QStringLiteral("spin"), { 20, 20 }, { QStringLiteral("threads") }, { 2 }, 50, 0);
    h.runner()->setInterleavedWith(spec);
    h.start(spec);
    QTRY_VERIFY_WITH_TIMEOUT(h.measurementReady.size() >= 3, 10'000);
    h.runner()->cancel();
    QVERIFY(h.finished.wait(5000));
    const RunResult r = h.result();
    QVERIFY(r.cancelled);
    QCOMPARE(h.failed.size(), 0);
    QVERIFY(r.interleavedBaseline);
    QVERIFY(r.interleavedBaseline->cancelled);
    const Measurement* base = r.interleavedBaseline->find(QStringLiteral("sequential"), 1);
    QVERIFY(base && base->samplesS.size() >= 1);
    QVERIFY(totalSamples(r) < 100);
    // The same program on both arms: no warning that their outputs differ.
    for (const QString& warning : r.warnings)
        QVERIFY2(!warning.contains(QStringLiteral("output differs")), qPrintable(warning));
}

void TestRunner::runsAgainAfterCancel()
{
    RunnerHarness h;
    h.start(makeSpec(QStringLiteral("sleep"), { 60'000, 60'000 }, { QStringLiteral("qtconcurrent") }, { 2 }, 1, 0));
    QVERIFY(h.started.wait(5000));
    h.runner()->cancel();
    QVERIFY(h.finished.wait(2000));
    QVERIFY(h.result().cancelled);

    h.start(makeSpec(
        QStringLiteral("fib"), { 20, 21 }, { QStringLiteral("threads"), QStringLiteral("qtconcurrent") }, { 2 }, 2, 0));
    QVERIFY(h.finished.wait(10'000));
    QCOMPARE(h.finished.size(), 2);
    const RunResult r = h.result();
    QVERIFY2(r.succeeded(), qPrintable(r.error));
    QVERIFY(!r.cancelled);
    QCOMPARE(r.measurements.size(), 3);
    QCOMPARE(totalSamples(r), 3 * 2);
    QCOMPARE(h.failed.size(), 0);
    QCOMPARE(h.started.size(), 2);
    QCOMPARE(h.started.last().at(0).toInt(), 2 * 3); // the second run's own plan
}

void TestRunner::checksumMismatchFailsTheRun()
{
    // threads x2 computes right in round 1 and wrong from round 2 on: the run stops there, says which
    // backend, input and checksums, and keeps what was measured before.
    RunnerHarness h(factoryWith(QStringLiteral("threads"), [] {
        return std::make_unique<FaultyBackend>(QStringLiteral("threads"), FaultyBackend::Fault::WrongChecksum, 2);
    }));
    h.start(makeSpec(QStringLiteral("fib"), { 20, 21, 22 }, { QStringLiteral("threads") }, { 2 }, 3, 0));
    QVERIFY(h.finished.wait(10'000));
    QCOMPARE(h.failed.size(), 1);
    const QString message = h.failed.first().at(0).toString();
    QVERIFY2(message.startsWith(QStringLiteral("checksum mismatch: threads x2 gave ")), qPrintable(message));
    QVERIFY2(message.contains(QStringLiteral(" for input 21 (#2), sequential gave ")), qPrintable(message));

    const RunResult r = h.result();
    QVERIFY(!r.succeeded());
    QVERIFY(!r.cancelled);
    QCOMPARE(r.error, message);
    // Round 1 (sequential, threads) and round 2's sequential were measured; round 2's threads was not kept.
    QCOMPARE(r.completedRuns, 3);
    QCOMPARE(r.find(QStringLiteral("sequential"), 1)->samplesS.size(), 2);
    QCOMPARE(r.find(QStringLiteral("threads"), 2)->samplesS.size(), 1);
    QCOMPARE(r.find(QStringLiteral("threads"), 2)->checksum, r.referenceChecksum);
    QCOMPARE(h.measurementReady.size(), 3);
}

void TestRunner::backendFailureStopsTheRun_data()
{
    QTest::addColumn<int>("fault");
    QTest::addColumn<QString>("expected");
    QTest::newRow("BackendError") << int(FaultyBackend::Fault::BackendError)
                                  << QStringLiteral("threads x2: task 2 (input 21) failed: the worker vanished");
    QTest::newRow("another exception") << int(FaultyBackend::Fault::OtherException)
                                       << QStringLiteral("threads x2: out of something");
}

void TestRunner::backendFailureStopsTheRun()
{
    QFETCH(int, fault);
    QFETCH(QString, expected);
    RunnerHarness h(factoryWith(QStringLiteral("threads"), [fault] {
        return std::make_unique<FaultyBackend>(QStringLiteral("threads"), FaultyBackend::Fault(fault), 1);
    }));
    h.start(makeSpec(QStringLiteral("fib"), { 20, 21, 22 }, { QStringLiteral("threads") }, { 1, 2 }, 3, 0));
    QVERIFY(h.finished.wait(10'000));
    QCOMPARE(h.failed.size(), 1);
    // threads x1 fails first (plan order): the message names the combination that failed.
    QString wanted = expected;
    wanted.replace(QStringLiteral("threads x2"), QStringLiteral("threads x1"));
    QCOMPARE(h.failed.first().at(0).toString(), wanted);
    const RunResult r = h.result();
    QCOMPARE(r.error, wanted);
    QVERIFY(!r.succeeded());
    QCOMPARE(r.completedRuns, 1); // the sequential baseline's first round
    QCOMPARE(r.find(QStringLiteral("sequential"), 1)->samplesS.size(), 1);
    QCOMPARE(r.find(QStringLiteral("threads"), 1)->samplesS.size(), 0);
}

void TestRunner::backendFailureWithContinueGoesOn()
{
    // on_error=continue: every repeat of the faulty combination is marked failed with its message, the others
    // are measured in full, and the run ends normally with the failures on record.
    RunnerHarness h(factoryWith(QStringLiteral("qtconcurrent"), [] {
        return std::make_unique<FaultyBackend>(QStringLiteral("qtconcurrent"), FaultyBackend::Fault::BackendError, 1);
    }));
    ExperimentSpec spec = makeSpec(
        QStringLiteral("fib"), { 20, 21 }, { QStringLiteral("threads"), QStringLiteral("qtconcurrent") }, { 2 }, 3, 1);
    spec.options.onError = OnError::Continue;
    h.start(spec);
    QVERIFY(h.finished.wait(10'000));
    QCOMPARE(h.failed.size(), 0);
    const RunResult r = h.result();
    QVERIFY(r.error.isEmpty());
    QCOMPARE(r.completedRuns, (1 + 3) * 3);
    const Measurement* faulty = r.find(QStringLiteral("qtconcurrent"), 2);
    QCOMPARE(faulty->failedRuns, 1 + 3); // warm-up round included: it failed too
    QCOMPARE(faulty->samplesS.size(), 0);
    QCOMPARE(faulty->lastError, QStringLiteral("qtconcurrent x2: task 2 (input 21) failed: the worker vanished"));
    QCOMPARE(r.find(QStringLiteral("threads"), 2)->samplesS.size(), 3);
    QCOMPARE(r.find(QStringLiteral("threads"), 2)->failedRuns, 0);
    QCOMPARE(h.progress.last().at(0).toInt(), (1 + 3) * 3);
}

void TestRunner::factoryWithoutTheBackendFails()
{
    RunnerHarness h(
        [](const QString& id) { return id == QStringLiteral("threads") ? nullptr : BackendRegistry::create(id); });
    h.start(makeSpec(QStringLiteral("fib"), { 20 }, { QStringLiteral("threads") }, { 2 }, 1, 0));
    QVERIFY(h.finished.wait(5000));
    QCOMPARE(h.result().error, QStringLiteral("no backend 'threads' to run"));
    QCOMPARE(h.started.size(), 0);
}

// After its last round a run probes what its pool's parent spends a hand-out with 1, 2, ... workers served at once
// (WorkerStarts): no starts (a pool starts its workers once), its hand-outs, each of the run's chunk: a hand-out of 40
// tasks takes the parent 40 results to read (here 194 µs against 7.8 for one task), where timing its tasks one by one
// gave a fifth of one task's hand-out. A chunk as big as a probe batch's tasks per worker leaves one hand-out each, too
// few to time: no figure.
void TestRunner::poolProbeTimesTheRunsHandOuts()
{
    const QList<int> counts = WorkerStarts::countsFor(QThread::idealThreadCount());
    double single = kUnknown;
    for (const int chunk : { 1, 40, WorkerStarts::kHandOutTasks }) {
        ExperimentSpec spec = makeSpec(QStringLiteral("noop"), QList<qint64>(40, 0),
            { QStringLiteral("threads"), QStringLiteral("processes") }, { 1, 2 }, 2, 0);
        spec.options.chunksize = chunk;
        const RunResult r = testsupport::runToEnd(spec).result;
        QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
        const WorkerStarts* pool = r.environment.workerStartsOf(QStringLiteral("processes"));
        QVERIFY(pool);
        QCOMPARE(pool->rounds, WorkerStarts::kRounds);
        QCOMPARE(pool->counts.size(), counts.size());
        for (qsizetype i = 0; i < counts.size(); ++i) {
            const WorkerStartCost& c = pool->counts[i];
            QCOMPARE(c.workers, counts[i]);
            QVERIFY(std::isnan(c.wallS) && c.wallSamplesS.isEmpty());
            const bool timed = chunk < WorkerStarts::kHandOutTasks && counts.size() > 1;
            QVERIFY2(timed ? c.handOutS > 0 : std::isnan(c.handOutS), qPrintable(QString::number(c.handOutS)));
        }
        if (counts.size() < 2)
            continue;
        if (chunk == 1)
            single = pool->counts.constFirst().handOutS;
        else if (chunk == 40)
            QVERIFY2(pool->counts.constFirst().handOutS > 5 * single,
                qPrintable(QStringLiteral("%1 s a hand-out of 40, %2 s of one")
                               .arg(pool->counts.constFirst().handOutS)
                               .arg(single)));
        // Threads, started in every batch, have their starts probed beside.
        const WorkerStarts* threads = r.environment.workerStartsOf(QStringLiteral("threads"));
        QVERIFY(threads);
        QVERIFY(threads->counts.constFirst().wallS > 0);
    }
}

QTEST_GUILESS_MAIN(TestRunner)
void TestRunner::weakScalingGrowsTheInputs_data()
{
    QTest::addColumn<QString>("kernel");
    QTest::addColumn<QList<qint64>>("inputs");
    QTest::addColumn<QList<qint64>>("atTwo"); // the inputs the 2-worker measurements ran, in input order
    QTest::addColumn<QString>("backend");

    // spin has a size rule: N times the milliseconds at N workers, as many tasks.
    QTest::newRow("spin, by its size rule, threads")
        << QStringLiteral("spin") << QList<qint64> { 3, 5 } << QList<qint64> { 6, 10 } << QStringLiteral("threads");
    QTest::newRow("spin, by its size rule, processes")
        << QStringLiteral("spin") << QList<qint64> { 3, 5 } << QList<qint64> { 6, 10 } << QStringLiteral("processes");
    // fib has none: the inputs N times over.
    QTest::newRow("fib, repeated, threads") << QStringLiteral("fib") << QList<qint64> { 18, 20 }
                                            << QList<qint64> { 18, 20, 18, 20 } << QStringLiteral("threads");
    QTest::newRow("fib, repeated, process-per-task")
        << QStringLiteral("fib") << QList<qint64> { 18, 20 } << QList<qint64> { 18, 20, 18, 20 }
        << QStringLiteral("process-per-task");
}

// A weak run: what each measurement ran, its checksums, and its figures: scaled speedup N.T1/TN and weak efficiency
// T1/TN, read from the medians the user sees.
void TestRunner::weakScalingGrowsTheInputs()
{
    QFETCH(QString, kernel);
    QFETCH(QList<qint64>, inputs);
    QFETCH(QList<qint64>, atTwo);
    QFETCH(QString, backend);

    ExperimentSpec s = makeSpec(kernel, inputs, { backend }, { 1, 2 }, 3, 0);
    s.options.scaling = ScalingKind::Weak;
    RunnerHarness h;
    h.start(s);
    QVERIFY(h.finished.wait(60'000));
    const RunResult r = h.result();
    QVERIFY2(r.succeeded(), qPrintable(r.error));

    const Measurement* base = r.find(QStringLiteral("sequential"), 1);
    const Measurement* one = r.find(backend, 1);
    const Measurement* two = r.find(backend, 2);
    QVERIFY(base && one && two);
    auto ran = [](const Measurement& m) {
        QList<qint64> byIndex(m.spans.size());
        for (const TaskSpan& span : m.spans)
            byIndex[span.index] = span.input;
        return byIndex;
    };
    QCOMPARE(ran(*base), inputs);
    QCOMPARE(ran(*one), inputs);
    QCOMPARE(ran(*two), atTwo);
    // Checksums follow the inputs: the base inputs' where they repeat, others where the size rule made new inputs.
    QCOMPARE(one->checksum, base->checksum);
    if (atTwo.size() > inputs.size())
        QVERIFY(two->checksum != base->checksum);

    QCOMPARE(two->speedup, 2 * base->wall.median / two->wall.median);
    QCOMPARE(two->efficiency, base->wall.median / two->wall.median);
    QCOMPARE(one->speedup, base->wall.median / one->wall.median);
    QVERIFY(std::isfinite(two->speedupLow) && two->speedupLow <= two->speedup && two->speedup <= two->speedupHigh);
    // Where the time went is split against the baseline's work done twice over: the parts still make 100%.
    double parts = two->losses.useful;
    for (double part : { two->losses.startup, two->losses.dispatch, two->losses.imbalance, two->losses.slowdown,
             two->losses.lockWait, two->losses.cpuWait, two->losses.blocked, two->losses.unexplained })
        parts += std::isfinite(part) ? part : 0.0;
    QVERIFY2(std::abs(parts - 1.0) < 1e-9, qPrintable(QString::number(parts)));
    QCOMPARE(two->losses.useful,
        two->efficiency * base->samplesS[base->medianRepeat] / base->wall.median * two->wall.median
            / two->samplesS[two->medianRepeat]);
    // Amdahl's law is a strong-scaling model: a weak run is not fitted by it.
    QVERIFY(r.amdahlSerialFraction.isEmpty());
    QVERIFY(r.usl.isEmpty());
    // Gustafson's law is fitted to the scaled speedups instead: N - S = alpha (N - 1).
    QVERIFY(r.gustafsonSerialFraction.contains(backend));
    QCOMPARE(r.gustafsonSerialFraction.value(backend), 2 - two->speedup);
    QVERIFY(!std::isfinite(two->karpFlatt));
}

#include "tst_runner.moc"
