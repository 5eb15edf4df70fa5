#pragma once

#include "measurement.h"
#include "taskspan.h"
#include "timeline/timelinemodel.h"
#include "timeline/timewindow.h"

#include <QAbstractScrollArea>
#include <QColor>
#include <QList>
#include <QPoint>
#include <QRectF>
#include <QSize>
#include <QString>
#include <optional>

class QImage;
class QPainter;

namespace parlab {

// The window's painter of a TimelineModel: a row per worker (thread, process, rank), each task a bar labelled
// with its input, and under it a strip of the worker's lock states where the GIL model recorded them, in the
// Palette's colours (the report's SVG timeline draws the same model in the same colours). Along each task bar's
// bottom edge a strip shows how the task's wall time split (TimelineModel::taskStates: ran, waited for a core,
// waited for the lock, other), as proportions, in the colours of the "where the time went" parts. Paints with QPainter
// and visits only what is on screen, so a run of 100,000 tiny tasks stays smooth: bars narrower than a pixel
// are merged into one mark per pixel column. What it shows of the time axis is a TimeWindow.
//
// Zoom: Ctrl+wheel (or the plain wheel while every row fits), +/- keys; 0 fits. Pan: drag, Shift+wheel, the
// scroll bar, arrow keys. Coordinates given to and returned by the public functions are the viewport's.
class TimelineView final : public QAbstractScrollArea {
    Q_OBJECT
public:
    // What is under a point: indices into measurement().spans and .states, -1 for none.
    struct Item {
        int row = -1;
        int span = -1;
        int state = -1;
    };

    explicit TimelineView(QWidget* parent = nullptr);
    ~TimelineView() override;

    // Keeps the zoomed window (relative to the first task) when the same label arrives again with new data, as it
    // does after every repeat of a live run, and under a shared scale, where every measurement of a run is
    // looked at through the same window; otherwise fits the whole run.
    void setMeasurement(const Measurement& measurement);
    // The same with the model built already (off the UI thread: 100,000 tasks take tens of milliseconds).
    void setModel(TimelineModel model);
    void clear();
    const Measurement& measurement() const { return m_model.measurement(); }
    const TimelineModel& model() const { return m_model; }
    const TimeWindow& timeWindow() const { return m_window; }
    bool isEmpty() const { return m_model.isEmpty(); }
    // A time scale shared with other measurements: the bounds hold `relativeExtent` (relative to each one's first
    // task, as TimelineModel::relativeExtent gives it) so that one pixel is as many nanoseconds whichever
    // measurement is shown and their bars compare by length; the label gutter fits the widest of `rowLabels`
    // (every measurement's), so the plot keeps its width too. std::nullopt: fitted to this measurement alone.
    void setSharedScale(std::optional<TimeRange> relativeExtent, const QStringList& rowLabels = {});
    std::optional<TimeRange> sharedScale() const { return m_sharedScale; }
    // Drawn above the axis ("Timeline of threads x2: fib on 8 inputs"), on screen as in exported pictures, so a
    // file explains itself.
    void setTitle(const QString& title);
    QString title() const { return m_title; }
    // The kernel the tasks ran, named on their bars ("fib(35)"); "" writes the input alone.
    void setKernel(const QString& kernel);
    QString kernel() const { return m_kernel; }
    // The text on the bar of the measurement's span `index` (where it fits): TimelineModel::taskLabel, which the
    // report's SVG timeline writes too.
    QString taskLabel(int index) const;

    int rowCount() const { return m_model.rowCount(); }
    int rowWorker(int row) const;
    QString rowLabel(int row) const; // TimelineModel::workerLabel: "thread 1", "process 2 (pid 1234)"

    // The time axis: absolute nanoseconds on the measurement's clock; zero on the axis is the first task's start.
    qint64 originNs() const { return m_model.originNs(); }
    double visibleStartNs() const { return m_window.start(); }
    double visibleEndNs() const { return m_window.end(); }
    double xForTime(double ns) const;
    double timeAtX(double x) const;
    // Where a task's bar and a lock state's strip are drawn now (empty when not on screen).
    QRectF taskRect(int span) const;
    QRectF stateRect(int state) const;
    // Where one part of a task's strip is drawn now (empty when the task has no strip, the part no time, or it is
    // not on screen).
    QRectF taskStateRect(int span, TaskStates::Part part) const;

    Item itemAt(QPoint pos) const;
    // Input, #index, worker, pid, host, start, duration, how the task's time split (TaskStates::summary) and the
    // lock state under the point; empty off any item.
    QString toolTipAt(QPoint pos) const;

