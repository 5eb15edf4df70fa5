#include "historystore.h"

#include "export/jsonexport.h"
#include "export/jsonimport.h"
#include "procfs.h"
#include "runner.h"
#include "stats/analysis.h"

#include <QDataStream>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QIODevice>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QSysInfo>
#include <QThread>
#include <QVariant>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <unistd.h>

namespace parlab {

namespace {
constexpr int kSchemaVersion = 1;

// Schema version 1. Every run is one `runs` row; each (backend, workers) of it one `measurements` row
// (statistics, and the spans / lock states of its latest repeat as compact blobs); each recorded repeat one
// `samples` row. Deleting a run deletes the rest (foreign keys, ON DELETE CASCADE).
const char* const kSchemaV1[] = {
    R"sql(CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created TEXT NOT NULL,            -- ISO 8601 with milliseconds and UTC offset
        name TEXT NOT NULL DEFAULT '',
        note TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL,             -- running, finished, cancelled, failed, interrupted
        kernel TEXT NOT NULL,
        inputs TEXT NOT NULL,             -- compact input-language text, for the list
        backends TEXT NOT NULL,           -- comma-separated, for the list
        workers TEXT NOT NULL,            -- comma-separated, for the list
        spec TEXT NOT NULL,               -- JSON
        environment TEXT NOT NULL,        -- JSON
        warnings TEXT NOT NULL DEFAULT '[]',
        bounds TEXT,                      -- JSON {critical, lpt {workers: x}, task_costs_s []}
        amdahl TEXT,                      -- JSON {backend: serial fraction}
        runtimes TEXT,                    -- JSON {backend: "Python 3.11.2 (/usr/bin/python3)"}
        reference_checksum INTEGER NOT NULL DEFAULT 0,
        error TEXT NOT NULL DEFAULT '',
        completed_runs INTEGER NOT NULL DEFAULT 0,
        planned_runs INTEGER NOT NULL DEFAULT 0,
        finished TEXT,                    -- when finishRun stored the end
        version TEXT NOT NULL,            -- ParLab version that recorded it
        source TEXT NOT NULL DEFAULT '',  -- '' recorded here, else the file it was imported from
        owner_host TEXT NOT NULL DEFAULT '',
        owner_boot TEXT NOT NULL DEFAULT '',
        owner_pid INTEGER NOT NULL DEFAULT 0,
        owner_start INTEGER NOT NULL DEFAULT 0)
    )sql",
    R"sql(CREATE TABLE measurements (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        backend TEXT NOT NULL,
        workers INTEGER NOT NULL,
        median_s REAL, mean_s REAL, stddev_s REAL, mad_s REAL, min_s REAL, max_s REAL, cv REAL,
        outliers TEXT NOT NULL DEFAULT '',
        cpu_median_s REAL,
        speedup REAL, speedup_low REAL, speedup_high REAL, efficiency REAL, self_speedup REAL, karp_flatt REAL,
        checksum INTEGER NOT NULL DEFAULT 0,
        launch_median_s REAL,
        failed_runs INTEGER NOT NULL DEFAULT 0,
        last_error TEXT NOT NULL DEFAULT '',
        spans BLOB,
        states BLOB,
        UNIQUE (run_id, backend, workers))
    )sql",
    R"sql(CREATE TABLE samples (
        measurement_id INTEGER NOT NULL REFERENCES measurements(id) ON DELETE CASCADE,
        repeat INTEGER NOT NULL,
        wall_s REAL NOT NULL,
        cpu_s REAL,
        launch_s REAL,
        switches INTEGER,
        PRIMARY KEY (measurement_id, repeat)) WITHOUT ROWID
    )sql",
};

std::atomic<int> g_connectionCounter { 0 };

// Who is recording a run, so another process can tell a live recording from one whose process died.
// A pid alone could be reused; pid + the process's start time (clock ticks after boot, /proc/PID/stat
// field 22) + the boot id names one process for good.
struct Owner {
    QString host;
    QString boot;
    qint64 pid = 0;
    qint64 start = 0;
};

// The start time of a live process, or -1 when it is gone or a zombie (killed, not reaped).
qint64 processStartTime(qint64 pid)
{
    const auto stat = procfs::stat(pid);
    return stat && !stat->gone() ? stat->startTicks : -1;
}

const Owner& thisProcess()
{
    static const Owner owner = [] {
        Owner o;
        o.host = QSysInfo::machineHostName();
        o.boot = procfs::bootId();
        o.pid = ::getpid();
        o.start = processStartTime(o.pid);
        return o;
    }();
    return owner;
}

// False only when we can tell the owner is gone: same host, and another boot or no such process now.
// A run recorded on another host (a database on a shared folder) is left running.
bool ownerAlive(const Owner& owner)
{
    const Owner& self = thisProcess();
    if (owner.host != self.host)
        return true;
    if (!owner.boot.isEmpty() && !self.boot.isEmpty() && owner.boot != self.boot)
        return false;
    const qint64 start = processStartTime(owner.pid);
    return start >= 0 && (owner.start <= 0 || start == owner.start);
}

QVariant real(double value)
{
    return std::isfinite(value) ? QVariant(value) : QVariant(QMetaType(QMetaType::Double));
}

// A text column: never NULL (a null QString binds as NULL).
QVariant text(const QString& value)
{
    return value.isNull() ? QVariant(QStringLiteral("")) : QVariant(value);
}

