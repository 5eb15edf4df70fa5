#include "svgcharts.h"

#include "backends/backendregistry.h"
#include "formatting.h"
#include "measurement.h"
#include "palette.h"
#include "runresult.h"
#include "stats/losses.h"
#include "stats/schedule.h"
#include "sweep.h"
#include "taskspan.h"
#include "timeline/taskstates.h"
#include "timeline/timeaxis.h"
#include "timeline/timelinemodel.h"
#include "timeline/timewindow.h"
#include "unknown.h"
#include "workerplacement.h"

#include <QHash>
#include <QMap>
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

namespace parlab {

namespace {
constexpr double kCharWidth = 6.6; // average advance of the 12 px chart font, for laying out labels

QString num(double value)
{
    return QString::number(value, 'f', 1);
}

QString svgOpen(double width, double height, const QString& label)
{
    return QStringLiteral("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 %1 %2\" "
                          "width=\"%1\" height=\"%2\" role=\"img\" aria-label=\"%3\">\n")
        .arg(num(width), num(height), SvgCharts::escape(label));
}

QString text(double x, double y, const QString& content, const QString& cls = {}, const QString& anchor = {})
{
    QString attributes;
    if (!cls.isEmpty())
        attributes += QStringLiteral(" class=\"%1\"").arg(cls);
    if (!anchor.isEmpty())
        attributes += QStringLiteral(" text-anchor=\"%1\"").arg(anchor);
    return QStringLiteral("<text x=\"%1\" y=\"%2\"%3>%4</text>\n")
        .arg(num(x), num(y), attributes, SvgCharts::escape(content));
}

QString line(double x1, double y1, double x2, double y2, const QString& cls)
{
    return QStringLiteral("<line x1=\"%1\" y1=\"%2\" x2=\"%3\" y2=\"%4\" class=\"%5\"/>\n")
        .arg(num(x1), num(y1), num(x2), num(y2), cls);
}

QString tooltip(const QString& content)
{
    return QStringLiteral("<title>%1</title>").arg(SvgCharts::escape(content));
}

// 1, 2 or 5 times a power of ten, so that about `target` steps span `range`.
double niceStep(double range, int target)
{
    if (!(range > 0))
        return 1;
    const double raw = range / target;
    const double power = std::pow(10.0, std::floor(std::log10(raw)));
    const double fraction = raw / power;
    return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

// A value axis from zero to a round number at or above `max`.
struct ValueAxis {
    double max = 1;
    double step = 1;
    double pixelBottom = 0;
    double pixelTop = 0;

    ValueAxis(double dataMax, double bottom, double top)
        : pixelBottom(bottom)
        , pixelTop(top)
    {
        if (!(dataMax > 0) || !std::isfinite(dataMax))
            dataMax = 1;
        step = niceStep(dataMax, 5);
        max = std::ceil(dataMax / step - 1e-9) * step;
    }
    double map(double v) const { return pixelBottom - (pixelBottom - pixelTop) * (v / max); }
    QList<double> ticks() const
    {
        QList<double> result;
        for (int i = 0; i * step <= max * (1 + 1e-9); ++i)
            result.append(i * step);
        return result;
    }
};

// Worker counts: logarithmic once they span a factor of 8 (1, 2, 4, ... 64 spread evenly), else linear.
struct WorkerAxis {
    QList<int> values;
    bool logarithmic = false;
    double lo = 0, hi = 1;
    double pixelLeft = 0, pixelRight = 1;

    WorkerAxis(QList<int> workers, double left, double right)
        : values(std::move(workers))
        , pixelLeft(left)
        , pixelRight(right)
    {
        std::sort(values.begin(), values.end());
        values.erase(std::unique(values.begin(), values.end()), values.end());
        if (values.isEmpty())
            values = { 1 };
        logarithmic = values.first() > 0 && double(values.last()) / values.first() >= 8;
        lo = position(values.first());
        hi = position(values.last());
        if (hi - lo < 1e-9) {
            lo -= 0.5;
            hi += 0.5;
        }
    }
    double position(double w) const { return logarithmic ? std::log2(w) : w; }
    double map(double w) const { return pixelLeft + (pixelRight - pixelLeft) * (position(w) - lo) / (hi - lo); }
    // Labelled counts: all of them, or every k-th (first and last always) when they would crowd.
    QList<int> ticks() const
    {
        const qsizetype room = std::max<qsizetype>(2, qsizetype((pixelRight - pixelLeft) / 36));
        if (values.size() <= room)
            return values;
        const qsizetype every = (values.size() + room - 1) / room;
        QList<int> result;
        for (qsizetype i = 0; i < values.size(); i += every)
            result.append(values[i]);
        if (result.last() != values.last())
            result.append(values.last());
        return result;
    }
};

struct LegendItem {
    QString label;
    QString seriesClass; // empty for the bound and ideal lines
    QString lineClass;
};

// Legend rows under the plot; returns their height and appends the SVG.
double legend(QString& svg, const QList<LegendItem>& items, double left, double right, double top)
{
    double x = left, y = top + 12;
    for (const LegendItem& item : items) {
        const double width = 30 + double(item.label.size()) * kCharWidth + 18;
        if (x + width > right && x > left) {
            x = left;
            y += 18;
        }
        svg += item.seriesClass.isEmpty() ? QStringLiteral("<g>")
                                          : QStringLiteral("<g class=\"%1\">").arg(item.seriesClass);
        svg += line(x, y - 4, x + 24, y - 4, item.lineClass);
        svg += text(x + 30, y, item.label);
        svg += QStringLiteral("</g>\n");
        x += width;
    }
    return items.isEmpty() ? 0 : y - top + 8;
}

void valueGrid(
    QString& svg, const ValueAxis& axis, double left, double right, const std::function<QString(double)>& label)
{
    for (double tick : axis.ticks()) {
        const double y = axis.map(tick);
        svg += line(left, y, right, y, QStringLiteral("grid"));
        svg += text(left - 6, y + 4, label(tick), QStringLiteral("tick"), QStringLiteral("end"));
    }
}

void workerTicks(QString& svg, const WorkerAxis& axis, double bottom)
{
    svg += line(axis.pixelLeft - 12, bottom, axis.pixelRight + 12, bottom, QStringLiteral("axis"));
    for (int w : axis.ticks()) {
        const double x = axis.map(w);
        svg += line(x, bottom, x, bottom + 4, QStringLiteral("axis"));
        svg += text(x, bottom + 17, QString::number(w), QStringLiteral("tick"), QStringLiteral("middle"));
    }
}

QList<int> workerCounts(const RunResult& result)
{
    QList<int> counts;
    for (const Measurement& m : result.measurements) {
        if (!m.samplesS.isEmpty())
            counts.append(m.workers);
    }
    return counts;
}

// Seconds as a tick label: "0", "250 ms", "1.5 s".
QString timeTick(double seconds, double step)
{
    if (seconds == 0)
        return QStringLiteral("0");
    if (step >= 1.0)
        return QString::number(seconds, 'g', 6) + QStringLiteral(" s");
    if (step >= 1e-3)
        return QString::number(seconds * 1e3, 'g', 6) + QStringLiteral(" ms");
    return QString::number(seconds * 1e6, 'g', 6) + QStringLiteral(" µs");
}

// Plot frame shared by the two worker charts.
// About the width a chart gets in the report's two-column grid, so that its text keeps its size.
constexpr double kChartWidth = 480;
constexpr double kPlotLeft = 66;
constexpr double kPlotRight = kChartWidth - 14;
constexpr double kPlotTop = 14;
constexpr double kPlotBottom = 250;

// The measurements of `backend` whose `figure` is known, by worker count: one line of a chart against workers.
QList<const Measurement*> pointsOf(const RunResult& result, const QString& backend, double Measurement::*figure)
{
    QList<const Measurement*> points;
    for (const Measurement& m : result.measurements) {
        if (m.backend == backend && std::isfinite(m.*figure))
            points.append(&m);
    }
    std::sort(points.begin(), points.end(),
        [](const Measurement* a, const Measurement* b) { return a->workers < b->workers; });
    return points;
}

QString finishChart(const QString& body, const QString& label, const QList<LegendItem>& items, const QString& xTitle,
    const QString& yTitle)
{
    QString tail;
    tail += text(
        (kPlotLeft + kPlotRight) / 2, kPlotBottom + 34, xTitle, QStringLiteral("title"), QStringLiteral("middle"));
    tail += QStringLiteral(
        "<text class=\"title\" text-anchor=\"middle\" transform=\"translate(14 %1) rotate(-90)\">%2</text>\n")
                .arg(num((kPlotTop + kPlotBottom) / 2), SvgCharts::escape(yTitle));
    const double legendHeight = legend(tail, items, kPlotLeft, kPlotRight, kPlotBottom + 44);
    return svgOpen(kChartWidth, kPlotBottom + 48 + legendHeight, label) + body + tail + QStringLiteral("</svg>\n");
}
} // namespace

QString SvgCharts::escape(const QString& text)
{
    QString out;
    out.reserve(text.size() + text.size() / 8);
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text[i];
        const char16_t u = c.unicode();
        if (c.isHighSurrogate() && i + 1 < text.size() && text[i + 1].isLowSurrogate()) {
            out += c;
            out += text[++i];
            continue;
        }
        if (c.isSurrogate() || u == 0xFFFE || u == 0xFFFF || (u < 0x20 && u != 0x09 && u != 0x0A && u != 0x0D))
            continue; // XML 1.0 cannot hold these at all, not even as references
        switch (u) {
        case u'&':
            out += QStringLiteral("&amp;");
            break;
        case u'<':
            out += QStringLiteral("&lt;");
            break;
        case u'>':
            out += QStringLiteral("&gt;");
            break;
        case u'"':
            out += QStringLiteral("&quot;");
            break;
        case u'\'':
            out += QStringLiteral("&#39;");
            break;
        default:
            out += c;
        }
    }
    return out;
}

QStringList SvgCharts::backendsInOrder(const RunResult& result)
{
    QStringList order;
    for (const Measurement& m : result.measurements) {
        if (!order.contains(m.backend))
            order.append(m.backend);
    }
    return order;
}

QString SvgCharts::seriesClass(const RunResult& result, const QString& backend)
{
    // An index into this document's backends, not a colour: styleSheet(result) gives each the palette's colour
    // of its id, so a backend has the same colour in the report as in the window whatever ran before it.
    const qsizetype index = std::max<qsizetype>(0, backendsInOrder(result).indexOf(backend));
    return QStringLiteral("series%1").arg(index);
}

QString SvgCharts::speedupChart(const RunResult& result)
{
    double top = 1;
    bool any = false;
    for (const Measurement& m : result.measurements) {
        if (std::isfinite(m.speedup)) {
            any = true;
            top = std::max({ top, m.speedup, std::isfinite(m.speedupHigh) ? m.speedupHigh : 0.0 });
        }
    }
    if (!any)
        return {};
    QList<int> counts = workerCounts(result);
    // Each backend's predicted speedups, drawn dashed beside its measured ones, a little beyond them.
    QHash<QString, QList<Schedule::CurvePoint>> predicted;
    for (const QString& backend : backendsInOrder(result)) {
        const QList<Schedule::CurvePoint> curve = Schedule::predictedCurve(result, backend);
        for (const Schedule::CurvePoint& p : curve) {
            if (std::isfinite(p.speedup)) {
                counts.append(p.workers);
                top = std::max(top, p.speedup);
            }
        }
        if (!curve.isEmpty())
            predicted.insert(backend, curve);
    }
    for (auto it = result.bounds.lpt.cbegin(); it != result.bounds.lpt.cend(); ++it) {
        if (std::isfinite(it.value()) && counts.contains(it.key()))
            top = std::max(top, it.value());
    }
    const WorkerAxis x(counts, kPlotLeft + 16, kPlotRight - 16);
    const ValueAxis y(top * 1.08, kPlotBottom, kPlotTop);

    QString body;
    valueGrid(body, y, kPlotLeft, kPlotRight, [](double v) { return Format::speedup(v, v == std::floor(v) ? 0 : 1); });
    workerTicks(body, x, kPlotBottom);

    // Ideal speedup (= workers), cut where it leaves the plot.
    QStringList ideal;
    const double first = x.values.first(), last = x.values.last();
    for (int i = 0; i <= 48; ++i) {
        const double w = x.logarithmic ? first * std::pow(last / first, i / 48.0) : first + (last - first) * i / 48.0;
        if (w > y.max) {
            ideal.append(num(x.map(y.max)) + QLatin1Char(',') + num(y.map(y.max)));
            break;
        }
        ideal.append(num(x.map(w)) + QLatin1Char(',') + num(y.map(w)));
    }
    body += QStringLiteral("<polyline class=\"ideal\" points=\"%1\">%2</polyline>\n")
                .arg(ideal.join(QLatin1Char(' ')), tooltip(QStringLiteral("ideal: speedup = workers")));

    // The lpt bound at the measured worker counts.
    QStringList bound;
    QString boundDots;
    for (int w : x.values) {
        const double b = result.bounds.lpt.value(w, kUnknown);
        if (!std::isfinite(b))
            continue;
        bound.append(num(x.map(w)) + QLatin1Char(',') + num(y.map(b)));
        boundDots += QStringLiteral("<circle class=\"bounddot\" cx=\"%1\" cy=\"%2\" r=\"3\">%3</circle>\n")
                         .arg(num(x.map(w)), num(y.map(b)),
                             tooltip(QStringLiteral("lpt bound at %1 worker%2: %3")
                                         .arg(w)
                                         .arg(w == 1 ? QString() : QStringLiteral("s"))
                                         .arg(Format::speedup(b))));
    }
    QList<LegendItem> items;
    if (!bound.isEmpty()) {
        body += QStringLiteral("<polyline class=\"bound\" points=\"%1\"/>\n").arg(bound.join(QLatin1Char(' ')));
        body += boundDots;
    }

    for (const QString& backend : backendsInOrder(result)) {
        // A baseline's speedup is 1 by definition: the window leaves it out of this chart too.
        if (!BackendRegistry::usesWorkers(backend))
            continue;
        const QList<const Measurement*> points = pointsOf(result, backend, &Measurement::speedup);
        if (points.isEmpty())
            continue;
        const QString cls = seriesClass(result, backend);
        body += QStringLiteral("<g class=\"%1\">\n").arg(cls);
        // Under the measured line: the prediction, one dashed line whose title lists its figures.
        QStringList dashed, figures;
        for (const Schedule::CurvePoint& p : predicted.value(backend)) {
            if (!std::isfinite(p.speedup))
                continue;
            dashed.append(num(x.map(p.workers)) + QLatin1Char(',') + num(y.map(p.speedup)));
            figures.append(QStringLiteral("x%1 %2").arg(p.workers).arg(Format::speedup(p.speedup)));
        }
        const bool drawsPrediction = dashed.size() > 1;
        if (drawsPrediction)
            body += QStringLiteral("<polyline class=\"predicted\" points=\"%1\">%2</polyline>\n")
                        .arg(dashed.join(QLatin1Char(' ')),
                            tooltip(QStringLiteral("%1 predicted (schedule simulation): %2")
                                        .arg(backend, figures.join(QStringLiteral(", ")))));
        QStringList polyline;
        for (const Measurement* m : std::as_const(points))
            polyline.append(num(x.map(m->workers)) + QLatin1Char(',') + num(y.map(m->speedup)));
        if (points.size() > 1)
            body += QStringLiteral("<polyline class=\"line\" points=\"%1\"/>\n").arg(polyline.join(QLatin1Char(' ')));
        for (const Measurement* m : std::as_const(points)) {
            const double px = x.map(m->workers);
            QString tip = QStringLiteral("%1: %2 %3")
                              .arg(m->label(), Format::figureNames(result.spec.options.scaling).speedup,
                                  Format::speedup(m->speedup));
            if (std::isfinite(m->speedupLow) && std::isfinite(m->speedupHigh)) {
                body += line(px, y.map(m->speedupLow), px, y.map(m->speedupHigh), QStringLiteral("whisker"));
                tip += QStringLiteral(" [95% CI %1, %2]")
                           .arg(Format::ratio(m->speedupLow), Format::ratio(m->speedupHigh));
            }
            tip += QStringLiteral(", %1 %2").arg(
                Format::figureNames(result.spec.options.scaling).efficiency, Format::percent(m->efficiency));
            body += QStringLiteral("<circle class=\"dot\" cx=\"%1\" cy=\"%2\" r=\"4\">%3</circle>\n")
                        .arg(num(px), num(y.map(m->speedup)), tooltip(tip));
        }
        body += QStringLiteral("</g>\n");
        items.append({ backend, cls, QStringLiteral("line") });
        if (drawsPrediction)
            items.append({ QStringLiteral("%1 predicted").arg(backend), cls, QStringLiteral("predicted") });
    }
    if (!bound.isEmpty())
        items.append({ QStringLiteral("lpt bound"), QString(), QStringLiteral("bound") });
    items.append({ QStringLiteral("ideal"), QString(), QStringLiteral("ideal") });
    const Format::FigureNames& names = Format::figureNames(result.spec.options.scaling);
    return finishChart(body, Format::capitalised(names.speedup) + QStringLiteral(" against workers"), items,
        QStringLiteral("workers"), names.speedup);
}

QString SvgCharts::efficiencyChart(const RunResult& result)
{
    const Format::FigureNames& names = Format::figureNames(result.spec.options.scaling);
    double top = 1;
    bool any = false;
    for (const Measurement& m : result.measurements) {
        if (BackendRegistry::usesWorkers(m.backend) && std::isfinite(m.efficiency)) {
            any = true;
            top = std::max({ top, m.efficiency, std::isfinite(m.speedupHigh) ? m.speedupHigh / m.workers : 0.0 });
        }
    }
    if (!any)
        return {};
    const WorkerAxis x(workerCounts(result), kPlotLeft + 16, kPlotRight - 16);
    const ValueAxis y(top * 100 * 1.08, kPlotBottom, kPlotTop);
    QString body;
    valueGrid(body, y, kPlotLeft, kPlotRight, [](double v) { return QString::number(v) + QLatin1Char('%'); });
    workerTicks(body, x, kPlotBottom);
    body += QStringLiteral("<polyline class=\"ideal\" points=\"%1,%2 %3,%2\">%4</polyline>\n")
                .arg(num(x.pixelLeft - 12), num(y.map(100)), num(x.pixelRight + 12),
                    tooltip(QStringLiteral("ideal: 100%")));
    QList<LegendItem> items;
    for (const QString& backend : backendsInOrder(result)) {
        // A baseline's efficiency is 100% by definition, as its speedup is 1: left out like the speedup chart's.
        if (!BackendRegistry::usesWorkers(backend))
            continue;
        const QList<const Measurement*> points = pointsOf(result, backend, &Measurement::efficiency);
        if (points.isEmpty())
            continue;
        const QString cls = seriesClass(result, backend);
        body += QStringLiteral("<g class=\"%1\">\n").arg(cls);
        QStringList polyline;
        for (const Measurement* m : std::as_const(points))
            polyline.append(num(x.map(m->workers)) + QLatin1Char(',') + num(y.map(100 * m->efficiency)));
        if (points.size() > 1)
            body += QStringLiteral("<polyline class=\"line\" points=\"%1\"/>\n").arg(polyline.join(QLatin1Char(' ')));
        for (const Measurement* m : std::as_const(points)) {
            const double px = x.map(m->workers);
            if (std::isfinite(m->speedupLow) && std::isfinite(m->speedupHigh))
                body += line(px, y.map(100 * m->speedupLow / m->workers), px, y.map(100 * m->speedupHigh / m->workers),
                    QStringLiteral("whisker"));
            body += QStringLiteral("<circle class=\"dot\" cx=\"%1\" cy=\"%2\" r=\"4\">%3</circle>\n")
                        .arg(num(px), num(y.map(100 * m->efficiency)),
                            tooltip(QStringLiteral("%1: %2 %3")
                                        .arg(m->label(), names.efficiency, Format::percent(m->efficiency))));
        }
        body += QStringLiteral("</g>\n");
        items.append({ backend, cls, QStringLiteral("line") });
    }
    items.append({ QStringLiteral("ideal"), QString(), QStringLiteral("ideal") });
    return finishChart(body, Format::capitalised(names.efficiency) + QStringLiteral(" against workers"), items,
        QStringLiteral("workers"), names.efficiency + QStringLiteral(" (%)"));
}

namespace {
// A logarithmic axis over whole decades around [lo, hi], mapped to pixels from `from` to `to`.
struct LogAxis {
    double lo = 0, hi = 1; // log10 of the ends
    double from = 0, to = 1;

