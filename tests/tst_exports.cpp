// The export formats a user opens elsewhere: JSON keys exactly as DESIGN.md documents them, CSV one row
// per sample, Markdown and the terminal table with the same rows.

#include "export/csvexport.h"
#include "export/jsonexport.h"
#include "export/texttable.h"
#include "results.h"
#include "stats/analysis.h"
#include "testsupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>
#include <cmath>

using namespace parlab;

namespace {
QStringList sortedKeys(const QJsonObject& object)
{
    QStringList keys = object.keys();
    keys.sort();
    return keys;
}

QStringList sorted(QStringList list)
{
    list.sort();
    return list;
}

// sequential median 1.0, threads x1 median 1.0, threads x2 median 0.55: speedups 1, 1, 1/0.55.
RunResult sampleResult()
{
    RunResult r;
    r.spec.kernel = QStringLiteral("fib");
    r.spec.inputs = { 20, 21 };
    r.spec.backends = { QStringLiteral("sequential"), QStringLiteral("threads") };
    r.spec.workers = { 1, 2 };
    r.spec.repeats = 3;
    r.spec.warmup = 1;
    r.environment.logicalCores = 2;
    r.environment.cpu = QStringLiteral("Test CPU, with a comma");
    r.environment.buildType = QStringLiteral("Release");
    r.created = QDateTime(QDate(2026, 11, 25), QTime(12, 0));
    r.measurements = {
        testsupport::measurement(QStringLiteral("sequential"), 1, { 1.0, 1.1, 0.9 }, 0x0123456789abcdefULL),
        testsupport::measurement(QStringLiteral("threads"), 1, { 1.0, 1.0, 1.0 }, 0x0123456789abcdefULL),
        testsupport::measurement(QStringLiteral("threads"), 2, { 0.5, 0.55, 0.6 }, 0x0123456789abcdefULL),
    };
    r.bounds.taskCostsS = { 0.4, 0.6 };
    r.referenceChecksum = 0x0123456789abcdefULL;
    analyse(r);
    return r;
}
} // namespace

class TestExports : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void analysisFigures();
    void jsonFollowsTheSchema();
    void jsonWritesNullForUnknownFigures();
    void csvHasOneRowPerSample();
    void markdownAndTextShowTheSameRows();
};

void TestExports::analysisFigures()
{
    const RunResult r = sampleResult();
    const Measurement* two = r.find(QStringLiteral("threads"), 2);
    QVERIFY(two);
    QCOMPARE(two->wall.median, 0.55);
    QVERIFY(qFuzzyCompare(two->speedup, 1.0 / 0.55));
    QVERIFY(qFuzzyCompare(two->efficiency, 1.0 / 0.55 / 2));
    QVERIFY(qFuzzyCompare(two->selfSpeedup, 1.0 / 0.55));
    QVERIFY(two->speedupLow <= two->speedup && two->speedup <= two->speedupHigh);
    // Costs 0.4 + 0.6: unlimited workers 1.0 / 0.6; two workers the same (the longest task dominates).
    QVERIFY(qFuzzyCompare(r.bounds.critical, 1.0 / 0.6));
    QVERIFY(qFuzzyCompare(r.bounds.lpt.value(2), 1.0 / 0.6));
    QVERIFY(qFuzzyCompare(r.bounds.lpt.value(1), 1.0));
    // Amdahl from one point: (1/S - 1/2) / (1 - 1/2) = 2 * (0.55 - 0.5) = 0.1.
    QVERIFY(std::abs(r.amdahlSerialFraction.value(QStringLiteral("threads")) - 0.1) < 1e-9);
    QVERIFY(std::abs(two->karpFlatt - 0.1) < 1e-9);
}

