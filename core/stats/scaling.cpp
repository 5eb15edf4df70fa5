#include "scaling.h"

#include "unknown.h"

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

} // namespace parlab
