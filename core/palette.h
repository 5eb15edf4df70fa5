#pragma once

#include <QList>
#include <QString>
#include <QtGlobal>

namespace parlab {

enum class LockState : quint8;

// ParLab's one palette: the colour of every backend, of the three lock states and of the reference lines
// (ideal speedup, lpt bound, 100% efficiency, a baseline's median) and of the parts of the time lost, with the line
// style and width each is drawn in. The window's charts and timeline (ui/, through ChartStyle) and the HTML report's
// SVG charts and timeline (core/export/) both read it, so one run looks the same in both.
//
// Core cannot link QtGui, so colours are plain 0xRRGGBB values; ChartStyle turns them into QColor and QPen,
// SvgCharts into CSS. Every colour comes in two shades, one for light backgrounds and one for dark ones: the
// window picks by its QPalette's window colour, the report by the reader's prefers-color-scheme.
namespace Palette {

using Rgb = quint32; // 0xRRGGBB

struct Colour {
    Rgb light = 0;
    Rgb dark = 0;
    Rgb on(bool darkBackground) const { return darkBackground ? dark : light; }
};

// Qt's pen styles by another name (core has no Qt::PenStyle); SVG gets them as stroke-dasharray.
enum class LineStyle { Solid, Dashed, Dotted };

struct Line {
    Colour colour;
    LineStyle style = LineStyle::Solid;
    double width = 2; // pixels
};

// What the charts draw besides the backends' own lines.
enum class Reference {
    Ideal, // speedup = workers
    LptBound, // the longest-first schedule of the measured task costs: the best these tasks allow
    FullEfficiency, // 100%: every worker busy with useful work
};

// A backend's colour, stable for any id: the built-in backends have hues picked far apart (the Python family
// reuses its native sibling's hue, so pairs read as related), any other id gets one of a spare set chosen by a
// hash of the id that does not change between runs or machines.
Colour backend(const QString& backendId);
// A backend's data line: its colour, solid. A baseline that does not scale with workers (sequential) is drawn
// as a flat dashed line at its median: see baseline().
Line series(const QString& backendId);
Line baseline(const QString& backendId);
// The schedule simulator's prediction of a backend's speedup (Schedule::predictedCurve): its colour, dashed and
// thinner than the measured line it follows, so the two read as one backend, measured and predicted.
Line predicted(const QString& backendId);
// Confidence-interval and min..max whiskers: thinner than the line they belong to.
double whiskerWidth();

// Each reference line's look, told apart from the others by style, width and colour (ideal: thin solid grey; lpt bound:
// wider, dashed, in ink), so a line drawn over another still shows both.
Line reference(Reference which);
// The quiet grey of reference lines, also used for "nothing to say" (a cancelled run, no change).
Colour referenceColour();

// What an exported chart is printed on, whatever the window's theme: white paper, near-black ink and a muted grey for
// the caption under it (the report's light page), so a picture pasted into a document or a slide looks printed.
struct Paper {
    Rgb background = 0xffffff;
    Rgb text = 0x1f2328;
    Rgb muted = 0x636c76;
};
Paper paper();

// Green running, red waiting, grey released: the lock states under the GIL model.
Colour lockState(LockState state);
// Task bars in a timeline: a blue that neither lock colour is, and a lighter one so neighbours part.
Colour task(bool alternate);

// The accounting of lost speedup ("where the time went"): by key, "useful" (Accounting::useful()) and each of
// Accounting::parts() ("startup", "cpu_wait", ...). Hues far apart from each other so that a stacked bar reads
// part by part; useful is the green of a running lock state and lock_wait the red of a waiting one, so the bar and
// the timeline agree; unexplained is a neutral grey, quieter than every named part. A key that is no part gets
// the neutral too.
Colour lossPart(const QString& key);

// The strip of warnings above the charts: amber for cautions (the figures stand, read them with care), red for
// problems (something failed or was lost). Background and text, each in a light and a dark shade.
enum class Notice { Caution, Problem };
Colour noticeBackground(Notice notice);
Colour noticeText(Notice notice);

// The text colour of a judgement, the same wherever one is made: green good (a lesson's claim holds, a run got
// faster, a run finished), red bad (the claim does not hold, slower, failed), amber unsure (inconclusive, mixed, a
// run interrupted), blue under way (a run still running).
enum class Judgement { Good, Bad, Unsure, UnderWay };
Colour judgement(Judgement which);
// "#1764bb" for CSS and SVG.
QString hex(Rgb rgb);
// The dash pattern of a style in units of the line's width (Qt's own patterns for Qt::DashLine and
// Qt::DotLine); empty for solid lines.
QList<double> dashPattern(LineStyle style);
// "dashed", "dotted", "solid": for CSS class names and messages.
QString styleName(LineStyle style);

} // namespace Palette

} // namespace parlab
