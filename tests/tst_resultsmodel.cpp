// The results table as a user sees it: rows appear as measurements land without the table resetting, figures
// are formatted for reading but sort as numbers, and every change is a well-formed model signal.

#include "export/formatting.h"
#include "measurement.h"
#include "models/resultsmodel.h"
#include "runresult.h"
#include "stats/analysis.h"
#include "testsupport.h"
#include "unknown.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTest>
#include <cmath>

using namespace parlab;

namespace {
using testsupport::measurement;

RunResult baseResult()
{
    RunResult r;
    r.spec.kernel = QStringLiteral("spin");
    r.spec.inputs = { 100, 200, 300 };
    r.spec.backends = { QStringLiteral("sequential"), QStringLiteral("threads") };
    r.spec.workers = { 1, 2, 4 };
    r.spec.repeats = 3;
    r.bounds.taskCostsS = { 0.1, 0.2, 0.3 };
    return r;
}

// The run as it streams in: the first `count` of sequential, threads x1, x2, x4.
RunResult streamed(int count)
{
    RunResult r = baseResult();
    const QList<Measurement> all {
        measurement(QStringLiteral("sequential"), 1, { 0.60, 0.61, 0.59 }),
        measurement(QStringLiteral("threads"), 1, { 0.60, 0.62, 0.61 }),
        measurement(QStringLiteral("threads"), 2, { 0.33, 0.31, 0.32 }),
        measurement(QStringLiteral("threads"), 4, { 0.31, 0.30, 0.32 }),
    };
    r.measurements = all.mid(0, count);
    analyse(r);
    return r;
}

int rowOf(const ResultsModel& model, const QString& backend, int workers)
{
    for (int row = 0; row < model.rowCount(); ++row) {
        const Measurement* m = model.measurementAt(row);
        if (m->backend == backend && m->workers == workers)
            return row;
    }
    return -1;
}
} // namespace

class TestResultsModel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void growingRunAppendsRowsWithoutReset();
    void sameRunUpdatesRowsInPlace();
    void reorderedMeasurementsKeepTheirRows();
    void vanishedMeasurementsAreRemoved();
    void measurementsWithoutSamplesAreHidden();
    void newRunAfterClearResets();
    void clearEmptiesTheTable();
    void sortRoleGivesRawNumbers();
    void displayStringsAreFormatted();
    void speedupToolTipShowsTheInterval();
    void numbersAreRightAligned();
    void headersNameTheColumns();
    void everyColumnHasHeaderToolTipAndValue();
    void everyColumnSortsByItsValue();
    void unknownPeakSaysWhy();
    void proxySortsSpeedupNumerically();
};

void TestResultsModel::growingRunAppendsRowsWithoutReset()
{
    ResultsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);

    for (int count = 1; count <= 4; ++count) {
        model.setResult(streamed(count));
        QCOMPARE(model.rowCount(), count);
        QCOMPARE(inserted.size(), count);
        QCOMPARE(inserted.last().at(1).toInt(), count - 1);
        QCOMPARE(inserted.last().at(2).toInt(), count - 1);
    }
    QCOMPARE(reset.size(), 0);
    QCOMPARE(removed.size(), 0);
    QCOMPARE(model.columnCount(), int(ResultsModel::ColumnCount));
    QCOMPARE(model.measurementAt(3)->workers, 4);
    QVERIFY(!model.measurementAt(4));
    QVERIFY(!model.measurementAt(-1));
}

