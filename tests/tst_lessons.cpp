// The guided lessons: every shipped lesson loads and its experiment names kernels and backends that exist;
// each verdict is worked out from the numbers of a result (holds, contradicted with its reason, inconclusive,
// not run), never canned; the panel shows the claim, runs the lesson's experiment, renders the verdict and
// refuses to run what this machine cannot. One real run at the end judges measured numbers.

#include "backends/backendregistry.h"
#include "cpus.h"
#include "experimentspec.h"
#include "export/formatting.h"
#include "installlayout.h"
#include "kernels/kernelregistry.h"
#include "lessons/lessonbook.h"
#include "lessons/lessonpanel.h"
#include "measurement.h"
#include "optiondescriptor.h"
#include "runoptions.h"
#include "runresult.h"
#include "runsession.h"
#include "sweep.h"
#include "taskspan.h"
#include "testsupport.h"
#include "unknown.h"

#include <QCoreApplication>
#include <QFile>
#include <QFontMetrics>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QSignalSpy>
#include <QStyle>
#include <QTemporaryDir>
#include <QTest>

using namespace parlab;
using Outcome = LessonVerdict::Outcome;

namespace {

// Backends being built on other branches at the time of writing; the lessons may name them already.
const QStringList kPendingBackends { QStringLiteral("gil-threads"), QStringLiteral("python-sequential"),
    QStringLiteral("python-threads"), QStringLiteral("python-processes") };

const QStringList kLessonIds { QStringLiteral("gil-threads"), QStringLiteral("granularity"),
    QStringLiteral("processes-scale"), QStringLiteral("io-threads"), QStringLiteral("release-gil"),
    QStringLiteral("real-python"), QStringLiteral("load-imbalance"), QStringLiteral("startup-cost"),
    QStringLiteral("stdlib-releases-gil") };

// A measurement as the runner's analysis leaves it: three equal samples (so CV `cv` is set by hand), CPU time
// `cpuPerWall` times the wall time, and the speedup with its interval.
Measurement measured(const QString& backend, int workers, double medianS, double speedup = kUnknown,
    double low = kUnknown, double high = kUnknown, double cv = 0.01, double cpuPerWall = -1)
{
    Measurement m = testsupport::measurement(backend, workers, { medianS, medianS, medianS });
    m.wall.median = m.wall.mean = m.wall.min = m.wall.max = medianS;
    m.wall.cv = cv;
    m.cpuMedianS = medianS * (cpuPerWall < 0 ? workers : cpuPerWall);
    m.speedup = speedup;
    m.speedupLow = low;
    m.speedupHigh = high;
    m.efficiency = speedup / workers;
    return m;
}

// A result of lesson `id`'s own experiment on a quiet machine with `cores` logical cores, nothing measured yet.
RunResult resultOf(const QString& id, int cores = 2)
{
    RunResult r;
    const Lesson* lesson = Lessons::find(id);
    if (lesson)
        r.spec = lesson->experiment.spec;
    r.environment.logicalCores = cores;
    r.environment.loadAverage = 0.1;
    return r;
}

RunResult with(RunResult r, const QList<Measurement>& measurements)
{
    r.measurements = measurements;
    r.completedRuns = r.plannedRuns = int(measurements.size());
    return r;
}

// Lock states of one worker of `ms` milliseconds, `releasedShare` of it released and the rest running.
QList<StateSpan> states(double releasedShare, int workers = 4, qint64 ms = 100)
{
    QList<StateSpan> spans;
    const qint64 total = ms * 1'000'000;
    const qint64 released = qint64(double(total) * releasedShare);
    for (int w = 0; w < workers; ++w) {
        spans.append({ w, LockState::Running, 0, total - released });
        spans.append({ w, LockState::Released, total - released, total });
    }
    return spans;
}

Measurement sequential(double s = 0.28, double cv = 0.01)
{
    return measured(QStringLiteral("sequential"), 1, s, 1.0, 1.0, 1.0, cv);
}

// The accounting's split of a measurement (the parts the lessons quote), as analyse() would have left it.
Measurement withLosses(Measurement m, double lockWait, double waited, double imbalance = kUnknown)
{
    m.losses.useful = m.efficiency;
    m.losses.lockWait = lockWait;
    m.losses.waited = waited;
    m.losses.imbalance = imbalance;
    return m;
}

Measurement withSwitches(Measurement m, const QList<qint64>& switches)
{
    m.switches = switches;
    return m;
}

Measurement withStates(Measurement m, const QList<StateSpan>& spans)
{
    m.states = spans;
    return m;
}

Availability everythingRuns(const QString&, const RunOptions&)
{
    return {};
}

// The option keys a text for a teacher must not show ("release_gil"): the JSON spelling, never the window's.
QString optionKeyIn(const QString& text)
{
    for (const OptionDescriptor& d : RunOptions::descriptors()) {
        if (d.key.contains(QLatin1Char('_')) && text.contains(d.key))
            return d.key;
    }
    return {};
}

// Whether `widget` lies wholly inside the viewport of `scroll`: seen without scrolling.
bool wholeInView(const QWidget* widget, const QScrollArea* scroll)
{
    const QRect inViewport(widget->mapTo(scroll->viewport(), QPoint(0, 0)), widget->size());
    return widget->isVisible() && scroll->viewport()->rect().contains(inViewport);
}

} // namespace

class TestLessons : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void shipsEightNumberedLessons();
    void granularityIsJudgedOnTheSweep_data();
    void granularityIsJudgedOnTheSweep();
    void experimentNamesWhatExists_data();
    void experimentNamesWhatExists();
    void verdicts_data();
    void verdicts();
    void noiseDoesNotOverruleAClearInterval();
    void verdictTextNamesLessonAndNumbers();
    void brokenLessonFileNamesField_data();
    void brokenLessonFileNamesField();
    void planLeavesOutOptionalBackendsAndBlocksRequiredOnes();
    void runsAreMatchedToTheirLesson();
    void cliPrintsTheVerdictOfALessonsRun();
    void panelShowsTheSelectedLessonsClaim();
    void panelRunEmitsTheLessonsSpec();
    void panelRendersTheVerdict();
    void panelDescribesTheRunOnScreen();
    void progressSurvivesARestart();
    void panelSaysRunningWhileTheLessonRuns();
    void verdictIsSeenWithoutScrolling();
    void panelDisablesRunForAnUnavailableBackend();
    void realRunIsJudgedFromItsNumbers();
};

void TestLessons::initTestCase()
{
    // The tests' own settings (each lesson's progress), away from a real user's.
    QCoreApplication::setOrganizationName(QStringLiteral("ParLabTests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_lessons"));
}

void TestLessons::init()
{
    QSettings().clear();
}

void TestLessons::granularityIsJudgedOnTheSweep_data()
{
    QTest::addColumn<QList<double>>("threads"); // speedup at 2 workers at sizes 0.01, 0.1, 1, 10 ms
    QTest::addColumn<QList<double>>("processes");
    QTest::addColumn<int>("outcome");
    QTest::addColumn<QString>("says");

    using O = LessonVerdict::Outcome;
    QTest::newRow("processes need 10x the size") << QList<double> { 0.5, 2, 2, 2 } << QList<double> { 0.1, 0.5, 2, 2 }
                                                 << int(O::Holds) << QStringLiteral("processes need tasks 10.00x");
    QTest::newRow("side by side") << QList<double> { 0.5, 2, 2, 2 } << QList<double> { 0.5, 1.9, 2, 2 }
                                  << int(O::Contradicted) << QStringLiteral("the claim does not hold");
    QTest::newRow("processes never pay off") << QList<double> { 0.5, 2, 2, 2 } << QList<double> { 0.1, 0.2, 0.5, 0.9 }
                                             << int(O::Inconclusive) << QStringLiteral("sweep larger tasks");
    QTest::newRow("no free cores") << QList<double> { 0.5, 0.9, 0.95, 0.97 } << QList<double> { 0.1, 0.2, 0.5, 0.9 }
                                   << int(O::Inconclusive) << QStringLiteral("threads never paid off");
}

void TestLessons::granularityIsJudgedOnTheSweep()
{
    QFETCH(QList<double>, threads);
    QFETCH(QList<double>, processes);
    QFETCH(int, outcome);
    QFETCH(QString, says);
    const Lesson* lesson = Lessons::find(QStringLiteral("granularity"));
    QVERIFY(lesson);
    SweepResult sweep;
    sweep.spec.base = lesson->experiment.spec;
    sweep.spec.sizesMs = { 0.01, 0.1, 1, 10 };
    for (qsizetype i = 0; i < sweep.spec.sizesMs.size(); ++i) {
        SweepPoint point;
        point.sizeMs = sweep.spec.sizesMs[i];
        point.run.spec = *sweep.spec.specAt(i);
        point.run.measurements = { measured(QStringLiteral("sequential"), 1, 1.0, 1.0),
            measured(QStringLiteral("threads"), 2, 1.0 / threads[i], threads[i]),
            measured(QStringLiteral("processes"), 2, 1.0 / processes[i], processes[i]) };
        sweep.points.append(point);
    }
    QCOMPARE(Lessons::matching(sweep), lesson);
    const LessonVerdict v = lesson->verdict(sweep);
    QCOMPARE(int(v.outcome), outcome);
    QVERIFY2((v.text + v.why).contains(says), qPrintable(v.text + QStringLiteral(" / ") + v.why));
    // One run of the experiment is not what it judges.
    QCOMPARE(lesson->verdict(sweep.points.constFirst().run).outcome, LessonVerdict::Outcome::NotRun);
}

