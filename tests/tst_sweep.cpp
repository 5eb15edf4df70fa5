// The task-size sweep: where a speedup crosses a threshold along log size, the sizes a user types, a sweep run end
// to end through `parlab run --sweep` (its table, JSON, HTML and the history's runs named after it).

#include "export/htmlreport.h"
#include "export/sweepreport.h"
#include "history/historystore.h"
#include "sweep.h"
#include "testsupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>
#include <QXmlStreamReader>
#include <cmath>

using namespace parlab;
using testsupport::runParlab;

class TestSweep final : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void crossing_data();
    void crossing();
    void sizes();
    void sizeFormat();
    void refusedBeforeAnythingRuns();
    void sweepFromTheCommandLine();
};

void TestSweep::crossing_data()
{
    QTest::addColumn<QList<double>>("values");
    QTest::addColumn<int>("where");
    QTest::addColumn<double>("ms"); // for At

    // Sizes 0.01, 0.1, 1, 10: a speedup of 0.5 at 0.1 ms and 2 at 1 ms crosses 1 half-way in log size and log speedup.
    QTest::newRow("between") << QList<double> { 0.2, 0.5, 2.0, 2.0 } << int(Crossing::Where::At) << std::sqrt(0.1);
    QTest::newRow("exactly at a size") << QList<double> { 0.2, 0.5, 1.0, 2.0 } << int(Crossing::Where::At) << 1.0;
    QTest::newRow("above from the start")
        << QList<double> { 1.5, 1.8, 2.0, 2.0 } << int(Crossing::Where::BelowSmallest) << 0.0;
    QTest::newRow("never") << QList<double> { 0.1, 0.3, 0.6, 0.9 } << int(Crossing::Where::NotReached) << 0.0;
    // Noise that dips under 1 after a first crossing: the size from which it stays above.
    QTest::newRow("dips back") << QList<double> { 0.5, 1.2, 0.8, 2.0 } << int(Crossing::Where::At)
                               << std::exp(std::log(1.0)
                                      + (0 - std::log(0.8)) / (std::log(2.0) - std::log(0.8)) * std::log(10.0));
    QTest::newRow("unknown skipped") << QList<double> { 0.5, kUnknown, 2.0, 2.0 } << int(Crossing::Where::At)
                                     << std::exp(std::log(0.01) + 0.5 * (std::log(1.0) - std::log(0.01)));
    QTest::newRow("nothing known") << QList<double> { kUnknown, kUnknown, kUnknown, kUnknown }
                                   << int(Crossing::Where::Unknown) << 0.0;
}

void TestSweep::crossing()
{
    QFETCH(QList<double>, values);
    QFETCH(int, where);
    QFETCH(double, ms);
    const Crossing c = findCrossing({ 0.01, 0.1, 1, 10 }, values, 1.0);
    QCOMPARE(int(c.where), where);
    if (c.where == Crossing::Where::At)
        QVERIFY2(std::abs(c.ms / ms - 1) < 1e-9, qPrintable(QStringLiteral("%1 != %2").arg(c.ms).arg(ms)));
}

void TestSweep::sizes()
{
    const Result<QList<double>> parsed
        = parseSweepSizes(QStringLiteral("10, 0.01,100,0.1,1,10"), QStringLiteral("--sweep"));
    QVERIFY2(parsed, qPrintable(parsed.error()));
    QCOMPARE(*parsed, (QList<double> { 0.01, 0.1, 1, 10, 100 }));
    for (const QString& bad : { QStringLiteral("1,x"), QStringLiteral("1,0"), QStringLiteral("-1"),
             QStringLiteral("1,,2"), QStringLiteral("inf") }) {
        const Result<QList<double>> refused = parseSweepSizes(bad, QStringLiteral("--sweep"));
        QVERIFY2(!refused, qPrintable(bad));
        QVERIFY2(refused.error().startsWith(QStringLiteral("--sweep: '")), qPrintable(refused.error()));
        QVERIFY2(refused.error().contains(QStringLiteral("not a positive number of milliseconds")),
            qPrintable(refused.error()));
    }
}

void TestSweep::sizeFormat()
{
    QCOMPARE(formatSize(0.01), QStringLiteral("0.01"));
    QCOMPARE(formatSize(0.35), QStringLiteral("0.35"));
    QCOMPARE(formatSize(2.5), QStringLiteral("2.5"));
    QCOMPARE(formatSize(100), QStringLiteral("100"));
    QCOMPARE(formatSize(0.0123456), QStringLiteral("0.01235"));
    QCOMPARE(formatSize(1500), QStringLiteral("1500"));
}

void TestSweep::refusedBeforeAnythingRuns()
{
    struct Case {
        QStringList arguments;
        QString message;
    };
    const QList<Case> cases {
        { { QStringLiteral("--kernel"), QStringLiteral("fib"), QStringLiteral("--sweep"), QStringLiteral("1,2") },
            QStringLiteral("--sweep: fib has no task-size rule: its input is not a duration (kernels with one: sleep, "
                           "spin, spin-us)") },
        { { QStringLiteral("--kernel"), QStringLiteral("sleep"), QStringLiteral("--sweep"), QStringLiteral("1,0.5") },
            QStringLiteral("--sweep 0.5 ms: sleep counts whole milliseconds") },
        { { QStringLiteral("--kernel"), QStringLiteral("spin"), QStringLiteral("--sweep"), QStringLiteral("1"),
              QStringLiteral("--inputs"), QStringLiteral("5") },
            QStringLiteral("leave out --inputs") },
        { { QStringLiteral("--kernel"), QStringLiteral("spin"), QStringLiteral("--inputs"), QStringLiteral("5"),
              QStringLiteral("--tasks"), QStringLiteral("5") },
            QStringLiteral("--tasks is the task count of a --sweep") },
        { { QStringLiteral("--kernel"), QStringLiteral("spin"), QStringLiteral("--sweep"), QStringLiteral("1"),
              QStringLiteral("--export-csv"), QStringLiteral("x.csv") },
            QStringLiteral("--export-csv is not written for a sweep") },
    };
    for (const Case& c : cases) {
        const auto r = runParlab(QStringList { QStringLiteral("run"), QStringLiteral("--no-history") } + c.arguments);
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(c.message), qPrintable(r.err));
    }
}

