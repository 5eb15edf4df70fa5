#include "optiondescriptor.h"

#include "backends/backendregistry.h"

#include <cmath>

namespace parlab {

namespace {
// As messages and --help write numbers: no trailing zeros, no exponent for everyday values.
QString number(double value)
{
    return QString::number(value, 'g', 12);
}

// A value as a message quotes it: text in quotes, numbers and booleans bare.
QString quoted(const QVariant& value)
{
    switch (value.typeId()) {
    case QMetaType::Bool:
        return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case QMetaType::Int:
    case QMetaType::LongLong:
    case QMetaType::Double:
        return number(value.toDouble());
    case QMetaType::QString:
        return QStringLiteral("'%1'").arg(value.toString());
    case QMetaType::QVariantList:
        return QStringLiteral("a list");
    case QMetaType::QVariantMap:
        return QStringLiteral("an object");
    case QMetaType::Nullptr:
    case QMetaType::UnknownType:
        return QStringLiteral("null");
    default:
        return QStringLiteral("'%1'").arg(value.toString());
    }
}

bool isNumber(const QVariant& value)
{
    switch (value.typeId()) {
    case QMetaType::Int:
    case QMetaType::LongLong:
    case QMetaType::UInt:
    case QMetaType::ULongLong:
    case QMetaType::Double:
    case QMetaType::Float:
        return true;
    default:
        return false;
    }
}
} // namespace

QString OptionDescriptor::expected() const
{
    const QString unitText = unit.isEmpty() ? QString() : QLatin1Char(' ') + unit;
    const QString zero = unsetMeans.isEmpty() ? QString() : QStringLiteral(" (0: %1)").arg(unsetMeans);
    switch (type) {
    case Type::Integer:
        return QStringLiteral("a whole number from %1 to %2%3%4").arg(number(minimum), number(maximum), unitText, zero);
    case Type::Number:
        return QStringLiteral("a number from %1 to %2%3%4").arg(number(minimum), number(maximum), unitText, zero);
    case Type::Boolean:
        return QStringLiteral("true or false");
    case Type::Text:
        return QStringLiteral("text");
    case Type::File:
        return QStringLiteral("a file name");
    case Type::Choice: {
        QStringList quotedChoices;
        for (const QString& c : choices)
            quotedChoices.append(QStringLiteral("'%1'").arg(c));
        const QString last = quotedChoices.isEmpty() ? QString() : quotedChoices.takeLast();
        return quotedChoices.isEmpty() ? last
                                       : quotedChoices.join(QStringLiteral(", ")) + QStringLiteral(" or ") + last;
    }
    }
    return {};
}

QString OptionDescriptor::valueText(const QVariant& value) const
{
    switch (type) {
    case Type::Integer:
    case Type::Number:
        if (value.toDouble() == 0 && !unsetMeans.isEmpty())
            return unsetMeans;
        return number(value.toDouble());
    case Type::Boolean:
        return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case Type::Text:
    case Type::File:
        if (value.toString().isEmpty() && !unsetMeans.isEmpty())
            return unsetMeans;
        return value.toString();
    case Type::Choice:
        return value.toString();
    }
    return {};
}

QStringList OptionDescriptor::appliesTo() const
{
    switch (scope) {
    case Scope::Run:
        return {};
    case Scope::Kernel:
        return kernels;
    case Scope::Backend:
        return BackendRegistry::idsUsing(option);
    }
    return {};
}

QString OptionDescriptor::helpText() const
{
    QStringList where = appliesTo();
    // python-sequential, python-threads, python-processes read as one family.
    QStringList python;
    for (const QString& id : std::as_const(where)) {
        if (id.startsWith(QStringLiteral("python-")))
            python.append(id);
    }
    if (python.size() > 1) {
        const qsizetype at = where.indexOf(python.first());
        for (const QString& id : python)
            where.removeAll(id);
        where.insert(at, QStringLiteral("python-*"));
    }
    QString text = where.isEmpty() ? QString() : where.join(QStringLiteral(", ")) + QStringLiteral(": ");
    if (scope == Scope::Kernel)
        text = QStringLiteral("for --kernel %1: ").arg(kernels.join(QStringLiteral(", ")));
    text += help;
    if (type == Type::Boolean)
        return text + QStringLiteral(" Default: %1.").arg(valueText(defaultValue));
    QString shown = valueText(defaultValue);
    if (type == Type::Text || type == Type::File)
        return shown.isEmpty() ? text : text + QStringLiteral(" Default: %1.").arg(shown);
    if ((type == Type::Integer || type == Type::Number) && defaultValue.toDouble() != 0 && !unit.isEmpty())
        shown += QLatin1Char(' ') + unit;
    return text + QStringLiteral(" Default: %1; %2.").arg(shown, expected());
}

Result<QVariant> OptionDescriptor::check(const QVariant& value, const QString& name) const
{
    auto wrong = [&] { return fail(QStringLiteral("%1 must be %2, not %3").arg(name, expected(), quoted(value))); };
    switch (type) {
    case Type::Integer: {
        if (!isNumber(value))
            return wrong();
        const double d = value.toDouble();
        if (!std::isfinite(d) || d != std::floor(d) || d < minimum || d > maximum)
            return wrong();
        return QVariant(int(d));
    }
    case Type::Number: {
        if (!isNumber(value))
            return wrong();
        const double d = value.toDouble();
        if (!std::isfinite(d) || d < minimum || d > maximum)
            return wrong();
        return QVariant(d);
    }
    case Type::Boolean:
        if (value.typeId() != QMetaType::Bool)
            return wrong();
        return value;
    case Type::Text:
    case Type::File:
        if (value.typeId() != QMetaType::QString)
            return wrong();
        return value;
    case Type::Choice:
        if (value.typeId() != QMetaType::QString || !choices.contains(value.toString()))
            return wrong();
        return value;
    }
    return wrong();
}

Result<QVariant> OptionDescriptor::parse(const QString& text, const QString& name) const
{
    const QString trimmed = text.trimmed();
    bool ok = false;
    switch (type) {
    case Type::Integer: {
        const qlonglong n = trimmed.toLongLong(&ok);
        if (!ok)
            return fail(QStringLiteral("%1 must be %2, not '%3'").arg(name, expected(), text));
        return check(QVariant(double(n)), name);
    }
    case Type::Number: {
        const double d = trimmed.toDouble(&ok);
        if (!ok)
            return fail(QStringLiteral("%1 must be %2, not '%3'").arg(name, expected(), text));
        return check(QVariant(d), name);
    }
    case Type::Boolean:
        if (trimmed == QStringLiteral("true") || trimmed == QStringLiteral("false"))
            return QVariant(trimmed == QStringLiteral("true"));
        return fail(QStringLiteral("%1 must be %2, not '%3'").arg(name, expected(), text));
    case Type::Choice:
        return check(QVariant(trimmed.toLower()), name);
    case Type::Text:
    case Type::File:
        return QVariant(text);
    }
    return fail(QStringLiteral("%1: cannot read '%2'").arg(name, text));
}

} // namespace parlab
