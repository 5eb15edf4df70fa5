#include "predictcommand.h"

#include "backends/backendregistry.h"
#include "cliutil.h"
#include "experimentspec.h"
#include "export/formatting.h"
#include "export/jsonexport.h"
#include "export/jsonimport.h"
#include "history/historystore.h"
#include "historycommand.h"
#include "hostfile.h"
#include "overhead.h"
#include "runoptions.h"
#include "runresult.h"
#include "stats/analysis.h"
#include "stats/schedule.h"

#include <QCommandLineParser>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <cmath>
#include <optional>

namespace parlab::cli {

namespace {
const QString kPredict = QStringLiteral("predict");

struct Row {
    int workers = 1;
    double predicted = kUnknown;
    double measured = kUnknown; // where the run measured this count
    double error() const { return predicted / measured - 1; } // NaN where either is unknown
};

struct BackendPrediction {
    QString backend;
    int fromWorkers = 0;
    QString note;
    QString error;
    QList<Row> rows;
};

// Doublings from 1 until every hand-out has a worker of its own (more cannot help), at most the spec's maximum.
QList<int> defaultCounts(int handOuts)
{
    QList<int> counts;
    for (int w = 1; w <= ExperimentSpec::kMaxWorkers; w *= 2) {
        counts.append(w);
        if (w >= handOuts)
            break;
    }
    return counts;
}

QString signedPercent(double fraction)
{
    if (!std::isfinite(fraction))
        return QStringLiteral("–");
    return QStringLiteral("%1%2%").arg(fraction >= 0 ? QStringLiteral("+") : QString()).arg(fraction * 100, 0, 'f', 1);
}

QString heading(const RunResult& run, int cores)
{
    // A weak run's is the scaled speedup of the grown inputs.
    const Format::FigureNames& names = Format::figureNames(run.spec.options.scaling);
    return QStringLiteral("Predicted %6 of %1 on %2, on %3 logical core%4 (the run had %5), each backend "
                          "calibrated on its measurement at the worker count named%7\n")
        .arg(run.spec.kernel, Format::inputs(run.spec.inputs, 5, true))
        .arg(cores)
        .arg(cores == 1 ? QString() : QStringLiteral("s"))
        .arg(run.environment.logicalCores)
        .arg(names.speedup,
            names.scaling.isEmpty() ? QString()
                                    : QStringLiteral(" (%1: %2)").arg(names.scaling, scaledInputsRule(run.spec)));
}

QString table(const RunResult& run, int cores, const QList<BackendPrediction>& predictions)
{
    QString out = heading(run, cores) + QLatin1Char('\n');
    QList<QStringList> rows { { QStringLiteral("backend"), QStringLiteral("from"), QStringLiteral("workers"),
        QStringLiteral("predicted"), QStringLiteral("measured"), QStringLiteral("error") } };
    QStringList notes;
    for (const BackendPrediction& p : predictions) {
        if (!p.error.isEmpty()) {
            notes.append(QStringLiteral("%1: cannot predict: %2").arg(p.backend, p.error));
            continue;
        }
        if (!p.note.isEmpty())
            notes.append(QStringLiteral("%1: %2").arg(p.backend, p.note));
        for (const Row& r : p.rows)
            rows.append({ p.backend, QStringLiteral("x%1").arg(p.fromWorkers), QString::number(r.workers),
                Format::speedup(r.predicted), Format::speedup(r.measured), signedPercent(r.error()) });
    }
    out += columns(rows, { false, false, true, true, true, true });
    for (const QString& note : std::as_const(notes))
        out += QStringLiteral("\n%1").arg(note);
    return out + QLatin1Char('\n');
}

QString markdown(const RunResult& run, int cores, const QList<BackendPrediction>& predictions)
{
    QString out = heading(run, cores)
        + QStringLiteral(
            "\n| backend | from | workers | predicted | measured | error |\n|:---|---:|---:|---:|---:|---:|\n");
    QStringList notes;
    for (const BackendPrediction& p : predictions) {
        if (!p.error.isEmpty()) {
            notes.append(QStringLiteral("- %1: cannot predict: %2").arg(p.backend, p.error));
            continue;
        }
        if (!p.note.isEmpty())
            notes.append(QStringLiteral("- %1: %2").arg(p.backend, p.note));
        for (const Row& r : p.rows)
            out += QStringLiteral("| %1 | x%2 | %3 | %4 | %5 | %6 |\n")
                       .arg(p.backend)
                       .arg(p.fromWorkers)
                       .arg(r.workers)
                       .arg(Format::speedup(r.predicted), Format::speedup(r.measured), signedPercent(r.error()));
    }
    if (!notes.isEmpty())
        out += QLatin1Char('\n') + notes.join(QLatin1Char('\n')) + QLatin1Char('\n');
    return out;
}

QByteArray json(const RunResult& run, int cores, const QList<BackendPrediction>& predictions)
{
    using JsonExport::number;
    QJsonArray backends;
    for (const BackendPrediction& p : predictions) {
        QJsonArray rows;
        for (const Row& r : p.rows)
            rows.append(QJsonObject { { QStringLiteral("workers"), r.workers },
                { QStringLiteral("predicted_speedup"), number(r.predicted) },
                { QStringLiteral("measured_speedup"), number(r.measured) },
                { QStringLiteral("error"), number(r.error()) } });
        QJsonObject entry { { QStringLiteral("backend"), p.backend }, { QStringLiteral("rows"), rows } };
        if (p.error.isEmpty())
            entry.insert(QStringLiteral("from_workers"), p.fromWorkers);
        if (!p.note.isEmpty())
            entry.insert(QStringLiteral("note"), p.note);
        if (!p.error.isEmpty())
            entry.insert(QStringLiteral("error"), p.error);
        backends.append(entry);
    }
    const QJsonObject root { { QStringLiteral("kernel"), run.spec.kernel },
        { QStringLiteral("inputs"), run.spec.inputs.size() }, { QStringLiteral("cores"), cores },
        { QStringLiteral("run_logical_cores"), run.environment.logicalCores },
        { QStringLiteral("predictions"), backends } };
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

// A count flag of at least 1 and at most `max`: "--cores: '0' is out of range, use 1 to 4096".
Result<int> count(const QString& flag, const QString& text, int max)
{
    bool ok = false;
    const qint64 value = text.trimmed().toLongLong(&ok);
    if (!ok)
        return fail(QStringLiteral("--%1: '%2' is not a whole number").arg(flag, text));
    if (value < 1 || value > max)
        return fail(QStringLiteral("--%1: %2 is out of range, use 1 to %3").arg(flag).arg(value).arg(max));
    return int(value);
}
} // namespace

int predictCommand(const QStringList& arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Predicts the speedup each scaling backend of a run would reach at other worker counts and on more cores, by "
        "simulating the schedule it runs: the run's own per-input costs (sequential medians), and each backend's "
        "start-up, hand-out and finish as the run measured them at one worker count, self-scheduling in input order "
        "with its chunk size; with more workers than cores they share the cores. Where the run measured a count, "
        "the measured speedup and the prediction's error stand beside it.\n"
        "RUN is a run id from `parlab history list` (or last), or a JSON export (`parlab run --export-json`); an "
        "export has its median repeat's losses instead of every repeat's accounts, and one written before 0.2 no "
        "per-input costs (its tasks are then taken as equal).\n"
        "Exit codes: 0 ok, 1 the run cannot be read, 2 bad usage."));
    parser.addPositionalArgument(QStringLiteral("run"), QStringLiteral("A run id (or last), or a JSON export file."));
    const QCommandLineOption workers(QStringLiteral("workers"),
        QStringLiteral("Worker counts to predict, same syntax as run's (e.g. 1..64 or 1,2,4,8). Default: 1, 2, 4, ... "
                       "until every input (chunk) has a worker of its own, at most 1024, and the measured counts."),
        QStringLiteral("spec"));
    const QCommandLineOption cores(QStringLiteral("cores"),
        QStringLiteral("Logical cores of the machine to predict for. Default: the run's."), QStringLiteral("N"));
    const QCommandLineOption from(QStringLiteral("from-workers"),
        QStringLiteral("Calibrate each backend on its measurement at this worker count only, so the other counts "
                       "check the prediction. Default: the smallest count it measured."),
        QStringLiteral("N"));
    const QCommandLineOption backends(QStringLiteral("backends"),
        QStringLiteral("Comma-separated backends to predict. Default: every scaling backend the run measured."),
        QStringLiteral("list"));
    const QCommandLineOption format(QStringLiteral("format"),
        QStringLiteral("Output on stdout: table, json or markdown. Default: table."), QStringLiteral("format"),
        QStringLiteral("table"));
    const QCommandLineOption hostfile(QStringLiteral("hostfile"),
        QStringLiteral("mpi: predict its ranks on the hosts of this OpenMPI hostfile, placed by slot (a host without "
                       "slots= gets --cores); a rank on another host than rank 0 waits a hop between hosts for every "
                       "task it is handed."),
        QStringLiteral("file"));
    const QCommandLineOption hop(QStringLiteral("hop-us"),
        QStringLiteral("With --hostfile: the hop between two hosts, in microseconds. Default: measured now, as "
                       "`parlab overhead --hostfile` does (an MPI token passed between the first two hosts)."),
        QStringLiteral("us"));
    const QCommandLineOption historyDb(QStringLiteral("history-db"),
        QStringLiteral("The history database to read a run id from. Default: %1.").arg(HistoryStore::defaultPath()),
        QStringLiteral("path"));
    parser.addOptions({ workers, cores, from, backends, format, hostfile, hop, historyDb });

