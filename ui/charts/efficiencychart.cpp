#include "efficiencychart.h"

#include "chartexport.h"
#include "chartstyle.h"
#include "export/formatting.h"
#include "measurement.h"
#include "runresult.h"

#include <QLineSeries>
#include <algorithm>
#include <cmath>

namespace parlab {

// Efficiency stays on a linear axis (no value name): it lives between 0 and a little over 100%.
EfficiencyChart::EfficiencyChart(QWidget* parent)
    : WorkersChart(tr("Parallel efficiency vs workers"), tr("efficiency (%)"), QString(), false, parent)
{
    m_full = addReference(tr("100% (every worker fully used)"), Palette::Reference::FullEfficiency);
    setReference(m_full, { QPointF(1, 100), QPointF(2, 100) }, true);
    redraw();
}

EfficiencyChart::~EfficiencyChart() = default;

void EfficiencyChart::setResult(const RunResult& result)
{
    int maxWorkers = 1;
    const QList<Curve> curves = scalingCurves(
        result,
        [](const Measurement& m) -> std::optional<Point> {
            if (!std::isfinite(m.efficiency))
                return std::nullopt;
            Point point;
            point.value = m.efficiency * 100.0;
            // Efficiency is the speedup over a fixed worker count: its interval is the speedup's, divided alike.
            if (std::isfinite(m.speedupLow) && std::isfinite(m.speedupHigh) && m.workers > 0) {
                point.low = m.speedupLow / m.workers * 100.0;
                point.high = m.speedupHigh / m.workers * 100.0;
            }
            return point;
        },
        maxWorkers);
    for (int workers : result.spec.workers)
        maxWorkers = std::max(maxWorkers, workers);
    setCurves(curves, maxWorkers);
    setReference(m_full, { QPointF(1, 100), QPointF(std::max(2, maxWorkers), 100) }, true);
    redraw();

    // A weak run's is the weak efficiency T1/TN, under its own name (Format::figureNames).
    m_names = &Format::figureNames(result.spec.options.scaling);
    setValueTitle(m_names->efficiency + QStringLiteral(" (%)"));
    const bool weak = result.spec.options.scaling == ScalingKind::Weak;
    const QString title = ChartStyle::title(
        weak ? Format::capitalised(m_names->efficiency) + tr(" vs workers") : tr("Parallel efficiency vs workers"),
        result);
    ChartStyle::setTitle(m_chart, title);
    ChartExport::setCaption(this, result);
}

void EfficiencyChart::clear()
{
    clearCurves();
    setReference(m_full, { QPointF(1, 100), QPointF(2, 100) }, true);
    redraw();
    ChartExport::setCaption(this, QString());
}

QString EfficiencyChart::readout(const Curve& curve, const Point& point) const
{
    return intervalReadout(curve, point, m_names->efficiency, QStringLiteral("%"));
}

} // namespace parlab
