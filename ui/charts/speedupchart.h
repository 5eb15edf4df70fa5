#pragma once

#include "export/formatting.h"
#include "runoptions.h"
#include "workerschart.h"

#include <QHash>

class QLineSeries;

namespace parlab {

struct RunResult;

// Speedup against workers: one line per scaling backend with 95% CI whiskers, the ideal y = x and the lpt
// bound of the run's inputs, so a class sees both "how far from perfect" and "how far from possible".
// Hovering a point reads its speedup, interval and samples; tiny speedups (a start-up cost) and doubling worker
// counts get logarithmic axes. Beside each backend, dashed in its colour, the speedup the schedule simulator predicts
// from its smallest measured count (Schedule::predictedCurve), a little beyond the largest.
class SpeedupChart final : public WorkersChart {
    Q_OBJECT
public:
    explicit SpeedupChart(QWidget* parent = nullptr);
    ~SpeedupChart() override;

    void setResult(const RunResult& result);
    void clear();
    // Whether the predicted series are drawn (they are by default), from the next setResult on.
    void setPredictionsShown(bool shown) { m_predictionsShown = shown; }

protected:
    QString readout(const Curve& curve, const Point& point) const override;

private:
    const Curve& prediction(const RunResult& result, const QString& backend);

    // A backend's predicted speedups as last simulated, and what they were simulated from: a streaming run redraws
    // many times a second, the simulation is redone only when the measurements it reads have new repeats.
    struct Prediction {
        QString from;
        Curve curve;
    };

    QLineSeries* m_ideal = nullptr;
    QLineSeries* m_lpt = nullptr;
    QHash<QString, Prediction> m_predictions;
    QHash<QString, QStringList> m_fits; // by backend: Report::fits, for the readout of its points
    bool m_predictionsShown = true;
    const Format::FigureNames* m_names = &Format::figureNames(ScalingKind::Strong); // the result's
};

} // namespace parlab