    bool handled = false;
    int exitCode = ExitOk;
    if (!parseArguments(parser, kPredict, arguments, handled, exitCode))
        return exitCode;
    const QStringList args = parser.positionalArguments();
    if (args.size() != 1)
        return usageError(
            kPredict, QStringLiteral("usage: parlab predict RUN (a run id, last, or a JSON export file)"));
    const QString fmt = parser.value(format).trimmed().toLower();
    if (fmt != QStringLiteral("table") && fmt != QStringLiteral("json") && fmt != QStringLiteral("markdown"))
        return usageError(
            kPredict, QStringLiteral("--format: unknown format '%1' (use table, json or markdown)").arg(fmt));
    QList<int> counts;
    if (parser.isSet(workers)) {
        const Result<QList<int>> parsed = parseWorkerCounts(parser.value(workers), QStringLiteral("--workers"));
        if (!parsed)
            return usageError(kPredict, parsed.error());
        counts = *parsed;
    }
    std::optional<int> coreCount, fromCount;
    for (const auto& [option, target] : { std::pair { &cores, &coreCount }, std::pair { &from, &fromCount } }) {
        if (!parser.isSet(*option))
            continue;
        const Result<int> value
            = count(option->names().constFirst(), parser.value(*option), ExperimentSpec::kMaxWorkers * 64);
        if (!value)
            return usageError(kPredict, value.error());
        *target = *value;
    }

