#pragma once

#include "result.h"

#include <QList>
#include <QString>
#include <QStringList>

class QCommandLineParser;

namespace parlab::cli {

// Exit codes of every command.
// ExitNotSaved: `parlab run` measured (or would have measured) but the run is not in the history: the history
// cannot be used (nothing runs), or the run's end could not be stored (it went to a recovery file, added at the
// history's next open). A run that failed or was cancelled keeps 1 or 130.
// ExitRegression: the regression gate (--fail-on) found a combination slower than the baseline beyond the allowed
// slowdown and the machine's run-to-run noise; it outranks ExitNotSaved, as the run itself was measured whole.
enum ExitCode {
    ExitOk = 0,
    ExitRunFailed = 1,
    ExitUsage = 2,
    ExitNotSaved = 3,
    ExitRegression = 4,
    ExitCancelled = 130,
};

// Print to stdout and stderr, every control character but newline and tab escaped (Format::printable): names,
// notes and errors come from files and databases, and must not drive the terminal. A failed write to stdout is
// remembered for finishOutput().
void printOut(const QString& text);
void printErr(const QString& text);
// Writes `sequence` to stderr as it is: for the progress bar's own control sequences only.
void printControl(const QString& sequence);

// Flushes stdout and says whether everything printed on it arrived ("cannot write the output: No space left on
// device"): a full disk or a closed pipe must not end a command with exit code 0 and half its output.
Result<void> finishOutput();

// Prints "parlab <command>: error: <message>" and a hint to --help; returns ExitUsage.
int usageError(const QString& command, const QString& message);

// Parses `arguments` (argv without the command word); on failure prints the error and returns false.
// Handles --help itself (sets `handled`).
bool parseArguments(
    QCommandLineParser& parser, const QString& command, const QStringList& arguments, bool& handled, int& exitCode);

// Whether `path` can be written the way writeFile will write it (AtomicFile::check: a temporary file in its
// folder, made and removed; nothing left behind), else why not. For options checked before anything runs.
Result<void> checkWritable(const QString& path);

// Writes `data` to `path`, whole or not at all (AtomicFile::write).
Result<void> writeFile(const QString& path, const QByteArray& data);

// Rows as aligned columns, two spaces apart, for a terminal; `right` marks the right-aligned columns. The last
// column is not padded and no line ends in spaces.
QString columns(const QList<QStringList>& rows, const QList<bool>& right = {});

} // namespace parlab::cli
