// `parlab` end to end through QProcess, as a user or a script meets it: help, listings, every output
// format, exports, exit codes, bad input rejected before anything runs, and Ctrl+C.

#include "history/historystore.h"
#include "optiondescriptor.h"
#include "runoptions.h"
#include "testsupport.h"
#include "workerstarts.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QXmlStreamReader>
#include <algorithm>
#include <csignal>
#include <fcntl.h>
#include <unistd.h>

namespace {
using testsupport::Result;
using testsupport::runParlab;

// A hostfile in `dir` with `text`, by its absolute path (as `parlab run` hands it on).
// Replaces the measured figures of the spin run exported to `file` (sequential and mpi at 1 worker, eight inputs)
// by fixed ones, so that what is predicted from it does not depend on the machine's load; false if it cannot.
bool fixFigures(const QString& file)
{
    QFile in(file);
    if (!in.open(QIODevice::ReadOnly))
        return false;
    QJsonObject root = QJsonDocument::fromJson(in.readAll()).object();
    in.close();
    QJsonObject bounds = root.value(QStringLiteral("bounds")).toObject();
    bounds.insert(QStringLiteral("task_costs_s"), QJsonArray { 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01 });
    root.insert(QStringLiteral("bounds"), bounds);
    QJsonArray results;
    for (const auto& v : root.value(QStringLiteral("results")).toArray()) {
        QJsonObject r = v.toObject();
        const bool sequential = r.value(QStringLiteral("backend")).toString() == QStringLiteral("sequential");
        const double s = sequential ? 0.080 : 0.085;
        r.insert(QStringLiteral("samples_s"), QJsonArray { s, s });
        for (const char* key : { "median_s", "mean_s", "min_s", "max_s" })
            r.insert(QLatin1String(key), s);
        r.insert(QStringLiteral("stddev_s"), 0.0);
        r.insert(QStringLiteral("losses"),
            QJsonObject { { QStringLiteral("blocked"), 0.0 }, { QStringLiteral("cpu_wait"), 0.0 },
                { QStringLiteral("dispatch"), sequential ? 0.0 : 0.005 },
                { QStringLiteral("imbalance"), sequential ? 0.0 : 0.001 }, { QStringLiteral("lock_wait"), 0.0 },
                { QStringLiteral("slowdown"), 0.0 }, { QStringLiteral("startup"), sequential ? 0.0 : 0.003 },
                { QStringLiteral("unexplained"), 0.0 } });
        r.insert(QStringLiteral("useful"), sequential ? 1.0 : 0.991);
        results.append(r);
    }
    root.insert(QStringLiteral("results"), results);
    QFile out(file);
    return out.open(QIODevice::WriteOnly | QIODevice::Truncate) && out.write(QJsonDocument(root).toJson()) > 0;
}

QString writeHostfile(const QTemporaryDir& dir, const QString& name, const QByteArray& text)
{
    QFile file(dir.filePath(name));
    if (!file.open(QIODevice::WriteOnly) || file.write(text) != text.size())
        qFatal("cannot write %s", qPrintable(file.fileName()));
    return file.fileName();
}

// The results a cancelled run printed as JSON on `out`, after checking what every cancel keeps: the JSON says it
// was cancelled, stderr says where it was saved, and the history holds it as cancelled with every sample printed.
QJsonArray cancelledRunKept(const QByteArray& out, const QByteArray& err, const QString& db)
{
    const QJsonObject top = QJsonDocument::fromJson(out).object();
    QJsonArray results = top.value(QStringLiteral("results")).toArray(); // not const: returned, moved
    [&] {
        QVERIFY2(
            top.value(QStringLiteral("warnings")).toArray().first().toString().contains(QStringLiteral("cancelled")),
            out.left(2000).constData());
        QVERIFY2(err.contains("cancelled"), err.constData());
        // Stored before the exit, as cancelled, with every sample printed.
        QVERIFY2(err.contains(QStringLiteral("saved as run 1 in %1").arg(db).toUtf8()), err.constData());
        parlab::HistoryStore history;
        QCOMPARE(history.open(db).error(), QString());
        const auto summary = history.summary(1);
        QVERIFY(summary);
        QCOMPARE(summary->status, parlab::RunStatus::Cancelled);
        int printed = 0;
        for (const auto& r : results)
            printed += int(r.toObject().value(QStringLiteral("samples_s")).toArray().size());
        QCOMPARE(summary->samples, printed);
    }();
    return results;
}

// Whether process `pid` has a SIGINT pending, sent but not yet taken by one of its threads (/proc/PID/status,
// ShdPnd): a second SIGINT sent then would merge with it, and the process would see one.
bool sigintPending(qint64 pid)
{
    const QByteArray status = parlab::procfs::readFile(QStringLiteral("/proc/%1/status").arg(pid));
    const qsizetype at = status.indexOf("\nShdPnd:");
    if (at < 0)
        return false; // gone
    const qsizetype end = status.indexOf('\n', at + 1);
    return status.mid(at + 8, end - at - 8).trimmed().toULongLong(nullptr, 16) & (1ULL << (SIGINT - 1));
}

// Sends SIGINT twice, `gapMs` apart from when parlab took the first: two signals, not one merged.
void interruptTwice(qint64 pid, int gapMs)
{
    ::kill(pid_t(pid), SIGINT);
    QElapsedTimer taking;
    taking.start();
    while (sigintPending(pid) && taking.elapsed() < 1000)
        ::usleep(200);
    ::usleep(gapMs * 1000);
    ::kill(pid_t(pid), SIGINT);
}

// Waits until the newest run of history `db` has measured at least `combinations` combinations and `samples` samples
// in all, as `history list` reads them while the run records them: a signal sent then finds that much measured on
// however loaded a machine.
bool measuredSoFar(const QString& db, int combinations, int samples)
{
    return QTest::qWaitFor(
        [&] {
            const testsupport::Result listed
                = testsupport::runParlab({ QStringLiteral("history"), QStringLiteral("list"),
                    QStringLiteral("--format"), QStringLiteral("json"), QStringLiteral("--history-db"), db });
            const QJsonObject newest = QJsonDocument::fromJson(listed.out.toUtf8()).array().first().toObject();
            return newest.value(QStringLiteral("measurements")).toInt() >= combinations
                && newest.value(QStringLiteral("samples")).toInt() >= samples;
        },
        60'000 * testsupport::kSlowdown);
}

QStringList smallRun(const QString& format)
{
    return { QStringLiteral("run"), QStringLiteral("--kernel"), QStringLiteral("fib"), QStringLiteral("--inputs"),
        QStringLiteral("20,21,22"), QStringLiteral("--backends"), QStringLiteral("sequential,threads,qtconcurrent"),
        QStringLiteral("--workers"), QStringLiteral("1,2"), QStringLiteral("--repeat"), QStringLiteral("2"),
        QStringLiteral("--warmup"), QStringLiteral("0"), QStringLiteral("--format"), format };
}
} // namespace

class TestCli : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void topLevelHelp();
    void commandHelpListsItsOwnOptions_data();
    void commandHelpListsItsOwnOptions();
    void listKernelsAndBackends();
    void runHelpShowsEachOptionsDefaultAndRange();
    void runPrintsJson();
    void runPrintsTable();
    void mpiLaunchesOnceAndSaysWhereItRan();
    void runPrintsCsvAndMarkdown();
    void baselineCorePinsTheSequentialTasks_data();
    void baselineCorePinsTheSequentialTasks();
    void runWritesExports();
    void runWritesTraceAndHtmlReport();
    void weakScalingIsSaidEverywhere();
    void badInputIsRejectedBeforeRunning_data();
    void badInputIsRejectedBeforeRunning();
    void hostfileIsCheckedBeforeRunning();
    void listBackendsSaysWhatTheHostfileGives();
    void ctrlCCancelsAndKeepsResults();
    void aSecondSignalAtOnceKeepsTheResults_data();
    void aSecondSignalAtOnceKeepsTheResults();
    void aLaterSignalAbortsAStuckWindDown();
    void overheadMeasuresEveryCostAgainstAFloor();
    void overheadRejectsBadClusterOptions();
    void predictReadsAStoredOrExportedRun();
    void predictExplainsBadRunsAndFlags_data();
    void predictExplainsBadRunsAndFlags();
    void predictPlacesMpiRanksOnAHostfilesSlots();
    void guiExplainsBadStarts();
};

void TestCli::topLevelHelp()
{
    const Result r = runParlab({ QStringLiteral("--help") });
    QCOMPARE(r.code, 0);
    QVERIFY(r.out.contains(QStringLiteral("run ")));
    QVERIFY(r.out.contains(QStringLiteral("list ")));
    const Result unknown = runParlab({ QStringLiteral("frobnicate") });
    QCOMPARE(unknown.code, 2);
    QVERIFY(unknown.err.contains(QStringLiteral("unknown command 'frobnicate'")));
}

