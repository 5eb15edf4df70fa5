// Memory and context switches, measured with real processes as a user checks them: a kernel that allocates N MiB
// shows at least N MiB of peak resident memory, a second worker process adds its own, sleeping workers switch, the
// programs a command task runs count as its worker's, and the largest process's peak agrees with what
// /usr/bin/time -v reports for the same run and for the same program.
#include "backends/backendregistry.h"
#include "backends/mpibackend.h"
#include "backends/pythonbackend.h"
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
#include <QTemporaryDir>
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

// A program that holds this many MiB at its peak (bytearray writes every byte), and one that blocks this many times.
constexpr int kProgramMiB = 200;
const QString kAllocatingProgram = QStringLiteral("python3 -c 'x = bytearray(%1 << 20)'").arg(kProgramMiB);
constexpr int kProgramSleeps = 100;
const QString kSleepingProgram
    = QStringLiteral("python3 -c 'import time\nfor _ in range(%1): time.sleep(0.002)'").arg(kProgramSleeps);

QStringList commandArguments(
    const QString& program, const QString& inputs, const QString& backends, const QString& workers)
{
    return runArguments(QStringLiteral("command"), inputs, backends, workers)
        + QStringList { QStringLiteral("--command"), program };
}

// "Maximum resident set size (kbytes): N" of /usr/bin/time -v's report, in bytes; NaN when missing.
double usrBinTimePeak(const QString& report)
{
    const QRegularExpressionMatch max
        = QRegularExpression(QStringLiteral(R"(Maximum resident set size \(kbytes\): (\d+))")).match(report);
    return max.hasMatch() ? max.captured(1).toDouble() * 1024 : std::nan("");
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
    void commandProgramsCount_data();
    void commandProgramsCount();
    void commandProgramsSwitch();
    void commandProgramMatchesUsrBinTime();
    void pythonInterpreterAndPoolReport();
    void mpiRanksReport();
    void unknownPeakSaysWhy();
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
    // CPython's threads and pool processes too, read from outside through /proc.
    QString backends = QStringLiteral("threads,gil-threads,qtconcurrent,processes,process-per-task");
    if (PythonBackend::availabilityWith(RunOptions()).available)
        backends += QStringLiteral(",python-threads,python-processes");
    const RunResult r
        = runJson(runArguments(QStringLiteral("sleep"), QStringLiteral("20,20,20,20"), backends, QStringLiteral("2")));
    for (const Measurement& m : r.measurements) {
        if (!BackendRegistry::factsOf(m.backend).usesWorkers)
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
    const double time = usrBinTimePeak(err);
    QVERIFY2(std::isfinite(time), qPrintable(err));
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

void TestUsage::commandProgramsCount_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<int>("workers");
    QTest::newRow("sequential") << QStringLiteral("sequential") << 1;
    QTest::newRow("threads x2") << QStringLiteral("threads") << 2;
    QTest::newRow("gil-threads x2") << QStringLiteral("gil-threads") << 2;
    QTest::newRow("qtconcurrent x2") << QStringLiteral("qtconcurrent") << 2;
    QTest::newRow("processes x2") << QStringLiteral("processes") << 2;
    QTest::newRow("process-per-task x2") << QStringLiteral("process-per-task") << 2;
}

void TestUsage::commandProgramsCount()
{
    // Two tasks, each a program that holds 200 MiB: every worker that ran one counts it as its program's peak, and
    // the measurement's peak holds the programs beside ParLab (and its worker processes), one per worker at once.
    QFETCH(QString, backend);
    QFETCH(int, workers);
    const RunResult r
        = runJson(commandArguments(kAllocatingProgram, QStringLiteral("1,2"), backend, QString::number(workers)));
    const Measurement* m = r.find(backend, workers);
    QVERIFY(m && m->usage.size() == 1);
    const RepeatUsage& used = m->usage.constFirst();
    // Every worker that ran a program (how many did is the dispatch's business) counts it whole.
    int counted = 0;
    for (const WorkerUsage& w : used.workers) {
        if (w.programPeakRssBytes < 0)
            continue;
        ++counted;
        QVERIFY2(w.programPeakRssBytes >= kProgramMiB * kMiB,
            qPrintable(QStringLiteral("worker %1: %2").arg(w.worker).arg(w.programPeakRssBytes)));
    }
    QVERIFY(counted >= 1 && counted <= workers);
    qInfo("%s: peak RSS %s (ParLab %s, the largest program %s)", qPrintable(m->label()),
        qPrintable(Format::bytes(m->peakRssBytes)), qPrintable(Format::bytes(double(used.processPeakRssBytes))),
        qPrintable(Format::bytes(double(used.largestProcessRssBytes()))));
    QVERIFY(m->peakRssBytes >= double(used.processPeakRssBytes + qint64(counted) * kProgramMiB * kMiB));
    // The export and the table carry the programs' peak.
    const QJsonArray workersJson = JsonExport::usageObject(used).value(QStringLiteral("workers")).toArray();
    QVERIFY(
        !workersJson.isEmpty() && workersJson.first().toObject().contains(QStringLiteral("program_peak_rss_bytes")));
    QVERIFY(Report::toText(r, true).contains(QStringLiteral("its programs' peak")));
}

void TestUsage::commandProgramsSwitch()
{
    // A program that sleeps 100 times gives up its core 100 times: its worker's voluntary switches include them,
    // far more than the worker's own polling of the program's pipes (every 20 ms, about 15 times here).
    const RunResult r = runJson(
        commandArguments(kSleepingProgram, QStringLiteral("1,2"), QStringLiteral("threads"), QStringLiteral("1")));
    for (const Measurement& m : r.measurements) {
        qInfo("%s: switches %.0f voluntary, %.0f involuntary", qPrintable(m.label()), m.voluntarySwitches,
            m.involuntarySwitches);
        QVERIFY2(m.voluntarySwitches >= 2 * kProgramSleeps, qPrintable(m.label()));
    }
}

void TestUsage::commandProgramMatchesUsrBinTime()
{
    if (!QFile::exists(QStringLiteral("/usr/bin/time")))
        QFAIL("/usr/bin/time is missing: ./dev.sh installs it (Debian's package time)");
    // The program alone under /usr/bin/time -v, through /bin/sh -c as the command kernel runs it...
    QProcess alone;
    alone.start(QStringLiteral("/usr/bin/time"),
        { QStringLiteral("-v"), QStringLiteral("/bin/sh"), QStringLiteral("-c"), kAllocatingProgram });
    QVERIFY(alone.waitForFinished(60'000));
    QCOMPARE(alone.exitCode(), 0);
    const double program = usrBinTimePeak(QString::fromUtf8(alone.readAllStandardError()));
    QVERIFY(std::isfinite(program));
    // ...and a whole run of it under /usr/bin/time -v: ParLab's figure for the program agrees with both.
    QProcess timed;
    timed.start(QStringLiteral("/usr/bin/time"),
        QStringList { QStringLiteral("-v"), QStringLiteral(PARLAB_EXECUTABLE) }
            + commandArguments(
                kAllocatingProgram, QStringLiteral("1"), QStringLiteral("sequential"), QStringLiteral("1")));
    QVERIFY(timed.waitForFinished(120'000));
    QCOMPARE(timed.exitCode(), 0);
    const double run = usrBinTimePeak(QString::fromUtf8(timed.readAllStandardError()));
    QVERIFY(std::isfinite(run));
    const Result<RunResult> r = JsonImport::fromJson(timed.readAllStandardOutput());
    QVERIFY2(r, qPrintable(r.error()));
    const Measurement* m = r->find(QStringLiteral("sequential"), 1);
    QVERIFY(m && m->usage.size() == 1 && m->usage.constFirst().workers.size() == 1);
    const double ours = double(m->usage.constFirst().workers.constFirst().programPeakRssBytes);
    const double largest = double(m->usage.constFirst().largestProcessRssBytes());
    qInfo("the command's program: parlab %s, /usr/bin/time -v of the program %s (%+.1f%%); the run's largest process: "
          "parlab %s, /usr/bin/time -v of the run %s (%+.1f%%)",
        qPrintable(Format::bytes(ours)), qPrintable(Format::bytes(program)), 100.0 * (ours - program) / program,
        qPrintable(Format::bytes(largest)), qPrintable(Format::bytes(run)), 100.0 * (largest - run) / run);
    QVERIFY(std::abs(ours - program) <= 0.10 * program);
    QVERIFY(std::abs(largest - run) <= 0.10 * run);
}

void TestUsage::pythonInterpreterAndPoolReport()
{
    if (const Availability python = PythonBackend::availabilityWith(RunOptions()); !python.available)
        QSKIP(qPrintable(python.reason));
    // The user's Python function holds 100 MiB per task: in the interpreter (python-sequential, python-threads: the
    // runtime's peak) or in each pool process that ran one (python-processes: its own peak).
    QTemporaryDir dir;
    QFile file(dir.filePath(QStringLiteral("hold.py")));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("def hold(n):\n    block = bytearray(n << 20)\n    return len(block)\n");
    file.close();
    constexpr int kHeldMiB = 100;
    const RunResult r
        = runJson(runArguments(QStringLiteral("py:%1:hold").arg(file.fileName()), QStringLiteral("%1,%1").arg(kHeldMiB),
            QStringLiteral("python-sequential,python-threads,python-processes"), QStringLiteral("2")));
    QCOMPARE(r.measurements.size(), 3);
    for (const Measurement& m : r.measurements) {
        QVERIFY2(std::isfinite(m.peakRssBytes), qPrintable(m.label()));
        QVERIFY2(ResourceUsage::whyUnknown(m).isEmpty(), qPrintable(m.label()));
        const RepeatUsage& used = m.usage.constFirst();
        qInfo("%s: peak RSS %s (the interpreter %s)", qPrintable(m.label()), qPrintable(Format::bytes(m.peakRssBytes)),
            qPrintable(Format::bytes(double(used.runtimePeakRssBytes))));
        QCOMPARE(used.workers.size(), m.workers);
        for (const WorkerUsage& w : used.workers)
            QVERIFY2(w.voluntarySwitches >= 0 && w.involuntarySwitches >= 0, qPrintable(m.label()));
        if (m.backend == QStringLiteral("python-processes")) {
            // Each pool process holds an interpreter; one that ran a task (at least one did) holds its block too.
            qint64 largest = 0;
            for (const WorkerUsage& w : used.workers) {
                QVERIFY(w.peakRssBytes > 0);
                largest = std::max(largest, w.peakRssBytes);
            }
            QVERIFY2(largest >= kHeldMiB * kMiB, qPrintable(QString::number(largest)));
            QVERIFY(used.runtimePeakRssBytes > 0);
        } else {
            QVERIFY2(used.runtimePeakRssBytes >= kHeldMiB * kMiB, qPrintable(m.label()));
            for (const WorkerUsage& w : used.workers)
                QCOMPARE(w.peakRssBytes, -1); // a thread of the interpreter
        }
    }
    QVERIFY(!Report::toText(r).contains(QStringLiteral("peak RSS not known")));
}

void TestUsage::mpiRanksReport()
{
    if (const Availability mpi = MpiBackend::availabilityHere(); !mpi.available)
        QSKIP(qPrintable(mpi.reason));
    // Ranks on this machine: each rank's own peak (stream's arrays) and its switches, mpirun's peak as the runtime's.
    const RunResult r = runJson(runArguments(
        QStringLiteral("stream"), QStringLiteral("%1,%1").arg(kStreamMiB), QStringLiteral("mpi"), QStringLiteral("2")));
    const Measurement* m = r.find(QStringLiteral("mpi"), 2);
    QVERIFY(m && m->usage.size() == 1);
    const RepeatUsage& used = m->usage.constFirst();
    QVERIFY2(std::isfinite(m->peakRssBytes), qPrintable(ResourceUsage::whyUnknown(*m)));
    QVERIFY(used.runtimePeakRssBytes > 0);
    QCOMPARE(used.workers.size(), 2);
    // Each rank holds its own process; one that ran a task (at least one did) holds the task's arrays too.
    qint64 largest = 0;
    for (const WorkerUsage& w : used.workers) {
        QVERIFY(w.voluntarySwitches >= 0 && w.involuntarySwitches >= 0);
        QVERIFY(w.peakRssBytes > 0);
        largest = std::max(largest, w.peakRssBytes);
    }
    QVERIFY2(largest >= kStreamTaskBytes, qPrintable(QString::number(largest)));
    qInfo("mpi x2: peak RSS %s (mpirun %s)", qPrintable(Format::bytes(m->peakRssBytes)),
        qPrintable(Format::bytes(double(used.runtimePeakRssBytes))));
}

void TestUsage::unknownPeakSaysWhy()
{
    // A file from before ParLab measured memory, and a repeat whose backend said why not: the table's note, the JSON
    // and the window (ResourceUsage::whyUnknown, tst_resultsmodel) give the same reason beside the "–".
    RunResult r = runJson(
        runArguments(QStringLiteral("spin"), QStringLiteral("1"), QStringLiteral("threads"), QStringLiteral("1")));
    QVERIFY(!r.measurements.isEmpty());
    Measurement& old = r.measurements.first();
    old.usage.clear();
    old.peakRssBytes = kUnknown;
    Measurement elsewhere = old;
    elsewhere.backend = QStringLiteral("mpi");
    elsewhere.usage = { RepeatUsage { .whyUnknown = QStringLiteral("rank 1 @ node-b ran elsewhere") } };
    r.measurements.append(elsewhere);
    const QString text = Report::toText(r);
    QVERIFY2(
        text.contains(QStringLiteral("%1: peak RSS not known: recorded before").arg(old.label())), qPrintable(text));
    QVERIFY2(
        text.contains(QStringLiteral("mpi x1: peak RSS not known: rank 1 @ node-b ran elsewhere")), qPrintable(text));
    QCOMPARE(JsonExport::measurementObject(elsewhere).value(QStringLiteral("usage_note")).toString(),
        QStringLiteral("rank 1 @ node-b ran elsewhere"));
    QVERIFY(!JsonExport::measurementObject(r.measurements.first())
                 .value(QStringLiteral("usage_note"))
                 .toString()
                 .isEmpty());
    // Read back, the reason stays with the repeat.
    const Result<RunResult> again = JsonImport::fromJson(JsonExport::toJson(r));
    QVERIFY2(again, qPrintable(again.error()));
    QCOMPARE(ResourceUsage::whyUnknown(again->measurements.last()), QStringLiteral("rank 1 @ node-b ran elsewhere"));
}

QTEST_GUILESS_MAIN(TestUsage)
#include "tst_usage.moc"
