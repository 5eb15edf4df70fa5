// The run history end to end: the Mann-Whitney test against values derived by hand, run comparison, the JSON
// import, the SQLite store (round trips, damaged files, unwritable places, schema versions), the recorder on a
// real Runner, and `parlab history` / `parlab run --history-db` as a user types them, including a `parlab run`
// killed with SIGKILL mid-way. Every database lives in a QTemporaryDir.

#include "environment.h"
#include "experimentspec.h"
#include "export/gatereport.h"
#include "export/jsonexport.h"
#include "export/jsonimport.h"
#include "history/comparison.h"
#include "history/gate.h"
#include "history/historyrecorder.h"
#include "history/historystore.h"
#include "inputparser.h"
#include "measurement.h"
#include "runner.h"
#include "runresult.h"
#include "stats/analysis.h"
#include "stats/mannwhitney.h"
#include "taskspan.h"
#include "testsupport.h"
#include "unknown.h"

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QXmlStreamReader>
#include <cmath>
#include <signal.h>
#include <time.h>

using namespace parlab;
using testsupport::runParlab;

namespace {

// A finished two-backend result with everything the store keeps filled in.
RunResult sampleResult(double scale = 1.0)
{
    RunResult r;
    r.spec.kernel = QStringLiteral("spin");
    r.spec.inputs = { 20, 19, 18, 17, 17, 17 };
    r.spec.backends = { QStringLiteral("sequential"), QStringLiteral("threads") };
    r.spec.workers = { 1, 2 };
    r.spec.repeats = 5;
    r.spec.warmup = 1;
    r.spec.options.chunksize = 2;
    r.environment.cpu = QStringLiteral("Test CPU");
    r.environment.logicalCores = 2;
    r.environment.os = QStringLiteral("Debian");
    r.environment.governor = QStringLiteral("performance");
    r.environment.loadAverage = 0.25;
    r.environment.hostname = QStringLiteral("alpha");
    r.environment.kernel = QStringLiteral("6.1.0-18-amd64");
    r.environment.physicalCores = 2;
    r.environment.threadsPerCore = 1;
    r.environment.packages = 1;
    r.environment.numaNodes = 1;
    r.environment.turbo = QStringLiteral("on");
    r.environment.frequency = { 2300, 2400, 2500, 40, true, QStringLiteral("scaling_cur_freq") };
    r.environment.parlabVersion = QStringLiteral("0.2.0");
    r.environment.python = QStringLiteral("Python 3.11.2 (/usr/bin/python3), with the GIL");
    r.environment.label = QStringLiteral("baseline");
    r.environment.commit = QStringLiteral("0123456789abcdef0123456789abcdef01234567");
    r.created = QDateTime::fromString(QStringLiteral("2024-05-01T12:00:03.250+02:00"), Qt::ISODateWithMs);
    r.measurements = {
        testsupport::measurement(QStringLiteral("sequential"), 1,
            { 0.100 * scale, 0.102 * scale, 0.101 * scale, 0.099 * scale, 0.103 * scale }, 0x1234),
        testsupport::measurement(QStringLiteral("threads"), 1,
            { 0.101 * scale, 0.104 * scale, 0.100 * scale, 0.102 * scale, 0.105 * scale }, 0x1234),
        testsupport::measurement(QStringLiteral("threads"), 2,
            { 0.055 * scale, 0.052 * scale, 0.051 * scale, 0.060 * scale, 0.054 * scale }, 0x1234),
    };
    Measurement& m = r.measurements[2];
    // The first task's worker sampled its CPU time and run-queue delay, the second's did not (-1).
    m.spans
        = { { 20, 0, 0, 11, {}, 1000, 2000, 7, 700, 250 }, { 19, 1, 1, 12, QStringLiteral("node2"), 1500, 2600, 8 } };
    m.states = { { 0, LockState::Running, 1000, 1500 }, { 1, LockState::Waiting, 1000, 1500 },
        { 1, LockState::Released, 1500, 2600 } };
    m.switches = { 10, 12, 11, 9, 13 };
    m.launchS = { 0.01, 0.011, 0.012, 0.013, 0.014 };
    // Where each repeat's worker-seconds went, the lock waits of the third unknown (a NaN must stay one).
    for (int i = 0; i < 5; ++i)
        m.accounts.append({ 0.001 * i, 0.002, 0.003, 0.09 + 0.001 * i, 0.08, 0.004 * i, i == 2 ? kUnknown : 0.001 });
    // The dispatcher's serial parts (a process per task measures them), the fourth repeat's hand-out part unknown.
    for (int i = 0; i < 5; ++i) {
        m.accounts[i].startupSerialS = 0.0001 * i;
        m.accounts[i].dispatchSerialS = i == 3 ? kUnknown : 0.0005;
        m.accounts[i].startedAway = i == 1 ? kUnknown : double(i % 2); // threads: where each repeat's worker began
    }
    for (Measurement& each : r.measurements) {
        if (each.accounts.isEmpty()) {
            for (double wall : each.samplesS)
                each.accounts.append({ 0, 0, 0, wall * each.workers, wall * each.workers * 0.9, 0.0, kUnknown });
        }
    }
    // Memory and switches of each repeat, the third's process peak unknown (-1 must stay so).
    for (int i = 0; i < 5; ++i)
        m.usage.append({ i == 2 ? -1 : (40 << 20) + i, { { 0, 11, -1, 3 + i, 1 }, { 1, 11, -1, 4, qint64(2) * i } } });
    m.failedRuns = 1;
    m.lastError = QStringLiteral("threads x2: task 3 failed");
    r.bounds.taskCostsS = { 0.02, 0.019, 0.018, 0.017, 0.017, 0.017 };
    r.referenceChecksum = 0xfedcba9876543210ULL; // above 2^63: must survive a signed INTEGER column
    r.runtimes.insert(QStringLiteral("python-threads"), QStringLiteral("Python 3.11.2 (/usr/bin/python3)"));
    r.completedRuns = 18;
    r.plannedRuns = 18;
    analyse(r);
    r.warnings.append(QStringLiteral("a warning of our own"));
    return r;
}

void compareMeasurement(const Measurement& got, const Measurement& want)
{
    QCOMPARE(got.backend, want.backend);
    QCOMPARE(got.workers, want.workers);
    QCOMPARE(got.samplesS, want.samplesS);
    QCOMPARE(got.cpuS, want.cpuS);
    QCOMPARE(got.launchS, want.launchS);
    QCOMPARE(got.switches, want.switches);
    QCOMPARE(got.checksum, want.checksum);
    QCOMPARE(got.wall.median, want.wall.median);
    QCOMPARE(got.wall.outliers, want.wall.outliers);
    QCOMPARE(got.speedup, want.speedup);
    QCOMPARE(got.speedupLow, want.speedupLow);
    QCOMPARE(got.accounts.size(), want.accounts.size());
    for (qsizetype i = 0; i < got.accounts.size(); ++i) {
        const RepeatAccount& g = got.accounts[i];
        const RepeatAccount& w = want.accounts[i];
        for (double RepeatAccount::*member : { &RepeatAccount::startupS, &RepeatAccount::dispatchS,
                 &RepeatAccount::tailS, &RepeatAccount::taskS, &RepeatAccount::taskCpuS, &RepeatAccount::taskWaitS,
                 &RepeatAccount::lockWaitS, &RepeatAccount::lockIdleS, &RepeatAccount::startupSerialS,
                 &RepeatAccount::dispatchSerialS, &RepeatAccount::startedAway })
            QVERIFY(g.*member == w.*member || (std::isnan(g.*member) && std::isnan(w.*member)));
    }
    // Derived on load from the stored accounts, like every figure.
    for (double Losses::*part : { &Losses::useful, &Losses::startup, &Losses::imbalance, &Losses::slowdown,
             &Losses::cpuWait, &Losses::lockWait, &Losses::blocked, &Losses::unexplained })
        QVERIFY(
            got.losses.*part == want.losses.*part || (std::isnan(got.losses.*part) && std::isnan(want.losses.*part)));
    QCOMPARE(got.usage, want.usage);
    QCOMPARE(got.peakRssBytes, want.peakRssBytes); // derived again on load
    QCOMPARE(got.voluntarySwitches, want.voluntarySwitches);
    QCOMPARE(got.failedRuns, want.failedRuns);
    QCOMPARE(got.lastError, want.lastError);
    QCOMPARE(got.spans.size(), want.spans.size());
    for (qsizetype i = 0; i < got.spans.size(); ++i) {
        QCOMPARE(got.spans[i].input, want.spans[i].input);
        QCOMPARE(got.spans[i].worker, want.spans[i].worker);
        QCOMPARE(got.spans[i].pid, want.spans[i].pid);
        QCOMPARE(got.spans[i].host, want.spans[i].host);
        QCOMPARE(got.spans[i].startNs, want.spans[i].startNs);
        QCOMPARE(got.spans[i].endNs, want.spans[i].endNs);
        QCOMPARE(got.spans[i].checksum, want.spans[i].checksum);
        QCOMPARE(got.spans[i].cpuNs, want.spans[i].cpuNs);
        QCOMPARE(got.spans[i].waitNs, want.spans[i].waitNs);
    }
    QCOMPARE(got.states.size(), want.states.size());
    for (qsizetype i = 0; i < got.states.size(); ++i) {
        QCOMPARE(got.states[i].worker, want.states[i].worker);
        QCOMPARE(got.states[i].state, want.states[i].state);
        QCOMPARE(got.states[i].endNs, want.states[i].endNs);
    }
}

// Rows of a table in one of the store's files, read over a connection of the test's own.
QVariantList column(const QString& path, const QString& sql)
{
    QVariantList values;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("peek"));
        db.setDatabaseName(path);
        if (db.open()) {
            QSqlQuery q(db);
            if (q.exec(sql)) {
                while (q.next())
                    values.append(q.value(0));
            }
        }
    }
    QSqlDatabase::removeDatabase(QStringLiteral("peek"));
    return values;
}

// A path no process can create: its "folder" is a regular file (chmod does not stop root, this does).
QString unwritablePath(const QTemporaryDir& dir)
{
    const QString blocker = dir.filePath(QStringLiteral("not-a-folder"));
    QFile file(blocker);
    if (file.open(QIODevice::WriteOnly))
        file.write("a file where the history wants a folder\n");
    return blocker + QStringLiteral("/history.sqlite");
}

// A run's figures and raw data in the shape of tests/fixtures/history-schema1.json (what
// history-schema1-dump.cpp writes), so a loaded run compares against that file and against a live run alike.
QJsonValue number(double value)
{
    return std::isfinite(value) ? QJsonValue(value) : QJsonValue(QJsonValue::Null);
}

QJsonArray numbers(const QList<double>& values)
{
    QJsonArray array;
    for (double v : values)
        array.append(number(v));
    return array;
}

QJsonObject figures(const RunResult& r)
{
    const auto hex = [](quint64 value) { return QString::number(value, 16); };
    QJsonArray measurements;
    for (const Measurement& m : r.measurements) {
        QJsonArray outliers, switches, spans, states;
        for (int i : m.wall.outliers)
            outliers.append(i);
        for (qint64 s : m.switches)
            switches.append(s);
        for (const TaskSpan& s : m.spans)
            spans.append(QJsonObject { { QStringLiteral("input"), s.input }, { QStringLiteral("index"), s.index },
                { QStringLiteral("worker"), s.worker }, { QStringLiteral("pid"), s.pid },
                { QStringLiteral("host"), s.host }, { QStringLiteral("start_ns"), QString::number(s.startNs) },
                { QStringLiteral("end_ns"), QString::number(s.endNs) },
                { QStringLiteral("checksum"), hex(s.checksum) } });
        for (const StateSpan& s : m.states)
            states.append(QJsonObject { { QStringLiteral("worker"), s.worker },
                { QStringLiteral("state"), int(s.state) }, { QStringLiteral("start_ns"), QString::number(s.startNs) },
                { QStringLiteral("end_ns"), QString::number(s.endNs) } });
        measurements.append(QJsonObject {
            { QStringLiteral("backend"), m.backend },
            { QStringLiteral("workers"), m.workers },
            { QStringLiteral("samples_s"), numbers(m.samplesS) },
            { QStringLiteral("cpu_samples_s"), numbers(m.cpuS) },
            { QStringLiteral("launch_samples_s"), numbers(m.launchS) },
            { QStringLiteral("switches"), switches },
            { QStringLiteral("median_s"), number(m.wall.median) },
            { QStringLiteral("mean_s"), number(m.wall.mean) },
            { QStringLiteral("stddev_s"), number(m.wall.stddev) },
            { QStringLiteral("mad_s"), number(m.wall.mad) },
            { QStringLiteral("min_s"), number(m.wall.min) },
            { QStringLiteral("max_s"), number(m.wall.max) },
            { QStringLiteral("cv"), number(m.wall.cv) },
            { QStringLiteral("outliers"), outliers },
            { QStringLiteral("cpu_median_s"), number(m.cpuMedianS) },
            { QStringLiteral("speedup"), number(m.speedup) },
            { QStringLiteral("speedup_low"), number(m.speedupLow) },
            { QStringLiteral("speedup_high"), number(m.speedupHigh) },
            { QStringLiteral("efficiency"), number(m.efficiency) },
            { QStringLiteral("self_speedup"), number(m.selfSpeedup) },
            { QStringLiteral("karp_flatt"), number(m.karpFlatt) },
            { QStringLiteral("launch_median_s"), number(m.launchMedianS) },
            { QStringLiteral("checksum"), hex(m.checksum) },
            { QStringLiteral("failed_runs"), m.failedRuns },
            { QStringLiteral("last_error"), m.lastError },
            { QStringLiteral("spans"), spans },
            { QStringLiteral("states"), states },
        });
    }
    QJsonObject lpt, amdahl, runtimes;
    for (auto it = r.bounds.lpt.cbegin(); it != r.bounds.lpt.cend(); ++it)
        lpt.insert(QString::number(it.key()), number(it.value()));
    for (auto it = r.amdahlSerialFraction.cbegin(); it != r.amdahlSerialFraction.cend(); ++it)
        amdahl.insert(it.key(), number(it.value()));
    QJsonObject usl;
    for (auto it = r.usl.cbegin(); it != r.usl.cend(); ++it)
        usl.insert(it.key(), QJsonArray { number(it->sigma), number(it->kappa), it->peakWorkers.value_or(0), it->why });
    for (auto it = r.runtimes.cbegin(); it != r.runtimes.cend(); ++it)
        runtimes.insert(it.key(), it.value());
    return {
        { QStringLiteral("created"), r.created.toString(Qt::ISODateWithMs) },
        { QStringLiteral("warnings"), QJsonArray::fromStringList(r.warnings) },
        { QStringLiteral("task_costs_s"), numbers(r.bounds.taskCostsS) },
        { QStringLiteral("critical"), number(r.bounds.critical) },
        { QStringLiteral("lpt"), lpt },
        { QStringLiteral("amdahl"), amdahl },
        { QStringLiteral("usl"), usl },
        { QStringLiteral("runtimes"), runtimes },
        { QStringLiteral("reference_checksum"), hex(r.referenceChecksum) },
        { QStringLiteral("cancelled"), r.cancelled },
        { QStringLiteral("error"), r.error },
        { QStringLiteral("completed_runs"), r.completedRuns },
        { QStringLiteral("planned_runs"), r.plannedRuns },
        { QStringLiteral("measurements"), measurements },
    };
}

