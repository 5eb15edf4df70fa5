// Tests the descriptive statistics, the bootstrap speedup interval and the scaling models against values
// worked out by hand (the arithmetic is in the comments).

#include "bench/sortingbootstrap.h"
#include "measurement.h"
#include "runresult.h"
#include "stats/analysis.h"
#include "stats/scaling.h"
#include "stats/statistics.h"
#include "taskspan.h"

#include <QTest>
#include <cmath>
#include <limits>
#include <map>
#include <random>

using namespace parlab;

class TestStatistics final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void median_data();
    void median();
    void mean();
    void stddev_data();
    void stddev();
    void mad_data();
    void mad();
    void quantile_data();
    void quantile();
    void emptyInputIsUnknown();
    void modifiedZScores();
    void modifiedZScoresWithZeroMad();
    void outliers_data();
    void outliers();
    void describe();
    void describeConstantSamples();
    void describeNonPositiveMeanHasNoCv();
    void describeEmpty();

    void bootstrapConstantSets();
    void bootstrapIsDeterministic();
    void bootstrapContainsPointEstimate();
    void bootstrapWithoutData();
    void selectionMatchesSorting();
    void bootstrapMatchesSortingReference_data();
    void bootstrapMatchesSortingReference();
    void bootstrapKnownCase();
    void bootstrapAgainstExactDistribution();
    void liveAnalysisMatchesFullAnalysis();
    void oversubscriptionWarnsOnlyWorkThatKeepsCoresBusy();

    void amdahlSpeedup();
    void amdahlRecoversSerialFraction_data();
    void amdahlRecoversSerialFraction();
    void amdahlLeastSquares();
    void amdahlIgnoresPointsWithoutInformation();
    void amdahlWithoutParallelPoints();
    void gustafsonRecoversSerialFraction_data();
    void gustafsonRecoversSerialFraction();
    void gustafsonLeastSquares();
    void gustafsonWithoutParallelPoints();
    void uslRecoversItsParameters_data();
    void uslRecoversItsParameters();
    void uslNeedsThreeWorkerCounts();
    void uslHoldsNoiseAtItsBounds();
    void uslSaysWhyItDoesNotFit_data();
    void uslSaysWhyItDoesNotFit();
    void karpFlatt_data();
    void karpFlatt();
    void karpFlattInvalid();
};

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();

// n seeded samples around `centre`, with ties and a few slow outliers, as timings look.
QList<double> timings(qsizetype n, double centre, quint64 seed)
{
    std::mt19937_64 random(seed);
    std::lognormal_distribution<double> noise(0.0, 0.05);
    QList<double> samples;
    for (qsizetype i = 0; i < n; ++i) {
        const double x = i % 17 == 5 ? centre * 3 : centre * noise(random);
        samples.append(std::round(x * 1e4) / 1e4); // rounded to 0.1 ms: ties
    }
    return samples;
}

// The exact bootstrap distribution of the median of a small set: every one of the n^n equally likely resamples.
std::map<double, double> exactMedianDistribution(const QList<double>& set)
{
    const auto n = set.size();
    qsizetype resamples = 1;
    for (qsizetype i = 0; i < n; ++i)
        resamples *= n;
    std::map<double, double> probability;
    QList<double> resample(n);
    for (qsizetype code = 0; code < resamples; ++code) {
        qsizetype digits = code;
        for (double& x : resample) {
            x = set[digits % n];
            digits /= n;
        }
        probability[reference::sortedQuantile(resample, 0.5)] += 1.0 / double(resamples);
    }
    return probability;
}
} // namespace

void TestStatistics::median_data()
{
    QTest::addColumn<QList<double>>("samples");
    QTest::addColumn<double>("expected");

    QTest::newRow("one") << QList<double> { 7.5 } << 7.5;
    QTest::newRow("odd, sorted") << QList<double> { 1, 2, 3 } << 2.0;
    QTest::newRow("odd, unsorted") << QList<double> { 9, 1, 5, 3, 7 } << 5.0;
    // Sorted {1, 2, 3, 10}: (2 + 3) / 2.
    QTest::newRow("even, unsorted") << QList<double> { 10, 2, 3, 1 } << 2.5;
    QTest::newRow("two") << QList<double> { 4, 2 } << 3.0;
    // Sorted {2, 4, 4, 4, 5, 5, 7, 9}: (4 + 5) / 2.
    QTest::newRow("with ties") << QList<double> { 2, 4, 4, 4, 5, 5, 7, 9 } << 4.5;
    QTest::newRow("negative") << QList<double> { -3, -1, -2 } << -2.0;
    QTest::newRow("robust to one outlier") << QList<double> { 1, 1.1, 0.9, 1, 1.05, 0.95, 50 } << 1.0;
}

void TestStatistics::median()
{
    QFETCH(QList<double>, samples);
    QFETCH(double, expected);
    QCOMPARE(Statistics::median(samples), expected);
}

void TestStatistics::mean()
{
    // 40 / 8.
    QCOMPARE(Statistics::mean({ 2, 4, 4, 4, 5, 5, 7, 9 }), 5.0);
    QCOMPARE(Statistics::mean({ 3.5 }), 3.5);
    // (1 + 1.1 + 0.9 + 1 + 1.05 + 0.95 + 50) / 7 = 56 / 7.
    QCOMPARE(Statistics::mean({ 1, 1.1, 0.9, 1, 1.05, 0.95, 50 }), 8.0);
    QCOMPARE(Statistics::mean({ -1, 1 }), 0.0);
}