void TestResultsModel::sameRunUpdatesRowsInPlace()
{
    ResultsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    model.setResult(streamed(3));
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);

    // Nothing new: no signal at all, so a 30 Hz refresh of an unchanged run costs the views nothing.
    model.setResult(streamed(3));
    QCOMPARE(changed.size(), 0);

    // One more sample of threads x2 changes that row (and only that row).
    RunResult more = streamed(3);
    more.measurements[2].samplesS.append(0.20);
    more.measurements[2].cpuS.append(0.40);
    analyse(more);
    model.setResult(more);
    QCOMPARE(inserted.size(), 0);
    QCOMPARE(reset.size(), 0);
    QCOMPARE(changed.size(), 1);
    const QModelIndex topLeft = changed.first().at(0).value<QModelIndex>();
    const QModelIndex bottomRight = changed.first().at(1).value<QModelIndex>();
    QCOMPARE(topLeft.row(), 2);
    QCOMPARE(bottomRight.row(), 2);
    QCOMPARE(bottomRight.column(), ResultsModel::ColumnCount - 1);
    QCOMPARE(model.index(2, ResultsModel::Samples).data(ResultsModel::SortRole).toInt(), 4);
    QCOMPARE(
        model.index(2, ResultsModel::Median).data(ResultsModel::SortRole).toDouble(), more.measurements[2].wall.median);
}

void TestResultsModel::reorderedMeasurementsKeepTheirRows()
{
    ResultsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    model.setResult(streamed(4));
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy moved(&model, &QAbstractItemModel::rowsMoved);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);

    RunResult reordered = streamed(4);
    std::reverse(reordered.measurements.begin(), reordered.measurements.end());
    model.setResult(reordered);
    QCOMPARE(model.rowCount(), 4);
    QCOMPARE(inserted.size() + removed.size() + moved.size() + reset.size(), 0);
    QCOMPARE(rowOf(model, QStringLiteral("sequential"), 1), 0);
    QCOMPARE(rowOf(model, QStringLiteral("threads"), 4), 3);
}

void TestResultsModel::vanishedMeasurementsAreRemoved()
{
    ResultsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    model.setResult(streamed(4));
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);

    RunResult fewer = streamed(4);
    fewer.measurements.removeAt(2); // threads x2
    fewer.measurements.removeAt(0); // sequential
    analyse(fewer);
    model.setResult(fewer);
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(removed.size(), 2);
    QCOMPARE(rowOf(model, QStringLiteral("threads"), 1), 0);
    QCOMPARE(rowOf(model, QStringLiteral("threads"), 4), 1);
    QCOMPARE(rowOf(model, QStringLiteral("sequential"), 1), -1);
}

void TestResultsModel::measurementsWithoutSamplesAreHidden()
{
    ResultsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    RunResult r = streamed(2);
    Measurement failed = measurement(QStringLiteral("threads"), 2, {});
    failed.failedRuns = 3;
    failed.lastError = QStringLiteral("spin: input 300 failed");
    r.measurements.append(failed);
    model.setResult(r);
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(rowOf(model, QStringLiteral("threads"), 2), -1);
}

void TestResultsModel::newRunAfterClearResets()
{
    // The window clears the table when another run starts (a new run, or one opened from the history).
    ResultsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    model.setResult(streamed(4));
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    model.clear();
    model.setResult(streamed(1));
    QCOMPARE(reset.size(), 1);
    QCOMPARE(model.rowCount(), 1);
    // And the new run then streams in with inserts again.
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    model.setResult(streamed(2));
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(reset.size(), 1);
}

void TestResultsModel::clearEmptiesTheTable()
{
    ResultsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    model.setResult(streamed(4));
    model.clear();
    QCOMPARE(model.rowCount(), 0);
    QVERIFY(!model.measurementAt(0));
    model.clear();
    model.setResult(streamed(2));
    QCOMPARE(model.rowCount(), 2);
}

