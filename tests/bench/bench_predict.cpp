// How good the schedule simulator's predictions are (issue 17's first "done when", for a machine without a bigger
// one lent): each case runs sequential and the backends at 1 and 2 workers interleaved by round in one run, paced as
// `parlab run` paces it (the machine drifts by more between minutes than within one; noop on threads of this process
// in a run of its own, with ten times the repeats), predicts the 2-worker speedup from the 1-worker figures
// alone (the run is cut to them before the simulator sees it, so the prediction cannot peek; it keeps the run's
// environment, with the run's probe of workers started at once: WorkerStarts, batches of noop tasks measured after the
// last round), and prints predicted, measured and the error against the target of 10%; beside it, the prediction
// from the same figures without that probe (as before ParLab measured it), so the probe's effect is read within one
// run. A benchmark, not a test: figures depend on the machine, and it always exits 0.
//
//   bench_predict                   spin 20x16, fib 30..36 and noop x300 on threads, processes and process-per-task
//   bench_predict REPEATS [KERNEL [PIN [BACKENDS]]]
//                                   with REPEATS repeats (default 7; noop 5 times as many, 50 on threads), of
//                                   KERNEL alone
//                                   (spin, fib or noop; all: each),
//                                   its workers placed by option pin PIN (none, compact or scatter; default none),
//                                   on BACKENDS alone (comma-separated; default threads,processes,process-per-task)
//
// The check needs the machine's cores: the model predicts for free cores. Each row says how long the tasks of its
// 1- and 2-worker measurements waited for a core (the loss accounting's run-queue delay, of workers x wall): above
// 5%, other programs took cores during the run, and the row is marked busy, no check of the model. A row whose 1- or
// 2-worker measurement the run warned of slow places (a dispatcher's hand-outs beyond what the other count allows:
// slowPlacement) is marked so too: the scheduler put that pool's processes where each round trip crosses cores, which
// the other count's pool did not draw, and no model of one count's figures can know the other's draw (pin the workers
// to take it away).
//
// Beside each row, what the calibration took from the 1-worker run (start-up per worker and how much later the second
// of 2 started at once starts, from the run's probe; hand-out per task, finish, slowdown) and where the 2-worker run's
// time went, so a miss says which figure was wrong.

#include "backends/backendregistry.h"
#include "experimentspec.h"
#include "measurement.h"
#include "runresult.h"
#include "runsession.h"
#include "stats/analysis.h"
#include "stats/losses.h"
#include "stats/schedule.h"
#include "stats/statistics.h"
#include "taskspan.h"
#include "topology.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QMap>
#include <QThread>
#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>

using namespace parlab;

