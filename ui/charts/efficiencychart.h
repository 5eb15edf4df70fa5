#pragma once

#include "export/formatting.h"
#include "runoptions.h"
#include "workerschart.h"

class QLineSeries;

namespace parlab {

struct RunResult;

// Parallel efficiency (speedup / workers, in percent) against workers per scaling backend, with the speedup's 95%
// interval divided alike, under a 100% line: where the speedup chart shows "faster", this one shows "what each extra
// worker bought".
class EfficiencyChart final : public WorkersChart {
    Q_OBJECT
public:
    explicit EfficiencyChart(QWidget* parent = nullptr);
    ~EfficiencyChart() override;

    void setResult(const RunResult& result);
    void clear();

protected:
    QString readout(const Curve& curve, const Point& point) const override;

private:
    QLineSeries* m_full = nullptr; // the 100% reference
    const Format::FigureNames* m_names = &Format::figureNames(ScalingKind::Strong); // the result's
};

} // namespace parlab
