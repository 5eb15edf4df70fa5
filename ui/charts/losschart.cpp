#include "losschart.h"

#include "chartexport.h"
#include "chartstyle.h"
#include "export/formatting.h"
#include "measurement.h"
#include "runresult.h"
#include "stats/losses.h"

#include <QBarCategoryAxis>
#include <QBarLegendMarker>
#include <QBarSet>
#include <QCategoryAxis>
#include <QCursor>
#include <QEvent>
#include <QGraphicsTextItem>
#include <QLegend>
#include <QLineSeries>
#include <QPen>
#include <QStackedBarSeries>
#include <QTextDocument>
#include <QToolTip>
#include <QValueAxis>
#include <algorithm>
#include <cmath>

namespace parlab {

namespace {
// Segment 0 is useful, segment i > 0 the part Accounting::parts()[i - 1]: the stacking order, bottom to top.
const Accounting::Part& segmentPart(int segment)
{
    return segment == 0 ? Accounting::useful() : Accounting::parts().at(segment - 1);
}

Palette::Colour segmentColour(int segment)
{
    return Palette::lossPart(QLatin1String(segmentPart(segment).key));
}
} // namespace

// Constructed with its chart: QChartView(parent) makes a default chart of its own, which setChart() would
// replace without deleting.
LossChart::LossChart(QWidget* parent)
    : QChartView(new QChart, parent)
    , m_chart(chart())
    , m_x(new QBarCategoryAxis(m_chart))
    , m_groups(new QCategoryAxis(m_chart))
    , m_y(new QValueAxis(m_chart))
    , m_series(new QStackedBarSeries(m_chart))
    , m_ideal(new QLineSeries(m_chart))
    , m_empty(new QGraphicsTextItem(m_chart))
{
    setRenderHint(QPainter::Antialiasing);
    setMinimumSize(420, 300);

    ChartStyle::setTitle(m_chart, tr("Where the time went"));
    ChartStyle::detachLegend(m_chart);
    connect(m_chart, &QGraphicsWidget::geometryChanged, this, [this] {
        ChartStyle::placeLegend(m_chart);
        placeEmptyText();
    });
    connect(m_chart, &QChart::plotAreaChanged, this, [this] { ChartStyle::refitAxes(m_chart); });
    m_groups->setTitleText(tr("backend × workers"));
    m_groups->setLabelsPosition(QCategoryAxis::AxisLabelsPositionCenter);
    m_groups->setStartValue(-0.5);
    m_x->setGridLineVisible(false);
    m_y->setTitleText(tr("% of worker-seconds"));
    // Worker counts right under the bars, the backends under them (the ideal line carries that axis: it spans
    // the same -0.5 .. bars - 0.5 the bars' category axis does).
    m_chart->addAxis(m_x, Qt::AlignBottom);
    m_chart->addAxis(m_groups, Qt::AlignBottom);
    m_chart->addAxis(m_y, Qt::AlignLeft);

    // One set per segment, created once: a segment keeps its colour and its place in the legend for good.
    for (int s = 0; s < 1 + int(Accounting::parts().size()); ++s) {
        auto* set = new QBarSet(QLatin1String(segmentPart(s).label), m_series);
        m_series->append(set);
        m_segments.append(set);
    }
    m_series->setBarWidth(0.7);
    m_chart->addSeries(m_series);
    m_series->attachAxis(m_x);
    m_series->attachAxis(m_y);
    connect(m_series, &QStackedBarSeries::hovered, this, [this](bool status, int index, QBarSet* set) {
        if (!status) {
            QToolTip::hideText();
            return;
        }
        QToolTip::showText(QCursor::pos(), segmentText(index, int(m_segments.indexOf(set))), this);
    });

    m_ideal->setName(tr("ideal (100%: every worker-second useful)"));
    m_chart->addSeries(m_ideal);
    m_ideal->attachAxis(m_groups);
    m_ideal->attachAxis(m_y);

    m_empty->setZValue(10);
    m_empty->document()->setDefaultTextOption(QTextOption(Qt::AlignCenter));
    clear();
    restyle();
    ChartExport::installContextMenu(this);
}

LossChart::~LossChart() = default;

void LossChart::setResult(const RunResult& result)
{
    m_bars.clear();
    for (const Measurement& m : result.measurements) {
        // A baseline is the yardstick: 100% useful by definition, nothing to explain.
        if (!ChartStyle::usesWorkers(m.backend) || !std::isfinite(m.losses.useful))
            continue;
        Bar bar;
        bar.label = m.label();
        bar.backend = m.backend;
        bar.workers = std::max(1, m.workers);
        bar.wallS
            = m.medianRepeat >= 0 && m.medianRepeat < m.samplesS.size() ? m.samplesS[m.medianRepeat] : std::nan("");
        bar.workerSeconds = double(bar.workers) * bar.wallS;
        for (int s = 0; s < int(m_segments.size()); ++s)
            bar.shares.append(m.losses.*segmentPart(s).share);
        m_bars.append(bar);
    }

    QStringList categories;
    double top = 100, bottom = 0;
    for (const Bar& bar : std::as_const(m_bars)) {
        // QBarCategoryAxis keys its bars by label: the second "x2" (another backend's) gets a zero-width space.
        QString category = QStringLiteral("x%1").arg(bar.workers);
        while (categories.contains(category))
            category += QChar(0x200B);
        categories.append(category);
        double above = 0, below = 0;
        for (double share : bar.shares) {
            if (std::isfinite(share))
                (share < 0 ? below : above) += share * 100.0;
        }
        top = std::max(top, above);
        bottom = std::min(bottom, below);
    }
    if (m_x->categories() != categories) {
        m_x->clear();
        if (!categories.isEmpty())
            m_x->append(categories);
    }
    // The backends under their bars, one label across each run of bars, a grid line between backends.
    QList<std::pair<QString, double>> groups;
    for (int i = 0; i < int(m_bars.size()); ++i) {
        if (groups.isEmpty() || groups.last().first != m_bars[i].backend)
            groups.append({ m_bars[i].backend, 0 });
        groups.last().second = i + 0.5;
    }
    const QStringList old = m_groups->categoriesLabels();
    bool same = old.size() == groups.size();
    for (int g = 0; same && g < int(groups.size()); ++g)
        same = old[g] == groups[g].first && m_groups->endValue(old[g]) == groups[g].second;
    if (!same) {
        for (const QString& label : old)
            m_groups->remove(label);
        for (const auto& [backend, end] : std::as_const(groups))
            m_groups->append(backend, end);
    }
    for (int s = 0; s < int(m_segments.size()); ++s) {
        QList<double> values;
        for (const Bar& bar : std::as_const(m_bars))
            values.append(std::isfinite(bar.shares[s]) ? bar.shares[s] * 100.0 : 0.0);
        QBarSet* set = m_segments[s];
        if (set->count() != values.size()) {
            set->remove(0, set->count());
            set->append(values);
        } else {
            for (int i = 0; i < int(values.size()); ++i) {
                if (set->at(i) != values[i])
                    set->replace(i, values[i]);
            }
        }
    }
    const double right = std::max<double>(1, double(m_bars.size())) - 0.5;
    m_ideal->replace({ QPointF(-0.5, 100), QPointF(right, 100) });
    m_groups->setRange(-0.5, right);
    ChartStyle::setValueRange(m_chart, m_y, top, bottom);

    const QString title = ChartStyle::title(tr("Where the time went"), result);
    ChartStyle::setTitle(m_chart, title);
    showEmptyState(m_bars.isEmpty());
    ChartStyle::placeLegend(m_chart);
    ChartExport::setCaption(this, result);
}

void LossChart::clear()
{
    setResult(RunResult {});
}

QStringList LossChart::barLabels() const
{
    QStringList labels;
    for (const Bar& bar : m_bars)
        labels.append(bar.label);
    return labels;
}

QBarSet* LossChart::segment(int segment) const
{
    return m_segments.value(segment);
}

int LossChart::segmentCount() const
{
    return int(m_segments.size());
}

QString LossChart::segmentText(int bar, int segment) const
{
    if (bar < 0 || bar >= m_bars.size() || segment < 0 || segment >= m_segments.size())
        return {};
    const Bar& b = m_bars[bar];
    const double share = b.shares[segment];
    const Accounting::Part& part = segmentPart(segment);
    QString head = tr("%1 — %2: ").arg(b.label, QLatin1String(part.label));
    if (!std::isfinite(share))
        head += tr("not measured");
    else if (std::isfinite(b.workerSeconds))
        head += tr("%1 of %2 workers × %3 = %4")
                    .arg(Format::percent(share))
                    .arg(b.workers)
                    .arg(Format::duration(b.wallS), Format::duration(share * b.workerSeconds));
    else
        head += Format::percent(share);
    if (std::isfinite(share) && share < 0)
        head += tr(" (below zero: less than in the baseline)");
    return head + QLatin1Char('\n') + QLatin1String(part.meaning);
}

QString LossChart::emptyText() const
{
    return m_empty->isVisible() ? m_empty->toPlainText() : QString();
}

void LossChart::changeEvent(QEvent* event)
{
    QChartView::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        restyle();
}

void LossChart::resizeEvent(QResizeEvent* event)
{
    QChartView::resizeEvent(event);
    placeEmptyText();
}

void LossChart::showEmptyState(bool empty)
{
    if (empty)
        m_empty->setPlainText(tr("No split yet: it needs a measured repeat of the baseline and of the backend."));
    m_empty->setVisible(empty);
    m_series->setVisible(!empty);
    m_ideal->setVisible(!empty);
    m_x->setVisible(!empty);
    m_groups->setVisible(!empty);
    m_y->setVisible(!empty);
    m_chart->legend()->setVisible(!empty);
    placeEmptyText();
}

void LossChart::placeEmptyText()
{
    const QRectF area = m_chart->rect();
    const qreal width = std::max<qreal>(200, area.width() * 0.7);
    m_empty->setTextWidth(width);
    const QRectF box = m_empty->boundingRect();
    m_empty->setPos(area.center().x() - box.width() / 2, area.center().y() - box.height() / 2);
}

void LossChart::restyle()
{
    const QPalette pal = palette();
    ChartStyle::applyPalette(m_chart, pal);
    for (int s = 0; s < int(m_segments.size()); ++s) {
        const QColor colour = ChartStyle::color(segmentColour(s), pal);
        m_segments[s]->setColor(colour);
        m_segments[s]->setBorderColor(pal.color(QPalette::Window));
    }
    // A filled swatch per part: QLegend's "shape from series" draws bar sets' markers hollow.
    const auto markers = m_chart->legend()->markers(m_series);
    for (QLegendMarker* marker : markers) {
        marker->setShape(QLegend::MarkerShapeRectangle);
        if (auto* bar = qobject_cast<QBarLegendMarker*>(marker))
            marker->setBrush(bar->barset()->color());
    }
    m_ideal->setPen(ChartStyle::pen(Palette::reference(Palette::Reference::FullEfficiency), pal));
    m_empty->setDefaultTextColor(pal.color(QPalette::WindowText));
    QFont font = ChartStyle::axisTitleFont();
    m_empty->setFont(font);
    placeEmptyText();
}

} // namespace parlab
