#include "sweepchart.h"

#include "chartexport.h"
#include "chartstyle.h"
#include "export/sweepreport.h"
#include "sweep.h"

#include <QCategoryAxis>
#include <QEvent>
#include <QLineSeries>
#include <QScatterSeries>
#include <QToolTip>
#include <algorithm>
#include <cmath>
#include <limits>

namespace parlab {

namespace {
using ChartStyle::Scale;

QPointF axisPoint(double ms, double speedup)
{
    return { ChartStyle::toAxis(ms, Scale::Log10), ChartStyle::toAxis(speedup, Scale::Log10) };
}
} // namespace

SweepChart::SweepChart(QWidget* parent)
    : QChartView(new QChart, parent)
    , m_chart(chart())
    , m_x(new QCategoryAxis(m_chart))
    , m_y(new QCategoryAxis(m_chart))
{
    setRenderHint(QPainter::Antialiasing);
    setMinimumSize(420, 300);
    ChartStyle::setTitle(m_chart, tr("Speedup vs task size"));
    ChartStyle::detachLegend(m_chart);
    connect(m_chart, &QGraphicsWidget::geometryChanged, this, [this] { ChartStyle::placeLegend(m_chart); });
    connect(m_chart, &QChart::plotAreaChanged, this, [this] { ChartStyle::refitAxes(m_chart); });
    m_x->setTitleText(tr("task size (ms, log scale)"));
    m_y->setTitleText(tr("speedup (x, log scale)"));
    m_chart->addAxis(m_x, Qt::AlignBottom);
    m_chart->addAxis(m_y, Qt::AlignLeft);
    restyle();
}

SweepChart::~SweepChart() = default;

void SweepChart::removeAll()
{
    for (const Line& line : std::as_const(m_lines)) {
        for (QAbstractSeries* series : { static_cast<QAbstractSeries*>(line.line),
                 static_cast<QAbstractSeries*>(line.breakEven), static_cast<QAbstractSeries*>(line.nearIdeal) }) {
            m_chart->removeSeries(series);
            delete series;
        }
    }
    for (QLineSeries* ideal : std::as_const(m_ideals)) {
        m_chart->removeSeries(ideal);
        delete ideal;
    }
    m_lines.clear();
    m_ideals.clear();
}

void SweepChart::clear()
{
    removeAll();
    ChartExport::setCaption(this, QString());
}

void SweepChart::setSweep(const SweepResult& sweep)
{
    // Rebuilt whole: a sweep has a handful of lines, and its window redraws at most a few times a second.
    removeAll();
    const QList<SweepSeries> all = sweep.series();
    const QList<double>& sizes = sweep.spec.sizesMs;
    double lo = 1, hi = 2;
    for (const SweepSeries& s : all) {
        for (qsizetype i = 0; i < s.speedup.size(); ++i) {
            if (std::isfinite(s.speedup[i]) && s.speedup[i] > 0) {
                lo = std::min(lo, s.speedup[i]);
                hi = std::max({ hi, s.speedup[i], s.ideal[i] });
            }
        }
    }
    if (sizes.isEmpty())
        return;
    ChartStyle::setLogRange(
        m_chart, m_x, Scale::Log10, sizes.constFirst(), std::max(sizes.constLast(), sizes.constFirst() * 10), 0.04);
    ChartStyle::setLogRange(m_chart, m_y, Scale::Log10, lo, hi * 1.1, 0.04);

    auto attach = [this](QAbstractSeries* series) {
        m_chart->addSeries(series);
        series->attachAxis(m_x);
        series->attachAxis(m_y);
    };
    QList<int> idealDrawn;
    for (const SweepSeries& s : all) {
        if (s.ideal.isEmpty() || idealDrawn.contains(s.workers))
            continue;
        idealDrawn.append(s.workers);
        auto* ideal = new QLineSeries(m_chart);
        ideal->setName(idealDrawn.size() == 1 ? tr("ideal (lpt bound of the tasks)") : QString());
        ideal->append(axisPoint(sizes.constFirst(), s.ideal.constFirst()));
        ideal->append(axisPoint(sizes.constLast(), s.ideal.constFirst()));
        attach(ideal);
        if (idealDrawn.size() > 1)
            ChartStyle::hideFromLegend(m_chart, ideal);
        m_ideals.append(ideal);
    }
    for (const SweepSeries& s : all) {
        Line line;
        line.backend = s.backend;
        for (int w : sweep.spec.base.workers)
            line.belowLargest += w > s.workers ? 1 : 0;
        line.name = QStringLiteral("%1 x%2").arg(s.backend).arg(s.workers);
        line.line = new QLineSeries(m_chart);
        line.line->setName(line.name);
        line.line->setPointsVisible(true);
        line.line->setMarkerSize(ChartStyle::kMarkerSize);
        for (qsizetype i = 0; i < s.speedup.size(); ++i) {
            if (std::isfinite(s.speedup[i]) && s.speedup[i] > 0)
                line.line->append(axisPoint(sizes[i], s.speedup[i]));
        }
        const QString name = line.name;
        connect(line.line, &QLineSeries::hovered, this, [name](const QPointF& point, bool state) {
            if (!state) {
                QToolTip::hideText();
                return;
            }
            QToolTip::showText(QCursor::pos(),
                tr("%1 at %2 ms: speedup %3x")
                    .arg(name, ChartStyle::number(ChartStyle::fromAxis(point.x(), Scale::Log10)),
                        ChartStyle::number(ChartStyle::fromAxis(point.y(), Scale::Log10))));
        });
        line.breakEven = new QScatterSeries(m_chart);
        line.breakEven->setMarkerShape(QScatterSeries::MarkerShapeRotatedRectangle);
        line.breakEven->setMarkerSize(ChartStyle::kMarkerSize + 5);
        line.nearIdeal = new QScatterSeries(m_chart);
        line.nearIdeal->setMarkerShape(QScatterSeries::MarkerShapeCircle);
        line.nearIdeal->setMarkerSize(ChartStyle::kMarkerSize + 7);
        if (s.breakEven.where == Crossing::Where::At) {
            line.breakEvenAt = QPointF(s.breakEven.ms, 1.0);
            line.breakEven->append(axisPoint(s.breakEven.ms, 1.0));
        }
        if (s.ninetyPercent.where == Crossing::Where::At && !s.ideal.isEmpty()) {
            line.nearIdealAt = QPointF(s.ninetyPercent.ms, SweepResult::kNearIdeal * s.ideal.constFirst());
            line.nearIdeal->append(axisPoint(line.nearIdealAt.x(), line.nearIdealAt.y()));
        }
        for (auto [series, text] :
            { std::pair { line.breakEven, tr("%1 breaks even at %2").arg(name, s.breakEven.text()) },
                std::pair { line.nearIdeal, tr("%1 reaches 90% of ideal at %2").arg(name, s.ninetyPercent.text()) } }) {
            connect(series, &QScatterSeries::hovered, this, [text](const QPointF&, bool state) {
                if (state)
                    QToolTip::showText(QCursor::pos(), text);
                else
                    QToolTip::hideText();
            });
        }
        attach(line.line);
        attach(line.breakEven);
        attach(line.nearIdeal);
        ChartStyle::hideFromLegend(m_chart, line.breakEven);
        ChartStyle::hideFromLegend(m_chart, line.nearIdeal);
        m_lines.append(line);
    }
    restyle();
    ChartStyle::setTitle(m_chart, tr("Speedup vs task size: %1").arg(SweepReport::title(sweep)));
    ChartExport::setCaption(this, SweepReport::title(sweep));
}

QStringList SweepChart::lineNames() const
{
    QStringList names;
    for (const Line& line : m_lines)
        names.append(line.name);
    return names;
}

QList<QPointF> SweepChart::breakEvenMarks(const QString& lineName) const
{
    for (const Line& line : m_lines) {
        if (line.name == lineName)
            return line.breakEvenAt.isNull() ? QList<QPointF>() : QList<QPointF> { line.breakEvenAt };
    }
    return {};
}

QList<QPointF> SweepChart::nearIdealMarks(const QString& lineName) const
{
    for (const Line& line : m_lines) {
        if (line.name == lineName)
            return line.nearIdealAt.isNull() ? QList<QPointF>() : QList<QPointF> { line.nearIdealAt };
    }
    return {};
}

void SweepChart::restyle()
{
    const QPalette pal = palette();
    ChartStyle::applyPalette(m_chart, pal);
    for (QLineSeries* ideal : std::as_const(m_ideals)) {
        const QPen pen = ChartStyle::pen(Palette::reference(Palette::Reference::Ideal), pal);
        ideal->setPen(pen);
        ideal->setColor(pen.color());
    }
    for (const Line& line : std::as_const(m_lines)) {
        // Each worker count below the backend's largest a step nearer the background: the lines of one backend
        // stay its colour and still tell apart.
        const QColor colour = ChartStyle::mix(ChartStyle::backendColor(line.backend, pal), pal.color(QPalette::Base),
            std::min(0.6, 0.35 * line.belowLargest));
        QPen pen = ChartStyle::pen(Palette::series(line.backend), pal);
        pen.setColor(colour);
        line.line->setPen(pen);
        line.line->setColor(colour);
        line.breakEven->setColor(colour);
        line.breakEven->setBorderColor(pal.color(QPalette::Base));
        line.nearIdeal->setColor(Qt::transparent);
        line.nearIdeal->setBorderColor(colour);
        QPen ring(colour, 2);
        line.nearIdeal->setPen(ring);
    }
    ChartStyle::placeLegend(m_chart);
}

void SweepChart::changeEvent(QEvent* event)
{
    QChartView::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        restyle();
}

} // namespace parlab