void TestResultsModel::sortRoleGivesRawNumbers()
{
    ResultsModel model;
    const RunResult r = streamed(3);
    model.setResult(r);
    const Measurement& two = r.measurements.at(2);
    auto raw = [&](int column) { return model.index(2, column).data(ResultsModel::SortRole); };
    QCOMPARE(raw(ResultsModel::Backend).toString(), QStringLiteral("threads"));
    QCOMPARE(raw(ResultsModel::Workers).typeId(), QMetaType::Int);
    QCOMPARE(raw(ResultsModel::Workers).toInt(), 2);
    QCOMPARE(raw(ResultsModel::Median).typeId(), QMetaType::Double);
    QCOMPARE(raw(ResultsModel::Median).toDouble(), two.wall.median);
    QCOMPARE(raw(ResultsModel::StdDev).toDouble(), two.wall.stddev);
    QCOMPARE(raw(ResultsModel::Min).toDouble(), 0.31);
    QCOMPARE(raw(ResultsModel::Max).toDouble(), 0.33);
    QCOMPARE(raw(ResultsModel::Cpu).toDouble(), two.cpuMedianS);
    QCOMPARE(raw(ResultsModel::Speedup).toDouble(), two.speedup);
    QCOMPARE(raw(ResultsModel::SpeedupLow).toDouble(), two.speedupLow);
    QCOMPARE(raw(ResultsModel::SpeedupHigh).toDouble(), two.speedupHigh);
    QCOMPARE(raw(ResultsModel::Efficiency).toDouble(), two.efficiency);
    QCOMPARE(raw(ResultsModel::LptBound).toDouble(), r.bounds.lpt.value(2));
    QCOMPARE(raw(ResultsModel::Samples).toInt(), 3);

    // Unknown figures are no number at all, not NaN and not zero.
    RunResult unknown = r;
    unknown.measurements[2].speedup = kUnknown;
    unknown.measurements[2].speedupLow = kUnknown;
    unknown.measurements[2].speedupHigh = kUnknown;
    model.setResult(unknown);
    QVERIFY(!raw(ResultsModel::Speedup).isValid());
    QVERIFY(!raw(ResultsModel::SpeedupHigh).isValid());
    QCOMPARE(model.index(2, ResultsModel::Speedup).data().toString(), QStringLiteral("–"));
}

void TestResultsModel::displayStringsAreFormatted()
{
    ResultsModel model;
    RunResult r = baseResult();
    Measurement m = measurement(QStringLiteral("threads"), 2, { 0.5, 0.55, 0.6 });
    m.wall.median = 0.55;
    m.wall.stddev = 0.05;
    m.wall.min = 0.5;
    m.wall.max = 0.6;
    m.cpuMedianS = 1.1;
    m.speedup = 1.8666;
    m.speedupLow = 1.8;
    m.speedupHigh = 1.95;
    m.efficiency = 0.9333;
    r.measurements = { m };
    r.bounds.lpt = { { 2, 1.6667 } };
    model.setResult(r);
    auto text = [&](int column) { return model.index(0, column).data().toString(); };
    QCOMPARE(text(ResultsModel::Backend), QStringLiteral("threads"));
    QCOMPARE(text(ResultsModel::Workers), QStringLiteral("2"));
    QCOMPARE(text(ResultsModel::Median), QStringLiteral("550.0 ms"));
    QCOMPARE(text(ResultsModel::StdDev), QStringLiteral("50.00 ms"));
    QCOMPARE(text(ResultsModel::Min), Format::duration(0.5));
    QCOMPARE(text(ResultsModel::Cpu), QStringLiteral("1.100 s"));
    QCOMPARE(text(ResultsModel::Speedup), QStringLiteral("1.87x"));
    QCOMPARE(text(ResultsModel::SpeedupLow), QStringLiteral("1.80x"));
    QCOMPARE(text(ResultsModel::SpeedupHigh), QStringLiteral("1.95x"));
    QCOMPARE(text(ResultsModel::Efficiency), QStringLiteral("93%"));
    QCOMPARE(text(ResultsModel::LptBound), QStringLiteral("1.67x"));
    QCOMPARE(text(ResultsModel::Samples), QStringLiteral("3"));

    r.measurements[0].failedRuns = 1;
    r.measurements[0].lastError = QStringLiteral("spin: input 300 timed out");
    model.setResult(r);
    QCOMPARE(text(ResultsModel::Samples), QStringLiteral("3 (1 failed)"));
    QVERIFY(model.index(0, ResultsModel::Samples)
                .data(Qt::ToolTipRole)
                .toString()
                .contains(QStringLiteral("spin: input 300 timed out")));
}

