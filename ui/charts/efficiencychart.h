#pragma once

#include <QChartView>
#include <QHash>
#include <QStringList>

class QLineSeries;
class QValueAxis;

namespace parlab {

struct RunResult;

// Parallel efficiency (speedup / workers, in percent) against workers per scaling backend, under a 100%
// line: where the speedup chart shows "faster", this one shows "what each extra worker bought".
class EfficiencyChart final : public QChartView {
    Q_OBJECT
public:
    explicit EfficiencyChart(QWidget* parent = nullptr);
    ~EfficiencyChart() override;

    void setResult(const RunResult& result);
    void clear();

protected:
    void changeEvent(QEvent* event) override;

private:
    QLineSeries* seriesFor(const QString& backend);
    void removeBackend(const QString& backend);
    void restyle();

    QChart* m_chart = nullptr;
    QValueAxis* m_x = nullptr;
    QValueAxis* m_y = nullptr;
    QLineSeries* m_full = nullptr; // the 100% reference
    QHash<QString, QLineSeries*> m_backends;
    QStringList m_order;
};

} // namespace parlab
