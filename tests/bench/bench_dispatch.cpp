// Dispatch overhead of the in-process backends, each next to a raw floor measured in the same process:
//  - noop over 100,000 inputs: microseconds per task for threads and qtconcurrent against a plain loop
//    that calls the same kernel through the same span-recording code (runTask) with no dispatch at all;
//  - spin at 1 worker: each backend's wall time against sequential on identical CPU work;
//  - what sampling each task's CPU time and run-queue delay (TaskClock) costs: noop over 100,000 inputs on
//    threads and processes with the sampling on and off, in interleaved pairs (on off, off on, on off, ...), so
//    that the machine's drift falls on both alike; the median ratio, target <= 1.02 (issue 13). On a loaded
//    2-core VM the same batch twice differs by +-10%, so these ratios are noise there; the line before them
//    bounds the cost without it: one sampled task's readings against the sampling interval.
//  - a pinned baseline: sequential noop x 300 run as `parlab run` runs it, with option pin compact against none, in
//    alternating runs; the ratio of the medians, target <= 1.2 (the runner's thread moves to the baseline's CPU
//    outside the timing, 1.11x-1.17x here: the backend's own pin and its release, affinity calls that move nothing,
//    are left inside; moved inside it, the pinned batch took 2.14x as long, 77.7 us against 36.3).
// Prints figures and whether the targets hold; a benchmark, not a test: it always exits 0.

#include "backends/backend.h"
#include "backends/backendregistry.h"
#include "clock.h"
#include "context.h"
#include "experimentspec.h"
#include "kernels/kernel.h"
#include "kernels/kernelregistry.h"
#include "overhead.h"
#include "runoptions.h"
#include "stats/statistics.h"
#include "taskclock.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QThread>
#include <cmath>
#include <cstdio>
#include <memory>
#include <thread>

using namespace parlab;

