#pragma once

#include "experimentspec.h"
#include "measurement.h"
#include "runresult.h"

#include <QObject>

namespace parlab {

class HistoryStore;
class Runner;

// Writes a Runner's run into a HistoryStore as it happens: the run row when the run starts, each
// measurement the moment it is ready (one durable transaction), the final result when it finishes.
// Lives in (and writes from) the thread of the store it is given, which must be the thread that opened it;
// the runner's signals reach it queued, so history writes never stall the run. A failed write never stops
// the run either: it is reported once per run through warning().
//
// Use: watch(runner) once, then before each runner->start(spec) call expect(spec). RunSession does this, with
// one recorder per run.
class HistoryRecorder final : public QObject {
    Q_OBJECT
public:
    // `store` must outlive the recorder; it may be closed (then each run warns that it is not saved).
    explicit HistoryRecorder(HistoryStore* store, QObject* parent = nullptr);

    // Connects to the runner's started, measurementReady and finished signals.
    void watch(Runner* runner);
    // The next run the runner starts runs `spec`: record it (that run only). A later expect() replaces it.
    void expect(const ExperimentSpec& spec);

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
    // History could not be written: a message for the user ("run history not saved: ..."); the run goes on.
    void warning(const QString& message);

private:
    void warnOnce(const QString& message);

    HistoryStore* m_store;
    ExperimentSpec m_spec;
    bool m_expected = false; // expect() named the next run
    bool m_recording = false; // from that run's start to its end
    qint64 m_runId = -1;
    qint64 m_lastRunId = -1;
    bool m_warned = false;
};

} // namespace parlab
