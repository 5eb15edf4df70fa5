#include "speedupchart.h"

#include "chartexport.h"
#include "chartstyle.h"
#include "export/texttable.h"
#include "measurement.h"
#include "runresult.h"

#include <QLineSeries>
#include <algorithm>
#include <cmath>

namespace parlab {

SpeedupChart::SpeedupChart(QWidget* parent)
    : WorkersChart(tr("Speedup vs workers"), tr("speedup (x)"), tr("speedup"), false, parent)
{
    // The bound after the ideal: drawn over it, dashed, so both show where they meet.
    m_ideal = addReference(tr("ideal (y = x)"), Palette::Reference::Ideal);
    m_lpt = addReference(tr("lpt bound (best schedule of these tasks)"), Palette::Reference::LptBound);
    redraw();
}

SpeedupChart::~SpeedupChart() = default;

void SpeedupChart::setResult(const RunResult& result)
{
    // Which backends are drawn, with their points; the chart keeps copies, never the result.
    int maxWorkers = 1;
    const QList<Curve> curves = scalingCurves(
        result,
        [](const Measurement& m) -> std::optional<Point> {
            if (!std::isfinite(m.speedup))
                return std::nullopt;
            Point point;
            point.value = m.speedup;
            if (std::isfinite(m.speedupLow) && std::isfinite(m.speedupHigh)) {
                point.low = m.speedupLow;
                point.high = m.speedupHigh;
            }
            return point;
        },
        maxWorkers);
    for (auto it = result.bounds.lpt.cbegin(); it != result.bounds.lpt.cend(); ++it)
        maxWorkers = std::max(maxWorkers, it.key());
    for (int workers : result.spec.workers)
        maxWorkers = std::max(maxWorkers, workers);
    setCurves(curves, maxWorkers);

    const int xTop = std::max(2, maxWorkers);
    setReference(m_ideal, { QPointF(1, 1), QPointF(xTop, xTop) }, true);
    QList<QPointF> lpt;
    for (auto it = result.bounds.lpt.cbegin(); it != result.bounds.lpt.cend(); ++it) {
        if (std::isfinite(it.value()))
            lpt.append(QPointF(it.key(), it.value()));
    }
    setReference(m_lpt, lpt, false);
    redraw();

    // Speedups against two baselines (native and Python backends) on one chart: the title says which is which.
    // The note stays on the chart in the window too, where the title itself is left out.
    const QString baselines = Report::baselines(result);
    ChartStyle::setTitle(m_chart, ChartStyle::title(tr("Speedup vs workers"), result),
        baselines.isEmpty() ? QString() : tr("speedup of %1").arg(baselines));
    ChartExport::setCaption(this, result);
}

void SpeedupChart::clear()
{
    clearCurves();
    setReference(m_ideal, {}, true);
    setReference(m_lpt, {}, false);
    redraw();
    ChartExport::setCaption(this, QString());
}

QString SpeedupChart::readout(const Curve& curve, const Point& point) const
{
    return intervalReadout(curve, point, tr("speedup"), QStringLiteral("x"));
}

} // namespace parlab
