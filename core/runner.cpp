#include "runner.h"

#include "backends/backend.h"
#include "backends/backendregistry.h"
#include "clock.h"
#include "cpufrequency.h"
#include "enginerun.h"
#include "environment.h"
#include "experimentspec.h"
#include "kernels/kernel.h"
#include "kernels/kernelregistry.h"
#include "measurement.h"
#include "optiondescriptor.h"
#include "processguard.h"
#include "resourceusage.h"
#include "result.h"
#include "runoptions.h"
#include "runresult.h"
#include "stats/analysis.h"
#include "stats/losses.h"
#include "stats/statistics.h"
#include "taskspan.h"
#include "topology.h"
#include "workerplacement.h"
#include "workerstarts.h"

#include <QThread>
#include <array>
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
    bool usesWorkers = true; // the backend's facts
    TaskLock lock = TaskLock::None;
    bool tasksApart = false; // its tasks run in other processes than this one
    int workers = 1;
    int scale = 1; // times the base inputs' work (workScale): above 1 only in a weak run
    QList<qint64> inputs; // what it runs: the spec's inputs at its scale (scaledInputs)
    double weight = 1; // expected cost, for the ETA
    int measurementIndex = -1;
    // The CPU a backend that runs its tasks in this thread (sequential) is pinned to; -1 where none.
    int threadCpu = -1;
    // The CPU this thread serves the workers' hand-outs from, held through each execute
    // (WorkerPlacement::servingCpu); -1 where the scheduler places it.
    int servingCpu = -1;
};

// One run from its first round to its last: Runner::start makes one and calls exec(). Every way a run ends
// (success, failure, cancel) goes through finish(), so `finished` is emitted exactly once.
//
// With an interleaved baseline (Runner::setInterleavedWith) a second Run, its partner, measures the baseline's spec
// in the same rounds: each combination once in each, the order alternating, so the machine's drift falls on both
// alike. The partner emits no signal of its own but its progress; its result goes with this one's
// (RunResult::interleavedBaseline), and its failure or cancel ends this run too.
class Run final {
public:
    Run(Runner& runner, RunControl& control, const BackendFactory& factory, const ExperimentSpec& spec,
        Run* measuredFor = nullptr)
        : m_runner(runner)
        , m_control(control)
        , m_factory(factory)
        , m_spec(spec)
        , m_rounds(spec.warmup + spec.repeats)
        , m_partner(measuredFor)
        , m_silent(measuredFor != nullptr)
    {
        m_result.spec = spec;
        m_result.created = QDateTime::currentDateTime();
        // With the cores' speeds: what option baseline_core pins to, and what tells a speedup from a slow
        // baseline core. A partner was measured on the same machine at the same time.
        m_result.environment = measuredFor ? measuredFor->m_result.environment : Environment::captureWithCores();
        if (measuredFor) {
            measuredFor->m_partner = this;
        } else {
            m_result.environment.label = spec.options.label;
            m_result.environment.commit
                = spec.options.commit.isEmpty() ? Environment::workingCommit() : spec.options.commit;
        }
    }

