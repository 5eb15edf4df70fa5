#pragma once

#include "environment.h"
#include "experimentspec.h"
#include "measurement.h"
#include "result.h"
#include "runresult.h"
#include "unknown.h"

#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>
#include <optional>

QT_BEGIN_NAMESPACE
class QJsonArray;
class QJsonObject;
class QJsonValue;
QT_END_NAMESPACE

namespace parlab {

// Where a stored run stands. A run is `Running` while the process that records it is alive; once that
// process is gone without finishing it (kill -9, crash, power loss) it reads as `Interrupted`, with every
// measurement that was appended before.
enum class RunStatus { Running, Finished, Cancelled, Failed, Interrupted };
QString runStatusName(RunStatus status); // "running", "finished", "cancelled", "failed", "interrupted"
std::optional<RunStatus> runStatusFromName(const QString& name);

// The JSON shapes the history keeps a run's parts in beyond the export's schema (recovery files), for whatever
// else carries a run as JSON: the engine process streams its run to the window in them, so a measurement arrives
// whole, raw data and all, as a recovery file keeps it, and one codec reads both.
namespace HistoryJson {
// The export's environment (JsonExport's, JsonImport's): a run recorded before a fact was kept reads it as unknown.
QJsonObject environmentObject(const Environment& environment);
Result<Environment> environmentFromObject(const QJsonObject& object);
// A measurement's entry in the export's `results` (JsonExport::measurementObject) with, under "raw", what the
// schema leaves out: per-repeat CPU and launch times, lock switches and accounts, failed repeats and the last
// error, the latest repeat's spans and lock states.
QJsonObject measurementObject(const Measurement& measurement);
Result<Measurement> measurementFromObject(const QJsonObject& object);
// Seconds as JSON numbers, an unknown one as null, and back.
QJsonArray numbers(const QList<double>& values);
QList<double> numbersFrom(const QJsonValue& value);
} // namespace HistoryJson

// One line of the history list: enough to pick a run without loading its samples.
struct RunSummary {
    qint64 id = 0;
    QDateTime created;
    QString name; // empty until the user names the run
    QString note;
    QString kernel;
    QString inputs; // compact text in the input language: "38..33", "35x8", "1,5,9"
    QStringList backends; // as the spec lists them
    QList<int> workers;
    int measurements = 0; // (backend, workers) combinations with at least one sample
    int samples = 0; // all recorded repeats
    double bestSpeedup = kUnknown; // highest speedup of any measurement
    QString bestLabel; // the measurement that reached it, "threads x4"
    RunStatus status = RunStatus::Running;
    QString error; // why a failed run failed
    QString source; // "" for a run recorded here, else where it was imported from
    // The outcome of the enforced regression gate (--baseline with --fail-on) that judged the run ("pass", "fail",
    // "not comparable": gateOutcomeName), "" when none did.
    QString gate;

    // The status as a list shows it: "finished", or with the gate's outcome when the run was gated: "finished, gate
    // fail" (a run that failed its gate is left out of later gates' run-to-run noise).
    QString statusText() const;
};

// The run history: an SQLite database (QtSql, WAL journal, synchronous=FULL, foreign keys on) holding what
// each run measured: its spec, environment, runtimes, counts, the bounds' task costs, every sample (wall, CPU,
// launch time, lock switches), and the spans and lock states of each measurement's latest repeat, so a
// reopened run draws its timeline. No figure is stored: load() derives every one (statistics, speedups and
// intervals, bounds, fits, warnings) through analyse(), the code the live run uses, so a reopened run shows
// what the run showed, and a new figure needs no change here. An imported file keeps what it states without
// the data behind it (its own warnings, CPU medians, bounds). Schema 2; a schema-1 file (0.1) is migrated on
// open, in one transaction that leaves the file as it was if it fails.
//
// Writes are one transaction each and durable when they return: a run killed mid-way keeps every
// measurement appended before the kill.
//
// Threads: QSqlDatabase connections belong to the thread that made them. A HistoryStore uses one
// connection of its own (a unique connection name), made by open(); call every method from the thread that
// called open(). Any number of stores (in several threads or processes) may open the same file at once: SQLite
// serialises the writers, each transaction is short, and a transaction that finds the lock taken past SQLite's
// busy timeout is tried again with growing pauses for up to a minute; readers see the last committed state.
//
// Errors: every call that can fail returns a Result whose message names the database and what failed
// ("history database '/x/h.sqlite': cannot store threads x2 of run 7: disk I/O error"); nothing throws.
class HistoryStore final {
public:
    HistoryStore();
    ~HistoryStore();
    HistoryStore(const HistoryStore&) = delete;
    HistoryStore& operator=(const HistoryStore&) = delete;

    // $XDG_DATA_HOME/parlab/history.sqlite, i.e. ~/.local/share/parlab/history.sqlite: ParLab's data folder
    // (QStandardPaths::GenericDataLocation + "/parlab", so XDG_DATA_HOME moves it). Fixed rather than derived
    // from the organisation/application names, so the window, the CLI and tests name the same file.
    static QString defaultPath();