void TestLessons::shipsEightNumberedLessons()
{
    QCOMPARE(Lessons::ids().size(), kLessonIds.size());
    QCOMPARE(Lessons::all().size(), kLessonIds.size()); // every file loads
    QList<int> numbers;
    for (const Lesson& lesson : Lessons::all()) {
        QVERIFY2(kLessonIds.contains(lesson.id), qPrintable(lesson.id));
        numbers << lesson.number;
        QVERIFY(!lesson.claim.isEmpty());
        QVERIFY(!lesson.lookAt.isEmpty());
        QVERIFY(!lesson.title.isEmpty());
        QVERIFY(lesson.isSweep() ? bool(lesson.judgeSweep) : bool(lesson.judge)); // one rule, for what it runs
        QVERIFY2(lesson.rule.startsWith(QStringLiteral("The claim holds when")), qPrintable(lesson.rule));
        // Written for a teacher: no option keys in anything the panel shows.
        for (const QString& text : { lesson.title, lesson.claim, lesson.lookAt, lesson.rule, lesson.experiment.title,
                 lesson.experiment.description })
            QVERIFY2(optionKeyIn(text).isEmpty(), qPrintable(QStringLiteral("%1 in: %2").arg(optionKeyIn(text), text)));
        // The timeline opens on the measurement the text describes.
        QVERIFY2(!lesson.timeline.isEmpty(), qPrintable(lesson.id));
        QVERIFY2(lesson.lookAt.contains(QStringLiteral("timeline opens on %1:").arg(lesson.timeline)),
            qPrintable(lesson.lookAt));
        QCOMPARE(Lessons::ruleText(lesson.id), lesson.rule);
        QCOMPARE(Lessons::find(lesson.id), &lesson);
    }
    QCOMPARE(numbers, (QList<int> { 1, 2, 3, 4, 5, 6, 7, 8, 9 })); // in order, none missing or twice
    QCOMPARE(Lessons::find(QStringLiteral("no-such-lesson")), nullptr);
    QCOMPARE(Lessons::all().first().id, QStringLiteral("gil-threads"));
}

void TestLessons::experimentNamesWhatExists_data()
{
    QTest::addColumn<QString>("id");
    for (const QString& id : kLessonIds)
        QTest::newRow(qPrintable(id)) << id;
}

void TestLessons::experimentNamesWhatExists()
{
    QFETCH(QString, id);
    const auto lesson = Lessons::load(id);
    QVERIFY2(lesson, qPrintable(lesson.error()));
    const ExperimentSpec& spec = lesson->experiment.spec;
    // A built-in kernel, or one of the shipped examples where this program finds them, checked as a run checks it.
    QVERIFY2(KernelRegistry::names().contains(spec.kernel) || spec.kernel.contains(helperPath(Helper::Examples)),
        qPrintable(spec.kernel));
    QVERIFY2(validateSpec(spec, SpecCheck::RunHere), qPrintable(validateSpec(spec, SpecCheck::RunHere).error()));
    QVERIFY(!spec.backends.isEmpty());
    for (const QString& backend : spec.backends)
        QVERIFY2(BackendRegistry::ids().contains(backend) || kPendingBackends.contains(backend), qPrintable(backend));
    for (const QString& backend : lesson->optionalBackends)
        QVERIFY(spec.backends.contains(backend));
    QVERIFY(!spec.inputs.isEmpty());
    QVERIFY(!spec.workers.isEmpty());
    QVERIFY(spec.workers.contains(1) || spec.kernel == QStringLiteral("noop"));
    QVERIFY(spec.repeats >= 3); // a median and a spread
    QVERIFY2(spec.options.validate(), qPrintable(spec.options.validate().error()));
    // Against the best single core: a baseline on a slow core would make a lesson's speedups look superlinear.
    QVERIFY(spec.options.baselineCore == BaselineCore::Fastest);
    QVERIFY(!lesson->experiment.inputsText.isEmpty());
    QVERIFY(!lesson->experiment.description.isEmpty());
    // With every backend this build has, the experiment is a valid run as written (availability aside).
    ExperimentSpec known = spec;
    known.backends.clear();
    for (const QString& backend : spec.backends) {
        if (BackendRegistry::ids().contains(backend))
            known.backends << backend;
    }
    if (!known.backends.isEmpty()) {
        const QString problem = validateSpec(known).error();
        QVERIFY2(problem.isEmpty() || problem.contains(QStringLiteral("cannot run here")), qPrintable(problem));
    }
}

