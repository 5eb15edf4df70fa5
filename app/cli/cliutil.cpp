#include "cliutil.h"

#include "atomicfile.h"
#include "export/formatting.h"

#include <QCommandLineParser>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace parlab::cli {

namespace {
// The first error writing stdout (an errno), 0 while every write arrived.
int outputError = 0;

void write(std::FILE* stream, const QString& text)
{
    const QByteArray bytes = text.toUtf8();
    const bool written = std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stream) == size_t(bytes.size())
        && std::fflush(stream) == 0;
    if (!written && stream == stdout && outputError == 0)
        outputError = errno != 0 ? errno : EIO;
}
} // namespace

void printOut(const QString& text)
{
    write(stdout, Format::printable(text));
}

void printErr(const QString& text)
{
    write(stderr, Format::printable(text));
}

void printControl(const QString& sequence)
{
    write(stderr, sequence);
}

Result<void> finishOutput()
{
    if (std::fflush(stdout) != 0 && outputError == 0)
        outputError = errno != 0 ? errno : EIO;
    if (std::ferror(stdout) && outputError == 0)
        outputError = EIO;
    if (outputError != 0)
        return fail(
            QStringLiteral("cannot write the output: %1").arg(QString::fromLocal8Bit(std::strerror(outputError))));
    return {};
}

int usageError(const QString& command, const QString& message)
{
    printErr(QStringLiteral("parlab %1: error: %2\nTry 'parlab %1 --help'.\n").arg(command, message));
    return ExitUsage;
}

bool parseArguments(
    QCommandLineParser& parser, const QString& command, const QStringList& arguments, bool& handled, int& exitCode)
{
    handled = false;
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption help({ QStringLiteral("h"), QStringLiteral("help") }, QStringLiteral("Show this help."));
    parser.addOption(help);
    QStringList argv = arguments;
    argv.prepend(QStringLiteral("parlab ") + command);
    if (!parser.parse(argv)) {
        exitCode = usageError(command, parser.errorText());
        handled = true;
        return false;
    }
    if (parser.isSet(help)) {
        // Qt names the program by its path; the help should name the command as it is typed.
        QString text = parser.helpText();
        const qsizetype usageEnd = text.indexOf(QStringLiteral(" [options]"));
        if (text.startsWith(QStringLiteral("Usage: ")) && usageEnd > 0)
            text.replace(0, usageEnd, QStringLiteral("Usage: parlab ") + command);
        printOut(text);
        exitCode = ExitOk;
        handled = true;
        return false;
    }
    return true;
}

Result<void> checkWritable(const QString& path)
{
    return AtomicFile::check(path);
}

Result<void> writeFile(const QString& path, const QByteArray& data)
{
    return AtomicFile::write(path, data);
}

QString columns(const QList<QStringList>& rows, const QList<bool>& right)
{
    QList<qsizetype> widths;
    for (const QStringList& row : rows) {
        for (qsizetype c = 0; c < row.size(); ++c) {
            if (c >= widths.size())
                widths.append(0);
            widths[c] = std::max(widths[c], row[c].size());
        }
    }
    QString out;
    for (const QStringList& row : rows) {
        QStringList cells;
        for (qsizetype c = 0; c < row.size(); ++c) {
            const bool alignRight = c < right.size() && right[c];
            cells.append(alignRight ? row[c].rightJustified(widths[c])
                                    : (c + 1 < row.size() ? row[c].leftJustified(widths[c]) : row[c]));
        }
        QString line = cells.join(QStringLiteral("  "));
        while (line.endsWith(QLatin1Char(' ')))
            line.chop(1);
        out += line + QLatin1Char('\n');
    }
    return out;
}

} // namespace parlab::cli
