#pragma once

#include "workerschart.h"

class QLineSeries;

namespace parlab {

struct RunResult;

// Speedup against workers: one line per scaling backend with 95% CI whiskers, the ideal y = x and the lpt
// bound of the run's inputs, so a class sees both "how far from perfect" and "how far from possible".
// Hovering a point reads its speedup, interval and samples; tiny speedups (a start-up cost) and doubling worker
// counts get logarithmic axes.
class SpeedupChart final : public WorkersChart {
    Q_OBJECT
public:
    explicit SpeedupChart(QWidget* parent = nullptr);
    ~SpeedupChart() override;

    void setResult(const RunResult& result);
    void clear();

protected:
    QString readout(const Curve& curve, const Point& point) const override;

private:
    QLineSeries* m_ideal = nullptr;
    QLineSeries* m_lpt = nullptr;
};

} // namespace parlab
