// The charts a teacher puts on a projector: every point drawn is a figure from the result (speedups, CI
// whiskers, the ideal and lpt lines, wall times with their spread, efficiencies), dark palettes restyle the
// charts, and each export writes a file other programs open.

#include "charts/chartexport.h"
#include "charts/chartstyle.h"
#include "charts/efficiencychart.h"
#include "charts/losschart.h"
#include "charts/speedupchart.h"
#include "charts/walltimechart.h"
#include "charts/workerschart.h"
#include "export/formatting.h"
#include "export/htmlreport.h"
#include "export/texttable.h"
#include "measurement.h"
#include "palette.h"
#include "runresult.h"
#include "stats/analysis.h"
#include "stats/losses.h"
#include "stats/schedule.h"
#include "testsupport.h"

#include <QAbstractAxis>
#include <QAction>
#include <QApplication>
#include <QAreaSeries>
#include <QBarSet>
#include <QCategoryAxis>
#include <QChart>
#include <QElapsedTimer>
#include <QFile>
#include <QFontMetricsF>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QMouseEvent>
#include <QSignalSpy>
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
    // QLegend hides its entries while a series is added, until its layout request is handled.
    QCoreApplication::processEvents();
    QStringList entries;
    const auto markers = view.chart()->legend()->markers();
    for (QLegendMarker* marker : markers) {
        if (marker->isVisible())
            entries.append(marker->label());
    }
    return entries;
}

// Backends are drawn a few pixels apart (the dodge): a point's worker count is its x rounded, and every point of a
// series is moved alike.
QList<QPointF> undodged(const QList<QPointF>& points)
{
    QList<QPointF> plain;
    for (const QPointF& p : points)
        plain.append(QPointF(std::round(p.x()), p.y()));
    return plain;
}

