// The injected serial fraction (spin's and sleep's serial_ms): a global stop-the-world lock over every worker of
// every backend, checked with real threads, processes and ranks through the parlab executable, as a user would.

#include "kernels/kernel.h"
#include "kernels/kernelregistry.h"
#include "kernels/serialsection.h"
#include "stats/scaling.h"
#include "testsupport.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <csignal>
#include <fcntl.h>
#include <mutex>
#include <sys/file.h>
#include <thread>
#include <unistd.h>

using namespace parlab;

namespace {
// The measurements of one `parlab run ... --format json`, by backend and workers.
struct Run {
    int code = -1;
    QString err;
    QJsonObject json;
    QJsonObject at(const QString& backend, int workers) const
    {
        for (const auto& v : json.value(QStringLiteral("results")).toArray()) {
            QJsonObject m = v.toObject();
            if (m.value(QStringLiteral("backend")).toString() == backend
                && m.value(QStringLiteral("workers")).toInt() == workers)
                return m;
        }
        return {};
    }
    // Amdahl's serial fraction fitted over the backend's worker counts, as the report fits it.
    double amdahl(const QString& backend) const
    {
        QList<QPair<int, double>> points;
        for (const auto& v : json.value(QStringLiteral("results")).toArray()) {
            const QJsonObject m = v.toObject();
            if (m.value(QStringLiteral("backend")).toString() == backend)
                points.append(
                    { m.value(QStringLiteral("workers")).toInt(), m.value(QStringLiteral("speedup")).toDouble() });
        }
        return Scaling::amdahlSerialFraction(points);
    }
};

Run run(const QStringList& arguments)
{
    const auto r = testsupport::runParlab(QStringList { QStringLiteral("run"), QStringLiteral("--format"),
                                              QStringLiteral("json"), QStringLiteral("--no-history") }
        + arguments);
    return { r.code, r.err, QJsonDocument::fromJson(r.out.toUtf8()).object() };
}

bool available(const QString& backend)
{
    return BackendRegistry::create(backend)->availability().available;
}

// Whether another process holds the lock's gate (tries to take it, and lets it go at once).
bool gateHeld()
{
    const int fd = ::open(QFile::encodeName(SerialSection::lockPath(QStringLiteral("gate"))).constData(),
        O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return false;
    const bool held = ::flock(fd, LOCK_EX | LOCK_NB) != 0;
    ::close(fd);
    return held;
}
} // namespace

class TestSerialSection : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void wholeTaskSerialRunsOneAtATime_data();
    void wholeTaskSerialRunsOneAtATime();
    void amdahlHoldsForSleep_data();
    void amdahlHoldsForSleep();
    void amdahlHoldsForSpin_data();
    void amdahlHoldsForSpin();
    void gustafsonHoldsForSleepUnderWeakScaling();
    void checksumsDoNotDependOnTheSetting();
    void aKilledHolderLeavesNoLock();
    void cancelEndsAWaitForTheLock();
    void pythonBackendsRefuseTheSetting();
    void aLinkInPlaceOfTheLockFileIsRefused();

private:
    // The lock is this user's on this host: a folder of the test's own keeps other runs (other tests running
    // at the same time) out of it, and the parlab processes it starts inherit it.
    QTemporaryDir m_runtime;
    std::unique_ptr<testsupport::ScopedEnvironment> m_xdg;
};

void TestSerialSection::initTestCase()
{
    QVERIFY(m_runtime.isValid());
    m_xdg = std::make_unique<testsupport::ScopedEnvironment>("XDG_RUNTIME_DIR", QFile::encodeName(m_runtime.path()));
    QVERIFY(SerialSection::lockPath(QStringLiteral("gate")).startsWith(m_runtime.path()));
}

void TestSerialSection::wholeTaskSerialRunsOneAtATime_data()
{
    QTest::addColumn<QString>("backend");
    for (const char* backend : { "threads", "qtconcurrent", "gil-threads", "processes", "process-per-task", "mpi" })
        QTest::newRow(backend) << QString::fromLatin1(backend);
}

