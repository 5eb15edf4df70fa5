#include "timeaxis.h"

#include <algorithm>
#include <cmath>

namespace parlab {

TimeAxis::TimeAxis(double startNs, double endNs, double width, const std::function<double(const QString&)>& labelWidth)
    : m_startNs(startNs)
    , m_endNs(std::max(endNs, startNs + 1))
{
    const double span = m_endNs - m_startNs;
    const double largest = std::max(std::abs(m_startNs), std::abs(m_endNs));
    // A first guess of the label width sets the step; the labels that step gives confirm it.
    m_stepNs = niceStep(span / std::max(2.0, width / 90));
    chooseFormat(largest);
    const double widest = std::max(labelWidth(label(m_startNs)), labelWidth(label(m_endNs))) + 18;
    m_stepNs = niceStep(span / std::max(1.0, width / widest));
    chooseFormat(largest);
}

void TimeAxis::chooseFormat(double largestNs)
{
    if (largestNs >= 1e9) {
        m_unitNs = 1e9;
        m_unit = QStringLiteral("s");
    } else if (largestNs >= 1e6) {
        m_unitNs = 1e6;
        m_unit = QStringLiteral("ms");
    } else if (largestNs >= 1e3) {
        m_unitNs = 1e3;
        m_unit = QStringLiteral("µs");
    } else {
        m_unitNs = 1;
        m_unit = QStringLiteral("ns");
    }
    m_decimals = std::clamp(int(std::ceil(-std::log10(m_stepNs / m_unitNs) - 1e-9)), 0, 9);
}

QList<double> TimeAxis::ticks() const
{
    QList<double> result;
    // Counted in whole steps, so that ticks do not drift by the rounding of repeated additions.
    const double first = std::ceil(m_startNs / m_stepNs);
    for (qint64 i = 0;; ++i) {
        const double tick = (first + double(i)) * m_stepNs;
        if (tick > m_endNs + m_stepNs * 1e-9)
            break;
        result.append(tick);
    }
    return result;
}

QString TimeAxis::label(double ns) const
{
    double value = ns / m_unitNs;
    if (std::abs(value) < 0.5 * std::pow(10.0, -m_decimals))
        value = 0; // no "-0.0 ms"
    return QString::number(value, 'f', m_decimals) + QLatin1Char(' ') + m_unit;
}

double TimeAxis::niceStep(double raw)
{
    const double magnitude = std::pow(10.0, std::floor(std::log10(std::max(raw, 1e-3))));
    for (double factor : { 1.0, 2.0, 5.0 }) {
        if (factor * magnitude >= raw)
            return factor * magnitude;
    }
    return 10 * magnitude;
}

} // namespace parlab