void TestLessons::verdicts_data()
{
    QTest::addColumn<QString>("id");
    QTest::addColumn<RunResult>("result");
    QTest::addColumn<int>("outcome");
    QTest::addColumn<QStringList>("inText");
    QTest::addColumn<QStringList>("inWhy");

    const auto H = int(Outcome::Holds);
    const auto C = int(Outcome::Contradicted);
    const auto I = int(Outcome::Inconclusive);
    const auto N = int(Outcome::NotRun);
    const QString gil = QStringLiteral("gil-threads");
    const QString threads = QStringLiteral("threads");
    const QString processes = QStringLiteral("processes");
    const QString pySeq = QStringLiteral("python-sequential");
    const QString pyThreads = QStringLiteral("python-threads");
    const QString pyProcesses = QStringLiteral("python-processes");

    // 1. CPU-bound threads under the GIL do not scale.
    {
        const QString id = QStringLiteral("gil-threads");
        const RunResult base = resultOf(id);
        const Measurement native2 = measured(threads, 2, 0.146, 1.92, 1.88, 1.95);
        QTest::newRow("1 holds") << id
                                 << with(base,
                                        { sequential(), measured(threads, 1, 0.28, 1.0, 0.98, 1.02), native2,
                                            measured(gil, 1, 0.28, 1.0, 0.98, 1.02),
                                            measured(gil, 2, 0.289, 0.97, 0.95, 0.99, 0.01, 1.0) })
                                 << H
                                 << QStringList { QStringLiteral("0.97x at 2 workers (0.95–0.99 with 95% confidence)"),
                                        QStringLiteral("at most 1.15 expected"),
                                        QStringLiteral("native threads: 1.92x at 2"),
                                        QStringLiteral("the claim holds on this machine") }
                                 << QStringList {};
        QTest::newRow("1 contradicted: the lock did not serialise")
            << id
            << with(base,
                   { sequential(), native2, withSwitches(measured(gil, 2, 0.175, 1.60, 1.55, 1.65), { 0, 0, 0 }) })
            << C << QStringList { QStringLiteral("1.60x at 2 workers"), QStringLiteral("does not hold") }
            << QStringList { QStringLiteral("1.60x at 2 workers means the lock did not serialise the work"),
                   QStringLiteral("no lock hand-overs were counted") };
        QTest::newRow("1 inconclusive: interval straddles 1.15")
            << id << with(base, { sequential(), native2, measured(gil, 2, 0.25, 1.10, 1.02, 1.25) }) << I
            << QStringList { QStringLiteral("1.10x"), QStringLiteral("inconclusive on this machine") }
            << QStringList { QStringLiteral("between 1.02x and 1.25x, on both sides of the 1.15x line") };
        QTest::newRow("1 holds: quotes the lock wait")
            << id
            << with(base, { sequential(), native2, withLosses(measured(gil, 2, 0.289, 0.97, 0.95, 0.99), 0.48, 0.02) })
            << H << QStringList { QStringLiteral("the threads waited for the lock 48% of their time") }
            << QStringList {};
        QTest::newRow("1 inconclusive: other programs took the cores")
            << id
            << with(base,
                   { withLosses(sequential(), 0, 0.31),
                       withLosses(measured(gil, 2, 0.25, 1.10, 1.02, 1.25), 0.40, 0.12) })
            << I << QStringList { QStringLiteral("inconclusive on this machine") }
            << QStringList { QStringLiteral("other programs took 31% of the workers' time during the run (sequential "
                                            "x1 waited that long for a core): run again on a quiet machine") };
        QTest::newRow("1 inconclusive: noisy")
            << id << with(base, { sequential(), native2, measured(gil, 2, 0.27, 1.05, kUnknown, kUnknown, 0.20) }) << I
            << QStringList { QStringLiteral("1.05x") }
            << QStringList { QStringLiteral("vary by 20%"), QStringLiteral("cannot be told apart from 1.15") };
        QTest::newRow("1 inconclusive: one core")
            << id << with(resultOf(id, 1), { sequential(), measured(gil, 2, 0.29, 0.99, 0.97, 1.01) }) << I
            << QStringList { QStringLiteral("0.99x") }
            << QStringList { QStringLiteral("1 logical core, where no backend can scale"),
                   QStringLiteral("cannot show a contrast") };
        RunResult busy = resultOf(id);
        busy.environment.loadAverage = 3.5;
        QTest::newRow("1 inconclusive: native threads flat too")
            << id
            << with(busy,
                   { sequential(), measured(threads, 2, 0.27, 1.04, 1.0, 1.08),
                       measured(gil, 2, 0.29, 0.98, 0.96, 1.0) })
            << I << QStringList { QStringLiteral("native threads: 1.04x at 2") }
            << QStringList { QStringLiteral("native threads did not scale either (1.04x at 2)"),
                   QStringLiteral("busy when the run started (load average 3.50 on 2 logical cores)") };
        QTest::newRow("1 not run yet") << id << base << N << QStringList { QStringLiteral("Not run yet") }
                                       << QStringList {};
        RunResult cancelled = with(base, { sequential(), measured(gil, 1, 0.28, 1.0, 0.98, 1.02) });
        cancelled.cancelled = true;
        QTest::newRow("1 not run: cancelled")
            << id << cancelled << N << QStringList { QStringLiteral("Not measured") }
            << QStringList { QStringLiteral("cancelled before gil-threads at 2 or more workers was measured") };
        RunResult partial = with(base, { sequential(), native2, measured(gil, 2, 0.289, 0.97, 0.95, 0.99) });
        partial.cancelled = true;
        partial.measurements.append(Measurement {}); // planned, never measured
        QTest::newRow("1 holds on a cancelled run's numbers")
            << id << partial << H << QStringList { QStringLiteral("from a cancelled run: 3 of 4 measurements") }
            << QStringList {};
        RunResult otherKernel = with(base, { sequential(), measured(gil, 2, 0.1, 1.9, 1.8, 2.0) });
        otherKernel.spec.kernel = QStringLiteral("sleep");
        QTest::newRow("1 not run: another kernel")
            << id << otherKernel << N << QStringList { QStringLiteral("Cannot judge") }
            << QStringList { QStringLiteral("kernel 'sleep', while this lesson's experiment runs 'fib'") };
        RunResult released = with(base, { sequential(), measured(gil, 2, 0.15, 1.9, 1.8, 2.0) });
        released.spec.options.releaseGil = true;
        QTest::newRow("1 not run: released lock")
            << id << released << N << QStringList {}
            << QStringList { QStringLiteral(
                   "“CPU kernels release the GIL (a C extension)” on, while this lesson's experiment has it off") };
    }

    // 2. Processes scale, against the lpt bound.
    {
        const QString id = QStringLiteral("processes-scale");
        RunResult base = resultOf(id);
        base.bounds.critical = 2.47;
        base.bounds.lpt = { { 1, 1.0 }, { 2, 2.0 } };
        QTest::newRow("2 holds")
            << id
            << with(base,
                   { sequential(0.6), measured(processes, 1, 0.61, 0.98, 0.96, 1.0),
                       measured(processes, 2, 0.326, 1.84, 1.81, 1.87), measured(gil, 2, 0.6, 1.0, 0.98, 1.02) })
            << H
            << QStringList { QStringLiteral("processes: 1.84x at 2 workers (1.81–1.87 with 95% confidence)"),
                   QStringLiteral("92% of the best 2.00x any schedule of these tasks allows"),
                   QStringLiteral("at least 1.50x expected"), QStringLiteral("threads under the GIL: 1.00x at 2") }
            << QStringList {};
        RunResult oneCore = resultOf(id, 1);
        oneCore.bounds = base.bounds;
        QTest::newRow("2 contradicted: one core")
            << id << with(oneCore, { sequential(0.6), measured(processes, 2, 0.61, 0.98, 0.96, 1.0, 0.01, 1.0) }) << C
            << QStringList { QStringLiteral("0.98x at 2 workers"), QStringLiteral("does not hold") }
            << QStringList { QStringLiteral("this machine has 1 logical core, fewer than the 2 workers"),
                   QStringLiteral("took turns on one core") };
        QTest::newRow("2 inconclusive") << id
                                        << with(base,
                                               { sequential(0.6), measured(processes, 2, 0.39, 1.52, 1.40, 1.70) })
                                        << I << QStringList { QStringLiteral("1.52x") }
                                        << QStringList { QStringLiteral("on both sides of the 1.50x line") };
        RunResult busy = base;
        busy.environment.loadAverage = 4.6;
        QTest::newRow("2 inconclusive, and the machine was busy")
            << id << with(busy, { sequential(0.6), measured(processes, 2, 0.6, 1.0, 0.9, 1.55) }) << I
            << QStringList { QStringLiteral("50% of the best 2.00x") }
            << QStringList { QStringLiteral("on both sides of the 1.50x line"),
                   QStringLiteral("the machine was busy when the run started (load average 4.60 on 2 logical cores)") };
        RunResult failed = with(base, { sequential(0.6) });
        failed.error = QStringLiteral("processes x2: worker 1 exited with code 1");
        QTest::newRow("2 not run: the run failed")
            << id << failed << N << QStringList {}
            << QStringList { QStringLiteral("failed before processes at 2 or more workers was measured: processes x2: "
                                            "worker 1 exited") };
    }

    // 3. I/O-bound threads scale under the GIL.
    {
        const QString id = QStringLiteral("io-threads");
        const RunResult base = resultOf(id);
        QTest::newRow("3 holds") << id
                                 << with(base,
                                        { sequential(0.8), measured(gil, 2, 0.402, 1.99, 1.97, 2.0),
                                            withStates(
                                                measured(gil, 4, 0.205, 3.90, 3.85, 3.95, 0.01, 0.01), states(0.97)) })
                                 << H
                                 << QStringList { QStringLiteral("3.90x at 4 workers"),
                                        QStringLiteral("more workers than the 2 logical cores"),
                                        QStringLiteral("at least 3.00x expected"),
                                        QStringLiteral("lock released 97% of the time") }
                                 << QStringList {};
        QTest::newRow("3 contradicted: the lock was not released")
            << id << with(base, { sequential(0.8), withStates(measured(gil, 4, 0.8, 1.0, 0.98, 1.02), states(0.10)) })
            << C << QStringList { QStringLiteral("1.00x at 4 workers") }
            << QStringList { QStringLiteral("released only 10% of the time") };
        QTest::newRow("3 inconclusive") << id << with(base, { sequential(0.8), measured(gil, 4, 0.26, 3.1, 2.8, 3.3) })
                                        << I << QStringList {}
                                        << QStringList { QStringLiteral(
                                               "between 2.80x and 3.30x, on both sides of the 3.00x line") };
        QTest::newRow("3 not run: no parallel measurement")
            << id << with(base, { sequential(0.8), measured(gil, 1, 0.8, 1.0, 0.98, 1.02) }) << N << QStringList {}
            << QStringList { QStringLiteral("no measurement of gil-threads at 2 or more workers") };
    }

    // 4. Releasing the GIL scales: the model, and CPython through ctypes where it ran.
    {
        const QString id = QStringLiteral("release-gil");
        RunResult modelOnly = resultOf(id);
        modelOnly.spec.backends = { QStringLiteral("sequential"), gil }; // python left out here
        const Measurement model = measured(gil, 2, 0.147, 1.90, 1.85, 1.95);
        QTest::newRow("4 holds, model only")
            << id << with(modelOnly, { sequential(), model }) << H
            << QStringList { QStringLiteral("gil-threads with the lock released: 1.90x at 2 workers"),
                   QStringLiteral("at least 1.60x expected"),
                   QStringLiteral("real CPython not measured: python-threads was not part of this run") }
            << QStringList {};
        RunResult both = resultOf(id);
        both.runtimes.insert(pyThreads, QStringLiteral("Python 3.11.2 (/usr/bin/python3)"));
        QTest::newRow("4 holds, model and CPython")
            << id
            << with(both,
                   { sequential(), model, measured(pySeq, 1, 0.3, 1.0, 1.0, 1.0),
                       measured(pyThreads, 1, 0.31, 0.97, 0.95, 0.99), measured(pyThreads, 2, 0.162, 1.85, 1.8, 1.9) })
            << H
            << QStringList { QStringLiteral(
                                 "through ctypes: 1.85x at 2 workers (1.80–1.90 with 95% confidence) against "
                                 "python-sequential"),
                   QStringLiteral("Python 3.11.2") }
            << QStringList {};
        QTest::newRow("4 contradicted: CPython threads did not scale")
            << id << with(both, { sequential(), model, measured(pyThreads, 2, 0.29, 1.02, 1.0, 1.04) }) << C
            << QStringList { QStringLiteral("1.90x"), QStringLiteral("1.02x") }
            << QStringList { QStringLiteral("python-threads reached only 1.02x at 2 workers") };
        RunResult oneCore = resultOf(id, 1);
        QTest::newRow("4 contradicted: one core")
            << id << with(oneCore, { sequential(), measured(gil, 2, 0.28, 1.0, 0.98, 1.02, 0.01, 1.0) }) << C
            << QStringList {}
            << QStringList { QStringLiteral("1 logical core, fewer than the 2 workers"),
                   QStringLiteral("took turns on one core") };
        QTest::newRow("4 inconclusive") << id
                                        << with(modelOnly, { sequential(), measured(gil, 2, 0.17, 1.62, 1.5, 1.75) })
                                        << I << QStringList {}
                                        << QStringList { QStringLiteral("on both sides of the 1.60x line") };
        RunResult locked = with(modelOnly, { sequential(), model });
        locked.spec.options.releaseGil = false;
        QTest::newRow("4 not run: lock not released")
            << id << locked << N << QStringList {}
            << QStringList { QStringLiteral(
                   "“CPU kernels release the GIL (a C extension)” off, while this lesson's experiment has it on") };
    }

    // 5. Real CPython agrees with the model.
    {
        const QString id = QStringLiteral("real-python");
        RunResult base = resultOf(id);
        base.runtimes.insert(pyThreads, QStringLiteral("Python 3.11.2 (/usr/bin/python3)"));
        const Measurement seq = measured(pySeq, 1, 0.85, 1.0, 1.0, 1.0);
        const Measurement pool = measured(pyProcesses, 2, 0.455, 1.87, 1.8, 1.9);
        QTest::newRow("5 holds") << id << with(base, { seq, measured(pyThreads, 2, 0.84, 1.01, 0.98, 1.04), pool }) << H
                                 << QStringList { QStringLiteral("python-threads: 1.01x at 2 workers"),
                                        QStringLiteral("python-processes: 1.87x at 2 workers"),
                                        QStringLiteral("against python-sequential on Python 3.11.2") }
                                 << QStringList {};
        QTest::newRow("5 contradicted: threads scaled")
            << id << with(base, { seq, measured(pyThreads, 2, 0.47, 1.80, 1.75, 1.85), pool }) << C << QStringList {}
            << QStringList { QStringLiteral("python-threads reached 1.80x at 2 workers"),
                   QStringLiteral("without a GIL"), QStringLiteral("this one is Python 3.11.2") };
        QTest::newRow("5 inconclusive") << id
                                        << with(base,
                                               { seq, measured(pyThreads, 2, 0.84, 1.01, 0.98, 1.04),
                                                   measured(pyProcesses, 2, 0.55, 1.55, 1.4, 1.7) })
                                        << I << QStringList {}
                                        << QStringList { QStringLiteral("on both sides of the 1.50x line") };
        QTest::newRow("5 not run: processes missing")
            << id << with(base, { seq, measured(pyThreads, 2, 0.84, 1.01, 0.98, 1.04) }) << N << QStringList {}
            << QStringList { QStringLiteral("no measurement of python-processes at 2 or more workers") };
    }

    // 6. Load imbalance: the bound sum / max.
    {
        const QString id = QStringLiteral("load-imbalance");
        RunResult base = resultOf(id);
        base.bounds.critical = 1.56;
        auto curve = [&](double best) {
            return QList<Measurement> { sequential(0.36), measured(threads, 1, 0.36, 1.0, 0.98, 1.02),
                measured(threads, 2, 0.237, 1.52, 1.50, 1.54),
                measured(threads, 4, 0.36 / best, best, best - 0.02, best + 0.02),
                measured(threads, 8, 0.239, 1.51, 1.49, 1.53),
                withLosses(measured(threads, 16, 0.24, 1.50, 1.48, 1.52), 0, 0, 0.88) };
        };
        QTest::newRow("6 holds") << id << with(base, curve(1.53)) << H
                                 << QStringList { QStringLiteral("best 1.53x at 4 workers"),
                                        QStringLiteral("over 1–16"),
                                        QStringLiteral("the longest task is 64% of the total: at most 1.56x however "
                                                       "many cores"),
                                        QStringLiteral("at 16 workers: 1.50x, efficiency 9%"),
                                        QStringLiteral("88% of the workers' time at 16 workers went idle after their "
                                                       "last task (imbalance)") }
                                 << QStringList {};
        // Beating a limit no schedule can beat is noise, not evidence against the claim (CI once measured 2.13x
        // on 2 cores against a 1.56x limit under load average 3.2).
        RunResult loaded = base;
        loaded.environment.loadAverage = 3.16;
        QTest::newRow("6 inconclusive: above the bound")
            << id << with(loaded, curve(2.3)) << I
            << QStringList { QStringLiteral("best 2.30x"), QStringLiteral("inconclusive on this machine") }
            << QStringList { QStringLiteral("no schedule beats the limit the longest task sets"),
                   QStringLiteral("so the times behind 2.30x or behind the limit were measured wrong"),
                   QStringLiteral("the machine was busy when the run started (load average 3.16") };
        RunResult classic = resultOf(id);
        classic.bounds.critical = 2.47;
        QTest::newRow("6 inconclusive: too few cores to show the bound")
            << id << with(classic, curve(1.9)) << I << QStringList { QStringLiteral("at most 2.47x") }
            << QStringList { QStringLiteral("with 2 usable cores (2 logical, up to 16 workers) the cores run out") };
        QTest::newRow("6 inconclusive: interval") << id << with(base, curve(1.70)) << I << QStringList {}
                                                  << QStringList { QStringLiteral("on both sides of the 1.72x line") };
        RunResult busy = base;
        busy.environment.loadAverage = 2.4;
        QTest::newRow("6 inconclusive: far below the bound")
            << id
            << with(busy,
                   { sequential(0.36), measured(threads, 1, 0.367, 0.98, 0.96, 1.0),
                       measured(threads, 2, 0.375, 0.96, 0.94, 0.98), measured(threads, 16, 0.4, 0.9, 0.88, 0.92) })
            << I << QStringList { QStringLiteral("best 0.98x at 1 worker") }
            << QStringList { QStringLiteral("threads reached only 0.98x, well below the 1.56x the task sizes allow on "
                                            "2 usable cores"),
                   QStringLiteral("load average 2.40") };
        RunResult noBound = resultOf(id);
        QTest::newRow("6 not run: no task costs")
            << id << with(noBound, curve(1.53)) << N << QStringList {}
            << QStringList { QStringLiteral("the limit the longest task sets cannot be computed") };
    }

    // 7. Start-up cost per task.
    {
        const QString id = QStringLiteral("startup-cost");
        const RunResult base = resultOf(id);
        const QString ppt = QStringLiteral("process-per-task");
        QTest::newRow("7 holds") << id
                                 << with(base,
                                        { sequential(0.0001), measured(processes, 1, 0.05), measured(ppt, 1, 1.84) })
                                 << H
                                 << QStringList { QStringLiteral("process-per-task: 1.840 s for 100 tasks at 1 worker"),
                                        QStringLiteral("the processes pool: 50.00 ms"),
                                        QStringLiteral("a fresh process costs 17.90 ms more per task, 36.80x"),
                                        QStringLiteral("at least 2.00x expected") }
                                 << QStringList {};
        QTest::newRow("7 contradicted: starting was cheap")
            << id << with(base, { sequential(0.0001), measured(processes, 1, 0.05), measured(ppt, 1, 0.07) }) << C
            << QStringList { QStringLiteral("1.40x") }
            << QStringList { QStringLiteral("only 200.0 µs more per task here than handing a task to the pool (500.0 "
                                            "µs per task)") };
        QTest::newRow("7 inconclusive: noisy")
            << id
            << with(base,
                   { sequential(0.0001), measured(processes, 1, 0.05, kUnknown, kUnknown, kUnknown, 0.30),
                       measured(ppt, 1, 0.09) })
            << I << QStringList { QStringLiteral("1.80x") } << QStringList { QStringLiteral("vary by 30%") };
        RunResult cancelled = with(base, { sequential(0.0001), measured(processes, 1, 0.05) });
        cancelled.cancelled = true;
        QTest::newRow("7 not run: cancelled")
            << id << cancelled << N << QStringList {}
            << QStringList { QStringLiteral("the run was cancelled before process-per-task was measured") };
    }

    // 8. The standard library's C code releases the GIL: python-threads scale on hashlib and zlib.
    {
        const QString id = QStringLiteral("stdlib-releases-gil");
        RunResult base = resultOf(id);
        base.runtimes.insert(pyThreads, QStringLiteral("Python 3.11.2 (/usr/bin/python3)"));
        const Measurement seq = measured(pySeq, 1, 1.6, 1.0, 1.0, 1.0);
        const Measurement pool = measured(pyProcesses, 2, 0.84, 1.90, 1.85, 1.95);
        QTest::newRow("8 holds") << id << with(base, { seq, measured(pyThreads, 2, 0.87, 1.84, 1.80, 1.88), pool }) << H
                                 << QStringList { QStringLiteral("python-threads: 1.84x at 2 workers"),
                                        QStringLiteral("at least 1.50x expected on Python 3.11.2"),
                                        QStringLiteral("python-processes: 1.90x at 2 workers") }
                                 << QStringList {};
        QTest::newRow("8 holds without processes")
            << id << with(base, { seq, measured(pyThreads, 2, 0.87, 1.84, 1.80, 1.88) }) << H
            << QStringList { QStringLiteral("python-threads: 1.84x") } << QStringList {};
        QTest::newRow("8 contradicted: threads took turns")
            << id << with(base, { seq, measured(pyThreads, 2, 1.55, 1.03, 1.0, 1.06), pool }) << C
            << QStringList { QStringLiteral("python-threads: 1.03x") }
            << QStringList { QStringLiteral("python-threads reached only 1.03x at 2 workers, though hashlib and zlib "
                                            "release the GIL") };
        QTest::newRow("8 inconclusive") << id << with(base, { seq, measured(pyThreads, 2, 1.1, 1.45, 1.3, 1.6), pool })
                                        << I << QStringList {}
                                        << QStringList { QStringLiteral("on both sides of the 1.50x line") };
        QTest::newRow("8 not run: threads missing")
            << id << with(base, { seq, pool }) << N << QStringList {}
            << QStringList { QStringLiteral("no measurement of python-threads at 2 or more workers") };
    }
}

