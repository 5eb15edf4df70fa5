// The timeline a teacher points at: one row per worker, every task a bar where its times say, the GIL's
// states under the bars, hover naming a task, zoom and pan that keep the user's place, exports other programs
// open, a chosen measurement that survives live updates, a real run drawn as run, and 100,000 tasks drawn fast.
// Along each bar a strip shows how its task's time split, in the window and in the report alike.

#include "backends/backendregistry.h"
#include "charts/chartstyle.h"
#include "experimentspec.h"
#include "export/formatting.h"
#include "export/svgcharts.h"
#include "measurement.h"
#include "palette.h"
#include "runner.h"
#include "runresult.h"
#include "taskspan.h"
#include "testsupport.h"
#include "timeline/taskstates.h"
#include "timeline/timelinepanel.h"
#include "timeline/timelineview.h"

#include <QCheckBox>
#include <QComboBox>
#include <QElapsedTimer>
#include <QFile>
#include <QImage>
#include <QKeyEvent>
#include <QMap>
#include <QPainter>
#include <QRegularExpression>
#include <QScrollBar>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <QWheelEvent>
#include <QXmlStreamReader>
#include <cmath>

using namespace parlab;

namespace {
constexpr qint64 kClock = 5'000'000'000; // an arbitrary point on the monotonic clock
constexpr qint64 kMs = 1'000'000;

TaskSpan task(int index, qint64 input, int worker, double startMs, double endMs, qint64 pid = 4242)
{
    TaskSpan span;
    span.input = input;
    span.index = index;
    span.worker = worker;
    span.pid = pid;
    span.startNs = kClock + qint64(startMs * kMs);
    span.endNs = kClock + qint64(endMs * kMs);
    span.checksum = quint64(input);
    return span;
}

StateSpan state(int worker, LockState lock, double startMs, double endMs)
{
    StateSpan s;
    s.worker = worker;
    s.state = lock;
    s.startNs = kClock + qint64(startMs * kMs);
    s.endNs = kClock + qint64(endMs * kMs);
    return s;
}

// Two threads, six tasks (inputs 35..30); with states, each thread's lock states cross its task boundaries.
Measurement handMade(bool withStates = false, const QString& backend = QStringLiteral("threads"), int workers = 2)
{
    Measurement m;
    m.backend = backend;
    m.workers = workers;
    m.samplesS = { 0.040 };
    m.spans = {
        task(0, 35, 0, 0, 10),
        task(1, 34, 1, 0.5, 20),
        task(2, 33, 0, 10, 25),
        task(3, 32, 1, 20, 30),
        task(4, 31, 0, 25, 40),
        task(5, 30, 1, 30, 38),
    };
    if (withStates) {
        m.states = {
            state(0, LockState::Running, 0, 5),
            state(0, LockState::Waiting, 5, 12), // task 0 -> task 2 at 10 ms
            state(0, LockState::Running, 12, 30),
            state(0, LockState::Released, 30, 40),
            state(1, LockState::Waiting, 0, 3),
            state(1, LockState::Running, 3, 22), // task 1 -> task 3 at 20 ms
            state(1, LockState::Waiting, 22, 38),
        };
        m.switches = { 17, 23 };
    }
    return m;
}

// `tasks` tiny tasks of gil-threads on `workers` threads, each with its lock states: a live run's worth.
Measurement manyTasks(int tasks, int workers)
{
    Measurement m;
    m.backend = QStringLiteral("gil-threads");
    m.workers = workers;
    m.samplesS = { 1.0 };
    m.spans.reserve(tasks);
    m.states.reserve(qsizetype(2) * tasks);
    QList<qint64> clock(workers, kClock);
    for (int i = 0; i < tasks; ++i) {
        const int worker = i % workers;
        TaskSpan span;
        span.input = 20 + i % 7;
        span.index = i;
        span.worker = worker;
        span.pid = 1;
        span.startNs = clock[worker];
        span.endNs = span.startNs + 20'000 + qint64(i % 13) * 1'000;
        clock[worker] = span.endNs + 500;
        m.spans.append(span);
        StateSpan waiting;
        waiting.worker = worker;
        waiting.state = LockState::Waiting;
        waiting.startNs = span.startNs;
        waiting.endNs = span.startNs + 5'000;
        StateSpan running = waiting;
        running.state = LockState::Running;
        running.startNs = waiting.endNs;
        running.endNs = span.endNs;
        m.states.append(waiting);
        m.states.append(running);
    }
    return m;
}

RunResult resultOf(const QList<Measurement>& measurements)
{
    RunResult r;
    r.spec.kernel = QStringLiteral("fib");
    r.spec.inputs = { 35, 34, 33, 32, 31, 30 };
    r.measurements = measurements;
    return r;
}

// A view shown at a known size, so its viewport has its final geometry.
void showAt(QWidget& widget, QSize size)
{
    widget.resize(size);
    widget.show();
    QVERIFY(QTest::qWaitForWindowExposed(&widget));
}

bool sameColour(QColor a, QColor b, int tolerance = 3)
{
    return std::abs(a.red() - b.red()) <= tolerance && std::abs(a.green() - b.green()) <= tolerance
        && std::abs(a.blue() - b.blue()) <= tolerance;
}

QWheelEvent wheel(QPointF pos, QPoint angle, Qt::KeyboardModifiers modifiers)
{
    return QWheelEvent(pos, pos, QPoint(), angle, Qt::NoButton, modifiers, Qt::NoScrollPhase, false);
}

// The fill colour of every <rect> in an SVG file (inherited from the enclosing <g>, as QSvgGenerator writes).
QList<QColor> svgRectFills(const QString& path, QString* error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = file.errorString();
        return {};
    }
    QXmlStreamReader xml(&file);
    QList<QString> fills { QStringLiteral("none") };
    QList<QColor> rects;
    while (!xml.atEnd()) {
        xml.readNext();
        if (xml.isStartElement()) {
            const auto attributes = xml.attributes();
            const QString fill = attributes.hasAttribute(QStringLiteral("fill"))
                ? attributes.value(QStringLiteral("fill")).toString()
                : fills.last();
            fills.append(fill);
            if (xml.name() == QLatin1String("rect"))
                rects.append(QColor(fill));
        } else if (xml.isEndElement()) {
            fills.removeLast();
        }
    }
    if (xml.hasError())
        *error = xml.errorString();
    return rects;
}
} // namespace

class TestTimeline final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void emptyViewSaysWhatToDo();
    void oneRowPerWorker();
    void rowLabelsNameProcessesAndRanks();
    void hitTestingFindsTasksAndStates();
    void zoomKeepsTimeUnderCursor();
    void panMovesTheWindow();
    void fitRestoresEverything();
    void liveUpdateKeepsZoom();
    void pngExportDrawsBarsAndStates();
    void svgExportHasRects();
    void barLabelsMatchTheReport();
    void taskStripsSplitEachBar();
    void narrowLegendWrapsInsteadOfDropping();
    void exportErrorsNameThePath();
    void paletteChangeRestyles();
    void captionSummarises();
    void defaultPicksMostParallel();
    void chosenMeasurementSurvivesNewResults();
    void sharedScaleComparesBarAgainstBar();
    void realRunHasOneRowPerWorker();
    void tooltipSaysWhereAPinnedTaskRan();
    void hundredThousandSpansPaintFast();
    void bigResultsArePreparedOffTheUiThread();
    void lockStripSaysHowItWasMade();
};

void TestTimeline::initTestCase()
{
    Runner registersMetaTypes;
    Q_UNUSED(registersMetaTypes);
}