// SQLite's own words ("NOT NULL constraint failed: runs.kernel") rather than Qt's "Unable to fetch row".
QString sqlMessage(const QSqlError& error)
{
    return error.databaseText().isEmpty() ? error.text() : error.databaseText();
}

double real(const QVariant& value)
{
    return value.isNull() ? kUnknown : value.toDouble();
}

double jsonNumber(const QJsonValue& value)
{
    return value.isDouble() ? value.toDouble() : kUnknown;
}

QString toJsonText(const QJsonObject& object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

QString toJsonText(const QJsonArray& array)
{
    return QString::fromUtf8(QJsonDocument(array).toJson(QJsonDocument::Compact));
}

QJsonObject objectFrom(const QString& text)
{
    return QJsonDocument::fromJson(text.toUtf8()).object();
}

QJsonArray arrayFrom(const QString& text)
{
    return QJsonDocument::fromJson(text.toUtf8()).array();
}

// The spec, environment and bounds are stored in the JSON export's shapes and read back by its reader, plus
// what the export schema leaves out: the environment's governor and the bounds' task costs.
QJsonObject environmentJson(const Environment& env)
{
    QJsonObject object = JsonExport::environmentObject(env);
    object.insert(QStringLiteral("governor"), env.governor);
    return object;
}

QJsonObject boundsJson(const Bounds& b)
{
    QJsonArray costs;
    for (double c : b.taskCostsS)
        costs.append(JsonExport::number(c));
    QJsonObject object = JsonExport::boundsObject(b);
    object.insert(QStringLiteral("task_costs_s"), costs);
    return object;
}

QString joinInts(const QList<int>& values)
{
    QStringList parts;
    for (int v : values)
        parts.append(QString::number(v));
    return parts.join(QLatin1Char(','));
}

QList<int> splitInts(const QString& text)
{
    QList<int> values;
    for (const QString& part : text.split(QLatin1Char(','), Qt::SkipEmptyParts))
        values.append(part.toInt());
    return values;
}

// The inputs in the input language, short: runs of one value as NxK, arithmetic runs of 3+ as a..b(:step).
QString compactInputs(const QList<qint64>& inputs)
{
    QStringList parts;
    qsizetype i = 0;
    while (i < inputs.size()) {
        qsizetype j = i + 1;
        while (j < inputs.size() && inputs[j] == inputs[i])
            ++j;
        if (j - i >= 2) {
            parts.append(QStringLiteral("%1x%2").arg(inputs[i]).arg(j - i));
            i = j;
            continue;
        }
        if (i + 2 < inputs.size()) {
            const qint64 step = inputs[i + 1] - inputs[i];
            j = i + 1;
            // A value that repeats right after is left to its NxK group: 20,19,18,17,17,17 -> 20..18,17x3.
            while (j + 1 < inputs.size() && inputs[j + 1] - inputs[j] == step
                && !(j + 2 < inputs.size() && inputs[j + 2] == inputs[j + 1]))
                ++j;
            if (j - i >= 2 && step != 0) {
                const qint64 magnitude = step < 0 ? -step : step;
                parts.append(magnitude == 1 ? QStringLiteral("%1..%2").arg(inputs[i]).arg(inputs[j])
                                            : QStringLiteral("%1..%2:%3").arg(inputs[i]).arg(inputs[j]).arg(magnitude));
                i = j + 1;
                continue;
            }
        }
        parts.append(QString::number(inputs[i]));
        ++i;
    }
    return parts.join(QLatin1Char(','));
}

// Spans and lock states as compact blobs: many thousands of rows per repeat would make every append slow.
constexpr quint32 kSpansMagic = 0x504c5331; // "PLS1"
constexpr quint32 kStatesMagic = 0x504c4c31; // "PLL1"

// The framing both blobs share: magic, count, the records, compressed. A blob with another magic, or one cut
// short, reads as no records.
template<typename T, typename Write> QByteArray encodeBlob(quint32 magic, const QList<T>& records, Write write)
{
    if (records.isEmpty())
        return {};
    QByteArray raw;
    QDataStream out(&raw, QIODevice::WriteOnly);
    out.setVersion(QDataStream::Qt_6_4);
    out << magic << quint32(records.size());
    for (const T& record : records)
        write(out, record);
    return qCompress(raw, 1); // fast: it runs at every append
}

template<typename T, typename Read> QList<T> decodeBlob(quint32 magic, const QByteArray& blob, Read read)
{
    QList<T> records;
    if (blob.isEmpty())
        return records;
    QDataStream in(qUncompress(blob));
    in.setVersion(QDataStream::Qt_6_4);
    quint32 stored = 0, count = 0;
    in >> stored >> count;
    if (stored != magic)
        return records;
    records.reserve(count);
    for (quint32 i = 0; i < count && in.status() == QDataStream::Ok; ++i)
        records.append(read(in));
    if (in.status() != QDataStream::Ok)
        records.clear();
    return records;
}

QByteArray spansBlob(const QList<TaskSpan>& spans)
{
    return encodeBlob(kSpansMagic, spans, [](QDataStream& out, const TaskSpan& s) {
        out << s.input << qint32(s.index) << qint32(s.worker) << s.pid << s.host << s.startNs << s.endNs << s.checksum;
    });
}

QList<TaskSpan> spansFrom(const QByteArray& blob)
{
    return decodeBlob<TaskSpan>(kSpansMagic, blob, [](QDataStream& in) {
        TaskSpan s;
        qint32 index = 0, worker = 0;
        in >> s.input >> index >> worker >> s.pid >> s.host >> s.startNs >> s.endNs >> s.checksum;
        s.index = index;
        s.worker = worker;
        return s;
    });
}

QByteArray statesBlob(const QList<StateSpan>& states)
{
    return encodeBlob(kStatesMagic, states, [](QDataStream& out, const StateSpan& s) {
        out << qint32(s.worker) << quint8(s.state) << s.startNs << s.endNs;
    });
}

QList<StateSpan> statesFrom(const QByteArray& blob)
{
    return decodeBlob<StateSpan>(kStatesMagic, blob, [](QDataStream& in) {
        StateSpan s;
        qint32 worker = 0;
        quint8 state = 0;
        in >> worker >> state >> s.startNs >> s.endNs;
        s.worker = worker;
        s.state = state <= quint8(LockState::Released) ? LockState(state) : LockState::Running;
        return s;
    });
}

RunStatus statusOf(const RunResult& result)
{
    if (!result.error.isEmpty())
        return RunStatus::Failed;
    if (result.cancelled)
        return RunStatus::Cancelled;
    if (result.failedRuns() > 0)
        return RunStatus::Failed;
    return RunStatus::Finished;
}

// Thrown inside a write and caught where its transaction is rolled back.
struct SqlFailure {
    QString message;
};

// A stored value that JsonImport's reader rejects: the row was damaged after it was written.
template<typename T> T storedOrThrow(std::optional<T> value, const QString& column, const QString& error)
{
    if (!value)
        throw SqlFailure { QStringLiteral("its stored %1 is damaged: %2").arg(column, error) };
    return *std::move(value);
}

// BEGIN IMMEDIATE takes the write lock at once (waiting up to the busy timeout), so a transaction never
// fails half-way for a lock another process holds. Rolled back unless committed.
class Transaction final {
public:
    explicit Transaction(const QSqlDatabase& db)
        : m_db(db)
    {
        QSqlQuery q(m_db);
        if (!q.exec(QStringLiteral("BEGIN IMMEDIATE")))
            throw SqlFailure { sqlMessage(q.lastError()) };
    }
    ~Transaction()
    {
        if (!m_done) {
            QSqlQuery q(m_db);
            q.exec(QStringLiteral("ROLLBACK"));
        }
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit()
    {
        QSqlQuery q(m_db);
        if (!q.exec(QStringLiteral("COMMIT")))
            throw SqlFailure { sqlMessage(q.lastError()) };
        m_done = true;
    }

private:
    QSqlDatabase m_db;
    bool m_done = false;
};

// Prepares and runs `sql` with `values` bound in order; throws with SQLite's message on failure.
QSqlQuery run(const QSqlDatabase& db, const QString& sql, const QVariantList& values = {})
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    if (!q.prepare(sql))
        throw SqlFailure { sqlMessage(q.lastError()) };
    for (const QVariant& v : values)
        q.addBindValue(v);
    if (!q.exec())
        throw SqlFailure { sqlMessage(q.lastError()) };
    return q;
}

bool isCorruption(const QSqlError& error)
{
    // SQLITE_CORRUPT (11) and SQLITE_NOTADB (26); a locked or busy database is not damaged.
    const int code = error.nativeErrorCode().toInt() & 0xff;
    return code == 11 || code == 26;
}
} // namespace

