#include "formatting.h"

#include "runoptions.h"

#include <QStringList>
#include <algorithm>
#include <cmath>

namespace parlab {

QString Format::duration(double seconds)
{
    if (!std::isfinite(seconds))
        return QStringLiteral("–");
    const double magnitude = std::abs(seconds);
    auto fixed = [](double value, const char* unit) {
        // Four significant digits, counted on the value as it rounds: 99.9999 is "100.0", not "100.00".
        const auto decimalsFor = [](double v) { return v >= 100 ? 1 : v >= 10 ? 2 : 3; };
        const int first = decimalsFor(std::abs(value));
        const double scale = std::pow(10.0, first);
        const int decimals = decimalsFor(std::abs(std::round(value * scale) / scale));
        return QString::number(value, 'f', decimals) + QLatin1Char(' ') + QString::fromUtf8(unit);
    };
    if (magnitude >= 1.0 || magnitude == 0.0)
        return fixed(seconds, "s");
    if (magnitude >= 1e-3)
        return fixed(seconds * 1e3, "ms");
    if (magnitude >= 1e-6)
        return fixed(seconds * 1e6, "µs");
    return QString::number(seconds * 1e9, 'f', 0) + QStringLiteral(" ns");
}

QString Format::bytes(double bytes)
{
    if (!std::isfinite(bytes) || bytes < 0)
        return QStringLiteral("–");
    static const char* const kUnits[] = { "B", "KiB", "MiB", "GiB", "TiB" };
    int unit = 0;
    while (bytes >= 1024 && unit < 4) {
        bytes /= 1024;
        ++unit;
    }
    return number(bytes, 3) + QLatin1Char(' ') + QLatin1String(kUnits[unit]);
}

QString Format::number(double value, int significant)
{
    if (!std::isfinite(value))
        return QStringLiteral("–");
    if (value == 0)
        return QStringLiteral("0");
    if (value < 0)
        return QStringLiteral("-") + number(-value, significant);
    const int magnitude = int(std::floor(std::log10(value)));
    QString text = QString::number(value, 'f', std::clamp(significant - 1 - magnitude, 0, 12));
    if (text.contains(QLatin1Char('.'))) {
        while (text.endsWith(QLatin1Char('0')))
            text.chop(1);
        if (text.endsWith(QLatin1Char('.')))
            text.chop(1);
    }
    return text;
}

QString Format::ratio(double value, int decimals)
{
    return std::isfinite(value) ? QString::number(value, 'f', decimals) : QStringLiteral("–");
}

QString Format::significant(double value, int digits)
{
    return std::isfinite(value) ? QString::number(value, 'g', digits) : QStringLiteral("–");
}

QString Format::speedup(double value, int decimals)
{
    return std::isfinite(value) ? ratio(value, decimals) + QLatin1Char('x') : ratio(value, decimals);
}

QString Format::percent(double fraction, int decimals)
{
    if (!std::isfinite(fraction))
        return QStringLiteral("–");
    const double scale = std::pow(10.0, decimals);
    const double rounded = std::round(fraction * 100.0 * scale) / scale;
    return QString::number(rounded == 0 ? 0.0 : rounded, 'f', decimals) + QLatin1Char('%'); // never "-0%"
}

QString Format::pValue(double p)
{
    if (!std::isfinite(p))
        return QStringLiteral("–");
    if (p < 0.0001)
        return QStringLiteral("<0.0001");
    return QString::number(p, 'f', 4);
}

QString Format::checksum(quint64 value)
{
    return QStringLiteral("%1").arg(value, 16, 16, QLatin1Char('0'));
}

QString Format::inputs(const QList<qint64>& inputs, qsizetype shown, bool countAlways)
{
    QStringList texts;
    for (qsizetype i = 0; i < std::min(inputs.size(), shown); ++i)
        texts << QString::number(inputs[i]);
    const bool more = inputs.size() > shown;
    QString text = texts.join(QLatin1Char(',')) + (more ? QStringLiteral(",…") : QString());
    if (more || countAlways)
        text += QStringLiteral(" (%1 input%2)")
                    .arg(inputs.size())
                    .arg(inputs.size() == 1 ? QString() : QStringLiteral("s"));
    return text;
}

QString Format::printable(const QString& text)
{
    // A carriage return before a newline ends a line (CSV's CRLF); alone it would return to the line's start and
    // let what follows overwrite what came before.
    auto control = [&text](qsizetype i) {
        const char16_t c = text[i].unicode();
        if (c == u'\r')
            return i + 1 >= text.size() || text[i + 1] != u'\n';
        return (c < 0x20 && c != u'\n' && c != u'\t') || (c >= 0x7f && c <= 0x9f);
    };
    QString safe;
    qsizetype copied = 0; // the text before this index is in `safe`
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (!control(i))
            continue;
        safe += QStringView(text).mid(copied, i - copied);
        safe += QStringLiteral("\\u%1").arg(int(text[i].unicode()), 4, 16, QLatin1Char('0'));
        copied = i + 1;
    }
    if (copied == 0)
        return text;
    safe += QStringView(text).mid(copied);
    return safe;
}

QString Format::capitalised(QString text)
{
    if (!text.isEmpty())
        text[0] = text[0].toUpper();
    return text;
}

const Format::FigureNames& Format::figureNames(ScalingKind scaling)
{
    static const FigureNames strong { QStringLiteral("speedup"), QStringLiteral("efficiency"),
        QStringLiteral("T1 / TN, the baseline's median time over this one's"), QStringLiteral("speedup / workers"),
        QString() };
    static const FigureNames weak { QStringLiteral("scaled speedup"), QStringLiteral("weak efficiency"),
        QStringLiteral("N.T1 / TN, N workers having done N times the baseline's work (Gustafson)"),
        QStringLiteral("T1 / TN, each worker having done the baseline's work"), QStringLiteral("weak scaling") };
    return scaling == ScalingKind::Weak ? weak : strong;
}

} // namespace parlab
