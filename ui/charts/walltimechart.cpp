#include "walltimechart.h"

#include "chartexport.h"
#include "chartstyle.h"
#include "measurement.h"
#include "runresult.h"

#include <QAreaSeries>
#include <QEvent>
#include <QLegend>
#include <QLineSeries>
#include <QPen>
#include <QValueAxis>
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
    : QChartView(parent)
    , m_chart(new QChart)
    , m_x(new QValueAxis(m_chart))
    , m_y(new QValueAxis(m_chart))
{
    setChart(m_chart);
    setRenderHint(QPainter::Antialiasing);
    setMinimumSize(420, 300);

    m_chart->setTitle(tr("Wall time vs workers"));
    ChartStyle::detachLegend(m_chart);
    connect(m_chart, &QGraphicsWidget::geometryChanged, this, [this] { ChartStyle::placeLegend(m_chart); });
    connect(m_chart, &QChart::plotAreaChanged, this, [this] { ChartStyle::refitAxes(m_chart); });
    m_x->setTitleText(tr("workers"));
    m_y->setTitleText(tr("wall time (%1)").arg(m_unit));
    m_chart->addAxis(m_x, Qt::AlignBottom);
    m_chart->addAxis(m_y, Qt::AlignLeft);
    ChartStyle::setWorkersRange(m_chart, m_x, 2);
    ChartStyle::setValueRange(m_chart, m_y, 1);
    restyle();
    ChartExport::installContextMenu(this);
}

WallTimeChart::~WallTimeChart() = default;

void WallTimeChart::setResult(const RunResult& result)
{
    QHash<QString, QList<const Measurement*>> byBackend;
    QStringList present;
    int maxWorkers = 1;
    double maxSeconds = 0;
    for (const Measurement& m : result.measurements) {
        maxWorkers = std::max(maxWorkers, m.workers);
        if (!std::isfinite(m.wall.median))
            continue;
        if (!byBackend.contains(m.backend))
            present.append(m.backend);
        byBackend[m.backend].append(&m);
        maxSeconds = std::max(maxSeconds, std::isfinite(m.wall.max) ? m.wall.max : m.wall.median);
    }
    for (int workers : result.spec.workers)
        maxWorkers = std::max(maxWorkers, workers);
    const int xTop = std::max(2, maxWorkers);

    const Unit unit = unitFor(maxSeconds);
    if (unit.name != m_unit) {
        m_unit = unit.name;
        m_y->setTitleText(tr("wall time (%1)").arg(m_unit));
    }

    const QStringList known = m_order;
    for (const QString& backend : known) {
        const bool reference = !ChartStyle::usesWorkers(backend);
        if (!byBackend.contains(backend) || m_backends.value(backend).reference != reference)
            removeBackend(backend);
    }

    for (const QString& backend : std::as_const(present)) {
        QList<const Measurement*> points = byBackend.value(backend);
        std::sort(points.begin(), points.end(),
            [](const Measurement* a, const Measurement* b) { return a->workers < b->workers; });
        const bool reference = !ChartStyle::usesWorkers(backend);
        BackendSeries& series = seriesFor(backend, reference);
        if (reference) {
            // A baseline runs at one worker whatever the axis says: draw its median across the whole range.
            const double y = points.constFirst()->wall.median * unit.scale;
            series.median->replace({ QPointF(1, y), QPointF(xTop, y) });
            continue;
        }
        QList<QPointF> median;
        QList<QPointF> upper;
        QList<QPointF> lower;
        for (const Measurement* m : std::as_const(points)) {
            median.append(QPointF(m->workers, m->wall.median * unit.scale));
            const double high = std::isfinite(m->wall.max) ? m->wall.max : m->wall.median;
            const double low = std::isfinite(m->wall.min) ? m->wall.min : m->wall.median;
            upper.append(QPointF(m->workers, high * unit.scale));
            lower.append(QPointF(m->workers, low * unit.scale));
        }
        series.median->replace(median);
        series.upper->replace(upper);
        series.lower->replace(lower);
    }

    ChartStyle::setWorkersRange(m_chart, m_x, xTop);
    ChartStyle::setValueRange(m_chart, m_y, maxSeconds * unit.scale);

    const QString title = ChartStyle::title(tr("Wall time vs workers"), result);
    if (m_chart->title() != title)
        m_chart->setTitle(title);
    ChartStyle::placeLegend(m_chart);
}

void WallTimeChart::clear()
{
    const QStringList known = m_order;
    for (const QString& backend : known)
        removeBackend(backend);
    ChartStyle::setWorkersRange(m_chart, m_x, 2);
    ChartStyle::setValueRange(m_chart, m_y, 1);
    ChartStyle::placeLegend(m_chart);
}

void WallTimeChart::changeEvent(QEvent* event)
{
    QChartView::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        restyle();
}

WallTimeChart::BackendSeries& WallTimeChart::seriesFor(const QString& backend, bool reference)
{
    auto found = m_backends.find(backend);
    if (found != m_backends.end())
        return *found;
    BackendSeries series;
    series.reference = reference;
    if (!reference) {
        // The band goes in first so the median line is drawn over it.
        series.upper = new QLineSeries(m_chart);
        series.lower = new QLineSeries(m_chart);
        series.band = new QAreaSeries(series.upper, series.lower);
        series.band->setName(tr("%1 min–max").arg(backend));
        m_chart->addSeries(series.band);
        series.band->attachAxis(m_x);
        series.band->attachAxis(m_y);
        ChartStyle::hideFromLegend(m_chart, series.band);
    }
    series.median = new QLineSeries(m_chart);
    series.median->setName(reference ? tr("%1 (median)").arg(backend) : backend);
    series.median->setPointsVisible(!reference);
    series.median->setMarkerSize(ChartStyle::kMarkerSize);
    m_chart->addSeries(series.median);
    series.median->attachAxis(m_x);
    series.median->attachAxis(m_y);
    styleSeries(backend, series);
    m_order.append(backend);
    return *m_backends.insert(backend, series);
}

void WallTimeChart::removeBackend(const QString& backend)
{
    const BackendSeries series = m_backends.take(backend);
    m_order.removeAll(backend);
    if (series.band) {
        m_chart->removeSeries(series.band);
        delete series.band;
        delete series.upper;
        delete series.lower;
    }
    if (series.median) {
        m_chart->removeSeries(series.median);
        delete series.median;
    }
}

void WallTimeChart::styleSeries(const QString& backend, BackendSeries& series)
{
    const QColor colour = ChartStyle::backendColor(backend, palette());
    if (series.reference) {
        series.median->setPen(ChartStyle::pen(Palette::baseline(backend), palette()));
        return;
    }
    series.median->setPen(ChartStyle::pen(Palette::series(backend), palette()));
    series.median->setColor(colour);
    QColor fill = colour;
    fill.setAlphaF(0.22f);
    series.band->setBrush(fill);
    series.band->setPen(Qt::NoPen);
}

void WallTimeChart::restyle()
{
    ChartStyle::applyPalette(m_chart, palette());
    for (auto it = m_backends.begin(); it != m_backends.end(); ++it)
        styleSeries(it.key(), *it);
}

} // namespace parlab
