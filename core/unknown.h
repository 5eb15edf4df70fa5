#pragma once

#include <limits>

namespace parlab {

// A figure not measured (yet): NaN, so that arithmetic on it stays unknown and a chart or table shows a gap.
inline constexpr double kUnknown = std::numeric_limits<double>::quiet_NaN();

// Two figures are the same when equal or both unknown (a view asking whether a figure changed).
inline bool sameNumber(double a, double b)
{
    return a == b || (a != a && b != b);
}

} // namespace parlab