void TestResultsModel::speedupToolTipShowsTheInterval()
{
    ResultsModel model;
    const RunResult r = streamed(3);
    model.setResult(r);
    const Measurement& two = r.measurements.at(2);
    const QString tip = model.index(2, ResultsModel::Speedup).data(Qt::ToolTipRole).toString();
    QVERIFY2(tip.contains(QStringLiteral("95%")), qPrintable(tip));
    QVERIFY2(tip.contains(Format::ratio(two.speedupLow) + QLatin1Char('x')), qPrintable(tip));
    QVERIFY2(tip.contains(Format::ratio(two.speedupHigh) + QLatin1Char('x')), qPrintable(tip));
}

void TestResultsModel::numbersAreRightAligned()
{
    ResultsModel model;
    model.setResult(streamed(2));
    for (int column = 0; column < ResultsModel::ColumnCount; ++column) {
        const auto alignment = Qt::Alignment(model.index(0, column).data(Qt::TextAlignmentRole).toInt());
        QCOMPARE(bool(alignment & Qt::AlignRight), column != ResultsModel::Backend);
    }
}

void TestResultsModel::headersNameTheColumns()
{
    ResultsModel model;
    QStringList headers;
    for (int column = 0; column < ResultsModel::ColumnCount; ++column)
        headers.append(model.headerData(column, Qt::Horizontal).toString());
    QCOMPARE(headers.removeDuplicates(), 0);
    QVERIFY(!headers.contains(QString()));
    // Short, so that the memory columns fit beside the figures: the cells carry the units ("1.87x", "93%").
    QCOMPARE(model.headerData(ResultsModel::Speedup, Qt::Horizontal).toString(), QStringLiteral("Speedup"));
    QCOMPARE(model.headerData(ResultsModel::Efficiency, Qt::Horizontal).toString(), QStringLiteral("Efficiency"));
}

void TestResultsModel::everyColumnHasHeaderToolTipAndValue()
{
    // A fully measured row (threads x4 of a streamed run: samples, CPU time, speedup with its interval, bound).
    RunResult r = streamed(4);
    r.measurements[3].losses.useful = 0.8;
    r.measurements[3].losses.imbalance = 0.125;
    r.measurements[3].losses.unexplained = 0.075;
    r.measurements[3].usage = { { 300 << 20, { { 0, 42, -1, 5, 2 }, { 1, 42, -1, 7, 1, 200 << 20 } } } };
    r.measurements[3].peakRssBytes = 300 << 20;
    r.measurements[3].voluntarySwitches = 12;
    r.measurements[3].involuntarySwitches = 3;
    ResultsModel model;
    model.setResult(r);
    const int row = rowOf(model, QStringLiteral("threads"), 4);
    QVERIFY(row >= 0);
    QCOMPARE(model.index(row, ResultsModel::PeakRss).data().toString(), QStringLiteral("300 MiB"));
    const QString memoryTip = model.index(row, ResultsModel::PeakRss).data(Qt::ToolTipRole).toString();
    QVERIFY2(memoryTip.contains(QStringLiteral("worker 1 (pid 42); the programs its tasks ran: up to 200 MiB; context "
                                               "switches 7 voluntary")),
        qPrintable(memoryTip));
    QCOMPARE(model.index(row, ResultsModel::Switches).data().toString(), QStringLiteral("12/3"));
    QCOMPARE(model.index(row, ResultsModel::Switches).data(ResultsModel::SortRole).toDouble(), 15.0);
    QCOMPARE(model.index(row, ResultsModel::Switches).data(Qt::ToolTipRole).toString(), memoryTip);
    for (int column = 0; column < ResultsModel::ColumnCount; ++column) {
        const QString header = model.headerData(column, Qt::Horizontal).toString();
        QVERIFY2(!header.isEmpty(), qPrintable(QStringLiteral("column %1 has no header").arg(column)));
        const QString tip = model.headerData(column, Qt::Horizontal, Qt::ToolTipRole).toString();
        QVERIFY2(!tip.isEmpty(), qPrintable(header + QStringLiteral(": no tooltip")));
        const QString text = model.index(row, column).data().toString();
        QVERIFY2(!text.isEmpty() && text != QStringLiteral("–"), qPrintable(header + QStringLiteral(": ") + text));
        const QVariant raw = model.index(row, column).data(ResultsModel::SortRole);
        QVERIFY2(raw.isValid(), qPrintable(header + QStringLiteral(": no sort value")));
        // Numbers sort as numbers: only the backend is text.
        QCOMPARE(raw.typeId() == QMetaType::QString, column == ResultsModel::Backend);
    }
    QCOMPARE(model.index(row, ResultsModel::Lost).data().toString(), Format::percent(0.2));
    // Where it went, in the cell's tooltip: the summary line, then every part with its meaning.
    const QString where = model.index(row, ResultsModel::Lost).data(Qt::ToolTipRole).toString();
    QVERIFY2(where.startsWith(QStringLiteral("lost 20%: imbalance 13%, unexplained 8%")), qPrintable(where));
    QVERIFY2(where.contains(QStringLiteral("waiting for a core: –")), qPrintable(where));
}

