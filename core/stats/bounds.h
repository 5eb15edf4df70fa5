#pragma once

#include <QList>

namespace parlab {

// Speedup ceilings from the tasks' own costs. `critical` is a true upper bound. `lpt` is the speedup of
// the longest-processing-time-first schedule: a schedule that really exists, within 4/3 of the optimum
// (Graham), and the optimum for most small, uneven task lists like 38..33; a backend that matches it
// schedules as well as a greedy planner that knows every task's cost in advance.
namespace SpeedupBounds {
// sum / max: with unlimited workers the longest task still runs start to finish.
double critical(const QList<double>& costs);
// Makespan of the longest-processing-time-first schedule on `workers` identical workers.
double lptMakespan(QList<double> costs, int workers);
// sum / lptMakespan: the speedup of that schedule.
double lpt(const QList<double>& costs, int workers);
} // namespace SpeedupBounds

} // namespace parlab