void TestStatistics::stddev_data()
{
    QTest::addColumn<QList<double>>("samples");
    QTest::addColumn<double>("expected");

    // Mean 5, squared deviations 9+1+1+1+0+0+4+16 = 32: population sd sqrt(32/8) = 2, sample sd sqrt(32/7).
    QTest::newRow("classic") << QList<double> { 2, 4, 4, 4, 5, 5, 7, 9 } << std::sqrt(32.0 / 7.0);
    // Mean 2, squared deviations 1+0+1 = 2, / (3 - 1) = 1.
    QTest::newRow("three") << QList<double> { 1, 2, 3 } << 1.0;
    // Mean 1.5, squared deviations 0.25+0.25 = 0.5, / 1: sqrt(0.5).
    QTest::newRow("two") << QList<double> { 1, 2 } << std::sqrt(0.5);
    QTest::newRow("one sample") << QList<double> { 42 } << 0.0;
    QTest::newRow("constant") << QList<double> { 3, 3, 3, 3 } << 0.0;
}

void TestStatistics::stddev()
{
    QFETCH(QList<double>, samples);
    QFETCH(double, expected);
    QCOMPARE(Statistics::stddev(samples), expected);
}

void TestStatistics::mad_data()
{
    QTest::addColumn<QList<double>>("samples");
    QTest::addColumn<double>("expected");

    // Median 3; |x - 3| = {2, 1, 0, 1, 97}, sorted {0, 1, 1, 2, 97}: median 1. Unscaled (no 1.4826).
    QTest::newRow("outlier does not move it") << QList<double> { 1, 2, 3, 4, 100 } << 1.0;
    // Median 4.5; |x - 4.5| = {2.5, 0.5, 0.5, 0.5, 0.5, 0.5, 2.5, 4.5}: median of sorted = (0.5 + 0.5) / 2.
    QTest::newRow("classic") << QList<double> { 2, 4, 4, 4, 5, 5, 7, 9 } << 0.5;
    // Median 2.5; |x - 2.5| = {1.5, 0.5, 0.5, 1.5}: median (0.5 + 1.5) / 2 = 1.
    QTest::newRow("even") << QList<double> { 4, 1, 3, 2 } << 1.0;
    QTest::newRow("constant") << QList<double> { 5, 5, 5 } << 0.0;
    QTest::newRow("one") << QList<double> { 5 } << 0.0;
}

void TestStatistics::mad()
{
    QFETCH(QList<double>, samples);
    QFETCH(double, expected);
    QCOMPARE(Statistics::mad(samples), expected);
}

void TestStatistics::quantile_data()
{
    QTest::addColumn<QList<double>>("samples");
    QTest::addColumn<double>("q");
    QTest::addColumn<double>("expected");

    // Sorted {1, 2, 3, 4}: position q * 3 between ranks.
    const QList<double> four { 4, 1, 3, 2 };
    QTest::newRow("minimum") << four << 0.0 << 1.0;
    QTest::newRow("maximum") << four << 1.0 << 4.0;
    QTest::newRow("median") << four << 0.5 << 2.5;
    // Position 0.75: 1 + 0.75 * (2 - 1).
    QTest::newRow("first quartile") << four << 0.25 << 1.75;
    // Position 2.25: 3 + 0.25 * (4 - 3).
    QTest::newRow("third quartile") << four << 0.75 << 3.25;
    // Position 0.3: 1 + 0.3 * 1.
    QTest::newRow("tenth percentile") << four << 0.1 << 1.3;
    QTest::newRow("below 0 clamps") << four << -0.5 << 1.0;
    QTest::newRow("above 1 clamps") << four << 1.5 << 4.0;
    // Sorted {10, 20, 40}: position 0.9 * 2 = 1.8: 20 + 0.8 * (40 - 20) = 36.
    QTest::newRow("uneven gaps") << QList<double> { 40, 10, 20 } << 0.9 << 36.0;
    QTest::newRow("one sample") << QList<double> { 7 } << 0.3 << 7.0;
}

void TestStatistics::quantile()
{
    QFETCH(QList<double>, samples);
    QFETCH(double, q);
    QFETCH(double, expected);
    QCOMPARE(Statistics::quantile(samples, q), expected);
}

void TestStatistics::emptyInputIsUnknown()
{
    QVERIFY(std::isnan(Statistics::median({})));
    QVERIFY(std::isnan(Statistics::mean({})));
    QVERIFY(std::isnan(Statistics::stddev({})));
    QVERIFY(std::isnan(Statistics::mad({})));
    QVERIFY(std::isnan(Statistics::quantile({}, 0.5)));
    QVERIFY(Statistics::modifiedZScores({}).isEmpty());
    QVERIFY(Statistics::outliers({}).isEmpty());
}

void TestStatistics::modifiedZScores()
{
    // Median 3, MAD 1 (see mad_data): z = 0.6745 (x - 3) / 1.
    const QList<double> z = Statistics::modifiedZScores({ 1, 2, 3, 4, 100 });
    QCOMPARE(z.size(), 5);
    QCOMPARE(z[0], -1.349);
    QCOMPARE(z[1], -0.6745);
    QCOMPARE(z[2], 0.0);
    QCOMPARE(z[3], 0.6745);
    QCOMPARE(z[4], 0.6745 * 97);
}