// Where `got` differs from `want` ("measurements[2].speedup: 1.5 instead of 1.25"), or "" when every value
// is equal, numbers within a relative 1e-9 (they pass through JSON text and SQLite REAL columns).
QString difference(const QJsonValue& got, const QJsonValue& want, const QString& path = QStringLiteral("run"))
{
    const auto shown = [](const QJsonValue& v) {
        return v.isObject() || v.isArray()
            ? QStringLiteral("(%1)").arg(v.type())
            : v.toVariant().toString() + (v.isNull() ? QStringLiteral("null") : QString());
    };
    if (got.isDouble() && want.isDouble()) {
        const double a = got.toDouble(), b = want.toDouble();
        if (std::abs(a - b) <= 1e-9 * std::max({ 1.0, std::abs(a), std::abs(b) }))
            return {};
        return QStringLiteral("%1: %2 instead of %3").arg(path).arg(a, 0, 'g', 17).arg(b, 0, 'g', 17);
    }
    if (got.type() != want.type())
        return QStringLiteral("%1: %2 instead of %3").arg(path, shown(got), shown(want));
    if (got.isArray()) {
        const QJsonArray a = got.toArray(), b = want.toArray();
        if (a.size() != b.size())
            return QStringLiteral("%1: %2 values instead of %3").arg(path).arg(a.size()).arg(b.size());
        for (qsizetype i = 0; i < a.size(); ++i) {
            if (QString d = difference(a[i], b[i], QStringLiteral("%1[%2]").arg(path).arg(i)); !d.isEmpty())
                return d;
        }
        return {};
    }
    if (got.isObject()) {
        const QJsonObject a = got.toObject(), b = want.toObject();
        if (a.keys() != b.keys())
            return QStringLiteral("%1: keys %2 instead of %3")
                .arg(path, a.keys().join(QLatin1Char(',')), b.keys().join(QLatin1Char(',')));
        for (auto it = b.constBegin(); it != b.constEnd(); ++it) {
            if (QString d = difference(a.value(it.key()), it.value(), path + QLatin1Char('.') + it.key()); !d.isEmpty())
                return d;
        }
        return {};
    }
    return got == want ? QString() : QStringLiteral("%1: %2 instead of %3").arg(path, shown(got), shown(want));
}

QByteArray fileHash(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QCryptographicHash::hash(file.readAll(), QCryptographicHash::Sha256);
}

QString fixture(const QString& name)
{
    return QStringLiteral(PARLAB_SOURCE_DIR "/tests/fixtures/") + name;
}

// A copy of the schema-1 fixture in `dir`: a test must never open (and so migrate) the committed file.
QString schema1Copy(const QTemporaryDir& dir)
{
    QString copy = dir.filePath(QStringLiteral("history.sqlite"));
    QFile::remove(copy);
    if (!QFile::copy(fixture(QStringLiteral("history-schema1.sqlite")), copy))
        return {};
    QFile::setPermissions(copy, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    return copy;
}

class RecorderHarness final {
public:
    RecorderHarness(HistoryRecorder* recorder)
        : m_runner(new Runner)
    {
        m_thread.setObjectName(QStringLiteral("runner"));
        m_runner->moveToThread(&m_thread);
        QObject::connect(&m_thread, &QThread::finished, m_runner, &QObject::deleteLater);
        m_thread.start();
        recorder->watch(m_runner);
    }
    ~RecorderHarness()
    {
        m_runner->cancel();
        m_thread.quit();
        m_thread.wait();
    }
    Runner* runner() const { return m_runner; }
    void start(const ExperimentSpec& spec)
    {
        QMetaObject::invokeMethod(
            m_runner, [r = m_runner, spec] { r->start(spec); }, Qt::QueuedConnection);
    }

private:
    QThread m_thread;
    Runner* m_runner;
};

ExperimentSpec quickSpec()
{
    ExperimentSpec spec;
    spec.kernel = QStringLiteral("spin");
    spec.inputs = { 2, 2, 2, 2 };
    spec.backends = { QStringLiteral("sequential"), QStringLiteral("threads") };
    spec.workers = { 1, 2 };
    spec.repeats = 3;
    spec.warmup = 0;
    return spec;
}

QJsonDocument json(const QString& text)
{
    return QJsonDocument::fromJson(text.toUtf8());
}

} // namespace

class TestHistory final : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();

    void mannWhitneyExact();
    void mannWhitneyNormalApproximation();
    void mannWhitneyEdgeCases();
    void compareVerdicts();
    void compareRefusesDifferentWorkAndNamesABusyMachine();

    void jsonImportRoundTrip();
    void jsonImportErrorsNameTheField();

    void storeRoundTrip();
    void appendInsertsOnlyNewSamples();
    void listRenameNoteDelete();
    void importStoresAFinishedRun();
    void schemaIsVersionedAndWal();
    void newerSchemaIsRefused();
    void otherFilesAreLeftAlone();
    void damagedPagesAreMovedAside();
    void extremeStoredValuesLoad();
    void unwritableLocation();
    void deadOwnerReadsAsInterrupted();
    void closingMidRunMarksInterrupted();
    void appendCost();

    void storesOnlyWhatWasMeasured();
    void migratesASchema1History();
    void failedMigrationLeavesTheFileAsItWas();
    void migratesASchema2History();

    void recorderRecordsARealRun();
    void recorderRecoversWhatItCannotStore();
    void recorderStoresRepeatsWithinASecondNotEach();

    void cliRunSavesAndHistoryCommands();
    void cliImportAndCompare();
    void cliUnusableHistoryStopsTheRun();
    void cliNoHistory();
    void cliUsageErrors();
    void cliKilledRunIsInterrupted();

private:
    QTemporaryDir m_dir;
};

void TestHistory::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // Nothing here may touch the user's real history, even through the default path.
    qputenv("XDG_DATA_HOME", m_dir.filePath(QStringLiteral("xdg")).toUtf8());
    QVERIFY(HistoryStore::defaultPath().startsWith(m_dir.path()));
    QVERIFY(HistoryStore::defaultPath().endsWith(QStringLiteral("/parlab/history.sqlite")));
}

void TestHistory::mannWhitneyExact()
{
    // No overlap, 5 vs 5: U = 0, and only 1 of the C(10,5) = 252 equally likely rank splits is as extreme on
    // each side, so p = 2/252 = 0.0079365 (scipy.stats.mannwhitneyu gives 0.007937).
    auto r = MannWhitney::test({ 1, 2, 3, 4, 5 }, { 6, 7, 8, 9, 10 });
    QVERIFY(r.exact);
    QCOMPARE(r.u, 0.0);
    QVERIFY(std::abs(r.pValue - 2.0 / 252.0) < 1e-12);
    r = MannWhitney::test({ 6, 7, 8, 9, 10 }, { 1, 2, 3, 4, 5 });
    QCOMPARE(r.u, 25.0);
    QVERIFY(std::abs(r.pValue - 2.0 / 252.0) < 1e-12);

    // Interleaved odds and evens: U = 0+1+2+3+4 = 10; counting the 252 splits, 87 have U <= 10 and 183 have
    // U >= 10, so p = 2 * 87 / 252 = 0.690476.
    r = MannWhitney::test({ 1, 3, 5, 7, 9 }, { 2, 4, 6, 8, 10 });
    QVERIFY(r.exact);
    QCOMPARE(r.u, 10.0);
    QVERIFY(std::abs(r.pValue - 174.0 / 252.0) < 1e-12);

    // 3 vs 2 without overlap: 1 of C(5,2) = 10 splits per side, p = 0.2: too few samples to ever be significant.
    r = MannWhitney::test({ 1, 2, 3 }, { 4, 5 });
    QVERIFY(std::abs(r.pValue - 0.2) < 1e-12);
}

void TestHistory::mannWhitneyNormalApproximation()
{
    // Ties force the normal approximation. Pooled: 1,1 | 2,2,2,2 | 3,3,3,3 | 4,4 with midranks 1.5, 4.5, 8.5,
    // 11.5. R1 = 2(1.5) + 2(4.5) + 2(8.5) = 29, U1 = 29 - 6*7/2 = 8, mean n1 n2 / 2 = 18. Tie term
    // sum(t^3 - t) = 6 + 60 + 60 + 6 = 132 = n(n - 1), so sigma^2 = 36/12 * (13 - 1) = 36, sigma = 6.
    // z = (|8 - 18| - 0.5) / 6 = 1.583333, p = erfc(z / sqrt 2) = 0.1133455.
    auto r = MannWhitney::test({ 1, 1, 2, 2, 3, 3 }, { 2, 2, 3, 3, 4, 4 });
    QVERIFY(!r.exact);
    QCOMPARE(r.u, 8.0);
    QVERIFY(std::abs(r.z - 9.5 / 6.0) < 1e-12);
    QVERIFY(std::abs(r.pValue - 0.11334550921952588) < 1e-9);

    // 31 odd vs 31 even numbers (62 > the exact limit): U1 = 0+1+...+30 = 465, mean 480.5,
    // sigma = sqrt(31*31*63/12) = 71.029923, z = (15.5 - 0.5) / sigma = 0.2111786, p = 0.8327479.
    QList<double> odd, even;
    for (int i = 1; i <= 31; ++i) {
        odd.append(2 * i - 1);
        even.append(2 * i);
    }
    r = MannWhitney::test(odd, even);
    QVERIFY(!r.exact);
    QCOMPARE(r.u, 465.0);
    QVERIFY(std::abs(r.pValue - 0.8327479062272573) < 1e-9);
    // Shifted apart: U = 0, z = 480 / 71.029923 = 6.7577, p = 1.4018e-11.
    QList<double> high;
    for (int i = 32; i <= 62; ++i)
        high.append(i);
    QList<double> low;
    for (int i = 1; i <= 31; ++i)
        low.append(i);
    r = MannWhitney::test(low, high);
    QVERIFY(std::abs(r.pValue / 1.4018463184347426e-11 - 1.0) < 1e-6);
}

void TestHistory::mannWhitneyEdgeCases()
{
    // The smallest p the exact test can give: one sample wholly above the other, 2 / C(n1 + n2, n1); and it is what
    // test() gives for such samples.
    QCOMPARE(MannWhitney::smallestPValue(3, 3), 0.1);
    QVERIFY(std::abs(MannWhitney::smallestPValue(4, 4) - 2.0 / 70) < 1e-12);
    QCOMPARE(MannWhitney::smallestPValue(0, 5), 1.0);
    QVERIFY(
        std::abs(MannWhitney::test({ 1, 2, 3, 4 }, { 5, 6, 7, 8 }).pValue - MannWhitney::smallestPValue(4, 4)) < 1e-12);
    QCOMPARE(MannWhitney::fewestForSignificance(0.05), 4);
    QCOMPARE(MannWhitney::fewestForSignificance(0.01), 5);

    QVERIFY(std::isnan(MannWhitney::test({}, { 1, 2 }).pValue));
    // Every value the same: no evidence either way.
    QCOMPARE(MannWhitney::test({ 3, 3, 3 }, { 3, 3 }).pValue, 1.0);
    QCOMPARE(MannWhitney::test({ 1 }, { 2 }).pValue, 1.0);
}

