#include "historycommand.h"

#include "cliutil.h"
#include "experimentspec.h"
#include "export/formatting.h"
#include "export/gatereport.h"
#include "export/htmlreport.h"
#include "export/jsonexport.h"
#include "export/jsonimport.h"
#include "export/texttable.h"
#include "gatecheck.h"
#include "history/comparison.h"
#include "history/historystore.h"
#include "runresult.h"

#include <QCommandLineParser>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <cmath>
#include <optional>

namespace parlab::cli {

namespace {
const QString kHistoryCommand = QStringLiteral("history");

const char* const kDescription
    = R"(The run history: every measurement of every `parlab run` (and of the window) is saved
as it lands in an SQLite database, by default ~/.local/share/parlab/history.sqlite ($XDG_DATA_HOME/parlab).

Actions:
  list                 every run, newest first: id, date, status, kernel, inputs, backends, best speedup, name
  show ID              one run's results (as `parlab run` prints them), with status, name and note
  compare A B          B against A per backend x workers: ratio of medians B/A, Mann-Whitney U p-value and a
                       verdict (faster / slower beyond 1% noise with p < 0.05, no change within 1%, inconclusive);
                       runs of different work (kernel, inputs, kernel settings) are "not comparable", and a run
                       on a busy machine is named; --strict makes "not comparable" exit 2;
                       --fail-on slower[:PCT] gates B against A as `parlab run --baseline` does (exit 4 on a
                       regression beyond PCT and this machine's run-to-run noise), --summary FILE writes its Markdown.
                       Every difference of the two runs' environments comes first (host, kernel, topology,
                       governor, turbo, clock, ParLab, Python, label, commit); runs on another host or CPU, with
                       another governor or turbo, or a median clock 5% apart are "not comparable" unless
                       --across-machines
  export ID            the run as JSON (the schema of `parlab run --format json`, with the outcome of the
                       enforced gate that judged it) on stdout or to --output FILE; --html FILE writes a
                       self-contained HTML report (charts, timeline) instead
  delete ID...         remove runs and all their samples
  rename ID NAME       give a run a name (an empty NAME clears it)
  note ID TEXT         attach a note to a run (an empty TEXT clears it)
  import FILE          add a JSON export (from `parlab run --export-json` or `history export`) as a new run: a
                       regular file of at most %1 MiB, every value checked with the ranges `parlab run` uses;
                       the outcome of an enforced gate in it is kept (a failed one stays out of the noise)

ID is a run number from `list`, or `last` for the newest run.
A run whose process was killed before it finished shows as interrupted, with every measurement it completed.
list, show, compare and export only read: they open the history read-only (a read-only copy works) and never
create, rewrite or move a file. A file that is not a ParLab run history is refused and left as it is.
Exit codes: 0 ok, 1 the action failed (no such run, the history cannot be read or written, a file cannot be
imported, stdout cannot be written), 2 bad usage, or compare --strict or --fail-on of runs that are not comparable
(--fail-on: or not finished), 4 compare --fail-on found a regression.)";

using JsonExport::number;

QString speedupText(const RunSummary& s)
{
    if (!std::isfinite(s.bestSpeedup))
        return QStringLiteral("–");
    return QStringLiteral("%1 %2").arg(Format::speedup(s.bestSpeedup), s.bestLabel);
}

QJsonObject summaryJson(const RunSummary& s)
{
    QJsonArray workers;
    for (int w : s.workers)
        workers.append(w);
    return {
        { QStringLiteral("id"), s.id },
        { QStringLiteral("created"), s.created.toString(Qt::ISODateWithMs) },
        { QStringLiteral("name"), s.name },
        { QStringLiteral("note"), s.note },
        { QStringLiteral("status"), runStatusName(s.status) },
        { QStringLiteral("kernel"), s.kernel },
        { QStringLiteral("inputs"), s.inputs },
        { QStringLiteral("backends"), QJsonArray::fromStringList(s.backends) },
        { QStringLiteral("workers"), workers },
        { QStringLiteral("measurements"), s.measurements },
        { QStringLiteral("samples"), s.samples },
        { QStringLiteral("best_speedup"), number(s.bestSpeedup) },
        { QStringLiteral("best"), s.bestLabel },
        { QStringLiteral("error"), s.error },
        { QStringLiteral("source"), s.source },
        { QStringLiteral("gate"), s.gate },
    };
}

QString listText(const QList<RunSummary>& runs)
{
    if (runs.isEmpty())
        return QStringLiteral("no runs recorded yet (parlab run records each run here)\n");
    QList<QStringList> rows { { QStringLiteral("ID"), QStringLiteral("CREATED"), QStringLiteral("STATUS"),
        QStringLiteral("KERNEL"), QStringLiteral("INPUTS"), QStringLiteral("BACKENDS"), QStringLiteral("BEST SPEEDUP"),
        QStringLiteral("NAME") } };
    for (const RunSummary& s : runs) {
        QString inputs = s.inputs;
        if (inputs.size() > 24)
            inputs = inputs.left(23) + QStringLiteral("…");
        rows.append({ QString::number(s.id), s.created.toString(QStringLiteral("yyyy-MM-dd hh:mm:ss")), s.statusText(),
            s.kernel, inputs, s.backends.join(QLatin1Char(',')), speedupText(s), s.name });
    }
    return columns(rows, { true });
}

QString comparisonText(const Comparison& c, qint64 a, qint64 b)
{
    // What differed around the runs comes before their times: it says how far to trust them.
    QString environment;
    for (const QString& difference : c.environment)
        environment += QStringLiteral("environment: %1\n").arg(difference);
    if (!environment.isEmpty())
        environment += QLatin1Char('\n');
    QList<QStringList> rows { { QStringLiteral("BACKEND"), QStringLiteral("WORKERS"),
        QStringLiteral("MEDIAN A (#%1)").arg(a), QStringLiteral("MEDIAN B (#%1)").arg(b), QStringLiteral("B/A"),
        QStringLiteral("P"), QStringLiteral("VERDICT") } };
    for (const ComparisonRow& r : c.rows) {
        rows.append({ r.backend, QString::number(r.workers), Format::duration(r.medianA), Format::duration(r.medianB),
            Format::ratio(r.ratio, 3), Format::pValue(r.pValue), verdictName(r.verdict) });
    }
    QString notes;
    for (const QString& difference : c.differences)
        notes += QStringLiteral("differs: %1\n").arg(difference);
    for (const QString& caution : c.cautions)
        notes += QStringLiteral("caution: %1\n").arg(caution);
    return environment + columns(rows, { false, true, true, true, true, true, false }) + QLatin1Char('\n') + notes
        + QStringLiteral("%1\np: two-sided Mann-Whitney U over the wall-time samples (exact without ties and up to "
                         "%2 samples, else normal approximation); faster/slower need |B/A - 1| > 1% and p < 0.05\n")
              .arg(c.summary)
              .arg(60);
}

QJsonObject comparisonJson(const Comparison& c, qint64 a, qint64 b)
{
    QJsonArray rows;
    for (const ComparisonRow& r : c.rows) {
        rows.append(QJsonObject {
            { QStringLiteral("backend"), r.backend },
            { QStringLiteral("workers"), r.workers },
            { QStringLiteral("samples_a"), r.samplesA },
            { QStringLiteral("samples_b"), r.samplesB },
            { QStringLiteral("median_a_s"), number(r.medianA) },
            { QStringLiteral("median_b_s"), number(r.medianB) },
            { QStringLiteral("ratio"), number(r.ratio) },
            { QStringLiteral("p_value"), number(r.pValue) },
            { QStringLiteral("exact"), r.exact },
            { QStringLiteral("verdict"), verdictName(r.verdict) },
        });
    }
    return {
        { QStringLiteral("a"), a },
        { QStringLiteral("b"), b },
        { QStringLiteral("rows"), rows },
        { QStringLiteral("overall"), verdictName(c.overall) },
        { QStringLiteral("geometric_mean_ratio"), number(c.geometricMeanRatio) },
        { QStringLiteral("faster"), c.faster },
        { QStringLiteral("slower"), c.slower },
        { QStringLiteral("no_change"), c.unchanged },
        { QStringLiteral("inconclusive"), c.inconclusive },
        { QStringLiteral("missing"), c.missing },
        { QStringLiteral("summary"), c.summary },
        { QStringLiteral("comparable"), c.comparable() },
        { QStringLiteral("differences"), QJsonArray::fromStringList(c.differences) },
        { QStringLiteral("environment"), QJsonArray::fromStringList(c.environment) },
        { QStringLiteral("machine_differences"), QJsonArray::fromStringList(c.machineDifferences) },
        { QStringLiteral("cautions"), QJsonArray::fromStringList(c.cautions) },
    };
}

// The action failed: "parlab history: error: ..." and exit code 1.
int failure(const QString& message)
{
    printErr(QStringLiteral("parlab %1: error: %2\n").arg(kHistoryCommand, message));
    return ExitRunFailed;
}

class Session {
public:
    HistoryStore store;