    void exec()
    {
        if (const Result<void> prepared = prepare(); !prepared)
            return failRun(prepared.error());
        if (m_partner) {
            if (const Result<void> prepared = m_partner->prepare(); !prepared)
                return failRun(QStringLiteral("the interleaved baseline: %1").arg(prepared.error()));
            if (m_partner->m_combinations.size() != m_combinations.size())
                return failRun(QStringLiteral("the interleaved baseline plans other combinations than the run"));
        }
        Q_EMIT m_runner.started(m_result.plannedRuns + (m_partner ? m_partner->m_result.plannedRuns : 0));
        m_frequency = std::make_unique<FrequencySampler>(); // the partner's rounds are this run's: one clock for both
        m_startNs = monotonicNs();
        if (m_partner)
            m_partner->m_startNs = m_startNs;
        for (int round = 0; round < m_rounds; ++round) {
            for (size_t i = 0; i < m_combinations.size(); ++i) {
                if (!m_partner) {
                    if (!runOnce(m_combinations[i], round))
                        return; // finish() ran
                    continue;
                }
                // Baseline first in every other step: neither program always runs right after the other.
                const bool partnerFirst = (size_t(round) + i) % 2 == 1;
                for (Run* arm :
                    partnerFirst ? std::array<Run*, 2> { m_partner, this } : std::array<Run*, 2> { this, m_partner }) {
                    if (!arm->runOnce(arm->m_combinations[i], round)) {
                        if (arm == this)
                            return; // finish() ran
                        return endWithPartner();
                    }
                }
            }
        }
        measureWorkerStarts();
        if (m_partner) {
            m_partner->m_result.environment.workerStarts = m_result.environment.workerStarts; // the same backends
            m_partner->finish();
        }
        finish();
    }

private:
    // The kernel and one backend per (backend, workers) combination, in plan order; an error ends the run.
    Result<void> prepare()
    {
        if (Result<void> valid = validateSpec(m_spec); !valid)
            return valid;
        m_kernel = KernelRegistry::create(m_spec.kernel);
        if (Result<void> configured = m_kernel->configure(m_spec.options); !configured)
            return configured;

        const int cores = std::max(1, m_result.environment.logicalCores);

        const QList<QPair<QString, int>> planned = Runner::plan(m_spec);
        // The bounds come from the tasks' costs in sequential, or, in a run of the python-* family alone, in
        // python-sequential: the costs of the tasks the parallel runs are compared with.
        m_boundsBackend = QStringLiteral("sequential");
        if (!planned.isEmpty() && !planned.contains(QPair<QString, int>(m_boundsBackend, 1)))
            m_boundsBackend = planned.constFirst().first;
        for (const auto& [id, workers] : planned) {
            Combination c;
            c.backend = m_factory(id);
            if (!c.backend)
                return fail(QStringLiteral("no backend '%1' to run").arg(id));
            c.backend->configure(m_spec.options);
            const QString runtime = c.backend->runtime();
            if (!runtime.isEmpty()) {
                m_result.runtimes.insert(id, runtime);
                if (BackendRegistry::factsOf(id).runsPython)
                    m_result.environment.python = runtime; // the interpreter's build: free-threaded or not
            }
            c.workers = workers;
            c.usesWorkers = BackendRegistry::factsOf(id).usesWorkers;
            c.lock = BackendRegistry::factsOf(id).lock;
            // Worker processes, or an interpreter of its own (python-sequential, python-threads).
            c.tasksApart = BackendRegistry::factsOf(id).footprint.processes > 0 || !runtime.isEmpty();
            c.scale = workScale(m_spec, id, workers);
            c.inputs = scaledInputs(m_spec, *m_kernel, c.scale);
            double cost = 0;
            for (qint64 input : std::as_const(c.inputs))
                cost += m_kernel->cost(input);
            const int parallel = c.usesWorkers ? std::min({ workers, cores, int(c.inputs.size()) }) : 1;
            c.weight = cost / parallel;
            c.measurementIndex = int(m_result.measurements.size());
            Measurement m;
            m.backend = id;
            m.workers = workers;
            m_result.measurements.append(m);
            m_combinations.push_back(std::move(c));
        }

        if (Result<void> placed = placeWorkers(); !placed)
            return placed;

        m_result.plannedRuns = Runner::plannedRuns(m_spec);
        Q_ASSERT(m_result.plannedRuns == m_rounds * int(m_combinations.size()));
        for (const Combination& c : m_combinations)
            m_totalWeight += c.weight * m_rounds;
        m_taskSamples.resize(m_spec.inputs.size());
        return {};
    }

