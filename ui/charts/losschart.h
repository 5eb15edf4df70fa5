#pragma once

#include <QChartView>
#include <QList>
#include <QString>

class QBarCategoryAxis;
class QBarSet;
class QCategoryAxis;
class QGraphicsTextItem;
class QLineSeries;
class QStackedBarSeries;
class QValueAxis;

namespace parlab {

struct RunResult;

// Where the time went: one stacked bar per backend x workers whose split of lost speedup is known
// (Measurement::losses), useful at the bottom, then Accounting::parts() in their order and the Palette's colours,
// under a line at 100% (every worker-second useful). Heights are percent of the measurement's workers x wall time
// in its median repeat. A part below zero (tasks needed less CPU than in the baseline, a negative unexplained) is
// drawn below the zero line, not folded into another part: the bar above zero then reaches past 100% by exactly
// what hangs below it, so the parts above minus the parts below are the whole. Baselines (sequential,
// python-sequential) have no bar: they are the yardstick, 100% useful by definition. Hovering a segment names the
// part, its share in percent and in seconds, and what it means. Before any split is known the chart says what it
// needs instead of drawing empty axes.
class LossChart final : public QChartView {
    Q_OBJECT
public:
    explicit LossChart(QWidget* parent = nullptr);
    ~LossChart() override;

    void setResult(const RunResult& result);
    void clear();

    // For tests and the tooltip: the bars drawn ("threads x2"), their segments (0: useful, then the parts in
    // Accounting::parts() order) as QBarSets, and the text hovering segment `segment` of bar `bar` shows.
    QStringList barLabels() const;
    QBarSet* segment(int segment) const;
    int segmentCount() const;
    QString segmentText(int bar, int segment) const;
    // The message shown instead of bars; empty while bars are drawn.
    QString emptyText() const;

protected:
    void changeEvent(QEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    struct Bar {
        QString label; // "threads x2"
        QString backend;
        QList<double> shares; // useful, then the parts: fractions of workers x wall time, NaN unknown
        double workerSeconds = 0; // workers x the median repeat's wall time: what a share of 1 is
        int workers = 1;
        double wallS = 0;
    };

    void restyle();
    void placeEmptyText();
    void showEmptyState(bool empty);

    QChart* m_chart = nullptr;
    QBarCategoryAxis* m_x = nullptr; // "x2" under each bar
    QCategoryAxis* m_groups = nullptr; // the backend under its bars
    QValueAxis* m_y = nullptr;
    QStackedBarSeries* m_series = nullptr;
    QList<QBarSet*> m_segments;
    QLineSeries* m_ideal = nullptr;
    QGraphicsTextItem* m_empty = nullptr;
    QList<Bar> m_bars;
};

} // namespace parlab
