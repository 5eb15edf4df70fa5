#include "texttable.h"

#include "backends/backendregistry.h"
#include "environment.h"
#include "experimentspec.h"
#include "formatting.h"
#include "measurement.h"
#include "resourceusage.h"
#include "runresult.h"
#include "stats/losses.h"
#include "stats/scaling.h"
#include "stats/statistics.h"
#include "taskspan.h"
#include "unknown.h"
#include "workerplacement.h"

#include <QMap>
#include <QSet>
#include <cmath>

namespace parlab {

namespace {
QString inputsSummary(const QList<qint64>& inputs)
{
    QStringList shown;
    for (qsizetype i = 0; i < std::min<qsizetype>(inputs.size(), 8); ++i)
        shown.append(QString::number(inputs[i]));
    QString text = shown.join(QLatin1Char(','));
    if (inputs.size() > 8)
        text += QStringLiteral(",…");
    return text;
}
} // namespace

QString Report::switches(double voluntary, double involuntary)
{
    if (!std::isfinite(voluntary) || voluntary < 0 || !std::isfinite(involuntary) || involuntary < 0)
        return QStringLiteral("–");
    return QStringLiteral("%1/%2").arg(qRound64(voluntary)).arg(qRound64(involuntary));
}

QString Report::title(const RunResult& result)
{
    const ExperimentSpec& spec = result.spec;
    const QString scaling = Format::figureNames(spec.options.scaling).scaling;
    return QStringLiteral("%1 over %2 input%3 (%4)%10 · %5 repeat%6, %7 warmup · %8 logical cores · %9")
        .arg(spec.kernel)
        .arg(spec.inputs.size())
        .arg(spec.inputs.size() == 1 ? QString() : QStringLiteral("s"), inputsSummary(spec.inputs))
        .arg(spec.repeats)
        .arg(spec.repeats == 1 ? QString() : QStringLiteral("s"))
        .arg(spec.warmup)
        .arg(result.environment.logicalCores)
        .arg(result.environment.cpu, scaling.isEmpty() ? QString() : QStringLiteral(" · ") + scaling);
}

Report::Table Report::summary(const RunResult& result)
{
    Table table;
    const Format::FigureNames& names = Format::figureNames(result.spec.options.scaling);
    table.header = { QStringLiteral("backend"), QStringLiteral("workers"), QStringLiteral("median ± stddev"),
        QStringLiteral("min … max"), QStringLiteral("cpu"), names.speedup + QStringLiteral(" [95% CI]"),
        names.efficiency, QStringLiteral("lpt bound"), QStringLiteral("peak RSS"), QStringLiteral("switches v/i") };
    table.rightAligned = { false, true, true, true, true, true, true, true, true, true };
    for (const Measurement& m : result.measurements) {
        if (m.samplesS.isEmpty())
            continue;
        const double bound = result.bounds.lpt.value(m.workers, kUnknown);
        QString speedup = Format::speedup(m.speedup);
        if (std::isfinite(m.speedupLow))
            speedup += QStringLiteral(" [%1, %2]").arg(Format::ratio(m.speedupLow), Format::ratio(m.speedupHigh));
        table.rows.append({
            m.backend,
            QString::number(m.workers),
            Format::duration(m.wall.median) + QStringLiteral(" ± ") + Format::duration(m.wall.stddev),
            Format::duration(m.wall.min) + QStringLiteral(" … ") + Format::duration(m.wall.max),
            Format::duration(m.cpuMedianS),
            speedup,
            Format::percent(m.efficiency),
            Format::speedup(bound),
            Format::bytes(m.peakRssBytes),
            switches(m.voluntarySwitches, m.involuntarySwitches),
        });
    }
    return table;
}

Report::Table Report::usage(const RunResult& result)
{
    Table table;
    table.header
        = { QStringLiteral("backend"), QStringLiteral("workers"), QStringLiteral("worker"), QStringLiteral("pid"),
              QStringLiteral("peak RSS"), QStringLiteral("its programs' peak"), QStringLiteral("switches v/i") };
    table.rightAligned = { false, true, true, true, true, true, true };
    for (const Measurement& m : result.measurements) {
        if (m.usage.isEmpty())
            continue;
        const RepeatUsage& latest = m.usage.constLast();
        // The process that ran the repeat (ParLab or its engine), which every in-process worker shares, then each
        // worker: a thread's memory is its process's.
        table.rows.append({ m.backend, QString::number(m.workers), QStringLiteral("runner"), QString(),
            Format::bytes(double(latest.processPeakRssBytes)), QString(), QString() });
        const auto bytesIfKnown = [](qint64 bytes) { return bytes >= 0 ? Format::bytes(double(bytes)) : QString(); };
        // The process the tasks ran under (the Python interpreter, mpirun), where the backend has one.
        if (latest.runtimePeakRssBytes >= 0)
            table.rows.append({ m.backend, QString::number(m.workers), QStringLiteral("runtime"), QString(),
                bytesIfKnown(latest.runtimePeakRssBytes), QString(), QString() });
        for (const WorkerUsage& w : latest.workers) {
            table.rows.append({ m.backend, QString::number(m.workers), QString::number(w.worker),
                QString::number(w.pid), bytesIfKnown(w.peakRssBytes), bytesIfKnown(w.programPeakRssBytes),
                switches(double(w.voluntarySwitches), double(w.involuntarySwitches)) });
        }
    }
    return table;
}

Report::Table Report::losses(const RunResult& result)
{
    Table table;
    table.header = { QStringLiteral("backend"), QStringLiteral("workers"), QStringLiteral("useful") };
    // Beside imbalance, what the longest-first schedule of these tasks would itself leave idle.
    const auto besideImbalance = [](const Accounting::Part& part) { return part.share == &Losses::imbalance; };
    for (const Accounting::Part& part : Accounting::parts()) {
        table.header.append(QLatin1String(part.key));
        if (besideImbalance(part))
            table.header.append(QStringLiteral("(lpt)"));
    }
    table.rightAligned = QList<bool>(table.header.size(), true);
    table.rightAligned[0] = false;
    for (const Measurement& m : result.measurements) {
        if (!std::isfinite(m.losses.useful))
            continue;
        QStringList row { m.backend, QString::number(m.workers), Format::percent(m.losses.useful) };
        for (const Accounting::Part& part : Accounting::parts()) {
            row.append(Format::percent(m.losses.*part.share));
            if (besideImbalance(part))
                row.append(Format::percent(Accounting::scheduleImbalance(result.bounds, m.workers)));
        }
        table.rows.append(row);
    }
    return table;
}

QString Report::baselines(const RunResult& result)
{
    QMap<QString, QStringList> byBaseline; // baseline -> the backends measured against it, in the run's order
    for (const Measurement& m : result.measurements) {
        if (!BackendRegistry::usesWorkers(m.backend) || !std::isfinite(m.speedup))
            continue;
        QStringList& backends = byBaseline[BackendRegistry::factsOf(m.backend).baseline];
        if (!backends.contains(m.backend))
            backends.append(m.backend);
    }
    if (byBaseline.size() < 2)
        return {};
    QStringList parts;
    for (auto it = byBaseline.cbegin(); it != byBaseline.cend(); ++it)
        parts << QStringLiteral("%1 against %2").arg(it.value().join(QStringLiteral(", ")), it.key());
    return parts.join(QStringLiteral("; "));
}

QString Report::workersOnHosts(const QString& backend, const QList<TaskSpan>& spans)
{
    QStringList hosts;
    QSet<int> workers;
    for (const TaskSpan& s : spans) {
        workers.insert(s.worker);
        if (!s.host.isEmpty() && !hosts.contains(s.host))
            hosts.append(s.host);
    }
    if (hosts.isEmpty())
        return {};
    hosts.sort();
    const QString noun = BackendRegistry::factsOf(backend).workerNoun;
    return QStringLiteral("%1 %2%3 on %4 host%5 (%6)")
        .arg(workers.size())
        .arg(noun, workers.size() == 1 ? QString() : QStringLiteral("s"))
        .arg(hosts.size())
        .arg(hosts.size() == 1 ? QString() : QStringLiteral("s"), hosts.join(QStringLiteral(", ")));
}

QString Report::placement(const Measurement& m)
{
    QStringList parts;
    if (const QString where = workersOnHosts(m.backend, m.spans); !where.isEmpty())
        parts << where;
    if (std::isfinite(m.launchMedianS))
        parts << QStringLiteral("its launch took %1%2, apart from the repeats' times")
                     .arg(Format::duration(m.launchMedianS))
                     .arg(m.launchS.size() > 1 ? QStringLiteral(" (median of %1 launches)").arg(m.launchS.size())
                                               : QStringLiteral(", once"));
    return parts.isEmpty() ? QString() : QStringLiteral("%1: %2").arg(m.label(), parts.join(QStringLiteral("; ")));
}

QStringList Report::notes(const RunResult& result)
{
    QStringList notes;
    // What each measurement that lost more than this share of its workers' time lost it to.
    constexpr double kWorthExplaining = 0.10;
    for (const Measurement& m : result.measurements) {
        if (std::isfinite(m.losses.useful) && 1.0 - m.losses.useful > kWorthExplaining) {
            // Uneven tasks: how much of that even the best simple schedule of them could not avoid.
            const double schedule = Accounting::scheduleImbalance(result.bounds, m.workers);
            const QString lpt = m.losses.imbalance >= 0.01 && std::isfinite(schedule)
                ? QStringLiteral(" (the longest-first schedule of these tasks itself idles %1)")
                      .arg(Format::percent(schedule))
                : QString();
            notes << QStringLiteral("%1: %2 of %3 — %4%5")
                         .arg(m.label(), Format::speedup(m.speedup))
                         .arg(m.workers)
                         .arg(Accounting::summary(m.losses), lpt);
        }
    }
    const Bounds& b = result.bounds;
    // Unlimited workers is a strong-scaling question: a weak run's work grows with its workers.
    if (std::isfinite(b.critical) && result.spec.options.scaling == ScalingKind::Strong) {
        double sum = 0, longest = 0;
        for (double c : b.taskCostsS) {
            sum += c;
            longest = std::max(longest, c);
        }
        notes << QStringLiteral("bounds: with unlimited workers at most %1 (all tasks %2, the longest %3); the lpt "
                                "column is what the longest-task-first schedule reaches at that worker count")
                     .arg(Format::speedup(b.critical), Format::duration(sum), Format::duration(longest));
    }
    if (const QString rule = scaledInputsRule(result.spec); !rule.isEmpty()) {
        const Format::FigureNames& weak = Format::figureNames(ScalingKind::Weak);
        notes << QStringLiteral("%1: %2; %3 = %4; %5 = %6")
                     .arg(weak.scaling, rule, weak.speedup, weak.speedupMeaning, weak.efficiency,
                         weak.efficiencyMeaning);
    }
    for (const Measurement& m : result.measurements) {
        if (const QString where = placement(m); !where.isEmpty())
            notes << where;
    }
    for (const Measurement& m : result.measurements) {
        if (const QString cpus = WorkerPlacement::note(m, result.spec.options); !cpus.isEmpty())
            notes << cpus;
    }
    for (const Measurement& m : result.measurements) {
        if (m.switches.isEmpty())
            continue;
        QList<double> switches;
        for (qint64 n : m.switches)
            switches.append(double(n));
        // Of all the time the threads lived, the share they spent waiting for the lock (latest repeat).
        double waiting = 0, total = 0;
        for (const StateSpan& s : m.states) {
            total += double(s.endNs - s.startNs);
            if (s.state == LockState::Waiting)
                waiting += double(s.endNs - s.startNs);
        }
        notes << QStringLiteral("%1: the lock changed hands %2 times per repeat (median)%3")
                     .arg(m.label())
                     .arg(qRound64(Statistics::median(switches)))
                     .arg(total > 0 ? QStringLiteral("; its threads spent %1 of their time waiting for it")
                                          .arg(Format::percent(waiting / total))
                                    : QString());
    }
    // Why a peak RSS reads "–", one line per reason.
    QMap<QString, QStringList> unknownUsage;
    for (const Measurement& m : result.measurements) {
        if (const QString why = ResourceUsage::whyUnknown(m); !m.samplesS.isEmpty() && !why.isEmpty())
            unknownUsage[why].append(m.label());
    }
    for (auto it = unknownUsage.cbegin(); it != unknownUsage.cend(); ++it)
        notes << QStringLiteral("%1: peak RSS not known: %2").arg(it.value().join(QStringLiteral(", ")), it.key());
    // Who ran the tasks where it was not this program, one line per interpreter.
    QMap<QString, QStringList> byRuntime;
    for (auto it = result.runtimes.cbegin(); it != result.runtimes.cend(); ++it)
        byRuntime[it.value()].append(it.key());
    for (auto it = byRuntime.cbegin(); it != byRuntime.cend(); ++it)
        notes << QStringLiteral("%1 ran on %2").arg(it.value().join(QStringLiteral(", ")), it.key());
    notes << fits(result);
    return notes;
}

QStringList Report::fits(const RunResult& result, const QString& backend)
{
    QStringList lines;
    const auto of = [&backend](const QString& key) { return backend.isEmpty() || key == backend; };
    for (auto it = result.amdahlSerialFraction.cbegin(); it != result.amdahlSerialFraction.cend(); ++it) {
        if (of(it.key()))
            lines << QStringLiteral("Amdahl fit: %1 %2").arg(it.key(), amdahlFit(it.value()));
    }
    for (auto it = result.usl.cbegin(); it != result.usl.cend(); ++it) {
        if (of(it.key()))
            lines << QStringLiteral("USL fit: %1 %2").arg(it.key(), uslFit(it.value()));
    }
    for (auto it = result.gustafsonSerialFraction.cbegin(); it != result.gustafsonSerialFraction.cend(); ++it) {
        if (of(it.key()))
            lines << QStringLiteral("Gustafson fit: %1 %2").arg(it.key(), gustafsonFit(it.value()));
    }
    return lines;
}

namespace {
// What a fitted serial fraction says, by Amdahl's law or Gustafson's: a fraction of 0-100%, or, beyond, why none
// describes the speedups (`slower`: what a fraction above 1 means, `faster`: one below 0).
QString serialFit(double fraction, const QString& law, const QString& slower, const QString& faster)
{
    if (Report::fractionFits(fraction))
        return QStringLiteral("behaves as if %1 of its work were serial").arg(Format::percent(fraction));
    return QStringLiteral("has no %1 fit: it %2 (a fitted serial fraction of %3 is no fraction)")
        .arg(law, fraction > 1 ? slower : faster, Format::percent(fraction));
}
} // namespace

QString Report::amdahlFit(double serialFraction)
{
    // 1/S = f + (1 - f)/p: f above 1 means speedups below 1, f below 0 speedups above p.
    return serialFit(serialFraction, QStringLiteral("Amdahl"), QStringLiteral("ran slower than its baseline"),
        QStringLiteral("sped up more than its workers, superlinearly"));
}

QString Report::gustafsonFit(double serialFraction)
{
    // S = N - alpha (N - 1): alpha above 1 means scaled speedups below 1, below 0 scaled speedups above N.
    return serialFit(serialFraction, QStringLiteral("Gustafson"),
        QStringLiteral("did less work in its time with more workers than its baseline did alone"),
        QStringLiteral("did more work than its workers account for, superlinearly"));
}

QString Report::uslFit(const UslFit& fit)
{
    if (!fit.fits())
        return QStringLiteral("has none: ") + fit.why;
    const QString contention = Format::ratio(fit.sigma);
    if (fit.kappa == 0) {
        if (fit.sigma == 0)
            return QStringLiteral(
                "has no contention and no coherency cost: its speedup grows linearly, without a peak");
        return QStringLiteral("has contention %1 and no coherency cost: its speedup rises towards %2 without a peak")
            .arg(contention, Format::speedup(1.0 / fit.sigma));
    }
    const QString has
        = QStringLiteral("has contention %1 and coherency %2").arg(contention, Format::significant(fit.kappa));
    if (!fit.peakWorkers)
        return has + QStringLiteral(": its speedup peaks beyond a million workers");
    return has
        + QStringLiteral(": its speedup peaks at %1 workers (%2)")
              .arg(*fit.peakWorkers)
              .arg(Format::speedup(Scaling::uslSpeedup(fit.sigma, fit.kappa, *fit.peakWorkers)));
}

bool Report::fractionFits(double serialFraction)
{
    // A fraction is 0-100%: beyond, the speedups do not have Amdahl's shape.
    return serialFraction >= 0 && serialFraction <= 1;
}

QString Report::alignedText(const Table& table)
{
    QList<qsizetype> widths;
    for (const QString& h : table.header)
        widths.append(h.size());
    for (const QStringList& row : table.rows) {
        for (qsizetype c = 0; c < row.size(); ++c)
            widths[c] = std::max(widths[c], row[c].size());
    }
    auto line = [&](const QStringList& cells) {
        QStringList padded;
        for (qsizetype c = 0; c < cells.size(); ++c)
            padded.append(
                table.rightAligned[c] ? cells[c].rightJustified(widths[c]) : cells[c].leftJustified(widths[c]));
        return padded.join(QStringLiteral("  ")).trimmed() + QLatin1Char('\n');
    };
    QString out = line(table.header);
    for (const QStringList& row : table.rows)
        out += line(row);
    return out;
}

QString Report::toText(const RunResult& result, bool explain)
{
    const Environment& env = result.environment;
    QString out = title(result) + QStringLiteral("\ncores: ") + env.coresText() + QStringLiteral("\nmachine: ")
        + env.machineText() + QLatin1Char('\n');
    if (!env.label.isEmpty() || !env.commit.isEmpty())
        out += QStringLiteral("recorded as: label %1 · commit %2\n")
                   .arg(env.label.isEmpty() ? QStringLiteral("none") : env.label,
                       env.commit.isEmpty() ? QStringLiteral("none") : env.commit);
    out += QLatin1Char('\n') + alignedText(summary(result));
    if (const Table lost = losses(result); explain && !lost.rows.isEmpty())
        out += QStringLiteral("\nwhere the time went (% of workers x wall time, the median repeat):\n")
            + alignedText(lost);
    if (const Table used = usage(result); explain && !used.rows.isEmpty())
        out += QStringLiteral("\nmemory and context switches (voluntary/involuntary) by worker, the latest repeat:\n")
            + alignedText(used);
    const QStringList notesList = notes(result);
    if (!notesList.isEmpty())
        out += QLatin1Char('\n');
    for (const QString& n : notesList)
        out += n + QLatin1Char('\n');
    if (!result.warnings.isEmpty()) {
        out += QStringLiteral("\nwarnings:\n");
        for (const QString& w : result.warnings)
            out += QStringLiteral("  - ") + w + QLatin1Char('\n');
    }
    return out;
}

QString MarkdownExport::toMarkdown(const RunResult& result)
{
    auto escape = [](QString cell) { return cell.replace(QLatin1Char('|'), QStringLiteral("\\|")); };
    auto row = [&](const QStringList& cells) {
        QStringList escaped;
        for (const QString& c : cells)
            escaped.append(escape(c));
        return QStringLiteral("| ") + escaped.join(QStringLiteral(" | ")) + QStringLiteral(" |\n");
    };
    auto table = [&](const Report::Table& t) {
        QStringList rule;
        for (bool right : t.rightAligned)
            rule.append(right ? QStringLiteral("--:") : QStringLiteral(":--"));
        QString text = row(t.header) + QStringLiteral("|") + rule.join(QLatin1Char('|')) + QStringLiteral("|\n");
        for (const QStringList& r : t.rows)
            text += row(r);
        return text;
    };
    QString out = QStringLiteral("**") + escape(Report::title(result)) + QStringLiteral("**\n\n");
    out += table(Report::summary(result));
    if (const Report::Table lost = Report::losses(result); !lost.rows.isEmpty())
        out += QStringLiteral("\nWhere the time went (% of workers × wall time, the median repeat):\n\n") + table(lost);
    const QStringList notes = Report::notes(result);
    if (!notes.isEmpty() || !result.warnings.isEmpty())
        out += QLatin1Char('\n');
    for (const QString& n : notes)
        out += QStringLiteral("- ") + escape(n) + QLatin1Char('\n');
    for (const QString& w : result.warnings)
        out += QStringLiteral("- ⚠ ") + escape(w) + QLatin1Char('\n');
    return out;
}

} // namespace parlab