    // The run: a file that exists is an export; otherwise the argument must be a run id.
    const QString& source = args.constFirst();
    RunResult run;
    if (QFileInfo(source).isFile()
        || !QRegularExpression(QStringLiteral("^\\s*(#?\\d+|last|latest)\\s*$")).match(source).hasMatch()) {
        const Result<QByteArray> bytes = JsonImport::readFile(source);
        Result<RunResult> read = bytes ? JsonImport::fromJson(*bytes) : Result<RunResult>(fail(bytes.error()));
        if (!read) {
            printErr(QStringLiteral("parlab %1: error: %2: %3\n").arg(kPredict, source, read.error()));
            return ExitRunFailed;
        }
        run = std::move(read).value();
    } else {
        HistoryStore store;
        const QString path = parser.isSet(historyDb) ? parser.value(historyDb) : HistoryStore::defaultPath();
        if (const Result<void> opened = store.open(path, HistoryStore::Access::ReadOnly); !opened) {
            printErr(QStringLiteral("parlab %1: error: %2\n").arg(kPredict, opened.error()));
            return ExitRunFailed;
        }
        const std::optional<qint64> id = resolveRunId(store, source, kPredict, exitCode);
        if (!id)
            return exitCode;
        Result<RunResult> loaded = store.load(*id);
        if (!loaded) {
            printErr(QStringLiteral("parlab %1: error: %2\n").arg(kPredict, loaded.error()));
            return ExitRunFailed;
        }
        run = std::move(loaded).value();
    }

    // Which backends: every scaling one measured, or those asked for (each must be in the run).
    QStringList measured;
    for (const Measurement& m : std::as_const(run.measurements)) {
        if (BackendRegistry::usesWorkers(m.backend) && !m.samplesS.isEmpty() && !measured.contains(m.backend))
            measured.append(m.backend);
    }
    QStringList chosen = measured;
    if (parser.isSet(backends)) {
        chosen.clear();
        for (const QString& id : parser.value(backends).split(QLatin1Char(','), Qt::SkipEmptyParts)) {
            const QString b = id.trimmed();
            if (!measured.contains(b))
                return usageError(kPredict,
                    QStringLiteral("--backends: the run has no measurement of '%1' (it measured %2)")
                        .arg(b,
                            measured.isEmpty() ? QStringLiteral("no scaling backend")
                                               : measured.join(QStringLiteral(", "))));
            chosen.append(b);
        }
    }
    if (chosen.isEmpty()) {
        printErr(QStringLiteral("parlab %1: error: the run measured no backend that uses workers: nothing to predict\n")
                     .arg(kPredict));
        return ExitRunFailed;
    }
    const int machineCores = coreCount.value_or(std::max(1, run.environment.logicalCores));