void TestTimeline::emptyViewSaysWhatToDo()
{
    TimelineView view;
    showAt(view, QSize(700, 300));
    QVERIFY(view.isEmpty());
    QCOMPARE(view.rowCount(), 0);
    QCOMPARE(view.itemAt(QPoint(350, 150)).span, -1);
    QVERIFY(view.toolTipAt(QPoint(350, 150)).isEmpty());
    // Not a blank: the message is drawn in the middle.
    const QImage image = view.grab().toImage();
    const QColor background = view.palette().color(QPalette::Window);
    int inked = 0;
    for (int x = 0; x < image.width(); ++x) {
        if (!sameColour(image.pixelColor(x, image.height() / 2), background, 20))
            ++inked;
    }
    QVERIFY2(inked > 20, qPrintable(QStringLiteral("%1 inked pixels across the middle").arg(inked)));
}

void TestTimeline::oneRowPerWorker()
{
    TimelineView view;
    showAt(view, QSize(900, 300));
    view.setMeasurement(handMade());
    QCOMPARE(view.rowCount(), 2);
    QCOMPARE(view.rowWorker(0), 0);
    QCOMPARE(view.rowWorker(1), 1);
    // Threads of one program: no pid in the label, counted from 1.
    QCOMPARE(view.rowLabel(0), QStringLiteral("thread 1"));
    QCOMPARE(view.rowLabel(1), QStringLiteral("thread 2"));
    QCOMPARE(view.originNs(), kClock);

    // Each task's bar sits in its worker's row (worker 0 above worker 1), left to right in time.
    const Measurement m = handMade();
    for (int i = 0; i < m.spans.size(); ++i) {
        const QRectF bar = view.taskRect(i);
        QVERIFY2(!bar.isEmpty(), qPrintable(QString::number(i)));
        QCOMPARE(bar.top(), view.taskRect(m.spans.at(i).worker == 0 ? 0 : 1).top());
    }
    QVERIFY(view.taskRect(1).top() >= view.taskRect(0).bottom());
    QVERIFY(view.taskRect(2).left() >= view.taskRect(0).right() - 1);
    QVERIFY(view.taskRect(4).left() >= view.taskRect(2).right() - 1);

    // States of a worker without tasks still get a row.
    Measurement withIdle = handMade(true);
    withIdle.states.append(state(2, LockState::Waiting, 0, 38));
    view.setMeasurement(withIdle);
    QCOMPARE(view.rowCount(), 3);
    QCOMPARE(view.rowWorker(2), 2);
}

void TestTimeline::rowLabelsNameProcessesAndRanks()
{
    TimelineView view;
    showAt(view, QSize(900, 300));
    Measurement processes = handMade(false, QStringLiteral("processes"));
    for (TaskSpan& span : processes.spans)
        span.pid = 1000 + span.worker;
    view.setMeasurement(processes);
    // The report's and the trace's wording (TimelineModel::workerLabel), the same in the window.
    QCOMPARE(view.rowLabel(0), QStringLiteral("process 1 (pid 1000)"));
    QCOMPARE(view.rowLabel(1), QStringLiteral("process 2 (pid 1001)"));

    Measurement ranks = handMade(false, QStringLiteral("mpi"));
    for (TaskSpan& span : ranks.spans) {
        span.pid = 2000 + span.worker;
        span.host = span.worker == 0 ? QStringLiteral("node-a") : QStringLiteral("node-b");
    }
    view.setMeasurement(ranks);
    QCOMPARE(view.rowLabel(0), QStringLiteral("rank 0 @ node-a (pid 2000)"));
    QCOMPARE(view.rowLabel(1), QStringLiteral("rank 1 @ node-b (pid 2001)"));
    // A task timed on another host's clock says how far its place on this one may be off; one timed here does not.
    for (TaskSpan& span : ranks.spans)
        span.clockUncertaintyNs = span.worker == 0 ? 0 : 40'000;
    view.setMeasurement(ranks);
    for (int i = 0; i < ranks.spans.size(); ++i) {
        const QString tip = view.toolTipAt(view.taskRect(i).center().toPoint());
        QVERIFY2(tip.contains(QStringLiteral("host %1").arg(ranks.spans[i].host)), qPrintable(tip));
        QCOMPARE(
            tip.contains(QStringLiteral("placed on this machine's clock to within \u00b1") + Format::duration(40e-6)),
            ranks.spans[i].worker != 0);
    }

    // One fresh process per task: the slot has many pids, so none goes in the label (the tooltip has each).
    Measurement perTask = handMade(false, QStringLiteral("process-per-task"));
    for (TaskSpan& span : perTask.spans)
        span.pid = 3000 + span.index;
    view.setMeasurement(perTask);
    QCOMPARE(view.rowLabel(0), QStringLiteral("process slot 1"));
    QVERIFY(view.toolTipAt(view.taskRect(2).center().toPoint()).contains(QStringLiteral("pid 3002")));
}

void TestTimeline::hitTestingFindsTasksAndStates()
{
    TimelineView view;
    showAt(view, QSize(1000, 300));
    const Measurement m = handMade(true);
    view.setMeasurement(m);

    for (int i = 0; i < m.spans.size(); ++i) {
        const TaskSpan& span = m.spans.at(i);
        // The point comes from the view's own time -> x mapping, in the middle of the task.
        const double x = view.xForTime(double(span.startNs + span.endNs) / 2);
        const QPoint point(int(std::round(x)), int(view.taskRect(i).center().y()));
        const TimelineView::Item item = view.itemAt(point);
        QCOMPARE(item.span, i);
        QCOMPARE(view.rowWorker(item.row), span.worker);
        const QString tip = view.toolTipAt(point);
        QVERIFY2(tip.contains(QStringLiteral("input %1 (#%2)").arg(span.input).arg(span.index + 1)), qPrintable(tip));
        QVERIFY2(tip.contains(QStringLiteral("start ") + Format::duration(double(span.startNs - kClock) * 1e-9)),
            qPrintable(tip));
        QVERIFY2(tip.contains(QStringLiteral("duration ") + Format::duration(span.seconds())), qPrintable(tip));
        QVERIFY2(tip.contains(QStringLiteral("thread %1").arg(span.worker + 1)), qPrintable(tip));
        QVERIFY2(tip.contains(QStringLiteral("pid 4242")), qPrintable(tip));
    }

    // A state crossing a task boundary: at 11 ms worker 0 is in task #3 (input 33) and waiting since 5 ms.
    const QPoint inTask(int(std::round(view.xForTime(double(kClock + 11 * kMs)))), int(view.taskRect(2).center().y()));
    QCOMPARE(view.itemAt(inTask).span, 2);
    QCOMPARE(view.itemAt(inTask).state, 1);
    const QString tip = view.toolTipAt(inTask);
    QVERIFY2(tip.contains(QStringLiteral("lock waiting from 5.000 ms for 7.000 ms")), qPrintable(tip));

    // On the strip itself: the state, and no task.
    for (int j = 0; j < m.states.size(); ++j) {
        const QRectF strip = view.stateRect(j);
        QVERIFY2(!strip.isEmpty(), qPrintable(QString::number(j)));
        const TimelineView::Item item = view.itemAt(strip.center().toPoint());
        QCOMPARE(item.state, j);
        QCOMPARE(item.span, -1);
        QVERIFY(view.toolTipAt(strip.center().toPoint()).contains(lockStateName(m.states.at(j).state)));
    }

    // Off every item: the row labels, and past the last task.
    QCOMPARE(view.itemAt(QPoint(5, int(view.taskRect(0).center().y()))).span, -1);
    const QPoint late(int(view.xForTime(double(kClock + 39 * kMs))), int(view.taskRect(1).center().y()));
    QCOMPARE(view.itemAt(late).row, 1);
    QCOMPARE(view.itemAt(late).span, -1);
    QCOMPARE(view.itemAt(late).state, -1); // worker 1's last state ended at 38 ms
    QVERIFY(view.toolTipAt(late).isEmpty());
}