void TestLessons::verdicts()
{
    QFETCH(QString, id);
    QFETCH(RunResult, result);
    QFETCH(int, outcome);
    QFETCH(QStringList, inText);
    QFETCH(QStringList, inWhy);

    const Lesson* lesson = Lessons::find(id);
    QVERIFY(lesson);
    const LessonVerdict v = lesson->verdict(result);
    const QString shown = QStringLiteral("%1 | %2 | %3").arg(outcomeName(v.outcome), v.text, v.why);
    QVERIFY2(int(v.outcome) == outcome, qPrintable(shown));
    for (const QString& part : inText)
        QVERIFY2(v.text.contains(part), qPrintable(QStringLiteral("'%1' not in: %2").arg(part, shown)));
    for (const QString& part : inWhy)
        QVERIFY2(v.why.contains(part), qPrintable(QStringLiteral("'%1' not in: %2").arg(part, shown)));
    QVERIFY2(optionKeyIn(shown).isEmpty(), qPrintable(shown));
    if (v.outcome == Outcome::Holds)
        QVERIFY2(v.why.isEmpty(), qPrintable(shown));
    if (v.outcome == Outcome::Contradicted || v.outcome == Outcome::Inconclusive)
        QVERIFY2(!v.why.isEmpty(), qPrintable(shown)); // a verdict against the claim always says why
}