bool dodgedAlike(const QList<QPointF>& points)
{
    for (const QPointF& p : points) {
        const double offset = p.x() - std::round(p.x());
        if (std::abs(offset - (points.constFirst().x() - std::round(points.constFirst().x()))) > 1e-9
            || std::abs(offset) > 0.2)
            return false;
    }
    return true;
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

// Two backends with the same samples at every worker count: their figures are equal.
RunResult twinResult(const QList<int>& workers = { 1, 2, 4 })
{
    RunResult r;
    r.spec.kernel = QStringLiteral("spin");
    r.spec.inputs = { 100, 100, 100, 100 };
    r.spec.backends = { QStringLiteral("sequential"), QStringLiteral("threads"), QStringLiteral("qtconcurrent") };
    r.spec.workers = workers;
    r.spec.repeats = 3;
    r.measurements = { measurement(QStringLiteral("sequential"), 1, { 0.40, 0.41, 0.40 }) };
    for (const QString& backend : { QStringLiteral("threads"), QStringLiteral("qtconcurrent") }) {
        for (int w : workers)
            r.measurements.append(measurement(backend, w, { 0.40 / w, 0.42 / w, 0.41 / w }));
    }
    // Four equal tasks: the best schedule at 1, 2 and 4 workers is exactly the ideal.
    r.bounds.taskCostsS = { 0.1, 0.1, 0.1, 0.1 };
    analyse(r);
    return r;
}

// A start-up cost swamps the work: every backend is two hundred times slower than sequential.
RunResult startupCostResult()
{
    RunResult r;
    r.spec.kernel = QStringLiteral("noop");
    r.spec.inputs = { 1, 2, 3, 4 };
    r.spec.backends = { QStringLiteral("sequential"), QStringLiteral("process-per-task") };
    r.spec.workers = { 1, 2, 4 };
    r.spec.repeats = 3;
    r.measurements = {
        measurement(QStringLiteral("sequential"), 1, { 0.010, 0.010, 0.010 }),
        measurement(QStringLiteral("process-per-task"), 1, { 2.0, 2.0, 2.0 }),
        measurement(QStringLiteral("process-per-task"), 2, { 1.0, 1.0, 1.0 }),
        measurement(QStringLiteral("process-per-task"), 4, { 0.5, 0.5, 0.5 }),
    };
    analyse(r);
    return r;
}

QLegendMarker* markerOf(QChartView& view, const QString& name)
{
    QAbstractSeries* series = lineNamed(view, name);
    const auto markers = view.chart()->legend()->markers(series);
    return markers.value(0);
}

void moveMouse(QChartView& view, QPointF position)
{
    QMouseEvent move(QEvent::MouseMove, position, view.viewport()->mapToGlobal(position), Qt::NoButton, Qt::NoButton,
        Qt::NoModifier);
    QCoreApplication::sendEvent(view.viewport(), &move);
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
    void equalBackendsSitSideBySide();
    void idealAndBoundStayVisibleWhereTheyMeet();
    void doublingWorkersGetALogAxis();
    void tinySpeedupsGetALogAxisWithReadableLabels();
    void logAxesToggleFromTheMenu();
    void legendClickHidesASeriesThroughUpdates();
    void hoverReadsThePoint();
    void exportIsOnPaperWithACaption();
};

void TestCharts::speedupSeriesFollowTheResult()
{
    const RunResult r = classicResult();
    SpeedupChart chart;
    chart.setResult(r);

    // Sequential is the baseline (always 1x), not a curve.
    QVERIFY(!lineNamed(chart, QStringLiteral("sequential")));
    QCOMPARE(legendEntries(chart),
        (QStringList { QStringLiteral("ideal (y = x)"), QStringLiteral("lpt bound (best schedule of these tasks)"),
            QStringLiteral("threads"), QStringLiteral("processes"), QStringLiteral("threads predicted"),
            QStringLiteral("processes predicted") }));
    auto speedup = [](const Measurement& m) { return m.speedup; };
    // Beside each backend, dashed in its colour and without markers, the schedule simulator's prediction from its
    // 1-worker measurement: at 1, 2 and 4 workers, where it can be checked, and at 8, twice the largest measured.
    for (const QString& backend : { QStringLiteral("threads"), QStringLiteral("processes") }) {
        QLineSeries* predicted = lineNamed(chart, backend + QStringLiteral(" predicted"));
        QVERIFY(predicted);
        QCOMPARE(predicted->pen().style(), Qt::DashLine);
        QCOMPARE(predicted->pen().color(), ChartStyle::backendColor(backend, chart.palette()));
        QVERIFY(!predicted->pointsVisible());
        QList<QPointF> expected;
        for (const Schedule::CurvePoint& p : Schedule::predictedCurve(r, backend))
            expected.append(QPointF(p.workers, p.speedup));
        QCOMPARE(predicted->points(), expected);
        QCOMPARE(expected.size(), 4);
        QCOMPARE(expected.constLast().x(), 8.0);
        // Calibrated on one worker, the prediction there is the measurement; 6 tasks of fib 38..33 in input order on
        // 4 cores are past 2x at 4 workers and gain nothing from 8 (38 alone is half the work: at most 2.6x).
        QVERIFY(qFuzzyCompare(expected.at(0).y(), r.find(backend, 1)->speedup));
        QVERIFY2(expected.at(2).y() > 2 && expected.at(2).y() <= 2.7, qPrintable(QString::number(expected.at(2).y())));
        QVERIFY(expected.at(3).y() < 2.7);
    }
    // Hovering a predicted point says it is one.
    chart.resize(900, 600);
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    QLineSeries* threadsPredicted = lineNamed(chart, QStringLiteral("threads predicted"));
    const QPointF at8 = chart.viewportTransform().map(chart.chart()->mapToScene(
        chart.chart()->mapToPosition(threadsPredicted->points().constLast(), threadsPredicted)));
    const QString readout = chart.readoutAt(at8.toPoint());
    // (threads' and processes' predictions meet there: either may be the one read)
    QVERIFY2(readout.contains(QStringLiteral(", 8 workers\npredicted speedup "))
            && readout.endsWith(QStringLiteral("x (schedule simulation)")),
        qPrintable(readout));
    for (const QString& backend : { QStringLiteral("threads"), QStringLiteral("processes") }) {
        QLineSeries* series = lineNamed(chart, backend);
        QVERIFY(series);
        QCOMPARE(undodged(series->points()), expectedPoints(r, backend, speedup));
        QVERIFY(dodgedAlike(series->points()));
        QVERIFY(series->pointsVisible());
    }

    QLineSeries* ideal = lineNamed(chart, QStringLiteral("ideal (y = x)"));
    QVERIFY(ideal);
    QCOMPARE(ideal->points(), (QList<QPointF> { QPointF(1, 1), QPointF(8, 8) })); // as far as the predictions
    QCOMPARE(ideal->pen().style(), Qt::SolidLine);

    QLineSeries* lpt = lineNamed(chart, QStringLiteral("lpt bound (best schedule of these tasks)"));
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
    // Hovering a backend's point reads its fits, in the words of the table's notes (its second point, as drawn).
    QLineSeries* threadsLine = lineNamed(chart, QStringLiteral("threads"));
    const QPointF at2 = chart.viewportTransform().map(
        chart.chart()->mapToScene(chart.chart()->mapToPosition(threadsLine->points().at(1), threadsLine)));
    const QString threadsReadout = chart.readoutAt(at2.toPoint());
    QVERIFY2(threadsReadout.contains(QStringLiteral("\nAmdahl fit: threads ")), qPrintable(threadsReadout));
    QVERIFY2(threadsReadout.contains(QStringLiteral("\nUSL fit: threads ")), qPrintable(threadsReadout));
    QVERIFY2(!threadsReadout.contains(QStringLiteral("processes")), qPrintable(threadsReadout));
    QCOMPARE(Report::fits(r, QStringLiteral("threads")).size(), 2);

    // A weak run's curve is a scaled speedup, and Gustafson's law is fitted to it.
    RunResult weak = r;
    weak.spec.options.scaling = ScalingKind::Weak;
    analyse(weak, Intervals::Skip);
    chart.setResult(weak);
    QCOMPARE(axis(chart, Qt::Vertical)->titleText(), QStringLiteral("scaled speedup (x)"));
    QCOMPARE(Report::fits(weak, QStringLiteral("threads")).size(), 1);
    QVERIFY(Report::fits(weak, QStringLiteral("threads"))
                .constFirst()
                .startsWith(QStringLiteral("Gustafson fit: threads")));
    chart.setResult(r);
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
        drawn.append({ std::round(points.at(2).x()), points.at(2).y(), points.at(3).y() });
    }
    std::sort(expected.begin(), expected.end());
    std::sort(drawn.begin(), drawn.end());
    QCOMPARE(drawn, expected);

    // Whiskers are drawn in their backend's colour and stay out of the legend (ideal, bound, 2 backends and their
    // predictions).
    QCOMPARE(legendEntries(chart).size(), 6);
}

