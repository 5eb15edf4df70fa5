#pragma once

#include "measurement.h"
#include "unknown.h"

#include <QList>

namespace parlab {

// Plain descriptive statistics over samples (all in the samples' unit). Empty input gives NaN.
namespace Statistics {
double median(QList<double> samples);
double mean(const QList<double>& samples);
double stddev(const QList<double>& samples); // sample standard deviation (n - 1); 0 for one sample
double mad(const QList<double>& samples); // median absolute deviation from the median, unscaled
// Linear interpolation between closest ranks of the sorted samples, q in [0, 1]. Linear time (by selection).
double quantile(QList<double> samples, double q);

// Modified z-score of each sample: 0.6745 (x - median) / MAD. With MAD = 0, a sample off the median
// scores infinity (it is an outlier among identical values) and one on it scores 0.
QList<double> modifiedZScores(const QList<double>& samples);
inline constexpr double kOutlierThreshold = 10.0;
// An outlier is also this far from the median, relatively: repeats of a steady kernel (a sleep) cluster so tightly
// that one 0.5% off scores far above the threshold, and is no outlier a person would care about.
inline constexpr double kOutlierFloor = 0.05;
// The samples scoring above kOutlierThreshold and at least kOutlierFloor of the median away from it.
QList<int> outliers(const QList<double>& samples);

SampleStats describe(const QList<double>& samples);

struct Interval {
    double low = kUnknown;
    double high = kUnknown;
};
// 95% percentile-bootstrap interval of median(baseline) / median(samples), resampling both sets.
// Deterministic for a given seed, so a report reproduces. Each resample's median is found by selection, so an
// interval costs O(resamples x (baseline + samples)): linear in the samples, with the number of resamples
// fixed whatever their count (2000 give the 2.5% and 97.5% quantiles to about +-0.35 percentage points).
Interval bootstrapSpeedupCi(
    const QList<double>& baseline, const QList<double>& samples, int resamples = 2000, quint64 seed = 42);
} // namespace Statistics

} // namespace parlab
