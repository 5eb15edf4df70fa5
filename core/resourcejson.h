#pragma once

#include "result.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

QT_BEGIN_NAMESPACE
class QJsonObject;
QT_END_NAMESPACE

namespace parlab {

// The JSON files ParLab ships as Qt resources (presets, lessons): listing a folder of them, and the checks every
// such file gets before its own fields are read, with the same messages for each kind.
namespace ResourceJson {

// The base names of the *.json files in `folder` (":/presets"), sorted. The folder's resources must be
// registered already.
QStringList ids(const QString& folder);

// The one JSON object in `json`, every key of which is in `known`: a misspelt field would otherwise be ignored
// in silence and its default used. Otherwise an error that starts with `where` ("preset 'x'") and says what is
// wrong ("not valid JSON at byte 12: ...", "unknown field 'titel': did you mean 'title'?").
Result<QJsonObject> object(const QString& where, const QByteArray& json, const QStringList& known);

} // namespace ResourceJson

} // namespace parlab
