// No process outlives ParLab, against the real parlab executable: killed with SIGKILL while each backend runs
// (a command whose program leaves children in the background, Python interpreters and their pool, mpirun and its
// ranks), interrupted with Ctrl+C, or failing a task on its timeout, ParLab leaves no process behind, and no
// Python temporary folder. Each run gets a marker in its environment that every process it starts inherits, so
// the test counts that run's processes, and only those, wherever they were reparented to. Also: the cap on
// workers and the message that names it, the baseline's task timeout, and the command kernel's memory when a
// program prints hundreds of megabytes (PARLAB_TEST_OUTPUT_MIB sets how many; the `slow` entry prints 400).

#include "processguard.h"
#include "processlimits.h"
#include "testsupport.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QUuid>
#include <climits>
#include <csignal>
#include <optional>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace parlab;

namespace {
// A run of `parlab run` whose every process carries PARLAB_TEST_MARK=<a fresh id>.
class MarkedRun {
public:
    explicit MarkedRun(const QStringList& arguments, const QStringList& environment = {})
        : m_mark(QByteArray("PARLAB_TEST_MARK=") + QUuid::createUuid().toByteArray(QUuid::WithoutBraces))
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("PARLAB_TEST_MARK"), QString::fromLatin1(m_mark.mid(17)));
        for (const QString& entry : environment)
            env.insert(entry.section(QLatin1Char('='), 0, 0), entry.section(QLatin1Char('='), 1));
        m_process.setProcessEnvironment(env);
        m_process.start(QStringLiteral(PARLAB_EXECUTABLE),
            QStringList { QStringLiteral("run"), QStringLiteral("--no-history"), QStringLiteral("--warmup"),
                QStringLiteral("0"), QStringLiteral("--repeat"), QStringLiteral("1") }
                + arguments);
    }
    ~MarkedRun()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished();
        }
        for (qint64 pid : processes())
            ::kill(pid_t(pid), SIGKILL);
    }
    MarkedRun(const MarkedRun&) = delete;
    MarkedRun& operator=(const MarkedRun&) = delete;

    QProcess& process() { return m_process; }
    qint64 pid() const { return m_pid; }
    bool started()
    {
        if (!m_process.waitForStarted())
            return false;
        m_pid = m_process.processId();
        return true;
    }

    // The run's live processes (parlab itself excluded); those whose command line holds `word`, if given.
    QList<qint64> processes(const QByteArray& word = {}) const
    {
        QList<qint64> found;
        for (qint64 pid : testsupport::processesCarrying(m_mark)) {
            if (pid == m_pid)
                continue;
            QByteArray cmdline = procfs::readFile(QStringLiteral("/proc/%1/cmdline").arg(pid));
            cmdline.replace('\0', ' ');
            if (word.isEmpty() || cmdline.contains(word))
                found.append(pid);
        }
        return found;
    }

    // Waits until at least `count` of the run's processes hold `word` in their command line.
    bool waitFor(const QByteArray& word, int count, int timeoutMs = 30'000) const
    {
        QElapsedTimer timer;
        timer.start();
        while (timer.elapsed() < timeoutMs) {
            if (processes(word).size() >= count)
                return true;
            QThread::msleep(10);
        }
        return false;
    }

    // Milliseconds until none of the run's processes is left (polled up to `boundMs`); -1 if some outlive it.
    qint64 msUntilNoneLeft(int boundMs = 10'000) const
    {
        QElapsedTimer timer;
        timer.start();
        while (timer.elapsed() < boundMs) {
            if (processes().isEmpty())
                return timer.elapsed();
            QThread::msleep(2);
        }
        return -1;
    }

private:
    QByteArray m_mark;
    QProcess m_process;
    qint64 m_pid = 0;
};

QStringList commandRun(const QString& command, const QString& backend)
{
    return { QStringLiteral("--kernel"), QStringLiteral("command"), QStringLiteral("--command"), command,
        QStringLiteral("--inputs"), QStringLiteral("1,2"), QStringLiteral("--workers"), QStringLiteral("2"),
        QStringLiteral("--backends"), backend };
}

// The Python temporary folders of ParLab process `pid`.
QStringList pythonFolders(qint64 pid)
{
    return QDir(QDir::tempPath())
        .entryList({ QStringLiteral("parlab-python-%1.*").arg(pid) }, QDir::Dirs | QDir::NoDotAndDotDot);
}

// The peak resident memory (VmHWM) of `pid`, in KiB; -1 once it is gone.
qint64 peakKiB(qint64 pid)
{
    for (const QByteArray& line : procfs::readFile(QStringLiteral("/proc/%1/status").arg(pid)).split('\n')) {
        if (line.startsWith("VmHWM:"))
            return line.mid(6).trimmed().split(' ').constFirst().toLongLong();
    }
    return -1;
}
} // namespace

