#pragma once

#include "chartstyle.h"
#include "palette.h"
#include "unknown.h"

#include <QChartView>
#include <QHash>
#include <QList>
#include <QPointF>
#include <QSet>
#include <QString>
#include <QStringList>
#include <functional>
#include <optional>

class QAction;
class QAbstractAxis;
class QAbstractSeries;
class QAreaSeries;
class QCategoryAxis;
class QLineSeries;
class QValueAxis;

namespace parlab {

struct Measurement;

// What the speedup, wall-time and efficiency charts share: one figure per backend against workers, drawn as a line
// with markers (with 95% CI whiskers or a min–max band where the chart has them) beside reference lines, and what a
// user does with them. Hovering a point shows its figures; clicking a legend entry hides or shows its series (it
// stays so while the run streams on); either axis can be logarithmic, by the user's choice in the context menu or
// setLogScale, or by the chart's own where the data asks for it. Backends sit a few pixels apart in x, in legend
// order, so that two backends with equal figures (and their whiskers) stay readable instead of covering each other.
// Series are made once per backend and refilled on every update: a streaming run calls setResult many times a second.
class WorkersChart : public QChartView {
    Q_OBJECT
public:
    ~WorkersChart() override;

    // Logarithmic axes: workers (Qt::Horizontal, labelled in powers of two) and the chart's figure (Qt::Vertical,
    // where the chart offers it: logScaleAction is null otherwise). Until the user or a caller chooses, the chart
    // picks: workers that are powers of two up to 16 or more on a log axis, figures spanning more than two decades
    // on a log axis.
    void setLogScale(Qt::Orientation orientation, bool on);
    bool logScale(Qt::Orientation orientation) const;
    // The checkable action behind the context menu's entry, for a window's View menu to show as well.
    QAction* logScaleAction(Qt::Orientation orientation) const;

    // Hides or shows a series by its legend label ("threads", "ideal (y = x)") as clicking its legend entry does.
    void setSeriesVisible(const QString& name, bool visible);
    bool isSeriesVisible(const QString& name) const;

    // The read-out shown when hovering `viewportPos`: the figures of the nearest drawn point within a few pixels,
    // empty where there is none.
    QString readoutAt(const QPoint& viewportPos) const;
    // Where a backend's point at `workers` is drawn, in viewport pixels (after the dodge and the axis scale); null
    // when it is not drawn.
    QPointF pointPosition(const QString& backend, int workers) const;

Q_SIGNALS:
    void logScaleChanged(Qt::Orientation orientation, bool on);

protected:
    // One plotted figure, in the chart's units.
    struct Point {
        int workers = 1;
        double value = kUnknown;
        double low = kUnknown; // whisker ends (a 95% CI); NaN: no whisker
        double high = kUnknown;
        double bandLow = kUnknown; // band edges (the fastest and slowest repeat); NaN: no band
        double bandHigh = kUnknown;
        int samples = 0;
    };
    struct Curve {
        QString backend;
        QString name; // the legend label
        // A baseline is drawn flat at its first point's value across all workers, without markers or dodge.
        bool baseline = false;
        QList<Point> points; // by workers
        // A prediction (the schedule simulator's) of the backend's figure: in its colour, dashed, without markers
        // or dodge, beside its measured curve.
        bool predicted = false;
    };

    // `valueName` names the figure in the toggle ("speedup": "Logarithmic speedup axis"); empty: the value axis stays
    // linear. `bands`: backends get a translucent band between bandLow and bandHigh.
    WorkersChart(
        const QString& title, const QString& valueTitle, const QString& valueName, bool bands, QWidget* parent);

