// The export formats a user opens elsewhere: JSON keys exactly as DESIGN.md documents them, CSV one row
// per sample, Markdown and the terminal table with the same rows, a Chrome trace that Perfetto accepts
// (every task, properly nested lock states) and a self-contained HTML report that parses as XML; files written
// whole or not at all, their type from the suffix; speedups printed one way everywhere.

#include "atomicfile.h"
#include "experimentspec.h"
#include "export/csvexport.h"
#include "export/formatting.h"
#include "export/htmlreport.h"
#include "export/jsonexport.h"
#include "export/jsonimport.h"
#include "export/svgcharts.h"
#include "export/texttable.h"
#include "export/traceexport.h"
#include "measurement.h"
#include "palette.h"
#include "runresult.h"
#include "stats/analysis.h"
#include "stats/scaling.h"
#include "taskspan.h"
#include "testsupport.h"
#include "unknown.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QXmlStreamReader>
#include <cmath>
#include <functional>

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

parlab::TaskSpan span(qint64 input, int index, int worker, qint64 startNs, qint64 endNs, qint64 pid = 4242)
{
    parlab::TaskSpan s;
    s.input = input;
    s.index = index;
    s.worker = worker;
    s.pid = pid;
    s.startNs = startNs;
    s.endNs = endNs;
    s.checksum = 0xabcULL + quint64(index);
    return s;
}

parlab::StateSpan state(int worker, LockState lock, qint64 startNs, qint64 endNs)
{
    parlab::StateSpan s;
    s.worker = worker;
    s.state = lock;
    s.startNs = startNs;
    s.endNs = endNs;
    return s;
}

// sampleResult() with the latest repeat's tasks: two workers of threads x2 (one pid), two worker processes
// of processes x2 (a pid each, one on another host), all on a clock that starts far from zero.
constexpr qint64 kClock = 5'000'000'000'000;
RunResult resultWithSpans()
{
    RunResult r = sampleResult();
    r.measurements[0].spans
        = { span(20, 0, 0, kClock + 0, kClock + 400'000), span(21, 1, 0, kClock + 400'000, kClock + 1'000'000) };
    r.measurements[2].spans = { span(20, 0, 0, kClock + 2'000'000, kClock + 2'400'500),
        span(21, 1, 1, kClock + 2'000'250, kClock + 2'600'750) };
    Measurement processes
        = testsupport::measurement(QStringLiteral("processes"), 2, { 0.7, 0.7, 0.7 }, 0x0123456789abcdefULL);
    processes.spans = { span(20, 0, 1, kClock + 3'000'000, kClock + 3'400'000, 7001),
        span(21, 1, 0, kClock + 3'000'100, kClock + 3'600'000, 7000) };
    processes.spans[0].host = QStringLiteral("node7");
    // One task its worker sampled, one it did not.
    processes.spans[0].cpuNs = 300'000;
    processes.spans[0].waitNs = 90'000;
    r.measurements.append(processes);
    r.spec.backends.append(QStringLiteral("processes"));
    analyse(r);
    return r;
}

QJsonObject traceOf(const RunResult& r)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(TraceExport::toJson(r), &error);
    if (error.error != QJsonParseError::NoError)
        qWarning("trace is not JSON: %s", qPrintable(error.errorString()));
    return doc.object();
}

QList<QJsonObject> eventsOf(const QJsonObject& trace, const QString& phase)
{
    QList<QJsonObject> events;
    for (const auto& v : trace.value(QStringLiteral("traceEvents")).toArray()) {
        if (v.toObject().value(QStringLiteral("ph")).toString() == phase)
            events.append(v.toObject());
    }
    return events;
}

// Microseconds with nanosecond decimals back to integer nanoseconds, as Perfetto reads them.
qint64 ns(const QJsonValue& micros)
{
    return qRound64(micros.toDouble() * 1000.0);
}

// The metadata name of a process (tid < 0) or thread track.
QString trackName(const QJsonObject& trace, int pid, int tid = -1)
{
    const QString kind = tid < 0 ? QStringLiteral("process_name") : QStringLiteral("thread_name");
    for (const QJsonObject& e : eventsOf(trace, QStringLiteral("M"))) {
        if (e.value(QStringLiteral("name")).toString() == kind && e.value(QStringLiteral("pid")).toInt() == pid
            && (tid < 0 || e.value(QStringLiteral("tid")).toInt() == tid))
            return e.value(QStringLiteral("args")).toObject().value(QStringLiteral("name")).toString();
    }
    return {};
}

// Chrome's rule for X events on one thread: sorted by start, each one ends inside every one it starts in.
// Returns the first violation, or an empty string.
QString nestingProblem(const QJsonObject& trace)
{
    QMap<QPair<int, int>, QList<QJsonObject>> byThread;
    for (const QJsonObject& e : eventsOf(trace, QStringLiteral("X")))
        byThread[{ e.value(QStringLiteral("pid")).toInt(), e.value(QStringLiteral("tid")).toInt() }].append(e);
    for (auto it = byThread.begin(); it != byThread.end(); ++it) {
        QList<QJsonObject>& events = it.value();
        std::stable_sort(events.begin(), events.end(), [](const QJsonObject& a, const QJsonObject& b) {
            const qint64 sa = ns(a.value(QStringLiteral("ts"))), sb = ns(b.value(QStringLiteral("ts")));
            if (sa != sb)
                return sa < sb;
            return ns(a.value(QStringLiteral("dur"))) > ns(b.value(QStringLiteral("dur")));
        });
        QList<qint64> openEnds;
        for (const QJsonObject& e : std::as_const(events)) {
            const qint64 start = ns(e.value(QStringLiteral("ts")));
            const qint64 end = start + ns(e.value(QStringLiteral("dur")));
            if (end < start)
                return QStringLiteral("negative duration");
            while (!openEnds.isEmpty() && openEnds.last() <= start)
                openEnds.removeLast();
            if (!openEnds.isEmpty() && end > openEnds.last())
                return QStringLiteral("pid %1 tid %2: %3 at %4 ns ends at %5 ns, after its parent ends at %6 ns")
                    .arg(it.key().first)
                    .arg(it.key().second)
                    .arg(e.value(QStringLiteral("name")).toString())
                    .arg(start)
                    .arg(end)
                    .arg(openEnds.last());
            openEnds.append(end);
        }
    }
    return {};
}

bool parsesAsXml(const QByteArray& document, QString* error, QString* rootNamespace)
{
    QXmlStreamReader xml(document);
    bool first = true;
    while (!xml.atEnd()) {
        xml.readNext();
        if (xml.isStartElement() && first) {
            *rootNamespace = xml.namespaceUri().toString() + QLatin1Char(' ') + xml.name().toString();
            first = false;
        }
    }
    if (xml.hasError()) {
        *error = QStringLiteral("line %1, column %2: %3")
                     .arg(xml.lineNumber())
                     .arg(xml.columnNumber())
                     .arg(xml.errorString());
        return false;
    }
    return true;
}
} // namespace