class TestProcessGuard : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void killedParlabLeavesNothing_data();
    void killedParlabLeavesNothing();
    void withoutWatchdogTheChainsStillHold_data();
    void withoutWatchdogTheChainsStillHold();
    void interruptedParlabLeavesNothing_data();
    void interruptedParlabLeavesNothing();
    void baselineTimeoutSavesTheRun();
    void tooManyWorkersAreRefusedWithTheCap();
    void capFollowsTheMachine();
    void staleTemporaryFoldersAreRemoved();
    void watchdogOnlyWhereProcessesStart_data();
    void watchdogOnlyWhereProcessesStart();
    void hugeCommandOutputKeepsMemorySmall();
};

void TestProcessGuard::killedParlabLeavesNothing_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QByteArray>("word"); // in the command line of the processes to wait for
    QTest::addColumn<int>("count"); // how many of them mean the backend under test runs
    QTest::addColumn<bool>("python");
    // Each input's program hangs from its second run on, so the baseline (the first) passes quickly and the
    // backend under test is the one killed; the program leaves children in the background, one in a session
    // of its own. The sequential row hangs in the baseline itself.
    const QString hangLater
        = QStringLiteral("if [ -e \"$PARLAB_TEST_FLAGS/{}\" ]; then sleep 60 & setsid sleep 60 & sleep 60; else touch "
                         "\"$PARLAB_TEST_FLAGS/{}\"; fi; echo {}");
    const QString hangNow = QStringLiteral("sleep 60 & setsid sleep 60 & sleep 60; echo {}");
    QTest::newRow("sequential") << commandRun(hangNow, QStringLiteral("sequential")) << QByteArray("sleep 60") << 3
                                << false;
    for (const char* id : { "threads", "processes", "process-per-task", "mpi" })
        QTest::newRow(id) << commandRun(hangLater, QString::fromLatin1(id)) << QByteArray("sleep 60") << 6 << false;
    // python-sequential's interpreter, then the backend's: its own, plus two pool processes for processes.
    const QStringList python { QStringLiteral("--kernel"), QStringLiteral("sleep"), QStringLiteral("--inputs"),
        QStringLiteral("1000,1000"), QStringLiteral("--workers"), QStringLiteral("2"), QStringLiteral("--backends") };
    QTest::newRow("python-threads") << python + QStringList { QStringLiteral("python-threads") }
                                    << QByteArray("parlab_worker.py") << 2 << true;
    QTest::newRow("python-processes") << python + QStringList { QStringLiteral("python-processes") }
                                      << QByteArray("parlab_worker.py") << 4 << true;
}

void TestProcessGuard::killedParlabLeavesNothing()
{
    QFETCH(QStringList, arguments);
    QFETCH(QByteArray, word);
    QFETCH(int, count);
    QFETCH(bool, python);
    QTemporaryDir flags;
    MarkedRun run(arguments, { QStringLiteral("PARLAB_TEST_FLAGS=") + flags.path() });
    QVERIFY(run.started());
    QVERIFY2(run.waitFor(word, count), qPrintable(QString::fromUtf8(run.process().readAllStandardError())));
    QThread::msleep(100);
    if (python)
        QVERIFY(!pythonFolders(run.pid()).isEmpty());
    ::kill(pid_t(run.pid()), SIGKILL);
    QVERIFY(run.process().waitForFinished());
    const qint64 ms = run.msUntilNoneLeft();
    qInfo("%s: every process gone %lld ms after kill -9 of parlab", QTest::currentDataTag(), ms);
    QVERIFY2(ms >= 0, "processes of the run outlived ParLab");
    // Well within the second the watchdog has: a busy machine must not make this flaky.
    QVERIFY2(ms < 5000, "the run's processes must end promptly after ParLab's death");
    if (python)
        QTRY_VERIFY_WITH_TIMEOUT(pythonFolders(run.pid()).isEmpty(), 5000);
}

