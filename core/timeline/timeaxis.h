#pragma once

#include <QList>
#include <QString>
#include <functional>

namespace parlab {

// The ticks under a timeline: round steps (1, 2 or 5 times a power of ten) as many as fit without their labels
// touching, labelled in one unit chosen from the largest time shown ("0.0 ms", "12.5 ms") with the decimals
// the step needs. Times are relative to the timeline's origin (the first task's start), so they can be negative
// where lock states began before it. The window's view measures labels with its font, the SVG writer with an
// estimate; both get the same ticks for the same width.
class TimeAxis final {
public:
    // Ticks for [startNs, endNs] drawn `width` pixels wide; `labelWidth` gives a label's width in pixels.
    TimeAxis(double startNs, double endNs, double width, const std::function<double(const QString&)>& labelWidth);

    double stepNs() const { return m_stepNs; }
    // The ticks inside the range, in ascending order.
    QList<double> ticks() const;
    QString label(double ns) const;

    // A step of 1, 2 or 5 times a power of ten, at least `raw`.
    static double niceStep(double raw);

private:
    void chooseFormat(double largestNs);

    double m_startNs = 0;
    double m_endNs = 0;
    double m_stepNs = 1;
    double m_unitNs = 1;
    QString m_unit;
    int m_decimals = 0;
};

} // namespace parlab
