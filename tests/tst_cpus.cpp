// Each core's speed (core/cpus.h) and `parlab list cpus`: the cores a process may use, pinning a thread to each,
// and a calibration that covers every one of them.

#include "cpus.h"
#include "environment.h"
#include "testsupport.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTest>
#include <cmath>
#include <sched.h>
#include <thread>
#include <unistd.h>

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

    void scopedPinPinsAThreadAndGivesItBack()
    {
        const QList<int> cpus = allowedCpus();
        std::thread worker([&] {
            const QList<int> before = threadAffinity(0);
            QCOMPARE(before, cpus);
            {
                ScopedPin pin;
                const Result<void> pinned = pin.pin(0, cpus.last());
                QVERIFY2(pinned, qPrintable(pinned.error()));
                QCOMPARE(threadAffinity(0), QList<int> { cpus.last() });
                sched_yield();
                QCOMPARE(sched_getcpu(), cpus.last());
                // A second pin gives the first back before it takes its own, so the end restores the original.
                QVERIFY(pin.pin(0, cpus.first()));
                QCOMPARE(threadAffinity(0), QList<int> { cpus.first() });
            }
            QCOMPARE(threadAffinity(0), before);

            ScopedPin refused;
            const Result<void> outside = refused.pin(0, cpus.last() + 1);
            QVERIFY(!outside);
            QVERIFY2(
                outside.error().startsWith(QStringLiteral("cannot run this thread on CPU %1").arg(cpus.last() + 1)),
                qPrintable(outside.error()));
            QCOMPARE(threadAffinity(0), before);
        });
        worker.join();
    }

    void scopedPinPinsAChildProcess()
    {
        // What python-sequential does to its interpreter: another process's main thread, by its pid.
        QProcess child;
        child.start(QStringLiteral("sleep"), { QStringLiteral("30") });
        QVERIFY(child.waitForStarted());
        const qint64 pid = child.processId();
        const QList<int> before = threadAffinity(pid);
        QCOMPARE(before, allowedCpus());
        {
            ScopedPin pin;
            QVERIFY(pin.pin(pid, before.last()));
            QCOMPARE(threadAffinity(pid), QList<int> { before.last() });
        }
        QCOMPARE(threadAffinity(pid), before);
        child.kill();
        QVERIFY(child.waitForFinished());
        // Gone: nothing to read, and giving back a pin on it is no error.
        QVERIFY(threadAffinity(pid).isEmpty());
    }

    void unequalCoresAreNamedAboveTheThreshold()
    {
        CpuCalibration calibration;
        calibration.cores = { { 0, 1.0, 1.0 }, { 1, 1.0 / 0.88, 0.88 } };
        QVERIFY(calibration.unequal());
        QCOMPARE(calibration.fastest(), 0);
        QCOMPARE(calibration.slowest(), 1);
        QCOMPARE(calibration.unequalText(), QStringLiteral("core 1 is 12% slower than core 0"));
        calibration.cores = { { 0, 1.0 / 0.97, 0.97 }, { 1, 1.0, 1.0 } };
        QVERIFY(!calibration.unequal());
        QCOMPARE(calibration.unequalText(), QString());
        calibration.cores
            = { { 0, 1.0 / (1 - kUnequalCoresThreshold - 0.01), 1 - kUnequalCoresThreshold - 0.01 }, { 1, 1.0, 1.0 } };
        QCOMPARE(calibration.unequalText(), QStringLiteral("core 0 is 6% slower than core 1"));
        QVERIFY(CpuCalibration().unequalText().isEmpty());
    }

    void environmentSaysWhatTheCoresCostASpeedup()
    {
        Environment env;
        QVERIFY(std::isnan(env.coreSpeedRatio()));
        QVERIFY(std::isnan(env.baselineCoreSpeed()));
        QVERIFY(std::isnan(env.maxSpeedupInflation()));
        QCOMPARE(env.coresText(), QStringLiteral("core speeds not measured"));

        env.cores.cores = { { 0, 1.0, 1.0 }, { 1, 1.25, 0.8 } };
        QCOMPARE(env.coreSpeedRatio(), 1.25);
        QVERIFY(std::isnan(env.baselineCoreSpeed())); // not pinned
        QCOMPARE(env.maxSpeedupInflation(), 1.25); // it may have run on the slow core
        QCOMPARE(env.coresText(), QStringLiteral("core 1 is 20% slower than core 0 (relative speeds 1.00, 0.80)"));
        env.baselineCpu = 0;
        QCOMPARE(env.baselineCoreSpeed(), 1.0);
        QCOMPARE(env.maxSpeedupInflation(), 1.0);
        QCOMPARE(env.coresText(),
            QStringLiteral("core 1 is 20% slower than core 0 (relative speeds 1.00, 0.80); baseline pinned to core 0 "
                           "(fastest)"));
        env.baselineCpu = 1;
        QCOMPARE(env.baselineCoreSpeed(), 0.8);
        QCOMPARE(env.maxSpeedupInflation(), 1.25);
        QVERIFY(env.coresText().endsWith(QStringLiteral("; baseline pinned to core 1")));

        env.baselineCpu = -1;
        env.cores.cores = { { 2, 1.0, 1.0 }, { 3, 1.02, 1 / 1.02 } };
        QCOMPARE(env.coresText(), QStringLiteral("2 cores within 5% of each other (relative speeds 1.00, 0.98)"));
        env.cores.cores = { { 5, 1.0, 1.0 } };
        QCOMPARE(env.coreSpeedRatio(), 1.0);
        QCOMPARE(env.coresText(), QStringLiteral("one core (5)"));
    }

    void aRunsEnvironmentMeasuresEveryCore()
    {
        const Environment plain = Environment::capture();
        QVERIFY(plain.cores.cores.isEmpty()); // cheap: no calibration
        const Environment env = Environment::captureWithCores();
        QVERIFY(env.cores.rounds >= 1 && env.cores.rounds <= Environment::kRunCalibrationRounds);
        QList<int> measured;
        for (const CoreSpeed& core : env.cores.cores)
            measured.append(core.cpu);
        QCOMPARE(measured, allowedCpus());
        QCOMPARE(env.cores.find(env.cores.fastest())->relative, 1.0);
        // Its wall time holds at least every round's loop on every core.
        double loops = 0;
        for (const CoreSpeed& core : env.cores.cores)
            loops += core.loopS * env.cores.rounds;
        QVERIFY2(env.cores.wallS >= 0.5 * loops,
            qPrintable(QStringLiteral("%1 s for %2 s of loops").arg(env.cores.wallS).arg(loops)));
        QCOMPARE(env.baselineCpu, -1);
        qInfo("calibration at a run's start: %.1f ms wall for %lld cores", env.cores.wallS * 1e3,
            qlonglong(env.cores.cores.size()));
    }

    void aCalibrationPastItsBudgetStopsAfterAFullRound()
    {
        // Past its budget before the second round: one round, and still every core measured.
        const Result<CpuCalibration> quick = calibrateCpus(50, 1e-6);
        QVERIFY2(quick, qPrintable(quick.error()));
        QCOMPARE(quick->rounds, 1);
        QCOMPARE(quick->cores.size(), allowedCpus().size());
        for (const CoreSpeed& core : quick->cores)
            QVERIFY(core.loopS > 0 && core.relative > 0 && core.relative <= 1);
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
            // Where it sits, from hwloc: a physical core within the machine's count.
            const int physical = core.value(QStringLiteral("core")).toInt(-1);
            QVERIFY(physical >= 0 && physical < cores.size());
            QVERIFY(core.value(QStringLiteral("numa_node")).toInt(-1) >= 0);
        }
        QVERIFY(sawFastest);

        const testsupport::Result table = testsupport::runParlab({ QStringLiteral("list"), QStringLiteral("cpus") });
        QVERIFY2(table.code == 0, qPrintable(table.err));
        QVERIFY(table.out.startsWith(QStringLiteral("CPU  LOOP")));
        QVERIFY(table.out.contains(QStringLiteral("(fastest)")));
        QVERIFY(table.out.contains(QStringLiteral("PHYSICAL CORE")));
        QVERIFY(table.out.contains(QStringLiteral("Topology (hwloc): %1 logical core").arg(cores.size())));
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
        // The table says the CPU it lists is one of several, where the machine has several: its "physical core 0"
        // is the first the process may use.
        process.start(QStringLiteral(PARLAB_EXECUTABLE), { QStringLiteral("list"), QStringLiteral("cpus") });
        QVERIFY(process.waitForFinished(30'000));
        QCOMPARE(process.exitCode(), 0);
        const QString table = QString::fromUtf8(process.readAllStandardOutput());
        const long online = ::sysconf(_SC_NPROCESSORS_ONLN);
        const QString note = QStringLiteral("This process may use 1 of the machine's %1 online CPUs").arg(online);
        QVERIFY2(online > 1 ? table.contains(note) : !table.contains(QStringLiteral("This process may use")),
            qPrintable(table));
        // Not pinned, it may use them all: no such line.
        const testsupport::Result all = testsupport::runParlab({ QStringLiteral("list"), QStringLiteral("cpus") });
        QVERIFY2(all.code == 0, qPrintable(all.err));
        QCOMPARE(all.out.contains(QStringLiteral("This process may use")), allowedCpus().size() < online);
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
