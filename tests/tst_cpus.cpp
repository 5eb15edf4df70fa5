// Each core's speed (core/cpus.h) and `parlab list cpus`: the cores a process may use, pinning a thread to each,
// and a calibration that covers every one of them.

#include "cpus.h"
#include "testsupport.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTest>
#include <sched.h>
#include <thread>

using namespace parlab;

namespace {
// The CPUs this process may use as the kernel lists them in /proc/self/status ("0-3,6"): a second source
// for what allowedCpus() reads through sched_getaffinity.
QList<int> cpusAllowedList()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return {};
    QList<int> cpus;
    for (const QByteArray& line : status.readAll().split('\n')) {
        if (!line.startsWith("Cpus_allowed_list:"))
            continue;
        for (const QByteArray& part : line.mid(int(strlen("Cpus_allowed_list:"))).trimmed().split(',')) {
            const QList<QByteArray> ends = part.split('-');
            const int first = ends.first().toInt();
            const int last = ends.last().toInt();
            for (int cpu = first; cpu <= last; ++cpu)
                cpus.append(cpu);
        }
    }
    return cpus;
}
} // namespace

class TestCpus : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void allowedCpusAreTheKernels()
    {
        const QList<int> cpus = allowedCpus();
        QVERIFY(!cpus.isEmpty());
        QCOMPARE(cpus, cpusAllowedList());
    }

    void pinsAThreadToEachCore()
    {
        for (const int cpu : allowedCpus()) {
            int ranOn = -1;
            QString error;
            std::thread pinned([&] {
                const Result<void> result = pinCurrentThread(cpu);
                error = result.error();
                // Where it runs after a yield: the scheduler moves a pinned thread only onto its one core.
                sched_yield();
                ranOn = sched_getcpu();
            });
            pinned.join();
            QVERIFY2(error.isEmpty(), qPrintable(error));
            QCOMPARE(ranOn, cpu);
        }
    }

    void refusesACoreItMayNotUse()
    {
        std::thread pinned([] {
            const Result<void> past = pinCurrentThread(CPU_SETSIZE);
            QVERIFY(!past);
            QVERIFY2(past.error().contains(QStringLiteral("CPU %1 does not exist").arg(CPU_SETSIZE)),
                qPrintable(past.error()));
            // A real CPU number this process may not use (one past the allowed ones).
            const int outside = allowedCpus().last() + 1;
            const Result<void> refused = pinCurrentThread(outside);
            QVERIFY(!refused);
            QVERIFY2(refused.error().startsWith(QStringLiteral("cannot run on CPU %1").arg(outside)),
                qPrintable(refused.error()));
            QVERIFY2(refused.error().contains(QStringLiteral("may use CPUs")), qPrintable(refused.error()));
        });
        pinned.join();
    }

    void calibratesEveryCoreAgainstTheFastest()
    {
        const cpu_set_t before = [] {
            cpu_set_t set;
            CPU_ZERO(&set);
            sched_getaffinity(0, sizeof set, &set);
            return set;
        }();
        const Result<CpuCalibration> calibration = calibrateCpus(3);
        QVERIFY2(calibration, qPrintable(calibration.error()));
        QCOMPARE(calibration->rounds, 3);
        QList<int> measured;
        int fastestCount = 0;
        double slowest = 1;
        for (const CoreSpeed& core : calibration->cores) {
            measured.append(core.cpu);
            QVERIFY2(core.loopS > 0 && core.loopS < 1, qPrintable(QString::number(core.loopS)));
            QVERIFY(core.relative > 0 && core.relative <= 1);
            if (core.relative == 1)
                ++fastestCount;
            slowest = std::min(slowest, core.relative);
        }
        QCOMPARE(measured, allowedCpus());
        QVERIFY(fastestCount >= 1);
        QCOMPARE(calibration->find(calibration->fastest())->relative, 1.0);
        QCOMPARE(calibration->spread(), 1 - slowest);
        QVERIFY(calibration->find(-1) == nullptr);
        // The caller's own affinity is left as it was.
        cpu_set_t after;
        CPU_ZERO(&after);
        sched_getaffinity(0, sizeof after, &after);
        QVERIFY(CPU_EQUAL(&before, &after));
    }

    void listCpusPrintsEachCore()
    {
        const testsupport::Result json = testsupport::runParlab(
            { QStringLiteral("list"), QStringLiteral("cpus"), QStringLiteral("--format"), QStringLiteral("json") });
        QVERIFY2(json.code == 0, qPrintable(json.err));
        const QJsonArray cores = QJsonDocument::fromJson(json.out.toUtf8()).array();
        QCOMPARE(cores.size(), allowedCpus().size());
        bool sawFastest = false;
        for (const auto& value : cores) {
            const QJsonObject core = value.toObject();
            QVERIFY(allowedCpus().contains(core.value(QStringLiteral("cpu")).toInt(-1)));
            QVERIFY(core.value(QStringLiteral("loop_s")).toDouble() > 0);
            const double relative = core.value(QStringLiteral("relative_speed")).toDouble();
            QVERIFY(relative > 0 && relative <= 1);
            sawFastest = sawFastest || relative == 1;
        }
        QVERIFY(sawFastest);

        const testsupport::Result table = testsupport::runParlab({ QStringLiteral("list"), QStringLiteral("cpus") });
        QVERIFY2(table.code == 0, qPrintable(table.err));
        QVERIFY(table.out.startsWith(QStringLiteral("CPU  LOOP")));
        QVERIFY(table.out.contains(QStringLiteral("(fastest)")));
        QVERIFY(table.out.contains(QStringLiteral("slower than the fastest"))
            || table.out.contains(QStringLiteral("within 5% of each other")));
    }

    void listCpusHonoursTheAffinityItWasGiven()
    {
        // Started on CPU 0 alone (as `taskset -c 0 parlab list cpus` would), it measures that core only.
        QProcess process;
        process.setChildProcessModifier([] {
            cpu_set_t set;
            CPU_ZERO(&set);
            CPU_SET(0, &set);
            sched_setaffinity(0, sizeof set, &set);
        });
        process.start(QStringLiteral(PARLAB_EXECUTABLE),
            { QStringLiteral("list"), QStringLiteral("cpus"), QStringLiteral("--format"), QStringLiteral("json") });
        QVERIFY(process.waitForFinished(30'000));
        QCOMPARE(process.exitCode(), 0);
        const QJsonArray cores = QJsonDocument::fromJson(process.readAllStandardOutput()).array();
        QCOMPARE(cores.size(), 1);
        QCOMPARE(cores.first().toObject().value(QStringLiteral("cpu")).toInt(), 0);
        QCOMPARE(cores.first().toObject().value(QStringLiteral("relative_speed")).toDouble(), 1.0);
    }

    void listNamesCpusAmongWhatItLists()
    {
        const testsupport::Result wrong = testsupport::runParlab({ QStringLiteral("list"), QStringLiteral("cpuz") });
        QCOMPARE(wrong.code, 2);
        QVERIFY2(wrong.err.contains(QStringLiteral("options or cpus")), qPrintable(wrong.err));
    }
};

QTEST_GUILESS_MAIN(TestCpus)
#include "tst_cpus.moc"