namespace {
constexpr int kTasks = 100'000;
constexpr int kRounds = 7;

// Seconds of one batch.
double batchSeconds(Backend& backend, const Kernel& kernel, const QList<qint64>& inputs, int workers)
{
    RunControl control;
    control.beginBatch();
    QList<TaskSpan> spans;
    const qint64 t0 = monotonicNs();
    backend.execute(kernel, inputs, workers, control, spans);
    return double(monotonicNs() - t0) * 1e-9;
}

// The same batch with TaskClock sampling on and off, `pairs` times each, interleaved. In-process backends switch
// it per round; worker processes read PARLAB_BENCH_TASK_CLOCK when they start, so each mode gets its own pool.
void samplingCost(
    const char* id, bool inProcess, const Kernel& kernel, const QList<qint64>& inputs, int workers, int pairs)
{
    const QString backendId = QString::fromLatin1(id);
    std::unique_ptr<Backend> on = BackendRegistry::create(backendId);
    std::unique_ptr<Backend> off = inProcess ? nullptr : BackendRegistry::create(backendId);
    Backend& offBackend = inProcess ? *on : *off;
    batchSeconds(*on, kernel, inputs, workers); // warm: the pool starts here, sampling on
    if (!inProcess) {
        qputenv("PARLAB_BENCH_TASK_CLOCK", "off");
        batchSeconds(offBackend, kernel, inputs, workers); // its pool starts without sampling
        qunsetenv("PARLAB_BENCH_TASK_CLOCK");
    }
    // Pairs in ABBA order: whichever batch of a pair runs second is not always the same one (on this VM the first
    // of two back-to-back batches ran ~10% slower, sampling on or off alike).
    QList<double> withSampling, without, ratios;
    for (int p = 0; p < pairs; ++p) {
        double onS = 0, offS = 0;
        for (const bool sampling : { p % 2 == 0, p % 2 != 0 }) {
            TaskClock::setEnabled(sampling || !inProcess); // out of process, the pool decides
            (sampling ? onS : offS) = batchSeconds(sampling ? *on : offBackend, kernel, inputs, workers);
        }
        withSampling.append(onS);
        without.append(offS);
        ratios.append(onS / offS);
    }
    TaskClock::setEnabled(true);
    const double perTask = 1e6 / double(inputs.size());
    const double ratio = Statistics::median(ratios);
    std::printf("  %-10s %d worker%s  on %7.3f us/task  off %7.3f us/task  median ratio of %d pairs %.4f  (target <= "
                "1.02: %s)\n",
        id, workers, workers == 1 ? " " : "s", Statistics::median(withSampling) * perTask,
        Statistics::median(without) * perTask, pairs, ratio, ratio <= 1.02 ? "met" : "MISSED");
}
} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    const auto noop = KernelRegistry::create(QStringLiteral("noop"));
    QList<qint64> inputs(kTasks);
    for (int i = 0; i < kTasks; ++i)
        inputs[i] = i;

    const double floorUs = OverheadTiming::loopFloorMicroseconds(*noop, inputs, kRounds);
    std::printf(
        "noop x %d tasks, median of %d rounds, %d logical cores\n", kTasks, kRounds, QThread::idealThreadCount());
    std::printf("  %-26s %8.3f us/task\n", "raw floor (loop + spans)", floorUs);

    struct Target {
        const char* id;
        double limitUs;
    };
    for (const Target target : { Target { "threads", 2.0 }, Target { "qtconcurrent", 10.0 } }) {
        for (int workers : { 1, 2 }) {
            const double us
                = OverheadTiming::backendMicroseconds(QString::fromLatin1(target.id), *noop, inputs, kRounds, workers);
            std::printf(
                "  %-13s %2d worker%s     %8.3f us/task  (%.1fx floor; overhead %.3f us; target <= %.0f us: %s)\n",
                target.id, workers, workers == 1 ? " " : "s", us, us / floorUs, us - floorUs, target.limitUs,
                us <= target.limitUs ? "met" : "MISSED");
        }
    }

    const auto spin = KernelRegistry::create(QStringLiteral("spin"));
    const QList<qint64> spinInputs(16, 20); // 16 tasks of 20 ms CPU
    auto batchMs = [&](const char* id) {
        return OverheadTiming::backendMicroseconds(QString::fromLatin1(id), *spin, spinInputs, kRounds) * 1e-3
            * double(spinInputs.size());
    };
    const double sequentialMs = batchMs("sequential");
    std::printf("\nspin 16 x 20 ms at 1 worker, median of %d rounds\n", kRounds);
    std::printf("  %-26s %8.1f ms\n", "sequential", sequentialMs);
    for (const char* id : { "threads", "qtconcurrent" }) {
        const double ms = batchMs(id);
        const double ratio = ms / sequentialMs;
        std::printf("  %-26s %8.1f ms  (%.3fx sequential; target within 3%%: %s)\n", id, ms, ratio,
            std::abs(ratio - 1.0) <= 0.03 ? "met" : "MISSED");
    }

    std::printf("\nTaskClock sampling (each task's CPU time and run-queue delay, at most one task per %.1f ms per "
                "thread) on vs off, noop x %d tasks, median of interleaved rounds\n",
        double(TaskClock::kSampleIntervalNs) * 1e-6, kTasks);
    TaskClock::setEnabled(true); // reads PARLAB_BENCH_TASK_CLOCK here, before the benchmark sets it for a pool
    // The bound that does not depend on the machine's noise: what one sampled task's readings cost, against the
    // interval in which a thread samples at most one task. In a thread of its own, whose clock of last sampling
    // this leaves in the future.
    double readingsUs = 0;
    std::thread([&] {
        constexpr int kSampled = 2000;
        qint64 startNs = monotonicNs();
        readingsUs = OverheadTiming::medianMicroseconds(kRounds, kSampled, [&] {
            for (int i = 0; i < kSampled; ++i) {
                startNs += TaskClock::kSampleIntervalNs; // far enough apart that every one is sampled
                TaskClock::since(TaskClock::begin(startNs));
            }
        });
    }).join();
    std::printf("  one sampled task's readings %.2f us: at most %.2f%% of a busy thread's time (target <= 2%%: %s)\n",
        readingsUs, 100.0 * readingsUs * 1e3 / double(TaskClock::kSampleIntervalNs),
        readingsUs * 1e3 <= 0.02 * double(TaskClock::kSampleIntervalNs) ? "met" : "MISSED");
    samplingCost("threads", true, *noop, inputs, 2, 40);
    samplingCost("threads", true, *noop, inputs, 1, 40);
    samplingCost("processes", false, *noop, inputs, 2, 6);

    // The pinned baseline, as a user's `parlab run` runs it (the Runner in its session's thread, which it pins for
    // a baseline): the same run through the Runner in this program moved its thread far less (1.13x before the fix).
    constexpr int kPinPairs = 10;
    const QString parlab = QCoreApplication::applicationDirPath() + QStringLiteral("/parlab");
    const auto baselineUs = [&parlab](Pinning pin) {
        QProcess run;
        run.start(parlab,
            { QStringLiteral("run"), QStringLiteral("--kernel"), QStringLiteral("noop"), QStringLiteral("--inputs"),
                QStringLiteral("0x300"), QStringLiteral("--backends"), QStringLiteral("sequential"),
                QStringLiteral("--repeat"), QStringLiteral("50"), QStringLiteral("--pin"), pinningName(pin),
                QStringLiteral("--no-history"), QStringLiteral("--format"), QStringLiteral("json") });
        if (!run.waitForFinished(60'000) || run.exitCode() != 0)
            return kUnknown;
        const QJsonArray results
            = QJsonDocument::fromJson(run.readAllStandardOutput()).object().value(QStringLiteral("results")).toArray();
        return results.isEmpty() ? kUnknown
                                 : results.at(0).toObject().value(QStringLiteral("median_s")).toDouble(kUnknown) * 1e6;
    };
    QList<double> pinned, unpinned;
    for (int i = 0; i < kPinPairs; ++i) {
        for (const Pinning pin :
            i % 2 == 0 ? QList { Pinning::Compact, Pinning::None } : QList { Pinning::None, Pinning::Compact })
            (pin == Pinning::None ? unpinned : pinned).append(baselineUs(pin));
    }
    const double ratio = Statistics::median(pinned) / Statistics::median(unpinned);
    std::printf("\nsequential noop x 300 as parlab run runs it, %d alternating runs of 50 repeats each\n"
                "  pinned (pin compact) %.1f us, not pinned %.1f us (medians): %.2fx (target <= 1.2: %s)\n",
        2 * kPinPairs, Statistics::median(pinned), Statistics::median(unpinned), ratio,
        ratio <= 1.2 ? "met" : "MISSED");
    return 0;
}
