#pragma once

#include "unknown.h"

#include <QList>

namespace parlab {

// The Mann-Whitney U test (Wilcoxon rank-sum): do two sets of timings come from the same distribution?
// Makes no normality assumption, which suits timings (skewed, with outliers).
//
// p-values are two-sided:
//  - exact: when neither sample has a value tied with any other value (in either sample) and
//    n1 + n2 <= kExactLimit, p = min(1, 2 min(P(U <= u), P(U >= u))) from the exact null distribution of U
//    (every split of the ranks equally likely), as scipy.stats.mannwhitneyu(method="exact");
//  - otherwise the normal approximation with the tie correction of the variance and a continuity
//    correction of 0.5, as scipy.stats.mannwhitneyu(method="asymptotic", use_continuity=True):
//    z = (|U - n1 n2 / 2| - 0.5) / sigma, sigma^2 = n1 n2 / 12 ((n + 1) - sum(t^3 - t) / (n (n - 1))),
//    p = erfc(z / sqrt 2), capped at 1.
// alpha: the p-value below which a difference counts (a comparison's, a gate's, a probe's lag: Schedule::startupLag).
inline constexpr double kSignificance = 0.05;

namespace MannWhitney {
inline constexpr int kExactLimit = 60;

struct Result {
    double u = kUnknown; // U of the first sample: pairs (x, y) with x > y, ties counting 1/2
    double pValue = kUnknown; // NaN when either sample is empty
    bool exact = false;
    double z = kUnknown; // the normal approximation's z (continuity-corrected), NaN when exact
};

Result test(const QList<double>& first, const QList<double>& second);

// The smallest two-sided p-value the exact test can give for samples of n1 and n2 values: 2 / C(n1 + n2, n1), one
// sample wholly above the other (3 against 3: 0.1, so never below 0.05); 1 when either is empty.
double smallestPValue(int n1, int n2);
// The fewest values in each of two equal samples for which a p-value below `alpha` is possible (4 for 0.05).
int fewestForSignificance(double alpha);
} // namespace MannWhitney

} // namespace parlab