void TestHistory::compareVerdicts()
{
    RunResult a, b;
    auto add = [](RunResult& r, const QString& backend, int workers, const QList<double>& samples) {
        r.measurements.append(testsupport::measurement(backend, workers, samples));
    };
    add(a, QStringLiteral("sequential"), 1, { 1.00, 1.01, 1.02, 1.03, 1.04 });
    add(b, QStringLiteral("sequential"), 1, { 1.001, 1.011, 1.021, 1.031, 1.041 }); // +0.1%: no change
    add(a, QStringLiteral("threads"), 2, { 0.60, 0.61, 0.62, 0.63, 0.64 });
    add(b, QStringLiteral("threads"), 2, { 0.50, 0.51, 0.52, 0.53, 0.54 }); // no overlap: p = 0.0079, faster
    add(a, QStringLiteral("threads"), 4, { 0.40, 0.41 });
    add(b, QStringLiteral("threads"), 4, { 0.30, 0.31 }); // 25% faster, but 2 vs 2 samples: p = 1/3
    add(a, QStringLiteral("processes"), 2, { 0.5 });
    add(b, QStringLiteral("qtconcurrent"), 2, { 0.5 });

    Comparison c = compareRuns(a, b);
    QCOMPARE(c.rows.size(), 5);
    QCOMPARE(c.rows[0].verdict, Verdict::NoChange);
    QCOMPARE(c.rows[1].verdict, Verdict::Faster);
    QVERIFY(std::abs(c.rows[1].pValue - 2.0 / 252.0) < 1e-12);
    QVERIFY(std::abs(c.rows[1].ratio - 0.52 / 0.62) < 1e-12);
    QVERIFY(c.rows[1].exact);
    QCOMPARE(c.rows[2].verdict, Verdict::Inconclusive);
    QCOMPARE(c.rows[3].verdict, Verdict::Missing); // processes x2 only in A
    QCOMPARE(c.rows[3].backend, QStringLiteral("processes"));
    QCOMPARE(c.rows[4].verdict, Verdict::Missing); // qtconcurrent x2 only in B
    QCOMPARE(c.overall, Verdict::Faster);
    QCOMPARE(c.faster, 1);
    QCOMPARE(c.unchanged, 1);
    QCOMPARE(c.inconclusive, 1);
    QCOMPARE(c.missing, 2);
    QVERIFY(c.summary.contains(QStringLiteral("faster")));

    // The other way round: slower. And A against itself: no change with ratio 1.
    c = compareRuns(b, a);
    QCOMPARE(c.rows[1].verdict, Verdict::Slower);
    QCOMPARE(c.overall, Verdict::Slower);
    c = compareRuns(a, a);
    QCOMPARE(c.overall, Verdict::NoChange);
    QCOMPARE(c.geometricMeanRatio, 1.0);

    // Faster here, slower there: mixed.
    add(a, QStringLiteral("threads"), 8, { 0.30, 0.31, 0.32, 0.33, 0.34 });
    add(b, QStringLiteral("threads"), 8, { 0.40, 0.41, 0.42, 0.43, 0.44 });
    QCOMPARE(compareRuns(a, b).overall, Verdict::Mixed);
}

void TestHistory::compareRefusesDifferentWorkAndNamesABusyMachine()
{
    // 0.1 said "B is faster on 3 of 3 combinations", green, comparing fib 38..33 with fib 34x8.
    RunResult a, b;
    a.spec.kernel = b.spec.kernel = QStringLiteral("fib");
    a.spec.inputs = { 38, 37, 36, 35, 34, 33 };
    b.spec.inputs = QList<qint64>(8, 34);
    a.measurements.append(testsupport::measurement(QStringLiteral("threads"), 2, { 0.60, 0.61, 0.62, 0.63, 0.64 }));
    b.measurements.append(testsupport::measurement(QStringLiteral("threads"), 2, { 0.30, 0.31, 0.32, 0.33, 0.34 }));
    Comparison c = compareRuns(a, b);
    QVERIFY(!c.comparable());
    QCOMPARE(c.overall, Verdict::NotComparable);
    QCOMPARE(c.rows.size(), 1);
    QCOMPARE(c.rows[0].verdict, Verdict::NotComparable);
    QCOMPARE(c.faster, 0);
    QVERIFY(std::isfinite(c.rows[0].ratio)); // the figures stay for whoever wants them
    QCOMPARE(c.differences,
        QStringList { QStringLiteral("inputs: 38,37,36,35,34,33 in A, 34,34,34,34,34,34,… (8 inputs) in B") });
    QVERIFY2(c.summary.startsWith(QStringLiteral("not comparable: the runs measured different work (inputs: ")),
        qPrintable(c.summary));
    QCOMPARE(verdictName(c.overall), QStringLiteral("not comparable"));

    // Another kernel, or the same kernel set otherwise, is other work too.
    b.spec.inputs = a.spec.inputs;
    QVERIFY(compareRuns(a, b).comparable());
    b.spec.kernel = QStringLiteral("spin");
    QCOMPARE(compareRuns(a, b).differences, QStringList { QStringLiteral("kernel: fib in A, spin in B") });
    b.spec.kernel = a.spec.kernel = QStringLiteral("spin");
    a.spec.options.kernelSettings.insert(QStringLiteral("spin_unit"), QStringLiteral("ms"));
    QCOMPARE(
        compareRuns(a, b).differences, QStringList { QStringLiteral("spin setting spin_unit: ms in A, unset in B") });

    // The same work: a verdict, with the busy machine of either run named beside it.
    a.spec.options.kernelSettings.clear();
    b.environment.logicalCores = 2;
    b.environment.loadAverage = 3.1;
    c = compareRuns(a, b);
    QCOMPARE(c.overall, Verdict::Faster);
    QCOMPARE(c.cautions,
        QStringList { QStringLiteral("B ran on a busy machine (load average 3.10 on 2 logical cores at the start): "
                                     "its times may be slower than the work") });

    // Run otherwise (pinned, another chunk size): a verdict, since comparing two settings is a question of its own,
    // with the settings named; the label and commit are what is compared, not a setting.
    b.environment.loadAverage = 0;
    b.spec.options.pin = Pinning::Scatter;
    b.spec.options.chunksize = 4;
    b.spec.options.label = QStringLiteral("pr");
    b.spec.options.commit = QStringLiteral("abc123");
    QCOMPARE(settingDifferences(a, b),
        QStringList({ QStringLiteral("chunksize: 1 in A, 4 in B"), QStringLiteral("pin: none in A, scatter in B") }));
    c = compareRuns(a, b);
    QVERIFY(c.comparable());
    QCOMPARE(c.overall, Verdict::Faster);
    QCOMPARE(c.cautions,
        QStringList { QStringLiteral("the runs' settings differ (chunksize: 1 in A, 4 in B; pin: none in A, scatter in "
                                     "B): the times differ by them too") });
}

void TestHistory::jsonImportRoundTrip()
{
    const RunResult original = sampleResult();
    const auto back = JsonImport::fromJson(JsonExport::toJson(original));
    QVERIFY2(back, qPrintable(back.error()));
    QCOMPARE(back->created, original.created);
    QCOMPARE(back->spec.kernel, original.spec.kernel);
    QCOMPARE(back->spec.inputs, original.spec.inputs);
    QCOMPARE(back->spec.backends, original.spec.backends);
    QCOMPARE(back->spec.workers, original.spec.workers);
    QCOMPARE(back->spec.repeats, original.spec.repeats);
    QCOMPARE(back->spec.options, original.spec.options);
    QCOMPARE(back->spec.options.chunksize, 2);
    QCOMPARE(back->environment.cpu, original.environment.cpu);
    QCOMPARE(back->environment.logicalCores, 2);
    QCOMPARE(back->warnings, original.warnings);
    QCOMPARE(back->bounds.critical, original.bounds.critical);
    QCOMPARE(back->bounds.lpt, original.bounds.lpt);
    QCOMPARE(back->referenceChecksum, original.referenceChecksum);
    QCOMPARE(back->measurements.size(), original.measurements.size());
    for (qsizetype i = 0; i < back->measurements.size(); ++i) {
        const Measurement& g = back->measurements[i];
        const Measurement& w = original.measurements[i];
        QCOMPARE(g.label(), w.label());
        QCOMPARE(g.samplesS, w.samplesS);
        QCOMPARE(g.wall.median, w.wall.median);
        QCOMPARE(g.wall.stddev, w.wall.stddev);
        QCOMPARE(g.cpuMedianS, w.cpuMedianS);
        QCOMPARE(g.speedup, w.speedup);
        QCOMPARE(g.speedupLow, w.speedupLow);
        QCOMPARE(g.efficiency, w.efficiency);
        QCOMPARE(g.checksum, w.checksum);
        // Not in the file but determined by the samples: recomputed.
        QCOMPARE(g.wall.mad, w.wall.mad);
        QCOMPARE(g.selfSpeedup, w.selfSpeedup);
    }
    QCOMPARE(back->amdahlSerialFraction.keys(), original.amdahlSerialFraction.keys());
}

void TestHistory::jsonImportErrorsNameTheField()
{
    const QJsonObject good = JsonExport::toObject(sampleResult());
    auto errorFor = [](const QJsonObject& o) {
        const auto r = JsonImport::fromObject(o);
        return r ? QStringLiteral("(imported)") : r.error();
    };
    QJsonObject o = good;
    QJsonObject spec = o.value(QStringLiteral("spec")).toObject();
    spec.remove(QStringLiteral("kernel"));
    o.insert(QStringLiteral("spec"), spec);
    QCOMPARE(errorFor(o), QStringLiteral("spec.kernel: expected a string, got nothing (the field is missing)"));

    o = good;
    QJsonArray results = o.value(QStringLiteral("results")).toArray();
    QJsonObject second = results[1].toObject();
    second.insert(QStringLiteral("samples_s"), QJsonArray { 0.1, QStringLiteral("fast") });
    results[1] = second;
    o.insert(QStringLiteral("results"), results);
    QCOMPARE(errorFor(o), QStringLiteral("results[1].samples_s[1]: expected a number of seconds, got a string"));

    o = good;
    o.insert(QStringLiteral("reference_checksum"), QStringLiteral("xyz"));
    QCOMPARE(errorFor(o), QStringLiteral("reference_checksum: 'xyz' is not a checksum of hex digits"));

    o = good;
    o.insert(QStringLiteral("created"), QStringLiteral("yesterday"));
    QVERIFY(errorFor(o).startsWith(QStringLiteral("created: 'yesterday'")));

    o = good;
    o.insert(QStringLiteral("tool"), QStringLiteral("hyperfine"));
    QVERIFY(errorFor(o).contains(QStringLiteral("not a ParLab export")));

    QVERIFY(JsonImport::fromJson("{ \"tool\": ").error().startsWith(QStringLiteral("not valid JSON at byte")));
    QVERIFY(JsonImport::fromJson("[1, 2]").error().contains(QStringLiteral("top level")));

    // Unknown fields (a newer ParLab's) are ignored.
    o = good;
    o.insert(QStringLiteral("timeline"), QJsonArray { 1, 2, 3 });
    QCOMPARE(errorFor(o), QStringLiteral("(imported)"));
}

// Schema 2 (before the accounting of lost speedup) had no accounts in its samples: a read-only open reads it as it
// stands, with the losses unknown; recording into it adds the columns, every run and sample kept.
void TestHistory::migratesASchema2History()
{
    // Schema 2 had no account columns; schema 3 had all but the lock waits outside tasks; schema 4 no usage; schema 5
    // not the dispatcher's serial parts; none before 7 had the runs' gate outcome.
    const QStringList serialParts { QStringLiteral("startup_serial_s"), QStringLiteral("dispatch_serial_s") };
    const QList<std::pair<int, QStringList>> olders {
        { 2,
            QStringList { QStringLiteral("startup_s"), QStringLiteral("dispatch_s"), QStringLiteral("tail_s"),
                QStringLiteral("task_s"), QStringLiteral("task_cpu_s"), QStringLiteral("task_wait_s"),
                QStringLiteral("lock_wait_s"), QStringLiteral("lock_idle_s"), QStringLiteral("usage") }
                + serialParts },
        { 3, QStringList { QStringLiteral("lock_idle_s"), QStringLiteral("usage") } + serialParts },
        { 4, QStringList { QStringLiteral("usage") } + serialParts },
        { 5, serialParts },
        { 6, {} },
    };
    for (const auto& older : olders) {
        const int version = older.first; // a plain variable: lambdas may not capture a structured binding
        const QStringList& missing = older.second;
        const QString path = m_dir.filePath(QStringLiteral("schema%1/history.sqlite").arg(version));
        const RunResult original = sampleResult();
        qint64 id = -1;
        {
            HistoryStore store;
            QCOMPARE(store.open(path).error(), QString());
            id = store.importResult(original, QStringLiteral("made.json")).value_or(-1);
            QVERIFY(id > 0);
        }
        for (const QString& name : missing)
            column(path, QStringLiteral("ALTER TABLE samples DROP COLUMN %1").arg(name));
        column(path, QStringLiteral("ALTER TABLE runs DROP COLUMN gate"));
        column(path, QStringLiteral("PRAGMA user_version = %1").arg(version));
        const auto check = [&](HistoryStore& store) {
            const auto loaded = store.load(id);
            QVERIFY2(loaded, qPrintable(loaded.error()));
            const Measurement* threads = loaded->find(QStringLiteral("threads"), 2);
            QVERIFY(threads);
            QCOMPARE(threads->samplesS, original.find(QStringLiteral("threads"), 2)->samplesS);
            QCOMPARE(threads->speedup, original.find(QStringLiteral("threads"), 2)->speedup);
            QCOMPARE(threads->accounts.size(), threads->samplesS.size());
            QVERIFY(std::isnan(threads->accounts.first().lockIdleS)); // missing: unknown, not made up
            QCOMPARE(std::isnan(threads->accounts.first().taskS), version == 2);
            // Memory and switches unknown, in a repeat recorded before them.
            QCOMPARE(threads->usage.isEmpty(), version <= 4);
            QCOMPARE(std::isnan(threads->peakRssBytes), version <= 4);
            QCOMPARE(std::isnan(threads->accounts.first().dispatchSerialS), version <= 5);
            const Result<RunSummary> summary = store.summary(id);
            QVERIFY2(summary, qPrintable(summary.error()));
            QCOMPARE(summary->gate, QString()); // not gated: the runs before schema 7 were never marked
        };
        {
            HistoryStore store;
            QCOMPARE(store.open(path, HistoryStore::Access::ReadOnly).error(), QString());
            check(store);
            QCOMPARE(column(path, QStringLiteral("PRAGMA user_version")).value(0).toInt(), version); // untouched
        }
        {
            HistoryStore store;
            QCOMPARE(store.open(path).error(), QString());
            QCOMPARE(
                column(path, QStringLiteral("PRAGMA user_version")).value(0).toInt(), HistoryStore::schemaVersion());
            check(store);
            // The column is there now: a gate's outcome is kept.
            QCOMPARE(store.setGate(id, QStringLiteral("fail")).error(), QString());
            QCOMPARE(store.summary(id).value_or(RunSummary {}).gate, QStringLiteral("fail"));
        }
    }
}

