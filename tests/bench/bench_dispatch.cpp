// Dispatch overhead of the in-process backends, each next to a raw floor measured in the same process:
//  - noop over 100,000 inputs: microseconds per task for threads and qtconcurrent against a plain loop
//    that calls the same kernel through the same span-recording code (runTask) with no dispatch at all;
//  - spin at 1 worker: each backend's wall time against sequential on identical CPU work.
// Prints figures and whether the targets hold; a benchmark, not a test: it always exits 0.

#include "backends/backend.h"
#include "backends/backendregistry.h"
#include "clock.h"
#include "context.h"
#include "kernels/kernel.h"
#include "kernels/kernelregistry.h"
#include "stats/statistics.h"

#include <QCoreApplication>
#include <QThread>
#include <cmath>
#include <cstdio>
#include <functional>

using namespace parlab;

namespace {
constexpr int kTasks = 100'000;
constexpr int kRounds = 7;

double medianSeconds(const std::function<void()>& body)
{
    QList<double> samples;
    for (int r = 0; r < kRounds; ++r) {
        const qint64 t0 = monotonicNs();
        body();
        samples.append(double(monotonicNs() - t0) * 1e-9);
    }
    return Statistics::median(samples);
}

double backendSeconds(const QString& id, const Kernel& kernel, const QList<qint64>& inputs, int workers)
{
    const auto backend = BackendRegistry::create(id);
    RunControl control;
    return medianSeconds([&] {
        QList<TaskSpan> spans;
        control.beginBatch();
        backend->execute(kernel, inputs, workers, control, spans);
    });
}
} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    const auto noop = KernelRegistry::create(QStringLiteral("noop"));
    QList<qint64> inputs(kTasks);
    for (int i = 0; i < kTasks; ++i)
        inputs[i] = i;

    RunControl control;
    const qint64 pid = QCoreApplication::applicationPid();
    const double floorS = medianSeconds([&] {
        Context context(control, 0);
        QList<TaskSpan> spans(kTasks);
        for (int i = 0; i < kTasks; ++i)
            spans[i] = runTask(*noop, inputs, i, context, pid);
    });
    const double floorUs = floorS / kTasks * 1e6;
    std::printf(
        "noop x %d tasks, median of %d rounds, %d logical cores\n", kTasks, kRounds, QThread::idealThreadCount());
    std::printf("  %-26s %8.3f us/task\n", "raw floor (loop + spans)", floorUs);

    struct Target {
        const char* id;
        double limitUs;
    };
    for (const Target target : { Target { "threads", 2.0 }, Target { "qtconcurrent", 10.0 } }) {
        for (int workers : { 1, 2 }) {
            const double us = backendSeconds(QString::fromLatin1(target.id), *noop, inputs, workers) / kTasks * 1e6;
            std::printf(
                "  %-13s %2d worker%s     %8.3f us/task  (%.1fx floor; overhead %.3f us; target <= %.0f us: %s)\n",
                target.id, workers, workers == 1 ? " " : "s", us, us / floorUs, us - floorUs, target.limitUs,
                us <= target.limitUs ? "met" : "MISSED");
        }
    }

    const auto spin = KernelRegistry::create(QStringLiteral("spin"));
    const QList<qint64> spinInputs(16, 20); // 16 tasks of 20 ms CPU
    const double sequentialS = backendSeconds(QStringLiteral("sequential"), *spin, spinInputs, 1);
    std::printf("\nspin 16 x 20 ms at 1 worker, median of %d rounds\n", kRounds);
    std::printf("  %-26s %8.1f ms\n", "sequential", sequentialS * 1e3);
    for (const char* id : { "threads", "qtconcurrent" }) {
        const double s = backendSeconds(QString::fromLatin1(id), *spin, spinInputs, 1);
        const double ratio = s / sequentialS;
        std::printf("  %-26s %8.1f ms  (%.3fx sequential; target within 3%%: %s)\n", id, s * 1e3, ratio,
            std::abs(ratio - 1.0) <= 0.03 ? "met" : "MISSED");
    }
    return 0;
}
