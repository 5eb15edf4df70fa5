#include "timelineview.h"

#include "backends/backendregistry.h"
#include "charts/chartstyle.h"
#include "export/formatting.h"
#include "palette.h"
#include "timeline/timeaxis.h"
#include "workerplacement.h"

#include <QFontMetricsF>
#include <QHelpEvent>
#include <QImage>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QResizeEvent>
#include <QScrollBar>
#include <QToolTip>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>
#include <limits>

namespace parlab {

namespace {
// The horizontal scroll bar counts in thousandths of the visible window, so its int range holds a million-fold
// zoom.
constexpr int kScrollPage = 1000;
constexpr double kMargin = 8;
// How far from a bar the pointer may be, in pixels, and still hit it: tasks a pixel wide stay reachable.
constexpr double kHitTolerance = 2;

QFont barFont()
{
    QFont font = ChartStyle::labelFont();
    font.setPointSizeF(font.pointSizeF() * 0.9);
    return font;
}

QFont titleFont()
{
    QFont font = ChartStyle::labelFont();
    font.setBold(true);
    return font;
}

// Consecutive marks narrower than a pixel, merged into one rectangle so a dense stretch costs one fill per
// pixel column at most. States keep the time spent in each, so the column shows the one that dominated it.
struct PendingMark {
    bool active = false;
    double x0 = 0;
    double x1 = 0;
    double stateNs[3] = { 0, 0, 0 };
};

// The legend's geometry, in one place for placing its entries and drawing them.
double legendSwatch(const QFontMetricsF& metrics)
{
    return std::round(metrics.height() * 0.7);
}
constexpr double kSwatchGap = 6; // from a swatch to its text
constexpr double kEntryGap = 22; // from one entry's text to the next swatch
constexpr double kLeadGap = 12; // from a line's lead-in to its first swatch

double legendEntryWidth(const QFontMetricsF& metrics, const QString& label)
{
    return legendSwatch(metrics) + kSwatchGap + metrics.horizontalAdvance(label);
}
} // namespace

TimelineView::TimelineView(QWidget* parent)
    : QAbstractScrollArea(parent)
{
    setFrameShape(QFrame::NoFrame);
    setFocusPolicy(Qt::StrongFocus);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    setVerticalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    viewport()->setMouseTracking(true);
    viewport()->setAutoFillBackground(false);
    setMinimumSize(320, 160);
    updateScrollBars();
}

TimelineView::~TimelineView() = default;

void TimelineView::setMeasurement(const Measurement& measurement)
{
    const Measurement& shown = m_model.measurement();
    const bool sameLabel = !shown.backend.isEmpty() && measurement.label() == shown.label();
    // The same repeat again (a result refreshed for another measurement): nothing moved.
    if (sameLabel && m_model.refresh(measurement))
        return;
    setModel(TimelineModel(measurement));
}

void TimelineView::setModel(TimelineModel model)
{
    const Measurement& shown = m_model.measurement();
    const bool sameLabel = !shown.backend.isEmpty() && model.measurement().label() == shown.label();
    // A new repeat of the same measurement, or any measurement under a shared scale: the same window.
    const bool keepWindow = (sameLabel || m_sharedScale) && !isEmpty() && !isFitted();
    const double relativeStart = m_window.start() - double(originNs());
    const double span = m_window.span();

    m_model = std::move(model);
    m_hoverSpan = -1;
    const QFontMetricsF metrics(ChartStyle::labelFont());
    m_labelWidth = 0;
    for (int row = 0; row < rowCount(); ++row)
        m_labelWidth = std::max(m_labelWidth, metrics.horizontalAdvance(m_model.row(row).label));
    resetWindow(false);
    if (keepWindow)
        setView(double(originNs()) + relativeStart, span);
}

void TimelineView::clear()
{
    m_model = TimelineModel();
    m_hoverSpan = -1;
    m_labelWidth = 0;
    resetWindow(false);
}

void TimelineView::setSharedScale(std::optional<TimeRange> relativeExtent, const QStringList& rowLabels)
{
    if (relativeExtent && relativeExtent->isEmpty())
        relativeExtent.reset();
    double labelWidth = 0;
    if (relativeExtent) {
        const QFontMetricsF metrics(ChartStyle::labelFont());
        for (const QString& label : rowLabels)
            labelWidth = std::max(labelWidth, metrics.horizontalAdvance(label));
    }
    if (relativeExtent.has_value() == m_sharedScale.has_value() && labelWidth == m_sharedLabelWidth
        && (!relativeExtent
            || (relativeExtent->startNs == m_sharedScale->startNs && relativeExtent->endNs == m_sharedScale->endNs)))
        return;
    m_sharedScale = relativeExtent;
    m_sharedLabelWidth = labelWidth;
    resetWindow(true);
}

double TimelineView::gutterLabelWidth() const
{
    return m_sharedScale ? std::max(m_labelWidth, m_sharedLabelWidth) : m_labelWidth;
}

void TimelineView::resetWindow(bool keepWindow)
{
    keepWindow = keepWindow && !isEmpty() && !isFitted();
    const double relativeStart = m_window.start() - double(originNs());
    const double span = m_window.span();
    if (isEmpty()) {
        m_window = TimeWindow(TimeRange { 0, 1e9 });
    } else {
        TimeRange relative = m_model.relativeExtent();
        if (m_sharedScale) {
            relative.startNs = std::min(relative.startNs, m_sharedScale->startNs);
            relative.endNs = std::max(relative.endNs, m_sharedScale->endNs);
        }
        const double origin = double(originNs());
        m_window = TimeWindow(TimeWindow::padded(origin + relative.startNs, origin + relative.endNs));
    }
    if (keepWindow)
        setView(double(originNs()) + relativeStart, span);
    else
        setView(m_window.bounds().startNs, m_window.bounds().spanNs());
}

void TimelineView::setKernel(const QString& kernel)
{
    if (kernel == m_kernel)
        return;
    m_kernel = kernel;
    viewport()->update();
}

QString TimelineView::taskLabel(int index) const
{
    return TimelineModel::taskLabel(m_kernel, measurement().spans.at(index));
}

void TimelineView::setTitle(const QString& title)
{
    if (title == m_title)
        return;
    m_title = title;
    updateScrollBars(); // the title band takes height from the rows
    viewport()->update();
}

int TimelineView::rowWorker(int row) const
{
    return row >= 0 && row < rowCount() ? m_model.row(row).worker : -1;
}

QString TimelineView::rowLabel(int row) const
{
    return row >= 0 && row < rowCount() ? m_model.row(row).label : QString();
}

TimelineView::Layout TimelineView::layoutFor(QSize size, double scrollY) const
{
    Layout layout;
    const QFontMetricsF metrics(ChartStyle::labelFont());
    const double width = size.width();
    const double height = size.height();
    double top = 0;
    if (!m_title.isEmpty()) {
        const double titleHeight = QFontMetricsF(titleFont()).height() + 10;
        layout.title = QRectF(kMargin, 4, width - 2 * kMargin, titleHeight - 4);
        top = titleHeight;
    }
    const double axisHeight = metrics.height() + 12;
    layout.axis = QRectF(0, top, width, axisHeight);
    top += axisHeight;

    const bool hasStates = m_model.hasStates();
    layout.barHeight = std::round(QFontMetricsF(barFont()).height() + 8);
    layout.stripHeight = hasStates ? std::max(6.0, std::round(metrics.height() * 0.45)) : 0;
    layout.barTop = 4;
    layout.stripTop = layout.barTop + layout.barHeight + 2;
    layout.rowHeight = layout.barTop + layout.barHeight + (hasStates ? 2 + layout.stripHeight : 0) + 4;
    // Thick enough to tell its colours apart, thin enough to leave the bar's label room above it.
    layout.taskStripHeight = std::max(4.0, std::round(layout.barHeight * 0.22));
    layout.scrollY = scrollY;

    const double gutter = std::clamp(gutterLabelWidth() + 2 * kMargin, 60.0, std::max(60.0, width * 0.4));
    // Room on the right for half of the last tick label.
    const double right = metrics.horizontalAdvance(QStringLiteral("000.0 ms")) / 2 + kMargin;

    // The legend right under the last row, where the eye leaves the rows; pinned to the bottom when they scroll.
    // A narrow view wraps its lines rather than leave entries out.
    layout.legendLineHeight = metrics.height() + 8;
    const double legendHeight = double(wrappedLegend(gutter, width - kMargin).size()) * layout.legendLineHeight + 6;
    const double rowsHeight = std::min(rowCount() * layout.rowHeight, std::max(0.0, height - legendHeight - top));
    layout.rows = QRectF(0, top, width, rowsHeight);
    layout.legend = QRectF(0, top + rowsHeight, width, legendHeight);
    layout.plot = QRectF(gutter, layout.rows.top(), std::max(10.0, width - gutter - right), layout.rows.height());
    return layout;
}

TimelineView::Layout TimelineView::viewportLayout() const
{
    return layoutFor(viewport()->size(), verticalScrollBar()->value());
}

double TimelineView::xIn(const Layout& layout, double ns) const
{
    return m_window.xFor(ns, layout.plot.left(), layout.plot.width());
}

double TimelineView::xForTime(double ns) const
{
    return xIn(viewportLayout(), ns);
}

double TimelineView::timeAtX(double x) const
{
    const Layout layout = viewportLayout();
    return m_window.timeAt(x, layout.plot.left(), layout.plot.width());
}

QRectF TimelineView::rowRectIn(const Layout& layout, int row) const
{
    return QRectF(layout.rows.left(), layout.rows.top() - layout.scrollY + row * layout.rowHeight, layout.rows.width(),
        layout.rowHeight);
}

int TimelineView::rowAtY(const Layout& layout, double y) const
{
    if (y < layout.rows.top() || y >= layout.rows.bottom() || layout.rowHeight <= 0)
        return -1;
    const int row = int(std::floor((y - layout.rows.top() + layout.scrollY) / layout.rowHeight));
    return row >= 0 && row < rowCount() ? row : -1;
}

QRectF TimelineView::taskRect(int span) const
{
    const QList<TaskSpan>& spans = measurement().spans;
    if (span < 0 || span >= int(spans.size()) || !TimelineModel::isRecorded(spans.at(span)))
        return {};
    const TaskSpan& task = spans.at(span);
    if (const int row = m_model.rowOf(task.worker); row >= 0) {
        const Layout layout = viewportLayout();
        const QRectF rowRect = rowRectIn(layout, row);
        const double x0 = xIn(layout, double(task.startNs));
        const double x1 = std::max(xIn(layout, double(task.endNs)), x0 + 1);
        const QRectF bar(x0, rowRect.top() + layout.barTop, x1 - x0, layout.barHeight);
        return bar.intersected(layout.plot);
    }
    return {};
}

QRectF TimelineView::stateRect(int state) const
{
    const QList<StateSpan>& states = measurement().states;
    if (state < 0 || state >= int(states.size()) || !TimelineModel::isRecorded(states.at(state)))
        return {};
    const StateSpan& lock = states.at(state);
    if (const int row = m_model.rowOf(lock.worker); row >= 0) {
        const Layout layout = viewportLayout();
        const QRectF rowRect = rowRectIn(layout, row);
        const double x0 = xIn(layout, double(lock.startNs));
        const double x1 = std::max(xIn(layout, double(lock.endNs)), x0 + 1);
        const QRectF strip(x0, rowRect.top() + layout.stripTop, x1 - x0, layout.stripHeight);
        return strip.intersected(layout.plot);
    }
    return {};
}

QList<QPair<TaskStates::Part, QRectF>> TimelineView::stripPieces(const Layout& layout, int span, double rowTop) const
{
    const TaskSpan& task = measurement().spans.at(span);
    const double x0 = xIn(layout, double(task.startNs));
    const double x1 = xIn(layout, double(task.endNs));
    if (x1 - x0 < TaskStates::kMinBarWidth)
        return {};
    const TaskStates states = m_model.taskStates(span);
    if (!states.isMeasured())
        return {};
    // Over the whole bar (less the pixel that parts neighbours, and the inset), whatever of it is on screen.
    const double inset = TaskStates::kStripInset;
    const double width = x1 - x0 - 1 - 2 * inset;
    const double left = layout.plot.left() - 4;
    const double right = layout.plot.right() + 4;
    const double y = rowTop + layout.barTop + layout.barHeight - layout.taskStripHeight - inset;
    QList<QPair<TaskStates::Part, QRectF>> pieces;
    double done = 0;
    for (TaskStates::Part part : TaskStates::parts(states.lock())) {
        const double from = x0 + inset + width * done;
        done += states.share(part);
        const double to = x0 + inset + width * done;
        const double a = std::clamp(from, left, right);
        const double b = std::clamp(to, left, right);
        if (b > a)
            pieces.append({ part, QRectF(a, y, b - a, layout.taskStripHeight) });
    }
    return pieces;
}

QRectF TimelineView::taskStateRect(int span, TaskStates::Part part) const
{
    const QList<TaskSpan>& spans = measurement().spans;
    if (span < 0 || span >= int(spans.size()) || !TimelineModel::isRecorded(spans.at(span)))
        return {};
    const int row = m_model.rowOf(spans.at(span).worker);
    if (row < 0)
        return {};
    const Layout layout = viewportLayout();
    for (const auto& [shown, rect] : stripPieces(layout, span, rowRectIn(layout, row).top())) {
        if (shown == part)
            return rect.intersected(layout.plot);
    }
    return {};
}

TimelineView::Item TimelineView::itemAt(QPoint pos) const
{
    Item item;
    const Layout layout = viewportLayout();
    if (pos.x() < layout.plot.left() - kHitTolerance || pos.x() > layout.plot.right() + kHitTolerance)
        return item;
    const int row = rowAtY(layout, pos.y());
    if (row < 0)
        return item;
    item.row = row;
    const double y = pos.y() - rowRectIn(layout, row).top();
    const bool onBar = y >= layout.barTop - 1 && y <= layout.barTop + layout.barHeight + 1;
    const bool onStrip
        = layout.stripHeight > 0 && y >= layout.stripTop - 1 && y <= layout.stripTop + layout.stripHeight + 1;
    const double t = timeAtX(pos.x());
    const double tolerance = kHitTolerance * m_window.nsPerPixel(layout.plot.width());
    if (onBar)
        item.span = m_model.taskNear(row, t, tolerance);
    if (onBar || onStrip)
        item.state = m_model.stateNear(row, t, tolerance);
    return item;
}

QString TimelineView::toolTipAt(QPoint pos) const
{
    const Item item = itemAt(pos);
    if (item.span < 0 && item.state < 0)
        return {};
    QStringList lines;
    auto since = [this](qint64 ns) { return Format::duration(double(ns - originNs()) * 1e-9); };
    if (item.span >= 0) {
        const TaskSpan& span = measurement().spans.at(item.span);
        lines << tr("input %1 (#%2)").arg(span.input).arg(span.index + 1) << rowLabel(item.row);
        if (!span.host.isEmpty())
            lines << tr("host %1").arg(span.host);
        if (const QString clock = TimelineModel::clockNote(span); !clock.isEmpty())
            lines << clock;
        lines << tr("pid %1").arg(span.pid);
        if (const QString cpu = WorkerPlacement::taskText(span); !cpu.isEmpty())
            lines << cpu;
        lines << tr("start %1").arg(since(span.startNs)) << tr("duration %1").arg(Format::duration(span.seconds()))
              << m_model.taskStates(item.span).summary();
    } else {
        lines << rowLabel(item.row);
    }
    if (item.state >= 0) {
        const StateSpan& state = measurement().states.at(item.state);
        lines << tr("lock %1 from %2 for %3")
                     .arg(lockStateName(state.state), since(state.startNs),
                         Format::duration(double(state.endNs - state.startNs) * 1e-9));
        if (const QString how = BackendRegistry::factsOf(measurement().backend).lockStrip; !how.isEmpty())
            lines << how;
    }
    return lines.join(QLatin1Char('\n'));
}

void TimelineView::setView(double start, double span)
{
    m_window.setView(start, span);
    updateScrollBars();
    viewport()->update();
}

void TimelineView::zoomAt(double anchorX, double factor)
{
    if (isEmpty() || !(factor > 0))
        return;
    const Layout layout = viewportLayout();
    m_window.zoomAround((anchorX - layout.plot.left()) / layout.plot.width(), factor);
    updateScrollBars();
    viewport()->update();
}

void TimelineView::panByPixels(double dx)
{
    if (isEmpty())
        return;
    setView(m_window.start() + dx * m_window.nsPerPixel(viewportLayout().plot.width()), m_window.span());
}

void TimelineView::fit()
{
    setView(m_window.bounds().startNs, m_window.bounds().spanNs());
}

bool TimelineView::isFitted() const
{
    return m_window.isFitted();
}

void TimelineView::updateScrollBars()
{
    m_syncingScrollBars = true;
    QScrollBar* horizontal = horizontalScrollBar();
    const TimeRange bounds = m_window.bounds();
    if (isEmpty() || isFitted()) {
        horizontal->setRange(0, 0);
    } else {
        horizontal->setPageStep(kScrollPage);
        horizontal->setSingleStep(kScrollPage / 10);
        horizontal->setRange(0, int(std::lround((bounds.spanNs() - m_window.span()) / m_window.span() * kScrollPage)));
        horizontal->setValue(int(std::lround((m_window.start() - bounds.startNs) / m_window.span() * kScrollPage)));
    }
    QScrollBar* vertical = verticalScrollBar();
    const Layout layout = layoutFor(viewport()->size(), 0);
    const double total = rowCount() * layout.rowHeight;
    vertical->setPageStep(std::max(1, int(layout.rows.height())));
    vertical->setSingleStep(std::max(1, int(layout.rowHeight)));
    vertical->setRange(0, std::max(0, int(std::ceil(total - layout.rows.height()))));
    m_syncingScrollBars = false;
}

void TimelineView::scrollContentsBy(int dx, int dy)
{
    Q_UNUSED(dy);
    if (!m_syncingScrollBars && dx != 0 && !isEmpty()) {
        // The user moved the horizontal bar: its value is the window's start in thousandths of the window.
        m_window.setView(m_window.bounds().startNs + horizontalScrollBar()->value() * m_window.span() / kScrollPage,
            m_window.span());
    }
    viewport()->update();
}

QSize TimelineView::pictureSize() const
{
    const QSize size = viewport()->size();
    if (isEmpty())
        return size;
    // Laid out with room to spare, the legend ends where the picture should.
    const Layout layout = layoutFor(QSize(size.width(), std::numeric_limits<int>::max() / 4), 0);
    return QSize(size.width(), int(std::ceil(layout.legend.bottom())));
}

QRectF TimelineView::pictureLegend() const
{
    return isEmpty() ? QRectF() : layoutFor(pictureSize(), 0).legend;
}

void TimelineView::paintPicture(QPainter& painter, QSize size) const
{
    paintAll(painter, layoutFor(size, 0), size, false);
}

QImage TimelineView::renderImage(qreal devicePixelRatio) const
{
    const QSize size = pictureSize();
    QImage image(size * devicePixelRatio, QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(devicePixelRatio);
    image.fill(palette().color(QPalette::Window));
    QPainter painter(&image);
    paintPicture(painter, size);
    painter.end();
    return image;
}

QColor TimelineView::stateColor(LockState state) const
{
    return ChartStyle::color(Palette::lockState(state), palette());
}

QColor TimelineView::taskStateColor(TaskStates::Part part) const
{
    return ChartStyle::color(Palette::lossPart(TaskStates::lossKey(part)), palette());
}

QColor TimelineView::taskColor(int span) const
{
    const QList<TaskSpan>& spans = measurement().spans;
    const bool alternate = span >= 0 && span < int(spans.size()) && TimelineModel::isAlternate(spans.at(span));
    return ChartStyle::color(Palette::task(alternate), palette());
}

void TimelineView::paintEvent(QPaintEvent* event)
{
    Q_UNUSED(event);
    QPainter painter(viewport());
    paintAll(painter, viewportLayout(), viewport()->size(), true);
}

void TimelineView::paintAll(QPainter& painter, const Layout& layout, QSize size, bool onScreen) const
{
    const QColor window = palette().color(QPalette::Window);
    const QColor text = palette().color(QPalette::WindowText);
    painter.fillRect(QRect(QPoint(0, 0), size), window);
    if (isEmpty()) {
        paintEmpty(painter, size);
        return;
    }
    painter.setRenderHint(QPainter::TextAntialiasing);

    if (!m_title.isEmpty()) {
        painter.setFont(titleFont());
        painter.setPen(text);
        const QFontMetricsF metrics(painter.font());
        painter.drawText(layout.title, Qt::AlignLeft | Qt::AlignVCenter,
            metrics.elidedText(m_title, Qt::ElideRight, layout.title.width()));
    }

    // Zebra rows first, under the grid lines.
    const QColor zebra = ChartStyle::mix(window, text, 0.045);
    const int firstRow = std::max(0, int(std::floor(layout.scrollY / layout.rowHeight)));
    const int lastRow
        = std::min(rowCount() - 1, int(std::ceil((layout.scrollY + layout.rows.height()) / layout.rowHeight)));
    painter.save();
    painter.setClipRect(layout.rows);
    for (int row = firstRow; row <= lastRow; ++row) {
        if (row % 2 == 1)
            painter.fillRect(rowRectIn(layout, row), zebra);
    }
    painter.restore();

    paintAxis(painter, layout);

    painter.save();
    painter.setClipRect(layout.rows);
    for (int row = firstRow; row <= lastRow; ++row)
        paintRow(painter, layout, row, onScreen);
    painter.restore();

    // The gutter's edge.
    painter.setPen(QPen(ChartStyle::mix(window, text, 0.45), 1));
    painter.drawLine(QPointF(layout.plot.left() - 0.5, layout.rows.top()),
        QPointF(layout.plot.left() - 0.5, std::min(layout.rows.bottom(), rowRectIn(layout, rowCount()).top())));

    paintLegend(painter, layout);
}

void TimelineView::paintAxis(QPainter& painter, const Layout& layout) const
{
    const QColor window = palette().color(QPalette::Window);
    const QColor text = palette().color(QPalette::WindowText);
    painter.setFont(ChartStyle::labelFont());
    const QFontMetricsF metrics(painter.font());

    const double origin = double(originNs());
    const TimeAxis axis(m_window.start() - origin, m_window.end() - origin, layout.plot.width(),
        [&metrics](const QString& label) { return metrics.horizontalAdvance(label); });

    const QColor grid = ChartStyle::mix(window, text, 0.14);
    const double baseline = layout.axis.bottom() - 0.5;
    painter.setPen(QPen(ChartStyle::mix(window, text, 0.45), 1));
    painter.drawLine(QPointF(layout.plot.left(), baseline), QPointF(layout.plot.right(), baseline));
    const double rowsBottom = std::min(layout.rows.bottom(), rowRectIn(layout, rowCount()).top());
    const QList<double> ticks = axis.ticks();
    for (double tick : ticks) {
        const double x = std::round(xIn(layout, origin + tick)) + 0.5;
        painter.setPen(QPen(grid, 1));
        painter.drawLine(QPointF(x, layout.rows.top()), QPointF(x, rowsBottom));
        painter.setPen(QPen(ChartStyle::mix(window, text, 0.45), 1));
        painter.drawLine(QPointF(x, baseline - 5), QPointF(x, baseline));
        const QString label = axis.label(tick);
        const double width = metrics.horizontalAdvance(label);
        painter.setPen(text);
        painter.drawText(QRectF(x - width / 2 - 2, layout.axis.top(), width + 4, layout.axis.height() - 6),
            Qt::AlignHCenter | Qt::AlignVCenter, label);
    }
}

void TimelineView::paintRow(QPainter& painter, const Layout& layout, int rowIndex, bool onScreen) const
{
    const TimelineModel::Row& row = m_model.row(rowIndex);
    const QRectF rowRect = rowRectIn(layout, rowIndex);
    const QColor text = palette().color(QPalette::WindowText);

    painter.setFont(ChartStyle::labelFont());
    painter.setPen(text);
    const QFontMetricsF labelMetrics(painter.font());
    const QRectF labelRect(kMargin, rowRect.top() + layout.barTop, layout.plot.left() - 2 * kMargin, layout.barHeight);
    painter.drawText(labelRect, Qt::AlignLeft | Qt::AlignVCenter,
        labelMetrics.elidedText(row.label, Qt::ElideMiddle, labelRect.width()));

    painter.save();
    painter.setClipRect(layout.plot.intersected(layout.rows).intersected(rowRect));
    // Coordinates clamped to just outside the plot: a deep zoom would otherwise hand QPainter values in the
    // billions.
    const double left = layout.plot.left() - 4;
    const double right = layout.plot.right() + 4;
    const double t0 = m_window.start();
    const double t1 = m_window.end();

    // Lock states: a strip under the bars.
    if (layout.stripHeight > 0 && !row.states.empty()) {
        const double y = rowRect.top() + layout.stripTop;
        PendingMark pending;
        auto flush = [&] {
            if (!pending.active)
                return;
            const int dominant = int(
                std::max_element(std::begin(pending.stateNs), std::end(pending.stateNs)) - std::begin(pending.stateNs));
            painter.fillRect(QRectF(pending.x0, y, std::max(1.0, pending.x1 - pending.x0), layout.stripHeight),
                stateColor(LockState(dominant)));
            pending = PendingMark {};
        };
        for (size_t k = TimelineModel::firstReaching(row.stateMaxEnd, t0); k < row.states.size(); ++k) {
            const StateSpan& state = measurement().states.at(row.states[k]);
            if (double(state.startNs) > t1)
                break;
            const double x0 = std::clamp(xIn(layout, double(state.startNs)), left, right);
            const double x1 = std::clamp(xIn(layout, double(state.endNs)), left, right);
            const double duration = double(state.endNs - state.startNs);
            if (x1 - x0 < 1) {
                // Within the pending pixel column: count its time there.
                if (pending.active && x0 < pending.x0 + 1) {
                    pending.x1 = std::max(pending.x1, x1);
                    pending.stateNs[int(state.state)] += duration;
                    continue;
                }
                flush();
                pending.active = true;
                pending.x0 = x0;
                pending.x1 = x1;
                pending.stateNs[int(state.state)] = duration;
                continue;
            }
            flush();
            painter.fillRect(QRectF(x0, y, x1 - x0, layout.stripHeight), stateColor(state.state));
        }
        flush();
    }

    // Tasks: bars, with the kernel and input written on those wide enough.
    const double barY = rowRect.top() + layout.barTop;
    const QColor base = ChartStyle::color(Palette::task(false), palette());
    const QColor shade = ChartStyle::color(Palette::task(true), palette());
    painter.setFont(barFont());
    const QFontMetricsF barMetrics(painter.font());
    PendingMark pending;
    auto flush = [&] {
        if (!pending.active)
            return;
        painter.fillRect(QRectF(pending.x0, barY, std::max(1.0, pending.x1 - pending.x0), layout.barHeight), base);
        pending.active = false;
    };
    QRectF hovered;
    for (size_t k = TimelineModel::firstReaching(row.taskMaxEnd, t0); k < row.tasks.size(); ++k) {
        const int index = row.tasks[k];
        const TaskSpan& span = measurement().spans.at(index);
        if (double(span.startNs) > t1)
            break;
        const double x0 = std::clamp(xIn(layout, double(span.startNs)), left, right);
        const double x1 = std::clamp(xIn(layout, double(span.endNs)), left, right);
        const double width = x1 - x0;
        if (onScreen && index == m_hoverSpan)
            hovered = QRectF(x0, barY, std::max(1.0, width), layout.barHeight);
        if (width < 2) {
            // Touching the pending mark (gaps under half a pixel do not show anyway): extend it.
            if (pending.active && x0 <= pending.x1 + 0.5) {
                pending.x1 = std::max(pending.x1, std::max(x1, x0 + 1));
                continue;
            }
            flush();
            pending.active = true;
            pending.x0 = x0;
            pending.x1 = std::max(x1, x0 + 1);
            continue;
        }
        flush();
        // A one-pixel gap parts neighbours that touch.
        const QRectF bar(x0, barY, width >= 4 ? width - 1 : width, layout.barHeight);
        const QColor fill = TimelineModel::isAlternate(span) ? shade : base;
        painter.fillRect(bar, fill);
        const QList<QPair<TaskStates::Part, QRectF>> strip = stripPieces(layout, index, rowRect.top());
        for (const auto& [part, piece] : strip)
            painter.fillRect(piece, taskStateColor(part));
        const QString label = taskLabel(index);
        // The label centred over the strip, not on it.
        const QRectF visible
            = bar.adjusted(0, 0, 0, strip.isEmpty() ? 0 : -layout.taskStripHeight - TaskStates::kStripInset)
                  .intersected(layout.plot);
        if (barMetrics.horizontalAdvance(label) + 6 <= visible.width()) {
            painter.setPen(qGray(fill.rgb()) > 150 ? QColor(Qt::black) : QColor(Qt::white));
            painter.drawText(visible, Qt::AlignCenter, label);
        }
    }
    flush();
    if (!hovered.isNull()) {
        painter.setPen(QPen(text, 2));
        painter.setBrush(Qt::NoBrush);
        painter.drawRect(hovered.adjusted(1, 1, -1, -1));
    }
    painter.restore();
}

QList<TimelineView::LegendLine> TimelineView::legendLines() const
{
    QList<LegendLine> lines;
    LegendLine first;
    first.entries.append(
        { ChartStyle::color(Palette::task(false), palette()), tr("task (kernel and input on the bar)") });
    if (m_model.hasStates()) {
        first.entries.append({ stateColor(LockState::Running), tr("running (holds the lock)") });
        first.entries.append({ stateColor(LockState::Waiting), tr("waiting for the lock") });
        first.entries.append({ stateColor(LockState::Released), tr("released the lock") });
        // Whether the strip is the model's record or a measurement (python-threads), without a swatch.
        if (const QString how = BackendRegistry::factsOf(measurement().backend).lockStrip; !how.isEmpty())
            first.entries.append({ Qt::transparent, tr("lock %1").arg(how) });
    }
    lines.append(first);
    if (m_model.hasTaskStates()) {
        LegendLine strip;
        strip.lead = TaskStates::legendTitle();
        for (TaskStates::Part part : TaskStates::parts(m_model.lock()))
            strip.entries.append({ taskStateColor(part), TaskStates::legendLabel(part) });
        lines.append(strip);
    }
    return lines;
}

QList<TimelineView::LegendLine> TimelineView::wrappedLegend(double left, double right) const
{
    const QFontMetricsF metrics(ChartStyle::labelFont());
    QList<LegendLine> wrapped;
    for (const LegendLine& line : legendLines()) {
        LegendLine current;
        current.lead = line.lead;
        const double start = left + (line.lead.isEmpty() ? 0 : metrics.horizontalAdvance(line.lead) + kLeadGap);
        double x = start;
        for (const auto& entry : line.entries) {
            const double width = legendEntryWidth(metrics, entry.second);
            if (x + width > right && !current.entries.isEmpty()) {
                wrapped.append(current);
                current = LegendLine();
                x = start;
            }
            current.entries.append(entry);
            current.entryX.append(x);
            x += width + kEntryGap;
        }
        wrapped.append(current);
    }
    return wrapped;
}

QList<QPair<QString, QRectF>> TimelineView::legendEntries() const
{
    const Layout layout = viewportLayout();
    const QFontMetricsF metrics(ChartStyle::labelFont());
    QList<QPair<QString, QRectF>> entries;
    const QList<LegendLine> lines = wrappedLegend(layout.plot.left(), layout.legend.right() - kMargin);
    for (int n = 0; n < int(lines.size()); ++n) {
        const double top = layout.legend.top() + 3 + n * layout.legendLineHeight;
        for (qsizetype i = 0; i < lines[n].entries.size(); ++i) {
            const QString& label = lines[n].entries[i].second;
            entries.append(
                { label, QRectF(lines[n].entryX[i], top, legendEntryWidth(metrics, label), layout.legendLineHeight) });
        }
    }
    return entries;
}

void TimelineView::paintLegend(QPainter& painter, const Layout& layout) const
{
    const QColor text = palette().color(QPalette::WindowText);
    painter.setFont(ChartStyle::labelFont());
    const QFontMetricsF metrics(painter.font());
    const double swatch = legendSwatch(metrics);
    const QList<LegendLine> lines = wrappedLegend(layout.plot.left(), layout.legend.right() - kMargin);
    for (int n = 0; n < int(lines.size()); ++n) {
        const LegendLine& line = lines[n];
        const QRectF band(layout.legend.left(), layout.legend.top() + 3 + n * layout.legendLineHeight,
            layout.legend.width(), layout.legendLineHeight);
        const double centre = band.center().y();
        painter.setPen(text);
        if (!line.lead.isEmpty())
            painter.drawText(
                QRectF(layout.plot.left(), band.top(), metrics.horizontalAdvance(line.lead) + 2, band.height()),
                Qt::AlignLeft | Qt::AlignVCenter, line.lead);
        for (qsizetype i = 0; i < line.entries.size(); ++i) {
            const auto& [colour, label] = line.entries[i];
            const double x = line.entryX[i];
            painter.fillRect(QRectF(x, centre - swatch / 2, swatch, swatch), colour);
            painter.setPen(text);
            // An entry wider than the view itself is cut at its edge.
            painter.drawText(
                QRectF(x + swatch + kSwatchGap, band.top(), legendEntryWidth(metrics, label), band.height()),
                Qt::AlignLeft | Qt::AlignVCenter, label);
        }
    }
}

void TimelineView::paintEmpty(QPainter& painter, QSize size) const
{
    const QColor window = palette().color(QPalette::Window);
    const QColor text = palette().color(QPalette::WindowText);
    QFont font = ChartStyle::labelFont();
    font.setPointSizeF(font.pointSizeF() * 1.15);
    painter.setFont(font);
    painter.setPen(ChartStyle::mix(window, text, 0.6));
    const QString message = measurement().backend.isEmpty()
        ? tr("Run an experiment to see its tasks here")
        : tr("%1 recorded no tasks to show").arg(measurement().label());
    painter.drawText(QRect(QPoint(0, 0), size).adjusted(16, 16, -16, -16), Qt::AlignCenter | Qt::TextWordWrap, message);
}

void TimelineView::resizeEvent(QResizeEvent* event)
{
    QAbstractScrollArea::resizeEvent(event);
    updateScrollBars();
}

void TimelineView::changeEvent(QEvent* event)
{
    QAbstractScrollArea::changeEvent(event);
    // Everything is drawn from the palette at paint time; a new one (a dark theme) needs only a repaint.
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange)
        viewport()->update();
}

bool TimelineView::viewportEvent(QEvent* event)
{
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const QString text = toolTipAt(help->pos());
        if (text.isEmpty()) {
            QToolTip::hideText();
            event->ignore();
        } else {
            QToolTip::showText(help->globalPos(), text, viewport());
        }
        return true;
    }
    if (event->type() == QEvent::Leave)
        setHover(-1);
    return QAbstractScrollArea::viewportEvent(event);
}