void TestTimeline::zoomKeepsTimeUnderCursor()
{
    TimelineView view;
    showAt(view, QSize(1000, 300));
    view.setMeasurement(handMade());
    const double span = view.visibleEndNs() - view.visibleStartNs();
    const double x = view.taskRect(2).center().x();
    const double before = view.timeAtX(x);
    view.zoomAt(x, 2);
    QVERIFY(!view.isFitted());
    QCOMPARE_LT(std::abs(view.timeAtX(x) - before), span * 1e-9);
    QCOMPARE_LT(std::abs((view.visibleEndNs() - view.visibleStartNs()) - span / 2), span * 1e-9);
    // The time that was under the cursor still maps to the same x.
    QCOMPARE_LT(std::abs(view.xForTime(before) - x), 1e-6);

    // Ctrl+wheel, two notches: twice as close again, around the pointer.
    const double x2 = view.taskRect(3).center().x();
    const double under = view.timeAtX(x2);
    QWheelEvent event = wheel(QPointF(x2, 100), QPoint(0, 240), Qt::ControlModifier);
    QApplication::sendEvent(view.viewport(), &event);
    QCOMPARE_LT(std::abs((view.visibleEndNs() - view.visibleStartNs()) - span / 4), span * 1e-9);
    QCOMPARE_LT(std::abs(view.timeAtX(x2) - under), span * 1e-9);

    // + zooms in around the middle, - out.
    QTest::keyClick(&view, Qt::Key_Plus);
    QCOMPARE_LT(std::abs((view.visibleEndNs() - view.visibleStartNs()) - span / 8), span * 1e-9);
    QTest::keyClick(&view, Qt::Key_Minus);
    QCOMPARE_LT(std::abs((view.visibleEndNs() - view.visibleStartNs()) - span / 4), span * 1e-9);

    // Zoomed in, a wide bar carries its input.
    view.fit();
    view.zoomAt(view.taskRect(0).center().x(), 4);
    QVERIFY(view.taskRect(0).width() > 100);
}

void TestTimeline::panMovesTheWindow()
{
    TimelineView view;
    showAt(view, QSize(1000, 300));
    view.setMeasurement(handMade());
    view.zoomAt(view.xForTime(double(kClock)), 4);
    const double span = view.visibleEndNs() - view.visibleStartNs();
    QVERIFY(view.horizontalScrollBar()->maximum() > 0);

    const double start = view.visibleStartNs();
    const double perPixel = span / (view.xForTime(view.visibleEndNs()) - view.xForTime(view.visibleStartNs()));
    view.panByPixels(100);
    QCOMPARE_LT(std::abs(view.visibleStartNs() - (start + 100 * perPixel)), span * 1e-9);
    QCOMPARE_LT(std::abs((view.visibleEndNs() - view.visibleStartNs()) - span), span * 1e-9);

    // Dragging left brings later times into view, by the distance dragged.
    const double beforeDrag = view.visibleStartNs();
    QTest::mousePress(view.viewport(), Qt::LeftButton, {}, QPoint(600, 80));
    QTest::mouseMove(view.viewport(), QPoint(550, 80));
    QTest::mouseRelease(view.viewport(), Qt::LeftButton, {}, QPoint(550, 80));
    QCOMPARE_LT(std::abs(view.visibleStartNs() - (beforeDrag + 50 * perPixel)), span * 1e-6);

    // The arrow keys move a tenth of the window.
    const double beforeKey = view.visibleStartNs();
    QTest::keyClick(&view, Qt::Key_Right);
    QVERIFY(view.visibleStartNs() > beforeKey);
    QTest::keyClick(&view, Qt::Key_Left);
    QCOMPARE_LT(std::abs(view.visibleStartNs() - beforeKey), span * 1e-6);

    // Shift+wheel pans too.
    QWheelEvent event = wheel(QPointF(500, 80), QPoint(0, -120), Qt::ShiftModifier);
    QApplication::sendEvent(view.viewport(), &event);
    QVERIFY(view.visibleStartNs() > beforeKey);

    // The scroll bar's end is the run's end; its start the run's start.
    view.horizontalScrollBar()->setValue(view.horizontalScrollBar()->maximum());
    QVERIFY(view.visibleEndNs() >= double(kClock + 40 * kMs));
    view.horizontalScrollBar()->setValue(0);
    QVERIFY(view.visibleStartNs() <= double(kClock));
    // Panning stops at the ends.
    view.panByPixels(-10'000);
    QVERIFY(view.visibleStartNs() <= double(kClock));
    QVERIFY(view.visibleStartNs() > double(kClock - 5 * kMs));
}

void TestTimeline::fitRestoresEverything()
{
    TimelineView view;
    showAt(view, QSize(1000, 300));
    view.setMeasurement(handMade());
    QVERIFY(view.isFitted());
    const double start = view.visibleStartNs();
    const double end = view.visibleEndNs();
    // Fitted, everything shows: the first task starts and the last ends inside the window.
    QVERIFY(start < double(kClock));
    QVERIFY(end > double(kClock + 40 * kMs));
    QCOMPARE(view.horizontalScrollBar()->maximum(), 0);

    view.zoomAt(300, 8);
    view.panByPixels(200);
    QTest::keyClick(&view, Qt::Key_0);
    QVERIFY(view.isFitted());
    QCOMPARE(view.visibleStartNs(), start);
    QCOMPARE(view.visibleEndNs(), end);
    // No zooming out past the whole run.
    QTest::keyClick(&view, Qt::Key_Minus);
    QCOMPARE(view.visibleStartNs(), start);
    QCOMPARE(view.visibleEndNs(), end);
}

void TestTimeline::liveUpdateKeepsZoom()
{
    TimelineView view;
    showAt(view, QSize(1000, 300));
    view.setMeasurement(handMade());
    view.zoomAt(view.taskRect(2).center().x(), 3);
    const double relativeStart = view.visibleStartNs() - double(view.originNs());
    const double span = view.visibleEndNs() - view.visibleStartNs();

    // The next repeat of the same measurement: other absolute times, the same window relative to its start.
    Measurement next = handMade();
    for (TaskSpan& s : next.spans) {
        s.startNs += 77 * kMs;
        s.endNs += 77 * kMs;
    }
    view.setMeasurement(next);
    QCOMPARE(view.originNs(), kClock + 77 * kMs);
    QCOMPARE_LT(std::abs(view.visibleStartNs() - double(view.originNs()) - relativeStart), 1.0);
    QCOMPARE_LT(std::abs(view.visibleEndNs() - view.visibleStartNs() - span), 1.0);

    // Another measurement fits.
    view.setMeasurement(handMade(false, QStringLiteral("threads"), 4));
    QVERIFY(view.isFitted());
}

void TestTimeline::pngExportDrawsBarsAndStates()
{
    TimelinePanel panel;
    showAt(panel, QSize(1000, 420));
    panel.setResult(resultOf({ handMade(true) }));
    TimelineView* view = panel.view();
    QCOMPARE(view->rowCount(), 2);
    QVERIFY(!view->title().isEmpty());

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("timeline.png"));
    QCOMPARE(panel.exportTo(path).error(), QString());
    QImage image(path);
    QVERIFY(!image.isNull());
    // The viewport's width at twice the pixels, as tall as the two rows and the legend need.
    QCOMPARE(view->pictureSize().width(), view->viewport()->width());
    QVERIFY(view->pictureSize().height() <= view->viewport()->height());
    QVERIFY(view->pictureSize().height() > view->taskRect(1).bottom());
    QCOMPARE(image.size(), view->pictureSize() * 2);

    const Measurement& m = view->measurement();
    for (int i = 0; i < m.spans.size(); ++i) {
        const QRectF bar = view->taskRect(i);
        // Near the bar's top-left corner: clear of the centred label.
        const QPoint pixel = ((bar.topLeft() + QPointF(3, 3)) * 2).toPoint();
        const QColor colour = image.pixelColor(pixel);
        QVERIFY2(sameColour(colour, view->taskColor(i)),
            qPrintable(QStringLiteral("task %1 at %2,%3 is %4, expected %5")
                           .arg(i)
                           .arg(pixel.x())
                           .arg(pixel.y())
                           .arg(colour.name(), view->taskColor(i).name())));
    }
    QVERIFY(!sameColour(view->taskColor(0), view->palette().color(QPalette::Window), 30));
    QVERIFY(!sameColour(view->taskColor(1), view->taskColor(0), 5)); // neighbours part
    for (int j = 0; j < m.states.size(); ++j) {
        const QPoint pixel = (view->stateRect(j).center() * 2).toPoint();
        QVERIFY2(sameColour(image.pixelColor(pixel), view->stateColor(m.states.at(j).state)),
            qPrintable(QStringLiteral("state %1 is %2").arg(j).arg(image.pixelColor(pixel).name())));
    }
    // Between the bars of a row (worker 1 idle from 38 to 40 ms... take the gap left of the first task): background.
    const QRectF first = view->taskRect(0);
    const QPoint gap = (QPointF(first.left() - 3, first.center().y()) * 2).toPoint();
    QVERIFY(sameColour(image.pixelColor(gap), view->palette().color(QPalette::Window), 20));

    // More rows than the window shows: the picture grows to hold them all, the last one drawn too.
    Measurement many = handMade(false, QStringLiteral("threads"), 40);
    for (int w = 2; w < 40; ++w)
        many.spans.append(task(int(many.spans.size()), 20 + w, w, 1, 30));
    panel.setResult(resultOf({ many }));
    QCOMPARE(view->rowCount(), 40);
    QVERIFY(view->verticalScrollBar()->maximum() > 0);
    QVERIFY(view->pictureSize().height() > view->viewport()->height());
    const QString tall = dir.filePath(QStringLiteral("tall.png"));
    QCOMPARE(panel.exportTo(tall).error(), QString());
    const QImage tallImage(tall);
    QCOMPARE(tallImage.size(), view->pictureSize() * 2);
    const int last = int(many.spans.size()) - 1;
    view->verticalScrollBar()->setValue(0);
    const QRectF firstBar = view->taskRect(last - 37); // worker 2, on screen
    const double rowStep = view->taskRect(last - 36).top() - firstBar.top();
    const QPointF lastBar(firstBar.left() + 3, firstBar.top() + 37 * rowStep + 3);
    QVERIFY2(sameColour(tallImage.pixelColor((lastBar * 2).toPoint()), view->taskColor(last)),
        qPrintable(tallImage.pixelColor((lastBar * 2).toPoint()).name()));
}