    std::optional<qint64> resolve(const QString& text, int& code)
    {
        return resolveRunId(store, text, kHistoryCommand, code);
    }

    std::optional<RunResult> load(qint64 id, int& code)
    {
        Result<RunResult> result = store.load(id);
        if (!result) {
            code = failure(result.error());
            return std::nullopt;
        }
        return std::move(result).value();
    }
};
} // namespace

std::optional<qint64> resolveRunId(HistoryStore& store, const QString& text, const QString& command, int& code)
{
    QString t = text.trimmed();
    if (t == QStringLiteral("last") || t == QStringLiteral("latest")) {
        const Result<QList<RunSummary>> all = store.runs();
        const QString error = !all ? all.error()
            : all->isEmpty()       ? QStringLiteral("there are no runs in '%1'").arg(store.path())
                                   : QString();
        if (!error.isEmpty()) {
            printErr(QStringLiteral("parlab %1: error: %2\n").arg(command, error));
            code = ExitRunFailed;
            return std::nullopt;
        }
        return all->constFirst().id;
    }
    if (t.startsWith(QLatin1Char('#')))
        t.remove(0, 1);
    bool ok = false;
    const qint64 id = t.toLongLong(&ok);
    if (!ok || id <= 0) {
        code = usageError(
            command, QStringLiteral("'%1' is not a run id (a number from `parlab history list`, or last)").arg(text));
        return std::nullopt;
    }
    return id;
}