void TestHistory::storeRoundTrip()
{
    const QString path = m_dir.filePath(QStringLiteral("roundtrip/history.sqlite"));
    const RunResult original = [] {
        RunResult r = sampleResult();
        r.environment.cores.rounds = 3;
        r.environment.cores.wallS = 0.05;
        r.environment.cores.cores = { { 0, 0.009, 0.9 }, { 1, 0.0081, 1.0 } };
        r.environment.baselineCpu = 1;
        // Analysed again with the cores it ran on, as a run is (the warnings quote them).
        analyse(r);
        r.warnings.append(QStringLiteral("a warning of our own"));
        return r;
    }();
    qint64 id = -1;
    {
        HistoryStore store;
        QCOMPARE(store.open(path).error(), QString());
        QVERIFY(store.isOpen());
        QVERIFY(store.notice().isEmpty());
        id = store.beginRun(original.spec, original.environment, original.created).value_or(-1);
        QVERIFY(id > 0);
        for (const Measurement& m : original.measurements) {
            const Result<void> stored = store.appendMeasurement(id, m);
            QVERIFY2(stored, qPrintable(stored.error()));
        }
        QCOMPARE(store.summary(id)->status, RunStatus::Running); // this process is alive
        QVERIFY(store.finishRun(id, original));
    }
    HistoryStore store; // reopened, as the next session would
    QCOMPARE(store.open(path).error(), QString());
    const auto loaded = store.load(id);
    QVERIFY2(loaded, qPrintable(loaded.error()));
    QCOMPARE(loaded->created, original.created);
    QCOMPARE(loaded->spec.kernel, original.spec.kernel);
    QCOMPARE(loaded->spec.inputs, original.spec.inputs);
    QCOMPARE(loaded->spec.backends, original.spec.backends);
    QCOMPARE(loaded->spec.workers, original.spec.workers);
    QCOMPARE(loaded->spec.warmup, original.spec.warmup);
    QCOMPARE(loaded->spec.options, original.spec.options);
    QCOMPARE(loaded->spec.options.chunksize, 2);
    QCOMPARE(loaded->environment.cpu, original.environment.cpu);
    QCOMPARE(loaded->environment.governor, original.environment.governor);
    // Every fact of the environment, issue 18's too, as stored.
    QCOMPARE(JsonExport::environmentObject(loaded->environment), JsonExport::environmentObject(original.environment));
    QCOMPARE(loaded->environment.frequency, original.environment.frequency);
    QCOMPARE(loaded->environment.commit, original.environment.commit);
    QCOMPARE(loaded->environment.label, QStringLiteral("baseline"));
    QCOMPARE(loaded->environment.loadAverage, original.environment.loadAverage);
    QCOMPARE(loaded->environment.cores, original.environment.cores);
    QCOMPARE(loaded->environment.baselineCpu, 1);
    QCOMPARE(loaded->environment.maxSpeedupInflation(), 1.0);
    QCOMPARE(loaded->warnings, original.warnings);
    QCOMPARE(loaded->bounds.taskCostsS, original.bounds.taskCostsS);
    QCOMPARE(loaded->bounds.critical, original.bounds.critical);
    QCOMPARE(loaded->bounds.lpt, original.bounds.lpt);
    QCOMPARE(loaded->amdahlSerialFraction, original.amdahlSerialFraction);
    QCOMPARE(loaded->runtimes, original.runtimes);
    QCOMPARE(loaded->referenceChecksum, original.referenceChecksum);
    QCOMPARE(loaded->completedRuns, original.completedRuns);
    QCOMPARE(loaded->measurements.size(), original.measurements.size());
    for (qsizetype i = 0; i < original.measurements.size(); ++i)
        compareMeasurement(loaded->measurements[i], original.measurements[i]);

    const auto summary = store.summary(id);
    QVERIFY(summary);
    QCOMPARE(summary->status, RunStatus::Failed); // one repeat of threads x2 failed
    QCOMPARE(summary->kernel, QStringLiteral("spin"));
    QCOMPARE(summary->inputs, QStringLiteral("20..18,17x3"));
    QCOMPARE(parseInputs(summary->inputs).values, original.spec.inputs); // the input language, read back
    QCOMPARE(summary->backends, original.spec.backends);
    QCOMPARE(summary->workers, original.spec.workers);
    QCOMPARE(summary->measurements, 3);
    QCOMPARE(summary->samples, 15);
    QCOMPARE(summary->bestLabel, QStringLiteral("threads x2"));
    QCOMPARE(summary->bestSpeedup, original.measurements[2].speedup);

    const Result<RunResult> missing = store.load(id + 100);
    QVERIFY(!missing);
    QVERIFY(missing.error().contains(QStringLiteral("no run %1").arg(id + 100)));
}

void TestHistory::appendInsertsOnlyNewSamples()
{
    const QString path = m_dir.filePath(QStringLiteral("append.sqlite"));
    HistoryStore store;
    QCOMPARE(store.open(path).error(), QString());
    const RunResult r = sampleResult();
    const qint64 id = store.beginRun(r.spec, r.environment, r.created).value_or(-1);
    // As the runner emits them: the same measurement, one more sample each time.
    Measurement m = testsupport::measurement(QStringLiteral("threads"), 2, {});
    for (int repeat = 0; repeat < 4; ++repeat) {
        m.samplesS.append(0.1 + repeat);
        m.cpuS.append(0.2 + repeat);
        m.wall.median = double(repeat); // a figure: not stored, derived again on load
        QVERIFY(store.appendMeasurement(id, m));
    }
    QCOMPARE(column(path, QStringLiteral("SELECT COUNT(*) FROM samples")).value(0).toInt(), 4);
    QCOMPARE(column(path, QStringLiteral("SELECT COUNT(*) FROM measurements")).value(0).toInt(), 1);
    const auto loaded = store.load(id);
    QVERIFY(loaded);
    QCOMPARE(loaded->measurements.size(), 1);
    QCOMPARE(loaded->measurements[0].samplesS, m.samplesS);
    QCOMPARE(loaded->measurements[0].cpuS, m.cpuS);
    QCOMPARE(loaded->measurements[0].wall.median, 1.6); // of 0.1, 1.1, 2.1, 3.1; not the 3.0 it was given
    QCOMPARE(loaded->measurements[0].cpuMedianS, 1.7);

    const Result<void> orphan = store.appendMeasurement(id + 1000, m);
    QVERIFY(!orphan);
    QVERIFY2(orphan.error().contains(QStringLiteral("there is no run %1").arg(id + 1000)), qPrintable(orphan.error()));
}

void TestHistory::listRenameNoteDelete()
{
    const QString path = m_dir.filePath(QStringLiteral("list.sqlite"));
    HistoryStore store;
    QCOMPARE(store.open(path).error(), QString());
    const RunResult r = sampleResult();
    const qint64 first = store.importResult(r).value_or(-1);
    const qint64 second = store.importResult(r).value_or(-1);
    QVERIFY(first > 0 && second > first);
    QList<RunSummary> runs = store.runs().value_or({});
    QCOMPARE(runs.size(), 2);
    QCOMPARE(runs[0].id, second); // newest first
    QVERIFY(store.rename(first, QStringLiteral("  before the fix  ")));
    QVERIFY(store.setNote(first, QStringLiteral("laptop on battery")));
    QCOMPARE(store.summary(first)->name, QStringLiteral("before the fix"));
    QCOMPARE(store.summary(first)->note, QStringLiteral("laptop on battery"));
    QVERIFY(store.rename(first, QString()));
    QCOMPARE(store.summary(first)->name, QString());
    const Result<void> renamed = store.rename(999, QStringLiteral("x"));
    QVERIFY(!renamed);
    QVERIFY(renamed.error().contains(QStringLiteral("no run 999")));

    QVERIFY(store.remove(first));
    QCOMPARE(store.runs().value_or({}).size(), 1);
    QVERIFY(!store.summary(first));
    // Its measurements and samples went with it.
    QCOMPARE(column(path, QStringLiteral("SELECT COUNT(*) FROM measurements")).value(0).toInt(), 3);
    QCOMPARE(column(path, QStringLiteral("SELECT COUNT(*) FROM samples")).value(0).toInt(), 15);
    QVERIFY(!store.remove(first));
}

void TestHistory::importStoresAFinishedRun()
{
    HistoryStore store;
    QCOMPARE(store.open(m_dir.filePath(QStringLiteral("import.sqlite"))).error(), QString());
    RunResult r = sampleResult();
    r.measurements[2].failedRuns = 0;
    const Result<qint64> imported = store.importJson(JsonExport::toJson(r), QStringLiteral("/tmp/run.json"));
    QVERIFY2(imported, qPrintable(imported.error()));
    const qint64 id = *imported;
    const auto s = store.summary(id);
    QCOMPARE(s->status, RunStatus::Finished);
    QCOMPARE(s->source, QStringLiteral("/tmp/run.json"));
    QCOMPARE(s->samples, 15);
    const auto loaded = store.load(id);
    QCOMPARE(loaded->measurements[1].samplesS, r.measurements[1].samplesS);
    QCOMPARE(loaded->measurements[2].speedup, r.measurements[2].speedup);

    // One analysis per imported run, the one it is read with (bootstrap intervals included): the store takes that
    // rather than analysing the run again, and keeps exactly what a second analysis would find beyond it (the
    // file's own warning, the figures its data cannot give).
    const QString path = m_dir.filePath(QStringLiteral("import.sqlite"));
    const QByteArray json = JsonExport::toJson(r);
    const qint64 before = analyseCalls();
    const Result<qint64> once = store.importJson(json);
    QVERIFY2(once, qPrintable(once.error()));
    QCOMPARE(analyseCalls() - before, 1);
    const Result<RunResult> read = JsonImport::fromJson(json);
    QVERIFY2(read, qPrintable(read.error()));
    const Result<qint64> twice = store.importResult(*read); // analyses the run anew
    QVERIFY2(twice, qPrintable(twice.error()));
    for (const QString& field : { QStringLiteral("stated"), QStringLiteral("extra_warnings") }) {
        const auto stored = [&](qint64 run) {
            return column(path, QStringLiteral("SELECT %1 FROM runs WHERE id = %2").arg(field).arg(run));
        };
        QCOMPARE(stored(*once), stored(*twice));
    }
    QVERIFY(column(path, QStringLiteral("SELECT extra_warnings FROM runs WHERE id = %1").arg(*once))
                .value(0)
                .toString()
                .contains(QStringLiteral("a warning of our own")));
    QCOMPARE(store.load(*once)->warnings, store.load(*twice)->warnings);

    const Result<qint64> empty = store.importJson("{}", QStringLiteral("empty.json"));
    QVERIFY(!empty);
    QCOMPARE(
        empty.error(), QStringLiteral("empty.json: created: expected a string, got nothing (the field is missing)"));

    // The outcome of an enforced gate in the file stays with the run; an informative one (not enforced) does not; an
    // outcome the gate never gives is refused, by its field.
    const auto withGate = [&](const QJsonObject& gate) {
        QJsonObject object = JsonExport::toObject(r);
        object.insert(QStringLiteral("gate"), gate);
        return store.importJson(QJsonDocument(object).toJson(), QStringLiteral("gated.json"));
    };
    const Result<qint64> failed = withGate(GateReport::recordedObject(gateOutcomeName(Gate::Outcome::Fail)));
    QVERIFY2(failed, qPrintable(failed.error()));
    QCOMPARE(store.summary(*failed)->gate, QStringLiteral("fail"));
    const Result<qint64> informative
        = withGate({ { QStringLiteral("outcome"), QStringLiteral("fail") }, { QStringLiteral("enforced"), false } });
    QVERIFY2(informative, qPrintable(informative.error()));
    QCOMPARE(store.summary(*informative)->gate, QString());
    const Result<qint64> unknown = withGate(GateReport::recordedObject(QStringLiteral("maybe")));
    QVERIFY(!unknown);
    QCOMPARE(unknown.error(), QStringLiteral("gated.json: gate.outcome: 'maybe' is not pass, fail or not comparable"));
    const Result<qint64> notABool
        = withGate({ { QStringLiteral("outcome"), QStringLiteral("fail") }, { QStringLiteral("enforced"), 1 } });
    QVERIFY(!notABool);
    QVERIFY2(notABool.error().startsWith(QStringLiteral("gated.json: gate.enforced: expected true or false")),
        qPrintable(notABool.error()));
}

void TestHistory::schemaIsVersionedAndWal()
{
    const QString path = m_dir.filePath(QStringLiteral("schema.sqlite"));
    HistoryStore store;
    QCOMPARE(store.open(path).error(), QString());
    QCOMPARE(column(path, QStringLiteral("PRAGMA user_version")).value(0).toInt(), HistoryStore::schemaVersion());
    QCOMPARE(HistoryStore::schemaVersion(), 8);
    QCOMPARE(column(path, QStringLiteral("PRAGMA journal_mode")).value(0).toString(), QStringLiteral("wal"));
    const QVariantList tables
        = column(path, QStringLiteral("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"));
    QVERIFY(tables.contains(QStringLiteral("runs")));
    QVERIFY(tables.contains(QStringLiteral("measurements")));
    QVERIFY(tables.contains(QStringLiteral("samples")));
    // Opening again migrates nothing and keeps the data.
    QVERIFY(store.importResult(sampleResult()));
    store.close();
    QCOMPARE(store.open(path).error(), QString());
    QCOMPARE(store.runs().value_or({}).size(), 1);
}

