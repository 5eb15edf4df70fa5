#pragma once

#include "experimentspec.h"
#include "measurement.h"
#include "runresult.h"

#include <QObject>
#include <QTimer>
#include <chrono>

namespace parlab {

class HistoryStore;
class Runner;

// Writes a Runner's run into a HistoryStore as it happens: the run row when the run starts, each measurement
// within a second of a repeat (kStoreEvery after the first repeat not yet stored, with every repeat measured
// meanwhile; one durable transaction each), the final result when it finishes. Not at every repeat: a write (a WAL
// transaction with fsync and the latest repeat's spans) takes this thread 0.5-1 ms of CPU on another core while the
// runner measures the next repeat, and on 2 cores that moved a noop run's 2-worker threads median from 106-150 µs
// (no history) to 117-360 µs. A process killed mid-run loses at most its last second's repeats.
// Lives in (and writes from) the thread of the store it is given, which must be the thread that opened it;
// the runner's signals reach it queued, so history writes never stall the run. A failed write never stops
// the run either, and never loses it: the end stores the whole run (every measurement, also those whose own
// write failed; the whole run as a new record when even its start could not be stored), and a run that still
// cannot be stored goes to a recovery file beside the database (HistoryStore::saveRecovery), which the next
// open adds. saveFailed() then says so: the run is not in the history now.
//
// Use: watch(runner) once, then before each runner->start(spec) call expect(spec). RunSession does this, with
// one recorder per run.
class HistoryRecorder final : public QObject {
    Q_OBJECT
public:
    static constexpr std::chrono::milliseconds kStoreEvery { 1000 };

    // `store` must outlive the recorder; it may be closed (then each run goes to a recovery file).
    explicit HistoryRecorder(HistoryStore* store, QObject* parent = nullptr);

    // Connects to the runner's started, measurementReady and finished signals.
    void watch(Runner* runner);
    // The next run the runner starts runs `spec`: record it (that run only), named `name` when one is given (a
    // sweep's runs are named so they are found together). A later expect() replaces it.
    void expect(const ExperimentSpec& spec, const QString& name = {});

    // The id of the run being recorded (from started to finished), or -1.
    qint64 currentRunId() const { return m_runId; }
    // The id of the last run that finished recording, or -1.
    qint64 lastRunId() const { return m_lastRunId; }

    // Direct entry points (the slots the runner's signals reach); usable without a Runner.
    void onStarted(int plannedRuns);
    void onMeasurementReady(const parlab::Measurement& measurement);
    void onFinished(const parlab::RunResult& result);

Q_SIGNALS:
    void runStarted(qint64 runId);
    void measurementSaved(qint64 runId, const QString& label);
    void runSaved(qint64 runId); // the run's final state is stored
    // The run's end could not be stored: a message for the user that says why and where the run went instead
    // ("run not saved in the history '/x/h.sqlite': ...; it was written to '...unsaved-....json', which is added
    // to the history the next time a run is recorded into it"), or that it is lost beyond what was printed.
    void saveFailed(const QString& message);

private:
    void nameRun(qint64 runId);
    // Stores the measurements that gained repeats since the last write (m_storeTimer's timeout).
    void storePending();

    HistoryStore* m_store;
    ExperimentSpec m_spec;
    QString m_name;
    bool m_expected = false; // expect() named the next run
    bool m_recording = false; // from that run's start to its end
    qint64 m_runId = -1;
    qint64 m_lastRunId = -1;
    QList<Measurement> m_pending; // the latest state of each measurement not stored since, in order of arrival
    QTimer m_storeTimer; // single shot, started by a repeat when none is pending
};

} // namespace parlab
