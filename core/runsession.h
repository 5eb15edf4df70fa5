#pragma once

#include "backends/backendregistry.h"
#include "experimentspec.h"
#include "measurement.h"
#include "result.h"
#include "runner.h"
#include "runresult.h"

#include <QObject>
#include <QThread>
#include <chrono>
#include <optional>

namespace parlab {

class HistoryRecorder;
class HistoryStore;

// One run from start to end, the same for the window and the CLI: a Runner of its own on a thread of its own,
// progress, cancel, the results as they land, the final RunResult, and the run's record in the history
// (begun when the run starts, each measurement stored as it lands, its final state at the end).
//
// One session runs one experiment; the next run is a new session. That is what keeps runs apart: a session
// hears only its own Runner, and a session that is gone delivers nothing (Qt drops what was queued for it), so
// whoever replaces a session can never receive the old run's results as the new one's, and no result carries
// a run number.
//
// A run of a user's code goes to an engine process (Runner::runsInEngine): the same signals, the same result, and
// the history recorded here as measurements stream in, so a crash of that code ends the engine, not the window, and
// loses nothing measured before it.
//
// Lives in the thread that creates it (the window's, the CLI's main thread) and is used only there; its
// signals are emitted there. The Runner's signals reach it queued.
class RunSession final : public QObject {
    Q_OBJECT
public:
    // With the registry's backends, or those `factory` makes (tests reach failure paths this way).
    explicit RunSession(QObject* parent = nullptr);
    explicit RunSession(BackendFactory factory, QObject* parent = nullptr);
    // A run still going is cancelled, and its thread joined (its kernels stop within milliseconds, its child
    // processes are ended); what the run's recorder still has queued is stored before the recorder goes.
    ~RunSession() override;

    // Records the run in `store`, which lives in `storeThread` (the thread that opened it and runs its event
    // loop; nullptr: this session's thread). The store must outlive the session's last write; it may be closed,
    // then the run goes to a recovery file (historyFailed). Call before start(); without it nothing is recorded.
    void setHistory(HistoryStore* store, QThread* storeThread = nullptr);
    // How long after start() the run's thread starts, from this thread's event loop (0: once the loop runs). A
    // window waits a couple of frames: the frame that shows the run starting (10-20 ms of layout and painting
    // on a slow machine) then has a core the run's workers have not taken. Call before start().
    void setStartDelay(std::chrono::milliseconds delay);
    // The name the run is stored under in the history (a sweep names each of its runs). Call before start().
    void setRunName(const QString& name);
    // Where the run goes (Runner::Isolation): by default by its kernel, a user's code to an engine process. The
    // engine process runs its own run here; tests send built-in kernels to an engine. Call before start().
    void setIsolation(Runner::Isolation isolation);
    // A baseline measured in the same rounds (Runner::setInterleavedWith). Call before start().
    void setInterleavedWith(const ExperimentSpec& baseline);
    // Paced (Runner::setPaced): after each repeat's signals the run waits for taken() before it times the next, so
    // that what a window does with them falls between timed repeats. Call before start().
    void setPaced(bool paced);
    // What landed so far is taken in (drawn, or set aside to draw later): the paced run may go on.
    void taken();

    // Starts the run off this thread and returns at once. Refused, with the reason and nothing started (no
    // thread, no history row), when the spec is invalid or this session has already run: the caller is
    // right there to say so (the CLI exits 2, the window shows it), and there is no run to cancel or record.
    // The run records the kernel by KernelRegistry::resolvedName (a relative path to the user's code made absolute).
    // What goes wrong once the run is going (a backend fails, checksums differ) comes as failed(), then
    // finished() with what was measured before.
    Result<void> start(const ExperimentSpec& spec);
    // Stops the run within milliseconds, ending every process it started; finished() follows with what was
    // measured, marked cancelled. Harmless before start() and after the end.
    void cancel();

    // Deletes this ended session once its runner thread is gone, without waiting for it here: the thread frees
    // what the run kept (tens of milliseconds for 100,000-task measurements), and a window starting its next run
    // must not wait for that. A session still running is cancelled first.
    void retire();

    bool isRunning() const { return m_state == State::Running; }
    bool hasEnded() const { return m_state == State::Ended; }
    // The run as it stands: the spec at once, then each resultChanged(), then the final result.
    const RunResult& result() const { return m_result; }
    // The run's id in the history from historyRunStarted() on, or -1 (not recorded, or not yet).
    qint64 historyRunId() const { return m_historyRunId; }
    // The id, once the run's final state is stored (historyRunSaved()), or -1.
    qint64 savedRunId() const { return m_savedRunId; }

Q_SIGNALS:
    void started(int plannedRuns);
    // done/total runs (warm-up included); etaS < 0 while unknown.
    void progress(int done, int total, double etaS, const QString& current);
    void measurementReady(const parlab::Measurement& measurement);
    // The whole result so far, after each repeat lands.
    void resultChanged(const parlab::RunResult& result);
    void failed(const QString& error);
    // Always, once, last: the result says whether the run succeeded, failed or was cancelled.
    void finished(const parlab::RunResult& result);

    // History, written in the store's thread. Where that is this thread (the CLI) the run's final state is
    // stored before finished() is emitted; elsewhere (the window) historyRunSaved may come after it.
    void historyRunStarted(qint64 runId);
    void historyRunSaved(qint64 runId);
    // The run's end could not be stored in the history: why, and where the run went instead (a recovery file
    // beside the database, added to it at its next open). The run itself is not affected.
    void historyFailed(const QString& message);

private:
    enum class State { Idle, Running, Ended };

    void onFinished(const RunResult& result);

    const BackendFactory m_factory;
    HistoryStore* m_store = nullptr;
    QThread* m_storeThread = nullptr;
    std::chrono::milliseconds m_startDelay { 0 };
    Runner::Isolation m_isolation = Runner::Isolation::ByKernel;
    bool m_paced = false;
    std::optional<ExperimentSpec> m_interleaved;
    QString m_runName;
    State m_state = State::Idle;
    QThread m_thread;
    Runner* m_runner = nullptr; // lives in m_thread; deleted there as the thread ends (after the run)
    HistoryRecorder* m_recorder = nullptr; // lives in m_storeThread; deleted there after its last write
    RunResult m_result;
    qint64 m_historyRunId = -1;
    qint64 m_savedRunId = -1;
};

} // namespace parlab