void TestResultsModel::unknownPeakSaysWhy()
{
    // A "–" in the memory columns comes with the reason the report's notes give (ResourceUsage::whyUnknown).
    RunResult r = streamed(2);
    r.measurements[1].usage = { RepeatUsage { .whyUnknown = QStringLiteral("rank 1 @ node-b ran elsewhere") } };
    ResultsModel model;
    model.setResult(r);
    const int row = rowOf(model, r.measurements[1].backend, r.measurements[1].workers);
    QVERIFY(row >= 0);
    QCOMPARE(model.index(row, ResultsModel::PeakRss).data().toString(), QStringLiteral("–"));
    QCOMPARE(model.index(row, ResultsModel::Switches).data().toString(), QStringLiteral("–"));
    for (const int column : { ResultsModel::PeakRss, ResultsModel::Switches }) {
        const QString tip = model.index(row, column).data(Qt::ToolTipRole).toString();
        QCOMPARE(tip, QStringLiteral("Peak memory not known: rank 1 @ node-b ran elsewhere"));
    }
    const QString old = model.index(0, ResultsModel::PeakRss).data(Qt::ToolTipRole).toString();
    QVERIFY2(old.startsWith(QStringLiteral("Peak memory not known: recorded before")), qPrintable(old));
}

void TestResultsModel::everyColumnSortsByItsValue()
{
    // Rows whose figures differ in every column, in an order that no column's sort keeps.
    RunResult r = baseResult();
    r.bounds.lpt = { { 1, 1.0 }, { 2, 1.9 }, { 3, 2.7 }, { 4, 3.4 } };
    const QList<int> workers { 3, 1, 4, 2 };
    const QStringList backends { QStringLiteral("threads"), QStringLiteral("processes"), QStringLiteral("mpi"),
        QStringLiteral("qtconcurrent") };
    for (int i = 0; i < workers.size(); ++i) {
        QList<double> samples;
        for (int s = 0; s <= (i * 3) % 4; ++s)
            samples.append(0.1 * (i + 1) + 0.01 * s);
        Measurement m = measurement(backends.at(i), workers.at(i), samples);
        m.wall.median = 0.1 * ((i * 3) % 4 + 1);
        m.wall.stddev = 0.01 * ((i + 2) % 4 + 1);
        m.wall.min = 0.05 * ((i + 1) % 4 + 1);
        m.wall.max = 0.2 * ((i * 3 + 1) % 4 + 1);
        m.cpuMedianS = 0.3 * ((i + 3) % 4 + 1);
        m.speedup = 1.5 * ((i + 1) % 4 + 1);
        m.speedupLow = m.speedup - 0.1 * (i + 1);
        m.speedupHigh = m.speedup + 0.1 * (4 - i);
        m.efficiency = 0.2 * ((i + 2) % 4 + 1);
        m.losses.useful = 1.0 - 0.05 * ((i * 3 + 2) % 4 + 1);
        m.peakRssBytes = double((i * 5 + 1) % 4 + 1) * (1 << 20);
        m.voluntarySwitches = 10.0 * ((i + 3) % 4 + 1);
        m.involuntarySwitches = 1;
        r.measurements.append(m);
    }
    ResultsModel model;
    model.setResult(r);
    QSortFilterProxyModel proxy;
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::Fatal);
    proxy.setSourceModel(&model);
    proxy.setSortRole(ResultsModel::SortRole);
    for (int column = 0; column < ResultsModel::ColumnCount; ++column) {
        const QString header = model.headerData(column, Qt::Horizontal).toString();
        for (const Qt::SortOrder order : { Qt::AscendingOrder, Qt::DescendingOrder }) {
            proxy.sort(column, order);
            QList<QVariant> values;
            for (int row = 0; row < proxy.rowCount(); ++row)
                values.append(proxy.index(row, column).data(ResultsModel::SortRole));
            for (int row = 1; row < values.size(); ++row) {
                const QVariant& a = values.at(row - 1);
                const QVariant& b = values.at(row);
                const bool inOrder = column == ResultsModel::Backend
                    ? (order == Qt::AscendingOrder ? a.toString() <= b.toString() : a.toString() >= b.toString())
                    : (order == Qt::AscendingOrder ? a.toDouble() <= b.toDouble() : a.toDouble() >= b.toDouble());
                QVERIFY2(inOrder,
                    qPrintable(
                        QStringLiteral("%1 sorted %2: %3 then %4")
                            .arg(header, order == Qt::AscendingOrder ? QStringLiteral("up") : QStringLiteral("down"),
                                a.toString(), b.toString())));
            }
            // The sort moved rows: the source order is not sorted by any column.
            QList<int> sourceRows;
            for (int row = 0; row < proxy.rowCount(); ++row)
                sourceRows.append(proxy.mapToSource(proxy.index(row, 0)).row());
            QVERIFY2(sourceRows != (QList<int> { 0, 1, 2, 3 }), qPrintable(header));
        }
    }
}