    // Multiplies the magnification by `factor` (2 = twice as close) keeping the time at viewport x `anchorX`
    // where it is.
    void zoomAt(double anchorX, double factor);
    // Moves the visible window by `dx` pixels' worth of time (positive: later).
    void panByPixels(double dx);
    void fit();
    bool isFitted() const;

    // The picture as exported: the viewport's width and layout from the first row, as tall as every row and the
    // legend need (so a few rows make a short picture, many a tall one).
    QSize pictureSize() const;
    // Where the legend lies in that picture.
    QRectF pictureLegend() const;
    void paintPicture(QPainter& painter, QSize size) const;
    QImage renderImage(qreal devicePixelRatio = 2.0) const;

    // Each legend entry's label and where it is drawn in the viewport, for checking that none is cut off: wrapped
    // to the width, and below the rows that fit.
    QList<QPair<QString, QRectF>> legendEntries() const;

    // The Palette's lock-state colour in the shade for this widget's QPalette.
    QColor stateColor(LockState state) const;
    // The fill of a task's bar: the Palette's task blue (never the lock states' red or green), every other task
    // a lighter shade so neighbours part.
    QColor taskColor(int span) const;
    // A part of a task's strip: the Palette's colour of the loss part it feeds (TaskStates::lossPart), as the loss
    // chart draws it.
    QColor taskStateColor(TaskStates::Part part) const;

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void changeEvent(QEvent* event) override;
    bool viewportEvent(QEvent* event) override;
    void scrollContentsBy(int dx, int dy) override;
    void wheelEvent(QWheelEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;

private:
    // Where everything goes for a picture of `size` whose rows are scrolled up by `scrollY` pixels.
    struct Layout {
        QRectF title;
        QRectF axis; // tick labels and ticks
        QRectF rows; // the scrolling band of rows, labels included
        QRectF plot; // the rows' time area (x) within `rows`
        QRectF legend;
        double rowHeight = 0;
        double barTop = 0; // offsets inside a row
        double barHeight = 0;
        double stripTop = 0;
        double stripHeight = 0;
        double taskStripHeight = 0; // the strip of a task's states, inside the bar along its bottom edge
        double legendLineHeight = 0;
        double scrollY = 0;
    };
    // One line of the legend: what it is about, then swatches and what they mean. A line too long for the view
    // goes on under itself, under its first entry.
    struct LegendLine {
        QString lead;
        QList<QPair<QColor, QString>> entries;
        QList<double> entryX; // where each entry's swatch starts, set by wrappedLegend()
    };

    Layout layoutFor(QSize size, double scrollY) const;
    Layout viewportLayout() const;
    void paintAll(QPainter& painter, const Layout& layout, QSize size, bool onScreen) const;
    void paintAxis(QPainter& painter, const Layout& layout) const;
    void paintRow(QPainter& painter, const Layout& layout, int row, bool onScreen) const;
    void paintLegend(QPainter& painter, const Layout& layout) const;
    QList<LegendLine> legendLines() const;
    // legendLines() wrapped to fit from x = `left` to `right`, each entry placed: what paintLegend() draws.
    QList<LegendLine> wrappedLegend(double left, double right) const;
    // The pieces of the strip of task `span` in the row whose top is `rowTop`, clamped to just outside the plot;
    // none where its bar is narrower than TaskStates::kMinBarWidth or the task was not measured.
    QList<QPair<TaskStates::Part, QRectF>> stripPieces(const Layout& layout, int span, double rowTop) const;
    void paintEmpty(QPainter& painter, QSize size) const;
    double xIn(const Layout& layout, double ns) const;
    QRectF rowRectIn(const Layout& layout, int row) const;
    int rowAtY(const Layout& layout, double y) const;

    // New bounds for the model and the shared scale, keeping the window relative to the origin when asked.
    void resetWindow(bool keepWindow);
    double gutterLabelWidth() const;
    void setView(double start, double span);
    void updateScrollBars();
    void setHover(int span);

    TimelineModel m_model;
    TimeWindow m_window;
    std::optional<TimeRange> m_sharedScale;
    QString m_title;
    QString m_kernel;
    double m_labelWidth = 0; // the widest row label
    double m_sharedLabelWidth = 0; // the widest of every measurement's, under a shared scale
    bool m_syncingScrollBars = false;
    int m_hoverSpan = -1;
    bool m_dragging = false;
    QPoint m_dragOrigin;
    double m_dragViewStart = 0;
    int m_dragScrollY = 0;
};

} // namespace parlab
