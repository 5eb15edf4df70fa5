// Memory and context switches, measured with real processes as a user checks them: a kernel that allocates N MiB
// shows at least N MiB of peak resident memory, a second worker process adds its own, sleeping workers switch, and
// the largest process's peak agrees with what /usr/bin/time -v reports for the same run.
#include "export/formatting.h"
#include "export/jsonexport.h"
#include "export/jsonimport.h"
#include "export/texttable.h"
#include "measurement.h"
#include "resourceusage.h"
#include "testsupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTest>

using namespace parlab;

namespace {
constexpr qint64 kMiB = qint64(1024) * 1024;
// stream allocates three arrays of its input in MiB per task.
constexpr int kStreamMiB = 64;
constexpr qint64 kStreamTaskBytes = qint64(3) * kStreamMiB * kMiB;

QStringList runArguments(const QString& kernel, const QString& inputs, const QString& backends, const QString& workers)
{
    return { QStringLiteral("run"), QStringLiteral("--kernel"), kernel, QStringLiteral("--inputs"), inputs,
        QStringLiteral("--backends"), backends, QStringLiteral("--workers"), workers, QStringLiteral("--repeat"),
        QStringLiteral("1"), QStringLiteral("--warmup"), QStringLiteral("0"), QStringLiteral("--no-history"),
        QStringLiteral("--format"), QStringLiteral("json") };
}

// The run's export, read back through the importer a user's file goes through.
RunResult runJson(const QStringList& arguments)
{
    const testsupport::Result r = testsupport::runParlab(arguments, 120'000);
    if (r.code != 0)
        qFatal("parlab %s failed: %s", qPrintable(arguments.join(QLatin1Char(' '))), qPrintable(r.err));
    const Result<RunResult> read = JsonImport::fromJson(r.out.toUtf8());
    if (!read)
        qFatal("%s", qPrintable(read.error()));
    return *read;
}

} // namespace

class TestUsage final : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void readsStatusFields();
    void threadsHoldWhatTheKernelAllocates();
    void aSecondWorkerProcessAddsItsOwn();
    void processPerTaskSlotsReport();
    void sleepingWorkersSwitch();
    void largestProcessMatchesUsrBinTime();
};

void TestUsage::readsStatusFields()
{
    const QByteArray status = "Name:\tparlab\nVmPeak:\t  900 kB\nVmHWM:\t    1740 kB\nVmRSS:\t 1700 kB\n";
    QCOMPARE(ResourceUsage::statusBytes(status, "VmHWM"), 1740 * 1024);
    QCOMPARE(ResourceUsage::statusBytes(status, "VmRSS"), 1700 * 1024);
    QCOMPARE(ResourceUsage::statusBytes(status, "VmHW"), -1); // a whole name only
    QCOMPARE(ResourceUsage::statusBytes("VmHWM:\t12 MB\n", "VmHWM"), -1); // not the unit the kernel writes
    // This process's own: resetting brings the peak down to what it holds now, an allocation raises it again.
    QVERIFY(ResourceUsage::resetPeakRss());
    const qint64 before = ResourceUsage::peakRssBytes();
    QVERIFY(before > 0);
    {
        std::vector<char> block(size_t(64 * kMiB), 1);
        QVERIFY(ResourceUsage::peakRssBytes() >= before + 60 * kMiB);
    }
    QVERIFY(ResourceUsage::resetPeakRss());
    QVERIFY(ResourceUsage::peakRssBytes() < before + 32 * kMiB);
}

void TestUsage::threadsHoldWhatTheKernelAllocates()
{
    const RunResult r = runJson(runArguments(
        QStringLiteral("stream"), QString::number(kStreamMiB), QStringLiteral("threads"), QStringLiteral("1")));
    for (const Measurement& m : r.measurements) {
        QCOMPARE(m.usage.size(), 1);
        QVERIFY2(m.peakRssBytes >= double(kStreamTaskBytes), qPrintable(m.label()));
        QCOMPARE(m.usage[0].workers.size(), 1);
        QVERIFY(m.usage[0].workers[0].voluntarySwitches >= 0);
        QCOMPARE(m.usage[0].workers[0].peakRssBytes, -1); // a thread's memory is its process's
    }
}

void TestUsage::aSecondWorkerProcessAddsItsOwn()
{
    const QString inputs = QStringLiteral("%1,%1").arg(kStreamMiB);
    const RunResult r
        = runJson(runArguments(QStringLiteral("stream"), inputs, QStringLiteral("processes"), QStringLiteral("1,2")));
    const Measurement* one = r.find(QStringLiteral("processes"), 1);
    const Measurement* two = r.find(QStringLiteral("processes"), 2);
    QVERIFY(one && two);
    for (const Measurement* m : { one, two }) {
        QCOMPARE(m->usage.constFirst().workers.size(), m->workers);
        for (const WorkerUsage& w : m->usage.constFirst().workers)
            QVERIFY2(w.peakRssBytes >= kStreamTaskBytes, qPrintable(QString::number(w.peakRssBytes)));
    }
    // Two processes each ran a task: the second holds its own arrays beside the first's.
    qInfo("peak RSS: processes x1 %s, x2 %s", qPrintable(Format::bytes(one->peakRssBytes)),
        qPrintable(Format::bytes(two->peakRssBytes)));
    QVERIFY(two->peakRssBytes - one->peakRssBytes >= 0.9 * double(kStreamTaskBytes));
    // The export carries it, and the table shows it.
    const QJsonObject entry = JsonExport::measurementObject(*two);
    QCOMPARE(entry.value(QStringLiteral("peak_rss_bytes")).toDouble(), two->peakRssBytes);
    QCOMPARE(entry.value(QStringLiteral("usage")).toArray().size(), 1);
    QVERIFY(Report::toText(r).contains(QStringLiteral("peak RSS")));
    QVERIFY(Report::toText(r, true).contains(QStringLiteral("memory and context switches")));
}

