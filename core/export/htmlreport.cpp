#include "htmlreport.h"

#include "environment.h"
#include "experimentspec.h"
#include "formatting.h"
#include "lessons/lessonbook.h"
#include "measurement.h"
#include "palette.h"
#include "runoptions.h"
#include "runresult.h"
#include "svgcharts.h"
#include "sweep.h"
#include "sweepreport.h"
#include "texttable.h"

#include <algorithm>
#include <cmath>

namespace parlab {

namespace {
constexpr int kMaxTimelines = 6;
constexpr int kMaxInputsShown = 64;

using SvgCharts::escape;

QString pageStyle(const RunResult& result)
{
    return QStringLiteral(
               // The light page is the paper exported charts are printed on; the warnings' fills are the window's.
               ":root{color-scheme:light dark;--bg:%1;--fg:%2;--muted:%3;--rule:#d8dee4;--panel:#f6f8fa;"
               "--warn-bg:%4;--warn-border:#d4a72c;--bad-bg:%5;--bad-border:#cf222e}\n"
               "@media (prefers-color-scheme: dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#8d96a0;--rule:#30363d;"
               "--panel:#161b22;--warn-bg:%6;--warn-border:#9e6a03;--bad-bg:%7;--bad-border:#f85149}}\n"
               "body{margin:0 auto;max-width:960px;padding:24px;background:var(--bg);color:var(--fg);"
               "font:15px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,\"Noto Sans\",sans-serif}\n"
               "h1{font-size:1.6em;margin:0 0 .2em}\n"
               "h2{font-size:1.25em;margin:1.8em 0 .6em;padding-bottom:.2em;border-bottom:1px solid var(--rule)}\n"
               "h3{font-size:1.05em;margin:1.4em 0 .4em}\n"
               ".subtitle{margin:0;color:var(--muted)}\n"
               ".scroll{overflow-x:auto}\n"
               "table{border-collapse:collapse;font-variant-numeric:tabular-nums;margin:.4em 0;font-size:14px}\n"
               "th,td{padding:4px 8px;border-bottom:1px solid var(--rule);text-align:left;vertical-align:top;"
               "white-space:nowrap}\n"
               "th{background:var(--panel);font-weight:600}\n"
               "td.num,th.num{text-align:right}\n"
               "dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:.4em 0}\n"
               "dl.facts dt{color:var(--muted)}\n"
               "dl.facts dd{margin:0;overflow-wrap:anywhere}\n"
               "code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.92em;"
               "background:var(--panel);padding:1px 4px;border-radius:4px}\n"
               ".banner{padding:10px 14px;border-radius:6px;border:1px solid;margin:1em 0}\n"
               ".banner.cancelled{background:var(--warn-bg);border-color:var(--warn-border)}\n"
               ".banner.failed{background:var(--bad-bg);border-color:var(--bad-border)}\n"
               ".charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(400px,1fr));gap:16px}\n"
               "figure{margin:0}\n"
               "figcaption{color:var(--muted);font-size:.9em;margin-top:4px}\n"
               ".swatch{display:inline-block;width:10px;height:10px;border-radius:2px;background:var(--s);"
               "margin-right:6px}\n"
               ".muted{color:var(--muted)}\n"
               "footer{margin-top:3em;color:var(--muted);font-size:.85em}\n")
               .arg(Palette::hex(Palette::paper().background), Palette::hex(Palette::paper().text),
                   Palette::hex(Palette::paper().muted),
                   Palette::hex(Palette::noticeBackground(Palette::Notice::Caution).light),
                   Palette::hex(Palette::noticeBackground(Palette::Notice::Problem).light),
                   Palette::hex(Palette::noticeBackground(Palette::Notice::Caution).dark),
                   Palette::hex(Palette::noticeBackground(Palette::Notice::Problem).dark))
        + SvgCharts::styleSheet(result);
}

QString defaultTitle(const RunResult& result)
{
    QString title = QStringLiteral("%1 on %2").arg(result.spec.kernel, result.spec.backends.join(QStringLiteral(", ")));
    if (result.created.isValid())
        title += QStringLiteral(", ") + result.created.toString(QStringLiteral("yyyy-MM-dd HH:mm"));
    return title;
}

QString element(const QString& tag, const QString& content, const QString& cls = {})
{
    const QString attribute = cls.isEmpty() ? QString() : QStringLiteral(" class=\"%1\"").arg(cls);
    return QStringLiteral("<%1%2>%3</%1>").arg(tag, attribute, content);
}

// A definition list of (label, already escaped HTML) pairs.
QString facts(const QList<std::pair<QString, QString>>& rows)
{
    QString html = QStringLiteral("<dl class=\"facts\">\n");
    for (const auto& [label, value] : rows)
        html += element(QStringLiteral("dt"), escape(label)) + element(QStringLiteral("dd"), value) + QLatin1Char('\n');
    return html + QStringLiteral("</dl>\n");
}

QString table(const QStringList& header, const QList<QStringList>& rows, const QList<bool>& rightAligned)
{
    auto cls = [&](qsizetype column) {
        return column < rightAligned.size() && rightAligned[column] ? QStringLiteral("num") : QString();
    };
    QString html = QStringLiteral("<div class=\"scroll\"><table>\n<thead><tr>");
    for (qsizetype c = 0; c < header.size(); ++c)
        html += element(QStringLiteral("th"), escape(header[c]), cls(c));
    html += QStringLiteral("</tr></thead>\n<tbody>\n");
    // Cells arrive escaped: the results table puts a colour swatch into its first column.
    for (const QStringList& row : rows) {
        html += QStringLiteral("<tr>");
        for (qsizetype c = 0; c < row.size(); ++c)
            html += element(QStringLiteral("td"), row[c], cls(c));
        html += QStringLiteral("</tr>\n");
    }
    return html + QStringLiteral("</tbody>\n</table></div>\n");
}

QString optionsHtml(const RunOptions& options)
{
    const auto changed = options.changed(); // the defaults go without saying
    if (changed.isEmpty())
        return element(QStringLiteral("span"), QStringLiteral("none"), QStringLiteral("muted"));
    QStringList parts;
    for (const auto& [key, value] : changed)
        parts.append(element(QStringLiteral("code"), escape(key + QStringLiteral(" = ") + value)));
    return parts.join(QStringLiteral(" "));
}

QString banner(const RunResult& result)
{
    QString html;
    if (!result.error.isEmpty()) {
        html += element(QStringLiteral("p"),
            QStringLiteral("<strong>This run failed:</strong> %1 — the figures below are what was measured before "
                           "the failure.")
                .arg(escape(result.error)),
            QStringLiteral("banner failed"));
    } else if (result.failedRuns() > 0) {
        html += element(QStringLiteral("p"),
            QStringLiteral("<strong>%1 repeat%2 failed</strong> and %3 not in the figures; the warnings say which.")
                .arg(result.failedRuns())
                .arg(result.failedRuns() == 1 ? QString() : QStringLiteral("s"))
                .arg(result.failedRuns() == 1 ? QStringLiteral("is") : QStringLiteral("are")),
            QStringLiteral("banner failed"));
    }
    if (result.cancelled) {
        html += element(QStringLiteral("p"),
            QStringLiteral("<strong>This run was cancelled</strong> after %1 of %2 runs. The figures below are what "
                           "was measured before; combinations that had not run are missing.")
                .arg(result.completedRuns)
                .arg(result.plannedRuns),
            QStringLiteral("banner cancelled"));
    }
    return html + QLatin1Char('\n');
}

// A table's cells as HTML text.
QList<QStringList> escapedRows(const QList<QStringList>& rows)
{
    QList<QStringList> escaped;
    for (const QStringList& row : rows) {
        QStringList cells;
        for (const QString& cell : row)
            cells.append(escape(cell));
        escaped.append(cells);
    }
    return escaped;
}

// A table whose first column names backends, each with a swatch of the colour of its line in the charts.
QString backendTable(const Report::Table& t, const RunResult& styleSource)
{
    QList<QStringList> rows = escapedRows(t.rows);
    for (qsizetype i = 0; i < rows.size(); ++i)
        rows[i][0]
            = QStringLiteral("<span class=\"swatch %1\"></span>").arg(SvgCharts::seriesClass(styleSource, t.rows[i][0]))
            + rows[i][0];
    return table(t.header, rows, t.rightAligned);
}

QString resultsSection(const RunResult& result)
{
    const Report::Table summary = Report::summary(result);
    QString html = QStringLiteral("<h2 id=\"results\">Results</h2>\n");
    if (summary.rows.isEmpty())
        return html + element(QStringLiteral("p"), QStringLiteral("Nothing was measured."), QStringLiteral("muted"));
    html += backendTable(summary, result);
    html += element(QStringLiteral("p"),
                QStringLiteral("Medians of %1 repeat%2 each; speedup against the median of the baseline, its 95% "
                               "interval by bootstrap; the lpt bound is the best any schedule of these tasks can "
                               "reach at that worker count.")
                    .arg(result.spec.repeats)
                    .arg(result.spec.repeats == 1 ? QString() : QStringLiteral("s")),
                QStringLiteral("muted"))
        + QLatin1Char('\n');
    if (const Report::Table lost = Report::losses(result); !lost.rows.isEmpty()) {
        html += QStringLiteral("<h3 id=\"losses\">Where the time went</h3>\n")
            + table(lost.header, escapedRows(lost.rows), lost.rightAligned)
            + element(QStringLiteral("p"),
                QStringLiteral("Of each measurement's workers × wall time in its median repeat: the share that did "
                               "the baseline's work (useful) and where the rest went. Each part beyond the "
                               "baseline's own: slowdown is extra CPU time in tasks, cpu_wait time runnable without "
                               "a core, lock_wait time waiting for the GIL; unexplained is what the parts do not "
                               "cover."),
                QStringLiteral("muted"))
            + QLatin1Char('\n');
        if (const QString chart = SvgCharts::lossChart(result); !chart.isEmpty())
            html += QStringLiteral("<figure>\n") + chart
                + element(QStringLiteral("figcaption"),
                    QStringLiteral("The table as bars: useful at the bottom, then the parts in the table's order; %1: "
                                   "ideal (100%). A part below zero (less than the baseline's own) hangs under the "
                                   "zero line, so the parts above it minus those below make 100%. The baseline has "
                                   "no bar: it is the yardstick. Hover a segment for its seconds.")
                        .arg(Palette::styleName(Palette::reference(Palette::Reference::Ideal).style)))
                + QStringLiteral("\n</figure>\n");
    }
    if (const Report::Table used = Report::usage(result); !used.rows.isEmpty()) {
        html += QStringLiteral("<h3 id=\"memory\">Memory and context switches</h3>\n")
            + table(used.header, escapedRows(used.rows), used.rightAligned)
            + element(QStringLiteral("p"),
                QStringLiteral("Each measurement's latest repeat: the peak resident memory of the process that ran it "
                               "(its high-water mark, reset as the repeat began) and of the runtime its tasks ran "
                               "under (the Python interpreter, mpirun), then each worker: a worker process's own "
                               "peak, the largest of the programs its tasks ran (a command's, from wait4), and the "
                               "context switches of the thread that ran its tasks with its programs', voluntary (it "
                               "blocked) / involuntary (it was preempted). The results' peak RSS is the largest "
                               "repeat's sum of these peaks."),
                QStringLiteral("muted"))
            + QLatin1Char('\n');
    }
    return html;
}

QString chartsSection(const RunResult& result)
{
    const Format::FigureNames& names = Format::figureNames(result.spec.options.scaling);
    const bool weak = result.spec.options.scaling == ScalingKind::Weak;
    const QString speedup = SvgCharts::speedupChart(result);
    const QString baselines = Report::baselines(result); // which speedup is against which, where they differ
    const QString wall = SvgCharts::wallTimeChart(result);
    if (speedup.isEmpty() && wall.isEmpty())
        return {};
    QString html = QStringLiteral("<h2 id=\"charts\">Charts</h2>\n<div class=\"charts\">\n");
    if (!speedup.isEmpty())
        html += QStringLiteral("<figure>\n") + speedup
            + element(QStringLiteral("figcaption"),
                QStringLiteral("%1 against workers with 95% intervals (%2); %3: the lpt bound; %4: ideal "
                               "(= workers).%5")
                    .arg(Format::capitalised(names.speedup), names.speedupMeaning,
                        Palette::styleName(Palette::reference(Palette::Reference::LptBound).style),
                        Palette::styleName(Palette::reference(Palette::Reference::Ideal).style),
                        baselines.isEmpty()
                            ? QString()
                            : QStringLiteral(" %1 of %2.").arg(Format::capitalised(names.speedup), baselines)))
            + QStringLiteral("\n</figure>\n");
    // A weak run's other question: does each worker's share still take the baseline's time?
    if (const QString efficiency = weak ? SvgCharts::efficiencyChart(result) : QString(); !efficiency.isEmpty())
        html += QStringLiteral("<figure>\n") + efficiency
            + element(QStringLiteral("figcaption"),
                QStringLiteral("%1 against workers: %2; %3: ideal (100%). %4.")
                    .arg(Format::capitalised(names.efficiency), names.efficiencyMeaning,
                        Palette::styleName(Palette::reference(Palette::Reference::Ideal).style),
                        Format::capitalised(scaledInputsRule(result.spec))))
            + QStringLiteral("\n</figure>\n");
    if (!wall.isEmpty())
        html += QStringLiteral("<figure>\n") + wall
            + element(QStringLiteral("figcaption"),
                QStringLiteral("Median wall time; whiskers from the fastest to "
                               "the slowest repeat."))
            + QStringLiteral("\n</figure>\n");
    return html + QStringLiteral("</div>\n");
}

QString boundsSection(const RunResult& result)
{
    QString html;
    const Bounds& bounds = result.bounds;
    if (std::isfinite(bounds.critical) || !bounds.lpt.isEmpty()) {
        QList<QStringList> rows;
        for (auto it = bounds.lpt.cbegin(); it != bounds.lpt.cend(); ++it)
            rows.append({ QString::number(it.key()), escape(Format::speedup(it.value())) });
        rows.append({ QStringLiteral("unlimited (critical)"), escape(Format::speedup(bounds.critical)) });
        html += QStringLiteral("<h3>Speedup bounds</h3>\n")
            + table({ QStringLiteral("workers"), QStringLiteral("lpt bound") }, rows, { true, true });
    }
    // A backend's name beside the swatch of its series in the charts.
    const auto backendCell = [&](const QString& backend) {
        return QStringLiteral("<span class=\"swatch %1\"></span>").arg(SvgCharts::seriesClass(result, backend))
            + escape(backend);
    };
    if (!result.amdahlSerialFraction.isEmpty()) {
        QList<QStringList> rows;
        for (auto it = result.amdahlSerialFraction.cbegin(); it != result.amdahlSerialFraction.cend(); ++it) {
            QStringList row { backendCell(it.key()),
                escape(Report::fractionFits(it.value()) ? Format::percent(it.value())
                                                        : QStringLiteral("none (see below)")) };
            QStringList karpFlatt;
            for (const Measurement& m : result.measurements) {
                if (m.backend == it.key() && std::isfinite(m.karpFlatt))
                    karpFlatt.append(QStringLiteral("%1: %2").arg(m.workers).arg(Format::percent(m.karpFlatt)));
            }
            row.append(escape(karpFlatt.isEmpty() ? QStringLiteral("–") : karpFlatt.join(QStringLiteral(", "))));
            rows.append(row);
        }
        html += QStringLiteral("<h3>Amdahl fits</h3>\n")
            + table({ QStringLiteral("backend"), QStringLiteral("serial fraction"),
                        QStringLiteral("Karp–Flatt by workers") },
                rows, { false, true, false });
    }
    if (!result.usl.isEmpty()) {
        QList<QStringList> rows;
        for (auto it = result.usl.cbegin(); it != result.usl.cend(); ++it) {
            const UslFit& fit = it.value();
            rows.append({ backendCell(it.key()),
                escape(fit.fits() ? Format::ratio(fit.sigma) : QStringLiteral("none (see below)")),
                escape(Format::significant(fit.kappa)),
                escape(fit.peakWorkers ? QString::number(*fit.peakWorkers) : QStringLiteral("–")) });
        }
        html += QStringLiteral("<h3>Universal Scalability Law fits</h3>\n")
            + table({ QStringLiteral("backend"), QStringLiteral("contention σ"), QStringLiteral("coherency κ"),
                        QStringLiteral("peak at workers") },
                rows, { false, true, true, true });
    }
    if (!result.gustafsonSerialFraction.isEmpty()) {
        QList<QStringList> rows;
        for (auto it = result.gustafsonSerialFraction.cbegin(); it != result.gustafsonSerialFraction.cend(); ++it)
            rows.append({ backendCell(it.key()),
                escape(Report::fractionFits(it.value()) ? Format::percent(it.value())
                                                        : QStringLiteral("none (see below)")) });
        html += QStringLiteral("<h3>Gustafson fits</h3>\n")
            + table(
                { QStringLiteral("backend"), QStringLiteral("serial fraction (weak scaling)") }, rows, { false, true });
    }
    const QStringList notes = Report::notes(result);
    if (!notes.isEmpty()) {
        html += QStringLiteral("<ul>\n");
        for (const QString& note : notes)
            html += element(QStringLiteral("li"), escape(note)) + QLatin1Char('\n');
        html += QStringLiteral("</ul>\n");
    }
    return html.isEmpty() ? QString() : QStringLiteral("<h2 id=\"bounds\">Bounds and fits</h2>\n") + html;
}

// Measurements with more than one worker (the ones whose overlap is worth seeing), at most kMaxTimelines:
// then the best speedup of each backend. With none, the best-speedup measurement alone.
QList<const Measurement*> timelineChoice(const RunResult& result, qsizetype* leftOut)
{
    QList<const Measurement*> withSpans, parallel;
    for (const Measurement& m : result.measurements) {
        if (m.spans.isEmpty())
            continue;
        withSpans.append(&m);
        if (m.workers > 1)
            parallel.append(&m);
    }
    auto faster = [](const Measurement* a, const Measurement* b) {
        const double sa = std::isfinite(a->speedup) ? a->speedup : -1, sb = std::isfinite(b->speedup) ? b->speedup : -1;
        return sa > sb;
    };
    if (parallel.isEmpty()) {
        *leftOut = std::max<qsizetype>(0, withSpans.size() - 1);
        if (withSpans.isEmpty())
            return {};
        return { *std::min_element(withSpans.cbegin(), withSpans.cend(), faster) };
    }
    *leftOut = std::max<qsizetype>(0, parallel.size() - kMaxTimelines);
    if (parallel.size() <= kMaxTimelines)
        return parallel;
    QList<const Measurement*> chosen;
    QStringList backends;
    QList<const Measurement*> byBackend = parallel;
    std::stable_sort(byBackend.begin(), byBackend.end(), faster);
    for (const Measurement* m : std::as_const(byBackend)) {
        if (!backends.contains(m->backend)) {
            backends.append(m->backend);
            chosen.append(m);
        }
    }
    for (const Measurement* m : std::as_const(byBackend)) {
        if (chosen.size() >= kMaxTimelines)
            break;
        if (!chosen.contains(m))
            chosen.append(m);
    }
    chosen.resize(std::min<qsizetype>(chosen.size(), kMaxTimelines));
    // Back into run order.
    QList<const Measurement*> ordered;
    for (const Measurement* m : std::as_const(parallel)) {
        if (chosen.contains(m))
            ordered.append(m);
    }
    return ordered;
}

QString timelinesSection(const RunResult& result)
{
    qsizetype leftOut = 0;
    const QList<const Measurement*> chosen = timelineChoice(result, &leftOut);
    QString html;
    for (const Measurement* m : chosen) {
        const QString svg = SvgCharts::timeline(*m, result.spec.kernel);
        if (svg.isEmpty())
            continue;
        QString caption = QStringLiteral("latest repeat, %1 task%2")
                              .arg(m->spans.size())
                              .arg(m->spans.size() == 1 ? QString() : QStringLiteral("s"));
        if (std::isfinite(m->speedup))
            caption += QStringLiteral(", speedup %1").arg(Format::speedup(m->speedup));
        if (!m->switches.isEmpty())
            caption += QStringLiteral(", %1 lock hand-overs").arg(m->switches.last());
        html += element(QStringLiteral("h3"), escape(m->label())) + QLatin1Char('\n');
        html += QStringLiteral("<figure>\n") + svg
            + element(QStringLiteral("figcaption"),
                escape(caption
                    + (m->states.isEmpty()
                            ? QStringLiteral(".")
                            : QStringLiteral("; the strip under each worker shows the lock: green running, red "
                                             "waiting, grey released."))))
            + QStringLiteral("\n</figure>\n");
    }
    if (html.isEmpty())
        return {};
    if (leftOut > 0)
        html += element(QStringLiteral("p"),
                    escape(QStringLiteral("%1 more measurement%2 left out to keep this file small; the trace export "
                                          "(Perfetto) holds every one.")
                               .arg(leftOut)
                               .arg(leftOut == 1 ? QStringLiteral(" is") : QStringLiteral("s are"))),
                    QStringLiteral("muted"))
            + QLatin1Char('\n');
    return QStringLiteral("<h2 id=\"timeline\">Timeline</h2>\n") + html;
}

QString specSection(const RunResult& result)
{
    const ExperimentSpec& spec = result.spec;
    QStringList workers;
    for (int w : spec.workers)
        workers.append(QString::number(w));
    return QStringLiteral("<h2 id=\"experiment\">Experiment</h2>\n")
        + facts({
            { QStringLiteral("kernel"), element(QStringLiteral("code"), escape(spec.kernel)) },
            { QStringLiteral("inputs"), escape(Format::inputs(spec.inputs, kMaxInputsShown, true)) },
            { QStringLiteral("backends"), escape(spec.backends.join(QStringLiteral(", "))) },
            { QStringLiteral("workers"), escape(workers.join(QStringLiteral(", "))) },
            { QStringLiteral("repeats"), QString::number(spec.repeats) },
            { QStringLiteral("warmup"), QString::number(spec.warmup) },
            { QStringLiteral("options"), optionsHtml(spec.options) },
            { QStringLiteral("reference checksum"),
                element(QStringLiteral("code"), Format::checksum(result.referenceChecksum)) },
        });
}

QString runtimesSection(const RunResult& result)
{
    if (result.runtimes.isEmpty())
        return {};
    QList<QStringList> rows;
    for (auto it = result.runtimes.cbegin(); it != result.runtimes.cend(); ++it)
        rows.append({ escape(it.key()), escape(it.value()) });
    return QStringLiteral("<h2 id=\"runtimes\">Runtimes</h2>\n")
        + table({ QStringLiteral("backend"), QStringLiteral("runs on") }, rows, { false, false });
}

QString environmentSection(const RunResult& result)
{
    const Environment& env = result.environment;
    QList<std::pair<QString, QString>> rows;
    for (const auto& [name, value] : env.facts())
        rows.append({ name, escape(value) });
    rows.append({ QStringLiteral("core speeds"), escape(env.coresText()) });
    for (const CoreSpeed& core : env.cores.cores)
        rows.append({ QStringLiteral("core %1").arg(core.cpu),
            escape(QStringLiteral("%1 relative speed, %2 per calibration loop%3")
                       .arg(QString::number(core.relative, 'f', 3), Format::duration(core.loopS),
                           core.cpu == env.baselineCpu ? QStringLiteral(" (the baselines ran here)") : QString())) });
    return QStringLiteral("<h2 id=\"environment\">Environment</h2>\n") + facts(rows);
}

QString warningsSection(const RunResult& result)
{
    if (result.warnings.isEmpty())
        return {};
    QString html = QStringLiteral("<h2 id=\"warnings\">Warnings</h2>\n<ul>\n");
    for (const QString& warning : result.warnings)
        html += element(QStringLiteral("li"), escape(warning)) + QLatin1Char('\n');
    return html + QStringLiteral("</ul>\n");
}
} // namespace

namespace {
// The page up to its first section: head, style (the colours of `styleSource`'s backends), title and subtitle.
QString pageTop(const QString& heading, const QString& subtitle, const RunResult& styleSource)
{
    const QString created = styleSource.created.isValid()
        ? styleSource.created.toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"))
        : QStringLiteral("at an unknown time");
    QString html = QStringLiteral("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n"
                                  "<meta charset=\"utf-8\"/>\n"
                                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
                                  "<meta name=\"color-scheme\" content=\"light dark\"/>\n"
                                  "<meta name=\"generator\" content=\"ParLab %1\"/>\n")
                       .arg(QStringLiteral(PARLAB_VERSION));
    html += element(QStringLiteral("title"), escape(heading)) + QLatin1Char('\n');
    html += QStringLiteral("<style>\n") + pageStyle(styleSource)
        + QStringLiteral("</style>\n</head>\n<body>\n<header>\n");
    html += element(QStringLiteral("h1"), escape(heading)) + QLatin1Char('\n');
    html += element(QStringLiteral("p"), escape(subtitle), QStringLiteral("subtitle")) + QLatin1Char('\n');
    html += element(QStringLiteral("p"),
                escape(QStringLiteral("Created %1 with ParLab %2").arg(created, QStringLiteral(PARLAB_VERSION))),
                QStringLiteral("subtitle"))
        + QStringLiteral("\n</header>\n");
    return html;
}

QString pageEnd()
{
    return QStringLiteral("<footer>ParLab %1 · self-contained report: no scripts, nothing fetched.</footer>\n"
                          "</body>\n</html>\n")
        .arg(QStringLiteral(PARLAB_VERSION));
}
} // namespace

QByteArray HtmlReport::toHtml(const RunResult& result, const QString& title)
{
    const QString heading = title.trimmed().isEmpty() ? defaultTitle(result) : title.trimmed();
    QString html = pageTop(heading, Report::title(result), result);
    html += banner(result);
    html += specSection(result);
    html += resultsSection(result);
    html += warningsSection(result);
    html += chartsSection(result);
    html += boundsSection(result);
    html += timelinesSection(result);
    html += runtimesSection(result);
    html += environmentSection(result);
    html += pageEnd();
    return html.toUtf8();
}

QByteArray HtmlReport::toHtml(const SweepResult& sweep, const QString& title)
{
    // The first size's run stands for the machine and the backends' colours: every size ran the same backends.
    const RunResult first = sweep.points.isEmpty() ? RunResult() : sweep.points.constFirst().run;
    const QString heading = title.trimmed().isEmpty()
        ? QStringLiteral("Task-size sweep of %1 on %2")
              .arg(sweep.spec.base.kernel, sweep.spec.base.backends.join(QStringLiteral(", ")))
        : title.trimmed();
    QString html = pageTop(heading, SweepReport::title(sweep), first);
    if (sweep.cancelled || !sweep.error.isEmpty())
        html += element(QStringLiteral("div"),
                    escape(sweep.error.isEmpty() ? QStringLiteral("Cancelled: %1 of %2 sizes measured.")
                                                       .arg(sweep.points.size())
                                                       .arg(sweep.spec.sizesMs.size())
                                                 : QStringLiteral("The sweep stopped: %1").arg(sweep.error)),
                    sweep.error.isEmpty() ? QStringLiteral("banner cancelled") : QStringLiteral("banner failed"))
            + QLatin1Char('\n');

    QStringList workers;
    for (int w : sweep.spec.base.workers)
        workers.append(QString::number(w));
    html += QStringLiteral("<h2 id=\"experiment\">Experiment</h2>\n")
        + facts({
            { QStringLiteral("kernel"), element(QStringLiteral("code"), escape(sweep.spec.base.kernel)) },
            { QStringLiteral("task sizes"), escape(sweep.spec.sizesText()) },
            { QStringLiteral("tasks of each size"), QString::number(sweep.spec.tasks) },
            { QStringLiteral("backends"), escape(sweep.spec.base.backends.join(QStringLiteral(", "))) },
            { QStringLiteral("workers"), escape(workers.join(QStringLiteral(", "))) },
            { QStringLiteral("repeats"), QString::number(sweep.spec.base.repeats) },
            { QStringLiteral("warmup"), QString::number(sweep.spec.base.warmup) },
            { QStringLiteral("options"), optionsHtml(sweep.spec.base.options) },
            { QStringLiteral("in the history as"), escape(sweep.tag + QStringLiteral(" …")) },
        });

    html += QStringLiteral("<h2 id=\"sweep\">Speedup against task size</h2>\n");
    html += backendTable(SweepReport::table(sweep), first);
    for (const QString& note : SweepReport::notes(sweep))
        html += element(QStringLiteral("p"), escape(note), QStringLiteral("muted")) + QLatin1Char('\n');
    if (const Lesson* lesson = Lessons::matching(sweep))
        html += element(QStringLiteral("p"), escape(Lessons::verdictText(*lesson, sweep))) + QLatin1Char('\n');
    if (const QString chart = SvgCharts::sweepChart(sweep); !chart.isEmpty())
        html += QStringLiteral("<figure>\n") + chart
            + element(QStringLiteral("figcaption"),
                escape(
                    QStringLiteral("Both axes logarithmic. Each backend's speedup in its colour, one line per worker "
                                   "count; a filled diamond where it breaks even, a ring where it reaches 90% of "
                                   "ideal; %1: ideal (the lpt bound of the equal tasks).")
                        .arg(Palette::styleName(Palette::reference(Palette::Reference::Ideal).style))))
            + QStringLiteral("\n</figure>\n");

    for (const SweepPoint& point : sweep.points) {
        const Report::Table summary = Report::summary(point.run);
        html += element(QStringLiteral("h3"),
                    escape(QStringLiteral("%1 ms per task (%2(%3) × %4)")
                               .arg(formatSize(point.sizeMs), point.run.spec.kernel)
                               .arg(point.run.spec.inputs.value(0))
                               .arg(point.run.spec.inputs.size())))
            + QLatin1Char('\n');
        if (!summary.rows.isEmpty())
            html += backendTable(summary, first);
    }
    if (!sweep.points.isEmpty())
        html += environmentSection(first);
    html += pageEnd();
    return html.toUtf8();
}

} // namespace parlab