void TestStatistics::modifiedZScoresWithZeroMad()
{
    // Median 5, |x - 5| = {0, 0, 0, 1, 1} has median 0: off-median samples score +-infinity.
    const QList<double> z = Statistics::modifiedZScores({ 5, 5, 5, 6, 4 });
    QCOMPARE(z, (QList<double> { 0, 0, 0, kInf, -kInf }));
}

void TestStatistics::outliers_data()
{
    QTest::addColumn<QList<double>>("samples");
    QTest::addColumn<QList<int>>("expected");

    // Median 1; |x - 1| sorted {0, 0, 0.05, 0.05, 0.1, 0.1, 49}: MAD 0.05.
    // z(50) = 0.6745 * 49 / 0.05 = 661; z(1.1) = 0.6745 * 0.1 / 0.05 = 1.35.
    QTest::newRow("one slow run") << QList<double> { 1, 1.1, 0.9, 1, 1.05, 0.95, 50 } << QList<int> { 6 };
    // Median 10; |x - 10| sorted {0, 0, 0.05, 0.05, 0.1, 0.1, 9, 40}: MAD 0.075.
    // z(1) = 0.6745 * -9 / 0.075 = -80.9; z(50) = 0.6745 * 40 / 0.075 = 360; z(10.1) = 0.9.
    QTest::newRow("fast outlier too") << QList<double> { 10, 10.1, 9.9, 10, 10.05, 9.95, 1, 50 } << QList<int> { 6, 7 };
    // z(9) = 0.6745 * 4.5 / 0.5 = 6.07: spread, but under 10.
    QTest::newRow("none") << QList<double> { 2, 4, 4, 4, 5, 5, 7, 9 } << QList<int> {};
    // Median 10, MAD 1 (|x - 10| = {1, 0, 1, 1, 1, 0, ...}); a sample scores over 10 beyond 10 / 0.6745 = 14.83.
    // 24.8: z = 0.6745 * 14.8 = 9.98, kept; 24.9: z = 0.6745 * 14.9 = 10.05, flagged.
    QTest::newRow("just under threshold") << QList<double> { 9, 10, 11, 9, 11, 10, 24.8 } << QList<int> {};
    QTest::newRow("just over threshold") << QList<double> { 9, 10, 11, 9, 11, 10, 24.9 } << QList<int> { 6 };
    // MAD 0: every sample off the median is flagged, however close.
    QTest::newRow("zero MAD") << QList<double> { 5, 5, 5, 5, 6 } << QList<int> { 4 };
    QTest::newRow("zero MAD, below") << QList<double> { 4, 5, 5, 5 } << QList<int> { 0 };
    QTest::newRow("all equal") << QList<double> { 3, 3, 3 } << QList<int> {};
    // Sleeps of 100 ms: MAD 0.05 ms, so 100.9 scores 12 but is 0.9% off the median: under kOutlierFloor, kept.
    // 105.1 is 5.1% off: flagged.
    QTest::newRow("tight cluster, 0.9% off")
        << QList<double> { 100, 100.05, 99.95, 100, 100.1, 100.9 } << QList<int> {};
    QTest::newRow("tight cluster, 5.1% off")
        << QList<double> { 100, 100.05, 99.95, 100, 100.1, 105.1 } << QList<int> { 5 };
    QTest::newRow("one sample") << QList<double> { 3 } << QList<int> {};
}

void TestStatistics::outliers()
{
    QFETCH(QList<double>, samples);
    QFETCH(QList<int>, expected);
    QCOMPARE(Statistics::outliers(samples), expected);
}

void TestStatistics::describe()
{
    const SampleStats s = Statistics::describe({ 5, 2, 9, 4, 4, 7, 4, 5 }); // {2, 4, 4, 4, 5, 5, 7, 9} shuffled
    QCOMPARE(s.median, 4.5);
    QCOMPARE(s.mean, 5.0);
    QCOMPARE(s.stddev, std::sqrt(32.0 / 7.0));
    QCOMPARE(s.mad, 0.5);
    QCOMPARE(s.min, 2.0);
    QCOMPARE(s.max, 9.0);
    // cv = stddev / mean = sqrt(32/7) / 5 = 0.4276.
    QCOMPARE(s.cv, std::sqrt(32.0 / 7.0) / 5.0);
    QVERIFY(s.outliers.isEmpty());

    const SampleStats withOutlier = Statistics::describe({ 1, 1.1, 0.9, 1, 1.05, 0.95, 50 });
    QCOMPARE(withOutlier.median, 1.0);
    QCOMPARE(withOutlier.mean, 8.0);
    QCOMPARE(withOutlier.min, 0.9);
    QCOMPARE(withOutlier.max, 50.0);
    QCOMPARE(withOutlier.outliers, QList<int> { 6 });
}

void TestStatistics::describeConstantSamples()
{
    const SampleStats s = Statistics::describe({ 2, 2, 2 });
    QCOMPARE(s.median, 2.0);
    QCOMPARE(s.stddev, 0.0);
    QCOMPARE(s.mad, 0.0);
    QCOMPARE(s.cv, 0.0);
    QCOMPARE(s.min, 2.0);
    QCOMPARE(s.max, 2.0);
    QVERIFY(s.outliers.isEmpty());
}