namespace {
constexpr double kTarget = 0.10;

// The run as if only `workers` had been measured: what the prediction may read.
RunResult cutTo(RunResult result, int workers)
{
    result.measurements.removeIf(
        [workers](const Measurement& m) { return BackendRegistry::usesWorkers(m.backend) && m.workers != workers; });
    result.spec.workers = { workers };
    return result;
}

double us(double seconds)
{
    return seconds * 1e6;
}

constexpr double kBusy = 0.05;

// The run as `parlab run` and the window run it: measured in the session's thread, paced (each repeat's progress
// taken in on this thread before the next is timed). An unpaced run on this thread measured noop's 2-worker finish
// 20-25 µs longer per worker than `parlab run` did (66 against 42-51 µs), which no user's run sees.
RunResult pacedRun(const ExperimentSpec& spec)
{
    RunSession session;
    RunResult result;
    QEventLoop loop;
    session.setPaced(true);
    QObject::connect(&session, &RunSession::progress, &session, [&session] { session.taken(); });
    QObject::connect(&session, &RunSession::finished, &session, [&](const RunResult& r) {
        result = r;
        loop.quit();
    });
    if (const Result<void> started = session.start(spec); !started) {
        result.error = started.error();
        return result;
    }
    loop.exec();
    return result;
}

// A probe curve's figure at 2 workers, NaN where it has none.
double growthAt2(const QList<QPair<int, double>>& curve)
{
    for (const QPair<int, double>& point : curve) {
        if (point.first == 2)
            return point.second;
    }
    return kUnknown;
}

struct Row {
    QString kernel;
    QString backend;
    double predicted = kUnknown;
    double withoutProbe = kUnknown; // predicted without the run's probe of workers started at once
    double measured = kUnknown;
    double measuredLow = kUnknown; // the measurement's 95% interval
    double measuredHigh = kUnknown;
    double waited = kUnknown; // the larger of the two measurements' core waits
    bool slowPlaces = false; // the run warned of slow places at 1 or 2 workers
};
} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    const int repeats = argc > 1 ? std::max(1, QByteArray(argv[1]).toInt()) : 7;
    const QByteArray only = argc > 2 && QByteArray(argv[2]) != "all" ? QByteArray(argv[2]) : QByteArray();
    const std::optional<Pinning> pin = pinningFromName(QString::fromLatin1(argc > 3 ? argv[3] : "none"));
    if (!pin) {
        std::fprintf(stderr, "bench_predict: pin %s is none, compact or scatter\n", argv[3]);
        return 2;
    }
    const int cores = QThread::idealThreadCount();
    std::printf("predicted 2-worker speedups from the 1-worker figures alone, against the 2-worker measurement of the "
                "same run (%d logical cores, %d repeats, noop's 5 times as many, 50 on threads, workers pinned: %s, "
                "target within "
                "%.0f%%)\n\n",
        cores, repeats, qPrintable(pinningName(*pin)), kTarget * 100);

    struct Case {
        const char* kernel;
        QList<qint64> inputs;
        const char* label;
        // REPEATS times this: a noop batch takes 3 ms on processes, whose 2-worker speedup's interval at 7 repeats
        // spanned up to ±30% here, wider than the target it is checked against; at 35 about ±10%.
        int repeatsTimes = 1;
        // And on threads of this process, where a noop batch takes 0.1 ms: 35 repeats of it (and of sequential and
        // the other count) were over within 30 ms, one moment of this VM, and runs a second apart measured its
        // 2-worker speedup at 0.27x-0.39x, with the predictions' errors as wide (-17.6% to +46%, 5 of 14 within
        // 10%); 350 span about a second (-4.2% to +2.1%, 5 of 5).
        int threadRepeatsTimes = 1;
        int timesFor(const QString& backend) const
        {
            return BackendRegistry::factsOf(backend).footprint.processes > 0 ? repeatsTimes : threadRepeatsTimes;
        }
    };
    QList<qint64> fib;
    for (qint64 n = 30; n <= 36; ++n)
        fib.append(n);
    const QList<Case> cases { { "spin", QList<qint64>(16, 20), "spin 20x16" }, { "fib", fib, "fib 30..36" },
        { "noop", QList<qint64>(300, 0), "noop 0x300", 5, 50 } };
    const QStringList allBackends = argc > 4
        ? QString::fromLatin1(argv[4]).split(QLatin1Char(','), Qt::SkipEmptyParts)
        : QStringList { QStringLiteral("threads"), QStringLiteral("processes"), QStringLiteral("process-per-task") };

    QList<Row> rows;
    for (const Case& c : cases) {
        if (!only.isEmpty() && only != c.kernel)
            continue;
        // One run for the backends that need as many repeats, each beside sequential.
        QMap<int, QStringList> byRepeats;
        for (const QString& backend : allBackends)
            byRepeats[c.timesFor(backend)].append(backend);
        for (auto group = byRepeats.cbegin(); group != byRepeats.cend(); ++group) {
            const QStringList& backends = group.value();
            ExperimentSpec spec;
            spec.kernel = QString::fromLatin1(c.kernel);
            spec.inputs = c.inputs;
            spec.backends = QStringList { QStringLiteral("sequential") } + backends;
            spec.workers = { 1, 2 };
            spec.repeats = repeats * group.key();
            spec.warmup = 1;
            spec.options.pin = *pin;
            const RunResult full = pacedRun(spec);
            if (!full.error.isEmpty()) {
                std::printf("%s: the run failed: %s\n", c.label, qPrintable(full.error));
                continue;
            }
            const RunResult one = cutTo(full, 1);
            RunResult unprobed = one;
            unprobed.environment.workerStarts.clear();
            const Measurement* base = full.find(QStringLiteral("sequential"), 1);
            std::printf("%s (%d repeats): sequential %.2f ms\n", c.label, spec.repeats,
                base ? base->wall.median * 1e3 : kUnknown);
            for (const WorkerStarts& w : full.environment.workerStarts) {
                std::printf("  %s probed after the last round (noop batches):", qPrintable(w.backend));
                for (const WorkerStartCost& k : w.counts) {
                    // A pool's probe starts no workers: its hand-outs alone.
                    if (std::isfinite(k.wallS))
                        std::printf(" x%d started %.0f us (finish %.0f us, hand-out %.0f ns)", k.workers, us(k.wallS),
                            us(k.finishS), k.handOutS * 1e9);
                    else
                        std::printf(" x%d hand-out %.0f ns", k.workers, k.handOutS * 1e9);
                }
                std::printf("\n");
            }
            for (const QString& backend : backends) {
                const Measurement* two = full.find(backend, 2);
                const Schedule::Calibration cal = Schedule::calibrate(one, backend, 1);
                const Measurement* oneWorker = full.find(backend, 1);
                const double waited
                    = std::max(oneWorker ? oneWorker->losses.waited : kUnknown, two ? two->losses.waited : kUnknown);
                Row row { QString::fromLatin1(c.label), backend, Schedule::speedup(cal, 2, cores),
                    Schedule::speedup(Schedule::calibrate(unprobed, backend, 1), 2, cores),
                    two ? two->speedup : kUnknown, two ? two->speedupLow : kUnknown, two ? two->speedupHigh : kUnknown,
                    std::isfinite(waited) ? waited : 0.0 };
                for (const Measurement* m : { oneWorker, two }) {
                    if (const QString slow = m ? slowPlacement(full, *m) : QString(); !slow.isEmpty()) {
                        row.slowPlaces = true;
                        std::printf("  %-16s %s\n", qPrintable(backend), qPrintable(slow));
                    }
                }
                rows.append(row);
                const Schedule::Costs& k = cal.setup.costs;
                std::printf("  %-16s predicted %.3fx, measured %.3fx, error %+.1f%%  (from x1 %.3fx: start-up %.0f us "
                            "(%.2f serial, the 2nd %+.1f us later), hand-out %.1f us (%.2f serial, %+.0f ns at 2), "
                            "finish %.0f us (%+.1f us at 2), slowdown %.3f)\n",
                    qPrintable(backend), row.predicted, row.measured, (row.predicted / row.measured - 1) * 100,
                    Schedule::speedup(cal, 1, cores), us(k.startupS), k.startupSerialShare,
                    us(Schedule::startupAt(k, 2) - Schedule::startupAt(k, 1)), us(k.dispatchS), k.dispatchSerialShare,
                    growthAt2(k.handOutGrowthS) * 1e9, us(k.finishS),
                    us(Schedule::finishAt(k, 2) - Schedule::finishAt(k, 1)), k.slowdown);
                if (!cal.note.isEmpty())
                    std::printf("  %-16s %s\n", "", qPrintable(cal.note));
                if (std::isfinite(cal.setup.costs.awayStartupS)) {
                    Schedule::Calibration home = cal; // every worker starting as the 1-worker median did
                    home.setup.costs.awayStartupS = home.setup.costs.awayFinishS = kUnknown;
                    std::printf("  %-16s without the starts away: predicted %.3fx, error %+.1f%%\n", "",
                        Schedule::speedup(home, 2, cores),
                        (Schedule::speedup(home, 2, cores) / row.measured - 1) * 100);
                }
                // The spans of the latest 2-worker repeat, per worker: where a miss comes from.
                if (two && !two->spans.isEmpty()) {
                    qint64 origin = two->spans.constFirst().startNs;
                    for (const TaskSpan& span : two->spans)
                        origin = std::min(origin, span.startNs);
                    QMap<int, QList<const TaskSpan*>> byWorker;
                    for (const TaskSpan& span : two->spans)
                        byWorker[span.worker].append(&span);
                    for (auto it = byWorker.cbegin(); it != byWorker.cend(); ++it) {
                        qint64 first = std::numeric_limits<qint64>::max(), last = 0, busy = 0;
                        for (const TaskSpan* span : it.value()) {
                            first = std::min(first, span->startNs);
                            last = std::max(last, span->endNs);
                            busy += span->endNs - span->startNs;
                        }
                        std::printf(
                            "  %-16s x2 worker %d: %lld tasks, first at +%.0f us, last ends +%.0f us, %.0f us in "
                            "tasks\n",
                            "", it.key(), qlonglong(it.value().size()), double(first - origin) * 1e-3,
                            double(last - origin) * 1e-3, double(busy) * 1e-3);
                    }
                }
                if (two && two->medianRepeat >= 0 && two->medianRepeat < two->accounts.size()) {
                    const RepeatAccount& a = two->accounts[two->medianRepeat];
                    std::printf(
                        "  %-16s x2 measured: wall %.0f us; summed over workers start-up %.0f us, hand-outs %.0f "
                        "us, tail %.0f us, in tasks %.0f us; %s\n",
                        "", us(two->samplesS[two->medianRepeat]), us(a.startupS), us(a.dispatchS), us(a.tailS),
                        us(a.taskS), qPrintable(Accounting::summary(two->losses)));
                }
            }
            std::printf("\n");
        }
    }

    // The measured speedup's own 95% interval, as the error against its ends: where it spans more than the target,
    // the measurement cannot tell a prediction within the target from one beyond it.
    std::printf("| kernel | backend | predicted x2 | measured x2 | error | error against the measured 95%% interval "
                "| error without the probe | waited for a core | within %.0f%% |\n"
                "|---|---|---|---|---|---|---|---|---|\n",
        kTarget * 100);
    for (const Row& r : std::as_const(rows)) {
        const double error = r.predicted / r.measured - 1;
        const char* verdict = r.waited > kBusy ? "busy: no check"
            : r.slowPlaces                     ? "slow places: no check"
            : std::abs(error) <= kTarget       ? "yes"
                                               : "NO";
        std::printf("| %s | %s | %.3gx | %.3gx | %+.1f%% | %+.1f%% .. %+.1f%% | %+.1f%% | %.0f%% | %s |\n",
            qPrintable(r.kernel), qPrintable(r.backend), r.predicted, r.measured, error * 100,
            (r.predicted / r.measuredHigh - 1) * 100, (r.predicted / r.measuredLow - 1) * 100,
            (r.withoutProbe / r.measured - 1) * 100, r.waited * 100, verdict);
    }
    return 0;
}
