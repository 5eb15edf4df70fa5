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
    QList<Curve> curves;
    QHash<QString, qsizetype> index;
    int maxWorkers = 1;
    for (const Measurement& m : result.measurements) {
        maxWorkers = std::max(maxWorkers, m.workers);
        if (!ChartStyle::usesWorkers(m.backend) || !std::isfinite(m.speedup))
            continue;
        auto found = index.constFind(m.backend);
        if (found == index.cend()) {
            found = index.insert(m.backend, curves.size());
            curves.append({ m.backend, m.backend, false, {} });
        }
        Point point;
        point.workers = m.workers;
        point.value = m.speedup;
        if (std::isfinite(m.speedupLow) && std::isfinite(m.speedupHigh)) {
            point.low = m.speedupLow;
            point.high = m.speedupHigh;
        }
        point.samples = int(m.samplesS.size());
        curves[*found].points.append(point);
    }
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
    QString text
        = pointHeading(curve, point) + QLatin1Char('\n') + tr("speedup %1x").arg(ChartStyle::number(point.value));
    if (std::isfinite(point.low) && std::isfinite(point.high))
        text += QLatin1Char(' ')
            + tr("(95% CI %1x–%2x)").arg(ChartStyle::number(point.low), ChartStyle::number(point.high));
    return text + QLatin1Char('\n') + samplesText(point.samples);
}

} // namespace parlab