void TestStatistics::describeNonPositiveMeanHasNoCv()
{
    // A coefficient of variation means nothing around a zero mean; it must say so rather than divide by 0.
    const SampleStats s = Statistics::describe({ -1, 1 });
    QCOMPARE(s.mean, 0.0);
    QVERIFY(std::isnan(s.cv));
}

void TestStatistics::describeEmpty()
{
    const SampleStats s = Statistics::describe({});
    QVERIFY(std::isnan(s.median));
    QVERIFY(std::isnan(s.mean));
    QVERIFY(std::isnan(s.stddev));
    QVERIFY(std::isnan(s.mad));
    QVERIFY(std::isnan(s.min));
    QVERIFY(std::isnan(s.max));
    QVERIFY(std::isnan(s.cv));
    QVERIFY(s.outliers.isEmpty());
}

void TestStatistics::bootstrapConstantSets()
{
    // Every resample of a constant set has the same median, so every ratio is 4 / 2.
    const auto ci = Statistics::bootstrapSpeedupCi({ 4, 4, 4, 4, 4 }, { 2, 2, 2 });
    QCOMPARE(ci.low, 2.0);
    QCOMPARE(ci.high, 2.0);
}

void TestStatistics::bootstrapIsDeterministic()
{
    const QList<double> baseline { 10.0, 10.4, 9.8, 10.1, 10.3, 9.9, 10.2, 11.5 };
    const QList<double> samples { 5.1, 4.9, 5.3, 5.0, 4.8, 5.6, 5.05, 4.95 };
    const auto first = Statistics::bootstrapSpeedupCi(baseline, samples, 500, 7);
    const auto second = Statistics::bootstrapSpeedupCi(baseline, samples, 500, 7);
    QCOMPARE(first.low, second.low);
    QCOMPARE(first.high, second.high);
    // The default seed is fixed too, so a report reproduces.
    const auto third = Statistics::bootstrapSpeedupCi(baseline, samples);
    const auto fourth = Statistics::bootstrapSpeedupCi(baseline, samples);
    QCOMPARE(third.low, fourth.low);
    QCOMPARE(third.high, fourth.high);
}

void TestStatistics::bootstrapContainsPointEstimate()
{
    const QList<double> baseline { 10.0, 10.4, 9.8, 10.1, 10.3, 9.9, 10.2, 10.05, 9.95, 10.6 };
    const QList<double> samples { 5.1, 4.9, 5.3, 5.0, 4.8, 5.2, 5.05, 4.95, 5.4, 5.0 };
    // median(baseline) = (10.05 + 10.1) / 2 = 10.075; median(samples) = (5.0 + 5.05) / 2 = 5.025.
    const double speedup = Statistics::median(baseline) / Statistics::median(samples);
    QCOMPARE(speedup, 10.075 / 5.025);

    const auto ci = Statistics::bootstrapSpeedupCi(baseline, samples);
    QVERIFY2(ci.low < ci.high, qPrintable(QStringLiteral("[%1, %2]").arg(ci.low).arg(ci.high)));
    QVERIFY2(ci.low <= speedup && speedup <= ci.high,
        qPrintable(QStringLiteral("%1 outside [%2, %3]").arg(speedup).arg(ci.low).arg(ci.high)));
    // The ratio of any two resampled medians lies between min/max and max/min of the data:
    // 9.8 / 5.4 = 1.81 and 10.6 / 4.8 = 2.21.
    QVERIFY(ci.low >= 9.8 / 5.4);
    QVERIFY(ci.high <= 10.6 / 4.8);
}

void TestStatistics::bootstrapWithoutData()
{
    const auto noBaseline = Statistics::bootstrapSpeedupCi({}, { 1, 2 });
    QVERIFY(std::isnan(noBaseline.low) && std::isnan(noBaseline.high));
    const auto noSamples = Statistics::bootstrapSpeedupCi({ 1, 2 }, {});
    QVERIFY(std::isnan(noSamples.low) && std::isnan(noSamples.high));
    // A zero time has no finite speedup: no interval rather than infinity.
    const auto zeroTimes = Statistics::bootstrapSpeedupCi({ 1, 2 }, { 0, 0 });
    QVERIFY(std::isnan(zeroTimes.low) && std::isnan(zeroTimes.high));
}

void TestStatistics::selectionMatchesSorting()
{
    // Medians and quantiles come from selection, not sorting: the same values to the bit, ties and all.
    for (const qsizetype n : { 1, 2, 3, 4, 7, 8, 100, 101, 1000 }) {
        const QList<double> samples = timings(n, 1.0, quint64(n));
        for (const double q : { 0.0, 0.025, 0.25, 0.5, 0.75, 0.975, 1.0 })
            QCOMPARE(Statistics::quantile(samples, q), reference::sortedQuantile(samples, q));
        QCOMPARE(Statistics::median(samples), reference::sortedQuantile(samples, 0.5));
    }
}

void TestStatistics::bootstrapMatchesSortingReference_data()
{
    QTest::addColumn<qsizetype>("baselineSize");
    QTest::addColumn<qsizetype>("samplesSize");
    QTest::newRow("1 and 1") << qsizetype(1) << qsizetype(1);
    QTest::newRow("odd and even") << qsizetype(5) << qsizetype(8);
    QTest::newRow("even and odd") << qsizetype(10) << qsizetype(7);
    QTest::newRow("100 and 101") << qsizetype(100) << qsizetype(101);
}

