#include "runestimate.h"

#include "backends/backendregistry.h"
#include "clock.h"
#include "context.h"
#include "environment.h"
#include "kernels/kernel.h"
#include "kernels/kernelregistry.h"
#include "runner.h"
#include "runoptions.h"
#include "stats/bounds.h"
#include "stats/statistics.h"

#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QMutex>
#include <QThread>
#include <QtConcurrent/QtConcurrentRun>
#include <algorithm>
#include <cmath>
#include <exception>
#include <numeric>
#include <stdlib.h>

namespace parlab {

namespace {
// The calibration's ladder: each step runs an input at least kStepSampleS in all (repeating a tiny one) to learn
// roughly what a cost unit takes, then moves to the largest input predicted to take at most kStepMaxS. It stops
// at an input that takes kStepEnoughS once (timer and cache effects well under 1%), or when kBudgetS is spent,
// and times that input in kFinalBatches batches: about 50 ms in all.
constexpr double kStepSampleS = 0.0002;
constexpr double kStepEnoughS = 0.003;
constexpr double kStepMaxS = 0.010;
constexpr double kBudgetS = 0.025;
constexpr int kFinalBatches = 3;
constexpr int kMaxRunsPerStep = 10'000;

// What starting things costs, in seconds, from `parlab overhead` on the 2-core development machine while it was
// busy (a fresh worker 45 ms, mpirun's launch 0.73 s; about half that when idle) and python3 3.11 there: an
// estimate should rather err long.
// A fresh `parlab worker` process, spawned and ready (process-per-task pays it per task, a pool per worker).
constexpr double kWorkerSpawnS = 0.03;
// A task's round trip through a pool worker's pipes (34 us measured).
constexpr double kPipeTaskS = 0.00005;
// mpirun until every rank is ready, once per (backend, workers) in a run.
constexpr double kMpiLaunchS = 0.8;
// A CPython interpreter with ParLab's worker script and its imports, and each multiprocessing pool process.
constexpr double kPythonStartS = 0.15;
constexpr double kPythonWorkerStartS = 0.05;
// A task handed to the interpreter and its result back (JSON lines).
constexpr double kPythonTaskS = 0.0001;
// What every run does before its first round: its thread, the environment, then each core's speed timed in rounds
// of about this much CPU per core (calibrateCpus): a run of one noop took 54 ms in all on the idle 2-core machine,
// 0.15 to 0.2 s while it was busy; too little to matter beside the hours an estimate is for.
constexpr double kRunStartS = 0.03;
constexpr double kCoreRoundS = 0.004;

// How many times longer pure-Python kernels take than ParLab's C++ ones: CPU time of python-sequential against
// sequential in one run on the development machine (CPython 3.11: fib 24x4 53 ms against 1.26 ms, primes
// 100000x2 294 ms against 13 ms). Kernels whose input is a time (sleep, spin) take the same; with python_native
// every python-* backend calls the C++ kernel.
double pythonSlowdown(const QString& kernel)
{
    if (kernel == QLatin1String("fib"))
        return 45;
    if (kernel == QLatin1String("primes"))
        return 25;
    return 1;
}

// What one backend adds to its tasks, from its facts (and, for how it starts, its id).
struct BackendModel {
    bool serial = false; // its tasks run one at a time: no workers, or CPU work under a lock
    bool coreBound = true; // at most one task per core runs at a time (CPU work); I/O waits do not need a core
    double slowdown = 1; // per task, against the C++ kernel in this process
    double perTaskS = 0; // dispatch added to each task
    double startS = 0; // once per run of this combination
    double perWorkerStartS = 0; // once per run, per worker started
};

BackendModel modelOf(const QString& id, const Kernel& kernel, const RunOptions& options)
{
    const BackendFacts facts = BackendRegistry::factsOf(id);
    BackendModel m;
    const bool io = kernel.kind() == KernelKind::Io;
    const bool python = facts.baseline == QLatin1String("python-sequential");
    const bool lockHeld = (facts.lock == TaskLock::Simulated && !options.releaseGil)
        || (facts.lock == TaskLock::Interpreter && !options.pythonNative);
    m.serial = !facts.usesWorkers || (lockHeld && !io);
    m.coreBound
        = !io && !(id == QLatin1String("mpi") && !options.hostfile.isEmpty()); // a hostfile's cores are not ours
    if (python) {
        m.slowdown = options.pythonNative ? 1 : pythonSlowdown(kernel.name());
        m.perTaskS = kPythonTaskS;
        m.startS = kPythonStartS;
        if (id == QLatin1String("python-processes"))
            m.perWorkerStartS = kPythonWorkerStartS;
    } else if (id == QLatin1String("process-per-task")) {
        m.perTaskS = kWorkerSpawnS;
    } else if (id == QLatin1String("mpi")) {
        m.startS = kMpiLaunchS;
        m.perTaskS = kPipeTaskS;
    } else if (facts.footprint.processes > 0) { // a pool of worker processes
        m.perWorkerStartS = kWorkerSpawnS;
        m.perTaskS = kPipeTaskS;
    }
    return m;
}

QString cacheKey(const ExperimentSpec& spec)
{
    return spec.kernel + QLatin1Char(' ')
        + QString::fromUtf8(
            QJsonDocument(QJsonObject::fromVariantMap(spec.options.kernelSettings)).toJson(QJsonDocument::Compact));
}

// The calibrations of this program, by kernel and settings. Calibrations run one at a time (two at once would
// slow each other down); looking one up never waits for one to finish.
QMutex s_calibrating;
QMutex s_cacheLock;
QHash<QString, KernelCalibration> s_cache;

std::optional<KernelCalibration> cached(const QString& key)
{
    const QMutexLocker lock(&s_cacheLock);
    const auto it = s_cache.constFind(key);
    return it == s_cache.constEnd() ? std::nullopt : std::optional<KernelCalibration>(*it);
}

int cores()
{
    return std::max(1, QThread::idealThreadCount());
}

// The 1-minute load average: other programs' runnable threads (and, for a minute after a run, that run's own); 0
// where it cannot be read.
double loadAverage()
{
    double load = 0;
    return getloadavg(&load, 1) == 1 && std::isfinite(load) ? std::max(0.0, load) : 0.0;
}

// How much longer CPU work on `parallel` threads takes beside `load` other runnable threads on `cores` cores than
// alone: the scheduler shares the cores evenly, so the threads get cores x parallel / (load + parallel) of them.
double busyFactor(int parallel, int cores, double load)
{
    const double alone = std::min(parallel, cores);
    const double shared = double(cores) * parallel / (load + parallel);
    return alone / std::min(alone, shared);
}

// The spec's kernel, configured, or why there is no estimate.
std::unique_ptr<Kernel> kernelFor(const ExperimentSpec& spec, RunEstimate& unknown)
{
    auto kernel = KernelRegistry::create(spec.kernel);
    if (!kernel) {
        unknown.why = QStringLiteral("there is no kernel '%1'").arg(spec.kernel);
        return nullptr;
    }
    if (!kernel->costIsKnown()) {
        unknown.why
            = QStringLiteral("the %1 kernel runs your own code, whose cost ParLab cannot know").arg(kernel->name());
        return nullptr;
    }
    if (const Result<void> configured = kernel->configure(spec.options); !configured) {
        unknown.why = configured.error();
        return nullptr;
    }
    return kernel;
}
} // namespace

QString RunEstimate::label() const
{
    return known ? RunEstimator::durationText(seconds) : QStringLiteral("unknown");
}

QString RunEstimate::biggestText() const
{
    if (!known || biggestCount == 0)
        return {};
    const QString what = QStringLiteral("%1(%2)").arg(kernel).arg(biggestInput);
    return biggestCount == 1
        ? QStringLiteral("%1: %2").arg(what, RunEstimator::durationText(biggestS))
        : QStringLiteral("%1 × %2 inputs: %3").arg(what).arg(biggestCount).arg(RunEstimator::durationText(biggestS));
}

QString RunEstimate::planText() const
{
    if (!known)
        return QStringLiteral("estimated duration: unknown (%1)\n").arg(why);
    QStringList lines;
    const QString row = QStringLiteral("%1  %2  %3  %4  %5  %6");
    lines.append(row.arg(QStringLiteral("backend"), -18)
                     .arg(QStringLiteral("workers"), 7)
                     .arg(QStringLiteral("rounds"), 6)
                     .arg(QStringLiteral("each round"), -16)
                     .arg(QStringLiteral("start-up"), -16)
                     .arg(QStringLiteral("in all")));
    for (const EstimatedPart& p : parts) {
        lines.append(row.arg(p.backend, -18)
                         .arg(p.workers, 7)
                         .arg(p.rounds, 6)
                         .arg(RunEstimator::durationText(p.roundS), -16)
                         .arg(p.startS > 0 ? RunEstimator::durationText(p.startS) : QStringLiteral("-"), -16)
                         .arg(RunEstimator::durationText(p.totalS())));
    }
    if (busyFactor > 1.1)
        lines.append(QStringLiteral("this machine is busy (%1 other threads want its %2 cores): CPU work is estimated "
                                    "%3x slower than on an idle machine")
                         .arg(load, 0, 'f', 1)
                         .arg(cores)
                         .arg(busyFactor, 0, 'f', 1));
    lines.append(
        QStringLiteral("estimated duration: %1%2")
            .arg(label(), biggestText().isEmpty() ? QString() : QStringLiteral(" (the most: %1)").arg(biggestText())));
    return lines.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

QString RunEstimator::durationText(double s)
{
    if (!std::isfinite(s) || s < 0)
        return s > 0 ? QStringLiteral("forever") : QStringLiteral("unknown");
    constexpr double kMinute = 60, kHour = 3600, kDay = 86'400, kWeek = 7 * kDay, kMonth = 30.44 * kDay,
                     kYear = 365.25 * kDay;
    auto about = [](double value, const char* unit) {
        return QStringLiteral("about %1 %2").arg(std::llround(value)).arg(QLatin1String(unit));
    };
    if (s < 1)
        return QStringLiteral("under a second");
    if (s < 90)
        return about(s, "s");
    if (s < 90 * kMinute)
        return about(s / kMinute, "min");
    if (s < 36 * kHour)
        return about(s / kHour, "h");
    if (s < 2 * kWeek)
        return about(s / kDay, "days");
    if (s < 9 * kWeek)
        return about(s / kWeek, "weeks");
    if (s < 2 * kYear)
        return about(s / kMonth, "months");
    return about(s / kYear, "years");
}

KernelCalibration RunEstimator::calibrate(const Kernel& kernel)
{
    RunControl control;
    Context context(control, 0);
    const qint64 t0 = monotonicNs();
    const qint64 cpu0 = threadCpuNs();
    auto elapsed = [t0] { return double(monotonicNs() - t0) * 1e-9; };
    // CPU work is timed in this thread's CPU time: on a busy machine a 50 ms wall-clock sample holds a few of the
    // scheduler's time slices at most, and one more or less made two estimates a minute apart differ threefold.
    // The figure is then what the kernel takes with a core to itself, as a run on an idle machine gets. I/O work
    // (sleep) uses no CPU: its wall time is the figure.
    qint64 (*const clock)() = kernel.kind() == KernelKind::Io ? monotonicNs : threadCpuNs;
    // Seconds per run of `input`: the median of `batches` batches, each repeating the input until it ran `batchS`
    // (once, for 0), reading the clock after 1, 1, 2, 4, ... runs so that reading it costs a tiny input little.
    // The median keeps a run that woke late from setting the figure.
    int runs = 0;
    auto measure = [&](qint64 input, double batchS, int batches) {
        QList<double> perRun;
        runs = 0;
        for (int b = 0; b < batches; ++b) {
            const qint64 start = clock();
            int n = 0;
            int group = 1;
            double spent = 0;
            do {
                for (int i = 0; i < group; ++i)
                    kernel.run(input, context);
                n += group;
                group = std::min(2 * group, kMaxRunsPerStep - n);
                spent = double(clock() - start) * 1e-9;
            } while (spent < batchS && group > 0);
            perRun.append(spent / n);
            runs += n;
        }
        return Statistics::median(perRun);
    };
    const InputRange range = kernel.range();
    auto cost = [&](qint64 input) { return std::max(kernel.cost(input), 1e-12); };
    qint64 x = std::clamp<qint64>(0, range.min, range.max);
    double perRun = measure(x, kStepSampleS, 1);
    for (;;) {
        if (perRun >= kStepEnoughS) {
            // A run that woke late looks long too: only a second one confirms it.
            perRun = std::min(perRun, measure(x, kStepSampleS, 1));
            if (perRun >= kStepEnoughS)
                break;
        }
        if (elapsed() >= kBudgetS)
            break;
        const double perCost = perRun / cost(x);
        auto predicted = [&](qint64 input) { return cost(input) * perCost; };
        // The next input that costs more, doubling; then back to the largest predicted within kStepMaxS.
        qint64 y = x;
        for (int i = 0; i < 64 && y < range.max && cost(y) <= cost(x); ++i)
            y = std::min(range.max, y + std::max<qint64>(1, std::abs(y)));
        if (cost(y) <= cost(x))
            break; // nothing costs more (noop): time this input longer
        qint64 low = x;
        qint64 high = y;
        if (predicted(y) <= kStepMaxS) {
            low = y;
        } else {
            while (high - low > 1) {
                const qint64 mid = low + (high - low) / 2;
                (predicted(mid) <= kStepMaxS ? low : high) = mid;
            }
        }
        // The next input would take too long, as far as this figure tells; but a figure below kStepEnoughS is
        // mostly fixed costs, which a cost model need not know (sleep 0 is 0.01 ms to it, but takes 0.06 ms, or a
        // millisecond when it wakes late), and says little about the next input: one step up is the least the
        // climb can do.
        if (low == x)
            low = x + 1;
        x = low;
        perRun = measure(x, kStepSampleS, 1);
    }
    // The figure itself: three batches of at least kStepEnoughS / 3 each; unless even the range's cheapest input
    // takes longer than a step may (sha256's 1 MiB), whose two runs above are the figure.
    if (perRun < kStepMaxS)
        perRun = measure(x, kStepEnoughS / kFinalBatches, kFinalBatches);
    const double wallS = elapsed();
    const double cpuS = double(threadCpuNs() - cpu0) * 1e-9;
    const double busy = kernel.kind() == KernelKind::Io || cpuS <= 0 ? 1.0 : std::max(1.0, wallS / cpuS);
    return { perRun / cost(x), x, runs, wallS, monotonicNs(), busy };
}

RunEstimate RunEstimator::estimateWith(
    const ExperimentSpec& spec, const Kernel& kernel, double secondsPerCost, int cores, double load)
{
    RunEstimate e;
    e.known = true;
    e.kernel = kernel.name();
    e.load = load;
    e.cores = cores;
    e.busyFactor = busyFactor(1, cores, load);
    // Before its first round a run times each core's speed (calibrateCpus: about 4 ms of CPU a round and core, no
    // round started after the budget), starts its thread and captures the environment.
    e.setupS = kRunStartS
        + std::min(Environment::kRunCalibrationBudgetS,
            Environment::kRunCalibrationRounds * cores * kCoreRoundS * e.busyFactor);
    const int n = int(spec.inputs.size());
    QList<double> taskS;
    taskS.reserve(n);
    QMap<qint64, int> counts;
    double totalCost = 0;
    for (qint64 input : spec.inputs) {
        const double c = kernel.cost(input);
        taskS.append(c * secondsPerCost);
        totalCost += c;
        ++counts[input];
    }
    double workS = 0; // the tasks' own time in every round, without start-ups
    for (const auto& [id, workers] : Runner::plan(spec)) {
        const BackendModel m = modelOf(id, kernel, spec.options);
        EstimatedPart part;
        part.backend = id;
        part.workers = workers;
        part.rounds = spec.warmup + spec.repeats;
        // A weak run's measurement at N workers runs N times the work.
        const int scale = workScale(spec, id, workers);
        QList<double> tasks = taskS;
        if (scale > 1) {
            tasks.clear();
            for (qint64 input : scaledInputs(spec, kernel, scale))
                tasks.append(kernel.cost(input) * secondsPerCost);
        }
        int parallel = m.serial ? 1 : std::max(1, std::min(workers, int(tasks.size())));
        if (m.coreBound)
            parallel = std::min(parallel, cores);
        for (double& t : tasks)
            t = t * m.slowdown + m.perTaskS;
        double own = parallel == 1 ? std::accumulate(tasks.cbegin(), tasks.cend(), 0.0)
                                   : SpeedupBounds::lptMakespan(tasks, parallel);
        if (m.coreBound)
            own *= busyFactor(parallel, cores, load);
        part.roundS = own;
        part.startS = m.startS + m.perWorkerStartS * (m.serial ? 1 : std::min(workers, std::max(int(tasks.size()), 1)));
        workS += part.rounds * own;
        e.parts.append(part);
    }
    e.seconds = e.setupS;
    for (const EstimatedPart& part : std::as_const(e.parts))
        e.seconds += part.totalS();
    // The input whose copies cost the most in all, and its share of the tasks' time.
    double biggestCost = -1;
    for (auto it = counts.cbegin(); it != counts.cend(); ++it) {
        const double c = kernel.cost(it.key()) * it.value();
        if (c > biggestCost) {
            biggestCost = c;
            e.biggestInput = it.key();
            e.biggestCount = it.value();
        }
    }
    e.biggestS = totalCost > 0 ? workS * biggestCost / totalCost : 0;
    return e;
}

RunEstimate RunEstimator::estimateWith(
    const ExperimentSpec& spec, const Kernel& kernel, const KernelCalibration& calibration)
{
    // A thread that got 1/busy of a core shared the cores with busy x cores - 1 other runnable threads (the even
    // shares busyFactor assumes); one that got a whole core says only that fewer than the cores were taken.
    const int n = cores();
    const double others = calibration.busy > 1.05 ? calibration.busy * n - 1 : std::min(loadAverage(), n - 1.0);
    return estimateWith(spec, kernel, calibration.secondsPerCost, n, others);
}

RunEstimate RunEstimator::estimate(const ExperimentSpec& spec)
{
    RunEstimate unknown;
    const std::unique_ptr<Kernel> kernel = kernelFor(spec, unknown);
    if (!kernel)
        return unknown;
    const QString key = cacheKey(spec);
    auto fresh = [](const std::optional<KernelCalibration>& c) {
        return c && double(monotonicNs() - c->atNs) * 1e-9 < RunEstimator::kRecalibrateAfterS;
    };
    std::optional<KernelCalibration> calibration = cached(key);
    if (!fresh(calibration)) {
        const QMutexLocker one(&s_calibrating);
        calibration = cached(key); // another thread may have calibrated it meanwhile
        if (!fresh(calibration)) {
            try {
                calibration = calibrate(*kernel);
            } catch (const std::exception& e) {
                unknown.why = QStringLiteral("the %1 kernel could not be timed: %2")
                                  .arg(kernel->name(), QString::fromLocal8Bit(e.what()));
                return unknown;
            }
            const QMutexLocker lock(&s_cacheLock);
            s_cache.insert(key, *calibration);
        }
    }
    return estimateWith(spec, *kernel, *calibration);
}

QFuture<RunEstimate> RunEstimator::estimateAsync(const ExperimentSpec& spec)
{
    return QtConcurrent::run([spec] { return estimate(spec); });
}

std::optional<RunEstimate> RunEstimator::estimateIfCalibrated(const ExperimentSpec& spec)
{
    RunEstimate unknown;
    const std::unique_ptr<Kernel> kernel = kernelFor(spec, unknown);
    if (!kernel)
        return unknown;
    const std::optional<KernelCalibration> calibration = cached(cacheKey(spec));
    if (!calibration)
        return std::nullopt;
    return estimateWith(spec, *kernel, *calibration);
}

} // namespace parlab