void TestCli::commandHelpListsItsOwnOptions_data()
{
    QTest::addColumn<QString>("command");
    QTest::addColumn<QStringList>("mustList");
    QTest::addColumn<QStringList>("mustNotList");
    QTest::newRow("run") << QStringLiteral("run")
                         << QStringList { QStringLiteral("--kernel"), QStringLiteral("--inputs"),
                                QStringLiteral("--backends"), QStringLiteral("--workers"), QStringLiteral("--repeat"),
                                QStringLiteral("--warmup"), QStringLiteral("--format"), QStringLiteral("--export-json"),
                                QStringLiteral("--export-csv"), QStringLiteral("--export-markdown"),
                                QStringLiteral("--export-trace"), QStringLiteral("--export-html") }
                         << QStringList {};
    QTest::newRow("predict") << QStringLiteral("predict")
                             << QStringList { QStringLiteral("--workers"), QStringLiteral("--cores"),
                                    QStringLiteral("--from-workers"), QStringLiteral("--format"),
                                    QStringLiteral("--history-db") }
                             << QStringList { QStringLiteral("--repeat") };
    QTest::newRow("list") << QStringLiteral("list")
                          << QStringList { QStringLiteral("--format"), QStringLiteral("kernels") }
                          << QStringList { QStringLiteral("--kernel "), QStringLiteral("--repeat") };
}

void TestCli::commandHelpListsItsOwnOptions()
{
    QFETCH(QString, command);
    QFETCH(QStringList, mustList);
    QFETCH(QStringList, mustNotList);
    const Result r = runParlab({ command, QStringLiteral("--help") });
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains(QStringLiteral("Usage: parlab ") + command), qPrintable(r.out));
    for (const QString& option : mustList)
        QVERIFY2(r.out.contains(option), qPrintable(option));
    for (const QString& option : mustNotList)
        QVERIFY2(!r.out.contains(option), qPrintable(option));
}

void TestCli::listKernelsAndBackends()
{
    const Result kernels = runParlab({ QStringLiteral("list"), QStringLiteral("kernels") });
    QCOMPARE(kernels.code, 0);
    for (const char* name : { "fib", "sleep", "spin", "primes", "mandelbrot", "sha256", "stream", "noop" })
        QVERIFY2(kernels.out.contains(QLatin1String("\n") + QLatin1String(name) + QLatin1Char(' ')), name);

    const Result backends = runParlab(
        { QStringLiteral("list"), QStringLiteral("backends"), QStringLiteral("--format"), QStringLiteral("json") });
    QCOMPARE(backends.code, 0);
    const QJsonArray array = QJsonDocument::fromJson(backends.out.toUtf8()).array();
    QStringList ids;
    for (const auto& v : array) {
        ids.append(v.toObject().value(QStringLiteral("id")).toString());
        QVERIFY(v.toObject().contains(QStringLiteral("available")));
        QVERIFY(v.toObject().contains(QStringLiteral("reason")));
    }
    for (const char* id : { "sequential", "threads", "qtconcurrent" })
        QVERIFY2(ids.contains(QLatin1String(id)), id);

    const Result bad = runParlab({ QStringLiteral("list"), QStringLiteral("colours") });
    QCOMPARE(bad.code, 2);
    QVERIFY2(bad.err.contains(QStringLiteral("use kernels, backends, presets, options or cpus")), qPrintable(bad.err));
}

void TestCli::runHelpShowsEachOptionsDefaultAndRange()
{
    // The flags and their help come from the option descriptors: what --help says is what the codec and the
    // window enforce. QCommandLineParser wraps the text, so compare with the white space folded.
    const Result r = runParlab({ QStringLiteral("run"), QStringLiteral("--help") });
    QCOMPARE(r.code, 0);
    const QString help = r.out.simplified();
    for (const parlab::OptionDescriptor& d : parlab::RunOptions::descriptors()) {
        QVERIFY2(help.contains(QStringLiteral("--%1").arg(d.flag)), qPrintable(d.flag));
        QVERIFY2(help.contains(d.helpText().simplified()), qPrintable(d.helpText()));
        if (d.type == parlab::OptionDescriptor::Type::Integer || d.type == parlab::OptionDescriptor::Type::Number)
            QVERIFY2(help.contains(d.expected()), qPrintable(d.expected())); // the range
    }
    QVERIFY(help.contains(QStringLiteral("--switch-interval <ms> gil-threads, python-threads: how long a thread "
                                         "waits for the GIL")));
    QVERIFY(help.contains(QStringLiteral("Default: 5 ms; a number from 0.01 to 1000 ms.")));

    // `parlab list options` prints the same table.
    const Result list = runParlab(
        { QStringLiteral("list"), QStringLiteral("options"), QStringLiteral("--format"), QStringLiteral("json") });
    QCOMPARE(list.code, 0);
    const QJsonArray array = QJsonDocument::fromJson(list.out.toUtf8()).array();
    QCOMPARE(array.size(), parlab::RunOptions::descriptors().size());
    for (const auto& v : array) {
        const parlab::OptionDescriptor* d
            = parlab::RunOptions::find(v.toObject().value(QStringLiteral("key")).toString());
        QVERIFY(d);
        QCOMPARE(v.toObject().value(QStringLiteral("default")).toVariant(), d->defaultValue);
        QCOMPARE(v.toObject().value(QStringLiteral("values")).toString(), d->expected());
    }
}

void TestCli::runPrintsJson()
{
    const Result r = runParlab(smallRun(QStringLiteral("json")));
    QVERIFY2(r.code == 0, qPrintable(r.err));
    // No progress bar when stderr is not a terminal: only the line saying where the run was saved.
    QVERIFY2(r.err.startsWith(QStringLiteral("saved as run ")) && r.err.count(QLatin1Char('\n')) == 1
            && !r.err.contains(QLatin1Char('\r')),
        qPrintable(r.err));
    QJsonParseError error;
    const QJsonObject top = QJsonDocument::fromJson(r.out.toUtf8(), &error).object();
    QCOMPARE(error.error, QJsonParseError::NoError);
    QCOMPARE(top.value(QStringLiteral("tool")).toString(), QStringLiteral("parlab"));
    QJsonArray results = top.value(QStringLiteral("results")).toArray(); // not const: returned, moved
    QCOMPARE(results.size(), 5); // sequential once, two backends at two worker counts
    const QString reference = top.value(QStringLiteral("reference_checksum")).toString();
    QCOMPARE(reference.size(), 16);
    for (const auto& v : results) {
        const QJsonObject m = v.toObject();
        QCOMPARE(m.value(QStringLiteral("samples_s")).toArray().size(), 2);
        QVERIFY(m.value(QStringLiteral("speedup")).toDouble() > 0);
        QCOMPARE(m.value(QStringLiteral("checksum")).toString(), reference);
    }
    QCOMPARE(results.at(0).toObject().value(QStringLiteral("backend")).toString(), QStringLiteral("sequential"));
    QCOMPARE(
        top.value(QStringLiteral("spec")).toObject().value(QStringLiteral("kernel")).toString(), QStringLiteral("fib"));
}

void TestCli::mpiLaunchesOnceAndSaysWhereItRan()
{
    // No warm-up: the job's launch must still stay out of the first repeat's time, and be reported apart.
    QStringList args { QStringLiteral("run"), QStringLiteral("--kernel"), QStringLiteral("sleep"),
        QStringLiteral("--inputs"), QStringLiteral("50,50,50,50"), QStringLiteral("--backends"),
        QStringLiteral("sequential,mpi"), QStringLiteral("--workers"), QStringLiteral("2"), QStringLiteral("--repeat"),
        QStringLiteral("3"), QStringLiteral("--warmup"), QStringLiteral("0"), QStringLiteral("--format") };
    const Result json = runParlab(args + QStringList { QStringLiteral("json") });
    QVERIFY2(json.code == 0, qPrintable(json.err));
    const QJsonArray results
        = QJsonDocument::fromJson(json.out.toUtf8()).object().value(QStringLiteral("results")).toArray();
    QCOMPARE(results.size(), 2);
    const QJsonObject mpi = results.at(1).toObject();
    QCOMPARE(mpi.value(QStringLiteral("backend")).toString(), QStringLiteral("mpi"));
    const double launch = mpi.value(QStringLiteral("launch_s")).toDouble();
    QVERIFY2(launch > 0, "the launch is measured");
    QVERIFY(results.at(0).toObject().value(QStringLiteral("launch_s")).isNull()); // sequential launches nothing
    // Two ranks sleep 50 ms twice each: a repeat takes about 100 ms, and every one of them far less than the launch
    // plus the tasks, so no repeat carries the launch.
    for (const auto& sample : mpi.value(QStringLiteral("samples_s")).toArray())
        QVERIFY2(sample.toDouble() < 0.1 + launch * 0.9,
            qPrintable(QStringLiteral("a repeat of %1 s with a launch of %2 s").arg(sample.toDouble()).arg(launch)));

    const Result table = runParlab(args + QStringList { QStringLiteral("table") });
    QVERIFY2(table.code == 0, qPrintable(table.err));
    static const QRegularExpression note(QStringLiteral(
        R"(mpi x2: 2 ranks on 1 host \([^)]+\); its launch took [0-9.]+ m?s, once, apart from the repeats' times)"));
    QVERIFY2(note.match(table.out).hasMatch(), qPrintable(table.out));
}

