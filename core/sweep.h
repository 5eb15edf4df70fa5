#pragma once

#include "experimentspec.h"
#include "result.h"
#include "runestimate.h"
#include "runresult.h"
#include "unknown.h"

#include <QDateTime>
#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>

namespace parlab {

// A task-size sweep (parlab run --sweep, the window's "Sweep task size"): the same experiment (backends, worker
// counts, repeats, options) run once per task size, each time on `tasks` tasks of that size, to find where each
// backend's speedup crosses 1 and where it reaches 90% of what the schedule allows. A size is milliseconds of work
// per task, turned into the kernel's input by the kernel's own rule (Kernel::taskOfSize: spin 0.01 ms is spin-us
// 10).
struct SweepSpec {
    ExperimentSpec base; // the kernel as the user named it; its inputs are not used
    QList<double> sizesMs; // ascending, each once
    int tasks = kDefaultTasks;

    // Enough tasks that a per-run cost (waking a pool, the batch's first and last hand-over) weighs little beside
    // the per-task costs a sweep is about, few enough that the largest size of the sweep (100 ms) takes
    // seconds, not minutes, per repeat.
    static constexpr int kDefaultTasks = 32;
    static constexpr int kMaxSizes = 32;

    // The experiment at sizesMs[index]: base with the kernel and inputs of the kernel's size rule.
    Result<ExperimentSpec> specAt(qsizetype index) const;
    // Everything that would stop the sweep, as validateSpec says it of each size's experiment.
    Result<void> validate(SpecCheck check = SpecCheck::RunHere) const;
    // "0.01, 0.1, 1, 10, 100 ms".
    QString sizesText() const;
    // How long the whole sweep should take (RunEstimator::estimate of every size, summed; unknown when one is), with
    // the plan of its largest size, which takes most of it. Thread-safe, as RunEstimator::estimate.
    RunEstimate estimate() const;
};

// "0.01,0.1,1,10,100" (milliseconds, any order, positive) to an ascending list without repeats; an error names the
// entry that is not a positive number: "--sweep: 'x' (entry 3) is not a positive number of milliseconds".
Result<QList<double>> parseSweepSizes(const QString& text, const QString& label);

// Where a backend's speedup reaches a threshold along the sweep, interpolated on log size between the two sizes
// around it; or that it was reached at the smallest size already, or at none.
struct Crossing {
    enum class Where { At, BelowSmallest, NotReached, Unknown };
    Where where = Where::Unknown;
    double ms = kUnknown; // for At

    // "0.35 ms", "below 0.01 ms, the smallest size swept", "not reached in the sweep", "–".
    QString text() const;
    // The JSON value: the size in ms, or "below_smallest", "not_reached", null.
    QString key() const;
};

// One backend at one worker count along the sweep.
struct SweepSeries {
    QString backend;
    int workers = 1;
    QList<double> speedup; // at each size (kUnknown where not measured)
    QList<double> ideal; // the best the schedule of `tasks` equal tasks allows on `workers`: the lpt bound
    Crossing breakEven; // speedup 1
    Crossing ninetyPercent; // speedup 90% of ideal
};

// One size's run: a RunResult like any other, in the history like any other run.
struct SweepPoint {
    double sizeMs = 0;
    RunResult run;
    qint64 historyId = -1;
};

// What a sweep measured, the one source its table, JSON, report, chart and lesson read.
struct SweepResult {
    SweepSpec spec;
    QList<SweepPoint> points; // in size order, as far as the sweep got
    bool cancelled = false;
    QString error; // why the sweep stopped early; empty when every size ran

    bool succeeded() const;
    // One series per scaling backend x worker count (baselines have speedup 1 by definition), in the spec's order.
    QList<SweepSeries> series() const;
    const SweepPoint* pointAt(double sizeMs) const;
    // The name each size's run is given in the history, so that the sweep's runs are found together and read as
    // one: "sweep 2024-05-01 12:03:04: spin 0.1 ms (2 of 5)", the sweep's `tag` then the size.
    QString runName(qsizetype index) const;
    // What every run of this sweep's name starts with: "sweep 2024-05-01 12:03:04:", from when the sweep started.
    QString tag;
    static QString tagFor(const QDateTime& started);

    // The fraction of ideal whose size ninetyPercent reports.
    static constexpr double kNearIdeal = 0.9;
};

// Where `values` (one per size, ascending sizes) last rises to `threshold` or above: the size where it crosses,
// linear in log value against log size between the last size below and the next; BelowSmallest when no size is
// below, NotReached when the largest is. Unknown values are skipped.
Crossing findCrossing(const QList<double>& sizesMs, const QList<double>& values, double threshold);

// "0.01", "2.5", "100": a size as the user would type it.
QString formatSize(double ms);

} // namespace parlab

Q_DECLARE_METATYPE(parlab::SweepResult)
