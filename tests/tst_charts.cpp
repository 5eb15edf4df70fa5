// The charts a teacher puts on a projector: every point drawn is a figure from the result (speedups, CI
// whiskers, the ideal and lpt lines, wall times with their spread, efficiencies), dark palettes restyle the
// charts, and each export writes a file other programs open.

#include "charts/chartexport.h"
#include "charts/chartstyle.h"
#include "charts/efficiencychart.h"
#include "charts/losschart.h"
#include "charts/speedupchart.h"
#include "charts/walltimechart.h"
#include "export/formatting.h"
#include "export/htmlreport.h"
#include "measurement.h"
#include "palette.h"
#include "runresult.h"
#include "stats/analysis.h"
#include "stats/losses.h"
#include "testsupport.h"

#include <QAbstractAxis>
#include <QAction>
#include <QApplication>
#include <QAreaSeries>
#include <QBarSet>
#include <QChart>
#include <QElapsedTimer>
#include <QFile>
#include <QFontMetricsF>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QStackedBarSeries>
#include <QTemporaryDir>
#include <QTest>
#include <QToolTip>
#include <QValueAxis>
#include <QXmlStreamReader>
#include <algorithm>
#include <cmath>
#include <tuple>

using namespace parlab;

namespace {
using testsupport::measurement;

// A classic run: sequential, then threads and processes at 1, 2 and 4 workers, three repeats each.
RunResult classicResult()
{
    RunResult r;
    r.spec.kernel = QStringLiteral("fib");
    r.spec.inputs = { 38, 37, 36, 35, 34, 33 };
    r.spec.backends = { QStringLiteral("sequential"), QStringLiteral("threads"), QStringLiteral("processes") };
    r.spec.workers = { 1, 2, 4 };
    r.spec.repeats = 3;
    r.environment.logicalCores = 4;
    r.measurements = {
        measurement(QStringLiteral("sequential"), 1, { 0.80, 0.82, 0.79 }),
        measurement(QStringLiteral("threads"), 1, { 0.81, 0.80, 0.83 }),
        measurement(QStringLiteral("threads"), 2, { 0.46, 0.44, 0.49 }),
        measurement(QStringLiteral("threads"), 4, { 0.32, 0.30, 0.35 }),
        measurement(QStringLiteral("processes"), 1, { 0.85, 0.84, 0.86 }),
        measurement(QStringLiteral("processes"), 2, { 0.50, 0.47, 0.52 }),
        measurement(QStringLiteral("processes"), 4, { 0.36, 0.33, 0.38 }),
    };
    // fib 38..33: each one about 1.618 times the next.
    r.bounds.taskCostsS = { 0.304, 0.188, 0.116, 0.072, 0.044, 0.028 };
    analyse(r);
    return r;
}

// The classic run with every repeat accounted, so that each measurement knows where its time went. threads x2
// (median repeat 0.46 s, 0.92 worker-seconds) had 0.01 s start-up, 0.01 s dispatch, a 0.05 s idle tail and
// 0.1 s runnable without a core; the rest of it, 0.75 s, on the CPU: less than the baseline's 0.80 s, a negative
// slowdown.
RunResult accountedResult()
{
    RunResult r = classicResult();
    for (Measurement& m : r.measurements) {
        if (m.backend == QStringLiteral("sequential"))
            testsupport::account(m, 0, 0, 0, 0);
        else if (m.backend == QStringLiteral("threads") && m.workers == 2)
            testsupport::account(m, 0.01, 0.01, 0.05, 0.1);
        else
            testsupport::account(m, 0.02, 0.01 * m.workers, 0.02 * m.workers, 0.01);
    }
    analyse(r);
    return r;
}

// Useful, then the parts: the order the loss chart stacks them in.
QList<const Accounting::Part*> lossSegments()
{
    QList<const Accounting::Part*> segments { &Accounting::useful() };
    for (const Accounting::Part& part : Accounting::parts())
        segments.append(&part);
    return segments;
}

int segmentOf(const char* key)
{
    const QList<const Accounting::Part*> segments = lossSegments();
    for (int s = 0; s < int(segments.size()); ++s) {
        if (qstrcmp(segments[s]->key, key) == 0)
            return s;
    }
    return -1;
}

QLineSeries* lineNamed(QChartView& view, const QString& name)
{
    const auto all = view.chart()->series();
    for (QAbstractSeries* series : all) {
        if (series->name() == name)
            return qobject_cast<QLineSeries*>(series);
    }
    return nullptr;
}

QList<QLineSeries*> unnamedLines(QChartView& view)
{
    QList<QLineSeries*> lines;
    const auto all = view.chart()->series();
    for (QAbstractSeries* series : all) {
        if (series->name().isEmpty())
            lines.append(qobject_cast<QLineSeries*>(series));
    }
    return lines;
}

QStringList legendEntries(QChartView& view)
{
    // Legend markers are laid out (and their visibility settled) once the chart is on screen.
    view.show();
    if (!QTest::qWaitForWindowExposed(&view))
        return { QStringLiteral("chart not exposed") };
    QStringList entries;
    const auto markers = view.chart()->legend()->markers();
    for (QLegendMarker* marker : markers) {
        if (marker->isVisible())
            entries.append(marker->label());
    }
    return entries;
}

QList<QPointF> expectedPoints(const RunResult& r, const QString& backend, double (*figure)(const Measurement&))
{
    QList<QPointF> points;
    for (const Measurement& m : r.measurements) {
        if (m.backend == backend)
            points.append(QPointF(m.workers, figure(m)));
    }
    return points;
}

QValueAxis* axis(QChartView& view, Qt::Orientation orientation)
{
    return qobject_cast<QValueAxis*>(view.chart()->axes(orientation).value(0));
}

QPalette darkPalette()
{
    QPalette dark;
    dark.setColor(QPalette::Window, QColor(30, 30, 34));
    dark.setColor(QPalette::WindowText, QColor(230, 230, 230));
    dark.setColor(QPalette::Base, QColor(20, 20, 24));
    dark.setColor(QPalette::Text, QColor(230, 230, 230));
    return dark;
}

QPalette lightPalette()
{
    QPalette light;
    light.setColor(QPalette::Window, QColor(250, 250, 250));
    light.setColor(QPalette::WindowText, QColor(20, 20, 20));
    return light;
}
} // namespace

