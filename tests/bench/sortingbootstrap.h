#pragma once

// ParLab 0.1's speedup interval, a full sort of every resample: the reference that Statistics::bootstrapSpeedupCi
// must reproduce to the bit (tst_statistics) and the "before" that bench_analysis times it against.

#include "stats/statistics.h"

#include <QList>
#include <algorithm>
#include <cmath>
#include <random>

namespace parlab::reference {

// Sort, then interpolate between the closest ranks.
inline double sortedQuantile(QList<double> samples, double q)
{
    std::sort(samples.begin(), samples.end());
    const double position = q * double(samples.size() - 1);
    const auto lower = qsizetype(std::floor(position));
    const auto upper = std::min(lower + 1, samples.size() - 1);
    return samples[lower] + (samples[upper] - samples[lower]) * (position - double(lower));
}

inline Statistics::Interval sortingBootstrap(
    const QList<double>& baseline, const QList<double>& samples, int resamples = 2000, quint64 seed = 42)
{
    std::mt19937_64 random(seed);
    auto resampledMedian = [&random](const QList<double>& from) {
        std::uniform_int_distribution<qsizetype> pick(0, from.size() - 1);
        QList<double> resample(from.size());
        for (double& x : resample)
            x = from[pick(random)];
        return sortedQuantile(resample, 0.5);
    };
    QList<double> ratios;
    for (int r = 0; r < resamples; ++r) {
        const double numerator = resampledMedian(baseline);
        const double denominator = resampledMedian(samples);
        if (denominator > 0)
            ratios.append(numerator / denominator);
    }
    return { sortedQuantile(ratios, 0.025), sortedQuantile(ratios, 0.975) };
}

} // namespace parlab::reference