void TestCli::runPrintsTable()
{
    const Result r = runParlab(smallRun(QStringLiteral("table")));
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY(r.out.startsWith(QStringLiteral("fib over 3 inputs (20,21,22)")));
    for (const char* column :
        { "backend", "workers", "median ± stddev", "min … max", "speedup [95% CI]", "efficiency", "lpt bound" })
        QVERIFY2(r.out.contains(QString::fromUtf8(column)), column);
    const QStringList lines = r.out.split(QLatin1Char('\n'));
    QCOMPARE(std::count_if(lines.cbegin(), lines.cend(),
                 [](const QString& l) {
                     const bool note = l.contains(QStringLiteral(": ")); // "threads x2: 1.61x of 2 — lost 19%: …"
                     return !note
                         && (l.startsWith(QStringLiteral("threads ")) || l.startsWith(QStringLiteral("qtconcurrent ")));
                 }),
        4);
    QVERIFY(r.out.contains(QStringLiteral("bounds: with unlimited workers at most")));
    // The header's second line: the cores the run measured at its start.
    QVERIFY2(lines.value(1).startsWith(QStringLiteral("cores: ")), qPrintable(lines.value(1)));
    QVERIFY2(lines.value(1).contains(QStringLiteral("within 5% of each other"))
            || lines.value(1).contains(QStringLiteral("% slower than core "))
            || lines.value(1).contains(QStringLiteral("one core")),
        qPrintable(lines.value(1)));
    QVERIFY(!r.out.contains(QStringLiteral("where the time went")));

    // --explain adds the whole accounting of lost speedup: a row per measurement, a column per part.
    const Result explained = runParlab(smallRun(QStringLiteral("table")) << QStringLiteral("--explain"));
    QVERIFY2(explained.code == 0, qPrintable(explained.err));
    const qsizetype at = explained.out.indexOf(QStringLiteral("where the time went"));
    QVERIFY2(at > 0, qPrintable(explained.out));
    const QStringList table = explained.out.mid(at).split(QLatin1Char('\n'));
    QVERIFY2(table.at(1).simplified()
            == QStringLiteral("backend workers useful startup dispatch imbalance (lpt) slowdown lock_wait cpu_wait "
                              "blocked unexplained"),
        qPrintable(table.at(1)));
    // Beside imbalance, what the longest-first schedule itself idles: nothing on one worker.
    QVERIFY2(
        table.at(2).simplified().startsWith(QStringLiteral("sequential 1 100% 0% 0% 0% 0% ")), qPrintable(table.at(2)));
    QCOMPARE(table.at(2).simplified().split(QLatin1Char(' ')).size(), 12);
}

void TestCli::baselineCorePinsTheSequentialTasks_data()
{
    QTest::addColumn<QString>("core");
    QTest::newRow("fastest") << QStringLiteral("fastest");
    QTest::newRow("any") << QStringLiteral("any");
}

// What the sequential baseline's tasks may run on, as the tasks themselves see it: each runs a program (the
// command kernel), which inherits the CPUs of the thread that starts it and writes them down.
void TestCli::baselineCorePinsTheSequentialTasks()
{
    QFETCH(QString, core);
    QTemporaryDir dir;
    const QString seen = dir.filePath(QStringLiteral("cpus.txt"));
    const Result r = runParlab({ QStringLiteral("run"), QStringLiteral("--kernel"), QStringLiteral("command"),
        QStringLiteral("--command"), QStringLiteral("grep Cpus_allowed_list: /proc/self/status >> '%1'").arg(seen),
        QStringLiteral("--inputs"), QStringLiteral("1x3"), QStringLiteral("--backends"), QStringLiteral("sequential"),
        QStringLiteral("--repeat"), QStringLiteral("2"), QStringLiteral("--warmup"), QStringLiteral("1"),
        QStringLiteral("--baseline-core"), core, QStringLiteral("--no-history"), QStringLiteral("--format"),
        QStringLiteral("json") });
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const QJsonObject env
        = QJsonDocument::fromJson(r.out.toUtf8()).object().value(QStringLiteral("environment")).toObject();
    const QJsonArray cores
        = env.value(QStringLiteral("core_speeds")).toObject().value(QStringLiteral("cores")).toArray();
    QVERIFY(!cores.isEmpty());
    int fastest = -1;
    QStringList all;
    for (const auto& value : cores) {
        all.append(QString::number(value.toObject().value(QStringLiteral("cpu")).toInt()));
        if (value.toObject().value(QStringLiteral("relative_speed")).toDouble() == 1.0 && fastest < 0)
            fastest = value.toObject().value(QStringLiteral("cpu")).toInt();
    }
    QVERIFY(fastest >= 0);

    QFile file(seen);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(file.readAll()).trimmed().split(QLatin1Char('\n'));
    QCOMPARE(lines.size(), 9); // 3 tasks x (1 warm-up + 2 repeats)
    if (core == QStringLiteral("fastest")) {
        QCOMPARE(env.value(QStringLiteral("baseline_cpu")).toInt(-1), fastest);
        for (const QString& line : lines)
            QCOMPARE(line.section(QLatin1Char('\t'), 1), QString::number(fastest));
    } else {
        QVERIFY(env.value(QStringLiteral("baseline_cpu")).isNull());
        // Every core the run could use, written as the kernel lists them ("0-1", "0,2", "3").
        const QString expected = all.size() == 1 ? all.first()
            : all.size() == 2 && all.last().toInt() == all.first().toInt() + 1
            ? all.first() + QLatin1Char('-') + all.last()
            : QString();
        for (const QString& line : lines) {
            QVERIFY2(
                line.section(QLatin1Char('\t'), 1) != QString::number(fastest) || all.size() == 1, qPrintable(line));
            if (!expected.isEmpty())
                QCOMPARE(line.section(QLatin1Char('\t'), 1), expected);
        }
    }
}

void TestCli::runPrintsCsvAndMarkdown()
{
    const Result csv = runParlab(smallRun(QStringLiteral("csv")));
    QCOMPARE(csv.code, 0);
    const QStringList rows = csv.out.trimmed().split(QStringLiteral("\r\n"));
    QCOMPARE(rows.size(), 1 + 5 * 2);
    QVERIFY(rows.first().startsWith(QStringLiteral("kernel,backend,workers,repeat,wall_s")));

    const Result md = runParlab(smallRun(QStringLiteral("markdown")));
    QCOMPARE(md.code, 0);
    QVERIFY(md.out.contains(QStringLiteral("|:--|--:|")));
    const qsizetype losses = md.out.indexOf(QStringLiteral("Where the time went"));
    QVERIFY(losses > 0);
    QCOMPARE(md.out.left(losses).count(QStringLiteral("\n| threads |")), 2); // the results table
    QCOMPARE(md.out.mid(losses).count(QStringLiteral("\n| threads |")), 2); // where each one's time went
}

void TestCli::runWritesExports()
{
    QTemporaryDir dir;
    const QString json = dir.filePath(QStringLiteral("r.json"));
    const QString csv = dir.filePath(QStringLiteral("r.csv"));
    const QString md = dir.filePath(QStringLiteral("r.md"));
    QStringList args = smallRun(QStringLiteral("table"));
    args << QStringLiteral("--export-json") << json << QStringLiteral("--export-csv") << csv
         << QStringLiteral("--export-markdown") << md;
    const Result r = runParlab(args);
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QFile jsonFile(json);
    QVERIFY(jsonFile.open(QIODevice::ReadOnly));
    QCOMPARE(QJsonDocument::fromJson(jsonFile.readAll()).object().value(QStringLiteral("results")).toArray().size(), 5);
    QFile csvFile(csv);
    QVERIFY(csvFile.open(QIODevice::ReadOnly));
    QCOMPARE(csvFile.readAll().count("\r\n"), 1 + 10);
    QFile mdFile(md);
    QVERIFY(mdFile.open(QIODevice::ReadOnly));
    QVERIFY(mdFile.readAll().contains("| sequential | 1 |"));
}

namespace {
// What `parlab predict --format json` said of one backend at one worker count.
QJsonObject predictionRow(const QString& json, const QString& backend, int workers)
{
    const QJsonArray backends
        = QJsonDocument::fromJson(json.toUtf8()).object().value(QStringLiteral("predictions")).toArray();
    for (const auto& b : backends) {
        if (b.toObject().value(QStringLiteral("backend")).toString() != backend)
            continue;
        for (const auto& row : b.toObject().value(QStringLiteral("rows")).toArray()) {
            if (row.toObject().value(QStringLiteral("workers")).toInt() == workers)
                return row.toObject();
        }
    }
    return {};
}
} // namespace