class TestCharts : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void speedupSeriesFollowTheResult();
    void speedupWhiskersSpanTheInterval();
    void speedupAxesFitTheData();
    void speedupSeriesAreReusedWhileStreaming();
    void newRunReplacesBackends();
    void wallTimeMediansBandsAndBaseline();
    void wallTimeUnitFollowsTheData();
    void efficiencyInPercentUnderFullLine();
    void legendWrapsBelowThePlot();
    void lossBarsStackEachMeasurementsAccount();
    void lossBarsHangNegativePartsBelowZero();
    void lossBarHoverNamesThePartInPercentAndSeconds();
    void lossChartSaysWhatItNeedsBeforeASplit();
    void chartsFollowADarkPalette();
    void backendColoursAreStableAndDistinct();
    void exportsWriteValidFiles_data();
    void exportsWriteValidFiles();
    void exportErrorsNameThePath();
    void contextMenuOffersSaveAndCopy();
    void setResultIsCheap();
};

void TestCharts::speedupSeriesFollowTheResult()
{
    const RunResult r = classicResult();
    SpeedupChart chart;
    chart.setResult(r);

    // Sequential is the baseline (always 1x), not a curve.
    QVERIFY(!lineNamed(chart, QStringLiteral("sequential")));
    QCOMPARE(legendEntries(chart),
        (QStringList { QStringLiteral("ideal (y = x)"),
            QStringLiteral("lpt bound (longest-first schedule of these tasks)"), QStringLiteral("threads"),
            QStringLiteral("processes") }));
    auto speedup = [](const Measurement& m) { return m.speedup; };
    for (const QString& backend : { QStringLiteral("threads"), QStringLiteral("processes") }) {
        QLineSeries* series = lineNamed(chart, backend);
        QVERIFY(series);
        QCOMPARE(series->points(), expectedPoints(r, backend, speedup));
        QVERIFY(series->pointsVisible());
    }

    QLineSeries* ideal = lineNamed(chart, QStringLiteral("ideal (y = x)"));
    QVERIFY(ideal);
    QCOMPARE(ideal->points(), (QList<QPointF> { QPointF(1, 1), QPointF(4, 4) }));
    QCOMPARE(ideal->pen().style(), Qt::SolidLine);

    QLineSeries* lpt = lineNamed(chart, QStringLiteral("lpt bound (longest-first schedule of these tasks)"));
    QVERIFY(lpt);
    QCOMPARE(lpt->pen().style(), Qt::DashLine);
    QList<QPointF> expectedLpt;
    for (auto it = r.bounds.lpt.cbegin(); it != r.bounds.lpt.cend(); ++it)
        expectedLpt.append(QPointF(it.key(), it.value()));
    QVERIFY(!expectedLpt.isEmpty());
    QCOMPARE(lpt->points(), expectedLpt);
    QVERIFY(chart.chart()->title().contains(QStringLiteral("fib")));
    QVERIFY(!chart.chart()->title().contains(QStringLiteral("against"))); // one baseline: nothing to say
    QCOMPARE(axis(chart, Qt::Horizontal)->titleText(), QStringLiteral("workers"));
    QCOMPARE(axis(chart, Qt::Vertical)->titleText(), QStringLiteral("speedup (x)"));

    // Native and Python backends on one chart: two baselines, and the title says which speedup is against which.
    RunResult mixed = r;
    Measurement python = testsupport::measurement(QStringLiteral("python-sequential"), 1, { 2.0, 2.0, 2.0 });
    mixed.measurements.append(python);
    mixed.measurements.append(testsupport::measurement(QStringLiteral("python-threads"), 2, { 1.9, 1.9, 2.0 }));
    mixed.spec.backends << QStringLiteral("python-sequential") << QStringLiteral("python-threads");
    analyse(mixed, Intervals::Skip);
    chart.setResult(mixed);
    QVERIFY2(chart.chart()->title().contains(
                 QStringLiteral("python-threads against python-sequential; threads, processes against sequential")),
        qPrintable(chart.chart()->title()));
    QVERIFY(QString::fromUtf8(HtmlReport::toHtml(mixed))
                .contains(QStringLiteral(
                    "Speedup of python-threads against python-sequential; threads, processes against sequential.")));
}