void TestTimeline::svgExportHasRects()
{
    TimelinePanel panel;
    showAt(panel, QSize(1000, 420));
    const Measurement m = handMade(true);
    panel.setResult(resultOf({ m }));
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("timeline.svg"));
    QCOMPARE(panel.exportTo(path).error(), QString());

    QString error;
    const QList<QColor> fills = svgRectFills(path, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    TimelineView* view = panel.view();
    auto count = [&fills](const QColor& colour) {
        return std::count_if(
            fills.begin(), fills.end(), [&colour](const QColor& c) { return sameColour(c, colour, 1); });
    };
    // Every task a rect in its fill (the legend adds a swatch of the base colour).
    QCOMPARE_GE(count(view->taskColor(0)) + count(view->taskColor(1)), 6);
    QCOMPARE_GE(count(view->stateColor(LockState::Running)), 3);
    QCOMPARE_GE(count(view->stateColor(LockState::Waiting)), 3);
    QCOMPARE_GE(count(view->stateColor(LockState::Released)), 1);

    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray svg = file.readAll();
    QVERIFY(svg.contains("<title>Timeline of threads x2"));
    QVERIFY(svg.contains("fib(35)")); // the kernel and input on the first bar
}

void TestTimeline::barLabelsMatchTheReport()
{
    // A task bar's text comes from one place (TimelineModel::taskLabel): the window writes what the report's SVG
    // timeline writes, "fib(35)" on the first task's bar.
    TimelinePanel panel;
    showAt(panel, QSize(1000, 420));
    const Measurement m = handMade();
    panel.setResult(resultOf({ m }));
    const QString label = panel.view()->taskLabel(0);
    QCOMPARE(label, QStringLiteral("fib(35)"));
    const QString report = SvgCharts::timeline(m, QStringLiteral("fib"));
    QVERIFY2(report.contains(QStringLiteral(">%1</text>").arg(label)), qPrintable(report.left(3000)));
    // A view not told the kernel writes the input alone, as both did before they shared the text.
    TimelineView bare;
    bare.setMeasurement(m);
    QCOMPARE(bare.taskLabel(0), QStringLiteral("35"));
    QCOMPARE(TimelineModel::taskLabel(QString(), m.spans.at(0)), QStringLiteral("35"));
}