QString runStatusName(RunStatus status)
{
    switch (status) {
    case RunStatus::Running:
        return QStringLiteral("running");
    case RunStatus::Finished:
        return QStringLiteral("finished");
    case RunStatus::Cancelled:
        return QStringLiteral("cancelled");
    case RunStatus::Failed:
        return QStringLiteral("failed");
    case RunStatus::Interrupted:
        return QStringLiteral("interrupted");
    }
    return {};
}

std::optional<RunStatus> runStatusFromName(const QString& name)
{
    for (RunStatus s :
        { RunStatus::Running, RunStatus::Finished, RunStatus::Cancelled, RunStatus::Failed, RunStatus::Interrupted }) {
        if (runStatusName(s) == name)
            return s;
    }
    return std::nullopt;
}

struct HistoryStore::Private {
    QString connection;
    QString path;
    QString notice;
    QString lastError;
    bool open = false;
    QThread* thread = nullptr;
    QList<qint64> unfinished; // runs this store began and has not finished

    QSqlDatabase db() const { return QSqlDatabase::database(connection, false); }

    bool fail(const QString& what, const QString& why)
    {
        lastError = QStringLiteral("history database '%1': %2: %3").arg(path, what, why);
        return false;
    }
    bool notOpen()
    {
        lastError = path.isEmpty() ? QStringLiteral("the run history is not open")
                                   : QStringLiteral("the run history '%1' is not open").arg(path);
        return false;
    }
    // Open, and used from the thread that opened it (asserted); false with lastError set when not open.
    bool ready()
    {
        if (!open)
            return notOpen();
        Q_ASSERT(QThread::currentThread() == thread);
        return true;
    }

    void markInterrupted(const QList<qint64>& ids);
    void refreshInterrupted(qint64 onlyRun = -1);
    qint64 insertRun(const ExperimentSpec& spec, const Environment& env, const QDateTime& created, RunStatus status,
        const QString& source, bool owned);
    void upsertMeasurement(qint64 runId, int position, const Measurement& m);
    void storeEnd(qint64 runId, const RunResult& result, RunStatus status);
    std::optional<RunSummary> summaryFrom(QSqlQuery& q);
};