void TestStatistics::bootstrapMatchesSortingReference()
{
    // Selection instead of a sort per resample changes the cost, not the estimator: the very same interval.
    QFETCH(qsizetype, baselineSize);
    QFETCH(qsizetype, samplesSize);
    const QList<double> baseline = timings(baselineSize, 2.0, 1);
    const QList<double> samples = timings(samplesSize, 1.1, 2);
    const auto expected = reference::sortingBootstrap(baseline, samples);
    const auto ci = Statistics::bootstrapSpeedupCi(baseline, samples);
    QCOMPARE(ci.low, expected.low);
    QCOMPARE(ci.high, expected.high);
}

void TestStatistics::bootstrapKnownCase()
{
    // Three samples each, so the bootstrap distribution can be worked out by hand. A resample of {9, 10, 12}
    // has median 9 when at least two of its three draws are 9: 3 (1/3)^2 (2/3) + (1/3)^3 = 7/27; likewise
    // 12: 7/27; else 10: 13/27. The same for {4, 5, 7}. The smallest ratio, 9/7, has probability
    // (7/27)^2 = 6.7% and the largest, 12/4, as much: both are beyond the 2.5% tails, so the exact 95%
    // interval is [9/7, 3]. With 2000 resamples about 134 ratios are 9/7 and 134 are 3, so the estimate's
    // 50th smallest and 50th largest ratios are those exactly.
    const auto ci = Statistics::bootstrapSpeedupCi({ 9, 10, 12 }, { 4, 5, 7 });
    QCOMPARE(ci.low, 9.0 / 7.0);
    QCOMPARE(ci.high, 3.0);
}

void TestStatistics::bootstrapAgainstExactDistribution()
{
    // Five samples each: the exact distribution of the resampled median ratio over all 5^5 x 5^5 resample
    // pairs, against which the 2000-resample interval must sit at the 2.5% and 97.5% points. With 2000
    // resamples a quantile's probability is off by 0.0035 (one standard error); 0.015 allows four of them.
    const QList<double> baseline { 9.6, 10.0, 10.1, 10.5, 11.9 };
    const QList<double> samples { 4.7, 5.0, 5.2, 5.3, 6.4 };
    std::map<double, double> ratios;
    for (const auto& [numerator, p] : exactMedianDistribution(baseline)) {
        for (const auto& [denominator, q] : exactMedianDistribution(samples))
            ratios[numerator / denominator] += p * q;
    }
    const auto below = [&ratios](double x, bool inclusive) {
        double p = 0;
        for (const auto& [ratio, probability] : ratios) {
            if (ratio < x || (inclusive && ratio == x))
                p += probability;
        }
        return p;
    };
    const auto ci = Statistics::bootstrapSpeedupCi(baseline, samples);
    constexpr double tolerance = 0.015;
    const QString where = QStringLiteral("[%1, %2]: P(< low) %3, P(<= low) %4, P(< high) %5, P(<= high) %6")
                              .arg(ci.low)
                              .arg(ci.high)
                              .arg(below(ci.low, false))
                              .arg(below(ci.low, true))
                              .arg(below(ci.high, false))
                              .arg(below(ci.high, true));
    QVERIFY2(below(ci.low, false) <= 0.025 + tolerance && below(ci.low, true) >= 0.025 - tolerance, qPrintable(where));
    QVERIFY2(
        below(ci.high, false) <= 0.975 + tolerance && below(ci.high, true) >= 0.975 - tolerance, qPrintable(where));
    QVERIFY2(ci.low < ci.high, qPrintable(where)); // an interval, not a point: the data vary
}

void TestStatistics::oversubscriptionWarnsOnlyWorkThatKeepsCoresBusy()
{
    // 0.1 printed "threads x4: oversubscribed: CPU-bound speedup cannot exceed 2" beside the I/O lesson's 15.9x.
    auto warnings = [](double cpuPerRepeat) {
        RunResult r;
        r.spec.kernel = QStringLiteral("sleep");
        r.spec.repeats = 3;
        r.environment.logicalCores = 2;
        Measurement sequential;
        sequential.backend = QStringLiteral("sequential");
        sequential.samplesS = sequential.cpuS = { 0.8, 0.8, 0.8 };
        r.measurements.append(sequential);
        Measurement threads;
        threads.backend = QStringLiteral("threads");
        threads.workers = 4;
        threads.samplesS = { 0.2, 0.2, 0.2 };
        threads.cpuS = { cpuPerRepeat, cpuPerRepeat, cpuPerRepeat };
        r.measurements.append(threads);
        analyse(r, Intervals::Skip);
        return r.warnings.join(QLatin1Char('\n'));
    };
    // Waiting: 2 ms of CPU in 0.2 s on 2 cores is 0.5% of them.
    QVERIFY2(!warnings(0.002).contains(QStringLiteral("oversubscribed")), qPrintable(warnings(0.002)));
    // Computing: 0.4 s of CPU in 0.2 s is both cores, all the time.
    QVERIFY2(warnings(0.4).contains(QStringLiteral("threads x4: 4 workers on 2 logical cores is oversubscribed")),
        qPrintable(warnings(0.4)));
}