void TestTimeline::taskStripsSplitEachBar()
{
    // gil-threads with every task but the last measured: half its time on a CPU, a fifth waiting for a core, the
    // lock waits its worker's states record during it, the rest other.
    Measurement m = handMade(true, QStringLiteral("gil-threads"));
    for (int i = 0; i < 5; ++i) {
        const qint64 wall = m.spans[i].endNs - m.spans[i].startNs;
        m.spans[i].cpuNs = wall / 2;
        m.spans[i].waitNs = wall / 5;
    }
    TimelinePanel panel;
    showAt(panel, QSize(1000, 420));
    panel.setResult(resultOf({ m }));
    TimelineView* view = panel.view();
    QVERIFY(view->model().hasTaskStates());
    const QImage image = view->grab().toImage();
    const QList<TaskStates::Part> parts = TaskStates::parts(TaskLock::Simulated);

    for (int i = 0; i < int(m.spans.size()); ++i) {
        const TaskStates states = view->model().taskStates(i);
        QCOMPARE(states.isMeasured(), i < 5);
        const QRectF bar = view->taskRect(i);
        const QString what = QStringLiteral("task %1").arg(i);
        // Hovering the bar says how its time split, or that it was not measured.
        const QString tip = view->toolTipAt(bar.center().toPoint());
        QVERIFY2(tip.contains(states.summary()), qPrintable(tip));
        if (!states.isMeasured()) {
            QVERIFY2(tip.contains(QStringLiteral("not measured")), qPrintable(tip));
            for (TaskStates::Part part : parts)
                QVERIFY(view->taskStateRect(i, part).isEmpty());
            // The bar's bottom edge is the bar's own colour.
            const QPoint edge = (bar.bottomLeft() + QPointF(3, -2)).toPoint();
            QVERIFY2(sameColour(image.pixelColor(edge), view->taskColor(i)), qPrintable(what));
            continue;
        }
        QVERIFY2(tip.contains(QStringLiteral("(totals over the task, not when)")), qPrintable(tip));
        // Task 4 ran while its worker held the lock and then released it; the others waited for it at times.
        QCOMPARE(states.ns(TaskStates::LockWait) > 0, i != 4);
        // Left to right in the strip's order, along the bar's bottom edge, each as wide as its share of the bar.
        double x = bar.left() + TaskStates::kStripInset;
        for (TaskStates::Part part : parts) {
            const QRectF piece = view->taskStateRect(i, part);
            // The bar less the pixel that parts neighbours, less the inset either side.
            const double expected = states.share(part) * (bar.width() - 1 - 2 * TaskStates::kStripInset);
            if (expected < 0.5)
                continue;
            QVERIFY2(!piece.isEmpty(), qPrintable(what + TaskStates::label(part)));
            QVERIFY2(std::abs(piece.width() - expected) < 1, qPrintable(what + TaskStates::label(part)));
            QVERIFY2(std::abs(piece.left() - x) < 1, qPrintable(what + TaskStates::label(part)));
            x = piece.right();
            QVERIFY(std::abs(piece.bottom() + TaskStates::kStripInset - bar.bottom()) < 1);
            QVERIFY(piece.height() >= 4 && piece.height() < bar.height() / 3);
            // Painted in the colour of the loss part it feeds, as the "where the time went" chart paints it.
            const QColor colour = ChartStyle::color(Palette::lossPart(TaskStates::lossKey(part)), view->palette());
            QCOMPARE(view->taskStateColor(part), colour);
            if (piece.width() >= 3)
                QVERIFY2(sameColour(image.pixelColor(piece.center().toPoint()), colour),
                    qPrintable(what + TaskStates::label(part) + image.pixelColor(piece.center().toPoint()).name()));
        }
        // The bar above the strip keeps its colour.
        QVERIFY2(sameColour(image.pixelColor((bar.topLeft() + QPointF(3, 3)).toPoint()), view->taskColor(i)),
            qPrintable(what));
    }

    // The legend gains a line for the strip's colours, only where some task has them.
    TimelineView measured, unmeasured;
    measured.resize(1000, 420);
    unmeasured.resize(1000, 420);
    measured.setMeasurement(m);
    unmeasured.setMeasurement(handMade(true, QStringLiteral("gil-threads")));
    QVERIFY(!unmeasured.model().hasTaskStates());
    QCOMPARE_GT(measured.pictureSize().height(), unmeasured.pictureSize().height());

    // The report: after each measured bar its strip, the same parts in the same proportions; none after the
    // unmeasured one. Its legend names the parts as the window's does.
    const QString svg = SvgCharts::timeline(m, QStringLiteral("fib"));
    static const QRegularExpression barRect(
        QStringLiteral("^<rect class=\"bar(?: alt)?\" x=\"([\\d.]+)\" y=\"[\\d.]+\" "
                       "width=\"([\\d.]+)\"[^>]*><title>fib\\((\\d+)\\) on "
                       "([^<]*)</title>"));
    static const QRegularExpression stripRect(QStringLiteral(
        "^<rect class=\"ts p-(\\w+)\" data-part=\"(\\w+)\" x=\"([\\d.]+)\" y=\"[\\d.]+\" width=\"([\\d.]+)\""));
    QMap<qint64, QList<std::pair<QString, double>>> strips; // input -> (part key, width as a share of the bar)
    QMap<qint64, QString> tips;
    qint64 input = -1;
    double barWidth = 0;
    QStringList legend;
    for (const QString& line : svg.split(QLatin1Char('\n'))) {
        if (const QRegularExpressionMatch bar = barRect.match(line); bar.hasMatch()) {
            input = bar.captured(3).toLongLong();
            barWidth = bar.captured(2).toDouble();
            strips[input];
            tips[input] = bar.captured(4);
        } else if (const QRegularExpressionMatch piece = stripRect.match(line); piece.hasMatch()) {
            QCOMPARE(piece.captured(1), piece.captured(2));
            if (input < 0)
                legend << piece.captured(2); // the legend's swatches, after the bars
            else
                strips[input].append(
                    { piece.captured(2), piece.captured(4).toDouble() / (barWidth - 1 - 2 * TaskStates::kStripInset) });
        } else if (line.startsWith(QStringLiteral("</g>"))) {
            input = -1;
        }
    }
    QCOMPARE(strips.size(), m.spans.size());
    for (int i = 0; i < int(m.spans.size()); ++i) {
        const TaskStates states = TimelineModel(m).taskStates(i);
        const auto& pieces = strips.value(m.spans[i].input);
        QVERIFY2(tips.value(m.spans[i].input).contains(SvgCharts::escape(states.summary())),
            qPrintable(tips.value(m.spans[i].input)));
        if (!states.isMeasured()) {
            QVERIFY(pieces.isEmpty());
            continue;
        }
        QStringList keys;
        for (TaskStates::Part part : parts) {
            if (states.share(part) * (barWidth - 1 - 2 * TaskStates::kStripInset) >= 0.05)
                keys << TaskStates::lossKey(part);
        }
        QCOMPARE(qsizetype(pieces.size()), keys.size());
        for (qsizetype k = 0; k < pieces.size(); ++k) {
            QCOMPARE(pieces[k].first, keys[k]);
            const TaskStates::Part part
                = parts[qsizetype(std::find_if(parts.begin(), parts.end(), [&](TaskStates::Part p) {
                      return TaskStates::lossKey(p) == keys[k];
                  }) - parts.begin())];
            QVERIFY2(std::abs(pieces[k].second - states.share(part)) < 0.01, qPrintable(keys[k]));
        }
    }
    QStringList keys;
    for (TaskStates::Part part : parts) {
        keys << TaskStates::lossKey(part);
        QVERIFY(svg.contains(QStringLiteral(">%1</text>").arg(TaskStates::legendLabel(part))));
    }
    QCOMPARE(legend, keys);
    QVERIFY(svg.contains(SvgCharts::escape(TaskStates::legendTitle())));
    // Without a measured task: no strip, no legend for it.
    const QString plain = SvgCharts::timeline(handMade(true, QStringLiteral("gil-threads")), QStringLiteral("fib"));
    QVERIFY(!plain.contains(QStringLiteral("class=\"ts ")));
    QVERIFY(!plain.contains(SvgCharts::escape(TaskStates::legendTitle())));
}

// A view too narrow for a legend line (a projector at 1024 wide, the timeline beside the form) wraps it: every
// colour keeps its swatch, where before the entries past the edge were left out.
void TestTimeline::narrowLegendWrapsInsteadOfDropping()
{
    Measurement m = handMade(true, QStringLiteral("gil-threads"));
    for (TaskSpan& span : m.spans) {
        span.cpuNs = (span.endNs - span.startNs) / 2;
        span.waitNs = (span.endNs - span.startNs) / 5;
    }
    int wide = 0;
    for (const int width : { 1200, 420 }) {
        TimelineView view;
        showAt(view, QSize(width, 600));
        view.setMeasurement(m);
        QVERIFY(view.model().hasTaskStates());
        QList<QColor> swatches { view.stateColor(LockState::Running), view.stateColor(LockState::Waiting),
            view.stateColor(LockState::Released) };
        for (TaskStates::Part part : TaskStates::parts(TaskLock::Simulated))
            swatches << view.taskStateColor(part);
        const QSize size = view.pictureSize();
        if (width == 1200)
            wide = size.height();
        else
            QVERIFY2(size.height() > wide, "the narrow view's legend has no more lines than the wide one's");
        // Every swatch is in the picture's legend (the bars above have the same colours: only the legend counts).
        QImage image(size, QImage::Format_ARGB32);
        image.fill(view.palette().color(QPalette::Base));
        {
            QPainter painter(&image);
            view.paintPicture(painter, size);
        }
        const QRect legend = view.pictureLegend().toAlignedRect().intersected(image.rect());
        QVERIFY(!legend.isEmpty());
        for (const QColor& colour : std::as_const(swatches)) {
            bool found = false;
            for (int y = legend.top(); y <= legend.bottom() && !found; ++y) {
                for (int x = legend.left(); x <= legend.right() && !found; ++x)
                    found = image.pixelColor(x, y) == colour;
            }
            QVERIFY2(found,
                qPrintable(QStringLiteral("%1 px wide: no swatch of %2 in the legend").arg(width).arg(colour.name())));
        }
    }
}

