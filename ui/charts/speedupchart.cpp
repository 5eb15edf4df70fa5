#include "speedupchart.h"

#include "chartexport.h"
#include "chartstyle.h"
#include "export/formatting.h"
#include "export/texttable.h"
#include "measurement.h"
#include "runresult.h"
#include "stats/schedule.h"

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
    QList<Curve> drawn = curves;
    for (const Curve& measured : m_predictionsShown ? curves : QList<Curve>()) {
        const Curve& predicted = prediction(result, measured.backend);
        if (predicted.points.size() > 1) {
            drawn.append(predicted);
            maxWorkers = std::max(maxWorkers, predicted.points.constLast().workers);
        }
    }
    setCurves(drawn, maxWorkers);

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
    // A weak run's is the scaled speedup, under its own name (Format::figureNames).
    const QString baselines = Report::baselines(result);
    m_names = &Format::figureNames(result.spec.options.scaling);
    setValueTitle(m_names->speedup + QStringLiteral(" (x)"));
    ChartStyle::setTitle(m_chart, ChartStyle::title(Format::capitalised(m_names->speedup) + tr(" vs workers"), result),
        baselines.isEmpty() ? QString() : tr("%1 of %2").arg(m_names->speedup, baselines));
    // What the fits make of each backend's curve (a serial fraction, the USL's peak), read where its points are
    // hovered: under the title they would take the plot's height.
    m_fits.clear();
    for (const Curve& curve : curves)
        m_fits.insert(curve.backend, Report::fits(result, curve.backend));
    ChartExport::setCaption(this, result);
}

void SpeedupChart::clear()
{
    m_predictions.clear();
    clearCurves();
    setReference(m_ideal, {}, true);
    setReference(m_lpt, {}, false);
    redraw();
    ChartExport::setCaption(this, QString());
}

const WorkersChart::Curve& SpeedupChart::prediction(const RunResult& result, const QString& backend)
{
    // What the simulation reads changes with a new repeat of the backend or of its baseline (another run has other
    // medians).
    QString from = QString::number(result.spec.inputs.size());
    for (const Measurement& m : result.measurements) {
        if (m.backend == backend || !ChartStyle::usesWorkers(m.backend))
            from += QStringLiteral(" %1x%2:%3:%4")
                        .arg(m.backend)
                        .arg(m.workers)
                        .arg(m.samplesS.size())
                        .arg(m.wall.median);
    }
    Prediction& cached = m_predictions[backend];
    if (cached.from != from || cached.curve.backend != backend) {
        cached.from = from;
        cached.curve = { backend, tr("%1 predicted").arg(backend), false, {}, true };
        for (const Schedule::CurvePoint& p : Schedule::predictedCurve(result, backend)) {
            if (!std::isfinite(p.speedup))
                continue;
            Point point;
            point.workers = p.workers;
            point.value = p.speedup;
            cached.curve.points.append(point);
        }
    }
    return cached.curve;
}

QString SpeedupChart::readout(const Curve& curve, const Point& point) const
{
    if (curve.predicted)
        return pointHeading(curve, point) + QLatin1Char('\n')
            + tr("predicted %1 %2x (schedule simulation)").arg(m_names->speedup, ChartStyle::number(point.value));
    const QStringList fits = m_fits.value(curve.backend);
    return intervalReadout(curve, point, m_names->speedup, QStringLiteral("x"))
        + (fits.isEmpty() ? QString() : QLatin1Char('\n') + fits.join(QLatin1Char('\n')));
}

} // namespace parlab
