#include "bounds.h"

#include "unknown.h"

#include <algorithm>
#include <functional>
#include <numeric>
#include <queue>
#include <vector>

namespace parlab {

double SpeedupBounds::critical(const QList<double>& costs)
{
    if (costs.isEmpty())
        return kUnknown;
    const double longest = *std::max_element(costs.cbegin(), costs.cend());
    const double sum = std::accumulate(costs.cbegin(), costs.cend(), 0.0);
    return longest > 0 ? sum / longest : kUnknown;
}

double SpeedupBounds::lptMakespan(QList<double> costs, int workers)
{
    if (costs.isEmpty() || workers < 1)
        return kUnknown;
    std::sort(costs.begin(), costs.end(), std::greater<>());
    // Min-heap of worker finishing times: each task goes to the worker that is free first.
    std::priority_queue<double, std::vector<double>, std::greater<>> loads;
    // More workers than tasks cannot change the schedule: only as many as there are tasks get one.
    for (qsizetype w = 0; w < std::min<qsizetype>(workers, costs.size()); ++w)
        loads.push(0.0);
    for (double cost : costs) {
        const double load = loads.top();
        loads.pop();
        loads.push(load + cost);
    }
    double makespan = 0;
    while (!loads.empty()) {
        makespan = loads.top();
        loads.pop();
    }
    return makespan;
}

double SpeedupBounds::lpt(const QList<double>& costs, int workers)
{
    const double makespan = lptMakespan(costs, workers);
    const double sum = std::accumulate(costs.cbegin(), costs.cend(), 0.0);
    return makespan > 0 ? sum / makespan : kUnknown;
}

} // namespace parlab
