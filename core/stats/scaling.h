#pragma once

#include <QList>
#include <QPair>

namespace parlab {

// Models of how speedup scales with workers.
namespace Scaling {
// Amdahl's serial fraction f fitted by least squares to (workers, speedup) points, from
// 1/S = f + (1 - f)/p, i.e. (1/S - 1/p) = f (1 - 1/p). Points with p = 1 carry no information.
// NaN when no point has p > 1.
double amdahlSerialFraction(const QList<QPair<int, double>>& points);
// Karp-Flatt metric: the serial fraction implied by one measured speedup at p > 1 workers.
double karpFlatt(double speedup, int workers);
// Amdahl's predicted speedup for serial fraction f on p workers.
double amdahlSpeedup(double serialFraction, int workers);
} // namespace Scaling

} // namespace parlab
