// ParLab across hosts, as a user with a cluster meets it: three hosts made on this machine (testcluster.h, network
// namespaces with hostnames of their own, reached by mpirun through an rsh agent as through ssh), the real parlab
// executable running the mpi backend over them from a hostfile. Checked: the run succeeds with every host's
// checksums equal and tasks on every host, a rank killed on one host fails the run within a second naming it and its
// host, the token ring's hop between two hosts is measured beside the one on this machine, and no process is left on
// any host or here. The fixture itself: a cluster is removed with its processes, and one whose test was killed is
// removed by the next. Skips where namespaces cannot be made (not root, no `ip`) or the mpi backend is unavailable.

#include "backends/backendregistry.h"
#include "procfs.h"
#include "testcluster.h"
#include "testsupport.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <algorithm>
#include <csignal>
#include <memory>

using testsupport::TestCluster;

namespace {
constexpr char kWorker[] = "parlab-mpi-worker";

// A run of the parlab executable, and the processes it started, found by the PARLAB_OWNER entry they carry (its
// pid and start time, as ProcessGuard writes it) wherever they were reparented to.
class ParlabProcess final {
public:
    explicit ParlabProcess(const QStringList& arguments)
    {
        m_process.start(QStringLiteral(PARLAB_EXECUTABLE), arguments);
        if (!m_process.waitForStarted())
            return;
        m_owner = testsupport::ownerEntryOf(m_process.processId());
    }
    ~ParlabProcess()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished();
        }
    }
    ParlabProcess(const ParlabProcess&) = delete;
    ParlabProcess& operator=(const ParlabProcess&) = delete;

    bool started() const { return !m_owner.isEmpty(); }
    // Waits for the end; false if it is still running after `timeoutMs`.
    bool finish(int timeoutMs)
    {
        if (!m_process.waitForFinished(timeoutMs))
            return false;
        m_out = QString::fromUtf8(m_process.readAllStandardOutput());
        m_err = QString::fromUtf8(m_process.readAllStandardError());
        return true;
    }
    int code() const { return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1; }
    const QString& out() const { return m_out; }
    const QString& err() const { return m_err; }
    // The run's processes still alive here (parlab's own children carry its marker; those on the hosts do not,
    // as ssh would not pass it on: TestCluster::processes() finds them).
    QList<qint64> processesLeft() const { return testsupport::processesCarrying(m_owner); }

private:
    QProcess m_process;
    QByteArray m_owner;
    QString m_out;
    QString m_err;
};

bool exists(const QString& path)
{
    return QFileInfo::exists(path);
}
} // namespace

class TestClusterRuns : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void runSpreadsTasksOverEveryHost();
    void rankKilledOnASecondHostFailsTheRunNamingIt();
    void overheadMeasuresAHopBetweenHosts();
    void clusterOfAKilledTestIsRemovedByTheNext();

private:
    QStringList onCluster(const QStringList& arguments) const
    {
        return arguments
            + QStringList { QStringLiteral("--hostfile"), m_cluster->hostfile(), QStringLiteral("--mpirun-args"),
                  m_cluster->mpirunArgs() };
    }
    // Nothing of a run left on the hosts or here (a moment allowed for mpirun's teardown to reach every host).
    void verifyNothingLeft(const ParlabProcess& run) const
    {
        const QList<qint64> onHosts = m_cluster->processesLeftAfter(5000 * testsupport::kSlowdown);
        QVERIFY2(onHosts.isEmpty(),
            qPrintable(QStringLiteral("left on the hosts: ") + testsupport::describeProcesses(onHosts)));
        const QList<qint64> here = run.processesLeft();
        QVERIFY2(here.isEmpty(), qPrintable(QStringLiteral("left here: ") + testsupport::describeProcesses(here)));
    }

    std::unique_ptr<TestCluster> m_cluster;
};

void TestClusterRuns::initTestCase()
{
    const auto mpi = parlab::BackendRegistry::create(QStringLiteral("mpi"));
    if (const parlab::Availability a = mpi->availability(); !a.available)
        QSKIP(qPrintable(QStringLiteral("the mpi backend is unavailable: ") + a.reason));
    QElapsedTimer timer;
    timer.start();
    m_cluster = std::make_unique<TestCluster>(3);
    if (!m_cluster->isUp())
        QSKIP(qPrintable(m_cluster->whyNot()));
    qInfo("3 hosts up in %lld ms: %s", timer.elapsed(), qPrintable(m_cluster->mpirunArgs()));
}

