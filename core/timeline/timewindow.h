#pragma once

namespace parlab {

// A stretch of a timeline's time axis, in nanoseconds on the measurement's clock.
struct TimeRange {
    double startNs = 0;
    double endNs = 0;
    double spanNs() const { return endNs - startNs; }
    bool isEmpty() const { return !(endNs > startNs); }
};

// The visible part of a timeline and the maths between its time and pixels, with no widget in sight (so it is
// tested on its own, and the window's view and the report's SVG writer map time the same way).
//
// The window lies inside its bounds (the whole run with a little padding, or the scale shared by every
// measurement of a run): zooming out stops at the bounds, zooming in at a millionth of them (and 100 ns), and
// panning keeps the window inside. A plot `width` pixels wide starting at `left` shows [start, end].
class TimeWindow final {
public:
    static constexpr double kMaxZoom = 1e6;
    static constexpr double kMinSpanNs = 100;

    TimeWindow() = default;
    // Fitted to `bounds`, which must not be empty.
    explicit TimeWindow(TimeRange bounds);
    // Bounds that show [firstNs, lastNs] with 1.5% room either side (at least a microsecond in all, so a run of
    // one instant still has a width).
    static TimeRange padded(double firstNs, double lastNs);

    TimeRange bounds() const { return m_bounds; }
    double start() const { return m_start; }
    double span() const { return m_span; }
    double end() const { return m_start + m_span; }
    // The narrowest window zooming may reach.
    double minSpan() const;
    bool isFitted() const;

    // Moves the window, clamped into the bounds with its span between minSpan() and the bounds' span.
    void setView(double startNs, double spanNs);
    void fit();
    // Multiplies the magnification by `factor` (2 = twice as close), keeping the time at `fraction` of the
    // width (0 left edge, 1 right edge) where it is.
    void zoomAround(double fraction, double factor);
    void panBy(double ns);

    double xFor(double ns, double left, double width) const;
    double timeAt(double x, double left, double width) const;
    // Nanoseconds one pixel covers.
    double nsPerPixel(double width) const;

private:
    TimeRange m_bounds { 0, 1e9 };
    double m_start = 0;
    double m_span = 1e9;
};

} // namespace parlab
