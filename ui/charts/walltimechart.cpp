#include "walltimechart.h"

#include "chartexport.h"
#include "chartstyle.h"
#include "export/formatting.h"
#include "measurement.h"
#include "runresult.h"

#include <algorithm>
#include <cmath>

namespace parlab {

namespace {
struct Unit {
    QString name;
    double scale; // seconds -> unit
};

Unit unitFor(double maxSeconds)
{
    if (!std::isfinite(maxSeconds) || maxSeconds >= 1.0)
        return { QStringLiteral("s"), 1.0 };
    if (maxSeconds >= 1e-3)
        return { QStringLiteral("ms"), 1e3 };
    return { QStringLiteral("µs"), 1e6 };
}
} // namespace

WallTimeChart::WallTimeChart(QWidget* parent)
    : WorkersChart(tr("Wall time vs workers"), tr("wall time (s)"), tr("wall time"), true, parent)
{
    redraw();
}

WallTimeChart::~WallTimeChart() = default;

void WallTimeChart::setResult(const RunResult& result)
{
    int maxWorkers = 1;
    double maxSeconds = 0;
    for (const Measurement& m : result.measurements) {
        maxWorkers = std::max(maxWorkers, m.workers);
        if (std::isfinite(m.wall.median))
            maxSeconds = std::max(maxSeconds, std::isfinite(m.wall.max) ? m.wall.max : m.wall.median);
    }
    for (int workers : result.spec.workers)
        maxWorkers = std::max(maxWorkers, workers);
    const Unit unit = unitFor(maxSeconds);
    setUnit(unit.name, unit.scale);

    QList<Curve> curves;
    QHash<QString, qsizetype> index;
    for (const Measurement& m : result.measurements) {
        if (!std::isfinite(m.wall.median))
            continue;
        auto found = index.constFind(m.backend);
        if (found == index.cend()) {
            const bool baseline = !ChartStyle::usesWorkers(m.backend);
            found = index.insert(m.backend, curves.size());
            curves.append({ m.backend, baseline ? tr("%1 (median)").arg(m.backend) : m.backend, baseline, {} });
        }
        Point point;
        point.workers = m.workers;
        point.value = m.wall.median * unit.scale;
        point.bandLow = (std::isfinite(m.wall.min) ? m.wall.min : m.wall.median) * unit.scale;
        point.bandHigh = (std::isfinite(m.wall.max) ? m.wall.max : m.wall.median) * unit.scale;
        point.samples = int(m.samplesS.size());
        curves[*found].points.append(point);
    }
    setCurves(curves, maxWorkers);
    redraw();

    const QString title = ChartStyle::title(tr("Wall time vs workers"), result);
    ChartStyle::setTitle(m_chart, title);
    ChartExport::setCaption(this, result);
}

void WallTimeChart::clear()
{
    clearCurves();
    redraw();
    ChartExport::setCaption(this, QString());
}

void WallTimeChart::setUnit(const QString& unit, double scale)
{
    m_scale = scale;
    if (unit == m_unit)
        return;
    m_unit = unit;
    setValueTitle(tr("wall time (%1)").arg(m_unit));
}

QString WallTimeChart::readout(const Curve& curve, const Point& point) const
{
    // The band is the fastest to the slowest repeat; the median has no interval of its own in the result.
    return pointHeading(curve, point) + QLatin1Char('\n')
        + tr("median wall time %1 (fastest %2, slowest %3)")
              .arg(Format::duration(point.value / m_scale), Format::duration(point.bandLow / m_scale),
                  Format::duration(point.bandHigh / m_scale))
        + QLatin1Char('\n') + samplesText(point.samples);
}

} // namespace parlab