void TestProcessGuard::withoutWatchdogTheChainsStillHold_data()
{
    // The watchdog is killed first; then parlab. What is left are the parent-death signals and parent watches:
    // a worker ends its programs, background ones included (it is their subreaper); Python's interpreters watch
    // their parent and their pool processes die with them; mpirun dies with parlab and its ranks with mpirun.
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QByteArray>("word");
    QTest::addColumn<int>("count");
    const QString hangLater
        = QStringLiteral("if [ -e \"$PARLAB_TEST_FLAGS/{}\" ]; then sleep 60 & setsid sleep 60 & sleep 60; else touch "
                         "\"$PARLAB_TEST_FLAGS/{}\"; fi; echo {}");
    for (const char* id : { "processes", "process-per-task" })
        QTest::newRow(id) << commandRun(hangLater, QString::fromLatin1(id)) << QByteArray("sleep 60") << 6;
    // A rank is no subreaper: its program is the one that dies with it (exec keeps the parent-death signal).
    QTest::newRow("mpi") << commandRun(QStringLiteral("if [ -e \"$PARLAB_TEST_FLAGS/{}\" ]; then exec sleep 60; else "
                                                      "touch \"$PARLAB_TEST_FLAGS/{}\"; fi; echo {}"),
        QStringLiteral("mpi"))
                         << QByteArray("sleep 60") << 2;
    const QStringList python { QStringLiteral("--kernel"), QStringLiteral("sleep"), QStringLiteral("--inputs"),
        QStringLiteral("1000,1000"), QStringLiteral("--workers"), QStringLiteral("2"), QStringLiteral("--backends") };
    QTest::newRow("python-threads") << python + QStringList { QStringLiteral("python-threads") }
                                    << QByteArray("parlab_worker.py") << 2;
    QTest::newRow("python-processes") << python + QStringList { QStringLiteral("python-processes") }
                                      << QByteArray("parlab_worker.py") << 4;
}

void TestProcessGuard::withoutWatchdogTheChainsStillHold()
{
    QFETCH(QStringList, arguments);
    QFETCH(QByteArray, word);
    QFETCH(int, count);
    QTemporaryDir flags;
    MarkedRun run(arguments, { QStringLiteral("PARLAB_TEST_FLAGS=") + flags.path() });
    QVERIFY(run.started());
    QVERIFY2(run.waitFor(word, count), qPrintable(QString::fromUtf8(run.process().readAllStandardError())));
    qint64 watchdog = 0;
    for (qint64 pid : run.processes()) {
        if (procfs::readFile(QStringLiteral("/proc/%1/comm").arg(pid)).trimmed() == "parlab-guard")
            watchdog = pid;
    }
    QVERIFY2(watchdog > 0, "parlab runs a watchdog");
    ::kill(pid_t(watchdog), SIGKILL);
    QTRY_VERIFY(!run.processes().contains(watchdog));
    ::kill(pid_t(run.pid()), SIGKILL);
    QVERIFY(run.process().waitForFinished());
    const qint64 ms = run.msUntilNoneLeft();
    qInfo("%s, no watchdog: every process gone %lld ms after kill -9 of parlab", QTest::currentDataTag(), ms);
    QVERIFY2(ms >= 0, "processes of the run outlived ParLab");
    QVERIFY2(ms < 5000, "the run's processes must end promptly after ParLab's death");
}

void TestProcessGuard::interruptedParlabLeavesNothing_data()
{
    QTest::addColumn<QString>("backend");
    QTest::newRow("processes") << QStringLiteral("processes");
    QTest::newRow("process-per-task") << QStringLiteral("process-per-task");
}

