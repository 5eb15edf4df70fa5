#include "scaling.h"

#include "unknown.h"

#include <QSet>
#include <cmath>

namespace parlab {

double Scaling::amdahlSerialFraction(const QList<QPair<int, double>>& points)
{
    double xy = 0, xx = 0;
    for (const auto& [p, speedup] : points) {
        if (p <= 1 || !(speedup > 0) || !std::isfinite(speedup))
            continue;
        const double x = 1.0 - 1.0 / p;
        const double y = 1.0 / speedup - 1.0 / p;
        xy += x * y;
        xx += x * x;
    }
    return xx > 0 ? xy / xx : kUnknown;
}

double Scaling::karpFlatt(double speedup, int workers)
{
    if (workers <= 1 || !(speedup > 0))
        return kUnknown;
    return (1.0 / speedup - 1.0 / workers) / (1.0 - 1.0 / workers);
}

double Scaling::amdahlSpeedup(double serialFraction, int workers)
{
    return 1.0 / (serialFraction + (1.0 - serialFraction) / workers);
}

double Scaling::gustafsonSerialFraction(const QList<QPair<int, double>>& points)
{
    double xy = 0, xx = 0;
    for (const auto& [n, speedup] : points) {
        if (n <= 1 || !std::isfinite(speedup))
            continue;
        const double x = n - 1.0;
        xy += x * (n - speedup);
        xx += x * x;
    }
    return xx > 0 ? xy / xx : kUnknown;
}

UslFit Scaling::uslFit(const QList<QPair<int, double>>& points)
{
    UslFit fit;
    // Normal equations of y = sigma x1 + kappa x2, with x1 = N - 1, x2 = N (N - 1), y = N/S - 1.
    double a11 = 0, a12 = 0, a22 = 0, b1 = 0, b2 = 0;
    QSet<int> counts;
    int most = 1;
    double yAtMost = 0;
    int atMost = 0;
    for (const auto& [n, speedup] : points) {
        if (n < 1 || !(speedup > 0) || !std::isfinite(speedup))
            continue;
        counts.insert(n);
        if (n == 1)
            continue; // 0 = 0 whatever the parameters
        const double x1 = n - 1.0, x2 = double(n) * (n - 1.0), y = n / speedup - 1.0;
        a11 += x1 * x1;
        a12 += x1 * x2;
        a22 += x2 * x2;
        b1 += x1 * y;
        b2 += x2 * y;
        if (n > most) {
            most = n;
            yAtMost = atMost = 0;
        }
        if (n == most) {
            yAtMost += y;
            ++atMost;
        }
    }
    if (counts.size() < 3) {
        fit.why = QStringLiteral("the USL fit needs at least three worker counts; this run has %1").arg(counts.size());
        return fit;
    }
    const double det = a11 * a22 - a12 * a12;
    fit.sigma = (b1 * a22 - b2 * a12) / det;
    fit.kappa = (a11 * b2 - a12 * b1) / det;
    // Noise pushes a parameter whose true value is 0 (Amdahl's speedups have no coherency) a little below it: held
    // at 0 when its term moves N/S at the most workers by under 10%, the other parameter fitted alone. Speedups
    // measured a few percent apart from run to run (a busy machine, 3 repeats) move it that far; a term beyond
    // that is the shape of the speedups, which the law then does not describe.
    constexpr double kNoise = 0.10;
    const double nOverS = 1.0 + yAtMost / atMost;
    const auto negligible = [&](double term) { return std::abs(term) <= kNoise * nOverS; };
    if (fit.kappa < 0 && negligible(fit.kappa * most * (most - 1.0))) {
        fit.kappa = 0;
        fit.sigma = b1 / a11;
    }
    if (fit.sigma < 0 && negligible(fit.sigma * (most - 1.0))) {
        fit.sigma = 0;
        fit.kappa = b2 / a22;
        if (fit.kappa < 0 && negligible(fit.kappa * most * (most - 1.0)))
            fit.kappa = 0;
    }
    if (!std::isfinite(fit.sigma) || !std::isfinite(fit.kappa) || !(det > 0))
        fit.why = QStringLiteral("the USL fit does not converge on these speedups");
    else if (fit.sigma < 0)
        fit.why = QStringLiteral("the speedups are above linear, which the USL cannot describe (its contention would "
                                 "be below 0)");
    else if (fit.sigma > 1)
        fit.why = QStringLiteral("the speedups fall faster than contention can explain (its share would be above 1)");
    else if (fit.kappa < 0)
        fit.why = QStringLiteral("the speedups rise faster with more workers than the USL allows (its coherency "
                                 "would be below 0)");
    if (!fit.fits()) {
        fit.sigma = fit.kappa = kUnknown; // no figures, only the reason
        return fit;
    }
    if (fit.kappa > 0) {
        const double peak = std::sqrt((1.0 - fit.sigma) / fit.kappa);
        if (peak <= 1e6)
            fit.peakWorkers = std::max(1, int(std::lround(peak)));
    }
    return fit;
}

double Scaling::uslSpeedup(double sigma, double kappa, int workers)
{
    const double n = workers;
    return n / (1.0 + sigma * (n - 1.0) + kappa * n * (n - 1.0));
}

} // namespace parlab