void TestLessons::noiseDoesNotOverruleAClearInterval()
{
    // 0.1: "1.74x cannot be told apart from 1.15" beside its own 95% interval of 1.24-2.38. Noisy wall times
    // (20%), but the interval, which weighed them, lies wholly above the threshold: the verdict follows it.
    const RunResult r = with(resultOf(QStringLiteral("gil-threads")),
        { sequential(), measured(QStringLiteral("threads"), 2, 0.146, 1.92, 1.88, 1.95),
            measured(QStringLiteral("gil-threads"), 2, 0.17, 1.74, 1.24, 2.38, 0.20) });
    const LessonVerdict v = Lessons::find(QStringLiteral("gil-threads"))->verdict(r);
    QCOMPARE(v.outcome, Outcome::Contradicted);
    QVERIFY2(!v.why.contains(QStringLiteral("cannot be told apart")), qPrintable(v.why));
    QVERIFY2(v.text.contains(QStringLiteral("1.74x at 2 workers (1.24–2.38 with 95% confidence)")), qPrintable(v.text));
}

void TestLessons::verdictTextNamesLessonAndNumbers()
{
    RunResult r = with(resultOf(QStringLiteral("gil-threads")),
        { sequential(), measured(QStringLiteral("threads"), 2, 0.146, 1.92, 1.88, 1.95),
            measured(QStringLiteral("gil-threads"), 2, 0.289, 0.97, 0.95, 0.99) });
    const QString text = Lessons::verdictText(QStringLiteral("gil-threads"), r);
    QVERIFY2(text.startsWith(QStringLiteral("Lesson 1, CPU-bound threads under the GIL do not scale: holds.")),
        qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("0.97x at 2 workers")), qPrintable(text));

    // The numbers are the result's: other numbers, other text.
    r.measurements[2].speedup = 0.91;
    r.measurements[2].speedupLow = 0.9;
    r.measurements[2].speedupHigh = 0.92;
    QVERIFY(Lessons::verdictText(QStringLiteral("gil-threads"), r).contains(QStringLiteral("0.91x at 2 workers")));

    const QString unknown = Lessons::verdictText(QStringLiteral("gil"), r);
    QVERIFY2(
        unknown.contains(QStringLiteral("unknown lesson 'gil'")) && unknown.contains(QStringLiteral("gil-threads")),
        qPrintable(unknown));
}

void TestLessons::brokenLessonFileNamesField_data()
{
    QTest::addColumn<QString>("id");
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("message");

    const QByteArray experiment = R"("experiment": {"title": "T", "description": "D", "kernel": "fib", "inputs": "30x4",
        "backends": ["sequential", "threads"], "workers": "1,2", "repeats": 3})";
    auto lesson = [&](const QByteArray& fields) {
        return QByteArray(R"({"id": "gil-threads", "number": 1, "title": "t", "claim": "c", "look_at": "l", )") + fields
            + '}';
    };
    QTest::newRow("good") << QStringLiteral("gil-threads") << lesson(experiment) << QString();
    QTest::newRow("not json") << QStringLiteral("gil-threads") << QByteArray("{") << QStringLiteral("not valid JSON");
    QTest::newRow("unknown field") << QStringLiteral("gil-threads") << lesson(experiment + R"(, "lookat": "x")")
                                   << QStringLiteral("unknown field 'lookat': did you mean 'look_at'?");
    QTest::newRow("id differs") << QStringLiteral("io-threads") << lesson(experiment)
                                << QStringLiteral(
                                       "field 'id': 'gil-threads' differs from the file name 'io-threads.json'");
    QTest::newRow("no experiment") << QStringLiteral("gil-threads") << lesson(R"("optional_backends": [])")
                                   << QStringLiteral("field 'experiment': missing");
    QTest::newRow("bad inputs") << QStringLiteral("gil-threads")
                                << lesson(QByteArray(experiment).replace("30x4", "30,x"))
                                << QStringLiteral(
                                       "lesson 'gil-threads', experiment: preset 'gil-threads': field 'inputs'");
    QTest::newRow("unknown kernel") << QStringLiteral("gil-threads")
                                    << lesson(QByteArray(experiment).replace("\"fib\"", "\"fibb\""))
                                    << QStringLiteral("unknown kernel 'fibb': did you mean 'fib'?");
    QTest::newRow("optional not in experiment")
        << QStringLiteral("gil-threads") << lesson(experiment + R"(, "optional_backends": ["mpi"])")
        << QStringLiteral("'mpi' is not one of the experiment's backends (sequential, threads)");
    QTest::newRow("everything optional") << QStringLiteral("gil-threads")
                                         << lesson(experiment + R"(, "optional_backends": ["sequential", "threads"])")
                                         << QStringLiteral("at least one backend must be required");
    QTest::newRow("number") << QStringLiteral("gil-threads")
                            << QByteArray(lesson(experiment)).replace("\"number\": 1", "\"number\": 1.5")
                            << QStringLiteral("field 'number': 1.5 is not a whole number");
    QTest::newRow("good, with a timeline")
        << QStringLiteral("gil-threads") << lesson(experiment + R"(, "timeline": "threads x2")") << QString();
    QTest::newRow("timeline not a label")
        << QStringLiteral("gil-threads") << lesson(experiment + R"(, "timeline": "threads")")
        << QStringLiteral("field 'timeline': must name a measurement as the timeline does");
    QTest::newRow("timeline of another backend")
        << QStringLiteral("gil-threads") << lesson(experiment + R"(, "timeline": "processes x2")")
        << QStringLiteral("field 'timeline': 'processes' is not one of the experiment's required backends "
                          "(sequential, threads)");
    QTest::newRow("timeline of an optional backend")
        << QStringLiteral("gil-threads")
        << lesson(experiment + R"(, "optional_backends": ["threads"], "timeline": "threads x2")")
        << QStringLiteral("'threads' is not one of the experiment's required backends (sequential)");
    QTest::newRow("timeline at workers not run")
        << QStringLiteral("gil-threads") << lesson(experiment + R"(, "timeline": "threads x4")")
        << QStringLiteral("field 'timeline': the experiment does not run threads at 4 workers (it runs workers 1,2)");
    QTest::newRow("timeline of the baseline")
        << QStringLiteral("gil-threads") << lesson(experiment + R"(, "timeline": "sequential x1")") << QString();
    QTest::newRow("no rule for the id") << QStringLiteral("lesson-8")
                                        << QByteArray(lesson(experiment)).replace("gil-threads", "lesson-8")
                                        << QStringLiteral("lesson 'lesson-8': no verdict rule for this id");
}

void TestLessons::brokenLessonFileNamesField()
{
    QFETCH(QString, id);
    QFETCH(QByteArray, json);
    QFETCH(QString, message);
    const auto lesson = Lessons::fromJson(id, json);
    const QString error = lesson.error();
    if (message.isEmpty()) {
        QVERIFY2(lesson, qPrintable(error));
        QVERIFY(lesson->judge);
        QCOMPARE(lesson->experiment.spec.inputs, (QList<qint64> { 30, 30, 30, 30 }));
        return;
    }
    QVERIFY(!lesson);
    QVERIFY2(error.contains(message), qPrintable(error));
}

void TestLessons::planLeavesOutOptionalBackendsAndBlocksRequiredOnes()
{
    const AvailabilityCheck noPython = [](const QString& id, const RunOptions&) -> Availability {
        if (id.startsWith(QStringLiteral("python-")))
            return { false, QStringLiteral("no python3 on the PATH") };
        return {};
    };
    const LessonPlan release = Lessons::find(QStringLiteral("release-gil"))->planHere(noPython);
    QVERIFY(release.runnable);
    QCOMPARE(release.spec.backends, (QStringList { QStringLiteral("sequential"), QStringLiteral("gil-threads") }));
    QCOMPARE(release.notes.size(), 2);
    QVERIFY2(release.notes.join(u'|').contains(QStringLiteral("python-threads left out: no python3 on the PATH")),
        qPrintable(release.notes.join(u'|')));
    QCOMPARE(release.spec.options.releaseGil, true);

    const LessonPlan real = Lessons::find(QStringLiteral("real-python"))->planHere(noPython);
    QVERIFY(!real.runnable);
    QCOMPARE(real.blockedReason, QStringLiteral("python-sequential cannot run here: no python3 on the PATH"));

    // Asking the real backends: an id this build lacks is unavailable with a reason, never silently dropped.
    const Availability missing = backendAvailability(QStringLiteral("gil-thread"), RunOptions());
    if (!BackendRegistry::ids().contains(QStringLiteral("gil-thread"))) {
        QVERIFY(!missing.available);
        QVERIFY2(missing.reason.contains(QStringLiteral("backend 'gil-thread' is not part of this build")),
            qPrintable(missing.reason));
    }
    QVERIFY(backendAvailability(QStringLiteral("threads"), RunOptions()).available);
}

void TestLessons::panelShowsTheSelectedLessonsClaim()
{
    LessonPanel panel(nullptr, everythingRuns);
    QCOMPARE(panel.lessonList()->count(), kLessonIds.size());
    QCOMPARE(panel.lessonList()->item(0)->text(), QStringLiteral("1. CPU-bound threads under the GIL do not scale"));
    QCOMPARE(panel.currentLessonId(), QStringLiteral("gil-threads"));

    for (const Lesson& lesson : Lessons::all()) {
        QVERIFY(panel.selectLesson(lesson.id));
        QCOMPARE(panel.currentLessonId(), lesson.id);
        QCOMPARE(panel.claimLabel()->text(), lesson.claim);
        QCOMPARE(panel.lookAtLabel()->text(), lesson.lookAt);
        QVERIFY(panel.experimentLabel()->text().contains(lesson.experiment.inputsText));
        QCOMPARE(panel.verdictHeadline()->text(), QStringLiteral("Not run yet"));
        QVERIFY(panel.runButton()->isEnabled());
    }
    panel.lessonList()->setCurrentRow(5);
    QCOMPARE(panel.claimLabel()->text(), Lessons::all().at(5).claim);
    QVERIFY(!panel.selectLesson(QStringLiteral("no-such-lesson")));
}