void TestCharts::speedupWhiskersSpanTheInterval()
{
    const RunResult r = classicResult();
    SpeedupChart chart;
    chart.setResult(r);

    using Whisker = std::tuple<double, double, double>; // workers, low, high
    QList<Whisker> expected;
    for (const Measurement& m : r.measurements) {
        if (m.backend == QLatin1String("sequential"))
            continue;
        QVERIFY(std::isfinite(m.speedupLow) && std::isfinite(m.speedupHigh));
        expected.append({ double(m.workers), m.speedupLow, m.speedupHigh });
    }
    QList<Whisker> drawn;
    const QList<QLineSeries*> whiskers = unnamedLines(chart);
    for (QLineSeries* whisker : whiskers) {
        QVERIFY(whisker);
        const QList<QPointF> points = whisker->points();
        QCOMPARE(points.size(), 6);
        // The vertical bar runs from the first cap to the last; caps are centred on the worker count.
        QCOMPARE(points.at(2).x(), points.at(3).x());
        QCOMPARE(points.constFirst().y(), points.at(2).y());
        QCOMPARE(points.constLast().y(), points.at(3).y());
        drawn.append({ points.at(2).x(), points.at(2).y(), points.at(3).y() });
    }
    std::sort(expected.begin(), expected.end());
    std::sort(drawn.begin(), drawn.end());
    QCOMPARE(drawn, expected);

    // Whiskers are drawn in their backend's colour and stay out of the legend.
    QCOMPARE(legendEntries(chart).size(), 4);
}

void TestCharts::speedupAxesFitTheData()
{
    RunResult r = classicResult();
    r.measurements[3].speedupHigh = 6.3; // an outlying interval above the ideal line must stay visible
    SpeedupChart chart;
    chart.setResult(r);
    QValueAxis* x = axis(chart, Qt::Horizontal);
    QValueAxis* y = axis(chart, Qt::Vertical);
    // 1 to 4 workers, with a sliver of padding so edge markers are not cut.
    QVERIFY(x->min() < 1.0 && x->min() > 0.8);
    QVERIFY(x->max() > 4.0 && x->max() < 4.2);
    QCOMPARE(y->min(), 0.0);
    QVERIFY2(y->max() > 6.3 && y->max() < 9, qPrintable(QString::number(y->max())));

    r = classicResult();
    chart.setResult(r);
    QVERIFY2(y->max() >= 4.0 && y->max() < 6, qPrintable(QString::number(y->max())));
}

void TestCharts::speedupSeriesAreReusedWhileStreaming()
{
    const RunResult full = classicResult();
    SpeedupChart chart;
    RunResult partial = full;
    partial.measurements = full.measurements.mid(0, 3);
    analyse(partial);
    chart.setResult(partial);
    QLineSeries* threads = lineNamed(chart, QStringLiteral("threads"));
    QVERIFY(threads);
    QCOMPARE(threads->count(), 2);
    QVERIFY(!lineNamed(chart, QStringLiteral("processes")));

    chart.setResult(full);
    QCOMPARE(lineNamed(chart, QStringLiteral("threads")), threads);
    QCOMPARE(threads->count(), 3);
    QCOMPARE(unnamedLines(chart).size(), 6);
    // The same result again changes nothing.
    const auto before = chart.chart()->series();
    chart.setResult(full);
    QCOMPARE(chart.chart()->series(), before);
}

void TestCharts::newRunReplacesBackends()
{
    SpeedupChart speedup;
    WallTimeChart wall;
    EfficiencyChart efficiency;
    const RunResult first = classicResult();
    RunResult second = classicResult();
    second.measurements.removeIf([](const Measurement& m) { return m.backend == QLatin1String("processes"); });
    analyse(second);
    for (QChartView* view : std::initializer_list<QChartView*> { &speedup, &wall, &efficiency }) {
        if (auto* s = qobject_cast<SpeedupChart*>(view))
            s->setResult(first), s->setResult(second);
        if (auto* w = qobject_cast<WallTimeChart*>(view))
            w->setResult(first), w->setResult(second);
        if (auto* e = qobject_cast<EfficiencyChart*>(view))
            e->setResult(first), e->setResult(second);
        QVERIFY(lineNamed(*view, QStringLiteral("threads")));
        QVERIFY(!lineNamed(*view, QStringLiteral("processes")));
    }
    QCOMPARE(unnamedLines(speedup).size(), 3);
    speedup.clear();
    QVERIFY(!lineNamed(speedup, QStringLiteral("threads")));
    QCOMPARE(unnamedLines(speedup).size(), 0);
}