void TimelineView::wheelEvent(QWheelEvent* event)
{
    if (isEmpty()) {
        event->ignore();
        return;
    }
    const QPoint angle = event->angleDelta();
    const Qt::KeyboardModifiers modifiers = event->modifiers();
    const double plotWidth = viewportLayout().plot.width();
    if (modifiers & Qt::ShiftModifier) {
        // Shift turns the wheel sideways (some platforms already moved the delta to x).
        const int delta = angle.y() != 0 ? angle.y() : angle.x();
        panByPixels(-delta / 120.0 * plotWidth * 0.1);
    } else if (angle.x() != 0 && angle.y() == 0) {
        panByPixels(-angle.x() / 120.0 * plotWidth * 0.1); // a touchpad's sideways swipe
    } else if ((modifiers & Qt::ControlModifier) || verticalScrollBar()->maximum() == 0) {
        // One notch: 1.41x; two notches double.
        zoomAt(event->position().x(), std::pow(2.0, angle.y() / 240.0));
    } else {
        QAbstractScrollArea::wheelEvent(event); // many rows: the wheel scrolls them, Ctrl zooms
        return;
    }
    event->accept();
}

void TimelineView::keyPressEvent(QKeyEvent* event)
{
    if (isEmpty()) {
        QAbstractScrollArea::keyPressEvent(event);
        return;
    }
    const Layout layout = viewportLayout();
    const double centre = layout.plot.center().x();
    switch (event->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal:
        zoomAt(centre, 2);
        break;
    case Qt::Key_Minus:
        zoomAt(centre, 0.5);
        break;
    case Qt::Key_0:
        fit();
        break;
    case Qt::Key_Left:
        panByPixels(-0.1 * layout.plot.width());
        break;
    case Qt::Key_Right:
        panByPixels(0.1 * layout.plot.width());
        break;
    case Qt::Key_Home:
        setView(m_window.bounds().startNs, m_window.span());
        break;
    case Qt::Key_End:
        setView(m_window.bounds().endNs - m_window.span(), m_window.span());
        break;
    default:
        QAbstractScrollArea::keyPressEvent(event);
        return;
    }
    event->accept();
}