void TestUsage::processPerTaskSlotsReport()
{
    const QString inputs = QStringLiteral("%1,%1,%1").arg(kStreamMiB);
    const RunResult r = runJson(
        runArguments(QStringLiteral("stream"), inputs, QStringLiteral("process-per-task"), QStringLiteral("2")));
    const Measurement* m = r.find(QStringLiteral("process-per-task"), 2);
    QVERIFY(m);
    const QList<WorkerUsage>& perSlot = m->usage.constFirst().workers;
    QCOMPARE(perSlot.size(), 2);
    for (const WorkerUsage& w : perSlot) {
        QVERIFY(w.peakRssBytes >= kStreamTaskBytes);
        QVERIFY(w.voluntarySwitches >= 0 && w.involuntarySwitches >= 0);
    }
}

void TestUsage::sleepingWorkersSwitch()
{
    // A sleeping task gives up its core: each worker that ran one switched voluntarily at least once per task.
    const RunResult r = runJson(runArguments(QStringLiteral("sleep"), QStringLiteral("20,20,20,20"),
        QStringLiteral("threads,gil-threads,qtconcurrent,processes,process-per-task"), QStringLiteral("2")));
    for (const Measurement& m : r.measurements) {
        if (m.backend == QStringLiteral("sequential"))
            continue;
        const QList<WorkerUsage>& workers = m.usage.constFirst().workers;
        QVERIFY2(workers.size() == 2, qPrintable(m.label()));
        for (const WorkerUsage& w : workers)
            QVERIFY2(w.voluntarySwitches > 0, qPrintable(QStringLiteral("%1 worker %2").arg(m.label()).arg(w.worker)));
        QVERIFY2(m.voluntarySwitches >= 4, qPrintable(m.label()));
    }
}

void TestUsage::largestProcessMatchesUsrBinTime()
{
    if (!QFile::exists(QStringLiteral("/usr/bin/time")))
        QFAIL("/usr/bin/time is missing: ./dev.sh installs it (Debian's package time)");
    // The same run as a user would time it. /usr/bin/time reports the largest single process of the tree: the
    // ru_maxrss wait4 returns, each process's high-water mark when it exited. ParLab resets its own before every
    // repeat and a worker its own at its first task after a report, so what the kernel hands on is each one's peak
    // in the last repeat it ran: here, the run's last, processes x2 (after sequential), whose
    // RepeatUsage::largestProcessRssBytes is the figure to compare.
    QProcess timed;
    timed.start(QStringLiteral("/usr/bin/time"),
        QStringList { QStringLiteral("-v"), QStringLiteral(PARLAB_EXECUTABLE) }
            + runArguments(
                QStringLiteral("stream"), QStringLiteral("100,100"), QStringLiteral("processes"), QStringLiteral("2")));
    QVERIFY(timed.waitForFinished(120'000));
    QCOMPARE(timed.exitCode(), 0);
    const QString err = QString::fromUtf8(timed.readAllStandardError());
    const QRegularExpressionMatch max
        = QRegularExpression(QStringLiteral(R"(Maximum resident set size \(kbytes\): (\d+))")).match(err);
    QVERIFY2(max.hasMatch(), qPrintable(err));
    const double time = max.captured(1).toDouble() * 1024;
    const Result<RunResult> r = JsonImport::fromJson(timed.readAllStandardOutput());
    QVERIFY2(r, qPrintable(r.error()));
    const Measurement* last = r->find(QStringLiteral("processes"), 2);
    QVERIFY(last && last->usage.size() == 1);
    const double ours = double(last->usage.constFirst().largestProcessRssBytes());
    qInfo("largest process of processes x2: parlab %s, /usr/bin/time -v %s (%+.1f%%); its processes together: %s "
          "(parlab itself %s)",
        qPrintable(Format::bytes(ours)), qPrintable(Format::bytes(time)), 100.0 * (ours - time) / time,
        qPrintable(Format::bytes(last->peakRssBytes)),
        qPrintable(Format::bytes(double(last->usage.constFirst().processPeakRssBytes))));
    QVERIFY(std::abs(ours - time) <= 0.10 * time);
}

QTEST_GUILESS_MAIN(TestUsage)
#include "tst_usage.moc"