void TestCharts::wallTimeMediansBandsAndBaseline()
{
    const RunResult r = classicResult();
    WallTimeChart chart;
    chart.setResult(r);
    QCOMPARE(chart.unit(), QStringLiteral("ms"));
    QCOMPARE(axis(chart, Qt::Vertical)->titleText(), QStringLiteral("wall time (ms)"));

    auto inMs = [](QList<QPointF> points) {
        for (QPointF& p : points)
            p.setY(p.y() * 1e3);
        return points;
    };
    auto fuzzyEqual = [](const QList<QPointF>& a, const QList<QPointF>& b) {
        if (a.size() != b.size())
            return false;
        for (qsizetype i = 0; i < a.size(); ++i) {
            if (a.at(i).x() != b.at(i).x() || std::abs(a.at(i).y() - b.at(i).y()) > 1e-9)
                return false;
        }
        return true;
    };
    for (const QString& backend : { QStringLiteral("threads"), QStringLiteral("processes") }) {
        QLineSeries* median = lineNamed(chart, backend);
        QVERIFY(median);
        QVERIFY(fuzzyEqual(
            median->points(), inMs(expectedPoints(r, backend, [](const Measurement& m) { return m.wall.median; }))));
        QAreaSeries* band = nullptr;
        const auto all = chart.chart()->series();
        for (QAbstractSeries* series : all) {
            if (series->name() == backend + QStringLiteral(" min–max"))
                band = qobject_cast<QAreaSeries*>(series);
        }
        QVERIFY(band);
        QVERIFY(band->brush().color().alpha() < 255);
        QVERIFY(fuzzyEqual(band->upperSeries()->points(),
            inMs(expectedPoints(r, backend, [](const Measurement& m) { return m.wall.max; }))));
        QVERIFY(fuzzyEqual(band->lowerSeries()->points(),
            inMs(expectedPoints(r, backend, [](const Measurement& m) { return m.wall.min; }))));
    }

    QLineSeries* baseline = lineNamed(chart, QStringLiteral("sequential (median)"));
    QVERIFY(baseline);
    const double sequential = r.find(QStringLiteral("sequential"), 1)->wall.median * 1e3;
    QVERIFY(fuzzyEqual(baseline->points(), { QPointF(1, sequential), QPointF(4, sequential) }));
    QCOMPARE(legendEntries(chart),
        (QStringList {
            QStringLiteral("sequential (median)"), QStringLiteral("threads"), QStringLiteral("processes") }));
    QValueAxis* y = axis(chart, Qt::Vertical);
    QCOMPARE(y->min(), 0.0);
    QVERIFY(y->max() >= 860);
}

void TestCharts::wallTimeUnitFollowsTheData()
{
    RunResult r = classicResult();
    for (Measurement& m : r.measurements) {
        for (double& s : m.samplesS)
            s *= 10;
    }
    analyse(r);
    WallTimeChart chart;
    chart.setResult(r);
    QCOMPARE(chart.unit(), QStringLiteral("s"));
    QCOMPARE(lineNamed(chart, QStringLiteral("threads"))->at(0).y(), r.find(QStringLiteral("threads"), 1)->wall.median);

    for (Measurement& m : r.measurements) {
        for (double& s : m.samplesS)
            s *= 1e-5;
    }
    analyse(r);
    chart.setResult(r);
    QCOMPARE(chart.unit(), QStringLiteral("µs"));
    QCOMPARE(axis(chart, Qt::Vertical)->titleText(), QStringLiteral("wall time (µs)"));
}

void TestCharts::efficiencyInPercentUnderFullLine()
{
    const RunResult r = classicResult();
    EfficiencyChart chart;
    chart.setResult(r);
    QVERIFY(!lineNamed(chart, QStringLiteral("sequential")));
    for (const QString& backend : { QStringLiteral("threads"), QStringLiteral("processes") }) {
        QLineSeries* series = lineNamed(chart, backend);
        QVERIFY(series);
        QCOMPARE(
            series->points(), expectedPoints(r, backend, [](const Measurement& m) { return m.efficiency * 100.0; }));
    }
    QLineSeries* full = lineNamed(chart, QStringLiteral("100% (every worker fully used)"));
    QVERIFY(full);
    QCOMPARE(full->points(), (QList<QPointF> { QPointF(1, 100), QPointF(4, 100) }));
    QCOMPARE(axis(chart, Qt::Vertical)->titleText(), QStringLiteral("efficiency (%)"));
    QVERIFY(axis(chart, Qt::Vertical)->max() > 100);
}

