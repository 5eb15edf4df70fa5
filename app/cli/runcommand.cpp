#include "runcommand.h"

#include "backends/backendregistry.h"
#include "cliutil.h"
#include "experimentspec.h"
#include "export/csvexport.h"
#include "export/gatereport.h"
#include "export/htmlreport.h"
#include "export/jsonexport.h"
#include "export/jsonimport.h"
#include "export/texttable.h"
#include "export/traceexport.h"
#include "gatecheck.h"
#include "history/comparison.h"
#include "history/historystore.h"
#include "historycommand.h"
#include "inputparser.h"
#include "interleave.h"
#include "kernels/kernelregistry.h"
#include "lessons/lessonbook.h"
#include "optionflags.h"
#include "presets.h"
#include "runestimate.h"
#include "runresult.h"
#include "runsession.h"
#include "signalwatcher.h"
#include "sweep.h"
#include "sweeprun.h"
#include "terminalprogress.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFileInfo>
#include <QJsonDocument>
#include <QRegularExpression>

namespace parlab::cli {

namespace {
const QString kCommand = QStringLiteral("run");
// A run estimated to take longer says so on stderr before it starts; a shorter one starts without a word.
constexpr double kMentionEstimateAboveS = 10;

struct Exports {
    QString json, csv, markdown, trace, html;
};

// The run a gate compares against: from the history or from an exported file.
struct Baseline {
    RunResult run;
    QString name; // "run 12", or the file's path
    qint64 id = -1; // -1 for a file
};

// --baseline ID|FILE: a run id (digits, #digits, last, last:LABEL) from the history, else a JSON export's path.
const QRegularExpression& runIdPattern()
{
    static const QRegularExpression id(
        QStringLiteral("^\\s*(#?\\d+|(?:last|latest)(?::(.*))?)\\s*$"), QRegularExpression::CaseInsensitiveOption);
    return id;
}

bool namesRunId(const QString& text)
{
    return runIdPattern().match(text).hasMatch();
}

// `last` or `last:LABEL`: the label (nullopt for any), or no value when `text` names a run by its number.
std::optional<std::optional<QString>> lastOfLabel(const QString& text)
{
    const QRegularExpressionMatch m = runIdPattern().match(text);
    if (!m.hasMatch() || m.captured(1).startsWith(QLatin1Char('#')) || m.captured(1).at(0).isDigit())
        return std::nullopt;
    return m.capturedLength(2) > 0 || m.captured(1).contains(QLatin1Char(':'))
        ? std::optional<QString>(m.captured(2).trimmed())
        : std::optional<QString>();
}

// A count flag's value, in the range the spec allows: "--repeat: 0 is out of range, use 1 to 10000".
Result<int> parseCount(const QString& option, const QString& text, const CountRange& range)
{
    bool ok = false;
    const qint64 value = text.trimmed().toLongLong(&ok);
    if (!ok)
        return fail(QStringLiteral("--%1: '%2' is not a whole number").arg(option, text));
    if (const Result<void> inRange = range.check(value); !inRange)
        return fail(QStringLiteral("--%1: %2").arg(option, inRange.error()));
    return int(value);
}

// The run's JSON export, with the regression gate's verdict when there is one.
QByteArray jsonWithGate(const RunResult& result, const std::optional<Gate>& gate)
{
    if (!gate)
        return JsonExport::toJson(result);
    QJsonObject object = JsonExport::toObject(result);
    object.insert(QStringLiteral("gate"), GateReport::toObject(*gate));
    return QJsonDocument(object).toJson(QJsonDocument::Indented);
}

QByteArray render(const RunResult& result, const QString& format, bool explain, const std::optional<Gate>& gate)
{
    if (format == QStringLiteral("json"))
        return jsonWithGate(result, gate);
    if (format == QStringLiteral("csv"))
        return CsvExport::toCsv(result);
    if (format == QStringLiteral("markdown"))
        return MarkdownExport::toMarkdown(result).toUtf8();
    return Report::toText(result, explain).toUtf8();
}
} // namespace

int runCommand(const QStringList& arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Measures a kernel over a list of inputs on each backend and worker count, repeated, and prints wall "
        "time, speedup against sequential (with a 95% bootstrap interval), efficiency and the speedup of the "
        "longest-task-first schedule of these tasks (lpt bound). Progress goes to stderr, results to stdout.\n"
        "Exit codes: 0 ok, 1 the run failed (a task failed or checksums differ, an export or stdout could not be "
        "written), 2 bad usage or input, "
        "3 the run is not in the history (the history cannot be used, so nothing ran; or the run could not be "
        "stored and went to a recovery file beside it, added at its next open), 4 a regression: with --baseline and "
        "--fail-on, slower than the baseline beyond the allowed slowdown and this machine's run-to-run noise, 130 "
        "cancelled (Ctrl+C or SIGTERM).\n"
        "Ctrl+C or SIGTERM cancels: every process of the run ends, and the results measured so far are printed, "
        "exported and stored as cancelled. More signals within %1 s of the first are ignored (`timeout -s INT` "
        "signals twice); one after that aborts at once, without them.\n"
        "--preset NAME starts from a ready-made experiment (see `parlab list presets`); options given as well "
        "override the preset's.")
                                         .arg(SignalWatcher::kGraceMs / 1000));
    const QCommandLineOption preset(QStringLiteral("preset"),
        QStringLiteral("Start from a preset: %1. Other options override its settings.")
            .arg(Presets::names().join(QStringLiteral(", "))),
        QStringLiteral("name"));
    const QCommandLineOption kernel(QStringLiteral("kernel"),
        QStringLiteral("Kernel to run: %1; or your own code: %2.")
            .arg(KernelRegistry::names().join(QStringLiteral(", ")),
                KernelRegistry::userForms().join(QStringLiteral("; "))),
        QStringLiteral("name"));
    const QCommandLineOption inputs(QStringLiteral("inputs"),
        QStringLiteral("Inputs: comma-separated numbers, ranges a..b or a..b:step, repeats NxK (e.g. 38,37,36 or "
                       "30..40:2 or 35x8)."),
        QStringLiteral("spec"));
    const QCommandLineOption backends(QStringLiteral("backends"),
        QStringLiteral("Comma-separated backends: %1. Default: sequential,threads,qtconcurrent. sequential is "
                       "always measured as the baseline.")
            .arg(BackendRegistry::ids().join(QStringLiteral(", "))),
        QStringLiteral("list"), QStringLiteral("sequential,threads,qtconcurrent"));
    QStringList defaultWorkers;
    for (int w : defaultWorkerCounts())
        defaultWorkers.append(QString::number(w));
    const QCommandLineOption workers(QStringLiteral("workers"),
        QStringLiteral("Worker counts, same syntax as --inputs (e.g. 1,2,4 or 1..16). Default: %1 (powers of two "
                       "up to the logical cores).")
            .arg(defaultWorkers.join(QLatin1Char(','))),
        QStringLiteral("spec"), defaultWorkers.join(QLatin1Char(',')));
    const QCommandLineOption repeat(QStringLiteral("repeat"),
        QStringLiteral("Measured repeats of each combination. Default: 5."), QStringLiteral("N"), QStringLiteral("5"));
    const QCommandLineOption warmup(QStringLiteral("warmup"),
        QStringLiteral("Unrecorded rounds before measuring. Default: 1."), QStringLiteral("N"), QStringLiteral("1"));
    const QCommandLineOption format(QStringLiteral("format"),
        QStringLiteral("Output on stdout: table, csv, json or markdown. Default: table."), QStringLiteral("format"),
        QStringLiteral("table"));
    const QCommandLineOption explain(QStringLiteral("explain"),
        QStringLiteral("With the table format, also print where each measurement's lost speedup went: start-up, "
                       "dispatch, imbalance, slowdown, lock and core waits, blocked, unexplained."));
    const QCommandLineOption exportJson(QStringLiteral("export-json"),
        QStringLiteral("Also write the JSON results to a file."), QStringLiteral("file"));
    const QCommandLineOption exportCsv(QStringLiteral("export-csv"),
        QStringLiteral("Also write one CSV row per sample to a file."), QStringLiteral("file"));
    const QCommandLineOption exportMarkdown(QStringLiteral("export-markdown"),
        QStringLiteral("Also write the Markdown table to a file."), QStringLiteral("file"));
    const QCommandLineOption exportTrace(QStringLiteral("export-trace"),
        QStringLiteral("Also write the tasks of each measurement's latest repeat as a Chrome trace (JSON) to a file, "
                       "to open in Perfetto or chrome://tracing."),
        QStringLiteral("file"));
    const QCommandLineOption exportHtml(QStringLiteral("export-html"),
        QStringLiteral("Also write a self-contained HTML report (table, charts, timeline) to a file."),
        QStringLiteral("file"));
    const QCommandLineOption dryRun(QStringLiteral("dry-run"),
        QStringLiteral("Print the plan (each backend x workers, its rounds) and how long the run should take, from the "
                       "kernel's cost model and a quick timing of the kernel on a cheap input, then exit without "
                       "running. A run estimated above %1 s prints its estimate on stderr before it starts.")
            .arg(kMentionEstimateAboveS));
    const QCommandLineOption sweep(QStringLiteral("sweep"),
        QStringLiteral("Run the experiment once per task size, in milliseconds of work per task (e.g. "
                       "0.01,0.1,1,10,100), on --tasks tasks of that size each, and print each backend's speedup "
                       "against task size, where it breaks even and where it reaches 90% of ideal. For kernels whose "
                       "input is a duration (spin, whose sizes run on spin-us; sleep). Instead of --inputs; "
                       "--format table or json; --export-json and --export-html write the sweep. Each size's run is "
                       "saved in the history, named after the sweep."),
        QStringLiteral("sizes"));
    const QCommandLineOption tasks(QStringLiteral("tasks"),
        QStringLiteral("With --sweep: tasks of each size. Default: %1.").arg(SweepSpec::kDefaultTasks),
        QStringLiteral("N"), QString::number(SweepSpec::kDefaultTasks));
    const QCommandLineOption historyDb(QStringLiteral("history-db"),
        QStringLiteral("Save the run in this history database instead of %1 (see `parlab history`).")
            .arg(HistoryStore::defaultPath()),
        QStringLiteral("path"));
    const QCommandLineOption noHistory(
        QStringLiteral("no-history"), QStringLiteral("Do not save the run in the history."));
    const QCommandLineOption baselineOption(QStringLiteral("baseline"),
        QStringLiteral("Compare the run with a baseline when it ends: a run id from the history (a number; last: the "
                       "newest finished run of the same experiment that did not fail its gate; last:LABEL: the same, "
                       "of that --label) or a file exported with --export-json. Prints the verdict on stderr and adds "
                       "\"gate\" to the JSON; --fail-on makes a regression fail the command and is kept with the run "
                       "(history list), so that later gates leave it out of the run-to-run noise."),
        QStringLiteral("ID|FILE"));
    GateCheck gateCheck;
    parser.addOptions({ preset, kernel, inputs, sweep, tasks, backends, workers, repeat, warmup, format, explain,
        dryRun, exportJson, exportCsv, exportMarkdown, exportTrace, exportHtml });
    // The run options' flags (--chunksize, --switch-interval, --command, ...), declared in RunOptions.
    const OptionFlags optionFlags;
    parser.addOptions(optionFlags.flags());
    parser.addOptions({ historyDb, noHistory, baselineOption });
    parser.addOptions(gateCheck.options());
    const Interleave interleave;
    parser.addOption(interleave.option());

    bool handled = false;
    int exitCode = ExitOk;
    if (!parseArguments(parser, kCommand, arguments, handled, exitCode))
        return exitCode;
    if (!parser.positionalArguments().isEmpty())
        return usageError(
            kCommand, QStringLiteral("unexpected argument '%1'").arg(parser.positionalArguments().first()));

    // Everything is checked before anything runs. A preset fills the spec; options given override it.
    ExperimentSpec spec;
    const bool fromPreset = parser.isSet(preset);
    if (fromPreset) {
        const Result<Preset> found = Presets::find(parser.value(preset).trimmed());
        if (!found)
            return usageError(kCommand, found.error());
        spec = found->spec;
    }
    // Without a preset every option counts, defaults included; with one only those given.
    auto given = [&](const QCommandLineOption& option) { return !fromPreset || parser.isSet(option); };
    if (given(kernel)) {
        if (!parser.isSet(kernel))
            return usageError(kCommand,
                QStringLiteral("--kernel is required (one of %1)")
                    .arg(KernelRegistry::names().join(QStringLiteral(", "))));
        spec.kernel = parser.value(kernel).trimmed(); // made absolute by the run (RunSession::start)
    }
    // A sweep makes its own inputs: --tasks tasks of each size.
    const bool sweeping = parser.isSet(sweep);
    if (sweeping && parser.isSet(inputs))
        return usageError(
            kCommand, QStringLiteral("--sweep makes the inputs (--tasks tasks of each size): leave out --inputs"));
    if (!sweeping && parser.isSet(tasks))
        return usageError(kCommand, QStringLiteral("--tasks is the task count of a --sweep"));
    if (given(inputs) && !sweeping) {
        if (!parser.isSet(inputs))
            return usageError(kCommand, QStringLiteral("--inputs is required, e.g. --inputs 38,37,36,35,34,33"));
        const ParsedInputs parsedInputs = parseInputs(parser.value(inputs));
        if (!parsedInputs.ok())
            return usageError(kCommand, QStringLiteral("--inputs %1").arg(parsedInputs.error->message()));
        spec.inputs = parsedInputs.values;
    }
    if (given(backends)) {
        spec.backends.clear();
        for (const QString& id : parser.value(backends).split(QLatin1Char(','))) {
            if (!id.trimmed().isEmpty() && !spec.backends.contains(id.trimmed()))
                spec.backends.append(id.trimmed());
        }
    }
    if (given(workers)) {
        const Result<QList<int>> counts = parseWorkerCounts(parser.value(workers), QStringLiteral("--workers"));
        if (!counts)
            return usageError(kCommand, counts.error());
        spec.workers = *counts;
    }
    if (given(repeat)) {
        const Result<int> repeats = parseCount(QStringLiteral("repeat"), parser.value(repeat), kRepeatRange);
        if (!repeats)
            return usageError(kCommand, repeats.error());
        spec.repeats = *repeats;
    }
    if (given(warmup)) {
        const Result<int> warmups = parseCount(QStringLiteral("warmup"), parser.value(warmup), kWarmupRange);
        if (!warmups)
            return usageError(kCommand, warmups.error());
        spec.warmup = *warmups;
    }
    if (const Result<void> applied = optionFlags.apply(parser, spec.options); !applied)
        return usageError(kCommand, applied.error());
    const QString outputFormat = parser.value(format).trimmed().toLower();
    const QStringList formats { QStringLiteral("table"), QStringLiteral("csv"), QStringLiteral("json"),
        QStringLiteral("markdown") };
    if (!formats.contains(outputFormat))
        return usageError(kCommand,
            QStringLiteral("--format: unknown format '%1' (use %2)")
                .arg(parser.value(format), formats.join(QStringLiteral(", "))));
    SweepSpec sweepSpec;
    if (sweeping) {
        const Result<QList<double>> sizes = parseSweepSizes(parser.value(sweep), QStringLiteral("--sweep"));
        if (!sizes)
            return usageError(kCommand, sizes.error());
        const Result<int> count = parseCount(QStringLiteral("tasks"), parser.value(tasks), { 1, 100'000 });
        if (!count)
            return usageError(kCommand, count.error());
        sweepSpec.base = spec;
        sweepSpec.sizesMs = *sizes;
        sweepSpec.tasks = *count;
        if (const Result<void> valid = sweepSpec.validate(); !valid)
            return usageError(kCommand, valid.error());
        if (outputFormat != QStringLiteral("table") && outputFormat != QStringLiteral("json"))
            return usageError(kCommand, QStringLiteral("--sweep prints a table or json, not %1").arg(outputFormat));
        for (const QCommandLineOption& option : { exportCsv, exportMarkdown, exportTrace, explain }) {
            if (parser.isSet(option))
                return usageError(kCommand,
                    QStringLiteral("--%1 is not written for a sweep: each size's run is in the history, where "
                                   "`parlab history export` writes it")
                        .arg(option.names().constFirst()));
        }
    } else if (const Result<void> valid = validateSpec(spec); !valid) {
        return usageError(kCommand, valid.error());
    }
    const Result<std::optional<ExperimentSpec>> interleaved = interleave.baselineSpec(parser, spec);
    if (!interleaved)
        return usageError(kCommand, interleaved.error());
    if (*interleaved && sweeping)
        return usageError(kCommand, QStringLiteral("--interleave-with compares two programs in one run, not a sweep"));

    const Exports exports { parser.value(exportJson), parser.value(exportCsv), parser.value(exportMarkdown),
        parser.value(exportTrace), parser.value(exportHtml) };
    for (const auto& [option, path] : { std::pair { exportJson, exports.json }, std::pair { exportCsv, exports.csv },
             std::pair { exportMarkdown, exports.markdown }, std::pair { exportTrace, exports.trace },
             std::pair { exportHtml, exports.html } }) {
        if (path.isEmpty() && parser.isSet(option))
            return usageError(kCommand, QStringLiteral("--%1 needs a file name").arg(option.names().constFirst()));
        if (!path.isEmpty()) {
            if (const Result<void> writable = checkWritable(path); !writable)
                return usageError(
                    kCommand, QStringLiteral("--%1: %2").arg(option.names().constFirst(), writable.error()));
        }
    }

    if (parser.isSet(historyDb) && parser.isSet(noHistory))
        return usageError(kCommand, QStringLiteral("--history-db and --no-history contradict each other"));
    if (parser.isSet(baselineOption) && *interleaved)
        return usageError(kCommand,
            QStringLiteral("--baseline and --interleave-with name two baselines: the interleaved one is measured in "
                           "this run, give one or the other"));
    if (const Result<void> read = gateCheck.read(parser, parser.isSet(baselineOption) || *interleaved); !read)
        return usageError(kCommand, read.error());
    const bool gated = parser.isSet(baselineOption);
    if (gated && sweeping)
        return usageError(kCommand, QStringLiteral("--baseline compares one run: not for a --sweep"));
    if (gated && parser.isSet(noHistory) && namesRunId(parser.value(baselineOption)))
        return usageError(kCommand,
            QStringLiteral("--baseline %1 is a run of the history, which --no-history leaves closed: give an exported "
                           "file instead")
                .arg(parser.value(baselineOption)));
    std::optional<Baseline> baselineRun;
    if (gated && !namesRunId(parser.value(baselineOption))) {
        const QString file = parser.value(baselineOption);
        Result<RunResult> read = [&]() -> Result<RunResult> {
            const Result<QByteArray> bytes = JsonImport::readFile(file);
            if (!bytes)
                return fail(bytes.error());
            return JsonImport::fromJson(*bytes);
        }();
        if (!read)
            return usageError(kCommand, QStringLiteral("--baseline: %1: %2").arg(file, read.error()));
        baselineRun = Baseline { std::move(read).value(), file, -1 };
    }

    // The estimate catches a run of hours typed by mistake (50x10000): --dry-run shows it and the plan, and
    // stops before the history is even opened.
    // A sweep: the largest size's plan, and the whole sweep's estimate.
    const RunEstimate estimate = sweeping ? sweepSpec.estimate() : RunEstimator::estimate(spec);
    if (parser.isSet(dryRun)) {
        if (sweeping)
            printOut(QStringLiteral("The largest size, %1 ms:\n%2")
                         .arg(formatSize(sweepSpec.sizesMs.last()),
                             RunEstimator::estimate(*sweepSpec.specAt(sweepSpec.sizesMs.size() - 1)).planText()));
        else
            printOut(estimate.planText());
        if (sweeping)
            printOut(QStringLiteral("The whole sweep of %1 sizes: %2\n")
                         .arg(sweepSpec.sizesMs.size())
                         .arg(estimate.label()));
        printErr(QStringLiteral("nothing was run (--dry-run)\n"));
        return ExitOk;
    }
    if (estimate.known && estimate.seconds > kMentionEstimateAboveS)
        printErr(
            QStringLiteral("estimated duration: %1 (the most: %2)\n").arg(estimate.label(), estimate.biggestText()));

    // Each measurement is saved the moment it lands. A history that cannot be used stops the run before it
    // starts (nothing measured is lost); a run that cannot be stored goes to a recovery file and exits 3.
    HistoryStore history;
    if (!parser.isSet(noHistory)) {
        const QString historyPath = parser.isSet(historyDb) ? parser.value(historyDb) : HistoryStore::defaultPath();
        if (const Result<void> opened = history.open(historyPath); !opened) {
            printErr(QStringLiteral("parlab run: error: %1; nothing was run (--history-db names another history, "
                                    "--no-history runs without one)\n")
                         .arg(opened.error()));
            return ExitNotSaved;
        }
        if (!history.notice().isEmpty())
            printErr(QStringLiteral("parlab run: warning: %1\n").arg(history.notice()));
    }
    // A baseline is chosen and checked before the run: a wrong one stops it before anything is measured, with the
    // exit code of a gate that cannot judge (2) and the CI summary saying why.
    const auto unjudged = [&gateCheck](const QString& why) {
        printErr(QStringLiteral("parlab run: error: %1; nothing was run\n").arg(why));
        gateCheck.notJudged(QStringLiteral("%1; nothing was run").arg(why));
        return ExitUsage;
    };
    bool baselineRunning = false;
    if (gated && !baselineRun) {
        const QString named = parser.value(baselineOption);
        std::optional<qint64> id;
        if (const std::optional<std::optional<QString>> label = lastOfLabel(named)) {
            const Result<qint64> last = lastBaseline(history, spec, *label);
            if (!last)
                return unjudged(QStringLiteral("--baseline %1: %2").arg(named.trimmed(), last.error()));
            id = *last;
        } else {
            id = resolveRunId(history, named, kCommand, exitCode);
        }
        if (!id)
            return exitCode;
        Result<RunResult> read = history.load(*id);
        if (!read)
            return unjudged(QStringLiteral("--baseline: %1").arg(read.error()));
        const Result<RunSummary> summary = history.summary(*id);
        baselineRunning = summary && summary->status == RunStatus::Running;
        baselineRun = Baseline { std::move(read).value(), QStringLiteral("run %1").arg(*id), *id };
    }
    if (baselineRun) {
        if (const QString problem = baselineProblem(baselineRun->run, spec, baselineRunning); !problem.isEmpty())
            return unjudged(QStringLiteral("--baseline %1: %2").arg(baselineRun->name, problem));
    }

    // The session measures off this thread; this thread prints progress and reacts to Ctrl+C.
    TerminalProgress progressBar;
    if (sweeping)
        return runSweep(sweepSpec, history, progressBar, { outputFormat, exports.json, exports.html });
    RunSession session;
    qint64 interleavedRun = -1; // the baseline arm's run in the history, begun first: the run is the latest
    if (*interleaved) {
        session.setInterleavedWith(**interleaved);
        const Result<qint64> reserved = Interleave::reserve(history, **interleaved);
        if (!reserved) {
            printErr(QStringLiteral("parlab run: error: %1; nothing was run\n").arg(reserved.error()));
            return ExitNotSaved;
        }
        interleavedRun = *reserved;
    }
    if (history.isOpen())
        session.setHistory(&history); // written here, in this thread: the run's end is stored before it is reported
    QString notSaved; // why the run is not in the history, where it went instead
    QObject::connect(&session, &RunSession::historyFailed, &session, [&notSaved](const QString& message) {
        notSaved = message; // reported after the results, with the exit code
    });
    SignalWatcher interrupt(QStringLiteral("the run"), progressBar);
    QObject::connect(&interrupt, &SignalWatcher::interrupted, &session, &RunSession::cancel);
    // This thread's own work for a repeat (the progress line, the history's store each second) falls between two
    // timed repeats, as the window's does: 8 alternating pairs of a noop run of threads at 2 workers measured
    // 0.34x-0.40x paced and 0.33x-0.59x not.
    session.setPaced(true);
    QObject::connect(&session, &RunSession::progress, &session,
        [&progressBar, &session](int done, int total, double eta, const QString& current) {
            progressBar.update(done, total, eta, current);
            session.taken();
        });
    int code = ExitOk;
    QObject::connect(&session, &RunSession::finished, &session, [&](const RunResult& result) {
        progressBar.clear();
        // The gate judges a whole run only; its verdict goes to stderr before the results, its JSON with them.
        std::optional<Gate> gate;
        // The interleaved baseline is stored first: the gate names it by its id.
        const Result<qint64> interleavedId = Interleave::record(result, session.savedRunId(), history, interleavedRun);
        if (baselineRun && result.succeeded()) {
            Result<Gate> judged = gateCheck.evaluate(baselineRun->run, baselineRun->name, baselineRun->id, result,
                session.savedRunId(), history.isOpen() ? &history : nullptr);
            if (judged)
                gate = std::move(judged).value();
            else
                printErr(QStringLiteral("parlab run: error: gate: %1\n").arg(judged.error()));
        } else if (result.interleavedBaseline && result.succeeded() && gateCheck.wanted()) {
            const qint64 id = interleavedId ? *interleavedId : -1;
            Result<Gate> judged = gateCheck.evaluate(Interleave::comparableBaseline(result),
                id >= 0 ? QStringLiteral("the interleaved baseline, run %1").arg(id)
                        : QStringLiteral("the interleaved baseline"),
                id, result, session.savedRunId(), nullptr, true);
            if (judged)
                gate = std::move(judged).value();
            else
                printErr(QStringLiteral("parlab run: error: gate: %1\n").arg(judged.error()));
        }
        // The verdict of an enforced gate stays with the run: the run-to-run noise of later gates and `--baseline last`
        // leave out the runs that failed one. Without --fail-on the verdict is information, not a gate.
        if (gate && gate->enforced && history.isOpen() && session.savedRunId() >= 0) {
            if (const Result<void> kept = history.setGate(session.savedRunId(), gateOutcomeName(gate->outcome)); !kept)
                printErr(QStringLiteral("parlab run: warning: %1\n").arg(kept.error()));
        }
        printOut(QString::fromUtf8(render(result, outputFormat, parser.isSet(explain), gate)));
        // A run of a lesson's experiment gets the lesson's verdict, as in the window (for people, not for parsers).
        if (const Lesson* lesson = Lessons::matching(result);
            lesson && (outputFormat == QStringLiteral("table") || outputFormat == QStringLiteral("markdown")))
            printOut(QStringLiteral("\n%1\n").arg(Lessons::verdictText(lesson->id, result)));
        for (const auto& [path, data] : { std::pair { exports.json, jsonWithGate(result, gate) },
                 std::pair { exports.csv, CsvExport::toCsv(result) },
                 std::pair { exports.markdown, MarkdownExport::toMarkdown(result).toUtf8() },
                 std::pair { exports.trace, exports.trace.isEmpty() ? QByteArray() : TraceExport::toJson(result) },
                 std::pair { exports.html, exports.html.isEmpty() ? QByteArray() : HtmlReport::toHtml(result) } }) {
            if (path.isEmpty())
                continue;
            if (const Result<void> written = writeFile(path, data); !written) {
                printErr(QStringLiteral("parlab run: error: %1\n").arg(written.error()));
                code = ExitRunFailed;
            }
        }
        if (!result.error.isEmpty()) {
            printErr(QStringLiteral("parlab run: error: %1\n").arg(result.error));
            code = ExitRunFailed;
        } else if (result.failedRuns() > 0) {
            printErr(QStringLiteral("parlab run: error: %1 measurement%2 failed (see the warnings)\n")
                         .arg(result.failedRuns())
                         .arg(result.failedRuns() == 1 ? QString() : QStringLiteral("s")));
            code = ExitRunFailed;
        } else if (result.cancelled) {
            printErr(QStringLiteral("parlab run: cancelled; kept %1, shown above\n").arg(result.keptSummary()));
            code = ExitCancelled;
        }
        if (session.savedRunId() >= 0)
            printErr(QStringLiteral("saved as run %1 in %2\n").arg(session.savedRunId()).arg(history.path()));
        if (!interleavedId) {
            printErr(QStringLiteral("parlab run: error: the interleaved baseline is not in the history: %1\n")
                         .arg(interleavedId.error()));
            if (code == ExitOk)
                code = ExitNotSaved;
        }
        if (!notSaved.isEmpty()) {
            printErr(QStringLiteral("parlab run: error: %1\n").arg(notSaved));
            if (code == ExitOk)
                code = ExitNotSaved;
        }
        if ((baselineRun || (result.interleavedBaseline && gateCheck.wanted())) && result.succeeded()
            && (code == ExitOk || code == ExitNotSaved)) {
            // A gate that could not be evaluated (the history unreadable, the summary unwritten) fails the command.
            const int gateCode = gate ? gateCheck.exitCode(*gate) : ExitRunFailed;
            if (gateCode != ExitOk)
                code = gateCode;
        }
        if ((baselineRun || result.interleavedBaseline) && !result.succeeded())
            gateCheck.notJudged(result.cancelled
                    ? QStringLiteral("the run was cancelled, so it was not judged; kept %1").arg(result.keptSummary())
                    : QStringLiteral("the run failed, so it was not judged: %1")
                          .arg(result.error.isEmpty() ? QStringLiteral("a measurement failed") : result.error));
        QCoreApplication::quit();
    });
    if (const Result<void> started = session.start(spec); !started)
        return usageError(kCommand, started.error());
    QCoreApplication::exec();
    return code;
}

} // namespace parlab::cli