void TestExports::jsonFollowsTheSchema()
{
    const RunResult r = sampleResult();
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(JsonExport::toJson(r), &error);
    QCOMPARE(error.error, QJsonParseError::NoError);
    const QJsonObject top = doc.object();
    QCOMPARE(sortedKeys(top),
        sorted({ QStringLiteral("tool"), QStringLiteral("version"), QStringLiteral("created"),
            QStringLiteral("environment"), QStringLiteral("spec"), QStringLiteral("warnings"), QStringLiteral("bounds"),
            QStringLiteral("results"), QStringLiteral("reference_checksum") }));
    QCOMPARE(top.value(QStringLiteral("tool")).toString(), QStringLiteral("parlab"));
    QCOMPARE(sortedKeys(top.value(QStringLiteral("environment")).toObject()),
        sorted({ QStringLiteral("cpu"), QStringLiteral("logical_cores"), QStringLiteral("os"), QStringLiteral("qt"),
            QStringLiteral("compiler"), QStringLiteral("build_type"), QStringLiteral("load_avg") }));
    const QJsonObject spec = top.value(QStringLiteral("spec")).toObject();
    QCOMPARE(sortedKeys(spec),
        sorted(
            { QStringLiteral("kernel"), QStringLiteral("inputs"), QStringLiteral("backends"), QStringLiteral("workers"),
                QStringLiteral("repeats"), QStringLiteral("warmup"), QStringLiteral("options") }));
    QCOMPARE(spec.value(QStringLiteral("inputs")).toArray(), (QJsonArray { 20, 21 }));
    const QJsonObject bounds = top.value(QStringLiteral("bounds")).toObject();
    QVERIFY(qFuzzyCompare(bounds.value(QStringLiteral("critical")).toDouble(), 1.0 / 0.6));
    QCOMPARE(sortedKeys(bounds.value(QStringLiteral("lpt")).toObject()),
        (QStringList { QStringLiteral("1"), QStringLiteral("2") }));

    const QJsonArray results = top.value(QStringLiteral("results")).toArray();
    QCOMPARE(results.size(), 3);
    for (const QJsonValue& value : results) {
        QCOMPARE(sortedKeys(value.toObject()),
            sorted({ QStringLiteral("backend"), QStringLiteral("workers"), QStringLiteral("samples_s"),
                QStringLiteral("median_s"), QStringLiteral("mean_s"), QStringLiteral("stddev_s"),
                QStringLiteral("min_s"), QStringLiteral("max_s"), QStringLiteral("cv"), QStringLiteral("cpu_s"),
                QStringLiteral("speedup"), QStringLiteral("speedup_ci"), QStringLiteral("efficiency"),
                QStringLiteral("checksum"), QStringLiteral("outliers") }));
    }
    const QJsonObject two = results.at(2).toObject();
    QCOMPARE(two.value(QStringLiteral("backend")).toString(), QStringLiteral("threads"));
    QCOMPARE(two.value(QStringLiteral("workers")).toInt(), 2);
    QCOMPARE(two.value(QStringLiteral("samples_s")).toArray(), (QJsonArray { 0.5, 0.55, 0.6 }));
    QVERIFY(qFuzzyCompare(two.value(QStringLiteral("speedup")).toDouble(), 1.0 / 0.55));
    QCOMPARE(two.value(QStringLiteral("speedup_ci")).toArray().size(), 2);
    QVERIFY(qFuzzyCompare(two.value(QStringLiteral("cpu_s")).toDouble(), 1.1));
    // 64-bit checksums survive as hex strings (a double would round them).
    QCOMPARE(two.value(QStringLiteral("checksum")).toString(), QStringLiteral("0123456789abcdef"));
    QCOMPARE(top.value(QStringLiteral("reference_checksum")).toString(), QStringLiteral("0123456789abcdef"));
}

void TestExports::jsonWritesNullForUnknownFigures()
{
    RunResult r = sampleResult();
    r.measurements.removeFirst(); // no sequential baseline: speedups are unknown
    analyse(r);
    const QJsonObject first = QJsonDocument::fromJson(JsonExport::toJson(r))
                                  .object()
                                  .value(QStringLiteral("results"))
                                  .toArray()
                                  .at(0)
                                  .toObject();
    QVERIFY(first.value(QStringLiteral("speedup")).isNull());
    QVERIFY(first.value(QStringLiteral("efficiency")).isNull());
    QVERIFY(first.value(QStringLiteral("median_s")).isDouble());
}

void TestExports::csvHasOneRowPerSample()
{
    const QString csv = QString::fromUtf8(CsvExport::toCsv(sampleResult()));
    QStringList lines = csv.split(QStringLiteral("\r\n"));
    QCOMPARE(lines.takeLast(), QString()); // ends with a line break
    QCOMPARE(lines.first(), QStringLiteral("kernel,backend,workers,repeat,wall_s,cpu_s,outlier,speedup,checksum"));
    QCOMPARE(lines.size(), 1 + 9);
    const QStringList row = lines.at(8).split(QLatin1Char(','));
    QCOMPARE(row.size(), 9);
    QCOMPARE(row.at(1), QStringLiteral("threads"));
    QCOMPARE(row.at(2), QStringLiteral("2"));
    QCOMPARE(row.at(3), QStringLiteral("2"));
    QCOMPARE(row.at(4).toDouble(), 0.55);
}

void TestExports::markdownAndTextShowTheSameRows()
{
    const RunResult r = sampleResult();
    const QStringList markdown = MarkdownExport::toMarkdown(r).split(QLatin1Char('\n'));
    const qsizetype header = markdown.indexOf(QStringLiteral(
        "| backend | workers | median ± stddev | min … max | cpu | speedup [95% CI] | efficiency | lpt bound |"));
    QVERIFY(header >= 0);
    QCOMPARE(markdown.at(header + 1), QStringLiteral("|:--|--:|--:|--:|--:|--:|--:|--:|"));
    QVERIFY(markdown.at(header + 4)
                .startsWith(QStringLiteral("| threads | 2 | 550.0 ms ± 50.00 ms | 500.0 ms … 600.0 ms")));
    QVERIFY(markdown.at(header + 4).contains(QStringLiteral("| 1.82x [")));
    QVERIFY(markdown.at(header + 4).endsWith(QStringLiteral("| 91% | 1.67x |")));

    const QString text = Report::toText(r);
    QVERIFY(text.contains(QStringLiteral("lpt bound")));
    const QStringList lines = text.split(QLatin1Char('\n'));
    const auto row = std::find_if(lines.cbegin(), lines.cend(), [](const QString& line) {
        return line.startsWith(QStringLiteral("threads")) && line.contains(QStringLiteral(" 2 "));
    });
    QVERIFY(row != lines.cend());
    QVERIFY(row->contains(QStringLiteral("1.82x")));
    QVERIFY(row->contains(QStringLiteral("91%")));
    QVERIFY(text.contains(QStringLiteral("Amdahl fit: threads behaves as if 10% of its work were serial")));
}

QTEST_GUILESS_MAIN(TestExports)
#include "tst_exports.moc"
