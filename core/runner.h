#pragma once

#include "backends/backendregistry.h"
#include "context.h"

#include <QObject>
#include <chrono>
#include <memory>

namespace parlab {

struct ExperimentSpec;
struct Measurement;
struct RunResult;

// Runs an experiment: every (backend, workers) combination, `warmup` unrecorded rounds, then `repeats`
// rounds. Each round visits every combination once (interleaved), so slow drift (thermal, other programs)
// hits all combinations alike. Lives in its own thread; knows nothing of widgets. `cancel()` may be
// called from any thread and stops running kernels within milliseconds. RunSession drives one Runner per run
// (thread, history, cancel); use a Runner directly only where no session fits (tests, one-off measurements).
//
// Signals, in order: measurementReady and progress as each repeat lands, then failed (on an error) and
// always finished, whose RunResult says whether the run succeeded, failed or was cancelled and keeps
// every measurement made before that.
//
// The backends come from a factory: the registry's, or one a test passes in to reach the failure paths.
//
// A run of a user's code goes to an engine process (`parlab engine`, EngineRun) that runs it with a Runner of its
// own and streams every event back; this Runner emits them as its own, with a RunResult assembled and analysed
// here as a run in this process would be. A crash of the user's code then ends the engine, not this process: the
// run fails naming the backend, the input and the signal, and keeps what was measured before.
class Runner final : public QObject {
    Q_OBJECT
public:
    // With the registry's backends.
    explicit Runner(QObject* parent = nullptr);
    explicit Runner(BackendFactory factory, QObject* parent = nullptr);

    // Thread-safe. Stops the run in progress; called while a queued start() has not begun yet, that run ends
    // at once instead (cancelled, nothing measured). The switch is cleared when a run ends, so a Runner can run
    // again; a cancel() that lands between two runs stops the next one, which is why RunSession gives each run
    // a Runner of its own rather than telling runs apart by number.
    void cancel();

    // Paced: after each repeat lands (its measurementReady, resultChanged and progress emitted), the runner waits
    // until taken() before it times the next, at most kPaceWait: a window that draws each result, on a machine whose
    // cores the run's workers fill, then draws between timed repeats instead of taking a core from one (on 2 cores
    // its table, charts and progress bar made a run of 64 fib(25) tasks on 2 threads 27-64% slower than the same run
    // headless). A run in an engine process is not paced. Call before start().
    static constexpr std::chrono::milliseconds kPaceWait { 1000 };
    void setPaced(bool paced) { m_paced = paced; }
    bool paced() const { return m_paced; }
    // Thread-safe: the watcher has taken in everything that landed so far.
    void taken();

    // Where a run goes: by its kernel (the rule, runsInEngine), or always to an engine process (tests of the
    // engine with built-in kernels), or always here (the engine process itself). Call before start().
    enum class Isolation { ByKernel, Engine, InProcess };
    void setIsolation(Isolation isolation) { m_isolation = isolation; }
    // The one rule: a kernel that runs a user's code (Kernel::isUsersCode) runs in an engine process, so that its
    // crash cannot take down the window or the history. A spec whose kernel is unknown runs here (and fails there).
    static bool runsInEngine(const ExperimentSpec& spec, Isolation isolation = Isolation::ByKernel);

    // Measures `baseline` in the same rounds as the run start() is given, combination by combination, the order
    // alternating: two programs compared without the machine's drift between runs minutes apart coming in between
    // (`parlab run --interleave-with`). Both must plan the same combinations; the baseline's result comes with the
    // run's (RunResult::interleavedBaseline), and only the run's measurements are signalled. Runs in this process,
    // whatever the kernel. Call before start().
    void setInterleavedWith(const ExperimentSpec& baseline);

    // The sequential baseline is added when missing: speedups and checksums need it.
    static QList<QPair<QString, int>> plan(const ExperimentSpec& spec);
    // How many executes a run of `spec` makes, warm-up rounds included: (warmup + repeats) x plan(spec).size().
    // The one definition of a run's planned count: the runner's progress and result and the history use it.
    static int plannedRuns(const ExperimentSpec& spec);

public Q_SLOTS:
    // Blocks the runner's thread until the run ends; call it through a queued connection or invokeMethod.
    void start(const parlab::ExperimentSpec& spec);

Q_SIGNALS:
    void started(int plannedRuns);
    void measurementReady(const parlab::Measurement& measurement);
    // The whole result so far (bounds and every measurement, freshly analysed), after each repeat lands.
    void resultChanged(const parlab::RunResult& result);
    // done/total runs (warmup included); etaS < 0 while unknown.
    void progress(int done, int total, double etaS, const QString& current);
    void failed(const QString& error);
    void finished(const parlab::RunResult& result);

private:
    const BackendFactory m_factory;
    RunControl m_control;
    Isolation m_isolation = Isolation::ByKernel;
    bool m_paced = false;
    std::shared_ptr<const ExperimentSpec> m_interleaved;
};

} // namespace parlab