void TestTimeline::exportErrorsNameThePath()
{
    TimelinePanel panel;
    QTemporaryDir dir;
    const QString empty = dir.filePath(QStringLiteral("nothing.png"));
    const QString noData = panel.exportTo(empty).error();
    QVERIFY2(noData.contains(QStringLiteral("run an experiment first")), qPrintable(noData));
    QVERIFY(!QFile::exists(empty));

    panel.setResult(resultOf({ handMade() }));
    const QString bmp = panel.exportTo(dir.filePath(QStringLiteral("timeline.bmp"))).error();
    QVERIFY2(
        bmp.contains(QStringLiteral("timeline.bmp")) && bmp.contains(QStringLiteral(".png or .svg")), qPrintable(bmp));
    const QString folder = panel.exportTo(dir.filePath(QStringLiteral("missing/sub/timeline.png"))).error();
    QVERIFY2(folder.contains(QStringLiteral("missing")), qPrintable(folder));
}

void TestTimeline::paletteChangeRestyles()
{
    TimelineView view;
    showAt(view, QSize(900, 300));
    view.setMeasurement(handMade(true));
    const QColor lightBar = view.taskColor(0);

    QPalette dark = view.palette();
    dark.setColor(QPalette::Window, QColor(0x20, 0x20, 0x24));
    dark.setColor(QPalette::WindowText, QColor(0xe8, 0xe8, 0xe8));
    dark.setColor(QPalette::Base, QColor(0x18, 0x18, 0x1c));
    dark.setColor(QPalette::Text, QColor(0xe8, 0xe8, 0xe8));
    dark.setColor(QPalette::Highlight, QColor(0x4a, 0x9e, 0xe8));
    view.setPalette(dark);
    // The bars take the Palette's dark shade on a dark window, as the report does in a dark scheme.
    QCOMPARE(view.taskColor(0), QColor(QRgb(Palette::task(false).dark)));
    QCOMPARE(lightBar, QColor(QRgb(Palette::task(false).light)));
    QVERIFY(view.taskColor(0) != lightBar);

    const QImage image = view.grab().toImage();
    const QRectF first = view.taskRect(0);
    QVERIFY(sameColour(
        image.pixelColor((QPointF(first.left() - 3, first.center().y())).toPoint()), QColor(0x20, 0x20, 0x24), 20));
    QVERIFY(sameColour(image.pixelColor((first.topLeft() + QPointF(3, 3)).toPoint()), view.taskColor(0)));
    // The state colours take their dark shades too, and stand out from the dark window.
    QCOMPARE(view.stateColor(LockState::Running), QColor(QRgb(Palette::lockState(LockState::Running).dark)));
    QVERIFY(sameColour(image.pixelColor(view.stateRect(0).center().toPoint()), view.stateColor(LockState::Running)));
}

void TestTimeline::captionSummarises()
{
    TimelinePanel panel;
    panel.setResult(resultOf({ handMade(true) }));
    const QString caption = panel.caption();
    QVERIFY2(caption.startsWith(QStringLiteral("threads x2: 6 tasks on 2 workers")), qPrintable(caption));
    QVERIFY2(caption.contains(QStringLiteral("span 40.00 ms")), qPrintable(caption));
    // Busy: (10 + 19.5 + 15 + 10 + 15 + 8) ms of 2 x 40 ms.
    QVERIFY2(caption.contains(QStringLiteral("busy 97%")), qPrintable(caption));
    QVERIFY2(caption.contains(QStringLiteral("23 lock switches")), qPrintable(caption));
    // Waiting: (7 + 3 + 16) ms of (40 + 38) ms of thread time.
    QVERIFY2(caption.contains(QStringLiteral("waiting for the lock 33%")), qPrintable(caption));

    panel.setResult(resultOf({ handMade() }));
    QVERIFY(!panel.caption().contains(QStringLiteral("lock")));
    // MPI ranks on hosts: the caption says where they ran, as the run's notes do.
    Measurement ranks = handMade(false, QStringLiteral("mpi"), 2);
    for (TaskSpan& span : ranks.spans)
        span.host = span.worker == 0 ? QStringLiteral("node-a") : QStringLiteral("node-b");
    panel.setResult(resultOf({ ranks }));
    QVERIFY2(panel.caption().startsWith(QStringLiteral("mpi x2: 6 tasks on 2 ranks on 2 hosts (node-a, node-b)")),
        qPrintable(panel.caption()));
    panel.clear();
    QVERIFY(panel.view()->isEmpty());
    QCOMPARE(panel.caption(), QStringLiteral("No measurement yet."));
}

void TestTimeline::defaultPicksMostParallel()
{
    TimelinePanel panel;
    Measurement sequential = handMade(false, QStringLiteral("sequential"), 1);
    for (TaskSpan& s : sequential.spans)
        s.worker = 0;
    panel.setResult(resultOf({ sequential, handMade(false, QStringLiteral("threads"), 2),
        handMade(false, QStringLiteral("threads"), 4), handMade(false, QStringLiteral("processes"), 4) }));
    QCOMPARE(panel.labels(),
        (QStringList { QStringLiteral("sequential x1"), QStringLiteral("threads x2"), QStringLiteral("threads x4"),
            QStringLiteral("processes x4") }));
    // Most workers; of two with as many, the one measured last.
    QCOMPARE(panel.currentLabel(), QStringLiteral("processes x4"));
    QCOMPARE(panel.view()->measurement().label(), QStringLiteral("processes x4"));

    // A measurement without tasks (all its repeats failed) is not the default.
    Measurement failed = handMade(false, QStringLiteral("threads"), 8);
    failed.spans.clear();
    panel.setResult(resultOf({ sequential, handMade(false, QStringLiteral("threads"), 2), failed }));
    QCOMPARE(panel.currentLabel(), QStringLiteral("threads x2"));
    QVERIFY(panel.showMeasurement(QStringLiteral("threads x8")));
    QVERIFY(panel.view()->isEmpty());
    QVERIFY2(panel.caption().contains(QStringLiteral("no tasks")), qPrintable(panel.caption()));
}

void TestTimeline::chosenMeasurementSurvivesNewResults()
{
    TimelinePanel panel;
    // Runs told apart by their samples: a new run's measurement must reach the view.
    auto result = [](int run) {
        RunResult r = resultOf({ handMade(false, QStringLiteral("sequential"), 1),
            handMade(false, QStringLiteral("threads"), 2), handMade(false, QStringLiteral("threads"), 4) });
        for (Measurement& m : r.measurements)
            m.samplesS = { 0.040 * run };
        return r;
    };
    panel.setResult(result(1));
    QCOMPARE(panel.currentLabel(), QStringLiteral("threads x4"));

    // Chosen in the combo box, as a user does.
    auto* chooser = panel.findChild<QComboBox*>();
    QVERIFY(chooser);
    const int index = chooser->findText(QStringLiteral("threads x2"));
    QVERIFY(index >= 0);
    chooser->setCurrentIndex(index);
    Q_EMIT chooser->activated(index);
    QCOMPARE(panel.view()->measurement().workers, 2);

    // The same run refreshed, and a new run: the choice stays.
    panel.setResult(result(1));
    QCOMPARE(panel.currentLabel(), QStringLiteral("threads x2"));
    panel.setResult(result(2));
    QCOMPARE(panel.currentLabel(), QStringLiteral("threads x2"));
    QCOMPARE(panel.view()->measurement().samplesS, QList<double> { 0.080 });

    // A run without it shows the default; when it comes back, so does the choice.
    panel.setResult(resultOf({ handMade(false, QStringLiteral("processes"), 3) }));
    QCOMPARE(panel.currentLabel(), QStringLiteral("processes x3"));
    panel.setResult(result(4));
    QCOMPARE(panel.currentLabel(), QStringLiteral("threads x2"));

    // showMeasurement is the same choice made in code.
    QVERIFY(panel.showMeasurement(QStringLiteral("sequential x1")));
    panel.setResult(result(5));
    QCOMPARE(panel.currentLabel(), QStringLiteral("sequential x1"));
    QVERIFY(!panel.showMeasurement(QStringLiteral("mpi x16")));
}