class TestExports : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void analysisFigures();
    void jsonFollowsTheSchema();
    void jsonWritesNullForUnknownFigures();
    void everyFigureRoundTripsByItsKey();
    void importKeepsStatedFiguresAndDerivesTheRest();
    void usageRoundTripsAndDerivesItsFigures();
    void coreSpeedsRoundTrip();
    void coreSpeedsAreRangeChecked_data();
    void coreSpeedsAreRangeChecked();
    void workerStartsRoundTrip();
    void csvHasOneRowPerSample();
    void markdownAndTextShowTheSameRows();
    void amdahlFitOutsideAFractionIsNoFit();
    void uslFitIsShownOrSaysWhyNot();
    void gustafsonFitIsShown();
    void notesNameLockHandOversAndInterpreters();
    void traceHasEveryTaskOnItsWorkersTrack();
    void traceNestsLockStatesInsideTasks();
    void traceOfARealRunIsProperlyNested();
    void htmlIsWellFormedAndSelfContained();
    void htmlShowsTheTableChartsAndTimeline();
    void htmlShowsAWeakRunsEfficiency();
    void htmlDrawsLockStates();
    void htmlDrawsEachBackendsPredictionDashed();
    void htmlSaysWhenARunWasCancelledOrFailed();
    void htmlStaysSmallForLargeRuns();
    void speedupsPrintOneWay();
    void atomicWriteKeepsTheOldFileOnFailure();
    void fileTypeComesFromTheSuffix();
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
            QStringLiteral("fits"), QStringLiteral("scaling"), QStringLiteral("results"),
            QStringLiteral("reference_checksum") }));
    // A strong run's figures, said so for a reader who does not know the option's default.
    QCOMPARE(top.value(QStringLiteral("scaling")).toObject().value(QStringLiteral("kind")).toString(),
        QStringLiteral("strong"));
    QCOMPARE(top.value(QStringLiteral("tool")).toString(), QStringLiteral("parlab"));
    QCOMPARE(sortedKeys(top.value(QStringLiteral("environment")).toObject()),
        sorted({ QStringLiteral("hostname"), QStringLiteral("cpu"), QStringLiteral("logical_cores"),
            QStringLiteral("os"), QStringLiteral("qt"), QStringLiteral("compiler"), QStringLiteral("build_type"),
            QStringLiteral("load_avg"), QStringLiteral("baseline_cpu"), QStringLiteral("kernel"),
            QStringLiteral("physical_cores"), QStringLiteral("threads_per_core"), QStringLiteral("packages"),
            QStringLiteral("numa_nodes"), QStringLiteral("governor"), QStringLiteral("turbo"),
            QStringLiteral("frequency"), QStringLiteral("parlab_version"), QStringLiteral("python"),
            QStringLiteral("label"), QStringLiteral("commit") }));
    // Issue 18's facts, not known in this made-up run: null, never an empty string or a 0.
    for (const char* key : { "kernel", "physical_cores", "governor", "turbo", "frequency", "label", "commit" })
        QVERIFY2(top.value(QStringLiteral("environment")).toObject().value(QString::fromLatin1(key)).isNull(), key);
    // Neither pinned nor measured: null, and no core_speeds (as 0.1 wrote it, which reads back as unknown).
    QVERIFY(top.value(QStringLiteral("environment")).toObject().value(QStringLiteral("baseline_cpu")).isNull());
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
    for (const auto& value : results) {
        QStringList keys { QStringLiteral("backend"), QStringLiteral("workers"), QStringLiteral("samples_s"),
            QStringLiteral("median_s"), QStringLiteral("mean_s"), QStringLiteral("stddev_s"), QStringLiteral("min_s"),
            QStringLiteral("max_s"), QStringLiteral("cv"), QStringLiteral("cpu_s"), QStringLiteral("launch_s"),
            QStringLiteral("speedup"), QStringLiteral("speedup_ci"), QStringLiteral("efficiency"),
            QStringLiteral("useful"), QStringLiteral("losses"), QStringLiteral("checksum"), QStringLiteral("outliers"),
            QStringLiteral("peak_rss_bytes"), QStringLiteral("voluntary_switches"),
            QStringLiteral("involuntary_switches"), QStringLiteral("usage_note") };
        // Beside each scaling measurement, the schedule simulator's prediction of it.
        if (value.toObject().value(QStringLiteral("backend")).toString() != QStringLiteral("sequential"))
            keys.append(QStringLiteral("predicted_speedup"));
        QCOMPARE(sortedKeys(value.toObject()), sorted(keys));
        // This made-up run measured no memory: beside the null peak, why (ResourceUsage::whyUnknown).
        QVERIFY(value.toObject().value(QStringLiteral("peak_rss_bytes")).isNull());
        QVERIFY(value.toObject()
                    .value(QStringLiteral("usage_note"))
                    .toString()
                    .startsWith(QStringLiteral("recorded before")));
        QCOMPARE(sortedKeys(value.toObject().value(QStringLiteral("losses")).toObject()),
            sorted({ QStringLiteral("startup"), QStringLiteral("dispatch"), QStringLiteral("imbalance"),
                QStringLiteral("slowdown"), QStringLiteral("lock_wait"), QStringLiteral("cpu_wait"),
                QStringLiteral("blocked"), QStringLiteral("unexplained") }));
    }
    const QJsonObject two = results.at(2).toObject();
    QCOMPARE(two.value(QStringLiteral("backend")).toString(), QStringLiteral("threads"));
    QCOMPARE(two.value(QStringLiteral("workers")).toInt(), 2);
    QCOMPARE(two.value(QStringLiteral("samples_s")).toArray(), (QJsonArray { 0.5, 0.55, 0.6 }));
    QVERIFY(qFuzzyCompare(two.value(QStringLiteral("speedup")).toDouble(), 1.0 / 0.55));
    QCOMPARE(two.value(QStringLiteral("speedup_ci")).toArray().size(), 2);
    QVERIFY(qFuzzyCompare(two.value(QStringLiteral("cpu_s")).toDouble(), 1.1));
    // Tasks of 0.4 and 0.6 s, one each on two workers, with no start-up or hand-out measured: 1.0 / 0.6.
    QVERIFY(qFuzzyCompare(two.value(QStringLiteral("predicted_speedup")).toDouble(), 1.0 / 0.6));
    QCOMPARE(bounds.value(QStringLiteral("task_costs_s")).toArray(), (QJsonArray { 0.4, 0.6 }));
    // 64-bit checksums survive as hex strings (a double would round them).
    QCOMPARE(two.value(QStringLiteral("checksum")).toString(), QStringLiteral("0123456789abcdef"));
    QCOMPARE(top.value(QStringLiteral("reference_checksum")).toString(), QStringLiteral("0123456789abcdef"));
}

// The one list of figures: each is written under its key and read back into the same member, so a figure added
// to the list needs nothing more in the exporter or the importer.
void TestExports::everyFigureRoundTripsByItsKey()
{
    const QList<JsonExport::Figure>& figures = JsonExport::figures();
    QVERIFY(figures.size() >= 10);
    Measurement m = testsupport::measurement(QStringLiteral("threads"), 2, { 0.5, 0.6 });
    for (qsizetype i = 0; i < figures.size(); ++i)
        figures[i].of(m) = 0.25 + double(i); // a distinct value for each
    const QJsonObject object = JsonExport::measurementObject(m);
    // Where a figure sits: in the entry, or in its group (the losses) within the entry.
    const auto holder = [](const QJsonObject& entry, const JsonExport::Figure& f) {
        return f.group ? entry.value(QLatin1String(f.group)).toObject() : entry;
    };
    QStringList keys;
    for (const JsonExport::Figure& f : figures) {
        keys.append(QLatin1String(f.group) + QLatin1Char('.') + QLatin1String(f.key));
        QCOMPARE(holder(object, f).value(QLatin1String(f.key)).toDouble(), f.of(m));
    }
    keys.removeDuplicates();
    QCOMPARE(keys.size(), figures.size());
    const Result<Measurement> back = JsonImport::measurementFromObject(object, Measurement {});
    QVERIFY2(back, qPrintable(back.error()));
    for (const JsonExport::Figure& f : figures)
        QCOMPARE(f.of(*back), f.of(m));
    // A figure the object does not state keeps the value it is read over; one stated as null is unknown.
    QJsonObject partial = object;
    partial.remove(QLatin1String(figures.first().key));
    QJsonObject lastHolder = holder(partial, figures.last());
    lastHolder.insert(QLatin1String(figures.last().key), QJsonValue::Null);
    if (figures.last().group)
        partial.insert(QLatin1String(figures.last().group), lastHolder);
    else
        partial = lastHolder;
    Measurement over;
    figures.first().of(over) = 42.0;
    const Result<Measurement> merged = JsonImport::measurementFromObject(partial, over);
    QVERIFY2(merged, qPrintable(merged.error()));
    QCOMPARE(figures.first().of(*merged), 42.0);
    QVERIFY(std::isnan(figures.last().of(*merged)));
}

// An import takes the history's path: every figure derived from the samples, then the file's over them. A file
// that states a median other than its samples' keeps its own; what the schema lacks (MAD, self-relative
// speedup) comes from the samples.
void TestExports::importKeepsStatedFiguresAndDerivesTheRest()
{
    const RunResult r = sampleResult();
    QJsonObject top = JsonExport::toObject(r);
    QJsonArray results = top.value(QStringLiteral("results")).toArray();
    QJsonObject two = results.at(2).toObject();
    two.insert(QStringLiteral("median_s"), 0.7);
    two.remove(QStringLiteral("cv"));
    results[2] = two;
    top.insert(QStringLiteral("results"), results);
    const Result<RunResult> back = JsonImport::fromObject(top);
    QVERIFY2(back, qPrintable(back.error()));
    const Measurement& m = back->measurements.at(2);
    QCOMPARE(m.wall.median, 0.7);
    QCOMPARE(m.wall.cv, r.measurements.at(2).wall.cv); // not stated: derived from the samples again
    QCOMPARE(m.wall.mad, r.measurements.at(2).wall.mad);
    QCOMPARE(m.selfSpeedup, r.measurements.at(2).selfSpeedup);
    QCOMPARE(m.speedup, r.measurements.at(2).speedup);
    QCOMPARE(m.speedupLow, r.measurements.at(2).speedupLow);
}