    // mpi over several hosts: their slots, and the hop between them.
    QList<int> hostCores;
    double hopS = 0;
    if (parser.isSet(hop) && !parser.isSet(hostfile))
        return usageError(kPredict, QStringLiteral("--hop-us is the hop between the hosts of --hostfile: give it too"));
    if (parser.isSet(hostfile)) {
        if (!chosen.contains(QStringLiteral("mpi")))
            return usageError(kPredict,
                QStringLiteral("--hostfile places mpi's ranks, and the run has no mpi measurement to predict from"));
        const Result<Hostfile> hosts = Hostfile::read(parser.value(hostfile));
        if (!hosts)
            return usageError(kPredict, QStringLiteral("--hostfile: %1").arg(hosts.error()));
        for (const HostfileHost& host : hosts->hosts())
            hostCores.append(host.slotsGiven ? host.slots : machineCores);
        if (parser.isSet(hop)) {
            bool ok = false;
            const double us = parser.value(hop).toDouble(&ok);
            if (!ok || !(us >= 0) || us > 1e9)
                return usageError(kPredict,
                    QStringLiteral("--hop-us: '%1' is not a number of microseconds from 0 to 1e9")
                        .arg(parser.value(hop)));
            hopS = us * 1e-6;
        } else if (hostCores.size() > 1) {
            RunOptions cluster = run.spec.options;
            cluster.hostfile = parser.value(hostfile);
            const OverheadRow ring = measureHostHop(cluster);
            if (!ring.skipped.isEmpty() || !std::isfinite(ring.microseconds)) {
                printErr(QStringLiteral("parlab %1: error: cannot measure the hop between the hosts of %2: %3; give "
                                        "it with --hop-us\n")
                             .arg(kPredict, parser.value(hostfile), ring.skipped));
                return ExitRunFailed;
            }
            hopS = ring.microseconds * 1e-6;
        }
    }

    QList<BackendPrediction> predictions;
    for (const QString& backend : std::as_const(chosen)) {
        BackendPrediction p;
        p.backend = backend;
        QList<int> own; // the counts this backend measured
        for (const Measurement& m : std::as_const(run.measurements)) {
            if (m.backend == backend && !m.samplesS.isEmpty())
                own.append(m.workers);
        }
        std::sort(own.begin(), own.end());
        p.fromWorkers = fromCount.value_or(own.constFirst());
        const Schedule::Calibration cal = Schedule::calibrate(run, backend, p.fromWorkers);
        p.note = cal.note;
        p.error = cal.error;
        // Predictions from hand-outs that drew slow places carry them to every count.
        if (const Measurement* calibratedOn = run.find(backend, p.fromWorkers)) {
            if (const QString slow = slowPlacement(run, *calibratedOn); !slow.isEmpty())
                p.note = p.note.isEmpty() ? slow : p.note + QStringLiteral("; ") + slow;
        }
        if (backend == QStringLiteral("mpi") && !hostCores.isEmpty()) {
            QStringList slots;
            for (int c : std::as_const(hostCores))
                slots.append(QString::number(c));
            const QString hosts = QStringLiteral("ranks placed by slot on %1 host%2 (%3 slots), %4 a hop between them")
                                      .arg(hostCores.size())
                                      .arg(hostCores.size() == 1 ? QString() : QStringLiteral("s"))
                                      .arg(slots.join(QStringLiteral(", ")), Format::duration(hopS));
            p.note = p.note.isEmpty() ? hosts : p.note + QStringLiteral("; ") + hosts;
        }
        QList<int> shown = counts;
        if (shown.isEmpty()) {
            shown = defaultCounts(Schedule::handOuts(run.spec, backend, p.fromWorkers));
            for (int w : std::as_const(own)) {
                if (!shown.contains(w))
                    shown.append(w);
            }
            std::sort(shown.begin(), shown.end());
        }
        if (p.error.isEmpty()) {
            for (int w : std::as_const(shown)) {
                Row r;
                r.workers = w;
                const bool spread = backend == QStringLiteral("mpi") && !hostCores.isEmpty();
                r.predicted = spread ? Schedule::speedup(cal, w, machineCores, hostCores, hopS)
                                     : Schedule::speedup(cal, w, machineCores);
                // A measurement on another machine is no check of this prediction.
                if (const Measurement* m = run.find(backend, w);
                    m && !spread && machineCores == run.environment.logicalCores)
                    r.measured = m->speedup;
                p.rows.append(r);
            }
        }
        predictions.append(p);
    }

    if (fmt == QStringLiteral("json"))
        printOut(QString::fromUtf8(json(run, machineCores, predictions)));
    else if (fmt == QStringLiteral("markdown"))
        printOut(markdown(run, machineCores, predictions));
    else
        printOut(table(run, machineCores, predictions));
    const bool any = std::any_of(
        predictions.cbegin(), predictions.cend(), [](const BackendPrediction& p) { return p.error.isEmpty(); });
    return any ? ExitOk : ExitRunFailed;
}

} // namespace parlab::cli
