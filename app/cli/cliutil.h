#pragma once

#include <QList>
#include <QString>
#include <QStringList>

class QCommandLineParser;

namespace parlab::cli {

// Exit codes of every command.
// ExitNotSaved: `parlab run` measured (or would have measured) but the run is not in the history: the history
// cannot be used (nothing runs), or the run's end could not be stored (it went to a recovery file, added at the
// history's next open). A run that failed or was cancelled keeps 1 or 130.
enum ExitCode { ExitOk = 0, ExitRunFailed = 1, ExitUsage = 2, ExitNotSaved = 3, ExitCancelled = 130 };

void printOut(const QString& text);
void printErr(const QString& text);

// Prints "parlab <command>: error: <message>" and a hint to --help; returns ExitUsage.
int usageError(const QString& command, const QString& message);

// Parses `arguments` (argv without the command word); on failure prints the error and returns false.
// Handles --help itself (sets `handled`).
bool parseArguments(
    QCommandLineParser& parser, const QString& command, const QStringList& arguments, bool& handled, int& exitCode);

// "" when `path` can be written (creating it if needed, nothing left behind), else why not.
QString checkWritable(const QString& path);

// Writes `data` to `path`; "" or why it failed.
QString writeFile(const QString& path, const QByteArray& data);

// Rows as aligned columns, two spaces apart, for a terminal; `right` marks the right-aligned columns. The last
// column is not padded and no line ends in spaces.
QString columns(const QList<QStringList>& rows, const QList<bool>& right = {});

} // namespace parlab::cli
