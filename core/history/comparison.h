#pragma once

#include "runresult.h"
#include "stats/mannwhitney.h" // kSignificance
#include "unknown.h"

#include <QList>
#include <QString>

namespace parlab {

// What B's timing says against A's for one (backend, workers), or for the whole comparison.
enum class Verdict {
    Faster, // B's median is more than the noise below A's and the difference is significant
    Slower, // B's median is more than the noise above A's and the difference is significant
    NoChange, // medians within the noise band (1%)
    Inconclusive, // beyond the noise band but not significant (too few samples or too much spread)
    Mixed, // overall only: some combinations faster, others slower
    Missing, // the combination was measured in only one of the runs
    NotComparable, // the runs measured different work (kernel, inputs or the kernel's settings): no verdict
};
// "faster", "slower", "no change", "inconclusive", "mixed", "missing", "not comparable"
QString verdictName(Verdict verdict);

struct ComparisonRow {
    QString backend;
    int workers = 1;
    int samplesA = 0;
    int samplesB = 0;
    double medianA = kUnknown; // seconds
    double medianB = kUnknown;
    double ratio = kUnknown; // medianB / medianA: below 1 means B is faster
    double pValue = kUnknown; // two-sided Mann-Whitney U over the wall-time samples
    bool exact = false; // p from the exact U distribution (else the normal approximation)
    Verdict verdict = Verdict::Missing;
};

struct Comparison {
    QList<ComparisonRow> rows; // A's measurements in order, then those only B has
    int faster = 0;
    int slower = 0;
    int unchanged = 0; // NoChange
    int inconclusive = 0;
    int missing = 0;
    double geometricMeanRatio = kUnknown; // over rows measured in both
    Verdict overall = Verdict::NoChange;
    QString summary; // one sentence: "B is faster on 3 of 4 combinations (geometric mean ratio 0.81)"
    // What makes the two runs' work differ, one line each ("inputs: 38,37,36,35,34,33 in A, 34 x8 in B"): when any,
    // no row and not the whole get a verdict (NotComparable), whatever the times say.
    QStringList differences;
    // What weakens a verdict without voiding it: "A ran on a busy machine (load average 3.10 on 2 logical cores
    // at the start)".
    QStringList cautions;
    // Every difference between the two runs' environments, one line each (environmentDifferences: "host: alpha in
    // A, beta in B"); shown before anything else.
    QStringList environment;
    // Those of them that change what the same work takes (another host or CPU, governor, turbo, a clock moved by
    // more than kFrequencyChangeThreshold): unless compared across machines, they void every verdict as
    // `differences` do (NotComparable). Empty when compared across machines.
    QStringList machineDifferences;
    bool comparable() const { return differences.isEmpty() && machineDifferences.isEmpty(); }
};

// What makes the work of run A differ from B's, one line each ("inputs: 38,37,36,35,34,33 in A, 34 x8 in B"): the
// kernel, its inputs, its settings or how the inputs scale. Empty: the two runs measured the same work.
QStringList workDifferences(const RunResult& a, const RunResult& b);
// How run B was run differently from A, the same work aside, one line each ("pin: none in A, scatter in B"): every run
// option but the work's and the label and commit. A caution of compareRuns: comparing two settings is what a user
// may want to do, so they void no verdict, but a verdict between two programs must say so.
QStringList settingDifferences(const RunResult& a, const RunResult& b);

// Compares run B against run A, combination by combination. A row is Faster / Slower when its median ratio
// is outside [1 - noise, 1 + noise] and the Mann-Whitney p-value is below alpha; NoChange when inside that
// band; Inconclusive otherwise. Overall: Faster or Slower when every decided row agrees, Mixed when they
// disagree, NoChange when none is decided either way (Inconclusive if some rows are). Runs of different work
// (differences) are NotComparable, every row too; the medians and ratios are kept for whoever wants to look. So are
// runs measured on different machines or settings (machineDifferences), unless `acrossMachines`: then the times are
// judged and a caution says what else differed.
inline constexpr double kComparisonNoise = 0.01; // the band within which medians count as unchanged
Comparison compareRuns(const RunResult& a, const RunResult& b, double noise = kComparisonNoise,
    double alpha = kSignificance, bool acrossMachines = false);

} // namespace parlab
