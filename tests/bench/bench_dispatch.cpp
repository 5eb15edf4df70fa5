// Dispatch overhead of the in-process backends, each next to a raw floor measured in the same process:
//  - noop over 100,000 inputs: microseconds per task for threads and qtconcurrent against a plain loop
//    that calls the same kernel through the same span-recording code (runTask) with no dispatch at all;
//  - spin at 1 worker: each backend's wall time against sequential on identical CPU work.
// Prints figures and whether the targets hold; a benchmark, not a test: it always exits 0.

#include "kernels/kernel.h"
#include "kernels/kernelregistry.h"
#include "overhead.h"

#include <QCoreApplication>
#include <QThread>
#include <cmath>
#include <cstdio>

using namespace parlab;

namespace {
constexpr int kTasks = 100'000;
constexpr int kRounds = 7;
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
    return 0;
}