void TestLessons::panelRunEmitsTheLessonsSpec()
{
    LessonPanel panel(nullptr, everythingRuns);
    QSignalSpy spy(&panel, &LessonPanel::runRequested);
    QVERIFY(panel.selectLesson(QStringLiteral("processes-scale")));
    QTest::mouseClick(panel.runButton(), Qt::LeftButton);
    QCOMPARE(spy.size(), 1);
    QCOMPARE(spy.at(0).at(0).toString(), QStringLiteral("processes-scale"));
    const auto spec = spy.at(0).at(1).value<ExperimentSpec>();
    const ExperimentSpec& expected = Lessons::find(QStringLiteral("processes-scale"))->experiment.spec;
    QCOMPARE(spec.kernel, expected.kernel);
    QCOMPARE(spec.inputs, (QList<qint64> { 38, 37, 36, 35, 34, 33 }));
    QCOMPARE(spec.backends, expected.backends);
    QCOMPARE(spec.workers, expected.workers);
    QCOMPARE(spec.repeats, expected.repeats);
    QCOMPARE(spec.warmup, expected.warmup);
    QCOMPARE(spec.options, expected.options);

    // One run at a time.
    panel.setRunning(true);
    QVERIFY(!panel.runButton()->isEnabled());
    QTest::mouseClick(panel.runButton(), Qt::LeftButton);
    QCOMPARE(spy.size(), 1);
    panel.setRunning(false);
    QVERIFY(panel.runButton()->isEnabled());

    // Where python is missing, lesson 4 runs without its optional python backends.
    LessonPanel noPython(nullptr, [](const QString& id, const RunOptions&) -> Availability {
        return id.startsWith(QStringLiteral("python-")) ? Availability { false, QStringLiteral("no python3") }
                                                        : Availability {};
    });
    QSignalSpy noPythonSpy(&noPython, &LessonPanel::runRequested);
    QVERIFY(noPython.selectLesson(QStringLiteral("release-gil")));
    QVERIFY(noPython.runButton()->isEnabled());
    QVERIFY2(noPython.availabilityLabel()->text().contains(QStringLiteral("python-threads left out: no python3")),
        qPrintable(noPython.availabilityLabel()->text()));
    noPython.runButton()->click();
    QCOMPARE(noPythonSpy.size(), 1);
    QCOMPARE(noPythonSpy.at(0).at(1).value<ExperimentSpec>().backends,
        (QStringList { QStringLiteral("sequential"), QStringLiteral("gil-threads") }));
}

void TestLessons::runsAreMatchedToTheirLesson()
{
    for (const Lesson& lesson : Lessons::all()) {
        // The lesson's own experiment, and what Run starts where its optional backends cannot run.
        RunResult own;
        own.spec = lesson.experiment.spec;
        if (lesson.isSweep()) {
            // A sweep lesson is a sweep's, never one run's.
            QCOMPARE(Lessons::matching(own), nullptr);
            SweepResult sweep;
            sweep.spec.base = lesson.experiment.spec;
            QCOMPARE(Lessons::matching(sweep), &lesson);
            continue;
        }
        QCOMPARE(Lessons::matching(own), &lesson);
        own.spec = lesson
                       .planHere([&](const QString& id, const RunOptions&) -> Availability {
                           return lesson.optionalBackends.contains(id) ? Availability { false, QStringLiteral("no") }
                                                                       : Availability {};
                       })
                       .spec;
        QCOMPARE(Lessons::matching(own), &lesson);
        // Tuned inputs (a slower interpreter, a quicker demonstration) on the same backends: still the lesson's.
        RunResult tuned;
        tuned.spec = lesson.experiment.spec;
        tuned.spec.inputs = { 7, 8, 9 };
        QCOMPARE(Lessons::matching(tuned), &lesson);
    }
    // Lesson 1's run is lesson 1's, though lesson 6's rule could judge its native threads.
    RunResult first;
    first.spec = Lessons::find(QStringLiteral("gil-threads"))->experiment.spec;
    first.spec.workers = { 1, 2, 4 };
    QCOMPARE(Lessons::matching(first)->id, QStringLiteral("gil-threads"));
    // The lock released: lesson 4, not lesson 1.
    first.spec.options.releaseGil = true;
    first.spec.backends.removeAll(QStringLiteral("threads"));
    QCOMPARE(Lessons::matching(first)->id, QStringLiteral("release-gil"));
    // No lesson's: another kernel, or a required backend missing with other inputs.
    RunResult other;
    other.spec = Lessons::find(QStringLiteral("gil-threads"))->experiment.spec;
    other.spec.kernel = QStringLiteral("primes");
    QCOMPARE(Lessons::matching(other), nullptr);
    other.spec = Lessons::find(QStringLiteral("startup-cost"))->experiment.spec;
    other.spec.backends = { QStringLiteral("sequential"), QStringLiteral("processes") };
    other.spec.inputs = { 1, 2 };
    QCOMPARE(Lessons::matching(other), nullptr);
    QCOMPARE(Lessons::matching(RunResult {}), nullptr);

    // Lesson 8 runs the installed copy of examples/python/hashing.py; the copy in the source folder (or a user's copy
    // of it) is the same work, another function in it or an edited copy is not.
    RunResult fromSource;
    fromSource.spec = Lessons::find(QStringLiteral("stdlib-releases-gil"))->experiment.spec;
    fromSource.spec.kernel = QStringLiteral("py:" PARLAB_SOURCE_DIR "/examples/python/hashing.py:digest");
    QCOMPARE(Lessons::matching(fromSource)->id, QStringLiteral("stdlib-releases-gil"));
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QFile source(QStringLiteral(PARLAB_SOURCE_DIR "/examples/python/hashing.py"));
    QVERIFY(source.open(QIODevice::ReadOnly));
    QFile edited(dir.filePath(QStringLiteral("hashing.py")));
    QVERIFY(edited.open(QIODevice::WriteOnly));
    edited.write(source.readAll() + "\n# tuned\n");
    edited.close();
    fromSource.spec.kernel = QStringLiteral("py:%1:digest").arg(edited.fileName());
    QCOMPARE(Lessons::matching(fromSource), nullptr);
    fromSource.spec.kernel = QStringLiteral("py:" PARLAB_SOURCE_DIR "/examples/python/hashing.py:SIZE");
    QCOMPARE(Lessons::matching(fromSource), nullptr);
}

// `parlab run` of a lesson's experiment prints the lesson's verdict under the table, as the window shows it.
void TestLessons::cliPrintsTheVerdictOfALessonsRun()
{
    QTemporaryDir home;
    QVERIFY(home.isValid());
    const QString db = home.filePath(QStringLiteral("history.sqlite"));
    const testsupport::Result r = testsupport::runParlab(
        { QStringLiteral("run"), QStringLiteral("--kernel"), QStringLiteral("sleep"), QStringLiteral("--inputs"),
            QStringLiteral("20x4"), QStringLiteral("--backends"), QStringLiteral("sequential,gil-threads"),
            QStringLiteral("--workers"), QStringLiteral("1,4"), QStringLiteral("--repeat"), QStringLiteral("2"),
            QStringLiteral("--warmup"), QStringLiteral("0"), QStringLiteral("--history-db"), db });
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY2(r.out.contains(QStringLiteral("\nLesson 3, %1: ").arg(Lessons::find(QStringLiteral("io-threads"))->title)),
        qPrintable(r.out));
    QVERIFY2(r.out.contains(QStringLiteral("gil-threads")), qPrintable(r.out));
    // Not in a format for programs.
    const testsupport::Result json = testsupport::runParlab({ QStringLiteral("run"), QStringLiteral("--kernel"),
        QStringLiteral("sleep"), QStringLiteral("--inputs"), QStringLiteral("20x4"), QStringLiteral("--backends"),
        QStringLiteral("sequential,gil-threads"), QStringLiteral("--workers"), QStringLiteral("1,4"),
        QStringLiteral("--repeat"), QStringLiteral("1"), QStringLiteral("--warmup"), QStringLiteral("0"),
        QStringLiteral("--history-db"), db, QStringLiteral("--format"), QStringLiteral("json") });
    QVERIFY2(json.code == 0, qPrintable(json.err));
    QVERIFY(!json.out.contains(QStringLiteral("Lesson 3")));
}

