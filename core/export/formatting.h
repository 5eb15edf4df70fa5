#pragma once

#include <QList>
#include <QString>

namespace parlab {

enum class ScalingKind; // runoptions.h

// Human-readable figures shared by the text, Markdown, HTML and SVG exports, the CLI and the window.
namespace Format {
// "1.234 s", "12.35 ms", "45.6 µs", "820 ns"; "–" for NaN.
QString duration(double seconds);
// `value` to `significant` digits, in fixed notation without trailing zeros: "0.01", "2.5", "1500", "-3"; "–" for
// NaN or infinity.
QString number(double value, int significant);
// An amount of memory in binary units to three significant digits: "612 MiB", "1.25 GiB", "980 KiB", "512 B"; "–"
// for NaN or a negative amount (-1: not measured).
QString bytes(double bytes);
// "1.85", or "–" for NaN.
QString ratio(double value, int decimals = 2);
// A small coefficient to `digits` significant digits: "0.0012", "3.4e-06", "0"; "–" for NaN (the USL's coherency).
QString significant(double value, int digits = 2);
// A speedup or a bound: "1.85x", or "–" for NaN (no "x" after a dash).
QString speedup(double value, int decimals = 2);
// "93%", or "–" for NaN; with decimals, "12.3%" (a slowdown against a 5% threshold needs the tenths).
QString percent(double fraction, int decimals = 0);
// A p-value: "0.0123", "<0.0001", or "–" for NaN.
QString pValue(double p);
// A run's inputs: the first `shown`, then ",…" and the count, "34,34,34,34,34,… (8 inputs)", when there are more;
// with `countAlways` the count follows either way, "38,37,36 (3 inputs)".
QString inputs(const QList<qint64>& inputs, qsizetype shown, bool countAlways = false);
// Sixteen hex digits: checksums are 64-bit and must survive JSON readers that use doubles.
QString checksum(quint64 value);
// `text` safe to print on a terminal: every control character (C0, DEL, C1) but newline, tab and the carriage
// return of a CRLF written as \u00XX, so that a name, note or error read from a file cannot move the cursor,
// recolour, retitle or clear the terminal it is printed on. The CLI's printers put all they print through this.
// JSON's own escape, so JSON output stays JSON that reads back to the same text (QJsonDocument escapes C0 itself
// but writes DEL and C1 as they are).
QString printable(const QString& text);

// `text` with its first letter upper case: a name at the start of a sentence or title.
QString capitalised(QString text);

// What a run's speedup and efficiency are, by what its worker counts scale (option scaling): the names every table,
// chart, report and export shows them under.
struct FigureNames {
    QString speedup; // "speedup", "scaled speedup"
    QString efficiency; // "efficiency", "weak efficiency"
    QString speedupMeaning; // one line for tooltips and captions
    QString efficiencyMeaning;
    QString scaling; // "" for strong scaling (the default, not named), "weak scaling: …"
};
const FigureNames& figureNames(ScalingKind scaling);
} // namespace Format

} // namespace parlab