// serial_ms as long as the task: all of every task holds the lock, so 4 workers take as long as one.
void TestSerialSection::wholeTaskSerialRunsOneAtATime()
{
    QFETCH(QString, backend);
    if (!available(backend))
        QSKIP(qPrintable(BackendRegistry::create(backend)->availability().reason));
    const Run r = run({ QStringLiteral("--kernel"), QStringLiteral("sleep"), QStringLiteral("--inputs"),
        QStringLiteral("50x8"), QStringLiteral("--serial-ms"), QStringLiteral("50"), QStringLiteral("--backends"),
        backend, QStringLiteral("--workers"), QStringLiteral("4"), QStringLiteral("--repeat"), QStringLiteral("1"),
        QStringLiteral("--warmup"), QStringLiteral("0") });
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const double wall = r.at(backend, 4).value(QStringLiteral("median_s")).toDouble();
    // Without the lock: 0.1 s and the backend's start-up.
    QVERIFY2(wall >= 0.95 * 8 * 0.050, qPrintable(QString::number(wall)));
}

void TestSerialSection::amdahlHoldsForSleep_data()
{
    QTest::addColumn<QString>("backend");
    QTest::newRow("threads") << QStringLiteral("threads");
    QTest::newRow("processes") << QStringLiteral("processes");
}

// 4 of every 20 ms serial: s = 0.2, and sleeping needs no core, so 8 workers on 2 cores follow Amdahl's law.
void TestSerialSection::amdahlHoldsForSleep()
{
    QFETCH(QString, backend);
    const Run r = run({ QStringLiteral("--kernel"), QStringLiteral("sleep"), QStringLiteral("--inputs"),
        QStringLiteral("20x16"), QStringLiteral("--serial-ms"), QStringLiteral("4"), QStringLiteral("--backends"),
        QStringLiteral("sequential,") + backend, QStringLiteral("--workers"), QStringLiteral("1,2,4,8"),
        QStringLiteral("--repeat"), QStringLiteral("3") });
    QVERIFY2(r.code == 0, qPrintable(r.err));
    for (int workers : { 2, 4, 8 }) {
        const double speedup = r.at(backend, workers).value(QStringLiteral("speedup")).toDouble();
        qInfo("%s x%d: %.2fx (Amdahl: %.2fx)", qPrintable(backend), workers, speedup,
            Scaling::amdahlSpeedup(0.2, workers));
        // Never faster than the law allows (the serial parts alone take 20% of the sequential time).
        QVERIFY2(speedup < 1.05 * Scaling::amdahlSpeedup(0.2, workers), qPrintable(QString::number(speedup)));
    }
    const double f = r.amdahl(backend);
    qInfo("Amdahl fit: %.3f", f);
    QVERIFY2(std::abs(f - 0.2) <= 0.05, qPrintable(QString::number(f)));
}

void TestSerialSection::amdahlHoldsForSpin_data()
{
    amdahlHoldsForSleep_data();
}

// The same with CPU work on both cores: 1/(0.2 + 0.8/2) = 1.67x, not 2x.
void TestSerialSection::amdahlHoldsForSpin()
{
    QFETCH(QString, backend);
    const Run r = run({ QStringLiteral("--kernel"), QStringLiteral("spin"), QStringLiteral("--inputs"),
        QStringLiteral("20x16"), QStringLiteral("--serial-ms"), QStringLiteral("4"), QStringLiteral("--backends"),
        QStringLiteral("sequential,") + backend, QStringLiteral("--workers"), QStringLiteral("1,2"),
        QStringLiteral("--repeat"), QStringLiteral("5") });
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const QJsonObject two = r.at(backend, 2);
    const double wall = two.value(QStringLiteral("median_s")).toDouble();
    const double sequential = r.at(QStringLiteral("sequential"), 1).value(QStringLiteral("median_s")).toDouble();
    qInfo("%s x2: %.2fx, Amdahl fit %.3f", qPrintable(backend), sequential / wall, r.amdahl(backend));
    // The lock's promise holds on any machine: the 16 serial parts of 4 ms never overlap anything.
    QVERIFY2(wall >= 0.95 * (16 * 0.004 + 16 * 0.016 / 2), qPrintable(QString::number(wall)));
    // Its fit needs both cores to itself, which a test cannot promise: bench_fits (./dev.sh bench) prints it, with
    // what other programs took. amdahlHoldsForSleep checks the fit where no core is needed.
}