void TestStatistics::liveAnalysisMatchesFullAnalysis()
{
    // A run as the runner drives it, repeat by repeat: the baseline, then each other measurement. After each
    // repeat every figure but the interval is exactly analyse()'s; the interval is the bootstrap of the samples
    // at some earlier repeat with at least 8/9 of them (all of them up to kExactSamples), it is computed about
    // 9 times per run length beyond that, and at the end every figure is exactly analyse()'s.
    constexpr int repeats = 160;
    const QList<double> sequential = timings(repeats, 2.0, 3);
    const QList<double> threads = timings(repeats, 1.1, 4);
    QList<Statistics::Interval> exact { {} }; // by repeat: the interval from the first k samples of each
    for (int k = 1; k <= repeats; ++k)
        exact.append(Statistics::bootstrapSpeedupCi(sequential.first(k), threads.first(k)));

    RunResult live;
    live.spec.kernel = QStringLiteral("spin");
    live.environment.logicalCores = 1; // threads x2 is oversubscribed: a warning from the first repeat on
    Measurement m;
    m.backend = QStringLiteral("sequential");
    live.measurements.append(m);
    m.backend = QStringLiteral("threads");
    m.workers = 2;
    live.measurements.append(m);
    LiveAnalysis analysis;
    int recomputed = 0;
    double lastLow = kUnknown;
    for (int r = 0; r < repeats; ++r) {
        live.measurements[0].samplesS.append(sequential[r]);
        analysis.update(live, 0);
        live.measurements[1].samplesS.append(threads[r]);
        analysis.update(live, 1);

        RunResult full = live;
        analyse(full, Intervals::Skip); // the interval is checked against `exact`, analyse()'s own
        const Measurement& got = live.measurements[1];
        const Measurement& want = full.measurements[1];
        QCOMPARE(got.wall.median, want.wall.median);
        QCOMPARE(got.wall.outliers, want.wall.outliers);
        QCOMPARE(got.speedup, want.speedup);
        QCOMPARE(got.efficiency, want.efficiency);
        QCOMPARE(live.warnings, full.warnings);
        const int n = r + 1;
        bool fromPrefix = false;
        for (int k = n; k >= 1 && 9 * k >= 8 * n; --k)
            fromPrefix = fromPrefix || (got.speedupLow == exact[k].low && got.speedupHigh == exact[k].high);
        QVERIFY2(fromPrefix, qPrintable(QStringLiteral("after repeat %1: [%2, %3]").arg(n).arg(got.speedupLow)));
        if (n <= LiveAnalysis::kExactSamples) {
            QCOMPARE(got.speedupLow, exact[n].low);
            QCOMPARE(got.speedupHigh, exact[n].high);
        }
        if (!sameNumber(got.speedupLow, lastLow))
            ++recomputed;
        lastLow = got.speedupLow;
    }
    // 64 exact, then growth by an eighth from 64 to 160: log(160/64) / log(9/8) = 7.8 more.
    QVERIFY2(recomputed <= LiveAnalysis::kExactSamples + 8, qPrintable(QString::number(recomputed)));
    QVERIFY2(recomputed > LiveAnalysis::kExactSamples / 2, qPrintable(QString::number(recomputed)));

    analysis.finish(live);
    RunResult full = live;
    analyse(full);
    for (int i = 0; i < 2; ++i) {
        QCOMPARE(live.measurements[i].speedupLow, full.measurements[i].speedupLow);
        QCOMPARE(live.measurements[i].speedupHigh, full.measurements[i].speedupHigh);
    }
    QCOMPARE(live.measurements[1].speedupLow, exact[repeats].low);
    QCOMPARE(live.warnings, full.warnings);
}

void TestStatistics::amdahlSpeedup()
{
    // 1 / (0.1 + 0.9 / 2) = 1 / 0.55.
    QCOMPARE(Scaling::amdahlSpeedup(0.1, 2), 1.0 / 0.55);
    // 1 / (0.1 + 0.9 / 8) = 1 / 0.2125 = 4.706.
    QCOMPARE(Scaling::amdahlSpeedup(0.1, 8), 1.0 / 0.2125);
    QCOMPARE(Scaling::amdahlSpeedup(0.0, 8), 8.0);
    QCOMPARE(Scaling::amdahlSpeedup(1.0, 8), 1.0);
    QCOMPARE(Scaling::amdahlSpeedup(0.25, 1), 1.0);
}

void TestStatistics::amdahlRecoversSerialFraction_data()
{
    QTest::addColumn<double>("f");
    QTest::newRow("f = 0.1") << 0.1;
    QTest::newRow("f = 0") << 0.0;
    QTest::newRow("f = 0.5") << 0.5;
    QTest::newRow("f = 1") << 1.0;
}

void TestStatistics::amdahlRecoversSerialFraction()
{
    QFETCH(double, f);
    // Speedups exactly on Amdahl's curve (for f = 0.1: 1/0.55 = 1.818, 1/0.325 = 3.077, 1/0.2125 = 4.706).
    QList<QPair<int, double>> points;
    for (int p : { 2, 4, 8 })
        points.append({ p, 1.0 / (f + (1.0 - f) / p) });
    const double fitted = Scaling::amdahlSerialFraction(points);
    QVERIFY2(std::abs(fitted - f) < 1e-12, qPrintable(QString::number(fitted, 'g', 17)));
}

