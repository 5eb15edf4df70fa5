// The out-of-process backends against real child processes: same checksums as sequential, each task's CPU time
// and run-queue delay measured in the worker, chunking,
// and the faults a multiprocessing.Pool hangs on — a worker killed from outside, a task past its timeout,
// garbage or a truncated line on the pipe, a missing worker executable — each reported clearly and fast,
// with no child process left behind. Also the command kernel, in-process and out, and what its programs start
// in the background: a cancel, a timeout or a killed worker ends them too, found by ParLab's owner mark.

#include "backends/backend.h"
#include "backends/backendregistry.h"
#include "backends/mpibackend.h"
#include "backends/workerprocesses.h"
#include "childprocess.h"
#include "clock.h"
#include "context.h"
#include "kernels/kernel.h"
#include "kernels/kernelregistry.h"
#include "processguard.h"
#include "runner.h"
#include "runoptions.h"
#include "taskspan.h"
#include "testsupport.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <csignal>
#include <numeric>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace parlab;

namespace {
using testsupport::backend;
using testsupport::descendants;
using testsupport::execute;
using testsupport::Outcome;

QList<qint64> workerChildren(qint64 parent)
{
    QList<qint64> workers;
    for (qint64 pid : descendants(parent)) {
        QFile cmdline(QStringLiteral("/proc/%1/cmdline").arg(pid));
        if (cmdline.open(QIODevice::ReadOnly) && cmdline.readAll().contains(QByteArray("worker\0", 7)))
            workers.append(pid);
    }
    return workers;
}

std::unique_ptr<Kernel> kernel(const QString& name, const RunOptions& options = {})
{
    auto k = KernelRegistry::create(name);
    const Result<void> configured = k->configure(options);
    Q_ASSERT(configured);
    return k;
}

QString writeScript(QTemporaryDir& dir, const QString& name, const QByteArray& body)
{
    QString path = dir.filePath(name);
    QFile file(path);
    file.open(QIODevice::WriteOnly);
    file.write("#!/bin/sh\n" + body);
    file.close();
    file.setPermissions(file.permissions() | QFileDevice::ExeOwner);
    return path;
}

// "Promptly", measured on this machine now rather than assumed: a fixed second failed on a loaded machine, and
// under a coverage build (whose every exit writes its counters) a cancel took 1.1 to 1.5 s. The yardstick is how
// long a batch of the same backend and kernel takes with nothing to do (input 0 for each worker): it starts the
// children, runs them and sees them exit, as a stop does. A stop is prompt within a second plus ten of those, never
// more than kPromptCapMs: every test that uses it gives its children a minute of work (kWorkMs), so a stop that
// waited for the work, or for a child that ignored it, still fails on any machine.
constexpr qint64 kWorkMs = 60'000;
constexpr qint64 kPromptCapMs = kWorkMs / 3;

qint64 quickBatchMs(
    const QString& backendId, const QString& kernelName, const RunOptions& options = {}, int workers = 2)
{
    const auto k = kernel(kernelName, options);
    RunControl control;
    QList<TaskSpan> spans;
    auto b = backend(backendId, options);
    const Outcome outcome = execute(*b, *k, QList<qint64>(workers, 0), workers, control, spans);
    if (outcome.threw || outcome.cancelled)
        qFatal("the yardstick batch (%s/%s) failed: %s", qPrintable(backendId), qPrintable(kernelName),
            qPrintable(outcome.message));
    return outcome.ms;
}

qint64 promptMs(qint64 quickMs)
{
    return std::min(1000 + 10 * quickMs, kPromptCapMs);
}

// Waits until `count` worker processes of this process exist.
bool waitForWorkers(int count, int timeoutMs = 5000)
{
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < timeoutMs) {
        if (workerChildren(::getpid()).size() >= count)
            return true;
        QThread::msleep(10);
    }
    return false;
}
} // namespace

class TestProcesses : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void cleanup();
    void checksumsMatchSequential_data();
    void checksumsMatchSequential();
    void poolReusesWorkersAndChunks();
    void perTaskStartsOneProcessPerInput();
    void bigChunksDoNotDeadlock();
    void tasksRecordTheirCpuAndWait_data();
    void tasksRecordTheirCpuAndWait();
    void killedWorkerIsReportedFast_data();
    void killedWorkerIsReportedFast();
    void taskTimeoutKillsTheTask();
    void garbageAndTruncatedLinesAreProtocolErrors_data();
    void garbageAndTruncatedLinesAreProtocolErrors();
    void missingWorkerExecutable();
    void cancelLeavesNoChild_data();
    void cancelLeavesNoChild();
    void taskTimeoutEndsTheProgramsToo_data();
    void taskTimeoutEndsTheProgramsToo();
    void killedWorkerLeavesNoProgram_data();
    void killedWorkerLeavesNoProgram();
    void commandHashesItsOutputAsItArrives();
    void childrenCarryTheOwnerMark();
    void markIsSeenThroughExec();
    void commandKernel_data();
    void commandKernel();
    void commandFailureQuotesStderr();
    void mpiMatchesSequentialWithRanksAndHosts();
    void procStatParsesAnyCommandName();
    void procStatSeesZombiesAndDescendants();
    void mpiJobStaysUpAcrossBatches();
    void mpiUnevenTasksBalance();
    void mpiIdleJobTakesNoCore();
    void mpiTaskTimeoutEndsTheJob();
    void mpiKilledRankIsReportedAndRelaunched();
    void mpiCancelLeavesNoRank();
    void mpiLaunchFailureIsClear();
    void mpiUnavailableSaysWhy();
    void cliKilledWorkerStopsOrContinues_data();
    void cliKilledWorkerStopsOrContinues();
};

void TestProcesses::cleanup()
{
    qunsetenv("PARLAB_WORKER_EXECUTABLE");
    qunsetenv("PARLAB_MPIRUN");
    QVERIFY2(descendants(::getpid()).isEmpty(), "a child process outlived its test");
    // Wherever they were reparented to: a program's background children carry the mark too.
    QTRY_COMPARE_WITH_TIMEOUT(testsupport::processesCarrying(ProcessGuard::ownerEntry()), QList<qint64> {}, 1000);
}

void TestProcesses::checksumsMatchSequential_data()
{
    QTest::addColumn<QString>("backendId");
    QTest::addColumn<QString>("kernelName");
    QTest::addColumn<QList<qint64>>("inputs");
    QTest::addColumn<int>("workers");
    for (const char* id : { "processes", "process-per-task" }) {
        QTest::addRow("%s fib", id) << QString::fromLatin1(id) << QStringLiteral("fib")
                                    << QList<qint64> { 25, 20, 22, 1 } << 2;
        QTest::addRow("%s primes", id) << QString::fromLatin1(id) << QStringLiteral("primes")
                                       << QList<qint64> { 1000, 20000, 5 } << 2;
        QTest::addRow("%s mandelbrot", id)
            << QString::fromLatin1(id) << QStringLiteral("mandelbrot") << QList<qint64> { 0, 31, 32, 63 } << 3;
        QTest::addRow("%s sha256", id) << QString::fromLatin1(id) << QStringLiteral("sha256") << QList<qint64> { 1, 2 }
                                       << 2;
        QTest::addRow("%s stream", id) << QString::fromLatin1(id) << QStringLiteral("stream") << QList<qint64> { 1 }
                                       << 4;
        QTest::addRow("%s noop", id) << QString::fromLatin1(id) << QStringLiteral("noop") << QList<qint64> { 7, 8, 9 }
                                     << 1;
    }
}