    // The backends to draw, in the order they appear in the result; series of backends no longer present go.
    void setCurves(const QList<Curve>& curves, int maxWorkers);
    void clearCurves();
    // A reference line (ideal, bound, 100%), styled from the palette. `straight`: straight between its points on
    // linear axes (y = x), so it is drawn as the curve it becomes on a logarithmic one.
    QLineSeries* addReference(const QString& name, Palette::Reference which);
    void setReference(QLineSeries* series, const QList<QPointF>& points, bool straight);
    // The value axis's title, linear or logarithmic ("wall time (ms)").
    void setValueTitle(const QString& title);
    // After setCurves and setReference: scales, ranges and every series' points.
    void redraw();
    // The hover text of a point of a curve.
    virtual QString readout(const Curve& curve, const Point& point) const = 0;
    // The read-out's first line: "threads, 4 workers".
    static QString pointHeading(const Curve& curve, const Point& point);
    // Its last line: "3 samples".
    static QString samplesText(int samples);
    // One curve per backend that scales with workers, in the order they first appear, with the point `pointOf`
    // makes of each of its measurements (none: the measurement lacks the figure); `maxWorkers` becomes the largest
    // worker count measured, at least 1.
    static QList<Curve> scalingCurves(const RunResult& result,
        const std::function<std::optional<Point>(const Measurement&)>& pointOf, int& maxWorkers);
    // The whole read-out of a figure with its 95% interval: heading, "speedup 1.74x (95% CI 1.61x–1.86x)",
    // samples. `what` names the figure ("speedup"), `unit` follows each number ("x", "%").
    static QString intervalReadout(const Curve& curve, const Point& point, const QString& what, const QString& unit);

    void changeEvent(QEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void leaveEvent(QEvent* event) override;

    QChart* m_chart = nullptr;

private:
    struct BackendSeries {
        Curve curve;
        QLineSeries* line = nullptr;
        QList<QLineSeries*> whiskers; // one per point with an interval: a vertical bar with short caps
        QLineSeries* upper = nullptr; // band edges: owned by the area series
        QLineSeries* lower = nullptr;
        QAreaSeries* band = nullptr;
        QList<QPointF> drawn; // the line's points as drawn, beside...
        QList<int> drawnIndex; // ...the index of the curve's point each one is
    };
    struct Reference {
        QLineSeries* series = nullptr;
        Palette::Reference which = Palette::Reference::Ideal;
        QList<QPointF> points;
        bool straight = false;
    };
    struct Hit {
        const BackendSeries* series = nullptr;
        int point = -1;
    };

    // A curve's series are kept under its backend, or its backend and " predicted" for a prediction.
    static QString seriesKey(const Curve& curve);
    BackendSeries& seriesFor(const Curve& curve);
    void removeBackend(const QString& backend);
    void attach(QAbstractSeries* series);
    void connectMarkers(QAbstractSeries* series);
    void toggle(QAbstractSeries* series);
    void applyVisibility(const QString& name);
    void styleMarkers();
    void restyle();
    void styleSeries();
    void styleBackend(BackendSeries& series);
    bool autoLog(Qt::Orientation orientation) const;
    void useScales(bool logX, bool logY);
    Hit hitAt(const QPoint& viewportPos) const;
    QPointF toViewport(const QPointF& axisPoint, QLineSeries* series) const;

    QValueAxis* m_x = nullptr;
    QValueAxis* m_y = nullptr;
    QCategoryAxis* m_logX = nullptr;
    QCategoryAxis* m_logY = nullptr;
    bool m_bands = false;
    bool m_isLogX = false;
    bool m_isLogY = false;
    int m_chosenLogX = -1; // -1: the chart picks; 0 or 1: chosen
    int m_chosenLogY = -1;
    QAction* m_logXAction = nullptr;
    QAction* m_logYAction = nullptr;
    int m_maxWorkers = 1;
    QHash<QString, BackendSeries> m_backends; // by seriesKey
    QStringList m_order; // series keys in the order they first appeared: the legend's, and the dodge's
    QList<Reference> m_references;
    QSet<QString> m_hidden; // legend labels the user hid: kept across updates and new series of the same name
    QString m_shownReadout;
};

} // namespace parlab