void HistoryStore::Private::markInterrupted(const QList<qint64>& ids)
{
    for (qint64 id : ids) {
        try {
            run(db(), QStringLiteral("UPDATE runs SET status = 'interrupted' WHERE id = ? AND status = 'running'"),
                { id });
        } catch (const SqlFailure&) {
            // Read-only access or a lock held elsewhere: the run still reads as interrupted next time.
        }
    }
}

void HistoryStore::Private::refreshInterrupted(qint64 onlyRun)
{
    QList<qint64> dead;
    try {
        QSqlQuery q = run(db(),
            QStringLiteral("SELECT id, owner_host, owner_boot, owner_pid, owner_start FROM runs WHERE status = "
                           "'running'%1")
                .arg(onlyRun >= 0 ? QStringLiteral(" AND id = %1").arg(onlyRun) : QString()));
        while (q.next()) {
            const Owner owner { q.value(1).toString(), q.value(2).toString(), q.value(3).toLongLong(),
                q.value(4).toLongLong() };
            if (!ownerAlive(owner))
                dead.append(q.value(0).toLongLong());
        }
    } catch (const SqlFailure&) {
        return;
    }
    markInterrupted(dead);
}

qint64 HistoryStore::Private::insertRun(const ExperimentSpec& spec, const Environment& env, const QDateTime& created,
    RunStatus status, const QString& source, bool owned)
{
    const Owner owner = owned ? thisProcess() : Owner {};
    const int planned = (spec.warmup + spec.repeats) * int(Runner::plan(spec).size());
    QSqlQuery q = run(db(),
        QStringLiteral("INSERT INTO runs (created, status, kernel, inputs, backends, workers, spec, environment, "
                       "planned_runs, version, source, owner_host, owner_boot, owner_pid, owner_start) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        { created.toString(Qt::ISODateWithMs), runStatusName(status), text(spec.kernel),
            text(compactInputs(spec.inputs)), text(spec.backends.join(QLatin1Char(','))), text(joinInts(spec.workers)),
            toJsonText(JsonExport::specObject(spec)), toJsonText(environmentJson(env)), planned,
            QStringLiteral(PARLAB_VERSION), text(source), text(owner.host), text(owner.boot), owner.pid, owner.start });
    return q.lastInsertId().toLongLong();
}

