#include "historystore.h"

#include "export/jsonexport.h"
#include "export/jsonimport.h"
#include "procfs.h"
#include "result.h"
#include "runner.h"
#include "stats/analysis.h"
#include "taskspan.h"

#include <QDataStream>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QIODevice>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QSysInfo>
#include <QThread>
#include <QUrl>
#include <QVariant>
#include <QtEndian>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <fcntl.h>
#include <limits>
#include <sys/stat.h>
#include <type_traits>
#include <unistd.h>
#include <utility>

namespace parlab {

namespace {
constexpr int kSchemaVersion = 8;
// The oldest schema a read-only open reads as it is (its missing columns read as unknown).
constexpr int kOldestReadable = 2;

// One column of a table, named once. CREATE TABLE, INSERT, UPDATE and SELECT are built from these, values are
// bound to named placeholders and read back by name (as qBittorrent's dbresumedatastorage does), so adding a
// column is one line here plus the code that writes and reads its value.
struct Column {
    QString name;
    QString definition; // type and constraints, as CREATE TABLE writes them

    QString placeholder() const { return QLatin1Char(':') + name; }
    bool operator==(const Column& other) const { return name == other.name; }
};

Column column(const char* name, const char* definition)
{
    return { QString::fromLatin1(name), QString::fromLatin1(definition) };
}

struct Table {
    QString name;
    QList<Column> columns;
    QString constraints; // table constraints over several columns, after the columns
    QString options; // after the closing parenthesis
};

// Schema 2 keeps what a run measured; every figure (statistics, speedups and their intervals, efficiencies,
// Karp-Flatt, bounds, Amdahl fits, derived warnings) is derived on load by analyse(), the code the live run
// uses, so a reopened run cannot drift from what it showed and a new figure needs nothing here. Every run is
// one `runs` row; each (backend, workers) of it one `measurements` row, with the spans and lock states of its
// latest repeat as compact blobs; each recorded repeat one `samples` row. Deleting a run deletes the rest
// (foreign keys, ON DELETE CASCADE).
namespace Runs {
const QString name = QStringLiteral("runs");
const Column Id = column("id", "INTEGER PRIMARY KEY AUTOINCREMENT");
const Column Created = column("created", "TEXT NOT NULL"); // ISO 8601 with milliseconds and UTC offset
const Column Name = column("name", "TEXT NOT NULL DEFAULT ''");
const Column Note = column("note", "TEXT NOT NULL DEFAULT ''");
const Column Status = column("status", "TEXT NOT NULL"); // running, finished, cancelled, failed, interrupted
const Column Kernel = column("kernel", "TEXT NOT NULL");
const Column Inputs = column("inputs", "TEXT NOT NULL"); // compact input-language text, for the list
const Column Backends = column("backends", "TEXT NOT NULL"); // comma-separated, for the list
const Column Workers = column("workers", "TEXT NOT NULL"); // comma-separated, for the list
const Column Spec = column("spec", "TEXT NOT NULL"); // JSON, the export's shape
const Column Env = column("environment", "TEXT NOT NULL"); // JSON, the export's shape
// JSON array: the median sequential duration of each input (measured), which the bounds are computed from.
const Column TaskCosts = column("task_costs", "TEXT");
// JSON array: the warnings analyse() does not derive, i.e. an imported file's own; the runner raises none.
const Column ExtraWarnings = column("extra_warnings", "TEXT NOT NULL DEFAULT '[]'");
// JSON object, imports only: figures the file states without the data they come from (the export carries no
// CPU samples, spans or task costs), in the export's own shapes: {"results": {"threads x2": {"cpu_s": ..}},
// "bounds": {"critical": .., "lpt": {..}}}.
const Column Stated = column("stated", "TEXT");
const Column Runtimes = column("runtimes", "TEXT"); // JSON {backend: "Python 3.11.2 (/usr/bin/python3)"}
const Column ReferenceChecksum = column("reference_checksum", "INTEGER NOT NULL DEFAULT 0");
const Column Error = column("error", "TEXT NOT NULL DEFAULT ''");
const Column CompletedRuns = column("completed_runs", "INTEGER NOT NULL DEFAULT 0"); // warm-ups included
const Column PlannedRuns = column("planned_runs", "INTEGER NOT NULL DEFAULT 0"); // Runner::plannedRuns
const Column Finished = column("finished", "TEXT"); // when finishRun stored the end
const Column Version = column("version", "TEXT NOT NULL"); // ParLab version that recorded it
const Column Source = column("source", "TEXT NOT NULL DEFAULT ''"); // '' recorded here, else the imported file
const Column OwnerHost = column("owner_host", "TEXT NOT NULL DEFAULT ''");
const Column OwnerBoot = column("owner_boot", "TEXT NOT NULL DEFAULT ''");
const Column OwnerPid = column("owner_pid", "INTEGER NOT NULL DEFAULT 0");
const Column OwnerStart = column("owner_start", "INTEGER NOT NULL DEFAULT 0");
// The regression gate's outcome on the run when it ran with --baseline (gateOutcomeName: "pass", "fail", "not
// comparable"), '' when it was not gated; added in schema 7. The run-to-run noise leaves out the runs that failed.
const Column Gate = column("gate", "TEXT NOT NULL DEFAULT ''");
// The columns added after schema 2, as Samples::laterColumns.
QList<Column> laterColumns()
{
    return { Gate };
}
const Table table { name,
    QList<Column> { Id, Created, Name, Note, Status, Kernel, Inputs, Backends, Workers, Spec, Env, TaskCosts,
        ExtraWarnings, Stated, Runtimes, ReferenceChecksum, Error, CompletedRuns, PlannedRuns, Finished, Version,
        Source, OwnerHost, OwnerBoot, OwnerPid, OwnerStart }
        + laterColumns(),
    {}, {} };
} // namespace Runs

namespace Measurements {
const QString name = QStringLiteral("measurements");
const Column Id = column("id", "INTEGER PRIMARY KEY");
const Column RunId { QStringLiteral("run_id"),
    QStringLiteral("INTEGER NOT NULL REFERENCES %1(%2) ON DELETE CASCADE").arg(Runs::name, Runs::Id.name) };
const Column Position = column("position", "INTEGER NOT NULL"); // in the run's plan
const Column Backend = column("backend", "TEXT NOT NULL");
const Column Workers = column("workers", "INTEGER NOT NULL");
const Column Checksum = column("checksum", "INTEGER NOT NULL DEFAULT 0"); // of the latest repeat's tasks
const Column FailedRuns = column("failed_runs", "INTEGER NOT NULL DEFAULT 0");
const Column LastError = column("last_error", "TEXT NOT NULL DEFAULT ''");
const Column Spans = column("spans", "BLOB"); // the latest repeat's tasks
const Column States = column("states", "BLOB"); // the latest repeat's lock states (gil-threads)
const Table table { name, { Id, RunId, Position, Backend, Workers, Checksum, FailedRuns, LastError, Spans, States },
    QStringLiteral("UNIQUE (%1, %2, %3)").arg(RunId.name, Backend.name, Workers.name), {} };
} // namespace Measurements

namespace Samples {
const QString name = QStringLiteral("samples");
const Column MeasurementId { QStringLiteral("measurement_id"),
    QStringLiteral("INTEGER NOT NULL REFERENCES %1(%2) ON DELETE CASCADE")
        .arg(Measurements::name, Measurements::Id.name) };
const Column Repeat = column("repeat", "INTEGER NOT NULL");
const Column Wall = column("wall_s", "REAL NOT NULL");
const Column Cpu = column("cpu_s", "REAL"); // user + system, children included
const Column Launch = column("launch_s", "REAL"); // start-up before the first task, where a backend reports it
const Column Switches = column("switches", "INTEGER"); // lock hand-overs (gil-threads)
// Where the repeat's worker-seconds went (RepeatAccount), added in schema 3: null in older rows.
const QList<std::pair<Column, double RepeatAccount::*>> accounts {
    { column("startup_s", "REAL"), &RepeatAccount::startupS },
    { column("dispatch_s", "REAL"), &RepeatAccount::dispatchS },
    { column("tail_s", "REAL"), &RepeatAccount::tailS },
    { column("task_s", "REAL"), &RepeatAccount::taskS },
    { column("task_cpu_s", "REAL"), &RepeatAccount::taskCpuS },
    { column("task_wait_s", "REAL"), &RepeatAccount::taskWaitS },
    { column("lock_wait_s", "REAL"), &RepeatAccount::lockWaitS },
    { column("lock_idle_s", "REAL"), &RepeatAccount::lockIdleS },
    { column("startup_serial_s", "REAL"), &RepeatAccount::startupSerialS },
    { column("dispatch_serial_s", "REAL"), &RepeatAccount::dispatchSerialS },
    { column("started_away", "REAL"), &RepeatAccount::startedAway },
};
// The repeat's memory and context switches (JsonExport::usageObject's JSON), added in schema 5: null in older rows.
const Column Usage = column("usage", "TEXT");
// The columns added after schema 2 (the accounts, then Usage): a migration adds each one a file lacks, and an older
// file opened read-only reads without them.
QList<Column> laterColumns()
{
    QList<Column> columns;
    for (const auto& [c, member] : accounts)
        columns.append(c);
    columns.append(Usage);
    return columns;
}
const Table table { name, QList<Column> { MeasurementId, Repeat, Wall, Cpu, Launch, Switches } + laterColumns(),
    QStringLiteral("PRIMARY KEY (%1, %2)").arg(MeasurementId.name, Repeat.name), QStringLiteral("WITHOUT ROWID") };
} // namespace Samples

// In creation order: each table refers only to those before it.
const QList<const Table*> kSchema { &Runs::table, &Measurements::table, &Samples::table };

QStringList namesOf(const QList<Column>& columns)
{
    QStringList names;
    for (const Column& c : columns)
        names.append(c.name);
    return names;
}

QString createStatement(const Table& table)
{
    QStringList parts;
    for (const Column& c : table.columns)
        parts.append(c.name + QLatin1Char(' ') + c.definition);
    if (!table.constraints.isEmpty())
        parts.append(table.constraints);
    return QStringLiteral("CREATE TABLE %1 (%2) %3").arg(table.name, parts.join(QStringLiteral(", ")), table.options);
}

QString selectStatement(const Table& table, const QList<Column>& columns, const QString& rest = {})
{
    return QStringLiteral("SELECT %1 FROM %2 %3").arg(namesOf(columns).join(QStringLiteral(", ")), table.name, rest);
}

// "name = :name", for WHERE and SET clauses.
QString equals(const Column& c)
{
    return c.name + QStringLiteral(" = ") + c.placeholder();
}

// Values of some columns of one row, bound by name.
using Row = QList<std::pair<Column, QVariant>>;

QList<Column> columnsOf(const Row& row)
{
    QList<Column> columns;
    for (const auto& [c, value] : row)
        columns.append(c);
    return columns;
}

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

double jsonNumber(const QJsonValue& value)
{
    return value.isDouble() ? value.toDouble() : kUnknown;
}

QJsonArray numbersJson(const QList<double>& values)
{
    QJsonArray array;
    for (double v : values)
        array.append(JsonExport::number(v));
    return array;
}

QList<double> numbersFrom(const QJsonValue& value)
{
    QList<double> values;
    for (const auto& v : value.toArray())
        values.append(jsonNumber(v));
    return values;
}

QString toJsonText(const QJsonObject& object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

QString toJsonText(const QJsonArray& array)
{
    return QString::fromUtf8(QJsonDocument(array).toJson(QJsonDocument::Compact));
}

QJsonObject objectFrom(const QVariant& text)
{
    return QJsonDocument::fromJson(text.toString().toUtf8()).object();
}

QJsonArray arrayFrom(const QVariant& text)
{
    return QJsonDocument::fromJson(text.toString().toUtf8()).array();
}

// NULL when the run has none (it never ran its bounds' backend, or it was imported).
QVariant taskCostsJson(const QList<double>& costs)
{
    if (costs.isEmpty())
        return QVariant(QMetaType(QMetaType::QString));
    return toJsonText(numbersJson(costs));
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
        // Differences of stored inputs may not fit in 64 bits (-2^63, 2^63-1): such a pair starts no run.
        const auto difference = [&inputs](qsizetype at, qint64* step) {
            return !__builtin_sub_overflow(inputs[at + 1], inputs[at], step)
                && *step != std::numeric_limits<qint64>::min();
        };
        qint64 step = 0;
        if (i + 2 < inputs.size() && difference(i, &step)) {
            j = i + 1;
            // A value that repeats right after is left to its NxK group: 20,19,18,17,17,17 -> 20..18,17x3.
            qint64 next = 0;
            while (j + 1 < inputs.size() && difference(j, &next) && next == step
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
// PLS2 added each task's CPU time and run-queue delay; PLS1 blobs (older runs) read with both -1, not measured.
// PLS3 added the clock uncertainty of tasks timed on another machine (0 in older blobs: one clock); PLS4 the CPU
// each task ended on and its core (-1 in older blobs: not known).
constexpr quint32 kSpansMagicV1 = 0x504c5331; // "PLS1"
constexpr quint32 kSpansMagicV2 = 0x504c5332; // "PLS2"
constexpr quint32 kSpansMagicV3 = 0x504c5333; // "PLS3"
constexpr quint32 kSpansMagic = 0x504c5334; // "PLS4"
constexpr quint32 kStatesMagic = 0x504c4c31; // "PLL1"

// The framing both blobs share: magic, count, the records, compressed. A blob with a magic its reader does not
// know, or one cut short, reads as no records.
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

// `read(in, magic)` reads one record of the format `magic` names; `knows(magic)` says which it can.
template<typename T, typename Knows, typename Read> QList<T> decodeBlob(const QByteArray& blob, Knows knows, Read read)
{
    QList<T> records;
    if (blob.isEmpty())
        return records;
    QDataStream in(qUncompress(blob));
    in.setVersion(QDataStream::Qt_6_4);
    quint32 stored = 0, count = 0;
    in >> stored >> count;
    if (!knows(stored))
        return records;
    records.reserve(count);
    for (quint32 i = 0; i < count && in.status() == QDataStream::Ok; ++i)
        records.append(read(in, stored));
    if (in.status() != QDataStream::Ok)
        records.clear();
    return records;
}

QByteArray spansBlob(const QList<TaskSpan>& spans)
{
    return encodeBlob(kSpansMagic, spans, [](QDataStream& out, const TaskSpan& s) {
        out << s.input << qint32(s.index) << qint32(s.worker) << s.pid << s.host << s.startNs << s.endNs << s.checksum
            << s.cpuNs << s.waitNs << s.clockUncertaintyNs << qint32(s.cpu) << qint32(s.core);
    });
}

QList<TaskSpan> spansFrom(const QByteArray& blob)
{
    return decodeBlob<TaskSpan>(
        blob,
        [](quint32 magic) {
            return magic == kSpansMagic || magic == kSpansMagicV3 || magic == kSpansMagicV2 || magic == kSpansMagicV1;
        },
        [](QDataStream& in, quint32 magic) {
            TaskSpan s;
            qint32 index = 0, worker = 0, cpu = -1, core = -1;
            in >> s.input >> index >> worker >> s.pid >> s.host >> s.startNs >> s.endNs >> s.checksum;
            if (magic != kSpansMagicV1)
                in >> s.cpuNs >> s.waitNs;
            if (magic == kSpansMagic || magic == kSpansMagicV3)
                in >> s.clockUncertaintyNs;
            if (magic == kSpansMagic)
                in >> cpu >> core;
            s.index = index;
            s.worker = worker;
            s.cpu = cpu;
            s.core = core;
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
    return decodeBlob<StateSpan>(
        blob, [](quint32 magic) { return magic == kStatesMagic; },
        [](QDataStream& in, quint32) {
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

// SQLite's primary result codes that ParLab treats apart (the low byte of an extended code).
enum SqliteCode {
    SqliteBusy = 5,
    SqliteLocked = 6,
    SqliteReadOnly = 8,
    SqliteCorrupt = 11,
    SqliteFull = 13,
    SqliteCantOpen = 14,
    SqliteNotADb = 26
};

int primaryCode(const QSqlError& error)
{
    return error.nativeErrorCode().toInt() & 0xff;
}

// Thrown inside a transaction (by the helpers below, several calls deep) and turned into a Result where the
// transaction is rolled back. Exceptions, not Results, inside: a failure unwinds from any depth of the helpers
// to the one place that rolls back (attempt()); none crosses the public API.
struct SqlFailure {
    QString message;
    int code = 0; // SQLite's primary result code, 0 when the failure is ParLab's own

    // Another connection holds the lock: worth trying again (Backoff), as nothing is wrong with the file.
    bool busy() const { return code == SqliteBusy || code == SqliteLocked; }
};

SqlFailure sqlFailure(const QSqlError& error)
{
    return SqlFailure { sqlMessage(error), primaryCode(error) };
}

// Waits between tries of a transaction that another process keeps locked past SQLite's own busy timeout: many
// ParLab processes (a lab, a script running experiments in parallel, the window and the CLI) write to one
// history, and a run must not be lost for a lock that is held a few seconds. Exponential with jitter, so
// writers that collided do not collide again in step.
class Backoff final {
public:
    static constexpr int kPatienceMs = 60'000; // then the failure stands (and the run goes to a recovery file)

    // False once the patience is spent; else sleeps a while and returns true.
    bool wait()
    {
        if (m_deadline.hasExpired())
            return false;
        const qint64 jitter = QRandomGenerator::global()->bounded(m_delayMs / 2 + 1);
        QThread::msleep(std::min<qint64>(m_delayMs + jitter, std::max<qint64>(m_deadline.remainingTime(), 1)));
        m_delayMs = std::min(m_delayMs * 2, 400);
        return true;
    }

private:
    QDeadlineTimer m_deadline { kPatienceMs };
    int m_delayMs = 5;
};

// A stored value that JsonImport's reader rejects: the row was damaged after it was written.
template<typename T> T storedOrThrow(Result<T> value, const QString& column)
{
    if (!value)
        throw SqlFailure { QStringLiteral("its stored %1 is damaged: %2").arg(column, value.error()) };
    return std::move(value).value();
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
            throw sqlFailure(q.lastError());
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
            throw sqlFailure(q.lastError());
        m_done = true;
    }

private:
    QSqlDatabase m_db;
    bool m_done = false;
};

QSqlQuery prepare(const QSqlDatabase& db, const QString& sql)
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    if (!q.prepare(sql))
        throw sqlFailure(q.lastError());
    return q;
}

void execute(QSqlQuery& q, const Row& values)
{
    for (const auto& [c, value] : values)
        q.bindValue(c.placeholder(), value);
    if (!q.exec())
        throw sqlFailure(q.lastError());
}

// Prepares and runs `sql` with `values` bound to their columns' placeholders; throws with SQLite's message.
QSqlQuery run(const QSqlDatabase& db, const QString& sql, const Row& values = {})
{
    QSqlQuery q = prepare(db, sql);
    execute(q, values);
    return q;
}

QString insertStatement(const Table& table, const QList<Column>& columns)
{
    QStringList placeholders;
    for (const Column& c : columns)
        placeholders.append(c.placeholder());
    return QStringLiteral("INSERT INTO %1 (%2) VALUES (%3)")
        .arg(table.name, namesOf(columns).join(QStringLiteral(", ")), placeholders.join(QStringLiteral(", ")));
}

// Inserts one row of `values`; returns its id.
qint64 insertRow(const QSqlDatabase& db, const Table& table, const Row& values)
{
    return run(db, insertStatement(table, columnsOf(values)), values).lastInsertId().toLongLong();
}

// Sets `values` in the row whose `key` column is `keyValue`; returns how many rows changed.
int updateRow(
    const QSqlDatabase& db, const Table& table, const Row& values, const Column& key, const QVariant& keyValue)
{
    QStringList assignments;
    for (const auto& [c, value] : values)
        assignments.append(equals(c));
    Row bound = values;
    bound.append({ key, keyValue });
    return run(db,
        QStringLiteral("UPDATE %1 SET %2 WHERE %3")
            .arg(table.name, assignments.join(QStringLiteral(", ")), equals(key)),
        bound)
        .numRowsAffected();
}

// The schema version of the file; a newer one than this build writes is refused (the file is not damaged: a
// newer ParLab reads it).
int knownVersion(const QSqlDatabase& db)
{
    QSqlQuery q = run(db, QStringLiteral("PRAGMA user_version"));
    const int version = q.next() ? q.value(0).toInt() : 0;
    if (version > kSchemaVersion)
        throw SqlFailure { QStringLiteral("it was written by a newer ParLab (schema %1; this one knows up to %2); use "
                                          "that version, or another file with --history-db")
                               .arg(version)
                               .arg(kSchemaVersion) };
    return version;
}

// Every column added after schema 2, with its table: a migration adds those a file lacks.
QList<std::pair<QString, Column>> allLaterColumns()
{
    QList<std::pair<QString, Column>> columns;
    for (const Column& c : Runs::laterColumns())
        columns.append({ Runs::name, c });
    for (const Column& c : Samples::laterColumns())
        columns.append({ Samples::name, c });
    return columns;
}

// "samples.usage", "runs.gate": a later column's name in storedLater (two tables may one day share a name).
QString qualified(const QString& table, const Column& c)
{
    return table + QLatin1Char('.') + c.name;
}

QStringList allLaterColumnNames()
{
    QStringList names;
    for (const auto& [table, c] : allLaterColumns())
        names.append(qualified(table, c));
    return names;
}

// The later columns (allLaterColumns(), qualified) the file's tables have.
QStringList laterColumnsIn(const QSqlDatabase& db)
{
    QStringList names;
    for (const auto& [table, c] : allLaterColumns()) {
        QSqlQuery q
            = run(db, QStringLiteral("SELECT 1 FROM pragma_table_info('%1') WHERE name = '%2'").arg(table, c.name));
        if (q.next())
            names.append(qualified(table, c));
    }
    return names;
}

bool isCorruption(const QSqlError& error)
{
    // A locked or busy database is not damaged.
    const int code = primaryCode(error);
    return code == SqliteCorrupt || code == SqliteNotADb;
}

// SQLite's own wait for a lock, per statement; Backoff tries again beyond it.
constexpr int kBusyTimeoutMs = 2000;

// What a file's first bytes say it is, read before SQLite touches it.
struct FileHeader {
    qint64 size = 0; // bytes of it read (at most 100): 0 when there is no file, or it is empty
    bool sqlite = false; // starts with SQLite's magic string
    int userVersion = 0; // PRAGMA user_version, from the header: readable even when the rest is damaged
};

Result<FileHeader> readHeader(const QString& path)
{
    FileHeader header;
    QFile file(path);
    if (!file.exists())
        return header;
    if (!file.open(QIODevice::ReadOnly))
        return fail(QStringLiteral("cannot read the run history '%1': %2").arg(path, file.errorString()));
    // The size is what was there when the header was read: another process may be creating the file meanwhile
    // (SQLite makes it empty, then writes its first page), and a size taken after the read saw an empty read of a
    // file that had since grown as "not an SQLite database" (1 of 370 concurrent runs under UBSan's slower start).
    // A read that ends inside the magic is such a file being written.
    const QByteArray head = file.read(100);
    header.size = head.size();
    static const QByteArray magic("SQLite format 3\0", 16);
    header.sqlite = head.startsWith(magic) || (head.size() < magic.size() && magic.startsWith(head));
    if (header.sqlite && head.size() >= 64)
        header.userVersion = qFromBigEndian<qint32>(head.constData() + 60);
    return header;
}

// A file whose header carries a schema version ParLab wrote: a run history, even when damaged.
bool ours(int userVersion)
{
    return userVersion >= 1 && userVersion <= kSchemaVersion;
}

QString notOurs(const QString& damage, int userVersion)
{
    return QStringLiteral("it is a damaged SQLite database (%1) and not recognisably a ParLab run history (schema "
                          "version %2), so it was left as it is")
        .arg(damage)
        .arg(userVersion);
}

QString foreign(const QStringList& tables)
{
    return QStringLiteral("it is an SQLite database of another program (tables %1, no ParLab schema version), so it "
                          "was left as it is")
        .arg(tables.join(QStringLiteral(", ")));
}

// Nothing when SQLite's quick_check passes, else the first damage it found; throws for what is not damage (a
// lock).
Result<void> checkIntact(const QSqlDatabase& db)
{
    QSqlQuery check(db);
    if (!check.exec(QStringLiteral("PRAGMA quick_check"))) {
        if (isCorruption(check.lastError()))
            return parlab::fail(sqlMessage(check.lastError()));
        throw sqlFailure(check.lastError());
    }
    if (check.next() && check.value(0).toString() != QStringLiteral("ok"))
        return parlab::fail(check.value(0).toString());
    return {};
}

QStringList tablesOf(const QSqlDatabase& db)
{
    QStringList tables;
    QSqlQuery q = run(db,
        QStringLiteral(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"));
    while (q.next())
        tables.append(q.value(0).toString());
    return tables;
}

// The schema version and, when it is 0, the tables, read in one snapshot: a file another process is giving its schema
// (tables and version in one transaction) reads as before or after that, never as tables without a version, which
// two separate reads could see (one run in 40 parallel ones was refused as "another program's database").
std::pair<int, QStringList> versionAndTables(const QSqlDatabase& db)
{
    run(db, QStringLiteral("BEGIN")); // deferred: one read snapshot from the first read to the end
    try {
        const int version = knownVersion(db);
        QStringList tables = version == 0 ? tablesOf(db) : QStringList();
        run(db, QStringLiteral("COMMIT"));
        return { version, tables };
    } catch (...) {
        QSqlQuery(db).exec(QStringLiteral("ROLLBACK"));
        throw;
    }
}

// A run as stored: what it measured, and nothing derived from that yet.
struct StoredRun {
    RunResult result; // spec, environment, counts, task costs, samples, spans, states; no figure
    RunStatus status = RunStatus::Finished;
    qint64 ownerPid = 0;
    QStringList extraWarnings;
    QJsonObject stated;
};

// Unknown in JSON: null, or an array or object of nulls (a confidence interval, the losses, without data).
bool unknownJson(const QJsonValue& value)
{
    if (value.isArray()) {
        const QJsonArray array = value.toArray();
        return std::all_of(array.begin(), array.end(), [](const QJsonValue& v) { return v.isNull(); });
    }
    if (value.isObject()) { // a group of figures (losses): unknown when every one is
        const QJsonObject object = value.toObject();
        return std::all_of(object.begin(), object.end(), [](const QJsonValue& v) { return v.isNull(); });
    }
    return value.isNull() || value.isUndefined();
}

// What an imported file states that its own data cannot give (see Runs::Stated), applied where analyse() had
// nothing to derive a figure from. Figures go through the export's own writer and reader, so the store names
// none of them: a figure added to the export is kept for imported runs with no change here.
void applyStated(RunResult& result, const QJsonObject& stated)
{
    const QJsonObject results = stated.value(QStringLiteral("results")).toObject();
    for (Measurement& m : result.measurements) {
        const QJsonObject given = results.value(m.label()).toObject();
        if (given.isEmpty())
            continue;
        QJsonObject merged = JsonExport::measurementObject(m);
        for (auto it = given.begin(); it != given.end(); ++it) {
            if (unknownJson(merged.value(it.key())))
                merged.insert(it.key(), it.value());
        }
        if (Result<Measurement> read = JsonImport::measurementFromObject(merged, m))
            m = std::move(read).value();
    }
    if (stated.contains(QStringLiteral("bounds")) && !std::isfinite(result.bounds.critical)) {
        if (const Result<Bounds> bounds
            = JsonImport::boundsFromObject(stated.value(QStringLiteral("bounds")).toObject())) {
            result.bounds.critical = bounds->critical;
            result.bounds.lpt = bounds->lpt;
        }
    }
}

// Every figure of a stored run, derived from what it measured by analyse(): the same code, on the same
// inputs, as the run that recorded it, for finished and unfinished runs alike.
RunResult figuresOf(StoredRun stored)
{
    RunResult& r = stored.result;
    if (stored.status == RunStatus::Running || stored.status == RunStatus::Interrupted) {
        // The completed count and the task costs are stored when a run ends; until then they follow from what
        // was appended. Warm-up rounds come first and record nothing, so a sample means they all ran.
        // In 64 bits: the counts are read from the file, where any value may stand.
        qint64 measured = 0;
        bool sampled = false;
        for (const Measurement& m : std::as_const(r.measurements)) {
            measured += qint64(m.samplesS.size()) + std::max(m.failedRuns, 0);
            sampled = sampled || !m.samplesS.isEmpty();
        }
        const qint64 rounds = qint64(r.spec.warmup) + r.spec.repeats;
        const qint64 warmups = sampled && rounds > 0 ? qint64(r.plannedRuns) * r.spec.warmup / rounds : 0;
        r.completedRuns
            = int(std::clamp<qint64>(std::min(warmups + measured, std::max<qint64>(r.plannedRuns, measured)), 0,
                std::numeric_limits<int>::max()));
        // The runner takes the median of every sequential round; only the latest round's spans are stored.
        if (const Measurement* sequential = r.find(QStringLiteral("sequential"), 1);
            sequential && r.bounds.taskCostsS.isEmpty() && !sequential->spans.isEmpty()) {
            QList<double> costs(r.spec.inputs.size(), kUnknown);
            for (const TaskSpan& s : sequential->spans) {
                if (s.index >= 0 && s.index < costs.size())
                    costs[s.index] = s.seconds();
            }
            if (std::all_of(costs.cbegin(), costs.cend(), [](double c) { return std::isfinite(c); }))
                r.bounds.taskCostsS = costs;
        }
    }
    analyse(r);
    applyStated(r, stored.stated);
    for (const QString& w : std::as_const(stored.extraWarnings)) {
        if (!r.warnings.contains(w))
            r.warnings.append(w);
    }
    if (stored.status == RunStatus::Interrupted) {
        r.error = QStringLiteral("interrupted: the process that recorded this run (pid %1) ended before it finished, "
                                 "after %2 of %3 runs (warm-up rounds included); every repeat it measured was saved")
                      .arg(stored.ownerPid)
                      .arg(r.completedRuns)
                      .arg(r.plannedRuns);
    }
    return std::move(stored.result);
}

// What a run's figures, as a user was shown them, state beyond what analyse() derives from the run's data:
// the warnings it does not raise and the figures it has no data for. Empty for a run recorded here.
struct Beyond {
    QStringList warnings;
    QJsonObject stated;
};

// `analysed`, when given, is analyse() of `shown`'s data already done (an import's): taken instead of a second
// analysis when it covers the same measurements (a file with combinations its run never reached, which are not
// stored, is analysed again without them).
Beyond beyondAnalysis(const RunResult& shown, const RunResult* analysed = nullptr)
{
    RunResult derived;
    if (analysed && analysed->measurements.size() == shown.measurements.size()) {
        derived = *analysed;
    } else {
        derived = shown;
        analyse(derived); // with intervals: a confidence interval the samples give is not "beyond"
    }
    Beyond beyond;
    for (const QString& w : shown.warnings) {
        if (!derived.warnings.contains(w) && !isEarlierWording(w))
            beyond.warnings.append(w);
    }
    QJsonObject results; // by measurement: the figures shown that analyse() leaves unknown
    for (qsizetype i = 0; i < shown.measurements.size(); ++i) {
        const QJsonObject has = JsonExport::measurementObject(derived.measurements[i]);
        const QJsonObject was = JsonExport::measurementObject(shown.measurements[i]);
        QJsonObject only;
        for (auto it = was.begin(); it != was.end(); ++it) {
            if (unknownJson(has.value(it.key())) && !unknownJson(it.value()))
                only.insert(it.key(), it.value());
        }
        if (!only.isEmpty())
            results.insert(shown.measurements[i].label(), only);
    }
    if (!results.isEmpty())
        beyond.stated.insert(QStringLiteral("results"), results);
    if (!std::isfinite(derived.bounds.critical) && std::isfinite(shown.bounds.critical))
        beyond.stated.insert(QStringLiteral("bounds"), JsonExport::boundsObject(shown.bounds));
    return beyond;
}

// Runs `body`, which throws SqlFailure on a database error, and returns its value or why it failed; `code`
// (when given) gets the failure's SQLite code.
template<typename Body> auto attempt(Body body, int* code = nullptr) -> Result<decltype(body())>
{
    try {
        if constexpr (std::is_void_v<decltype(body())>) {
            body();
            return {};
        } else {
            return body();
        }
    } catch (const SqlFailure& e) {
        if (code)
            *code = e.code;
        return fail(e.message);
    }
}

// attempt(), tried again with Backoff while another connection holds the lock.
template<typename Body> auto patiently(Body body, int* code = nullptr) -> Result<decltype(body())>
{
    Backoff backoff;
    while (true) {
        int failure = 0;
        auto result = attempt(body, &failure);
        if (result || (failure != SqliteBusy && failure != SqliteLocked) || !backoff.wait()) {
            if (code)
                *code = failure;
            if (!result && (failure == SqliteBusy || failure == SqliteLocked))
                return fail(QStringLiteral("%1 (another process held the lock for over %2 s)")
                                .arg(result.error())
                                .arg(Backoff::kPatienceMs / 1000));
            return result;
        }
    }
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

QString RunSummary::statusText() const
{
    return gate.isEmpty() ? runStatusName(status) : QStringLiteral("%1, gate %2").arg(runStatusName(status), gate);
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
    QString openError; // why the last open() failed
    bool open = false;
    bool readOnly = false;
    QThread* thread = nullptr;
    QList<qint64> unfinished; // runs this store began and has not finished
    QSet<qint64> deadRuns; // read-only: runs stored as running whose process is gone (reported as interrupted)

    QSqlDatabase db() const { return QSqlDatabase::database(connection, false); }

    Error fail(const QString& what, const QString& why) const
    {
        return parlab::fail(QStringLiteral("history database '%1': %2: %3").arg(path, what, why));
    }
    // Open, and used from the thread that opened it (asserted); else why not.
    Result<void> ready() const
    {
        if (!open) {
            if (!openError.isEmpty())
                return parlab::fail(openError);
            return parlab::fail(path.isEmpty() ? QStringLiteral("the run history is not open")
                                               : QStringLiteral("the run history '%1' is not open").arg(path));
        }
        Q_ASSERT(QThread::currentThread() == thread);
        return {};
    }
    // Runs `body` (which throws SqlFailure) on an open store; a failure reads "history database '...': <what>:
    // <why>".
    // Tried again while another process holds the lock (patiently()).
    template<typename Body> auto perform(const QString& what, Body body) -> Result<decltype(body())>
    {
        if (const Result<void> usable = ready(); !usable)
            return parlab::fail(usable.error());
        auto result = patiently(body);
        if (!result)
            return fail(what, result.error());
        return result;
    }
    // perform() for what changes the file: refused on a store opened read-only.
    template<typename Body> auto change(const QString& what, Body body) -> Result<decltype(body())>
    {
        if (open && readOnly)
            return fail(what, QStringLiteral("it was opened read-only"));
        return perform(what, body);
    }

    Result<void> openAt(HistoryStore::Access access); // opens `path`
    Result<void> connect(const QString& name, const QString& options);
    void disconnect();
    Result<void> openReadOnly(int userVersion);
    Result<void> openEmpty();
    Result<void> openReadWrite(int userVersion);
    Result<QString> moveAside(const struct stat* checked);
    void importRecoveries();
    // Room for a recovery file, set aside as a run begins (reserve) and given back once it is stored (release).
    QString reservation;
    QString recoveryBase() const; // "<folder>/<file>.unsaved-<time>-<pid>"
    void reserve();
    void release();
    Result<qint64> importRecovery(const QString& claimed, const QString& file);
    // These throw SqlFailure; the public methods run them through attempt() inside a transaction.
    void prepareSchema(const QSqlDatabase& db);
    void migrateFrom1(const QSqlDatabase& db);
    void addLaterColumns(const QSqlDatabase& db);
    // The later columns the open file's samples have: all of them once it is at the current schema; fewer in an
    // older file opened read-only, whose missing ones read as unknown.
    QStringList storedLater = allLaterColumnNames(); // their qualified names
    void markInterrupted(const QList<qint64>& ids);
    void refreshInterrupted(qint64 onlyRun = -1);
    qint64 insertRun(const ExperimentSpec& spec, const Environment& env, const QDateTime& created, RunStatus status,
        const QString& source, bool owned);
    void upsertMeasurement(qint64 runId, int position, const Measurement& m);
    // `analysed`: see beyondAnalysis().
    void storeEnd(qint64 runId, const RunResult& result, RunStatus status, const RunResult* analysed = nullptr);
    qint64 importRun(
        const RunResult& result, const QString& source, const RunResult* analysed = nullptr, const QString& gate = {});
    StoredRun readRun(qint64 runId);
    QList<RunSummary> readSummaries(qint64 onlyRun = -1);
};

// Creates the current schema in an empty database, or brings an older one up to it; all in one transaction
// with the version bump, so a failure leaves the file as it was. Foreign keys are off meanwhile (set by the
// caller: SQLite ignores that pragma inside a transaction), as a migration swaps whole tables.
void HistoryStore::Private::prepareSchema(const QSqlDatabase& db)
{
    {
        // Read under the write lock: two processes opening a new file at once must not both create the schema.
        // A failure here also shows a location we cannot write (BEGIN IMMEDIATE needs the write lock).
        Transaction transaction(db);
        const int version = knownVersion(db);
        if (version == kSchemaVersion)
            return;
        if (version == 0) {
            for (const Table* table : kSchema)
                run(db, createStatement(*table));
        } else {
            try {
                if (version == 1)
                    migrateFrom1(db);
                else
                    addLaterColumns(db);
            } catch (const SqlFailure& e) {
                throw SqlFailure { QStringLiteral("it could not be updated from schema %1 to %2, so it was left as it "
                                                  "was: %3")
                                       .arg(version)
                                       .arg(kSchemaVersion)
                                       .arg(e.message) };
            }
        }
        run(db, QStringLiteral("PRAGMA user_version = %1").arg(kSchemaVersion));
        transaction.commit();
    }
}

// Schemas 3 and 4 add where each repeat's worker-seconds went (Samples::accounts: 3 the first seven, 4 the lock
// waits outside tasks), 5 its memory and switches (Samples::Usage), 6 the dispatcher's serial part of start-up and
// hand-out (the next two accounts), unknown for the repeats before them; 7 a run's gate outcome (Runs::Gate), none
// for the runs before it; 8 how many workers started on another CPU than their starter's (the last account),
// unknown before it: each missing column is added, nothing else moves.
void HistoryStore::Private::addLaterColumns(const QSqlDatabase& db)
{
    const QStringList present = laterColumnsIn(db);
    for (const auto& [table, c] : allLaterColumns()) {
        if (!present.contains(qualified(table, c)))
            run(db, QStringLiteral("ALTER TABLE %1 ADD COLUMN %2 %3").arg(table, c.name, c.definition));
    }
}

// Schema 1 (ParLab 0.1) stored every derived figure beside the samples, so a finished run showed figures that
// a later analysis could not change. Its tables step aside, schema 2 is made as for a new file, and every row
// moves over with what it measured; the figures are derived on load from then on. What a schema-1 run showed
// that its data cannot give (an imported file's own warnings, CPU medians and bounds) is kept as stated. The
// schema-1 column names below are that schema's, frozen: they are not the Column constants.
void HistoryStore::Private::migrateFrom1(const QSqlDatabase& db)
{
    for (const Table* table : kSchema)
        run(db, QStringLiteral("ALTER TABLE %1 RENAME TO %1_v1").arg(table->name));
    for (const Table* table : kSchema)
        run(db, createStatement(*table));
    // Every later column was a schema-1 column of the same name and meaning, but for three of runs and the
    // accounts of samples.
    const QList<Column> added = QList<Column> { Runs::TaskCosts, Runs::ExtraWarnings, Runs::Stated }
        + Runs::laterColumns() + Samples::laterColumns();
    for (const Table* table : kSchema) {
        QList<Column> kept = table->columns;
        kept.removeIf([&added](const Column& c) { return added.contains(c); });
        run(db,
            QStringLiteral("INSERT INTO %1 (%2) SELECT %2 FROM %1_v1")
                .arg(table->name, namesOf(kept).join(QStringLiteral(", "))));
    }
    // AUTOINCREMENT's high-water mark moves too, so the id of a deleted run is not handed out again.
    run(db, QStringLiteral("DELETE FROM sqlite_sequence WHERE name = '%1'").arg(Runs::name));
    run(db,
        QStringLiteral("INSERT INTO sqlite_sequence (name, seq) SELECT '%1', seq FROM sqlite_sequence WHERE name = "
                       "'%1_v1'")
            .arg(Runs::name));

    struct OldRun {
        qint64 id;
        QString status;
        QString warnings;
        QString bounds;
    };
    QList<OldRun> old;
    {
        QSqlQuery q = run(db, QStringLiteral("SELECT id, status, warnings, bounds FROM runs_v1"));
        while (q.next())
            old.append(
                { q.value(0).toLongLong(), q.value(1).toString(), q.value(2).toString(), q.value(3).toString() });
    }
    QSqlQuery cpuMedians = prepare(db,
        QStringLiteral("SELECT backend, workers, cpu_median_s FROM measurements_v1 WHERE run_id = ")
            + Runs::Id.placeholder());
    for (const OldRun& o : std::as_const(old)) {
        const QJsonObject bounds = objectFrom(o.bounds);
        QList<double> costs;
        for (const auto& v : bounds.value(QStringLiteral("task_costs_s")).toArray())
            costs.append(jsonNumber(v));
        updateRow(db, Runs::table, { { Runs::TaskCosts, taskCostsJson(costs) } }, Runs::Id, o.id);
        // Schema 1 stored the figures of a run that ended; one that never did showed figures derived on load.
        const auto status = runStatusFromName(o.status);
        if (status == RunStatus::Running || status == RunStatus::Interrupted)
            continue;
        StoredRun stored;
        try {
            stored = readRun(o.id);
        } catch (const SqlFailure&) {
            // A row damaged since it was written moves over as it is: it fails to load as it did before.
            updateRow(db, Runs::table, { { Runs::ExtraWarnings, o.warnings } }, Runs::Id, o.id);
            continue;
        }
        RunResult shown = stored.result;
        shown.warnings.clear();
        for (const auto& w : QJsonDocument::fromJson(o.warnings.toUtf8()).array())
            shown.warnings.append(w.toString());
        if (const Result<Bounds> stated = JsonImport::boundsFromObject(bounds)) {
            shown.bounds.critical = stated->critical;
            shown.bounds.lpt = stated->lpt;
        }
        execute(cpuMedians, { { Runs::Id, o.id } });
        while (cpuMedians.next()) {
            for (Measurement& m : shown.measurements) {
                if (m.backend == cpuMedians.value(0).toString() && m.workers == cpuMedians.value(1).toInt())
                    m.cpuMedianS = cpuMedians.value(2).isNull() ? kUnknown : cpuMedians.value(2).toDouble();
            }
        }
        const Beyond beyond = beyondAnalysis(shown);
        updateRow(db, Runs::table,
            { { Runs::ExtraWarnings, toJsonText(QJsonArray::fromStringList(beyond.warnings)) },
                { Runs::Stated,
                    beyond.stated.isEmpty() ? QVariant(QMetaType(QMetaType::QString)) : toJsonText(beyond.stated) } },
            Runs::Id, o.id);
    }
    cpuMedians.finish();
    for (auto it = kSchema.crbegin(); it != kSchema.crend(); ++it)
        run(db, QStringLiteral("DROP TABLE %1_v1").arg((*it)->name));
    // Foreign keys were off while the tables were swapped: every reference must still hold.
    QSqlQuery check = run(db, QStringLiteral("PRAGMA foreign_key_check"));
    if (check.next())
        throw SqlFailure { QStringLiteral("row %1 of %2 refers to a missing row of %3")
                               .arg(check.value(1).toString(), check.value(0).toString(), check.value(2).toString()) };
}

void HistoryStore::Private::markInterrupted(const QList<qint64>& ids)
{
    for (qint64 id : ids) {
        try {
            run(db(),
                QStringLiteral("UPDATE %1 SET %2 = '%3' WHERE %4 AND %2 = '%5'")
                    .arg(Runs::name, Runs::Status.name, runStatusName(RunStatus::Interrupted), equals(Runs::Id),
                        runStatusName(RunStatus::Running)),
                { { Runs::Id, id } });
        } catch (const SqlFailure&) {
            // Read-only access or a lock held elsewhere: the run still reads as interrupted next time.
        }
    }
}

void HistoryStore::Private::refreshInterrupted(qint64 onlyRun)
{
    QList<qint64> dead;
    try {
        const bool one = onlyRun >= 0;
        QSqlQuery q = run(db(),
            selectStatement(Runs::table,
                { Runs::Id, Runs::OwnerHost, Runs::OwnerBoot, Runs::OwnerPid, Runs::OwnerStart },
                QStringLiteral("WHERE %1 = '%2'%3")
                    .arg(Runs::Status.name, runStatusName(RunStatus::Running),
                        one ? QStringLiteral(" AND ") + equals(Runs::Id) : QString())),
            one ? Row { { Runs::Id, onlyRun } } : Row {});
        while (q.next()) {
            const Owner owner { q.value(Runs::OwnerHost.name).toString(), q.value(Runs::OwnerBoot.name).toString(),
                q.value(Runs::OwnerPid.name).toLongLong(), q.value(Runs::OwnerStart.name).toLongLong() };
            if (!ownerAlive(owner))
                dead.append(q.value(Runs::Id.name).toLongLong());
        }
    } catch (const SqlFailure&) {
        return;
    }
    if (readOnly) {
        for (qint64 id : std::as_const(dead))
            deadRuns.insert(id); // reported as interrupted, not stored: reading never writes
    } else {
        markInterrupted(dead);
    }
}

qint64 HistoryStore::Private::insertRun(const ExperimentSpec& spec, const Environment& env, const QDateTime& created,
    RunStatus status, const QString& source, bool owned)
{
    const Owner owner = owned ? thisProcess() : Owner {};
    return insertRow(db(), Runs::table,
        { { Runs::Created, created.toString(Qt::ISODateWithMs) }, { Runs::Status, runStatusName(status) },
            { Runs::Kernel, text(spec.kernel) }, { Runs::Inputs, text(compactInputs(spec.inputs)) },
            { Runs::Backends, text(spec.backends.join(QLatin1Char(','))) },
            { Runs::Workers, text(joinInts(spec.workers)) }, { Runs::Spec, toJsonText(JsonExport::specObject(spec)) },
            { Runs::Env, toJsonText(JsonExport::environmentObject(env)) },
            { Runs::PlannedRuns, Runner::plannedRuns(spec) }, { Runs::Version, QStringLiteral(PARLAB_VERSION) },
            { Runs::Source, text(source) }, { Runs::OwnerHost, text(owner.host) },
            { Runs::OwnerBoot, text(owner.boot) }, { Runs::OwnerPid, owner.pid }, { Runs::OwnerStart, owner.start } });
}

void HistoryStore::Private::upsertMeasurement(qint64 runId, int position, const Measurement& m)
{
    const Row key { { Measurements::RunId, runId }, { Measurements::Backend, text(m.backend) },
        { Measurements::Workers, m.workers } };
    const Row facts { { Measurements::Checksum, qint64(m.checksum) }, { Measurements::FailedRuns, m.failedRuns },
        { Measurements::LastError, text(m.lastError) }, { Measurements::Spans, spansBlob(m.spans) },
        { Measurements::States, statesBlob(m.states) } };
    qint64 id = -1;
    int stored = 0;
    {
        QSqlQuery q = run(db(),
            QStringLiteral(
                "SELECT %1, (SELECT COUNT(*) FROM %2 WHERE %3 = %4.%1) AS stored FROM %4 WHERE %5 AND %6 AND %7")
                .arg(Measurements::Id.name, Samples::name, Samples::MeasurementId.name, Measurements::name,
                    equals(Measurements::RunId), equals(Measurements::Backend), equals(Measurements::Workers)),
            key);
        if (q.next()) {
            id = q.value(Measurements::Id.name).toLongLong();
            stored = q.value(QStringLiteral("stored")).toInt();
        }
    }
    if (id < 0) {
        Row values = key;
        values.append({ Measurements::Position, position });
        values.append(facts);
        id = insertRow(db(), Measurements::table, values);
    } else {
        updateRow(db(), Measurements::table, facts, Measurements::Id, id);
    }
    if (stored >= m.samplesS.size())
        return;
    QSqlQuery insert = prepare(db(), insertStatement(Samples::table, Samples::table.columns));
    for (qsizetype i = stored; i < m.samplesS.size(); ++i) {
        Row values { { Samples::MeasurementId, id }, { Samples::Repeat, qint64(i) }, { Samples::Wall, m.samplesS[i] },
            { Samples::Cpu, real(i < m.cpuS.size() ? m.cpuS[i] : kUnknown) },
            { Samples::Launch, real(i < m.launchS.size() ? m.launchS[i] : kUnknown) },
            { Samples::Switches,
                i < m.switches.size() ? QVariant(m.switches[i]) : QVariant(QMetaType(QMetaType::LongLong)) } };
        const RepeatAccount account = i < m.accounts.size() ? m.accounts[i] : RepeatAccount {};
        for (const auto& [c, member] : Samples::accounts)
            values.append({ c, real(account.*member) });
        values.append({ Samples::Usage,
            i < m.usage.size() ? QVariant(
                QString::fromUtf8(QJsonDocument(JsonExport::usageObject(m.usage[i])).toJson(QJsonDocument::Compact)))
                               : QVariant(QMetaType(QMetaType::QString)) });
        execute(insert, values);
    }
}

void HistoryStore::Private::storeEnd(qint64 runId, const RunResult& result, RunStatus status, const RunResult* analysed)
{
    // A combination the run never reached is not stored; what is stored is what a load analyses.
    RunResult stored = result;
    stored.measurements.clear();
    for (qsizetype i = 0; i < result.measurements.size(); ++i) {
        const Measurement& m = result.measurements[i];
        if (!m.samplesS.isEmpty() || m.failedRuns > 0) {
            upsertMeasurement(runId, int(i), m);
            stored.measurements.append(m);
        }
    }
    const Beyond beyond = beyondAnalysis(stored, analysed);
    QJsonObject runtimes;
    for (auto it = result.runtimes.cbegin(); it != result.runtimes.cend(); ++it)
        runtimes.insert(it.key(), it.value());
    const Row values { { Runs::Status, runStatusName(status) },
        { Runs::Env, toJsonText(JsonExport::environmentObject(result.environment)) },
        { Runs::TaskCosts, taskCostsJson(result.bounds.taskCostsS) },
        { Runs::ExtraWarnings, toJsonText(QJsonArray::fromStringList(beyond.warnings)) },
        { Runs::Stated, beyond.stated.isEmpty() ? QVariant(QMetaType(QMetaType::QString)) : toJsonText(beyond.stated) },
        { Runs::Runtimes, toJsonText(runtimes) }, { Runs::ReferenceChecksum, qint64(result.referenceChecksum) },
        { Runs::Error, text(result.error) }, { Runs::CompletedRuns, result.completedRuns },
        { Runs::PlannedRuns, result.plannedRuns },
        { Runs::Finished, QDateTime::currentDateTime().toString(Qt::ISODateWithMs) } };
    if (updateRow(db(), Runs::table, values, Runs::Id, runId) != 1)
        throw SqlFailure { QStringLiteral("there is no run %1").arg(runId) };
}

StoredRun HistoryStore::Private::readRun(qint64 runId)
{
    StoredRun stored;
    RunResult& r = stored.result;
    {
        QSqlQuery q = run(db(),
            selectStatement(Runs::table,
                { Runs::Created, Runs::Status, Runs::Spec, Runs::Env, Runs::TaskCosts, Runs::ExtraWarnings,
                    Runs::Stated, Runs::Runtimes, Runs::ReferenceChecksum, Runs::Error, Runs::CompletedRuns,
                    Runs::PlannedRuns, Runs::OwnerPid },
                QStringLiteral("WHERE ") + equals(Runs::Id)),
            { { Runs::Id, runId } });
        if (!q.next())
            throw SqlFailure { QStringLiteral("there is no run %1").arg(runId) };
        r.created = QDateTime::fromString(q.value(Runs::Created.name).toString(), Qt::ISODateWithMs);
        stored.status = runStatusFromName(q.value(Runs::Status.name).toString()).value_or(RunStatus::Failed);
        if (stored.status == RunStatus::Running && deadRuns.contains(runId))
            stored.status = RunStatus::Interrupted;
        r.spec
            = storedOrThrow(JsonImport::specFromObject(objectFrom(q.value(Runs::Spec.name))), QStringLiteral("spec"));
        r.environment = storedOrThrow(
            JsonImport::environmentFromObject(objectFrom(q.value(Runs::Env.name))), QStringLiteral("environment"));
        for (const auto& v : arrayFrom(q.value(Runs::TaskCosts.name)))
            r.bounds.taskCostsS.append(jsonNumber(v));
        for (const auto& w : arrayFrom(q.value(Runs::ExtraWarnings.name)))
            stored.extraWarnings.append(w.toString());
        stored.stated = objectFrom(q.value(Runs::Stated.name));
        const QJsonObject runtimes = objectFrom(q.value(Runs::Runtimes.name));
        for (auto it = runtimes.constBegin(); it != runtimes.constEnd(); ++it)
            r.runtimes.insert(it.key(), it.value().toString());
        r.referenceChecksum = quint64(q.value(Runs::ReferenceChecksum.name).toLongLong());
        r.error = q.value(Runs::Error.name).toString();
        r.completedRuns = q.value(Runs::CompletedRuns.name).toInt();
        r.plannedRuns = q.value(Runs::PlannedRuns.name).toInt();
        stored.ownerPid = q.value(Runs::OwnerPid.name).toLongLong();
        r.cancelled = stored.status == RunStatus::Cancelled;
    }
    QSqlQuery q = run(db(),
        selectStatement(Measurements::table,
            { Measurements::Id, Measurements::Backend, Measurements::Workers, Measurements::Checksum,
                Measurements::FailedRuns, Measurements::LastError, Measurements::Spans, Measurements::States },
            QStringLiteral("WHERE %1 ORDER BY %2, %3")
                .arg(equals(Measurements::RunId), Measurements::Position.name, Measurements::Id.name)),
        { { Measurements::RunId, runId } });
    QList<Column> sampleColumns { Samples::Wall, Samples::Cpu, Samples::Launch, Samples::Switches };
    for (const Column& c : Samples::laterColumns()) {
        if (storedLater.contains(qualified(Samples::name, c)))
            sampleColumns.append(c);
    }
    QSqlQuery samples = prepare(db(),
        selectStatement(Samples::table, sampleColumns,
            QStringLiteral("WHERE %1 ORDER BY %2").arg(equals(Samples::MeasurementId), Samples::Repeat.name)));
    while (q.next()) {
        Measurement m;
        m.backend = q.value(Measurements::Backend.name).toString();
        m.workers = q.value(Measurements::Workers.name).toInt();
        m.checksum = quint64(q.value(Measurements::Checksum.name).toLongLong());
        m.failedRuns = q.value(Measurements::FailedRuns.name).toInt();
        m.lastError = q.value(Measurements::LastError.name).toString();
        m.spans = spansFrom(q.value(Measurements::Spans.name).toByteArray());
        m.states = statesFrom(q.value(Measurements::States.name).toByteArray());
        execute(samples, { { Samples::MeasurementId, q.value(Measurements::Id.name) } });
        QList<RepeatUsage> usage; // kept when a repeat has it: a run recorded before schema 5 has none
        bool usageKnown = false;
        while (samples.next()) {
            m.samplesS.append(samples.value(Samples::Wall.name).toDouble());
            if (const QVariant cpu = samples.value(Samples::Cpu.name); !cpu.isNull())
                m.cpuS.append(cpu.toDouble());
            if (const QVariant launch = samples.value(Samples::Launch.name); !launch.isNull())
                m.launchS.append(launch.toDouble());
            if (const QVariant switches = samples.value(Samples::Switches.name); !switches.isNull())
                m.switches.append(switches.toLongLong());
            RepeatAccount account;
            for (const auto& [c, member] : Samples::accounts) {
                if (const QVariant value
                    = storedLater.contains(qualified(Samples::name, c)) ? samples.value(c.name) : QVariant();
                    !value.isNull())
                    account.*member = value.toDouble();
            }
            m.accounts.append(account);
            usage.append(RepeatUsage {});
            if (const QVariant value = storedLater.contains(qualified(Samples::name, Samples::Usage))
                    ? samples.value(Samples::Usage.name)
                    : QVariant();
                !value.isNull()) {
                if (const Result<RepeatUsage> read
                    = JsonImport::usageFromObject(QJsonDocument::fromJson(value.toString().toUtf8()).object()))
                    usage.last() = *read;
                usageKnown = true;
            }
        }
        if (usageKnown)
            m.usage = usage;
        r.measurements.append(m);
    }
    return stored;
}

QList<RunSummary> HistoryStore::Private::readSummaries(qint64 onlyRun)
{
    const bool one = onlyRun >= 0;
    QList<RunSummary> list;
    {
        QList<Column> columns { Runs::Id, Runs::Created, Runs::Name, Runs::Note, Runs::Kernel, Runs::Inputs,
            Runs::Backends, Runs::Workers, Runs::Status, Runs::Error, Runs::Source };
        const bool gated = storedLater.contains(qualified(Runs::name, Runs::Gate));
        if (gated)
            columns.append(Runs::Gate);
        QSqlQuery q = run(db(),
            selectStatement(Runs::table, columns,
                (one ? QStringLiteral("WHERE ") + equals(Runs::Id) : QString()) + QStringLiteral(" ORDER BY ")
                    + Runs::Id.name + QStringLiteral(" DESC")),
            one ? Row { { Runs::Id, onlyRun } } : Row {});
        while (q.next()) {
            RunSummary s;
            s.id = q.value(Runs::Id.name).toLongLong();
            s.created = QDateTime::fromString(q.value(Runs::Created.name).toString(), Qt::ISODateWithMs);
            s.name = q.value(Runs::Name.name).toString();
            s.note = q.value(Runs::Note.name).toString();
            s.kernel = q.value(Runs::Kernel.name).toString();
            s.inputs = q.value(Runs::Inputs.name).toString();
            s.backends = q.value(Runs::Backends.name).toString().split(QLatin1Char(','), Qt::SkipEmptyParts);
            s.workers = splitInts(q.value(Runs::Workers.name).toString());
            s.status = runStatusFromName(q.value(Runs::Status.name).toString()).value_or(RunStatus::Failed);
            if (s.status == RunStatus::Running && deadRuns.contains(s.id))
                s.status = RunStatus::Interrupted;
            s.error = q.value(Runs::Error.name).toString();
            s.source = q.value(Runs::Source.name).toString();
            if (gated)
                s.gate = q.value(Runs::Gate.name).toString();
            list.append(s);
        }
    }
    // The best speedup, like every figure, is derived from the samples (point figures only: no intervals).
    QHash<qint64, RunResult> measured;
    {
        const auto of
            = [](const QString& table, const Column& c) { return QStringLiteral("%1.%2 AS %2").arg(table, c.name); };
        const QString m = Measurements::name;
        const QString s = Samples::name;
        const QStringList columns { of(m, Measurements::RunId), of(m, Measurements::Id), of(m, Measurements::Backend),
            of(m, Measurements::Workers), of(s, Samples::Wall) };
        const QString sql
            = QStringLiteral("SELECT %1 FROM %2 LEFT JOIN %3 ON %3.%4 = %2.%5")
                  .arg(columns.join(QStringLiteral(", ")), m, s, Samples::MeasurementId.name, Measurements::Id.name)
            + (one ? QStringLiteral(" WHERE %1.%2").arg(m, equals(Measurements::RunId)) : QString())
            + QStringLiteral(" ORDER BY %1.%2, %1.%3, %1.%4, %5.%6")
                  .arg(m, Measurements::RunId.name, Measurements::Position.name, Measurements::Id.name, s,
                      Samples::Repeat.name);
        QSqlQuery q = run(db(), sql, one ? Row { { Measurements::RunId, onlyRun } } : Row {});
        qint64 current = -1;
        while (q.next()) {
            RunResult& r = measured[q.value(Measurements::RunId.name).toLongLong()];
            if (const qint64 id = q.value(Measurements::Id.name).toLongLong(); id != current) {
                current = id;
                Measurement measurement;
                measurement.backend = q.value(Measurements::Backend.name).toString();
                measurement.workers = q.value(Measurements::Workers.name).toInt();
                r.measurements.append(measurement);
            }
            if (const QVariant wall = q.value(Samples::Wall.name); !wall.isNull())
                r.measurements.last().samplesS.append(wall.toDouble());
        }
    }
    for (RunSummary& s : list) {
        RunResult r = measured.value(s.id);
        analyse(r, Intervals::Skip);
        for (const Measurement& m : std::as_const(r.measurements)) {
            s.measurements += m.samplesS.isEmpty() ? 0 : 1;
            s.samples += int(m.samplesS.size());
            if (std::isfinite(m.speedup) && !(m.speedup <= s.bestSpeedup)) {
                s.bestSpeedup = m.speedup;
                s.bestLabel = m.label();
            }
        }
    }
    return list;
}

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

Result<void> HistoryStore::open(const QString& path, Access access)
{
    close();
    d->path = path;
    d->notice.clear();
    d->openError.clear();
    d->readOnly = false;
    d->deadRuns.clear();
    d->thread = QThread::currentThread();
    Result<void> opened = d->openAt(access);
    if (!opened)
        d->openError = opened.error();
    return opened;
}

Result<void> HistoryStore::Private::connect(const QString& name, const QString& options)
{
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
    db.setDatabaseName(name);
    db.setConnectOptions(options);
    if (db.open())
        return {};
    const QString error = QStringLiteral("cannot open the run history '%1': %2").arg(path, sqlMessage(db.lastError()));
    db = {};
    QSqlDatabase::removeDatabase(connection);
    return parlab::fail(error);
}

void HistoryStore::Private::disconnect()
{
    {
        QSqlDatabase db = this->db();
        db.close();
    }
    QSqlDatabase::removeDatabase(connection);
}

Result<void> HistoryStore::Private::openAt(HistoryStore::Access access)
{
    if (path.isEmpty())
        return parlab::fail(QStringLiteral("no folder for the run history (is HOME set?); give one with --history-db"));
    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QSQLITE")))
        return parlab::fail(QStringLiteral("cannot keep a run history: Qt's SQLite driver (QSQLITE) is not installed"));
    const QFileInfo info(path);
    if (info.exists() && !info.isFile())
        return parlab::fail(QStringLiteral("cannot keep the run history in '%1': it is not a file").arg(path));
    const Result<FileHeader> header = readHeader(path);
    if (!header)
        return parlab::fail(header.error());
    // Only what is recognisably a run history is ever written to or moved: anything else is the user's.
    if (header->size > 0 && !header->sqlite)
        return parlab::fail(QStringLiteral("cannot use the run history '%1': it is not an SQLite database, so not a "
                                           "ParLab run history; it was left as it is (name another file)")
                                .arg(path));
    readOnly = access == HistoryStore::Access::ReadOnly;
    if (readOnly)
        return header->size == 0 ? openEmpty() : openReadOnly(header->userVersion);

    const QString folder = info.absolutePath();
    if (!QDir().mkpath(folder))
        return parlab::fail(QStringLiteral("cannot create the folder '%1' for the run history").arg(folder));
    if (!QFileInfo(folder).isWritable())
        return parlab::fail(
            QStringLiteral("cannot write the run history: the folder '%1' is not writable").arg(folder));
    if (info.exists() && !info.isWritable())
        return parlab::fail(QStringLiteral("cannot write the run history: '%1' is read-only").arg(path));
    return openReadWrite(header->userVersion);
}

// No file yet (or an empty one) and only reading: an empty history in memory, with the schema, so every read
// works as on a file without runs; nothing is created on disk.
Result<void> HistoryStore::Private::openEmpty()
{
    if (Result<void> connected = connect(QStringLiteral(":memory:"), {}); !connected)
        return connected;
    const Result<void> made = attempt([&] { prepareSchema(db()); });
    if (!made) {
        disconnect();
        return parlab::fail(QStringLiteral("cannot read the run history '%1': %2").arg(path, made.error()));
    }
    open = true;
    return {};
}

// Read-only access never writes: no journal mode, no schema, no interrupted runs stored, no file moved. A file
// or folder the user cannot write (a read-only copy) is read as it stands.
Result<void> HistoryStore::Private::openReadOnly(int userVersion)
{
    const QString options = QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=%1").arg(kBusyTimeoutMs);
    if (Result<void> connected = connect(path, options); !connected)
        return connected;
    int code = 0;
    QString damage;
    auto inspect = [&] {
        damage = checkIntact(db()).error();
        return damage.isEmpty() ? knownVersion(db()) : 0;
    };
    Result<int> version = patiently(inspect, &code);
    if (!version && (code == SqliteCantOpen || code == SqliteReadOnly)) {
        // A WAL database in a folder we cannot write: SQLite cannot make its shared-memory file beside it.
        // Read it as immutable, as it stands: nothing that could change it can write there either.
        disconnect();
        const QString uri = QUrl::fromLocalFile(QFileInfo(path).absoluteFilePath()).toString(QUrl::FullyEncoded)
            + QStringLiteral("?immutable=1");
        if (Result<void> connected = connect(uri, options + QStringLiteral(";QSQLITE_OPEN_URI")); !connected)
            return connected;
        version = patiently(inspect, &code);
    }
    auto refuse = [&](const QString& why) {
        disconnect();
        return parlab::fail(QStringLiteral("cannot read the run history '%1': %2").arg(path, why));
    };
    if (!version)
        return refuse(version.error());
    if (!damage.isEmpty())
        return refuse(ours(userVersion)
                ? QStringLiteral("it is damaged (%1); it was left as it is (recording a run moves it aside and starts "
                                 "a new one)")
                      .arg(damage)
                : notOurs(damage, userVersion));
    if (*version == 0) {
        const Result<std::pair<int, QStringList>> now = attempt([&] { return versionAndTables(db()); });
        if (!now)
            return refuse(now.error());
        if (now->first == 0 && !now->second.isEmpty())
            return refuse(foreign(now->second));
        if (now->first == 0) {
            disconnect();
            return openEmpty(); // an empty SQLite file: no runs
        }
        version = now->first; // another process gave it its schema meanwhile
    }
    if (*version >= kOldestReadable) {
        const Result<QStringList> columns = attempt([&] { return laterColumnsIn(db()); });
        if (!columns)
            return refuse(columns.error());
        storedLater = *columns;
    }
    if (*version < kOldestReadable)
        return refuse(QStringLiteral("it has schema %1 of an older ParLab; record a run into it once (parlab run, or "
                                     "the window) to update it")
                          .arg(*version));
    open = true;
    refreshInterrupted();
    return {};
}

Result<void> HistoryStore::Private::openReadWrite(int userVersion)
{
    storedLater = allLaterColumnNames(); // brought up to the current schema, or refused
    // Three tries: a damaged file is moved aside and a fresh one made; another process may do that first.
    for (int tries = 0; tries < 3; ++tries) {
        struct stat checked { };
        const bool existed = ::stat(QFile::encodeName(path).constData(), &checked) == 0;
        if (Result<void> connected = connect(path, QStringLiteral("QSQLITE_BUSY_TIMEOUT=%1").arg(kBusyTimeoutMs));
            !connected)
            return connected;
        QString damage;
        const Result<void> setUp = patiently([&] {
            damage = checkIntact(db()).error();
            if (!damage.isEmpty())
                return;
            // A newer ParLab's file, or another program's, is refused before anything is written to it, journal
            // mode included; prepareSchema() checks the version again under the write lock.
            if (const auto [version, tables] = versionAndTables(db()); version == 0 && !tables.isEmpty())
                throw SqlFailure { foreign(tables) };
            // WAL: readers never block the writer nor it them, and SQLite's automatic checkpoints are passive
            // (they copy what no reader still needs and never wait for a lock), so no writer waits on them.
            run(db(), QStringLiteral("PRAGMA journal_mode = WAL"));
            run(db(), QStringLiteral("PRAGMA synchronous = FULL"));
            // The WAL file is cut back to this after a checkpoint resets it, so one busy day leaves no giant file.
            run(db(), QStringLiteral("PRAGMA journal_size_limit = %1").arg(8 * 1024 * 1024));
            // A disk that fills up at a chosen size, where no small filesystem can be mounted (the tests of a full
            // disk without privileges): SQLite then fails a write that would grow the file past it exactly as on a
            // full disk, with SQLITE_FULL.
            if (const int pages = qEnvironmentVariableIntValue(kMaxPagesVariable); pages > 0)
                run(db(), QStringLiteral("PRAGMA max_page_count = %1").arg(pages));
            run(db(), QStringLiteral("PRAGMA foreign_keys = OFF"));
            prepareSchema(db());
            run(db(), QStringLiteral("PRAGMA foreign_keys = ON"));
        });
        if (setUp && damage.isEmpty()) {
            open = true;
            refreshInterrupted();
            importRecoveries();
            return {};
        }
        disconnect();
        if (!setUp)
            return parlab::fail(QStringLiteral("cannot use the run history '%1': %2").arg(path, setUp.error()));
        if (!ours(userVersion))
            return parlab::fail(
                QStringLiteral("cannot use the run history '%1': %2").arg(path, notOurs(damage, userVersion)));
        if (!notice.isEmpty())
            break; // damaged again right after a fresh start: moving files does not fix that
        // Keep the damaged file (and its journal) for whoever wants to rescue it, and start afresh.
        const Result<QString> aside = moveAside(existed ? &checked : nullptr);
        if (!aside)
            return parlab::fail(
                QStringLiteral("the run history '%1' is damaged (%2) and %3").arg(path, damage, aside.error()));
        if (!aside->isEmpty())
            notice = QStringLiteral("the run history '%1' was damaged (%2); it was moved to '%3' and a new one started")
                         .arg(path, damage, *aside);
        userVersion = 0; // a fresh file now (or another process's fresh one)
    }
    return parlab::fail(
        QStringLiteral("cannot use the run history '%1': it is still damaged after a fresh start").arg(path));
}

// Moves the damaged file (the one `checked` describes) and its WAL to "<path>.corrupt-<time>[-n]", a name no
// earlier moved-aside file has. Returns that name, or "" when the file is no longer there to move (another
// process moved it first and started afresh).
Result<QString> HistoryStore::Private::moveAside(const struct stat* checked)
{
    const QString stamp = QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-hhmmss"));
    for (int n = 1; n <= 1000; ++n) {
        const QString aside = n == 1 ? QStringLiteral("%1.corrupt-%2").arg(path, stamp)
                                     : QStringLiteral("%1.corrupt-%2-%3").arg(path, stamp).arg(n);
        if (QFileInfo::exists(aside) || QFileInfo::exists(aside + QStringLiteral("-wal")))
            continue;
        struct stat now { };
        if (::stat(QFile::encodeName(path).constData(), &now) != 0)
            return QString();
        if (checked && (now.st_ino != checked->st_ino || now.st_dev != checked->st_dev))
            return QString(); // not the file found damaged: someone else's fresh start
        // QFile::rename never replaces an existing file, so a name taken meanwhile is skipped, not overwritten.
        if (QFile::rename(path, aside)) {
            QFile::rename(path + QStringLiteral("-wal"), aside + QStringLiteral("-wal"));
            QFile::remove(path + QStringLiteral("-shm"));
            return aside;
        }
        if (!QFileInfo::exists(path))
            return QString();
    }
    return parlab::fail(
        QStringLiteral("could not be moved aside beside it (no free name '%1.corrupt-%2-N')").arg(path, stamp));
}

void HistoryStore::close()
{
    d->release();
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

// Recovery files: "<history file>.unsaved-<yyyyMMdd-hhmmss-zzz>-<pid>.json" beside it, a JSON export (the
// schema of JsonExport) with one more member, "history_recovery": {database, run_id, pid, reason, raw}.
namespace {
const QString kReservedSuffix = QStringLiteral(".reserved");
constexpr qint64 kReservedBytes = qint64(1024) * 1024;

QString recoveryPrefix(const QString& path)
{
    return QFileInfo(path).fileName() + QStringLiteral(".unsaved-");
}

// What a measurement measured beyond the export's schema (per-sample CPU and launch times, lock switches, where
// each repeat's time went, failed repeats, the latest repeat's spans and lock states).
QJsonObject rawMeasurement(const Measurement& m)
{
    QJsonArray switches;
    for (qint64 s : m.switches)
        switches.append(s);
    QJsonArray accounts;
    for (const RepeatAccount& a : m.accounts) {
        QJsonObject account;
        for (const auto& [c, member] : Samples::accounts)
            account.insert(c.name, JsonExport::number(a.*member));
        accounts.append(account);
    }
    return { { QStringLiteral("cpu_samples_s"), numbersJson(m.cpuS) }, { QStringLiteral("accounts"), accounts },
        { QStringLiteral("launch_samples_s"), numbersJson(m.launchS) }, { QStringLiteral("switches"), switches },
        { QStringLiteral("failed_runs"), m.failedRuns }, { QStringLiteral("last_error"), m.lastError },
        { QStringLiteral("spans"), QString::fromLatin1(spansBlob(m.spans).toBase64()) },
        { QStringLiteral("states"), QString::fromLatin1(statesBlob(m.states).toBase64()) } };
}

void applyRawMeasurement(Measurement& m, const QJsonObject& given)
{
    m.cpuS = numbersFrom(given.value(QStringLiteral("cpu_samples_s")));
    m.launchS = numbersFrom(given.value(QStringLiteral("launch_samples_s")));
    m.switches.clear();
    for (const auto& v : given.value(QStringLiteral("switches")).toArray())
        m.switches.append(v.toInteger());
    m.accounts.clear();
    for (const auto& v : given.value(QStringLiteral("accounts")).toArray()) {
        RepeatAccount account;
        for (const auto& [c, member] : Samples::accounts)
            account.*member = jsonNumber(v.toObject().value(c.name));
        m.accounts.append(account);
    }
    m.failedRuns = std::max(0, given.value(QStringLiteral("failed_runs")).toInt(m.failedRuns));
    m.lastError = given.value(QStringLiteral("last_error")).toString(m.lastError);
    m.spans = spansFrom(QByteArray::fromBase64(given.value(QStringLiteral("spans")).toString().toLatin1()));
    m.states = statesFrom(QByteArray::fromBase64(given.value(QStringLiteral("states")).toString().toLatin1()));
}

// What a run measured beyond the export's schema: each measurement's raw data, the bounds' task costs; so a
// recovered run is the run, timeline included.
QJsonObject rawOf(const RunResult& result)
{
    QJsonObject measurements;
    for (const Measurement& m : result.measurements)
        measurements.insert(m.label(), rawMeasurement(m));
    return { { QStringLiteral("measurements"), measurements },
        { QStringLiteral("task_costs_s"), numbersJson(result.bounds.taskCostsS) } };
}

void applyRaw(RunResult& result, const QJsonObject& raw)
{
    const QJsonObject measurements = raw.value(QStringLiteral("measurements")).toObject();
    for (Measurement& m : result.measurements)
        applyRawMeasurement(m, measurements.value(m.label()).toObject());
    result.bounds.taskCostsS = numbersFrom(raw.value(QStringLiteral("task_costs_s")));
}

QStringList recoveryFiles(const QString& path, const QString& suffix = QStringLiteral(".json"))
{
    const QFileInfo db(path);
    QStringList files;
    const QDir folder = db.absoluteDir();
    for (const QString& name :
        folder.entryList({ recoveryPrefix(path) + QLatin1Char('*') + suffix }, QDir::Files, QDir::Name))
        files.append(folder.filePath(name));
    return files;
}
} // namespace

QJsonObject HistoryJson::environmentObject(const Environment& environment)
{
    return JsonExport::environmentObject(environment);
}

Result<Environment> HistoryJson::environmentFromObject(const QJsonObject& object)
{
    return JsonImport::environmentFromObject(object);
}

QJsonObject HistoryJson::measurementObject(const Measurement& measurement)
{
    QJsonObject object = JsonExport::measurementObject(measurement);
    object.insert(QStringLiteral("raw"), rawMeasurement(measurement));
    return object;
}

Result<Measurement> HistoryJson::measurementFromObject(const QJsonObject& object)
{
    Measurement raw;
    applyRawMeasurement(raw, object.value(QStringLiteral("raw")).toObject());
    return JsonImport::measurementFromObject(object, raw);
}

QJsonArray HistoryJson::numbers(const QList<double>& values)
{
    return numbersJson(values);
}

QList<double> HistoryJson::numbersFrom(const QJsonValue& value)
{
    return parlab::numbersFrom(value);
}

void HistoryStore::Private::importRecoveries()
{
    const QString claimMark = QStringLiteral(".claimed-");
    // A file claimed by a process that died while importing it goes back for this one to take.
    for (const QString& claimed : recoveryFiles(path, QStringLiteral(".json") + claimMark + QLatin1Char('*'))) {
        const qint64 pid = claimed.mid(claimed.lastIndexOf(claimMark) + claimMark.size()).toLongLong();
        if (pid > 0 && processStartTime(pid) < 0)
            QFile::rename(claimed, claimed.left(claimed.lastIndexOf(claimMark)));
    }
    // Room set aside by a process that ended without needing it.
    for (const QString& reserved : recoveryFiles(path, QStringLiteral(".json") + kReservedSuffix)) {
        const QString stem = reserved.chopped(QStringLiteral(".json").size() + kReservedSuffix.size());
        const qint64 pid = stem.mid(stem.lastIndexOf(QLatin1Char('-')) + 1).toLongLong();
        if (pid > 0 && pid != ::getpid() && processStartTime(pid) < 0)
            QFile::remove(reserved);
    }
    QStringList notes;
    for (const QString& file : recoveryFiles(path)) {
        // Renaming claims it: of several processes opening the history at once, one imports each file.
        const QString claimed = file + claimMark + QString::number(::getpid());
        if (!QFile::rename(file, claimed))
            continue;
        const Result<qint64> id = importRecovery(claimed, file);
        if (id) {
            QFile::remove(claimed);
            notes.append(QStringLiteral("a run that could not be saved before was added from '%1' as run %2")
                             .arg(file)
                             .arg(*id));
        } else {
            QFile::rename(claimed, file);
            notes.append(QStringLiteral(
                "'%1' (a run that could not be saved before) was not added: %2; it is tried again at the "
                "next start")
                             .arg(file, id.error()));
        }
    }
    if (!notes.isEmpty())
        notice += (notice.isEmpty() ? QString() : QStringLiteral("; ")) + notes.join(QStringLiteral("; "));
}

Result<qint64> HistoryStore::Private::importRecovery(const QString& claimed, const QString& file)
{
    QFile in(claimed);
    if (!in.open(QIODevice::ReadOnly))
        return parlab::fail(in.errorString());
    QJsonParseError parseError {};
    const QJsonDocument document = QJsonDocument::fromJson(in.readAll(), &parseError);
    if (!document.isObject())
        return parlab::fail(QStringLiteral("not a JSON object (%1)").arg(parseError.errorString()));
    Result<RunResult> result = JsonImport::fromObject(document.object());
    if (!result)
        return parlab::fail(result.error());
    const QJsonObject recovery = document.object().value(QStringLiteral("history_recovery")).toObject();
    applyRaw(*result, recovery.value(QStringLiteral("raw")).toObject());
    const qint64 partial = recovery.value(QStringLiteral("run_id")).toInteger(-1);
    const qint64 pid = recovery.value(QStringLiteral("pid")).toInteger(0);
    return patiently([&] {
        Transaction transaction(db());
        // The record the run began before it could not go on replaces it: one run, whole, not two.
        if (partial > 0) {
            run(db(),
                QStringLiteral("DELETE FROM %1 WHERE %2 AND %3 AND %4 IN ('%5', '%6')")
                    .arg(Runs::name, equals(Runs::Id), equals(Runs::OwnerPid), Runs::Status.name,
                        runStatusName(RunStatus::Running), runStatusName(RunStatus::Interrupted)),
                { { Runs::Id, partial }, { Runs::OwnerPid, pid } });
        }
        const RunStatus status = statusOf(*result);
        const QDateTime created = result->created.isValid() ? result->created : QDateTime::currentDateTime();
        const qint64 runId = insertRun(result->spec, result->environment, created, status, file, false);
        storeEnd(runId, *result, status);
        transaction.commit();
        return runId;
    });
}

QString HistoryStore::Private::recoveryBase() const
{
    const QFileInfo db(path);
    return db.absoluteDir().filePath(recoveryPrefix(path))
        + QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-hhmmss-zzz")) + QLatin1Char('-')
        + QString::number(::getpid());
}

void HistoryStore::Private::reserve()
{
    release();
    const QString name = recoveryBase() + QStringLiteral(".json") + kReservedSuffix;
    QFile file(name);
    if (!file.open(QIODevice::WriteOnly | QIODevice::NewOnly))
        return;
    // Blocks taken now, while there is room: a run that fills the disk can still leave its recovery file. On a
    // nearly full disk, what there is (halving down to 32 KiB, a run's figures without its timeline).
    qint64 bytes = kReservedBytes;
    while (::posix_fallocate(file.handle(), 0, bytes) != 0 && bytes > qint64(32) * 1024)
        bytes /= 2;
    if (::posix_fallocate(file.handle(), 0, bytes) != 0) {
        file.close();
        file.remove();
        return;
    }
    file.close();
    reservation = name;
}

void HistoryStore::Private::release()
{
    if (!reservation.isEmpty())
        QFile::remove(std::exchange(reservation, QString()));
}

Result<QString> HistoryStore::saveRecovery(const RunResult& result, qint64 partialRunId, const QString& reason)
{
    if (d->path.isEmpty())
        return fail(QStringLiteral("there is no history file to write it beside"));
    if (d->open && !d->readOnly) {
        // After a full disk: the failed transaction's pages still fill the WAL file; a checkpoint that truncates
        // it gives that space back. Harmless otherwise.
        QSqlQuery q(d->db());
        q.exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"));
    }
    const QJsonObject raw = rawOf(result);
    const auto document = [&](bool timeline) {
        QJsonObject kept = raw;
        if (!timeline) {
            // The spans and lock states are most of the bytes; every figure stays without them.
            QJsonObject measurements = kept.value(QStringLiteral("measurements")).toObject();
            for (auto it = measurements.begin(); it != measurements.end(); ++it) {
                QJsonObject m = it.value().toObject();
                m.remove(QStringLiteral("spans"));
                m.remove(QStringLiteral("states"));
                it.value() = m;
            }
            kept.insert(QStringLiteral("measurements"), measurements);
        }
        QJsonObject object = JsonExport::toObject(result);
        object.insert(QStringLiteral("history_recovery"),
            QJsonObject { { QStringLiteral("database"), QFileInfo(d->path).absoluteFilePath() },
                { QStringLiteral("run_id"), partialRunId > 0 ? QJsonValue(partialRunId) : QJsonValue() },
                { QStringLiteral("pid"), qint64(::getpid()) }, { QStringLiteral("reason"), reason },
                { QStringLiteral("raw"), kept } });
        return QJsonDocument(object).toJson();
    };
    // The room set aside when the run began first (on a full disk it is all there is), then a new file.
    const QString reserved = std::exchange(d->reservation, QString());
    QString why;
    for (const bool timeline : { true, false }) {
        const QByteArray data = document(timeline);
        if (!reserved.isEmpty() && QFileInfo::exists(reserved)) {
            QFile file(reserved);
            const QString name = reserved.chopped(kReservedSuffix.size());
            if (file.open(QIODevice::ReadWrite) && file.write(data) == data.size() && file.resize(data.size())
                && file.flush() && ::fsync(file.handle()) == 0) {
                file.close();
                if (QFile::rename(reserved, name))
                    return name;
            }
            why = QStringLiteral("cannot write '%1': %2").arg(name, file.errorString());
            continue;
        }
        // Written under another name and renamed when whole: the next open never imports half a file.
        const QString name = d->recoveryBase() + QStringLiteral(".json");
        QFile part(name + QStringLiteral(".part"));
        if (!part.open(QIODevice::WriteOnly | QIODevice::NewOnly)) {
            why = QStringLiteral("cannot write '%1': %2").arg(name, part.errorString());
            continue;
        }
        const bool written = part.write(data) == data.size() && part.flush() && ::fsync(part.handle()) == 0;
        why = QStringLiteral("cannot write '%1': %2").arg(name, part.errorString());
        part.close();
        if (written && QFile::rename(part.fileName(), name))
            return name;
        part.remove();
    }
    if (!reserved.isEmpty())
        QFile::remove(reserved);
    return fail(why);
}

QStringList HistoryStore::pendingRecoveries() const
{
    return d->path.isEmpty() ? QStringList() : recoveryFiles(d->path);
}

bool HistoryStore::isOpen() const
{
    return d->open;
}

bool HistoryStore::isReadOnly() const
{
    return d->readOnly;
}

Result<void> HistoryStore::usable() const
{
    return d->ready();
}

QString HistoryStore::path() const
{
    return d->path;
}

QString HistoryStore::notice() const
{
    return d->notice;
}

Result<qint64> HistoryStore::beginRun(
    const ExperimentSpec& spec, const Environment& environment, const QDateTime& created)
{
    if (d->open && !d->readOnly)
        d->reserve();
    Result<qint64> id = d->change(QStringLiteral("cannot start a run record"), [&] {
        Transaction transaction(d->db());
        const qint64 runId = d->insertRun(spec, environment, created, RunStatus::Running, {}, true);
        transaction.commit();
        return runId;
    });
    if (id)
        d->unfinished.append(*id);
    return id;
}

Result<void> HistoryStore::appendMeasurement(qint64 runId, const Measurement& measurement)
{
    return d->change(QStringLiteral("cannot store %1 of run %2").arg(measurement.label()).arg(runId), [&] {
        Transaction transaction(d->db());
        QSqlQuery q = run(d->db(),
            QStringLiteral("SELECT (SELECT COUNT(*) FROM %1 WHERE %2 = %3.%4) AS position FROM %3 WHERE %5")
                .arg(Measurements::name, Measurements::RunId.name, Runs::name, Runs::Id.name, equals(Runs::Id)),
            { { Runs::Id, runId } });
        if (!q.next())
            throw SqlFailure { QStringLiteral("there is no run %1").arg(runId) };
        const int position = q.value(QStringLiteral("position")).toInt();
        q.finish();
        d->upsertMeasurement(runId, position, measurement);
        transaction.commit();
    });
}

Result<void> HistoryStore::finishRun(qint64 runId, const RunResult& result)
{
    Result<void> finished = d->change(QStringLiteral("cannot store the end of run %1").arg(runId), [&] {
        Transaction transaction(d->db());
        d->storeEnd(runId, result, statusOf(result));
        transaction.commit();
    });
    if (finished) {
        d->unfinished.removeAll(runId);
        d->release();
    }
    return finished;
}

Result<QList<RunSummary>> HistoryStore::runs()
{
    if (d->open)
        d->refreshInterrupted();
    return d->perform(QStringLiteral("cannot list the runs"), [&] { return d->readSummaries(); });
}

Result<RunSummary> HistoryStore::summary(qint64 runId)
{
    if (d->open)
        d->refreshInterrupted(runId);
    return d->perform(QStringLiteral("cannot read run %1").arg(runId), [&] {
        const QList<RunSummary> list = d->readSummaries(runId);
        if (list.isEmpty())
            throw SqlFailure { QStringLiteral("there is no run %1").arg(runId) };
        return list.constFirst();
    });
}

Result<RunResult> HistoryStore::load(qint64 runId)
{
    if (d->open)
        d->refreshInterrupted(runId);
    return d->perform(QStringLiteral("cannot read run %1").arg(runId), [&] { return figuresOf(d->readRun(runId)); });
}

Result<void> HistoryStore::rename(qint64 runId, const QString& name)
{
    return d->change(QStringLiteral("cannot rename run %1").arg(runId), [&] {
        if (updateRow(d->db(), Runs::table, { { Runs::Name, text(name.trimmed()) } }, Runs::Id, runId) != 1)
            throw SqlFailure { QStringLiteral("there is no run %1").arg(runId) };
    });
}

Result<void> HistoryStore::setNote(qint64 runId, const QString& note)
{
    return d->change(QStringLiteral("cannot set the note of run %1").arg(runId), [&] {
        if (updateRow(d->db(), Runs::table, { { Runs::Note, text(note) } }, Runs::Id, runId) != 1)
            throw SqlFailure { QStringLiteral("there is no run %1").arg(runId) };
    });
}

Result<void> HistoryStore::setGate(qint64 runId, const QString& outcome)
{
    return d->change(QStringLiteral("cannot record the gate's outcome on run %1").arg(runId), [&] {
        if (updateRow(d->db(), Runs::table, { { Runs::Gate, text(outcome) } }, Runs::Id, runId) != 1)
            throw SqlFailure { QStringLiteral("there is no run %1").arg(runId) };
    });
}

Result<void> HistoryStore::remove(qint64 runId)
{
    Result<void> removed = d->change(QStringLiteral("cannot delete run %1").arg(runId), [&] {
        Transaction transaction(d->db());
        QSqlQuery q = run(d->db(), QStringLiteral("DELETE FROM %1 WHERE %2").arg(Runs::name, equals(Runs::Id)),
            { { Runs::Id, runId } });
        if (q.numRowsAffected() != 1)
            throw SqlFailure { QStringLiteral("there is no run %1").arg(runId) };
        transaction.commit();
    });
    if (removed)
        d->unfinished.removeAll(runId);
    return removed;
}

qint64 HistoryStore::Private::importRun(
    const RunResult& result, const QString& source, const RunResult* analysed, const QString& gate)
{
    Transaction transaction(db());
    const RunStatus status = statusOf(result);
    const QDateTime created = result.created.isValid() ? result.created : QDateTime::currentDateTime();
    const qint64 runId = insertRun(result.spec, result.environment, created, status, source, false);
    storeEnd(runId, result, status, analysed);
    if (!gate.isEmpty())
        updateRow(db(), Runs::table, { { Runs::Gate, text(gate) } }, Runs::Id, runId);
    transaction.commit();
    return runId;
}

Result<qint64> HistoryStore::importResult(const RunResult& result, const QString& source)
{
    return d->change(QStringLiteral("cannot import a run"), [&] { return d->importRun(result, source); });
}

Result<qint64> HistoryStore::importJson(const QByteArray& json, const QString& source)
{
    // The file is analysed once, as it is read; storing takes that analysis, also when a busy lock makes it retry.
    const Result<JsonImport::Analysed> read = JsonImport::analysedFromJson(json);
    if (!read)
        return fail(source.isEmpty() ? read.error() : QStringLiteral("%1: %2").arg(source, read.error()));
    return d->change(QStringLiteral("cannot import a run"),
        [&] { return d->importRun(read->result, source, &read->derived, read->gate); });
}

} // namespace parlab