    // What starting several workers at once costs here (WorkerStarts: the schedule simulator's start-up beyond one
    // worker), for each backend of the run that starts its workers in every batch (threads in this process, a process
    // per task), and what a pool's parent's hand-outs cost with several workers: once, after the last round, while the
    // process is as the run's batches had it (its pools, its children and its clock sampler still there; at a fresh
    // start two threads took half as long again to start). The registry's backend, not the factory's: it is this
    // machine's cost. One that fails here is left unmeasured; the run's own executes went through.
    void measureWorkerStarts()
    {
        const int cores = std::max(1, m_result.environment.logicalCores);
        for (const Combination& c : m_combinations) {
            const QString id = c.backend->id();
            if (!WorkerStarts::measuredFor(id) || m_result.environment.workerStartsOf(id) || m_control.isCancelled())
                continue;
            try {
                m_result.environment.workerStarts.append(
                    WorkerStarts::probe(id, m_spec, cores, [this] { return m_control.isCancelled(); }));
            } catch (const std::exception&) {
                continue;
            }
        }
    }

    // Options pin and baseline_core (WorkerPlacement's rule): the CPU of each worker of each combination, given to
    // its backend before the first execute; the environment records the baselines' CPU.
    Result<void> placeWorkers()
    {
        const RunOptions& options = m_spec.options;
        if (options.baselineCore != BaselineCore::Fastest && options.pin == Pinning::None)
            return {};
        const int fastest = m_result.environment.cores.fastest();
        if (options.baselineCore == BaselineCore::Fastest && fastest < 0)
            return fail(QStringLiteral("baseline_core fastest: the cores' speeds could not be measured, so there is no "
                                       "fastest core to pin the baseline to (run with baseline_core any)"));
        const Result<Topology>& topology = Topology::machine();
        if (options.pin != Pinning::None && !topology)
            return fail(QStringLiteral("pin %1: the machine's topology could not be read, so there is no placement "
                                       "(run with pin none): %2")
                            .arg(pinningName(options.pin), topology.error()));
        for (Combination& c : m_combinations) {
            const QString id = c.backend->id();
            const QList<int> cpus
                = WorkerPlacement::cpus(options, id, c.workers, topology ? *topology : Topology(), fastest);
            if (cpus.isEmpty())
                continue;
            c.backend->pinWorkers(cpus);
            if (!c.usesWorkers)
                m_result.environment.baselineCpu = cpus.constFirst();
            if (!c.usesWorkers && !c.tasksApart)
                c.threadCpu = cpus.constFirst();
            c.servingCpu = WorkerPlacement::servingCpu(id, cpus);
        }
        return {};
    }