void HistoryStore::Private::upsertMeasurement(qint64 runId, int position, const Measurement& m)
{
    QStringList outliers;
    for (int i : m.wall.outliers)
        outliers.append(QString::number(i));
    const QVariantList figures { real(m.wall.median), real(m.wall.mean), real(m.wall.stddev), real(m.wall.mad),
        real(m.wall.min), real(m.wall.max), real(m.wall.cv), text(outliers.join(QLatin1Char(','))), real(m.cpuMedianS),
        real(m.speedup), real(m.speedupLow), real(m.speedupHigh), real(m.efficiency), real(m.selfSpeedup),
        real(m.karpFlatt), qint64(m.checksum), real(m.launchMedianS), m.failedRuns, text(m.lastError),
        spansBlob(m.spans), statesBlob(m.states) };

    qint64 id = -1;
    int stored = 0;
    {
        QSqlQuery q = run(db(),
            QStringLiteral("SELECT id, (SELECT COUNT(*) FROM samples WHERE measurement_id = measurements.id) FROM "
                           "measurements WHERE run_id = ? AND backend = ? AND workers = ?"),
            { runId, text(m.backend), m.workers });
        if (q.next()) {
            id = q.value(0).toLongLong();
            stored = q.value(1).toInt();
        }
    }
    if (id < 0) {
        QVariantList values { runId, position, text(m.backend), m.workers };
        values.append(figures);
        QSqlQuery q = run(db(),
            QStringLiteral("INSERT INTO measurements (run_id, position, backend, workers, median_s, mean_s, "
                           "stddev_s, mad_s, min_s, max_s, cv, outliers, cpu_median_s, speedup, speedup_low, "
                           "speedup_high, efficiency, self_speedup, karp_flatt, checksum, launch_median_s, "
                           "failed_runs, last_error, spans, states) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
            values);
        id = q.lastInsertId().toLongLong();
    } else {
        QVariantList values = figures;
        values.append(id);
        run(db(),
            QStringLiteral("UPDATE measurements SET median_s = ?, mean_s = ?, stddev_s = ?, mad_s = ?, min_s = ?, "
                           "max_s = ?, cv = ?, outliers = ?, cpu_median_s = ?, speedup = ?, speedup_low = ?, "
                           "speedup_high = ?, efficiency = ?, self_speedup = ?, karp_flatt = ?, checksum = ?, "
                           "launch_median_s = ?, failed_runs = ?, last_error = ?, spans = ?, states = ? WHERE id = ?"),
            values);
    }
    if (stored >= m.samplesS.size())
        return;
    QSqlQuery insert(db());
    if (!insert.prepare(QStringLiteral("INSERT INTO samples (measurement_id, repeat, wall_s, cpu_s, launch_s, "
                                       "switches) VALUES (?, ?, ?, ?, ?, ?)")))
        throw SqlFailure { sqlMessage(insert.lastError()) };
    for (qsizetype i = stored; i < m.samplesS.size(); ++i) {
        insert.bindValue(0, id);
        insert.bindValue(1, qint64(i));
        insert.bindValue(2, m.samplesS[i]);
        insert.bindValue(3, i < m.cpuS.size() ? real(m.cpuS[i]) : real(kUnknown));
        insert.bindValue(4, i < m.launchS.size() ? real(m.launchS[i]) : real(kUnknown));
        insert.bindValue(5, i < m.switches.size() ? QVariant(m.switches[i]) : QVariant(QMetaType(QMetaType::LongLong)));
        if (!insert.exec())
            throw SqlFailure { sqlMessage(insert.lastError()) };
    }
}

void HistoryStore::Private::storeEnd(qint64 runId, const RunResult& result, RunStatus status)
{
    for (qsizetype i = 0; i < result.measurements.size(); ++i) {
        const Measurement& m = result.measurements[i];
        if (!m.samplesS.isEmpty() || m.failedRuns > 0)
            upsertMeasurement(runId, int(i), m);
    }
    QJsonObject amdahl;
    for (auto it = result.amdahlSerialFraction.cbegin(); it != result.amdahlSerialFraction.cend(); ++it)
        amdahl.insert(it.key(), JsonExport::number(it.value()));
    QJsonObject runtimes;
    for (auto it = result.runtimes.cbegin(); it != result.runtimes.cend(); ++it)
        runtimes.insert(it.key(), it.value());
    QSqlQuery q = run(db(),
        QStringLiteral("UPDATE runs SET status = ?, environment = ?, warnings = ?, bounds = ?, amdahl = ?, runtimes "
                       "= ?, reference_checksum = ?, error = ?, completed_runs = ?, planned_runs = ?, finished = ? "
                       "WHERE id = ?"),
        { runStatusName(status), toJsonText(environmentJson(result.environment)),
            toJsonText(QJsonArray::fromStringList(result.warnings)), toJsonText(boundsJson(result.bounds)),
            toJsonText(amdahl), toJsonText(runtimes), qint64(result.referenceChecksum), text(result.error),
            result.completedRuns, result.plannedRuns, QDateTime::currentDateTime().toString(Qt::ISODateWithMs),
            runId });
    if (q.numRowsAffected() != 1)
        throw SqlFailure { QStringLiteral("there is no run %1").arg(runId) };
}

std::optional<RunSummary> HistoryStore::Private::summaryFrom(QSqlQuery& q)
{
    RunSummary s;
    s.id = q.value(0).toLongLong();
    s.created = QDateTime::fromString(q.value(1).toString(), Qt::ISODateWithMs);
    s.name = q.value(2).toString();
    s.note = q.value(3).toString();
    s.kernel = q.value(4).toString();
    s.inputs = q.value(5).toString();
    s.backends = q.value(6).toString().split(QLatin1Char(','), Qt::SkipEmptyParts);
    s.workers = splitInts(q.value(7).toString());
    s.status = runStatusFromName(q.value(8).toString()).value_or(RunStatus::Failed);
    s.error = q.value(9).toString();
    s.source = q.value(10).toString();
    s.measurements = q.value(11).toInt();
    s.samples = q.value(12).toInt();
    s.bestSpeedup = real(q.value(13));
    s.bestLabel = q.value(14).toString();
    return s;
}

namespace {
const QString kSummarySelect = QStringLiteral(
    "SELECT r.id, r.created, r.name, r.note, r.kernel, r.inputs, r.backends, r.workers, r.status, r.error, r.source, "
    "(SELECT COUNT(*) FROM measurements m WHERE m.run_id = r.id AND EXISTS (SELECT 1 FROM samples s WHERE "
    "s.measurement_id = m.id)), "
    "(SELECT COUNT(*) FROM samples s JOIN measurements m ON s.measurement_id = m.id WHERE m.run_id = r.id), "
    "(SELECT m.speedup FROM measurements m WHERE m.run_id = r.id AND m.speedup IS NOT NULL ORDER BY m.speedup DESC, "
    "m.position LIMIT 1), "
    "(SELECT m.backend || ' x' || m.workers FROM measurements m WHERE m.run_id = r.id AND m.speedup IS NOT NULL "
    "ORDER BY m.speedup DESC, m.position LIMIT 1) "
    "FROM runs r");
} // namespace

HistoryStore::HistoryStore()
    : d(new Private)
{
    d->connection = QStringLiteral("parlab-history-%1").arg(g_connectionCounter.fetch_add(1));
}

HistoryStore::~HistoryStore()
{
    close();
    delete d;
}

QString HistoryStore::defaultPath()
{
    const QString data = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation);
    if (data.isEmpty())
        return {};
    return data + QStringLiteral("/parlab/history.sqlite");
}

int HistoryStore::schemaVersion()
{
    return kSchemaVersion;
}