void TestStatistics::amdahlLeastSquares()
{
    // Off the curve: x = 1 - 1/p, y = 1/S - 1/p; f = sum(xy) / sum(xx).
    // (2, 1.6): x = 0.5, y = 0.625 - 0.5 = 0.125; (4, 2.5): x = 0.75, y = 0.4 - 0.25 = 0.15.
    // f = (0.0625 + 0.1125) / (0.25 + 0.5625) = 0.175 / 0.8125 = 14 / 65.
    QCOMPARE(Scaling::amdahlSerialFraction({ { 2, 1.6 }, { 4, 2.5 } }), 14.0 / 65.0);
}

void TestStatistics::amdahlIgnoresPointsWithoutInformation()
{
    const QList<QPair<int, double>> onCurve { { 2, 1.0 / 0.55 }, { 4, 1.0 / 0.325 }, { 8, 1.0 / 0.2125 } };
    QList<QPair<int, double>> noisy = onCurve;
    // p = 1 says nothing about f whatever its speedup; unusable speedups must not poison the fit.
    noisy.append({ 1, 0.7 });
    noisy.append({ 1, 1.0 });
    noisy.append({ 0, 3.0 });
    noisy.append({ 16, 0.0 });
    noisy.append({ 16, std::numeric_limits<double>::quiet_NaN() });
    noisy.append({ 16, kInf });
    QVERIFY(std::abs(Scaling::amdahlSerialFraction(noisy) - 0.1) < 1e-12);
}

void TestStatistics::amdahlWithoutParallelPoints()
{
    QVERIFY(std::isnan(Scaling::amdahlSerialFraction({})));
    QVERIFY(std::isnan(Scaling::amdahlSerialFraction({ { 1, 1.0 } })));
    QVERIFY(std::isnan(Scaling::amdahlSerialFraction({ { 1, 1.0 }, { 1, 0.9 } })));
}

void TestStatistics::gustafsonRecoversSerialFraction_data()
{
    QTest::addColumn<double>("alpha");
    QTest::newRow("alpha = 0.2") << 0.2;
    QTest::newRow("alpha = 0") << 0.0;
    QTest::newRow("alpha = 1") << 1.0;
}

void TestStatistics::gustafsonRecoversSerialFraction()
{
    QFETCH(double, alpha);
    // Scaled speedups exactly on Gustafson's line S = N - alpha (N - 1) (alpha = 0.2: 1.8, 3.4, 6.6).
    QList<QPair<int, double>> points;
    for (int n : { 1, 2, 4, 8 })
        points.append({ n, n - alpha * (n - 1) });
    const double fitted = Scaling::gustafsonSerialFraction(points);
    QVERIFY2(std::abs(fitted - alpha) < 1e-12, qPrintable(QString::number(fitted, 'g', 17)));
}

void TestStatistics::gustafsonLeastSquares()
{
    // x = N - 1, y = N - S; alpha = sum(xy) / sum(xx). (2, 1.8): x = 1, y = 0.2; (4, 3.1): x = 3, y = 0.9.
    // alpha = (0.2 + 2.7) / (1 + 9) = 0.29.
    QVERIFY(std::abs(Scaling::gustafsonSerialFraction({ { 1, 1.0 }, { 2, 1.8 }, { 4, 3.1 } }) - 0.29) < 1e-12);
}

void TestStatistics::gustafsonWithoutParallelPoints()
{
    QVERIFY(std::isnan(Scaling::gustafsonSerialFraction({})));
    QVERIFY(std::isnan(Scaling::gustafsonSerialFraction({ { 1, 1.0 } })));
    QVERIFY(std::isnan(Scaling::gustafsonSerialFraction({ { 2, kInf } })));
}

void TestStatistics::uslRecoversItsParameters_data()
{
    QTest::addColumn<double>("sigma");
    QTest::addColumn<double>("kappa");
    QTest::addColumn<int>("peak"); // 0: none
    QTest::newRow("Amdahl, 20% serial") << 0.2 << 0.0 << 0;
    // sqrt((1 - 0.05) / 0.001) = 30.8: the speedup is highest at 31 workers.
    QTest::newRow("contention and coherency") << 0.05 << 0.001 << 31;
    // sqrt(1 / 0.01) = 10.
    QTest::newRow("coherency only") << 0.0 << 0.01 << 10;
    QTest::newRow("linear") << 0.0 << 0.0 << 0;
}

void TestStatistics::uslRecoversItsParameters()
{
    QFETCH(double, sigma);
    QFETCH(double, kappa);
    QFETCH(int, peak);
    QList<QPair<int, double>> points;
    for (int n : { 1, 2, 4, 8, 16 })
        points.append({ n, Scaling::uslSpeedup(sigma, kappa, n) });
    const UslFit fit = Scaling::uslFit(points);
    QVERIFY2(fit.fits(), qPrintable(fit.why));
    QVERIFY2(std::abs(fit.sigma - sigma) < 1e-9, qPrintable(QString::number(fit.sigma, 'g', 17)));
    QVERIFY2(std::abs(fit.kappa - kappa) < 1e-12, qPrintable(QString::number(fit.kappa, 'g', 17)));
    QCOMPARE(fit.peakWorkers.value_or(0), peak);
}