void TestExports::usageRoundTripsAndDerivesItsFigures()
{
    RunResult r = sampleResult();
    // processes x2 as a run records it: ParLab's own peak, each worker process's, their switches; the second repeat's
    // process peak unknown, so the largest known repeat's sum stands.
    Measurement& m = r.measurements[2];
    m.samplesS = { 0.5, 0.6 };
    m.usage = { { 30 << 20, { { 0, 101, 200 << 20, 10, 3 }, { 1, 102, 210 << 20, 12, 5 } } },
        { -1, { { 0, 101, 201 << 20, 20, 4 }, { 1, 102, -1, -1, -1 } } } };
    const QJsonObject entry = JsonExport::measurementObject(m);
    QCOMPARE(
        entry.value(QStringLiteral("usage")).toArray().at(1).toObject().value(QStringLiteral("process_peak_rss_bytes")),
        QJsonValue(QJsonValue::Null));
    const Result<Measurement> back = JsonImport::measurementFromObject(entry, Measurement {});
    QVERIFY2(back, qPrintable(back.error()));
    QCOMPARE(back->usage, m.usage);
    analyse(r);
    QCOMPARE(r.measurements[2].peakRssBytes, double((30 + 200 + 210) << 20));
    QCOMPARE(r.measurements[2].voluntarySwitches, 21.0); // the median of 22 and 20
    QCOMPARE(r.measurements[2].involuntarySwitches, 6.0); // of 8 and 4
    // One entry per sample, or the file is refused with where it is wrong.
    QJsonObject oneShort = entry;
    oneShort.insert(QStringLiteral("usage"), QJsonArray { entry.value(QStringLiteral("usage")).toArray().at(0) });
    const Result<Measurement> refused = JsonImport::measurementFromObject(oneShort, Measurement {});
    QVERIFY(!refused);
    QCOMPARE(refused.error(), QStringLiteral("result.usage: expected one entry per sample (2), got 1"));
    // The runtime's peak, a worker's programs' and a repeat's reason come back as they were written; the programs'
    // peak adds to the repeat's.
    const RepeatUsage python { .processPeakRssBytes = 20 << 20,
        .workers = { { .worker = 0, .pid = 7, .peakRssBytes = -1, .programPeakRssBytes = 100 << 20 } },
        .runtimePeakRssBytes = 120 << 20 };
    QCOMPARE(python.peakRssBytes(), qint64((20 + 120 + 100) << 20));
    const RepeatUsage elsewhere { .whyUnknown = QStringLiteral("rank 1 @ node-b ran elsewhere") };
    for (const RepeatUsage& u : { python, elsewhere }) {
        const Result<RepeatUsage> again = JsonImport::usageFromObject(JsonExport::usageObject(u));
        QVERIFY2(again, qPrintable(again.error()));
        QCOMPARE(*again, u);
    }
    // An empty reason would come back as none: refused, as the other facts' empty texts are.
    QJsonObject noReason = JsonExport::usageObject(elsewhere);
    noReason.insert(QStringLiteral("why_unknown"), QString());
    const Result<RepeatUsage> empty = JsonImport::usageFromObject(noReason);
    QVERIFY(!empty);
    QVERIFY2(empty.error().contains(QStringLiteral("why_unknown: empty")), qPrintable(empty.error()));
}

namespace {
RunResult withCores()
{
    RunResult r = sampleResult();
    r.environment.cores.rounds = 3;
    r.environment.cores.wallS = 0.052;
    r.environment.cores.cores = { { 0, 0.0081, 1.0 }, { 1, 0.0092, 0.0081 / 0.0092 } };
    r.environment.baselineCpu = 0;
    return r;
}
} // namespace

void TestExports::coreSpeedsRoundTrip()
{
    const RunResult r = withCores();
    const QJsonObject env = JsonExport::toObject(r).value(QStringLiteral("environment")).toObject();
    QCOMPARE(env.value(QStringLiteral("baseline_cpu")).toInt(-1), 0);
    const QJsonObject speeds = env.value(QStringLiteral("core_speeds")).toObject();
    QCOMPARE(
        sortedKeys(speeds), sorted({ QStringLiteral("rounds"), QStringLiteral("wall_s"), QStringLiteral("cores") }));
    QCOMPARE(speeds.value(QStringLiteral("cores"))
                 .toArray()
                 .at(1)
                 .toObject()
                 .value(QStringLiteral("relative_speed"))
                 .toDouble(),
        0.0081 / 0.0092);

    const Result<RunResult> back = JsonImport::fromJson(JsonExport::toJson(r));
    QVERIFY2(back, qPrintable(back.error()));
    QCOMPARE(back->environment.cores, r.environment.cores);
    QCOMPARE(back->environment.baselineCpu, 0);
    QCOMPARE(back->environment.coresText(), r.environment.coresText());
    QVERIFY(back->environment.coresText().startsWith(QStringLiteral("core 1 is 12% slower than core 0")));

    // A file without them (0.1's, or a run whose cores were not measured) reads as unknown and not pinned.
    QJsonObject top = JsonExport::toObject(r);
    QJsonObject old = top.value(QStringLiteral("environment")).toObject();
    old.remove(QStringLiteral("core_speeds"));
    old.remove(QStringLiteral("baseline_cpu"));
    top.insert(QStringLiteral("environment"), old);
    const Result<RunResult> unknown = JsonImport::fromObject(top);
    QVERIFY2(unknown, qPrintable(unknown.error()));
    QVERIFY(unknown->environment.cores.cores.isEmpty());
    QCOMPARE(unknown->environment.baselineCpu, -1);
    QVERIFY(std::isnan(unknown->environment.coreSpeedRatio()));
    QCOMPARE(unknown->environment.coresText(), QStringLiteral("core speeds not measured"));

    // relative_speed left out: derived from the loop times.
    QJsonObject speedsWithout = speeds;
    QJsonArray cores = speeds.value(QStringLiteral("cores")).toArray();
    for (qsizetype i = 0; i < cores.size(); ++i) {
        QJsonObject core = cores.at(i).toObject();
        core.remove(QStringLiteral("relative_speed"));
        cores[i] = core;
    }
    speedsWithout.insert(QStringLiteral("cores"), cores);
    QJsonObject envWithout = env;
    envWithout.insert(QStringLiteral("core_speeds"), speedsWithout);
    const Result<Environment> derived = JsonImport::environmentFromObject(envWithout);
    QVERIFY2(derived, qPrintable(derived.error()));
    QCOMPARE(derived->cores.cores.at(0).relative, 1.0);
    QCOMPARE(derived->cores.cores.at(1).relative, 0.0081 / 0.0092);
}

void TestExports::coreSpeedsAreRangeChecked_data()
{
    QTest::addColumn<QString>("key"); // in environment, or core_speeds.KEY, or cores[1].KEY
    QTest::addColumn<QJsonValue>("value");
    QTest::addColumn<QString>("message");
    QTest::newRow("baseline_cpu -1") << QStringLiteral("baseline_cpu") << QJsonValue(-1)
                                     << QStringLiteral("environment.baseline_cpu: -1 is out of range, use 0 to 1023");
    QTest::newRow("baseline_cpu 0.5") << QStringLiteral("baseline_cpu") << QJsonValue(0.5)
                                      << QStringLiteral("environment.baseline_cpu: 0.5 is not a whole number");
    QTest::newRow("baseline_cpu \"7x\"") << QStringLiteral("baseline_cpu") << QJsonValue(QStringLiteral("7x"))
                                         << QStringLiteral("environment.baseline_cpu: expected a whole number");
    QTest::newRow("baseline_cpu not measured")
        << QStringLiteral("baseline_cpu") << QJsonValue(5)
        << QStringLiteral("environment: baseline_cpu 5 is not one of the cores measured in core_speeds");
    QTest::newRow("rounds 0") << QStringLiteral("core_speeds.rounds") << QJsonValue(0)
                              << QStringLiteral("environment.core_speeds.rounds: 0 is out of range");
    QTest::newRow("no cores") << QStringLiteral("core_speeds.cores") << QJsonValue(QJsonArray {})
                              << QStringLiteral("environment.core_speeds.cores: expected at least one core");
    QTest::newRow("cpu 4096") << QStringLiteral("cores[1].cpu") << QJsonValue(4096)
                              << QStringLiteral(
                                     "environment.core_speeds.cores[1].cpu: 4096 is out of range, use 0 to 1023");
    QTest::newRow("cpu twice") << QStringLiteral("cores[1].cpu") << QJsonValue(0)
                               << QStringLiteral("environment.core_speeds.cores: CPU 0 appears twice");
    QTest::newRow("loop 0") << QStringLiteral("cores[1].loop_s") << QJsonValue(0)
                            << QStringLiteral("environment.core_speeds.cores[1].loop_s: 0 is out of range");
    QTest::newRow("loop null") << QStringLiteral("cores[1].loop_s") << QJsonValue()
                               << QStringLiteral("environment.core_speeds.cores[1].loop_s: expected a number");
    QTest::newRow("relative 1.5") << QStringLiteral("cores[1].relative_speed") << QJsonValue(1.5)
                                  << QStringLiteral(
                                         "environment.core_speeds.cores[1].relative_speed: 1.5 is out of range");
    QTest::newRow("relative 0") << QStringLiteral("cores[1].relative_speed") << QJsonValue(0)
                                << QStringLiteral("environment.core_speeds.cores[1].relative_speed: 0 is out of range");
}