void TestCli::predictReadsAStoredOrExportedRun()
{
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("history.sqlite"));
    const QString file = dir.filePath(QStringLiteral("run.json"));
    const Result run = runParlab({ QStringLiteral("run"), QStringLiteral("--kernel"), QStringLiteral("spin"),
        QStringLiteral("--inputs"), QStringLiteral("20x4"), QStringLiteral("--backends"),
        QStringLiteral("sequential,threads,processes,process-per-task"), QStringLiteral("--workers"),
        QStringLiteral("1,2"), QStringLiteral("--repeat"), QStringLiteral("2"), QStringLiteral("--warmup"),
        QStringLiteral("0"), QStringLiteral("--history-db"), db, QStringLiteral("--export-json"), file });
    QVERIFY2(run.code == 0, qPrintable(run.err));
    // The export carries the prediction of each measurement beside it.
    QFile exported(file);
    QVERIFY(exported.open(QIODevice::ReadOnly));
    const QJsonArray results
        = QJsonDocument::fromJson(exported.readAll()).object().value(QStringLiteral("results")).toArray();
    for (const auto& r : results) {
        if (r.toObject().value(QStringLiteral("backend")).toString() == QStringLiteral("threads"))
            QVERIFY(r.toObject().value(QStringLiteral("predicted_speedup")).toDouble() > 0);
    }

    for (const QString& source : { QStringLiteral("last"), file }) {
        const Result json = runParlab({ QStringLiteral("predict"), source, QStringLiteral("--history-db"), db,
            QStringLiteral("--format"), QStringLiteral("json"), QStringLiteral("--workers"), QStringLiteral("1,2,4") });
        QVERIFY2(json.code == 0, qPrintable(source + QLatin1Char(' ') + json.err));
        // Calibrated on one worker, the prediction there is the measurement itself; the other counts are predicted
        // and checked.
        const QJsonObject one = predictionRow(json.out, QStringLiteral("threads"), 1);
        QVERIFY2(std::abs(one.value(QStringLiteral("error")).toDouble()) < 0.001, qPrintable(json.out));
        const QJsonObject two = predictionRow(json.out, QStringLiteral("threads"), 2);
        QVERIFY(two.value(QStringLiteral("measured_speedup")).toDouble() > 0);
        QVERIFY(two.value(QStringLiteral("error")).isDouble());
        const QJsonObject four = predictionRow(json.out, QStringLiteral("threads"), 4);
        QVERIFY(four.value(QStringLiteral("measured_speedup")).isNull());
        QVERIFY(four.value(QStringLiteral("predicted_speedup")).toDouble() > 0);
    }
    // On a machine of 4 cores 4 workers run the 4 tasks at once: well beyond 2 workers on it.
    const Result bigger = runParlab({ QStringLiteral("predict"), QStringLiteral("last"), QStringLiteral("--history-db"),
        db, QStringLiteral("--format"), QStringLiteral("json"), QStringLiteral("--cores"), QStringLiteral("4") });
    QVERIFY2(bigger.code == 0, qPrintable(bigger.err));
    const double at2
        = predictionRow(bigger.out, QStringLiteral("threads"), 2).value(QStringLiteral("predicted_speedup")).toDouble();
    const double at4
        = predictionRow(bigger.out, QStringLiteral("threads"), 4).value(QStringLiteral("predicted_speedup")).toDouble();
    QVERIFY2(at4 > 1.4 * at2, qPrintable(bigger.out));
    // Measured on 2 cores, the measurements are no check of a 4-core prediction: none is shown.
    QVERIFY(predictionRow(bigger.out, QStringLiteral("threads"), 2).value(QStringLiteral("measured_speedup")).isNull());

    const Result table
        = runParlab({ QStringLiteral("predict"), QStringLiteral("last"), QStringLiteral("--history-db"), db });
    QVERIFY2(table.code == 0, qPrintable(table.err));
    QVERIFY2(table.out.contains(QStringLiteral("backend"))
            && table.out.contains(
                QRegularExpression(QStringLiteral("^threads +x1 "), QRegularExpression::MultilineOption)),
        qPrintable(table.out));
    // The run measured its threads workers started at once, up to the cores, and the prediction says it starts the
    // later ones as late as measured.
    QVERIFY2(table.out.contains(QStringLiteral("threads: start-up measured with 1 to %1 workers started at once")
                                    .arg(parlab::WorkerStarts::countsFor(QThread::idealThreadCount()).constLast())),
        qPrintable(table.out));
    // And how much longer a hand-out took with that many taking theirs at once.
    QVERIFY2(table.out.contains(QRegularExpression(
                 QStringLiteral("a noop task and its hand-out took [+-]\\d+\\.\\d{3} µs longer on each of %1 workers "
                                "taking theirs at once than on one")
                     .arg(parlab::WorkerStarts::countsFor(QThread::idealThreadCount()).constLast()))),
        qPrintable(table.out));
    // A pool's parent serves every hand-out: how much longer each took it with that many workers served at once (its
    // workers start once per run, so no start-up was measured), both from the history and from the export.
    const QString served = QStringLiteral("processes: a hand-out of a noop task took the one dispatcher \\d+\\.\\d{3} "
                                          "µs (longer|less) with %1 workers served at once than with one")
                               .arg(parlab::WorkerStarts::countsFor(QThread::idealThreadCount()).constLast());
    QVERIFY2(table.out.contains(QRegularExpression(served)), qPrintable(table.out));
    QVERIFY2(!table.out.contains(QStringLiteral("processes: start-up measured")), qPrintable(table.out));
    const Result fromFile = runParlab({ QStringLiteral("predict"), file });
    QVERIFY2(fromFile.code == 0, qPrintable(fromFile.err));
    QVERIFY2(fromFile.out.contains(QRegularExpression(served)), qPrintable(fromFile.out));
    // A process per task starts one for each task: its hand-outs take what one more start at once adds too.
    QVERIFY2(table.out.contains(QStringLiteral("process-per-task: start-up and each hand-out (it starts a process) "
                                               "measured with 1 to %1 workers started at once")
                                    .arg(parlab::WorkerStarts::countsFor(QThread::idealThreadCount()).constLast())),
        qPrintable(table.out));
    const Result md = runParlab({ QStringLiteral("predict"), QStringLiteral("last"), QStringLiteral("--history-db"), db,
        QStringLiteral("--format"), QStringLiteral("markdown") });
    QVERIFY2(md.out.contains(QStringLiteral("| threads | x1 | 1 |")), qPrintable(md.out));
}

void TestCli::predictExplainsBadRunsAndFlags_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("message");
    QTest::newRow("no run") << QStringList {} << 2 << QStringLiteral("usage: parlab predict RUN");
    QTest::newRow("no such id") << QStringList { QStringLiteral("9999") } << 1 << QStringLiteral("9999");
    QTest::newRow("no such file") << QStringList { QStringLiteral("nothere.json") } << 1
                                  << QStringLiteral("nothere.json");
    QTest::newRow("bad format") << QStringList { QStringLiteral("last"), QStringLiteral("--format"),
        QStringLiteral("xml") } << 2
                                << QStringLiteral("unknown format 'xml'");
    QTest::newRow("zero cores") << QStringList { QStringLiteral("last"), QStringLiteral("--cores"),
        QStringLiteral("0") } << 2
                                << QStringLiteral("--cores: 0 is out of range");
    QTest::newRow("bad workers") << QStringList { QStringLiteral("last"), QStringLiteral("--workers"),
        QStringLiteral("1..2000") }
                                 << 2 << QStringLiteral("--workers");
}

void TestCli::predictExplainsBadRunsAndFlags()
{
    QFETCH(QStringList, arguments);
    QFETCH(int, code);
    QFETCH(QString, message);
    QTemporaryDir dir;
    // An empty history: ids are looked up in it, and not found.
    const Result r = runParlab(QStringList { QStringLiteral("predict") } + arguments
        + QStringList { QStringLiteral("--history-db"), dir.filePath(QStringLiteral("h.sqlite")) });
    QCOMPARE(r.code, code);
    QVERIFY2(r.err.contains(message), qPrintable(r.err));
}

