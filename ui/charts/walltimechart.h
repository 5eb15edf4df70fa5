#pragma once

#include "workerschart.h"

namespace parlab {

struct RunResult;

// Wall time against workers: per scaling backend the median line over a translucent min–max band, and each
// non-scaling baseline (sequential) as a horizontal line, so "below the line" reads as "faster". The time
// unit (s, ms, µs) follows the data so the axis labels stay short; times spanning decades get a logarithmic axis.
class WallTimeChart final : public WorkersChart {
    Q_OBJECT
public:
    explicit WallTimeChart(QWidget* parent = nullptr);
    ~WallTimeChart() override;

    void setResult(const RunResult& result);
    void clear();
    // The axis unit chosen by the last setResult: "s", "ms" or "µs"; data is plotted in it.
    QString unit() const { return m_unit; }

protected:
    QString readout(const Curve& curve, const Point& point) const override;

private:
    void setUnit(const QString& unit, double scale);

    QString m_unit = QStringLiteral("s");
    double m_scale = 1; // seconds -> unit
};

} // namespace parlab
