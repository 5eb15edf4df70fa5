#include "speedupchart.h"

#include "chartexport.h"
#include "chartstyle.h"
#include "export/texttable.h"
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

// Constructed with its chart: QChartView(parent) makes a default chart of its own, which setChart() would
// replace without deleting.
SpeedupChart::SpeedupChart(QWidget* parent)
    : QChartView(new QChart, parent)
    , m_chart(chart())
    , m_x(new QValueAxis(m_chart))
    , m_y(new QValueAxis(m_chart))
    , m_ideal(new QLineSeries(m_chart))
    , m_lpt(new QLineSeries(m_chart))
{
    setRenderHint(QPainter::Antialiasing);
    setMinimumSize(420, 300);

    m_chart->setTitle(tr("Speedup vs workers"));
    ChartStyle::detachLegend(m_chart);
    connect(m_chart, &QGraphicsWidget::geometryChanged, this, [this] { ChartStyle::placeLegend(m_chart); });
    connect(m_chart, &QChart::plotAreaChanged, this, [this] { ChartStyle::refitAxes(m_chart); });
    m_x->setTitleText(tr("workers"));
    m_y->setTitleText(tr("speedup (x)"));
    m_chart->addAxis(m_x, Qt::AlignBottom);
    m_chart->addAxis(m_y, Qt::AlignLeft);

    m_ideal->setName(tr("ideal (y = x)"));
    m_lpt->setName(tr("lpt bound (longest-first schedule of these tasks)"));
    for (QLineSeries* reference : { m_ideal, m_lpt }) {
        m_chart->addSeries(reference);
        reference->attachAxis(m_x);
        reference->attachAxis(m_y);
    }
    ChartStyle::setWorkersRange(m_chart, m_x, 2);
    ChartStyle::setValueRange(m_chart, m_y, 2);
    restyle();
    ChartExport::installContextMenu(this);
}

SpeedupChart::~SpeedupChart() = default;

void SpeedupChart::setResult(const RunResult& result)
{
    // Which backends are drawn, with their points; the chart keeps copies, never the result.
    QHash<QString, QList<const Measurement*>> byBackend;
    QStringList present;
    int maxWorkers = 1;
    double maxY = 0;
    for (const Measurement& m : result.measurements) {
        maxWorkers = std::max(maxWorkers, m.workers);
        if (!ChartStyle::usesWorkers(m.backend) || !std::isfinite(m.speedup))
            continue;
        if (!byBackend.contains(m.backend))
            present.append(m.backend);
        byBackend[m.backend].append(&m);
        maxY = std::max(maxY, m.speedup);
        if (std::isfinite(m.speedupHigh))
            maxY = std::max(maxY, m.speedupHigh);
    }
    for (auto it = result.bounds.lpt.cbegin(); it != result.bounds.lpt.cend(); ++it)
        maxWorkers = std::max(maxWorkers, it.key());
    for (int workers : result.spec.workers)
        maxWorkers = std::max(maxWorkers, workers);

    const QStringList known = m_order;
    for (const QString& backend : known) {
        if (!byBackend.contains(backend))
            removeBackend(backend);
    }

    const int xTop = std::max(2, maxWorkers);
    const double capWidth = 0.012 * (xTop - 1);
    for (const QString& backend : std::as_const(present)) {
        QList<const Measurement*> points = byBackend.value(backend);
        std::sort(points.begin(), points.end(),
            [](const Measurement* a, const Measurement* b) { return a->workers < b->workers; });
        QList<QPointF> line;
        QList<QPointF> lows;
        QList<QPointF> highs;
        for (const Measurement* m : std::as_const(points)) {
            line.append(QPointF(m->workers, m->speedup));
            if (std::isfinite(m->speedupLow) && std::isfinite(m->speedupHigh)) {
                lows.append(QPointF(m->workers, m->speedupLow));
                highs.append(QPointF(m->workers, m->speedupHigh));
            }
        }
        BackendSeries& series = seriesFor(backend);
        series.line->replace(line);
        updateWhiskers(series, lows, highs, capWidth);
    }

    m_ideal->replace({ QPointF(1, 1), QPointF(xTop, xTop) });
    QList<QPointF> lpt;
    for (auto it = result.bounds.lpt.cbegin(); it != result.bounds.lpt.cend(); ++it) {
        if (std::isfinite(it.value()))
            lpt.append(QPointF(it.key(), it.value()));
    }
    m_lpt->replace(lpt);

    ChartStyle::setWorkersRange(m_chart, m_x, xTop);
    ChartStyle::setValueRange(m_chart, m_y, std::max(maxY, double(xTop)));

    // Speedups against two baselines (native and Python backends) on one chart: the title says which is which.
    QString title = ChartStyle::title(tr("Speedup vs workers"), result);
    if (const QString baselines = Report::baselines(result); !baselines.isEmpty())
        title += QStringLiteral("<br><small>%1</small>").arg(tr("speedup of %1").arg(baselines).toHtmlEscaped());
    if (m_chart->title() != title)
        m_chart->setTitle(title);
    ChartStyle::placeLegend(m_chart);
}

