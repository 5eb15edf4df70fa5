#include "efficiencychart.h"

#include "chartexport.h"
#include "chartstyle.h"
#include "measurement.h"
#include "runresult.h"

#include <QEvent>
#include <QLegend>
#include <QLineSeries>
#include <QPen>
#include <QValueAxis>
#include <algorithm>
#include <cmath>

namespace parlab {

EfficiencyChart::EfficiencyChart(QWidget* parent)
    : QChartView(parent)
    , m_chart(new QChart)
    , m_x(new QValueAxis(m_chart))
    , m_y(new QValueAxis(m_chart))
    , m_full(new QLineSeries(m_chart))
{
    setChart(m_chart);
    setRenderHint(QPainter::Antialiasing);
    setMinimumSize(420, 300);

    m_chart->setTitle(tr("Parallel efficiency vs workers"));
    ChartStyle::detachLegend(m_chart);
    connect(m_chart, &QGraphicsWidget::geometryChanged, this, [this] { ChartStyle::placeLegend(m_chart); });
    connect(m_chart, &QChart::plotAreaChanged, this, [this] { ChartStyle::refitAxes(m_chart); });
    m_x->setTitleText(tr("workers"));
    m_y->setTitleText(tr("efficiency (%)"));
    m_chart->addAxis(m_x, Qt::AlignBottom);
    m_chart->addAxis(m_y, Qt::AlignLeft);
    m_full->setName(tr("100% (every worker fully used)"));
    m_chart->addSeries(m_full);
    m_full->attachAxis(m_x);
    m_full->attachAxis(m_y);
    ChartStyle::setWorkersRange(m_chart, m_x, 2);
    ChartStyle::setValueRange(m_chart, m_y, 100);
    m_full->replace({ QPointF(1, 100), QPointF(2, 100) });
    restyle();
    ChartExport::installContextMenu(this);
}

EfficiencyChart::~EfficiencyChart() = default;

void EfficiencyChart::setResult(const RunResult& result)
{
    QHash<QString, QList<QPointF>> byBackend;
    QStringList present;
    int maxWorkers = 1;
    double maxPercent = 100;
    for (const Measurement& m : result.measurements) {
        maxWorkers = std::max(maxWorkers, m.workers);
        if (!ChartStyle::usesWorkers(m.backend) || !std::isfinite(m.efficiency))
            continue;
        if (!byBackend.contains(m.backend))
            present.append(m.backend);
        byBackend[m.backend].append(QPointF(m.workers, m.efficiency * 100.0));
        maxPercent = std::max(maxPercent, m.efficiency * 100.0);
    }
    for (int workers : result.spec.workers)
        maxWorkers = std::max(maxWorkers, workers);
    const int xTop = std::max(2, maxWorkers);

    const QStringList known = m_order;
    for (const QString& backend : known) {
        if (!byBackend.contains(backend))
            removeBackend(backend);
    }
    for (const QString& backend : std::as_const(present)) {
        QList<QPointF> points = byBackend.value(backend);
        std::sort(points.begin(), points.end(), [](const QPointF& a, const QPointF& b) { return a.x() < b.x(); });
        seriesFor(backend)->replace(points);
    }
    m_full->replace({ QPointF(1, 100), QPointF(xTop, 100) });

    ChartStyle::setWorkersRange(m_chart, m_x, xTop);
    ChartStyle::setValueRange(m_chart, m_y, maxPercent);

    const QString title = ChartStyle::title(tr("Parallel efficiency vs workers"), result);
    if (m_chart->title() != title)
        m_chart->setTitle(title);
    ChartStyle::placeLegend(m_chart);
}

void EfficiencyChart::clear()
{
    const QStringList known = m_order;
    for (const QString& backend : known)
        removeBackend(backend);
    m_full->replace({ QPointF(1, 100), QPointF(2, 100) });
    ChartStyle::setWorkersRange(m_chart, m_x, 2);
    ChartStyle::setValueRange(m_chart, m_y, 100);
    ChartStyle::placeLegend(m_chart);
}

void EfficiencyChart::changeEvent(QEvent* event)
{
    QChartView::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        restyle();
}

QLineSeries* EfficiencyChart::seriesFor(const QString& backend)
{
    if (QLineSeries* series = m_backends.value(backend))
        return series;
    auto* series = new QLineSeries(m_chart);
    series->setName(backend);
    series->setPointsVisible(true);
    series->setMarkerSize(ChartStyle::kMarkerSize);
    const QColor colour = ChartStyle::backendColor(backend, palette());
    series->setPen(ChartStyle::pen(Palette::series(backend), palette()));
    series->setColor(colour);
    m_chart->addSeries(series);
    series->attachAxis(m_x);
    series->attachAxis(m_y);
    m_backends.insert(backend, series);
    m_order.append(backend);
    return series;
}

void EfficiencyChart::removeBackend(const QString& backend)
{
    QLineSeries* series = m_backends.take(backend);
    m_order.removeAll(backend);
    if (series) {
        m_chart->removeSeries(series);
        delete series;
    }
}

void EfficiencyChart::restyle()
{
    const QPalette pal = palette();
    ChartStyle::applyPalette(m_chart, pal);
    m_full->setPen(ChartStyle::pen(Palette::reference(Palette::Reference::FullEfficiency), pal));
    for (auto it = m_backends.cbegin(); it != m_backends.cend(); ++it) {
        const QColor colour = ChartStyle::backendColor(it.key(), pal);
        it.value()->setPen(ChartStyle::pen(Palette::series(it.key()), pal));
        it.value()->setColor(colour);
    }
}

} // namespace parlab
