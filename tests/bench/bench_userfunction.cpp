// What ParLab adds to a user's own Python function on python-processes, against the multiprocessing.Pool.map a user
// would write by hand (issue 16: at most 10% more per task). Both sides run the same function
// (examples/python/cpu.py, collatz) over the same inputs on the same interpreter with 2 processes, each pool
// started once and warmed: ParLab keeps its pool for the whole experiment and measures the map, so the hand-written
// side is timed the same way, around `pool.map(collatz, inputs)` (its default chunksize). The two are measured in
// interleaved pairs (ParLab, by hand, by hand, ParLab, ...), so that the machine's drift falls on both alike; the
// median of the pairs' ratios is the figure. ParLab's side is PythonBackend::execute, everything the backend does
// per task included: spans, thread CPU time, the checksum of each result.
// A benchmark, not a test: it prints figures and whether the target holds, and always exits 0.

#include "backends/backend.h"
#include "backends/backendregistry.h"
#include "clock.h"
#include "context.h"
#include "kernels/kernel.h"
#include "kernels/kernelregistry.h"
#include "runoptions.h"

#include <QCoreApplication>
#include <QProcess>
#include <algorithm>
#include <cstdio>
#include <memory>

using namespace parlab;

namespace {
constexpr int kWorkers = 2;
constexpr int kPairs = 8;
constexpr double kTarget = 1.10;

// Pool(2) over the user's function, started and warmed once; then one timed map per line read, its seconds printed.
const char* const kByHand = R"(
import importlib.util, multiprocessing, sys, time
spec = importlib.util.spec_from_file_location("cpu", sys.argv[1])
module = importlib.util.module_from_spec(spec)
sys.modules["cpu"] = module
spec.loader.exec_module(module)
inputs = [int(x) for x in sys.argv[2].split(",")]
with multiprocessing.Pool(int(sys.argv[3])) as pool:
    pool.map(module.collatz, inputs)
    print("ready", flush=True)
    for _ in sys.stdin:
        t0 = time.perf_counter()
        pool.map(module.collatz, inputs)
        print(time.perf_counter() - t0, flush=True)
)";

double median(QList<double> values)
{
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}
} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    const QString file = QStringLiteral(PARLAB_SOURCE_DIR "/examples/python/cpu.py");
    const QList<qint64> inputs(200, 1); // collatz(1): about 10 ms of pure Python each
    QStringList inputTexts;
    for (qint64 input : inputs)
        inputTexts << QString::number(input);

    const auto kernel = KernelRegistry::create(QStringLiteral("py:%1:collatz").arg(file));
    std::unique_ptr<Backend> parlab = BackendRegistry::create(QStringLiteral("python-processes"));
    parlab->configure(RunOptions {});
    auto parlabBatch = [&] {
        RunControl control;
        control.beginBatch();
        QList<TaskSpan> spans;
        const qint64 t0 = monotonicNs();
        parlab->execute(*kernel, inputs, kWorkers, control, spans);
        return double(monotonicNs() - t0) * 1e-9;
    };

    QProcess byHand;
    byHand.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    byHand.start(QStringLiteral("python3"),
        { QStringLiteral("-c"), QString::fromUtf8(kByHand), file, inputTexts.join(QLatin1Char(',')),
            QString::number(kWorkers) });
    auto readLine = [&] {
        while (!byHand.canReadLine()) {
            if (!byHand.waitForReadyRead(120'000)) {
                std::fprintf(stderr, "bench_userfunction: the hand-written Pool.map did not answer\n");
                std::exit(0);
            }
        }
        return QString::fromUtf8(byHand.readLine()).trimmed();
    };
    auto byHandBatch = [&] {
        byHand.write("go\n");
        return readLine().toDouble();
    };
    if (readLine() != QStringLiteral("ready")) {
        std::fprintf(stderr, "bench_userfunction: the hand-written Pool.map did not start\n");
        return 0;
    }
    parlabBatch(); // ParLab's pool starts here, as in a run's warm-up

    QList<double> ratios;
    QList<double> parlabS;
    QList<double> byHandS;
    for (int pair = 0; pair < kPairs; ++pair) {
        double p = 0;
        double h = 0;
        if (pair % 2 == 0) {
            p = parlabBatch();
            h = byHandBatch();
        } else {
            h = byHandBatch();
            p = parlabBatch();
        }
        parlabS << p;
        byHandS << h;
        ratios << p / h;
    }
    byHand.closeWriteChannel();
    byHand.waitForFinished(30'000);

    const double n = double(inputs.size());
    std::printf("your function on python-processes x%d against a hand-written multiprocessing.Pool(%d).map\n", kWorkers,
        kWorkers);
    std::printf("  examples/python/cpu.py collatz, %d inputs of 1, %d interleaved pairs, pools started and warmed\n",
        int(inputs.size()), kPairs);
    std::printf("  %-28s %8.3f ms per task (median)\n", "ParLab python-processes", median(parlabS) / n * 1e3);
    std::printf("  %-28s %8.3f ms per task (median)\n", "Pool.map by hand", median(byHandS) / n * 1e3);
    const double ratio = median(ratios);
    std::printf("  median ratio of the pairs %.3f (target <= %.2f: %s)\n", ratio, kTarget,
        ratio <= kTarget ? "met" : "NOT met");
    return 0;
}