QString HistoryStore::open(const QString& path)
{
    close();
    d->path = path;
    d->notice.clear();
    d->lastError.clear();
    d->thread = QThread::currentThread();
    if (path.isEmpty())
        return d->lastError
            = QStringLiteral("no folder for the run history (is HOME set?); give one with --history-db");
    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QSQLITE")))
        return d->lastError
            = QStringLiteral("cannot keep a run history: Qt's SQLite driver (QSQLITE) is not installed");

    const QFileInfo info(path);
    if (info.exists() && !info.isFile())
        return d->lastError = QStringLiteral("cannot keep the run history in '%1': it is not a file").arg(path);
    const QString folder = info.absolutePath();
    if (!QDir().mkpath(folder))
        return d->lastError = QStringLiteral("cannot create the folder '%1' for the run history").arg(folder);
    if (!QFileInfo(folder).isWritable())
        return d->lastError
            = QStringLiteral("cannot write the run history: the folder '%1' is not writable").arg(folder);
    if (info.exists() && !info.isWritable())
        return d->lastError = QStringLiteral("cannot write the run history: '%1' is read-only").arg(path);

    // Up to two attempts: if the file is damaged it is moved aside and a fresh one made.
    for (int attempt = 0; attempt < 2; ++attempt) {
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), d->connection);
            db.setDatabaseName(path);
            db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
            if (!db.open()) {
                d->lastError
                    = QStringLiteral("cannot open the run history '%1': %2").arg(path, sqlMessage(db.lastError()));
                db = {};
                QSqlDatabase::removeDatabase(d->connection);
                return d->lastError;
            }
        }
        QString damage;
        QString failure;
        try {
            const QSqlDatabase db = d->db();
            QSqlQuery check(db);
            if (!check.exec(QStringLiteral("PRAGMA quick_check"))) {
                if (isCorruption(check.lastError()))
                    damage = sqlMessage(check.lastError());
                else
                    throw SqlFailure { sqlMessage(check.lastError()) };
            } else if (check.next() && check.value(0).toString() != QStringLiteral("ok")) {
                damage = check.value(0).toString();
            }
            check.finish();
            if (damage.isEmpty()) {
                run(db, QStringLiteral("PRAGMA journal_mode = WAL"));
                run(db, QStringLiteral("PRAGMA synchronous = FULL"));
                run(db, QStringLiteral("PRAGMA foreign_keys = ON"));
                // Read inside the write transaction: two processes opening a new file at once must not both
                // create the schema.
                Transaction transaction(db);
                int version = 0;
                {
                    QSqlQuery q = run(db, QStringLiteral("PRAGMA user_version"));
                    if (q.next())
                        version = q.value(0).toInt();
                }
                if (version > kSchemaVersion)
                    throw SqlFailure { QStringLiteral("it was written by a newer ParLab (schema %1; this one knows up "
                                                      "to %2); use that version, or another file with --history-db")
                                           .arg(version)
                                           .arg(kSchemaVersion) };
                // Migrations (version N -> N + 1, in order) run in this one transaction with the version bump.
                // A failure here also shows a location we cannot write (BEGIN IMMEDIATE needs the write lock).
                if (version < 1) {
                    for (const char* statement : kSchemaV1)
                        run(db, QString::fromUtf8(statement));
                }
                if (version < kSchemaVersion)
                    run(db, QStringLiteral("PRAGMA user_version = %1").arg(kSchemaVersion));
                transaction.commit();
            }
        } catch (const SqlFailure& e) {
            failure = e.message;
        }
        if (damage.isEmpty() && failure.isEmpty()) {
            d->open = true;
            d->refreshInterrupted();
            return {};
        }
        QSqlDatabase::removeDatabase(d->connection);
        if (damage.isEmpty() || attempt > 0) {
            d->lastError
                = QStringLiteral("cannot use the run history '%1': %2").arg(path, damage.isEmpty() ? failure : damage);
            return d->lastError;
        }
        // Keep the damaged file (and its journal) for whoever wants to rescue it, and start afresh.
        const QString aside = QStringLiteral("%1.corrupt-%2")
                                  .arg(path, QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-hhmmss")));
        if (!QFile::rename(path, aside)) {
            d->lastError = QStringLiteral("the run history '%1' is damaged (%2) and could not be moved aside to '%3'")
                               .arg(path, damage, aside);
            return d->lastError;
        }
        QFile::rename(path + QStringLiteral("-wal"), aside + QStringLiteral("-wal"));
        QFile::remove(path + QStringLiteral("-shm"));
        d->notice = QStringLiteral("the run history '%1' was damaged (%2); it was moved to '%3' and a new one started")
                        .arg(path, damage, aside);
    }
    return d->lastError;
}

void HistoryStore::close()
{
    if (!d->open)
        return;
    // A run this store began and never finished did not end normally (the window closed mid-run, say).
    d->markInterrupted(d->unfinished);
    d->unfinished.clear();
    {
        QSqlDatabase db = d->db();
        db.close();
    }
    QSqlDatabase::removeDatabase(d->connection);
    d->open = false;
}

bool HistoryStore::isOpen() const
{
    return d->open;
}

QString HistoryStore::path() const
{
    return d->path;
}

QString HistoryStore::notice() const
{
    return d->notice;
}

QString HistoryStore::lastError() const
{
    return d->lastError;
}

qint64 HistoryStore::beginRun(const ExperimentSpec& spec, const Environment& environment, const QDateTime& created)
{
    if (!d->ready())
        return -1;
    try {
        Transaction transaction(d->db());
        const qint64 id = d->insertRun(spec, environment, created, RunStatus::Running, {}, true);
        transaction.commit();
        d->unfinished.append(id);
        return id;
    } catch (const SqlFailure& e) {
        d->fail(QStringLiteral("cannot start a run record"), e.message);
        return -1;
    }
}

bool HistoryStore::appendMeasurement(qint64 runId, const Measurement& measurement)
{
    if (!d->ready())
        return false;
    try {
        Transaction transaction(d->db());
        int position = 0;
        {
            QSqlQuery q = run(d->db(),
                QStringLiteral("SELECT (SELECT COUNT(*) FROM measurements WHERE run_id = runs.id) FROM runs WHERE id "
                               "= ?"),
                { runId });
            if (!q.next())
                throw SqlFailure { QStringLiteral("there is no run %1").arg(runId) };
            position = q.value(0).toInt();
        }
        d->upsertMeasurement(runId, position, measurement);
        transaction.commit();
        return true;
    } catch (const SqlFailure& e) {
        return d->fail(QStringLiteral("cannot store %1 of run %2").arg(measurement.label()).arg(runId), e.message);
    }
}

