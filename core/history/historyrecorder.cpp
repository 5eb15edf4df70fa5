#include "historyrecorder.h"

#include "environment.h"
#include "historystore.h"
#include "runner.h"

#include <QThread>

namespace parlab {

HistoryRecorder::HistoryRecorder(HistoryStore* store, QObject* parent)
    : QObject(parent)
    , m_store(store)
{ }

void HistoryRecorder::watch(Runner* runner)
{
    // Queued: the runner's thread only posts; the writes happen here, in the store's thread.
    connect(runner, &Runner::started, this, &HistoryRecorder::onStarted, Qt::QueuedConnection);
    connect(runner, &Runner::measurementReady, this, &HistoryRecorder::onMeasurementReady, Qt::QueuedConnection);
    connect(runner, &Runner::finished, this, &HistoryRecorder::onFinished, Qt::QueuedConnection);
}

void HistoryRecorder::expect(const ExperimentSpec& spec)
{
    m_spec = spec;
    m_expected = true;
}

void HistoryRecorder::warnOnce(const QString& message)
{
    if (m_warned)
        return;
    m_warned = true;
    Q_EMIT warning(message);
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
    m_warned = false;
    // The runner's own environment capture arrives with finished(); this one stands in until then.
    const Result<qint64> id = m_store->beginRun(m_spec, Environment::capture(), QDateTime::currentDateTime());
    if (!id) {
        warnOnce(QStringLiteral("run history not saved: %1").arg(id.error()));
        return;
    }
    m_runId = *id;
    Q_EMIT runStarted(m_runId);
}

void HistoryRecorder::onMeasurementReady(const Measurement& measurement)
{
    Q_ASSERT(QThread::currentThread() == thread());
    if (m_runId < 0 || !m_recording)
        return;
    if (const Result<void> stored = m_store->appendMeasurement(m_runId, measurement); !stored) {
        warnOnce(QStringLiteral("run history: %1").arg(stored.error()));
        return;
    }
    Q_EMIT measurementSaved(m_runId, measurement.label());
}

void HistoryRecorder::onFinished(const RunResult& result)
{
    Q_ASSERT(QThread::currentThread() == thread());
    if (!m_recording)
        return;
    const qint64 id = m_runId;
    m_runId = -1;
    m_recording = false;
    if (id < 0)
        return;
    if (const Result<void> stored = m_store->finishRun(id, result); !stored) {
        warnOnce(QStringLiteral("run history: %1").arg(stored.error()));
        return;
    }
    m_lastRunId = id;
    Q_EMIT runSaved(id);
}

} // namespace parlab
