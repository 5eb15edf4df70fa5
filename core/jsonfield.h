#pragma once

#include "experimentspec.h"
#include "result.h"

#include <QJsonValue>
#include <QString>

namespace parlab {

// Reading one JSON value into a typed field, for every reader of JSON a user can hand ParLab (exports, presets,
// lessons): the same words for the same mistake, and no value silently changed on its way in. A JSON number is
// a double; a whole-number field takes it only when it is exactly a whole number in the field's range, so
// 4294967297 never becomes 1 in an int, nor 1e300 the smallest qint64. Messages leave out the field's name,
// which the caller puts before them as its user knows it ("results[2].workers: ").
namespace JsonField {

// "a number", "a string", "null", ..., "nothing (the field is missing)".
QString typeName(const QJsonValue& value);

// A number as a message shows it, shortest exact form: "4294967297", "0.5", "1e+300".
QString numberText(double value);

// A whole number in `range`, else "expected a whole number, got a string", "0.5 is not a whole number" or
// "4294967297 is out of range, use 1 to 1024".
Result<qint64> count(const QJsonValue& value, const CountRange& range);

// A finite number of at least `minimum`, else "expected a number, got a string" or "-1 is out of range, use a
// number of 0 or more".
Result<double> number(const QJsonValue& value, double minimum);

} // namespace JsonField

} // namespace parlab