void TestTimeline::sharedScaleComparesBarAgainstBar()
{
    TimelinePanel panel;
    showAt(panel, QSize(1000, 420));
    QVERIFY(panel.sharesTimeScale()); // the default: measurements of a run compare bar against bar
    // threads x2 takes 40 ms; gil-threads x2 the same tasks at half speed, 80 ms, with lock states and longer
    // row labels ("process" would be longer still; "thread" is as long, the gutter is checked below anyway).
    Measurement gil = handMade(true, QStringLiteral("gil-threads"), 2);
    for (TaskSpan& span : gil.spans) {
        span.startNs = kClock + 2 * (span.startNs - kClock);
        span.endNs = kClock + 2 * (span.endNs - kClock);
    }
    for (StateSpan& lock : gil.states) {
        lock.startNs = kClock + 2 * (lock.startNs - kClock);
        lock.endNs = kClock + 2 * (lock.endNs - kClock);
    }
    Measurement processes = handMade(false, QStringLiteral("processes"), 2);
    for (TaskSpan& span : processes.spans)
        span.pid = 91'000 + span.worker; // "process 1 (pid 91000)": a wider label than any thread's
    panel.setResult(resultOf({ handMade(false, QStringLiteral("threads"), 2), gil, processes }));
    TimelineView* view = panel.view();

    struct Scale {
        double pixelsPerMs;
        double originX;
        double firstBar;
    };
    auto scale = [view] {
        const double origin = double(view->originNs());
        return Scale { view->xForTime(origin + double(kMs)) - view->xForTime(origin), view->xForTime(origin),
            view->taskRect(0).width() };
    };
    QVERIFY(panel.showMeasurement(QStringLiteral("threads x2")));
    const Scale threads = scale();
    QVERIFY(panel.showMeasurement(QStringLiteral("gil-threads x2")));
    const Scale gilShared = scale();
    // One scale: as many pixels a millisecond, zero at the same x (the gutter fits every row label of the run),
    // and the first task, twice as long under the lock, draws twice as wide.
    QCOMPARE_LT(std::abs(gilShared.pixelsPerMs - threads.pixelsPerMs), 1e-9);
    QCOMPARE_LT(std::abs(gilShared.originX - threads.originX), 1e-9);
    QCOMPARE_LT(std::abs(gilShared.firstBar - 2 * threads.firstBar), 2.0);
    // processes x2 names its pids, the widest labels of the run: the gutter was already that wide for threads.
    QVERIFY(panel.showMeasurement(QStringLiteral("processes x2")));
    QCOMPARE(view->rowLabel(0), QStringLiteral("process 1 (pid 91000)"));
    QCOMPARE_LT(std::abs(scale().originX - threads.originX), 1e-9);
    QCOMPARE_LT(std::abs(scale().pixelsPerMs - threads.pixelsPerMs), 1e-9);
    QVERIFY(panel.showMeasurement(QStringLiteral("gil-threads x2")));
    // The longest measurement fills the width; the shorter one half of it.
    QVERIFY(view->isFitted());
    QVERIFY(view->taskRect(4).right() > 0.9 * view->viewport()->width());

    // One zoom, too: zoomed in on threads, gil-threads opens on the same window relative to its first task.
    QVERIFY(panel.showMeasurement(QStringLiteral("threads x2")));
    view->zoomAt(view->xForTime(double(kClock + 10 * kMs)), 4);
    const double relativeStart = view->visibleStartNs() - double(view->originNs());
    const double span = view->visibleEndNs() - view->visibleStartNs();
    QVERIFY(panel.showMeasurement(QStringLiteral("gil-threads x2")));
    QVERIFY(!view->isFitted());
    QCOMPARE_LT(std::abs(view->visibleStartNs() - double(view->originNs()) - relativeStart), 1.0);
    QCOMPARE_LT(std::abs(view->visibleEndNs() - view->visibleStartNs() - span), 1.0);

    // The toggle is a check box a keyboard reaches (Tab, its Alt mnemonic) and flips with Space; off, each
    // measurement fills the width on its own.
    auto* toggle = panel.findChild<QCheckBox*>();
    QVERIFY(toggle);
    QVERIFY(toggle->text().contains(QLatin1Char('&')));
    QVERIFY(toggle->focusPolicy() & Qt::TabFocus);
    toggle->setFocus();
    QTest::keyClick(toggle, Qt::Key_Space);
    QVERIFY(!panel.sharesTimeScale());
    QVERIFY(!view->sharedScale().has_value());
    view->fit();
    const Scale gilAlone = scale();
    QVERIFY(panel.showMeasurement(QStringLiteral("threads x2")));
    QVERIFY(view->isFitted());
    const Scale threadsAlone = scale();
    // threads, half as long, now spreads over the whole width too: twice the pixels a millisecond, and its
    // first bar as wide as gil-threads' twice-as-long one.
    QCOMPARE_LT(std::abs(threadsAlone.pixelsPerMs - 2 * gilAlone.pixelsPerMs), gilAlone.pixelsPerMs * 0.05);
    QCOMPARE_LT(std::abs(threadsAlone.firstBar - gilAlone.firstBar), 2.0);

    QTest::keyClick(toggle, Qt::Key_Space);
    QVERIFY(panel.sharesTimeScale());
    QVERIFY(view->sharedScale().has_value());
}

void TestTimeline::realRunHasOneRowPerWorker()
{
    const ExperimentSpec spec = testsupport::makeSpec(
        QStringLiteral("fib"), QList<qint64>(8, 20), { QStringLiteral("threads") }, { 2 }, 1, 0);

    const testsupport::RunEnd end = testsupport::runToEnd(spec);
    QCOMPARE(end.finishedCount, 1);
    const RunResult& result = end.result;
    QVERIFY2(result.succeeded(), qPrintable(result.error));

    TimelinePanel panel;
    showAt(panel, QSize(1000, 420));
    panel.setResult(result);
    QCOMPARE(panel.currentLabel(), QStringLiteral("threads x2"));
    const Measurement* m = result.find(QStringLiteral("threads"), 2);
    QVERIFY(m);
    QCOMPARE(m->spans.size(), qsizetype(8));
    QSet<int> workers;
    for (const TaskSpan& span : m->spans)
        workers.insert(span.worker);
    TimelineView* view = panel.view();
    QCOMPARE(qsizetype(view->rowCount()), workers.size());
    for (int row = 0; row < view->rowCount(); ++row) {
        QVERIFY(workers.contains(view->rowWorker(row)));
        QCOMPARE(view->rowLabel(row), QStringLiteral("thread %1").arg(view->rowWorker(row) + 1));
    }
    // Every task can be found under its bar.
    for (int i = 0; i < m->spans.size(); ++i) {
        const QRectF bar = view->taskRect(i);
        QVERIFY(!bar.isEmpty());
        QCOMPARE(view->itemAt(QPoint(int(bar.left()), int(bar.center().y()))).row,
            view->rowWorker(0) == m->spans.at(i).worker ? 0 : 1);
    }
    QVERIFY2(panel.caption().contains(QStringLiteral("8 tasks")), qPrintable(panel.caption()));

    // The sequential baseline is there too, on one row.
    QVERIFY(panel.showMeasurement(QStringLiteral("sequential x1")));
    QCOMPARE(view->rowCount(), 1);
}