// Weak scaling grows each task's ms with the workers while its 4 serial ms stay: at N workers the run takes
// 16 x 4 ms serial + 16 x (20N - 4) / N ms parallel, so Gustafson's fraction, the serial share of that time, is
// 64 / (384 - 64 / N): 0.2 at 1 worker, 0.18 at 2, 0.17 at 8.
void TestSerialSection::gustafsonHoldsForSleepUnderWeakScaling()
{
    const Run r = run({ QStringLiteral("--kernel"), QStringLiteral("sleep"), QStringLiteral("--inputs"),
        QStringLiteral("20x16"), QStringLiteral("--serial-ms"), QStringLiteral("4"), QStringLiteral("--scaling"),
        QStringLiteral("weak"), QStringLiteral("--backends"), QStringLiteral("sequential,threads"),
        QStringLiteral("--workers"), QStringLiteral("1,2,4,8"), QStringLiteral("--repeat"), QStringLiteral("3") });
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const QJsonObject fits
        = r.json.value(QStringLiteral("fits")).toObject().value(QStringLiteral("threads")).toObject();
    QVERIFY2(!fits.contains(QStringLiteral("amdahl_serial_fraction")), QJsonDocument(fits).toJson().constData());
    const double alpha = fits.value(QStringLiteral("gustafson_serial_fraction")).toDouble(-1);
    qInfo("Gustafson fit: %.3f", alpha);
    QVERIFY2(std::abs(alpha - 0.2) <= 0.05, qPrintable(QString::number(alpha)));
}

// The checksum is the input's: the same with and without a serial part (and the run checks every backend's).
void TestSerialSection::checksumsDoNotDependOnTheSetting()
{
    for (const QString& kernel : { QStringLiteral("spin"), QStringLiteral("sleep") }) {
        QString checksums[2];
        for (int serial : { 0, 1 }) {
            const Run r = run({ QStringLiteral("--kernel"), kernel, QStringLiteral("--inputs"), QStringLiteral("2,3"),
                QStringLiteral("--serial-ms"), QString::number(serial), QStringLiteral("--backends"),
                QStringLiteral("sequential,threads,processes"), QStringLiteral("--workers"), QStringLiteral("2"),
                QStringLiteral("--repeat"), QStringLiteral("1") });
            QVERIFY2(r.code == 0, qPrintable(r.err));
            checksums[serial] = r.json.value(QStringLiteral("reference_checksum")).toString();
        }
        QVERIFY(!checksums[0].isEmpty());
        QCOMPARE(checksums[1], checksums[0]);
    }
}