void TestCli::predictPlacesMpiRanksOnAHostfilesSlots()
{
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("run.json"));
    const Result run = runParlab({ QStringLiteral("run"), QStringLiteral("--kernel"), QStringLiteral("spin"),
        QStringLiteral("--inputs"), QStringLiteral("10x8"), QStringLiteral("--backends"),
        QStringLiteral("sequential,threads,mpi"), QStringLiteral("--workers"), QStringLiteral("1"),
        QStringLiteral("--repeat"), QStringLiteral("2"), QStringLiteral("--warmup"), QStringLiteral("0"),
        QStringLiteral("--no-history"), QStringLiteral("--export-json"), file });
    QVERIFY2(run.code == 0, qPrintable(run.err));
    // The run's own figures replaced by fixed ones, the measured run kept for its shape: a prediction follows what
    // the run measured, and a loaded machine's dispatch costs moved "two hosts, hop 0" 1-2 % from "one machine of
    // 8" (the dispatcher shares the first host's 4 cores there, all 8 here). Eight 10 ms tasks; the baseline 80 ms;
    // mpi at 1 worker 85 ms, of which what a quiet machine's run spends on start-up, hand-out and the tail.
    QVERIFY(fixFigures(file));
    // Two hosts of 4 slots: ranks 4..7 are on the second, each hand-out to them two hops of 50 ms away from rank 0,
    // longer than their 10 ms tasks: 8 ranks do worse there than on one machine of 8 cores.
    const QString hosts = writeHostfile(dir, QStringLiteral("hosts"), "localhost slots=4\nnodeb slots=4\n");
    auto predicted = [&](const QStringList& extra) {
        const Result r = runParlab(
            QStringList { QStringLiteral("predict"), file, QStringLiteral("--backends"), QStringLiteral("mpi"),
                QStringLiteral("--workers"), QStringLiteral("8"), QStringLiteral("--format"), QStringLiteral("json") }
            + extra);
        [&] { QVERIFY2(r.code == 0, qPrintable(r.err)); }();
        return std::pair {
            predictionRow(r.out, QStringLiteral("mpi"), 8).value(QStringLiteral("predicted_speedup")).toDouble(),
            QJsonDocument::fromJson(r.out.toUtf8())
                .object()
                .value(QStringLiteral("predictions"))
                .toArray()
                .at(0)
                .toObject()
                .value(QStringLiteral("note"))
                .toString()
        };
    };
    const auto [oneMachine, noNote] = predicted({ QStringLiteral("--cores"), QStringLiteral("8") });
    const auto [near, nearNote]
        = predicted({ QStringLiteral("--hostfile"), hosts, QStringLiteral("--hop-us"), QStringLiteral("0") });
    const auto [far, farNote]
        = predicted({ QStringLiteral("--hostfile"), hosts, QStringLiteral("--hop-us"), QStringLiteral("50000") });
    QVERIFY(noNote.isEmpty());
    // At hop 0 the two hosts are one machine of 8 but for the dispatcher, which shares the first host's 4 cores
    // instead of all 8: a little slower, by less than its 0.5 % share of the time.
    QVERIFY2(near <= oneMachine && near > 0.99 * oneMachine,
        qPrintable(QStringLiteral("%1 vs %2").arg(near).arg(oneMachine)));
    QVERIFY2(far < 0.8 * near, qPrintable(QStringLiteral("%1 vs %2").arg(far).arg(near)));
    QCOMPARE(farNote, QStringLiteral("ranks placed by slot on 2 hosts (4, 4 slots), 50.00 ms a hop between them"));

    const Result noHostfile
        = runParlab({ QStringLiteral("predict"), file, QStringLiteral("--hop-us"), QStringLiteral("5") });
    QCOMPARE(noHostfile.code, 2);
    QVERIFY2(noHostfile.err.contains(QStringLiteral("--hop-us is the hop between the hosts of --hostfile")),
        qPrintable(noHostfile.err));
    const Result noMpi = runParlab({ QStringLiteral("predict"), file, QStringLiteral("--backends"),
        QStringLiteral("threads"), QStringLiteral("--hostfile"), hosts });
    QCOMPARE(noMpi.code, 2);
    QVERIFY2(noMpi.err.contains(QStringLiteral("--hostfile places mpi's ranks")), qPrintable(noMpi.err));
    const Result badFile = runParlab({ QStringLiteral("predict"), file, QStringLiteral("--hostfile"),
        writeHostfile(dir, QStringLiteral("bad"), "nodea slots=abc\n"), QStringLiteral("--hop-us"),
        QStringLiteral("5") });
    QCOMPARE(badFile.code, 2);
    QVERIFY2(badFile.err.contains(QStringLiteral("bad:1")), qPrintable(badFile.err));
}

// A weak run's figures are scaled speedup and weak efficiency: the table, the JSON, the HTML report and the history
// say so, the history recomputes them alike, and a comparison with a strong run of the same inputs refuses.
void TestCli::weakScalingIsSaidEverywhere()
{
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("history.sqlite"));
    const QString html = dir.filePath(QStringLiteral("r.html"));
    const QString json = dir.filePath(QStringLiteral("r.json"));
    auto run = [&](const QString& scaling, const QStringList& more) {
        return runParlab(QStringList { QStringLiteral("run"), QStringLiteral("--kernel"), QStringLiteral("fib"),
                             QStringLiteral("--inputs"), QStringLiteral("20x4"), QStringLiteral("--backends"),
                             QStringLiteral("threads"), QStringLiteral("--workers"), QStringLiteral("1,2"),
                             QStringLiteral("--repeat"), QStringLiteral("2"), QStringLiteral("--scaling"), scaling,
                             QStringLiteral("--history-db"), db }
            + more);
    };
    const Result weak = run(QStringLiteral("weak"),
        { QStringLiteral("--export-html"), html, QStringLiteral("--export-json"), json, QStringLiteral("--format"),
            QStringLiteral("table") });
    QVERIFY2(weak.code == 0, qPrintable(weak.err));
    QVERIFY2(weak.out.contains(QStringLiteral("· weak scaling ·")), qPrintable(weak.out));
    QVERIFY2(weak.out.contains(QStringLiteral("scaled speedup [95% CI]  weak efficiency")), qPrintable(weak.out));
    QVERIFY2(weak.out.contains(QStringLiteral("weak scaling: at N workers the 4 inputs N times over")),
        qPrintable(weak.out));
    QVERIFY2(!weak.out.contains(QStringLiteral("Amdahl fit")), qPrintable(weak.out));

    QFile jsonFile(json);
    QVERIFY(jsonFile.open(QIODevice::ReadOnly));
    const QJsonObject top = QJsonDocument::fromJson(jsonFile.readAll()).object();
    QCOMPARE(top.value(QStringLiteral("scaling")).toObject().value(QStringLiteral("kind")).toString(),
        QStringLiteral("weak"));
    QCOMPARE(top.value(QStringLiteral("spec"))
                 .toObject()
                 .value(QStringLiteral("options"))
                 .toObject()
                 .value(QStringLiteral("scaling")),
        QJsonValue(QStringLiteral("weak")));
    double baseline = 0, atTwo = 0, speedupAtTwo = 0;
    for (const auto& v : top.value(QStringLiteral("results")).toArray()) {
        const QJsonObject r = v.toObject();
        if (r.value(QStringLiteral("backend")).toString() == QStringLiteral("sequential"))
            baseline = r.value(QStringLiteral("median_s")).toDouble();
        if (r.value(QStringLiteral("workers")).toInt() == 2) {
            atTwo = r.value(QStringLiteral("median_s")).toDouble();
            speedupAtTwo = r.value(QStringLiteral("speedup")).toDouble();
        }
    }
    QVERIFY(baseline > 0 && atTwo > 0);
    QVERIFY(qFuzzyCompare(speedupAtTwo, 2 * baseline / atTwo));

    QFile htmlFile(html);
    QVERIFY(htmlFile.open(QIODevice::ReadOnly));
    const QString report = QString::fromUtf8(htmlFile.readAll());
    QVERIFY(report.contains(QStringLiteral("Scaled speedup against workers")));
    QVERIFY(report.contains(QStringLiteral("Weak efficiency against workers")));

    // The history reads the run back through the same analysis: the same scaled speedup.
    const Result shown = runParlab({ QStringLiteral("history"), QStringLiteral("show"), QStringLiteral("1"),
        QStringLiteral("--format"), QStringLiteral("json"), QStringLiteral("--history-db"), db });
    QVERIFY2(shown.code == 0, qPrintable(shown.err));
    for (const auto& v :
        QJsonDocument::fromJson(shown.out.toUtf8()).object().value(QStringLiteral("results")).toArray()) {
        if (v.toObject().value(QStringLiteral("workers")).toInt() == 2)
            QVERIFY(qFuzzyCompare(v.toObject().value(QStringLiteral("speedup")).toDouble(), speedupAtTwo));
    }

    // Strong and weak runs of the same inputs did different work at 2 workers.
    QCOMPARE(run(QStringLiteral("strong"), {}).code, 0);
    const Result compared = runParlab({ QStringLiteral("history"), QStringLiteral("compare"), QStringLiteral("1"),
        QStringLiteral("2"), QStringLiteral("--history-db"), db });
    QVERIFY2(compared.out.contains(QStringLiteral("scaling: weak in A, strong in B")), qPrintable(compared.out));
    QVERIFY2(compared.out.contains(QStringLiteral("not comparable")), qPrintable(compared.out));
}