void TestCharts::speedupAxesFitTheData()
{
    RunResult r = classicResult();
    r.measurements[3].speedupHigh = 6.3; // an outlying interval above the ideal line must stay visible
    SpeedupChart chart;
    chart.setResult(r);
    QValueAxis* x = axis(chart, Qt::Horizontal);
    QValueAxis* y = axis(chart, Qt::Vertical);
    // 1 to 8 workers (the predictions go on to twice the largest measured count), with a sliver of padding so edge
    // markers are not cut.
    QVERIFY2(x->min() < 1.0 && x->min() > 0.7, qPrintable(QString::number(x->min())));
    QVERIFY2(x->max() > 8.0 && x->max() < 8.4, qPrintable(QString::number(x->max())));
    QCOMPARE(y->min(), 0.0);
    QVERIFY2(y->max() > 8 && y->max() <= 10, qPrintable(QString::number(y->max())));

    // Without the predictions, 1 to 4 workers, and the ideal's 4x at the top.
    chart.setPredictionsShown(false);
    r = classicResult();
    chart.setResult(r);
    QVERIFY(x->max() > 4.0 && x->max() < 4.2);
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
            if (std::round(a.at(i).x()) != b.at(i).x() || std::abs(a.at(i).y() - b.at(i).y()) > 1e-9)
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
        QCOMPARE(undodged(series->points()),
            expectedPoints(r, backend, [](const Measurement& m) { return m.efficiency * 100.0; }));
    }
    QLineSeries* full = lineNamed(chart, QStringLiteral("100% (every worker fully used)"));
    QVERIFY(full);
    QCOMPARE(full->points(), (QList<QPointF> { QPointF(1, 100), QPointF(4, 100) }));
    QCOMPARE(axis(chart, Qt::Vertical)->titleText(), QStringLiteral("efficiency (%)"));
    QVERIFY(axis(chart, Qt::Vertical)->max() > 100);
}

