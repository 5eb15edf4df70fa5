#include "timewindow.h"

#include <algorithm>
#include <cmath>

namespace parlab {

TimeWindow::TimeWindow(TimeRange bounds)
    : m_bounds(bounds.isEmpty() ? TimeRange { bounds.startNs, bounds.startNs + 1e9 } : bounds)
    , m_start(m_bounds.startNs)
    , m_span(m_bounds.spanNs())
{ }

TimeRange TimeWindow::padded(double firstNs, double lastNs)
{
    const double extent = std::max(lastNs - firstNs, 1000.0);
    const double pad = extent * 0.015;
    return { firstNs - pad, firstNs + extent + pad };
}

double TimeWindow::minSpan() const
{
    const double full = m_bounds.spanNs();
    return std::min(full, std::max(kMinSpanNs, full / kMaxZoom));
}

bool TimeWindow::isFitted() const
{
    const double full = m_bounds.spanNs();
    return std::abs(m_span - full) <= 1e-9 * full && std::abs(m_start - m_bounds.startNs) <= 1e-9 * full;
}

void TimeWindow::setView(double startNs, double spanNs)
{
    m_span = std::clamp(spanNs, minSpan(), m_bounds.spanNs());
    m_start = std::clamp(startNs, m_bounds.startNs, m_bounds.endNs - m_span);
}

void TimeWindow::fit()
{
    setView(m_bounds.startNs, m_bounds.spanNs());
}

void TimeWindow::zoomAround(double fraction, double factor)
{
    if (!(factor > 0))
        return;
    fraction = std::clamp(fraction, 0.0, 1.0);
    const double anchor = m_start + fraction * m_span;
    const double span = std::clamp(m_span / factor, minSpan(), m_bounds.spanNs());
    setView(anchor - fraction * span, span);
}

void TimeWindow::panBy(double ns)
{
    setView(m_start + ns, m_span);
}

double TimeWindow::xFor(double ns, double left, double width) const
{
    return left + (ns - m_start) / m_span * width;
}

double TimeWindow::timeAt(double x, double left, double width) const
{
    return m_start + (x - left) / width * m_span;
}

double TimeWindow::nsPerPixel(double width) const
{
    return m_span / std::max(width, 1e-9);
}

} // namespace parlab
