// The engine process (`parlab engine`) that runs a user's code apart from the window: a RunSession sent there
// (isolation forced, built-in kernels) gives the run a session in this process gives, streamed as it goes and
// recorded in the history here; cancel ends the engine and everything it started; an engine that dies mid-run
// fails the run naming the signal and keeps what landed; an engine whose parent goes ends at once.

#include "engineprotocol.h"
#include "experimentspec.h"
#include "history/historystore.h"
#include "measurement.h"
#include "processguard.h"
#include "procfs.h"
#include "runresult.h"
#include "runsession.h"
#include "stats/statistics.h"
#include "testsupport.h"

#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <csignal>

using namespace parlab;
using testsupport::makeSpec;
using testsupport::processesCarrying;
using testsupport::totalSamples;

namespace {

// The engine processes this test started (its children running `parlab engine`).
QList<qint64> engines()
{
    QList<qint64> found;
    for (qint64 pid : procfs::descendants(::getpid())) {
        QFile cmdline(QStringLiteral("/proc/%1/cmdline").arg(pid));
        if (cmdline.open(QIODevice::ReadOnly) && cmdline.readAll().split('\0').value(1) == "engine")
            found.append(pid);
    }
    return found;
}

// A session with the history in `store`, its run sent to an engine process (or not), run to its end.
struct Ran {
    RunResult result;
    int progress = 0;
    int ready = 0;
    int failed = 0;
    qint64 firstProgressMs = -1; // after start()
    qint64 finishedMs = -1;
    qint64 runId = -1;
};

Ran runToTheEnd(const ExperimentSpec& spec, Runner::Isolation isolation, HistoryStore* store = nullptr)
{
    Ran ran;
    RunSession session;
    session.setIsolation(isolation);
    if (store)
        session.setHistory(store);
    QElapsedTimer timer;
    QObject::connect(&session, &RunSession::progress, &session, [&] {
        if (ran.progress++ == 0)
            ran.firstProgressMs = timer.elapsed();
    });
    QObject::connect(&session, &RunSession::measurementReady, &session, [&] { ++ran.ready; });
    QObject::connect(&session, &RunSession::failed, &session, [&] { ++ran.failed; });
    QSignalSpy finished(&session, &RunSession::finished);
    timer.start();
    if (const Result<void> started = session.start(spec); !started)
        qFatal("refused: %s", qPrintable(started.error()));
    if (!finished.wait(60'000 * testsupport::kSlowdown))
        qFatal("the run did not finish");
    ran.finishedMs = timer.elapsed();
    ran.result = finished.first().at(0).value<RunResult>();
    ran.runId = session.savedRunId();
    return ran;
}

} // namespace

class TestEngine final : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void engineRunIsTheLocalRun();
    void progressStreamsAsTheRunGoes();
    void cancelEndsTheEngineAndAllItStarted_data();
    void cancelEndsTheEngineAndAllItStarted();
    void killedEngineFailsAndKeepsWhatLanded();
    void engineEndsWhenItsParentGoes();
    void sessionGoneEndsTheEngine();
    void usersCodeGoesToTheEngine();
    void crashingLibraryFailsTheRunNotParlab();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
};

void TestEngine::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void TestEngine::cleanup()
{
    // No test leaves an engine, a worker or an interpreter behind.
    QTRY_COMPARE_WITH_TIMEOUT(processesCarrying(ProcessGuard::ownerEntry()), QList<qint64> {}, 3000);
}

void TestEngine::engineRunIsTheLocalRun()
{
    const ExperimentSpec spec = makeSpec(QStringLiteral("fib"), { 22, 20, 21, 19 },
        { QStringLiteral("sequential"), QStringLiteral("threads"), QStringLiteral("processes") }, { 1, 2 }, 2, 1);
    HistoryStore store;
    QCOMPARE(store.open(m_dir->filePath(QStringLiteral("history.sqlite"))).error(), QString());
    const Ran local = runToTheEnd(spec, Runner::Isolation::InProcess);
    const Ran apart = runToTheEnd(spec, Runner::Isolation::Engine, &store);

    for (const Ran* ran : { &local, &apart })
        QVERIFY2(ran->result.succeeded(), qPrintable(ran->result.error));
    const RunResult& l = local.result;
    const RunResult& e = apart.result;
    QCOMPARE(e.spec.kernel, l.spec.kernel);
    QCOMPARE(e.plannedRuns, l.plannedRuns);
    QCOMPARE(e.completedRuns, l.completedRuns);
    QCOMPARE(e.referenceChecksum, l.referenceChecksum);
    QVERIFY(e.referenceChecksum != 0);
    QCOMPARE(e.environment.logicalCores, l.environment.logicalCores);
    QCOMPARE(e.environment.cpu, l.environment.cpu);
    QVERIFY(e.created.isValid());
    QCOMPARE(e.bounds.taskCostsS.size(), l.bounds.taskCostsS.size());
    QVERIFY(std::isfinite(e.bounds.critical));
    QCOMPARE(e.bounds.lpt.keys(), l.bounds.lpt.keys());
    QCOMPARE(apart.progress, local.progress);
    QCOMPARE(apart.ready, local.ready);
    QCOMPARE(apart.failed, 0);
    QCOMPARE(e.measurements.size(), l.measurements.size());
    for (qsizetype i = 0; i < l.measurements.size(); ++i) {
        const Measurement& lm = l.measurements[i];
        const Measurement& em = e.measurements[i];
        QCOMPARE(em.label(), lm.label());
        QCOMPARE(em.checksum, lm.checksum);
        QCOMPARE(em.samplesS.size(), lm.samplesS.size());
        QCOMPARE(em.cpuS.size(), lm.cpuS.size());
        QCOMPARE(em.accounts.size(), lm.accounts.size());
        QCOMPARE(em.spans.size(), lm.spans.size());
        for (qsizetype t = 0; t < lm.spans.size(); ++t) {
            QCOMPARE(em.spans[t].index, lm.spans[t].index);
            QCOMPARE(em.spans[t].input, lm.spans[t].input);
            QCOMPARE(em.spans[t].checksum, lm.spans[t].checksum);
        }
        // The figures are derived here, from the streamed samples, as the local run derives its own.
        QCOMPARE(em.wall.median, Statistics::median(em.samplesS));
        QCOMPARE(std::isfinite(em.speedup), std::isfinite(lm.speedup));
        QCOMPARE(std::isfinite(em.speedupLow), std::isfinite(lm.speedupLow));
        QCOMPARE(std::isfinite(em.losses.useful), std::isfinite(lm.losses.useful));
    }
    // The workers ran where the engine is, not here.
    const Measurement* processes = e.find(QStringLiteral("processes"), 2);
    QVERIFY(processes);
    for (const TaskSpan& s : processes->spans)
        QVERIFY(s.pid != ::getpid());

    // Recorded here, as it streamed in: the stored run is the run.
    QVERIFY(apart.runId > 0);
    const Result<RunResult> stored = store.load(apart.runId);
    QVERIFY2(stored.has_value(), qPrintable(stored.error()));
    QCOMPARE(stored->measurements.size(), e.measurements.size());
    for (qsizetype i = 0; i < e.measurements.size(); ++i) {
        QCOMPARE(stored->measurements[i].label(), e.measurements[i].label());
        QCOMPARE(stored->measurements[i].samplesS, e.measurements[i].samplesS);
        QCOMPARE(stored->measurements[i].checksum, e.measurements[i].checksum);
        QCOMPARE(stored->measurements[i].spans.size(), e.measurements[i].spans.size());
    }
    QCOMPARE(store.summary(apart.runId)->status, RunStatus::Finished);
}

void TestEngine::progressStreamsAsTheRunGoes()
{
    // 2 combinations x 3 rounds of 4 x 40 ms of CPU each: about a second, reported after each execute.
    const ExperimentSpec spec = makeSpec(QStringLiteral("spin"), { 40, 40, 40, 40 },
        { QStringLiteral("sequential"), QStringLiteral("threads") }, { 2 }, 3, 0);
    const Ran ran = runToTheEnd(spec, Runner::Isolation::Engine);
    QVERIFY2(ran.result.succeeded(), qPrintable(ran.result.error));
    QCOMPARE(ran.progress, 6);
    QCOMPARE(ran.ready, 6);
    // The first repeat's progress came while the rest still ran, not all at the end.
    qInfo("first progress at %lld ms, finished at %lld ms", ran.firstProgressMs, ran.finishedMs);
    QVERIFY2(ran.finishedMs - ran.firstProgressMs > 300,
        qPrintable(
            QStringLiteral("first progress %1 ms, finished %2 ms").arg(ran.firstProgressMs).arg(ran.finishedMs)));
}

void TestEngine::cancelEndsTheEngineAndAllItStarted_data()
{
    QTest::addColumn<QString>("backend");
    QTest::newRow("threads") << QStringLiteral("threads");
    QTest::newRow("processes") << QStringLiteral("processes");
    QTest::newRow("process-per-task") << QStringLiteral("process-per-task");
    if (!QStandardPaths::findExecutable(QStringLiteral("python3")).isEmpty())
        QTest::newRow("python-processes") << QStringLiteral("python-processes");
}

void TestEngine::cancelEndsTheEngineAndAllItStarted()
{
    QFETCH(QString, backend);
    RunSession session;
    session.setIsolation(Runner::Isolation::Engine);
    QSignalSpy finished(&session, &RunSession::finished);
    QSignalSpy failed(&session, &RunSession::failed);
    // Short tasks, many rounds: each round runs the sequential baseline in the engine, then the backend's workers.
    QVERIFY(session.start(makeSpec(QStringLiteral("sleep"), { 400, 400 }, { backend }, { 2 }, 100, 0)).has_value());
    // The engine, and for the process backends its workers (their children, not ours).
    const int expected = backend == QStringLiteral("threads") ? 1 : 3;
    // Generous: under a loaded suite the interpreters and the pool may take seconds to start; the cancel is what is
    // timed here.
    // Seen in 5 samples in a row (100 ms): a short-lived process (an interpreter asked its version) is not a worker.
    // The last reading is the one judged: a python-processes pool ends between rounds, so reading again could come
    // between its batches.
    QElapsedTimer waited;
    waited.start();
    qsizetype seen = 0;
    for (int inARow = 0; inARow < 5 && finished.isEmpty() && waited.elapsed() < 60'000; QTest::qWait(20)) {
        seen = processesCarrying(ProcessGuard::ownerEntry()).size();
        inARow = seen >= expected ? inARow + 1 : 0;
    }
    QVERIFY2(seen >= expected,
        qPrintable(
            QStringLiteral("%1 of %2 processes after %3 ms; the run %4")
                .arg(seen)
                .arg(expected)
                .arg(waited.elapsed())
                .arg(finished.isEmpty() ? QStringLiteral("still going")
                                        : QStringLiteral("ended: ")
                            + (failed.isEmpty() ? QStringLiteral("no error") : failed.first().at(0).toString()))));
    QCOMPARE(engines().size(), 1);
    QElapsedTimer timer;
    timer.start();
    session.cancel();
    QVERIFY(finished.wait(5000));
    qInfo("%s: finished %lld ms after cancel()", qPrintable(backend), timer.elapsed());
    QVERIFY2(timer.elapsed() < qint64(2000) * testsupport::kSlowdown, qPrintable(QString::number(timer.elapsed())));
    // Killed by then; the last may take a moment to go.
    QTRY_COMPARE_WITH_TIMEOUT(processesCarrying(ProcessGuard::ownerEntry()), QList<qint64> {}, 1000);
    const RunResult result = finished.first().at(0).value<RunResult>();
    QVERIFY(result.cancelled);
    QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
    QCOMPARE(failed.size(), 0);
}

void TestEngine::killedEngineFailsAndKeepsWhatLanded()
{
    HistoryStore store;
    QCOMPARE(store.open(m_dir->filePath(QStringLiteral("history.sqlite"))).error(), QString());
    RunSession session;
    session.setIsolation(Runner::Isolation::Engine);
    session.setHistory(&store);
    QSignalSpy ready(&session, &RunSession::measurementReady);
    QSignalSpy finished(&session, &RunSession::finished);
    QSignalSpy failed(&session, &RunSession::failed);
    // Many short rounds: the engine is killed after a few repeats landed, long before the end.
    QVERIFY(session
                .start(makeSpec(QStringLiteral("spin"), { 5, 5, 5, 5 },
                    { QStringLiteral("sequential"), QStringLiteral("threads") }, { 1, 2 }, 500, 0))
                .has_value());
    QTRY_VERIFY_WITH_TIMEOUT(ready.size() >= 4, 15'000);
    const QList<qint64> engine = engines();
    QCOMPARE(engine.size(), 1);
    QCOMPARE(::kill(pid_t(engine.first()), SIGSEGV), 0);
    QVERIFY(finished.wait(5000));
    const int landed = int(ready.size());

    QCOMPARE(failed.size(), 1);
    const QString error = failed.first().at(0).toString();
    qInfo("%s", qPrintable(error));
    QVERIFY2(error.contains(QStringLiteral("SIGSEGV")), qPrintable(error));
    QVERIFY2(error.contains(QStringLiteral("spin")), qPrintable(error));
    // Names the combination being measured: one of the plan's.
    QVERIFY2(QRegularExpression(QStringLiteral("^(sequential x1|threads x1|threads x2): ")).match(error).hasMatch(),
        qPrintable(error));
    QVERIFY2(error.contains(QStringLiteral("the results measured before are kept")), qPrintable(error));

    const RunResult result = finished.first().at(0).value<RunResult>();
    QCOMPARE(result.error, error);
    QVERIFY(!result.cancelled);
    QCOMPARE(totalSamples(result), landed);
    QVERIFY(totalSamples(result) < 3 * 500);
    for (const Measurement& m : result.measurements) {
        if (!m.samplesS.isEmpty())
            QVERIFY(std::isfinite(m.wall.median));
    }
    // The history has the run, failed, with every repeat that landed.
    QTRY_VERIFY_WITH_TIMEOUT(session.savedRunId() > 0, 5000);
    const Result<RunResult> stored = store.load(session.savedRunId());
    QVERIFY2(stored.has_value(), qPrintable(stored.error()));
    QCOMPARE(totalSamples(*stored), landed);
    QCOMPARE(stored->error, error);
    QCOMPARE(store.summary(session.savedRunId())->status, RunStatus::Failed);
}

void TestEngine::engineEndsWhenItsParentGoes()
{
    // The engine as a Runner starts it, with a mark of this test's own, so that its workers are found wherever
    // they go once the engine is gone.
    const QByteArray mark = "PARLAB_OWNER=tst-engine-" + QByteArray::number(::getpid());
    QProcess engine;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("PARLAB_OWNER"), QString::fromLatin1(mark.mid(int(strlen("PARLAB_OWNER=")))));
    engine.setProcessEnvironment(environment);
    engine.start(QStringLiteral(PARLAB_EXECUTABLE), { QStringLiteral("engine") });
    QVERIFY(engine.waitForStarted());
    engine.write(EngineProtocol::specLine(
        makeSpec(QStringLiteral("sleep"), { 400, 400 }, { QStringLiteral("processes") }, { 2 }, 100, 0)));
    QVERIFY(engine.waitForReadyRead(15'000));
    const Result<EngineProtocol::Event> first = EngineProtocol::read(engine.readLine().trimmed());
    QVERIFY2(first.has_value(), qPrintable(first.error()));
    QVERIFY(first->kind == EngineProtocol::Event::Kind::Started);
    QCOMPARE(first->plannedRuns, 2 * 100); // the sequential baseline and processes x2
    QTRY_VERIFY_WITH_TIMEOUT(processesCarrying(mark).size() >= 3, 15'000); // the engine and two workers

    QElapsedTimer timer;
    timer.start();
    engine.closeWriteChannel(); // what a parent's death does to it
    QVERIFY(engine.waitForFinished(3000));
    qInfo("the engine ended %lld ms after its stdin closed", timer.elapsed());
    QTRY_COMPARE_WITH_TIMEOUT(processesCarrying(mark), QList<qint64> {}, 2000);
}

void TestEngine::sessionGoneEndsTheEngine()
{
    // What a window closed mid-run does: its session goes, and with it the engine and its workers.
    auto session = std::make_unique<RunSession>();
    session->setIsolation(Runner::Isolation::Engine);
    QVERIFY(
        session->start(makeSpec(QStringLiteral("sleep"), { 400, 400 }, { QStringLiteral("processes") }, { 2 }, 100, 0))
            .has_value());
    QTRY_VERIFY_WITH_TIMEOUT(processesCarrying(ProcessGuard::ownerEntry()).size() >= 3, 15'000);
    QElapsedTimer timer;
    timer.start();
    session.reset();
    qInfo("session destroyed %lld ms into the run", timer.elapsed());
    QVERIFY(timer.elapsed() < qint64(2000) * testsupport::kSlowdown);
    QTRY_COMPARE_WITH_TIMEOUT(processesCarrying(ProcessGuard::ownerEntry()), QList<qint64> {}, 1000);
}

void TestEngine::usersCodeGoesToTheEngine()
{
    // The rule: a built-in kernel runs here, unless told otherwise.
    const ExperimentSpec spec = makeSpec(QStringLiteral("fib"), { 20 }, { QStringLiteral("sequential") }, { 1 }, 1, 0);
    QVERIFY(!Runner::runsInEngine(spec));
    QVERIFY(Runner::runsInEngine(spec, Runner::Isolation::Engine));
    QVERIFY(!Runner::runsInEngine(spec, Runner::Isolation::InProcess));
    ExperimentSpec library = spec;
    library.kernel = QStringLiteral("lib:" PARLAB_USER_KERNELS "/libcrashing_kernel.so:kernel");
    QVERIFY(Runner::runsInEngine(library));
    QVERIFY(!Runner::runsInEngine(library, Runner::Isolation::InProcess));
}

void TestEngine::crashingLibraryFailsTheRunNotParlab()
{
    // The fixture segfaults on input 13, except in its first 4 calls in a process: the engine's sequential baseline
    // computes, then threads x2 crashes the engine.
    const QString kernel = QStringLiteral("lib:" PARLAB_USER_KERNELS "/libcrashing_kernel.so:kernel");
    qputenv("CRASHING_KERNEL_SPARE_CALLS", "4");
    const auto unset = qScopeGuard([] { qunsetenv("CRASHING_KERNEL_SPARE_CALLS"); });
    const testsupport::Result run = testsupport::runParlab(
        { QStringLiteral("run"), QStringLiteral("--kernel"), kernel, QStringLiteral("--inputs"),
            QStringLiteral("10..13"), QStringLiteral("--backends"), QStringLiteral("sequential,threads"),
            QStringLiteral("--workers"), QStringLiteral("2"), QStringLiteral("--repeat"), QStringLiteral("1"),
            QStringLiteral("--warmup"), QStringLiteral("0"), QStringLiteral("--no-history") });
    qInfo("stderr: %s", qPrintable(run.err));
    QCOMPARE(run.code, 1); // the run failed; parlab itself did not crash
    const QString expected = QStringLiteral(
        "parlab run: error: threads x2: your code crashed the engine process (SIGSEGV) while running input 13 of %1; "
        "the results measured before are kept")
                                 .arg(kernel);
    QVERIFY2(run.err.contains(expected), qPrintable(run.err));
    // The baseline measured before the crash is in the table.
    QVERIFY2(run.out.contains(QStringLiteral("sequential")), qPrintable(run.out));
}

QTEST_GUILESS_MAIN(TestEngine)
#include "tst_engine.moc"
