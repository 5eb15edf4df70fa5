#include "runner.h"

#include "backends/backend.h"
#include "backends/backendregistry.h"
#include "clock.h"
#include "kernels/kernel.h"
#include "kernels/kernelregistry.h"
#include "stats/analysis.h"
#include "stats/statistics.h"

#include <QThread>
#include <cmath>
#include <memory>
#include <vector>

namespace parlab {

namespace {
quint64 combine(const QList<TaskSpan>& spans)
{
    quint64 h = 0xcbf29ce484222325ULL;
    for (const TaskSpan& s : spans)
        h = mix64(h ^ s.checksum);
    return h;
}

struct Combination {
    std::unique_ptr<Backend> backend;
    int workers = 1;
    double weight = 1; // expected cost, for the ETA
    int measurementIndex = -1;
};
} // namespace

Runner::Runner(QObject* parent)
    : QObject(parent)
{
    static const int registered = [] {
        qRegisterMetaType<ExperimentSpec>();
        qRegisterMetaType<Measurement>();
        qRegisterMetaType<RunResult>();
        return 0;
    }();
    Q_UNUSED(registered);
}

void Runner::cancel()
{
    m_control.cancel();
}

void Runner::cancel(int generation)
{
    int previous = m_cancelledUpTo.load();
    while (previous < generation && !m_cancelledUpTo.compare_exchange_weak(previous, generation)) { }
    // Either start() already published this generation and sees nothing of the above (so cancel it here),
    // or it reads m_cancelledUpTo after publishing and cancels itself.
    if (m_activeGeneration.load() == generation)
        m_control.cancel();
}

QList<QPair<QString, int>> Runner::plan(const ExperimentSpec& spec)
{
    QList<QPair<QString, int>> combinations;
    QStringList backends = spec.backends;
    QStringList baselines;
    for (const QString& id : backends) {
        if (const auto backend = BackendRegistry::create(id); backend && !baselines.contains(backend->baseline()))
            baselines.append(backend->baseline());
    }
    // Baselines first, so each round's speedups have their reference from the same round.
    for (const QString& id : baselines) {
        backends.removeAll(id);
        backends.prepend(id);
    }
    for (const QString& id : std::as_const(backends)) {
        const auto backend = BackendRegistry::create(id);
        if (!backend)
            continue;
        if (!backend->usesWorkers()) {
            combinations.append({ id, 1 });
            continue;
        }
        for (int w : spec.workers) {
            if (!combinations.contains(QPair<QString, int>(id, w)))
                combinations.append({ id, w });
        }
    }
    return combinations;
}

void Runner::start(const ExperimentSpec& spec, int generation)
{
    Q_ASSERT(QThread::currentThread() == thread());
    m_control.reset();
    m_activeGeneration.store(generation);
    if (m_cancelledUpTo.load() >= generation)
        m_control.cancel(); // cancelled while its start was still queued

    RunResult result;
    result.generation = generation;
    result.spec = spec;
    result.created = QDateTime::currentDateTime();
    result.environment = Environment::capture();

    int done = 0;
    auto fail = [&](const QString& error) {
        result.error = error;
        result.completedRuns = done;
        analyse(result);
        Q_EMIT failed(generation, error);
        Q_EMIT finished(result);
    };

    if (const QString error = validateSpec(spec); !error.isEmpty())
        return fail(error);
    const auto kernel = KernelRegistry::create(spec.kernel);
    kernel->configure(spec.options);

    double totalCost = 0;
    for (qint64 input : spec.inputs)
        totalCost += kernel->cost(input);
    const int cores = std::max(1, result.environment.logicalCores);

    std::vector<Combination> combinations;
    const QList<QPair<QString, int>> planned = plan(spec);
    // The bounds come from the tasks' costs in sequential, or, in a run of the python-* family alone, in
    // python-sequential: the costs of the tasks the parallel runs are compared with.
    QString boundsBackend = QStringLiteral("sequential");
    if (!planned.isEmpty() && !planned.contains(QPair<QString, int>(boundsBackend, 1)))
        boundsBackend = planned.constFirst().first;
    for (const auto& [id, workers] : planned) {
        Combination c;
        c.backend = BackendRegistry::create(id);
        c.backend->configure(spec.options);
        if (const QString runtime = c.backend->runtime(); !runtime.isEmpty())
            result.runtimes.insert(id, runtime);
        c.workers = workers;
        const int parallel = c.backend->usesWorkers() ? std::min({ workers, cores, int(spec.inputs.size()) }) : 1;
        c.weight = totalCost / parallel;
        c.measurementIndex = int(result.measurements.size());
        Measurement m;
        m.generation = generation;
        m.backend = id;
        m.workers = workers;
        result.measurements.append(m);
        combinations.push_back(std::move(c));
    }

    const int rounds = spec.warmup + spec.repeats;
    result.plannedRuns = rounds * int(combinations.size());
    double totalWeight = 0;
    for (const Combination& c : combinations)
        totalWeight += c.weight * rounds;

    Q_EMIT started(generation, result.plannedRuns);

    // Sequential per-task durations of every recorded round, for the bounds.
    QList<QList<double>> taskSamples(spec.inputs.size());
    QList<quint64> referenceTasks;
    const qint64 startNs = monotonicNs();
    double doneWeight = 0;

    for (int round = 0; round < rounds; ++round) {
        const bool warmup = round < spec.warmup;
        for (Combination& c : combinations) {
            Measurement& m = result.measurements[c.measurementIndex];
            const QString current = QStringLiteral("%1%2, round %3 of %4")
                                        .arg(m.label(), warmup ? QStringLiteral(" (warmup)") : QString())
                                        .arg(round + 1)
                                        .arg(rounds);
            QList<TaskSpan> spans;
            m_control.beginBatch();
            const double cpuBefore = processCpuSeconds() + c.backend->liveChildCpuSeconds();
            const qint64 t0 = monotonicNs();
            QString error;
            try {
                c.backend->execute(*kernel, spec.inputs, c.workers, m_control, spans);
            } catch (const Cancelled&) {
                result.cancelled = true;
            } catch (const BackendError& e) {
                error = QStringLiteral("%1: %2").arg(m.label(), e.message());
            } catch (const std::exception& e) {
                error = QStringLiteral("%1: %2").arg(m.label(), QString::fromLocal8Bit(e.what()));
            }
            if (!error.isEmpty() && !result.cancelled && !m_control.isCancelled()) {
                if (!spec.continueOnError())
                    return fail(error);
                // Keep going: this repeat is marked failed, the backend starts afresh next time.
                ++done;
                doneWeight += c.weight;
                ++m.failedRuns;
                m.lastError = error;
                result.completedRuns = done;
                analyse(result);
                Q_EMIT measurementReady(m);
                Q_EMIT resultChanged(result);
                Q_EMIT progress(generation, done, result.plannedRuns, -1.0, current);
                continue;
            }
            if (result.cancelled || m_control.isCancelled()) {
                result.cancelled = true;
                result.completedRuns = done;
                analyse(result);
                Q_EMIT finished(result);
                return;
            }
            const double wall = double(monotonicNs() - t0) * 1e-9;
            const double cpu = processCpuSeconds() + c.backend->liveChildCpuSeconds() - cpuBefore;

            // Every run of every backend must reproduce the sequential checksums, task by task.
            if (referenceTasks.isEmpty()) {
                for (const TaskSpan& s : spans)
                    referenceTasks.append(s.checksum);
                result.referenceChecksum = combine(spans);
            } else {
                for (const TaskSpan& s : std::as_const(spans)) {
                    if (s.checksum != referenceTasks[s.index])
                        return fail(QStringLiteral("checksum mismatch: %1 gave %2 for input %3 (#%4), sequential "
                                                   "gave %5: the backend computed something else")
                                        .arg(m.label(), QString::number(s.checksum, 16))
                                        .arg(s.input)
                                        .arg(s.index + 1)
                                        .arg(QString::number(referenceTasks[s.index], 16)));
                }
            }

            ++done;
            doneWeight += c.weight;
            if (!warmup) {
                m.samplesS.append(wall);
                m.cpuS.append(cpu);
                if (const double launch = c.backend->lastLaunchSeconds(); std::isfinite(launch))
                    m.launchS.append(launch);
                m.checksum = combine(spans);
                if (const qint64 switches = c.backend->lastSwitches(); switches >= 0)
                    m.switches.append(switches);
                m.states = c.backend->lastStates();
                if (!c.backend->usesWorkers() && c.backend->id() == boundsBackend) {
                    for (const TaskSpan& s : std::as_const(spans))
                        taskSamples[s.index].append(s.seconds());
                    result.bounds.taskCostsS.clear();
                    for (const QList<double>& samples : std::as_const(taskSamples))
                        result.bounds.taskCostsS.append(Statistics::median(samples));
                }
                m.spans = std::move(spans);
                result.completedRuns = done;
                analyse(result);
                Q_EMIT measurementReady(m);
                Q_EMIT resultChanged(result);
            }
            const double elapsed = double(monotonicNs() - startNs) * 1e-9;
            const double eta = doneWeight > 0 ? elapsed * (totalWeight - doneWeight) / doneWeight : -1.0;
            Q_EMIT progress(generation, done, result.plannedRuns, eta, current);
        }
    }
    result.completedRuns = done;
    analyse(result);
    Q_EMIT finished(result);
}

} // namespace parlab
