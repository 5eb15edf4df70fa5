#include "resourcejson.h"

#include "experimentspec.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

namespace parlab {

QStringList ResourceJson::ids(const QString& folder)
{
    QStringList result;
    const QStringList files = QDir(folder).entryList({ QStringLiteral("*.json") }, QDir::Files, QDir::Name);
    for (const QString& file : files)
        result.append(QFileInfo(file).completeBaseName());
    return result;
}

Result<QJsonObject> ResourceJson::object(const QString& where, const QByteArray& json, const QStringList& known)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return fail(QStringLiteral("%1: not valid JSON at byte %2: %3")
                        .arg(where)
                        .arg(parseError.offset)
                        .arg(parseError.errorString()));
    if (!document.isObject())
        return fail(QStringLiteral("%1: the file must hold one JSON object").arg(where));
    const QJsonObject object = document.object();
    for (const QString& key : object.keys()) {
        if (!known.contains(key)) {
            QString message = QStringLiteral("%1: unknown field '%2'").arg(where, key);
            if (const QString guess = closestName(key, known); !guess.isEmpty())
                message += QStringLiteral(": did you mean '%1'?").arg(guess);
            return fail(message);
        }
    }
    return object;
}

} // namespace parlab