void TestExports::coreSpeedsAreRangeChecked()
{
    QFETCH(QString, key);
    QFETCH(QJsonValue, value);
    QFETCH(QString, message);
    QJsonObject top = JsonExport::toObject(withCores());
    QJsonObject env = top.value(QStringLiteral("environment")).toObject();
    QJsonObject speeds = env.value(QStringLiteral("core_speeds")).toObject();
    if (key.startsWith(QStringLiteral("cores[1]."))) {
        QJsonArray cores = speeds.value(QStringLiteral("cores")).toArray();
        QJsonObject core = cores.at(1).toObject();
        core.insert(key.mid(int(strlen("cores[1]."))), value);
        cores[1] = core;
        speeds.insert(QStringLiteral("cores"), cores);
    } else if (key.startsWith(QStringLiteral("core_speeds."))) {
        speeds.insert(key.mid(int(strlen("core_speeds."))), value);
    } else {
        env.insert(key, value);
    }
    env.insert(QStringLiteral("core_speeds"), speeds);
    top.insert(QStringLiteral("environment"), env);
    const Result<RunResult> read = JsonImport::fromObject(top);
    QVERIFY(!read);
    QVERIFY2(read.error().startsWith(message), qPrintable(read.error()));
}

void TestExports::workerStartsRoundTrip()
{
    // What the run measured of its threads workers started at once (WorkerStarts) goes out and comes back as it was:
    // `parlab predict` on an export starts the workers as late as on the run.
    RunResult r = sampleResult();
    WorkerStarts starts;
    starts.backend = QStringLiteral("threads");
    starts.rounds = 11;
    starts.counts = { { 1, 31e-6, 13e-6, { 30e-6, 31e-6, 33e-6 }, 56e-9 }, { 2, 52e-6, kUnknown, {} } };
    r.environment.workerStarts = { starts };
    const QJsonObject env = JsonExport::toObject(r).value(QStringLiteral("environment")).toObject();
    const QJsonArray written = env.value(QStringLiteral("worker_starts")).toArray();
    QCOMPARE(written.size(), 1);
    QCOMPARE(sortedKeys(written.at(0).toObject()),
        sorted({ QStringLiteral("backend"), QStringLiteral("rounds"), QStringLiteral("counts") }));
    const Result<RunResult> back = JsonImport::fromJson(JsonExport::toJson(r));
    QVERIFY2(back, qPrintable(back.error()));
    QCOMPARE(back->environment.workerStarts.size(), 1);
    const WorkerStarts& read = back->environment.workerStarts.constFirst();
    QCOMPARE(read.backend, starts.backend);
    QCOMPARE(read.rounds, 11);
    QCOMPARE(read.counts.size(), 2);
    QCOMPARE(read.counts[1].wallS, 52e-6);
    QVERIFY(std::isnan(read.counts[1].finishS)); // null: not known
    QCOMPARE(read.counts[0].wallSamplesS, starts.counts[0].wallSamplesS);
    QVERIFY(read.counts[1].wallSamplesS.isEmpty());
    QCOMPARE(read.counts[0].handOutS, 56e-9);
    QVERIFY(std::isnan(read.counts[1].handOutS)); // not measured there
    // A file written before the rounds were kept reads without them; one whose round is no time is refused there.
    const auto withFirstCount = [&env](const std::function<void(QJsonObject&)>& change) {
        QJsonObject edited = env;
        QJsonArray list = edited.value(QStringLiteral("worker_starts")).toArray();
        QJsonObject threads = list.at(0).toObject();
        QJsonArray counts = threads.value(QStringLiteral("counts")).toArray();
        QJsonObject first = counts.at(0).toObject();
        change(first);
        counts[0] = first;
        threads.insert(QStringLiteral("counts"), counts);
        list[0] = threads;
        edited.insert(QStringLiteral("worker_starts"), list);
        return JsonImport::environmentFromObject(edited);
    };
    const Result<Environment> withoutRounds
        = withFirstCount([](QJsonObject& first) { first.remove(QStringLiteral("wall_samples_s")); });
    QVERIFY2(withoutRounds, qPrintable(withoutRounds.error()));
    QCOMPARE(withoutRounds->workerStarts.constFirst().counts[0].wallS, 31e-6);
    QVERIFY(withoutRounds->workerStarts.constFirst().counts[0].wallSamplesS.isEmpty());
    // Nor the hand-outs, before they were measured; a hand-out that is no time is refused.
    const Result<Environment> withoutHandOuts
        = withFirstCount([](QJsonObject& first) { first.remove(QStringLiteral("hand_out_s")); });
    QVERIFY2(withoutHandOuts, qPrintable(withoutHandOuts.error()));
    QVERIFY(std::isnan(withoutHandOuts->workerStarts.constFirst().counts[0].handOutS));
    const Result<Environment> badHandOut
        = withFirstCount([](QJsonObject& first) { first.insert(QStringLiteral("hand_out_s"), -1e-9); });
    QVERIFY(!badHandOut);
    QVERIFY2(badHandOut.error().startsWith(QStringLiteral("environment.worker_starts[0].counts[0].hand_out_s")),
        qPrintable(badHandOut.error()));
    const Result<Environment> badRound = withFirstCount([](QJsonObject& first) {
        first.insert(QStringLiteral("wall_samples_s"), QJsonArray { 30e-6, QStringLiteral("soon") });
    });
    QVERIFY(!badRound);
    QVERIFY2(badRound.error().startsWith(QStringLiteral("environment.worker_starts[0].counts[0].wall_samples_s[1]")),
        qPrintable(badRound.error()));
    // Counts that are no curve from one worker up are refused, naming the field.
    for (const auto& [counts, message] : { std::pair { QJsonArray { 2 }, "the first count must be 1" },
             std::pair { QJsonArray { 1, 1 }, "1 is not above the count before it (1)" } }) {
        QJsonArray list;
        for (const auto& workers : counts)
            list.append(QJsonObject { { QStringLiteral("workers"), workers }, { QStringLiteral("wall_s"), 3e-5 },
                { QStringLiteral("finish_s"), 1e-5 } });
        QJsonObject bad = env;
        bad.insert(QStringLiteral("worker_starts"),
            QJsonArray { QJsonObject { { QStringLiteral("backend"), QStringLiteral("threads") },
                { QStringLiteral("rounds"), 11 }, { QStringLiteral("counts"), list } } });
        const Result<Environment> refused = JsonImport::environmentFromObject(bad);
        QVERIFY(!refused);
        QVERIFY2(refused.error().startsWith(QStringLiteral("environment.worker_starts[0].counts[")),
            qPrintable(refused.error()));
        QVERIFY2(refused.error().contains(QString::fromUtf8(message)), qPrintable(refused.error()));
    }
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
    QCOMPARE(lines.first(),
        QStringLiteral("kernel,backend,workers,repeat,wall_s,cpu_s,outlier,speedup,checksum,useful,loss_startup,"
                       "loss_dispatch,loss_imbalance,loss_slowdown,loss_lock_wait,loss_cpu_wait,loss_blocked,"
                       "loss_unexplained"));
    QCOMPARE(lines.size(), 1 + 9);
    const QStringList row = lines.at(8).split(QLatin1Char(','));
    QCOMPARE(row.size(), 18);
    QCOMPARE(row.at(1), QStringLiteral("threads"));
    QCOMPARE(row.at(2), QStringLiteral("2"));
    QCOMPARE(row.at(3), QStringLiteral("2"));
    QCOMPARE(row.at(4).toDouble(), 0.55);
}