// A run with option pin scatter: each task's tooltip names the CPU (and its core) the task ended on, the one its
// worker was pinned to.
void TestTimeline::tooltipSaysWhereAPinnedTaskRan()
{
    ExperimentSpec spec = testsupport::makeSpec(
        QStringLiteral("spin"), QList<qint64>(8, 5), { QStringLiteral("threads") }, { 2 }, 1, 0);
    spec.options.pin = Pinning::Scatter;
    const testsupport::RunEnd end = testsupport::runToEnd(spec);
    QCOMPARE(end.finishedCount, 1);
    const RunResult& result = end.result;
    QVERIFY2(result.succeeded(), qPrintable(result.error));
    const Measurement* m = result.find(QStringLiteral("threads"), 2);
    QVERIFY(m);

    TimelineView view;
    showAt(view, QSize(1000, 300));
    view.setMeasurement(*m);
    QMap<int, int> cpuOfWorker;
    for (int i = 0; i < m->spans.size(); ++i) {
        const TaskSpan& span = m->spans.at(i);
        QVERIFY(span.cpu >= 0 && span.core >= 0);
        // Pinned: every task of a worker on that worker's one CPU.
        QCOMPARE(cpuOfWorker.value(span.worker, span.cpu), span.cpu);
        cpuOfWorker.insert(span.worker, span.cpu);
        const QString tip = view.toolTipAt(view.taskRect(i).center().toPoint());
        QVERIFY2(
            tip.contains(QStringLiteral("ended on CPU %1 (core %2)").arg(span.cpu).arg(span.core)), qPrintable(tip));
    }
}

void TestTimeline::bigResultsArePreparedOffTheUiThread()
{
    TimelinePanel panel;
    showAt(panel, QSize(1000, 420));
    panel.setResult(resultOf({ handMade(true) })); // small: shown at once
    QVERIFY(!panel.isPreparing());
    QCOMPARE(panel.view()->measurement().spans.size(), 6);

    // 100,000 tasks: worked out on another thread; until then the view keeps the picture it had.
    const Measurement big = manyTasks(100'000, 4);
    panel.setResult(resultOf({ big }));
    QVERIFY(panel.isPreparing());
    QCOMPARE(panel.view()->measurement().spans.size(), 6);
    QCOMPARE(panel.currentLabel(), big.label()); // the chooser follows at once
    QTRY_VERIFY_WITH_TIMEOUT(!panel.isPreparing(), 10'000);
    QCOMPARE(panel.view()->measurement().spans.size(), 100'000);
    QCOMPARE(panel.view()->rowCount(), 4);
    QVERIFY2(panel.caption().startsWith(QStringLiteral("gil-threads x4: 100000 tasks on 4 workers")),
        qPrintable(panel.caption()));
    QVERIFY(panel.view()->sharedScale().has_value());
    QVERIFY(panel.view()->title().contains(QStringLiteral("Timeline of gil-threads x4")));

    // Results arriving while one is worked out are coalesced: the newest is what ends up shown.
    Measurement next = manyTasks(60'000, 3);
    panel.setResult(resultOf({ manyTasks(80'000, 2) }));
    panel.setResult(resultOf({ next }));
    panel.setResult(resultOf({ handMade(), next }));
    QVERIFY(panel.isPreparing());
    QTRY_VERIFY_WITH_TIMEOUT(!panel.isPreparing(), 10'000);
    QCOMPARE(panel.currentLabel(), next.label()); // the most workers
    QCOMPARE(panel.view()->measurement().spans.size(), 60'000);
    QCOMPARE(panel.labels(), (QStringList { QStringLiteral("threads x2"), next.label() }));

    // An export right after a new result draws that result, not the one before.
    panel.setResult(resultOf({ big }));
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QCOMPARE(panel.exportTo(dir.filePath(QStringLiteral("big.png"))).error(), QString());
    QVERIFY(!panel.isPreparing());
    QCOMPARE(panel.view()->rowCount(), 4);
    QCOMPARE(QImage(dir.filePath(QStringLiteral("big.png"))).size(), panel.view()->pictureSize() * 2);

    // Back to a small result at once, even straight after a big one.
    panel.setResult(resultOf({ big }));
    panel.setResult(resultOf({ handMade(true) }));
    panel.settle();
    QVERIFY(!panel.isPreparing());
    QCOMPARE(panel.view()->measurement().spans.size(), 6);
}

void TestTimeline::hundredThousandSpansPaintFast()
{
    constexpr int kTasks = 100'000;
    constexpr int kWorkers = 4;
    const Measurement m = manyTasks(kTasks, kWorkers);

    TimelineView view;
    showAt(view, QSize(1200, 500));
    QElapsedTimer timer;
    timer.start();
    view.setMeasurement(m);
    const qint64 setMs = timer.restart();
    const QImage fitted = view.grab().toImage();
    const qint64 fitMs = timer.restart();
    const int firstRowY = int(view.taskRect(0).center().y());
    view.zoomAt(600, 1000);
    const QImage zoomed = view.grab().toImage();
    const qint64 zoomMs = timer.restart();
    QTemporaryDir dir;
    TimelinePanel panel;
    panel.setResult(resultOf({ m }));
    QCOMPARE(panel.exportTo(dir.filePath(QStringLiteral("big.svg"))).error(), QString());
    const qint64 svgMs = timer.elapsed();
    qInfo("100,000 tasks and 200,000 states: setMeasurement %lld ms, paint fitted %lld ms, paint zoomed x1000 %lld "
          "ms, SVG export %lld ms",
        setMs, fitMs, zoomMs, svgMs);
    QCOMPARE(view.rowCount(), kWorkers);
    QVERIFY(!fitted.isNull() && !zoomed.isNull());
    // Loose bounds on a shared, noisy machine: what matters is "well under a second" on a normal one.
    QCOMPARE_LT(fitMs, 2000);
    QCOMPARE_LT(zoomMs, 2000);
    // Dense is still drawn: the bars' colour in the middle of the first row, and a task to hover there.
    QVERIFY(sameColour(fitted.pixelColor(600, firstRowY), view.taskColor(0), 40));
    const int hovered = view.itemAt(QPoint(600, firstRowY)).span;
    QVERIFY(hovered >= 0);
    QCOMPARE(m.spans.at(hovered).worker, 0);
    QVERIFY(view.taskRect(hovered).width() > 10); // zoomed x1000: a task is tens of pixels wide
}

// gil-threads' strip is the model's record, python-threads' a measurement: the tooltip, the legend's text and the
// report's SVG say which, from the backend's facts.
void TestTimeline::lockStripSaysHowItWasMade()
{
    for (const QString& id : { QStringLiteral("gil-threads"), QStringLiteral("python-threads") }) {
        const QString how = BackendRegistry::factsOf(id).lockStrip;
        QVERIFY(how.startsWith(
            id == QStringLiteral("gil-threads") ? QStringLiteral("simulated (") : QStringLiteral("measured (")));
        const Measurement m = handMade(true, id, 2);
        TimelineView view;
        view.resize(1000, 300);
        view.setMeasurement(m);
        const QString tip = view.toolTipAt(view.stateRect(0).center().toPoint());
        QVERIFY2(tip.contains(how), qPrintable(tip));
        QVERIFY(
            SvgCharts::timeline(m, QStringLiteral("fib")).contains(SvgCharts::escape(QStringLiteral("lock ") + how)));
    }
    // Without states there is nothing to say.
    QVERIFY(!SvgCharts::timeline(handMade(false, QStringLiteral("threads"), 2), QStringLiteral("fib"))
                 .contains(QStringLiteral("lock ")));
}

QTEST_MAIN(TestTimeline)
#include "tst_timeline.moc"
