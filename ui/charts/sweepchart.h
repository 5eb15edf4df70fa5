#pragma once

#include <QChartView>
#include <QList>
#include <QPointF>
#include <QString>
#include <QStringList>

class QCategoryAxis;
class QLineSeries;
class QScatterSeries;

namespace parlab {

struct SweepResult;

// Speedup against task size from a task-size sweep (SweepResult::series), both axes logarithmic: a line per backend x
// worker count in the backend's colour (its largest worker count in full, smaller ones lighter, as the report labels
// each line's end "x2"), each worker count's ideal (the lpt bound of the sweep's equal tasks) in the
// palette's ideal style, and on each line its break-even size (a diamond on speedup 1) and the size where it reaches
// 90% of ideal (a ring), as the HTML report's chart draws them. Hovering a point or a mark says what it is. Reads the
// sweep it is given, keeps no reference to it.
class SweepChart final : public QChartView {
    Q_OBJECT
public:
    explicit SweepChart(QWidget* parent = nullptr);
    ~SweepChart() override;

    void setSweep(const SweepResult& sweep);
    void clear();

    // For tests: the lines drawn ("threads x2"), and where a line's marks sit in data units (task size in ms,
    // speedup); none where the crossing is outside the sweep.
    QStringList lineNames() const;
    QList<QPointF> breakEvenMarks(const QString& lineName) const;
    QList<QPointF> nearIdealMarks(const QString& lineName) const;

protected:
    void changeEvent(QEvent* event) override;

private:
    struct Line {
        QString backend;
        QString name;
        // Of the backend's worker counts, how far below its largest this one is (0: the largest): drawn lighter.
        int belowLargest = 0;
        QLineSeries* line = nullptr;
        QScatterSeries* breakEven = nullptr;
        QScatterSeries* nearIdeal = nullptr;
        QPointF breakEvenAt; // data units; null: none
        QPointF nearIdealAt;
    };

    void restyle();
    void removeAll();

    QChart* m_chart;
    QCategoryAxis* m_x;
    QCategoryAxis* m_y;
    QList<Line> m_lines;
    QList<QLineSeries*> m_ideals;
};

} // namespace parlab