void TestExports::markdownAndTextShowTheSameRows()
{
    const RunResult r = sampleResult();
    const QStringList markdown = MarkdownExport::toMarkdown(r).split(QLatin1Char('\n'));
    const qsizetype header = markdown.indexOf(QStringLiteral("| backend | workers | median ± stddev | min … max | cpu "
                                                             "| speedup [95% CI] | efficiency | lpt bound | peak RSS | "
                                                             "switches v/i |"));
    QVERIFY(header >= 0);
    QCOMPARE(markdown.at(header + 1), QStringLiteral("|:--|--:|--:|--:|--:|--:|--:|--:|--:|--:|"));
    QVERIFY(markdown.at(header + 4)
                .startsWith(QStringLiteral("| threads | 2 | 550.0 ms ± 50.00 ms | 500.0 ms … 600.0 ms")));
    QVERIFY(markdown.at(header + 4).contains(QStringLiteral("| 1.82x [")));
    QVERIFY(markdown.at(header + 4).endsWith(QStringLiteral("| 91% | 1.67x | – | – |"))); // memory not measured

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

// The USL beside Amdahl in the table's notes, the JSON and the report: its figures where it fits, its reason where
// it does not; derived by analyse(), so a run read back from the history or a file shows the same.
void TestExports::uslFitIsShownOrSaysWhyNot()
{
    RunResult r = sampleResult();
    r.spec.backends.append(QStringLiteral("processes"));
    r.spec.workers = { 1, 2, 4, 8 };
    // processes on the USL's curve for contention 0.05, coherency 0.01 (sequential 1.0 s): peak at
    // sqrt(0.95 / 0.01) = 9.7, so 10 workers, where the speedup is 10 / (1 + 0.45 + 0.9) = 4.26x.
    for (int n : { 1, 2, 4, 8 }) {
        const double wall = 1.0 / Scaling::uslSpeedup(0.05, 0.01, n);
        r.measurements.append(
            testsupport::measurement(QStringLiteral("processes"), n, { wall, wall, wall }, 0x0123456789abcdefULL));
    }
    analyse(r);
    const QString text = Report::toText(r);
    QVERIFY2(text.contains(QStringLiteral(
                 "USL fit: processes has contention 0.05 and coherency 0.01: its speedup peaks at 10 workers (4.26x)")),
        qPrintable(text));
    // threads measured on 1 and 2 workers only.
    QVERIFY2(text.contains(QStringLiteral(
                 "USL fit: threads has none: the USL fit needs at least three worker counts; this run has 2")),
        qPrintable(text));
    QVERIFY(!text.contains(QStringLiteral("USL fit: sequential")));

    const QJsonObject fits = JsonExport::toObject(r).value(QStringLiteral("fits")).toObject();
    QCOMPARE(sortedKeys(fits), sorted({ QStringLiteral("processes"), QStringLiteral("threads") }));
    const QJsonObject usl = fits.value(QStringLiteral("processes")).toObject().value(QStringLiteral("usl")).toObject();
    QVERIFY(std::abs(usl.value(QStringLiteral("contention")).toDouble() - 0.05) < 1e-9);
    QVERIFY(std::abs(usl.value(QStringLiteral("coherency")).toDouble() - 0.01) < 1e-9);
    QCOMPARE(usl.value(QStringLiteral("peak_workers")).toInt(), 10);
    QVERIFY(
        std::abs(
            fits.value(QStringLiteral("threads")).toObject().value(QStringLiteral("amdahl_serial_fraction")).toDouble()
            - 0.1)
        < 1e-9);
    QCOMPARE(fits.value(QStringLiteral("threads")).toObject().value(QStringLiteral("usl")).toObject(),
        (QJsonObject { { QStringLiteral("why"),
            QStringLiteral("the USL fit needs at least three worker counts; this run has 2") } }));

    const QString html = QString::fromUtf8(HtmlReport::toHtml(r));
    QVERIFY(html.contains(QStringLiteral("Universal Scalability Law fits")));
    QVERIFY2(html.contains(QStringLiteral(
                 "processes</td><td class=\"num\">0.05</td><td class=\"num\">0.01</td><td class=\"num\">10</td>")),
        qPrintable(html));
    QVERIFY(html.contains(QStringLiteral("needs at least three worker counts; this run has 2")));

    // A file read back derives the fits again.
    auto back = JsonImport::fromJson(JsonExport::toJson(r));
    QVERIFY2(back, qPrintable(back.error()));
    QCOMPARE(back->usl.value(QStringLiteral("processes")).peakWorkers, std::optional<int>(10));
    QCOMPARE(back->usl.value(QStringLiteral("threads")).why, r.usl.value(QStringLiteral("threads")).why);
}

// A weak run's fit, where a strong run shows Amdahl's: the same three places.
void TestExports::gustafsonFitIsShown()
{
    RunResult r = sampleResult();
    r.amdahlSerialFraction.clear();
    r.usl.clear();
    r.gustafsonSerialFraction.insert(QStringLiteral("threads"), 0.2);
    r.gustafsonSerialFraction.insert(QStringLiteral("processes"), -0.3);
    const QString text = Report::toText(r);
    QVERIFY2(text.contains(QStringLiteral("Gustafson fit: threads behaves as if 20% of its work were serial")),
        qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("Gustafson fit: processes has no Gustafson fit: it did more work than its "
                                          "workers account for, superlinearly (a fitted serial fraction of -30% is no "
                                          "fraction)")),
        qPrintable(text));
    QVERIFY(!text.contains(QStringLiteral("Amdahl fit")) && !text.contains(QStringLiteral("USL fit")));
    const QJsonObject fits = JsonExport::toObject(r).value(QStringLiteral("fits")).toObject();
    QCOMPARE(fits.value(QStringLiteral("threads")).toObject(),
        (QJsonObject { { QStringLiteral("gustafson_serial_fraction"), 0.2 } }));
    const QString html = QString::fromUtf8(HtmlReport::toHtml(r));
    QVERIFY(html.contains(QStringLiteral("Gustafson fits")));
    QVERIFY2(html.contains(QStringLiteral("threads</td><td class=\"num\">20%</td>")), qPrintable(html));
    QVERIFY(!html.contains(QStringLiteral("Amdahl fits")));
}

void TestExports::amdahlFitOutsideAFractionIsNoFit()
{
    // Seen in 0.1's report: "serial fraction 171%" for a backend that only ever slowed down. Speedups of 0.5 at
    // 2 and 0.4 at 4 workers fit f > 1; 2.5 at 2 workers fits f < 0.
    RunResult r = sampleResult();
    r.amdahlSerialFraction.clear();
    r.amdahlSerialFraction.insert(QStringLiteral("threads"), Scaling::amdahlSerialFraction({ { 2, 0.5 }, { 4, 0.4 } }));
    r.amdahlSerialFraction.insert(QStringLiteral("processes"), Scaling::amdahlSerialFraction({ { 2, 2.5 } }));
    r.amdahlSerialFraction.insert(QStringLiteral("qtconcurrent"), Scaling::amdahlSerialFraction({ { 2, 1.6 } }));
    QVERIFY(r.amdahlSerialFraction.value(QStringLiteral("threads")) > 1);
    QVERIFY(r.amdahlSerialFraction.value(QStringLiteral("processes")) < 0);
    const QString text = Report::toText(r);
    QVERIFY2(text.contains(QStringLiteral("Amdahl fit: threads has no Amdahl fit: it ran slower than its baseline")),
        qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("Amdahl fit: processes has no Amdahl fit: it sped up more than its workers")),
        qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("Amdahl fit: qtconcurrent behaves as if 25% of its work were serial")),
        qPrintable(text));
    QVERIFY(!text.contains(QStringLiteral("behaves as if 0% of")));
    const QString html = QString::fromUtf8(HtmlReport::toHtml(r));
    QVERIFY(html.contains(QStringLiteral("none (see below)")));
    QVERIFY(!html.contains(QStringLiteral(">0%<")));
}

void TestExports::notesNameLockHandOversAndInterpreters()
{
    RunResult r = sampleResult();
    Measurement gil = testsupport::measurement(QStringLiteral("gil-threads"), 2, { 1.0, 1.1, 1.2 });
    gil.switches = { 180, 200, 250 };
    // Thread 0 runs 3 ms then waits 1 ms; thread 1 waits 3 ms then runs 1 ms: 4 of 8 ms waiting.
    gil.states = { { 0, LockState::Running, 0, 3'000'000 }, { 0, LockState::Waiting, 3'000'000, 4'000'000 },
        { 1, LockState::Waiting, 0, 3'000'000 }, { 1, LockState::Running, 3'000'000, 4'000'000 } };
    r.measurements.append(gil);
    r.runtimes.insert(QStringLiteral("python-sequential"), QStringLiteral("Python 3.11.2 (/usr/bin/python3)"));
    r.runtimes.insert(QStringLiteral("python-threads"), QStringLiteral("Python 3.11.2 (/usr/bin/python3)"));
    const QStringList notes = Report::notes(r);
    QVERIFY2(notes.contains(QStringLiteral("gil-threads x2: the lock changed hands 200 times per repeat (median); its "
                                           "threads spent 50% of their time waiting for it")),
        qPrintable(notes.join(QLatin1Char('\n'))));
    QVERIFY(
        notes.contains(QStringLiteral("python-sequential, python-threads ran on Python 3.11.2 (/usr/bin/python3)")));
    // Backends without a lock say nothing about one.
    for (const QString& note : notes)
        QVERIFY2(!note.startsWith(QStringLiteral("threads x2: the lock")), qPrintable(note));
}

