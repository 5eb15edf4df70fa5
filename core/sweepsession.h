#pragma once

#include "result.h"
#include "sweep.h"

#include <QObject>
#include <QPointer>

QT_BEGIN_NAMESPACE
class QThread;
QT_END_NAMESPACE

namespace parlab {

class HistoryStore;
class RunSession;

// A task-size sweep from start to end, the same for the window and the CLI: one RunSession per size, one after the
// other (never two at once: they would take each other's cores), each size's run recorded in the history like any
// run and named after the sweep (SweepResult::runName) so its runs are found together. The SweepResult grows as the
// runs land; a run that fails, or a cancel, ends the sweep with what was measured before.
//
// Lives in the thread that creates it and is used only there, as RunSession.
class SweepSession final : public QObject {
    Q_OBJECT
public:
    explicit SweepSession(QObject* parent = nullptr);
    ~SweepSession() override;

    // As RunSession::setHistory, for every size's run. Call before start().
    void setHistory(HistoryStore* store, QThread* storeThread = nullptr);
    // As RunSession::setPaced, for every size's run, and taken() for the size running. Call before start().
    void setPaced(bool paced);
    void taken();

    // Checks the whole sweep (every size's experiment) and starts its first size; refused, nothing started, when
    // any size cannot run, or this session has run.
    Result<void> start(const SweepSpec& spec);
    // Cancels the size running; finished() follows with the sizes measured, marked cancelled.
    void cancel();

    bool isRunning() const { return m_running; }
    const SweepResult& result() const { return m_result; }

Q_SIGNALS:
    // Over the whole sweep: done/total runs of every size (a size's count is known once it starts, and every size
    // plans the same count); etaS < 0 until the last size, whose run knows its own.
    void progress(int done, int total, double etaS, const QString& current);
    // After each repeat of any size lands, and as each size ends.
    void resultChanged(const parlab::SweepResult& result);
    void historyFailed(const QString& message);
    // Always, once, last.
    void finished(const parlab::SweepResult& result);

private:
    void startSize(qsizetype index);
    void onSizeFinished(const RunResult& run);

    HistoryStore* m_store = nullptr;
    QThread* m_storeThread = nullptr;
    bool m_paced = false;
    bool m_started = false;
    bool m_running = false;
    bool m_cancelled = false;
    SweepResult m_result;
    QPointer<RunSession> m_current;
};

} // namespace parlab
