#include "workerstarts.h"

#include "backends/backend.h"
#include "backends/backendregistry.h"
#include "clock.h"
#include "context.h"
#include "cpus.h"
#include "experimentspec.h"
#include "kernels/kernel.h"
#include "kernels/kernelregistry.h"
#include "stats/schedule.h"
#include "stats/statistics.h"
#include "topology.h"
#include "workerplacement.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <stdexcept>
#include <vector>

namespace parlab {

bool WorkerStarts::measuredFor(const QString& backendId)
{
    const BackendFacts facts = BackendRegistry::factsOf(backendId);
    return facts.known && facts.usesWorkers && !facts.runsPython
        && (facts.footprint.processes <= 0 || Schedule::startsAWorkerPerHandOut(backendId) || facts.servesInCaller);
}

int WorkerStarts::roundsFor(const QString& backendId)
{
    const BackendFacts facts = BackendRegistry::factsOf(backendId);
    return facts.footprint.processes > 0 && !facts.servesInCaller ? kProcessRounds : kRounds;
}

int WorkerStarts::handOutTasks(const QString& backendId, int chunk)
{
    return Schedule::servesHandOuts(backendId)
        ? int(std::min<qint64>(qint64(kServedHandOuts) * std::max(1, chunk), kHandOutTasks))
        : kHandOutTasks;
}

QList<int> WorkerStarts::countsFor(int cores)
{
    const int top = std::clamp(cores, 1, ExperimentSpec::kMaxWorkers);
    QList<int> counts;
    for (int k = 1; k < top; k *= 2)
        counts.append(k);
    counts.append(top);
    return counts;
}

WorkerStarts WorkerStarts::probe(
    const QString& id, const ExperimentSpec& spec, int cores, const std::function<bool()>& cancelled)
{
    // Placed as the run's workers are: a pinned run's second thread starts on the core the run gave it. Worker i's
    // CPU is the same at every count (Topology::placement), so the largest count's places all. A pool not pinned is
    // placed as scatter puts it, its parent on its first worker's CPU (the serving thread's place, as a pinned
    // run's): the scheduler places a pool's processes for its life, and fresh pools drew their parent and worker on
    // two cores in 10 of 12 tries, a round trip of 45-64 µs against 7-10 on one, where the run's own pool of one had
    // shared its parent's. Without the topology there is no such place, and no figure worth keeping.
    const QList<int> counts = countsFor(cores);
    const bool served = BackendRegistry::factsOf(id).servesInCaller;
    const bool pinned = WorkerPlacement::pinnedBy(spec.options, id) == WorkerPlacement::PinnedBy::Pin;
    QList<int> cpus;
    if (pinned || served) {
        const Result<Topology>& topology = Topology::machine();
        if (!topology)
            throw std::runtime_error(
                qPrintable(QStringLiteral("%1's probe needs its workers' places: %2").arg(id, topology.error())));
        cpus = pinned ? WorkerPlacement::cpus(spec.options, id, counts.constLast(), *topology, -1)
                      : topology->placement(Pinning::Scatter, counts.constLast());
    }
    // One backend for every count, but a pool for each count (one of another size starts afresh), let go of once
    // measured (release).
    std::map<int, std::unique_ptr<Backend>> backends;
    Measure m;
    m.backendFor = [&](int workers) -> Backend& {
        std::unique_ptr<Backend>& backend = backends[served ? workers : 0];
        if (!backend) {
            backend = BackendRegistry::create(id);
            if (!backend)
                throw std::runtime_error(qPrintable(QStringLiteral("no backend %1 to probe").arg(id)));
            backend->configure(spec.options);
            if (!cpus.isEmpty())
                backend->pinWorkers(cpus);
        }
        return *backend;
    };
    m.release = [&](int workers) { backends.erase(served ? workers : 0); };
    m.counts = counts;
    m.rounds = roundsFor(id);
    m.chunk = Schedule::chunkOf(spec, id);
    m.cancelled = cancelled;
    ScopedPin serving;
    if (const int cpu = WorkerPlacement::servingCpu(id, cpus); cpu >= 0)
        (void)serving.pin(0, cpu);
    return measure(m);
}

WorkerStarts WorkerStarts::measure(const Measure& m)
{
    WorkerStarts starts;
    const QString id = m.backendFor(1).id();
    starts.backend = id;
    starts.rounds = std::max(1, m.rounds);
    const int chunk = std::max(1, m.chunk);
    const auto noop = KernelRegistry::create(QStringLiteral("noop"));
    const QList<int>& counts = m.counts;
    RunControl control;
    QList<TaskSpan> spans;
    const auto go = [&](int workers, const QList<qint64>& inputs) {
        if (m.cancelled && m.cancelled())
            throw Cancelled();
        control.beginBatch();
        m.backendFor(workers).execute(*noop, inputs, workers, control, spans);
    };
    // A batch of one noop task per worker: the workers' start and end, next to nothing else.
    const auto batch = [&](int workers) {
        const qint64 t0 = monotonicNs();
        go(workers, QList<qint64>(workers, 0));
        const qint64 t1 = monotonicNs();
        qint64 lastEnd = t0;
        for (const TaskSpan& span : std::as_const(spans))
            lastEnd = std::max(lastEnd, span.endNs);
        return std::pair { double(t1 - t0) * 1e-9, double(t1 - std::min(lastEnd, t1)) * 1e-9 };
    };
    // A batch of noop tasks (handOutTasks per worker) from the one queue: each worker's time from one task's start to
    // its next, where both starts fall while every worker takes tasks (after the last one's first, before the first
    // one's last), appended to `cycles`. Where one thread serves every hand-out, each worker's cycle holds the
    // others' hand-outs served in turn, and those of the worker on the server's core are shorter than the rest's: the
    // mean cycle of the stretch, `workers` times its mean interval between two hand-outs (a chunk's first task:
    // chunks are handed out in input order), from the stretch's first hand-out to its last, once for the batch,
    // weighted by the intervals it holds (the rounds' median of those is the figure). With chunksize 10 a probe of
    // single tasks timed a tenth of a hand-out each, and its growth came out at -1.9 µs.
    const bool served = Schedule::servesHandOuts(id);
    const int tasks = handOutTasks(id, chunk);
    const auto handOutBatch = [&](int workers, QList<double>& cycles) {
        go(workers, QList<qint64>(qsizetype(workers) * tasks, 0));
        std::vector<std::vector<qint64>> byWorker(static_cast<size_t>(workers));
        for (const TaskSpan& span : std::as_const(spans)) {
            if (span.worker >= 0 && span.worker < workers)
                byWorker[size_t(span.worker)].push_back(span.startNs);
        }
        qint64 from = std::numeric_limits<qint64>::min(), to = std::numeric_limits<qint64>::max();
        for (std::vector<qint64>& startsNs : byWorker) {
            if (startsNs.empty())
                return; // a worker that took no task: they never all ran at once
            std::sort(startsNs.begin(), startsNs.end());
            from = std::max(from, startsNs.front());
            to = std::min(to, startsNs.back());
        }
        if (served) {
            qint64 first = std::numeric_limits<qint64>::max(), last = std::numeric_limits<qint64>::min();
            qsizetype handOuts = 0;
            for (const TaskSpan& span : std::as_const(spans)) {
                if (span.startNs >= from && span.startNs <= to && span.index % chunk == 0) {
                    ++handOuts;
                    first = std::min(first, span.startNs);
                    last = std::max(last, span.startNs);
                }
            }
            if (handOuts >= 2)
                cycles.append(
                    QList<double>(handOuts - 1, double(last - first) * 1e-9 * workers / double(handOuts - 1)));
            return;
        }
        for (const std::vector<qint64>& startsNs : byWorker) {
            for (size_t i = 1; i < startsNs.size(); ++i) {
                if (startsNs[i - 1] >= from && startsNs[i] <= to)
                    cycles.append(double(startsNs[i] - startsNs[i - 1]) * 1e-9);
            }
        }
    };
    QList<QList<double>> walls(counts.size()), finishes(counts.size()), cycles(counts.size());
    if (served) {
        // A pool starts its workers once for all its batches: its batches start no process, and there are only
        // hand-outs to time, and only where one count can be told from another and a batch of one worker holds
        // enough hand-outs. Each count's rounds beside the batches of one worker (drift hits both alike), its pool
        // let go of after them: at most the largest and the single worker's pools at once.
        const bool enough = qint64(tasks / chunk - 1) * starts.rounds >= kHandOutCycles;
        for (qsizetype i = 1; enough && i < counts.size(); ++i) {
            if (i == 1)
                go(1, QList<qint64>(1, 0)); // starts the pool of one, unmeasured
            go(counts[i], QList<qint64>(counts[i], 0)); // and this count's
            for (int r = 0; r < starts.rounds; ++r) {
                handOutBatch(1, cycles[0]);
                handOutBatch(counts[i], cycles[i]);
            }
            if (m.release)
                m.release(counts[i]);
        }
    } else {
        for (int k : counts)
            batch(k);
        for (int r = 0; r < starts.rounds; ++r) {
            for (qsizetype i = 0; i < counts.size(); ++i) {
                const auto [wall, finish] = batch(counts[i]);
                walls[i].append(wall);
                finishes[i].append(finish);
            }
        }
        // After the start rounds, not among them: a round's hand-out batches left the next round's batch of one
        // slower than the batch of two (lags of -31 to -9 µs where the starts alone gave about 0).
        for (int r = 0; !Schedule::startsAWorkerPerHandOut(id) && r < starts.rounds; ++r) {
            for (qsizetype i = 0; i < counts.size(); ++i)
                handOutBatch(counts[i], cycles[i]);
        }
    }
    for (qsizetype i = 0; i < counts.size(); ++i) {
        // No batches of starts at a count (a pool's): the medians are unknown (Statistics::median of none).
        starts.counts.append({ counts[i], Statistics::median(walls[i]), Statistics::median(finishes[i]), walls[i],
            cycles[i].size() >= kHandOutCycles ? Statistics::median(cycles[i]) : kUnknown });
    }
    return starts;
}

} // namespace parlab