void TestCli::runWritesTraceAndHtmlReport()
{
    QTemporaryDir dir;
    const QString trace = dir.filePath(QStringLiteral("t.json"));
    const QString html = dir.filePath(QStringLiteral("r.html"));
    const Result r = runParlab({ QStringLiteral("run"), QStringLiteral("--kernel"), QStringLiteral("fib"),
        QStringLiteral("--inputs"), QStringLiteral("20x4"), QStringLiteral("--backends"), QStringLiteral("threads"),
        QStringLiteral("--workers"), QStringLiteral("1,2"), QStringLiteral("--repeat"), QStringLiteral("2"),
        QStringLiteral("--export-trace"), trace, QStringLiteral("--export-html"), html });
    QVERIFY2(r.code == 0, qPrintable(r.err));

    QFile traceFile(trace);
    QVERIFY(traceFile.open(QIODevice::ReadOnly));
    QJsonParseError error;
    const QJsonObject top = QJsonDocument::fromJson(traceFile.readAll(), &error).object();
    QCOMPARE(error.error, QJsonParseError::NoError);
    QStringList processes;
    int tasks = 0;
    for (const auto& v : top.value(QStringLiteral("traceEvents")).toArray()) {
        const QJsonObject e = v.toObject();
        if (e.value(QStringLiteral("ph")).toString() == QStringLiteral("X")) {
            ++tasks;
            QCOMPARE(e.value(QStringLiteral("name")).toString(), QStringLiteral("fib(20)"));
            QVERIFY(e.value(QStringLiteral("dur")).toDouble() > 0);
        } else if (e.value(QStringLiteral("name")).toString() == QStringLiteral("process_name")) {
            processes.append(e.value(QStringLiteral("args")).toObject().value(QStringLiteral("name")).toString());
        }
    }
    // sequential x1, threads x1, threads x2: four tasks each.
    QCOMPARE(processes,
        (QStringList { QStringLiteral("sequential x1"), QStringLiteral("threads x1"), QStringLiteral("threads x2") }));
    QCOMPARE(tasks, 3 * 4);
    QCOMPARE(top.value(QStringLiteral("otherData")).toObject().value(QStringLiteral("kernel")).toString(),
        QStringLiteral("fib"));

    QFile htmlFile(html);
    QVERIFY(htmlFile.open(QIODevice::ReadOnly));
    const QByteArray page = htmlFile.readAll();
    QXmlStreamReader xml(page);
    while (!xml.atEnd())
        xml.readNext();
    QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
    QVERIFY(page.contains("<title>fib on threads, "));
    QVERIFY(page.contains("aria-label=\"Timeline of threads x2, latest repeat\""));
    QVERIFY(page.contains("</span>threads</td>"));
}

void TestCli::badInputIsRejectedBeforeRunning_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("message");
    // fib 45 would take many seconds per run: a quick exit proves nothing was measured.
    const QStringList base { QStringLiteral("run"), QStringLiteral("--kernel"), QStringLiteral("fib"),
        QStringLiteral("--inputs"), QStringLiteral("45,45") };
    auto with = [&base](const QStringList& extra) { return base + extra; };
    QTest::newRow("unknown kernel") << QStringList { QStringLiteral("run"), QStringLiteral("--kernel"),
        QStringLiteral("fibb"), QStringLiteral("--inputs"), QStringLiteral("1") }
                                    << QStringLiteral("unknown kernel 'fibb': did you mean 'fib'?");
    QTest::newRow("unknown backend") << with({ QStringLiteral("--backends"), QStringLiteral("sequential,thread") })
                                     << QStringLiteral("unknown backend 'thread': did you mean 'threads'?");
    QTest::newRow("malformed inputs") << QStringList { QStringLiteral("run"), QStringLiteral("--kernel"),
        QStringLiteral("fib"), QStringLiteral("--inputs"), QStringLiteral("38,37..") }
                                      << QStringLiteral("at column 4 ('37..'): the range has no end");
    QTest::newRow("empty inputs") << QStringList { QStringLiteral("run"), QStringLiteral("--kernel"),
        QStringLiteral("fib"), QStringLiteral("--inputs"), QString() }
                                  << QStringLiteral("the input list is empty");
    QTest::newRow("input out of range") << QStringList { QStringLiteral("run"), QStringLiteral("--kernel"),
        QStringLiteral("fib"), QStringLiteral("--inputs"), QStringLiteral("30,90") }
                                        << QStringLiteral("fib: input 90 is above 50");
    QTest::newRow("missing kernel") << QStringList { QStringLiteral("run"), QStringLiteral("--inputs"),
        QStringLiteral("1") } << QStringLiteral("--kernel is required");
    QTest::newRow("workers 0") << with({ QStringLiteral("--workers"), QStringLiteral("0,2") })
                               << QStringLiteral("--workers: 0 is out of range");
    QTest::newRow("workers 2000") << with({ QStringLiteral("--workers"), QStringLiteral("2000") })
                                  << QStringLiteral("--workers: 2000 is out of range");
    QTest::newRow("repeat 0") << with({ QStringLiteral("--repeat"), QStringLiteral("0") })
                              << QStringLiteral("--repeat: 0 is out of range, use 1 to 10000");
    QTest::newRow("repeat text") << with({ QStringLiteral("--repeat"), QStringLiteral("five") })
                                 << QStringLiteral("--repeat: 'five' is not a whole number");
    QTest::newRow("negative warmup") << with({ QStringLiteral("--warmup"), QStringLiteral("-1") })
                                     << QStringLiteral("--warmup: -1 is out of range, use 0 to 10000");
    QTest::newRow("format") << with({ QStringLiteral("--format"), QStringLiteral("xml") })
                            << QStringLiteral("--format: unknown format 'xml'");
    QTest::newRow("unknown option") << with({ QStringLiteral("--frobnicate") })
                                    << QStringLiteral("Unknown option 'frobnicate'");
    QTest::newRow("stray argument") << with({ QStringLiteral("extra") })
                                    << QStringLiteral("unexpected argument 'extra'");
    QTest::newRow("export folder missing")
        << with({ QStringLiteral("--export-json"), QStringLiteral("/nonexistent-parlab/r.json") })
        << QStringLiteral("--export-json: cannot write '/nonexistent-parlab/r.json': the folder");
    QTest::newRow("trace folder missing")
        << with({ QStringLiteral("--export-trace"), QStringLiteral("/nonexistent-parlab/t.json") })
        << QStringLiteral("--export-trace: cannot write '/nonexistent-parlab/t.json'");
    QTest::newRow("html folder missing") << with(
        { QStringLiteral("--export-html"), QStringLiteral("/nonexistent-parlab/r.html") })
                                         << QStringLiteral("--export-html: cannot write '/nonexistent-parlab/r.html'");
    QTest::newRow("html is a folder") << with({ QStringLiteral("--export-html"), QDir::tempPath() })
                                      << QStringLiteral("--export-html: ");
    QTest::newRow("export is a folder") << with({ QStringLiteral("--export-csv"), QDir::tempPath() })
                                        << QStringLiteral("is a folder, not a file");
    QTest::newRow("on-error") << with({ QStringLiteral("--on-error"), QStringLiteral("ignore") })
                              << QStringLiteral("--on-error must be 'stop' or 'continue', not 'ignore'");
    QTest::newRow("task timeout") << with({ QStringLiteral("--task-timeout"), QStringLiteral("soon") })
                                  << QStringLiteral("--task-timeout must be a number from 0 to 86400 s (0: no limit), "
                                                    "not 'soon'");
    QTest::newRow("baseline core") << with({ QStringLiteral("--baseline-core"), QStringLiteral("7x") })
                                   << QStringLiteral("--baseline-core must be 'any' or 'fastest', not '7x'");
    QTest::newRow("chunksize 0") << with({ QStringLiteral("--chunksize"), QStringLiteral("0") })
                                 << QStringLiteral("--chunksize must be a whole number from 1 to 1000000, not 0");
    QTest::newRow("switch interval out of range")
        << with({ QStringLiteral("--switch-interval"), QStringLiteral("0") })
        << QStringLiteral("--switch-interval must be a number from 0.01 to 1000 ms, not 0");
    QTest::newRow("command without program") << QStringList { QStringLiteral("run"), QStringLiteral("--kernel"),
        QStringLiteral("command"), QStringLiteral("--inputs"), QStringLiteral("1") }
                                             << QStringLiteral("the command kernel needs a program to run");
    QTest::newRow("hostfile missing") << with({ QStringLiteral("--hostfile"), QStringLiteral("/nonexistent/hosts") })
                                      << QStringLiteral("--hostfile: cannot read '/nonexistent/hosts'");
}

void TestCli::badInputIsRejectedBeforeRunning()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);
    const Result r = runParlab(arguments, 10'000);
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains(message), qPrintable(r.err));
    QVERIFY2(r.out.isEmpty(), qPrintable(r.out));
    QVERIFY2(r.ms < 5'000, "a rejected run must not measure anything");
}