void TimelineView::mousePressEvent(QMouseEvent* event)
{
    if (event->button() != Qt::LeftButton || isEmpty()) {
        QAbstractScrollArea::mousePressEvent(event);
        return;
    }
    m_dragging = true;
    m_dragOrigin = event->position().toPoint();
    m_dragViewStart = m_window.start();
    m_dragScrollY = verticalScrollBar()->value();
    viewport()->setCursor(Qt::ClosedHandCursor);
    QToolTip::hideText();
    event->accept();
}

void TimelineView::mouseMoveEvent(QMouseEvent* event)
{
    const QPoint pos = event->position().toPoint();
    if (m_dragging) {
        const double plotWidth = viewportLayout().plot.width();
        setView(m_dragViewStart - (pos.x() - m_dragOrigin.x()) * m_window.nsPerPixel(plotWidth), m_window.span());
        verticalScrollBar()->setValue(m_dragScrollY - (pos.y() - m_dragOrigin.y()));
    } else {
        setHover(itemAt(pos).span);
    }
    event->accept();
}

void TimelineView::mouseReleaseEvent(QMouseEvent* event)
{
    if (event->button() == Qt::LeftButton && m_dragging) {
        m_dragging = false;
        viewport()->unsetCursor();
        event->accept();
        return;
    }
    QAbstractScrollArea::mouseReleaseEvent(event);
}

void TimelineView::setHover(int span)
{
    if (span == m_hoverSpan)
        return;
    m_hoverSpan = span;
    viewport()->update();
}

} // namespace parlab