void TestHistory::newerSchemaIsRefused()
{
    const QString path = m_dir.filePath(QStringLiteral("newer.sqlite"));
    column(path, QStringLiteral("PRAGMA user_version = 99"));
    const QByteArray before = fileHash(path);
    QVERIFY(!before.isEmpty());
    HistoryStore store;
    const QString error = store.open(path).error();
    QVERIFY2(error.contains(QStringLiteral("newer ParLab (schema 99")), qPrintable(error));
    QVERIFY(!store.isOpen());
    QCOMPARE(fileHash(path), before); // left alone, not even switched to WAL: it is not damaged
    QVERIFY(!QFile::exists(path + QStringLiteral("-wal")));
    QCOMPARE(column(path, QStringLiteral("PRAGMA user_version")).value(0).toInt(), 99);
}

void TestHistory::otherFilesAreLeftAlone()
{
    // Three files a user may name by mistake: none is a run history, so none is written to, renamed or joined
    // by a -wal/-shm file, whether opened to record or to read.
    QTemporaryDir dir;
    const QString notes = dir.filePath(QStringLiteral("notes.txt"));
    {
        QFile file(notes);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QByteArray("this is not an SQLite database\n").repeated(200));
    }
    const QString other = dir.filePath(QStringLiteral("addresses.db")); // another program's database
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("other"));
        db.setDatabaseName(other);
        QVERIFY(db.open());
        QSqlQuery q(db);
        QVERIFY(q.exec(QStringLiteral("CREATE TABLE people (name TEXT)")));
        QVERIFY(q.exec(QStringLiteral("INSERT INTO people VALUES ('Ada')")));
        q.finish();
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("other"));
    const QString damaged = dir.filePath(QStringLiteral("damaged-other.db")); // SQLite, damaged, not ParLab's
    QVERIFY(QFile::copy(other, damaged));
    {
        QFile file(damaged);
        QVERIFY(file.open(QIODevice::ReadWrite));
        file.seek(100);
        file.write(QByteArray(file.size() - 100, '\x5a'));
    }
    const QStringList before = QDir(dir.path()).entryList(QDir::Files);
    for (const QString& path : { notes, other, damaged }) {
        const QByteArray hash = fileHash(path);
        for (const HistoryStore::Access access : { HistoryStore::Access::ReadWrite, HistoryStore::Access::ReadOnly }) {
            HistoryStore store;
            const QString error = store.open(path, access).error();
            QVERIFY2(error.contains(path) && error.contains(QStringLiteral("left as it is")), qPrintable(error));
            QVERIFY(!store.isOpen());
            QCOMPARE(fileHash(path), hash);
        }
    }
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files), before);
}

void TestHistory::damagedPagesAreMovedAside()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("history.sqlite"));
    // Twice in a row (within the same second, mostly): each damaged file keeps a name of its own.
    QList<QByteArray> damaged;
    for (int round = 0; round < 2; ++round) {
        {
            HistoryStore store;
            QCOMPARE(store.open(path).error(), QString());
            for (int i = 0; i < 20; ++i)
                QVERIFY(store.importResult(sampleResult()));
        }
        // A valid header but scribbled-over pages after it (what a failing disk or a stray write leaves).
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadWrite));
        QVERIFY(file.size() > 16384);
        file.seek(4096);
        file.write(QByteArray(file.size() - 4096, char('\x5a' + round)));
        file.close();
        damaged.append(fileHash(path));
        // Reading never moves it; it says what is wrong.
        HistoryStore reader;
        const QString error = reader.open(path, HistoryStore::Access::ReadOnly).error();
        QVERIFY2(error.contains(QStringLiteral("damaged")), qPrintable(error));
        QCOMPARE(fileHash(path), damaged.last());

        HistoryStore store;
        QCOMPARE(store.open(path).error(), QString());
        QVERIFY2(store.notice().contains(QStringLiteral("was damaged")), qPrintable(store.notice()));
        QVERIFY(store.runs().value_or({}).isEmpty());
    }
    const QStringList aside = QDir(dir.path()).entryList({ QStringLiteral("history.sqlite.corrupt-*") });
    QCOMPARE(aside.size(), 2);
    QList<QByteArray> kept;
    for (const QString& name : aside)
        kept.append(fileHash(dir.filePath(name)));
    QVERIFY(kept.contains(damaged[0]) && kept.contains(damaged[1])); // neither overwrote the other
}

void TestHistory::extremeStoredValuesLoad()
{
    // Values at the ends of their types, as an import or a damaged row may leave them: listed and loaded
    // without overflow (the asan preset's UBSan checks this arithmetic).
    const QString path = m_dir.filePath(QStringLiteral("extreme.sqlite"));
    HistoryStore store;
    QCOMPARE(store.open(path).error(), QString());
    ExperimentSpec spec = quickSpec();
    spec.inputs = { std::numeric_limits<qint64>::min(), std::numeric_limits<qint64>::max(), 0, 1, 2 };
    const qint64 id = store.beginRun(spec, Environment {}, QDateTime::currentDateTime()).value_or(-1);
    QVERIFY(id > 0);
    QVERIFY(store.appendMeasurement(id, testsupport::measurement(QStringLiteral("sequential"), 1, { 0.1, 0.2 })));
    QCOMPARE(store.summary(id)->inputs,
        QStringLiteral("%1,%2,0..2").arg(std::numeric_limits<qint64>::min()).arg(std::numeric_limits<qint64>::max()));
    store.close();
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("poke"));
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QSqlQuery q(db);
        QVERIFY(q.exec(QStringLiteral("UPDATE runs SET planned_runs = 2147483647, status = 'running'")));
        QVERIFY(q.exec(QStringLiteral("UPDATE measurements SET failed_runs = 2147483647")));
        q.finish();
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("poke"));
    QCOMPARE(store.open(path, HistoryStore::Access::ReadOnly).error(), QString());
    const Result<RunResult> loaded = store.load(id);
    QVERIFY2(loaded, qPrintable(loaded.error()));
    QVERIFY(loaded->completedRuns >= 0);
    QCOMPARE(loaded->plannedRuns, std::numeric_limits<int>::max());
}

void TestHistory::unwritableLocation()
{
    QTemporaryDir dir;
    const QString path = unwritablePath(dir);
    HistoryStore store;
    const QString error = store.open(path).error();
    QVERIFY2(error.contains(QStringLiteral("cannot create the folder")), qPrintable(error));
    QVERIFY(error.contains(dir.filePath(QStringLiteral("not-a-folder"))));
    QVERIFY(!store.isOpen());
    // Everything fails harmlessly, with a reason.
    QVERIFY(!store.beginRun(quickSpec(), Environment {}, QDateTime::currentDateTime()));
    QVERIFY(!store.appendMeasurement(1, Measurement {}));
    QVERIFY(!store.runs());
    const Result<RunResult> notLoaded = store.load(1);
    QVERIFY(!notLoaded);
    QCOMPARE(notLoaded.error(), error); // the reason open() gave

    // A read-only folder (meaningful only where permissions bind, i.e. not as root).
    if (::geteuid() != 0) {
        QTemporaryDir locked;
        QFile::setPermissions(locked.path(), QFileDevice::ReadOwner | QFileDevice::ExeOwner);
        HistoryStore readOnly;
        const QString why = readOnly.open(locked.filePath(QStringLiteral("history.sqlite"))).error();
        QFile::setPermissions(locked.path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
        QVERIFY2(why.contains(QStringLiteral("not writable")), qPrintable(why));
    }
}

void TestHistory::deadOwnerReadsAsInterrupted()
{
    // A run recorded by a process that has ended: a real child that began a run through the CLI is not needed
    // for this part; the owner columns of a run are pointed at a process that has exited.
    const QString path = m_dir.filePath(QStringLiteral("dead.sqlite"));
    qint64 id = -1;
    {
        HistoryStore store;
        QCOMPARE(store.open(path).error(), QString());
        const RunResult r = sampleResult();
        id = store.beginRun(r.spec, r.environment, r.created).value_or(-1);
        QVERIFY(store.appendMeasurement(id, r.measurements[0]));
        QVERIFY(store.appendMeasurement(id, r.measurements[2]));
        QProcess done;
        done.start(QStringLiteral("/bin/true"));
        QVERIFY(done.waitForFinished());
        const qint64 deadPid = done.processId() > 0 ? done.processId() : 999999;
        column(path, QStringLiteral("UPDATE runs SET owner_pid = %1 WHERE id = %2").arg(deadPid).arg(id));
        QCOMPARE(store.summary(id)->status, RunStatus::Interrupted);
        column(path,
            QStringLiteral("UPDATE runs SET status = 'running', owner_pid = %1 WHERE id = %2").arg(::getpid()).arg(id));
        QCOMPARE(store.summary(id)->status, RunStatus::Running); // alive again: this process
        // Another boot: whatever its pid, it is gone.
        column(path, QStringLiteral("UPDATE runs SET owner_boot = 'another-boot' WHERE id = %1").arg(id));
        QCOMPARE(store.runs().value_or({}).first().status, RunStatus::Interrupted);
    }
    HistoryStore store;
    QCOMPARE(store.open(path).error(), QString());
    const auto loaded = store.load(id);
    QVERIFY(loaded);
    QVERIFY(loaded->error.startsWith(QStringLiteral("interrupted")));
    QCOMPARE(loaded->measurements.size(), 2);
    QCOMPARE(loaded->measurements[1].samplesS.size(), 5);
    // Re-analysed from what was saved: threads x2 against sequential.
    QVERIFY(std::isfinite(loaded->measurements[1].speedup));
    // Counted as the runner counts them: (1 warm-up + 5 repeats) x 3 combinations planned; done, the 3 warm-up
    // runs (a sample means they all ran), 10 samples and 1 failed repeat.
    QCOMPARE(loaded->plannedRuns, Runner::plannedRuns(loaded->spec));
    QCOMPARE(loaded->plannedRuns, 18);
    QCOMPARE(loaded->completedRuns, 3 + 10 + 1);
    QVERIFY2(loaded->error.contains(QStringLiteral("after 14 of 18 runs")), qPrintable(loaded->error));
}

void TestHistory::closingMidRunMarksInterrupted()
{
    const QString path = m_dir.filePath(QStringLiteral("closed.sqlite"));
    qint64 id = -1;
    {
        HistoryStore store;
        QCOMPARE(store.open(path).error(), QString());
        id = store.beginRun(quickSpec(), Environment {}, QDateTime::currentDateTime()).value_or(-1);
        QVERIFY(store.appendMeasurement(id, testsupport::measurement(QStringLiteral("sequential"), 1, { 0.1 })));
    } // closed without finishRun (the window closed mid-run)
    HistoryStore store;
    QCOMPARE(store.open(path).error(), QString());
    QCOMPARE(store.summary(id)->status, RunStatus::Interrupted);
    QCOMPARE(store.summary(id)->samples, 1);
}

void TestHistory::appendCost()
{
    // Figures, not thresholds: how long one durable append takes (fsync included) with 100 spans per
    // measurement, the size of a typical run's latest repeat; on the build disk, and in memory (/dev/shm) where
    // fsync costs nothing, which leaves SQLite's and QtSql's own share.
    QStringList places { QDir::currentPath() };
    if (QFileInfo(QStringLiteral("/dev/shm")).isWritable())
        places.append(QStringLiteral("/dev/shm"));
    for (const QString& place : std::as_const(places)) {
        QTemporaryDir dir(place + QStringLiteral("/history-bench-XXXXXX"));
        QVERIFY(dir.isValid());
        HistoryStore store;
        QCOMPARE(store.open(dir.filePath(QStringLiteral("bench.sqlite"))).error(), QString());
        const qint64 id = store.beginRun(quickSpec(), Environment {}, QDateTime::currentDateTime()).value_or(-1);
        Measurement m = testsupport::measurement(QStringLiteral("threads"), 4, {});
        for (int i = 0; i < 100; ++i)
            m.spans.append({ i, i, i % 4, 1, {}, qint64(i) * 1000, qint64(i) * 1000 + 900, quint64(i) });
        const int appends = 50;
        QElapsedTimer timer;
        timespec cpu0 {}, cpu1 {};
        ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu0);
        timer.start();
        for (int i = 0; i < appends; ++i) {
            m.samplesS.append(0.01 * i);
            m.cpuS.append(0.04 * i);
            QVERIFY(store.appendMeasurement(id, m));
        }
        const double perAppendUs = double(timer.nsecsElapsed()) / appends / 1000.0;
        ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu1);
        const double cpuUs
            = (double(cpu1.tv_sec - cpu0.tv_sec) * 1e9 + double(cpu1.tv_nsec - cpu0.tv_nsec)) / appends / 1000.0;
        timer.restart();
        const auto loaded = store.load(id);
        const double loadUs = double(timer.nsecsElapsed()) / 1000.0;
        QVERIFY(loaded && loaded->measurements.first().samplesS.size() == appends);
        qInfo("history in %s: %.0f µs wall (%.0f µs CPU) per appendMeasurement (one synchronous=FULL WAL "
              "transaction, 100 spans); load of the %d-sample run %.0f µs",
            qPrintable(place), perAppendUs, cpuUs, appends, loadUs);
        // The list derives each run's best speedup from its samples (no intervals): its cost grows with the runs.
        const RunResult run = sampleResult();
        for (int i = 0; i < 100; ++i)
            QVERIFY(store.importResult(run).value_or(-1) > 0);
        timer.restart();
        const QList<RunSummary> list = store.runs().value_or({});
        const double listMs = double(timer.nsecsElapsed()) / 1e6;
        QCOMPARE(list.size(), 101);
        QCOMPARE(list.first().bestLabel, QStringLiteral("threads x2"));
        qInfo("history in %s: runs() of 101 runs (3 measurements, 15 samples each) %.1f ms", qPrintable(place), listMs);
    }
}

