// The real window on the offscreen platform, driven as a user drives it: fill the form, press Run, wait,
// read the table and the charts; cancel; mistype; export; close mid-run; come back to the last session.

#include "backends/backendregistry.h"
#include "backends/mpibackend.h"
#include "backends/pythonbackend.h"
#include "charts/speedupchart.h"
#include "charts/sweepchart.h"
#include "columnchooser.h"
#include "experimentpanel.h"
#include "experimentspec.h"
#include "export/formatting.h"
#include "history/historypanel.h"
#include "history/historyrecorder.h"
#include "history/historystore.h"
#include "lessons/lessonbook.h"
#include "lessons/lessonpanel.h"
#include "mainwindow.h"
#include "measurement.h"
#include "models/resultsmodel.h"
#include "palette.h"
#include "presets.h"
#include "runresult.h"
#include "runsession.h"
#include "sweep.h"
#include "testsupport.h"
#include "timeline/timelinepanel.h"
#include "warningsbar.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QScrollBar>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QStandardItemModel>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QWheelEvent>
#include <QXmlStreamReader>
#include <unistd.h>

using namespace parlab;

namespace {
struct Form {
    QComboBox* kernel;
    QLineEdit* inputs;
    QLineEdit* workers;
    QListWidget* backends;
    QSpinBox* repeats;
    QSpinBox* warmup;
};

Form form(MainWindow& window)
{
    ExperimentPanel* panel = window.experimentPanel();
    return { panel->findChild<QComboBox*>(QStringLiteral("kernel")),
        panel->findChild<QLineEdit*>(QStringLiteral("inputs")), panel->findChild<QLineEdit*>(QStringLiteral("workers")),
        panel->findChild<QListWidget*>(QStringLiteral("backends")),
        panel->findChild<QSpinBox*>(QStringLiteral("repeats")), panel->findChild<QSpinBox*>(QStringLiteral("warmup")) };
}

// Types into the form as a user would and ticks exactly `backends`.
void fill(MainWindow& window, const QString& kernel, const QString& inputs, const QStringList& backends,
    const QString& workers, int repeats, int warmup)
{
    Form f = form(window);
    f.kernel->setCurrentIndex(f.kernel->findData(kernel));
    f.inputs->selectAll();
    QTest::keyClicks(f.inputs, inputs);
    f.workers->selectAll();
    QTest::keyClicks(f.workers, workers);
    for (int i = 0; i < f.backends->count(); ++i) {
        QListWidgetItem* item = f.backends->item(i);
        item->setCheckState(backends.contains(item->text()) ? Qt::Checked : Qt::Unchecked);
    }
    f.repeats->setValue(repeats);
    f.warmup->setValue(warmup);
}

using testsupport::descendants;

// Chooses the user's code as a user does: its kind in the kernel list ("py:", "lib:"), its file typed into the Code
// field, then (when given) one of the functions the picker lists. False when the picker's check, off the window's
// thread, did not finish in time.
bool chooseUserCode(MainWindow& window, const QString& kind, const QString& file, const QString& function = {})
{
    ExperimentPanel* panel = window.experimentPanel();
    QComboBox* kernel = form(window).kernel;
    kernel->setCurrentIndex(kernel->findData(kind));
    auto* code = panel->findChild<QLineEdit*>(QStringLiteral("userCode"));
    auto* functions = panel->findChild<QComboBox*>(QStringLiteral("userFunction"));
    if (!code || !functions || !code->isVisible())
        return false;
    const auto checked = [panel] {
        return QTest::qWaitFor([panel] { return !panel->error().contains(QStringLiteral("being checked")); }, 60'000);
    };
    code->selectAll();
    QTest::keyClicks(code, file);
    if (!panel->error().contains(QStringLiteral("being checked")) || !checked())
        return false; // the form must wait for the check before it can run
    if (!function.isEmpty() && functions->currentData().toString() != function) {
        functions->setCurrentIndex(functions->findData(function));
        return checked() && functions->currentData().toString() == function;
    }
    return true;
}

QString writeFile(const QTemporaryDir& dir, const QString& name, const QByteArray& text)
{
    QFile file(dir.filePath(name));
    if (!file.open(QIODevice::WriteOnly) || file.write(text) != text.size())
        return {};
    return file.fileName();
}

QLineSeries* seriesNamed(QChartView* view, const QString& name)
{
    for (QAbstractSeries* s : view->chart()->series()) {
        if (s->name() == name)
            return qobject_cast<QLineSeries*>(s);
    }
    return nullptr;
}

// The history's newest run; a default one (id 0, still running) when it lists none or cannot be read.
RunSummary newestRun(HistoryStore* store)
{
    const QList<RunSummary> runs = store->runs().value_or({});
    return runs.isEmpty() ? RunSummary {} : runs.constFirst();
}

// Whether the history's newest run is `result`'s, stored finished with every measurement. The window learns that a
// run ended before the history's thread may have stored its start: until then the newest run is the one before it
// (often the last test's, finished too).
bool newestIsFinished(HistoryStore* store, const RunResult& result)
{
    const RunSummary newest = newestRun(store);
    return newest.status == RunStatus::Finished && newest.kernel == result.spec.kernel
        && newest.measurements == result.measurements.size();
}

// What a wait on the history found instead: its newest run's status, measurements and error, so that a run that
// failed or was never saved says so in the test's log.
QString newestRunText(HistoryStore* store)
{
    const Result<QList<RunSummary>> runs = store->runs();
    if (!runs)
        return QStringLiteral("the history cannot be read: ") + runs.error();
    if (runs->isEmpty())
        return QStringLiteral("the history lists no run");
    const RunSummary& r = runs->constFirst();
    return QStringLiteral("the newest run, #%1 (%2 %3), is %4 with %5 measurements%6")
        .arg(r.id)
        .arg(r.kernel, r.inputs, r.statusText())
        .arg(r.measurements)
        .arg(r.error.isEmpty() ? QString() : QStringLiteral(": ") + r.error);
}
} // namespace

class TestGui : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void runFillsTableAndCharts();
    void memoryColumnsFitWithoutScrolling();
    void headerMenuShowsAndHidesColumns();
    void invalidInputDisablesRun();
    void hostfileIsCheckedOffTheWindowsThread();
    void wheelScrollsTheFormNotItsFields();
    void exportsWaitForSomethingToExport();
    void cancelStopsFastAndKeepsResults();
    void nextRunShowsOnlyItsOwnResults();
    void exportsWriteValidFiles();
    void closingMidRunLeavesNoChild();
    void lastExperimentIsRestored();
    void presetsFillTheForm();
    void presetClearsTheLastRun();
    void historyPageListsTheRunWhenShown();
    void runIsSavedInHistory();
    void sweepRunsEachSizeAndChartsIt();
    void unsavedRunSaysWhereItWent();
    void lessonRunShowsItsVerdict();
    void crashingLibraryLeavesTheWindowAndHistory();
    void pythonFunctionIsListedAndChecked();
    void pythonFunctionRunsAndComesBack();
    void libraryListsItsFunctions();
};

void TestGui::initTestCase()
{
    // The tests' own settings, away from a real user's.
    QCoreApplication::setOrganizationName(QStringLiteral("ParLabTests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_gui"));
}

void TestGui::init()
{
    QSettings().clear();
}

