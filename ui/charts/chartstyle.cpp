#include "chartstyle.h"

#include "backends/backendregistry.h"
#include "export/formatting.h"
#include "runresult.h"

#include <QAbstractAxis>
#include <QCategoryAxis>
#include <QChart>
#include <QCoreApplication>
#include <QFontMetricsF>
#include <QLegend>
#include <QLegendMarker>
#include <QPalette>
#include <QValueAxis>
#include <algorithm>
#include <cmath>

namespace parlab {

namespace {
constexpr char kHiddenFromLegend[] = "parlabHiddenFromLegend";
} // namespace

QColor ChartStyle::mix(const QColor& from, const QColor& to, double t)
{
    return QColor::fromRgbF(float(from.redF() + (to.redF() - from.redF()) * t),
        float(from.greenF() + (to.greenF() - from.greenF()) * t),
        float(from.blueF() + (to.blueF() - from.blueF()) * t));
}

bool ChartStyle::isDark(const QPalette& palette)
{
    return palette.color(QPalette::Window).lightness() < 128;
}

QColor ChartStyle::color(const Palette::Colour& colour, const QPalette& palette)
{
    return QColor(QRgb(colour.on(isDark(palette))));
}

Qt::PenStyle ChartStyle::penStyle(Palette::LineStyle style)
{
    switch (style) {
    case Palette::LineStyle::Solid:
        return Qt::SolidLine;
    case Palette::LineStyle::Dashed:
        return Qt::DashLine;
    case Palette::LineStyle::Dotted:
        return Qt::DotLine;
    }
    return Qt::SolidLine;
}

QPen ChartStyle::pen(const Palette::Line& line, const QPalette& palette)
{
    QPen pen(color(line.colour, palette), line.width, penStyle(line.style));
    pen.setCapStyle(Qt::FlatCap);
    return pen;
}

QColor ChartStyle::backendColor(const QString& backendId, const QPalette& palette)
{
    return color(Palette::backend(backendId), palette);
}

QColor ChartStyle::referenceColor(const QPalette& palette)
{
    return color(Palette::referenceColour(), palette);
}

QPalette ChartStyle::paperPalette()
{
    const Palette::Paper paper = Palette::paper();
    const QColor background(QRgb(paper.background));
    const QColor text(QRgb(paper.text));
    QPalette palette;
    for (QPalette::ColorRole role : { QPalette::Window, QPalette::Base, QPalette::Button })
        palette.setColor(role, background);
    for (QPalette::ColorRole role : { QPalette::WindowText, QPalette::Text, QPalette::ButtonText })
        palette.setColor(role, text);
    return palette;
}

QFont ChartStyle::titleFont()
{
    QFont font;
    font.setPointSizeF(15);
    font.setBold(true);
    return font;
}

QFont ChartStyle::axisTitleFont()
{
    QFont font;
    font.setPointSizeF(12);
    return font;
}

QFont ChartStyle::labelFont()
{
    QFont font;
    font.setPointSizeF(11);
    return font;
}

void ChartStyle::applyPalette(QChart* chart, const QPalette& palette)
{
    const QColor window = palette.color(QPalette::Window);
    const QColor text = palette.color(QPalette::WindowText);
    const QColor grid = mix(window, text, 0.18);
    const QColor axisLine = mix(window, text, 0.45);

    chart->setBackgroundBrush(window);
    chart->setBackgroundPen(Qt::NoPen);
    chart->setBackgroundRoundness(0);
    chart->setPlotAreaBackgroundVisible(false);
    chart->setTitleBrush(text);
    chart->setTitleFont(titleFont());

    const auto axes = chart->axes();
    for (QAbstractAxis* axis : axes) {
        axis->setLabelsBrush(text);
        axis->setLabelsColor(text);
        axis->setLabelsFont(labelFont());
        axis->setTitleBrush(text);
        axis->setTitleFont(axisTitleFont());
        axis->setGridLineColor(grid);
        axis->setMinorGridLineColor(mix(window, text, 0.08));
        axis->setLinePenColor(axisLine);
    }

    QLegend* legend = chart->legend();
    legend->setLabelColor(text);
    legend->setFont(labelFont());
    legend->setBrush(Qt::NoBrush);
    legend->setPen(Qt::NoPen);
    // Line markers show dashes and dots, so the legend tells the reference lines apart.
    legend->setMarkerShape(QLegend::MarkerShapeFromSeries);
    if (!legend->isAttachedToChart())
        placeLegend(chart); // the font may have changed its size
}

void ChartStyle::hideFromLegend(QChart* chart, QAbstractSeries* series)
{
    // Remembered on the series as well: a marker of a chart not yet shown reads as invisible either way.
    series->setProperty(kHiddenFromLegend, true);
    const auto markers = chart->legend()->markers(series);
    for (QLegendMarker* marker : markers)
        marker->setVisible(false);
}

bool ChartStyle::isHiddenFromLegend(const QAbstractSeries* series)
{
    return series->property(kHiddenFromLegend).toBool();
}

void ChartStyle::detachLegend(QChart* chart)
{
    QLegend* legend = chart->legend();
    legend->detachFromChart();
    legend->setAlignment(Qt::AlignTop); // detached and top-aligned: rows that wrap, top to bottom
    legend->setBackgroundVisible(false);
}

void ChartStyle::placeLegend(QChart* chart)
{
    QLegend* legend = chart->legend();
    const QSizeF chartSize = chart->size();
    if (chartSize.width() < 60 || chartSize.height() < 60)
        return;

    // QLegend's entry geometry (margins 3, spacing 4, a line sample, the label with its document margins),
    // estimated a little wide: QLegend wraps on its own measure, and an entry that wraps where no row was
    // reserved would be clipped.
    const QFontMetricsF metrics(legend->font());
    const qreal sampleWidth = std::max(metrics.height() * 0.75, kMarkerSize) + 2;
    QList<qreal> widths;
    const auto markers = legend->markers();
    for (QLegendMarker* marker : markers) {
        if (marker->series()->property(kHiddenFromLegend).toBool() || marker->label().isEmpty())
            continue;
        // 15% wider than measured: QLegend's own measure of an entry runs wider than this estimate on
        // some fonts, and a row it wraps that was not reserved here is clipped.
        widths.append(1.15 * (metrics.horizontalAdvance(marker->label()) + sampleWidth + 3 + 4 + 3 + 3 + 6 + 8));
    }
    qreal left = 0;
    qreal top = 0;
    qreal right = 0;
    qreal bottom = 0;
    legend->getContentsMargins(&left, &top, &right, &bottom);
    const QMargins chartMargins = chart->margins();
    const qreal available = chartSize.width() - chartMargins.left() - chartMargins.right();

    // The same rule QLegend applies: after an entry, wrap when one more of its width would not fit.
    int rows = widths.isEmpty() ? 0 : 1;
    qreal x = 0;
    const qreal limit = available - left - 2 * right;
    for (qsizetype i = 0; i < widths.size(); ++i) {
        x += widths.at(i);
        if (x + widths.at(i) > limit && i + 1 < widths.size()) {
            x = 0;
            ++rows;
        }
    }
    // The legend's minimum height is one entry's: the row height QLegend will use.
    const qreal entryHeight
        = std::max(metrics.height() + 12, legend->effectiveSizeHint(Qt::MinimumSize).height() - top - bottom);
    const qreal height = rows * entryHeight + top + bottom;
    // The full width in any case: a narrower box would make QLegend wrap where no row was reserved.
    const qreal width = available;
    const qreal spaceBelow = rows > 0 ? height + 8 : 0;
    const int bottomMargin = int(std::ceil(spaceBelow)) + 8;
    if (chartMargins.bottom() != bottomMargin)
        chart->setMargins(QMargins(chartMargins.left(), chartMargins.top(), chartMargins.right(), bottomMargin));
    legend->setGeometry(QRectF(
        chartMargins.left() + (available - width) / 2, chartSize.height() - spaceBelow, width, std::max(height, 1.0)));
    legend->update();
}

namespace {
constexpr char kWorkersMax[] = "parlabWorkersMax";
constexpr char kValueMax[] = "parlabValueMax";
constexpr char kValueMin[] = "parlabValueMin";
constexpr char kWorkersPad[] = "parlabWorkersPad";
constexpr char kLogScale[] = "parlabLogScale";
constexpr char kLogMin[] = "parlabLogMin";
constexpr char kLogMax[] = "parlabLogMax";
constexpr char kLogPad[] = "parlabLogPad";

// How many tick labels fit along the plot without QtCharts eliding them to "...".
int tickBudget(const QChart* chart, const QValueAxis* axis, Qt::Orientation orientation)
{
    const QFontMetricsF metrics(axis->labelsFont());
    const QRectF plot = chart->plotArea();
    if (orientation == Qt::Vertical) {
        const qreal length = plot.height() > 20 ? plot.height() : 400;
        return std::clamp(int(length / (metrics.height() * 1.8)), 2, 10);
    }
    const qreal length = plot.width() > 20 ? plot.width() : 600;
    return std::clamp(int(length / (metrics.horizontalAdvance(QStringLiteral("0000")) * 1.5)), 2, 12);
}

// Changes an axis's range and tick spacing without ever laying it out with the old interval over the new
// range: from 0..10 ms in 1 ms steps to 0..1000 ms, QtCharts would otherwise build a thousand labels in
// between, a UI stall of hundreds of milliseconds.
void setTicks(QValueAxis* axis, double min, double max, double anchor, double interval)
{
    if (axis->tickType() == QValueAxis::TicksDynamic && axis->min() == min && axis->max() == max
        && axis->tickAnchor() == anchor && axis->tickInterval() == interval)
        return;
    axis->setTickType(QValueAxis::TicksFixed);
    axis->setRange(min, max);
    axis->setTickAnchor(anchor);
    axis->setTickInterval(interval);
    axis->setTickType(QValueAxis::TicksDynamic);
}

void applyWorkersRange(const QChart* chart, QValueAxis* axis, int maxWorkers, double padFraction)
{
    // A single worker count still needs a width to draw lines over.
    const int top = std::max(2, maxWorkers);
    const int budget = tickBudget(chart, axis, Qt::Horizontal);
    int step = 1;
    while ((top - 1) / step > budget)
        step *= 2;
    // A little room either side so the first and last markers are not cut in half by the plot's edge.
    const double pad = padFraction * (top - 1);
    // Anchored at 0 so wide ranges tick at 2, 4, 8, ..., the worker counts people pick.
    setTicks(axis, 1 - pad, top + pad, step == 1 ? 1 : 0, step);
    axis->setLabelFormat(QStringLiteral("%d"));
    axis->setMinorTickCount(0);
}

void applyValueRange(const QChart* chart, QValueAxis* axis, double maxValue, double minValue)
{
    if (!std::isfinite(maxValue) || maxValue <= 0)
        maxValue = 1;
    if (!std::isfinite(minValue) || minValue > 0)
        minValue = 0;
    const double target = maxValue * 1.06;
    const double floor = minValue * 1.06;
    const int budget = tickBudget(chart, axis, Qt::Vertical);
    // Steps of 1, 2, 2.5 or 5 times a power of ten.
    const double span = target - floor;
    const double magnitude = std::pow(10.0, std::floor(std::log10(span / budget)));
    double step = magnitude;
    for (double factor : { 1.0, 2.0, 2.5, 5.0, 10.0 }) {
        step = factor * magnitude;
        if (span / step <= budget)
            break;
    }
    const double top = std::ceil(target / step - 1e-9) * step;
    const double bottom = std::floor(floor / step + 1e-9) * step;
    setTicks(axis, bottom, top, 0, step);
    int decimals = 0;
    while (
        decimals < 6 && std::abs(step * std::pow(10.0, decimals) - std::round(step * std::pow(10.0, decimals))) > 1e-6)
        ++decimals;
    axis->setLabelFormat(QStringLiteral("%.%1f").arg(decimals));
}

void applyLogRange(
    const QChart* chart, QCategoryAxis* axis, ChartStyle::Scale scale, double minValue, double maxValue, double pad)
{
    const Qt::Orientation orientation = axis->orientation();
    const double low = ChartStyle::toAxis(minValue, scale);
    const double high = ChartStyle::toAxis(maxValue, scale);
    // At least a third of a decade (or one doubling): a single value still gets an axis around it.
    const double minimumSpan = scale == ChartStyle::Scale::Log2 ? 1.0 : 0.5;
    const double centre = (low + high) / 2;
    const double span = std::max(high - low, minimumSpan);
    const double from = centre - span / 2 - pad * span;
    const double to = centre + span / 2 + pad * span;
    const QList<double> ticks = ChartStyle::logTicks(ChartStyle::fromAxis(from, scale), ChartStyle::fromAxis(to, scale),
        scale, tickBudget(chart, axis, orientation));

    // Relabelled only when the labels change: a streaming run sets the same range many times a second.
    QStringList labels;
    for (double tick : ticks)
        labels.append(ChartStyle::number(tick));
    if (axis->categoriesLabels() != labels || axis->startValue() != from) {
        const QStringList old = axis->categoriesLabels();
        for (const QString& label : old)
            axis->remove(label);
        axis->setStartValue(from);
        for (qsizetype i = 0; i < ticks.size(); ++i)
            axis->append(labels.at(i), ChartStyle::toAxis(ticks.at(i), scale));
    }
    if (axis->min() != from || axis->max() != to)
        axis->setRange(from, to);
}
} // namespace

double ChartStyle::toAxis(double value, Scale scale)
{
    switch (scale) {
    case Scale::Linear:
        return value;
    case Scale::Log2:
        return std::log2(value);
    case Scale::Log10:
        return std::log10(value);
    }
    return value;
}

double ChartStyle::fromAxis(double axisValue, Scale scale)
{
    switch (scale) {
    case Scale::Linear:
        return axisValue;
    case Scale::Log2:
        return std::exp2(axisValue);
    case Scale::Log10:
        return std::pow(10.0, axisValue);
    }
    return axisValue;
}

QList<double> ChartStyle::logTicks(double minValue, double maxValue, Scale scale, int budget)
{
    QList<double> ticks;
    if (!(minValue > 0) || !(maxValue >= minValue) || !std::isfinite(maxValue) || scale == Scale::Linear)
        return ticks;
    // A hair of tolerance, so that a range ending exactly at 16 keeps its 16.
    const double low = minValue * (1 - 1e-9);
    const double high = maxValue * (1 + 1e-9);
    if (scale == Scale::Log2) {
        // Whole workers only: powers of two from 1, every second or fourth one when they do not fit.
        const int first = std::max(0, int(std::ceil(std::log2(low))));
        const int last = int(std::floor(std::log2(high)));
        int stride = 1;
        while ((last - first) / stride + 1 > std::max(2, budget))
            stride *= 2;
        for (int k = first; k <= last; k += stride)
            ticks.append(std::exp2(k));
        return ticks;
    }
    const int first = int(std::floor(std::log10(low)));
    const int last = int(std::ceil(std::log10(high)));
    auto collect = [&](std::initializer_list<double> mantissas, int stride) {
        QList<double> values;
        for (int k = first; k <= last; ++k) {
            if ((k - first) % stride != 0 && mantissas.size() == 1)
                continue;
            for (double mantissa : mantissas) {
                const double value = mantissa * std::pow(10.0, k);
                if (value >= low && value <= high)
                    values.append(value);
            }
        }
        return values;
    };
    // The finest set that fits: every digit in a short range, then 1-2-5, then the decades, then every other one.
    ticks = collect({ 1, 2, 3, 4, 5, 6, 7, 8, 9 }, 1);
    if (ticks.size() > budget)
        ticks = collect({ 1, 2, 5 }, 1);
    if (ticks.size() > budget)
        ticks = collect({ 1 }, 1);
    for (int stride = 2; ticks.size() > budget && stride < 64; stride *= 2)
        ticks = collect({ 1 }, stride);
    return ticks;
}

QString ChartStyle::number(double value)
{
    return Format::number(value, 3);
}

void ChartStyle::setLogRange(
    QChart* chart, QCategoryAxis* axis, Scale scale, double minValue, double maxValue, double pad)
{
    axis->setProperty(kLogScale, int(scale));
    axis->setProperty(kLogMin, minValue);
    axis->setProperty(kLogMax, maxValue);
    axis->setProperty(kLogPad, pad);
    axis->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
    applyLogRange(chart, axis, scale, minValue, maxValue, pad);
}

void ChartStyle::setWorkersRange(QChart* chart, QValueAxis* axis, int maxWorkers, double pad)
{
    axis->setProperty(kWorkersMax, maxWorkers);
    axis->setProperty(kWorkersPad, pad);
    applyWorkersRange(chart, axis, maxWorkers, pad);
}

void ChartStyle::setValueRange(QChart* chart, QValueAxis* axis, double maxValue, double minValue)
{
    axis->setProperty(kValueMax, maxValue);
    axis->setProperty(kValueMin, minValue);
    applyValueRange(chart, axis, maxValue, minValue);
}

void ChartStyle::refitAxes(QChart* chart)
{
    // New tick labels can change the plot area again; one pass is enough, and must not recurse.
    static bool refitting = false;
    if (refitting)
        return;
    refitting = true;
    const auto axes = chart->axes();
    for (QAbstractAxis* abstractAxis : axes) {
        if (auto* log = qobject_cast<QCategoryAxis*>(abstractAxis); log && log->property(kLogScale).isValid()) {
            applyLogRange(chart, log, Scale(log->property(kLogScale).toInt()), log->property(kLogMin).toDouble(),
                log->property(kLogMax).toDouble(), log->property(kLogPad).toDouble());
            continue;
        }
        auto* axis = qobject_cast<QValueAxis*>(abstractAxis);
        if (!axis)
            continue;
        if (const QVariant workers = axis->property(kWorkersMax); workers.isValid())
            applyWorkersRange(chart, axis, workers.toInt(), axis->property(kWorkersPad).toDouble());
        else if (const QVariant value = axis->property(kValueMax); value.isValid())
            applyValueRange(chart, axis, value.toDouble(), axis->property(kValueMin).toDouble());
    }
    refitting = false;
}

namespace {
constexpr char kTitle[] = "parlabTitle";
constexpr char kTitleHidden[] = "parlabTitleHidden";
constexpr char kTitleNote[] = "parlabTitleNote";
} // namespace

void ChartStyle::setTitle(QChart* chart, const QString& title, const QString& note)
{
    chart->setProperty(kTitle, title);
    chart->setProperty(kTitleNote, note);
    const QString small = note.isEmpty() ? QString() : QStringLiteral("<small>%1</small>").arg(note.toHtmlEscaped());
    QString drawn;
    if (isTitleShown(chart))
        drawn = small.isEmpty() ? title : title.toHtmlEscaped() + QStringLiteral("<br>") + small;
    else
        drawn = small;
    if (chart->title() != drawn) // an unchanged title costs no new layout while a run streams
        chart->setTitle(drawn);
}

QString ChartStyle::titleOf(const QChart* chart)
{
    const QVariant kept = chart->property(kTitle);
    return kept.isValid() ? kept.toString() : chart->title();
}

void ChartStyle::setTitleShown(QChart* chart, bool shown)
{
    const QString title = titleOf(chart);
    chart->setProperty(kTitleHidden, !shown);
    setTitle(chart, title, chart->property(kTitleNote).toString());
}

bool ChartStyle::isTitleShown(const QChart* chart)
{
    return !chart->property(kTitleHidden).toBool();
}

QString ChartStyle::title(const QString& subject, const RunResult& result)
{
    if (result.spec.kernel.isEmpty())
        return subject;
    const qsizetype inputs = result.spec.inputs.size();
    return QCoreApplication::translate("ChartStyle", "%1: %2 on %3 %4")
        .arg(subject, result.spec.kernel, QString::number(inputs),
            inputs == 1 ? QCoreApplication::translate("ChartStyle", "input")
                        : QCoreApplication::translate("ChartStyle", "inputs"));
}

bool ChartStyle::usesWorkers(const QString& backendId)
{
    return BackendRegistry::usesWorkers(backendId);
}

} // namespace parlab