void SpeedupChart::clear()
{
    const QStringList known = m_order;
    for (const QString& backend : known)
        removeBackend(backend);
    m_ideal->clear();
    m_lpt->clear();
    ChartStyle::setWorkersRange(m_chart, m_x, 2);
    ChartStyle::setValueRange(m_chart, m_y, 2);
    ChartStyle::placeLegend(m_chart);
}

void SpeedupChart::changeEvent(QEvent* event)
{
    QChartView::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        restyle();
}

SpeedupChart::BackendSeries& SpeedupChart::seriesFor(const QString& backend)
{
    auto found = m_backends.find(backend);
    if (found != m_backends.end())
        return *found;
    BackendSeries series;
    series.line = new QLineSeries(m_chart);
    series.line->setName(backend);
    series.line->setPointsVisible(true);
    series.line->setMarkerSize(ChartStyle::kMarkerSize);
    const QColor colour = ChartStyle::backendColor(backend, palette());
    series.line->setPen(ChartStyle::pen(Palette::series(backend), palette()));
    series.line->setColor(colour);
    m_chart->addSeries(series.line);
    series.line->attachAxis(m_x);
    series.line->attachAxis(m_y);
    m_order.append(backend);
    return *m_backends.insert(backend, series);
}

void SpeedupChart::removeBackend(const QString& backend)
{
    const BackendSeries series = m_backends.take(backend);
    m_order.removeAll(backend);
    for (QLineSeries* whisker : series.whiskers) {
        m_chart->removeSeries(whisker);
        delete whisker;
    }
    if (series.line) {
        m_chart->removeSeries(series.line);
        delete series.line;
    }
}

QLineSeries* SpeedupChart::addHelperSeries()
{
    auto* series = new QLineSeries(m_chart);
    m_chart->addSeries(series);
    series->attachAxis(m_x);
    series->attachAxis(m_y);
    ChartStyle::hideFromLegend(m_chart, series);
    return series;
}

void SpeedupChart::updateWhiskers(
    BackendSeries& series, const QList<QPointF>& lows, const QList<QPointF>& highs, double capWidth)
{
    while (series.whiskers.size() < lows.size()) {
        QLineSeries* whisker = addHelperSeries();
        whisker->setPen(QPen(series.line->color(), Palette::whiskerWidth()));
        series.whiskers.append(whisker);
    }
    while (series.whiskers.size() > lows.size()) {
        QLineSeries* whisker = series.whiskers.takeLast();
        m_chart->removeSeries(whisker);
        delete whisker;
    }
    for (qsizetype i = 0; i < lows.size(); ++i) {
        const double x = lows.at(i).x();
        const double low = lows.at(i).y();
        const double high = highs.at(i).y();
        // One connected path: lower cap, back to the centre, up, upper cap. Its ends are the interval's.
        series.whiskers.at(i)->replace({ QPointF(x - capWidth, low), QPointF(x + capWidth, low), QPointF(x, low),
            QPointF(x, high), QPointF(x - capWidth, high), QPointF(x + capWidth, high) });
    }
}

void SpeedupChart::restyle()
{
    const QPalette pal = palette();
    ChartStyle::applyPalette(m_chart, pal);
    m_ideal->setPen(ChartStyle::pen(Palette::reference(Palette::Reference::Ideal), pal));
    m_lpt->setPen(ChartStyle::pen(Palette::reference(Palette::Reference::LptBound), pal));
    for (auto it = m_backends.begin(); it != m_backends.end(); ++it) {
        const QColor colour = ChartStyle::backendColor(it.key(), pal);
        it->line->setPen(ChartStyle::pen(Palette::series(it.key()), pal));
        it->line->setColor(colour);
        for (QLineSeries* whisker : std::as_const(it->whiskers))
            whisker->setPen(QPen(colour, Palette::whiskerWidth()));
    }
    ChartStyle::placeLegend(m_chart);
}

} // namespace parlab
