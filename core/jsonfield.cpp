#include "jsonfield.h"

#include <QLocale>
#include <cmath>

namespace parlab {

QString JsonField::typeName(const QJsonValue& value)
{
    switch (value.type()) {
    case QJsonValue::Null:
        return QStringLiteral("null");
    case QJsonValue::Bool:
        return QStringLiteral("a boolean");
    case QJsonValue::Double:
        return QStringLiteral("a number");
    case QJsonValue::String:
        return QStringLiteral("a string");
    case QJsonValue::Array:
        return QStringLiteral("an array");
    case QJsonValue::Object:
        return QStringLiteral("an object");
    case QJsonValue::Undefined:
        return QStringLiteral("nothing (the field is missing)");
    }
    return QStringLiteral("something else");
}

QString JsonField::numberText(double value)
{
    return QString::number(value, 'g', QLocale::FloatingPointShortest);
}

Result<qint64> JsonField::count(const QJsonValue& value, const CountRange& range)
{
    if (!value.isDouble())
        return fail(QStringLiteral("expected a whole number, got %1").arg(typeName(value)));
    // toInteger returns its default unless the value is exactly a qint64: two defaults tell the cases apart
    // without a double that cannot hold every qint64 in between.
    const qint64 whole = value.toInteger(0);
    if (whole == value.toInteger(1)) {
        if (const Result<void> inRange = range.check(whole); !inRange)
            return fail(inRange.error());
        return whole;
    }
    const double d = value.toDouble();
    if (std::isfinite(d) && d != std::floor(d))
        return fail(QStringLiteral("%1 is not a whole number").arg(numberText(d)));
    return fail(range.outOfRange(numberText(d)));
}

Result<double> JsonField::number(const QJsonValue& value, double minimum)
{
    if (!value.isDouble())
        return fail(QStringLiteral("expected a number, got %1").arg(typeName(value)));
    const double d = value.toDouble();
    if (!std::isfinite(d) || d < minimum)
        return fail(
            QStringLiteral("%1 is out of range, use a number of %2 or more").arg(numberText(d), numberText(minimum)));
    return d;
}

} // namespace parlab
