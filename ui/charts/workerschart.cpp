#include "workerschart.h"

#include "chartexport.h"
#include "measurement.h"
#include "runresult.h"

#include <QAction>
#include <QAreaSeries>
#include <QCategoryAxis>
#include <QEvent>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QMouseEvent>
#include <QPen>
#include <QToolTip>
#include <QValueAxis>
#include <algorithm>
#include <cmath>

namespace parlab {

namespace {
// How far from a point the pointer may be and still read it, in pixels.
constexpr double kHoverReach = 10;
// A hidden series' legend entry: drawn at this opacity.
constexpr double kFaded = 0.3;
// Between two backends' points at one worker count, as a fraction of the workers axis; no more than kDodgeTotal
// for all of them together, so that a point stays over its worker count.
constexpr double kDodgeStep = 0.02;
constexpr double kDodgeTotal = 0.06;
// Segments a straight reference line is cut into on a logarithmic axis, where it is a curve.
constexpr int kCurveSegments = 32;

bool isPowerOfTwo(int n)
{
    return n > 0 && (n & (n - 1)) == 0;
}

QColor faded(QColor colour)
{
    colour.setAlphaF(float(colour.alphaF() * kFaded));
    return colour;
}
} // namespace

// Constructed with its chart: QChartView(parent) makes a default chart of its own, which setChart() would
// replace without deleting. The logarithmic axes wait, parented to the view, until a scale needs them.
WorkersChart::WorkersChart(
    const QString& title, const QString& valueTitle, const QString& valueName, bool bands, QWidget* parent)
    : QChartView(new QChart, parent)
    , m_chart(chart())
    , m_x(new QValueAxis(m_chart))
    , m_y(new QValueAxis(m_chart))
    , m_logX(new QCategoryAxis(this))
    , m_logY(new QCategoryAxis(this))
    , m_bands(bands)
{
    setRenderHint(QPainter::Antialiasing);
    setMinimumSize(420, 300);
    // The read-out follows the pointer with no button pressed.
    viewport()->setMouseTracking(true);

    ChartStyle::setTitle(m_chart, title);
    ChartStyle::detachLegend(m_chart);
    connect(m_chart, &QGraphicsWidget::geometryChanged, this, [this] { ChartStyle::placeLegend(m_chart); });
    connect(m_chart, &QChart::plotAreaChanged, this, [this] { ChartStyle::refitAxes(m_chart); });
    m_x->setTitleText(tr("workers"));
    m_logX->setTitleText(tr("workers (log scale)"));
    setValueTitle(valueTitle);
    m_chart->addAxis(m_x, Qt::AlignBottom);
    m_chart->addAxis(m_y, Qt::AlignLeft);
    ChartStyle::setWorkersRange(m_chart, m_x, 2);

    m_logXAction = new QAction(tr("Logarithmic workers axis"), this);
    m_logXAction->setCheckable(true);
    connect(m_logXAction, &QAction::triggered, this, [this](bool on) { setLogScale(Qt::Horizontal, on); });
    addAction(m_logXAction);
    if (!valueName.isEmpty()) {
        m_logYAction = new QAction(tr("Logarithmic %1 axis").arg(valueName), this);
        m_logYAction->setCheckable(true);
        connect(m_logYAction, &QAction::triggered, this, [this](bool on) { setLogScale(Qt::Vertical, on); });
        addAction(m_logYAction);
    }
    auto* separator = new QAction(this);
    separator->setSeparator(true);
    addAction(separator);
    ChartExport::installContextMenu(this);
}

WorkersChart::~WorkersChart() = default;

void WorkersChart::setLogScale(Qt::Orientation orientation, bool on)
{
    if (orientation == Qt::Horizontal)
        m_chosenLogX = on ? 1 : 0;
    else if (m_logYAction)
        m_chosenLogY = on ? 1 : 0;
    redraw();
}

bool WorkersChart::logScale(Qt::Orientation orientation) const
{
    return orientation == Qt::Horizontal ? m_isLogX : m_isLogY;
}

QAction* WorkersChart::logScaleAction(Qt::Orientation orientation) const
{
    return orientation == Qt::Horizontal ? m_logXAction : m_logYAction;
}

void WorkersChart::setSeriesVisible(const QString& name, bool visible)
{
    if (visible == !m_hidden.contains(name))
        return;
    if (visible)
        m_hidden.remove(name);
    else
        m_hidden.insert(name);
    applyVisibility(name);
}

bool WorkersChart::isSeriesVisible(const QString& name) const
{
    return !m_hidden.contains(name);
}

QString WorkersChart::readoutAt(const QPoint& viewportPos) const
{
    const Hit hit = hitAt(viewportPos);
    if (!hit.series)
        return {};
    return readout(hit.series->curve, hit.series->curve.points.at(hit.point));
}

QPointF WorkersChart::pointPosition(const QString& backend, int workers) const
{
    const auto found = m_backends.constFind(backend);
    if (found == m_backends.cend())
        return {};
    for (qsizetype i = 0; i < found->drawn.size(); ++i) {
        if (found->curve.points.at(found->drawnIndex.at(i)).workers == workers)
            return toViewport(found->drawn.at(i), found->line);
    }
    return {};
}

QString WorkersChart::pointHeading(const Curve& curve, const Point& point)
{
    return point.workers == 1 ? tr("%1, 1 worker").arg(curve.backend)
                              : tr("%1, %2 workers").arg(curve.backend).arg(point.workers);
}

void WorkersChart::setValueTitle(const QString& title)
{
    m_y->setTitleText(title);
    m_logY->setTitleText(tr("%1 (log scale)").arg(title));
}

QString WorkersChart::samplesText(int samples)
{
    return samples == 1 ? tr("1 sample") : tr("%1 samples").arg(samples);
}

QList<WorkersChart::Curve> WorkersChart::scalingCurves(
    const RunResult& result, const std::function<std::optional<Point>(const Measurement&)>& pointOf, int& maxWorkers)
{
    QList<Curve> curves;
    QHash<QString, qsizetype> index;
    maxWorkers = 1;
    for (const Measurement& m : result.measurements) {
        maxWorkers = std::max(maxWorkers, m.workers);
        if (!ChartStyle::usesWorkers(m.backend))
            continue;
        std::optional<Point> point = pointOf(m);
        if (!point)
            continue;
        auto found = index.constFind(m.backend);
        if (found == index.cend()) {
            found = index.insert(m.backend, curves.size());
            curves.append({ m.backend, m.backend, false, {} });
        }
        point->workers = m.workers;
        point->samples = int(m.samplesS.size());
        curves[*found].points.append(*point);
    }
    return curves;
}

QString WorkersChart::intervalReadout(const Curve& curve, const Point& point, const QString& what, const QString& unit)
{
    QString text = pointHeading(curve, point) + QLatin1Char('\n') + what + QLatin1Char(' ')
        + ChartStyle::number(point.value) + unit;
    if (std::isfinite(point.low) && std::isfinite(point.high))
        text += QLatin1Char(' ')
            + tr("(95% CI %1–%2)").arg(ChartStyle::number(point.low) + unit, ChartStyle::number(point.high) + unit);
    return text + QLatin1Char('\n') + samplesText(point.samples);
}

void WorkersChart::setCurves(const QList<Curve>& curves, int maxWorkers)
{
    m_maxWorkers = std::max(1, maxWorkers);
    QSet<QString> present;
    for (const Curve& curve : curves)
        present.insert(seriesKey(curve));
    const QStringList known = m_order;
    for (const QString& key : known) {
        if (!present.contains(key))
            removeBackend(key);
    }
    for (const Curve& curve : curves) {
        if (const auto found = m_backends.constFind(seriesKey(curve));
            found != m_backends.cend() && found->curve.baseline != curve.baseline)
            removeBackend(seriesKey(curve));
        BackendSeries& series = seriesFor(curve);
        const bool renamed = series.curve.name != curve.name;
        series.curve = curve;
        std::sort(series.curve.points.begin(), series.curve.points.end(),
            [](const Point& a, const Point& b) { return a.workers < b.workers; });
        if (renamed) {
            series.line->setName(curve.name);
            if (series.band)
                series.band->setName(tr("%1 min–max").arg(curve.name));
            applyVisibility(curve.name);
        }
    }
}

void WorkersChart::clearCurves()
{
    const QStringList known = m_order;
    for (const QString& backend : known)
        removeBackend(backend);
    m_maxWorkers = 1;
}

QLineSeries* WorkersChart::addReference(const QString& name, Palette::Reference which)
{
    auto* series = new QLineSeries(m_chart);
    series->setName(name);
    // The bound is known at the measured worker counts only: its points are marked, as in the report.
    series->setPointsVisible(which == Palette::Reference::LptBound);
    series->setMarkerSize(ChartStyle::kMarkerSize - 2);
    m_chart->addSeries(series);
    attach(series);
    connectMarkers(series);
    m_references.append({ series, which, {}, false });
    restyle();
    return series;
}

void WorkersChart::setReference(QLineSeries* series, const QList<QPointF>& points, bool straight)
{
    for (Reference& reference : m_references) {
        if (reference.series == series) {
            reference.points = points;
            reference.straight = straight;
        }
    }
}

bool WorkersChart::autoLog(Qt::Orientation orientation) const
{
    if (orientation == Qt::Horizontal) {
        // Doublings (1, 2, 4, 8, 16): on a linear axis they crowd the left; on a log one they are evenly spaced.
        QSet<int> counts;
        int top = 0;
        for (const BackendSeries& series : m_backends) {
            if (series.curve.baseline)
                continue;
            for (const Point& point : series.curve.points) {
                if (!isPowerOfTwo(point.workers))
                    return false;
                counts.insert(point.workers);
                top = std::max(top, point.workers);
            }
        }
        return counts.size() >= 3 && top >= 16;
    }
    // Figures spanning more than two decades: on a linear axis the small ones sit on the zero line.
    double low = kUnknown;
    double high = kUnknown;
    auto take = [&](double v, bool asLow) {
        if (!(v > 0) || !std::isfinite(v))
            return;
        if (asLow)
            low = std::isnan(low) ? v : std::min(low, v);
        high = std::isnan(high) ? v : std::max(high, v);
    };
    for (const BackendSeries& series : m_backends) {
        for (const Point& point : series.curve.points) {
            for (double v : { point.value, point.low, point.bandLow })
                take(v, true);
            for (double v : { point.high, point.bandHigh })
                take(v, false);
        }
    }
    for (const Reference& reference : m_references) {
        for (const QPointF& p : reference.points)
            take(p.y(), false);
    }
    return std::isfinite(low) && std::isfinite(high) && high / low > 100;
}

void WorkersChart::useScales(bool logX, bool logY)
{
    const bool changedX = logX != m_isLogX;
    const bool changedY = logY != m_isLogY;
    auto swap = [this](QAbstractAxis* from, QAbstractAxis* to, Qt::Alignment alignment) {
        m_chart->removeAxis(from);
        from->setParent(this); // the chart gives up an axis it no longer shows; the view keeps it for later
        m_chart->addAxis(to, alignment);
        const auto all = m_chart->series();
        for (QAbstractSeries* series : all)
            series->attachAxis(to);
    };
    if (changedX) {
        swap(logX ? static_cast<QAbstractAxis*>(m_x) : m_logX, logX ? static_cast<QAbstractAxis*>(m_logX) : m_x,
            Qt::AlignBottom);
        m_isLogX = logX;
    }
    if (changedY) {
        swap(logY ? static_cast<QAbstractAxis*>(m_y) : m_logY, logY ? static_cast<QAbstractAxis*>(m_logY) : m_y,
            Qt::AlignLeft);
        m_isLogY = logY;
    }
    m_logXAction->setChecked(logX);
    if (m_logYAction)
        m_logYAction->setChecked(logY);
    if (changedX || changedY) {
        ChartStyle::applyPalette(m_chart, palette()); // the axis just added gets the fonts and colours
        styleMarkers();
    }
    if (changedX)
        Q_EMIT logScaleChanged(Qt::Horizontal, logX);
    if (changedY)
        Q_EMIT logScaleChanged(Qt::Vertical, logY);
}

void WorkersChart::redraw()
{
    const bool logX = m_chosenLogX >= 0 ? m_chosenLogX == 1 : autoLog(Qt::Horizontal);
    const bool logY = m_logYAction && (m_chosenLogY >= 0 ? m_chosenLogY == 1 : autoLog(Qt::Vertical));
    useScales(logX, logY);
    const ChartStyle::Scale xScale = logX ? ChartStyle::Scale::Log2 : ChartStyle::Scale::Linear;
    const ChartStyle::Scale yScale = logY ? ChartStyle::Scale::Log10 : ChartStyle::Scale::Linear;

    // The workers axis, with room for the dodge either side.
    int xTop = std::max(2, m_maxWorkers);
    for (const Reference& reference : std::as_const(m_references)) {
        for (const QPointF& p : reference.points)
            xTop = std::max(xTop, int(std::ceil(p.x())));
    }
    int dodged = 0;
    for (const QString& key : std::as_const(m_order)) {
        const Curve& curve = m_backends[key].curve;
        dodged += curve.baseline || curve.predicted ? 0 : 1;
    }
    const double xSpan = logX ? std::log2(double(xTop)) : double(xTop - 1);
    const double stepFraction = dodged > 1 ? std::min(kDodgeStep, kDodgeTotal / (dodged - 1)) : 0;
    const double step = stepFraction * xSpan;
    const double pad = 0.03 + stepFraction * (dodged - 1) / 2.0 * (dodged > 1 ? 1 : 0);
    if (logX)
        ChartStyle::setLogRange(m_chart, m_logX, xScale, 1, xTop, pad);
    else
        ChartStyle::setWorkersRange(m_chart, m_x, xTop, pad);

    // The value axis over everything drawn.
    double high = kUnknown;
    double low = kUnknown;
    auto take = [&](double v) {
        if (!std::isfinite(v) || (logY && !(v > 0)))
            return;
        high = std::isnan(high) ? v : std::max(high, v);
        low = std::isnan(low) ? v : std::min(low, v);
    };
    for (const BackendSeries& series : std::as_const(m_backends)) {
        for (const Point& point : series.curve.points) {
            for (double v : { point.value, point.low, point.high })
                take(v);
            if (m_bands) {
                take(point.bandLow);
                take(point.bandHigh);
            }
        }
    }
    for (const Reference& reference : std::as_const(m_references)) {
        for (const QPointF& p : reference.points)
            take(p.y());
    }
    double floorValue = 0; // where a whisker or band that reaches to zero or below is cut on a log axis
    if (logY) {
        if (!std::isfinite(low))
            low = 1, high = 10;
        ChartStyle::setLogRange(m_chart, m_logY, yScale, low, high, 0.04);
        floorValue = ChartStyle::fromAxis(m_logY->min(), yScale);
    } else {
        ChartStyle::setValueRange(m_chart, m_y, std::isfinite(high) ? high : 1, std::isfinite(low) ? low : 0);
    }

    auto tx = [xScale](double workers) { return ChartStyle::toAxis(workers, xScale); };
    auto ty = [yScale, floorValue, logY](
                  double value) { return ChartStyle::toAxis(logY ? std::max(value, floorValue) : value, yScale); };
    auto drawable = [logY](double value) { return std::isfinite(value) && (!logY || value > 0); };

    int index = 0;
    for (const QString& backend : std::as_const(m_order)) {
        BackendSeries& series = m_backends[backend];
        series.drawn.clear();
        series.drawnIndex.clear();
        const Curve& curve = series.curve;
        if (curve.baseline) {
            // A baseline runs at one worker whatever the axis says: its figure across the whole range.
            const double y = curve.points.isEmpty() ? kUnknown : curve.points.constFirst().value;
            if (drawable(y))
                series.line->replace({ QPointF(tx(1), ty(y)), QPointF(tx(xTop), ty(y)) });
            else
                series.line->clear();
            continue;
        }
        // A prediction is a model's figure at exactly these counts: drawn where they are, not dodged.
        const double offset = curve.predicted ? 0.0 : (index - (dodged - 1) / 2.0) * step;
        index += curve.predicted ? 0 : 1;
        const double cap = dodged > 1 ? 0.45 * step : 0.012 * xSpan;
        QList<QPointF> whiskers; // low, high pairs
        QList<QPointF> upper;
        QList<QPointF> lower;
        for (qsizetype i = 0; i < curve.points.size(); ++i) {
            const Point& point = curve.points.at(i);
            if (!drawable(point.value))
                continue;
            const double x = tx(point.workers) + offset;
            series.drawn.append(QPointF(x, ty(point.value)));
            series.drawnIndex.append(int(i));
            if (std::isfinite(point.low) && std::isfinite(point.high) && drawable(point.high))
                whiskers.append({ QPointF(x, ty(point.low)), QPointF(x, ty(point.high)) });
            if (m_bands) {
                upper.append(QPointF(x, ty(std::isfinite(point.bandHigh) ? point.bandHigh : point.value)));
                lower.append(QPointF(x, ty(std::isfinite(point.bandLow) ? point.bandLow : point.value)));
            }
        }
        series.line->replace(series.drawn);
        if (series.band) {
            series.upper->replace(upper);
            series.lower->replace(lower);
        }

        const qsizetype bars = whiskers.size() / 2;
        const bool visible = !m_hidden.contains(curve.name);
        while (series.whiskers.size() < bars) {
            auto* whisker = new QLineSeries(m_chart);
            whisker->setPen(QPen(ChartStyle::backendColor(backend, palette()), Palette::whiskerWidth()));
            m_chart->addSeries(whisker);
            attach(whisker);
            whisker->setVisible(visible);
            ChartStyle::hideFromLegend(m_chart, whisker);
            series.whiskers.append(whisker);
        }
        while (series.whiskers.size() > bars) {
            QLineSeries* whisker = series.whiskers.takeLast();
            m_chart->removeSeries(whisker);
            delete whisker;
        }
        for (qsizetype i = 0; i < bars; ++i) {
            const QPointF lowEnd = whiskers.at(2 * i);
            const QPointF highEnd = whiskers.at(2 * i + 1);
            const double x = lowEnd.x();
            // One connected path: lower cap, back to the centre, up, upper cap. Its ends are the interval's.
            series.whiskers.at(i)->replace({ QPointF(x - cap, lowEnd.y()), QPointF(x + cap, lowEnd.y()), lowEnd,
                highEnd, QPointF(x - cap, highEnd.y()), QPointF(x + cap, highEnd.y()) });
        }
    }

    for (const Reference& reference : std::as_const(m_references)) {
        QList<QPointF> points;
        auto add = [&](QPointF p) {
            if (drawable(p.y()) && p.x() > 0)
                points.append(QPointF(tx(p.x()), ty(p.y())));
        };
        for (qsizetype i = 0; i < reference.points.size(); ++i) {
            const QPointF p = reference.points.at(i);
            add(p);
            // y = x is straight only where both axes are linear: elsewhere it is drawn through many points, evenly
            // spaced on screen.
            if (reference.straight && (logX || logY) && i + 1 < reference.points.size()) {
                const QPointF next = reference.points.at(i + 1);
                const double from = tx(p.x());
                const double to = tx(next.x());
                for (int s = 1; s < kCurveSegments && next.x() != p.x(); ++s) {
                    const double x = ChartStyle::fromAxis(from + (to - from) * s / kCurveSegments, xScale);
                    add(QPointF(x, p.y() + (x - p.x()) / (next.x() - p.x()) * (next.y() - p.y())));
                }
            }
        }
        reference.series->replace(points);
    }
    ChartStyle::placeLegend(m_chart);
}

void WorkersChart::changeEvent(QEvent* event)
{
    QChartView::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        restyle();
}

void WorkersChart::mouseMoveEvent(QMouseEvent* event)
{
    QChartView::mouseMoveEvent(event);
    const QString text = readoutAt(event->position().toPoint());
    if (text == m_shownReadout)
        return;
    m_shownReadout = text;
    if (text.isEmpty())
        QToolTip::hideText();
    else
        QToolTip::showText(event->globalPosition().toPoint(), text, viewport());
}

void WorkersChart::leaveEvent(QEvent* event)
{
    QChartView::leaveEvent(event);
    if (!m_shownReadout.isEmpty()) {
        m_shownReadout.clear();
        QToolTip::hideText();
    }
}

QString WorkersChart::seriesKey(const Curve& curve)
{
    return curve.predicted ? curve.backend + QStringLiteral(" predicted") : curve.backend;
}

WorkersChart::BackendSeries& WorkersChart::seriesFor(const Curve& curve)
{
    auto found = m_backends.find(seriesKey(curve));
    if (found != m_backends.end())
        return *found;
    BackendSeries series;
    series.curve = curve;
    if (m_bands && !curve.baseline && !curve.predicted) {
        // The band goes in first so the line is drawn over it.
        series.upper = new QLineSeries(m_chart);
        series.lower = new QLineSeries(m_chart);
        series.band = new QAreaSeries(series.upper, series.lower);
        series.band->setName(tr("%1 min–max").arg(curve.name));
        m_chart->addSeries(series.band);
        attach(series.band);
        ChartStyle::hideFromLegend(m_chart, series.band);
    }
    series.line = new QLineSeries(m_chart);
    series.line->setName(curve.name);
    series.line->setPointsVisible(!curve.baseline && !curve.predicted);
    series.line->setMarkerSize(ChartStyle::kMarkerSize);
    m_chart->addSeries(series.line);
    attach(series.line);
    connectMarkers(series.line);
    styleBackend(series);
    m_order.append(seriesKey(curve));
    BackendSeries& inserted = *m_backends.insert(seriesKey(curve), series);
    if (m_hidden.contains(curve.name))
        applyVisibility(curve.name);
    else
        styleMarkers();
    return inserted;
}

void WorkersChart::removeBackend(const QString& backend)
{
    const BackendSeries series = m_backends.take(backend);
    m_order.removeAll(backend);
    for (QLineSeries* whisker : series.whiskers) {
        m_chart->removeSeries(whisker);
        delete whisker;
    }
    if (series.band) {
        m_chart->removeSeries(series.band);
        delete series.band;
        delete series.upper;
        delete series.lower;
    }
    if (series.line) {
        m_chart->removeSeries(series.line);
        delete series.line;
    }
}

void WorkersChart::attach(QAbstractSeries* series)
{
    series->attachAxis(m_isLogX ? static_cast<QAbstractAxis*>(m_logX) : m_x);
    series->attachAxis(m_isLogY ? static_cast<QAbstractAxis*>(m_logY) : m_y);
}

void WorkersChart::connectMarkers(QAbstractSeries* series)
{
    const auto markers = m_chart->legend()->markers(series);
    for (QLegendMarker* marker : markers)
        connect(marker, &QLegendMarker::clicked, this, [this, series] { toggle(series); });
}

void WorkersChart::toggle(QAbstractSeries* series)
{
    const QString name = series->name();
    setSeriesVisible(name, m_hidden.contains(name));
}

void WorkersChart::applyVisibility(const QString& name)
{
    const bool visible = !m_hidden.contains(name);
    QList<QAbstractSeries*> shown; // with a legend entry that must stay, faded or not
    for (const Reference& reference : std::as_const(m_references)) {
        if (reference.series->name() == name) {
            reference.series->setVisible(visible);
            shown.append(reference.series);
        }
    }
    for (BackendSeries& series : m_backends) {
        if (series.curve.name != name)
            continue;
        series.line->setVisible(visible);
        shown.append(series.line);
        for (QLineSeries* whisker : std::as_const(series.whiskers)) {
            whisker->setVisible(visible);
            ChartStyle::hideFromLegend(m_chart, whisker); // showing a series shows its legend marker too
        }
        if (series.band) {
            series.band->setVisible(visible);
            ChartStyle::hideFromLegend(m_chart, series.band);
        }
    }
    // QLegend hides the entry of a hidden series; the user must be able to click it again.
    for (QAbstractSeries* series : std::as_const(shown)) {
        const auto markers = m_chart->legend()->markers(series);
        for (QLegendMarker* marker : markers)
            marker->setVisible(true);
    }
    if (!m_shownReadout.isEmpty() && !visible) {
        m_shownReadout.clear();
        QToolTip::hideText();
    }
    styleSeries();
}

void WorkersChart::styleMarkers()
{
    // Every toggleable entry in its series' pen, faded when the series is hidden.
    const QColor text = palette().color(QPalette::WindowText);
    const auto markers = m_chart->legend()->markers();
    for (QLegendMarker* marker : markers) {
        auto* line = qobject_cast<QLineSeries*>(marker->series());
        if (!line || ChartStyle::isHiddenFromLegend(line))
            continue;
        const bool hidden = m_hidden.contains(line->name());
        // QLegend hides the entry of a hidden series (again when the series changes); the user must be able to
        // click it again.
        marker->setVisible(true);
        // The series' own pen and colour: faded already when it is hidden (styleBackend, styleSeries).
        marker->setPen(line->pen());
        marker->setBrush(line->color());
        marker->setLabelBrush(hidden ? faded(text) : text);
    }
}

void WorkersChart::styleBackend(BackendSeries& series)
{
    const QPalette pal = palette();
    const QString& backend = series.curve.backend;
    const QColor colour = ChartStyle::backendColor(backend, pal);
    QPen pen = ChartStyle::pen(series.curve.baseline ? Palette::baseline(backend)
            : series.curve.predicted                 ? Palette::predicted(backend)
                                                     : Palette::series(backend),
        pal);
    // A hidden line's pen is its legend entry's sample: faded with the entry.
    const bool hidden = m_hidden.contains(series.curve.name);
    if (hidden)
        pen.setColor(faded(pen.color()));
    series.line->setPen(pen);
    series.line->setColor(hidden ? faded(colour) : colour);
    for (QLineSeries* whisker : std::as_const(series.whiskers))
        whisker->setPen(QPen(colour, Palette::whiskerWidth()));
    if (series.band) {
        QColor fill = colour;
        fill.setAlphaF(0.22f);
        series.band->setBrush(fill);
        series.band->setPen(Qt::NoPen);
    }
}

void WorkersChart::restyle()
{
    ChartStyle::applyPalette(m_chart, palette());
    styleSeries();
}

void WorkersChart::styleSeries()
{
    const QPalette pal = palette();
    for (const Reference& reference : std::as_const(m_references)) {
        QPen pen = ChartStyle::pen(Palette::reference(reference.which), pal);
        // A hidden line's pen is its legend entry's sample: faded with the entry.
        if (m_hidden.contains(reference.series->name()))
            pen.setColor(faded(pen.color()));
        reference.series->setPen(pen);
        reference.series->setColor(pen.color());
    }
    for (BackendSeries& series : m_backends)
        styleBackend(series);
    styleMarkers();
    ChartStyle::placeLegend(m_chart);
}

QPointF WorkersChart::toViewport(const QPointF& axisPoint, QLineSeries* series) const
{
    return viewportTransform().map(m_chart->mapToScene(m_chart->mapToPosition(axisPoint, series)));
}

WorkersChart::Hit WorkersChart::hitAt(const QPoint& viewportPos) const
{
    Hit best;
    double bestDistance = kHoverReach * kHoverReach;
    for (const BackendSeries& series : m_backends) {
        if (!series.line->isVisible())
            continue;
        for (qsizetype i = 0; i < series.drawn.size(); ++i) {
            const QPointF delta = toViewport(series.drawn.at(i), series.line) - QPointF(viewportPos);
            // Where a prediction meets its measurement, hovering reads the measurement.
            const double distance = delta.x() * delta.x() + delta.y() * delta.y() + (series.curve.predicted ? 4 : 0);
            if (distance <= bestDistance) {
                bestDistance = distance;
                best = { &series, series.drawnIndex.at(i) };
            }
        }
    }
    return best;
}

} // namespace parlab