void TestSweep::sweepFromTheCommandLine()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString db = dir.filePath(QStringLiteral("history.sqlite"));
    const QString json = dir.filePath(QStringLiteral("sweep.json"));
    const QString html = dir.filePath(QStringLiteral("sweep.html"));
    // Threads break even between 10 µs and 5 ms tasks on any machine with two cores; process-per-task, which starts
    // a program per task, cannot at 10 µs.
    const auto r = runParlab(
        { QStringLiteral("run"), QStringLiteral("--kernel"), QStringLiteral("spin"), QStringLiteral("--sweep"),
            QStringLiteral("0.01,5"), QStringLiteral("--tasks"), QStringLiteral("8"), QStringLiteral("--backends"),
            QStringLiteral("sequential,threads,process-per-task"), QStringLiteral("--workers"), QStringLiteral("1,2"),
            QStringLiteral("--repeat"), QStringLiteral("3"), QStringLiteral("--history-db"), db,
            QStringLiteral("--export-json"), json, QStringLiteral("--export-html"), html },
        120'000);
    QVERIFY2(r.code == 0, qPrintable(r.err));
    // The table: a row per backend x workers, a column per size, the crossings last.
    QVERIFY2(r.out.contains(QStringLiteral("spin-us, 8 tasks of 0.01, 5 ms each")), qPrintable(r.out));
    for (const QString& column : { QStringLiteral("0.01 ms"), QStringLiteral("5 ms"), QStringLiteral("break-even"),
             QStringLiteral("90% of ideal") })
        QVERIFY2(r.out.contains(column), qPrintable(r.out));
    QVERIFY2(r.out.contains(QStringLiteral("process-per-task")), qPrintable(r.out));

    QFile file(json);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QJsonObject sweep
        = QJsonDocument::fromJson(file.readAll()).object().value(QStringLiteral("sweep")).toObject();
    QCOMPARE(sweep.value(QStringLiteral("tasks")).toInt(), 8);
    QCOMPARE(sweep.value(QStringLiteral("sizes_ms")).toArray().size(), 2);
    const QJsonArray series = sweep.value(QStringLiteral("series")).toArray();
    QCOMPARE(series.size(), 4); // threads and process-per-task, at 1 and 2 workers; sequential is the yardstick
    bool sawProcessPerTask = false;
    for (const QJsonValue& value : series) {
        const QJsonObject s = value.toObject();
        const QJsonArray speedup = s.value(QStringLiteral("speedup")).toArray();
        QCOMPARE(speedup.size(), 2);
        if (s.value(QStringLiteral("backend")).toString() == QStringLiteral("process-per-task")) {
            sawProcessPerTask = true;
            QVERIFY2(speedup[0].toDouble() < 0.5, "a process start per 10 µs task");
            // One worker starting a process per task never beats sequential: it does the same work and more.
            if (s.value(QStringLiteral("workers")).toInt() == 1)
                QCOMPARE(s.value(QStringLiteral("break_even_ms")).toString(), QStringLiteral("not_reached"));
        }
    }
    QVERIFY(sawProcessPerTask);
    const QJsonArray runs = sweep.value(QStringLiteral("runs")).toArray();
    QCOMPARE(runs.size(), 2);
    QCOMPARE(runs[0]
                 .toObject()
                 .value(QStringLiteral("result"))
                 .toObject()
                 .value(QStringLiteral("spec"))
                 .toObject()
                 .value(QStringLiteral("kernel"))
                 .toString(),
        QStringLiteral("spin-us"));

    // Each size is a run in the history like any other, named after the sweep so its runs are found together.
    HistoryStore store;
    QVERIFY(store.open(db, HistoryStore::Access::ReadOnly));
    const auto stored = store.runs();
    QVERIFY(stored);
    QCOMPARE(stored->size(), 2);
    const QString tag = sweep.value(QStringLiteral("tag")).toString();
    QVERIFY2(tag.startsWith(QStringLiteral("sweep ")), qPrintable(tag));
    for (const RunSummary& run : *stored) {
        QVERIFY2(run.name.startsWith(tag), qPrintable(run.name));
        QCOMPARE(run.status, RunStatus::Finished);
        QCOMPARE(run.inputs.contains(QStringLiteral("x8")), true);
    }
    QVERIFY2(r.err.contains(tag), qPrintable(r.err));

    // The report: well-formed, with the sweep's chart and each size's table.
    QFile report(html);
    QVERIFY(report.open(QIODevice::ReadOnly));
    const QByteArray page = report.readAll();
    QXmlStreamReader xml(page);
    while (!xml.atEnd())
        xml.readNext();
    QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
    QVERIFY(page.contains("Speedup against task size"));
    QVERIFY(page.contains("0.01 ms per task"));
    QVERIFY(page.contains("task size (ms, log scale)"));
}

QTEST_GUILESS_MAIN(TestSweep)
#include "tst_sweep.moc"