void TestExports::traceHasEveryTaskOnItsWorkersTrack()
{
    const RunResult r = resultWithSpans();
    const QJsonObject trace = traceOf(r);
    QCOMPARE(trace.value(QStringLiteral("displayTimeUnit")).toString(), QStringLiteral("ms"));
    const QJsonObject other = trace.value(QStringLiteral("otherData")).toObject();
    QCOMPARE(other.value(QStringLiteral("tool")).toString(), QStringLiteral("parlab"));
    QCOMPARE(other.value(QStringLiteral("kernel")).toString(), QStringLiteral("fib"));
    QCOMPARE(other.value(QStringLiteral("inputs")).toString(), QStringLiteral("20,21"));
    QVERIFY(!other.value(QStringLiteral("version")).toString().isEmpty());
    QVERIFY(other.value(QStringLiteral("created")).toString().startsWith(QStringLiteral("2026-11-25T12:00")));
    // Times start at the run's first task; the absolute origin is kept.
    QCOMPARE(other.value(QStringLiteral("origin_monotonic_ns")).toString(), QString::number(kClock));

    const QList<QJsonObject> tasks = eventsOf(trace, QStringLiteral("X"));
    int expected = 0;
    for (qsizetype i = 0; i < r.measurements.size(); ++i) {
        const Measurement& m = r.measurements[i];
        const int pid = int(i) + 1;
        if (!m.spans.isEmpty())
            QCOMPARE(trackName(trace, pid), m.label());
        for (const TaskSpan& s : m.spans) {
            ++expected;
            const auto found = std::find_if(tasks.cbegin(), tasks.cend(), [&](const QJsonObject& e) {
                return e.value(QStringLiteral("pid")).toInt() == pid
                    && e.value(QStringLiteral("tid")).toInt() == s.worker + 1
                    && e.value(QStringLiteral("args")).toObject().value(QStringLiteral("index")).toInt() == s.index;
            });
            QVERIFY2(found != tasks.cend(), qPrintable(m.label()));
            QCOMPARE(found->value(QStringLiteral("name")).toString(), QStringLiteral("fib(%1)").arg(s.input));
            QCOMPARE(ns(found->value(QStringLiteral("ts"))), s.startNs - kClock);
            QCOMPARE(ns(found->value(QStringLiteral("dur"))), s.endNs - s.startNs);
            const QJsonObject args = found->value(QStringLiteral("args")).toObject();
            QCOMPARE(args.value(QStringLiteral("input")).toInteger(), s.input);
            QCOMPARE(args.value(QStringLiteral("checksum")).toString(),
                QStringLiteral("%1").arg(s.checksum, 16, 16, QLatin1Char('0')));
            QCOMPARE(args.value(QStringLiteral("pid")).toInteger(), s.pid);
            QCOMPARE(args.value(QStringLiteral("host")).toString(), s.host);
            // The task's thread CPU time and run-queue delay where measured, nothing where not.
            QCOMPARE(args.value(QStringLiteral("cpu_ns")).toInteger(-1), s.cpuNs);
            QCOMPARE(args.value(QStringLiteral("wait_ns")).toInteger(-1), s.waitNs);
        }
    }
    QCOMPARE(tasks.size(), expected);
    // Sub-microsecond times survive: 250 ns after the first task of threads x2.
    QVERIFY(std::any_of(tasks.cbegin(), tasks.cend(),
        [](const QJsonObject& e) { return e.value(QStringLiteral("ts")).toDouble() == 2000.25; }));

    QCOMPARE(trackName(trace, 1, 1), QStringLiteral("thread 1"));
    QCOMPARE(trackName(trace, 3, 2), QStringLiteral("thread 2"));
    QCOMPARE(trackName(trace, 4, 1), QStringLiteral("process 1 (pid 7000)"));
    QCOMPARE(trackName(trace, 4, 2), QStringLiteral("process 2 @ node7 (pid 7001)"));
    QCOMPARE(TraceExport::workerName(r.measurements[3], 1), QStringLiteral("process 2 @ node7 (pid 7001)"));
    // A measurement without spans gets no track.
    QCOMPARE(trackName(trace, 2), QString());
    QVERIFY2(nestingProblem(trace).isEmpty(), qPrintable(nestingProblem(trace)));
}

