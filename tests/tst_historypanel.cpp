// The History tab as a user meets it: runs listed with date, kernel, best speedup and status (an interrupted
// run shown as interrupted), a filter, rename / note / delete that persist in the real SQLite history, open
// and compare, JSON export and import (a bad file names the field), and a panel over an unusable history
// that says why. Everything runs against a real HistoryStore in a temporary folder.

#include "charts/chartstyle.h"
#include "export/jsonexport.h"
#include "history/comparison.h"
#include "history/comparisonview.h"
#include "history/historypanel.h"
#include "history/historystore.h"
#include "measurement.h"
#include "models/historymodel.h"
#include "palette.h"
#include "runresult.h"
#include "stats/analysis.h"
#include "testsupport.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QApplication>
#include <QAreaSeries>
#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QElapsedTimer>
#include <QFile>
#include <QFont>
#include <QImage>
#include <QInputDialog>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QMessageBox>
#include <QPalette>
#include <QPointer>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QStackedBarSeries>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QXmlStreamReader>
#include <cmath>
#include <functional>
#include <memory>
#include <unistd.h>

using namespace parlab;

namespace {
using testsupport::measurement;

// fib over six inputs: sequential, then `backends` at 1, 2 and 4 workers, five repeats each, every time
// multiplied by `scale` (so a second run at 0.8 is a clearly faster one).
RunResult makeResult(const QString& kernel, const QStringList& backends, double scale, const QDateTime& created)
{
    RunResult r;
    r.spec.kernel = kernel;
    r.spec.inputs = { 38, 37, 36, 35, 34, 33 };
    r.spec.backends = QStringList { QStringLiteral("sequential") } + backends;
    r.spec.workers = { 1, 2, 4 };
    r.spec.repeats = 5;
    r.environment.logicalCores = 4;
    r.created = created;
    r.measurements.append(measurement(QStringLiteral("sequential"), 1, { 0.80, 0.82, 0.79, 0.81, 0.80 }));
    for (const QString& backend : backends) {
        for (int workers : { 1, 2, 4 }) {
            QList<double> samples;
            for (double base : { 0.80, 0.82, 0.79, 0.81, 0.83 })
                samples.append(
                    base / std::min(workers, 3) * scale * (backend == QLatin1String("threads") ? 1.0 : 1.05));
            r.measurements.append(measurement(backend, workers, samples));
        }
    }
    r.bounds.taskCostsS = { 0.304, 0.188, 0.116, 0.072, 0.044, 0.028 };
    r.completedRuns = r.plannedRuns = int(r.measurements.size()) * 5;
    analyse(r);
    return r;
}

double bestSpeedup(const RunResult& r)
{
    double best = 0;
    for (const Measurement& m : r.measurements) {
        if (std::isfinite(m.speedup))
            best = std::max(best, m.speedup);
    }
    return best;
}

// Acts on the first modal dialog of type D that opens (it opens inside exec(), after the caller's trigger()
// call began); gives up after ten seconds so a dialog that never comes fails the test instead of hanging it.
template<typename D> QPointer<QTimer> onModal(std::function<void(D*)> act)
{
    auto* timer = new QTimer;
    timer->setInterval(10);
    auto clock = std::make_shared<QElapsedTimer>();
    clock->start();
    QObject::connect(timer, &QTimer::timeout, timer, [timer, act, clock] {
        if (auto* dialog = qobject_cast<D*>(QApplication::activeModalWidget())) {
            timer->stop();
            timer->deleteLater();
            act(dialog);
        } else if (clock->elapsed() > 10'000) {
            timer->stop();
            timer->deleteLater();
        }
    });
    timer->start();
    return timer;
}

// Clicks `button` in the next message box and returns (through `text`) what it said.
void answerMessageBox(QMessageBox::StandardButton button, const std::shared_ptr<QString>& text = {})
{
    onModal<QMessageBox>([button, text](QMessageBox* box) {
        if (text)
            *text = box->text();
        box->button(button)->click();
    });
}

// The child side of interruptedRunIsShownAsInterrupted: records half a run and dies without finishing it.
int recordAndDie(const QString& path)
{
    HistoryStore store;
    if (!store.open(path))
        return 3;
    const RunResult r = makeResult(
        QStringLiteral("spin"), { QStringLiteral("threads") }, 1.0, QDateTime::currentDateTime().addSecs(-60));
    const Result<qint64> id = store.beginRun(r.spec, r.environment, r.created);
    if (!id || !store.appendMeasurement(*id, r.measurements.at(0))
        || !store.appendMeasurement(*id, r.measurements.at(1)))
        return 4;
    ::_exit(0); // no finishRun, no close: as if killed
}
} // namespace