void TestProcesses::checksumsMatchSequential()
{
    QFETCH(QString, backendId);
    QFETCH(QString, kernelName);
    QFETCH(QList<qint64>, inputs);
    QFETCH(int, workers);
    const auto k = kernel(kernelName);
    RunControl control;
    QList<TaskSpan> expected, spans;
    backend(QStringLiteral("sequential"))->execute(*k, inputs, 1, control, expected);
    auto b = backend(backendId);
    b->execute(*k, inputs, workers, control, spans);
    QCOMPARE(spans.size(), inputs.size());
    for (int i = 0; i < inputs.size(); ++i) {
        QCOMPARE(spans[i].index, i);
        QCOMPARE(spans[i].input, inputs[i]);
        QCOMPARE(spans[i].checksum, expected[i].checksum);
        QVERIFY(spans[i].pid != ::getpid()); // really ran in another process
        QVERIFY(spans[i].startNs <= spans[i].endNs);
        QVERIFY(spans[i].worker >= 0 && spans[i].worker < workers);
    }
}

void TestProcesses::poolReusesWorkersAndChunks()
{
    const auto k = kernel(QStringLiteral("noop"));
    RunControl control;
    auto b = backend(QStringLiteral("processes"), testsupport::runOptions({ { QStringLiteral("chunksize"), 3 } }));
    QList<TaskSpan> first, second;
    const QList<qint64> inputs { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
    b->execute(*k, inputs, 2, control, first);
    b->execute(*k, inputs, 2, control, second);
    QSet<qint64> pids, pidsAgain;
    for (const TaskSpan& s : std::as_const(first))
        pids.insert(s.pid);
    for (const TaskSpan& s : std::as_const(second))
        pidsAgain.insert(s.pid);
    QCOMPARE(pids.size(), 2);
    QCOMPARE(pidsAgain, pids); // the same long-lived workers served both batches
    QCOMPARE(workerChildren(::getpid()).size(), 2);
    // Chunks of three consecutive inputs go to one worker.
    for (int chunk = 0; chunk < 3; ++chunk) {
        QCOMPARE(first[qsizetype(chunk) * 3].pid, first[qsizetype(chunk) * 3 + 1].pid);
        QCOMPARE(first[qsizetype(chunk) * 3].pid, first[qsizetype(chunk) * 3 + 2].pid);
    }
    b.reset();
    QVERIFY(workerChildren(::getpid()).isEmpty());
}

void TestProcesses::perTaskStartsOneProcessPerInput()
{
    const auto k = kernel(QStringLiteral("sleep"));
    RunControl control;
    QList<TaskSpan> spans;
    // Long enough that the second process has started before the first task ends, however slowly a process
    // starts (a sanitizer build's start-up took more than 50 ms).
    const qint64 ms = qint64(100) * testsupport::kSlowdown;
    const QList<qint64> inputs { ms, ms, ms, ms };
    auto b = backend(QStringLiteral("process-per-task"));
    b->execute(*k, inputs, 2, control, spans);
    QSet<qint64> pids;
    for (const TaskSpan& s : std::as_const(spans))
        pids.insert(s.pid);
    QCOMPARE(pids.size(), 4);
    // At most two at once: the third task starts after one of the first two ended.
    QList<TaskSpan> byStart = spans;
    std::sort(
        byStart.begin(), byStart.end(), [](const TaskSpan& a, const TaskSpan& c) { return a.startNs < c.startNs; });
    QVERIFY(byStart[2].startNs >= std::min(byStart[0].endNs, byStart[1].endNs));
    QVERIFY(byStart[1].startNs < byStart[0].endNs); // and two really overlap
}

void TestProcesses::tasksRecordTheirCpuAndWait_data()
{
    QTest::addColumn<QString>("backendId");
    QTest::addColumn<QString>("kernelName");
    QTest::addColumn<QList<qint64>>("inputs");
    for (const char* id : { "processes", "process-per-task", "mpi" }) {
        // fib 31 takes a few ms: longer than the sampling interval, so every task is measured.
        QTest::addRow("%s fib", id) << QString::fromLatin1(id) << QStringLiteral("fib")
                                    << QList<qint64> { 31, 31, 31, 31, 31, 31 };
        QTest::addRow("%s sleep", id) << QString::fromLatin1(id) << QStringLiteral("sleep")
                                      << QList<qint64> { 15, 15, 15, 15 };
    }
}

// Each worker process or rank measures, in its own thread, the CPU time and run-queue delay of every task it
// runs, and the result line brings them to the span.
void TestProcesses::tasksRecordTheirCpuAndWait()
{
    QFETCH(QString, backendId);
    QFETCH(QString, kernelName);
    QFETCH(QList<qint64>, inputs);
    RunControl control;
    QList<TaskSpan> spans;
    auto b = backend(backendId);
    b->execute(*kernel(kernelName), inputs, 2, control, spans);
    QCOMPARE(spans.size(), inputs.size());
    const QString problem = kernelName == QStringLiteral("fib")
        ? testsupport::computingTaskProblem(spans)
        : testsupport::sleepingTaskProblem(spans, backendId == QStringLiteral("process-per-task"));
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
}

void TestProcesses::bigChunksDoNotDeadlock()
{
    // A chunk of 100,000 task lines (1.2 MB) is far more than a pipe holds, and the worker answers while it
    // is still being fed: both sides would block on full pipes if ParLab wrote the chunk in one go.
    const auto k = kernel(QStringLiteral("noop"));
    RunControl control;
    QList<qint64> inputs(200'000);
    std::iota(inputs.begin(), inputs.end(), 0);
    QList<TaskSpan> expected, spans;
    backend(QStringLiteral("sequential"))->execute(*k, inputs, 1, control, expected);
    auto b
        = backend(QStringLiteral("processes"), testsupport::runOptions({ { QStringLiteral("chunksize"), 100'000 } }));
    QElapsedTimer timer;
    timer.start();
    std::atomic<bool> finished { false };
    std::thread watchdog([&] {
        // Turns a deadlock into a failed test instead of a hung one.
        while (!finished && timer.elapsed() < 30'000)
            QThread::msleep(10);
        if (!finished)
            control.cancel();
    });
    try {
        b->execute(*k, inputs, 2, control, spans);
    } catch (const Cancelled&) { }
    finished = true;
    watchdog.join();
    qInfo("200,000 tasks in chunks of 100,000: %lld ms", timer.elapsed());
    QCOMPARE(spans.size(), inputs.size());
    for (int i = 0; i < inputs.size(); i += 997)
        QCOMPARE(spans[i].checksum, expected[i].checksum);
    QCOMPARE(spans.last().checksum, expected.last().checksum);
}

void TestProcesses::killedWorkerIsReportedFast_data()
{
    QTest::addColumn<QString>("backendId");
    QTest::newRow("processes") << QStringLiteral("processes");
    QTest::newRow("process-per-task") << QStringLiteral("process-per-task");
}

void TestProcesses::killedWorkerIsReportedFast()
{
    QFETCH(QString, backendId);
    const qint64 boundMs = promptMs(quickBatchMs(backendId, QStringLiteral("spin")));
    const auto k = kernel(QStringLiteral("spin"));
    RunControl control;
    QList<TaskSpan> spans;
    auto b = backend(backendId);
    qint64 victim = 0;
    QElapsedTimer sinceKill;
    const Outcome outcome = execute(*b, *k, { 60000, 60000 }, 2, control, spans, [&] {
        QVERIFY(waitForWorkers(2));
        QThread::msleep(100);
        victim = workerChildren(::getpid()).first();
        sinceKill.start();
        ::kill(pid_t(victim), SIGKILL);
    });
    const qint64 reportMs = sinceKill.elapsed();
    QVERIFY(outcome.threw);
    qInfo("%s: reported %lld ms after SIGKILL (bound here %lld ms): %s", qPrintable(backendId), reportMs, boundMs,
        qPrintable(outcome.message));
    QVERIFY2(reportMs < boundMs, "a killed worker must be reported promptly, not when its work would have ended");
    QVERIFY2(outcome.message.contains(QStringLiteral("pid %1").arg(victim)), qPrintable(outcome.message));
    QVERIFY2(outcome.message.contains(QStringLiteral("signal 9")), qPrintable(outcome.message));
    QVERIFY2(outcome.message.contains(QStringLiteral("input 60000 (#")), qPrintable(outcome.message));
}

void TestProcesses::taskTimeoutKillsTheTask()
{
    const qint64 boundMs = promptMs(quickBatchMs(QStringLiteral("processes"), QStringLiteral("spin")));
    const auto k = kernel(QStringLiteral("spin"));
    RunControl control;
    QList<TaskSpan> spans;
    auto b
        = backend(QStringLiteral("processes"), testsupport::runOptions({ { QStringLiteral("task_timeout_s"), 0.3 } }));
    const Outcome outcome = execute(*b, *k, { 10, 60000, 10 }, 2, control, spans);
    QVERIFY(outcome.threw);
    QVERIFY2(outcome.message.contains(QStringLiteral("input 60000 (#2) ran longer than the task timeout of 0.3 s")),
        qPrintable(outcome.message));
    qInfo("the timeout ended the batch after %lld ms (bound here 300 + %lld ms)", outcome.ms, boundMs);
    QVERIFY2(outcome.ms < 300 + boundMs, "the timeout must end the batch promptly");
}

void TestProcesses::garbageAndTruncatedLinesAreProtocolErrors_data()
{
    QTest::addColumn<QByteArray>("script");
    QTest::addColumn<QString>("expected");
    QTest::newRow("garbage") << QByteArray("echo 'R 1 host'\nread line\necho 'hello from a confused worker'\n"
                                           "sleep 60\n")
                             << QStringLiteral("not a worker message: \"hello from a confused worker\"");
    QTest::newRow("malformed result") << QByteArray("echo 'R 1 host'\nread line\necho 'D 0 zz'\nsleep 60\n")
                                      << QStringLiteral("malformed result line: \"D 0 zz\"");
    QTest::newRow("truncated") << QByteArray("echo 'R 1 host'\nread line\nprintf 'D 0 12'\nexit 0\n")
                               << QStringLiteral("truncated line \"D 0 12\" before it exited with code 0");
    QTest::newRow("binary") << QByteArray("echo 'R 1 host'\nread line\nprintf 'X\\001\\377\\n'\nsleep 60\n")
                            << QStringLiteral("\"X\\x01\\xff\"");
    QTest::newRow("fatal") << QByteArray("echo 'E no such kernel here'\nexit 2\n")
                           << QStringLiteral("cannot run: no such kernel here");
    // Dies before reading its task: the write to its stdin fails (SIGPIPE), which must not kill ParLab.
    QTest::newRow("dies at once") << QByteArray("exec 0<&-\nexit 3\n") << QStringLiteral("exited with code 3");
}

void TestProcesses::garbageAndTruncatedLinesAreProtocolErrors()
{
    QFETCH(QByteArray, script);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    const qint64 boundMs = 1000 + promptMs(quickBatchMs(QStringLiteral("processes"), QStringLiteral("noop"), {}, 1));
    qputenv("PARLAB_WORKER_EXECUTABLE", QFile::encodeName(writeScript(dir, QStringLiteral("worker.sh"), script)));
    const auto k = kernel(QStringLiteral("noop"));
    RunControl control;
    QList<TaskSpan> spans;
    auto b = backend(QStringLiteral("processes"));
    const Outcome outcome = execute(*b, *k, { 1 }, 1, control, spans);
    QVERIFY(outcome.threw);
    QVERIFY2(outcome.ms < boundMs, "a misbehaving worker must not hang the batch");
    QVERIFY2(outcome.message.startsWith(QStringLiteral("protocol error from worker pid "))
            || outcome.message.startsWith(QStringLiteral("worker pid ")),
        qPrintable(outcome.message));
    QVERIFY2(outcome.message.contains(expected), qPrintable(outcome.message));
}

void TestProcesses::missingWorkerExecutable()
{
    // ChildProcess itself says why a program cannot start, before it forks anything.
    ChildProcess direct;
    QCOMPARE(direct.start(QStringLiteral("/nonexistent/parlab"), {}).error(),
        QStringLiteral("'/nonexistent/parlab' was not found"));
    QCOMPARE(
        direct.start(QStringLiteral("/dev/null"), {}).error(), QStringLiteral("'/dev/null' is not an executable file"));
    QVERIFY(!direct.running());

    qputenv("PARLAB_WORKER_EXECUTABLE", "/nonexistent/parlab");
    const auto b = backend(QStringLiteral("processes"));
    QVERIFY(!b->availability().available);
    QVERIFY(b->availability().reason.contains(QStringLiteral("'/nonexistent/parlab' was not found")));

    QProcess cli;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("PARLAB_WORKER_EXECUTABLE"), QStringLiteral("/nonexistent/parlab"));
    cli.setProcessEnvironment(env);
    cli.start(QStringLiteral(PARLAB_EXECUTABLE),
        { QStringLiteral("run"), QStringLiteral("--kernel"), QStringLiteral("fib"), QStringLiteral("--inputs"),
            QStringLiteral("20"), QStringLiteral("--backends"), QStringLiteral("processes") });
    QVERIFY(cli.waitForFinished(10'000));
    QCOMPARE(cli.exitCode(), 2);
    QVERIFY(cli.readAllStandardError().contains("backend 'processes' cannot run here: the worker executable"));

    cli.start(QStringLiteral(PARLAB_EXECUTABLE), { QStringLiteral("list"), QStringLiteral("backends") });
    QVERIFY(cli.waitForFinished(10'000));
    const QString listing = QString::fromUtf8(cli.readAllStandardOutput());
    QVERIFY2(listing.contains(QStringLiteral("no: the worker executable '/nonexistent/parlab' was not found")),
        qPrintable(listing));
}

void TestProcesses::cancelLeavesNoChild_data()
{
    QTest::addColumn<QString>("backendId");
    QTest::addColumn<QString>("kernelName");
    QTest::addColumn<QJsonObject>("json");
    QTest::addColumn<qint64>("input"); // a minute of work either way
    const QJsonObject sleepCommand { { QStringLiteral("command"), QStringLiteral("sleep {}") } };
    QTest::newRow("processes spin") << QStringLiteral("processes") << QStringLiteral("spin") << QJsonObject {}
                                    << qint64(60000);
    QTest::newRow("process-per-task spin")
        << QStringLiteral("process-per-task") << QStringLiteral("spin") << QJsonObject {} << qint64(60000);
    QTest::newRow("processes command") << QStringLiteral("processes") << QStringLiteral("command") << sleepCommand
                                       << qint64(60);
    QTest::newRow("threads command") << QStringLiteral("threads") << QStringLiteral("command") << sleepCommand
                                     << qint64(60);
    // A program that leaves a child running in the background, its own or in a session of its own.
    const QJsonObject background { { QStringLiteral("command"),
        QStringLiteral("sleep {} & setsid sleep {} & sleep {}") } };
    for (const char* id : { "sequential", "threads", "processes", "process-per-task" })
        QTest::addRow("%s command in the background", id)
            << QString::fromLatin1(id) << QStringLiteral("command") << background << qint64(60);
}

void TestProcesses::cancelLeavesNoChild()
{
    QFETCH(QString, backendId);
    QFETCH(QString, kernelName);
    QFETCH(QJsonObject, json);
    QFETCH(qint64, input);
    const RunOptions options = testsupport::runOptions(json);
    const qint64 boundMs = promptMs(quickBatchMs(backendId, kernelName, options));
    const auto k = kernel(kernelName, options);
    RunControl control;
    QList<TaskSpan> spans;
    auto b = backend(backendId, options);
    QElapsedTimer sinceCancel;
    const Outcome outcome = execute(*b, *k, { input, input }, 2, control, spans, [&] {
        // Wait until the work really runs in children (two workers, or two sleeping programs).
        QElapsedTimer timer;
        timer.start();
        while (descendants(::getpid()).size() < 2 && timer.elapsed() < 5000)
            QThread::msleep(10);
        QVERIFY(descendants(::getpid()).size() >= 2);
        QThread::msleep(100);
        sinceCancel.start();
        control.cancel();
    });
    QVERIFY(outcome.cancelled);
    const qint64 cancelMs = sinceCancel.elapsed();
    qInfo("%s/%s: cancelled in %lld ms (bound here %lld ms)", qPrintable(backendId), qPrintable(kernelName), cancelMs,
        boundMs);
    QVERIFY2(cancelMs < boundMs, "cancel must stop the children promptly, not when their work would have ended");
    b.reset();
    QCOMPARE(descendants(::getpid()), QList<qint64> {});
}

void TestProcesses::taskTimeoutEndsTheProgramsToo_data()
{
    QTest::addColumn<QString>("backendId");
    QTest::addColumn<QString>("kernelName");
    QTest::addColumn<qint64>("input");
    // The baseline times tasks too: a program that never exits cannot hang the run before the parallel backends.
    QTest::newRow("sequential spin") << QStringLiteral("sequential") << QStringLiteral("spin") << qint64(60000);
    for (const char* id : { "sequential", "processes", "process-per-task" })
        QTest::addRow("%s command", id) << QString::fromLatin1(id) << QStringLiteral("command") << qint64(60);
}

void TestProcesses::taskTimeoutEndsTheProgramsToo()
{
    QFETCH(QString, backendId);
    QFETCH(QString, kernelName);
    QFETCH(qint64, input);
    const QJsonObject command { { QStringLiteral("command"),
        QStringLiteral("sleep {} & setsid sleep {} & sleep {}") } };
    const qint64 quickMs = quickBatchMs(backendId, kernelName, testsupport::runOptions(command));
    // The quick tasks beside the endless one must finish within the timeout, on a loaded machine too (at 0.5 s, the
    // first one once outran it): from 0.5 s up, at least five quick batches. At most 10 s, so that the timeout and
    // the stop after it stay well inside the minute the endless task would run.
    double timeoutS = 0.5;
    for (double t : { 0.5, 1.0, 2.0, 5.0, 10.0 }) {
        timeoutS = t;
        if (t * 1000 >= 5.0 * double(quickMs))
            break;
    }
    QJsonObject json = command;
    json.insert(QStringLiteral("task_timeout_s"), timeoutS);
    const RunOptions options = testsupport::runOptions(json);
    const auto k = kernel(kernelName, options);
    RunControl control;
    QList<TaskSpan> spans;
    auto b = backend(backendId, options);
    const Outcome outcome = execute(*b, *k, { 0, input, 0 }, 2, control, spans);
    QVERIFY(outcome.threw);
    QVERIFY2(outcome.message.contains(
                 QStringLiteral("input %1 (#2) ran longer than the task timeout of %2 s").arg(input).arg(timeoutS)),
        qPrintable(outcome.message));
    const qint64 boundMs = qint64(timeoutS * 1000) + promptMs(quickMs);
    qInfo("%s/%s: the timeout of %g s ended the batch after %lld ms (bound here %lld ms)", qPrintable(backendId),
        qPrintable(kernelName), timeoutS, outcome.ms, boundMs);
    QVERIFY2(outcome.ms < boundMs, "the timeout must end the batch promptly");
    // The batch failed without a cancel: the next one runs (the baseline's watchdog stopped only its batch).
    control.beginBatch();
    const Outcome next = execute(*b, *k, { 0 }, 1, control, spans);
    QVERIFY2(!next.threw && !next.cancelled, qPrintable(next.message));
}

void TestProcesses::killedWorkerLeavesNoProgram_data()
{
    QTest::addColumn<QString>("backendId");
    QTest::newRow("processes") << QStringLiteral("processes");
    QTest::newRow("process-per-task") << QStringLiteral("process-per-task");
}

void TestProcesses::killedWorkerLeavesNoProgram()
{
    // The worker dies with SIGKILL, so it cannot end its program: the shell dies with it (its parent-death
    // signal), and what the shell started in the background is found by its mark when ParLab stops the batch.
    QFETCH(QString, backendId);
    const RunOptions options = testsupport::runOptions(
        { { QStringLiteral("command"), QStringLiteral("sleep {} & setsid sleep {} & sleep {}") } });
    const auto k = kernel(QStringLiteral("command"), options);
    RunControl control;
    QList<TaskSpan> spans;
    auto b = backend(backendId, options);
    const QByteArray mark = ProcessGuard::ownerEntry();
    const Outcome outcome = execute(*b, *k, { 60, 60 }, 2, control, spans, [&] {
        QElapsedTimer timer;
        timer.start();
        // Two workers, each with a shell and three sleeps.
        QList<qint64> marked;
        while ((marked = testsupport::processesCarrying(mark)).size() < 10 && timer.elapsed() < 30'000)
            QThread::msleep(10);
        QVERIFY2(marked.size() >= 10, qPrintable(testsupport::describeProcesses(marked)));
        ::kill(pid_t(workerChildren(::getpid()).first()), SIGKILL);
    });
    QVERIFY(outcome.threw);
    QVERIFY2(outcome.message.contains(QStringLiteral("signal 9")), qPrintable(outcome.message));
    b.reset();
}

void TestProcesses::commandHashesItsOutputAsItArrives()
{
    // 256 MiB of output through the command kernel in this process: hashed as it arrives, so this process's
    // memory grows by a pipe's worth of buffer, not by the output. The checksum is the FNV-1a of every byte,
    // whichever way the output was cut into reads.
    constexpr qint64 kOutput = 256LL << 20;
    const auto residentKiB = [] {
        for (const QByteArray& line : procfs::readFile(QStringLiteral("/proc/self/status")).split('\n')) {
            if (line.startsWith("VmRSS:"))
                return line.mid(6).trimmed().split(' ').constFirst().toLongLong();
        }
        return qint64(-1);
    };
    const RunOptions options = testsupport::runOptions(
        { { QStringLiteral("command"), QStringLiteral("head -c %1 /dev/zero; echo {}").arg(kOutput) } });
    const auto k = kernel(QStringLiteral("command"), options);
    RunControl control;
    Context context(control, 0);
    const qint64 before = residentKiB();
    qint64 peak = before;
    std::atomic<bool> done { false };
    std::thread sampler([&] {
        while (!done) {
            peak = std::max(peak, residentKiB());
            QThread::msleep(5);
        }
    });
    const quint64 checksum = k->run(7, context);
    done = true;
    sampler.join();
    qInfo("%lld MiB of output: resident memory grew by %lld KiB at most", kOutput >> 20, peak - before);
    QVERIFY2(peak - before < 32LL * 1024, "the output must not be kept in memory");
    quint64 hash = 0xcbf29ce484222325ULL;
    for (qint64 i = 0; i < kOutput; ++i)
        hash = hash * 0x100000001b3ULL; // a zero byte: xor changes nothing
    for (char c : QByteArray("7\n"))
        hash = (hash ^ quint8(c)) * 0x100000001b3ULL;
    QCOMPARE(checksum, mix64(hash));
}

void TestProcesses::childrenCarryTheOwnerMark()
{
    // A child, and a child it starts in a session of its own, both carry this process's mark; an unrelated
    // process (this test's own QProcess) does not.
    ChildProcess child;
    QCOMPARE(
        child.start(QStringLiteral("/bin/sh"), { QStringLiteral("-c"), QStringLiteral("setsid sleep 30 & sleep 30") })
            .error(),
        QString());
    QTRY_COMPARE_WITH_TIMEOUT(testsupport::processesCarrying(ProcessGuard::ownerEntry()).size(), 3, 30'000);
    QCOMPARE(ProcessGuard::ownerEntry(), QByteArray("PARLAB_OWNER=") + ProcessGuard::ownToken());
    QVERIFY(ProcessGuard::ownToken().startsWith(QByteArray::number(::getpid()) + '.'));
    QProcess unrelated;
    unrelated.start(QStringLiteral("sleep"), { QStringLiteral("30") });
    QVERIFY(unrelated.waitForStarted());
    QVERIFY(!testsupport::processesCarrying(ProcessGuard::ownerEntry()).contains(unrelated.processId()));
    // Stopping the child ends its group, and the one in a session of its own by its mark.
    child.stop();
    QVERIFY(testsupport::processesCarrying(ProcessGuard::ownerEntry()).isEmpty());
    QCOMPARE(procfs::stat(unrelated.processId())->state == 'Z', false); // left alone
    unrelated.kill();
    QVERIFY(unrelated.waitForFinished());
}

void TestProcesses::markIsSeenThroughExec()
{
    // One process that does nothing but exec itself again: a scan for marked processes must find it every time,
    // although /proc/PID/environ reads as empty in the middle of an exec.
    ChildProcess child;
    const QString again = QStringLiteral("exec /bin/sh -c \"$0\" \"$0\"");
    QCOMPARE(child.start(QStringLiteral("/bin/sh"), { QStringLiteral("-c"), again, again }).error(), QString());
    QTRY_COMPARE_WITH_TIMEOUT(testsupport::processesCarrying(ProcessGuard::ownerEntry()).size(), 1, 30'000);
    int missed = 0;
    for (int scan = 0; scan < 200; ++scan)
        missed += testsupport::processesCarrying(ProcessGuard::ownerEntry()) == QList<qint64> { child.pid() } ? 0 : 1;
    QCOMPARE(missed, 0);
    child.stop();
}

void TestProcesses::commandKernel_data()
{
    QTest::addColumn<QString>("backendId");
    for (const char* id : { "threads", "qtconcurrent", "processes", "process-per-task" })
        QTest::newRow(id) << QString::fromLatin1(id);
}

void TestProcesses::commandKernel()
{
    QFETCH(QString, backendId);
    const RunOptions options
        = testsupport::runOptions({ { QStringLiteral("command"), QStringLiteral("echo \"n={}\"; expr {} \\* 2") } });
    const auto k = kernel(QStringLiteral("command"), options);
    RunControl control;
    QList<TaskSpan> expected, spans;
    const QList<qint64> inputs { 1, 2, 3, 2 };
    backend(QStringLiteral("sequential"))->execute(*k, inputs, 1, control, expected);
    QCOMPARE(expected[1].checksum, expected[3].checksum); // same output, same checksum
    QVERIFY(expected[0].checksum != expected[1].checksum);
    backend(backendId, options)->execute(*k, inputs, 2, control, spans);
    for (int i = 0; i < inputs.size(); ++i)
        QCOMPARE(spans[i].checksum, expected[i].checksum);

    QVERIFY(!KernelRegistry::create(QStringLiteral("command"))->configure(RunOptions()));
}

void TestProcesses::commandFailureQuotesStderr()
{
    const RunOptions options = testsupport::runOptions({ { QStringLiteral("command"),
        QStringLiteral("if [ {} -eq 3 ]; then echo 'disk on fire' >&2; exit 7; fi; echo ok") } });
    const auto k = kernel(QStringLiteral("command"), options);
    for (const char* id : { "sequential", "threads", "processes" }) {
        RunControl control;
        QList<TaskSpan> spans;
        auto b = backend(QString::fromLatin1(id), options);
        const Outcome outcome = execute(*b, *k, { 1, 2, 3, 4 }, 2, control, spans);
        QVERIFY2(outcome.threw, id);
        QVERIFY2(outcome.message.contains(QStringLiteral("input 3 (#3)")), qPrintable(outcome.message));
        QVERIFY2(outcome.message.contains(QStringLiteral("exited with code 7")), qPrintable(outcome.message));
        QVERIFY2(outcome.message.contains(QStringLiteral("disk on fire")), qPrintable(outcome.message));
    }
}

void TestProcesses::cliKilledWorkerStopsOrContinues_data()
{
    QTest::addColumn<QString>("policy");
    QTest::newRow("stop") << QStringLiteral("stop");
    QTest::newRow("continue") << QStringLiteral("continue");
}

void TestProcesses::cliKilledWorkerStopsOrContinues()
{
    QFETCH(QString, policy);
    // Round 1 (sequential, then processes) is quick; in round 2 the processes workers get a long task.
    // The input list has a 1500 ms task so that there is time to kill a worker while it runs.
    QProcess cli;
    cli.start(QStringLiteral(PARLAB_EXECUTABLE),
        { QStringLiteral("run"), QStringLiteral("--kernel"), QStringLiteral("spin"), QStringLiteral("--inputs"),
            QStringLiteral("1500,10"), QStringLiteral("--backends"), QStringLiteral("sequential,processes"),
            QStringLiteral("--workers"), QStringLiteral("2"), QStringLiteral("--repeat"), QStringLiteral("3"),
            QStringLiteral("--warmup"), QStringLiteral("0"), QStringLiteral("--format"), QStringLiteral("json"),
            QStringLiteral("--on-error"), policy });
    QVERIFY(cli.waitForStarted());
    // Wait for the first processes batch to be under way (after sequential's 1.5 s), then kill the
    // worker that has the long task: the one using CPU.
    QElapsedTimer timer;
    timer.start();
    qint64 victim = 0;
    while (!victim && timer.elapsed() < 10'000) {
        const QList<qint64> workers = workerChildren(cli.processId());
        if (workers.size() == 2) {
            QThread::msleep(300);
            for (qint64 pid : workers) {
                if (const auto stat = procfs::stat(pid); stat && stat->state == 'R')
                    victim = pid;
            }
        }
        QThread::msleep(20);
    }
    QVERIFY(victim);
    ::kill(pid_t(victim), SIGKILL);
    QVERIFY(cli.waitForFinished(30'000));
    QCOMPARE(cli.exitCode(), 1);
    const QString err = QString::fromUtf8(cli.readAllStandardError());
    QVERIFY2(err.contains(QStringLiteral("worker pid %1 was killed by signal 9").arg(victim))
            || policy == QStringLiteral("continue"),
        qPrintable(err));
    const QJsonObject top = QJsonDocument::fromJson(cli.readAllStandardOutput()).object();
    const QJsonArray results = top.value(QStringLiteral("results")).toArray();
    const QString warnings = QString::fromUtf8(QJsonDocument(top.value(QStringLiteral("warnings")).toArray()).toJson());
    QVERIFY2(warnings.contains(QStringLiteral("signal 9")), qPrintable(warnings));
    QVERIFY2(warnings.contains(QStringLiteral("input 1500 (#1)")), qPrintable(warnings));
    // Sequential's first sample was measured before the kill and is kept either way.
    QVERIFY(!results.isEmpty());
    QCOMPARE(results.at(0).toObject().value(QStringLiteral("backend")).toString(), QStringLiteral("sequential"));
    if (policy == QStringLiteral("stop")) {
        QVERIFY(!results.at(0).toObject().value(QStringLiteral("samples_s")).toArray().isEmpty());
    } else {
        // The run went on with a fresh pool: all three rounds of sequential, two good processes rounds.
        QCOMPARE(results.at(0).toObject().value(QStringLiteral("samples_s")).toArray().size(), 3);
        QCOMPARE(results.at(1).toObject().value(QStringLiteral("samples_s")).toArray().size(), 2);
        QVERIFY(warnings.contains(QStringLiteral("processes x2: 1 repeat failed")));
    }
}

void TestProcesses::procStatParsesAnyCommandName()
{
    // A command name may hold spaces and parentheses; the fields are counted after the last ')'.
    const QByteArray text = "4242 (my (odd) prog) S 17 4242 4242 0 -1 4194560 1 0 0 0 "
                            "700 300 20 10 20 0 1 0 987654 1000000 100 18446744073709551615\n";
    const auto stat = procfs::parseStat(text);
    QVERIFY(stat);
    QCOMPARE(stat->pid, 4242);
    QCOMPARE(stat->state, 'S');
    QCOMPARE(stat->parent, 17);
    QCOMPARE(stat->group, 4242);
    QCOMPARE(stat->flags, quint64(4194560));
    QVERIFY(!stat->kernelThread());
    QCOMPARE(stat->userTicks, 700);
    QCOMPARE(stat->systemTicks, 300);
    QCOMPARE(stat->childUserTicks, 20);
    QCOMPARE(stat->childSystemTicks, 10);
    QCOMPARE(stat->startTicks, 987654);
    QCOMPARE(stat->cpuSeconds(), 1030.0 / double(::sysconf(_SC_CLK_TCK)));
    QVERIFY(!stat->gone());
    QVERIFY(!procfs::parseStat(""));
    QVERIFY(!procfs::parseStat("12 (cut short) S 1 2"));
    QVERIFY(!procfs::parseStat(text.left(text.indexOf(")")) + ") S 17 x 4242 0 -1 0 1 0 0 0 7 3 2 1 20 0 1 0 9 1 1 1"));
    // This process, read for real: our own pid, parent and a start time that does not change.
    const auto self = procfs::stat(::getpid());
    QVERIFY(self);
    QCOMPARE(self->pid, qint64(::getpid()));
    QCOMPARE(self->parent, qint64(::getppid()));
    QCOMPARE(procfs::stat(::getpid())->startTicks, self->startTicks);
    QVERIFY(!self->kernelThread());
    QVERIFY(procfs::stat(2)->kernelThread()); // kthreadd
    QCOMPARE(procfs::environment(2), QByteArray());
    QVERIFY(!procfs::stat(-1));
    // The state alone, as a sampler reads it: from the same text, from a thread of this process, and none from junk.
    QCOMPARE(procfs::parseState(text), 'S');
    QCOMPARE(procfs::parseState("4242 (a) R 1"), 'R');
    QCOMPARE(procfs::parseState(""), '\0');
    QCOMPARE(procfs::parseState("4242 (a)"), '\0');
    QCOMPARE(procfs::parseState("4242 (a) RS 1"), '\0');
    char buffer[512];
    const procfs::OpenFile own(QStringLiteral("/proc/thread-self/stat"));
    QVERIFY(own.isOpen());
    QCOMPARE(procfs::parseState(own.read(buffer, sizeof buffer)), 'R'); // this thread, reading: running
    QCOMPARE(procfs::parseState(own.read(buffer, sizeof buffer)), 'R'); // read again from the start
    QVERIFY(procfs::OpenFile(QStringLiteral("/proc/-1/stat")).read(buffer, sizeof buffer).isEmpty());
}

void TestProcesses::procStatSeesZombiesAndDescendants()
{
    // sh -> sleep, two deep; then the shell is killed and not reaped: a zombie, which is not live.
    QProcess shell;
    shell.start(QStringLiteral("sh"), { QStringLiteral("-c"), QStringLiteral("sleep 30 & wait") });
    QVERIFY(shell.waitForStarted());
    const qint64 shellPid = shell.processId();
    QElapsedTimer timer;
    timer.start();
    QList<qint64> below;
    while (below.size() < 2 && timer.elapsed() < 10'000) {
        below = procfs::descendants(::getpid());
        QThread::msleep(20);
    }
    QVERIFY2(below.contains(shellPid), "the shell is a descendant");
    const QList<qint64> grandchildren = procfs::descendants(shellPid);
    QCOMPARE(grandchildren.size(), 1);
    QVERIFY(below.indexOf(shellPid) < below.indexOf(grandchildren.first())); // parents first
    const auto sleeper = procfs::stat(grandchildren.first());
    QVERIFY(sleeper);
    QCOMPARE(sleeper->parent, shellPid);
    // Kill the sleeper first so nothing outlives the test; the shell reaps it and exits.
    ::kill(pid_t(grandchildren.first()), SIGKILL);
    QVERIFY(shell.waitForFinished(10'000));
    QVERIFY(!procfs::descendants(::getpid()).contains(shellPid));

    // A zombie: a child that exited and was not waited for yet.
    const pid_t child = ::fork();
    if (child == 0)
        ::_exit(0);
    QVERIFY(child > 0);
    std::optional<procfs::ProcessStat> zombie;
    timer.restart();
    while (timer.elapsed() < 10'000 && !(zombie && zombie->gone())) {
        zombie = procfs::stat(child);
        QThread::msleep(10);
    }
    QVERIFY(zombie && zombie->gone());
    QVERIFY(!procfs::descendants(::getpid()).contains(child));
    ::waitpid(child, nullptr, 0);
    QVERIFY(!procfs::stat(child));
}

void TestProcesses::mpiMatchesSequentialWithRanksAndHosts()
{
    const auto k = kernel(QStringLiteral("mandelbrot"));
    RunControl control;
    QList<TaskSpan> expected, spans;
    const QList<qint64> inputs { 0, 20, 31, 32, 40, 63 };
    backend(QStringLiteral("sequential"))->execute(*k, inputs, 1, control, expected);
    // Three ranks on two cores: oversubscribed on purpose, which the backend must allow by itself.
    auto b = backend(QStringLiteral("mpi"));
    const qint64 beforeStart = monotonicNs();
    b->start(*k, 3, control);
    const double startS = double(monotonicNs() - beforeStart) * 1e-9;
    const double launch = b->lastLaunchSeconds();
    qInfo("mpirun launch %.1f ms of the start's %.1f ms", launch * 1e3, startS * 1e3);
    // The launch as measured: a part of the start this test timed around it (not a fixed bound, which a loaded
    // machine's mpirun outlasts), in seconds (not the ranks' nanoseconds).
    QVERIFY2(launch > 0 && launch <= startS, qPrintable(QStringLiteral("%1 s of %2 s").arg(launch).arg(startS)));
    const qint64 t0 = monotonicNs();
    b->execute(*k, inputs, 3, control, spans);
    const qint64 t1 = monotonicNs();
    QSet<int> ranks;
    for (int i = 0; i < inputs.size(); ++i) {
        QCOMPARE(spans[i].checksum, expected[i].checksum);
        QCOMPARE(spans[i].index, i);
        QVERIFY(spans[i].worker >= 0 && spans[i].worker < 3);
        QVERIFY(!spans[i].host.isEmpty());
        QVERIFY(spans[i].pid != ::getpid() && spans[i].pid > 0);
        // On this machine's clock: inside the batch as this test timed it, to within the stated uncertainty.
        QVERIFY2(spans[i].startNs + spans[i].clockUncertaintyNs >= t0
                && spans[i].endNs - spans[i].clockUncertaintyNs <= t1 && spans[i].startNs <= spans[i].endNs,
            qPrintable(QStringLiteral("task #%1 at %2..%3 ns (±%4) outside the batch %5..%6")
                           .arg(i + 1)
                           .arg(spans[i].startNs)
                           .arg(spans[i].endNs)
                           .arg(spans[i].clockUncertaintyNs)
                           .arg(t0)
                           .arg(t1)));
        ranks.insert(spans[i].worker);
    }
    QVERIFY2(ranks.size() >= 2, "self-scheduling must spread the tasks over the ranks");
    // Rank 0 shares ParLab's kernel, so its clock is ParLab's exactly; the others were measured by a ping-pong, and
    // here, where every clock is one, the measured offset must lie within its own uncertainty of 0.
    const auto* mpi = static_cast<const MpiBackend*>(b.get());
    QCOMPARE(mpi->ranks().size(), 3);
    QCOMPARE(mpi->ranks()[0].clockOffsetNs, 0);
    QCOMPARE(mpi->ranks()[0].clockUncertaintyNs, 0);
    for (int r = 1; r < 3; ++r) {
        const MpiBackend::Rank& rank = mpi->ranks()[r];
        qInfo("rank %d clock offset %lld ns ± %lld ns", r, rank.clockOffsetNs, rank.clockUncertaintyNs);
        QVERIFY(rank.clockUncertaintyNs > 0);
        QVERIFY2(std::abs(rank.clockOffsetNs) <= rank.clockUncertaintyNs, "the offset of one clock to itself is 0");
    }
}

void TestProcesses::mpiJobStaysUpAcrossBatches()
{
    // One mpirun for every batch, as the process pool: the repeats measure the tasks, not the launch.
    const auto k = kernel(QStringLiteral("fib"));
    RunControl control;
    auto b = backend(QStringLiteral("mpi"));
    b->start(*k, 2, control);
    QVERIFY(std::isfinite(b->lastLaunchSeconds()));
    const QList<qint64> mpirun = descendants(::getpid());
    QList<TaskSpan> first, second;
    b->execute(*k, { 20, 21, 22, 23 }, 2, control, first);
    b->start(*k, 2, control);
    QVERIFY2(!std::isfinite(b->lastLaunchSeconds()), "a job already up is not launched again");
    b->execute(*k, { 20, 21, 22, 23 }, 2, control, second);
    QCOMPARE(descendants(::getpid()), mpirun); // the same mpirun and ranks, nothing new
    QSet<qint64> pids, pidsAgain;
    for (int i = 0; i < 4; ++i) {
        pids.insert(first[i].pid);
        pidsAgain.insert(second[i].pid);
        QCOMPARE(second[i].checksum, first[i].checksum);
    }
    QVERIFY(pidsAgain.subtract(pids).isEmpty());
    b.reset(); // ends the job
    QVERIFY(descendants(::getpid()).isEmpty());
}

void TestProcesses::mpiUnevenTasksBalance()
{
    // Self-scheduling: while one rank runs the long task, the other takes every short one.
    const qint64 ms = qint64(100) * testsupport::kSlowdown;
    const auto k = kernel(QStringLiteral("sleep"));
    RunControl control;
    QList<TaskSpan> spans;
    auto b = backend(QStringLiteral("mpi"));
    b->start(*k, 2, control);
    b->execute(*k, { 4 * ms, ms, ms, ms }, 2, control, spans);
    const int longRank = spans[0].worker;
    for (int i = 1; i < 4; ++i)
        QVERIFY2(spans[i].worker != longRank,
            qPrintable(QStringLiteral("short task #%1 waited for the rank busy with the long one").arg(i + 1)));
}

void TestProcesses::mpiIdleJobTakesNoCore()
{
    // Between repeats the job waits for its next batch while other backends are measured: its ranks must sleep,
    // not spin in MPI's progress loop (which takes a whole core per rank).
    const auto k = kernel(QStringLiteral("noop"));
    RunControl control;
    auto b = backend(QStringLiteral("mpi"));
    QList<TaskSpan> spans;
    b->execute(*k, { 0, 0 }, 2, control, spans);
    const double before = b->liveChildCpuSeconds();
    QThread::msleep(1000);
    const double idle = b->liveChildCpuSeconds() - before;
    qInfo("an idle job of 2 ranks used %.1f ms of CPU in 1 s", idle * 1e3);
    QVERIFY2(idle < 0.1, "an idle job used more than a tenth of a core");
}

void TestProcesses::mpiTaskTimeoutEndsTheJob()
{
    const auto k = kernel(QStringLiteral("spin"));
    RunControl control;
    QList<TaskSpan> spans;
    const double timeoutS = 0.5 * testsupport::kSlowdown;
    auto b
        = backend(QStringLiteral("mpi"), testsupport::runOptions({ { QStringLiteral("task_timeout_s"), timeoutS } }));
    b->start(*k, 2, control);
    const Outcome outcome = execute(*b, *k, { 1, kWorkMs, 1 }, 2, control, spans);
    QVERIFY(outcome.threw);
    QCOMPARE(outcome.message, taskTimeoutMessage(kWorkMs, 1, timeoutS));
    qInfo("timed out after %lld ms (timeout %.1f s)", outcome.ms, timeoutS);
    QVERIFY(outcome.ms < qint64(timeoutS * 1000) + promptMs(0));
    QTRY_COMPARE_WITH_TIMEOUT(descendants(::getpid()), QList<qint64> {}, 2000);
}

void TestProcesses::mpiKilledRankIsReportedAndRelaunched()
{
    const auto k = kernel(QStringLiteral("spin"));
    RunControl control;
    QList<TaskSpan> spans;
    auto b = backend(QStringLiteral("mpi"));
    b->start(*k, 2, control);
    const qint64 victim = static_cast<const MpiBackend*>(b.get())->ranks().at(1).pid;
    QElapsedTimer sinceKill;
    const Outcome outcome = execute(*b, *k, { kWorkMs, kWorkMs }, 2, control, spans, [&] {
        QThread::msleep(300);
        sinceKill.start();
        ::kill(pid_t(victim), SIGKILL);
    });
    QVERIFY(outcome.threw);
    const qint64 reportedMs = sinceKill.elapsed();
    qInfo("a killed rank was reported in %lld ms: %s", reportedMs, qPrintable(outcome.message));
    QVERIFY2(reportedMs < promptMs(0), "a dead rank must end the batch at once, not when the others' work ends");
    QVERIFY2(outcome.message.contains(QString::number(victim)), qPrintable(outcome.message));
    QTRY_COMPARE_WITH_TIMEOUT(descendants(::getpid()), QList<qint64> {}, 2000);
    // The next batch launches a new job.
    b->start(*k, 2, control);
    QVERIFY(std::isfinite(b->lastLaunchSeconds()));
    b->execute(*k, { 1, 1 }, 2, control, spans);
    QCOMPARE(spans.size(), 2);
}

void TestProcesses::mpiCancelLeavesNoRank()
{
    const qint64 boundMs = promptMs(quickBatchMs(QStringLiteral("mpi"), QStringLiteral("spin")));
    const auto k = kernel(QStringLiteral("spin"));
    RunControl control;
    QList<TaskSpan> spans;
    auto b = backend(QStringLiteral("mpi"));
    QElapsedTimer sinceCancel;
    const Outcome outcome = execute(*b, *k, { 60000, 60000 }, 2, control, spans, [&] {
        QElapsedTimer timer;
        timer.start();
        // mpirun plus two ranks.
        while (descendants(::getpid()).size() < 3 && timer.elapsed() < 10'000)
            QThread::msleep(10);
        QThread::msleep(300);
        sinceCancel.start();
        control.cancel();
    });
    QVERIFY(outcome.cancelled);
    const qint64 cancelMs = sinceCancel.elapsed();
    qInfo("mpi cancelled in %lld ms (bound here %lld ms)", cancelMs, boundMs);
    QVERIFY2(cancelMs < boundMs, "cancel must stop mpirun and its ranks promptly, not when their work would end");
    QTRY_COMPARE_WITH_TIMEOUT(descendants(::getpid()), QList<qint64> {}, 2000);
}

void TestProcesses::mpiLaunchFailureIsClear()
{
    const auto k = kernel(QStringLiteral("noop"));
    RunControl control;
    QList<TaskSpan> spans;
    auto b = backend(QStringLiteral("mpi"),
        testsupport::runOptions({ { QStringLiteral("mpirun_args"), QStringLiteral("--no-such-mpirun-flag") } }));
    const Outcome outcome = execute(*b, *k, { 1, 2 }, 2, control, spans);
    QVERIFY(outcome.threw);
    QVERIFY2(outcome.message.startsWith(QStringLiteral("mpirun (pid ")), qPrintable(outcome.message));
    QVERIFY2(outcome.message.contains(QStringLiteral("exited with code")), qPrintable(outcome.message));
    QVERIFY2(outcome.message.contains(QStringLiteral("no-such-mpirun-flag")), qPrintable(outcome.message));

    qputenv("PARLAB_MPIRUN", "/nonexistent/mpirun");
    auto missing = backend(QStringLiteral("mpi"));
    QVERIFY(!missing->availability().available);
    QVERIFY(missing->availability().reason.contains(QStringLiteral("mpirun was not found")));
    const Outcome direct = execute(*missing, *k, { 1 }, 1, control, spans);
    QVERIFY(direct.threw);
    QVERIFY2(direct.message.contains(QStringLiteral("mpirun could not start: '/nonexistent/mpirun' was not found")),
        qPrintable(direct.message));
}

void TestProcesses::mpiUnavailableSaysWhy()
{
    QProcess cli;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("PARLAB_MPIRUN"), QStringLiteral("/nonexistent/mpirun"));
    cli.setProcessEnvironment(env);
    cli.start(QStringLiteral(PARLAB_EXECUTABLE), { QStringLiteral("list"), QStringLiteral("backends") });
    QVERIFY(cli.waitForFinished(10'000));
    QVERIFY(cli.readAllStandardOutput().contains("no: mpirun was not found (install openmpi-bin)"));
}

QTEST_GUILESS_MAIN(TestProcesses)
#include "tst_processes.moc"