    enum class Access {
        ReadWrite, // recording runs, renaming, deleting, importing
        ReadOnly, // listing, showing, exporting: never writes, creates or moves a file
    };

    // Opens the database at `path`. On failure the error says why history cannot be used there ("cannot create
    // '/x/y': ..."); the store then stays closed and every other call fails harmlessly, naming that reason.
    // Only a file that is recognisably a run history is ever written to or moved: any other file (not SQLite,
    // another program's SQLite database, a damaged SQLite file without ParLab's schema version) is refused,
    // named, and left as it is.
    // ReadWrite creates folders, file and schema as needed and migrates an older schema. A run history that
    // fails SQLite's quick_check is moved aside to "<path>.corrupt-<yyyyMMdd-hhmmss>[-n]" (never over an earlier
    // one) and a fresh one started. Runs waiting in recovery files beside it (saveRecovery) are added. notice()
    // says what of this happened.
    // ReadOnly reads the file as it stands, also a read-only file in a read-only folder; a missing or empty file
    // reads as a history without runs. Methods that write fail, saying so.
    // The environment variable PARLAB_HISTORY_MAX_PAGES=N caps a ReadWrite database at N pages of 4 KiB (SQLite's
    // max_page_count): a write that would grow it further fails as on a full disk. For testing a full disk where no
    // small filesystem can be mounted.
    Result<void> open(const QString& path, Access access = Access::ReadWrite);
    static constexpr char kMaxPagesVariable[] = "PARLAB_HISTORY_MAX_PAGES";
    void close();
    bool isOpen() const;
    bool isReadOnly() const; // opened with Access::ReadOnly
    // Nothing when open; else why not (what open() failed with, or that it was never opened).
    Result<void> usable() const;
    QString path() const; // as given to open()
    // What open() did that a user should hear about (a damaged database moved aside, runs recovered), else "".
    QString notice() const;

    // When a run cannot be stored (the disk is full, the lock stays taken past every retry), it is not lost: it
    // goes, as a JSON export, to a recovery file beside the database, "<path>.unsaved-<time>-<pid>.json", which
    // the next ReadWrite open() adds to the history, replacing the partial record `partialRunId` (if any) that
    // the run began. Works on a closed store too (beside the path it was given). Returns the file's path.
    Result<QString> saveRecovery(const RunResult& result, qint64 partialRunId, const QString& reason);
    // Recovery files beside the database that wait for the next ReadWrite open().
    QStringList pendingRecoveries() const;

    // Starts a run: stores the spec and environment with status running, owned by this process. Returns the
    // new run id.
    Result<qint64> beginRun(const ExperimentSpec& spec, const Environment& environment, const QDateTime& created);
    // Stores `measurement` as it stands now: upserts its (backend, workers) row (checksum, failures, spans and
    // lock states of the latest repeat) and inserts only the samples not stored yet, in one transaction. Call
    // it at each measurementReady.
    Result<void> appendMeasurement(qint64 runId, const Measurement& measurement);
    // Ends a run: status finished / cancelled / failed from the result; stores its environment, runtimes,
    // counts, task costs and any measurement not appended yet (its figures are derived again on load).
    Result<void> finishRun(qint64 runId, const RunResult& result);

    // Every run, newest first. Runs whose recording process is gone are reported (and from then on stored)
    // as interrupted.
    Result<QList<RunSummary>> runs();
    // One run's line; an error when there is no such run.
    Result<RunSummary> summary(qint64 runId);
    // The whole run, every figure derived from what it measured. For a run that never finished (running or
    // interrupted) the completed count follows from what was appended and the bounds from the latest
    // sequential repeat's tasks, as its end was never stored; the planned count is the runner's
    // (Runner::plannedRuns, warm-up rounds included).
    Result<RunResult> load(qint64 runId);

    Result<void> rename(qint64 runId, const QString& name);
    Result<void> setNote(qint64 runId, const QString& note);
    // Records the gate's outcome on the run it judged (RunSummary::gate).
    Result<void> setGate(qint64 runId, const QString& outcome);
    Result<void> remove(qint64 runId);

    // Stores a complete result (e.g. read back from a JSON export) as a new run with status finished (or
    // cancelled / failed as the result says); `source` says where it came from. Returns the new id.
    Result<qint64> importResult(const RunResult& result, const QString& source = {});
    // Reads a JSON export (the schema of JsonExport) and imports it, with the outcome of the enforced gate that judged
    // it when the file has one (RunSummary::gate); a bad file's error names the source and the field
    // ("/x/run.json: results[2].samples_s: expected an array of numbers").
    Result<qint64> importJson(const QByteArray& json, const QString& source = {});

    // The schema version this build writes (PRAGMA user_version).
    static int schemaVersion();

private:
    struct Private;
    Private* d;
};

} // namespace parlab