void TestClusterRuns::cleanupTestCase()
{
    m_cluster.reset();
}

void TestClusterRuns::runSpreadsTasksOverEveryHost()
{
    // Every rank waits for a task when a batch starts and is handed one at once, so six tasks on three ranks reach
    // every host. (With 0.1's shared counter, an MPI window, rank 0 answered the others only between its own tasks
    // and one host went without a task in a quarter of such runs.)
    QTemporaryDir dir;
    const QString trace = dir.filePath(QStringLiteral("trace.json"));
    ParlabProcess run(onCluster({ QStringLiteral("run"), QStringLiteral("--kernel"), QStringLiteral("fib"),
        QStringLiteral("--inputs"), QStringLiteral("30,29,28,27,26,25"), QStringLiteral("--backends"),
        QStringLiteral("sequential,mpi"), QStringLiteral("--workers"), QStringLiteral("3"), QStringLiteral("--repeat"),
        QStringLiteral("3"), QStringLiteral("--warmup"), QStringLiteral("0"), QStringLiteral("--no-history"),
        QStringLiteral("--format"), QStringLiteral("json"), QStringLiteral("--export-trace"), trace }));
    QVERIFY(run.started());
    QVERIFY2(run.finish(120'000 * testsupport::kSlowdown), "parlab run did not finish within two minutes");
    QVERIFY2(run.code() == 0, qPrintable(run.err()));

    // Every backend's checksum is the reference (parlab fails the run on a mismatch; the figures say so too).
    const QJsonObject top = QJsonDocument::fromJson(run.out().toUtf8()).object();
    const QString reference = top.value(QStringLiteral("reference_checksum")).toString();
    QCOMPARE(reference.size(), 16);
    const QJsonArray results = top.value(QStringLiteral("results")).toArray();
    QCOMPARE(results.size(), 2);
    for (const auto& v : results) {
        const QJsonObject m = v.toObject();
        QCOMPARE(m.value(QStringLiteral("checksum")).toString(), reference);
        QCOMPARE(m.value(QStringLiteral("samples_s")).toArray().size(), 3);
    }
    const QJsonObject mpi = results.at(1).toObject();
    QCOMPARE(mpi.value(QStringLiteral("backend")).toString(), QStringLiteral("mpi"));
    // The speedup beside the best any schedule of these tasks reaches on 3 workers, and the launch apart from both.
    QVERIFY(mpi.value(QStringLiteral("speedup")).toDouble() > 0);
    QVERIFY(top.value(QStringLiteral("bounds"))
                .toObject()
                .value(QStringLiteral("lpt"))
                .toObject()
                .value(QStringLiteral("3"))
                .toDouble()
        > 1);
    QVERIFY(mpi.value(QStringLiteral("launch_s")).toDouble() > 0);

    // The trace names the host of every mpi task: each host ran some, and no task ran anywhere else.
    QFile file(trace);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QJsonArray events
        = QJsonDocument::fromJson(file.readAll()).object().value(QStringLiteral("traceEvents")).toArray();
    int mpiTrack = -1;
    for (const auto& v : events) {
        const QJsonObject e = v.toObject();
        if (e.value(QStringLiteral("name")).toString() == QStringLiteral("process_name")
            && e.value(QStringLiteral("args")).toObject().value(QStringLiteral("name")).toString()
                == QStringLiteral("mpi x3"))
            mpiTrack = e.value(QStringLiteral("pid")).toInt();
    }
    QVERIFY2(mpiTrack >= 0, "the trace has no track for mpi x3");
    QSet<QString> hosts;
    QList<qint64> inputs;
    for (const auto& v : events) {
        const QJsonObject e = v.toObject();
        const QJsonObject args = e.value(QStringLiteral("args")).toObject();
        if (e.value(QStringLiteral("ph")).toString() != QStringLiteral("X")
            || e.value(QStringLiteral("pid")).toInt() != mpiTrack || !args.contains(QStringLiteral("input")))
            continue;
        hosts.insert(args.value(QStringLiteral("host")).toString());
        inputs.append(args.value(QStringLiteral("input")).toInteger());
    }
    std::sort(inputs.begin(), inputs.end());
    QCOMPARE(inputs, (QList<qint64> { 25, 26, 27, 28, 29, 30 }));
    QSet<QString> names;
    for (const TestCluster::Host& h : m_cluster->hosts())
        names.insert(h.name);
    QCOMPARE(hosts, names);

    verifyNothingLeft(run);
}

void TestClusterRuns::rankKilledOnASecondHostFailsTheRunNamingIt()
{
    // Nine tasks of 0.4 s of CPU each (after the sequential baseline, 3.6 s): the ranks compute for seconds, at least
    // 1.8 s each if one of the three never gets a task, so one killed 0.3 s in dies mid-run.
    ParlabProcess run(onCluster({ QStringLiteral("run"), QStringLiteral("--kernel"), QStringLiteral("spin"),
        QStringLiteral("--inputs"), QStringLiteral("400x9"), QStringLiteral("--backends"), QStringLiteral("mpi"),
        QStringLiteral("--workers"), QStringLiteral("3"), QStringLiteral("--repeat"), QStringLiteral("1"),
        QStringLiteral("--warmup"), QStringLiteral("0"), QStringLiteral("--no-history") }));
    QVERIFY(run.started());
    QElapsedTimer sinceStart;
    sinceStart.start();
    const TestCluster::Host& second = m_cluster->hosts().at(1);
    const QString worker = QString::fromLatin1(kWorker);
    // The CPU seconds of the busiest rank on any host.
    auto busiest = [&] {
        double most = 0;
        for (const TestCluster::Host& h : m_cluster->hosts()) {
            for (qint64 pid : TestCluster::processesOn(h, worker))
                most = std::max(most, parlab::procfs::stat(pid).value_or(parlab::procfs::ProcessStat {}).cpuSeconds());
        }
        return most;
    };
    // Killed once the tasks run (a rank has computed for 0.3 s): mid-run, past MPI's start-up. The rank on the
    // second host may itself be waiting for a task then.
    QList<qint64> ranks;
    QTRY_VERIFY_WITH_TIMEOUT(!(ranks = TestCluster::processesOn(second, worker)).isEmpty() && busiest() > 0.3,
        30'000 * testsupport::kSlowdown);
    const qint64 rank = ranks.first();
    QVERIFY2(::kill(pid_t(rank), SIGKILL) == 0, "the rank ended before it could be killed");
    QElapsedTimer timer;
    timer.start();
    QVERIFY2(run.finish(30'000 * testsupport::kSlowdown), "parlab still runs 30 s after a rank was killed");
    const qint64 ms = timer.elapsed();
    qInfo("rank pid %lld on %s killed %lld ms after parlab started; parlab exited with %d %lld ms later:\n%s", rank,
        qPrintable(second.name), sinceStart.elapsed() - ms, run.code(), ms, qPrintable(run.err()));
    // Its lifeline to ParLab closes with it: the run ends within a second (mpirun alone takes two to name it).
    QVERIFY2(ms < qint64(1000) * testsupport::kSlowdown, "a rank lost must fail the run within a second");
    QCOMPARE(run.code(), 1);
    QVERIFY2(run.err().contains(QStringLiteral("@ %1 (pid %2)").arg(second.name).arg(rank)), qPrintable(run.err()));
    verifyNothingLeft(run);
}

void TestClusterRuns::overheadMeasuresAHopBetweenHosts()
{
    ParlabProcess run(onCluster({ QStringLiteral("overhead"), QStringLiteral("--format"), QStringLiteral("json") }));
    QVERIFY(run.started());
    QVERIFY2(run.finish(180'000 * testsupport::kSlowdown), "parlab overhead did not finish within three minutes");
    QVERIFY2(run.code() == 0, qPrintable(run.err()));
    const QJsonArray rows = QJsonDocument::fromJson(run.out().toUtf8()).array();
    // The rows by what they measured (threads start-up batches come before the rings, as many as the cores).
    const auto named = [&rows](const QString& what) {
        for (const auto& v : rows) {
            if (v.toObject().value(QStringLiteral("what")).toString() == what)
                return v.toObject();
        }
        return QJsonObject {};
    };
    const QList<TestCluster::Host>& hosts = m_cluster->hosts();
    const QJsonObject here = named(QStringLiteral("MPI token passed around a ring of 2 ranks"));
    const QJsonObject between
        = named(QStringLiteral("MPI token passed around a ring of 2 ranks on 2 hosts (%1 and %2 from hostfile)")
                    .arg(hosts[0].address, hosts[1].address));
    QVERIFY2(!here.isEmpty() && !between.isEmpty(), QJsonDocument(rows).toJson().constData());
    QCOMPARE(rows.last().toObject(), between); // the hop between hosts last, after the ring here
    QVERIFY2(between.value(QStringLiteral("skipped")).toString().isEmpty(),
        qPrintable(between.value(QStringLiteral("skipped")).toString()));
    QCOMPARE(between.value(QStringLiteral("per")).toString(), QStringLiteral("hop"));
    const double hopUs = between.value(QStringLiteral("us")).toDouble();
    QVERIFY(hopUs > 0);
    // Its floor is the ring on this machine, measured in the same run.
    QCOMPARE(between.value(QStringLiteral("floor_us")).toDouble(), here.value(QStringLiteral("us")).toDouble());
    qInfo("token ring hop: %.1f us between two hosts, %.1f us on this machine", hopUs,
        here.value(QStringLiteral("us")).toDouble());
    verifyNothingLeft(run);
}

void TestClusterRuns::clusterOfAKilledTestIsRemovedByTheNext()
{
    // A cluster owned by a process that then dies without removing it, as a test killed by a timeout would, with a
    // process still running on one of its hosts.
    QProcess owner;
    owner.start(QStringLiteral("sleep"), { QStringLiteral("600") });
    QVERIFY(owner.waitForStarted());
    const qint64 ownerPid = owner.processId();
    QTemporaryDir dir;
    QProcess up;
    up.start(
        TestCluster::script(), { QStringLiteral("up"), dir.path(), QStringLiteral("2"), QString::number(ownerPid) });
    QVERIFY(up.waitForFinished(60'000));
    QVERIFY2(up.exitCode() == 0, up.readAllStandardError().constData());
    QFile hostsFile(dir.filePath(QStringLiteral("hosts")));
    QVERIFY(hostsFile.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = hostsFile.readAll().trimmed().split('\n');
    QCOMPARE(lines.size(), 2);
    QStringList namespaces;
    for (const QByteArray& line : lines)
        namespaces.append(QString::fromUtf8(line.split(' ').value(1)));
    QFile state(dir.filePath(QStringLiteral("state")));
    QVERIFY(state.open(QIODevice::ReadOnly));
    const QByteArray bridgeLine = state.readLine().trimmed();
    QVERIFY2(bridgeLine.startsWith("bridge "), bridgeLine.constData());
    const QString bridge = QStringLiteral("/sys/class/net/") + QString::fromUtf8(bridgeLine.mid(7));
    QVERIFY(exists(bridge));
    QProcess stray;
    stray.start(QStringLiteral("ip"),
        { QStringLiteral("netns"), QStringLiteral("exec"), namespaces[1], QStringLiteral("sleep"),
            QStringLiteral("600") });
    QVERIFY(stray.waitForStarted());
    // ip enters the namespace after it starts: the process must be on the host before the owner dies.
    QTRY_VERIFY_WITH_TIMEOUT(
        TestCluster::processesOn({ QString(), namespaces[1], QString() }).contains(stray.processId()), 10'000);
    owner.kill();
    owner.waitForFinished();

    {
        // The next cluster removes it first, the stray process too, and its own when it goes.
        TestCluster next(2);
        QVERIFY2(next.isUp(), qPrintable(next.whyNot()));
        for (const QString& ns : std::as_const(namespaces))
            QVERIFY2(!exists(QStringLiteral("/run/netns/") + ns), qPrintable(ns));
        QVERIFY(!exists(bridge));
        QVERIFY(stray.waitForFinished(5000));
        QCOMPARE(stray.exitStatus(), QProcess::CrashExit);
        for (const TestCluster::Host& h : next.hosts())
            QVERIFY(exists(QStringLiteral("/run/netns/") + h.netns));
        namespaces.clear();
        for (const TestCluster::Host& h : next.hosts())
            namespaces.append(h.netns);
    }
    for (const QString& ns : std::as_const(namespaces))
        QVERIFY2(!exists(QStringLiteral("/run/netns/") + ns), qPrintable(ns));
    // This test's own cluster, owned by the same process, is still whole.
    for (const TestCluster::Host& h : m_cluster->hosts())
        QVERIFY2(exists(QStringLiteral("/run/netns/") + h.netns), qPrintable(h.netns));
    QCOMPARE(m_cluster->processes(), QList<qint64> {});
}

QTEST_GUILESS_MAIN(TestClusterRuns)
#include "tst_cluster.moc"