void TestResultsModel::proxySortsSpeedupNumerically()
{
    RunResult r = baseResult();
    // Text sorting would put "10.00x" before "2.00x" and "9.00x"; an unknown speedup must not land mid-list.
    const QList<double> speedups { 9.0, 10.0, 2.0, kUnknown, 100.0 };
    for (qsizetype i = 0; i < speedups.size(); ++i) {
        Measurement m = measurement(QStringLiteral("threads"), int(i + 1), { 1.0 });
        m.speedup = speedups.at(i);
        r.measurements.append(m);
    }
    ResultsModel model;
    model.setResult(r);
    QSortFilterProxyModel proxy;
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::Fatal);
    proxy.setSourceModel(&model);
    proxy.setSortRole(ResultsModel::SortRole);

    auto column = [&] {
        QStringList texts;
        for (int row = 0; row < proxy.rowCount(); ++row)
            texts.append(proxy.index(row, ResultsModel::Speedup).data().toString());
        return texts;
    };
    proxy.sort(ResultsModel::Speedup, Qt::AscendingOrder);
    QCOMPARE(column(),
        (QStringList { QStringLiteral("2.00x"), QStringLiteral("9.00x"), QStringLiteral("10.00x"),
            QStringLiteral("100.00x"), QStringLiteral("–") }));
    // QSortFilterProxyModel ranks an invalid value above every number, so descending puts it first.
    proxy.sort(ResultsModel::Speedup, Qt::DescendingOrder);
    QCOMPARE(column(),
        (QStringList { QStringLiteral("–"), QStringLiteral("100.00x"), QStringLiteral("10.00x"),
            QStringLiteral("9.00x"), QStringLiteral("2.00x") }));

    // Live updates through the sorted proxy keep it sorted and consistent (the tester checks every signal).
    r.measurements[2].speedup = 50.0;
    r.measurements.append(measurement(QStringLiteral("processes"), 2, { 0.5 }));
    r.measurements.last().speedup = 3.0;
    model.setResult(r);
    proxy.setDynamicSortFilter(true);
    QCOMPARE(column(),
        (QStringList { QStringLiteral("–"), QStringLiteral("100.00x"), QStringLiteral("50.00x"),
            QStringLiteral("10.00x"), QStringLiteral("9.00x"), QStringLiteral("3.00x") }));
}

QTEST_MAIN(TestResultsModel)
#include "tst_resultsmodel.moc"