class TestHistoryPanel : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<HistoryStore> m_store;
    QString m_path;

    qint64 importRun(const RunResult& r, const QString& source = {})
    {
        const Result<qint64> id = m_store->importResult(r, source);
        if (!id)
            qWarning() << id.error();
        return id.value_or(-1);
    }

    RunResult older() const
    {
        return makeResult(QStringLiteral("fib"), { QStringLiteral("threads"), QStringLiteral("processes") }, 1.0,
            QDateTime::currentDateTime().addDays(-2));
    }
    RunResult newer() const
    {
        return makeResult(QStringLiteral("fib"), { QStringLiteral("threads"), QStringLiteral("processes") }, 0.8,
            QDateTime::currentDateTime().addDays(-1));
    }
    RunResult primes() const
    {
        return makeResult(QStringLiteral("primes"), { QStringLiteral("qtconcurrent") }, 1.0,
            QDateTime::currentDateTime().addSecs(-3600));
    }

    int rowOf(HistoryPanel& panel, qint64 id) const { return panel.model()->rowOf(id); }
    QString cell(HistoryPanel& panel, qint64 id, int column, int role = Qt::DisplayRole) const
    {
        return panel.model()->index(rowOf(panel, id), column).data(role).toString();
    }

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        m_path = m_dir->filePath(QStringLiteral("history.sqlite"));
        m_store = std::make_unique<HistoryStore>();
        QCOMPARE(m_store->open(m_path).error(), QString());
    }

    void cleanup()
    {
        const auto windows = QApplication::topLevelWidgets();
        for (QWidget* w : windows)
            w->close();
        m_store.reset();
        m_dir.reset();
    }

    void rowsShowDateKernelSpeedupAndStatus()
    {
        const RunResult a = older();
        const RunResult p = primes();
        const qint64 idA = importRun(a);
        const qint64 idP = importRun(p);
        QVERIFY(idA > 0 && idP > 0);

        HistoryPanel panel(m_store.get());
        QAbstractItemModelTester tester(panel.model(), QAbstractItemModelTester::FailureReportingMode::Fatal);
        QCOMPARE(panel.model()->rowCount(), 2);
        QCOMPARE(panel.model()->columnCount(), int(HistoryModel::ColumnCount));

        QCOMPARE(cell(panel, idA, HistoryModel::Kernel), QStringLiteral("fib"));
        QCOMPARE(cell(panel, idP, HistoryModel::Kernel), QStringLiteral("primes"));
        QCOMPARE(
            cell(panel, idA, HistoryModel::Date), a.created.toLocalTime().toString(QStringLiteral("yyyy-MM-dd hh:mm")));
        QCOMPARE(cell(panel, idA, HistoryModel::Status), QStringLiteral("finished"));
        QVERIFY(cell(panel, idA, HistoryModel::Backends).contains(QStringLiteral("processes")));
        // "1.69x": the highest speedup of the run, as the model shows it and as a raw number to sort by.
        const QString best = cell(panel, idA, HistoryModel::BestSpeedup);
        QVERIFY2(best.endsWith(QLatin1Char('x')), qPrintable(best));
        QVERIFY2(std::abs(best.chopped(1).toDouble() - bestSpeedup(a)) < 0.006, qPrintable(best));
        QVERIFY(std::abs(panel.model()
                             ->index(rowOf(panel, idA), HistoryModel::BestSpeedup)
                             .data(HistoryModel::SortRole)
                             .toDouble()
                    - bestSpeedup(a))
            < 1e-6);

        // Newest first in the view (sorted by date, descending): primes (an hour ago) above fib (two days ago).
        QCOMPARE(panel.proxy()->index(0, HistoryModel::Id).data(HistoryModel::IdRole).toLongLong(), idP);
        QCOMPARE(panel.proxy()->index(1, HistoryModel::Id).data(HistoryModel::IdRole).toLongLong(), idA);
        // Sorting by best speedup sorts numbers, not text.
        panel.view()->sortByColumn(HistoryModel::BestSpeedup, Qt::DescendingOrder);
        const double first = panel.proxy()->index(0, HistoryModel::BestSpeedup).data(HistoryModel::SortRole).toDouble();
        const double second
            = panel.proxy()->index(1, HistoryModel::BestSpeedup).data(HistoryModel::SortRole).toDouble();
        QVERIFY(first >= second);

        QVERIFY(panel.statusLabel()->text().contains(QStringLiteral("2 runs")));
        QVERIFY(panel.statusLabel()->text().contains(QStringLiteral("history.sqlite")));
    }

    void interruptedRunIsShownAsInterrupted()
    {
        const qint64 finished = importRun(older());
        // A real process records half a run and dies without finishing it.
        QProcess child;
        child.start(QCoreApplication::applicationFilePath(), { QStringLiteral("--record-and-die"), m_path });
        QVERIFY(child.waitForFinished(30'000));
        QCOMPARE(child.exitCode(), 0);

        HistoryPanel panel(m_store.get());
        QAbstractItemModelTester tester(panel.model(), QAbstractItemModelTester::FailureReportingMode::Fatal);
        QCOMPARE(panel.model()->rowCount(), 2);
        qint64 interrupted = -1;
        for (int row = 0; row < panel.model()->rowCount(); ++row) {
            const qint64 id = panel.model()->runAt(row)->id;
            if (id != finished)
                interrupted = id;
        }
        QCOMPARE(cell(panel, interrupted, HistoryModel::Status), QStringLiteral("interrupted"));
        QCOMPARE(cell(panel, interrupted, HistoryModel::Kernel), QStringLiteral("spin"));
        // It stands out: coloured text, a bold status, an explanation in the tooltip; a finished run does not.
        const QModelIndex status = panel.model()->index(rowOf(panel, interrupted), HistoryModel::Status);
        QVERIFY(status.data(Qt::ForegroundRole).value<QColor>().isValid());
        QVERIFY(status.data(Qt::FontRole).value<QFont>().bold());
        QVERIFY(status.data(Qt::DecorationRole).value<QColor>().isValid());
        QVERIFY(status.data(Qt::ToolTipRole).toString().contains(QStringLiteral("Interrupted")));
        const QModelIndex finishedStatus = panel.model()->index(rowOf(panel, finished), HistoryModel::Status);
        QVERIFY(!finishedStatus.data(Qt::ForegroundRole).isValid());
        QVERIFY(!finishedStatus.data(Qt::FontRole).isValid());
        QVERIFY(
            finishedStatus.data(Qt::DecorationRole).value<QColor>() != status.data(Qt::DecorationRole).value<QColor>());
    }

    // A run's regression gate is shown where its status is: the outcome in the column, a failed one in colour, what
    // it means in the tooltip; a verdict recorded after the list was read shows on the next refresh.
    void gatedRunSaysHowItsGateEnded()
    {
        const qint64 passed = importRun(older());
        const qint64 regressed = importRun(newer());
        QVERIFY(m_store->setGate(passed, QStringLiteral("pass")));
        HistoryPanel panel(m_store.get());
        QAbstractItemModelTester tester(panel.model(), QAbstractItemModelTester::FailureReportingMode::Fatal);
        QCOMPARE(cell(panel, passed, HistoryModel::Status), QStringLiteral("finished, gate pass"));
        QCOMPARE(cell(panel, regressed, HistoryModel::Status), QStringLiteral("finished"));
        QVERIFY(m_store->setGate(regressed, QStringLiteral("fail")));
        panel.refresh();
        QCOMPARE(cell(panel, regressed, HistoryModel::Status), QStringLiteral("finished, gate fail"));
        const QModelIndex failed = panel.model()->index(rowOf(panel, regressed), HistoryModel::Status);
        QVERIFY(failed.data(Qt::ForegroundRole).value<QColor>().isValid());
        QVERIFY2(failed.data(Qt::ToolTipRole).toString().contains(QStringLiteral("later gates leave this run out")),
            qPrintable(failed.data(Qt::ToolTipRole).toString()));
        const QModelIndex passedStatus = panel.model()->index(rowOf(panel, passed), HistoryModel::Status);
        QVERIFY(!passedStatus.data(Qt::ForegroundRole).isValid());
        QVERIFY(failed.data(HistoryModel::FilterRole).toString().contains(QStringLiteral("gate fail")));
    }

    void refreshKeepsSelectionAndInsertsInPlace()
    {
        const qint64 idA = importRun(older());
        const qint64 idB = importRun(newer());
        HistoryPanel panel(m_store.get());
        QAbstractItemModelTester tester(panel.model(), QAbstractItemModelTester::FailureReportingMode::Fatal);
        panel.selectRuns({ idA });
        QCOMPARE(panel.selectedRunIds(), QList<qint64> { idA });

        QSignalSpy resets(panel.model(), &QAbstractItemModel::modelReset);
        QSignalSpy inserts(panel.model(), &QAbstractItemModel::rowsInserted);
        const qint64 idP = importRun(primes());
        QVERIFY(m_store->rename(idB, QStringLiteral("after the fix")));
        panel.refresh();
        QCOMPARE(panel.model()->rowCount(), 3);
        QCOMPARE(resets.count(), 0);
        QCOMPARE(inserts.count(), 1);
        QCOMPARE(panel.selectedRunIds(), QList<qint64> { idA });
        QCOMPARE(cell(panel, idB, HistoryModel::Name), QStringLiteral("after the fix"));
        QVERIFY(rowOf(panel, idP) >= 0);
    }

    void filterNarrowsRows()
    {
        const qint64 idA = importRun(older());
        importRun(newer());
        const qint64 idP = importRun(primes());
        HistoryPanel panel(m_store.get());
        QCOMPARE(panel.proxy()->rowCount(), 3);

        panel.filterEdit()->setText(QStringLiteral("PRIMES")); // kernel, any case
        QCOMPARE(panel.proxy()->rowCount(), 1);
        QCOMPARE(panel.proxy()->index(0, 0).data(HistoryModel::IdRole).toLongLong(), idP);
        QVERIFY2(panel.statusLabel()->text().contains(QStringLiteral("1 of 3 runs shown")),
            qPrintable(panel.statusLabel()->text()));

        panel.filterEdit()->setText(QStringLiteral("processes")); // a backend
        QCOMPARE(panel.proxy()->rowCount(), 2);

        QCOMPARE(panel.renameRun(idA, QStringLiteral("baseline on battery")).error(), QString());
        panel.filterEdit()->setText(QStringLiteral("battery")); // a name
        QCOMPARE(panel.proxy()->rowCount(), 1);
        QCOMPARE(panel.proxy()->index(0, 0).data(HistoryModel::IdRole).toLongLong(), idA);

        panel.filterEdit()->setText(QStringLiteral("no such thing"));
        QCOMPARE(panel.proxy()->rowCount(), 0);
        panel.filterEdit()->clear();
        QCOMPARE(panel.proxy()->rowCount(), 3);
    }

    void renameAndNotePersist()
    {
        const qint64 id = importRun(older());
        importRun(primes());
        HistoryPanel panel(m_store.get());
        panel.selectRuns({ id });
        QVERIFY(panel.renameAction()->isEnabled());
        QCOMPARE(panel.renameAction()->shortcut(), QKeySequence(Qt::Key_F2));

        onModal<QInputDialog>([](QInputDialog* dialog) {
            dialog->setTextValue(QStringLiteral("before the fix"));
            dialog->accept();
        });
        panel.renameAction()->trigger();
        onModal<QInputDialog>([](QInputDialog* dialog) {
            dialog->setTextValue(QStringLiteral("laptop on battery\nturbo off"));
            dialog->accept();
        });
        panel.noteAction()->trigger();

        QCOMPARE(cell(panel, id, HistoryModel::Name), QStringLiteral("before the fix"));
        QVERIFY(cell(panel, id, HistoryModel::Note).startsWith(QStringLiteral("laptop on battery")));
        QVERIFY(cell(panel, id, HistoryModel::Name, Qt::ToolTipRole).contains(QStringLiteral("turbo off")));

        // What another reader of the same file sees: both were stored.
        HistoryStore reader;
        QCOMPARE(reader.open(m_path).error(), QString());
        const Result<RunSummary> stored = reader.summary(id);
        QVERIFY(stored);
        QCOMPARE(stored->name, QStringLiteral("before the fix"));
        QCOMPARE(stored->note, QStringLiteral("laptop on battery\nturbo off"));

        // A cancelled dialog changes nothing.
        onModal<QInputDialog>([](QInputDialog* dialog) {
            dialog->setTextValue(QStringLiteral("ignored"));
            dialog->reject();
        });
        panel.renameAction()->trigger();
        QCOMPARE(m_store->summary(id)->name, QStringLiteral("before the fix"));
    }

    void deleteAsksNamingTheRunThenRemoves()
    {
        const qint64 keep = importRun(newer());
        const qint64 id = importRun(older());
        QVERIFY(m_store->rename(id, QStringLiteral("doomed")));
        HistoryPanel panel(m_store.get());
        panel.selectRuns({ id });
        QVERIFY(panel.deleteAction()->isEnabled());
        QCOMPARE(panel.deleteAction()->shortcut(), QKeySequence(QKeySequence::Delete));

        auto asked = std::make_shared<QString>();
        answerMessageBox(QMessageBox::No, asked);
        panel.deleteAction()->trigger();
        QVERIFY2(asked->contains(QStringLiteral("“doomed”")), qPrintable(*asked));
        QVERIFY(asked->contains(QStringLiteral("#%1").arg(id)));
        QVERIFY(m_store->summary(id));
        QCOMPARE(panel.model()->rowCount(), 2);

        answerMessageBox(QMessageBox::Yes);
        panel.deleteAction()->trigger();
        QCOMPARE(panel.model()->rowCount(), 1);
        QCOMPARE(rowOf(panel, id), -1);
        HistoryStore reader;
        QCOMPARE(reader.open(m_path).error(), QString());
        QVERIFY(!reader.summary(id));
        QVERIFY(!reader.load(id));
        QVERIFY(reader.summary(keep));

        // Several at once: the question lists them all.
        const qint64 more = importRun(primes());
        panel.refresh();
        panel.selectRuns({ keep, more });
        answerMessageBox(QMessageBox::Yes, asked);
        panel.deleteAction()->trigger();
        QVERIFY(asked->contains(QStringLiteral("2 runs")));
        QVERIFY(asked->contains(QStringLiteral("#%1").arg(keep)) && asked->contains(QStringLiteral("#%1").arg(more)));
        QCOMPARE(panel.model()->rowCount(), 0);
        QVERIFY(m_store->runs().value_or({}).isEmpty());
    }

    void openEmitsTheRunId()
    {
        importRun(older());
        const qint64 id = importRun(primes());
        HistoryPanel panel(m_store.get());
        panel.resize(1000, 500);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        QSignalSpy opened(&panel, &HistoryPanel::openRequested);

        QVERIFY(!panel.openAction()->isEnabled()); // nothing selected
        panel.selectRuns({ id });
        QVERIFY(panel.openAction()->isEnabled());
        panel.openAction()->trigger();
        QCOMPARE(opened.count(), 1);
        QCOMPARE(opened.at(0).at(0).toLongLong(), id);

        // Enter on the table, as a user would.
        panel.view()->setFocus();
        QTest::keyClick(panel.view(), Qt::Key_Return);
        QCOMPARE(opened.count(), 2);
        QCOMPARE(opened.at(1).at(0).toLongLong(), id);

        // Del while typing in the filter edits the filter: it deletes no run and asks nothing.
        auto asked = std::make_shared<QString>();
        QPointer<QTimer> watcher = onModal<QMessageBox>([asked](QMessageBox* box) {
            *asked = box->text();
            box->button(QMessageBox::No)->click();
        });
        panel.filterEdit()->setFocus();
        QTest::keyClicks(panel.filterEdit(), QStringLiteral("fibx"));
        QTest::keyClick(panel.filterEdit(), Qt::Key_Left);
        QTest::keyClick(panel.filterEdit(), Qt::Key_Delete);
        QCOMPARE(panel.filterEdit()->text(), QStringLiteral("fib"));
        QVERIFY2(asked->isEmpty(), qPrintable(*asked));
        delete watcher;
        panel.filterEdit()->clear();
        panel.selectRuns({ id });
        // ...while Del on the table asks to delete the selected run.
        answerMessageBox(QMessageBox::No, asked);
        panel.view()->setFocus();
        QTest::keyClick(panel.view(), Qt::Key_Delete);
        QVERIFY2(asked->contains(QStringLiteral("#%1").arg(id)), qPrintable(*asked));
        QVERIFY(m_store->summary(id));

        // A double-click on the other row opens that one.
        const QModelIndex otherIndex = panel.proxy()->index(1, HistoryModel::Kernel);
        const qint64 other = otherIndex.data(HistoryModel::IdRole).toLongLong();
        const QPoint centre = panel.view()->visualRect(otherIndex).center();
        QTest::mouseClick(panel.view()->viewport(), Qt::LeftButton, {}, centre);
        QTest::mouseDClick(panel.view()->viewport(), Qt::LeftButton, {}, centre);
        QCOMPARE(opened.count(), 3);
        QCOMPARE(opened.at(2).at(0).toLongLong(), other);
    }

    void compareShowsTableAndChartOfCompareRuns()
    {
        const qint64 idA = importRun(older());
        // The newer run also measured qtconcurrent: rows A lacks are listed as missing, and not drawn.
        const qint64 idB = importRun(makeResult(QStringLiteral("fib"),
            { QStringLiteral("threads"), QStringLiteral("processes"), QStringLiteral("qtconcurrent") }, 0.8,
            QDateTime::currentDateTime().addDays(-1)));
        importRun(primes());
        HistoryPanel panel(m_store.get());
        panel.selectRuns({ idA });
        QVERIFY(!panel.compareAction()->isEnabled());
        panel.selectRuns({ idB, idA }); // newest first, as shown; the older run still becomes A
        QVERIFY(panel.compareAction()->isEnabled());
        panel.compareAction()->trigger();

        auto* view = panel.findChild<ComparisonView*>();
        QVERIFY(view);
        QVERIFY(view->isVisible());
        // A run that is not there: no view, and the message names both runs.
        const Result<ComparisonView*> missing = panel.compareRuns(idA, idA + 1000);
        QVERIFY(!missing);
        QVERIFY2(missing.error().startsWith(QStringLiteral("Cannot compare runs #%1 ").arg(idA))
                && missing.error().contains(QStringLiteral(" and #%1: ").arg(idA + 1000)),
            qPrintable(missing.error()));
        QCOMPARE(panel.findChildren<ComparisonView*>().size(), 1);
        QVERIFY(view->labelA().startsWith(QStringLiteral("#%1").arg(idA)));
        QVERIFY(view->labelB().startsWith(QStringLiteral("#%1").arg(idB)));
        QVERIFY(view->headingLabel()->text().contains(view->labelA()));

        const Comparison expected = compareRuns(*m_store->load(idA), *m_store->load(idB));
        QCOMPARE(view->summaryLabel()->text(), expected.summary);
        QTableWidget* table = view->table();
        QCOMPARE(table->rowCount(), int(expected.rows.size()));
        QVERIFY(expected.rows.size() >= 6);
        bool anyFaster = false;
        for (int r = 0; r < table->rowCount(); ++r) {
            const ComparisonRow& row = expected.rows.at(r);
            QCOMPARE(table->item(r, ComparisonView::Backend)->text(), row.backend);
            QCOMPARE(table->item(r, ComparisonView::Workers)->text(), QString::number(row.workers));
            QCOMPARE(table->item(r, ComparisonView::VerdictColumn)->text(), verdictName(row.verdict));
            const QString ratio = table->item(r, ComparisonView::Ratio)->text();
            if (!std::isfinite(row.ratio)) {
                QCOMPARE(ratio, QStringLiteral("–"));
                QCOMPARE(table->item(r, ComparisonView::PValue)->text(), QStringLiteral("–"));
                QVERIFY(
                    table->item(r, ComparisonView::VerdictColumn)->toolTip().contains(QStringLiteral("only in run B")));
                continue;
            }
            QVERIFY2(std::abs(ratio.toDouble() - row.ratio) < 0.0006, qPrintable(ratio));
            const QString p = table->item(r, ComparisonView::PValue)->text();
            QVERIFY2(p.contains(row.exact ? QStringLiteral("exact") : QStringLiteral("approx.")), qPrintable(p));
            if (p.startsWith(QLatin1Char('<')))
                QVERIFY(row.pValue < 0.001);
            else
                QVERIFY2(std::abs(p.section(QLatin1Char(' '), 0, 0).toDouble() - row.pValue) < 0.0006, qPrintable(p));
            anyFaster = anyFaster || row.verdict == Verdict::Faster;
        }
        QVERIFY(anyFaster); // the newer run is 20% faster on every parallel combination
        QList<ComparisonRow> measuredInBoth;
        for (const ComparisonRow& row : expected.rows) {
            if (std::isfinite(row.ratio))
                measuredInBoth.append(row);
            else
                QCOMPARE(row.verdict, Verdict::Missing);
        }
        QCOMPARE(measuredInBoth.size(), 7);
        QCOMPARE(expected.rows.size(), 10);

        // The chart: one bar per combination, its height the ratio, plus the 1.0 line and the noise band.
        QChart* chart = view->chartView()->chart();
        QStackedBarSeries* bars = nullptr;
        QLineSeries* reference = nullptr;
        QAreaSeries* band = nullptr;
        const auto series = chart->series();
        for (QAbstractSeries* s : series) {
            if (auto* b = qobject_cast<QStackedBarSeries*>(s))
                bars = b;
            else if (auto* a = qobject_cast<QAreaSeries*>(s))
                band = a;
            else if (auto* l = qobject_cast<QLineSeries*>(s))
                reference = l;
        }
        QVERIFY(bars && reference && band);
        auto* categories = qobject_cast<QBarCategoryAxis*>(chart->axes(Qt::Horizontal).constFirst());
        QVERIFY(categories);
        QCOMPARE(categories->count(), int(measuredInBoth.size()));
        for (int i = 0; i < categories->count(); ++i) {
            QVERIFY(categories->at(i).startsWith(measuredInBoth.at(i).backend));
            int nonZero = 0;
            double height = 0;
            const auto sets = bars->barSets();
            for (QBarSet* set : sets) {
                if (set->at(i) != 0) {
                    ++nonZero;
                    height = set->at(i);
                    QCOMPARE(set->label(), verdictName(measuredInBoth.at(i).verdict));
                }
            }
            QCOMPARE(nonZero, 1);
            QVERIFY(std::abs(height - measuredInBoth.at(i).ratio) < 1e-9);
        }
        // Colours follow the palette: a dark one lightens the verdict colours.
        QBarSet* faster = nullptr;
        for (QBarSet* set : bars->barSets()) {
            if (set->label() == verdictName(Verdict::Faster))
                faster = set;
        }
        QVERIFY(faster);
        const QColor light = faster->color();
        QPalette dark;
        dark.setColor(QPalette::Window, QColor(30, 30, 30));
        dark.setColor(QPalette::WindowText, QColor(230, 230, 230));
        view->setPalette(dark);
        QVERIFY(faster->color().lightness() > light.lightness());
        QCOMPARE(chart->backgroundBrush().color(), QColor(30, 30, 30));
        for (const QPointF& point : reference->points())
            QCOMPARE(point.y(), 1.0);
        QCOMPARE(band->upperSeries()->points().constFirst().y(), 1.01);
        QCOMPARE(band->lowerSeries()->points().constFirst().y(), 0.99);

        // Exports: CSV with raw numbers, Markdown with the figures as shown, the chart as PNG and SVG.
        const QString csvPath = m_dir->filePath(QStringLiteral("comparison.csv"));
        QCOMPARE(view->saveTable(csvPath).error(), QString());
        QFile csv(csvPath);
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const QStringList lines = QString::fromUtf8(csv.readAll()).trimmed().split(QLatin1Char('\n'));
        QCOMPARE(lines.size(), int(expected.rows.size()) + 1);
        QVERIFY(lines.constFirst().startsWith(QStringLiteral("backend,workers")));
        QCOMPARE(lines.at(1).section(QLatin1Char(','), 6, 6).toDouble(), expected.rows.at(0).ratio);
        const QString mdPath = m_dir->filePath(QStringLiteral("comparison.md"));
        QCOMPARE(view->saveTable(mdPath).error(), QString());
        QFile md(mdPath);
        QVERIFY(md.open(QIODevice::ReadOnly));
        const QString markdown = QString::fromUtf8(md.readAll());
        QVERIFY(markdown.contains(QStringLiteral("| Backend | Workers |")));
        QVERIFY(markdown.contains(expected.summary));
        QVERIFY(!view->saveTable(m_dir->filePath(QStringLiteral("comparison.txt"))).error().isEmpty());

        // Exported on paper whatever the window's palette (still the dark one here): the bars in their light
        // shade, the chart's background white; the window keeps its dark shades.
        const QString pngPath = m_dir->filePath(QStringLiteral("comparison.png"));
        QColor exportedFaster;
        QColor exportedBackground;
        {
            QMetaObject::Connection spy = connect(faster, &QBarSet::colorChanged, this, [&](const QColor& c) {
                if (!exportedFaster.isValid())
                    exportedFaster = c;
            });
            QCOMPARE(view->saveChart(pngPath).error(), QString());
            disconnect(spy);
        }
        QCOMPARE(exportedFaster, light);
        QCOMPARE(faster->color().lightness(),
            ChartStyle::color(Palette::judgement(Palette::Judgement::Good), dark).lightness());
        const QImage png(pngPath);
        QVERIFY(!png.isNull());
        exportedBackground = png.pixelColor(2, 2);
        QCOMPARE(exportedBackground, QColor(QRgb(Palette::paper().background)));
        const QString svgPath = m_dir->filePath(QStringLiteral("comparison.svg"));
        QCOMPARE(view->saveChart(svgPath).error(), QString());
        QFile svg(svgPath);
        QVERIFY(svg.open(QIODevice::ReadOnly));
        QXmlStreamReader xml(&svg);
        while (!xml.atEnd())
            xml.readNext();
        QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));

        // Swapping makes B the reference: every ratio inverts.
        const double before = expected.rows.at(1).ratio;
        view->swapRuns();
        QVERIFY(view->labelA().startsWith(QStringLiteral("#%1").arg(idB)));
        QVERIFY(std::abs(view->comparison().rows.at(1).ratio - 1 / before) < 1e-9);
    }

    void exportThenImportAddsARow()
    {
        const RunResult original = older();
        const qint64 id = importRun(original);
        HistoryPanel panel(m_store.get());
        QSignalSpy changed(&panel, &HistoryPanel::runsChanged);

        // Export the stored run, then import the file: a second row with the same kernel and figures.
        const QString path = m_dir->filePath(QStringLiteral("run.json"));
        QCOMPARE(panel.exportRun(id, path).error(), QString());
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QJsonObject exported = QJsonDocument::fromJson(file.readAll()).object();
        QCOMPARE(exported.value(QStringLiteral("spec")).toObject().value(QStringLiteral("kernel")).toString(),
            QStringLiteral("fib"));
        QVERIFY(!panel.exportRun(id, m_dir->filePath(QStringLiteral("run.xml"))).error().isEmpty());

        // The HTML report: one well-formed file, titled with the run's name when it has one.
        QCOMPARE(panel.renameRun(id, QStringLiteral("classroom demo")).error(), QString());
        const QString htmlPath = m_dir->filePath(QStringLiteral("run.html"));
        QCOMPARE(panel.exportRun(id, htmlPath).error(), QString());
        QFile html(htmlPath);
        QVERIFY(html.open(QIODevice::ReadOnly));
        QXmlStreamReader xhtml(&html);
        QString title;
        while (!xhtml.atEnd()) {
            if (xhtml.readNext() == QXmlStreamReader::StartElement && xhtml.name() == QLatin1String("title")
                && title.isEmpty())
                title = xhtml.readElementText();
        }
        QVERIFY2(!xhtml.hasError(), qPrintable(xhtml.errorString()));
        QVERIFY2(title.startsWith(QStringLiteral("classroom demo")), qPrintable(title));

        // And a file written by JsonExport directly, as `parlab run --export-json` does.
        const QString direct = m_dir->filePath(QStringLiteral("primes.json"));
        QFile out(direct);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(JsonExport::toJson(primes()));
        out.close();

        const Result<qint64> importedRun = panel.importFile(path);
        QCOMPARE(importedRun.error(), QString());
        const qint64 imported = *importedRun;
        QVERIFY(imported > 0 && imported != id);
        QCOMPARE(panel.model()->rowCount(), 2);
        QCOMPARE(cell(panel, imported, HistoryModel::Kernel), QStringLiteral("fib"));
        QVERIFY(cell(panel, imported, HistoryModel::Name, Qt::ToolTipRole).contains(QStringLiteral("run.json")));
        QCOMPARE(panel.model()
                     ->index(rowOf(panel, imported), HistoryModel::BestSpeedup)
                     .data(HistoryModel::SortRole)
                     .toDouble(),
            panel.model()->index(rowOf(panel, id), HistoryModel::BestSpeedup).data(HistoryModel::SortRole).toDouble());

        panel.importFiles({ direct });
        QCOMPARE(panel.model()->rowCount(), 3);
        const QList<qint64> selected = panel.selectedRunIds();
        QCOMPARE(selected.size(), 1);
        QCOMPARE(cell(panel, selected.constFirst(), HistoryModel::Kernel), QStringLiteral("primes"));
        QVERIFY(changed.count() >= 2);
        QCOMPARE(m_store->runs().value_or({}).size(), 3);
    }

    void badJsonNamesTheFileAndTheField()
    {
        importRun(older());
        HistoryPanel panel(m_store.get());
        QJsonObject json = QJsonDocument::fromJson(JsonExport::toJson(newer())).object();
        QJsonArray results = json.value(QStringLiteral("results")).toArray();
        QJsonObject second = results.at(1).toObject();
        second.insert(QStringLiteral("samples_s"), QStringLiteral("fast"));
        results.replace(1, second);
        json.insert(QStringLiteral("results"), results);
        const QString path = m_dir->filePath(QStringLiteral("broken-export.json"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QJsonDocument(json).toJson());
        file.close();

        const Result<qint64> refused = panel.importFile(path);
        QVERIFY(!refused);
        const QString error = refused.error();
        QVERIFY2(error.contains(QStringLiteral("broken-export.json")), qPrintable(error));
        QVERIFY2(error.contains(QStringLiteral("samples_s")), qPrintable(error));
        QCOMPARE(error.count(QStringLiteral("broken-export.json")), 1);
        QCOMPARE(panel.model()->rowCount(), 1);

        // Through the dialog path: one message box naming the file and the field; nothing imported.
        auto shown = std::make_shared<QString>();
        answerMessageBox(QMessageBox::Ok, shown);
        const QString missing = m_dir->filePath(QStringLiteral("not-there.json"));
        panel.importFiles({ path, missing });
        QVERIFY2(shown->contains(QStringLiteral("broken-export.json")) && shown->contains(QStringLiteral("samples_s")),
            qPrintable(*shown));
        QVERIFY2(shown->contains(QStringLiteral("not-there.json")), qPrintable(*shown));
        QCOMPARE(m_store->runs().value_or({}).size(), 1);
    }

    void closedStoreDisablesActionsAndSaysWhy()
    {
        // A history that cannot be created: a folder inside a regular file.
        const QString blocker = m_dir->filePath(QStringLiteral("not-a-folder"));
        QFile file(blocker);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.close();
        HistoryStore closed;
        const QString reason = closed.open(blocker + QStringLiteral("/history.sqlite")).error();
        QVERIFY(!reason.isEmpty());
        QVERIFY(!closed.isOpen());

        HistoryPanel panel(&closed);
        panel.setWarning(reason);
        QCOMPARE(panel.model()->rowCount(), 0);
        for (QAction* action : { panel.openAction(), panel.compareAction(), panel.renameAction(), panel.noteAction(),
                 panel.deleteAction(), panel.exportAction(), panel.importAction(), panel.refreshAction() })
            QVERIFY2(!action->isEnabled(), qPrintable(action->objectName()));
        QVERIFY(!panel.view()->isEnabled());
        QVERIFY2(panel.statusLabel()->text().contains(reason), qPrintable(panel.statusLabel()->text()));
        QVERIFY(panel.statusLabel()->text().contains(QStringLiteral("not available")));
        QCOMPARE(panel.importFile(m_dir->filePath(QStringLiteral("x.json"))).error(),
            QStringLiteral("Cannot import %1: run history is not available")
                .arg(QDir::toNativeSeparators(m_dir->filePath(QStringLiteral("x.json")))));
        // Every operation fails with a message naming the run, not silently.
        QCOMPARE(panel.compareRuns(7, 8).error(), QStringLiteral("Cannot compare runs: run history is not available"));
        const Result<void> renamed = panel.renameRun(7, QStringLiteral("x"));
        QVERIFY2(!renamed && renamed.error().startsWith(QStringLiteral("Cannot rename run #7: ")),
            qPrintable(renamed.error()));
        const Result<void> noted = panel.setRunNote(7, QStringLiteral("x"));
        QVERIFY2(!noted && noted.error().startsWith(QStringLiteral("Cannot save the note of run #7: ")),
            qPrintable(noted.error()));
        const Result<void> deleted = panel.deleteRuns({ 7, 8 });
        QVERIFY(!deleted);
        QVERIFY2(deleted.error().startsWith(QStringLiteral("Cannot delete run #7: "))
                && deleted.error().contains(QStringLiteral("\nCannot delete run #8: ")),
            qPrintable(deleted.error()));

        // Without being told, the panel still says history is unavailable.
        HistoryPanel untold(&closed);
        QVERIFY(untold.statusLabel()->text().contains(QStringLiteral("not available")));
    }

    void noticeAfterACorruptFileIsShown()
    {
        m_store->close();
        // A run history whose pages were scribbled over (its header, with ParLab's schema version, intact).
        const QString path = m_dir->filePath(QStringLiteral("damaged.sqlite"));
        {
            HistoryStore filled;
            QCOMPARE(filled.open(path).error(), QString());
            for (int i = 0; i < 20; ++i)
                QVERIFY(filled.importResult(makeResult(
                    QStringLiteral("spin"), { QStringLiteral("threads") }, 1.0, QDateTime::currentDateTime())));
        }
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadWrite));
        file.seek(4096);
        file.write(QByteArray(file.size() - 4096, 'x'));
        file.close();
        HistoryStore store;
        QCOMPARE(store.open(path).error(), QString());
        QVERIFY(!store.notice().isEmpty());
        HistoryPanel panel(&store);
        QVERIFY2(panel.statusLabel()->text().contains(store.notice()), qPrintable(panel.statusLabel()->text()));
        QVERIFY(panel.statusLabel()->text().contains(QStringLiteral("0 runs")));
        QVERIFY(panel.importAction()->isEnabled());
    }
};

int main(int argc, char** argv)
{
    if (argc == 3 && qstrcmp(argv[1], "--record-and-die") == 0) {
        QCoreApplication app(argc, argv);
        return recordAndDie(QString::fromLocal8Bit(argv[2]));
    }
    QApplication app(argc, argv);
    TestHistoryPanel test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "tst_historypanel.moc"
