#include "workerstarts.h"

#include "backends/backend.h"
#include "backends/backendregistry.h"
#include "clock.h"
#include "context.h"
#include "experimentspec.h"
#include "kernels/kernel.h"
#include "kernels/kernelregistry.h"
#include "stats/schedule.h"
#include "stats/statistics.h"

#include <algorithm>

namespace parlab {

bool WorkerStarts::measuredFor(const QString& backendId)
{
    const BackendFacts facts = BackendRegistry::factsOf(backendId);
    return facts.known && facts.usesWorkers && !facts.runsPython
        && (facts.footprint.processes <= 0 || Schedule::startsAWorkerPerHandOut(backendId));
}

int WorkerStarts::roundsFor(const QString& backendId)
{
    return BackendRegistry::factsOf(backendId).footprint.processes > 0 ? kProcessRounds : kRounds;
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

WorkerStarts WorkerStarts::measure(Backend& backend, int cores, int rounds)
{
    WorkerStarts starts;
    starts.backend = backend.id();
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
        backend.execute(*noop, inputs, workers, control, spans);
        const qint64 t1 = monotonicNs();
        qint64 lastEnd = t0;
        for (const TaskSpan& span : std::as_const(spans))
            lastEnd = std::max(lastEnd, span.endNs);
        return std::pair { double(t1 - t0) * 1e-9, double(t1 - std::min(lastEnd, t1)) * 1e-9 };
    };
    for (int k : counts)
        batch(k);
    QList<QList<double>> walls(counts.size()), finishes(counts.size());
    for (int r = 0; r < starts.rounds; ++r) {
        for (qsizetype i = 0; i < counts.size(); ++i) {
            const auto [wall, finish] = batch(counts[i]);
            walls[i].append(wall);
            finishes[i].append(finish);
        }
    }
    for (qsizetype i = 0; i < counts.size(); ++i)
        starts.counts.append({ counts[i], Statistics::median(walls[i]), Statistics::median(finishes[i]), walls[i] });
    return starts;
}

} // namespace parlab