void TestExports::traceNestsLockStatesInsideTasks()
{
    RunResult r = sampleResult();
    Measurement& m = r.measurements[2];
    m.spans = { span(20, 0, 0, 1'000, 5'000), span(21, 1, 0, 6'000, 9'000), span(21, 1, 1, 1'000, 2'000) };
    // Text that JSON must escape survives the round trip.
    const QString host = QStringLiteral("nœud \"7\"\\ \t😀");
    m.spans[2].host = host;
    // Every state crosses a task boundary; the first starts before any task.
    m.states = { state(0, LockState::Running, 500, 2'000), state(0, LockState::Waiting, 2'000, 5'500),
        state(0, LockState::Running, 5'500, 7'000), state(0, LockState::Released, 7'000, 9'500),
        state(1, LockState::Waiting, 1'000, 2'000) };
    const QJsonObject trace = traceOf(r);
    QVERIFY2(nestingProblem(trace).isEmpty(), qPrintable(nestingProblem(trace)));

    // Worker 0's states, cut at task edges: (name, start, end, inside a task).
    struct Piece {
        QString name;
        qint64 start, end;
        QString colour;
    };
    QList<Piece> pieces;
    QList<std::pair<qint64, qint64>> taskTimes;
    for (const QJsonObject& e : eventsOf(trace, QStringLiteral("X"))) {
        if (e.value(QStringLiteral("tid")).toInt() != 1)
            continue;
        const qint64 start = ns(e.value(QStringLiteral("ts"))) + 500; // the origin is the first state
        const qint64 end = start + ns(e.value(QStringLiteral("dur")));
        if (e.value(QStringLiteral("name")).toString().startsWith(QStringLiteral("fib(")))
            taskTimes.append({ start, end });
        else
            pieces.append({ e.value(QStringLiteral("name")).toString(), start, end,
                e.value(QStringLiteral("cname")).toString() });
    }
    QCOMPARE(taskTimes, (QList<std::pair<qint64, qint64>> { { 1'000, 5'000 }, { 6'000, 9'000 } }));
    std::sort(pieces.begin(), pieces.end(), [](const Piece& a, const Piece& b) { return a.start < b.start; });
    const QList<std::pair<qint64, qint64>> expected { { 500, 1'000 }, { 1'000, 2'000 }, { 2'000, 5'000 },
        { 5'000, 5'500 }, { 5'500, 6'000 }, { 6'000, 7'000 }, { 7'000, 9'000 }, { 9'000, 9'500 } };
    const QStringList names { QStringLiteral("running"), QStringLiteral("running"), QStringLiteral("waiting"),
        QStringLiteral("waiting"), QStringLiteral("running"), QStringLiteral("running"), QStringLiteral("released"),
        QStringLiteral("released") };
    QCOMPARE(pieces.size(), expected.size());
    for (qsizetype i = 0; i < pieces.size(); ++i) {
        QCOMPARE(pieces[i].name, names[i]);
        QCOMPARE(std::make_pair(pieces[i].start, pieces[i].end), expected[i]);
        // A piece lies inside one task or outside all of them.
        const bool inside = std::any_of(taskTimes.cbegin(), taskTimes.cend(),
            [&](const auto& t) { return t.first <= pieces[i].start && pieces[i].end <= t.second; });
        const bool overlaps = std::any_of(taskTimes.cbegin(), taskTimes.cend(),
            [&](const auto& t) { return t.first < pieces[i].end && pieces[i].start < t.second; });
        QVERIFY(inside || !overlaps);
    }
    QCOMPARE(trackName(trace, 3, 2), QStringLiteral("thread 2 @ ") + host);
    const QList<QJsonObject> all = eventsOf(trace, QStringLiteral("X"));
    QVERIFY(std::any_of(all.cbegin(), all.cend(), [&host](const QJsonObject& e) {
        return e.value(QStringLiteral("args")).toObject().value(QStringLiteral("host")).toString() == host;
    }));
    QCOMPARE(pieces[0].colour, QStringLiteral("good"));
    QCOMPARE(pieces[2].colour, QStringLiteral("terrible"));
    QCOMPARE(pieces[6].colour, QStringLiteral("grey"));
}

void TestExports::traceOfARealRunIsProperlyNested()
{
    ExperimentSpec spec;
    spec.kernel = QStringLiteral("fib");
    spec.inputs = { 22, 21, 20, 19, 18, 17 };
    spec.backends = { QStringLiteral("threads"), QStringLiteral("qtconcurrent") };
    spec.workers = { 1, 2 };
    spec.repeats = 2;
    spec.warmup = 0;
    const RunResult result = testsupport::runToEnd(spec).result;
    QVERIFY2(result.succeeded(), qPrintable(result.error));
    QCOMPARE(result.measurements.size(), 5);

    const QJsonObject trace = traceOf(result);
    QVERIFY2(nestingProblem(trace).isEmpty(), qPrintable(nestingProblem(trace)));
    const QList<QJsonObject> tasks = eventsOf(trace, QStringLiteral("X"));
    QCOMPARE(tasks.size(), 5 * 6);
    qint64 earliest = std::numeric_limits<qint64>::max();
    for (const QJsonObject& e : tasks)
        earliest = std::min(earliest, ns(e.value(QStringLiteral("ts"))));
    QCOMPARE(earliest, 0);
    for (qsizetype i = 0; i < result.measurements.size(); ++i) {
        QCOMPARE(trackName(trace, int(i) + 1), result.measurements[i].label());
        for (const TaskSpan& s : result.measurements[i].spans)
            QVERIFY(trackName(trace, int(i) + 1, s.worker + 1).contains(QStringLiteral("thread")));
    }
}

void TestExports::htmlIsWellFormedAndSelfContained()
{
    RunResult r = resultWithSpans();
    r.spec.options.kernelSettings.insert(
        QStringLiteral("command"), QStringLiteral("python3 child.py <&> {} \"quoted\" 'single'"));
    r.warnings.append(QStringLiteral("a <b> & c"));
    r.runtimes.insert(QStringLiteral("python-threads"), QStringLiteral("Python 3.11.2 (/usr/bin/python3)"));
    const QByteArray html = HtmlReport::toHtml(r);
    QVERIFY(html.startsWith("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\""));
    QString error, root;
    QVERIFY2(parsesAsXml(html, &error, &root), qPrintable(error));
    QCOMPARE(root, QStringLiteral("http://www.w3.org/1999/xhtml html"));

    const QString text = QString::fromUtf8(html);
    QVERIFY(text.contains(QStringLiteral("python3 child.py &lt;&amp;&gt; {} &quot;quoted&quot; &#39;single&#39;")));
    QVERIFY(!text.contains(QStringLiteral("<&>")));
    QVERIFY(text.contains(QStringLiteral("a &lt;b&gt; &amp; c")));
    QVERIFY(text.contains(QStringLiteral("Python 3.11.2 (/usr/bin/python3)")));

    // Nothing fetched: the only URIs are the two namespaces.
    QString rest = text;
    rest.remove(QStringLiteral("http://www.w3.org/1999/xhtml")).remove(QStringLiteral("http://www.w3.org/2000/svg"));
    QVERIFY(!rest.contains(QStringLiteral("http://")));
    QVERIFY(!rest.contains(QStringLiteral("https://")));
    for (const char* fetching : { "<script", "<link", "<img", "<iframe", "url(", "@import", "src=", "href=" })
        QVERIFY2(!rest.contains(QLatin1String(fetching)), fetching);
    // Light and dark.
    QVERIFY(text.contains(QStringLiteral("prefers-color-scheme: dark")));
    // An HTML parser treats <div/> as an open tag: only void elements and SVG may close themselves.
    static const QRegularExpression selfClosing(QStringLiteral("<(\\w+)[^<>]*/>"));
    const QStringList allowed { QStringLiteral("meta"), QStringLiteral("br"), QStringLiteral("line"),
        QStringLiteral("polyline"), QStringLiteral("rect"), QStringLiteral("circle"), QStringLiteral("path") };
    for (auto it = selfClosing.globalMatch(text); it.hasNext();) {
        const QString tag = it.next().captured(1);
        QVERIFY2(allowed.contains(tag), qPrintable(tag));
    }
}

void TestExports::htmlShowsTheTableChartsAndTimeline()
{
    const RunResult r = resultWithSpans();
    const QString html = QString::fromUtf8(HtmlReport::toHtml(r));
    QVERIFY(html.contains(QStringLiteral("<title>fib on sequential, threads, processes, 2026-11-25 12:00</title>")));
    QVERIFY(html.contains(QStringLiteral("Created 2026-11-25 12:00:00")));
    QVERIFY(HtmlReport::toHtml(r, QStringLiteral("My <run>")).contains("<h1>My &lt;run&gt;</h1>"));
    // Every row of the terminal table, cell for cell.
    const Report::Table table = Report::summary(r);
    QCOMPARE(table.rows.size(), 4);
    for (const QString& column : table.header)
        QVERIFY2(html.contains(column.toHtmlEscaped()), qPrintable(column));
    for (const QStringList& row : table.rows) {
        for (const QString& cell : row)
            QVERIFY2(html.contains(QStringLiteral(">%1</td>").arg(cell)), qPrintable(cell));
    }
    QVERIFY(html.contains(QStringLiteral(">550.0 ms ± 50.00 ms</td>")));
    for (const Measurement& m : r.measurements)
        QVERIFY2(html.contains(m.label()), qPrintable(m.label()));
    // Speedup and wall-time charts, and a timeline for each measurement with more than one worker.
    QCOMPARE(html.count(QStringLiteral("<svg ")), 2 + 2);
    QVERIFY(html.contains(QStringLiteral("aria-label=\"Speedup against workers\"")));
    QVERIFY(html.contains(QStringLiteral("aria-label=\"Wall time against workers\"")));
    QVERIFY(html.contains(QStringLiteral("aria-label=\"Timeline of threads x2, latest repeat\"")));
    QVERIFY(html.contains(QStringLiteral("aria-label=\"Timeline of processes x2, latest repeat\"")));
    QVERIFY(html.contains(QStringLiteral("class=\"bound\""))); // the lpt bound (tst_palette checks its look)
    QVERIFY(html.contains(QStringLiteral("class=\"ideal\"")));
    QVERIFY(html.contains(QStringLiteral("<title>threads x2: speedup 1.82x")));
    QVERIFY(html.contains(QStringLiteral("<title>fib(21) on process 1 (pid 7000): 599.9 µs")));
    QVERIFY(html.contains(QStringLiteral(">fib(20)</text>"))); // labels on bars wide enough for them
    // Bounds and fits.
    QVERIFY(html.contains(QStringLiteral("unlimited (critical)")));
    QVERIFY(html.contains(QStringLiteral(">1.67x</td>")));
    QVERIFY(html.contains(QStringLiteral("Amdahl fits")));
    QVERIFY(html.contains(QStringLiteral("Test CPU, with a comma")));
    QVERIFY(!html.contains(QStringLiteral("class=\"banner")));

    // With only single-worker measurements, the best one still gets a timeline.
    RunResult single = resultWithSpans();
    single.measurements.removeAt(3);
    single.measurements.removeAt(2);
    analyse(single);
    const QString singleHtml = QString::fromUtf8(HtmlReport::toHtml(single));
    QCOMPARE(singleHtml.count(QStringLiteral("aria-label=\"Timeline of")), 1);
}

// A weak run's report: the scaled speedup under its name, and a chart of the weak efficiency T1/TN beside it.
void TestExports::htmlShowsAWeakRunsEfficiency()
{
    RunResult r = resultWithSpans();
    r.spec.options.scaling = ScalingKind::Weak;
    analyse(r);
    const Measurement* two = r.find(QStringLiteral("threads"), 2);
    QVERIFY(two);
    const double baseline = r.find(QStringLiteral("sequential"), 1)->wall.median;
    QCOMPARE(two->speedup, 2 * baseline / two->wall.median);
    const QString html = QString::fromUtf8(HtmlReport::toHtml(r));
    QVERIFY(html.contains(QStringLiteral("aria-label=\"Scaled speedup against workers\"")));
    QVERIFY(html.contains(QStringLiteral("aria-label=\"Weak efficiency against workers\"")));
    QVERIFY(html.contains(QStringLiteral("<title>threads x2: weak efficiency %1</title>")
                              .arg(Format::percent(baseline / two->wall.median))));
    QVERIFY(html.contains(QStringLiteral("at N workers the 2 inputs N times over")));
    // One dot per measurement of a backend with workers: the baseline is the yardstick, 100% by definition.
    const QString chart = SvgCharts::efficiencyChart(r);
    QCOMPARE(chart.count(QStringLiteral("<circle class=\"dot\"")), 3);
    QVERIFY(chart.contains(QStringLiteral("<title>ideal: 100%</title>")));
    // A strong run's report has no such chart: its efficiency is read off the speedup chart.
    QVERIFY(!QString::fromUtf8(HtmlReport::toHtml(resultWithSpans())).contains(QStringLiteral("efficiency against")));
}

void TestExports::htmlDrawsEachBackendsPredictionDashed()
{
    const RunResult r = resultWithSpans();
    const QString html = QString::fromUtf8(HtmlReport::toHtml(r));
    // threads, calibrated on its 1-worker measurement (1.0 s, the baseline's median): tasks of 0.4 and 0.6 s end at
    // 0.6 s on 2 workers or more, 1.67x, and the line goes on to 4 workers, twice the largest measured count.
    QVERIFY(html.contains(QStringLiteral(
        "<title>threads predicted (schedule simulation): x1 1.00x, x2 1.67x, x4 1.67x</title></polyline>")));
    // processes measured 2 workers only: calibrated there, the prediction at 2 is its measurement.
    QVERIFY(html.contains(QStringLiteral("<title>processes predicted (schedule simulation): x2 %1, x4 ")
                              .arg(Format::speedup(r.find(QStringLiteral("processes"), 2)->speedup))));
    QCOMPARE(html.count(QStringLiteral("<polyline class=\"predicted\"")), 2);
    // In the legend beside the measured lines, and dashed in the backend's colour, as the palette says.
    QVERIFY(html.contains(QStringLiteral(">threads predicted</text>")));
    const Palette::Line look = Palette::predicted(QStringLiteral("threads"));
    QCOMPARE(look.style, Palette::LineStyle::Dashed);
    QVERIFY(
        html.contains(QStringLiteral("svg.chart .predicted{fill:none;stroke:var(--s);stroke-width:%1;stroke-dasharray:")
                          .arg(look.width)));
    // The workers axis reaches 4.
    QVERIFY(html.contains(QStringLiteral("text-anchor=\"middle\">4</text>")));
}

void TestExports::htmlDrawsLockStates()
{
    RunResult r = resultWithSpans();
    Measurement& m = r.measurements[2];
    m.states = { state(0, LockState::Running, kClock + 2'000'000, kClock + 2'200'000),
        state(0, LockState::Waiting, kClock + 2'200'000, kClock + 2'400'500),
        state(1, LockState::Released, kClock + 2'000'250, kClock + 2'600'750) };
    m.switches = { 12 };
    const QByteArray bytes = HtmlReport::toHtml(r);
    QString error, root;
    QVERIFY2(parsesAsXml(bytes, &error, &root), qPrintable(error));
    const QString html = QString::fromUtf8(bytes);
    for (const char* cls : { "state running", "state waiting", "state released" })
        QVERIFY2(html.contains(QStringLiteral("<rect class=\"%1\" x=").arg(QLatin1String(cls))), cls);
    QVERIFY(html.contains(QStringLiteral("<title>waiting: 200.5 µs</title>")));
    QVERIFY(html.contains(QStringLiteral("12 lock hand-overs")));
    QVERIFY(html.contains(QStringLiteral("green running, red waiting, grey released")));
}

void TestExports::htmlSaysWhenARunWasCancelledOrFailed()
{
    RunResult cancelled = resultWithSpans();
    cancelled.cancelled = true;
    cancelled.completedRuns = 3;
    cancelled.plannedRuns = 12;
    const QString html = QString::fromUtf8(HtmlReport::toHtml(cancelled));
    QVERIFY(html.contains(
        QStringLiteral("<p class=\"banner cancelled\"><strong>This run was cancelled</strong> after 3 of 12 runs")));
    QVERIFY(html.contains(QStringLiteral(">550.0 ms ± 50.00 ms</td>"))); // what was measured is still there

    RunResult failed = resultWithSpans();
    failed.error = QStringLiteral("threads x2: fib failed on input 21 <oops>");
    const QByteArray bytes = HtmlReport::toHtml(failed);
    QString error, root;
    QVERIFY2(parsesAsXml(bytes, &error, &root), qPrintable(error));
    QVERIFY(bytes.contains("This run failed:</strong> threads x2: fib failed on input 21 &lt;oops&gt;"));

    // Nothing measured at all: still a valid page that says so.
    RunResult empty;
    empty.spec.kernel = QStringLiteral("fib");
    empty.cancelled = true;
    const QByteArray nothing = HtmlReport::toHtml(empty);
    QVERIFY2(parsesAsXml(nothing, &error, &root), qPrintable(error));
    QVERIFY(nothing.contains("Nothing was measured."));
    QVERIFY(!nothing.contains("<svg"));
    QCOMPARE(eventsOf(traceOf(empty), QStringLiteral("X")).size(), 0);
}

void TestExports::htmlStaysSmallForLargeRuns()
{
    // 8 backends x 4 worker counts, 5,000 tasks each, lock states every 0.5 ms: timelines are capped.
    RunResult r;
    r.spec.kernel = QStringLiteral("noop");
    r.measurements.append(testsupport::measurement(QStringLiteral("sequential"), 1, { 1.0 }));
    for (int b = 0; b < 8; ++b) {
        for (int workers : { 2, 4, 8, 16 }) {
            Measurement m = testsupport::measurement(QStringLiteral("backend%1").arg(b), workers, { 1.0 / workers });
            for (int i = 0; i < 5'000; ++i)
                m.spans.append(span(
                    i, i, i % workers, qint64(i / workers) * 1'000'000, qint64(i / workers) * 1'000'000 + 900'000));
            for (int w = 0; w < workers; ++w) {
                for (qint64 t = 0; t < qint64(5'000 / workers) * 1'000'000; t += 500'000)
                    m.states.append(
                        state(w, (t / 500'000 + w) % 3 ? LockState::Waiting : LockState::Running, t, t + 500'000));
            }
            r.measurements.append(m);
        }
    }
    analyse(r);
    const QByteArray html = HtmlReport::toHtml(r);
    qInfo("report of %lld measurements: %lld KiB", qlonglong(r.measurements.size()), qlonglong(html.size() / 1024));
    QString error, root;
    QVERIFY2(parsesAsXml(html, &error, &root), qPrintable(error));
    QCOMPARE(html.count("aria-label=\"Timeline of"), 6);
    QVERIFY(html.contains("26 more measurements are left out"));
    QCOMPARE(html.count("the first 1000 of 5000 tasks are drawn"), 6);
    QVERIFY2(html.size() < qsizetype(4) * 1024 * 1024, "the report must stay small enough to mail");
    // The trace keeps everything.
    QVERIFY(TraceExport::toJson(r).count("\"ph\":\"X\"") >= qsizetype(32) * 5'000);
}

void TestExports::speedupsPrintOneWay()
{
    QCOMPARE(Format::speedup(1.0 / 0.55), QStringLiteral("1.82x"));
    QCOMPARE(Format::speedup(3.0, 0), QStringLiteral("3x"));
    QCOMPARE(Format::speedup(kUnknown), QStringLiteral("–")); // no "–x"
    // The table, the report's bounds and the notes print through it.
    const RunResult r = sampleResult();
    const Report::Table table = Report::summary(r);
    bool found = false;
    for (const QStringList& row : table.rows) {
        if (row[0] == QStringLiteral("threads") && row[1] == QStringLiteral("2")) {
            QVERIFY2(
                row[5].startsWith(Format::speedup(r.find(QStringLiteral("threads"), 2)->speedup)), qPrintable(row[5]));
            QCOMPARE(row[7], Format::speedup(r.bounds.lpt.value(2)));
            found = true;
        }
    }
    QVERIFY(found);
    const QString html = QString::fromUtf8(HtmlReport::toHtml(r));
    QVERIFY(html.contains(Format::speedup(r.bounds.critical)));
}

void TestExports::atomicWriteKeepsTheOldFileOnFailure()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("results.json"));
    const Result<void> first = AtomicFile::write(path, QByteArrayLiteral("old and good"));
    QVERIFY2(first, qPrintable(first.error()));

    // A writer that fails half way (an encoder, a full disk): the old file stays as it was, nothing beside it.
    const Result<void> failed = AtomicFile::write(path, [](QIODevice& file) -> Result<void> {
        file.write("half of the new");
        return fail(QStringLiteral("the encoder failed"));
    });
    QVERIFY(!failed);
    QCOMPARE(failed.error(), QStringLiteral("cannot write '%1': the encoder failed").arg(path));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), QByteArrayLiteral("old and good"));
    file.close();
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden), QStringList { QStringLiteral("results.json") });

    // A folder that does not exist: the message names the path, in the caller's words when it gives them.
    const QString missing = dir.filePath(QStringLiteral("no/such/folder/r.json"));
    const Result<void> noFolder = AtomicFile::write(missing, QByteArrayLiteral("x"));
    QVERIFY(!noFolder);
    QVERIFY2(
        noFolder.error().startsWith(QStringLiteral("cannot write '%1': ").arg(missing)), qPrintable(noFolder.error()));
    const Result<void> worded = AtomicFile::write(missing, QByteArrayLiteral("x"), QStringLiteral("Cannot save it"));
    QVERIFY2(worded.error().startsWith(QStringLiteral("Cannot save it: ")), qPrintable(worded.error()));

    // Success replaces the contents whole.
    QVERIFY(AtomicFile::write(path, QByteArrayLiteral("new")));
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), QByteArrayLiteral("new"));
}