void TestGui::runFillsTableAndCharts()
{
    MainWindow window;
    window.show();
    fill(window, QStringLiteral("fib"), QStringLiteral("24,25,26"),
        { QStringLiteral("sequential"), QStringLiteral("threads") }, QStringLiteral("1,2"), 3, 0);
    QVERIFY(window.runAction()->isEnabled());
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    QAbstractItemModelTester tester(
        window.resultsView()->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy ended(&window, &MainWindow::runEnded);
    QTest::keyClick(&window, Qt::Key_R, Qt::ControlModifier);
    QVERIFY(window.isRunning());
    QVERIFY(!window.runAction()->isEnabled());
    QVERIFY(ended.wait(60'000));
    QVERIFY(!window.isRunning());

    const RunResult& result = window.result();
    QVERIFY(result.succeeded());
    QCOMPARE(result.measurements.size(), 3);
    QAbstractItemModel* table = window.resultsView()->model();
    QCOMPARE(table->rowCount(), 3);
    for (int row = 0; row < 3; ++row) {
        const QString backend = table->index(row, ResultsModel::Backend).data(ResultsModel::SortRole).toString();
        const int workers = table->index(row, ResultsModel::Workers).data(ResultsModel::SortRole).toInt();
        const Measurement* m = result.find(backend, workers);
        QVERIFY(m);
        QCOMPARE(table->index(row, ResultsModel::Median).data(ResultsModel::SortRole).toDouble(), m->wall.median);
        QCOMPARE(table->index(row, ResultsModel::Speedup).data(ResultsModel::SortRole).toDouble(), m->speedup);
        QCOMPARE(table->index(row, ResultsModel::Samples).data(ResultsModel::SortRole).toInt(), 3);
    }
    // The speedup chart shows the threads points as measured.
    QLineSeries* threads = seriesNamed(window.speedupChart(), QStringLiteral("threads"));
    QVERIFY(threads);
    QCOMPARE(threads->count(), 2);
    for (const QPointF& p : threads->points())
        QCOMPARE(p.y(), result.find(QStringLiteral("threads"), int(p.x()))->speedup);
    QVERIFY(window.findChild<QLabel*>(QStringLiteral("status"))->text().startsWith(QStringLiteral("Finished")));
    // The environment line: the cores the run measured at its start, as the report and the terminal say it.
    QVERIFY(!result.environment.cores.cores.isEmpty());
    QCOMPARE(window.findChild<QLabel*>(QStringLiteral("environment"))->text(), result.environment.coresText());
}

void TestGui::memoryColumnsFitWithoutScrolling()
{
    // At 1280x800, as a fresh window opens, the memory and switches columns are in view beside the figures, with no
    // scrolling; their cells show what was measured.
    MainWindow window;
    window.resize(1280, 800);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    fill(window, QStringLiteral("sleep"), QStringLiteral("5,5"),
        { QStringLiteral("sequential"), QStringLiteral("threads"), QStringLiteral("processes") }, QStringLiteral("1,2"),
        2, 0);
    QSignalSpy ended(&window, &MainWindow::runEnded);
    window.runAction()->trigger();
    QVERIFY(ended.wait(60'000));
    QVERIFY(window.result().succeeded());
    QTableView* table = window.resultsView();
    QHeaderView* header = table->horizontalHeader();
    QCOMPARE(table->model()->rowCount(), 5);
    QApplication::processEvents(); // the header sizes its sections to the new contents
    for (const int column : { ResultsModel::PeakRss, ResultsModel::Switches }) {
        const QString name = table->model()->headerData(column, Qt::Horizontal).toString();
        QVERIFY2(!header->isSectionHidden(column), qPrintable(name));
        const int right = header->sectionViewportPosition(column) + header->sectionSize(column);
        QVERIFY2(header->sectionViewportPosition(column) >= 0 && right <= table->viewport()->width(),
            qPrintable(QStringLiteral("%1 ends at %2 of %3 px").arg(name).arg(right).arg(table->viewport()->width())));
    }
    QVERIFY(!table->horizontalScrollBar()->isVisible());
    static const QRegularExpression switches(QStringLiteral(R"(^\d+/\d+$)"));
    for (int row = 0; row < table->model()->rowCount(); ++row) {
        QVERIFY(table->model()->index(row, ResultsModel::PeakRss).data().toString().endsWith(QStringLiteral("iB")));
        QVERIFY(switches.match(table->model()->index(row, ResultsModel::Switches).data().toString()).hasMatch());
    }
}

void TestGui::headerMenuShowsAndHidesColumns()
{
    // The spread and the bounds start hidden; a right-click on the header brings one back and hides another, and the
    // next window keeps that choice until "Default columns".
    const auto entry = [](QMenu* menu, const QString& text) -> QAction* {
        for (QAction* action : menu->actions()) {
            if (action->text() == text)
                return action;
        }
        return nullptr;
    };
    const QString stddev = ResultsModel().headerData(ResultsModel::StdDev, Qt::Horizontal).toString();
    const QString peak = ResultsModel().headerData(ResultsModel::PeakRss, Qt::Horizontal).toString();
    {
        MainWindow window;
        QHeaderView* header = window.resultsView()->horizontalHeader();
        QVERIFY(header->isSectionHidden(ResultsModel::StdDev));
        QVERIFY(!header->isSectionHidden(ResultsModel::PeakRss));
        QCOMPARE(header->contextMenuPolicy(), Qt::CustomContextMenu);
        auto* chooser = header->findChild<ColumnChooser*>();
        QVERIFY(chooser);
        QAction* shown = entry(chooser->menu(), stddev);
        QVERIFY(shown && shown->isCheckable() && !shown->isChecked());
        shown->trigger();
        QVERIFY(!header->isSectionHidden(ResultsModel::StdDev));
        QAction* hidden = entry(chooser->menu(), peak);
        QVERIFY(hidden && hidden->isChecked());
        hidden->trigger();
        QVERIFY(header->isSectionHidden(ResultsModel::PeakRss));
    }
    MainWindow again;
    QHeaderView* header = again.resultsView()->horizontalHeader();
    QVERIFY(!header->isSectionHidden(ResultsModel::StdDev));
    QVERIFY(header->isSectionHidden(ResultsModel::PeakRss));
    QAction* defaults = entry(header->findChild<ColumnChooser*>()->menu(), QStringLiteral("Default columns"));
    QVERIFY(defaults);
    defaults->trigger();
    QVERIFY(header->isSectionHidden(ResultsModel::StdDev));
    QVERIFY(!header->isSectionHidden(ResultsModel::PeakRss));
}

void TestGui::invalidInputDisablesRun()
{
    MainWindow window;
    window.show();
    Form f = form(window);
    f.inputs->selectAll();
    QTest::keyClicks(f.inputs, QStringLiteral("38,37.."));
    QVERIFY(!window.runAction()->isEnabled());
    // The problem shows under the form, beside the Run button, however far the form is scrolled.
    const QLabel* problemLabel = window.experimentPanel()->problemLabel();
    QVERIFY(problemLabel->isVisible());
    QCOMPARE(problemLabel->parentWidget(), window.findChild<QWidget*>(QStringLiteral("formFooter")));
    QCOMPARE(window.experimentPanel()->estimateLabel()->parentWidget(), problemLabel->parentWidget()); // so is this
    const QString problem = problemLabel->text();
    QVERIFY2(problem.contains(QStringLiteral("the range has no end")), qPrintable(problem));
    const QString marked = window.experimentPanel()->findChild<QLabel*>(QStringLiteral("inputsProblem"))->text();
    QVERIFY2(marked.contains(QStringLiteral(">37..</span>")), qPrintable(marked)); // the bad part highlighted
    // Pressing Ctrl+R anyway runs nothing, and says why in the status bar.
    window.activateWindow(); // as the user's window is while they type
    QVERIFY(QTest::qWaitForWindowActive(&window));
    QTest::keyClick(&window, Qt::Key_R, Qt::ControlModifier);
    QVERIFY(!window.isRunning());
    const QString status = window.findChild<QLabel*>(QStringLiteral("status"))->text();
    QVERIFY2(status.startsWith(QStringLiteral("Cannot run: ")) && status.contains(QStringLiteral("no end")),
        qPrintable(status));

    QTest::keyClick(f.inputs, Qt::Key_Backspace);
    QTest::keyClick(f.inputs, Qt::Key_Backspace);
    QTest::keyClick(f.inputs, Qt::Key_Backspace);
    QVERIFY(window.runAction()->isEnabled());

    f.inputs->setText(QStringLiteral("30,90"));
    QVERIFY(!window.runAction()->isEnabled());
    QVERIFY(window.experimentPanel()->error().contains(QStringLiteral("fib: input 90 is above 50")));
    f.inputs->setText(QStringLiteral("30"));
    f.workers->setText(QStringLiteral("0,2"));
    QVERIFY(!window.runAction()->isEnabled());
    QVERIFY(window.experimentPanel()->error().contains(QStringLiteral("0 is out of range")));
}

void TestGui::hostfileIsCheckedOffTheWindowsThread()
{
    if (!MpiBackend::availabilityHere().available)
        QSKIP(qPrintable(MpiBackend::availabilityHere().reason));
    MainWindow window;
    window.show();
    fill(window, QStringLiteral("noop"), QStringLiteral("1,2"), { QStringLiteral("mpi") }, QStringLiteral("2"), 1, 0);
    QVERIFY(window.runAction()->isEnabled());
    QTemporaryDir dir;
    auto write = [&](const QString& name, const QByteArray& text) {
        QFile file(dir.filePath(name));
        file.open(QIODevice::WriteOnly);
        file.write(text);
        return file.fileName();
    };
    auto* hostfile = window.experimentPanel()->findChild<QLineEdit*>(QStringLiteral("hostfile"));
    auto* check = window.experimentPanel()->findChild<QLabel*>(QStringLiteral("hostfileCheck"));
    QLabel* problem = window.experimentPanel()->problemLabel();
    QVERIFY(hostfile && check && problem);

    // A host that does not resolve: found by the check on a pool thread, and then Run is off, the reason shown.
    hostfile->setText(write(QStringLiteral("bad"), "localhost slots=1\nnosuchhost.invalid slots=1\n"));
    QTRY_VERIFY_WITH_TIMEOUT(check->text().contains(QStringLiteral("does not resolve")), 30'000);
    QVERIFY(!window.runAction()->isEnabled());
    QVERIFY2(problem->text().contains(QStringLiteral("backend 'mpi': %1:2: host 'nosuchhost.invalid' does not "
                                                     "resolve")
                                          .arg(hostfile->text())),
        qPrintable(problem->text()));
    // Another field edited meanwhile keeps the check's finding (it is not looked up again on this thread).
    Form f = form(window);
    f.inputs->selectAll();
    QTest::keyClicks(f.inputs, QStringLiteral("1,2,3"));
    QVERIFY(!window.runAction()->isEnabled());
    // Unticking mpi frees the run from the hostfile.
    for (int i = 0; i < f.backends->count(); ++i)
        f.backends->item(i)->setCheckState(
            f.backends->item(i)->text() == QStringLiteral("threads") ? Qt::Checked : Qt::Unchecked);
    QVERIFY(window.runAction()->isEnabled());
    for (int i = 0; i < f.backends->count(); ++i)
        f.backends->item(i)->setCheckState(
            f.backends->item(i)->text() == QStringLiteral("mpi") ? Qt::Checked : Qt::Unchecked);
    QVERIFY(!window.runAction()->isEnabled());

    // A good file: Run comes back once it is checked, the label saying what it gives.
    hostfile->setText(write(QStringLiteral("good"), "localhost slots=2\n"));
    QTRY_VERIFY_WITH_TIMEOUT(window.runAction()->isEnabled(), 30'000);
    QVERIFY2(check->text().contains(QStringLiteral("2 slots")), qPrintable(check->text()));
}

void TestGui::wheelScrollsTheFormNotItsFields()
{
    MainWindow window;
    window.resize(1024, 500); // the form scrolls
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    auto* repeats = window.experimentPanel()->findChild<QSpinBox*>(QStringLiteral("repeats"));
    QVERIFY(repeats);
    repeats->setValue(5);
    auto wheel = [&](QWidget* target) {
        const QPoint at = target->rect().center();
        QWheelEvent event(at, target->mapToGlobal(at), QPoint(), QPoint(0, -120), Qt::NoButton, Qt::NoModifier,
            Qt::NoScrollPhase, false);
        QApplication::sendEvent(target, &event);
    };
    // Passing over it while scrolling: the field keeps its value.
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    window.experimentPanel()->findChild<QLineEdit*>(QStringLiteral("inputs"))->setFocus();
    QVERIFY(!repeats->hasFocus());
    wheel(repeats);
    QCOMPARE(repeats->value(), 5);
    // Clicked into (focused), the wheel steps it, as a user who means it expects.
    repeats->setFocus();
    QTRY_VERIFY(repeats->hasFocus());
    wheel(repeats);
    QCOMPARE(repeats->value(), 4);
}

void TestGui::exportsWaitForSomethingToExport()
{
    MainWindow window;
    window.show();
    QCOMPARE(window.resultActions().size(), 5);
    for (QAction* action : window.resultActions())
        QVERIFY2(!action->isEnabled(), qPrintable(action->text()));
    fill(window, QStringLiteral("noop"), QStringLiteral("1,2"), { QStringLiteral("sequential") }, QStringLiteral("1"),
        1, 0);
    QSignalSpy ended(&window, &MainWindow::runEnded);
    window.runAction()->trigger();
    QVERIFY(ended.wait(60'000));
    for (QAction* action : window.resultActions())
        QVERIFY2(action->isEnabled(), qPrintable(action->text()));
    // Help › About names the version; F1 opens the lessons.
    QAction* lessons = nullptr;
    for (QAction* menu : window.menuBar()->actions()) {
        if (menu->text() == QStringLiteral("&Help"))
            for (QAction* item : menu->menu()->actions())
                if (item->text() == QStringLiteral("&Lessons"))
                    lessons = item;
    }
    QVERIFY(lessons);
    // NOLINTNEXTLINE(clang-analyzer-core.CallAndMessage): the QVERIFY above returns when it is null
    QCOMPARE(lessons->shortcut(), QKeySequence(QKeySequence::HelpContents));
    lessons->trigger();
    QVERIFY(window.lessonPanel()->isVisible());
}

void TestGui::cancelStopsFastAndKeepsResults()
{
    MainWindow window;
    window.show();
    // 30 ms tasks, many repeats after a warm-up: a few rounds land, then Esc.
    fill(window, QStringLiteral("spin"), QStringLiteral("30x2"),
        { QStringLiteral("sequential"), QStringLiteral("threads") }, QStringLiteral("2"), 500, 1);
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    QSignalSpy ended(&window, &MainWindow::runEnded);
    window.runAction()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(window.resultsView()->model()->rowCount() == 2, 10'000);
    // Stopping fast, as the table shows it: the rows stop counting samples where Esc found them, give or take the
    // repeat in flight, out of the 500 asked for (not a wall-clock bound: a loaded machine stretches every repeat).
    QAbstractItemModel* table = window.resultsView()->model();
    const auto samples
        = [table](int row) { return table->index(row, ResultsModel::Samples).data(ResultsModel::SortRole).toInt(); };
    const int before[2] = { samples(0), samples(1) };
    QElapsedTimer timer;
    timer.start();
    QTest::keyClick(&window, Qt::Key_Escape);
    QVERIFY(ended.wait(30'000));
    qInfo("run ended %lld ms after Esc, %d and %d samples then, %d and %d now", timer.elapsed(), before[0], before[1],
        samples(0), samples(1));
    QVERIFY(window.result().cancelled);
    QCOMPARE(table->rowCount(), 2); // still on screen
    for (int row = 0; row < 2; ++row)
        QVERIFY2(samples(row) <= before[row] + 1, qPrintable(QStringLiteral("row %1").arg(row)));
    QVERIFY(!window.result().measurements.first().samplesS.isEmpty());
    QVERIFY(window.findChild<WarningsBar*>(QStringLiteral("warnings"))
                ->warnings()
                .join(QLatin1Char('\n'))
                .contains(QStringLiteral("cancelled")));
    // The status counts what the table shows: its samples, of the timed repeats planned (warm-ups are not kept).
    const QString status = window.findChild<QLabel*>(QStringLiteral("status"))->text();
    QVERIFY2(status.startsWith(QStringLiteral("Cancelled: kept %1 timed repeat").arg(samples(0) + samples(1))),
        qPrintable(status));
    QVERIFY2(status.contains(QStringLiteral(" of 1000, in ")), qPrintable(status));
    QVERIFY2(status.endsWith(QStringLiteral(" of 2 measurements")), qPrintable(status));
    QTemporaryDir dir;
    QCOMPARE(window.exportData(dir.filePath(QStringLiteral("partial.json"))).error(), QString()); // and exportable
    QVERIFY(window.runAction()->isEnabled());
}

void TestGui::nextRunShowsOnlyItsOwnResults()
{
    MainWindow window;
    window.show();
    QAbstractItemModelTester tester(
        window.resultsView()->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    fill(window, QStringLiteral("spin"), QStringLiteral("30x2"),
        { QStringLiteral("sequential"), QStringLiteral("threads") }, QStringLiteral("2"), 500, 0);
    QSignalSpy ended(&window, &MainWindow::runEnded);
    window.runAction()->trigger();
    RunSession* first = window.session();
    QVERIFY(first && first->isRunning());
    QTRY_VERIFY_WITH_TIMEOUT(window.resultsView()->model()->rowCount() == 2, 10'000);
    // Run again while it runs: nothing new starts (the action is off, and the slot refuses too).
    QVERIFY(!window.runAction()->isEnabled());
    window.startRun();
    QCOMPARE(window.session(), first);
    QVERIFY(first && first->isRunning());

    // Cancel, and at once run something else: the table and the result are the new run's alone, whatever
    // the cancelled run still had on its way.
    window.cancelRun();
    QVERIFY(ended.wait(5'000));
    QVERIFY(window.result().cancelled);
    fill(window, QStringLiteral("fib"), QStringLiteral("20,21"), { QStringLiteral("sequential") }, QStringLiteral("1"),
        2, 0);
    window.runAction()->trigger();
    QVERIFY(window.session() != first);
    QVERIFY(ended.wait(30'000));
    QVERIFY(window.result().succeeded());
    QCOMPARE(window.result().spec.kernel, QStringLiteral("fib"));
    QCOMPARE(window.result().measurements.size(), 1);
    QCOMPARE(window.resultsView()->model()->rowCount(), 1);
    QCOMPARE(window.resultsView()->model()->index(0, ResultsModel::Backend).data(ResultsModel::SortRole).toString(),
        QStringLiteral("sequential"));
    QCOMPARE(window.resultsView()->model()->index(0, ResultsModel::Samples).data(ResultsModel::SortRole).toInt(), 2);
}

void TestGui::exportsWriteValidFiles()
{
    MainWindow window;
    window.show();
    fill(window, QStringLiteral("fib"), QStringLiteral("22,23"),
        { QStringLiteral("sequential"), QStringLiteral("threads") }, QStringLiteral("1,2"), 2, 0);
    QSignalSpy ended(&window, &MainWindow::runEnded);
    window.runAction()->trigger();
    QVERIFY(ended.wait(60'000));

    QTemporaryDir dir;
    auto read = [&](const QString& name) {
        QFile file(dir.filePath(name));
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    };
    QCOMPARE(window.exportData(dir.filePath(QStringLiteral("r.csv"))).error(), QString());
    QVERIFY(read(QStringLiteral("r.csv")).startsWith("kernel,backend,workers,repeat,wall_s"));
    QCOMPARE(window.exportData(dir.filePath(QStringLiteral("r.json"))).error(), QString());
    QCOMPARE(QJsonDocument::fromJson(read(QStringLiteral("r.json"))).object().value(QStringLiteral("tool")).toString(),
        QStringLiteral("parlab"));
    QCOMPARE(window.exportData(dir.filePath(QStringLiteral("r.md"))).error(), QString());
    QVERIFY(read(QStringLiteral("r.md")).contains("| threads | 2 |"));
    QVERIFY(!window.exportData(dir.filePath(QStringLiteral("r.xls"))).error().isEmpty());

    QCOMPARE(window.exportCurrentChart(dir.filePath(QStringLiteral("c.png"))).error(), QString());
    QVERIFY(read(QStringLiteral("c.png")).startsWith("\x89PNG\r\n\x1a\n"));
    QCOMPARE(window.exportCurrentChart(dir.filePath(QStringLiteral("c.svg"))).error(), QString());
    QXmlStreamReader svg(read(QStringLiteral("c.svg")));
    bool sawSvg = false;
    while (!svg.atEnd()) {
        if (svg.readNext() == QXmlStreamReader::StartElement && svg.name() == QStringLiteral("svg"))
            sawSvg = true;
    }
    QVERIFY2(!svg.hasError(), qPrintable(svg.errorString()));
    QVERIFY(sawSvg);
    QCOMPARE(window.exportCurrentChart(dir.filePath(QStringLiteral("c.pdf"))).error(), QString());
    QVERIFY(read(QStringLiteral("c.pdf")).startsWith("%PDF"));
    QVERIFY(!window.exportCurrentChart(QStringLiteral("/nonexistent-parlab/c.png")).error().isEmpty());

    // File > Export trace: every task of the run as a Chrome trace event.
    QCOMPARE(window.exportTrace(dir.filePath(QStringLiteral("t.json"))).error(), QString());
    const Result<void> noFolder = window.exportTrace(QStringLiteral("/nonexistent-parlab/t.json"));
    QVERIFY2(!noFolder && noFolder.error().contains(QStringLiteral("/nonexistent-parlab/t.json")),
        qPrintable(noFolder.error()));
    const QJsonArray events = QJsonDocument::fromJson(read(QStringLiteral("t.json")))
                                  .object()
                                  .value(QStringLiteral("traceEvents"))
                                  .toArray();
    int tasks = 0;
    for (const auto& event : events)
        tasks += event.toObject().value(QStringLiteral("ph")).toString() == QStringLiteral("X");
    QCOMPARE(tasks, 2 * 3); // sequential, threads x1, threads x2: two inputs each
    // File > Export report: one HTML file with the charts inline.
    QCOMPARE(window.exportReport(dir.filePath(QStringLiteral("r.html"))).error(), QString());
    const QByteArray html = read(QStringLiteral("r.html"));
    QVERIFY(html.contains("<svg"));
    QVERIFY(html.contains("threads"));
    QVERIFY(!window.exportReport(QStringLiteral("/nonexistent-parlab/r.html")).error().isEmpty());

    // The timeline tab exports through the same chart action.
    window.findChild<QTabWidget*>(QStringLiteral("charts"))->setCurrentWidget(window.timelinePanel());
    QCOMPARE(window.exportCurrentChart(dir.filePath(QStringLiteral("timeline.png"))).error(), QString());
    QVERIFY(read(QStringLiteral("timeline.png")).startsWith("\x89PNG\r\n\x1a\n"));
}

void TestGui::closingMidRunLeavesNoChild()
{
    {
        auto window = std::make_unique<MainWindow>();
        window->show();
        // Each task is a real child program (the command kernel), so a run in flight has children to end.
        fill(*window, QStringLiteral("command"), QStringLiteral("60x2"),
            { QStringLiteral("sequential"), QStringLiteral("threads") }, QStringLiteral("2"), 1, 0);
        QLineEdit* command = window->experimentPanel()->findChild<QLineEdit*>(QStringLiteral("command"));
        command->setText(QStringLiteral("sleep {}"));
        QVERIFY(window->runAction()->isEnabled());
        window->runAction()->trigger();
        // Waits for the tasks' own `sleep` children: the run first asks `git` for the commit, a child that is there
        // and gone again in a few milliseconds. qWaitFor reads the process list once per try, so a child seen once
        // is not read again after it may have ended.
        QVERIFY(QTest::qWaitFor([] { return !testsupport::descendantsNamed("sleep").isEmpty(); }, 5000));
        QElapsedTimer timer;
        timer.start();
        window->close();
        window.reset();
        qInfo("window closed and destroyed %lld ms into a running experiment", timer.elapsed());
        // The close ends the tasks rather than waiting for them: well inside their 60 s sleep. A quarter of it, for
        // a loaded machine stretches ending and reaping the children and the history's write (2 s was once over).
        QVERIFY2(timer.elapsed() < qint64(15'000) * testsupport::kSlowdown,
            "closing the window waited for the run's tasks instead of ending them");
    }
    QTRY_COMPARE_WITH_TIMEOUT(descendants(), QList<qint64> {}, 2000);
    // The history keeps the run as cancelled (the window ended it), not as interrupted (a crash).
    HistoryStore history;
    QCOMPARE(history.open(HistoryStore::defaultPath()).error(), QString());
    const QList<RunSummary> runs = history.runs().value_or({});
    QVERIFY(!runs.isEmpty());
    QCOMPARE(runs.constFirst().kernel, QStringLiteral("command"));
    QCOMPARE(runs.constFirst().status, RunStatus::Cancelled);
}

void TestGui::lastExperimentIsRestored()
{
    {
        MainWindow window;
        window.show();
        fill(window, QStringLiteral("primes"), QStringLiteral("1000..1010:5"), { QStringLiteral("threads") },
            QStringLiteral("1..2"), 7, 2);
        window.resize(1000, 700);
        window.close();
    }
    MainWindow again;
    Form f = form(again);
    QCOMPARE(f.kernel->currentData().toString(), QStringLiteral("primes"));
    QCOMPARE(f.inputs->text(), QStringLiteral("1000..1010:5"));
    QCOMPARE(f.workers->text(), QStringLiteral("1..2"));
    QCOMPARE(f.repeats->value(), 7);
    QCOMPARE(f.warmup->value(), 2);
    QCOMPARE(again.experimentPanel()->spec().backends, QStringList { QStringLiteral("threads") });
    QCOMPARE(again.size(), QSize(1000, 700));
}

void TestGui::presetsFillTheForm()
{
    MainWindow window;
    QVERIFY(window.applyPreset(QStringLiteral("classic")));
    const ExperimentSpec spec = window.experimentPanel()->spec();
    QCOMPARE(spec.kernel, QStringLiteral("fib"));
    QCOMPARE(spec.inputs, (QList<qint64> { 38, 37, 36, 35, 34, 33 }));
    QVERIFY(spec.backends.contains(QStringLiteral("processes")));
    QVERIFY(window.runAction()->isEnabled());
    QVERIFY(!window.applyPreset(QStringLiteral("no-such-preset")));
}

void TestGui::presetClearsTheLastRun()
{
    MainWindow window;
    window.show();
    fill(window, QStringLiteral("noop"), QStringLiteral("1..50"), { QStringLiteral("sequential") }, QStringLiteral("1"),
        2, 0);
    QSignalSpy ended(&window, &MainWindow::runEnded);
    window.startRun();
    QVERIFY(ended.wait(60'000));
    QVERIFY(window.speedupChart()->isVisible());
    QVERIFY(window.resultActions().first()->isEnabled());

    // The Presets menu: the classic first (the order the presets' files give), each description on hover.
    QMenu* presets = window.findChild<QMenu*>(QStringLiteral("presetsMenu"));
    QVERIFY(presets && presets->toolTipsVisible());
    const Preset classic = *Presets::find(QStringLiteral("classic"));
    QAction* first = presets->actions().first();
    QCOMPARE(first->text(), classic.title);
    QCOMPARE(first->toolTip(), classic.description);
    first->trigger();

    // The last run's charts, table and warnings go: they were of another experiment. The start page says which
    // one the form holds now.
    QVERIFY(window.result().measurements.isEmpty());
    QCOMPARE(window.resultsModel()->rowCount(), 0);
    QVERIFY(!window.speedupChart()->isVisible());
    QVERIFY(!window.findChild<QWidget*>(QStringLiteral("warnings"))->isVisible());
    for (QAction* action : window.resultActions())
        QVERIFY(!action->isEnabled());
    auto* headline = window.findChild<QLabel*>(QStringLiteral("startHeadline"));
    QVERIFY(headline && headline->isVisible());
    QCOMPARE(headline->text(), classic.title);
    QVERIFY(window.findChild<QLabel*>(QStringLiteral("startText"))->text().contains(classic.description));
    QCOMPARE(window.experimentPanel()->spec().kernel, QStringLiteral("fib"));
}

void TestGui::historyPageListsTheRunWhenShown()
{
    MainWindow window;
    window.show();
    QAction* history = window.findChild<QAction*>(QStringLiteral("historyAction"));
    QAction* lab = window.findChild<QAction*>(QStringLiteral("labAction"));
    QVERIFY(history && lab);
    history->trigger();
    QAbstractItemModel* runs = window.historyPanel()->findChild<QTableView*>()->model();
    const int before = runs->rowCount();
    lab->trigger();
    fill(window, QStringLiteral("noop"), QStringLiteral("1..20"), { QStringLiteral("sequential") }, QStringLiteral("1"),
        1, 0);
    QSignalSpy ended(&window, &MainWindow::runEnded);
    window.startRun();
    QSignalSpy saved(window.session(), &RunSession::historyRunSaved);
    QVERIFY(ended.wait(60'000));
    QVERIFY(saved.count() == 1 || saved.wait(30'000));
    // Read while out of sight or when shown: either way the page lists the run when the user looks.
    history->trigger();
    QVERIFY(window.historyPanel()->isVisible());
    QCOMPARE(runs->rowCount(), before + 1);
}

void TestGui::sweepRunsEachSizeAndChartsIt()
{
    MainWindow window;
    window.show();
    fill(window, QStringLiteral("spin"), QStringLiteral("5"),
        { QStringLiteral("sequential"), QStringLiteral("threads") }, QStringLiteral("1,2"), 2, 0);
    auto* sweep = window.experimentPanel()->findChild<QLineEdit*>(QStringLiteral("sweepSizes"));
    QVERIFY(sweep);
    auto* charts = window.findChild<QTabWidget*>(QStringLiteral("charts"));
    auto* chart = window.findChild<SweepChart*>(QStringLiteral("sweepChart"));
    QVERIFY(!charts->isTabVisible(charts->indexOf(chart))); // nothing to show before a sweep
    // A size the kernel cannot ask for: the form says so, and nothing can run.
    QTest::keyClicks(sweep, QStringLiteral("0.0005"));
    QVERIFY(!window.runAction()->isEnabled());
    QVERIFY2(window.experimentPanel()->error().contains(QStringLiteral("whole microseconds")),
        qPrintable(window.experimentPanel()->error()));
    sweep->selectAll();
    QTest::keyClicks(sweep, QStringLiteral("0.05,2"));
    QTRY_VERIFY(window.runAction()->isEnabled());
    QSignalSpy ended(&window, &MainWindow::runEnded);
    window.runAction()->trigger();
    QVERIFY(ended.wait(60'000));
    QCOMPARE(ended.size(), 1); // one end for the whole sweep, not one per size

    // The chart of the whole sweep, in sight; the views show the last size's run.
    QVERIFY(charts->isTabVisible(charts->indexOf(chart)));
    QCOMPARE(charts->currentWidget(), chart);
    QCOMPARE(chart->lineNames(), (QStringList { QStringLiteral("threads x1"), QStringLiteral("threads x2") }));
    QCOMPARE(window.result().spec.kernel, QStringLiteral("spin-us"));
    QCOMPARE(window.result().spec.inputs, QList<qint64>(SweepSpec::kDefaultTasks, 2000));
    const QString status = window.findChild<QLabel*>(QStringLiteral("status"))->text();
    QVERIFY2(status.startsWith(QStringLiteral("Sweep finished: threads x2 breaks even: ")), qPrintable(status));

    // Each size is a run in the history (the two newest), named after the sweep.
    HistoryStore* store = window.historyStore();
    QTRY_VERIFY2_WITH_TIMEOUT(store->runs().value_or({}).size() >= 2 && newestRun(store).status == RunStatus::Finished
            && newestRun(store).name.contains(QStringLiteral("(2 of 2)")),
        qPrintable(newestRunText(store)), 10'000);
    const QList<RunSummary> runs = store->runs().value_or({}).mid(0, 2);
    QCOMPARE(runs[1].name.section(QLatin1Char(':'), 0, 2), runs[0].name.section(QLatin1Char(':'), 0, 2)); // one tag
    QVERIFY2(
        runs[1].name.startsWith(QStringLiteral("sweep ")) && runs[1].name.endsWith(QStringLiteral("0.05 ms (1 of 2)")),
        qPrintable(runs[1].name));

    // A preset is one run of its inputs: the sweep field empties, the inputs are back.
    QVERIFY(window.applyPreset(QStringLiteral("classic")));
    QVERIFY(sweep->text().isEmpty());
    QVERIFY(form(window).inputs->isEnabled());
}

void TestGui::runIsSavedInHistory()
{
    MainWindow window;
    window.show();
    QVERIFY(window.historyStore()->isOpen());
    fill(window, QStringLiteral("fib"), QStringLiteral("21,22"),
        { QStringLiteral("sequential"), QStringLiteral("threads") }, QStringLiteral("1,2"), 2, 0);
    QSignalSpy ended(&window, &MainWindow::runEnded);
    window.runAction()->trigger();
    QVERIFY(ended.wait(60'000));
    // The history thread stores the last measurement and the final state right after.
    HistoryStore* store = window.historyStore();
    QTRY_VERIFY2_WITH_TIMEOUT(newestIsFinished(store, window.result()), qPrintable(newestRunText(store)), 10'000);
    const qint64 id = newestRun(store).id;

    // What the window shows is what the history holds.
    const auto stored = window.historyStore()->load(id);
    QVERIFY(stored.has_value());
    QCOMPARE(stored->measurements.size(), window.result().measurements.size());
    for (const Measurement& m : window.result().measurements) {
        const Measurement* again = stored->find(m.backend, m.workers);
        QVERIFY2(again, qPrintable(m.label()));
        QCOMPARE(again->samplesS, m.samplesS);
    }
    QCOMPARE(window.historyStore()->summary(id)->status, RunStatus::Finished);
    window.close();

    // Next session: the History tab lists it, and opening it brings back the table, charts and the form.
    MainWindow later;
    later.show();
    later.historyPanel()->refresh();
    QVERIFY(later.historyPanel()->findChild<QTableView*>()->model()->rowCount() >= 1);
    QVERIFY(later.openHistoryRun(id));
    QCOMPARE(later.resultsModel()->rowCount(), window.result().measurements.size());
    QCOMPARE(later.result().find(QStringLiteral("threads"), 2)->samplesS,
        window.result().find(QStringLiteral("threads"), 2)->samplesS);
    QVERIFY(!later.timelinePanel()->labels().isEmpty());
    QCOMPARE(later.experimentPanel()->spec().inputs, (QList<qint64> { 21, 22 }));
    QVERIFY(!later.openHistoryRun(id + 1000)); // not there: a message, nothing replaced
    QCOMPARE(later.resultsModel()->rowCount(), window.result().measurements.size());
}

void TestGui::unsavedRunSaysWhereItWent()
{
    // A history that opened but cannot take the run (its disk is full: the database capped at the size it has): the
    // run still shows every result, and the window says that it is not saved and names the file it went to instead
    // (which the next start adds), in red above the results, in the History tab and in a dialog.
    QTemporaryDir dir;
    const QByteArray xdg = qgetenv("XDG_DATA_HOME");
    qputenv("XDG_DATA_HOME", QFile::encodeName(dir.path()));
    const auto restore = qScopeGuard([&xdg] {
        qputenv("XDG_DATA_HOME", xdg);
        qunsetenv(HistoryStore::kMaxPagesVariable);
    });
    const QString path = HistoryStore::defaultPath();
    QVERIFY2(path.startsWith(dir.path()), qPrintable(path));
    {
        HistoryStore store;
        QCOMPARE(store.open(path).error(), QString());
    }
    int pages = 0;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("pages"));
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QSqlQuery count(db);
        QVERIFY(count.exec(QStringLiteral("PRAGMA page_count")) && count.next());
        pages = count.value(0).toInt();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("pages"));
    QVERIFY(pages > 0);
    qputenv(HistoryStore::kMaxPagesVariable, QByteArray::number(pages));

    MainWindow window;
    window.show();
    QVERIFY(window.historyStore()->isOpen());
    // 300 tasks: their timelines need pages the database cannot grow by.
    fill(window, QStringLiteral("noop"), QStringLiteral("1..300"),
        { QStringLiteral("sequential"), QStringLiteral("threads") }, QStringLiteral("1,2"), 2, 0);
    QSignalSpy ended(&window, &MainWindow::runEnded);
    window.runAction()->trigger();
    QVERIFY(ended.wait(60'000));
    QMessageBox* box = nullptr;
    QTRY_VERIFY_WITH_TIMEOUT((box = window.findChild<QMessageBox*>(QStringLiteral("historyNotSaved"))), 30'000);
    const QDir folder = QFileInfo(path).dir();
    const QStringList files = folder.entryList({ QStringLiteral("history.sqlite.unsaved-*.json") });
    QCOMPARE(files.size(), 1);
    const QString recovery = folder.filePath(files.first());

    QVERIFY(box->isVisible());
    QCOMPARE(box->windowTitle(), QStringLiteral("Run not saved"));
    QVERIFY2(box->text().contains(recovery), qPrintable(box->text()));
    QVERIFY2(box->text().contains(QStringLiteral("disk is full")), qPrintable(box->text())); // and why
    const auto* warnings = window.findChild<WarningsBar*>(QStringLiteral("warnings"));
    QVERIFY(warnings && warnings->isVisible());
    const QStringList listed = warnings->warnings();
    QVERIFY2(!listed.isEmpty() && listed.last().contains(recovery), qPrintable(listed.join(QLatin1Char('\n'))));
    // Collapsed, the strip's one line shows this one, the worst of them.
    QVERIFY2(warnings->summaryLabel()->text().contains(listed.last().left(20)),
        qPrintable(warnings->summaryLabel()->text()));
    // Red, as for a failed run, not the yellow of a warning about the measurement.
    QVERIFY(warnings->isProblem());
    QVERIFY2(warnings->styleSheet().contains(Palette::hex(Palette::noticeBackground(Palette::Notice::Problem).light)),
        qPrintable(warnings->styleSheet()));
    const auto* status = window.historyPanel()->findChild<QLabel*>(QStringLiteral("historyStatus"));
    QVERIFY(status);
    QVERIFY2(status->text().contains(recovery), qPrintable(status->text()));
    // Every result is still in the window.
    QCOMPARE(window.result().measurements.size(), 3);
    QCOMPARE(window.resultsModel()->rowCount(), 3);
    QVERIFY(window.result().error.isEmpty());
    box->close();
}

void TestGui::lessonRunShowsItsVerdict()
{
    // The I/O lesson: its waits take the same time under every build (a lesson that starts hundreds of processes
    // would take TSan's tenfold slowdown on each, beyond QtTest's five minutes), and it runs threads under the lock
    // while the window draws, the hand-over the sanitizers watch.
    MainWindow window;
    window.show();
    LessonPanel* lessons = window.lessonPanel();
    QVERIFY(lessons->selectLesson(QStringLiteral("io-threads")));
    QVERIFY(lessons->runButton()->isEnabled());
    QSignalSpy ended(&window, &MainWindow::runEnded);
    QTest::mouseClick(lessons->runButton(), Qt::LeftButton);
    QVERIFY(window.isRunning());
    QVERIFY(!lessons->runButton()->isEnabled()); // one run at a time
    // It says it is running, not "Not run yet".
    QVERIFY2(lessons->verdictHeadline()->text().startsWith(QStringLiteral("Running…")),
        qPrintable(lessons->verdictHeadline()->text()));
    // The form shows the lesson's experiment while it runs.
    QCOMPARE(window.experimentPanel()->spec().kernel, QStringLiteral("sleep"));
    QVERIFY(ended.wait(120'000 * testsupport::kSlowdown));
    // The timeline shows the measurement the lesson's text describes.
    const Lesson* lesson = Lessons::find(QStringLiteral("io-threads"));
    QCOMPARE(window.timelinePanel()->currentLabel(), lesson->timeline);
    QCOMPARE(window.findChild<QTabWidget*>(QStringLiteral("charts"))->currentWidget(), window.timelinePanel());

    // The verdict is worked out from this run's numbers: the measured speedup of the most workers is quoted.
    const Measurement* gil = window.result().find(QStringLiteral("gil-threads"), 4);
    QVERIFY(gil);
    const LessonVerdict verdict = lessons->verdict(QStringLiteral("io-threads"));
    QVERIFY2(verdict.outcome != LessonVerdict::Outcome::NotRun, qPrintable(verdict.text));
    QVERIFY2(verdict.text.contains(
                 QStringLiteral("(gil-threads) waiting: %1 at 4 workers").arg(Format::speedup(gil->speedup))),
        qPrintable(verdict.text));
    QCOMPARE(lessons->verdictLabel()->text(), verdict.text);
    QVERIFY(lessons->runButton()->isEnabled());
    HistoryStore* store = window.historyStore();
    QTRY_VERIFY2_WITH_TIMEOUT(newestIsFinished(store, window.result()), qPrintable(newestRunText(store)), 10'000);
    const qint64 lessonRun = newestRun(store).id;

    // Another run on screen: the lesson's verdict went with its run.
    fill(window, QStringLiteral("fib"), QStringLiteral("20,21"), { QStringLiteral("sequential") }, QStringLiteral("1"),
        1, 0);
    window.runAction()->trigger();
    QVERIFY(ended.wait(60'000));
    QCOMPARE(lessons->verdict(QStringLiteral("io-threads")).outcome, LessonVerdict::Outcome::NotRun);
    QVERIFY(lessons->selectLesson(QStringLiteral("io-threads")));
    QVERIFY2(lessons->verdictLabel()->text().contains(QStringLiteral("needs a run of its experiment")),
        qPrintable(lessons->verdictLabel()->text()));

    // The lesson's run reopened from the history: its verdict again, with the lesson selected.
    QVERIFY(lessons->selectLesson(QStringLiteral("gil-threads")));
    QVERIFY(window.openHistoryRun(lessonRun));
    QCOMPARE(lessons->currentLessonId(), QStringLiteral("io-threads"));
    QCOMPARE(lessons->verdict(QStringLiteral("io-threads")).outcome, verdict.outcome);
    QCOMPARE(lessons->verdictLabel()->text(), lessons->verdict(QStringLiteral("io-threads")).text);
    QCOMPARE(window.timelinePanel()->currentLabel(), lesson->timeline);
}

void TestGui::crashingLibraryLeavesTheWindowAndHistory()
{
    MainWindow window;
    window.show();
    HistoryStore* store = window.historyStore();
    QVERIFY(store->isOpen());
    QSignalSpy ended(&window, &MainWindow::runEnded);
    // An earlier run, in the history.
    fill(window, QStringLiteral("noop"), QStringLiteral("1..20"), { QStringLiteral("sequential") }, QStringLiteral("1"),
        1, 0);
    window.runAction()->trigger();
    QVERIFY(ended.wait(60'000));
    QTRY_VERIFY2_WITH_TIMEOUT(newestIsFinished(store, window.result()), qPrintable(newestRunText(store)), 10'000);
    const qint64 earlier = newestRun(store).id;

    // A user's library that segfaults on input 13, past its first 4 calls in a process: the sequential baseline
    // computes, then threads x2 crashes in the same process. Chosen in the kernel picker; without the engine it
    // would crash this test.
    const QString kernel = QStringLiteral("lib:" PARLAB_USER_KERNELS "/libcrashing_kernel.so:kernel");
    qputenv("CRASHING_KERNEL_SPARE_CALLS", "4");
    const auto unset = qScopeGuard([] { qunsetenv("CRASHING_KERNEL_SPARE_CALLS"); });
    fill(window, QStringLiteral("lib:"), QStringLiteral("10..13"),
        { QStringLiteral("sequential"), QStringLiteral("threads") }, QStringLiteral("2"), 1, 0);
    QVERIFY(chooseUserCode(window, QStringLiteral("lib:"), QStringLiteral(PARLAB_USER_KERNELS "/libcrashing_kernel.so"),
        QStringLiteral("kernel")));
    QCOMPARE(window.experimentPanel()->spec().kernel, kernel);
    QVERIFY2(window.runAction()->isEnabled(), qPrintable(window.experimentPanel()->error()));
    window.runAction()->trigger();
    QVERIFY(ended.wait(60'000));

    // The window is still here, and says what happened, where a failed run says it.
    QVERIFY(window.isVisible());
    const QString error = window.result().error;
    qInfo("%s", qPrintable(error));
    for (const QString& part : { QStringLiteral("threads x2"), QStringLiteral("SIGSEGV"), QStringLiteral("input 13") })
        QVERIFY2(error.contains(part), qPrintable(error));
    const QString status = window.findChild<QLabel*>(QStringLiteral("status"))->text();
    QCOMPARE(status, QStringLiteral("Failed: %1").arg(error));
    QVERIFY(
        window.findChild<WarningsBar*>(QStringLiteral("warnings"))->warnings().join(QLatin1Char('\n')).contains(error));
    // The baseline measured before the crash is on screen.
    QVERIFY(window.result().find(QStringLiteral("sequential"), 1));
    QCOMPARE(window.result().find(QStringLiteral("sequential"), 1)->samplesS.size(), 1);
    QVERIFY(window.runAction()->isEnabled()); // and the next run can start

    // The history: the earlier run, and this one, failed, with what it measured before the crash.
    QTRY_VERIFY2_WITH_TIMEOUT(newestRun(store).status == RunStatus::Failed, qPrintable(newestRunText(store)), 10'000);
    const QList<RunSummary> runs = store->runs().value_or({});
    QCOMPARE(runs.constFirst().kernel, kernel);
    QCOMPARE(runs.constFirst().error, error);
    QVERIFY(std::any_of(runs.cbegin(), runs.cend(), [earlier](const RunSummary& r) { return r.id == earlier; }));
    const Result<RunResult> crashed = store->load(runs.constFirst().id);
    QVERIFY2(crashed.has_value(), qPrintable(crashed.error()));
    QVERIFY(crashed->find(QStringLiteral("sequential"), 1));
    QCOMPARE(crashed->find(QStringLiteral("sequential"), 1)->samplesS,
        window.result().find(QStringLiteral("sequential"), 1)->samplesS);
    QVERIFY(store->load(earlier).has_value());
}

void TestGui::pythonFunctionIsListedAndChecked()
{
    if (const Availability python = PythonBackend::availabilityWith(RunOptions()); !python.available)
        QSKIP(qPrintable(python.reason));
    MainWindow window;
    window.show();
    ExperimentPanel* panel = window.experimentPanel();
    Form f = form(window);
    f.inputs->setText(QStringLiteral("1,2"));
    f.workers->setText(QStringLiteral("1,2"));
    f.kernel->setCurrentIndex(f.kernel->findData(QStringLiteral("py:")));
    QCOMPARE(f.kernel->currentText(), QStringLiteral("Your Python function…"));

    // Only the python-* backends run a Python function: the others are greyed out, saying why, and python-* ticked.
    for (int i = 0; i < f.backends->count(); ++i) {
        QListWidgetItem* item = f.backends->item(i);
        if (!BackendRegistry::availability(item->text(), RunOptions()).available)
            continue;
        const bool python = BackendRegistry::factsOf(item->text()).runsPython;
        QCOMPARE(bool(item->flags() & Qt::ItemIsEnabled), python);
        QCOMPARE(item->checkState(), python ? Qt::Checked : Qt::Unchecked);
        if (!python)
            QVERIFY2(item->toolTip().contains(QStringLiteral("is a Python function: it runs on python-sequential")),
                qPrintable(item->toolTip()));
    }
    // The picker's fields follow the kernel's on Tab, each named by a label with its own Alt+letter.
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    f.kernel->setFocus();
    QStringList tabbed;
    for (int i = 0; i < 4; ++i) {
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
        tabbed.append(QApplication::focusWidget()->objectName());
    }
    QCOMPARE(tabbed,
        (QStringList { QStringLiteral("userCode"), QStringLiteral("userCodeBrowse"), QStringLiteral("userFunction"),
            QStringLiteral("inputs") }));
    for (const QString& field : { QStringLiteral("userCode"), QStringLiteral("userFunction") }) {
        const auto labels = panel->findChildren<QLabel*>();
        QVERIFY2(std::any_of(labels.cbegin(), labels.cend(),
                     [&](const QLabel* l) {
                         return l->buddy() && l->buddy()->objectName() == field && l->text().contains(u'&');
                     }),
            qPrintable(field));
    }

    // No file yet: Run is off, and the form says what to do.
    QVERIFY(!window.runAction()->isEnabled());
    QVERIFY2(panel->error().contains(QStringLiteral("choose your Python file")), qPrintable(panel->error()));

    // The example, typed: once the typing stops Python reads it, and its function is chosen and checked.
    auto* functions = panel->findChild<QComboBox*>(QStringLiteral("userFunction"));
    auto* check = panel->findChild<QLabel*>(QStringLiteral("userCodeCheck"));
    const QString hashing = QStringLiteral(PARLAB_SOURCE_DIR "/examples/python/hashing.py");
    QVERIFY(chooseUserCode(window, QStringLiteral("py:"), hashing));
    QCOMPARE(functions->currentData().toString(), QStringLiteral("digest"));
    QCOMPARE(functions->currentText(), QStringLiteral("digest(n)"));
    QCOMPARE(check->text(),
        QStringLiteral("✓ digest(n) in hashing.py, checked with %1").arg(PythonBackend::runtimeWith(RunOptions())));
    QVERIFY2(window.runAction()->isEnabled(), qPrintable(panel->error()));
    QCOMPARE(panel->spec().kernel, QStringLiteral("py:%1:digest").arg(hashing));

    // A file of several functions: its own top-level ones in the file's order (not what it imports, nor _private
    // ones); one that does not take one argument listed but not choosable, saying why; the first that does chosen.
    QTemporaryDir dir;
    const QString several = writeFile(dir, QStringLiteral("several.py"),
        "from os.path import join\n\ndef first(n):\n    return n\n\ndef pair(a, b):\n    return a\n\n"
        "def _hidden(n):\n    return n\n\ndef second(n, scale=2):\n    return n * scale\n");
    QVERIFY(chooseUserCode(window, QStringLiteral("py:"), several));
    QStringList listed;
    for (int i = 0; i < functions->count(); ++i)
        listed.append(functions->itemText(i));
    QCOMPARE(listed,
        (QStringList {
            QStringLiteral("first(n)"), QStringLiteral("pair(a, b)"), QStringLiteral("second(n, scale=...)") }));
    const auto* items = qobject_cast<QStandardItemModel*>(functions->model());
    QVERIFY(!items->item(1)->isEnabled());
    QCOMPARE(items->item(1)->toolTip(),
        QStringLiteral("pair(a, b) does not take exactly one positional argument: ParLab calls pair(n) with each "
                       "input"));
    QCOMPARE(functions->currentData().toString(), QStringLiteral("first"));
    QVERIFY(chooseUserCode(window, QStringLiteral("py:"), several, QStringLiteral("second")));
    QCOMPARE(panel->spec().kernel, QStringLiteral("py:%1:second").arg(several));
    QVERIFY(window.runAction()->isEnabled());

    // A syntax error: the line names it, in the words `parlab run` gives, and Run is off with it as the reason.
    const QString broken
        = writeFile(dir, QStringLiteral("broken.py"), "def ok(n):\n    return n\n\ndef bad(n)\n    return n\n");
    auto* code = panel->findChild<QLineEdit*>(QStringLiteral("userCode"));
    code->selectAll();
    QTest::keyClicks(code, broken);
    // While it is being checked Run waits, saying so.
    QVERIFY(!window.runAction()->isEnabled());
    QVERIFY2(panel->error().contains(QStringLiteral("being checked")), qPrintable(panel->error()));
    QTRY_VERIFY_WITH_TIMEOUT(!panel->error().contains(QStringLiteral("being checked")), 60'000);
    QVERIFY(!window.runAction()->isEnabled());
    QVERIFY2(
        check->text().startsWith(QStringLiteral("syntax error in %1 line 4: ").arg(broken)), qPrintable(check->text()));
    QCOMPARE(panel->error(), check->text());
    QVERIFY(panel->problemLabel()->text().contains(QStringLiteral("line 4")));
    ExperimentSpec cli = panel->spec();
    cli.kernel = QStringLiteral("py:%1:ok").arg(broken);
    QCOMPARE(validateSpec(cli).error(), QStringLiteral("%1: %2").arg(cli.kernel, check->text()));

    // A file that is not there.
    code->selectAll();
    QTest::keyClicks(code, dir.filePath(QStringLiteral("nowhere.py")));
    QTRY_VERIFY_WITH_TIMEOUT(!panel->error().contains(QStringLiteral("being checked")), 60'000);
    QCOMPARE(
        check->text(), QStringLiteral("the file %1 does not exist").arg(dir.filePath(QStringLiteral("nowhere.py"))));
    QVERIFY(!window.runAction()->isEnabled());

    // Back to a kernel of ParLab's: the picker goes, the native backends come back as they were ticked.
    f.kernel->setCurrentIndex(f.kernel->findData(QStringLiteral("fib")));
    QVERIFY(!code->isVisible());
    QVERIFY(
        f.backends->findItems(QStringLiteral("threads"), Qt::MatchExactly).constFirst()->flags() & Qt::ItemIsEnabled);
    QVERIFY2(window.runAction()->isEnabled(), qPrintable(panel->error()));
}

void TestGui::pythonFunctionRunsAndComesBack()
{
    if (const Availability python = PythonBackend::availabilityWith(RunOptions()); !python.available)
        QSKIP(qPrintable(python.reason));
    const QString cpu = QStringLiteral(PARLAB_SOURCE_DIR "/examples/python/cpu.py");
    const QString kernel = QStringLiteral("py:%1:collatz").arg(cpu);
    auto shows = [&](MainWindow& window) {
        ExperimentPanel* panel = window.experimentPanel();
        QCOMPARE(form(window).kernel->currentData().toString(), QStringLiteral("py:"));
        QCOMPARE(panel->findChild<QLineEdit*>(QStringLiteral("userCode"))->text(), cpu);
        QCOMPARE(panel->findChild<QComboBox*>(QStringLiteral("userFunction"))->currentData().toString(),
            QStringLiteral("collatz"));
        QTRY_VERIFY_WITH_TIMEOUT(window.runAction()->isEnabled(), 60'000);
        QCOMPARE(panel->spec().kernel, kernel);
    };
    qint64 id = 0;
    {
        MainWindow window;
        window.show();
        fill(window, QStringLiteral("py:"), QStringLiteral("3,4"), { QStringLiteral("python-sequential") },
            QStringLiteral("1"), 1, 0);
        QVERIFY(chooseUserCode(window, QStringLiteral("py:"), cpu));
        QVERIFY2(window.runAction()->isEnabled(), qPrintable(window.experimentPanel()->error()));
        QSignalSpy ended(&window, &MainWindow::runEnded);
        window.runAction()->trigger();
        QVERIFY(ended.wait(60'000));
        QVERIFY2(window.result().succeeded(), qPrintable(window.result().error));
        QCOMPARE(window.result().spec.kernel, kernel);
        HistoryStore* store = window.historyStore();
        QTRY_VERIFY2_WITH_TIMEOUT(newestIsFinished(store, window.result()), qPrintable(newestRunText(store)), 10'000);
        id = newestRun(store).id;
        QCOMPARE(newestRun(store).kernel, kernel);
        window.close();
    }
    // The next session's form holds it, from the settings.
    MainWindow later;
    later.show();
    shows(later);
    // Another kernel, then the run reopened from the history: the form holds the user's file and function again.
    Form f = form(later);
    f.kernel->setCurrentIndex(f.kernel->findData(QStringLiteral("fib")));
    QVERIFY(later.openHistoryRun(id));
    shows(later);
    QCOMPARE(later.experimentPanel()->spec().backends, QStringList { QStringLiteral("python-sequential") });

    // A preset of a shipped example: the picker holds the example's file and function.
    QVERIFY(later.applyPreset(QStringLiteral("python-hashing")));
    QCOMPARE(f.kernel->currentData().toString(), QStringLiteral("py:"));
    const QString example = later.experimentPanel()->findChild<QLineEdit*>(QStringLiteral("userCode"))->text();
    QVERIFY2(example.endsWith(QStringLiteral("/python/hashing.py")) && QFileInfo::exists(example), qPrintable(example));
    QCOMPARE(later.experimentPanel()->findChild<QComboBox*>(QStringLiteral("userFunction"))->currentData().toString(),
        QStringLiteral("digest"));
    QTRY_VERIFY_WITH_TIMEOUT(later.runAction()->isEnabled(), 60'000);
}

void TestGui::libraryListsItsFunctions()
{
    MainWindow window;
    window.show();
    ExperimentPanel* panel = window.experimentPanel();
    fill(window, QStringLiteral("lib:"), QStringLiteral("27,97"), { QStringLiteral("sequential") }, QStringLiteral("1"),
        1, 0);
    // The library's exported functions that look like kernels, the one there chosen and loaded.
    const QString library = QStringLiteral(PARLAB_USER_KERNELS "/libcollatz.so");
    QVERIFY(chooseUserCode(window, QStringLiteral("lib:"), library));
    auto* functions = panel->findChild<QComboBox*>(QStringLiteral("userFunction"));
    QVERIFY2(functions->count() == 1, qPrintable(panel->error()));
    QCOMPARE(functions->currentData().toString(), QStringLiteral("collatz"));
    // Checked here, and by Python (the python-* backends call it through ctypes) where there is one.
    const QString python = PythonBackend::availabilityWith(RunOptions()).available
        ? QStringLiteral(" and with %1").arg(PythonBackend::runtimeWith(RunOptions()))
        : QString();
    QCOMPARE(panel->findChild<QLabel*>(QStringLiteral("userCodeCheck"))->text(),
        QStringLiteral("✓ collatz in libcollatz.so, checked here%1").arg(python));
    QVERIFY2(window.runAction()->isEnabled(), qPrintable(panel->error()));
    QCOMPARE(panel->spec().kernel, QStringLiteral("lib:%1:collatz").arg(library));
    // The native backends run it.
    const Form f = form(window);
    QVERIFY(
        f.backends->findItems(QStringLiteral("threads"), Qt::MatchExactly).constFirst()->flags() & Qt::ItemIsEnabled);

    // A file that is not a shared library: the form says so, in the words `parlab run` gives, and Run is off.
    const QString notALibrary = QStringLiteral(PARLAB_SOURCE_DIR "/examples/python/cpu.py");
    QVERIFY(chooseUserCode(window, QStringLiteral("lib:"), notALibrary));
    QVERIFY(!window.runAction()->isEnabled());
    ExperimentSpec cli = panel->spec();
    cli.kernel = QStringLiteral("lib:%1:collatz").arg(notALibrary);
    QCOMPARE(panel->error(), validateSpec(cli).error());

    // Python and the library each keep their own choice.
    QVERIFY(chooseUserCode(window, QStringLiteral("lib:"), library));
    f.kernel->setCurrentIndex(f.kernel->findData(QStringLiteral("py:")));
    QCOMPARE(panel->findChild<QLineEdit*>(QStringLiteral("userCode"))->text(), QString());
    f.kernel->setCurrentIndex(f.kernel->findData(QStringLiteral("lib:")));
    QCOMPARE(panel->findChild<QLineEdit*>(QStringLiteral("userCode"))->text(), library);
    QTRY_VERIFY_WITH_TIMEOUT(window.runAction()->isEnabled(), 60'000);
}

QTEST_MAIN(TestGui)
#include "tst_gui.moc"