void TestCharts::legendWrapsBelowThePlot()
{
    // QChart's own legend is one row that truncates "lpt bound (longest-first schedule of these tasks)" on a narrow
    // chart; ParLab's wraps into rows under the plot instead, inside the chart.
    SpeedupChart chart;
    chart.setResult(classicResult());
    for (const QSize& size : { QSize(1200, 700), QSize(430, 320) }) {
        chart.resize(size);
        QCOMPARE(legendEntries(chart).size(), 4);
        QTRY_COMPARE(chart.chart()->size(), QSizeF(chart.viewport()->size()));
        const QRectF legend = chart.chart()->legend()->geometry();
        const QRectF plot = chart.chart()->plotArea();
        QVERIFY2(legend.top() > plot.bottom(),
            qPrintable(QStringLiteral("legend %1, plot bottom %2").arg(legend.top()).arg(plot.bottom())));
        QVERIFY(QRectF(QPointF(0, 0), chart.chart()->size()).contains(legend));
        const qreal rowHeight = QFontMetricsF(chart.chart()->legend()->font()).height();
        if (size.width() > 1000)
            QVERIFY(legend.height() < 2 * rowHeight + 20); // one row
        else
            QVERIFY(legend.height() > 2 * rowHeight); // wrapped
    }
}

void TestCharts::chartsFollowADarkPalette()
{
    const RunResult r = classicResult();
    SpeedupChart speedup;
    WallTimeChart wall;
    EfficiencyChart efficiency;
    speedup.setResult(r);
    wall.setResult(r);
    efficiency.setResult(r);
    for (QChartView* view : std::initializer_list<QChartView*> { &speedup, &wall, &efficiency }) {
        view->setPalette(lightPalette());
        QCOMPARE(view->chart()->backgroundBrush().color(), QColor(250, 250, 250));
        const QColor lightThreads = lineNamed(*view, QStringLiteral("threads"))->pen().color();

        view->setPalette(darkPalette());
        QCOMPARE(view->chart()->backgroundBrush().color(), QColor(30, 30, 34));
        QCOMPARE(view->chart()->titleBrush().color(), QColor(230, 230, 230));
        QCOMPARE(axis(*view, Qt::Horizontal)->labelsBrush().color(), QColor(230, 230, 230));
        QCOMPARE(view->chart()->legend()->labelColor(), QColor(230, 230, 230));
        const QColor darkThreads = lineNamed(*view, QStringLiteral("threads"))->pen().color();
        QCOMPARE(darkThreads, ChartStyle::backendColor(QStringLiteral("threads"), darkPalette()));
        QVERIFY(darkThreads.lightness() > lightThreads.lightness());
    }
}

void TestCharts::backendColoursAreStableAndDistinct()
{
    const QStringList ids { QStringLiteral("threads"), QStringLiteral("qtconcurrent"), QStringLiteral("processes"),
        QStringLiteral("process-per-task"), QStringLiteral("gil-threads"), QStringLiteral("mpi") };
    for (const QPalette& palette : { lightPalette(), darkPalette() }) {
        const QColor background = palette.color(QPalette::Window);
        for (qsizetype i = 0; i < ids.size(); ++i) {
            const QColor colour = ChartStyle::backendColor(ids.at(i), palette);
            QCOMPARE(colour, ChartStyle::backendColor(ids.at(i), palette));
            // Readable: clearly lighter or darker than the background.
            QVERIFY2(std::abs(colour.lightness() - background.lightness()) > 70, qPrintable(ids.at(i)));
            for (qsizetype j = 0; j < i; ++j)
                QVERIFY(colour != ChartStyle::backendColor(ids.at(j), palette));
        }
    }
    // Unknown backends still get a colour, the same every time.
    QCOMPARE(ChartStyle::backendColor(QStringLiteral("my-backend"), lightPalette()),
        ChartStyle::backendColor(QStringLiteral("my-backend"), lightPalette()));
}

void TestCharts::exportsWriteValidFiles_data()
{
    QTest::addColumn<QString>("suffix");
    QTest::addColumn<QByteArray>("signature");
    QTest::newRow("png") << QStringLiteral("png") << QByteArray("\x89PNG\r\n\x1a\n");
    QTest::newRow("svg") << QStringLiteral("svg") << QByteArray("<?xml");
    QTest::newRow("pdf") << QStringLiteral("pdf") << QByteArray("%PDF-");
}

