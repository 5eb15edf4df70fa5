#include "overheadcommand.h"

#include "cliutil.h"
#include "export/formatting.h"
#include "export/jsonexport.h"
#include "optionflags.h"
#include "overhead.h"
#include "runoptions.h"

#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QThread>
#include <cmath>
#include <unistd.h>

namespace parlab::cli {

namespace {
QString micro(double us)
{
    if (!std::isfinite(us))
        return QStringLiteral("–");
    return QString::number(us, 'f', us >= 100 ? 0 : us >= 1 ? 2 : 3) + QStringLiteral(" µs");
}
} // namespace

int overheadCommand(const QStringList& arguments)
{
    const QString command = QStringLiteral("overhead");
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Measures what parallelism costs on this machine, each figure next to the raw floor it cannot go below, "
        "measured in the same run: starting a thread, starting 1, 2, 4, ... threads workers at once up to the cores "
        "(what a worker's start-up grows by when several start together, as parlab predict models it), handing a "
        "task to each backend, a round trip through a "
        "worker process's pipes, starting a process per task, launching mpirun, and an MPI token around a ring. "
        "With --hostfile, also the token's hop between the first two hosts it names (one rank on each, launched "
        "with --mpirun-args), beside the hop on this machine. Takes about half a minute."));
    const QCommandLineOption format(QStringLiteral("format"), QStringLiteral("table or json. Default: table."),
        QStringLiteral("format"), QStringLiteral("table"));
    parser.addOption(format);
    const OptionFlags clusterFlags({ Option::Hostfile, Option::MpirunArgs });
    parser.addOptions(clusterFlags.flags());
    bool handled = false;
    int exitCode = ExitOk;
    if (!parseArguments(parser, command, arguments, handled, exitCode))
        return exitCode;
    const QString fmt = parser.value(format).trimmed().toLower();
    if (fmt != QStringLiteral("table") && fmt != QStringLiteral("json"))
        return usageError(command, QStringLiteral("--format: unknown format '%1' (use table or json)").arg(fmt));
    RunOptions cluster;
    if (const Result<void> applied = clusterFlags.apply(parser, cluster); !applied)
        return usageError(command, applied.error());
    if (cluster.hostfile.isEmpty() && !cluster.mpirunArgs.isEmpty())
        return usageError(
            command, QStringLiteral("--mpirun-args launches the ring between hosts: give --hostfile too"));

    const bool terminal = isatty(STDERR_FILENO) != 0;
    const QList<OverheadRow> rows = measureOverhead(cluster, [terminal](const QString& what) {
        if (terminal)
            printErr(QStringLiteral("\r\x1b[2Kmeasuring %1…").arg(what));
    });
    if (terminal)
        printErr(QStringLiteral("\r\x1b[2K"));

    if (fmt == QStringLiteral("json")) {
        QJsonArray array;
        for (const OverheadRow& r : rows)
            array.append(QJsonObject {
                { QStringLiteral("what"), r.what },
                { QStringLiteral("per"), r.per },
                { QStringLiteral("us"), r.skipped.isEmpty() ? JsonExport::number(r.microseconds) : QJsonValue() },
                { QStringLiteral("floor"), r.floorWhat },
                { QStringLiteral("floor_us"), JsonExport::number(r.floorMicroseconds) },
                { QStringLiteral("target"), r.target },
                { QStringLiteral("target_met"), r.skipped.isEmpty() ? QJsonValue(r.targetMet) : QJsonValue() },
                { QStringLiteral("skipped"), r.skipped },
            });
        printOut(QString::fromUtf8(QJsonDocument(array).toJson()));
        return ExitOk;
    }

    QString out = QStringLiteral("What parallelism costs here (%1 logical cores); medians, each next to its floor\n\n")
                      .arg(QThread::idealThreadCount());
    for (const OverheadRow& r : rows) {
        out += QStringLiteral("%1\n").arg(r.what);
        if (!r.skipped.isEmpty()) {
            out += QStringLiteral("    not measured: %1\n").arg(r.skipped);
            continue;
        }
        const double ratio = r.floorMicroseconds > 0 ? r.microseconds / r.floorMicroseconds : NAN;
        out += QStringLiteral("    %1 per %2   floor %3 (%4)   %5x floor")
                   .arg(micro(r.microseconds), r.per, micro(r.floorMicroseconds), r.floorWhat,
                       Format::ratio(ratio, ratio < 1 ? 2 : 1));
        if (!r.target.isEmpty())
            out += QStringLiteral("   target %1: %2")
                       .arg(r.target, r.targetMet ? QStringLiteral("met") : QStringLiteral("MISSED"));
        out += QLatin1Char('\n');
    }
    printOut(out);
    return ExitOk;
}

} // namespace parlab::cli
