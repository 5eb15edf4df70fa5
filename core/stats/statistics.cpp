#include "statistics.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

namespace parlab {

double Statistics::median(QList<double> samples)
{
    return quantile(std::move(samples), 0.5);
}

double Statistics::quantile(QList<double> samples, double q)
{
    if (samples.isEmpty())
        return kUnknown;
    std::sort(samples.begin(), samples.end());
    const double position = std::clamp(q, 0.0, 1.0) * double(samples.size() - 1);
    const auto lower = qsizetype(std::floor(position));
    const auto upper = std::min(lower + 1, samples.size() - 1);
    const double fraction = position - double(lower);
    return samples[lower] + (samples[upper] - samples[lower]) * fraction;
}

double Statistics::mean(const QList<double>& samples)
{
    if (samples.isEmpty())
        return kUnknown;
    return std::accumulate(samples.cbegin(), samples.cend(), 0.0) / double(samples.size());
}

double Statistics::stddev(const QList<double>& samples)
{
    if (samples.isEmpty())
        return kUnknown;
    if (samples.size() == 1)
        return 0.0;
    const double m = mean(samples);
    double squares = 0;
    for (double x : samples)
        squares += (x - m) * (x - m);
    return std::sqrt(squares / double(samples.size() - 1));
}

double Statistics::mad(const QList<double>& samples)
{
    if (samples.isEmpty())
        return kUnknown;
    const double m = median(samples);
    QList<double> deviations;
    deviations.reserve(samples.size());
    for (double x : samples)
        deviations.append(std::abs(x - m));
    return median(deviations);
}

QList<double> Statistics::modifiedZScores(const QList<double>& samples)
{
    QList<double> scores;
    if (samples.isEmpty())
        return scores;
    const double m = median(samples);
    const double d = mad(samples);
    scores.reserve(samples.size());
    for (double x : samples) {
        if (d > 0)
            scores.append(0.6745 * (x - m) / d);
        else
            scores.append(x == m ? 0.0 : std::copysign(std::numeric_limits<double>::infinity(), x - m));
    }
    return scores;
}

QList<int> Statistics::outliers(const QList<double>& samples)
{
    QList<int> result;
    const QList<double> scores = modifiedZScores(samples);
    for (int i = 0; i < scores.size(); ++i) {
        if (std::abs(scores[i]) > kOutlierThreshold)
            result.append(i);
    }
    return result;
}

SampleStats Statistics::describe(const QList<double>& samples)
{
    SampleStats s;
    if (samples.isEmpty())
        return s;
    s.median = median(samples);
    s.mean = mean(samples);
    s.stddev = stddev(samples);
    s.mad = mad(samples);
    const auto [lo, hi] = std::minmax_element(samples.cbegin(), samples.cend());
    s.min = *lo;
    s.max = *hi;
    s.cv = s.mean > 0 ? s.stddev / s.mean : kUnknown;
    s.outliers = outliers(samples);
    return s;
}

Statistics::Interval Statistics::bootstrapSpeedupCi(
    const QList<double>& baseline, const QList<double>& samples, int resamples, quint64 seed)
{
    if (baseline.isEmpty() || samples.isEmpty())
        return {};
    std::mt19937_64 random(seed);
    auto resampledMedian = [&random](const QList<double>& from, QList<double>& scratch) {
        std::uniform_int_distribution<qsizetype> pick(0, from.size() - 1);
        for (double& x : scratch)
            x = from[pick(random)];
        return median(scratch);
    };
    QList<double> a(baseline.size()), b(samples.size());
    QList<double> ratios;
    ratios.reserve(resamples);
    for (int r = 0; r < resamples; ++r) {
        const double numerator = resampledMedian(baseline, a);
        const double denominator = resampledMedian(samples, b);
        if (denominator > 0)
            ratios.append(numerator / denominator);
    }
    return { quantile(ratios, 0.025), quantile(ratios, 0.975) };
}

} // namespace parlab