void TestStatistics::uslNeedsThreeWorkerCounts()
{
    // Two unknowns from the points with N > 1, anchored at N = 1: two worker counts cannot separate them.
    const UslFit fit = Scaling::uslFit({ { 1, 1.0 }, { 2, 1.67 }, { 2, 1.66 } });
    QCOMPARE(fit.why, QStringLiteral("the USL fit needs at least three worker counts; this run has 2"));
    QVERIFY(!fit.fits());
    QVERIFY(std::isnan(fit.sigma) && std::isnan(fit.kappa) && !fit.peakWorkers);
    // Unusable speedups are no worker count.
    QCOMPARE(Scaling::uslFit({ { 1, 1.0 }, { 2, 1.6 }, { 4, kInf }, { 8, 0.0 } }).why,
        QStringLiteral("the USL fit needs at least three worker counts; this run has 2"));
}

void TestStatistics::uslHoldsNoiseAtItsBounds()
{
    // Amdahl's speedups for 20% serial, measured 1% fast at 8 workers: fitted freely, the coherency comes out
    // slightly negative; its term is far under 10% of N/S there, so it is held at 0 and the contention refitted.
    const QList<QPair<int, double>> points { { 1, 1.0 }, { 2, Scaling::amdahlSpeedup(0.2, 2) },
        { 4, Scaling::amdahlSpeedup(0.2, 4) }, { 8, 1.01 * Scaling::amdahlSpeedup(0.2, 8) } };
    const UslFit fit = Scaling::uslFit(points);
    QVERIFY2(fit.fits(), qPrintable(fit.why));
    QCOMPARE(fit.kappa, 0.0);
    QVERIFY(!fit.peakWorkers);
    QVERIFY2(std::abs(fit.sigma - 0.2) < 0.01, qPrintable(QString::number(fit.sigma)));
    QVERIFY2(
        std::abs(fit.sigma - Scaling::amdahlSerialFraction(points)) < 0.01, qPrintable(QString::number(fit.sigma)));
}

void TestStatistics::uslSaysWhyItDoesNotFit_data()
{
    QTest::addColumn<QList<double>>("speedups"); // at 2, 4 and 8 workers
    QTest::addColumn<QString>("why");
    QTest::newRow("superlinear") << QList<double> { 2.5, 5.5, 12.0 }
                                 << QStringLiteral("the speedups are above linear, which the USL cannot describe (its "
                                                   "contention would be below 0)");
    QTest::newRow("curving upwards") << QList<double> { 1.2, 2.5, 6.0 }
                                     << QStringLiteral("the speedups rise faster with more workers than the USL allows "
                                                       "(its coherency would be below 0)");
    QTest::newRow("slower than one worker") << QList<double> { 0.3, 0.3, 0.3 }
                                            << QStringLiteral("the speedups fall faster than contention can explain "
                                                              "(its share would be above 1)");
}

void TestStatistics::uslSaysWhyItDoesNotFit()
{
    QFETCH(QList<double>, speedups);
    QFETCH(QString, why);
    const UslFit fit
        = Scaling::uslFit({ { 1, 1.0 }, { 2, speedups.at(0) }, { 4, speedups.at(1) }, { 8, speedups.at(2) } });
    QCOMPARE(fit.why, why);
    QVERIFY(std::isnan(fit.sigma) && std::isnan(fit.kappa) && !fit.peakWorkers);
}

void TestStatistics::karpFlatt_data()
{
    QTest::addColumn<double>("speedup");
    QTest::addColumn<int>("workers");
    QTest::addColumn<double>("expected");

    // e = (1/S - 1/p) / (1 - 1/p).
    // (1/1.8 - 0.5) / 0.5 = (0.5556 - 0.5) / 0.5 = 0.1111 = 1/9.
    QTest::newRow("S=1.8, p=2") << 1.8 << 2 << 1.0 / 9.0;
    // (0.4 - 0.25) / 0.75 = 0.2.
    QTest::newRow("S=2.5, p=4") << 2.5 << 4 << 0.2;
    // On Amdahl's curve for f = 0.1 at p = 8 (S = 1/0.2125): (0.2125 - 0.125) / 0.875 = 0.1.
    QTest::newRow("Amdahl f=0.1, p=8") << 1.0 / 0.2125 << 8 << 0.1;
    QTest::newRow("linear speedup") << 4.0 << 4 << 0.0;
    // No speedup at all: everything is serial. (1 - 0.25) / 0.75 = 1.
    QTest::newRow("no speedup") << 1.0 << 4 << 1.0;
    // Superlinear: (0.2 - 0.25) / 0.75 = -1/15.
    QTest::newRow("superlinear") << 5.0 << 4 << -1.0 / 15.0;
}

void TestStatistics::karpFlatt()
{
    QFETCH(double, speedup);
    QFETCH(int, workers);
    QFETCH(double, expected);
    QCOMPARE(Scaling::karpFlatt(speedup, workers), expected);
}

void TestStatistics::karpFlattInvalid()
{
    QVERIFY(std::isnan(Scaling::karpFlatt(1.0, 1)));
    QVERIFY(std::isnan(Scaling::karpFlatt(2.0, 0)));
    QVERIFY(std::isnan(Scaling::karpFlatt(0.0, 4)));
    QVERIFY(std::isnan(Scaling::karpFlatt(-1.0, 4)));
    QVERIFY(std::isnan(Scaling::karpFlatt(std::numeric_limits<double>::quiet_NaN(), 4)));
}

QTEST_APPLESS_MAIN(TestStatistics)
#include "tst_statistics.moc"
