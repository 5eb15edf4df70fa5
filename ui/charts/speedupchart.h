#pragma once

#include <QChartView>
#include <QHash>
#include <QList>
#include <QPointF>
#include <QString>

class QLineSeries;
class QValueAxis;

namespace parlab {

struct RunResult;

// Speedup against workers: one line per scaling backend with 95% CI whiskers, the ideal y = x and the lpt
// bound of the run's inputs, so a class sees both "how far from perfect" and "how far from possible".
// Series are reused between updates: a streaming run calls setResult many times a second.
class SpeedupChart final : public QChartView {
    Q_OBJECT
public:
    explicit SpeedupChart(QWidget* parent = nullptr);
    ~SpeedupChart() override;

    void setResult(const RunResult& result);
    void clear();

protected:
    void changeEvent(QEvent* event) override;

private:
    struct BackendSeries {
        QLineSeries* line = nullptr;
        QList<QLineSeries*> whiskers; // one per point: a vertical CI bar with short caps
    };

    BackendSeries& seriesFor(const QString& backend);
    void removeBackend(const QString& backend);
    QLineSeries* addHelperSeries();
    void updateWhiskers(
        BackendSeries& series, const QList<QPointF>& lows, const QList<QPointF>& highs, double capWidth);
    void restyle();

    QChart* m_chart = nullptr;
    QValueAxis* m_x = nullptr;
    QValueAxis* m_y = nullptr;
    QLineSeries* m_ideal = nullptr;
    QLineSeries* m_lpt = nullptr;
    QHash<QString, BackendSeries> m_backends;
    QStringList m_order; // backends in the order they first appeared, for a stable legend
};

} // namespace parlab