bool HistoryStore::finishRun(qint64 runId, const RunResult& result)
{
    if (!d->ready())
        return false;
    try {
        Transaction transaction(d->db());
        d->storeEnd(runId, result, statusOf(result));
        transaction.commit();
        d->unfinished.removeAll(runId);
        return true;
    } catch (const SqlFailure& e) {
        return d->fail(QStringLiteral("cannot store the end of run %1").arg(runId), e.message);
    }
}

QList<RunSummary> HistoryStore::runs()
{
    QList<RunSummary> list;
    if (!d->ready())
        return list;
    d->refreshInterrupted();
    try {
        QSqlQuery q = run(d->db(), kSummarySelect + QStringLiteral(" ORDER BY r.id DESC"));
        while (q.next()) {
            if (auto s = d->summaryFrom(q))
                list.append(*s);
        }
    } catch (const SqlFailure& e) {
        d->fail(QStringLiteral("cannot list the runs"), e.message);
    }
    return list;
}

std::optional<RunSummary> HistoryStore::summary(qint64 runId)
{
    if (!d->ready())
        return std::nullopt;
    d->refreshInterrupted(runId);
    try {
        QSqlQuery q = run(d->db(), kSummarySelect + QStringLiteral(" WHERE r.id = ?"), { runId });
        if (q.next())
            return d->summaryFrom(q);
        d->lastError = QStringLiteral("there is no run %1 in the history '%2'").arg(runId).arg(d->path);
    } catch (const SqlFailure& e) {
        d->fail(QStringLiteral("cannot read run %1").arg(runId), e.message);
    }
    return std::nullopt;
}

std::optional<RunResult> HistoryStore::load(qint64 runId)
{
    if (!d->ready())
        return std::nullopt;
    d->refreshInterrupted(runId);
    RunResult result;
    RunStatus status = RunStatus::Finished;
    qint64 ownerPid = 0;
    try {
        {
            QSqlQuery q = run(d->db(),
                QStringLiteral("SELECT created, status, spec, environment, warnings, bounds, amdahl, runtimes, "
                               "reference_checksum, error, completed_runs, planned_runs, owner_pid FROM runs WHERE id "
                               "= ?"),
                { runId });
            if (!q.next()) {
                d->lastError = QStringLiteral("there is no run %1 in the history '%2'").arg(runId).arg(d->path);
                return std::nullopt;
            }
            result.created = QDateTime::fromString(q.value(0).toString(), Qt::ISODateWithMs);
            status = runStatusFromName(q.value(1).toString()).value_or(RunStatus::Failed);
            QString error;
            result.spec = storedOrThrow(
                JsonImport::specFromObject(objectFrom(q.value(2).toString()), &error), QStringLiteral("spec"), error);
            result.environment
                = storedOrThrow(JsonImport::environmentFromObject(objectFrom(q.value(3).toString()), &error),
                    QStringLiteral("environment"), error);
            for (const QJsonValue& w : arrayFrom(q.value(4).toString()))
                result.warnings.append(w.toString());
            if (!q.value(5).isNull()) {
                const QJsonObject bounds = objectFrom(q.value(5).toString());
                result.bounds
                    = storedOrThrow(JsonImport::boundsFromObject(bounds, &error), QStringLiteral("bounds"), error);
                for (const QJsonValue& v : bounds.value(QStringLiteral("task_costs_s")).toArray())
                    result.bounds.taskCostsS.append(jsonNumber(v));
            }
            const QJsonObject amdahl = objectFrom(q.value(6).toString());
            for (auto it = amdahl.constBegin(); it != amdahl.constEnd(); ++it)
                result.amdahlSerialFraction.insert(it.key(), jsonNumber(it.value()));
            const QJsonObject runtimes = objectFrom(q.value(7).toString());
            for (auto it = runtimes.constBegin(); it != runtimes.constEnd(); ++it)
                result.runtimes.insert(it.key(), it.value().toString());
            result.referenceChecksum = quint64(q.value(8).toLongLong());
            result.error = q.value(9).toString();
            result.completedRuns = q.value(10).toInt();
            result.plannedRuns = q.value(11).toInt();
            ownerPid = q.value(12).toLongLong();
            result.cancelled = status == RunStatus::Cancelled;
        }
        QSqlQuery q = run(d->db(),
            QStringLiteral("SELECT id, backend, workers, median_s, mean_s, stddev_s, mad_s, min_s, max_s, cv, "
                           "outliers, cpu_median_s, speedup, speedup_low, speedup_high, efficiency, self_speedup, "
                           "karp_flatt, checksum, launch_median_s, failed_runs, last_error, spans, states FROM "
                           "measurements WHERE run_id = ? ORDER BY position, id"),
            { runId });
        QSqlQuery samples(d->db());
        samples.setForwardOnly(true);
        if (!samples.prepare(QStringLiteral(
                "SELECT wall_s, cpu_s, launch_s, switches FROM samples WHERE measurement_id = ? ORDER BY repeat")))
            throw SqlFailure { sqlMessage(samples.lastError()) };
        while (q.next()) {
            Measurement m;
            m.backend = q.value(1).toString();
            m.workers = q.value(2).toInt();
            m.wall.median = real(q.value(3));
            m.wall.mean = real(q.value(4));
            m.wall.stddev = real(q.value(5));
            m.wall.mad = real(q.value(6));
            m.wall.min = real(q.value(7));
            m.wall.max = real(q.value(8));
            m.wall.cv = real(q.value(9));
            m.wall.outliers = splitInts(q.value(10).toString());
            m.cpuMedianS = real(q.value(11));
            m.speedup = real(q.value(12));
            m.speedupLow = real(q.value(13));
            m.speedupHigh = real(q.value(14));
            m.efficiency = real(q.value(15));
            m.selfSpeedup = real(q.value(16));
            m.karpFlatt = real(q.value(17));
            m.checksum = quint64(q.value(18).toLongLong());
            m.launchMedianS = real(q.value(19));
            m.failedRuns = q.value(20).toInt();
            m.lastError = q.value(21).toString();
            m.spans = spansFrom(q.value(22).toByteArray());
            m.states = statesFrom(q.value(23).toByteArray());
            samples.bindValue(0, q.value(0));
            if (!samples.exec())
                throw SqlFailure { sqlMessage(samples.lastError()) };
            while (samples.next()) {
                m.samplesS.append(samples.value(0).toDouble());
                if (!samples.value(1).isNull())
                    m.cpuS.append(samples.value(1).toDouble());
                if (!samples.value(2).isNull())
                    m.launchS.append(samples.value(2).toDouble());
                if (!samples.value(3).isNull())
                    m.switches.append(samples.value(3).toLongLong());
            }
            result.measurements.append(m);
        }
    } catch (const SqlFailure& e) {
        d->fail(QStringLiteral("cannot read run %1").arg(runId), e.message);
        return std::nullopt;
    }

    if (status == RunStatus::Running || status == RunStatus::Interrupted) {
        // Only the samples are final: derive the rest as for a partial run. Task costs come from the latest
        // sequential repeat's spans, the bounds' input while a run is unfinished.
        int measured = 0;
        for (const Measurement& m : std::as_const(result.measurements))
            measured += int(m.samplesS.size()) + m.failedRuns;
        if (const Measurement* sequential = result.find(QStringLiteral("sequential"), 1);
            sequential && result.bounds.taskCostsS.isEmpty() && !sequential->spans.isEmpty()) {
            QList<double> costs(result.spec.inputs.size(), kUnknown);
            for (const TaskSpan& s : sequential->spans) {
                if (s.index >= 0 && s.index < costs.size())
                    costs[s.index] = s.seconds();
            }
            if (std::all_of(costs.cbegin(), costs.cend(), [](double c) { return std::isfinite(c); }))
                result.bounds.taskCostsS = costs;
        }
        analyse(result);
        result.completedRuns = measured;
        result.plannedRuns = result.spec.repeats * int(Runner::plan(result.spec).size());
        if (status == RunStatus::Interrupted) {
            result.error = QStringLiteral("interrupted: the process that recorded this run (pid %1) ended before it "
                                          "finished; %2 of %3 measured repeats were saved")
                               .arg(ownerPid)
                               .arg(measured)
                               .arg(result.plannedRuns);
        }
    }
    return result;
}