void TestProcessGuard::interruptedParlabLeavesNothing()
{
    // Ctrl+C: ParLab cancels, stops its workers, and they stop their programs; nothing is left when it exits.
    QFETCH(QString, backend);
    QTemporaryDir flags;
    MarkedRun run(commandRun(QStringLiteral("if [ -e \"$PARLAB_TEST_FLAGS/{}\" ]; then sleep 60 & setsid sleep 60 & "
                                            "sleep 60; else touch \"$PARLAB_TEST_FLAGS/{}\"; fi; echo {}"),
                      backend),
        { QStringLiteral("PARLAB_TEST_FLAGS=") + flags.path() });
    QVERIFY(run.started());
    QVERIFY(run.waitFor("sleep 60", 6));
    ::kill(pid_t(run.pid()), SIGINT);
    QVERIFY(run.process().waitForFinished(10'000));
    QCOMPARE(run.process().exitCode(), 130);
    const qint64 ms = run.msUntilNoneLeft();
    qInfo("%s: every process gone %lld ms after parlab exited", qPrintable(backend), ms);
    QVERIFY2(ms >= 0, "processes of the run outlived ParLab");
}

void TestProcessGuard::baselineTimeoutSavesTheRun()
{
    // The program never exits; the sequential baseline runs it first. Its task timeout ends the run.
    MarkedRun run({ QStringLiteral("--kernel"), QStringLiteral("command"), QStringLiteral("--command"),
        QStringLiteral("sleep 60 & sleep {}"), QStringLiteral("--inputs"), QStringLiteral("60"),
        QStringLiteral("--backends"), QStringLiteral("sequential,processes"), QStringLiteral("--task-timeout"),
        QStringLiteral("0.5") });
    QVERIFY(run.started());
    QVERIFY(run.process().waitForFinished(15'000));
    QCOMPARE(run.process().exitCode(), 1);
    const QString err = QString::fromUtf8(run.process().readAllStandardError());
    QVERIFY2(err.contains(QStringLiteral("sequential x1: input 60 (#1) ran longer than the task timeout of 0.5 s")),
        qPrintable(err));
    QVERIFY(run.msUntilNoneLeft() >= 0);
}

void TestProcessGuard::tooManyWorkersAreRefusedWithTheCap()
{
    // With 64 open files, ParLab's own few and 64 kept for itself leave no room for a pool of processes: the run
    // is refused before anything starts, and the message names the limit and the cap.
    QProcess shell;
    shell.start(QStringLiteral("/bin/sh"),
        { QStringLiteral("-c"),
            QStringLiteral("ulimit -n 100 && exec \"$0\" run --no-history --kernel noop --inputs 1..64 --backends "
                           "sequential,processes --workers 1,64"),
            QStringLiteral(PARLAB_EXECUTABLE) });
    QVERIFY(shell.waitForFinished(20'000));
    const QString err = QString::fromUtf8(shell.readAllStandardError());
    QCOMPARE(shell.exitCode(), 2);
    QVERIFY2(
        err.contains(QStringLiteral("backend 'processes' cannot start 64 workers here: at most ")), qPrintable(err));
    QVERIFY2(err.contains(QStringLiteral("the open-file limit (ulimit -n) is 100")), qPrintable(err));
    QVERIFY2(err.contains(QStringLiteral("workers or fewer, or raise that limit")), qPrintable(err));
    qInfo("%s", qPrintable(err.trimmed()));

    // Fewer inputs than workers start no more processes than inputs: that fits.
    shell.start(QStringLiteral("/bin/sh"),
        { QStringLiteral("-c"),
            QStringLiteral("ulimit -n 100 && exec \"$0\" run --no-history --kernel noop --inputs 1..4 --backends "
                           "processes --workers 64 --repeat 1 --warmup 0"),
            QStringLiteral(PARLAB_EXECUTABLE) });
    QVERIFY(shell.waitForFinished(20'000));
    QVERIFY2(shell.exitCode() == 0, shell.readAllStandardError().constData());
}

void TestProcessGuard::capFollowsTheMachine()
{
    // Threads cost no processes: no cap.
    QCOMPARE(ProcessLimits::cap({}).workers, INT_MAX);
    // A worker needing a petabyte of memory fits nowhere, and the reason says it is memory.
    const ProcessLimits::Cap huge = ProcessLimits::cap({ .processes = 1, .memoryBytes = qint64(1) << 50 });
    QCOMPARE(huge.workers, 0);
    QVERIFY2(huge.reason.contains(QStringLiteral("MiB of memory is")), qPrintable(huge.reason));
    QVERIFY2(huge.reason.contains(QStringLiteral("each worker needs about 1073741824 MiB")), qPrintable(huge.reason));
    // The backends' own footprints on this machine: at least one worker, and a reason whenever there is a cap.
    for (const QString& id : { QStringLiteral("processes"), QStringLiteral("process-per-task"),
             QStringLiteral("python-processes"), QStringLiteral("mpi") }) {
        const ProcessLimits::Cap cap = ProcessLimits::cap(BackendRegistry::find(id)->footprint);
        qInfo("%s: at most %d workers here (%s)", qPrintable(id), cap.workers, qPrintable(cap.reason));
        QVERIFY(cap.workers >= 1);
        QVERIFY(cap.workers == INT_MAX || !cap.reason.isEmpty());
    }
    // The registry's check reads that cap: threads are never capped, a fresh process per input starts no more
    // processes than inputs, and a pool far past the cap is refused with the cap named.
    QVERIFY(BackendRegistry::checkWorkers(QStringLiteral("threads"), 1'000'000, 1'000'000, {}));
    QVERIFY(BackendRegistry::checkWorkers(QStringLiteral("process-per-task"), 1'000'000, 1, {}));
    const ProcessLimits::Cap pool = ProcessLimits::cap(BackendRegistry::find(QStringLiteral("processes"))->footprint);
    if (pool.workers < INT_MAX / 4) {
        const Result<void> tooMany
            = BackendRegistry::checkWorkers(QStringLiteral("processes"), pool.workers * 2 + 10, 1'000'000, {});
        QVERIFY(!tooMany);
        QVERIFY2(tooMany.error().startsWith(QStringLiteral("backend 'processes' cannot start %1 workers here: at most ")
                                                .arg(pool.workers * 2 + 10)),
            qPrintable(tooMany.error()));
    }
}

void TestProcessGuard::staleTemporaryFoldersAreRemoved()
{
    // A folder of a ParLab that is gone (a pid that no longer runs: a child of ours, reaped), one of a live one
    // (this test), and one that only looks alike: parlab removes the first at its start and keeps the others.
    QProcess gone;
    gone.start(QStringLiteral("true"), {});
    QVERIFY(gone.waitForFinished());
    const qint64 deadPid = gone.processId();
    QVERIFY(!procfs::stat(deadPid));
    const QDir temp(QDir::tempPath());
    const QString stale = QStringLiteral("parlab-python-%1.12345-AbCdEf").arg(deadPid);
    const QString live = QStringLiteral("parlab-python-%1-LiVeAb").arg(QString::fromLatin1(ProcessGuard::ownToken()));
    const QString other = QStringLiteral("parlab-python-notmine");
    for (const QString& name : { stale, live, other }) {
        QVERIFY(temp.mkpath(name));
        QFile file(temp.filePath(name + QStringLiteral("/parlab_worker.py")));
        QVERIFY(file.open(QIODevice::WriteOnly));
    }
    // Only the commands that start a run's processes (and so Python's folders) look for stale ones.
    const testsupport::Result listed = testsupport::runParlab(
        { QStringLiteral("run"), QStringLiteral("--no-history"), QStringLiteral("--kernel"), QStringLiteral("noop"),
            QStringLiteral("--inputs"), QStringLiteral("1"), QStringLiteral("--backends"), QStringLiteral("sequential"),
            QStringLiteral("--repeat"), QStringLiteral("1"), QStringLiteral("--warmup"), QStringLiteral("0") });
    QVERIFY2(listed.code == 0, qPrintable(listed.err));
    QVERIFY(!temp.exists(stale));
    QVERIFY(temp.exists(live));
    QVERIFY(temp.exists(other));
    QVERIFY(QDir(temp.filePath(live)).removeRecursively());
    QVERIFY(QDir(temp.filePath(other)).removeRecursively());
}

void TestProcessGuard::watchdogOnlyWhereProcessesStart_data()
{
    // Commands that start no process of a run pay no fork for a watchdog: --version, list (whose python3 probe dies
    // with parlab by its parent-death signal) and history. The window, run and overhead start one.
    QTest::addColumn<QStringList>("arguments"); // @DB@: a fresh history in a temporary folder
    QTest::addColumn<bool>("watchdog");
    QTest::newRow("--version") << QStringList { QStringLiteral("--version") } << false;
    QTest::newRow("--help") << QStringList { QStringLiteral("--help") } << false;
    QTest::newRow("list kernels") << QStringList { QStringLiteral("list"), QStringLiteral("kernels") } << false;
    QTest::newRow("list backends") << QStringList { QStringLiteral("list"), QStringLiteral("backends") } << false;
    QTest::newRow("history list") << QStringList { QStringLiteral("history"), QStringLiteral("list"),
        QStringLiteral("--history-db"), QStringLiteral("@DB@") }
                                  << false;
    QTest::newRow("run") << QStringList { QStringLiteral("run"), QStringLiteral("--history-db"), QStringLiteral("@DB@"),
        QStringLiteral("--kernel"), QStringLiteral("noop"), QStringLiteral("--inputs"), QStringLiteral("1"),
        QStringLiteral("--backends"), QStringLiteral("sequential"), QStringLiteral("--repeat"), QStringLiteral("1"),
        QStringLiteral("--warmup"), QStringLiteral("0") }
                         << true;
    QTest::newRow("overhead --help") << QStringList { QStringLiteral("overhead"), QStringLiteral("--help") } << true;
    QTest::newRow("gui --help") << QStringList { QStringLiteral("gui"), QStringLiteral("--help") } << true;
}

void TestProcessGuard::watchdogOnlyWhereProcessesStart()
{
    QFETCH(QStringList, arguments);
    QFETCH(bool, watchdog);
    QTemporaryDir dir;
    arguments.replaceInStrings(QStringLiteral("@DB@"), dir.filePath(QStringLiteral("history.sqlite")));
    // The watchdog is forked twice so that it is nobody's child: orphaned at once, it falls to the nearest child
    // subreaper, which this test makes itself while parlab runs. parlab reaps its own children (the python3
    // probe of `list backends`), so what is this test's child afterwards is what parlab orphaned.
    QVERIFY(::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
    const testsupport::Result r = testsupport::runParlab(arguments);
    QVERIFY(::prctl(PR_SET_CHILD_SUBREAPER, 0) == 0);
    QStringList adopted;
    const qint64 self = ::getpid();
    for (const procfs::ProcessStat& s : procfs::processes()) {
        if (s.parent != self)
            continue;
        // The watchdog names itself before it waits for parlab's end, and exits once it came: its name is
        // final once it is a zombie, read before it is reaped.
        siginfo_t info {};
        QCOMPARE(::waitid(P_PID, id_t(s.pid), &info, WEXITED | WNOWAIT), 0);
        adopted.append(QString::fromUtf8(procfs::readFile(QStringLiteral("/proc/%1/comm").arg(s.pid)).trimmed()));
        QCOMPARE(::waitpid(pid_t(s.pid), nullptr, 0), pid_t(s.pid));
    }
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QCOMPARE(adopted, watchdog ? QStringList { QStringLiteral("parlab-guard") } : QStringList {});
}

void TestProcessGuard::hugeCommandOutputKeepsMemorySmall()
{
    // A program printing hundreds of MiB, through the baseline (in ParLab) and a worker: the output is hashed as
    // it arrives, so neither grows by the output (before: 400 MiB of output took 564 MiB). Each peak is compared
    // with the same run printing 1 MiB, so what a build adds of its own (a sanitizer's shadow memory) cancels out.
    // The checksums of the two backends agree, or the run would fail.
    const qint64 mib = qEnvironmentVariableIntValue("PARLAB_TEST_OUTPUT_MIB") > 0
        ? qEnvironmentVariableIntValue("PARLAB_TEST_OUTPUT_MIB")
        : 64;
    struct Peaks {
        qint64 parlab = 0, worker = 0;
    };
    const auto peaks = [](qint64 outputMib) {
        MarkedRun run({ QStringLiteral("--kernel"), QStringLiteral("command"), QStringLiteral("--command"),
            // The pause keeps each process alive long enough to be sampled, however short its output.
            QStringLiteral("sleep 0.2; head -c %1 /dev/zero; echo {}").arg(outputMib << 20), QStringLiteral("--inputs"),
            QStringLiteral("1"), QStringLiteral("--backends"), QStringLiteral("sequential,processes"),
            QStringLiteral("--workers"), QStringLiteral("1") });
        Peaks p;
        if (!run.started())
            return std::optional<Peaks>();
        while (!run.process().waitForFinished(5)) {
            p.parlab = std::max(p.parlab, peakKiB(run.pid()));
            for (qint64 worker : run.processes(QByteArray("parlab worker")))
                p.worker = std::max(p.worker, peakKiB(worker));
        }
        if (run.process().exitCode() != 0 || p.parlab <= 0 || p.worker <= 0)
            return std::optional<Peaks>();
        return std::optional<Peaks>(p);
    };
    const std::optional<Peaks> small = peaks(1);
    QVERIFY2(small, "the run printing 1 MiB failed");
    const std::optional<Peaks> huge = peaks(mib);
    QVERIFY2(huge, "the run printing the huge output failed");
    qInfo("%lld MiB of output: peak resident memory %lld MiB in parlab, %lld MiB in its worker (1 MiB of output: %lld "
          "and %lld MiB)",
        mib, huge->parlab / 1024, huge->worker / 1024, small->parlab / 1024, small->worker / 1024);
    QVERIFY2(huge->parlab - small->parlab < 32LL * 1024, "ParLab kept the program's output in memory");
    QVERIFY2(huge->worker - small->worker < 32LL * 1024, "the worker kept the program's output in memory");
}

QTEST_GUILESS_MAIN(TestProcessGuard)
#include "tst_processguard.moc"