void TestLessons::panelRendersTheVerdict()
{
    LessonPanel panel(nullptr, everythingRuns);
    const RunResult holds = with(resultOf(QStringLiteral("gil-threads")),
        { sequential(), measured(QStringLiteral("threads"), 2, 0.146, 1.92, 1.88, 1.95),
            measured(QStringLiteral("gil-threads"), 2, 0.289, 0.97, 0.95, 0.99) });
    QVERIFY(panel.selectLesson(QStringLiteral("gil-threads")));
    QVERIFY(!panel.whyLabel()->isVisibleTo(&panel));
    QCOMPARE(panel.showRun(holds), Lessons::find(QStringLiteral("gil-threads")));
    QCOMPARE(panel.verdict(QStringLiteral("gil-threads")).outcome, Outcome::Holds);
    QCOMPARE(panel.verdictHeadline()->text(), QStringLiteral("The claim holds on this machine"));
    QVERIFY2(panel.verdictLabel()->text().contains(QStringLiteral("0.97x at 2 workers")),
        qPrintable(panel.verdictLabel()->text()));
    QCOMPARE(panel.verdictLabel()->text(), Lessons::find(QStringLiteral("gil-threads"))->verdict(holds).text);
    // The list marks judged lessons with the verdict's icon.
    QCOMPARE(panel.lessonList()->item(0)->icon().pixmap(16, 16).toImage(),
        panel.style()->standardIcon(QStyle::SP_DialogApplyButton).pixmap(16, 16).toImage());
    const QColor holdsColour = panel.verdictHeadline()->palette().color(QPalette::WindowText);

    // A run of another lesson's experiment selects that lesson and shows its verdict.
    RunResult oneCore = with(resultOf(QStringLiteral("processes-scale"), 1),
        { sequential(0.6), measured(QStringLiteral("processes"), 2, 0.61, 0.98, 0.96, 1.0, 0.01, 1.0) });
    panel.showRun(oneCore);
    QCOMPARE(panel.currentLessonId(), QStringLiteral("processes-scale"));
    QCOMPARE(panel.verdictHeadline()->text(), QStringLiteral("The claim does not hold on this machine"));
    QVERIFY(panel.whyLabel()->isVisibleTo(&panel));
    QVERIFY2(panel.whyLabel()->text().contains(QStringLiteral("1 logical core")), qPrintable(panel.whyLabel()->text()));
    QVERIFY(panel.verdictHeadline()->palette().color(QPalette::WindowText) != holdsColour);

    // A dark palette restyles the verdict so it stays readable.
    const QColor light = panel.verdictHeadline()->palette().color(QPalette::WindowText);
    QPalette dark = panel.palette();
    dark.setColor(QPalette::Window, QColor(0x20, 0x20, 0x20));
    dark.setColor(QPalette::WindowText, QColor(0xee, 0xee, 0xee));
    panel.setPalette(dark);
    QVERIFY(panel.verdictHeadline()->palette().color(QPalette::WindowText).lightness() > light.lightness());

    // A result that lacks what the rule needs says why there is no verdict.
    panel.showRun(with(resultOf(QStringLiteral("processes-scale")), { sequential(0.6) }));
    QCOMPARE(panel.verdictHeadline()->text(), QStringLiteral("No verdict from this run"));
    QVERIFY2(panel.whyLabel()->text().contains(QStringLiteral("no measurement of processes at 2 or more workers")),
        qPrintable(panel.whyLabel()->text()));

    // Not run yet, for a lesson never run.
    QVERIFY(panel.selectLesson(QStringLiteral("startup-cost")));
    QCOMPARE(panel.verdictHeadline()->text(), QStringLiteral("Not run yet"));
    QCOMPARE(panel.verdict(QStringLiteral("startup-cost")).outcome, Outcome::NotRun);
    QVERIFY(!panel.whyLabel()->isVisibleTo(&panel));
}

void TestLessons::panelDescribesTheRunOnScreen()
{
    LessonPanel panel(nullptr, everythingRuns);
    RunResult first = with(resultOf(QStringLiteral("gil-threads")),
        { sequential(), measured(QStringLiteral("threads"), 2, 0.146, 1.92, 1.88, 1.95),
            measured(QStringLiteral("gil-threads"), 2, 0.289, 0.97, 0.95, 0.99) });
    first.created = QDateTime(QDate(2026, 12, 1), QTime(10, 0));
    QVERIFY(panel.selectLesson(QStringLiteral("io-threads")));
    panel.showRun(first);
    QCOMPARE(panel.shownLessonId(), QStringLiteral("gil-threads"));
    QCOMPARE(panel.currentLessonId(), QStringLiteral("gil-threads"));

    // Another lesson does not borrow the verdict of the run on screen: it needs a run of its own.
    QVERIFY(panel.selectLesson(QStringLiteral("processes-scale")));
    QCOMPARE(panel.verdict(QStringLiteral("processes-scale")).outcome, Outcome::NotRun);
    QCOMPARE(panel.verdictHeadline()->text(), QStringLiteral("Not run yet"));
    QVERIFY2(panel.verdictLabel()->text().contains(
                 QStringLiteral("This lesson's verdict needs a run of its experiment: press Run."))
            && panel.verdictLabel()->text().contains(QStringLiteral("The run on screen is lesson 1's experiment.")),
        qPrintable(panel.verdictLabel()->text()));

    // A new run starts: lesson 1's verdict described the old one, so it goes.
    panel.setRunning(true);
    QVERIFY(panel.shownLessonId().isEmpty());
    QCOMPARE(panel.verdict(QStringLiteral("gil-threads")).outcome, Outcome::NotRun);
    QVERIFY(panel.selectLesson(QStringLiteral("gil-threads")));
    QCOMPARE(panel.verdictHeadline()->text(), QStringLiteral("No run of this lesson on screen"));
    QVERIFY2(panel.verdictLabel()->text().contains(QStringLiteral("the claim held")),
        qPrintable(panel.verdictLabel()->text())); // its last run, with its date
    panel.setRunning(false);

    // It was no lesson's run: no lesson shows a verdict.
    RunResult plain = with(resultOf(QStringLiteral("gil-threads")), { sequential() });
    plain.spec.kernel = QStringLiteral("primes");
    QCOMPARE(panel.showRun(plain), nullptr);
    QCOMPARE(panel.currentLessonId(), QStringLiteral("gil-threads")); // the selection stays
    QCOMPARE(panel.verdict(QStringLiteral("gil-threads")).outcome, Outcome::NotRun);
    QCOMPARE(panel.verdictHeadline()->text(), QStringLiteral("No run of this lesson on screen"));

    // Lesson 1's run reopened from the history: its verdict again, not "Not run yet".
    QVERIFY(panel.selectLesson(QStringLiteral("load-imbalance")));
    panel.showRun(first);
    QCOMPARE(panel.currentLessonId(), QStringLiteral("gil-threads"));
    QCOMPARE(panel.verdictHeadline()->text(), QStringLiteral("The claim holds on this machine"));
}

void TestLessons::progressSurvivesARestart()
{
    const QDateTime monday(QDate(2026, 11, 30), QTime(9, 0));
    RunResult holds = with(resultOf(QStringLiteral("gil-threads")),
        { sequential(), measured(QStringLiteral("threads"), 2, 0.146, 1.92, 1.88, 1.95),
            measured(QStringLiteral("gil-threads"), 2, 0.289, 0.97, 0.95, 0.99) });
    holds.created = monday;
    RunResult contradicted = with(resultOf(QStringLiteral("processes-scale"), 1),
        { sequential(0.6), measured(QStringLiteral("processes"), 2, 0.61, 0.98, 0.96, 1.0, 0.01, 1.0) });
    contradicted.created = monday.addDays(1);
    {
        LessonPanel panel(nullptr, everythingRuns);
        QCOMPARE(panel.progress(QStringLiteral("gil-threads")).outcome, Outcome::NotRun);
        panel.showRun(holds);
        panel.showRun(contradicted);
    }

    // The next session's panel marks both lessons as they ended, with the runs' dates.
    LessonPanel later(nullptr, everythingRuns);
    const LessonProgress first = later.progress(QStringLiteral("gil-threads"));
    QCOMPARE(first.outcome, Outcome::Holds);
    QCOMPARE(first.measured, monday);
    QVERIFY2(first.text.contains(QStringLiteral("0.97x at 2 workers")), qPrintable(first.text));
    QCOMPARE(later.progress(QStringLiteral("processes-scale")).outcome, Outcome::Contradicted);
    QCOMPARE(later.lessonList()->item(0)->icon().pixmap(16, 16).toImage(),
        later.style()->standardIcon(QStyle::SP_DialogApplyButton).pixmap(16, 16).toImage());
    QCOMPARE(later.lessonList()->item(1)->icon().pixmap(16, 16).toImage(),
        later.style()->standardIcon(QStyle::SP_MessageBoxCritical).pixmap(16, 16).toImage());
    QVERIFY(later.lessonList()->item(0)->toolTip().contains(QStringLiteral("the claim held")));
    QCOMPARE(later.progress(QStringLiteral("io-threads")).outcome, Outcome::NotRun);
    QCOMPARE(later.verdictHeadline()->text(), QStringLiteral("No run of this lesson on screen")); // nothing shown yet

    // An older run of lesson 1 reopened from the history shows its own verdict, but is not the lesson's progress.
    RunResult older = with(resultOf(QStringLiteral("gil-threads")),
        { sequential(), measured(QStringLiteral("gil-threads"), 2, 0.175, 1.60, 1.55, 1.65) });
    older.created = monday.addDays(-7);
    later.showRun(older);
    QCOMPARE(later.verdict(QStringLiteral("gil-threads")).outcome, Outcome::Contradicted);
    QCOMPARE(later.progress(QStringLiteral("gil-threads")).outcome, Outcome::Holds);
    // A run that judged nothing (cancelled at once) keeps the last outcome too.
    RunResult cancelled = resultOf(QStringLiteral("processes-scale"));
    cancelled.cancelled = true;
    cancelled.created = monday.addDays(2);
    later.showRun(cancelled);
    QCOMPARE(later.progress(QStringLiteral("processes-scale")).outcome, Outcome::Contradicted);
    QCOMPARE(LessonPanel(nullptr, everythingRuns).progress(QStringLiteral("gil-threads")).measured, monday);
}