void TestCharts::exportsWriteValidFiles()
{
    QFETCH(QString, suffix);
    QFETCH(QByteArray, signature);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    SpeedupChart chart;
    chart.resize(500, 350);
    chart.setResult(classicResult());
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    const QString path = dir.filePath(QStringLiteral("speedup.") + suffix);
    const QSizeF onScreen = chart.chart()->size();
    const QRectF plotOnScreen = chart.chart()->plotArea();
    const Result<void> saved = ChartExport::save(&chart, path);
    QVERIFY2(saved, qPrintable(saved.error()));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray bytes = file.readAll();
    QVERIFY2(bytes.startsWith(signature), bytes.left(16).toHex().constData());
    QVERIFY(bytes.size() > 2000);
    // The export is laid out at its own size; the chart on screen must be left as it was.
    QCOMPARE(chart.chart()->size(), onScreen);
    QCOMPARE(chart.chart()->plotArea(), plotOnScreen);

    if (suffix == QLatin1String("png")) {
        QImage image;
        QVERIFY(image.loadFromData(bytes, "PNG"));
        QCOMPARE(image.size(), ChartExport::kDefaultSize * 2);
    } else if (suffix == QLatin1String("svg")) {
        QXmlStreamReader xml(bytes);
        bool sawRoot = false;
        while (!xml.atEnd()) {
            xml.readNext();
            if (xml.isStartElement() && !sawRoot) {
                QCOMPARE(xml.name(), QStringLiteral("svg"));
                QCOMPARE(xml.attributes().value(QStringLiteral("viewBox")), QStringLiteral("0 0 1600 1000"));
                sawRoot = true;
            }
        }
        QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
        QVERIFY(sawRoot);
        QVERIFY(bytes.contains("<title>Speedup vs workers"));
    }

    // A size given is the size written.
    if (suffix == QLatin1String("png")) {
        QVERIFY(ChartExport::save(&chart, path, QSize(400, 300)));
        QImage image(path);
        QCOMPARE(image.size(), QSize(800, 600));
    }
}

void TestCharts::exportErrorsNameThePath()
{
    SpeedupChart chart;
    chart.setResult(classicResult());
    const QString missingFolder = QStringLiteral("/nonexistent-parlab-folder/chart.png");
    const Result<void> refused = ChartExport::save(&chart, missingFolder);
    QVERIFY(!refused);
    const QString error = refused.error();
    QVERIFY2(error.contains(missingFolder), qPrintable(error));

    QTemporaryDir dir;
    const QString unknown = dir.filePath(QStringLiteral("chart.bmpx"));
    const QString unknownError = ChartExport::save(&chart, unknown).error();
    QVERIFY2(unknownError.contains(QStringLiteral(".bmpx")), qPrintable(unknownError));
    QVERIFY(!QFile::exists(unknown));
    QCOMPARE(ChartExport::fileFilters().size(), 3);
    QVERIFY(ChartExport::fileFilters().at(1).contains(QStringLiteral("*.svg")));
}

void TestCharts::contextMenuOffersSaveAndCopy()
{
    WallTimeChart chart;
    QCOMPARE(chart.contextMenuPolicy(), Qt::ActionsContextMenu);
    ChartExport::installContextMenu(&chart); // again, as a window may: no duplicate entries
    QStringList texts;
    const auto actions = chart.actions();
    for (QAction* action : actions)
        texts.append(action->text());
    QCOMPARE(texts, (QStringList { QStringLiteral("Save chart as…"), QStringLiteral("Copy chart") }));
}

void TestCharts::setResultIsCheap()
{
    // Three backends at ten worker counts: the size of a large classroom run, updated at 30 Hz.
    RunResult r = classicResult();
    r.spec.backends.append(QStringLiteral("qtconcurrent"));
    r.spec.workers = { 1, 2, 3, 4, 5, 6, 7, 8, 12, 16 };
    r.measurements = { measurement(QStringLiteral("sequential"), 1, { 1.0, 1.01, 0.99 }) };
    for (const QString& backend :
        { QStringLiteral("threads"), QStringLiteral("processes"), QStringLiteral("qtconcurrent") }) {
        for (int workers : r.spec.workers)
            r.measurements.append(measurement(backend, workers, { 1.0 / workers, 1.05 / workers, 0.97 / workers }));
    }
    analyse(r);
    QCOMPARE(r.measurements.size(), 31);

    SpeedupChart speedup;
    WallTimeChart wall;
    EfficiencyChart efficiency;
    for (QChartView* view : std::initializer_list<QChartView*> { &speedup, &wall, &efficiency })
        view->resize(800, 500);
    constexpr int rounds = 60;
    QElapsedTimer timer;
    qint64 setOnly[3] = {};
    qint64 withPaint[3] = {};
    for (int round = 0; round < rounds; ++round) {
        // A new sample lands each round, so every series really changes.
        r.measurements[1 + round % 30].samplesS.append(0.9 / r.measurements[1 + round % 30].workers);
        analyse(r);
        int i = 0;
        for (QChartView* view : std::initializer_list<QChartView*> { &speedup, &wall, &efficiency }) {
            timer.start();
            if (auto* s = qobject_cast<SpeedupChart*>(view))
                s->setResult(r);
            else if (auto* w = qobject_cast<WallTimeChart*>(view))
                w->setResult(r);
            else if (auto* e = qobject_cast<EfficiencyChart*>(view))
                e->setResult(r);
            setOnly[i] += timer.nsecsElapsed();
            view->grab();
            withPaint[i] += timer.nsecsElapsed();
            ++i;
        }
    }
    const char* names[3] = { "speedup", "wall time", "efficiency" };
    for (int i = 0; i < 3; ++i) {
        qInfo("%s chart, 31 measurements: setResult %.2f ms, setResult + paint %.2f ms", names[i],
            double(setOnly[i]) / rounds / 1e6, double(withPaint[i]) / rounds / 1e6);
    }
    // Generous: a figure printed for humans, a bound only against pathological slowness.
    QVERIFY(setOnly[0] / rounds < 50'000'000);
}