void TestHistory::storesOnlyWhatWasMeasured()
{
    const QString path = m_dir.filePath(QStringLiteral("measured.sqlite"));
    HistoryStore store;
    QCOMPARE(store.open(path).error(), QString());
    // The columns, exactly: a derived figure added to a table (a median, a speedup, a bound) fails here.
    const auto columnsOf = [&path](const QString& table) {
        QStringList names;
        for (const QVariant& v : column(path, QStringLiteral("SELECT name FROM pragma_table_info('%1')").arg(table)))
            names.append(v.toString());
        return names;
    };
    QCOMPARE(columnsOf(QStringLiteral("samples")),
        QStringList({ QStringLiteral("measurement_id"), QStringLiteral("repeat"), QStringLiteral("wall_s"),
            QStringLiteral("cpu_s"), QStringLiteral("launch_s"), QStringLiteral("switches"),
            QStringLiteral("startup_s"), QStringLiteral("dispatch_s"), QStringLiteral("tail_s"),
            QStringLiteral("task_s"), QStringLiteral("task_cpu_s"), QStringLiteral("task_wait_s"),
            QStringLiteral("lock_wait_s"), QStringLiteral("lock_idle_s"), QStringLiteral("startup_serial_s"),
            QStringLiteral("dispatch_serial_s"), QStringLiteral("started_away"), QStringLiteral("usage") }));
    QCOMPARE(columnsOf(QStringLiteral("measurements")),
        QStringList(
            { QStringLiteral("id"), QStringLiteral("run_id"), QStringLiteral("position"), QStringLiteral("backend"),
                QStringLiteral("workers"), QStringLiteral("checksum"), QStringLiteral("failed_runs"),
                QStringLiteral("last_error"), QStringLiteral("spans"), QStringLiteral("states") }));
    QCOMPARE(columnsOf(QStringLiteral("runs")),
        QStringList({ QStringLiteral("id"), QStringLiteral("created"), QStringLiteral("name"), QStringLiteral("note"),
            QStringLiteral("status"), QStringLiteral("kernel"), QStringLiteral("inputs"), QStringLiteral("backends"),
            QStringLiteral("workers"), QStringLiteral("spec"), QStringLiteral("environment"),
            QStringLiteral("task_costs"), QStringLiteral("extra_warnings"), QStringLiteral("stated"),
            QStringLiteral("runtimes"), QStringLiteral("reference_checksum"), QStringLiteral("error"),
            QStringLiteral("completed_runs"), QStringLiteral("planned_runs"), QStringLiteral("finished"),
            QStringLiteral("version"), QStringLiteral("source"), QStringLiteral("owner_host"),
            QStringLiteral("owner_boot"), QStringLiteral("owner_pid"), QStringLiteral("owner_start"),
            QStringLiteral("gate") }));

    // A recorded run keeps nothing beyond its data: no extra warning, no stated figure.
    const RunResult original = [] {
        RunResult r = sampleResult();
        r.warnings.removeAll(QStringLiteral("a warning of our own"));
        return r;
    }();
    const qint64 id = store.beginRun(original.spec, original.environment, original.created).value_or(-1);
    for (const Measurement& m : original.measurements)
        QVERIFY(store.appendMeasurement(id, m));
    QVERIFY(store.finishRun(id, original));
    QCOMPARE(column(path, QStringLiteral("SELECT extra_warnings FROM runs")).value(0).toString(), QStringLiteral("[]"));
    QVERIFY(column(path, QStringLiteral("SELECT stated FROM runs")).value(0).isNull());

    // The figures follow the data they come from: double threads x2's wall times and give every task one second.
    column(path,
        QStringLiteral("UPDATE samples SET wall_s = 2 * wall_s WHERE measurement_id = (SELECT id FROM measurements "
                       "WHERE backend = 'threads' AND workers = 2)"));
    column(path, QStringLiteral("UPDATE runs SET task_costs = '[1, 1, 1, 1, 1, 1]'"));
    const auto loaded = store.load(id);
    QVERIFY(loaded);
    const Measurement& before = original.measurements[2];
    const Measurement& after = loaded->measurements[2];
    QCOMPARE(after.wall.median, 2 * before.wall.median);
    QCOMPARE(after.wall.min, 2 * before.wall.min);
    QVERIFY(qFuzzyCompare(after.speedup, before.speedup / 2));
    QVERIFY(qFuzzyCompare(after.efficiency, before.efficiency / 2));
    QVERIFY(after.speedupHigh < before.speedupLow); // the interval moved with them
    QCOMPARE(loaded->measurements[0].wall.median, original.measurements[0].wall.median); // the others did not
    QCOMPARE(loaded->bounds.critical, 6.0);
    QCOMPARE(loaded->bounds.lpt.value(2), 2.0);
    QVERIFY(loaded->amdahlSerialFraction.value(QStringLiteral("threads"))
        > original.amdahlSerialFraction.value(QStringLiteral("threads")));
    // And so does the list: threads x2 (about 1.9x before) is no longer the best.
    QCOMPARE(store.summary(id)->bestLabel, QStringLiteral("sequential x1"));
    QCOMPARE(store.summary(id)->bestSpeedup, 1.0);
}

void TestHistory::migratesASchema1History()
{
    // The fixture: a history ParLab 6db55ca (schema 1) recorded, and every run as that release showed it.
    const QString committed = fixture(QStringLiteral("history-schema1.sqlite"));
    const QByteArray committedHash = fileHash(committed);
    QVERIFY(!committedHash.isEmpty());
    QFile shownFile(fixture(QStringLiteral("history-schema1.json")));
    QVERIFY(shownFile.open(QIODevice::ReadOnly));
    const QJsonObject shown = QJsonDocument::fromJson(shownFile.readAll()).object();
    QCOMPARE(shown.value(QStringLiteral("schema")).toInt(), 1);
    const QJsonArray runs = shown.value(QStringLiteral("runs")).toArray();
    QCOMPARE(runs.size(), 9);

    QTemporaryDir dir;
    const QString path = schema1Copy(dir);
    QVERIFY(!path.isEmpty());
    QCOMPARE(column(path, QStringLiteral("PRAGMA user_version")).value(0).toInt(), 1);
    {
        HistoryStore store;
        QCOMPARE(store.open(path).error(), QString());
        QVERIFY(store.notice().isEmpty());
        QCOMPARE(column(path, QStringLiteral("PRAGMA user_version")).value(0).toInt(), HistoryStore::schemaVersion());
        const QList<RunSummary> summaries = store.runs().value_or({});
        QCOMPARE(summaries.size(), runs.size());
        for (const auto& value : runs) {
            const QJsonObject want = value.toObject();
            const QJsonObject wantSummary = want.value(QStringLiteral("summary")).toObject();
            const qint64 id = wantSummary.value(QStringLiteral("id")).toInteger();
            const QString run = QStringLiteral("run %1").arg(id);
            const auto summary = store.summary(id);
            QVERIFY2(summary, qPrintable(run));
            QCOMPARE(summary->name, wantSummary.value(QStringLiteral("name")).toString());
            QCOMPARE(summary->note, wantSummary.value(QStringLiteral("note")).toString());
            QCOMPARE(runStatusName(summary->status), wantSummary.value(QStringLiteral("status")).toString());
            QCOMPARE(summary->source, wantSummary.value(QStringLiteral("source")).toString());
            QCOMPARE(summary->kernel, wantSummary.value(QStringLiteral("kernel")).toString());
            QCOMPARE(summary->inputs, wantSummary.value(QStringLiteral("inputs")).toString());
            QCOMPARE(summary->measurements, wantSummary.value(QStringLiteral("measurements")).toInt());
            QCOMPARE(summary->samples, wantSummary.value(QStringLiteral("samples")).toInt());
            QCOMPARE(summary->error, wantSummary.value(QStringLiteral("error")).toString());
            QCOMPARE(
                summary->created.toString(Qt::ISODateWithMs), wantSummary.value(QStringLiteral("created")).toString());

            const auto loaded = store.load(id);
            QVERIFY2(loaded, qPrintable(loaded.error()));
            // Recorded before ParLab measured its cores: their speeds read back unknown, the baseline unpinned.
            QVERIFY(loaded->environment.cores.cores.isEmpty());
            QCOMPARE(loaded->environment.baselineCpu, -1);
            QCOMPARE(loaded->environment.coresText(), QStringLiteral("core speeds not measured"));
            // Schema 1 kept no task's CPU time or run-queue delay: its spans read back as not measured.
            for (const Measurement& m : loaded->measurements) {
                for (const TaskSpan& s : m.spans)
                    QVERIFY2(s.cpuNs == -1 && s.waitNs == -1, qPrintable(run));
            }
            QJsonObject got = figures(*loaded);
            QJsonObject expected = want;
            expected.remove(QStringLiteral("summary"));
            if (summary->status == RunStatus::Interrupted) {
                // The one change on purpose: 0.1 reloaded an unfinished run's counts without its warm-up round
                // (50 repeats x 3 = 150 planned, 4 done), where the runner had announced (1 + 50) x 3 = 153.
                QCOMPARE(loaded->plannedRuns, (1 + 50) * 3);
                QCOMPARE(loaded->plannedRuns, Runner::plannedRuns(loaded->spec));
                QCOMPARE(loaded->completedRuns, 3 + 4);
                QVERIFY(
                    loaded->error.startsWith(QStringLiteral("interrupted: the process that recorded this run (pid ")));
                for (const QString& key :
                    { QStringLiteral("planned_runs"), QStringLiteral("completed_runs"), QStringLiteral("error") }) {
                    got.remove(key);
                    expected.remove(key);
                }
            }
            // The other change on purpose: a speedup above the worker count now carries the unequal-cores warning
            // (0.2's accounting of lost speedup), which 0.1 did not give.
            QJsonArray warnings;
            for (const auto& w : got.value(QStringLiteral("warnings")).toArray()) {
                if (!w.toString().contains(QStringLiteral("the baseline ran on a slower core"))) {
                    warnings.append(w);
                    continue;
                }
                const Measurement* superlinear = nullptr;
                for (const Measurement& m : loaded->measurements) {
                    if (w.toString().startsWith(m.label() + QStringLiteral(": ")))
                        superlinear = &m;
                }
                QVERIFY2(superlinear && superlinear->speedup > superlinear->workers, qPrintable(w.toString()));
            }
            got.insert(QStringLiteral("warnings"), warnings);
            // And a third: a cancelled or failed run's warning counts what it kept in the table's units (0.1 counted
            // warm-ups and repeats as measurements); the old wording is not kept beside it.
            QJsonArray expectedWarnings;
            for (const auto& w : expected.value(QStringLiteral("warnings")).toArray()) {
                if (!isEarlierWording(w.toString()))
                    expectedWarnings.append(w);
                else if (w.toString().startsWith(QStringLiteral("the run was cancelled")))
                    expectedWarnings.append(QStringLiteral("the run was cancelled: it kept %1; the figures are partial")
                                                .arg(loaded->keptSummary()));
                else
                    expectedWarnings.append(
                        QStringLiteral("the run failed, having kept %1: %2").arg(loaded->keptSummary(), loaded->error));
            }
            expected.insert(QStringLiteral("warnings"), expectedWarnings);
            // A fit 0.1 did not make: derived on load like the rest (the live-run test compares it).
            got.remove(QStringLiteral("usl"));
            const QString differs = difference(got, expected, run);
            QVERIFY2(differs.isEmpty(), qPrintable(differs));
            // The list's best speedup is the one the run shows (0.1's list could disagree for an unfinished run).
            double best = kUnknown;
            for (const Measurement& m : loaded->measurements) {
                if (std::isfinite(m.speedup) && !(m.speedup <= best))
                    best = m.speedup;
            }
            QCOMPARE(summary->bestSpeedup, best);
        }
        // The imported run (9) keeps the figures its file states without their data: CPU medians and bounds.
        const auto imported = store.load(9);
        QVERIFY(imported->measurements.first().cpuS.isEmpty());
        QVERIFY(std::isfinite(imported->measurements.first().cpuMedianS));
        QVERIFY(imported->bounds.taskCostsS.isEmpty());
        QVERIFY(std::isfinite(imported->bounds.critical));
        // Everything else works on the migrated file: a new run takes the next id.
        QCOMPARE(store.importResult(sampleResult()).value_or(-1), 10);
        QVERIFY(store.remove(10));
    }
    QCOMPARE(fileHash(committed), committedHash); // the committed fixture itself was never opened
}

void TestHistory::failedMigrationLeavesTheFileAsItWas()
{
    // A schema-1 file whose measurements table lost a column (a hand edit, a tool's "cleanup"): the migration
    // cannot move the spans over, so nothing is changed and the message says why.
    QTemporaryDir dir;
    const QString path = schema1Copy(dir);
    QVERIFY(!path.isEmpty());
    column(path, QStringLiteral("ALTER TABLE measurements DROP COLUMN spans"));
    const QByteArray before = fileHash(path);
    const auto counts = [&path] {
        QList<int> n;
        for (const QString& table :
            { QStringLiteral("runs"), QStringLiteral("measurements"), QStringLiteral("samples") })
            n.append(column(path, QStringLiteral("SELECT COUNT(*) FROM %1").arg(table)).value(0).toInt());
        return n;
    };
    QCOMPARE(counts(), QList<int>({ 9, 28, 75 }));
    for (int attempt = 0; attempt < 2; ++attempt) { // and it stays so: not half migrated
        HistoryStore store;
        const QString error = store.open(path).error();
        QVERIFY2(error.contains(QStringLiteral("could not be updated from schema 1 to %1, so it was left as it was")
                                    .arg(HistoryStore::schemaVersion())),
            qPrintable(error));
        QVERIFY2(error.contains(QStringLiteral("spans")), qPrintable(error));
        QVERIFY(error.contains(path));
        QVERIFY(!store.isOpen());
        QCOMPARE(fileHash(path), before);
        QCOMPARE(column(path, QStringLiteral("PRAGMA user_version")).value(0).toInt(), 1);
        QCOMPARE(counts(), QList<int>({ 9, 28, 75 }));
    }
}