int historyCommand(const QStringList& arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QString::fromUtf8(kDescription).arg(JsonImport::kMaxFileMiB));
    parser.addPositionalArgument(QStringLiteral("action"),
        QStringLiteral("list, show, compare, export, delete, rename, note or import"),
        QStringLiteral("<action> [arguments]"));
    const QCommandLineOption historyDb(QStringLiteral("history-db"),
        QStringLiteral("The history database to use. Default: %1.").arg(HistoryStore::defaultPath()),
        QStringLiteral("path"));
    const QCommandLineOption format(QStringLiteral("format"),
        QStringLiteral("list, show, compare: table or json. Default: table."), QStringLiteral("format"),
        QStringLiteral("table"));
    const QCommandLineOption output(QStringLiteral("output"),
        QStringLiteral("export: write the JSON to this file instead of stdout."), QStringLiteral("file"));
    const QCommandLineOption html(QStringLiteral("html"),
        QStringLiteral("export: write a self-contained HTML report to this file."), QStringLiteral("file"));
    const QCommandLineOption strict(QStringLiteral("strict"),
        QStringLiteral("compare: exit 2 when the runs measured different work (not comparable)."));
    const QCommandLineOption acrossMachines(QStringLiteral("across-machines"),
        QStringLiteral("compare: judge the times of runs measured on different machines or settings (host, CPU, "
                       "governor, turbo, clock) instead of calling them not comparable."));
    parser.addOptions({ historyDb, format, output, html, strict, acrossMachines });
    GateCheck gateCheck;
    parser.addOptions(gateCheck.options());

    bool handled = false;
    int exitCode = ExitOk;
    if (!parseArguments(parser, kHistoryCommand, arguments, handled, exitCode))
        return exitCode;
    QStringList args = parser.positionalArguments();
    if (args.isEmpty())
        return usageError(kHistoryCommand,
            QStringLiteral("which action? list, show, compare, export, delete, rename, note "
                           "or import"));
    const QString action = args.takeFirst();
    const QString fmt = parser.value(format).trimmed().toLower();
    if (fmt != QStringLiteral("table") && fmt != QStringLiteral("json"))
        return usageError(
            kHistoryCommand, QStringLiteral("--format: unknown format '%1' (use table or json)").arg(fmt));
    const bool json = fmt == QStringLiteral("json");

    const QStringList actions { QStringLiteral("list"), QStringLiteral("show"), QStringLiteral("compare"),
        QStringLiteral("export"), QStringLiteral("delete"), QStringLiteral("rename"), QStringLiteral("note"),
        QStringLiteral("import") };
    if (!actions.contains(action)) {
        const QString close = closestName(action, actions);
        return usageError(kHistoryCommand,
            QStringLiteral("unknown action '%1'%2 (use %3)")
                .arg(action, close.isEmpty() ? QString() : QStringLiteral("; did you mean '%1'?").arg(close),
                    actions.join(QStringLiteral(", "))));
    }
    auto expect = [&](qsizetype min, qsizetype max, const QString& usage) -> bool {
        if (args.size() >= min && args.size() <= max)
            return true;
        exitCode = usageError(kHistoryCommand, QStringLiteral("usage: parlab history %1").arg(usage));
        return false;
    };
    if (action == QStringLiteral("list") && !expect(0, 0, QStringLiteral("list")))
        return exitCode;
    if ((action == QStringLiteral("show") || action == QStringLiteral("export"))
        && !expect(1, 1, action + QStringLiteral(" ID")))
        return exitCode;
    if (action == QStringLiteral("compare") && !expect(2, 2, QStringLiteral("compare A B")))
        return exitCode;
    if (action == QStringLiteral("delete") && !expect(1, 1000, QStringLiteral("delete ID...")))
        return exitCode;
    if (action == QStringLiteral("rename") && !expect(1, 1000, QStringLiteral("rename ID NAME")))
        return exitCode;
    if (action == QStringLiteral("note") && !expect(1, 1000, QStringLiteral("note ID TEXT")))
        return exitCode;
    if (action == QStringLiteral("import") && !expect(1, 1, QStringLiteral("import FILE")))
        return exitCode;
    if (parser.isSet(strict) && action != QStringLiteral("compare"))
        return usageError(kHistoryCommand, QStringLiteral("--strict is for compare"));
    if (const Result<void> read = gateCheck.read(parser, true); !read)
        return usageError(kHistoryCommand, read.error());
    if (gateCheck.wanted() && action != QStringLiteral("compare"))
        return usageError(kHistoryCommand, QStringLiteral("--fail-on and --summary are for compare"));
    if (parser.isSet(acrossMachines) && action != QStringLiteral("compare"))
        return usageError(kHistoryCommand, QStringLiteral("--across-machines is for compare"));
    if ((parser.isSet(output) || parser.isSet(html)) && action != QStringLiteral("export"))
        return usageError(kHistoryCommand, QStringLiteral("--output and --html are for export"));
    if (parser.isSet(output) && parser.isSet(html))
        return usageError(kHistoryCommand, QStringLiteral("export: give --output (JSON) or --html, not both"));
    for (const QCommandLineOption& option : { output, html }) {
        if (parser.isSet(option)) {
            if (const Result<void> writable = checkWritable(parser.value(option)); !writable)
                return usageError(
                    kHistoryCommand, QStringLiteral("--%1: %2").arg(option.names().constFirst(), writable.error()));
        }
    }

    Session session;
    const QString path = parser.isSet(historyDb) ? parser.value(historyDb) : HistoryStore::defaultPath();
    // What only reads opens read-only: it never creates, rewrites or moves a file, and reads a read-only copy.
    const bool reads = action == QStringLiteral("list") || action == QStringLiteral("show")
        || action == QStringLiteral("compare") || action == QStringLiteral("export");
    if (const Result<void> opened
        = session.store.open(path, reads ? HistoryStore::Access::ReadOnly : HistoryStore::Access::ReadWrite);
        !opened)
        return failure(opened.error());
    if (!session.store.notice().isEmpty())
        printErr(QStringLiteral("parlab %1: warning: %2\n").arg(kHistoryCommand, session.store.notice()));
    HistoryStore& store = session.store;
    if (const QStringList waiting = store.pendingRecoveries(); reads && !waiting.isEmpty())
        printErr(QStringLiteral("parlab %1: note: %2 run(s) that could not be saved wait in %3; the next run recorded "
                                "into this history adds them\n")
                     .arg(kHistoryCommand)
                     .arg(waiting.size())
                     .arg(waiting.join(QStringLiteral(", "))));

    if (action == QStringLiteral("list")) {
        const Result<QList<RunSummary>> runs = store.runs();
        if (!runs)
            return failure(runs.error());
        if (json) {
            QJsonArray array;
            for (const RunSummary& s : *runs)
                array.append(summaryJson(s));
            printOut(QString::fromUtf8(QJsonDocument(array).toJson()));
        } else {
            printOut(listText(*runs));
        }
        return ExitOk;
    }

    if (action == QStringLiteral("show")) {
        const auto id = session.resolve(args[0], exitCode);
        if (!id)
            return exitCode;
        const Result<RunSummary> summary = store.summary(*id);
        if (!summary)
            return failure(summary.error());
        const auto result = session.load(*id, exitCode);
        if (!result)
            return exitCode;
        if (json) {
            QJsonObject object = JsonExport::toObject(*result);
            object.insert(QStringLiteral("history"), summaryJson(*summary));
            printOut(QString::fromUtf8(QJsonDocument(object).toJson()));
            return ExitOk;
        }
        QString head = QStringLiteral("run %1%2 · %3 · %4\n")
                           .arg(summary->id)
                           .arg(summary->name.isEmpty() ? QString() : QStringLiteral(" \"%1\"").arg(summary->name))
                           .arg(runStatusName(summary->status),
                               summary->created.toString(QStringLiteral("yyyy-MM-dd hh:mm:ss")));
        if (!summary->note.isEmpty())
            head += QStringLiteral("note: %1\n").arg(summary->note);
        if (!summary->source.isEmpty())
            head += QStringLiteral("imported from: %1\n").arg(summary->source);
        if (!result->error.isEmpty()) {
            // An interrupted run's error already starts with "interrupted: ".
            const QString status = runStatusName(summary->status);
            head += result->error.startsWith(status + QLatin1Char(':'))
                ? result->error + QLatin1Char('\n')
                : QStringLiteral("%1: %2\n").arg(status, result->error);
        }
        printOut(head + QLatin1Char('\n') + Report::toText(*result));
        return ExitOk;
    }

    if (action == QStringLiteral("compare")) {
        const auto a = session.resolve(args[0], exitCode);
        if (!a)
            return exitCode;
        const auto b = session.resolve(args[1], exitCode);
        if (!b)
            return exitCode;
        const auto resultA = session.load(*a, exitCode);
        if (!resultA)
            return exitCode;
        const auto resultB = session.load(*b, exitCode);
        if (!resultB)
            return exitCode;
        const Comparison c
            = compareRuns(*resultA, *resultB, kComparisonNoise, kSignificance, parser.isSet(acrossMachines));
        // A gate judges finished runs: a cancelled or failed run lacks the combinations it did not reach, and would
        // pass on the ones it did.
        QString unfinished;
        for (const auto& [name, id] :
            { std::pair { QStringLiteral("A"), *a }, std::pair { QStringLiteral("B"), *b } }) {
            const Result<RunSummary> summary = store.summary(id);
            if (!summary)
                return failure(summary.error());
            if (summary->status != RunStatus::Finished && unfinished.isEmpty())
                unfinished = QStringLiteral("run %1 (%2) is %3, and a gate judges finished runs only, so it was not "
                                            "judged")
                                 .arg(id)
                                 .arg(name, runStatusName(summary->status));
        }
        std::optional<Gate> gate;
        if (gateCheck.wanted() && unfinished.isEmpty()) {
            Result<Gate> judged = gateCheck.evaluate(*resultA, QStringLiteral("run %1").arg(*a), *a, *resultB, *b,
                &store, false, parser.isSet(acrossMachines));
            if (!judged)
                return failure(judged.error());
            gate = std::move(judged).value();
        }
        QJsonObject object = comparisonJson(c, *a, *b);
        if (gate)
            object.insert(QStringLiteral("gate"), GateReport::toObject(*gate));
        printOut(json ? QString::fromUtf8(QJsonDocument(object).toJson()) : comparisonText(c, *a, *b));
        if (gateCheck.wanted() && !unfinished.isEmpty()) {
            gateCheck.notJudged(unfinished);
            printErr(QStringLiteral("parlab %1: %2: %3\n")
                         .arg(kHistoryCommand,
                             gateCheck.enforced() ? QStringLiteral("error") : QStringLiteral("warning"), unfinished));
            if (gateCheck.enforced())
                return ExitUsage;
        }
        if (gate && gateCheck.exitCode(*gate) != ExitOk)
            return gateCheck.exitCode(*gate);
        if (!c.comparable() && parser.isSet(strict)) {
            printErr(QStringLiteral("parlab %1: runs %2 and %3 are not comparable (--strict)\n")
                         .arg(kHistoryCommand)
                         .arg(*a)
                         .arg(*b));
            return ExitUsage;
        }
        return ExitOk;
    }

    if (action == QStringLiteral("export")) {
        const auto id = session.resolve(args[0], exitCode);
        if (!id)
            return exitCode;
        const auto result = session.load(*id, exitCode);
        if (!result)
            return exitCode;
        const Result<RunSummary> summary = store.summary(*id);
        if (!summary)
            return failure(summary.error());
        if (parser.isSet(html)) {
            if (const Result<void> written = writeFile(parser.value(html), HtmlReport::toHtml(*result)); !written)
                return failure(written.error());
            printErr(QStringLiteral("wrote run %1 to %2\n").arg(*id).arg(parser.value(html)));
            return ExitOk;
        }
        // The outcome of the enforced gate that judged the run goes with it, so that an import leaves a run that
        // failed its gate out of the run-to-run noise as this history does.
        QJsonObject object = JsonExport::toObject(*result);
        if (!summary->gate.isEmpty())
            object.insert(QStringLiteral("gate"), GateReport::recordedObject(summary->gate));
        const QByteArray data = QJsonDocument(object).toJson(QJsonDocument::Indented);
        if (!parser.isSet(output)) {
            printOut(QString::fromUtf8(data));
            return ExitOk;
        }
        if (const Result<void> written = writeFile(parser.value(output), data); !written)
            return failure(written.error());
        printErr(QStringLiteral("wrote run %1 to %2\n").arg(*id).arg(parser.value(output)));
        return ExitOk;
    }

    if (action == QStringLiteral("delete")) {
        QList<qint64> ids;
        for (const QString& arg : std::as_const(args)) {
            const auto id = session.resolve(arg, exitCode);
            if (!id)
                return exitCode;
            ids.append(*id);
        }
        for (qint64 id : std::as_const(ids)) {
            if (const Result<void> removed = store.remove(id); !removed)
                return failure(removed.error());
            printErr(QStringLiteral("deleted run %1\n").arg(id));
        }
        return ExitOk;
    }

    if (action == QStringLiteral("rename") || action == QStringLiteral("note")) {
        const auto id = session.resolve(args.takeFirst(), exitCode);
        if (!id)
            return exitCode;
        const QString text = args.join(QLatin1Char(' '));
        const Result<void> done
            = action == QStringLiteral("rename") ? store.rename(*id, text) : store.setNote(*id, text);
        if (!done)
            return failure(done.error());
        return ExitOk;
    }

    // import
    const QString file = args[0];
    const Result<QByteArray> exported = JsonImport::readFile(file);
    if (!exported)
        return failure(exported.error());
    const Result<qint64> id = store.importJson(*exported, QFileInfo(file).absoluteFilePath());
    if (!id)
        return failure(id.error());
    printErr(QStringLiteral("imported %1 as run %2\n").arg(file).arg(*id));
    printOut(QStringLiteral("%1\n").arg(*id));
    return ExitOk;
}

} // namespace parlab::cli