    // One execute of one combination. False when the run ended (failed or cancelled).
    bool runOnce(Combination& c, int round)
    {
        const bool warmup = round < m_spec.warmup;
        Measurement& m = m_result.measurements[c.measurementIndex];
        const QString current = QStringLiteral("%1%2, round %3 of %4")
                                    .arg(m.label(), warmup ? QStringLiteral(" (warmup)") : QString())
                                    .arg(round + 1)
                                    .arg(m_rounds);
        QList<TaskSpan> spans;
        m_control.beginBatch();
        QString error;
        // A step of the backend: its failure becomes `error`, a cancel marks the run.
        auto attempt = [&](auto&& step) {
            try {
                step();
                return true;
            } catch (const Cancelled&) {
                m_result.cancelled = true;
            } catch (const BackendError& e) {
                error = QStringLiteral("%1: %2").arg(m.label(), e.message());
            } catch (const std::exception& e) {
                error = QStringLiteral("%1: %2").arg(m.label(), QString::fromLocal8Bit(e.what()));
            }
            return false;
        };
        // What the backend keeps for every repeat (mpirun's job) starts outside the timing; its launch is kept apart.
        if (attempt([&] { c.backend->start(*m_kernel, c.workers, m_control); })) {
            if (const double launch = c.backend->lastLaunchSeconds(); std::isfinite(launch))
                m.launchS.append(launch);
        }
        // A baseline pinned in this thread moves the thread to its CPU before the timing and lets it have every CPU
        // again, staying there: the backend's own pin then finds it there, and the watchdog thread it starts is not
        // confined to the baseline's core. Moved inside the timing, a pinned noop baseline of 300 tasks took 76-89 µs
        // against 34 µs unpinned, and every pinned speedup of small tasks was over twice what it was. A pin that
        // fails here fails in the backend too, which reports it naming the worker.
        if (c.threadCpu >= 0) {
            ScopedPin move;
            (void)move.pin(0, c.threadCpu);
        }
        // A dispatcher in this thread (a pool's parent) moves to its CPU before the timing and stays there through
        // the execute: a message between it and a worker costs what their places make it, every repeat alike.
        ScopedPin serving;
        if (c.servingCpu >= 0)
            (void)serving.pin(0, c.servingCpu);
        const double cpuBefore = processCpuSeconds() + c.backend->liveChildCpuSeconds();
        const bool peakReset = ResourceUsage::resetPeakRss();
        const qint64 t0 = monotonicNs();
        const int starterCpu = currentCpu(); // where this thread starts the workers (threads of this process)
        if (error.isEmpty() && !m_result.cancelled)
            attempt([&] { c.backend->execute(*m_kernel, c.inputs, c.workers, m_control, spans); });
        if (!error.isEmpty() || m_result.cancelled || m_control.isCancelled())
            serving.release(); // nothing more to time: what follows (the run's end, the signals) runs anywhere
        if (m_result.cancelled || m_control.isCancelled()) {
            m_result.cancelled = true;
            finish();
            return false;
        }
        // Numbered before anything of it is signalled: a watcher that takes it in at once is not waited for again.
        const std::uint64_t landed = m_control.land();
        if (!error.isEmpty()) {
            if (!m_spec.continueOnError()) {
                failRun(error);
                return false;
            }
            // Keep going: this repeat is marked failed, the backend starts afresh next time.
            countDone(c);
            ++m.failedRuns;
            m.lastError = error;
            m_analysis.update(m_result, c.measurementIndex);
            if (!m_silent) {
                Q_EMIT m_runner.measurementReady(m);
                Q_EMIT m_runner.resultChanged(m_result);
            }
            reportProgress(-1.0, current);
            pace(landed);
            return true;
        }
        const qint64 t1 = monotonicNs();
        serving.release();
        const double cpu = processCpuSeconds() + c.backend->liveChildCpuSeconds() - cpuBefore;
        RepeatUsage usage = measureUsage(c, peakReset);
        if (const Result<void> same = checkChecksums(c, m, spans); !same) {
            failRun(same.error());
            return false;
        }
        countDone(c);
        if (!warmup)
            record(c, m, std::move(spans), t0, t1, cpu, std::move(usage), starterCpu);
        const double elapsed = double(monotonicNs() - m_startNs) * 1e-9;
        const Run& run = m_silent ? *m_partner : *this; // what the progress is of: the run, both arms
        const double doneWeight = run.m_doneWeight + (run.m_partner ? run.m_partner->m_doneWeight : 0);
        const double totalWeight = run.m_totalWeight + (run.m_partner ? run.m_partner->m_totalWeight : 0);
        reportProgress(doneWeight > 0 ? elapsed * (totalWeight - doneWeight) / doneWeight : -1.0, current);
        pace(landed);
        return true;
    }

    // A paced run (Runner::setPaced) waits here, between two timed repeats, for its watcher to take in what landed.
    void pace(std::uint64_t landed) const
    {
        if (m_runner.paced())
            m_control.awaitTaken(landed, Runner::kPaceWait);
    }

