#pragma once

#include "result.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>
#include <functional>

class QIODevice;

namespace parlab {

// The one way ParLab writes a file a user asked for (exports, reports, charts, the CLI's --export-*): whole or
// not at all. QSaveFile writes beside the target and renames over it on success, so a failed or cancelled
// export never leaves half a file over an older good one. A target that exists and is no regular file (/dev/null,
// /dev/stdout, a FIFO) is a stream, written in place: whole-or-nothing has no meaning there, and a file renamed
// over it would replace the device or pipe (as root, /dev/null itself). Where the format follows the file name
// (.png/.svg/.pdf, .csv/.json/.md, .json/.html), writeByType picks the writer from a table the caller gives,
// and an unknown suffix is an error that names it and the choices.
//
// Errors read "<what>: <reason>". `what` names the file in the caller's words ("Cannot save the chart to
// /tmp/c.png"); by default it is "cannot write '<path>'".
namespace AtomicFile {

// Writes the contents into the open device; an error names what went wrong (an encoder that failed).
using Writer = std::function<Result<void>(QIODevice&)>;

struct FileType {
    QStringList suffixes; // lower case, without the dot; messages name the first ("md" of "md", "markdown")
    Writer write;
};

// A writer of bytes made only once the type is chosen.
Writer bytes(std::function<QByteArray()> make);

Result<void> write(const QString& path, const QByteArray& data, const QString& what = {});
// Whether write() could write `path`, found by doing what it does up to the writing: a temporary file made
// beside the target, in its folder, then removed; the target is not touched. A writable file in a folder that
// takes no new files fails here as write() would, so a caller can refuse before it measures anything.
Result<void> check(const QString& path, const QString& what = {});
Result<void> write(const QString& path, const Writer& writer, const QString& what = {});
Result<void> writeByType(const QString& path, const QList<FileType>& types, const QString& what = {});
// The index in `types` of the path's type, or the unknown-type error writeByType gives: for callers with work
// to do between choosing the type and writing (loading a run only for a name it can be written to).
Result<qsizetype> typeOf(const QString& path, const QList<FileType>& types, const QString& what = {});

// "use .png, .svg or .pdf": the choices of a table, for messages and tests.
QString choices(const QList<FileType>& types);

} // namespace AtomicFile

} // namespace parlab