void TestCli::hostfileIsCheckedBeforeRunning()
{
    // The hostfile is checked where the run's options are, after whether mpi can run here at all.
    const Result list = runParlab(
        { QStringLiteral("list"), QStringLiteral("backends"), QStringLiteral("--format"), QStringLiteral("json") });
    QCOMPARE(list.code, 0);
    for (const auto& v : QJsonDocument::fromJson(list.out.toUtf8()).array()) {
        const QJsonObject backend = v.toObject();
        if (backend.value(QStringLiteral("id")).toString() == QStringLiteral("mpi")
            && !backend.value(QStringLiteral("available")).toBool())
            QSKIP(qPrintable(
                QStringLiteral("mpi cannot run here: ") + backend.value(QStringLiteral("reason")).toString()));
    }
    QTemporaryDir dir;
    struct Case {
        QByteArray text;
        QString workers;
        QString mpirunArgs;
        QString message; // after the file's path
    };
    const QList<Case> cases {
        { "192.0.2.1 slots=2\n\n192.0.2.2 slots=abc\n", QStringLiteral("1"), QString(),
            QStringLiteral(":3: slots=abc is not a number") },
        { "localhost slots=1\nnosuchhost.invalid slots=1\n", QStringLiteral("1"), QString(),
            QStringLiteral(":2: host 'nosuchhost.invalid' does not resolve") },
        { "192.0.2.1 slots=2\n192.0.2.2 slots=2\n", QStringLiteral("1,6"), QStringLiteral("--mca btl tcp,self"),
            QStringLiteral("' (192.0.2.1 2, 192.0.2.2 2), and mpirun starts one rank a slot: use 4 workers or "
                           "fewer") },
    };
    int n = 0;
    for (const Case& c : cases) {
        const QString path = writeHostfile(dir, QStringLiteral("hosts%1").arg(++n), c.text);
        QStringList arguments { QStringLiteral("run"), QStringLiteral("--kernel"), QStringLiteral("spin"),
            QStringLiteral("--inputs"), QStringLiteral("5000x4"), QStringLiteral("--backends"),
            QStringLiteral("sequential,mpi"), QStringLiteral("--workers"), c.workers, QStringLiteral("--hostfile"),
            path, QStringLiteral("--no-history") };
        if (!c.mpirunArgs.isEmpty())
            arguments << QStringLiteral("--mpirun-args") << c.mpirunArgs;
        const Result r = runParlab(arguments, 10'000);
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(QStringLiteral("parlab run: error: backend 'mpi': ")), qPrintable(r.err));
        QVERIFY2(r.err.contains(path + c.message), qPrintable(r.err));
        QVERIFY2(r.out.isEmpty(), qPrintable(r.out));
        QVERIFY2(r.ms < 5'000, "a refused hostfile must not measure anything (spin 5000 takes 5 s a task)");
        qInfo("%s", qPrintable(r.err.section(QLatin1Char('\n'), 0, 0)));
    }
}

void TestCli::listBackendsSaysWhatTheHostfileGives()
{
    QTemporaryDir dir;
    const QString good
        = writeHostfile(dir, QStringLiteral("hosts"), "# two machines\n192.0.2.1 slots=2\n192.0.2.2 slots=2\n");
    const Result table
        = runParlab({ QStringLiteral("list"), QStringLiteral("backends"), QStringLiteral("--hostfile"), good });
    QCOMPARE(table.code, 0);
    QVERIFY2(table.out.contains(
                 QStringLiteral("Hostfile %1: 2 hosts, 4 slots (192.0.2.1 2, 192.0.2.2 2), for mpi.").arg(good)),
        qPrintable(table.out));
    qInfo("%s", qPrintable(table.out.section(QLatin1Char('\n'), -2, -2)));

    const Result json = runParlab({ QStringLiteral("list"), QStringLiteral("backends"), QStringLiteral("--format"),
        QStringLiteral("json"), QStringLiteral("--hostfile"), good });
    QCOMPARE(json.code, 0);
    QJsonObject hostfile;
    for (const auto& v : QJsonDocument::fromJson(json.out.toUtf8()).array()) {
        const QJsonObject backend = v.toObject();
        if (backend.value(QStringLiteral("id")).toString() == QStringLiteral("mpi"))
            hostfile = backend.value(QStringLiteral("hostfile")).toObject();
        else
            QVERIFY2(!backend.contains(QStringLiteral("hostfile")),
                qPrintable(backend.value(QStringLiteral("id")).toString()));
    }
    QCOMPARE(hostfile.value(QStringLiteral("path")).toString(), good);
    QCOMPARE(hostfile.value(QStringLiteral("host_count")).toInt(), 2);
    QCOMPARE(hostfile.value(QStringLiteral("slots")).toInt(), 4);
    QCOMPARE(
        hostfile.value(QStringLiteral("hosts")).toArray().at(1).toObject().value(QStringLiteral("name")).toString(),
        QStringLiteral("192.0.2.2"));

    const QString bad = writeHostfile(dir, QStringLiteral("bad"), "localhost slots=2\nnodeb slots=two\n");
    const Result refused
        = runParlab({ QStringLiteral("list"), QStringLiteral("backends"), QStringLiteral("--hostfile"), bad });
    QCOMPARE(refused.code, 2);
    QVERIFY2(refused.err.contains(
                 QStringLiteral("parlab list: error: --hostfile: %1:2: slots=two is not a number").arg(bad)),
        qPrintable(refused.err));
    QVERIFY(refused.out.isEmpty());
}

void TestCli::ctrlCCancelsAndKeepsResults()
{
    // 20 ms tasks, many repeats: the run would take minutes; after a second some rounds are measured.
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("history.sqlite"));
    QProcess process;
    process.start(QStringLiteral(PARLAB_EXECUTABLE),
        { QStringLiteral("run"), QStringLiteral("--kernel"), QStringLiteral("spin"), QStringLiteral("--inputs"),
            QStringLiteral("20x2"), QStringLiteral("--backends"), QStringLiteral("sequential,threads"),
            QStringLiteral("--workers"), QStringLiteral("2"), QStringLiteral("--repeat"), QStringLiteral("2000"),
            QStringLiteral("--format"), QStringLiteral("json"), QStringLiteral("--history-db"), db });
    QVERIFY(process.waitForStarted());
    QVERIFY(measuredSoFar(db, 2, 8)); // four rounds of the two
    QElapsedTimer timer;
    timer.start();
    ::kill(pid_t(process.processId()), SIGINT);
    QVERIFY(process.waitForFinished(5'000));
    const qint64 stopMs = timer.elapsed();
    qInfo("exited %lld ms after SIGINT", stopMs);
    QVERIFY2(stopMs < 1'000, "Ctrl+C must stop the run within a fraction of a second");
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 130);
    const QJsonArray results = cancelledRunKept(process.readAllStandardOutput(), process.readAllStandardError(), db);
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(results.size(), 2);
    QVERIFY(results.at(0).toObject().value(QStringLiteral("samples_s")).toArray().size() >= 3);
}

void TestCli::aSecondSignalAtOnceKeepsTheResults_data()
{
    QTest::addColumn<bool>("byTimeout");
    // A user who presses Ctrl+C twice: the second 10 ms after the first, while the run winds down.
    QTest::newRow("two SIGINTs 10 ms apart") << false;
    // `timeout -s INT` signals parlab, then its own process group, parlab again: two signals within microseconds.
    QTest::newRow("timeout -s INT") << true;
}

void TestCli::aSecondSignalAtOnceKeepsTheResults()
{
    QFETCH(bool, byTimeout);
    // 20 ms tasks in rounds of five combinations with child processes: once every combination has samples, the run
    // has processes up.
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("history.sqlite"));
    const QString exported = dir.filePath(QStringLiteral("run.json"));
    const QStringList run { QStringLiteral("run"), QStringLiteral("--kernel"), QStringLiteral("spin"),
        QStringLiteral("--inputs"), QStringLiteral("20x2"), QStringLiteral("--backends"),
        QStringLiteral("sequential,processes,process-per-task"), QStringLiteral("--workers"), QStringLiteral("1,2"),
        QStringLiteral("--repeat"), QStringLiteral("2000"), QStringLiteral("--format"), QStringLiteral("json"),
        QStringLiteral("--export-json"), exported, QStringLiteral("--history-db"), db };
    QProcess process;
    // timeout forwards a SIGINT it gets as it sends its own when the time is up: to parlab, then to its group.
    if (byTimeout)
        process.start(QStringLiteral("timeout"),
            QStringList { QStringLiteral("-s"), QStringLiteral("INT"), QStringLiteral("--preserve-status"),
                QStringLiteral("3600"), QStringLiteral(PARLAB_EXECUTABLE) }
                + run);
    else
        process.start(QStringLiteral(PARLAB_EXECUTABLE), run);
    QVERIFY(process.waitForStarted());
    qint64 parlab = process.processId();
    if (byTimeout) {
        QTRY_VERIFY(!testsupport::descendants(parlab).isEmpty());
        parlab = testsupport::descendants(parlab).first(); // parents first: timeout's child
    }
    const QByteArray owner = testsupport::ownerEntryOf(parlab);
    QVERIFY(!owner.isEmpty());
    QVERIFY(measuredSoFar(db, 5, 5));
    // Signalled while a combination's processes are up.
    QTRY_VERIFY_WITH_TIMEOUT(!testsupport::processesCarrying(owner).isEmpty(), 30'000);
    if (byTimeout)
        ::kill(pid_t(process.processId()), SIGINT);
    else
        interruptTwice(parlab, 10);
    QVERIFY(process.waitForFinished(10'000));
    // Exit code 130 from parlab itself (timeout --preserve-status passes it on): a parlab ended by the second
    // signal would be a crash here.
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 130);
    const QByteArray err = process.readAllStandardError();
    QVERIFY2(err.contains("parlab run: cancelling the run: ending its processes and keeping the results measured so "
                          "far (Ctrl+C again within 2 s is ignored; after that it aborts without them)"),
        err.constData());
    const QJsonArray results = cancelledRunKept(process.readAllStandardOutput(), err, db);
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(results.size(), 5);
    for (const auto& r : results)
        QVERIFY2(!r.toObject().value(QStringLiteral("samples_s")).toArray().isEmpty(),
            qPrintable(r.toObject().value(QStringLiteral("backend")).toString()));
    QFile file(exported);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(QJsonDocument::fromJson(file.readAll()).object().value(QStringLiteral("results")).toArray(), results);
    QTRY_COMPARE_WITH_TIMEOUT(testsupport::processesCarrying(owner), QList<qint64> {}, 1000);
}

void TestCli::aLaterSignalAbortsAStuckWindDown()
{
    // stdout is a pipe nobody reads: the cancelled run's JSON fills it and parlab blocks writing it, as under a
    // pager that stopped. A second signal within the grace period is ignored; a third after it ends parlab.
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("history.sqlite"));
    const QString exported = dir.filePath(QStringLiteral("run.json"));
    int stalled[2];
    QVERIFY(::pipe2(stalled, O_CLOEXEC) == 0);
    ::fcntl(stalled[1], F_SETPIPE_SZ, 4096);
    QProcess process;
    process.setChildProcessModifier([&stalled] { ::dup2(stalled[1], STDOUT_FILENO); });
    process.start(QStringLiteral(PARLAB_EXECUTABLE),
        { QStringLiteral("run"), QStringLiteral("--kernel"), QStringLiteral("spin"), QStringLiteral("--inputs"),
            QStringLiteral("20x2"), QStringLiteral("--backends"), QStringLiteral("sequential,processes"),
            QStringLiteral("--workers"), QStringLiteral("2"), QStringLiteral("--repeat"), QStringLiteral("2000"),
            QStringLiteral("--format"), QStringLiteral("json"), QStringLiteral("--export-json"), exported,
            QStringLiteral("--history-db"), db });
    QVERIFY(process.waitForStarted());
    ::close(stalled[1]);
    const auto pid = pid_t(process.processId());
    const QByteArray owner = testsupport::ownerEntryOf(pid);
    QTRY_VERIFY_WITH_TIMEOUT(!testsupport::processesCarrying(owner).isEmpty(), 1000 * testsupport::kSlowdown);
    QTest::qWait(1000);
    interruptTwice(pid, 10);
    // Past the grace period, still stuck on stdout; its processes ended already, and the run is stored.
    QVERIFY(!process.waitForFinished(2500));
    QCOMPARE(testsupport::processesCarrying(owner), QList<qint64> {});
    ::kill(pid, SIGINT);
    QVERIFY(process.waitForFinished(5'000));
    ::close(stalled[0]);
    QCOMPARE(process.exitStatus(), QProcess::CrashExit);
    QCOMPARE(process.exitCode(), SIGINT);
    // The second was said to be ignored although the main thread was stuck: the handler says it.
    const QByteArray err = process.readAllStandardError();
    QVERIFY2(err.contains("parlab run: ignored a second signal within 2 s of the first: still writing the results\n"),
        err.constData());
    QVERIFY2(!QFile::exists(exported), "aborted before the exports, as the notice says");
    parlab::HistoryStore history;
    QCOMPARE(history.open(db).error(), QString());
    const auto summary = history.summary(1);
    QVERIFY(summary);
    QCOMPARE(summary->status, parlab::RunStatus::Cancelled);
}

void TestCli::overheadMeasuresEveryCostAgainstAFloor()
{
    const Result r
        = runParlab({ QStringLiteral("overhead"), QStringLiteral("--format"), QStringLiteral("json") }, 120'000);
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const QJsonArray rows = QJsonDocument::fromJson(r.out.toUtf8()).array();
    // The 7 costs, a batch of threads workers at each count WorkerStarts measures up to the cores, and above one
    // worker each count's hand-out, of threads and of a pool's parent.
    const QList<int> counts = parlab::WorkerStarts::countsFor(QThread::idealThreadCount());
    QCOMPARE(rows.size(), 7 + counts.size() + 2 * (counts.size() - 1));
    const auto named = [&rows](const QString& start) {
        for (const auto& v : rows) {
            if (v.toObject().value(QStringLiteral("what")).toString().startsWith(start))
                return v.toObject();
        }
        return QJsonObject {};
    };
    QStringList what;
    for (const auto& v : rows) {
        const QJsonObject row = v.toObject();
        what.append(row.value(QStringLiteral("what")).toString());
        QVERIFY2(row.value(QStringLiteral("skipped")).toString().isEmpty(),
            qPrintable(row.value(QStringLiteral("skipped")).toString()));
        QVERIFY2(row.value(QStringLiteral("us")).toDouble() > 0, qPrintable(what.last()));
        QVERIFY2(row.value(QStringLiteral("floor_us")).toDouble() > 0, qPrintable(what.last()));
        QVERIFY(!row.value(QStringLiteral("floor")).toString().isEmpty());
    }
    QVERIFY(what.join(QLatin1Char('\n')).contains(QStringLiteral("processes worker")));
    QVERIFY(what.join(QLatin1Char('\n')).contains(QStringLiteral("mpirun")));
    QVERIFY(what.join(QLatin1Char('\n')).contains(QStringLiteral("ring")));
    // Spawning a process costs far more than handing a task to a thread: the lesson the table teaches.
    QVERIFY(
        named(QStringLiteral("a noop task in a fresh process-per-task worker")).value(QStringLiteral("us")).toDouble()
        > 10 * named(QStringLiteral("hand a noop task to threads")).value(QStringLiteral("us")).toDouble());
    // Several threads workers started at once: each count's batch beside the batch of one, with how much later the
    // last of them started, as `parlab predict` reads it from a run's own probe.
    const QJsonObject one = named(QStringLiteral("start 1 threads worker"));
    QCOMPARE(one.value(QStringLiteral("per")).toString(), QStringLiteral("batch"));
    for (int workers : counts.mid(1)) {
        const QJsonObject several = named(QStringLiteral("start %1 threads workers at once").arg(workers));
        QVERIFY2(several.value(QStringLiteral("what"))
                     .toString()
                     .contains(QRegularExpression(
                         QStringLiteral("the last started [+-]?\\d+\\.\\d µs later than one alone"))),
            qPrintable(several.value(QStringLiteral("what")).toString()));
        QCOMPARE(several.value(QStringLiteral("floor_us")).toDouble(), one.value(QStringLiteral("us")).toDouble());
        // And a noop task with its hand-out while that many take theirs from the one queue, or are served theirs by
        // a pool's parent, beside one worker's.
        for (const QString& start : { QStringLiteral("a noop task and its hand-out on each of %1 threads workers"),
                 QStringLiteral("a noop task handed out by the one parent of %1 processes workers") }) {
            const QJsonObject handOut = named(start.arg(workers));
            QCOMPARE(handOut.value(QStringLiteral("per")).toString(), QStringLiteral("task"));
            const QString text = handOut.value(QStringLiteral("what")).toString();
            const QRegularExpressionMatch growth
                = QRegularExpression(QStringLiteral("\\(([+-]?\\d+\\.\\d{3}) µs each, as parlab predict models it\\)"))
                      .match(text);
            QVERIFY2(growth.hasMatch(), qPrintable(text));
        }
    }
}

void TestCli::overheadRejectsBadClusterOptions()
{
    // Refused before anything is measured: a hostfile that cannot be read, and mpirun arguments for a ring between
    // hosts that no hostfile names (tst_cluster measures the hop between hosts).
    const Result missing
        = runParlab({ QStringLiteral("overhead"), QStringLiteral("--hostfile"), QStringLiteral("/nonexistent/hosts") });
    QCOMPARE(missing.code, 2);
    QVERIFY2(
        missing.err.contains(QStringLiteral("--hostfile: cannot read '/nonexistent/hosts'")), qPrintable(missing.err));
    const Result alone = runParlab(
        { QStringLiteral("overhead"), QStringLiteral("--mpirun-args"), QStringLiteral("--mca btl tcp,self") });
    QCOMPARE(alone.code, 2);
    QVERIFY2(alone.err.contains(QStringLiteral("give --hostfile too")), qPrintable(alone.err));
    QVERIFY(missing.out.isEmpty() && alone.out.isEmpty());
}

void TestCli::guiExplainsBadStarts()
{
    // An unknown lesson is a usage error naming the lessons there are (offscreen: the tests' platform).
    const Result lesson = runParlab({ QStringLiteral("gui"), QStringLiteral("--lesson"), QStringLiteral("nope") });
    QCOMPARE(lesson.code, 2);
    QVERIFY2(
        lesson.err.contains(QStringLiteral("no lesson 'nope'")) && lesson.err.contains(QStringLiteral("gil-threads")),
        qPrintable(lesson.err));

    // Without any display the window cannot open: a message saying what to do, not Qt's abort.
    QProcess process;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const QString& name :
        { QStringLiteral("DISPLAY"), QStringLiteral("WAYLAND_DISPLAY"), QStringLiteral("QT_QPA_PLATFORM") })
        env.remove(name);
    process.setProcessEnvironment(env);
    process.start(QStringLiteral(PARLAB_EXECUTABLE), { QStringLiteral("gui") });
    QVERIFY(process.waitForFinished(30'000));
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 2);
    QVERIFY(QString::fromUtf8(process.readAllStandardError()).contains(QStringLiteral("parlab run --preset classic")));
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