void TestCharts::lossBarsStackEachMeasurementsAccount()
{
    RunResult r = accountedResult();
    LossChart chart;
    chart.setPalette(lightPalette());
    chart.setResult(r);

    // One bar per measurement with a split, in the run's order; the baseline is the yardstick and has none.
    QStringList labels;
    QList<const Measurement*> shown;
    for (const Measurement& m : r.measurements) {
        QVERIFY2(std::isfinite(m.losses.useful), qPrintable(m.label()));
        if (m.backend != QStringLiteral("sequential")) {
            labels.append(m.label());
            shown.append(&m);
        }
    }
    QCOMPARE(chart.barLabels(), labels);
    QVERIFY(chart.emptyText().isEmpty());

    // A segment per part, useful first, in the palette's colour; each bar's segments are the measurement's
    // Losses in percent, and add up to 100.
    const QList<const Accounting::Part*> segments = lossSegments();
    QCOMPARE(chart.segmentCount(), int(segments.size()));
    for (int s = 0; s < chart.segmentCount(); ++s) {
        QBarSet* set = chart.segment(s);
        QCOMPARE(set->label(), QLatin1String(segments[s]->label));
        QCOMPARE(set->color(), QColor(QRgb(Palette::lossPart(QLatin1String(segments[s]->key)).light)));
        QCOMPARE(set->count(), int(shown.size()));
    }
    for (int bar = 0; bar < int(shown.size()); ++bar) {
        double total = 0;
        for (int s = 0; s < chart.segmentCount(); ++s) {
            const double want = shown[bar]->losses.*segments[s]->share * 100.0;
            QVERIFY2(std::abs(chart.segment(s)->at(bar) - want) < 1e-9, qPrintable(shown[bar]->label()));
            total += chart.segment(s)->at(bar);
        }
        QVERIFY2(std::abs(total - 100.0) < 1e-6, qPrintable(QString::number(total)));
    }
    // Worked by hand for threads x2: 0.80 s of the baseline's work in 0.92 worker-seconds, 0.1 s waiting for a core.
    QCOMPARE(labels.at(1), QStringLiteral("threads x2"));
    QVERIFY(std::abs(chart.segment(segmentOf("useful"))->at(1) - 80.0 / 0.92) < 1e-9);
    QVERIFY(std::abs(chart.segment(segmentOf("cpu_wait"))->at(1) - 10.0 / 0.92) < 1e-9);

    // The ideal: a line at 100% across every bar.
    QLineSeries* ideal = lineNamed(chart, QStringLiteral("ideal (100%: every worker-second useful)"));
    QVERIFY(ideal);
    QCOMPARE(ideal->points(), (QList<QPointF> { QPointF(-0.5, 100), QPointF(double(shown.size()) - 0.5, 100) }));

    // Live: a repeat more for threads x4 changes its bar, in the same sets; a dark palette restyles them.
    QBarSet* useful = chart.segment(0);
    Measurement& four = r.measurements[3];
    QCOMPARE(four.label(), QStringLiteral("threads x4"));
    four.samplesS = { 0.26, 0.26, 0.26, 0.26, 0.26 };
    testsupport::account(four, 0.02, 0.04, 0.08, 0.01);
    analyse(r);
    chart.setResult(r);
    QCOMPARE(chart.segment(0), useful);
    QVERIFY(std::abs(useful->at(2) - 80.0 / (4 * 0.26)) < 1e-9);
    chart.setPalette(darkPalette());
    for (int s = 0; s < chart.segmentCount(); ++s)
        QCOMPARE(chart.segment(s)->color(), QColor(QRgb(Palette::lossPart(QLatin1String(segments[s]->key)).dark)));
}

