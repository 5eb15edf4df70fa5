// What analysing a run costs as --repeat grows, against ParLab 0.1's way, measured in the same process:
//  - one analyse() of a finished run whose 5 measurements (sequential, threads x1,2, qtconcurrent x1,2) hold N
//    samples each: 0.1 sorted every bootstrap resample, today selects the median by counting ranks;
//  - a whole run's live analysis, repeat by repeat as the runner drives it: 0.1 ran a full analyse() after each
//    repeat of each measurement, every interval again, so the run's analysis grew with N^2; today LiveAnalysis
//    derives again what the repeat changed. The 0.1 totals beyond 250 repeats would take hours to time, so they
//    are summed from the one-analysis times (each call costs what one analyse() of that many samples costs).
// Times are CPU seconds of the analysing thread. Prints figures and ratios; a benchmark, not a test: it always
// exits 0.

#include "clock.h"
#include "measurement.h"
#include "runresult.h"
#include "sortingbootstrap.h"
#include "stats/analysis.h"

#include <cmath>
#include <cstdio>
#include <random>

using namespace parlab;

namespace {
// A run shaped as `parlab run --kernel noop` leaves it, with `samples` lognormal timings per measurement.
RunResult runWithSamples(qsizetype samples)
{
    RunResult r;
    r.spec.kernel = QStringLiteral("noop");
    r.environment.logicalCores = 2;
    std::mt19937_64 random(7);
    std::lognormal_distribution<double> noise(0.0, 0.1);
    const QList<std::pair<const char*, int>> combinations { { "sequential", 1 }, { "threads", 1 }, { "threads", 2 },
        { "qtconcurrent", 1 }, { "qtconcurrent", 2 } };
    for (const auto& [backend, workers] : combinations) {
        Measurement m;
        m.backend = QString::fromLatin1(backend);
        m.workers = workers;
        for (qsizetype i = 0; i < samples; ++i)
            m.samplesS.append(1e-4 * (1.0 + 0.2 * workers) * noise(random));
        r.measurements.append(m);
    }
    return r;
}

// 0.1's analyse(): today's point figures, and every interval by sorting each resample (the descriptive
// statistics' share of 0.1's cost was under 1%).
void analyseAsBefore(RunResult& r)
{
    analyse(r, Intervals::Skip);
    const Measurement& baseline = r.measurements.first();
    for (Measurement& m : r.measurements) {
        const auto ci = reference::sortingBootstrap(baseline.samplesS, m.samplesS);
        m.speedupLow = ci.low;
        m.speedupHigh = ci.high;
    }
}

// CPU seconds of this thread: on a shared machine wall time measures the neighbours too.
template<typename F> double seconds(F&& f)
{
    const qint64 start = threadCpuNs();
    f();
    return double(threadCpuNs() - start) * 1e-9;
}

// A run's live analysis as the runner does it: each round, one repeat of every measurement, then finish().
double liveRunSeconds(qsizetype repeats)
{
    const RunResult full = runWithSamples(repeats);
    RunResult live = full;
    for (Measurement& m : live.measurements)
        m.samplesS.clear();
    return seconds([&] {
        LiveAnalysis analysis;
        for (qsizetype r = 0; r < repeats; ++r) {
            for (qsizetype i = 0; i < live.measurements.size(); ++i) {
                live.measurements[i].samplesS.append(full.measurements[i].samplesS[r]);
                analysis.update(live, i);
            }
        }
        analysis.finish(live);
    });
}
} // namespace

int main()
{
    const QList<qsizetype> sizes { 250, 1000, 10'000 };
    std::printf("one analyse() of 5 measurements with N samples each (2000 bootstrap resamples per interval)\n");
    std::printf("  %8s  %14s  %14s  %7s  %s\n", "N", "before (0.1)", "after", "ratio", "same intervals");
    QList<double> beforeSeconds;
    for (const qsizetype n : sizes) {
        RunResult before = runWithSamples(n);
        RunResult after = before;
        const double b = seconds([&] { analyseAsBefore(before); });
        const double a = seconds([&] { analyse(after); });
        bool same = true;
        for (qsizetype i = 0; i < before.measurements.size(); ++i)
            same = same && before.measurements[i].speedupLow == after.measurements[i].speedupLow
                && before.measurements[i].speedupHigh == after.measurements[i].speedupHigh;
        beforeSeconds.append(b);
        std::printf("  %8lld  %12.3f s  %12.3f s  %6.1fx  %s\n", qlonglong(n), b, a, b / a, same ? "yes" : "NO");
    }

    std::printf("\na whole run's analysis, N repeats of 5 measurements (what `parlab run --repeat N` spends on it)\n");
    std::printf("  %8s  %22s  %12s  %9s  %s\n", "N", "before (0.1, summed)", "after", "ratio", "after per repeat");
    for (qsizetype i = 0; i < sizes.size(); ++i) {
        const qsizetype n = sizes[i];
        // 0.1 called analyse() 5 times per round; one call at k samples costs about (k log k) / (n log n) of one
        // at n: the bootstrap's sorts dominate.
        double calls = 0;
        for (qsizetype k = 1; k <= n; ++k)
            calls += 5.0 * (double(k) * std::log2(double(k) + 1)) / (double(n) * std::log2(double(n) + 1));
        const double before = beforeSeconds[i] * calls;
        const double after = liveRunSeconds(n);
        std::printf("  %8lld  %20.0f s  %10.2f s  %8.0fx  %.2f ms\n", qlonglong(n), before, after, before / after,
            after / double(n) * 1e3);
    }
    return 0;
}