    LogAxis(double dataLo, double dataHi, double pixelFrom, double pixelTo)
        : lo(std::floor(std::log10(dataLo) + 1e-9))
        , hi(std::ceil(std::log10(dataHi) - 1e-9))
        , from(pixelFrom)
        , to(pixelTo)
    {
        if (hi <= lo)
            hi = lo + 1;
    }
    double map(double v) const { return from + (to - from) * (std::log10(v) - lo) / (hi - lo); }
    // 1, 2 and 5 times each power of ten while there are few decades, else the powers alone.
    QList<double> ticks() const
    {
        QList<double> result;
        for (int e = int(lo); e <= int(hi); ++e) {
            for (double m : { 1.0, 2.0, 5.0 }) {
                if ((m == 1.0 || hi - lo <= 2) && e + std::log10(m) <= hi + 1e-9)
                    result.append(m * std::pow(10.0, e));
            }
        }
        return result;
    }
};

QString tickText(double v)
{
    return QString::number(v, 'g', 6);
}
} // namespace

QString SvgCharts::sweepChart(const SweepResult& sweep)
{
    const QList<SweepSeries> all = sweep.series();
    double lo = std::numeric_limits<double>::infinity(), hi = 1;
    for (const SweepSeries& s : all) {
        for (qsizetype i = 0; i < s.speedup.size(); ++i) {
            if (std::isfinite(s.speedup[i]) && s.speedup[i] > 0) {
                lo = std::min(lo, s.speedup[i]);
                hi = std::max({ hi, s.speedup[i], s.ideal[i] });
            }
        }
    }
    if (!std::isfinite(lo) || sweep.spec.sizesMs.isEmpty() || sweep.points.isEmpty())
        return {};
    const RunResult& styleSource = sweep.points.constFirst().run;
    const LogAxis x(sweep.spec.sizesMs.constFirst(), sweep.spec.sizesMs.constLast(), kPlotLeft + 16, kPlotRight - 24);
    const LogAxis y(std::min(lo, 1.0), hi * 1.1, kPlotBottom, kPlotTop);

    QString body;
    for (double tick : y.ticks()) {
        body += line(kPlotLeft, y.map(tick), kPlotRight, y.map(tick), QStringLiteral("grid"));
        body += text(kPlotLeft - 6, y.map(tick) + 4, tickText(tick) + QStringLiteral("x"), QStringLiteral("tick"),
            QStringLiteral("end"));
    }
    body += line(kPlotLeft, kPlotBottom, kPlotRight, kPlotBottom, QStringLiteral("axis"));
    for (double tick : x.ticks()) {
        body += line(x.map(tick), kPlotBottom, x.map(tick), kPlotBottom + 4, QStringLiteral("axis"));
        body += text(x.map(tick), kPlotBottom + 17, tickText(tick), QStringLiteral("tick"), QStringLiteral("middle"));
    }

    // The ideal of each worker count: the same at every size (the tasks' count does not change).
    QList<int> idealDrawn;
    for (const SweepSeries& s : all) {
        if (s.ideal.isEmpty() || idealDrawn.contains(s.workers) || !std::isfinite(s.ideal.constFirst()))
            continue;
        idealDrawn.append(s.workers);
        const double iy = y.map(s.ideal.constFirst());
        body += QStringLiteral("<polyline class=\"ideal\" points=\"%1,%2 %3,%2\">%4</polyline>\n")
                    .arg(num(x.map(sweep.spec.sizesMs.constFirst())), num(iy),
                        num(x.map(sweep.spec.sizesMs.constLast())),
                        tooltip(QStringLiteral("ideal at %1 worker%2: %3")
                                    .arg(s.workers)
                                    .arg(s.workers == 1 ? QString() : QStringLiteral("s"))
                                    .arg(Format::speedup(s.ideal.constFirst()))));
    }

    QList<LegendItem> items;
    QStringList legendBackends;
    for (const SweepSeries& s : all) {
        const QString cls = seriesClass(styleSource, s.backend);
        const QString label = QStringLiteral("%1 x%2").arg(s.backend).arg(s.workers);
        QStringList points;
        QString dots;
        double lastX = 0, lastY = 0;
        for (qsizetype i = 0; i < s.speedup.size(); ++i) {
            if (!(std::isfinite(s.speedup[i]) && s.speedup[i] > 0))
                continue;
            lastX = x.map(sweep.spec.sizesMs[i]);
            lastY = y.map(s.speedup[i]);
            points.append(num(lastX) + QLatin1Char(',') + num(lastY));
            dots += QStringLiteral("<circle class=\"dot\" cx=\"%1\" cy=\"%2\" r=\"3\">%3</circle>\n")
                        .arg(num(lastX), num(lastY),
                            tooltip(QStringLiteral("%1 at %2 ms: speedup %3")
                                        .arg(label, formatSize(sweep.spec.sizesMs[i]), Format::speedup(s.speedup[i]))));
        }
        if (points.isEmpty())
            continue;
        // A backend's smaller worker counts lighter, as the window draws them; each line's end names its count.
        int belowLargest = 0;
        for (int w : sweep.spec.base.workers)
            belowLargest += w > s.workers ? 1 : 0;
        body += belowLargest == 0
            ? QStringLiteral("<g class=\"%1\">\n").arg(cls)
            : QStringLiteral("<g class=\"%1\" opacity=\"%2\">\n").arg(cls, num(std::max(0.4, 1 - 0.35 * belowLargest)));
        if (points.size() > 1)
            body += QStringLiteral("<polyline class=\"line\" points=\"%1\"/>\n").arg(points.join(QLatin1Char(' ')));
        body += dots;
        body += text(lastX + 4, lastY + 4, QStringLiteral("x%1").arg(s.workers), QStringLiteral("tick"));
        if (s.breakEven.where == Crossing::Where::At) {
            const double mx = x.map(s.breakEven.ms), my = y.map(1.0);
            body += QStringLiteral("<path class=\"dot\" d=\"M%1 %2 l5 5 l-5 5 l-5 -5 z\">%3</path>\n")
                        .arg(num(mx), num(my - 5),
                            tooltip(QStringLiteral("%1 breaks even at %2").arg(label, s.breakEven.text())));
        }
        if (s.ninetyPercent.where == Crossing::Where::At) {
            const double mx = x.map(s.ninetyPercent.ms);
            const double my = y.map(SweepResult::kNearIdeal * s.ideal.constFirst());
            body
                += QStringLiteral("<circle class=\"mark\" cx=\"%1\" cy=\"%2\" r=\"5\">%3</circle>\n")
                       .arg(num(mx), num(my),
                           tooltip(QStringLiteral("%1 reaches 90% of ideal at %2").arg(label, s.ninetyPercent.text())));
        }
        body += QStringLiteral("</g>\n");
        if (!legendBackends.contains(s.backend)) {
            legendBackends.append(s.backend);
            items.append({ s.backend, cls, QStringLiteral("line") });
        }
    }
    items.append({ QStringLiteral("ideal"), QString(), QStringLiteral("ideal") });
    return finishChart(body, QStringLiteral("Speedup against task size"), items,
        QStringLiteral("task size (ms, log scale)"), QStringLiteral("speedup (log scale)"));
}

QString SvgCharts::wallTimeChart(const RunResult& result)
{
    double top = 0;
    for (const Measurement& m : result.measurements) {
        for (double v : { m.wall.max, m.wall.median }) {
            if (!m.samplesS.isEmpty() && std::isfinite(v))
                top = std::max(top, v);
        }
    }
    if (!(top > 0))
        return {};
    const WorkerAxis x(workerCounts(result), kPlotLeft + 16, kPlotRight - 16);
    const ValueAxis y(top * 1.05, kPlotBottom, kPlotTop);
    QString body;
    valueGrid(body, y, kPlotLeft, kPlotRight, [&y](double v) { return timeTick(v, y.step); });
    workerTicks(body, x, kPlotBottom);

    const QStringList backends = backendsInOrder(result);
    QList<LegendItem> items;
    for (qsizetype b = 0; b < backends.size(); ++b) {
        QList<const Measurement*> points;
        for (const Measurement& m : result.measurements) {
            if (m.backend == backends[b] && !m.samplesS.isEmpty() && std::isfinite(m.wall.median))
                points.append(&m);
        }
        if (points.isEmpty())
            continue;
        std::sort(points.begin(), points.end(),
            [](const Measurement* p, const Measurement* q) { return p->workers < q->workers; });
        const QString cls = seriesClass(result, backends[b]);
        if (!BackendRegistry::usesWorkers(backends[b])) {
            // A baseline runs at one worker whatever the axis says: its median across the whole range, as the
            // window draws it.
            const Measurement* m = points.constFirst();
            const double y0 = y.map(m->wall.median);
            body += QStringLiteral(
                "<g class=\"%1\">\n<polyline class=\"baseline\" points=\"%2,%3 %4,%3\">%5</polyline>\n</g>\n")
                        .arg(cls, num(x.pixelLeft), num(y0), num(x.pixelRight),
                            tooltip(QStringLiteral("%1: median %2 ± %3")
                                        .arg(m->label(), Format::duration(m->wall.median),
                                            Format::duration(m->wall.stddev))));
            items.append({ QStringLiteral("%1 (median)").arg(backends[b]), cls, QStringLiteral("baseline") });
            continue;
        }
        // Backends side by side at one worker count, so their whiskers do not hide each other.
        const double offset = (double(b) - double(backends.size() - 1) / 2) * 5;
        body += QStringLiteral("<g class=\"%1\">\n").arg(cls);
        QStringList polyline;
        for (const Measurement* m : std::as_const(points))
            polyline.append(num(x.map(m->workers) + offset) + QLatin1Char(',') + num(y.map(m->wall.median)));
        if (points.size() > 1)
            body += QStringLiteral("<polyline class=\"line\" points=\"%1\"/>\n").arg(polyline.join(QLatin1Char(' ')));
        for (const Measurement* m : std::as_const(points)) {
            const double px = x.map(m->workers) + offset;
            if (std::isfinite(m->wall.min) && std::isfinite(m->wall.max)) {
                body += line(px, y.map(m->wall.min), px, y.map(m->wall.max), QStringLiteral("whisker"));
                body += line(px - 4, y.map(m->wall.min), px + 4, y.map(m->wall.min), QStringLiteral("whisker"));
                body += line(px - 4, y.map(m->wall.max), px + 4, y.map(m->wall.max), QStringLiteral("whisker"));
            }
            const QString tip = QStringLiteral("%1: median %2 ± %3, min %4, max %5, %6 sample%7")
                                    .arg(m->label(), Format::duration(m->wall.median), Format::duration(m->wall.stddev),
                                        Format::duration(m->wall.min), Format::duration(m->wall.max))
                                    .arg(m->samplesS.size())
                                    .arg(m->samplesS.size() == 1 ? QString() : QStringLiteral("s"));
            body += QStringLiteral("<circle class=\"dot\" cx=\"%1\" cy=\"%2\" r=\"4\">%3</circle>\n")
                        .arg(num(px), num(y.map(m->wall.median)), tooltip(tip));
        }
        body += QStringLiteral("</g>\n");
        items.append({ backends[b], cls, QStringLiteral("line") });
    }
    return finishChart(body, QStringLiteral("Wall time against workers"), items, QStringLiteral("workers"),
        QStringLiteral("wall time (median, min … max)"));
}

namespace {
// Useful, then the parts: the stacking order, bottom to top.
QList<const Accounting::Part*> lossSegments()
{
    QList<const Accounting::Part*> segments { &Accounting::useful() };
    for (const Accounting::Part& part : Accounting::parts())
        segments.append(&part);
    return segments;
}
} // namespace

QString SvgCharts::partClass(const QString& key)
{
    return QStringLiteral("p-") + key;
}

QString SvgCharts::lossChart(const RunResult& result)
{
    struct Segment {
        QString key;
        QString label;
        QString meaning;
        double Losses::*share = nullptr;
    };
    QList<Segment> segments;
    for (const Accounting::Part* part : lossSegments())
        segments.append(
            { QLatin1String(part->key), QLatin1String(part->label), QLatin1String(part->meaning), part->share });

    QList<const Measurement*> bars;
    double top = 1, bottom = 0;
    for (const Measurement& m : result.measurements) {
        // A baseline is the yardstick, 100% useful by definition: the window leaves it out too.
        if (!BackendRegistry::usesWorkers(m.backend) || !std::isfinite(m.losses.useful))
            continue;
        bars.append(&m);
        double above = 0, below = 0;
        for (const Segment& s : std::as_const(segments)) {
            const double v = m.losses.*s.share;
            if (std::isfinite(v))
                (v < 0 ? below : above) += v;
        }
        top = std::max(top, above);
        bottom = std::min(bottom, below);
    }
    if (bars.isEmpty())
        return {};

    // Bars of one backend side by side, a gap between backends.
    int groups = 0;
    for (qsizetype i = 0; i < bars.size(); ++i)
        groups += i == 0 || bars[i]->backend != bars[i - 1]->backend ? 1 : 0;
    constexpr double groupGap = 0.5; // in bar widths
    const double slots = double(bars.size()) + groupGap * (groups - 1);
    const double band = std::clamp(760.0 / slots, 14.0, 46.0);
    const double width = std::max(kChartWidth, kPlotLeft + 16 + slots * band + 16 + 14);
    const double left = kPlotLeft, right = width - 14;
    // Few bars stand in the middle of the plot rather than crowd its left.
    const double indent = (right - left - 32 - slots * band) / 2;

    // A value axis in percent that also reaches below zero when a part does.
    const double step = niceStep((top - bottom) * 100 * 1.06, 6);
    const double hi = std::ceil(top * 100 * 1.04 / step - 1e-9) * step;
    const double lo = bottom < 0 ? std::floor(bottom * 100 * 1.04 / step + 1e-9) * step : 0.0;
    auto y = [&](double percent) { return kPlotBottom - (kPlotBottom - kPlotTop) * (percent - lo) / (hi - lo); };

    QString body;
    const int ticks = int(std::lround((hi - lo) / step));
    for (int i = 0; i <= ticks; ++i) {
        const double tick = lo + step * i; // counted, not summed: no drift
        const double at = std::abs(tick) < step * 1e-6 ? 0.0 : tick;
        body += line(left, y(at), right, y(at), QStringLiteral("grid"));
        body += text(left - 6, y(at) + 4, QString::number(at, 'g', 6) + QLatin1Char('%'), QStringLiteral("tick"),
            QStringLiteral("end"));
    }

    double x = left + 16 + indent;
    QString groupLabels;
    qsizetype groupStart = 0;
    double groupX0 = x;
    for (qsizetype i = 0; i < bars.size(); ++i) {
        const Measurement& m = *bars[i];
        if (i > 0 && m.backend != bars[i - 1]->backend) {
            groupLabels += text((groupX0 + x) / 2, kPlotBottom + 32, bars[groupStart]->backend, QStringLiteral("group"),
                QStringLiteral("middle"));
            x += groupGap * band;
            groupStart = i;
            groupX0 = x;
        }
        const double x0 = x + band * 0.12, w = band * 0.76;
        const double wallS
            = m.medianRepeat >= 0 && m.medianRepeat < m.samplesS.size() ? m.samplesS[m.medianRepeat] : kUnknown;
        const int workers = std::max(1, m.workers);
        body += QStringLiteral("<g class=\"lossbar\">\n");
        double up = 0, down = 0; // percent stacked so far above and below zero
        for (const Segment& s : std::as_const(segments)) {
            const double share = m.losses.*s.share;
            if (!std::isfinite(share) || share == 0)
                continue;
            const double percent = share * 100;
            const double from = share < 0 ? down : up;
            const double to = from + percent;
            (share < 0 ? down : up) = to;
            QString tip = QStringLiteral("%1 — %2: %3").arg(m.label(), s.label, Format::percent(share));
            if (std::isfinite(wallS))
                tip += QStringLiteral(" of %1 workers × %2 = %3")
                           .arg(workers)
                           .arg(Format::duration(wallS), Format::duration(share * workers * wallS));
            if (share < 0)
                tip += QStringLiteral(" (below zero: less than in the baseline)");
            tip += QStringLiteral("\n") + s.meaning;
            const double yTop = y(std::max(from, to)), yBottom = y(std::min(from, to));
            body += QStringLiteral("<rect class=\"part %1\" data-part=\"%2\" x=\"%3\" y=\"%4\" width=\"%5\" "
                                   "height=\"%6\">%7</rect>\n")
                        .arg(partClass(s.key), s.key, num(x0), num(yTop), num(w), num(std::max(0.1, yBottom - yTop)),
                            tooltip(tip));
        }
        body += QStringLiteral("</g>\n");
        body += text(x + band / 2, kPlotBottom + 16, QStringLiteral("x%1").arg(m.workers), QStringLiteral("tick"),
            QStringLiteral("middle"));
        x += band;
    }
    groupLabels += text((groupX0 + x) / 2, kPlotBottom + 32, bars[groupStart]->backend, QStringLiteral("group"),
        QStringLiteral("middle"));
    body += groupLabels;
    body += line(left, y(0), right, y(0), QStringLiteral("axis"));
    body += QStringLiteral("<polyline class=\"ideal\" points=\"%1,%2 %3,%2\">%4</polyline>\n")
                .arg(num(left), num(y(100)), num(right),
                    tooltip(QStringLiteral("ideal: 100%, every worker-second useful")));

    // Legend: a swatch per segment in stacking order, then the ideal.
    QString tail;
    tail += QStringLiteral(
        "<text class=\"title\" text-anchor=\"middle\" transform=\"translate(14 %1) rotate(-90)\">%2</text>\n")
                .arg(num((kPlotTop + kPlotBottom) / 2), SvgCharts::escape(QStringLiteral("% of workers × wall time")));
    double lx = left, ly = kPlotBottom + 56;
    auto room = [&](double itemWidth) {
        if (lx + itemWidth > right && lx > left) {
            lx = left;
            ly += 18;
        }
    };
    for (const Segment& s : std::as_const(segments)) {
        const double itemWidth = 18 + double(s.label.size()) * kCharWidth + 16;
        room(itemWidth);
        tail += QStringLiteral("<rect class=\"part %1\" x=\"%2\" y=\"%3\" width=\"12\" height=\"10\"/>\n")
                    .arg(partClass(s.key), num(lx), num(ly - 9));
        tail += text(lx + 18, ly, s.label);
        lx += itemWidth;
    }
    const QString idealLabel = QStringLiteral("ideal (100%)");
    room(30 + double(idealLabel.size()) * kCharWidth + 16);
    tail += line(lx, ly - 4, lx + 24, ly - 4, QStringLiteral("ideal"));
    tail += text(lx + 30, ly, idealLabel);
    return svgOpen(width, ly + 10, QStringLiteral("Where the time went")) + body + tail + QStringLiteral("</svg>\n");
}

QString SvgCharts::timeline(const Measurement& m, const QString& kernel, int maxTasks)
{
    const TimelineModel model(m, std::max(1, maxTasks));
    if (model.taskCount() == 0)
        return {};

    constexpr double width = 900, left = 170, right = width - 16, top = 8;
    const bool withStates = model.hasStates();
    const double barHeight = 20, stripHeight = withStates ? 7 : 0, rowHeight = barHeight + stripHeight + 8;
    const double taskStrip = 4; // a task's states along its bar's bottom edge
    const double bottom = top + rowHeight * model.rowCount();
    // The same window the view opens with: everything drawn, a little room either side.
    const TimeWindow window(TimeWindow::padded(model.extent().startNs, model.extent().endNs));
    const double origin = double(model.originNs());
    auto px = [&](qint64 ns) { return window.xFor(double(ns), left, right - left); };
    auto rowTop = [&](int row) { return top + rowHeight * row; };
    auto since = [&](qint64 ns) { return Format::duration((double(ns) - origin) * 1e-9); };

    QString body;
    const TimeAxis axis(window.start() - origin, window.end() - origin, right - left,
        [](const QString& label) { return double(label.size()) * kCharWidth; });
    for (double tick : axis.ticks()) {
        const double x = window.xFor(origin + tick, left, right - left);
        body += line(x, top, x, bottom, QStringLiteral("grid"));
        body += text(x, bottom + 16, axis.label(tick), QStringLiteral("tick"), QStringLiteral("middle"));
    }
    for (int row = 0; row < model.rowCount(); ++row)
        body += text(left - 8, rowTop(row) + barHeight / 2 + 4, model.row(row).label, QStringLiteral("rowlabel"),
            QStringLiteral("end"));

    body += QStringLiteral("<g>\n");
    for (int row = 0; row < model.rowCount(); ++row) {
        const double y0 = rowTop(row);
        for (int index : model.row(row).tasks) {
            const TaskSpan& s = m.spans.at(index);
            const double x0 = px(s.startNs), x1 = std::max(px(s.endNs), x0 + 0.5);
            const QString name = TimelineModel::taskLabel(kernel, s);
            const TaskStates states = model.taskStates(index);
            QString tip
                = QStringLiteral("%1 on %2: %3, from %4 to %5")
                      .arg(name, model.row(row).label, Format::duration(s.seconds()), since(s.startNs), since(s.endNs));
            if (s.pid != 0)
                tip += QStringLiteral(", pid %1").arg(s.pid);
            if (!s.host.isEmpty())
                tip += QStringLiteral(" @ ") + s.host;
            if (const QString clock = TimelineModel::clockNote(s); !clock.isEmpty())
                tip += QStringLiteral(", ") + clock;
            if (const QString cpu = WorkerPlacement::taskText(s); !cpu.isEmpty())
                tip += QStringLiteral(", ") + cpu;
            tip += QStringLiteral("; ") + states.summary();
            body += QStringLiteral("<rect class=\"bar%1\" x=\"%2\" y=\"%3\" width=\"%4\" height=\"%5\">%6</rect>\n")
                        .arg(TimelineModel::isAlternate(s) ? QStringLiteral(" alt") : QString(), num(x0), num(y0),
                            num(x1 - x0), num(barHeight), tooltip(tip));
            // How the task's time split, along the bar's bottom edge inside its outline, as the window draws it.
            const bool strip = states.isMeasured() && x1 - x0 >= TaskStates::kMinBarWidth;
            if (strip) {
                // Inside the bar's outline (half a pixel of background) and its inset.
                const double inset = TaskStates::kStripInset;
                const double from = x0 + 0.5 + inset, inside = x1 - x0 - 1 - 2 * inset;
                double done = 0;
                for (TaskStates::Part part : TaskStates::parts(states.lock())) {
                    const double a = from + inside * done;
                    done += states.share(part);
                    const double b = from + inside * done;
                    if (b - a >= 0.05)
                        body += QStringLiteral(
                            "<rect class=\"ts %1\" data-part=\"%2\" x=\"%3\" y=\"%4\" width=\"%5\" height=\"%6\"/>\n")
                                    .arg(partClass(TaskStates::lossKey(part)), TaskStates::lossKey(part), num(a),
                                        num(y0 + barHeight - 0.5 - inset - taskStrip), num(b - a), num(taskStrip));
                }
            }
            if (x1 - x0 > double(name.size()) * kCharWidth + 8)
                body
                    += text((x0 + x1) / 2, y0 + (barHeight - (strip ? taskStrip + TaskStates::kStripInset : 0)) / 2 + 4,
                        name, QStringLiteral("barlabel"), QStringLiteral("middle"));
        }
    }
    body += QStringLiteral("</g>\n");

    // Lock states as a strip under each row, snapped to whole pixels (coarser with many rows, at most about
    // 4,000 pieces in all) and merged: thousands of hand-overs of a few milliseconds would otherwise make the
    // file large without drawing anything more.
    const double snap = std::max(1.0, double(model.rowCount()) * (right - left) / 4'000.0);
    for (int row = 0; row < model.rowCount(); ++row) {
        const double y0 = rowTop(row) + barHeight + 1;
        struct Piece {
            LockState state;
            double x0, x1;
            qint64 ns;
        };
        QList<Piece> pieces;
        for (int index : model.row(row).states) {
            const StateSpan& s = m.states.at(index);
            const double x0 = left + std::round((std::max(px(s.startNs), left) - left) / snap) * snap;
            const double x1 = left + std::round((std::min(px(s.endNs), right) - left) / snap) * snap;
            if (x1 <= x0)
                continue;
            if (!pieces.isEmpty() && pieces.last().state == s.state && x0 - pieces.last().x1 < snap / 2) {
                pieces.last().x1 = x1;
                pieces.last().ns += s.endNs - s.startNs;
            } else {
                pieces.append({ s.state, x0, x1, s.endNs - s.startNs });
            }
        }
        for (const Piece& p : std::as_const(pieces)) {
            body += QStringLiteral("<rect class=\"state %1\" x=\"%2\" y=\"%3\" width=\"%4\" height=\"%5\">%6</rect>\n")
                        .arg(lockStateName(p.state), num(p.x0), num(y0), num(p.x1 - p.x0), num(stripHeight - 1),
                            tooltip(QStringLiteral("%1: %2").arg(
                                lockStateName(p.state), Format::duration(double(p.ns) * 1e-9))));
        }
    }

    double height = bottom + 26;
    if (withStates) {
        double x = left;
        for (LockState state : { LockState::Running, LockState::Waiting, LockState::Released }) {
            body += QStringLiteral("<rect class=\"state %1\" x=\"%2\" y=\"%3\" width=\"14\" height=\"8\"/>\n")
                        .arg(lockStateName(state), num(x), num(height));
            body += text(x + 20, height + 8, lockStateName(state));
            x += 100;
        }
        if (const QString how = BackendRegistry::factsOf(m.backend).lockStrip; !how.isEmpty())
            body += text(x, height + 8, QStringLiteral("lock ") + how, QStringLiteral("note"));
        height += 18;
    }
    if (model.hasTaskStates()) {
        // The lead-in from the picture's left edge: the gutter under the row labels is free there.
        body += text(8, height + 8, TaskStates::legendTitle());
        double x = std::max(left, 8 + double(TaskStates::legendTitle().size()) * kCharWidth + 12);
        for (TaskStates::Part part : TaskStates::parts(model.lock())) {
            body += QStringLiteral(
                "<rect class=\"ts %1\" data-part=\"%2\" x=\"%3\" y=\"%4\" width=\"14\" height=\"8\"/>\n")
                        .arg(partClass(TaskStates::lossKey(part)), TaskStates::lossKey(part), num(x), num(height));
            body += text(x + 20, height + 8, TaskStates::legendLabel(part));
            x += 20 + double(TaskStates::legendLabel(part).size()) * kCharWidth + 16;
        }
        height += 18;
    }
    if (model.allTaskCount() > model.taskCount()) {
        body += text(left, height + 10,
            QStringLiteral("the first %1 of %2 tasks are drawn").arg(model.taskCount()).arg(model.allTaskCount()),
            QStringLiteral("note"));
        height += 18;
    }
    return svgOpen(width, height, QStringLiteral("Timeline of %1, latest repeat").arg(m.label())) + body
        + QStringLiteral("</svg>\n");
}

namespace {
QString cssLine(const QString& selector, const Palette::Line& look, const QString& colour)
{
    QString dashes;
    const QList<double> pattern = Palette::dashPattern(look.style);
    if (!pattern.isEmpty()) {
        QStringList lengths;
        for (double length : pattern)
            lengths.append(QString::number(length * look.width));
        dashes = QStringLiteral(";stroke-dasharray:") + lengths.join(QLatin1Char(' '));
    }
    return QStringLiteral("svg.chart %1{fill:none;stroke:%2;stroke-width:%3%4}\n")
        .arg(selector, colour, QString::number(look.width), dashes);
}

// The palette's colours as custom properties of one scheme: --b0.. for the run's backends, the rest by name.
QString paletteProperties(const QStringList& backends, bool dark)
{
    QStringList properties;
    for (qsizetype i = 0; i < backends.size(); ++i)
        properties.append(QStringLiteral("--b%1:%2").arg(i).arg(Palette::hex(Palette::backend(backends[i]).on(dark))));
    properties.append(QStringLiteral("--ref:") + Palette::hex(Palette::referenceColour().on(dark)));
    properties.append(
        QStringLiteral("--bound:") + Palette::hex(Palette::reference(Palette::Reference::LptBound).colour.on(dark)));
    for (LockState state : { LockState::Running, LockState::Waiting, LockState::Released })
        properties.append(
            QStringLiteral("--%1:%2").arg(lockStateName(state), Palette::hex(Palette::lockState(state).on(dark))));
    for (const Accounting::Part* part : lossSegments())
        properties.append(
            QStringLiteral("--p-%1:%2")
                .arg(QLatin1String(part->key), Palette::hex(Palette::lossPart(QLatin1String(part->key)).on(dark))));
    properties.append(QStringLiteral("--task:") + Palette::hex(Palette::task(false).on(dark)));
    properties.append(QStringLiteral("--task-alt:") + Palette::hex(Palette::task(true).on(dark)));
    properties.append(dark ? QStringLiteral("--onbar:#0d1117") : QStringLiteral("--onbar:#ffffff"));
    return QStringLiteral(":root{") + properties.join(QLatin1Char(';')) + QStringLiteral("}");
}
} // namespace

QString SvgCharts::styleSheet(const RunResult& result)
{
    const QStringList backends = backendsInOrder(result);
    const Palette::Line series = Palette::series(QString());
    QString css = paletteProperties(backends, false) + QLatin1Char('\n');
    css += QStringLiteral("@media (prefers-color-scheme: dark){") + paletteProperties(backends, true)
        + QStringLiteral("}\n");
    css += QStringLiteral("svg.chart{max-width:100%;height:auto;display:block;font-family:inherit}\n"
                          "svg.chart text{font-size:12px;fill:currentColor}\n"
                          "svg.chart text.tick{fill:var(--muted)}\n"
                          "svg.chart text.title{font-weight:600}\n"
                          "svg.chart text.barlabel{fill:var(--onbar);font-size:11px;pointer-events:none}\n"
                          "svg.chart text.note{fill:var(--muted);font-style:italic}\n"
                          "svg.chart .grid{stroke:var(--rule);stroke-width:1}\n"
                          "svg.chart .axis{stroke:var(--muted);stroke-width:1}\n");
    css += cssLine(QStringLiteral(".line"), series, QStringLiteral("var(--s)"));
    css += cssLine(QStringLiteral(".predicted"), Palette::predicted(QString()), QStringLiteral("var(--s)"));
    // A baseline in its backend's colour, in the palette's baseline style (the same for every backend).
    css += cssLine(QStringLiteral(".baseline"), Palette::baseline(QString()), QStringLiteral("var(--s)"));
    css += QStringLiteral("svg.chart .whisker{stroke:var(--s);stroke-width:%1}\n")
               .arg(QString::number(Palette::whiskerWidth()));
    css += QStringLiteral("svg.chart .dot{fill:var(--s);stroke:var(--bg);stroke-width:1}\n"
                          "svg.chart .mark{fill:none;stroke:var(--s);stroke-width:2}\n");
    css += cssLine(
        QStringLiteral(".ideal"), Palette::reference(Palette::Reference::Ideal), QStringLiteral("var(--ref)"));
    css += cssLine(
        QStringLiteral(".bound"), Palette::reference(Palette::Reference::LptBound), QStringLiteral("var(--bound)"));
    css += QStringLiteral("svg.chart .bounddot{fill:var(--bound)}\n"
                          "svg.chart .bar{fill:var(--task);stroke:var(--bg);stroke-width:1}\n"
                          "svg.chart .bar.alt{fill:var(--task-alt)}\n"
                          "svg.chart .bar:hover,svg.chart .dot:hover{opacity:.75}\n"
                          "svg.chart .running{fill:var(--running)}\n"
                          "svg.chart .waiting{fill:var(--waiting)}\n"
                          "svg.chart .released{fill:var(--released)}\n"
                          "svg.chart .ts{pointer-events:none}\n");
    // The parts of lost time: each in its palette colour, parted from its neighbours by the background.
    css += QStringLiteral("svg.chart .part{stroke:var(--bg);stroke-width:1}\n"
                          "svg.chart .part:hover{opacity:.75}\n"
                          "svg.chart text.group{fill:currentColor}\n");
    for (const Accounting::Part* part : lossSegments())
        css += QStringLiteral("svg.chart .%1{fill:var(--p-%2)}\n")
                   .arg(partClass(QLatin1String(part->key)), QLatin1String(part->key));
    for (qsizetype i = 0; i < backends.size(); ++i)
        css += QStringLiteral(".series%1{--s:var(--b%1)}\n").arg(i);
    return css;
}

} // namespace parlab