void TestCharts::lossBarsHangNegativePartsBelowZero()
{
    const RunResult r = accountedResult();
    const Measurement& two = r.measurements[2];
    QCOMPARE(two.label(), QStringLiteral("threads x2"));
    // Its tasks ran 0.05 s less on the CPU than the baseline's: a slowdown of -0.05 / 0.92.
    QVERIFY(std::abs(two.losses.slowdown + 0.05 / 0.92) < 1e-9);

    LossChart chart;
    chart.setPalette(lightPalette());
    chart.resize(900, 600);
    chart.setResult(r);
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    const int slowdown = segmentOf("slowdown");
    QCOMPARE(chart.segment(slowdown)->at(1), two.losses.slowdown * 100.0);
    auto* value = qobject_cast<QValueAxis*>(chart.chart()->axes(Qt::Vertical).value(0));
    QVERIFY(value);
    QVERIFY2(value->min() <= two.losses.slowdown * 100.0, qPrintable(QString::number(value->min())));

    // Drawn: the slowdown hangs from the zero line down, in its colour; useful stands on the zero line; the bar
    // above zero reaches past 100% by what hangs below, its top being the last part above zero.
    QApplication::processEvents();
    const QImage image = chart.grab().toImage();
    auto* series = qobject_cast<QStackedBarSeries*>(chart.chart()->series().value(0));
    QVERIFY(series);
    auto pixel = [&](double percent) {
        const QPointF scene = chart.chart()->mapToPosition(QPointF(1, percent), series);
        return image.pixelColor(chart.mapFromScene(scene));
    };
    auto colourOf = [](const char* key) { return QColor(QRgb(Palette::lossPart(QLatin1String(key)).light)); };
    QCOMPARE(pixel(two.losses.slowdown * 100.0 / 2), colourOf("slowdown"));
    QCOMPARE(pixel(two.losses.useful * 100.0 / 2), colourOf("useful"));
    double above = 0;
    for (const Accounting::Part* part : lossSegments())
        above += std::max(0.0, two.losses.*part->share * 100.0);
    QVERIFY(std::abs(above - 100.0 + two.losses.slowdown * 100.0) < 1e-6);
    QCOMPARE(pixel(above - 2), colourOf("cpu_wait"));
}

void TestCharts::lossBarHoverNamesThePartInPercentAndSeconds()
{
    const RunResult r = accountedResult();
    const Measurement& two = r.measurements[2];
    LossChart chart;
    chart.resize(900, 600);
    chart.setResult(r);
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));

    const int cpuWait = segmentOf("cpu_wait");
    const QString text = chart.segmentText(1, cpuWait);
    // The part, its share and its seconds: the 0.1 s the account says threads x2's tasks waited for a core.
    const double seconds = two.losses.cpuWait * (2 * two.samplesS[two.medianRepeat]);
    QVERIFY(std::abs(seconds - 0.1) < 1e-9);
    QVERIFY2(text.startsWith(QStringLiteral("threads x2 — waiting for a core: ")), qPrintable(text));
    QVERIFY2(text.contains(Format::percent(two.losses.cpuWait)), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("= ") + Format::duration(0.1)), qPrintable(text));
    QVERIFY2(text.contains(QLatin1String(Accounting::parts().at(cpuWait - 1).meaning)), qPrintable(text));
    // A negative part says what below zero means.
    QVERIFY2(chart.segmentText(1, segmentOf("slowdown")).contains(QStringLiteral("below zero")),
        qPrintable(chart.segmentText(1, segmentOf("slowdown"))));
    QVERIFY(chart.segmentText(99, 0).isEmpty());

    // Hovering the segment shows that text as the tooltip.
    auto* series = qobject_cast<QStackedBarSeries*>(chart.chart()->series().value(0));
    QVERIFY(series);
    Q_EMIT series->hovered(true, 1, chart.segment(cpuWait));
    QTRY_COMPARE(QToolTip::text(), text);
    Q_EMIT series->hovered(false, 1, chart.segment(cpuWait));
    QTRY_VERIFY(!QToolTip::isVisible());
}

void TestCharts::lossChartSaysWhatItNeedsBeforeASplit()
{
    LossChart chart;
    const QString needs
        = QStringLiteral("No split yet: it needs a measured repeat of the baseline and of the backend.");
    QCOMPARE(chart.emptyText(), needs);
    // A run recorded without accounts: measured, but nothing to split.
    chart.setResult(classicResult());
    QVERIFY(chart.barLabels().isEmpty());
    QCOMPARE(chart.emptyText(), needs);
    auto* series = qobject_cast<QStackedBarSeries*>(chart.chart()->series().value(0));
    QVERIFY(series);
    QVERIFY(!series->isVisible());
    QVERIFY(!chart.chart()->axes(Qt::Vertical).value(0)->isVisible());

    chart.setResult(accountedResult());
    QVERIFY(chart.emptyText().isEmpty());
    QVERIFY(series->isVisible());
    chart.clear();
    QCOMPARE(chart.emptyText(), needs);
    QVERIFY(chart.barLabels().isEmpty());
}

QTEST_MAIN(TestCharts)
#include "tst_charts.moc"