    // Every run of every backend must reproduce the first run's checksums (the baseline's), task by task. For the
    // user's own code a difference is their function's doing (it is not deterministic, or it races), and the
    // message lists a few of the inputs that differed, to look at. A weak run's grown inputs are checked against
    // the base inputs' checksums where they repeat them, else against the first run at the same scale.
    Result<void> checkChecksums(const Combination& c, const Measurement& m, const QList<TaskSpan>& spans)
    {
        const QString label = c.usesWorkers ? m.label() : m.backend;
        Reference& ref = m_references[c.scale];
        if (ref.tasks.isEmpty() && c.scale > 1 && !m_kernel->scalesBySize() && m_references.contains(1)) {
            const Reference& base = m_references[1];
            for (int copy = 0; copy < c.scale; ++copy)
                ref.tasks.append(base.tasks);
            ref.label = base.label;
        }
        if (ref.tasks.isEmpty()) {
            for (const TaskSpan& s : spans)
                ref.tasks.append(s.checksum);
            if (c.scale == 1)
                m_result.referenceChecksum = combine(spans);
            ref.label = label;
            return {};
        }
        QList<const TaskSpan*> differing;
        for (const TaskSpan& s : spans) {
            if (s.checksum != ref.tasks[s.index])
                differing.append(&s);
        }
        if (differing.isEmpty())
            return {};
        const QString reference
            = label == ref.label ? QStringLiteral("%1 in an earlier round").arg(ref.label) : ref.label;
        const TaskSpan& first = *differing.constFirst();
        if (!m_kernel->isUsersCode()) {
            return fail(QStringLiteral("checksum mismatch: %1 gave %2 for input %3 (#%4), %5 gave %6: "
                                       "the backend computed something else")
                            .arg(label, QString::number(first.checksum, 16))
                            .arg(first.input)
                            .arg(first.index + 1)
                            .arg(reference, QString::number(ref.tasks[first.index], 16)));
        }
        constexpr int kListed = 3;
        QStringList listed;
        for (const TaskSpan* s : differing.first(std::min<qsizetype>(kListed, differing.size()))) {
            listed.append(
                QStringLiteral("input %1 (#%2) gave %3 on %4 but %5 on %6")
                    .arg(s->input)
                    .arg(s->index + 1)
                    .arg(QString::number(s->checksum, 16), label, QString::number(ref.tasks[s->index], 16), reference));
        }
        const QString more = differing.size() > kListed
            ? QStringLiteral("; and %1 more of %2 inputs").arg(differing.size() - kListed).arg(spans.size())
            : QString();
        return fail(QStringLiteral("your function is not deterministic, or races: %1%2 (checksums of what it returned)")
                        .arg(listed.join(QStringLiteral("; ")), more));
    }

    // The memory and context switches of the execute that just ended, read after the clock stopped (warm-ups too: a
    // pool's workers count afresh from each report). This process's peak is known when its high-water mark could be
    // reset before the execute (`peakReset`), and, for a backend whose tasks run in processes of their own, when
    // those were measured: ParLab's alone would understate what the repeat held. Otherwise the repeat says why not.
    static RepeatUsage measureUsage(Combination& c, bool peakReset)
    {
        const qint64 peak = ResourceUsage::peakRssBytes();
        RepeatUsage usage = c.backend->collectUsage();
        if (!peakReset)
            usage.whyUnknown = ResourceUsage::cannotResetPeak();
        else if (!c.tasksApart || usage.tasksApartMeasured())
            usage.processPeakRssBytes = peak;
        else if (usage.whyUnknown.isEmpty())
            usage.whyUnknown = ResourceUsage::tasksApartUnmeasured();
        return usage;
    }

