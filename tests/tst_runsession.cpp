// RunSession as the window and the CLI drive it: one session per run, a real Runner with real backends (threads,
// worker processes, child programs), a real history database. Checks the signal sequence and the history row of
// a run that succeeds, is cancelled (every child process ended) or fails; that a bad spec or a second start is
// refused with the reason and leaves nothing behind; and that an old session's results never reach a new one.

#include "experimentspec.h"
#include "history/historystore.h"
#include "measurement.h"
#include "runresult.h"
#include "runsession.h"
#include "testsupport.h"

#include <QElapsedTimer>
#include <QPointer>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <functional>
#include <future>

using namespace parlab;
using testsupport::descendants;
using testsupport::makeSpec;
using testsupport::totalSamples;

namespace {

// Long enough that a run is surely still going when the test acts on it.
ExperimentSpec longSpec(const QString& backend)
{
    return makeSpec(QStringLiteral("sleep"), { 60'000, 60'000 }, { backend }, { 2 }, 3, 0);
}

} // namespace

class TestRunSession final : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init();
    void runToTheEndIsRecorded();
    void invalidSpecIsRefusedAndLeavesNothing();
    void secondStartIsRefused();
    void cancelEndsEveryProcess_data();
    void cancelEndsEveryProcess();
    void cancelOrEndBeforeTheThreadStarts();
    void failingRunRecordsItsMessage();
    void oldSessionNeverReachesTheNewOne();
    void historyInAnotherThread();
    void pacedRunWaitsForItsWatcher();
    void retiredSessionGoesWithoutBeingWaitedFor();

private:
    QString dbPath() const { return m_dir->filePath(QStringLiteral("history.sqlite")); }
    std::unique_ptr<QTemporaryDir> m_dir;
};

