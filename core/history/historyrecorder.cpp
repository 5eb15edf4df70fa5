#include "historyrecorder.h"

#include "environment.h"
#include "historystore.h"
#include "runner.h"

#include <QThread>
#include <algorithm>

namespace parlab {

HistoryRecorder::HistoryRecorder(HistoryStore* store, QObject* parent)
    : QObject(parent)
    , m_store(store)
    , m_storeTimer(this) // a child: it moves with the recorder to the store's thread
{
    m_storeTimer.setSingleShot(true);
    m_storeTimer.setInterval(kStoreEvery);
    connect(&m_storeTimer, &QTimer::timeout, this, &HistoryRecorder::storePending);
}

void HistoryRecorder::watch(Runner* runner)
{
    // Queued: the runner's thread only posts; the writes happen here, in the store's thread.
    connect(runner, &Runner::started, this, &HistoryRecorder::onStarted, Qt::QueuedConnection);
    connect(runner, &Runner::measurementReady, this, &HistoryRecorder::onMeasurementReady, Qt::QueuedConnection);
    connect(runner, &Runner::finished, this, &HistoryRecorder::onFinished, Qt::QueuedConnection);
}

void HistoryRecorder::expect(const ExperimentSpec& spec, const QString& name)
{
    m_spec = spec;
    m_name = name;
    m_expected = true;
}

void HistoryRecorder::onStarted(int plannedRuns)
{
    Q_UNUSED(plannedRuns);
    Q_ASSERT(QThread::currentThread() == thread());
    if (!m_expected)
        return; // a run nobody asked to record
    m_expected = false;
    m_recording = true;
    m_runId = -1;
    // The runner's own environment capture arrives with finished(); this one stands in until then. If the
    // start cannot be stored, the end stores the whole run as one record.
    const Result<qint64> id = m_store->beginRun(m_spec, Environment::capture(), QDateTime::currentDateTime());
    if (!id)
        return;
    m_runId = *id;
    nameRun(m_runId);
    Q_EMIT runStarted(m_runId);
}

void HistoryRecorder::nameRun(qint64 runId)
{
    // A name is a label on what is stored: a write of it that fails loses no measurement, so it is not reported.
    if (!m_name.isEmpty())
        (void)m_store->rename(runId, m_name);
}

void HistoryRecorder::onMeasurementReady(const Measurement& measurement)
{
    Q_ASSERT(QThread::currentThread() == thread());
    if (m_runId < 0 || !m_recording)
        return;
    const auto same = [label = measurement.label()](const Measurement& m) { return m.label() == label; };
    if (const auto at = std::find_if(m_pending.begin(), m_pending.end(), same); at != m_pending.end())
        *at = measurement;
    else
        m_pending.append(measurement);
    if (!m_storeTimer.isActive())
        m_storeTimer.start(); // stored within kStoreEvery of being measured, with whatever arrives meanwhile
}

void HistoryRecorder::storePending()
{
    if (m_pending.isEmpty() || m_runId < 0 || !m_recording)
        return;
    // A measurement whose write fails is stored with the run's end, which stores every measurement.
    for (const Measurement& m : std::as_const(m_pending)) {
        if (m_store->appendMeasurement(m_runId, m))
            Q_EMIT measurementSaved(m_runId, m.label());
    }
    m_pending.clear();
}

void HistoryRecorder::onFinished(const RunResult& result)
{
    Q_ASSERT(QThread::currentThread() == thread());
    if (!m_recording)
        return;
    const qint64 began = m_runId;
    m_runId = -1;
    m_recording = false;
    m_pending.clear(); // the end stores every measurement
    m_storeTimer.stop();
    Result<qint64> stored = began;
    if (began < 0 && (stored = m_store->importResult(result)))
        nameRun(*stored);
    else if (const Result<void> finished = m_store->finishRun(began, result); !finished)
        stored = fail(finished.error());
    if (stored) {
        m_lastRunId = *stored;
        Q_EMIT runSaved(m_lastRunId);
        return;
    }
    const QString where = m_store->path();
    const Result<QString> recovery = m_store->saveRecovery(result, began, stored.error());
    if (recovery) {
        Q_EMIT saveFailed(QStringLiteral("run not saved in the history: %1; it was written to '%2', which is added "
                                         "to the history the next time a run is recorded into '%3'")
                              .arg(stored.error(), *recovery, where));
    } else {
        Q_EMIT saveFailed(QStringLiteral("run not saved in the history: %1; nor could it be written to a recovery file "
                                         "(%2): what was printed or shown is all that is left of it")
                              .arg(stored.error(), recovery.error()));
    }
}

} // namespace parlab
