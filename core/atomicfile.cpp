#include "atomicfile.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

namespace parlab {

namespace {
QString heading(const QString& path, const QString& what)
{
    return what.isEmpty() ? QStringLiteral("cannot write '%1'").arg(QDir::toNativeSeparators(path)) : what;
}

// A target that exists and is no regular file or folder (/dev/null, /dev/stdout, a FIFO, through symlinks too):
// a stream, written in place. A temporary file renamed over it would replace the device or pipe with a plain
// file (as root, /dev/null itself).
bool isStream(const QString& path)
{
    const QFileInfo info(path);
    return info.exists() && !info.isFile() && !info.isDir();
}
} // namespace

AtomicFile::Writer AtomicFile::bytes(std::function<QByteArray()> make)
{
    return [make = std::move(make)](QIODevice& device) -> Result<void> {
        const QByteArray data = make();
        if (device.write(data) != data.size())
            return fail(device.errorString());
        return {};
    };
}

Result<void> AtomicFile::write(const QString& path, const QByteArray& data, const QString& what)
{
    return write(path, bytes([&data] { return data; }), what);
}

Result<void> AtomicFile::check(const QString& path, const QString& what)
{
    const QFileInfo info(path);
    if (info.isDir())
        return fail(heading(path, what) + QStringLiteral(": it is a folder, not a file"));
    if (!info.absoluteDir().exists())
        return fail(heading(path, what)
            + QStringLiteral(": the folder '%1' does not exist").arg(QDir::toNativeSeparators(info.absolutePath())));
    if (isStream(path)) {
        // Opening would wait for a FIFO's reader, which may come only when the data does.
        if (!info.isWritable())
            return fail(heading(path, what) + QStringLiteral(": permission denied"));
        return {};
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fail(heading(path, what) + QStringLiteral(": ") + file.errorString());
    file.cancelWriting(); // the temporary file goes with `file`; the target stays as it was
    return {};
}

Result<void> AtomicFile::write(const QString& path, const Writer& writer, const QString& what)
{
    if (isStream(path)) {
        QFile stream(path);
        if (!stream.open(QIODevice::WriteOnly))
            return fail(heading(path, what) + QStringLiteral(": ") + stream.errorString());
        if (const Result<void> written = writer(stream); !written)
            return fail(heading(path, what) + QStringLiteral(": ") + written.error());
        if (!stream.flush() || stream.error() != QFileDevice::NoError)
            return fail(heading(path, what) + QStringLiteral(": ") + stream.errorString());
        return {};
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fail(heading(path, what) + QStringLiteral(": ") + file.errorString());
    if (const Result<void> written = writer(file); !written) {
        file.cancelWriting();
        return fail(heading(path, what) + QStringLiteral(": ") + written.error());
    }
    if (!file.commit())
        return fail(heading(path, what) + QStringLiteral(": ") + file.errorString());
    return {};
}

Result<void> AtomicFile::writeByType(const QString& path, const QList<FileType>& types, const QString& what)
{
    const Result<qsizetype> type = typeOf(path, types, what);
    if (!type)
        return fail(type.error());
    return write(path, types[*type].write, what);
}

Result<qsizetype> AtomicFile::typeOf(const QString& path, const QList<FileType>& types, const QString& what)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    for (qsizetype i = 0; i < types.size(); ++i) {
        if (types[i].suffixes.contains(suffix))
            return i;
    }
    return fail(heading(path, what)
        + QStringLiteral(": unknown file type \"%1\" (%2)")
              .arg(suffix.isEmpty() ? QStringLiteral("no suffix") : QLatin1Char('.') + suffix, choices(types)));
}

QString AtomicFile::choices(const QList<FileType>& types)
{
    QStringList names;
    for (const FileType& type : types) {
        if (!type.suffixes.isEmpty())
            names.append(QLatin1Char('.') + type.suffixes.constFirst());
    }
    if (names.size() <= 1)
        return QStringLiteral("use ") + names.join(QString());
    const QString last = names.takeLast();
    return QStringLiteral("use %1 or %2").arg(names.join(QStringLiteral(", ")), last);
}

} // namespace parlab