void TestRunSession::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void TestRunSession::runToTheEndIsRecorded()
{
    HistoryStore store;
    QCOMPARE(store.open(dbPath()).error(), QString());
    RunSession session;
    session.setHistory(&store);
    QSignalSpy started(&session, &RunSession::started);
    QSignalSpy progress(&session, &RunSession::progress);
    QSignalSpy ready(&session, &RunSession::measurementReady);
    QSignalSpy changed(&session, &RunSession::resultChanged);
    QSignalSpy failed(&session, &RunSession::failed);
    QSignalSpy finished(&session, &RunSession::finished);
    QSignalSpy historyStarted(&session, &RunSession::historyRunStarted);
    QSignalSpy historySaved(&session, &RunSession::historyRunSaved);
    QSignalSpy notSaved(&session, &RunSession::historyFailed);
    // What the CLI reads when the run ends: the run is stored by then.
    qint64 savedAtFinish = -2;
    connect(&session, &RunSession::finished, this, [&] { savedAtFinish = session.savedRunId(); });

    const ExperimentSpec spec = makeSpec(QStringLiteral("spin"), { 2, 2, 2, 2 },
        { QStringLiteral("sequential"), QStringLiteral("threads") }, { 1, 2 }, 2, 1);
    const Result<void> start = session.start(spec);
    QVERIFY2(start.has_value(), qPrintable(start.error()));
    QVERIFY(session.isRunning());
    QCOMPARE(session.result().spec.kernel, QStringLiteral("spin")); // the spec at once, before anything lands
    QVERIFY(finished.wait(30'000));
    QVERIFY(!session.isRunning());
    QVERIFY(session.hasEnded());

    // 3 combinations (sequential, threads x1, x2), 1 warm-up + 2 measured rounds.
    QCOMPARE(started.size(), 1);
    QCOMPARE(started.first().at(0).toInt(), 3 * 3);
    QCOMPARE(progress.size(), 3 * 3);
    for (int i = 0; i < int(progress.size()); ++i) {
        QCOMPARE(progress[i].at(0).toInt(), i + 1);
        QCOMPARE(progress[i].at(1).toInt(), 3 * 3);
    }
    QCOMPARE(ready.size(), 3 * 2);
    QCOMPARE(changed.size(), 3 * 2);
    QCOMPARE(failed.size(), 0);
    QCOMPARE(finished.size(), 1);

    const RunResult result = finished.first().at(0).value<RunResult>();
    QVERIFY2(result.succeeded(), qPrintable(result.error));
    QCOMPARE(result.measurements.size(), 3);
    QCOMPARE(totalSamples(result), 3 * 2);
    QCOMPARE(session.result().measurements.size(), 3);
    QCOMPARE(session.result().completedRuns, result.completedRuns);

    // The history row: begun when the run started, finished with every sample, stored before finished().
    QVERIFY2(notSaved.isEmpty(), notSaved.isEmpty() ? "" : qPrintable(notSaved.first().first().toString()));
    QCOMPARE(historyStarted.size(), 1);
    QCOMPARE(historySaved.size(), 1);
    const qint64 id = historySaved.first().first().toLongLong();
    QCOMPARE(historyStarted.first().first().toLongLong(), id);
    QCOMPARE(session.historyRunId(), id);
    QCOMPARE(savedAtFinish, id);
    QCOMPARE(store.runs().value_or({}).size(), 1);
    const auto summary = store.summary(id);
    QVERIFY(summary);
    QCOMPARE(summary->status, RunStatus::Finished);
    QCOMPARE(summary->samples, 3 * 2);
    const auto loaded = store.load(id);
    QVERIFY(loaded);
    for (const Measurement& m : result.measurements)
        QCOMPARE(loaded->find(m.backend, m.workers)->samplesS, m.samplesS);
}

void TestRunSession::invalidSpecIsRefusedAndLeavesNothing()
{
    HistoryStore store;
    QCOMPARE(store.open(dbPath()).error(), QString());
    RunSession session;
    session.setHistory(&store);
    QSignalSpy started(&session, &RunSession::started);
    QSignalSpy finished(&session, &RunSession::finished);
    ExperimentSpec spec = makeSpec(QStringLiteral("fibb"), { 20 }, { QStringLiteral("threads") }, { 2 }, 1, 0);
    const Result<void> start = session.start(spec);
    QVERIFY(!start.has_value());
    QVERIFY2(start.error().contains(QStringLiteral("did you mean 'fib'")), qPrintable(start.error()));
    QVERIFY(!session.isRunning());
    QVERIFY(!session.hasEnded());
    QTest::qWait(200);
    QCOMPARE(started.size() + finished.size(), 0);
    QCOMPARE(store.runs().value_or({}).size(), 0);
    QCOMPARE(descendants(), QList<qint64> {});

    // The same session can still run a good spec: a refused start did not use it up.
    spec.kernel = QStringLiteral("fib");
    QVERIFY(session.start(spec).has_value());
    QVERIFY(finished.wait(10'000));
    QVERIFY(finished.first().at(0).value<RunResult>().succeeded());
}

void TestRunSession::secondStartIsRefused()
{
    RunSession session;
    QSignalSpy started(&session, &RunSession::started);
    QSignalSpy finished(&session, &RunSession::finished);
    QVERIFY(session.start(longSpec(QStringLiteral("threads"))).has_value());
    QVERIFY(started.wait(5000));

    // While it runs: refused, and the run goes on untouched.
    const ExperimentSpec other = makeSpec(QStringLiteral("fib"), { 20 }, { QStringLiteral("sequential") }, { 1 }, 1, 0);
    const Result<void> again = session.start(other);
    QVERIFY(!again.has_value());
    QVERIFY2(again.error().contains(QStringLiteral("already going")), qPrintable(again.error()));
    QVERIFY(session.isRunning());
    QCOMPARE(session.result().spec.kernel, QStringLiteral("sleep"));

    session.cancel();
    QVERIFY(finished.wait(5000));
    QVERIFY(finished.first().at(0).value<RunResult>().cancelled);
    // After its end a session stays what it was: the next run is a new session.
    const Result<void> afterEnd = session.start(other);
    QVERIFY(!afterEnd.has_value());
    QVERIFY2(afterEnd.error().contains(QStringLiteral("start a new one")), qPrintable(afterEnd.error()));
    QTest::qWait(200);
    QCOMPARE(finished.size(), 1);
    QCOMPARE(session.result().spec.kernel, QStringLiteral("sleep"));
}

void TestRunSession::cancelEndsEveryProcess_data()
{
    QTest::addColumn<QString>("backend");
    QTest::newRow("processes") << QStringLiteral("processes");
    QTest::newRow("process-per-task") << QStringLiteral("process-per-task");
}

void TestRunSession::cancelEndsEveryProcess()
{
    QFETCH(QString, backend);
    HistoryStore store;
    QCOMPARE(store.open(dbPath()).error(), QString());
    RunSession session;
    session.setHistory(&store);
    QSignalSpy finished(&session, &RunSession::finished);
    QSignalSpy failed(&session, &RunSession::failed);
    // Short tasks, many rounds: each round runs the in-process sequential baseline, then the backend's child
    // processes; the test cancels the moment it sees them.
    QVERIFY(session.start(makeSpec(QStringLiteral("sleep"), { 400, 400 }, { backend }, { 2 }, 100, 0)).has_value());
    // Once per try: process-per-task's children come and go between tasks, and QTRY would read the list again.
    QVERIFY(QTest::qWaitFor([] { return !descendants().isEmpty(); }, 10'000));
    QVERIFY(session.isRunning());
    QElapsedTimer timer;
    timer.start();
    session.cancel();
    QVERIFY(finished.wait(5000));
    qInfo("%s: finished %lld ms after cancel()", qPrintable(backend), timer.elapsed());
    QVERIFY2(timer.elapsed() < 2000, qPrintable(QString::number(timer.elapsed())));
    QTRY_COMPARE_WITH_TIMEOUT(descendants(), QList<qint64> {}, 2000);

    const RunResult result = finished.first().at(0).value<RunResult>();
    QVERIFY(result.cancelled);
    QVERIFY2(result.error.isEmpty(), qPrintable(result.error)); // a cancel is not a failure
    QCOMPARE(failed.size(), 0);
    QVERIFY2(totalSamples(result) < 2 * 100, "the cancel did not stop the run");
    // Stored as cancelled, with what was measured before the cancel.
    QVERIFY(session.savedRunId() >= 0);
    const auto summary = store.summary(session.savedRunId());
    QVERIFY(summary);
    QCOMPARE(summary->status, RunStatus::Cancelled);
    QCOMPARE(summary->samples, totalSamples(result));
}

void TestRunSession::cancelOrEndBeforeTheThreadStarts()
{
    // start() returns before the run's thread starts (that waits for the event loop, so that a window paints the
    // run's start first). A cancel in between still ends the run, with finished() and the history row.
    HistoryStore store;
    QCOMPARE(store.open(dbPath()).error(), QString());
    {
        RunSession session;
        session.setHistory(&store);
        QSignalSpy finished(&session, &RunSession::finished);
        QVERIFY(session.start(longSpec(QStringLiteral("processes"))).has_value());
        QVERIFY(session.isRunning());
        session.cancel(); // no event loop has run yet
        QVERIFY(finished.wait(5000));
        const RunResult result = finished.first().at(0).value<RunResult>();
        QVERIFY(result.cancelled);
        QCOMPARE(totalSamples(result), 0);
        QVERIFY(!session.isRunning());
    }
    QTRY_COMPARE_WITH_TIMEOUT(descendants(), QList<qint64> {}, 2000);

    // A session that goes before its thread ever started (a window closed in that instant) ran nothing and leaves
    // nothing: no process, no thread waited for, and its runner freed (the sanitizer builds would see a leak).
    QElapsedTimer timer;
    timer.start();
    {
        RunSession session;
        session.setHistory(&store);
        QVERIFY(session.start(longSpec(QStringLiteral("processes"))).has_value());
    }
    QVERIFY2(timer.elapsed() < 1000, qPrintable(QString::number(timer.elapsed())));
    QTest::qWait(200); // the timer that would have started the thread went with the session
    QCOMPARE(descendants(), QList<qint64> {});
    const auto runs = store.runs();
    QVERIFY(runs);
    QCOMPARE(runs->size(), 1); // the cancelled run above; the one that never started left no row
}

void TestRunSession::failingRunRecordsItsMessage()
{
    HistoryStore store;
    QCOMPARE(store.open(dbPath()).error(), QString());
    RunSession session;
    session.setHistory(&store);
    QSignalSpy failed(&session, &RunSession::failed);
    QSignalSpy finished(&session, &RunSession::finished);
    // A real program that fails for input 9: the baseline's first round fails on its second task.
    ExperimentSpec spec = makeSpec(QStringLiteral("command"), { 1, 9 }, { QStringLiteral("sequential") }, { 1 }, 2, 0);
    spec.options.kernelSettings.insert(QStringLiteral("command"), QStringLiteral("test {} -lt 5"));
    QVERIFY(session.start(spec).has_value());
    QVERIFY(finished.wait(10'000));
    QCOMPARE(failed.size(), 1);
    const QString message = failed.first().at(0).toString();
    QVERIFY2(message.startsWith(QStringLiteral("sequential x1: ")), qPrintable(message));
    QVERIFY2(message.contains(QStringLiteral("test 9 -lt 5")), qPrintable(message));
    const RunResult result = finished.first().at(0).value<RunResult>();
    QCOMPARE(result.error, message);
    QVERIFY(!result.succeeded());
    QVERIFY(!result.cancelled);

    const auto summary = store.summary(session.savedRunId());
    QVERIFY(summary);
    QCOMPARE(summary->status, RunStatus::Failed);
    QCOMPARE(summary->error, message);
}

void TestRunSession::oldSessionNeverReachesTheNewOne()
{
    // A receiver as the window is one: it shows whatever the session it is connected to delivers. An old
    // session goes (mid-run, with results still queued for it) and a new one starts; from then on the
    // receiver sees the new run only. The runs are told apart by kernel (spin, then fib).
    HistoryStore store;
    QCOMPARE(store.open(dbPath()).error(), QString());
    QStringList kernels; // of every result the receiver got
    QStringList backends; // of every measurement it got
    auto watch = [&](RunSession* session) {
        connect(session, &RunSession::resultChanged, this,
            [&kernels](const RunResult& r) { kernels.append(r.spec.kernel); });
        connect(
            session, &RunSession::finished, this, [&kernels](const RunResult& r) { kernels.append(r.spec.kernel); });
        connect(session, &RunSession::measurementReady, this,
            [&backends](const Measurement& m) { backends.append(m.backend); });
    };

    auto old = std::make_unique<RunSession>();
    old->setHistory(&store);
    watch(old.get());
    QSignalSpy oldChanged(old.get(), &RunSession::resultChanged);
    QVERIFY(old->start(makeSpec(QStringLiteral("spin"), { 5, 5 }, { QStringLiteral("threads") }, { 2 }, 10'000, 0))
                .has_value());
    QVERIFY(oldChanged.wait(10'000));
    QThread::msleep(200); // the old run goes on, its results queue up undelivered
    const qsizetype kernelsBefore = kernels.size();
    const qsizetype backendsBefore = backends.size();
    QVERIFY(kernelsBefore > 0 && backendsBefore > 0);
    const qint64 oldId = old->historyRunId();
    QVERIFY(oldId >= 0);
    old.reset(); // cancels and joins its run; what was queued for it goes with it

    RunSession fresh;
    fresh.setHistory(&store);
    watch(&fresh);
    QSignalSpy finished(&fresh, &RunSession::finished);
    QVERIFY(fresh.start(makeSpec(QStringLiteral("fib"), { 20 }, { QStringLiteral("sequential") }, { 1 }, 3, 0))
                .has_value());
    QVERIFY(finished.wait(10'000));
    QTest::qWait(100); // anything still in flight would land now
    const QStringList kernelsAfter = kernels.mid(kernelsBefore);
    QCOMPARE(kernelsAfter.size(), 3 + 1); // the new run's three results and its end
    QCOMPARE(kernelsAfter, QStringList(4, QStringLiteral("fib")));
    QCOMPARE(backends.mid(backendsBefore), QStringList(3, QStringLiteral("sequential")));

    // The old run, ended by its session's end (a window closed mid-run), is stored as cancelled with
    // everything it measured, not left to read as interrupted.
    const auto summary = store.summary(oldId);
    QVERIFY(summary);
    QCOMPARE(summary->status, RunStatus::Cancelled);
    QVERIFY(summary->samples >= int(backendsBefore));
    QCOMPARE(store.summary(fresh.savedRunId())->status, RunStatus::Finished);
}

void TestRunSession::historyInAnotherThread()
{
    // The window's arrangement: the store lives in a history thread of its own, so that storing a large
    // measurement never stalls the window; the session records through it all the same.
    // As the window does, the writer is made and its opening posted before the thread starts, and each step in
    // the thread is waited for through a future: orders ThreadSanitizer sees, where a BlockingQueuedConnection
    // (a QSemaphore in an uninstrumented Qt) is not.
    QThread historyThread;
    historyThread.setObjectName(QStringLiteral("history"));
    auto* anchor = new QObject;
    anchor->moveToThread(&historyThread);
    HistoryStore writer;
    const auto inHistoryThread = [anchor](const std::function<void()>& work) {
        std::promise<void> done;
        std::future<void> doneFuture = done.get_future();
        QMetaObject::invokeMethod(
            anchor,
            [&work, &done] {
                work();
                done.set_value();
            },
            Qt::QueuedConnection);
        if (!anchor->thread()->isRunning())
            anchor->thread()->start();
        doneFuture.wait();
    };
    QString opened = QStringLiteral("not run");
    inHistoryThread([&] { opened = writer.open(dbPath()).error(); });
    QCOMPARE(opened, QString());

    qint64 savedId = -1;
    {
        RunSession session;
        session.setHistory(&writer, &historyThread);
        QSignalSpy finished(&session, &RunSession::finished);
        QSignalSpy saved(&session, &RunSession::historyRunSaved);
        QSignalSpy historyStarted(&session, &RunSession::historyRunStarted);
        // 2 x 30 repeats of a 40 ms sleep, 2.4 s at least: the history thread stores what landed while the run goes
        // on (its store timer moved there with the recorder; one left behind never fired there).
        QVERIFY(session.start(makeSpec(QStringLiteral("sleep"), { 40 }, { QStringLiteral("threads") }, { 2 }, 30, 0))
                    .has_value());
        QVERIFY(historyStarted.wait(10'000));
        const qint64 runningId = historyStarted.first().first().toLongLong();
        HistoryStore watcher;
        QCOMPARE(watcher.open(dbPath()).error(), QString());
        QVERIFY(QTest::qWaitFor(
            [&] { return session.isRunning() && watcher.summary(runningId).value_or(RunSummary {}).samples > 0; },
            10'000));
        QVERIFY(session.isRunning());
        QVERIFY(finished.wait(20'000));
        QVERIFY(finished.first().at(0).value<RunResult>().succeeded());
        QVERIFY(saved.size() == 1 || saved.wait(10'000));
        savedId = saved.first().first().toLongLong();
        QCOMPARE(session.savedRunId(), savedId);
    }
    inHistoryThread([&] { writer.close(); });
    historyThread.quit();
    historyThread.wait();
    delete anchor;

    HistoryStore reader;
    QCOMPARE(reader.open(dbPath()).error(), QString());
    const auto summary = reader.summary(savedId);
    QVERIFY(summary);
    QCOMPARE(summary->status, RunStatus::Finished);
    QCOMPARE(summary->samples, 2 * 30); // sequential and threads x2, 30 repeats each
}

void TestRunSession::pacedRunWaitsForItsWatcher()
{
    // A paced run times its next repeat only once its watcher (the window) has taken in the last one, or after
    // Runner::kPaceWait; a cancel meanwhile ends it at once.
    static_assert(Runner::kPaceWait >= std::chrono::milliseconds(600));
    const ExperimentSpec spec
        = makeSpec(QStringLiteral("sleep"), { 10 }, { QStringLiteral("sequential") }, { 1 }, 6, 0);
    // A paced session, started and its first repeat landed.
    struct Paced {
        RunSession session;
        QSignalSpy progress { &session, &RunSession::progress };
        QSignalSpy finished { &session, &RunSession::finished };
        bool start(const ExperimentSpec& spec)
        {
            session.setPaced(true);
            return session.start(spec).has_value() && progress.wait(10'000);
        }
    };
    {
        Paced paced;
        QVERIFY(paced.start(spec));
        RunSession& session = paced.session;
        QSignalSpy& progress = paced.progress;
        QSignalSpy& finished = paced.finished;
        QTest::qWait(300); // untaken: the runner waits
        QCOMPARE(progress.size(), 1);
        session.taken();
        QVERIFY(progress.wait(2'000));
        // Taken as each lands: the other repeats follow without waiting.
        connect(&session, &RunSession::progress, &session, [&session] { session.taken(); });
        session.taken();
        QElapsedTimer rest;
        rest.start();
        QVERIFY(finished.wait(10'000));
        QCOMPARE(progress.size(), 6);
        QVERIFY2(rest.elapsed() < 500, qPrintable(QString::number(rest.elapsed())));
        QCOMPARE(finished.first().at(0).value<RunResult>().measurements.value(0).samplesS.size(), 6);
    }
    {
        Paced paced;
        QVERIFY(paced.start(spec));
        QElapsedTimer clock;
        clock.start();
        paced.session.cancel();
        QVERIFY(paced.finished.wait(10'000));
        QVERIFY2(clock.elapsed() < 300, qPrintable(QString::number(clock.elapsed())));
        QVERIFY(paced.finished.first().at(0).value<RunResult>().cancelled);
    }
}

void TestRunSession::retiredSessionGoesWithoutBeingWaitedFor()
{
    // Ended: retire() returns at once and the session is deleted from the event loop.
    auto* ended = new RunSession;
    QSignalSpy finished(ended, &RunSession::finished);
    QVERIFY(ended->start(makeSpec(QStringLiteral("fib"), { 20 }, { QStringLiteral("sequential") }, { 1 }, 1, 0))
                .has_value());
    QVERIFY(finished.wait(10'000));
    QPointer<RunSession> first(ended);
    ended->retire();
    QTRY_VERIFY_WITH_TIMEOUT(first.isNull(), 5000);

    // Still running: retire() cancels it, its processes end, and it goes once its thread has.
    auto* running = new RunSession;
    QSignalSpy started(running, &RunSession::started);
    QVERIFY(running->start(longSpec(QStringLiteral("process-per-task"))).has_value());
    QVERIFY(started.wait(5000));
    QPointer<RunSession> second(running);
    running->retire();
    QTRY_VERIFY_WITH_TIMEOUT(second.isNull(), 5000 * testsupport::kSlowdown);
    QTRY_COMPARE_WITH_TIMEOUT(descendants(), QList<qint64> {}, 5000);
}

QTEST_GUILESS_MAIN(TestRunSession)
#include "tst_runsession.moc"
