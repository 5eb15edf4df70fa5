// The run estimate (core/runestimate.h) as a user meets it: a typo such as 50x10000 is called weeks, not
// started; sleeps add up as a person adds them; a real run lands within a factor of three of its estimate; the
// command line's --dry-run runs nothing; the window asks before a run of weeks and runs nothing on Cancel.

#include "clock.h"
#include "experimentpanel.h"
#include "kernels/kernel.h"
#include "kernels/kernelregistry.h"
#include "mainwindow.h"
#include "runestimate.h"
#include "runresult.h"
#include "runsession.h"
#include "testsupport.h"

#include <QAbstractButton>
#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QElapsedTimer>
#include <QFile>
#include <QFutureWatcher>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace parlab;
using testsupport::makeSpec;

namespace {
// This thread's waits for a core after it woke up (field 2 of its schedstat, run-queue delay, in ns): this kernel
// counts wake-up waits there (core/taskclock.h), which is where a sleeping thread waits.
qint64 wakeUpWaitNs()
{
    QFile file(QStringLiteral("/proc/thread-self/schedstat"));
    if (!file.open(QIODevice::ReadOnly))
        return 0;
    const QList<QByteArray> fields = file.readAll().simplified().split(' ');
    return fields.size() >= 2 ? fields.at(1).toLongLong() : 0;
}

QList<qint64> copies(qint64 input, int count)
{
    return QList<qint64>(count, input);
}
} // namespace

class TestEstimate : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void durationIsSaidAsAPersonWould_data();
    void durationIsSaidAsAPersonWould();
    void fibFiftyTenThousandTimesIsWeeks();
    void sleepsAddUpAsByHand();
    void commandKernelIsUnknown();
    void calibrationIsQuickAndKept();
    void estimateComesBackFromAPoolThread();
    void estimateIsWithinThreeOfARealRun_data();
    void estimateIsWithinThreeOfARealRun();
    void dryRunPrintsThePlanAndRunsNothing();
    void windowAsksBeforeARunOfWeeks();
};

void TestEstimate::initTestCase()
{
    QCoreApplication::setOrganizationName(QStringLiteral("ParLabTests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_estimate"));
    QSettings().clear();
}

void TestEstimate::durationIsSaidAsAPersonWould_data()
{
    QTest::addColumn<double>("seconds");
    QTest::addColumn<QString>("text");
    QTest::newRow("instant") << 0.2 << QStringLiteral("under a second");
    QTest::newRow("seconds") << 41.6 << QStringLiteral("about 42 s");
    QTest::newRow("minutes") << 185.0 << QStringLiteral("about 3 min");
    QTest::newRow("hours") << 5.2 * 3600 << QStringLiteral("about 5 h");
    QTest::newRow("days") << 4.0 * 86'400 << QStringLiteral("about 4 days");
    QTest::newRow("weeks") << 21.0 * 86'400 << QStringLiteral("about 3 weeks");
    QTest::newRow("months") << 150.0 * 86'400 << QStringLiteral("about 5 months");
    QTest::newRow("years") << 12.0 * 365.25 * 86'400 << QStringLiteral("about 12 years");
}

void TestEstimate::durationIsSaidAsAPersonWould()
{
    QFETCH(double, seconds);
    QFETCH(QString, text);
    QCOMPARE(RunEstimator::durationText(seconds), text);
}

