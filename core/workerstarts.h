#pragma once

#include "unknown.h"

#include <QList>
#include <QString>
#include <functional>

namespace parlab {

class Backend;
struct ExperimentSpec;

// What starting several workers of one backend at once costs on this machine, against starting one: the schedule
// simulator's start-up at more than one worker (Schedule::Costs::startupLagS). On a 2-core VM, two threads started
// together each take longer to reach their first task and to be joined than one alone (waking an idle core, the
// creator and the new threads contending); a run at one worker cannot see that, so each run measures it as it
// starts, for its backends that start their workers in every batch, on the machine it runs on.
//
// Raw data, kept with the run's environment (JSON `worker_starts`); Schedule derives each worker's start-up lag from
// it.
struct WorkerStartCost {
    int workers = 1;
    // Median wall time of a batch: `workers` workers started, one noop task each, ended; NaN for a pool (its
    // workers start once for all its batches).
    double wallS = kUnknown;
    double finishS = kUnknown; // of that, the median from the batch's last task's end to its end
    QList<double> wallSamplesS; // each round's batch wall time; empty in a file written before they were kept
    // The median time from one task's start to the next one's on a worker, while all `workers` take noop tasks from
    // the one queue (a batch of handOutTasks per worker; only the stretch where every one of them runs): the
    // hand-out and the task's own recording, as contended as the counts' workers make them, and where one thread
    // serves every hand-out, the others' served in turn, from one hand-out's start to the next, a chunk's tasks
    // included (the stretch's mean, see measure). NaN where not measured (a
    // backend that starts a process per task, a file written before it was, fewer than kHandOutCycles cycles).
    double handOutS = kUnknown;

    bool operator==(const WorkerStartCost&) const = default;
};

struct WorkerStarts {
    QString backend;
    int rounds = 0;
    QList<WorkerStartCost> counts; // ascending worker counts, the first at 1

    bool operator==(const WorkerStarts&) const = default;

    // Whether a run measures it for `backendId`: a backend that starts its workers in every batch, in this process
    // (threads, qtconcurrent, gil-threads), or a process for every task (process-per-task: with a process start of
    // 45 ms on this VM, two started at once took 63 ms each, hand-outs 47 ms against 33, and a prediction from one
    // worker that could not see it was 28% too fast), or whose hand-outs the calling thread serves (a pool: its
    // hand-outs alone, its workers start once per run: a noop hand-out took 7.9-9.1 µs of the parent at one worker
    // and 9.3-9.6 at two). mpi starts its ranks once per run and serves from rank 0.
    static bool measuredFor(const QString& backendId);
    // The rounds a run measures for `backendId`: kRounds, kProcessRounds where each worker is a process to start (a
    // pool's start none).
    static int roundsFor(const QString& backendId);
    // The counts measured on `cores`: 1, 2, 4, ... below it, and `cores` itself (at most ExperimentSpec::kMaxWorkers):
    // where the workers still have a core each, so what grows is the start, not the sharing of cores (which the
    // simulator models).
    static QList<int> countsFor(int cores);
    // What a run of `spec` measures of backend `id` after its last round (Runner; `parlab overhead` for a spec of
    // defaults), at countsFor(cores): a backend made for the probe alone (the registry's), configured with the run's
    // options, its workers placed as the run's (option pin; a pool not pinned by scatter, with the calling thread,
    // its parent, on its first worker's CPU for the probe: without the machine's topology a pool is not probed), a
    // pool for each count, hand-outs of the run's chunk (Schedule::chunkOf), roundsFor(id) rounds (measure).
    // `cancelled`, where given, is asked before each batch. Throws what the backend's execute throws, Cancelled, or
    // std::runtime_error where there is no backend `id` or no topology for a pool.
    static WorkerStarts probe(
        const QString& id, const ExperimentSpec& spec, int cores, const std::function<bool()>& cancelled = {});
    static constexpr int kRounds = 11;
    static constexpr int kProcessRounds = 5;
    // Noop tasks per worker in a round's hand-out batch at each count, and the fewest cycles of all rounds at a count
    // that give its handOutS: on this 2-core VM a noop task and its hand-out take about 55 ns alone and a second
    // thread may start 100 µs after the first, so 4000 each (220 µs alone) leave both running together (at 1000,
    // one run's second threads started too late in most rounds and its figure at two was unknown).
    static constexpr int kHandOutTasks = 4000;
    // Where one thread serves every hand-out, kServedHandOuts per worker (of `chunk` tasks each, at most
    // kHandOutTasks tasks): a noop hand-out takes about 8 µs here (a pipe's round trip), so 250 of them 2 ms.
    static constexpr int kServedHandOuts = 250;
    static int handOutTasks(const QString& backendId, int chunk);
    static constexpr int kHandOutCycles = 100;

    struct Measure {
        std::function<Backend&(int workers)> backendFor;
        std::function<void(int workers)> release; // lets go of backendFor(workers)'s; may be null
        QList<int> counts; // ascending, the first 1 (countsFor)
        int rounds = kRounds;
        int chunk = 1; // inputs per hand-out
        std::function<bool()> cancelled; // may be null
    };
    // Measures with `m.backendFor(k)`, the backend that runs the batches of k workers (one made for the probe alone,
    // configured, placed as the run's workers are; where one thread serves every hand-out, BackendFacts::
    // servesInCaller, one whose pool has k workers, kept for the probe, since a pool of another size starts afresh):
    // in each of `m.rounds` rounds, a batch at every count of `m.counts` in turn (drift hits all alike), after one
    // unmeasured batch at each. Back to back, as a run's batches follow each other: after 1 ms of sleep before each
    // batch, the cores idle, two threads here started 40-50 µs later than one, where in a run's batches (traced) and in
    // back-to-back ones the second started 12-20 µs after the first (a later session's back-to-back probe: within 2.5
    // µs of each other, where that run's own 2-worker batches put it 3-13 µs after; README, "bench_predict"). A pool's
    // batches start no workers (it starts them once for all its batches) and are left out. Then, where a hand-out does
    // not start a process, as many rounds of a batch of handOutTasks noop tasks per worker at every count, handed out
    // `m.chunk` at a time (handOutS); a pool's count by count, each beside the batches of one worker, its pool let go
    // of after them (m.release). Throws what the backend's execute throws, and Cancelled where m.cancelled says so.
    static WorkerStarts measure(const Measure& m);
};

} // namespace parlab
