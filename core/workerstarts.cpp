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
    return BackendRegistry::factsOf(backendId).servesInCaller
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

WorkerStarts WorkerStarts::probe(const QString& id, const ExperimentSpec& spec, int cores)
{
    // Placed as the run's workers are: a pinned run's second thread starts on the core the run gave it. Worker i's
    // CPU is the same at every count (Topology::placement), so the largest count's places all. A pool not pinned is
    // placed as scatter puts it, its parent on its first worker's CPU (the serving thread's place, as a pinned
    // run's): the scheduler places a pool's processes for its life, and fresh pools drew their parent and worker on
    // two cores in 10 of 12 tries, a round trip of 45-64 µs against 7-10 on one, where the run's own pool of one had
    // shared its parent's.
    const QList<int> counts = countsFor(cores);
    const bool served = BackendRegistry::factsOf(id).servesInCaller;
    const bool pinned = WorkerPlacement::pinnedBy(spec.options, id) == WorkerPlacement::PinnedBy::Pin;
    QList<int> cpus;
    if (const Result<Topology>& topology = Topology::machine(); topology && (pinned || served)) {
        cpus = pinned ? WorkerPlacement::cpus(spec.options, id, counts.constLast(), *topology, -1)
                      : topology->placement(Pinning::Scatter, counts.constLast());
    }
    // One backend for every count, but a pool for each count (one of another size starts afresh).
    std::map<int, std::unique_ptr<Backend>> backends;
    const auto backendFor = [&](int workers) -> Backend& {
        std::unique_ptr<Backend>& backend = backends[served ? workers : 0];
        if (!backend) {
            backend = BackendRegistry::create(id);
            if (!backend)
                throw std::runtime_error("no backend to probe");
            backend->configure(spec.options);
            if (!cpus.isEmpty())
                backend->pinWorkers(cpus);
        }
        return *backend;
    };
    ScopedPin serving;
    if (const int cpu = WorkerPlacement::servingCpu(id, cpus); cpu >= 0)
        (void)serving.pin(0, cpu);
    return measure(backendFor, cores, roundsFor(id), Schedule::chunkOf(spec, id));
}

WorkerStarts WorkerStarts::measure(
    const std::function<Backend&(int workers)>& backendFor, int cores, int rounds, int chunk)
{
    WorkerStarts starts;
    const QString id = backendFor(1).id();
    starts.backend = id;
    starts.rounds = std::max(1, rounds);
    const auto noop = KernelRegistry::create(QStringLiteral("noop"));
    const QList<int> counts = countsFor(cores);
    RunControl control;
    QList<TaskSpan> spans;
    // A batch of one noop task per worker: the workers' start and end, next to nothing else.
    const auto batch = [&](int workers) {
        const QList<qint64> inputs(workers, 0);
        control.beginBatch();
        const qint64 t0 = monotonicNs();
        backendFor(workers).execute(*noop, inputs, workers, control, spans);
        const qint64 t1 = monotonicNs();
        qint64 lastEnd = t0;
        for (const TaskSpan& span : std::as_const(spans))
            lastEnd = std::max(lastEnd, span.endNs);
        return std::pair { double(t1 - t0) * 1e-9, double(t1 - std::min(lastEnd, t1)) * 1e-9 };
    };
    // A batch of noop tasks (handOutTasks(id) per worker) from the one queue: each worker's time from one task's
    // start to its next, where both starts fall while every worker takes tasks (after the last one's first, before
    // the first one's last), appended to `cycles`. Where one thread serves every hand-out, each worker's cycle holds
    // the others' hand-outs served in turn, and those of the worker on the server's core are shorter than the rest's:
    // the mean cycle of the stretch, `workers` times its mean interval between two hand-outs (a chunk's first task:
    // chunks are handed out in input order), once for the batch, weighted by the intervals it holds (the rounds'
    // median of those is the figure). With chunksize 10 a probe of single tasks timed a tenth of a hand-out each,
    // and its growth came out at -1.9 µs.
    const bool handsOut = !Schedule::startsAWorkerPerHandOut(id);
    const bool served = BackendRegistry::factsOf(id).servesInCaller;
    const auto handOutBatch = [&](int workers, QList<double>& cycles) {
        const QList<qint64> inputs(qsizetype(workers) * handOutTasks(id, chunk), 0);
        control.beginBatch();
        backendFor(workers).execute(*noop, inputs, workers, control, spans);
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
            const qsizetype handOuts = std::count_if(spans.cbegin(), spans.cend(), [&](const TaskSpan& span) {
                return span.startNs >= from && span.startNs <= to && span.index % std::max(1, chunk) == 0;
            });
            if (handOuts >= 2)
                cycles.append(QList<double>(handOuts - 1, double(to - from) * 1e-9 * workers / double(handOuts - 1)));
            return;
        }
        for (const std::vector<qint64>& startsNs : byWorker) {
            for (size_t i = 1; i < startsNs.size(); ++i) {
                if (startsNs[i - 1] >= from && startsNs[i] <= to)
                    cycles.append(double(startsNs[i] - startsNs[i - 1]) * 1e-9);
            }
        }
    };
    for (int k : counts)
        batch(k);
    QList<QList<double>> walls(counts.size()), finishes(counts.size()), cycles(counts.size());
    // A pool starts its workers once for all its batches: what its batches of k start is no process (and each
    // batch at another count than the pool's would start a pool afresh).
    for (int r = 0; !served && r < starts.rounds; ++r) {
        for (qsizetype i = 0; i < counts.size(); ++i) {
            const auto [wall, finish] = batch(counts[i]);
            walls[i].append(wall);
            finishes[i].append(finish);
        }
    }
    // After the start rounds, not among them: a round's hand-out batches left the next round's batch of one slower
    // than the batch of two (lags of -31 to -9 µs where the starts alone gave about 0).
    for (int r = 0; handsOut && r < starts.rounds; ++r) {
        for (qsizetype i = 0; i < counts.size(); ++i)
            handOutBatch(counts[i], cycles[i]);
    }
    for (qsizetype i = 0; i < counts.size(); ++i) {
        starts.counts.append({ counts[i], walls[i].isEmpty() ? kUnknown : Statistics::median(walls[i]),
            finishes[i].isEmpty() ? kUnknown : Statistics::median(finishes[i]), walls[i],
            cycles[i].size() >= kHandOutCycles ? Statistics::median(cycles[i]) : kUnknown });
    }
    return starts;
}

} // namespace parlab
