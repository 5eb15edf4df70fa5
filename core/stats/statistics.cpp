#include "statistics.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

namespace parlab {

namespace {
// The q-quantile of the n values at `values` (not empty), interpolated between the closest ranks, found by
// selection in O(n) rather than by sorting: the two ranks' values are the sorted set's, and the arithmetic is
// the same, so the result is the one sorting gives, to the bit. Leaves the values reordered.
double selectQuantile(double* values, qsizetype n, double q)
{
    const double position = std::clamp(q, 0.0, 1.0) * double(n - 1);
    const auto lower = qsizetype(std::floor(position));
    std::nth_element(values, values + lower, values + n);
    const double low = values[lower];
    // After nth_element every value behind `lower` ranks above it: the next rank is their minimum.
    const double high = lower + 1 < n ? *std::min_element(values + lower + 1, values + n) : low;
    return low + (high - low) * (position - double(lower));
}

double madAround(const QList<double>& samples, double median)
{
    std::vector<double> deviations;
    deviations.reserve(samples.size());
    for (double x : samples)
        deviations.push_back(std::abs(x - median));
    return selectQuantile(deviations.data(), qsizetype(deviations.size()), 0.5);
}

QList<double> zScores(const QList<double>& samples, double median, double mad)
{
    QList<double> scores;
    scores.reserve(samples.size());
    for (double x : samples) {
        if (mad > 0)
            scores.append(0.6745 * (x - median) / mad);
        else
            scores.append(x == median ? 0.0 : std::copysign(std::numeric_limits<double>::infinity(), x - median));
    }
    return scores;
}

QList<int> outliersOf(const QList<double>& samples, const QList<double>& scores, double median)
{
    QList<int> result;
    for (int i = 0; i < scores.size(); ++i) {
        if (std::abs(scores[i]) > Statistics::kOutlierThreshold
            && std::abs(samples[i] - median) >= Statistics::kOutlierFloor * std::abs(median))
            result.append(i);
    }
    return result;
}
} // namespace

double Statistics::median(QList<double> samples)
{
    return quantile(std::move(samples), 0.5);
}

double Statistics::quantile(QList<double> samples, double q)
{
    if (samples.isEmpty())
        return kUnknown;
    return selectQuantile(samples.data(), samples.size(), q);
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
    return madAround(samples, median(samples));
}

QList<double> Statistics::modifiedZScores(const QList<double>& samples)
{
    if (samples.isEmpty())
        return {};
    const double m = median(samples);
    return zScores(samples, m, madAround(samples, m));
}

QList<int> Statistics::outliers(const QList<double>& samples)
{
    return samples.isEmpty() ? QList<int>() : outliersOf(samples, modifiedZScores(samples), median(samples));
}

SampleStats Statistics::describe(const QList<double>& samples)
{
    SampleStats s;
    if (samples.isEmpty())
        return s;
    // The median and MAD once each (outliers need both): every step is linear in the samples.
    s.median = median(samples);
    s.mean = mean(samples);
    s.stddev = stddev(samples);
    s.mad = madAround(samples, s.median);
    const auto [lo, hi] = std::minmax_element(samples.cbegin(), samples.cend());
    s.min = *lo;
    s.max = *hi;
    s.cv = s.mean > 0 ? s.stddev / s.mean : kUnknown;
    s.outliers = outliersOf(samples, zScores(samples, s.median, s.mad), s.median);
    return s;
}

namespace {
// One sample set made ready for resampling: its values in order, and each sample's rank among them. The median
// of a resample is then found by counting how often each rank was drawn and walking the counts to the middle:
// O(n) without a comparison, against O(n log n) for sorting the resample. It is the value at that rank, so the
// same value a sorted resample has there, to the bit.
class Resampler final {
public:
    explicit Resampler(const QList<double>& samples)
        : m_size(samples.size())
        , m_sorted(samples.cbegin(), samples.cend())
        , m_rankOf(size_t(m_size))
        , m_counts(size_t(m_size))
    {
        std::vector<qsizetype> order(static_cast<size_t>(m_size));
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(
            order.begin(), order.end(), [&samples](qsizetype a, qsizetype b) { return samples[a] < samples[b]; });
        for (qsizetype rank = 0; rank < m_size; ++rank) {
            m_rankOf[size_t(order[size_t(rank)])] = quint32(rank);
            m_sorted[size_t(rank)] = samples[order[size_t(rank)]];
        }
    }

    // The median of m_size draws with replacement, drawn from `random` as the sorting version drew them.
    double resampledMedian(std::mt19937_64& random)
    {
        std::uniform_int_distribution<qsizetype> pick(0, m_size - 1);
        std::fill(m_counts.begin(), m_counts.end(), 0U);
        for (qsizetype i = 0; i < m_size; ++i)
            ++m_counts[size_t(m_rankOf[size_t(pick(random))])];
        // Statistics::quantile(resample, 0.5): the values at sorted positions `lower` and `lower + 1`.
        const double position = 0.5 * double(m_size - 1);
        const auto lower = qsizetype(std::floor(position));
        const auto upper = std::min(lower + 1, m_size - 1);
        size_t rank = 0;
        qsizetype before = 0; // draws of a lower rank than `rank`
        while (before + m_counts[rank] <= lower)
            before += m_counts[rank++];
        const double low = m_sorted[rank];
        while (before + m_counts[rank] <= upper)
            before += m_counts[rank++];
        const double high = m_sorted[rank];
        return low + (high - low) * (position - double(lower));
    }

private:
    qsizetype m_size;
    std::vector<double> m_sorted;
    std::vector<quint32> m_rankOf; // by sample index
    std::vector<quint32> m_counts; // by rank: draws of that rank in the current resample (32 bits: fewer cache lines)
};
} // namespace

Statistics::Interval Statistics::bootstrapSpeedupCi(
    const QList<double>& baseline, const QList<double>& samples, int resamples, quint64 seed)
{
    if (baseline.isEmpty() || samples.isEmpty())
        return {};
    // The draws are those of ParLab 0.1, which sorted each resample (one generator; per resample the baseline's
    // indices, then the samples'), so an interval is the same to the bit; only the median's cost changed.
    std::mt19937_64 random(seed);
    Resampler a(baseline);
    Resampler b(samples);
    std::vector<double> ratios;
    ratios.reserve(size_t(std::max(resamples, 0)));
    for (int r = 0; r < resamples; ++r) {
        const double numerator = a.resampledMedian(random);
        const double denominator = b.resampledMedian(random);
        if (denominator > 0)
            ratios.push_back(numerator / denominator);
    }
    if (ratios.empty())
        return {};
    const auto n = qsizetype(ratios.size());
    const double low = selectQuantile(ratios.data(), n, 0.025);
    return { low, selectQuantile(ratios.data(), n, 0.975) };
}

} // namespace parlab