void TestCharts::legendWrapsBelowThePlot()
{
    // QChart's own legend is one row that truncates "lpt bound (best schedule of these tasks)" on a narrow
    // chart; ParLab's wraps into rows under the plot instead, inside the chart.
    SpeedupChart chart;
    chart.setResult(classicResult());
    for (const QSize& size : { QSize(1700, 700), QSize(430, 320) }) {
        chart.resize(size);
        QCOMPARE(legendEntries(chart).size(), 6);
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
    QCOMPARE(texts,
        (QStringList { QStringLiteral("Logarithmic workers axis"), QStringLiteral("Logarithmic wall time axis"),
            QString(), QStringLiteral("Save chart as…"), QStringLiteral("Copy chart") }));
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

void TestCharts::equalBackendsSitSideBySide()
{
    // threads and qtconcurrent measured the same: on screen their points, whiskers and bands sit apart, in legend
    // order.
    const RunResult r = twinResult();
    SpeedupChart speedup;
    WallTimeChart wall;
    EfficiencyChart efficiency;
    speedup.setResult(r);
    wall.setResult(r);
    efficiency.setResult(r);
    for (WorkersChart* view : std::initializer_list<WorkersChart*> { &speedup, &wall, &efficiency }) {
        view->resize(800, 500);
        view->show();
        QVERIFY(QTest::qWaitForWindowExposed(view));
        for (int workers : { 1, 2, 4 }) {
            const QPointF threads = view->pointPosition(QStringLiteral("threads"), workers);
            const QPointF qtconcurrent = view->pointPosition(QStringLiteral("qtconcurrent"), workers);
            QVERIFY(!threads.isNull() && !qtconcurrent.isNull());
            QCOMPARE(threads.y(), qtconcurrent.y());
            // Apart by more than a marker's radius, in the legend's order, and still over their worker count.
            QVERIFY2(qtconcurrent.x() - threads.x() >= ChartStyle::kMarkerSize,
                qPrintable(QStringLiteral("%1 vs %2").arg(threads.x()).arg(qtconcurrent.x())));
            QVERIFY(qtconcurrent.x() - threads.x() < 30);
        }
    }
    // A whisker stands at its own backend's point, not at the bare worker count.
    for (const QString& backend : { QStringLiteral("threads"), QStringLiteral("qtconcurrent") }) {
        const QList<QPointF> line = lineNamed(speedup, backend)->points();
        int matched = 0;
        for (QLineSeries* whisker : unnamedLines(speedup)) {
            for (const QPointF& p : line)
                matched += whisker->at(2).x() == p.x() ? 1 : 0;
        }
        QCOMPARE(matched, 3);
    }
}

void TestCharts::idealAndBoundStayVisibleWhereTheyMeet()
{
    // Four equal tasks: the lpt bound is exactly the ideal line at 1, 2 and 4 workers.
    const RunResult r = twinResult();
    QCOMPARE(r.bounds.lpt.value(4), 4.0);
    for (const QPalette& palette : { lightPalette(), darkPalette() }) {
        SpeedupChart chart;
        chart.setPalette(palette);
        chart.setResult(r);
        QLineSeries* ideal = lineNamed(chart, QStringLiteral("ideal (y = x)"));
        QLineSeries* bound = lineNamed(chart, QStringLiteral("lpt bound (best schedule of these tasks)"));
        QVERIFY(ideal && bound);
        // Told apart by style, width and colour, from the palette the report reads too.
        QCOMPARE(ideal->pen().style(), Qt::SolidLine);
        QCOMPARE(bound->pen().style(), Qt::DashLine);
        QVERIFY(bound->pen().widthF() > ideal->pen().widthF());
        QVERIFY(bound->pen().color() != ideal->pen().color());
        QCOMPARE(bound->pen(), ChartStyle::pen(Palette::reference(Palette::Reference::LptBound), palette));
        QCOMPARE(ideal->pen(), ChartStyle::pen(Palette::reference(Palette::Reference::Ideal), palette));
        // Drawn after the ideal, so its dashes lie over it; the ideal shows in the gaps.
        const auto all = chart.chart()->series();
        QVERIFY(all.indexOf(bound) > all.indexOf(ideal));

        // On screen, both colours are there along the shared line.
        chart.resize(800, 500);
        chart.show();
        QVERIFY(QTest::qWaitForWindowExposed(&chart));
        const QImage image = chart.grab().toImage();
        auto pixelsNear = [&image](const QColor& colour) {
            int count = 0;
            for (int y = 0; y < image.height(); ++y) {
                for (int x = 0; x < image.width(); ++x) {
                    const QColor c = image.pixelColor(x, y);
                    count += std::abs(c.red() - colour.red()) + std::abs(c.green() - colour.green())
                            + std::abs(c.blue() - colour.blue())
                        < 30;
                }
            }
            return count;
        };
        QVERIFY2(pixelsNear(bound->pen().color()) > 100, "the bound is not visible");
        QVERIFY2(pixelsNear(ideal->pen().color()) > 50, "the ideal line is hidden under the bound");
    }
}

void TestCharts::doublingWorkersGetALogAxis()
{
    const RunResult r = twinResult({ 1, 2, 4, 8, 16 });
    SpeedupChart chart;
    chart.resize(900, 600);
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    chart.setResult(r);
    // Powers of two up to 16: a log2 workers axis, picked by the chart; the predictions go on to 32.
    QVERIFY(chart.logScale(Qt::Horizontal));
    QVERIFY(!chart.logScale(Qt::Vertical));
    auto* workersAxis = qobject_cast<QCategoryAxis*>(chart.chart()->axes(Qt::Horizontal).value(0));
    QVERIFY(workersAxis);
    QCOMPARE(workersAxis->categoriesLabels(),
        (QStringList { QStringLiteral("1"), QStringLiteral("2"), QStringLiteral("4"), QStringLiteral("8"),
            QStringLiteral("16"), QStringLiteral("32") }));
    QVERIFY(chart.logScaleAction(Qt::Horizontal)->isChecked());

    // Evenly spaced on screen: each doubling takes the same width.
    auto gaps = [&chart] {
        QList<double> widths;
        double previous = chart.pointPosition(QStringLiteral("threads"), 1).x();
        for (int workers : { 2, 4, 8, 16 }) {
            const double x = chart.pointPosition(QStringLiteral("threads"), workers).x();
            widths.append(x - previous);
            previous = x;
        }
        return widths;
    };
    QTRY_VERIFY(gaps().constFirst() > 50);
    for (double gap : gaps())
        QVERIFY2(std::abs(gap - gaps().constFirst()) < 0.5, qPrintable(QString::number(gap)));
    // y = x on a log workers axis and a linear speedup axis is a curve: drawn through many points, each on it.
    QLineSeries* ideal = lineNamed(chart, QStringLiteral("ideal (y = x)"));
    QVERIFY(ideal->count() > 10);
    for (const QPointF& p : ideal->points())
        QVERIFY(std::abs(std::exp2(p.x()) - p.y()) < 1e-9);
    QCOMPARE(ideal->points().constLast(), QPointF(5, 32)); // as far as the predictions go

    // The user's choice wins over the chart's, and survives updates; linear: 1 to 2 is a sixteenth of 1 to 16.
    chart.setLogScale(Qt::Horizontal, false);
    chart.setResult(r);
    QVERIFY(!chart.logScale(Qt::Horizontal));
    QVERIFY(!qobject_cast<QCategoryAxis*>(chart.chart()->axes(Qt::Horizontal).value(0)));
    QTRY_VERIFY(gaps().constLast() > 6 * gaps().constFirst());

    // Worker counts that are not doublings stay linear.
    SpeedupChart other;
    other.setResult(twinResult({ 1, 3, 6, 12, 24 }));
    QVERIFY(!other.logScale(Qt::Horizontal));
}

void TestCharts::tinySpeedupsGetALogAxisWithReadableLabels()
{
    // Labels never round a small figure to nothing.
    QCOMPARE(ChartStyle::number(0.005), QStringLiteral("0.005"));
    QCOMPARE(ChartStyle::number(0.0123456), QStringLiteral("0.0123"));
    QCOMPARE(ChartStyle::number(2.5), QStringLiteral("2.5"));
    QCOMPARE(ChartStyle::number(16), QStringLiteral("16"));
    QCOMPARE(ChartStyle::number(1234.5), QStringLiteral("1235"));
    QCOMPARE(ChartStyle::logTicks(1, 16, ChartStyle::Scale::Log2, 10), (QList<double> { 1, 2, 4, 8, 16 }));
    QCOMPARE(ChartStyle::logTicks(1, 1024, ChartStyle::Scale::Log2, 4), (QList<double> { 1, 16, 256 }));
    QCOMPARE(ChartStyle::logTicks(0.004, 3, ChartStyle::Scale::Log10, 12),
        (QList<double> { 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2 }));

    const RunResult r = startupCostResult();
    QCOMPARE(ChartStyle::number(r.measurements[1].speedup), QStringLiteral("0.005"));
    SpeedupChart chart;
    chart.setPredictionsShown(false); // the ideal to 8 workers beside them would make this three decades
    chart.resize(900, 600);
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    chart.setResult(r);
    // 0.005x to the ideal's 4x: more than two decades, a logarithmic speedup axis.
    QVERIFY(chart.logScale(Qt::Vertical));
    auto* y = qobject_cast<QCategoryAxis*>(chart.chart()->axes(Qt::Vertical).value(0));
    QVERIFY(y);
    const QStringList labels = y->categoriesLabels();
    QVERIFY2(labels.contains(QStringLiteral("0.005")) && labels.contains(QStringLiteral("0.01"))
            && labels.contains(QStringLiteral("1")),
        qPrintable(labels.join(QLatin1Char(' '))));
    QVERIFY(!labels.contains(QStringLiteral("0.00")));
    QCOMPARE(y->titleText(), QStringLiteral("speedup (x) (log scale)"));
    // The points sit where their labels say: 0.005x on the "0.005" line.
    const QPointF point = chart.pointPosition(QStringLiteral("process-per-task"), 1);
    const QPointF label = chart.chart()->mapToPosition(QPointF(0, y->endValue(QStringLiteral("0.005"))));
    QVERIFY2(std::abs(chart.mapFromScene(chart.chart()->mapToScene(label)).y() - point.y()) < 1.5,
        qPrintable(QStringLiteral("%1 vs %2").arg(label.y()).arg(point.y())));

    // Speedups within two decades keep a linear axis.
    SpeedupChart classic;
    classic.setResult(classicResult());
    QVERIFY(!classic.logScale(Qt::Vertical));
}

void TestCharts::logAxesToggleFromTheMenu()
{
    SpeedupChart speedup;
    speedup.setResult(classicResult());
    QStringList texts;
    for (QAction* action : speedup.actions())
        texts.append(action->text());
    QVERIFY(texts.contains(QStringLiteral("Logarithmic workers axis")));
    QVERIFY(texts.contains(QStringLiteral("Logarithmic speedup axis")));
    QAction* logY = speedup.logScaleAction(Qt::Vertical);
    QVERIFY(logY && logY->isCheckable() && !logY->isChecked());
    QVERIFY(speedup.actions().contains(logY));

    QSignalSpy changed(&speedup, &WorkersChart::logScaleChanged);
    logY->trigger();
    QVERIFY(speedup.logScale(Qt::Vertical));
    QVERIFY(logY->isChecked());
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed.at(0).at(0).value<Qt::Orientation>(), Qt::Vertical);
    QVERIFY(qobject_cast<QCategoryAxis*>(speedup.chart()->axes(Qt::Vertical).value(0)));
    // Every series moved to the new axis: the threads line is drawn at log10 of its speedups.
    const Measurement* threads4 = classicResult().find(QStringLiteral("threads"), 4);
    QCOMPARE(lineNamed(speedup, QStringLiteral("threads"))->at(2).y(), std::log10(threads4->speedup));
    const auto all = speedup.chart()->series();
    for (QAbstractSeries* series : all)
        QCOMPARE(series->attachedAxes().size(), 2);

    speedup.logScaleAction(Qt::Horizontal)->trigger();
    QVERIFY(speedup.logScale(Qt::Horizontal));
    // Streaming on keeps the user's choice, and back.
    speedup.setResult(classicResult());
    QVERIFY(speedup.logScale(Qt::Vertical) && speedup.logScale(Qt::Horizontal));
    speedup.setLogScale(Qt::Vertical, false);
    QVERIFY(!logY->isChecked());
    QVERIFY(!qobject_cast<QCategoryAxis*>(speedup.chart()->axes(Qt::Vertical).value(0)));
    QCOMPARE(lineNamed(speedup, QStringLiteral("threads"))->at(2).y(), threads4->speedup);

    // Efficiency lives between 0 and 100%: only its workers axis can be logarithmic.
    EfficiencyChart efficiency;
    QVERIFY(efficiency.logScaleAction(Qt::Horizontal));
    QVERIFY(!efficiency.logScaleAction(Qt::Vertical));
    efficiency.setLogScale(Qt::Vertical, true);
    QVERIFY(!efficiency.logScale(Qt::Vertical));
}

void TestCharts::legendClickHidesASeriesThroughUpdates()
{
    const RunResult full = classicResult();
    RunResult partial = full;
    partial.measurements.removeLast();
    analyse(partial);
    SpeedupChart chart;
    chart.setResult(partial);
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    QLineSeries* processes = lineNamed(chart, QStringLiteral("processes"));
    QLegendMarker* marker = markerOf(chart, QStringLiteral("processes"));
    QVERIFY(processes && marker);
    auto visibleWhiskers = [&chart] {
        const QList<QLineSeries*> whiskers = unnamedLines(chart);
        return int(std::count_if(whiskers.cbegin(), whiskers.cend(), [](QLineSeries* s) { return s->isVisible(); }));
    };
    QCOMPARE(visibleWhiskers(), 5);

    // A click on the legend entry (what QLegend emits for it) hides the line and its whiskers; the entry stays,
    // faded, so it can be clicked again.
    Q_EMIT marker->clicked();
    QVERIFY(!processes->isVisible());
    QVERIFY(!chart.isSeriesVisible(QStringLiteral("processes")));
    QVERIFY(marker->isVisible());
    QVERIFY(marker->labelBrush().color().alpha() < 128);
    QVERIFY(processes->pen().color().alpha() < 128); // the entry's line sample
    QVERIFY(markerOf(chart, QStringLiteral("threads"))->labelBrush().color().alpha() == 255);
    QCOMPARE(visibleWhiskers(), 3);
    QVERIFY(legendEntries(chart).contains(QStringLiteral("processes")));

    // The run streams on: the new point and its whisker arrive hidden, many updates later still hidden.
    for (int i = 0; i < 5; ++i)
        chart.setResult(full);
    QCOMPARE(lineNamed(chart, QStringLiteral("processes")), processes);
    QCOMPARE(processes->count(), 3);
    QVERIFY(!processes->isVisible());
    QCOMPARE(visibleWhiskers(), 3);
    QCOMPARE(unnamedLines(chart).size(), 6);
    // Hovering a hidden point does not read it.
    QVERIFY(!chart.readoutAt(chart.pointPosition(QStringLiteral("processes"), 4).toPoint())
                 .contains(QStringLiteral("processes")));
    // A palette change restyles the legend, and keeps the entry faded.
    chart.setPalette(darkPalette());
    QVERIFY(marker->labelBrush().color().alpha() < 128);

    // A second click shows it all again.
    Q_EMIT marker->clicked();
    QVERIFY(processes->isVisible());
    QCOMPARE(visibleWhiskers(), 6);
    QCOMPARE(marker->labelBrush().color().alpha(), 255);
    QCOMPARE(processes->pen().color(), ChartStyle::backendColor(QStringLiteral("processes"), darkPalette()));
    // Whiskers never come into the legend.
    QCOMPARE(legendEntries(chart).size(), 6);

    // The reference lines toggle too.
    Q_EMIT markerOf(chart, QStringLiteral("ideal (y = x)"))->clicked();
    QVERIFY(!lineNamed(chart, QStringLiteral("ideal (y = x)"))->isVisible());
}

void TestCharts::hoverReadsThePoint()
{
    const RunResult r = classicResult();
    const Measurement* threads2 = r.find(QStringLiteral("threads"), 2);
    SpeedupChart speedup;
    speedup.resize(900, 600);
    speedup.setResult(r);
    speedup.show();
    QVERIFY(QTest::qWaitForWindowExposed(&speedup));

    // The pointer over the threads x2 point, where QChart maps it on screen; no button needs to be held.
    QVERIFY(speedup.viewport()->hasMouseTracking());
    QLineSeries* threads = lineNamed(speedup, QStringLiteral("threads"));
    const QPointF inChart = speedup.chart()->mapToPosition(threads->at(1), threads);
    const QPointF onScreen = speedup.mapFromScene(speedup.chart()->mapToScene(inChart));
    moveMouse(speedup, onScreen + QPointF(2, -1));
    // Then what the fits make of the threads curve.
    const QString expected = QStringLiteral("threads, 2 workers\nspeedup %1x (95% CI %2x–%3x)\n3 samples\n%4")
                                 .arg(ChartStyle::number(threads2->speedup), ChartStyle::number(threads2->speedupLow),
                                     ChartStyle::number(threads2->speedupHigh),
                                     Report::fits(r, QStringLiteral("threads")).join(QLatin1Char('\n')));
    QTRY_COMPARE(QToolTip::text(), expected);
    QVERIFY(QToolTip::isVisible());
    // Away from every point: the read-out goes.
    moveMouse(speedup, QPointF(5, 5));
    QTRY_VERIFY(!QToolTip::isVisible());

    // The other charts read their own figure.
    speedup.hide();
    WallTimeChart wall;
    wall.resize(900, 600);
    wall.setResult(r);
    wall.show();
    QVERIFY(QTest::qWaitForWindowExposed(&wall));
    // Through the window system this time, as a real pointer arrives.
    QTest::mouseMove(wall.viewport(), wall.pointPosition(QStringLiteral("threads"), 2).toPoint());
    QTRY_COMPARE(QToolTip::text(),
        QStringLiteral("threads, 2 workers\nmedian wall time %1 (fastest %2, slowest %3)\n3 samples")
            .arg(Format::duration(threads2->wall.median), Format::duration(threads2->wall.min),
                Format::duration(threads2->wall.max)));

    EfficiencyChart efficiency;
    efficiency.resize(900, 600);
    efficiency.setResult(r);
    efficiency.show();
    QVERIFY(QTest::qWaitForWindowExposed(&efficiency));
    const QString text = efficiency.readoutAt(efficiency.pointPosition(QStringLiteral("processes"), 4).toPoint());
    QVERIFY2(text.startsWith(QStringLiteral("processes, 4 workers\nefficiency %1% (95% CI ")
                                 .arg(ChartStyle::number(r.find(QStringLiteral("processes"), 4)->efficiency * 100))),
        qPrintable(text));
}

void TestCharts::exportIsOnPaperWithACaption()
{
    RunResult r = classicResult();
    r.environment.cpu = QStringLiteral("Test CPU 3000");
    r.environment.logicalCores = 8;
    r.warnings = { QStringLiteral("CV above 10%"), QStringLiteral("debug build") };
    r.created = QDateTime(QDate(2026, 12, 3), QTime(14, 32));
    const QString caption = ChartExport::caption(r);
    QCOMPARE(caption,
        QStringLiteral("ParLab · measured 2026-12-03 14:32 on Test CPU 3000 (8 logical cores) · 2 warnings: see the "
                       "report"));

    SpeedupChart chart;
    chart.setPalette(darkPalette());
    chart.resize(600, 400);
    chart.setResult(r);
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    QCOMPARE(ChartExport::captionOf(&chart), caption);
    QTemporaryDir dir;
    const QString png = dir.filePath(QStringLiteral("chart.png"));
    QVERIFY(ChartExport::save(&chart, png, QSize(800, 500)));
    QImage image(png);
    QCOMPARE(image.size(), QSize(1600, 1000));
    // White paper however dark the window, and dark ink on it: the title, and the caption at the foot.
    QCOMPARE(image.pixelColor(2, 2), QColor(Qt::white));
    QCOMPARE(image.pixelColor(image.width() - 3, image.height() - 3), QColor(Qt::white));
    auto darkPixels = [&image](int top, int bottom) {
        int count = 0;
        for (int y = top; y < bottom; ++y) {
            for (int x = 0; x < image.width(); ++x)
                count += image.pixelColor(x, y).lightness() < 160;
        }
        return count;
    };
    QVERIFY(darkPixels(image.height() - 40, image.height()) > 200);
    QVERIFY(darkPixels(0, 80) > 200);
    // The window is as it was.
    QCOMPARE(chart.chart()->backgroundBrush().color(), QColor(30, 30, 34));
    QCOMPARE(chart.palette().color(QPalette::Window), QColor(30, 30, 34));
    QCOMPARE(lineNamed(chart, QStringLiteral("threads"))->pen().color(),
        ChartStyle::backendColor(QStringLiteral("threads"), darkPalette()));

    // The vector formats carry the caption as text.
    const QString svg = dir.filePath(QStringLiteral("chart.svg"));
    QVERIFY(ChartExport::save(&chart, svg));
    QFile file(svg);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QString text = QString::fromUtf8(file.readAll());
    QVERIFY2(text.contains(QStringLiteral("2 warnings: see the report")), "no caption in the SVG");
    QVERIFY(text.contains(QStringLiteral("Test CPU 3000 (8 logical cores)")));
    QVERIFY(!text.contains(QStringLiteral("#1e1e22"))); // no trace of the window's dark background

    // A chart with nothing measured has no caption.
    chart.clear();
    QVERIFY(ChartExport::captionOf(&chart).isEmpty());
}

QTEST_MAIN(TestCharts)
#include "tst_charts.moc"
