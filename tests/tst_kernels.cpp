// The built-in kernels on their own: metadata, cost models, input checks, known results, timing kernels and
// how fast each one notices a cancel from another thread.

#include "clock.h"
#include "context.h"
#include "kernels/kernel.h"
#include "kernels/kernelregistry.h"
#include "testsupport.h"

#include <QElapsedTimer>
#include <QSet>
#include <QStringList>
#include <QTest>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <thread>

using namespace parlab;

namespace {

std::unique_ptr<Kernel> kernelNamed(const QString& name)
{
    auto kernel = KernelRegistry::create(name);
    if (!kernel)
        qFatal("no kernel named %s", qPrintable(name));
    return kernel;
}

// Runs one input the way a backend does, with a fresh, never-cancelled run.
quint64 runOnce(const QString& name, qint64 input)
{
    RunControl control;
    Context context(control, 0);
    return kernelNamed(name)->run(input, context);
}

} // namespace

class TestKernels final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void registry();
    void metadata_data();
    void metadata();
    void costIncreases_data();
    void costIncreases();
    void checkInput_data();
    void checkInput();
    void knownValues_data();
    void knownValues();
    void mandelbrotIsDeterministic();
    void mandelbrotIsUneven();
    void sha256();
    void stream();
    void noopIsDistinct();
    void sleepWaitsWithoutCpu();
    void spinBurnsCpu();
    void spinUsBurnsMicroseconds();
    void taskOfSize_data();
    void taskOfSize();
    void cancelFromAnotherThread_data();
    void cancelFromAnotherThread();
    void alreadyCancelled_data();
    void alreadyCancelled();
    void cleanupTestCase();

private:
    QStringList m_latencies;
};

void TestKernels::registry()
{
    const QStringList names = KernelRegistry::names();
    const QStringList expected { QStringLiteral("fib"), QStringLiteral("sleep"), QStringLiteral("spin"),
        QStringLiteral("primes"), QStringLiteral("mandelbrot"), QStringLiteral("sha256"), QStringLiteral("stream"),
        QStringLiteral("noop") };
    for (const QString& name : expected)
        QVERIFY2(names.contains(name), qPrintable(name));
    QCOMPARE(QSet<QString>(names.cbegin(), names.cend()).size(), names.size()); // no duplicates
    for (const QString& name : names) {
        const auto kernel = KernelRegistry::create(name);
        QVERIFY(kernel);
        QCOMPARE(kernel->name(), name);
    }
    QVERIFY(!KernelRegistry::create(QStringLiteral("fibb")));
    QVERIFY(!KernelRegistry::create(QString()));
}

void TestKernels::metadata_data()
{
    QTest::addColumn<QString>("name");
    for (const QString& name : KernelRegistry::names())
        QTest::newRow(qPrintable(name)) << name;
}

void TestKernels::metadata()
{
    QFETCH(QString, name);
    const auto kernel = kernelNamed(name);
    QVERIFY(!kernel->description().trimmed().isEmpty());
    QVERIFY(!kernel->inputMeaning().trimmed().isEmpty());
    QVERIFY(!kernelKindName(kernel->kind()).isEmpty());

    const InputRange range = kernel->range();
    QVERIFY2(range.min <= range.max, qPrintable(QStringLiteral("%1 > %2").arg(range.min).arg(range.max)));
    QVERIFY(!range.reason.trimmed().isEmpty());

    // The cost model drives ETAs and bounds: it must be positive and finite over the whole range.
    const QList<qint64> samples { range.min, range.min + (range.max - range.min) / 2, range.max };
    for (qint64 input : samples) {
        const double cost = kernel->cost(input);
        QVERIFY2(std::isfinite(cost) && cost > 0, qPrintable(QStringLiteral("cost(%1) = %2").arg(input).arg(cost)));
    }
    QVERIFY(kernel->checkInput(range.min));
    QVERIFY(kernel->checkInput(range.max));
}

