#pragma once

#include <QChartView>
#include <QHash>
#include <QStringList>

class QAreaSeries;
class QLineSeries;
class QValueAxis;

namespace parlab {

struct RunResult;

// Wall time against workers: per scaling backend the median line over a translucent min–max band, and each
// non-scaling baseline (sequential) as a horizontal line, so "below the line" reads as "faster". The time
// unit (s, ms, µs) follows the data so the axis labels stay short.
class WallTimeChart final : public QChartView {
    Q_OBJECT
public:
    explicit WallTimeChart(QWidget* parent = nullptr);
    ~WallTimeChart() override;

    void setResult(const RunResult& result);
    void clear();
    // The axis unit chosen by the last setResult: "s", "ms" or "µs"; data is plotted in it.
    QString unit() const { return m_unit; }

protected:
    void changeEvent(QEvent* event) override;

private:
    struct BackendSeries {
        QLineSeries* median = nullptr;
        QLineSeries* upper = nullptr; // band edges: owned by the area series' chart, not added to it
        QLineSeries* lower = nullptr;
        QAreaSeries* band = nullptr;
        bool reference = false; // a horizontal baseline rather than a curve
    };

    BackendSeries& seriesFor(const QString& backend, bool reference);
    void removeBackend(const QString& backend);
    void styleSeries(const QString& backend, BackendSeries& series);
    void restyle();

    QChart* m_chart = nullptr;
    QValueAxis* m_x = nullptr;
    QValueAxis* m_y = nullptr;
    QHash<QString, BackendSeries> m_backends;
    QStringList m_order;
    QString m_unit = QStringLiteral("s");
};

} // namespace parlab
