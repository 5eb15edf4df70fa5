#pragma once

#include "unknown.h"

#include <QList>
#include <QPair>
#include <QString>
#include <optional>

namespace parlab {

// The Universal Scalability Law, S(N) = N / (1 + sigma (N - 1) + kappa N (N - 1)): contention sigma (the share
// that waits for something shared, Amdahl's serial fraction when kappa = 0) and coherency kappa (the cost every
// pair of workers pays to agree, which makes the speedup peak and fall).
struct UslFit {
    double sigma = kUnknown; // contention, in [0, 1]; unknown without a fit
    double kappa = kUnknown; // coherency, >= 0; unknown without a fit
    // The worker count where S(N) is highest, sqrt((1 - sigma) / kappa) rounded; none when kappa = 0 (S rises
    // towards 1/sigma for ever) or when it lies beyond a million workers.
    std::optional<int> peakWorkers;
    // Empty when the law fits; else why there are no figures, in words ("the USL fit needs at least three worker
    // counts; this run has 2").
    QString why;
    bool fits() const { return why.isEmpty(); }
};

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

// Gustafson's serial fraction alpha from a weak run's (workers, scaled speedup) points, from S = N - alpha (N - 1),
// i.e. (N - S) = alpha (N - 1), by least squares through the origin. Points with N = 1 carry no information.
// NaN when no point has N > 1.
double gustafsonSerialFraction(const QList<QPair<int, double>>& points);

// Fits the USL to (workers, speedup) points by least squares on N/S - 1 = sigma (N - 1) + kappa N (N - 1). A
// parameter fitted just outside its range by noise (its term changes N/S at the most workers by under 10%) is held
// at its bound and the other refitted; one far outside means the law does not describe these speedups, and `why`
// says how.
UslFit uslFit(const QList<QPair<int, double>>& points);
// The USL's speedup on `workers`.
double uslSpeedup(double sigma, double kappa, int workers);
} // namespace Scaling

} // namespace parlab
