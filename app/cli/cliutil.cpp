#include "cliutil.h"

#include "atomicfile.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <algorithm>
#include <cstdio>

namespace parlab::cli {

void printOut(const QString& text)
{
    const QByteArray bytes = text.toUtf8();
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stdout);
    std::fflush(stdout);
}

void printErr(const QString& text)
{
    const QByteArray bytes = text.toUtf8();
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stderr);
    std::fflush(stderr);
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

QString checkWritable(const QString& path)
{
    const QFileInfo info(path);
    if (info.isDir())
        return QStringLiteral("'%1' is a folder, not a file").arg(path);
    if (!info.absoluteDir().exists())
        return QStringLiteral("cannot write '%1': the folder '%2' does not exist").arg(path, info.absolutePath());
    const bool existed = info.exists();
    QFile file(path);
    // Append never truncates: an existing file keeps its contents until the run writes the new ones.
    if (!file.open(QIODevice::WriteOnly | QIODevice::Append))
        return QStringLiteral("cannot write '%1': %2").arg(path, file.errorString());
    file.close();
    if (!existed)
        file.remove();
    return {};
}

QString writeFile(const QString& path, const QByteArray& data)
{
    return AtomicFile::write(path, data).error();
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
