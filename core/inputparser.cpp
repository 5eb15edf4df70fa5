#include "inputparser.h"

#include <QRegularExpression>
#include <limits>
#include <optional>

namespace parlab {

QString InputError::message() const
{
    if (fragment.isEmpty())
        return QStringLiteral("at column %1: %2").arg(column).arg(reason);
    return QStringLiteral("at column %1 ('%2'): %3").arg(column).arg(fragment, reason);
}

namespace {
class Parser {
public:
    Parser(const QString& text, qsizetype maxCount)
        : m_text(text)
        , m_maxCount(maxCount)
    { }

    ParsedInputs parse()
    {
        ParsedInputs result;
        if (m_text.trimmed().isEmpty()) {
            result.error = InputError { 1, {}, QStringLiteral("the input list is empty") };
            return result;
        }
        qsizetype start = 0;
        while (start <= m_text.size()) {
            qsizetype comma = m_text.indexOf(QLatin1Char(','), start);
            if (comma < 0)
                comma = m_text.size();
            if (auto error = parseItem(start, comma, result.values)) {
                result.values.clear();
                result.error = error;
                return result;
            }
            start = comma + 1;
        }
        return result;
    }

private:
    std::optional<InputError> parseItem(qsizetype begin, qsizetype end, QList<qint64>& out)
    {
        // Column of the item's first non-blank character, for messages.
        qsizetype first = begin;
        while (first < end && m_text.at(first).isSpace())
            ++first;
        const QString item = m_text.mid(begin, end - begin).trimmed();
        const int column = int(first) + 1;
        auto fail = [&](const QString& reason) { return InputError { column, item, reason }; };

        if (item.isEmpty() && begin > 0 && end == m_text.size())
            return InputError { int(begin), {},
                QStringLiteral("the list ends with a comma: an item is missing after it") };
        if (item.isEmpty())
            return InputError { column, {}, QStringLiteral("an item is missing between commas") };

        static const QRegularExpression number(QStringLiteral("^-?\\d+$"));
        static const QRegularExpression range(QStringLiteral("^(-?\\d+)\\s*\\.\\.\\s*(-?\\d+)(?:\\s*:\\s*(-?\\d+))?$"));
        static const QRegularExpression repeat(QStringLiteral("^(-?\\d+)\\s*[xX]\\s*(-?\\d+)$"));

        if (number.match(item).hasMatch()) {
            const auto value = toInt(item);
            if (!value)
                return fail(QStringLiteral("the number does not fit in 64 bits"));
            return append(out, *value, 1, fail);
        }
        if (const auto m = range.match(item); m.hasMatch()) {
            const auto from = toInt(m.captured(1));
            const auto to = toInt(m.captured(2));
            if (!from || !to)
                return fail(QStringLiteral("a range end does not fit in 64 bits"));
            qint64 step = 1;
            if (m.hasCaptured(3)) {
                const auto s = toInt(m.captured(3));
                if (!s)
                    return fail(QStringLiteral("the step does not fit in 64 bits"));
                if (*s <= 0)
                    return fail(QStringLiteral("the step after ':' must be a positive whole number"));
                step = *s;
            }
            // Unsigned difference: no overflow even for ranges across the whole 64-bit span.
            const quint64 span = *from <= *to ? quint64(*to) - quint64(*from) : quint64(*from) - quint64(*to);
            const quint64 steps = span / quint64(step);
            if (steps >= quint64(m_maxCount - out.size()))
                return fail(QStringLiteral("the list would have more than %1 values").arg(m_maxCount));
            // In unsigned arithmetic: k * step may pass 2^63 on the way from one end to the other.
            for (quint64 k = 0; k <= steps; ++k) {
                const quint64 offset = k * quint64(step);
                out.append(qint64(*from <= *to ? quint64(*from) + offset : quint64(*from) - offset));
            }
            return std::nullopt;
        }
        if (const auto m = repeat.match(item); m.hasMatch()) {
            const auto value = toInt(m.captured(1));
            const auto times = toInt(m.captured(2));
            if (!value)
                return fail(QStringLiteral("the number does not fit in 64 bits"));
            if (!times)
                return fail(QStringLiteral("the repeat count does not fit in 64 bits"));
            if (*times <= 0)
                return fail(QStringLiteral("the repeat count after 'x' must be a positive whole number"));
            return append(out, *value, *times, fail);
        }
        return fail(diagnose(item));
    }

    template<typename Fail>
    std::optional<InputError> append(QList<qint64>& out, qint64 value, qint64 times, Fail fail) const
    {
        if (times > m_maxCount - out.size())
            return fail(QStringLiteral("the list would have more than %1 values").arg(m_maxCount));
        for (qint64 k = 0; k < times; ++k)
            out.append(value);
        return std::nullopt;
    }

    static std::optional<qint64> toInt(const QString& digits)
    {
        bool ok = false;
        const qint64 value = digits.toLongLong(&ok);
        return ok ? std::optional<qint64>(value) : std::nullopt;
    }

    // Says what is wrong with an item that matched no form, as precisely as the text allows.
    static QString diagnose(const QString& item)
    {
        if (item.contains(QLatin1Char('.')) && !item.contains(QStringLiteral("..")))
            return QStringLiteral("inputs are whole numbers; write a range as a..b");
        if (item.count(QStringLiteral("..")) > 1)
            return QStringLiteral("a range has one '..' (a..b or a..b:step)");
        if (item.contains(QStringLiteral(".."))) {
            if (item.startsWith(QStringLiteral("..")))
                return QStringLiteral("the range has no start (write a..b)");
            if (item.endsWith(QStringLiteral("..")))
                return QStringLiteral("the range has no end (write a..b)");
            if (item.endsWith(QLatin1Char(':')))
                return QStringLiteral("the step after ':' is missing");
            return QStringLiteral("a range is a..b or a..b:step with whole numbers");
        }
        static const QRegularExpression repeatWithoutCount(QStringLiteral("^-?\\d+\\s*[xX]$"));
        if (repeatWithoutCount.match(item).hasMatch())
            return QStringLiteral("the repeat count after 'x' is missing (write NxK)");
        static const QRegularExpression repeatLike(QStringLiteral("^-?\\d*\\s*[xX]"));
        if (repeatLike.match(item).hasMatch())
            return QStringLiteral("a repeat is NxK: N repeated K times, both whole numbers");
        if (item.contains(QLatin1Char(' ')) || item.contains(QLatin1Char(';')))
            return QStringLiteral("separate inputs with commas");
        return QStringLiteral("not a number, a range a..b[:step] or a repeat NxK");
    }

    const QString& m_text;
    qsizetype m_maxCount;
};
} // namespace

ParsedInputs parseInputs(const QString& text, qsizetype maxCount)
{
    return Parser(text, maxCount).parse();
}

} // namespace parlab