    // A measured (not warm-up) repeat: its samples, and the bounds when it is the bounds' backend.
    void record(const Combination& c, Measurement& m, QList<TaskSpan> spans, qint64 t0, qint64 t1, double cpu,
        RepeatUsage usage, int starterCpu)
    {
        m.samplesS.append(double(t1 - t0) * 1e-9);
        m.cpuS.append(cpu);
        m.usage.append(std::move(usage));
        m.checksum = combine(spans);
        if (const qint64 switches = c.backend->lastSwitches(); switches >= 0)
            m.switches.append(switches);
        m.states = c.backend->lastStates();
        // Only the simulated lock's states are accounted: python-threads' measured ones are a picture of waits its
        // tasks already measured (their off-CPU time), which would otherwise count twice.
        m.accounts.append(Accounting::account(spans, c.lock == TaskLock::Simulated ? m.states : QList<StateSpan>(), t0,
            t1, c.usesWorkers ? c.workers : 1));
        const Backend::SerialWork serial = c.backend->lastSerialWork();
        m.accounts.last().startupSerialS = serial.startupS;
        m.accounts.last().dispatchSerialS = serial.dispatchS;
        if (c.usesWorkers && !c.tasksApart)
            m.accounts.last().startedAway = Accounting::startedAway(spans, starterCpu);
        if (!c.usesWorkers && c.backend->id() == m_boundsBackend) {
            for (const TaskSpan& s : std::as_const(spans))
                m_taskSamples[s.index].append(s.seconds());
            m_result.bounds.taskCostsS.clear();
            for (const QList<double>& samples : std::as_const(m_taskSamples))
                m_result.bounds.taskCostsS.append(Statistics::median(samples));
        }
        if (const Result<Topology>& topology = Topology::machine())
            WorkerPlacement::locateCores(spans, *topology);
        m.spans = std::move(spans);
        m_result.completedRuns = m_done;
        m_analysis.update(m_result, c.measurementIndex);
        if (!m_silent) {
            Q_EMIT m_runner.measurementReady(m);
            Q_EMIT m_runner.resultChanged(m_result);
        }
    }

    // Progress over both arms of an interleaved run, the baseline's repeats named as such.
    void reportProgress(double etaS, const QString& current)
    {
        const Run& run = m_silent ? *m_partner : *this;
        const Run* other = run.m_partner;
        Q_EMIT m_runner.progress(run.m_done + (other ? other->m_done : 0),
            run.m_result.plannedRuns + (other ? other->m_result.plannedRuns : 0), etaS,
            m_silent ? QStringLiteral("interleaved baseline: %1").arg(current) : current);
    }

    void countDone(const Combination& c)
    {
        ++m_done;
        m_doneWeight += c.weight;
        m_result.completedRuns = m_done;
    }

    // Ends the run with `error` (named apart from parlab::fail, which makes an Error value).
    void failRun(const QString& error)
    {
        m_result.error = error;
        if (!m_silent)
            Q_EMIT m_runner.failed(error);
        finish();
    }

    // The partner's repeat failed or was cancelled (it finished itself): this run ends the same way.
    void endWithPartner()
    {
        if (m_partner->m_result.cancelled) {
            m_result.cancelled = true;
            return finish();
        }
        failRun(QStringLiteral("the interleaved baseline failed: %1").arg(m_partner->m_result.error));
    }

    void finish()
    {
        if (m_frequency)
            m_result.environment.frequency = m_frequency->stop();
        m_result.completedRuns = m_done;
        m_analysis.finish(m_result);
        m_finished = true;
        if (m_silent)
            return;
        if (m_partner) {
            // Whatever the partner measured goes with this run, a failed one's too: nothing measured is lost.
            m_partner->m_result.environment.frequency = m_result.environment.frequency;
            if (!m_partner->m_finished) {
                m_partner->m_result.cancelled = m_result.cancelled; // a cancel ends both, a failure too
                if (!m_result.error.isEmpty())
                    m_partner->m_result.error
                        = QStringLiteral("ended with the run it is the baseline of: %1").arg(m_result.error);
                m_partner->finish();
            }
            m_result.interleavedBaseline = std::make_shared<const RunResult>(m_partner->m_result);
            if (const quint64 other = m_partner->m_result.referenceChecksum;
                other != 0 && m_result.referenceChecksum != 0 && other != m_result.referenceChecksum) {
                m_result.warnings.append(
                    QStringLiteral(
                        "the interleaved baseline's output differs from this run's (checksum %1 against %2): the two "
                        "programs do not compute the same thing")
                        .arg(QString::number(other, 16), QString::number(m_result.referenceChecksum, 16)));
            }
        }
        Q_EMIT m_runner.finished(m_result);
    }