void TestHistory::recorderRecordsARealRun()
{
    HistoryStore store;
    QCOMPARE(store.open(m_dir.filePath(QStringLiteral("recorder.sqlite"))).error(), QString());
    HistoryRecorder recorder(&store);
    QSignalSpy started(&recorder, &HistoryRecorder::runStarted);
    QSignalSpy saved(&recorder, &HistoryRecorder::measurementSaved);
    QSignalSpy done(&recorder, &HistoryRecorder::runSaved);
    QSignalSpy notSaved(&recorder, &HistoryRecorder::saveFailed);
    RecorderHarness harness(&recorder);
    RunResult finished;
    connect(harness.runner(), &Runner::finished, this, [&finished](const RunResult& r) { finished = r; });

    ExperimentSpec spec = quickSpec();
    spec.warmup = 1; // counted in the planned and completed runs, live and after a reload alike
    recorder.expect(spec);
    harness.start(spec);
    QVERIFY(done.wait(30'000));
    QVERIFY2(notSaved.isEmpty(), notSaved.isEmpty() ? "" : qPrintable(notSaved.first().first().toString()));
    QCOMPARE(started.size(), 1);
    const qint64 id = done.first().first().toLongLong();
    QCOMPARE(started.first().first().toLongLong(), id);
    QCOMPARE(recorder.lastRunId(), id);
    QCOMPARE(recorder.currentRunId(), -1);
    // Shorter than HistoryRecorder::kStoreEvery: its measurements were stored with its end, each at most once before.
    QVERIFY(saved.size() <= 3);

    QTRY_VERIFY(!finished.measurements.isEmpty()); // the test's own copy arrives after the recorder's
    const auto loaded = store.load(id);
    QVERIFY(loaded);
    QCOMPARE(store.summary(id)->status, RunStatus::Finished);
    QCOMPARE(loaded->measurements.size(), finished.measurements.size());
    for (qsizetype i = 0; i < finished.measurements.size(); ++i)
        compareMeasurement(loaded->measurements[i], finished.measurements[i]);
    QCOMPARE(loaded->environment.cpu, finished.environment.cpu);
    // Every figure the reload derives is the one the live run showed, counts included.
    QCOMPARE(finished.plannedRuns, (1 + 3) * 3);
    QCOMPARE(loaded->plannedRuns, finished.plannedRuns);
    QCOMPARE(loaded->completedRuns, finished.completedRuns);
    QJsonObject live = figures(finished);
    QJsonObject reloaded = figures(*loaded);
    live.remove(QStringLiteral("created")); // the recorder's clock started the record, not the runner's
    reloaded.remove(QStringLiteral("created"));
    const QString differs = difference(reloaded, live);
    QVERIFY2(differs.isEmpty(), qPrintable(differs));

    // A run nobody asked to record (no expect() for it) is left alone.
    harness.start(spec);
    QVERIFY(!done.wait(2'000));
    QCOMPARE(store.runs().value_or({}).size(), 1);
}

void TestHistory::recorderStoresRepeatsWithinASecondNotEach()
{
    // 60 repeats of a 40 ms sleep: 2.4 s at least. What is measured is in the history within a second, while the run
    // goes on, and the writes (each a durable transaction on another core than the measurement's) come at most once
    // a second, not at each of the 60 repeats.
    HistoryStore store;
    QCOMPARE(store.open(m_dir.filePath(QStringLiteral("coalesced.sqlite"))).error(), QString());
    HistoryRecorder recorder(&store);
    QSignalSpy started(&recorder, &HistoryRecorder::runStarted);
    QSignalSpy saved(&recorder, &HistoryRecorder::measurementSaved);
    QSignalSpy done(&recorder, &HistoryRecorder::runSaved);
    RecorderHarness harness(&recorder);
    ExperimentSpec spec;
    spec.kernel = QStringLiteral("sleep");
    spec.inputs = { 40 };
    spec.backends = { QStringLiteral("sequential") };
    spec.workers = { 1 };
    spec.repeats = 60;
    spec.warmup = 0;
    recorder.expect(spec);
    QElapsedTimer clock;
    clock.start();
    harness.start(spec);
    QVERIFY(started.wait(10'000));
    const qint64 id = started.first().first().toLongLong();
    QVERIFY(saved.wait(10'000));
    const qsizetype firstStored = store.load(id).value().measurements.value(0).samplesS.size();
    QVERIFY2(firstStored >= 1 && firstStored < spec.repeats, qPrintable(QString::number(firstStored)));
    QVERIFY(done.wait(60'000));
    const double seconds = double(clock.elapsed()) / 1000.0;
    QVERIFY2(saved.size() >= 2 && saved.size() <= 1 + seconds * 1000.0 / double(HistoryRecorder::kStoreEvery.count()),
        qPrintable(QStringLiteral("%1 writes in %2 s").arg(saved.size()).arg(seconds)));
    QCOMPARE(store.load(id).value().measurements.value(0).samplesS.size(), spec.repeats);
}

void TestHistory::recorderRecoversWhatItCannotStore()
{
    // A history that cannot be used (the user's notes where the file should be): the run still ends, goes to
    // a recovery file beside it, and is added, every figure as the run showed it, once the history works.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("history.sqlite"));
    {
        QFile notes(path);
        QVERIFY(notes.open(QIODevice::WriteOnly));
        notes.write("my notes, not a database\n");
    }
    HistoryStore store;
    QVERIFY(!store.open(path));
    HistoryRecorder recorder(&store);
    QSignalSpy notSaved(&recorder, &HistoryRecorder::saveFailed);
    QSignalSpy saved(&recorder, &HistoryRecorder::runSaved);
    RecorderHarness harness(&recorder);
    RunResult finished;
    connect(harness.runner(), &Runner::finished, this, [&finished](const RunResult& r) { finished = r; });
    recorder.expect(quickSpec());
    harness.start(quickSpec());
    QVERIFY(notSaved.wait(30'000));
    QCOMPARE(notSaved.size(), 1); // once per run, at its end
    QCOMPARE(saved.size(), 0);
    const QString message = notSaved.first().first().toString();
    QVERIFY2(message.startsWith(QStringLiteral("run not saved in the history: ")), qPrintable(message));
    const QStringList files = QDir(dir.path()).entryList({ QStringLiteral("history.sqlite.unsaved-*.json") });
    QCOMPARE(files.size(), 1);
    QVERIFY2(message.contains(dir.filePath(files.first())), qPrintable(message));
    QCOMPARE(store.pendingRecoveries(), QStringList { dir.filePath(files.first()) });
    QTRY_VERIFY(!finished.measurements.isEmpty());

    // The history works again: its next open adds the run and removes the recovery file.
    QVERIFY(QFile::remove(path));
    HistoryStore next;
    QCOMPARE(next.open(path).error(), QString());
    QVERIFY2(next.notice().contains(QStringLiteral("was added from")), qPrintable(next.notice()));
    QVERIFY(QDir(dir.path()).entryList({ QStringLiteral("history.sqlite.unsaved-*") }).isEmpty());
    const QList<RunSummary> runs = next.runs().value_or({});
    QCOMPARE(runs.size(), 1);
    QCOMPARE(runs.first().status, RunStatus::Finished);
    const Result<RunResult> loaded = next.load(runs.first().id);
    QVERIFY2(loaded, qPrintable(loaded.error()));
    const QString differs = difference(figures(*loaded), figures(finished));
    QVERIFY2(differs.isEmpty(), qPrintable(differs));
    // The raw memory and switches of every repeat too, through the recovery file's JSON (HistoryJson).
    QCOMPARE(loaded->measurements.size(), finished.measurements.size());
    for (qsizetype i = 0; i < finished.measurements.size(); ++i) {
        QVERIFY(!finished.measurements[i].usage.isEmpty());
        QCOMPARE(loaded->measurements[i].usage, finished.measurements[i].usage);
    }
}

void TestHistory::cliRunSavesAndHistoryCommands()
{
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("cli.sqlite"));
    const QStringList run { QStringLiteral("run"), QStringLiteral("--kernel"), QStringLiteral("spin"),
        QStringLiteral("--inputs"), QStringLiteral("2x4"), QStringLiteral("--backends"),
        QStringLiteral("sequential,threads"), QStringLiteral("--workers"), QStringLiteral("1,2"),
        QStringLiteral("--repeat"), QStringLiteral("3"), QStringLiteral("--warmup"), QStringLiteral("0"),
        QStringLiteral("--history-db"), db };
    auto r = runParlab(run);
    QCOMPARE(r.code, 0);
    QVERIFY2(r.err.contains(QStringLiteral("saved as run 1 in %1").arg(db)), qPrintable(r.err));
    r = runParlab(run);
    QVERIFY2(r.err.contains(QStringLiteral("saved as run 2 in")), qPrintable(r.err));

    const QStringList dbArg { QStringLiteral("--history-db"), db };
    r = runParlab(QStringList { QStringLiteral("history"), QStringLiteral("list") } + dbArg);
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.startsWith(QStringLiteral("ID")), qPrintable(r.out));
    QVERIFY(r.out.contains(QStringLiteral("finished")));
    QVERIFY(r.out.contains(QStringLiteral("spin")));
    QVERIFY(r.out.contains(QStringLiteral("2x4")));

    r = runParlab(QStringList { QStringLiteral("history"), QStringLiteral("list"), QStringLiteral("--format"),
                      QStringLiteral("json") }
        + dbArg);
    QCOMPARE(r.code, 0);
    const QJsonArray list = json(r.out).array();
    QCOMPARE(list.size(), 2);
    QCOMPARE(list[0].toObject().value(QStringLiteral("id")).toInt(), 2);
    QCOMPARE(list[0].toObject().value(QStringLiteral("status")).toString(), QStringLiteral("finished"));
    QCOMPARE(list[0].toObject().value(QStringLiteral("samples")).toInt(), 9);

    QCOMPARE(runParlab(QStringList { QStringLiteral("history"), QStringLiteral("rename"), QStringLiteral("1"),
                           QStringLiteral("first"), QStringLiteral("try") }
                 + dbArg)
                 .code,
        0);
    QCOMPARE(runParlab(QStringList { QStringLiteral("history"), QStringLiteral("note"), QStringLiteral("1"),
                           QStringLiteral("busy machine") }
                 + dbArg)
                 .code,
        0);
    r = runParlab(QStringList { QStringLiteral("history"), QStringLiteral("show"), QStringLiteral("1") } + dbArg);
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.startsWith(QStringLiteral("run 1 \"first try\" · finished")), qPrintable(r.out));
    QVERIFY(r.out.contains(QStringLiteral("note: busy machine")));
    QVERIFY(r.out.contains(QStringLiteral("threads")));
    QVERIFY(r.out.contains(QStringLiteral("speedup")));

    r = runParlab(QStringList { QStringLiteral("history"), QStringLiteral("compare"), QStringLiteral("1"),
                      QStringLiteral("last"), QStringLiteral("--format"), QStringLiteral("json") }
        + dbArg);
    QCOMPARE(r.code, 0);
    const QJsonObject cmp = json(r.out).object();
    QCOMPARE(cmp.value(QStringLiteral("a")).toInt(), 1);
    QCOMPARE(cmp.value(QStringLiteral("b")).toInt(), 2);
    const QJsonArray rows = cmp.value(QStringLiteral("rows")).toArray();
    QCOMPARE(rows.size(), 3);
    for (const auto& row : rows) {
        const QJsonObject o = row.toObject();
        QVERIFY(o.value(QStringLiteral("ratio")).toDouble() > 0);
        QVERIFY(o.value(QStringLiteral("p_value")).toDouble() > 0);
        QVERIFY(o.value(QStringLiteral("exact")).toBool()); // 3 vs 3 timings: no ties
        QVERIFY(!o.value(QStringLiteral("verdict")).toString().isEmpty());
    }
    r = runParlab(
        QStringList { QStringLiteral("history"), QStringLiteral("compare"), QStringLiteral("1"), QStringLiteral("2") }
        + dbArg);
    QCOMPARE(r.code, 0);
    QVERIFY(r.out.contains(QStringLiteral("VERDICT")));
    QVERIFY(r.out.contains(QStringLiteral("Mann-Whitney")));

    // export on stdout and to a file: the JSON schema, with the run's samples
    r = runParlab(QStringList { QStringLiteral("history"), QStringLiteral("export"), QStringLiteral("2") } + dbArg);
    QCOMPARE(r.code, 0);
    QJsonObject exported = json(r.out).object();
    QCOMPARE(exported.value(QStringLiteral("tool")).toString(), QStringLiteral("parlab"));
    QCOMPARE(exported.value(QStringLiteral("results")).toArray().size(), 3);
    const QString file = dir.filePath(QStringLiteral("run2.json"));
    r = runParlab(QStringList { QStringLiteral("history"), QStringLiteral("export"), QStringLiteral("2"),
                      QStringLiteral("--output"), file }
        + dbArg);
    QCOMPARE(r.code, 0);
    QFile f(file);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(QJsonDocument::fromJson(f.readAll()).object(), exported);

    // --html: the HTML report of the stored run, well-formed XHTML naming its backends
    const QString page = dir.filePath(QStringLiteral("run2.html"));
    r = runParlab(QStringList { QStringLiteral("history"), QStringLiteral("export"), QStringLiteral("2"),
                      QStringLiteral("--html"), page }
        + dbArg);
    QCOMPARE(r.code, 0);
    QFile htmlFile(page);
    QVERIFY(htmlFile.open(QIODevice::ReadOnly));
    const QByteArray htmlText = htmlFile.readAll();
    QVERIFY(htmlText.contains("<svg"));
    QVERIFY(htmlText.contains("threads"));
    QXmlStreamReader xml(htmlText);
    while (!xml.atEnd())
        xml.readNext();
    QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
    r = runParlab(
        QStringList { QStringLiteral("history"), QStringLiteral("list"), QStringLiteral("--html"), page } + dbArg);
    QCOMPARE(r.code, 2);

    r = runParlab(QStringList { QStringLiteral("history"), QStringLiteral("delete"), QStringLiteral("1") } + dbArg);
    QCOMPARE(r.code, 0);
    QVERIFY(r.err.contains(QStringLiteral("deleted run 1")));
    r = runParlab(QStringList { QStringLiteral("history"), QStringLiteral("show"), QStringLiteral("1") } + dbArg);
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains(QStringLiteral("there is no run 1")), qPrintable(r.err));
    QCOMPARE(json(runParlab(QStringList { QStringLiteral("history"), QStringLiteral("list"), QStringLiteral("--format"),
                                QStringLiteral("json") }
                      + dbArg)
                      .out)
                 .array()
                 .size(),
        1);
}

void TestHistory::cliImportAndCompare()
{
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("import.sqlite"));
    const QString file = dir.filePath(QStringLiteral("result.json"));
    RunResult r = sampleResult();
    r.measurements[2].failedRuns = 0; // a file as ParLab writes it: every figure it states is the analysis's
    {
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(JsonExport::toJson(r));
    }
    const QStringList dbArg { QStringLiteral("--history-db"), db };
    for (int i = 1; i <= 2; ++i) {
        const auto out = runParlab(QStringList { QStringLiteral("history"), QStringLiteral("import"), file } + dbArg);
        QCOMPARE(out.code, 0);
        QCOMPARE(out.out.trimmed(), QString::number(i));
        QVERIFY(out.err.contains(QStringLiteral("as run %1").arg(i)));
    }
    // The same samples twice: every combination unchanged, ratio exactly 1.
    auto out = runParlab(QStringList { QStringLiteral("history"), QStringLiteral("compare"), QStringLiteral("1"),
                             QStringLiteral("2"), QStringLiteral("--format"), QStringLiteral("json") }
        + dbArg);
    QCOMPARE(out.code, 0);
    const QJsonObject cmp = json(out.out).object();
    QCOMPARE(cmp.value(QStringLiteral("overall")).toString(), QStringLiteral("no change"));
    QCOMPARE(cmp.value(QStringLiteral("geometric_mean_ratio")).toDouble(), 1.0);
    QVERIFY(cmp.value(QStringLiteral("comparable")).toBool());
    // The same samples for other inputs: other work, not comparable; --strict makes that exit 2.
    {
        RunResult other = r;
        other.spec.inputs.append(other.spec.inputs.first());
        const QString otherFile = dir.filePath(QStringLiteral("other.json"));
        QFile f(otherFile);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(JsonExport::toJson(other));
        f.close();
        QCOMPARE(
            runParlab(QStringList { QStringLiteral("history"), QStringLiteral("import"), otherFile } + dbArg).code, 0);
    }
    out = runParlab(
        QStringList { QStringLiteral("history"), QStringLiteral("compare"), QStringLiteral("1"), QStringLiteral("3") }
        + dbArg);
    QCOMPARE(out.code, 0);
    QVERIFY2(out.out.contains(QStringLiteral("differs: inputs: ")), qPrintable(out.out));
    QVERIFY2(out.out.contains(QStringLiteral("not comparable: the runs measured different work")), qPrintable(out.out));
    QVERIFY(!out.out.contains(QStringLiteral("B is faster")));
    out = runParlab(QStringList { QStringLiteral("history"), QStringLiteral("compare"), QStringLiteral("1"),
                        QStringLiteral("3"), QStringLiteral("--strict") }
        + dbArg);
    QCOMPARE(out.code, 2);
    QVERIFY2(out.err.contains(QStringLiteral("runs 1 and 3 are not comparable (--strict)")), qPrintable(out.err));
    QCOMPARE(runParlab(QStringList { QStringLiteral("history"), QStringLiteral("compare"), QStringLiteral("1"),
                           QStringLiteral("2"), QStringLiteral("--strict") }
                 + dbArg)
                 .code,
        0);

    // An export of the import is the file again (what the schema carries).
    out = runParlab(QStringList { QStringLiteral("history"), QStringLiteral("export"), QStringLiteral("1") } + dbArg);
    QJsonObject again = json(out.out).object();
    QJsonObject original = JsonExport::toObject(r);
    QCOMPARE(again.value(QStringLiteral("results")), original.value(QStringLiteral("results")));
    QCOMPARE(again.value(QStringLiteral("spec")), original.value(QStringLiteral("spec")));
    QCOMPARE(again.value(QStringLiteral("bounds")), original.value(QStringLiteral("bounds")));
    QCOMPARE(again.value(QStringLiteral("created")), original.value(QStringLiteral("created")));

    // A broken file: exit 1, the field named.
    {
        QJsonObject broken = original;
        broken.insert(QStringLiteral("results"), QJsonArray { QJsonObject { { QStringLiteral("backend"), 3 } } });
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(QJsonDocument(broken).toJson());
    }
    out = runParlab(QStringList { QStringLiteral("history"), QStringLiteral("import"), file } + dbArg);
    QCOMPARE(out.code, 1);
    QVERIFY2(
        out.err.contains(QStringLiteral("results[0].backend: expected a string, got a number")), qPrintable(out.err));
    out = runParlab(QStringList { QStringLiteral("history"), QStringLiteral("import"),
                        dir.filePath(QStringLiteral("missing.json")) }
        + dbArg);
    QCOMPARE(out.code, 1);
    QVERIFY(out.err.contains(QStringLiteral("cannot read")));
}

void TestHistory::cliUnusableHistoryStopsTheRun()
{
    QTemporaryDir dir;
    const auto r = runParlab({ QStringLiteral("run"), QStringLiteral("--kernel"), QStringLiteral("spin"),
        QStringLiteral("--inputs"), QStringLiteral("1,1"), QStringLiteral("--backends"), QStringLiteral("sequential"),
        QStringLiteral("--repeat"), QStringLiteral("1"), QStringLiteral("--warmup"), QStringLiteral("0"),
        QStringLiteral("--history-db"), unwritablePath(dir) });
    QCOMPARE(r.code, 3); // refused before measuring anything: nothing is lost
    QVERIFY(r.out.isEmpty());
    QVERIFY2(r.err.contains(QStringLiteral("parlab run: error: cannot create the folder")), qPrintable(r.err));
    QVERIFY(r.err.contains(QStringLiteral("nothing was run")));
    QVERIFY(!r.err.contains(QStringLiteral("saved as run")));

    // A damaged default database: moved aside with a message, the run saved in a fresh one.
    const QString xdg = dir.filePath(QStringLiteral("xdg"));
    QVERIFY(QDir().mkpath(xdg + QStringLiteral("/parlab")));
    const QString defaultDb = xdg + QStringLiteral("/parlab/history.sqlite");
    {
        HistoryStore store;
        QCOMPARE(store.open(defaultDb).error(), QString());
        for (int i = 0; i < 20; ++i)
            QVERIFY(store.importResult(sampleResult()));
    }
    {
        QFile f(defaultDb);
        QVERIFY(f.open(QIODevice::ReadWrite));
        f.seek(4096);
        f.write(QByteArray(f.size() - 4096, 'x'));
    }
    QProcess process;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("XDG_DATA_HOME"), xdg);
    process.setProcessEnvironment(env);
    process.start(QStringLiteral(PARLAB_EXECUTABLE),
        { QStringLiteral("run"), QStringLiteral("--kernel"), QStringLiteral("spin"), QStringLiteral("--inputs"),
            QStringLiteral("1"), QStringLiteral("--backends"), QStringLiteral("sequential"), QStringLiteral("--repeat"),
            QStringLiteral("1"), QStringLiteral("--warmup"), QStringLiteral("0") });
    QVERIFY(process.waitForFinished(60'000));
    QCOMPARE(process.exitCode(), 0);
    const QString err = QString::fromUtf8(process.readAllStandardError());
    QVERIFY2(err.contains(QStringLiteral("was damaged")), qPrintable(err));
    QVERIFY(err.contains(QStringLiteral("saved as run 1 in %1/parlab/history.sqlite").arg(xdg)));
}

void TestHistory::cliNoHistory()
{
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("none.sqlite"));
    auto r = runParlab(
        { QStringLiteral("run"), QStringLiteral("--kernel"), QStringLiteral("spin"), QStringLiteral("--inputs"),
            QStringLiteral("1"), QStringLiteral("--backends"), QStringLiteral("sequential"), QStringLiteral("--repeat"),
            QStringLiteral("1"), QStringLiteral("--warmup"), QStringLiteral("0"), QStringLiteral("--no-history") });
    QCOMPARE(r.code, 0);
    QVERIFY(!r.err.contains(QStringLiteral("saved as run")));
    r = runParlab(
        { QStringLiteral("run"), QStringLiteral("--kernel"), QStringLiteral("spin"), QStringLiteral("--inputs"),
            QStringLiteral("1"), QStringLiteral("--no-history"), QStringLiteral("--history-db"), db });
    QCOMPARE(r.code, 2);
    QVERIFY(!QFile::exists(db));
}

void TestHistory::cliUsageErrors()
{
    QTemporaryDir dir;
    const QStringList dbArg { QStringLiteral("--history-db"), dir.filePath(QStringLiteral("u.sqlite")) };
    auto r = runParlab(QStringList { QStringLiteral("history"), QStringLiteral("compre") } + dbArg);
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains(QStringLiteral("did you mean 'compare'")), qPrintable(r.err));
    r = runParlab(QStringList { QStringLiteral("history") } + dbArg);
    QCOMPARE(r.code, 2);
    r = runParlab(QStringList { QStringLiteral("history"), QStringLiteral("compare"), QStringLiteral("1") } + dbArg);
    QCOMPARE(r.code, 2);
    QVERIFY(r.err.contains(QStringLiteral("compare A B")));
    r = runParlab(QStringList { QStringLiteral("history"), QStringLiteral("show"), QStringLiteral("abc") } + dbArg);
    QCOMPARE(r.code, 2);
    QVERIFY(r.err.contains(QStringLiteral("'abc' is not a run id")));
    r = runParlab(QStringList { QStringLiteral("history"), QStringLiteral("show"), QStringLiteral("last") } + dbArg);
    QCOMPARE(r.code, 1);
    QVERIFY(r.err.contains(QStringLiteral("there are no runs")));
    r = runParlab(QStringList { QStringLiteral("history"), QStringLiteral("list"), QStringLiteral("--format"),
                      QStringLiteral("xml") }
        + dbArg);
    QCOMPARE(r.code, 2);
    r = runParlab({ QStringLiteral("history"), QStringLiteral("--help") });
    QCOMPARE(r.code, 0);
    QVERIFY(r.out.contains(QStringLiteral("compare A B")));
    QVERIFY(r.out.contains(QStringLiteral("interrupted")));
    r = runParlab({ QStringLiteral("--help") });
    QVERIFY(r.out.contains(QStringLiteral("history")));
}

void TestHistory::cliKilledRunIsInterrupted()
{
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("killed.sqlite"));
    // Long enough to be killed mid-way: a warm-up round, then 30 repeats of three combinations of 4 x 20 ms of CPU.
    QProcess process;
    process.start(QStringLiteral(PARLAB_EXECUTABLE),
        { QStringLiteral("run"), QStringLiteral("--kernel"), QStringLiteral("spin"), QStringLiteral("--inputs"),
            QStringLiteral("20x4"), QStringLiteral("--backends"), QStringLiteral("sequential,threads"),
            QStringLiteral("--workers"), QStringLiteral("1,2"), QStringLiteral("--repeat"), QStringLiteral("30"),
            QStringLiteral("--warmup"), QStringLiteral("1"), QStringLiteral("--history-db"), db });
    QVERIFY(process.waitForStarted());

    // Watch the database from here, as the window or a second terminal would.
    HistoryStore store;
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(db) && store.open(db).has_value(), 30'000);
    QTRY_VERIFY_WITH_TIMEOUT(
        !store.runs().value_or({}).isEmpty() && store.runs().value_or({}).first().samples >= 4, 60'000);
    QCOMPARE(store.runs().value_or({}).first().status, RunStatus::Running); // its process is alive
    QCOMPARE(process.state(), QProcess::Running);

    ::kill(pid_t(process.processId()), SIGKILL);
    QVERIFY(process.waitForFinished(10'000));
    QCOMPARE(process.exitStatus(), QProcess::CrashExit);
    // Everything committed before the kill is there, and at least what we saw before it.
    const RunSummary s = store.runs().value_or({}).first();
    QCOMPARE(s.status, RunStatus::Interrupted);
    QVERIFY(s.samples >= 4);
    QVERIFY(s.samples < 90);
    const auto loaded = store.load(s.id);
    QVERIFY(loaded);
    int samples = 0;
    for (const Measurement& m : loaded->measurements) {
        samples += int(m.samplesS.size());
        QVERIFY(!m.spans.isEmpty()); // the timeline of its latest repeat
    }
    QCOMPARE(samples, s.samples);
    QVERIFY(loaded->error.startsWith(QStringLiteral("interrupted")));
    // What the runner planned, warm-up round included (0.1 reloaded an unfinished run as 30 x 3 = 90), and what
    // it had done: the 3 warm-up runs and every saved repeat.
    QCOMPARE(loaded->plannedRuns, (1 + 30) * 3);
    QCOMPARE(loaded->completedRuns, 3 + s.samples);
    store.close();

    // What a user sees next time.
    auto r = runParlab({ QStringLiteral("history"), QStringLiteral("list"), QStringLiteral("--history-db"), db });
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains(QStringLiteral("interrupted")), qPrintable(r.out));
    r = runParlab({ QStringLiteral("history"), QStringLiteral("show"), QString::number(s.id),
        QStringLiteral("--history-db"), db });
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains(QStringLiteral("interrupted: the process that recorded this run")), qPrintable(r.out));
    QVERIFY2(!r.out.contains(QStringLiteral("interrupted: interrupted")), qPrintable(r.out)); // said once
    QVERIFY(r.out.contains(QStringLiteral("sequential")));
}

QTEST_GUILESS_MAIN(TestHistory)
#include "tst_history.moc"
