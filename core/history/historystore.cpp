#include "historystore.h"

#include "export/jsonexport.h"
#include "export/jsonimport.h"
#include "procfs.h"
#include "result.h"
#include "runner.h"
#include "stats/analysis.h"
#include "taskspan.h"

#include <QDataStream>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
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
#include <type_traits>
#include <unistd.h>
#include <utility>

namespace parlab {

namespace {
constexpr int kSchemaVersion = 2;

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
const Column Env = column("environment", "TEXT NOT NULL"); // JSON, the export's shape plus the governor
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
const Table table { name,
    { Id, Created, Name, Note, Status, Kernel, Inputs, Backends, Workers, Spec, Env, TaskCosts, ExtraWarnings, Stated,
        Runtimes, ReferenceChecksum, Error, CompletedRuns, PlannedRuns, Finished, Version, Source, OwnerHost, OwnerBoot,
        OwnerPid, OwnerStart },
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
const Table table { name, { MeasurementId, Repeat, Wall, Cpu, Launch, Switches },
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

// The spec and environment are stored in the JSON export's shapes and read back by its reader, plus what the
// export schema leaves out: the environment's governor.
QJsonObject environmentJson(const Environment& env)
{
    QJsonObject object = JsonExport::environmentObject(env);
    object.insert(QStringLiteral("governor"), env.governor);
    return object;
}

// NULL when the run has none (it never ran its bounds' backend, or it was imported).
QVariant taskCostsJson(const QList<double>& costs)
{
    if (costs.isEmpty())
        return QVariant(QMetaType(QMetaType::QString));
    QJsonArray array;
    for (double c : costs)
        array.append(JsonExport::number(c));
    return toJsonText(array);
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

// Thrown inside a transaction (by the helpers below, several calls deep) and turned into a Result where the
// transaction is rolled back.
struct SqlFailure {
    QString message;
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

QSqlQuery prepare(const QSqlDatabase& db, const QString& sql)
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    if (!q.prepare(sql))
        throw SqlFailure { sqlMessage(q.lastError()) };
    return q;
}

void execute(QSqlQuery& q, const Row& values)
{
    for (const auto& [c, value] : values)
        q.bindValue(c.placeholder(), value);
    if (!q.exec())
        throw SqlFailure { sqlMessage(q.lastError()) };
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

bool isCorruption(const QSqlError& error)
{
    // SQLITE_CORRUPT (11) and SQLITE_NOTADB (26); a locked or busy database is not damaged.
    const int code = error.nativeErrorCode().toInt() & 0xff;
    return code == 11 || code == 26;
}

// A run as stored: what it measured, and nothing derived from that yet.
struct StoredRun {
    RunResult result; // spec, environment, counts, task costs, samples, spans, states; no figure
    RunStatus status = RunStatus::Finished;
    qint64 ownerPid = 0;
    QStringList extraWarnings;
    QJsonObject stated;
};

// Unknown in JSON: null, or an array of nulls (a confidence interval without data).
bool unknownJson(const QJsonValue& value)
{
    if (value.isArray()) {
        const QJsonArray array = value.toArray();
        return std::all_of(array.begin(), array.end(), [](const QJsonValue& v) { return v.isNull(); });
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
        int measured = 0;
        bool sampled = false;
        for (const Measurement& m : std::as_const(r.measurements)) {
            measured += int(m.samplesS.size()) + m.failedRuns;
            sampled = sampled || !m.samplesS.isEmpty();
        }
        const int rounds = r.spec.warmup + r.spec.repeats;
        const int warmups = sampled && rounds > 0 ? r.plannedRuns * r.spec.warmup / rounds : 0;
        r.completedRuns = std::min(warmups + measured, std::max(r.plannedRuns, measured));
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

Beyond beyondAnalysis(const RunResult& shown)
{
    RunResult derived = shown;
    analyse(derived); // with intervals: a confidence interval the samples give is not "beyond"
    Beyond beyond;
    for (const QString& w : shown.warnings) {
        if (!derived.warnings.contains(w))
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

// Runs `body`, which throws SqlFailure on a database error, and returns its value or why it failed.
template<typename Body> auto attempt(Body body) -> Result<decltype(body())>
{
    try {
        if constexpr (std::is_void_v<decltype(body())>) {
            body();
            return {};
        } else {
            return body();
        }
    } catch (const SqlFailure& e) {
        return fail(e.message);
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
    QThread* thread = nullptr;
    QList<qint64> unfinished; // runs this store began and has not finished

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
    template<typename Body> auto perform(const QString& what, Body body) -> Result<decltype(body())>
    {
        if (const Result<void> usable = ready(); !usable)
            return parlab::fail(usable.error());
        auto result = attempt(body);
        if (!result)
            return fail(what, result.error());
        return result;
    }

    Result<void> openAt(); // opens `path`
    // These throw SqlFailure; the public methods run them through attempt() inside a transaction.
    Result<void> prepareSchema(const QSqlDatabase& db);
    void migrateFrom1(const QSqlDatabase& db);
    void markInterrupted(const QList<qint64>& ids);
    void refreshInterrupted(qint64 onlyRun = -1);
    qint64 insertRun(const ExperimentSpec& spec, const Environment& env, const QDateTime& created, RunStatus status,
        const QString& source, bool owned);
    void upsertMeasurement(qint64 runId, int position, const Measurement& m);
    void storeEnd(qint64 runId, const RunResult& result, RunStatus status);
    StoredRun readRun(qint64 runId);
    QList<RunSummary> readSummaries(qint64 onlyRun = -1);
};

// Creates the current schema in an empty database, or brings an older one up to it; all in one transaction
// with the version bump, so a failure leaves the file as it was. Foreign keys are off meanwhile (set by the
// caller: SQLite ignores that pragma inside a transaction), as a migration swaps whole tables.
Result<void> HistoryStore::Private::prepareSchema(const QSqlDatabase& db)
{
    return attempt([&] {
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
                migrateFrom1(db);
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
    });
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
    // Every schema-2 column was a schema-1 column of the same name and meaning, but for three of runs.
    const QList<Column> added { Runs::TaskCosts, Runs::ExtraWarnings, Runs::Stated };
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
    markInterrupted(dead);
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
            { Runs::Env, toJsonText(environmentJson(env)) }, { Runs::PlannedRuns, Runner::plannedRuns(spec) },
            { Runs::Version, QStringLiteral(PARLAB_VERSION) }, { Runs::Source, text(source) },
            { Runs::OwnerHost, text(owner.host) }, { Runs::OwnerBoot, text(owner.boot) }, { Runs::OwnerPid, owner.pid },
            { Runs::OwnerStart, owner.start } });
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
        execute(insert,
            { { Samples::MeasurementId, id }, { Samples::Repeat, qint64(i) }, { Samples::Wall, m.samplesS[i] },
                { Samples::Cpu, real(i < m.cpuS.size() ? m.cpuS[i] : kUnknown) },
                { Samples::Launch, real(i < m.launchS.size() ? m.launchS[i] : kUnknown) },
                { Samples::Switches,
                    i < m.switches.size() ? QVariant(m.switches[i]) : QVariant(QMetaType(QMetaType::LongLong)) } });
    }
}

void HistoryStore::Private::storeEnd(qint64 runId, const RunResult& result, RunStatus status)
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
    const Beyond beyond = beyondAnalysis(stored);
    QJsonObject runtimes;
    for (auto it = result.runtimes.cbegin(); it != result.runtimes.cend(); ++it)
        runtimes.insert(it.key(), it.value());
    const Row values { { Runs::Status, runStatusName(status) },
        { Runs::Env, toJsonText(environmentJson(result.environment)) },
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
    QSqlQuery samples = prepare(db(),
        selectStatement(Samples::table, { Samples::Wall, Samples::Cpu, Samples::Launch, Samples::Switches },
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
        while (samples.next()) {
            m.samplesS.append(samples.value(Samples::Wall.name).toDouble());
            if (const QVariant cpu = samples.value(Samples::Cpu.name); !cpu.isNull())
                m.cpuS.append(cpu.toDouble());
            if (const QVariant launch = samples.value(Samples::Launch.name); !launch.isNull())
                m.launchS.append(launch.toDouble());
            if (const QVariant switches = samples.value(Samples::Switches.name); !switches.isNull())
                m.switches.append(switches.toLongLong());
        }
        r.measurements.append(m);
    }
    return stored;
}

QList<RunSummary> HistoryStore::Private::readSummaries(qint64 onlyRun)
{
    const bool one = onlyRun >= 0;
    QList<RunSummary> list;
    {
        QSqlQuery q = run(db(),
            selectStatement(Runs::table,
                { Runs::Id, Runs::Created, Runs::Name, Runs::Note, Runs::Kernel, Runs::Inputs, Runs::Backends,
                    Runs::Workers, Runs::Status, Runs::Error, Runs::Source },
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
            s.error = q.value(Runs::Error.name).toString();
            s.source = q.value(Runs::Source.name).toString();
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

Result<void> HistoryStore::open(const QString& path)
{
    close();
    d->path = path;
    d->notice.clear();
    d->openError.clear();
    d->thread = QThread::currentThread();
    Result<void> opened = d->openAt();
    if (!opened)
        d->openError = opened.error();
    return opened;
}

Result<void> HistoryStore::Private::openAt()
{
    if (path.isEmpty())
        return parlab::fail(QStringLiteral("no folder for the run history (is HOME set?); give one with --history-db"));
    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QSQLITE")))
        return parlab::fail(QStringLiteral("cannot keep a run history: Qt's SQLite driver (QSQLITE) is not installed"));

    const QFileInfo info(path);
    if (info.exists() && !info.isFile())
        return parlab::fail(QStringLiteral("cannot keep the run history in '%1': it is not a file").arg(path));
    const QString folder = info.absolutePath();
    if (!QDir().mkpath(folder))
        return parlab::fail(QStringLiteral("cannot create the folder '%1' for the run history").arg(folder));
    if (!QFileInfo(folder).isWritable())
        return parlab::fail(
            QStringLiteral("cannot write the run history: the folder '%1' is not writable").arg(folder));
    if (info.exists() && !info.isWritable())
        return parlab::fail(QStringLiteral("cannot write the run history: '%1' is read-only").arg(path));

    // Up to two attempts: if the file is damaged it is moved aside and a fresh one made.
    for (int attempt = 0; attempt < 2; ++attempt) {
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
            db.setDatabaseName(path);
            db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
            if (!db.open()) {
                const QString error
                    = QStringLiteral("cannot open the run history '%1': %2").arg(path, sqlMessage(db.lastError()));
                db = {};
                QSqlDatabase::removeDatabase(connection);
                return parlab::fail(error);
            }
        }
        QString damage;
        QString failure;
        try {
            const QSqlDatabase db = this->db();
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
                // A newer ParLab's file is refused before anything is written to it, journal mode included;
                // prepareSchema() checks again under the write lock.
                knownVersion(db);
                run(db, QStringLiteral("PRAGMA journal_mode = WAL"));
                run(db, QStringLiteral("PRAGMA synchronous = FULL"));
                run(db, QStringLiteral("PRAGMA foreign_keys = OFF"));
                if (const Result<void> schema = prepareSchema(db); !schema)
                    failure = schema.error();
                else
                    run(db, QStringLiteral("PRAGMA foreign_keys = ON"));
            }
        } catch (const SqlFailure& e) {
            failure = e.message;
        }
        if (damage.isEmpty() && failure.isEmpty()) {
            open = true;
            refreshInterrupted();
            return {};
        }
        QSqlDatabase::removeDatabase(connection);
        if (damage.isEmpty() || attempt > 0)
            return parlab::fail(
                QStringLiteral("cannot use the run history '%1': %2").arg(path, damage.isEmpty() ? failure : damage));
        // Keep the damaged file (and its journal) for whoever wants to rescue it, and start afresh.
        const QString aside = QStringLiteral("%1.corrupt-%2")
                                  .arg(path, QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-hhmmss")));
        if (!QFile::rename(path, aside))
            return parlab::fail(
                QStringLiteral("the run history '%1' is damaged (%2) and could not be moved aside to '%3'")
                    .arg(path, damage, aside));
        QFile::rename(path + QStringLiteral("-wal"), aside + QStringLiteral("-wal"));
        QFile::remove(path + QStringLiteral("-shm"));
        notice = QStringLiteral("the run history '%1' was damaged (%2); it was moved to '%3' and a new one started")
                     .arg(path, damage, aside);
    }
    return parlab::fail(QStringLiteral("cannot use the run history '%1'").arg(path));
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
    Result<qint64> id = d->perform(QStringLiteral("cannot start a run record"), [&] {
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
    return d->perform(QStringLiteral("cannot store %1 of run %2").arg(measurement.label()).arg(runId), [&] {
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
    Result<void> finished = d->perform(QStringLiteral("cannot store the end of run %1").arg(runId), [&] {
        Transaction transaction(d->db());
        d->storeEnd(runId, result, statusOf(result));
        transaction.commit();
    });
    if (finished)
        d->unfinished.removeAll(runId);
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
    return d->perform(QStringLiteral("cannot rename run %1").arg(runId), [&] {
        if (updateRow(d->db(), Runs::table, { { Runs::Name, text(name.trimmed()) } }, Runs::Id, runId) != 1)
            throw SqlFailure { QStringLiteral("there is no run %1").arg(runId) };
    });
}

Result<void> HistoryStore::setNote(qint64 runId, const QString& note)
{
    return d->perform(QStringLiteral("cannot set the note of run %1").arg(runId), [&] {
        if (updateRow(d->db(), Runs::table, { { Runs::Note, text(note) } }, Runs::Id, runId) != 1)
            throw SqlFailure { QStringLiteral("there is no run %1").arg(runId) };
    });
}

Result<void> HistoryStore::remove(qint64 runId)
{
    Result<void> removed = d->perform(QStringLiteral("cannot delete run %1").arg(runId), [&] {
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

Result<qint64> HistoryStore::importResult(const RunResult& result, const QString& source)
{
    return d->perform(QStringLiteral("cannot import a run"), [&] {
        Transaction transaction(d->db());
        const RunStatus status = statusOf(result);
        const QDateTime created = result.created.isValid() ? result.created : QDateTime::currentDateTime();
        const qint64 runId = d->insertRun(result.spec, result.environment, created, status, source, false);
        d->storeEnd(runId, result, status);
        transaction.commit();
        return runId;
    });
}

Result<qint64> HistoryStore::importJson(const QByteArray& json, const QString& source)
{
    const Result<RunResult> result = JsonImport::fromJson(json);
    if (!result)
        return fail(source.isEmpty() ? result.error() : QStringLiteral("%1: %2").arg(source, result.error()));
    return importResult(*result, source);
}

} // namespace parlab
