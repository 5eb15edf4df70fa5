#pragma once

#include "backends/backendregistry.h"
#include "context.h"
#include "results.h"

#include <QObject>
#include <atomic>

namespace parlab {

// Runs an experiment: every (backend, workers) combination, `warmup` unrecorded rounds, then `repeats`
// rounds. Each round visits every combination once (interleaved), so slow drift (thermal, other programs)
// hits all combinations alike. Lives in its own thread; knows nothing of widgets. `cancel()` may be
// called from any thread and stops running kernels within milliseconds.
//
// Signals, in order: measurementReady and progress as each repeat lands, then failed (on an error) and
// always finished, whose RunResult says whether the run succeeded, failed or was cancelled and keeps
// every measurement made before that.
//
// The backends come from a factory: the registry's, or one a test passes in to reach the failure paths.
class Runner final : public QObject {
    Q_OBJECT
public:
    // With the registry's backends.
    explicit Runner(QObject* parent = nullptr);
    explicit Runner(BackendFactory factory, QObject* parent = nullptr);

    // Thread-safe.
    void cancel();
    // Cancels run `generation`, also when its queued start() has not begun yet (it then ends at once).
    // Thread-safe. Generations must grow from one start() to the next for this to be meaningful.
    void cancel(int generation);

    // The sequential baseline is added when missing: speedups and checksums need it.
    static QList<QPair<QString, int>> plan(const ExperimentSpec& spec);
    // How many executes a run of `spec` makes, warm-up rounds included: (warmup + repeats) x plan(spec).size().
    // The one definition of a run's planned count: the runner's progress and result and the history use it.
    static int plannedRuns(const ExperimentSpec& spec);

public Q_SLOTS:
    // Blocks the runner's thread until the run ends; call it through a queued connection or invokeMethod.
    void start(const parlab::ExperimentSpec& spec, int generation = 0);

Q_SIGNALS:
    void started(int generation, int plannedRuns);
    void measurementReady(const parlab::Measurement& measurement);
    // The whole result so far (bounds and every measurement, freshly analysed), after each repeat lands.
    void resultChanged(const parlab::RunResult& result);
    // done/total runs (warmup included); etaS < 0 while unknown.
    void progress(int generation, int done, int total, double etaS, const QString& current);
    void failed(int generation, const QString& error);
    void finished(const parlab::RunResult& result);

private:
    const BackendFactory m_factory;
    RunControl m_control;
    std::atomic<int> m_activeGeneration { -1 };
    std::atomic<int> m_cancelledUpTo { -1 };
};

} // namespace parlab