    Runner& m_runner;
    RunControl& m_control;
    const BackendFactory& m_factory;
    const ExperimentSpec& m_spec;
    const int m_rounds; // warm-up rounds, then measured ones
    RunResult m_result;
    LiveAnalysis m_analysis; // after each repeat, what it changed; every figure exact at the end
    std::unique_ptr<Kernel> m_kernel;
    std::vector<Combination> m_combinations;
    QString m_boundsBackend;
    QList<QList<double>> m_taskSamples; // sequential per-task durations of every recorded round, for the bounds
    // The checksums every run at one work scale must reproduce, task by task, and the run that gave them
    // ("sequential", "python-sequential"); by scale (1 but in a weak run).
    struct Reference {
        QList<quint64> tasks;
        QString label;
    };
    QMap<int, Reference> m_references;
    Run* m_partner = nullptr; // the other arm of an interleaved run: the baseline's, or the run it is measured for
    const bool m_silent; // the baseline's arm: its result goes with the run's
    bool m_finished = false;
    std::unique_ptr<FrequencySampler> m_frequency; // from the first round to the end
    qint64 m_startNs = 0;
    int m_done = 0;
    double m_doneWeight = 0;
    double m_totalWeight = 0;
};
} // namespace

Runner::Runner(QObject* parent)
    : Runner(&BackendRegistry::create, parent)
{ }

Runner::Runner(BackendFactory factory, QObject* parent)
    : QObject(parent)
    , m_factory(std::move(factory))
{
    static const int registered = [] {
        qRegisterMetaType<ExperimentSpec>();
        qRegisterMetaType<Measurement>();
        qRegisterMetaType<RunResult>();
        return 0;
    }();
    Q_UNUSED(registered);
}

void Runner::setInterleavedWith(const ExperimentSpec& baseline)
{
    m_interleaved = std::make_shared<const ExperimentSpec>(baseline);
}

void Runner::cancel()
{
    m_control.cancel();
}

void Runner::taken()
{
    m_control.take();
}

QList<QPair<QString, int>> Runner::plan(const ExperimentSpec& spec)
{
    QList<QPair<QString, int>> combinations;
    QStringList backends = spec.backends;
    QStringList baselines;
    for (const QString& id : backends) {
        if (const BackendFacts* facts = BackendRegistry::find(id); facts && !baselines.contains(facts->baseline))
            baselines.append(facts->baseline);
    }
    // Baselines first, so each round's speedups have their reference from the same round.
    for (const QString& id : baselines) {
        backends.removeAll(id);
        backends.prepend(id);
    }
    for (const QString& id : std::as_const(backends)) {
        const BackendFacts* facts = BackendRegistry::find(id);
        if (!facts)
            continue;
        if (!facts->usesWorkers) {
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

bool Runner::runsInEngine(const ExperimentSpec& spec, Isolation isolation)
{
    switch (isolation) {
    case Isolation::Engine:
        return true;
    case Isolation::InProcess:
        return false;
    case Isolation::ByKernel:
        break;
    }
    return KernelRegistry::isUserCode(spec.kernel);
}

int Runner::plannedRuns(const ExperimentSpec& spec)
{
    return (spec.warmup + spec.repeats) * int(plan(spec).size());
}

void Runner::start(const ExperimentSpec& spec)
{
    Q_ASSERT(QThread::currentThread() == thread());
    // The switches are cleared after a run, not before: a cancel() made while this start() was still queued
    // is kept, and the run ends at once.
    if (m_interleaved) {
        // Both arms here: an engine process streams one run. Only built-in kernels get a partner (the CLI's
        // --interleave-with runs the command kernel), which run here anyway.
        Run run(*this, m_control, m_factory, spec);
        Run partner(*this, m_control, m_factory, *m_interleaved, &run);
        run.exec();
    } else if (runsInEngine(spec, m_isolation)) {
        EngineRun(*this, m_control, spec).exec();
    } else {
        Run(*this, m_control, m_factory, spec).exec();
    }
    // The run's backends are gone; anything they started that still runs is a stray.
    ProcessGuard::endStrays();
    m_control.reset();
}

} // namespace parlab