void TestEstimate::fibFiftyTenThousandTimesIsWeeks()
{
    // fib(50) takes about a minute here; ten thousand of them on sequential, threads x1 and x2, six rounds each.
    const RunEstimate e = RunEstimator::estimate(
        makeSpec(QStringLiteral("fib"), copies(50, 10'000), { QStringLiteral("threads") }, { 1, 2 }, 5, 1));
    QVERIFY2(e.known, qPrintable(e.why));
    QVERIFY2(e.seconds > 86'400, qPrintable(e.label()));
    QVERIFY2(e.label().contains(QLatin1String("weeks")) || e.label().contains(QLatin1String("months"))
            || e.label().contains(QLatin1String("years")),
        qPrintable(e.label()));
    QCOMPARE(e.parts.size(), 3); // sequential is added as the baseline
    QCOMPARE(e.parts[0].backend, QStringLiteral("sequential"));
    // threads x2 runs each round in about half of threads x1's time on two cores, never in less.
    const double halved = e.parts[1].roundS / e.parts[2].roundS;
    QVERIFY2(halved >= 0.99 && halved <= std::min(2, QThread::idealThreadCount()) * 1.01,
        qPrintable(QString::number(halved)));
    QVERIFY2(e.biggestText().startsWith(QStringLiteral("fib(50) × 10000 inputs: about ")), qPrintable(e.biggestText()));
    qInfo("fib 50x10000 on sequential, threads 1,2: %s (one round of sequential %s)", qPrintable(e.label()),
        qPrintable(RunEstimator::durationText(e.parts[0].roundS)));
}

void TestEstimate::sleepsAddUpAsByHand()
{
    // Four sleeps of 100 ms: sequential waits 0.4 s a round, four threads 0.1 s; one warm-up and three repeats
    // make four rounds: 4 x 0.5 s = 2 s.
    const RunEstimate e = RunEstimator::estimate(makeSpec(QStringLiteral("sleep"), copies(100, 4),
        { QStringLiteral("sequential"), QStringLiteral("threads") }, { 4 }, 3, 1));
    QVERIFY2(e.known, qPrintable(e.why));
    constexpr double kByHand = 4 * (0.4 + 0.1);
    QVERIFY2(e.seconds > 0.7 * kByHand && e.seconds < 1.3 * kByHand, qPrintable(QString::number(e.seconds)));
    QCOMPARE(e.parts.size(), 2);
    QCOMPARE(e.parts[0].rounds, 4);
    QVERIFY2(qAbs(e.parts[0].roundS - 0.4) < 0.04, qPrintable(QString::number(e.parts[0].roundS)));
    QVERIFY2(qAbs(e.parts[1].roundS - 0.1) < 0.01, qPrintable(QString::number(e.parts[1].roundS)));
    // Sleeps need no core: 16 threads on this machine still wait 100 ms a round, not 16 x 100 ms / cores.
    const RunEstimate wide = RunEstimator::estimate(
        makeSpec(QStringLiteral("sleep"), copies(100, 16), { QStringLiteral("threads") }, { 16 }, 1, 0));
    QVERIFY2(qAbs(wide.parts.last().roundS - 0.1) < 0.01, qPrintable(QString::number(wide.parts.last().roundS)));
}

void TestEstimate::commandKernelIsUnknown()
{
    ExperimentSpec spec
        = makeSpec(QStringLiteral("command"), copies(1, 4), { QStringLiteral("sequential") }, { 1 }, 1, 0);
    spec.options.kernelSettings.insert(QStringLiteral("command"), QStringLiteral("sleep {}"));
    const RunEstimate e = RunEstimator::estimate(spec);
    QVERIFY(!e.known);
    QCOMPARE(e.label(), QStringLiteral("unknown"));
    QVERIFY2(e.why.contains(QLatin1String("your own code")), qPrintable(e.why));
    QVERIFY(e.biggestText().isEmpty());
    QVERIFY(e.planText().contains(QLatin1String("estimated duration: unknown")));
}

void TestEstimate::calibrationIsQuickAndKept()
{
    for (const QString& name : KernelRegistry::names()) {
        const auto kernel = KernelRegistry::create(name);
        if (!kernel->costIsKnown())
            continue;
        const qint64 wall0 = monotonicNs();
        const qint64 cpu0 = threadCpuNs();
        const qint64 woke0 = wakeUpWaitNs();
        const KernelCalibration c = RunEstimator::calibrate(*kernel);
        // What the calibration takes with a core to itself, as on an idle machine: CPU work its thread's CPU time;
        // sleeps the wall time less the waits for a core after each wake-up. On a busy machine the wall time is
        // that times the share of a core it gets (4 busy loops on 2 cores made primes' 50 ms take 160 to 200).
        const qint64 ownMs = (kernel->kind() == KernelKind::Io ? monotonicNs() - wall0 - (wakeUpWaitNs() - woke0)
                                                               : threadCpuNs() - cpu0)
            / 1'000'000;
        qInfo("%s: %.3g s per cost unit from input %lld (%d runs), %lld ms with a core to itself, %.0f ms in all",
            qPrintable(name), c.secondsPerCost, c.input, c.runs, ownMs, c.elapsedS * 1e3);
        QVERIFY2(c.secondsPerCost > 0, qPrintable(name));
        // About 50 ms by design; the last step may finish above it.
        QVERIFY2(
            ownMs < qint64(150) * testsupport::kSlowdown, qPrintable(QStringLiteral("%1: %2 ms").arg(name).arg(ownMs)));
    }
    // Calibrated once, the estimate is arithmetic: the window's thread may ask for it.
    const ExperimentSpec spec
        = makeSpec(QStringLiteral("primes"), { 2'000'000 }, { QStringLiteral("sequential") }, { 1 }, 1, 0);
    const RunEstimate first = RunEstimator::estimate(spec);
    QVERIFY(first.known);
    // No kernel runs for it: well under the 50 ms of CPU a calibration takes (this thread's CPU time, which a busy
    // machine does not stretch).
    const qint64 cpu = threadCpuNs();
    const std::optional<RunEstimate> again = RunEstimator::estimateIfCalibrated(spec);
    QVERIFY2(threadCpuNs() - cpu < 10'000'000, qPrintable(QString::number(threadCpuNs() - cpu)));
    QVERIFY(again && again->known);
    QCOMPARE(again->seconds, first.seconds);
    // Another kernel's calibration is not there until something asks for it.
    QVERIFY(!RunEstimator::estimateIfCalibrated(
        makeSpec(QStringLiteral("mandelbrot"), { 1 }, { QStringLiteral("sequential") }, { 1 }, 1, 0)));
}

void TestEstimate::estimateComesBackFromAPoolThread()
{
    QFutureWatcher<RunEstimate> watcher;
    QSignalSpy done(&watcher, &QFutureWatcher<RunEstimate>::finished);
    watcher.setFuture(RunEstimator::estimateAsync(
        makeSpec(QStringLiteral("sha256"), { 4, 4 }, { QStringLiteral("threads") }, { 2 }, 2, 1)));
    QVERIFY(done.wait(10'000));
    QVERIFY(watcher.result().known);
    QVERIFY(watcher.result().seconds > 0);
}

void TestEstimate::estimateIsWithinThreeOfARealRun_data()
{
    QTest::addColumn<ExperimentSpec>("spec");
    QTest::newRow("fib 30x8, sequential + threads 1,2")
        << makeSpec(QStringLiteral("fib"), copies(30, 8), { QStringLiteral("threads") }, { 1, 2 }, 2, 1);
    QTest::newRow("primes 200000..400000:100000, sequential + qtconcurrent 2") << makeSpec(
        QStringLiteral("primes"), { 200'000, 300'000, 400'000 }, { QStringLiteral("qtconcurrent") }, { 2 }, 2, 1);
    QTest::newRow("spin 40x4, sequential + processes 2")
        << makeSpec(QStringLiteral("spin"), copies(40, 4), { QStringLiteral("processes") }, { 2 }, 2, 1);
}

void TestEstimate::estimateIsWithinThreeOfARealRun()
{
    QFETCH(ExperimentSpec, spec);
    // Calibrated now, not by an earlier test: other programs' load on this machine drifts within a minute.
    const auto kernel = KernelRegistry::create(spec.kernel);
    const RunEstimate e = RunEstimator::estimateWith(spec, *kernel, RunEstimator::calibrate(*kernel));
    QVERIFY2(e.known, qPrintable(e.why));
    // The engine the window and the command line drive, without a history.
    RunSession session;
    QSignalSpy finished(&session, &RunSession::finished);
    QElapsedTimer timer;
    timer.start();
    QVERIFY(session.start(spec));
    QVERIFY(finished.wait(120'000));
    const double measured = double(timer.nsecsElapsed()) * 1e-9;
    QVERIFY(finished.first().first().value<RunResult>().succeeded());
    qInfo("estimated %.3f s (%s; %.1f other threads), measured %.3f s: ratio %.2f", e.seconds, qPrintable(e.label()),
        e.load, measured, e.seconds / measured);
    QVERIFY2(e.seconds > measured / 3 && e.seconds < measured * 3,
        qPrintable(QStringLiteral("estimated %1 s, measured %2 s").arg(e.seconds).arg(measured)));
}

void TestEstimate::dryRunPrintsThePlanAndRunsNothing()
{
    QTemporaryDir dir;
    const QString history = dir.filePath(QStringLiteral("history.sqlite"));
    const testsupport::Result r = testsupport::runParlab(
        { QStringLiteral("run"), QStringLiteral("--kernel"), QStringLiteral("fib"), QStringLiteral("--inputs"),
            QStringLiteral("50x10000"), QStringLiteral("--dry-run"), QStringLiteral("--history-db"), history });
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains(QLatin1String("estimated duration: about ")), qPrintable(r.out));
    QVERIFY2(r.out.contains(QStringLiteral("fib(50) × 10000 inputs")), qPrintable(r.out));
    QVERIFY2(r.out.contains(QLatin1String("sequential")), qPrintable(r.out));
    QVERIFY2(r.err.contains(QLatin1String("nothing was run (--dry-run)")), qPrintable(r.err));
    QVERIFY2(r.ms < qint64(10'000) * testsupport::kSlowdown, qPrintable(QString::number(r.ms)));
    QVERIFY(!QFile::exists(history)); // not even the history was opened
    // --help names it, from the one declaration.
    const testsupport::Result help = testsupport::runParlab({ QStringLiteral("run"), QStringLiteral("--help") });
    QVERIFY(help.out.contains(QLatin1String("--dry-run")));
}

void TestEstimate::windowAsksBeforeARunOfWeeks()
{
    MainWindow window;
    window.show();
    ExperimentPanel* panel = window.experimentPanel();
    auto* kernel = panel->findChild<QComboBox*>(QStringLiteral("kernel"));
    auto* inputs = panel->findChild<QLineEdit*>(QStringLiteral("inputs"));
    auto* workers = panel->findChild<QLineEdit*>(QStringLiteral("workers"));
    auto* backends = panel->findChild<QListWidget*>(QStringLiteral("backends"));
    kernel->setCurrentIndex(kernel->findData(QStringLiteral("fib")));
    inputs->selectAll();
    QTest::keyClicks(inputs, QStringLiteral("50x10000"));
    workers->selectAll();
    QTest::keyClicks(workers, QStringLiteral("1,2"));
    for (int i = 0; i < backends->count(); ++i) {
        QListWidgetItem* item = backends->item(i);
        item->setCheckState(item->text() == QLatin1String("threads") ? Qt::Checked : Qt::Unchecked);
    }
    QLabel* estimate = panel->estimateLabel();
    QVERIFY(estimate);
    QTRY_VERIFY_WITH_TIMEOUT(estimate->text().contains(QLatin1String("weeks"))
            || estimate->text().contains(QLatin1String("months")) || estimate->text().contains(QLatin1String("years")),
        10'000);
    QVERIFY(estimate->text().startsWith(QLatin1String("Estimated: about ")));
    QVERIFY(estimate->toolTip().contains(QLatin1String("threads")));

    // Run: a question, Cancel as its default; Cancel runs nothing.
    QSignalSpy ended(&window, &MainWindow::runEnded);
    QString asked;
    bool cancelWasDefault = false;
    QTimer answer;
    answer.setInterval(20);
    connect(&answer, &QTimer::timeout, &window, [&] {
        auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
        if (!box)
            return;
        answer.stop();
        asked = box->text() + QLatin1Char('\n') + box->informativeText();
        cancelWasDefault = box->defaultButton() == box->button(QMessageBox::Cancel);
        box->button(QMessageBox::Cancel)->click();
    });
    answer.start();
    window.runAction()->trigger();
    QVERIFY2(!asked.isEmpty(), "no question was asked");
    QVERIFY(cancelWasDefault);
    QVERIFY2(asked.contains(QLatin1String("This run should take about ")), qPrintable(asked));
    QVERIFY2(asked.contains(QStringLiteral("fib(50) × 10000 inputs: about ")), qPrintable(asked));
    QVERIFY(!window.isRunning());
    QTest::qWait(200);
    QCOMPARE(ended.count(), 0);
    QVERIFY(window.result().measurements.isEmpty());
    QVERIFY(window.findChild<QLabel*>(QStringLiteral("status"))->text().startsWith(QLatin1String("Not run")));

    // A short run asks nothing and runs.
    inputs->selectAll();
    QTest::keyClicks(inputs, QStringLiteral("20x2"));
    QTRY_VERIFY_WITH_TIMEOUT(estimate->text() == QLatin1String("Estimated: under a second"), 10'000);
    answer.start();
    window.runAction()->trigger();
    QVERIFY(window.isRunning());
    QVERIFY(ended.wait(60'000));
    answer.stop();
    QVERIFY(window.result().succeeded());
}

QTEST_MAIN(TestEstimate)
#include "tst_estimate.moc"
