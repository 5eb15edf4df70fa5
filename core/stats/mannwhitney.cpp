#include "mannwhitney.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace parlab {

namespace {
// Number of ways the first sample's n1 ranks can be placed among n = n1 + n2 so that U = u, for every u in
// 0..n1 n2. Classic recursion over the largest rank: it belongs either to the first sample (adding n2 to U)
// or to the second.  f(i, j, u) = f(i - 1, j, u - j) + f(i, j - 1, u).  Doubles: counts up to C(60, 30)
// (1.2e17) keep enough precision for p-values.
std::vector<double> exactCounts(int n1, int n2)
{
    const int maxU = n1 * n2;
    // table[i][j] as a flat vector of (maxU + 1) for the current i, built up over j.
    std::vector<std::vector<double>> previous(size_t(n2) + 1, std::vector<double>(size_t(maxU) + 1, 0.0));
    for (int j = 0; j <= n2; ++j)
        previous[size_t(j)][0] = 1.0; // i = 0: U = 0 only
    for (int i = 1; i <= n1; ++i) {
        std::vector<std::vector<double>> current(size_t(n2) + 1, std::vector<double>(size_t(maxU) + 1, 0.0));
        current[0][0] = 1.0; // j = 0: U = 0 only
        for (int j = 1; j <= n2; ++j) {
            for (int u = 0; u <= i * j; ++u) {
                double count = current[size_t(j) - 1][size_t(u)];
                if (u >= j)
                    count += previous[size_t(j)][size_t(u - j)];
                current[size_t(j)][size_t(u)] = count;
            }
        }
        previous.swap(current);
    }
    return previous[size_t(n2)];
}
} // namespace

MannWhitney::Result MannWhitney::test(const QList<double>& first, const QList<double>& second)
{
    Result result;
    const qsizetype n1 = first.size();
    const qsizetype n2 = second.size();
    if (n1 == 0 || n2 == 0)
        return result;

    // Midranks of the pooled samples.
    struct Value {
        double x;
        bool fromFirst;
    };
    std::vector<Value> pooled;
    pooled.reserve(size_t(n1 + n2));
    for (double x : first)
        pooled.push_back({ x, true });
    for (double x : second)
        pooled.push_back({ x, false });
    std::sort(pooled.begin(), pooled.end(), [](const Value& a, const Value& b) { return a.x < b.x; });
    const double n = double(n1 + n2);
    double rankSumFirst = 0;
    double tieTerm = 0; // sum of t^3 - t over groups of t tied values
    for (size_t i = 0; i < pooled.size();) {
        size_t j = i;
        while (j < pooled.size() && pooled[j].x == pooled[i].x)
            ++j;
        const double t = double(j - i);
        const double midrank = (double(i + 1) + double(j)) / 2.0;
        for (size_t k = i; k < j; ++k) {
            if (pooled[k].fromFirst)
                rankSumFirst += midrank;
        }
        tieTerm += t * t * t - t;
        i = j;
    }
    const double u = rankSumFirst - double(n1) * double(n1 + 1) / 2.0;
    result.u = u;
    const double product = double(n1) * double(n2);

    if (tieTerm == 0 && n1 + n2 <= kExactLimit) {
        const std::vector<double> counts = exactCounts(int(n1), int(n2));
        double total = 0;
        for (double c : counts)
            total += c;
        const int observed = int(std::lround(u));
        double below = 0; // P(U <= u)
        double above = 0; // P(U >= u)
        for (int k = 0; k < int(counts.size()); ++k) {
            if (k <= observed)
                below += counts[size_t(k)];
            if (k >= observed)
                above += counts[size_t(k)];
        }
        result.exact = true;
        result.pValue = std::min(1.0, 2.0 * std::min(below, above) / total);
        return result;
    }

    const double variance = product / 12.0 * ((n + 1.0) - tieTerm / (n * (n - 1.0)));
    if (!(variance > 0)) {
        result.pValue = 1.0; // every value tied: no evidence of a difference
        result.z = 0;
        return result;
    }
    const double z = std::max(0.0, std::abs(u - product / 2.0) - 0.5) / std::sqrt(variance);
    result.z = z;
    result.pValue = std::min(1.0, std::erfc(z / std::sqrt(2.0)));
    return result;
}

double MannWhitney::smallestPValue(int n1, int n2)
{
    if (n1 <= 0 || n2 <= 0)
        return 1;
    double ways = 1; // C(n1 + n2, n1), built up as a product of ratios
    for (int k = 1; k <= n1; ++k)
        ways = ways * double(n2 + k) / double(k);
    return std::min(1.0, 2 / ways);
}

int MannWhitney::fewestForSignificance(double alpha)
{
    int n = 1;
    while (smallestPValue(n, n) >= alpha && n < kExactLimit)
        ++n;
    return n;
}

} // namespace parlab