void TestExports::fileTypeComesFromTheSuffix()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QStringList written;
    const QList<AtomicFile::FileType> types {
        { { QStringLiteral("csv") }, AtomicFile::bytes([&written] {
             written.append(QStringLiteral("csv"));
             return QByteArrayLiteral("a,b\n");
         }) },
        { { QStringLiteral("md"), QStringLiteral("markdown") }, AtomicFile::bytes([&written] {
             written.append(QStringLiteral("md"));
             return QByteArrayLiteral("| a |\n");
         }) },
    };
    QCOMPARE(AtomicFile::choices(types), QStringLiteral("use .csv or .md"));
    // Case does not matter; an alias picks its type; only the chosen type's bytes are made.
    QVERIFY(AtomicFile::writeByType(dir.filePath(QStringLiteral("T.CSV")), types));
    QVERIFY(AtomicFile::writeByType(dir.filePath(QStringLiteral("t.markdown")), types));
    QCOMPARE(written, (QStringList { QStringLiteral("csv"), QStringLiteral("md") }));
    QCOMPARE(*AtomicFile::typeOf(QStringLiteral("x.Md"), types), qsizetype(1));

    // An unknown suffix or none: an error naming it and the choices, no file, nothing made.
    const QString xls = dir.filePath(QStringLiteral("t.xls"));
    const Result<void> unknown = AtomicFile::writeByType(xls, types);
    QCOMPARE(
        unknown.error(), QStringLiteral("cannot write '%1': unknown file type \".xls\" (use .csv or .md)").arg(xls));
    QVERIFY(!QFileInfo::exists(xls));
    QVERIFY(AtomicFile::writeByType(dir.filePath(QStringLiteral("noname")), types)
                .error()
                .contains(QStringLiteral("unknown file type \"no suffix\"")));
    QCOMPARE(written.size(), 2);
    QCOMPARE(AtomicFile::choices({ { { QStringLiteral("png") }, {} }, { { QStringLiteral("svg") }, {} },
                 { { QStringLiteral("pdf") }, {} } }),
        QStringLiteral("use .png, .svg or .pdf"));
}

QTEST_GUILESS_MAIN(TestExports)
#include "tst_exports.moc"