// flock's locks go with the process: a run killed in its serial part leaves the next run free to take it.
void TestSerialSection::aKilledHolderLeavesNoLock()
{
    QProcess holder;
    holder.start(QStringLiteral(PARLAB_EXECUTABLE),
        { QStringLiteral("run"), QStringLiteral("--no-history"), QStringLiteral("--kernel"), QStringLiteral("sleep"),
            QStringLiteral("--inputs"), QStringLiteral("60000"), QStringLiteral("--serial-ms"), QStringLiteral("60000"),
            QStringLiteral("--backends"), QStringLiteral("sequential"), QStringLiteral("--repeat"), QStringLiteral("1"),
            QStringLiteral("--warmup"), QStringLiteral("0") });
    QVERIFY(holder.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(gateHeld(), 20'000 * testsupport::kSlowdown);
    ::kill(pid_t(holder.processId()), SIGKILL);
    QVERIFY(holder.waitForFinished());
    QVERIFY(!gateHeld());
    const auto next = testsupport::runParlab(
        { QStringLiteral("run"), QStringLiteral("--no-history"), QStringLiteral("--kernel"), QStringLiteral("sleep"),
            QStringLiteral("--inputs"), QStringLiteral("10x4"), QStringLiteral("--serial-ms"), QStringLiteral("5"),
            QStringLiteral("--backends"), QStringLiteral("sequential,threads"), QStringLiteral("--workers"),
            QStringLiteral("2"), QStringLiteral("--repeat"), QStringLiteral("1") },
        30'000 * testsupport::kSlowdown);
    QVERIFY2(next.code == 0, qPrintable(next.err));
}

// A task waiting for the lock (here held by this test, as another run would) ends at once on cancel.
void TestSerialSection::cancelEndsAWaitForTheLock()
{
    const int gate = ::open(QFile::encodeName(SerialSection::lockPath(QStringLiteral("gate"))).constData(),
        O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    QVERIFY(gate >= 0);
    QCOMPARE(::flock(gate, LOCK_EX | LOCK_NB), 0);
    auto kernel = KernelRegistry::create(QStringLiteral("sleep"));
    QVERIFY(kernel->configure(testsupport::runOptions({ { QStringLiteral("serial_ms"), 5 } })));
    auto threads = testsupport::backend(QStringLiteral("threads"));
    RunControl control;
    QList<TaskSpan> spans;
    // The lock is freed 10 s in, should the cancel not end the wait: the batch must end before that, by the cancel
    // (not a bound on how soon: a loaded machine delays the waiting threads' wake-up, 100 ms once not enough).
    const auto freeAfter = std::chrono::seconds(10) * testsupport::kSlowdown;
    std::mutex mutex;
    std::condition_variable ended;
    bool batchEnded = false;
    std::atomic<bool> freed { false };
    std::thread freer([&] {
        std::unique_lock lock(mutex);
        if (!ended.wait_for(lock, freeAfter, [&] { return batchEnded; })) {
            freed = true;
            ::flock(gate, LOCK_UN);
        }
    });
    QElapsedTimer sinceCancel;
    const auto outcome = testsupport::execute(*threads, *kernel, { 10, 10 }, 2, control, spans, [&] {
        QThread::msleep(300);
        sinceCancel.start();
        control.cancel();
    });
    const qint64 ms = sinceCancel.elapsed();
    const bool freedFirst = freed;
    {
        const std::lock_guard lock(mutex);
        batchEnded = true;
    }
    ended.notify_one();
    freer.join();
    ::close(gate);
    qInfo("the batch ended %lld ms after the cancel", ms);
    QVERIFY(outcome.cancelled);
    QVERIFY2(!freedFirst, "the cancel did not end the wait for the lock: the batch ended once the lock was freed");
}

// The Python versions of spin and sleep read no settings: a run says so instead of ignoring it.
void TestSerialSection::pythonBackendsRefuseTheSetting()
{
    const auto r
        = testsupport::runParlab({ QStringLiteral("run"), QStringLiteral("--no-history"), QStringLiteral("--kernel"),
            QStringLiteral("spin"), QStringLiteral("--inputs"), QStringLiteral("1"), QStringLiteral("--serial-ms"),
            QStringLiteral("1"), QStringLiteral("--backends"), QStringLiteral("python-sequential") });
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains(QStringLiteral("python-sequential: the kernel 'spin' cannot run with serial_ms set")),
        qPrintable(r.err));
}

// Another user's file or a link where the lock file goes: refused with the path, not followed.
void TestSerialSection::aLinkInPlaceOfTheLockFileIsRefused()
{
    QTemporaryDir elsewhere;
    const testsupport::ScopedEnvironment xdg("XDG_RUNTIME_DIR", QFile::encodeName(elsewhere.path()));
    const QString gate = SerialSection::lockPath(QStringLiteral("gate"));
    QVERIFY(QFile::link(elsewhere.filePath(QStringLiteral("target")), gate));
    auto kernel = KernelRegistry::create(QStringLiteral("spin"));
    const auto configured = kernel->configure(testsupport::runOptions({ { QStringLiteral("serial_ms"), 1 } }));
    QVERIFY(!configured);
    QVERIFY2(configured.error().startsWith(QStringLiteral("cannot open the serial part's lock file %1: ").arg(gate)),
        qPrintable(configured.error()));
    QVERIFY(!QFile::exists(elsewhere.filePath(QStringLiteral("target"))));
}

QTEST_GUILESS_MAIN(TestSerialSection)
#include "tst_serialsection.moc"