bool HistoryStore::rename(qint64 runId, const QString& name)
{
    if (!d->ready())
        return false;
    try {
        QSqlQuery q
            = run(d->db(), QStringLiteral("UPDATE runs SET name = ? WHERE id = ?"), { text(name.trimmed()), runId });
        if (q.numRowsAffected() != 1)
            throw SqlFailure { QStringLiteral("there is no run %1").arg(runId) };
        return true;
    } catch (const SqlFailure& e) {
        return d->fail(QStringLiteral("cannot rename run %1").arg(runId), e.message);
    }
}

bool HistoryStore::setNote(qint64 runId, const QString& note)
{
    if (!d->ready())
        return false;
    try {
        QSqlQuery q = run(d->db(), QStringLiteral("UPDATE runs SET note = ? WHERE id = ?"), { text(note), runId });
        if (q.numRowsAffected() != 1)
            throw SqlFailure { QStringLiteral("there is no run %1").arg(runId) };
        return true;
    } catch (const SqlFailure& e) {
        return d->fail(QStringLiteral("cannot set the note of run %1").arg(runId), e.message);
    }
}

bool HistoryStore::remove(qint64 runId)
{
    if (!d->ready())
        return false;
    try {
        Transaction transaction(d->db());
        QSqlQuery q = run(d->db(), QStringLiteral("DELETE FROM runs WHERE id = ?"), { runId });
        if (q.numRowsAffected() != 1)
            throw SqlFailure { QStringLiteral("there is no run %1").arg(runId) };
        transaction.commit();
        d->unfinished.removeAll(runId);
        return true;
    } catch (const SqlFailure& e) {
        return d->fail(QStringLiteral("cannot delete run %1").arg(runId), e.message);
    }
}

qint64 HistoryStore::importResult(const RunResult& result, const QString& source)
{
    if (!d->ready())
        return -1;
    try {
        Transaction transaction(d->db());
        const RunStatus status = statusOf(result);
        const QDateTime created = result.created.isValid() ? result.created : QDateTime::currentDateTime();
        const qint64 id = d->insertRun(result.spec, result.environment, created, status, source, false);
        d->storeEnd(id, result, status);
        transaction.commit();
        return id;
    } catch (const SqlFailure& e) {
        d->fail(QStringLiteral("cannot import a run"), e.message);
        return -1;
    }
}

qint64 HistoryStore::importJson(const QByteArray& json, const QString& source)
{
    QString error;
    const auto result = JsonImport::fromJson(json, &error);
    if (!result) {
        d->lastError = source.isEmpty() ? error : QStringLiteral("%1: %2").arg(source, error);
        return -1;
    }
    return importResult(*result, source);
}

} // namespace parlab