void TestKernels::costIncreases_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QList<qint64>>("inputs"); // ascending: each must cost more than the one before

    QTest::newRow("fib") << QStringLiteral("fib") << QList<qint64> { 0, 1, 2, 10, 20, 30, 38, 45, 50 };
    QTest::newRow("primes") << QStringLiteral("primes") << QList<qint64> { 3, 4, 10, 100, 1000, 100'000, 100'000'000 };
    QTest::newRow("sleep") << QStringLiteral("sleep") << QList<qint64> { 0, 1, 30, 1000, 600'000 };
    QTest::newRow("spin") << QStringLiteral("spin") << QList<qint64> { 0, 1, 50, 1000, 600'000 };
    QTest::newRow("spin-us") << QStringLiteral("spin-us") << QList<qint64> { 0, 1, 50, 1000, 600'000'000 };
    QTest::newRow("sha256") << QStringLiteral("sha256") << QList<qint64> { 1, 2, 64, 4096 };
    QTest::newRow("stream") << QStringLiteral("stream") << QList<qint64> { 1, 2, 64, 2048 };
}

void TestKernels::costIncreases()
{
    QFETCH(QString, name);
    QFETCH(QList<qint64>, inputs);
    const auto kernel = kernelNamed(name);
    for (qsizetype i = 1; i < inputs.size(); ++i) {
        const double before = kernel->cost(inputs[i - 1]);
        const double after = kernel->cost(inputs[i]);
        QVERIFY2(after > before,
            qPrintable(QStringLiteral("cost(%1) = %2 is not above cost(%3) = %4")
                           .arg(inputs[i])
                           .arg(after)
                           .arg(inputs[i - 1])
                           .arg(before)));
    }
    // Only ratios matter, but they must be the right ones where the cost is known exactly.
    if (name == QStringLiteral("spin") || name == QStringLiteral("spin-us") || name == QStringLiteral("sleep")
        || name == QStringLiteral("sha256") || name == QStringLiteral("stream"))
        QVERIFY(std::abs(kernel->cost(1000) / kernel->cost(100) - 10.0) < 0.01);
    if (name == QStringLiteral("fib"))
        QVERIFY(std::abs(kernel->cost(31) / kernel->cost(30) - 1.618) < 0.01);
}

void TestKernels::checkInput_data()
{
    QTest::addColumn<QString>("name");
    for (const QString& name : KernelRegistry::names())
        QTest::newRow(qPrintable(name)) << name;
}

void TestKernels::checkInput()
{
    QFETCH(QString, name);
    const auto kernel = kernelNamed(name);
    const InputRange range = kernel->range();

    const QString below = kernel->checkInput(range.min - 1).error();
    QVERIFY2(below.contains(name), qPrintable(below));
    QVERIFY2(below.contains(QString::number(range.min)), qPrintable(below));
    QVERIFY2(below.contains(QString::number(range.min - 1)), qPrintable(below));
    QVERIFY2(below.contains(QStringLiteral("below")), qPrintable(below));

    const QString above = kernel->checkInput(range.max + 1).error();
    QVERIFY2(above.contains(name), qPrintable(above));
    QVERIFY2(above.contains(QString::number(range.max)), qPrintable(above));
    QVERIFY2(above.contains(QString::number(range.max + 1)), qPrintable(above));
    QVERIFY2(above.contains(QStringLiteral("above")), qPrintable(above));
    QVERIFY2(above.contains(range.reason), qPrintable(above));

    QVERIFY(kernel->checkInput((range.min + range.max) / 2));
}

void TestKernels::knownValues_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<qint64>("input");
    QTest::addColumn<quint64>("expected");

    QTest::newRow("fib(0)") << QStringLiteral("fib") << qint64(0) << quint64(0);
    QTest::newRow("fib(1)") << QStringLiteral("fib") << qint64(1) << quint64(1);
    QTest::newRow("fib(2)") << QStringLiteral("fib") << qint64(2) << quint64(1);
    QTest::newRow("fib(10)") << QStringLiteral("fib") << qint64(10) << quint64(55);
    QTest::newRow("fib(20)") << QStringLiteral("fib") << qint64(20) << quint64(6765);
    QTest::newRow("fib(30)") << QStringLiteral("fib") << qint64(30) << quint64(832040);
    QTest::newRow("fib(38)") << QStringLiteral("fib") << qint64(38) << quint64(39088169);
    QTest::newRow("primes(0)") << QStringLiteral("primes") << qint64(0) << quint64(0);
    QTest::newRow("primes(2)") << QStringLiteral("primes") << qint64(2) << quint64(0);
    QTest::newRow("primes(3)") << QStringLiteral("primes") << qint64(3) << quint64(1);
    QTest::newRow("primes(10)") << QStringLiteral("primes") << qint64(10) << quint64(4);
    QTest::newRow("primes(100)") << QStringLiteral("primes") << qint64(100) << quint64(25);
    QTest::newRow("primes(1000)") << QStringLiteral("primes") << qint64(1000) << quint64(168);
    QTest::newRow("primes(100000)") << QStringLiteral("primes") << qint64(100'000) << quint64(9592);
    // sleep, spin and noop do no arithmetic worth checking: their checksum is the input, mixed.
    QTest::newRow("sleep(3)") << QStringLiteral("sleep") << qint64(3) << mix64(3);
    QTest::newRow("spin(2)") << QStringLiteral("spin") << qint64(2) << mix64(2);
    QTest::newRow("noop(7)") << QStringLiteral("noop") << qint64(7) << mix64(7);
}

void TestKernels::knownValues()
{
    QFETCH(QString, name);
    QFETCH(qint64, input);
    QFETCH(quint64, expected);
    QCOMPARE(runOnce(name, input), expected);
}

void TestKernels::mandelbrotIsDeterministic()
{
    for (qint64 band : { 0, 20, 32, 63 }) {
        const quint64 first = runOnce(QStringLiteral("mandelbrot"), band);
        QCOMPARE(runOnce(QStringLiteral("mandelbrot"), band), first);
        QVERIFY(first > 0); // every pixel counts at least one iteration
    }
    // A backend worker other than 0 must not change the result.
    RunControl control;
    Context context(control, 5);
    QCOMPARE(kernelNamed(QStringLiteral("mandelbrot"))->run(32, context), runOnce(QStringLiteral("mandelbrot"), 32));
}

void TestKernels::mandelbrotIsUneven()
{
    const auto kernel = kernelNamed(QStringLiteral("mandelbrot"));
    const InputRange range = kernel->range();
    QCOMPARE(range.min, 0);
    QCOMPARE(range.max, 63);
    double lowest = kernel->cost(0);
    double highest = lowest;
    for (qint64 band = range.min; band <= range.max; ++band) {
        lowest = std::min(lowest, kernel->cost(band));
        highest = std::max(highest, kernel->cost(band));
    }
    QVERIFY2(highest > 5 * lowest, qPrintable(QStringLiteral("cost max %1, min %2").arg(highest).arg(lowest)));

    // The checksum is the band's total iteration count: the top band is mostly outside the set, the middle one
    // crosses it, so it must do far more work, and the cost model must agree.
    const quint64 top = runOnce(QStringLiteral("mandelbrot"), 0);
    const quint64 middle = runOnce(QStringLiteral("mandelbrot"), 32);
    QVERIFY2(middle > 5 * top, qPrintable(QStringLiteral("band 0: %1, band 32: %2").arg(top).arg(middle)));
    QVERIFY(kernel->cost(32) > 5 * kernel->cost(0));
}

void TestKernels::sha256()
{
    const quint64 one = runOnce(QStringLiteral("sha256"), 1);
    QCOMPARE(runOnce(QStringLiteral("sha256"), 1), one);
    const quint64 two = runOnce(QStringLiteral("sha256"), 2);
    QCOMPARE(runOnce(QStringLiteral("sha256"), 2), two);
    QVERIFY(one != two);
    QVERIFY(one != 0);
}

void TestKernels::stream()
{
    const quint64 one = runOnce(QStringLiteral("stream"), 1);
    QCOMPARE(runOnce(QStringLiteral("stream"), 1), one);
    QVERIFY(one != 0);
    QVERIFY(runOnce(QStringLiteral("stream"), 2) != one);
}

void TestKernels::noopIsDistinct()
{
    QSet<quint64> seen;
    const QList<qint64> extremes { 0, 1, 2, 1'000'000'000'000'000LL };
    for (qint64 input = 0; input < 1000; ++input)
        seen.insert(runOnce(QStringLiteral("noop"), input));
    for (qint64 input : extremes)
        seen.insert(runOnce(QStringLiteral("noop"), input));
    QCOMPARE(seen.size(), 1001); // 0, 1, 2 are already among the first thousand
    QCOMPARE(runOnce(QStringLiteral("noop"), 42), runOnce(QStringLiteral("noop"), 42));
}

void TestKernels::sleepWaitsWithoutCpu()
{
    const auto kernel = kernelNamed(QStringLiteral("sleep"));
    RunControl control;
    Context context(control, 0);
    QElapsedTimer timer;
    const qint64 cpuBefore = threadCpuNs();
    timer.start();
    kernel->run(30, context);
    const qint64 wallMs = timer.elapsed();
    const double cpuMs = double(threadCpuNs() - cpuBefore) * 1e-6;
    qInfo("sleep(30): %lld ms wall, %.2f ms CPU", wallMs, cpuMs);
    QVERIFY2(wallMs >= 30, qPrintable(QString::number(wallMs)));
    QVERIFY2(wallMs < 500, qPrintable(QString::number(wallMs)));
    QVERIFY2(cpuMs < 10, qPrintable(QString::number(cpuMs))); // I/O-bound: waits, does not spin

    QElapsedTimer zero;
    zero.start();
    kernel->run(0, context);
    QVERIFY(zero.elapsed() < 50);
}

void TestKernels::spinBurnsCpu()
{
    const auto kernel = kernelNamed(QStringLiteral("spin"));
    RunControl control;
    Context context(control, 0);
    QElapsedTimer timer;
    const qint64 cpuBefore = threadCpuNs();
    timer.start();
    kernel->run(50, context);
    const qint64 wallMs = timer.elapsed();
    const double cpuMs = double(threadCpuNs() - cpuBefore) * 1e-6;
    qInfo("spin(50): %lld ms wall, %.2f ms CPU", wallMs, cpuMs);
    QVERIFY2(cpuMs >= 50, qPrintable(QString::number(cpuMs)));
    QVERIFY2(wallMs >= 50, qPrintable(QString::number(wallMs))); // one thread cannot use CPU faster than time
    QVERIFY2(wallMs < 500, qPrintable(QString::number(wallMs))); // loose: the machine may be loaded
    QVERIFY2(cpuMs < 100, qPrintable(QString::number(cpuMs))); // stops close to its budget
}

void TestKernels::spinUsBurnsMicroseconds()
{
    // A sweep's smallest tasks: 10 µs must cost about 10 µs of CPU, not a millisecond or one clock read's worth.
    const auto kernel = kernelNamed(QStringLiteral("spin-us"));
    RunControl control;
    Context context(control, 0);
    QList<double> cpuUs;
    for (int i = 0; i < 200; ++i) {
        const qint64 before = threadCpuNs();
        kernel->run(10, context);
        cpuUs.append(double(threadCpuNs() - before) * 1e-3);
    }
    std::sort(cpuUs.begin(), cpuUs.end());
    const double median = cpuUs[cpuUs.size() / 2];
    qInfo("spin-us(10): median %.2f µs of CPU", median);
    // Below 100 µs: not a millisecond, with room for this VM's slow clock reads around it (15.02 µs in a suite run).
    QVERIFY2(median >= 10 && median < 100, qPrintable(QString::number(median)));
    QCOMPARE(kernel->run(10, context), kernelNamed(QStringLiteral("spin"))->run(10, context)); // checksum of the input
}

void TestKernels::taskOfSize_data()
{
    QTest::addColumn<QString>("kernel");
    QTest::addColumn<double>("ms");
    QTest::addColumn<QString>("runs"); // the kernel that runs it, empty: refused
    QTest::addColumn<qint64>("input");
    QTest::addColumn<QString>("error"); // a part of the refusal

    // spin's sizes go to spin-us whatever they are: every point of a sweep runs the same kernel.
    QTest::newRow("spin 0.01 ms") << "spin" << 0.01 << "spin-us" << qint64(10) << QString();
    QTest::newRow("spin 100 ms") << "spin" << 100.0 << "spin-us" << qint64(100'000) << QString();
    QTest::newRow("spin-us 2.5 ms") << "spin-us" << 2.5 << "spin-us" << qint64(2500) << QString();
    QTest::newRow("spin half a µs") << "spin" << 0.0005 << QString() << qint64(0) << "counts whole microseconds";
    QTest::newRow("spin 11 minutes") << "spin" << 660'000.0 << QString() << qint64(0) << "at most 10 minutes";
    QTest::newRow("spin 0 ms") << "spin" << 0.0 << QString() << qint64(0) << "positive";
    QTest::newRow("sleep 5 ms") << "sleep" << 5.0 << "sleep" << qint64(5) << QString();
    QTest::newRow("sleep 0.5 ms") << "sleep" << 0.5 << QString() << qint64(0) << "whole milliseconds";
    QTest::newRow("fib") << "fib" << 1.0 << QString() << qint64(0) << "fib has no task-size rule";
}

void TestKernels::taskOfSize()
{
    QFETCH(QString, kernel);
    QFETCH(double, ms);
    QFETCH(QString, runs);
    QFETCH(qint64, input);
    QFETCH(QString, error);
    const Result<SizedTask> task = kernelNamed(kernel)->taskOfSize(ms);
    if (runs.isEmpty()) {
        QVERIFY(!task);
        QVERIFY2(task.error().contains(error), qPrintable(task.error()));
        return;
    }
    QVERIFY2(task, qPrintable(task.error()));
    QCOMPARE(task->kernel, runs);
    QCOMPARE(task->input, input);
}

void TestKernels::cancelFromAnotherThread_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<qint64>("input");
    QTest::addColumn<int>("delayMs"); // how long the kernel runs before the cancel

    QTest::newRow("fib(45)") << QStringLiteral("fib") << qint64(45) << 50;
    QTest::newRow("spin(60000)") << QStringLiteral("spin") << qint64(60'000) << 50;
    QTest::newRow("sleep(60000)") << QStringLiteral("sleep") << qint64(60'000) << 50;
    QTest::newRow("primes(100000000) early") << QStringLiteral("primes") << qint64(100'000'000) << 50;
    // Later on, one tick of primes covers more trial divisions: the slow path comes round less often.
    QTest::newRow("primes(100000000) late") << QStringLiteral("primes") << qint64(100'000'000) << 500;
    QTest::newRow("sha256(4096)") << QStringLiteral("sha256") << qint64(4096) << 50;
    // Three arrays of 256 MiB: the cancel lands while they are being allocated and filled.
    QTest::newRow("stream(256) setup") << QStringLiteral("stream") << qint64(256) << 20;
}

void TestKernels::cancelFromAnotherThread()
{
    QFETCH(QString, name);
    QFETCH(qint64, input);
    QFETCH(int, delayMs);

    const auto kernel = kernelNamed(name);
    RunControl control;
    std::atomic<qint64> cancelledAtNs { 0 };
    std::thread canceller([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(delayMs));
        cancelledAtNs.store(monotonicNs());
        control.cancel();
    });

    bool threw = false;
    qint64 caughtAtNs = 0;
    try {
        Context context(control, 0);
        kernel->run(input, context);
    } catch (const Cancelled&) {
        caughtAtNs = monotonicNs();
        threw = true;
    }
    canceller.join();

    QVERIFY2(threw, "the kernel ran to its end instead of stopping");
    const double latencyMs = double(caughtAtNs - cancelledAtNs.load()) * 1e-6;
    const QString line = QStringLiteral("%1: cancelled after %2 ms, stopped %3 ms later")
                             .arg(QString::fromLatin1(QTest::currentDataTag()))
                             .arg(delayMs)
                             .arg(latencyMs, 0, 'f', 2);
    m_latencies.append(line);
    qInfo("%s", qPrintable(line));
    // The design promises milliseconds; 150 ms leaves room for a loaded two-core machine.
    QVERIFY2(latencyMs < 150 * testsupport::kSlowdown, qPrintable(line));
}

void TestKernels::alreadyCancelled_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<qint64>("input");
    QTest::addColumn<bool>("abortBatch"); // stop through the backend's switch instead of the user's

    // Inputs large enough to pass through each kernel's slow path at least once.
    QTest::newRow("fib") << QStringLiteral("fib") << qint64(30) << false;
    QTest::newRow("spin") << QStringLiteral("spin") << qint64(1000) << false;
    QTest::newRow("sleep") << QStringLiteral("sleep") << qint64(1000) << false;
    QTest::newRow("primes") << QStringLiteral("primes") << qint64(1'000'000) << false;
    QTest::newRow("mandelbrot") << QStringLiteral("mandelbrot") << qint64(32) << false;
    QTest::newRow("sha256") << QStringLiteral("sha256") << qint64(64) << false;
    QTest::newRow("stream") << QStringLiteral("stream") << qint64(2) << false;
    QTest::newRow("fib, batch aborted") << QStringLiteral("fib") << qint64(30) << true;
    QTest::newRow("sleep, batch aborted") << QStringLiteral("sleep") << qint64(1000) << true;
    QTest::newRow("spin, batch aborted") << QStringLiteral("spin") << qint64(1000) << true;
}

void TestKernels::alreadyCancelled()
{
    QFETCH(QString, name);
    QFETCH(qint64, input);
    QFETCH(bool, abortBatch);

    RunControl control;
    if (abortBatch)
        control.abortBatch();
    else
        control.cancel();
    QCOMPARE(control.isCancelled(), !abortBatch);
    QVERIFY(control.shouldStop());

    Context context(control, 0);
    QElapsedTimer timer;
    timer.start();
    QVERIFY_THROWS_EXCEPTION(Cancelled, kernelNamed(name)->run(input, context));
    QVERIFY2(timer.elapsed() < qint64(150) * testsupport::kSlowdown, qPrintable(QString::number(timer.elapsed())));

    // A new batch (or a reset) lets the same control run again.
    if (abortBatch)
        control.beginBatch();
    else
        control.reset();
    QVERIFY(!control.shouldStop());
}

void TestKernels::cleanupTestCase()
{
    if (!m_latencies.isEmpty())
        qInfo("cancel latencies:\n  %s", qPrintable(m_latencies.join(QStringLiteral("\n  "))));
}

QTEST_GUILESS_MAIN(TestKernels)
#include "tst_kernels.moc"