void TestLessons::panelSaysRunningWhileTheLessonRuns()
{
    // A real run of the I/O lesson's experiment, made small: the panel counts its measurements as they land.
    LessonPanel panel(nullptr, everythingRuns);
    ExperimentSpec spec = panel.plan(QStringLiteral("io-threads")).spec;
    spec.inputs = QList<qint64>(4, 20);
    spec.workers = { 1, 2 };
    spec.repeats = 2;
    spec.warmup = 0;
    RunSession session;
    QSignalSpy finished(&session, &RunSession::finished);
    QSignalSpy changed(&session, &RunSession::resultChanged);
    QVERIFY(session.start(spec));
    panel.setRunning(true);
    panel.showRunning(QStringLiteral("io-threads"), &session);
    QCOMPARE(panel.currentLessonId(), QStringLiteral("io-threads"));
    QVERIFY2(panel.verdictHeadline()->text().startsWith(QStringLiteral("Running…")),
        qPrintable(panel.verdictHeadline()->text()));
    QVERIFY(changed.wait(30'000 * testsupport::kSlowdown));
    QTRY_VERIFY2(panel.verdictHeadline()->text().contains(QStringLiteral(" of 3 measurements)")),
        qPrintable(panel.verdictHeadline()->text()));
    QVERIFY(finished.wait(60'000 * testsupport::kSlowdown));
    QCOMPARE(panel.verdictHeadline()->text(), QStringLiteral("Running… (3 of 3 measurements)"));
    // Another lesson, meanwhile, is not running.
    QVERIFY(panel.selectLesson(QStringLiteral("gil-threads")));
    QCOMPARE(panel.verdictHeadline()->text(), QStringLiteral("Not run yet"));

    panel.setRunning(false);
    const auto result = finished.at(0).at(0).value<RunResult>();
    QCOMPARE(panel.showRun(result), Lessons::find(QStringLiteral("io-threads")));
    QVERIFY2(!panel.verdictHeadline()->text().startsWith(QStringLiteral("Running")),
        qPrintable(panel.verdictHeadline()->text()));
    QVERIFY2(panel.verdict(QStringLiteral("io-threads")).outcome != Outcome::NotRun,
        qPrintable(panel.verdict(QStringLiteral("io-threads")).why));
}

void TestLessons::verdictIsSeenWithoutScrolling()
{
    // The side panel a teacher projects: about 330 x 600 pixels.
    LessonPanel panel(nullptr, everythingRuns);
    panel.resize(330, 600);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));

    // Every title whole: wrapped, not cut off, and no part of the list hidden.
    QListWidget* list = panel.lessonList();
    QCOMPARE(list->count(), kLessonIds.size());
    QTRY_VERIFY(list->viewport()->width() < 330);
    for (int row = 0; row < list->count(); ++row) {
        const QRect rect = list->visualItemRect(list->item(row));
        QVERIFY2(list->viewport()->rect().contains(rect),
            qPrintable(QStringLiteral("%1: %2,%3 %4x%5 in a viewport of %6x%7")
                           .arg(list->item(row)->text())
                           .arg(rect.x())
                           .arg(rect.y())
                           .arg(rect.width())
                           .arg(rect.height())
                           .arg(list->viewport()->width())
                           .arg(list->viewport()->height())));
        const int textWidth = rect.width() - list->iconSize().width() - 12; // the icon and the margins
        const QRect text = QFontMetrics(list->font())
                               .boundingRect(QRect(0, 0, textWidth, 10'000), Qt::TextWordWrap, list->item(row)->text());
        QVERIFY2(rect.height() >= text.height(),
            qPrintable(QStringLiteral("%1: %2 px for %3 px of text")
                           .arg(list->item(row)->text())
                           .arg(rect.height())
                           .arg(text.height())));
    }

    // After a run the verdict, headline and numbers, is in view: the long ones, of lessons 6 and 2.
    RunResult imbalance = resultOf(QStringLiteral("load-imbalance"));
    imbalance.bounds.critical = 1.56;
    panel.showRun(with(imbalance,
        { sequential(0.36), measured(QStringLiteral("threads"), 1, 0.36, 1.0, 0.98, 1.02),
            measured(QStringLiteral("threads"), 2, 0.237, 1.52, 1.50, 1.54),
            measured(QStringLiteral("threads"), 4, 0.235, 1.53, 1.51, 1.55),
            withLosses(measured(QStringLiteral("threads"), 16, 0.24, 1.50, 1.48, 1.52), 0, 0, 0.88) }));
    QCOMPARE(panel.verdict(QStringLiteral("load-imbalance")).outcome, Outcome::Holds);
    QTest::qWait(50); // the layout follows the new texts
    QVERIFY(list->geometry().bottom() < panel.runButton()->geometry().top()); // the list covers nothing
    QVERIFY(wholeInView(panel.verdictHeadline(), panel.scrollArea()));
    QVERIFY(wholeInView(panel.verdictLabel(), panel.scrollArea()));
    RunResult oneCore = resultOf(QStringLiteral("processes-scale"), 1);
    oneCore.bounds.lpt = { { 1, 1.0 }, { 2, 2.0 } };
    panel.showRun(with(oneCore,
        { sequential(0.6), measured(QStringLiteral("processes"), 2, 0.61, 0.98, 0.96, 1.0, 0.01, 1.0),
            measured(QStringLiteral("gil-threads"), 2, 0.6, 1.0, 0.98, 1.02) }));
    QCOMPARE(panel.verdict(QStringLiteral("processes-scale")).outcome, Outcome::Contradicted);
    QTest::qWait(50);
    QVERIFY(wholeInView(panel.verdictHeadline(), panel.scrollArea()));
    QVERIFY(wholeInView(panel.verdictLabel(), panel.scrollArea()));
    QCOMPARE(panel.scrollArea()->verticalScrollBar()->value(), 0); // seen as the panel opens, not scrolled to

    if (const QString out = qEnvironmentVariable("PARLAB_LESSON_PNG"); !out.isEmpty())
        QVERIFY(panel.grab().save(out));
}

void TestLessons::panelDisablesRunForAnUnavailableBackend()
{
    const QString reason = QStringLiteral("the worker program /opt/parlab/bin/parlab is missing");
    LessonPanel panel(nullptr, [&](const QString& id, const RunOptions&) -> Availability {
        return id == QStringLiteral("processes") ? Availability { false, reason } : Availability {};
    });
    QSignalSpy spy(&panel, &LessonPanel::runRequested);
    QVERIFY(panel.selectLesson(QStringLiteral("processes-scale")));
    QVERIFY(!panel.runButton()->isEnabled());
    QVERIFY2(
        panel.runButton()->text().contains(QStringLiteral("cannot run here")), qPrintable(panel.runButton()->text()));
    QCOMPARE(panel.runButton()->toolTip(), QStringLiteral("processes cannot run here: %1").arg(reason));
    QVERIFY(panel.availabilityLabel()->text().contains(reason));
    QVERIFY(panel.lessonList()->currentItem()->toolTip().contains(reason));
    panel.runButton()->click();
    QCOMPARE(spy.size(), 0);

    // Other lessons still run, and the same panel remembers which cannot.
    QVERIFY(panel.selectLesson(QStringLiteral("gil-threads")));
    QVERIFY(panel.runButton()->isEnabled());
    QVERIFY(panel.selectLesson(QStringLiteral("startup-cost"))); // processes is required there too
    QVERIFY(!panel.runButton()->isEnabled());
    QVERIFY(!panel.plan(QStringLiteral("startup-cost")).runnable);
}

void TestLessons::realRunIsJudgedFromItsNumbers()
{
    // Lessons 6 and 7 run here with backends this build has; smaller than the real lessons to stay quick.
    for (const QString& id : { QStringLiteral("load-imbalance"), QStringLiteral("startup-cost") }) {
        const Lesson* lesson = Lessons::find(id);
        LessonPlan plan = lesson->planHere();
        QVERIFY2(plan.runnable, qPrintable(plan.blockedReason));
        ExperimentSpec spec = plan.spec;
        spec.repeats = 3;
        if (id == QStringLiteral("load-imbalance")) {
            spec.inputs = { 36, 33, 32, 31, 30, 29 };
            spec.workers = { 1, 2, 4 };
        } else {
            spec.inputs = QList<qint64>(20, 0);
        }
        const RunResult result = testsupport::runToEnd(spec).result;
        QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
        // The baseline ran pinned to the calibration's fastest core, in this thread, which has its CPUs back.
        QVERIFY(result.environment.baselineCpu >= 0);
        QCOMPARE(result.environment.baselineCpu, result.environment.cores.fastest());
        QCOMPARE(threadAffinity(0), allowedCpus());
        const LessonVerdict v = lesson->verdict(result);
        qInfo("%s", qPrintable(Lessons::verdictText(id, result)));
        QVERIFY2(v.outcome != Outcome::NotRun, qPrintable(v.why));
        if (id == QStringLiteral("load-imbalance")) {
            QVERIFY(v.text.contains(
                QStringLiteral("at most %1x however many cores").arg(Format::ratio(result.bounds.critical))));
            // No schedule beats the bound, so a real run either shows the claim or says why it cannot: a busy
            // machine makes it inconclusive, never contradicted.
            QVERIFY2(v.outcome == Outcome::Holds || v.outcome == Outcome::Inconclusive,
                qPrintable(v.text + QStringLiteral(" | ") + v.why));
            if (v.outcome == Outcome::Inconclusive)
                QVERIFY2(
                    !v.why.isEmpty() && !v.why.contains(QStringLiteral("see the run's warnings")), qPrintable(v.why));
        } else {
            const Measurement* fresh = result.find(QStringLiteral("process-per-task"), 1);
            QVERIFY(fresh);
            QVERIFY(v.text.contains(Format::duration(fresh->wall.median)));
            QVERIFY2(v.outcome != Outcome::Contradicted, qPrintable(v.text + QStringLiteral(" | ") + v.why));
        }
    }
}

QTEST_MAIN(TestLessons)
#include "tst_lessons.moc"
