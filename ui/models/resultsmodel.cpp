#include "resultsmodel.h"

#include "charts/chartstyle.h"
#include "export/formatting.h"
#include "export/texttable.h"
#include "measurement.h"
#include "resourceusage.h"
#include "runresult.h"
#include "stats/losses.h"
#include "unknown.h"

#include <QColor>
#include <QGuiApplication>
#include <QPalette>
#include <QStringList>
#include <cmath>
#include <iterator>

namespace parlab {

namespace {
bool keep(const Measurement& m)
{
    // A combination with no successful repeat has nothing to show yet; its failures appear in the warnings.
    return !m.samplesS.isEmpty();
}

// How a column's value reads; its display format, the type of its sort value and its alignment follow.
enum class Shown {
    Text, // a QString, left-aligned
    Count, // a whole number: an int, or a double where it may be unknown (NaN)
    Duration, // seconds, as "550.0 ms"
    Speedup, // times faster, as "1.87x"
    Percent, // a fraction, as "93%"
    Bytes, // memory, as "612 MiB"
};

QString speedupToolTip(const Measurement& m)
{
    if (!std::isfinite(m.speedupLow) || !std::isfinite(m.speedupHigh))
        return ResultsModel::tr("Speedup %1; no confidence interval yet (needs more samples)")
            .arg(Format::speedup(m.speedup));
    return ResultsModel::tr("Speedup %1, 95% confidence interval %2 – %3 (bootstrap over both sample sets)")
        .arg(Format::speedup(m.speedup), Format::speedup(m.speedupLow), Format::speedup(m.speedupHigh));
}

// The spread beside the median, whose own columns are hidden at first.
QString medianToolTip(const Measurement& m)
{
    return ResultsModel::tr(
        "Median %1 ± %2 (standard deviation); fastest %3, slowest %4; %n repeat(s)", nullptr, int(m.samplesS.size()))
        .arg(Format::duration(m.wall.median), Format::duration(m.wall.stddev), Format::duration(m.wall.min),
            Format::duration(m.wall.max));
}

QString lptToolTip(const Measurement& m)
{
    return ResultsModel::tr("No schedule of these tasks on %n worker(s) can beat this speedup", nullptr, m.workers);
}

// What the peak and the switches are made of, in the latest repeat: the process that ran it, the runtime its tasks
// ran under, each worker process's own peak and its programs', and each worker's context switches; or why the peak
// is not known (the report's note).
QString usageToolTip(const Measurement& m)
{
    QStringList lines;
    if (const QString why = ResourceUsage::whyUnknown(m); !why.isEmpty())
        lines << ResultsModel::tr("Peak memory not known: %1").arg(why);
    else
        lines << ResultsModel::tr("Largest repeat's peak resident memory: %1, all processes together")
                     .arg(Format::bytes(m.peakRssBytes));
    if (m.usage.isEmpty())
        return lines.constFirst();
    const RepeatUsage& latest = m.usage.constLast();
    if (latest.processPeakRssBytes >= 0)
        lines << ResultsModel::tr("In the latest repeat, the process that ran it (ParLab): %1")
                     .arg(Format::bytes(double(latest.processPeakRssBytes)));
    if (latest.runtimePeakRssBytes >= 0)
        lines << ResultsModel::tr("the process its tasks ran under (the interpreter, mpirun): %1")
                     .arg(Format::bytes(double(latest.runtimePeakRssBytes)));
    for (const WorkerUsage& w : latest.workers) {
        QString line = ResultsModel::tr("worker %1 (pid %2)").arg(w.worker).arg(w.pid);
        if (w.peakRssBytes >= 0)
            line += ResultsModel::tr(": %1 of its own").arg(Format::bytes(double(w.peakRssBytes)));
        if (w.programPeakRssBytes >= 0)
            line += ResultsModel::tr("; the programs its tasks ran: up to %1")
                        .arg(Format::bytes(double(w.programPeakRssBytes)));
        if (w.voluntarySwitches >= 0)
            line += ResultsModel::tr("; context switches %1 voluntary (it blocked), %2 involuntary (preempted)")
                        .arg(w.voluntarySwitches)
                        .arg(w.involuntarySwitches);
        lines << line;
    }
    return lines.join(QLatin1Char('\n'));
}

// "1234/56": the median repeat's voluntary and involuntary switches, as the report's table shows them.
QString switchesText(const Measurement& m)
{
    return Report::switches(m.voluntarySwitches, m.involuntarySwitches);
}

QString samplesText(const Measurement& m)
{
    return m.failedRuns > 0 ? ResultsModel::tr("%1 (%2 failed)").arg(m.samplesS.size()).arg(m.failedRuns)
                            : QString::number(m.samplesS.size());
}

QString lostToolTip(const Measurement& m)
{
    if (!std::isfinite(m.losses.useful))
        return {};
    QStringList lines { Accounting::summary(m.losses) };
    for (const Accounting::Part& part : Accounting::parts()) {
        const double share = m.losses.*part.share;
        lines << ResultsModel::tr("%1: %2 — %3")
                     .arg(QLatin1String(part.label),
                         std::isfinite(share) ? Format::percent(share) : QStringLiteral("–"),
                         QLatin1String(part.meaning));
    }
    return lines.join(QLatin1Char('\n'));
}

QString samplesToolTip(const Measurement& m)
{
    return m.failedRuns > 0 ? ResultsModel::tr("%n repeat(s) failed: %1", nullptr, m.failedRuns).arg(m.lastError)
                            : QString();
}

using Lpt = QMap<int, double>;

// One column of the table, declared once: its header and the header's tooltip, how a row's value is read from
// its measurement, how it is shown, and whether it is a figure (a change of it, of its text or of its cell's
// tooltip repaints the row; keys and the bound, which comes from the run's bounds, are not figures). Adding a
// column is its name in ResultsModel::Column and one entry in kColumns.
// NOLINTNEXTLINE(clang-analyzer-optin.performance.Padding): one table of 16 entries, its fields in the order they read
struct ColumnInfo {
    ResultsModel::Column column = ResultsModel::Backend;
    Shown shown = Shown::Text;
    const char* header = nullptr;
    const char* toolTip = nullptr;
    // The raw value, also the SortRole: a QString (Text), an int (Count), else a double, NaN while unknown.
    QVariant (*value)(const Measurement& m, const Lpt& lpt) = nullptr;
    bool figure = false;
    // The cell's text where the format alone does not say it all; nullptr: the value as `shown`.
    QString (*text)(const Measurement& m) = nullptr;
    // The cell's tooltip; nullptr: none.
    QString (*cellToolTip)(const Measurement& m) = nullptr;
    // Hidden until the user shows it (ResultsModel::shownByDefault): a figure another column or a tooltip already
    // gives in part.
    bool hiddenByDefault = false;
};

constexpr ColumnInfo kColumns[] = {
    { .column = ResultsModel::Backend,
        .shown = Shown::Text,
        .header = QT_TRANSLATE_NOOP("parlab::ResultsModel", "Backend"),
        .toolTip = QT_TRANSLATE_NOOP("parlab::ResultsModel",
            "How the tasks ran (threads, processes, MPI ranks, ...), in the colour of its lines in the charts"),
        .value = [](const Measurement& m, const Lpt&) { return QVariant(m.backend); },
        .figure = false,
        // Where its workers ran and what launching them took (MPI), as the report's notes say it.
        .cellToolTip = Report::placement },
    { .column = ResultsModel::Workers,
        .shown = Shown::Count,
        .header = QT_TRANSLATE_NOOP("parlab::ResultsModel", "Workers"),
        .toolTip = QT_TRANSLATE_NOOP("parlab::ResultsModel", "Threads, processes or ranks the tasks were spread over"),
        .value = [](const Measurement& m, const Lpt&) { return QVariant(m.workers); },
        .figure = false },
    { .column = ResultsModel::Median,
        .shown = Shown::Duration,
        .header = QT_TRANSLATE_NOOP("parlab::ResultsModel", "Median"),
        .toolTip
        = QT_TRANSLATE_NOOP("parlab::ResultsModel", "Median wall-clock time of one repeat (s, ms or µs as shown)"),
        .value = [](const Measurement& m, const Lpt&) { return QVariant(m.wall.median); },
        .figure = true,
        .cellToolTip = medianToolTip },
    { .column = ResultsModel::StdDev,
        .shown = Shown::Duration,
        .header = QT_TRANSLATE_NOOP("parlab::ResultsModel", "Std dev"),
        .toolTip = QT_TRANSLATE_NOOP("parlab::ResultsModel", "Standard deviation of the repeats' wall-clock times"),
        .value = [](const Measurement& m, const Lpt&) { return QVariant(m.wall.stddev); },
        .figure = true,
        .hiddenByDefault = true },
    { .column = ResultsModel::Min,
        .shown = Shown::Duration,
        .header = QT_TRANSLATE_NOOP("parlab::ResultsModel", "Min"),
        .toolTip = QT_TRANSLATE_NOOP("parlab::ResultsModel", "Fastest repeat's wall-clock time"),
        .value = [](const Measurement& m, const Lpt&) { return QVariant(m.wall.min); },
        .figure = true,
        .hiddenByDefault = true },
    { .column = ResultsModel::Max,
        .shown = Shown::Duration,
        .header = QT_TRANSLATE_NOOP("parlab::ResultsModel", "Max"),
        .toolTip = QT_TRANSLATE_NOOP("parlab::ResultsModel", "Slowest repeat's wall-clock time"),
        .value = [](const Measurement& m, const Lpt&) { return QVariant(m.wall.max); },
        .figure = true,
        .hiddenByDefault = true },
    { .column = ResultsModel::Cpu,
        .shown = Shown::Duration,
        .header = QT_TRANSLATE_NOOP("parlab::ResultsModel", "CPU"),
        .toolTip = QT_TRANSLATE_NOOP(
            "parlab::ResultsModel", "Median CPU time (user + system, child processes included) of one repeat"),
        .value = [](const Measurement& m, const Lpt&) { return QVariant(m.cpuMedianS); },
        .figure = true },
    { .column = ResultsModel::Speedup,
        .shown = Shown::Speedup,
        .header = QT_TRANSLATE_NOOP("parlab::ResultsModel", "Speedup"),
        .toolTip = QT_TRANSLATE_NOOP("parlab::ResultsModel", "Median sequential time / median time (times faster)"),
        .value = [](const Measurement& m, const Lpt&) { return QVariant(m.speedup); },
        .figure = true,
        .cellToolTip = speedupToolTip },
    { .column = ResultsModel::SpeedupLow,
        .shown = Shown::Speedup,
        .header = QT_TRANSLATE_NOOP("parlab::ResultsModel", "CI low"),
        .toolTip
        = QT_TRANSLATE_NOOP("parlab::ResultsModel", "Lower end of the speedup's 95% confidence interval (bootstrap)"),
        .value = [](const Measurement& m, const Lpt&) { return QVariant(m.speedupLow); },
        .figure = true,
        .cellToolTip = speedupToolTip,
        .hiddenByDefault = true },
    { .column = ResultsModel::SpeedupHigh,
        .shown = Shown::Speedup,
        .header = QT_TRANSLATE_NOOP("parlab::ResultsModel", "CI high"),
        .toolTip
        = QT_TRANSLATE_NOOP("parlab::ResultsModel", "Upper end of the speedup's 95% confidence interval (bootstrap)"),
        .value = [](const Measurement& m, const Lpt&) { return QVariant(m.speedupHigh); },
        .figure = true,
        .cellToolTip = speedupToolTip,
        .hiddenByDefault = true },
    { .column = ResultsModel::Efficiency,
        .shown = Shown::Percent,
        .header = QT_TRANSLATE_NOOP("parlab::ResultsModel", "Efficiency"),
        .toolTip = QT_TRANSLATE_NOOP("parlab::ResultsModel", "Speedup / workers, in percent"),
        .value = [](const Measurement& m, const Lpt&) { return QVariant(m.efficiency); },
        .figure = true },
    { .column = ResultsModel::Lost,
        .shown = Shown::Percent,
        .header = QT_TRANSLATE_NOOP("parlab::ResultsModel", "Lost"),
        .toolTip = QT_TRANSLATE_NOOP("parlab::ResultsModel",
            "Share of workers × wall time that did not do the baseline's work, in the median repeat; the cell's "
            "tooltip says where it went"),
        .value = [](const Measurement& m, const Lpt&) { return QVariant(1.0 - m.losses.useful); },
        .figure = true,
        .cellToolTip = lostToolTip },
    { .column = ResultsModel::LptBound,
        .shown = Shown::Speedup,
        .header = QT_TRANSLATE_NOOP("parlab::ResultsModel", "LPT bound"),
        .toolTip = QT_TRANSLATE_NOOP(
            "parlab::ResultsModel", "Best speedup any schedule of these tasks could reach (longest task first)"),
        .value = [](const Measurement& m, const Lpt& lpt) { return QVariant(lpt.value(m.workers, kUnknown)); },
        .figure = false,
        .cellToolTip = lptToolTip,
        .hiddenByDefault = true },
    { .column = ResultsModel::PeakRss,
        .shown = Shown::Bytes,
        .header = QT_TRANSLATE_NOOP("parlab::ResultsModel", "Peak RSS"),
        .toolTip = QT_TRANSLATE_NOOP("parlab::ResultsModel",
            "Peak resident memory of the largest repeat: ParLab's own plus each worker process's and the programs "
            "its tasks ran; the cell's tooltip has each worker's, or why it is not known"),
        .value = [](const Measurement& m, const Lpt&) { return QVariant(m.peakRssBytes); },
        .figure = true,
        .cellToolTip = usageToolTip },
    { .column = ResultsModel::Switches,
        .shown = Shown::Count,
        .header = QT_TRANSLATE_NOOP("parlab::ResultsModel", "Switches v/i"),
        .toolTip = QT_TRANSLATE_NOOP("parlab::ResultsModel",
            "Context switches in the median repeat, all workers together: voluntary (a worker blocked: sleep, I/O, a "
            "lock, waiting for work) / involuntary (preempted); sorted by their sum; the cell's tooltip has each "
            "worker's"),
        .value = [](const Measurement& m, const Lpt&) { return QVariant(m.voluntarySwitches + m.involuntarySwitches); },
        .figure = true,
        .text = switchesText,
        .cellToolTip = usageToolTip },
    { .column = ResultsModel::Samples,
        .shown = Shown::Count,
        .header = QT_TRANSLATE_NOOP("parlab::ResultsModel", "Samples"),
        .toolTip = QT_TRANSLATE_NOOP("parlab::ResultsModel", "Successful repeats measured"),
        .value = [](const Measurement& m, const Lpt&) { return QVariant(int(m.samplesS.size())); },
        .figure = true,
        .text = samplesText,
        .cellToolTip = samplesToolTip },
};

constexpr bool inColumnOrder()
{
    for (int i = 0; i < int(std::size(kColumns)); ++i) {
        if (kColumns[i].column != i)
            return false;
    }
    return true;
}
static_assert(std::size(kColumns) == ResultsModel::ColumnCount && inColumnOrder(),
    "kColumns has one entry per ResultsModel::Column, in its order");

const ColumnInfo& columnInfo(int column)
{
    return kColumns[column];
}

QString cellText(const ColumnInfo& c, const Measurement& m, const Lpt& lpt)
{
    if (c.text)
        return c.text(m);
    const QVariant value = c.value(m, lpt);
    switch (c.shown) {
    case Shown::Text:
        return value.toString();
    case Shown::Count:
        return QString::number(value.toInt());
    case Shown::Duration:
        return Format::duration(value.toDouble());
    case Shown::Speedup:
        return Format::speedup(value.toDouble());
    case Shown::Percent:
        return Format::percent(value.toDouble());
    case Shown::Bytes:
        return Format::bytes(value.toDouble());
    }
    return {};
}

QVariant columnAlignment(const ColumnInfo& c)
{
    return c.shown == Shown::Text ? QVariant(Qt::AlignLeft | Qt::AlignVCenter)
                                  : QVariant(Qt::AlignRight | Qt::AlignVCenter);
}

// Whether a row's visible figures changed (a new baseline sample changes every speedup): each figure column's
// value, and its text and cell tooltip where the value alone does not decide them (the Samples cell's failures).
bool sameFigures(const Measurement& a, const Measurement& b)
{
    const Lpt none;
    for (const ColumnInfo& c : kColumns) {
        if (!c.figure)
            continue;
        if (!sameNumber(c.value(a, none).toDouble(), c.value(b, none).toDouble()))
            return false;
        if (c.text && c.text(a) != c.text(b))
            return false;
        if (c.cellToolTip && c.cellToolTip(a) != c.cellToolTip(b))
            return false;
    }
    return true;
}

bool sameKey(const Measurement& a, const Measurement& b)
{
    return a.workers == b.workers && a.backend == b.backend;
}

bool sameLpt(const Lpt& a, const Lpt& b)
{
    if (a.size() != b.size())
        return false;
    for (auto i = a.cbegin(), j = b.cbegin(); i != a.cend(); ++i, ++j) {
        if (i.key() != j.key() || !sameNumber(i.value(), j.value()))
            return false;
    }
    return true;
}
} // namespace

QString ResultsModel::columnKey(int column)
{
    return QLatin1String(columnInfo(column).header);
}

bool ResultsModel::shownByDefault(int column)
{
    return !columnInfo(column).hiddenByDefault;
}

ResultsModel::ResultsModel(QObject* parent)
    : QAbstractTableModel(parent)
{ }

ResultsModel::~ResultsModel() = default;

void ResultsModel::setResult(const RunResult& result)
{
    QList<Measurement> incoming;
    incoming.reserve(result.measurements.size());
    for (const Measurement& m : result.measurements) {
        if (keep(m))
            incoming.append(m);
    }

    auto indexIn = [](const QList<Measurement>& list, const Measurement& m) {
        for (qsizetype i = 0; i < list.size(); ++i) {
            if (sameKey(list.at(i), m))
                return i;
        }
        return qsizetype(-1);
    };

    // Rows that left: removed in contiguous blocks from the bottom so earlier row numbers stay valid.
    for (qsizetype row = m_rows.size() - 1; row >= 0;) {
        if (indexIn(incoming, m_rows.at(row)) >= 0) {
            --row;
            continue;
        }
        qsizetype first = row;
        while (first > 0 && indexIn(incoming, m_rows.at(first - 1)) < 0)
            --first;
        beginRemoveRows({}, int(first), int(row));
        m_rows.remove(first, row - first + 1);
        endRemoveRows();
        row = first - 1;
    }

    // Rows that stay keep their place (selections and scroll positions survive); changed ones are reported.
    const bool lptChanged = !sameLpt(m_lpt, result.bounds.lpt);
    m_lpt = result.bounds.lpt;
    if (result.spec.options.scaling != m_scaling) {
        m_scaling = result.spec.options.scaling;
        Q_EMIT headerDataChanged(Qt::Horizontal, Speedup, Efficiency);
    }
    int firstChanged = -1;
    int lastChanged = -1;
    QList<Measurement> added;
    for (const Measurement& m : std::as_const(incoming)) {
        const qsizetype row = indexIn(m_rows, m);
        if (row < 0) {
            added.append(m);
            continue;
        }
        if (!sameFigures(m_rows.at(row), m)) {
            firstChanged = firstChanged < 0 ? int(row) : std::min(firstChanged, int(row));
            lastChanged = std::max(lastChanged, int(row));
        }
        m_rows[row] = m;
    }
    if (firstChanged >= 0)
        Q_EMIT dataChanged(index(firstChanged, 0), index(lastChanged, ColumnCount - 1));
    if (lptChanged && !m_rows.isEmpty())
        Q_EMIT dataChanged(index(0, LptBound), index(int(m_rows.size()) - 1, LptBound));

    if (!added.isEmpty()) {
        const int first = int(m_rows.size());
        beginInsertRows({}, first, first + int(added.size()) - 1);
        m_rows.append(added);
        endInsertRows();
    }
}

void ResultsModel::clear()
{
    if (m_rows.isEmpty()) {
        m_lpt.clear();
        return;
    }
    beginResetModel();
    m_rows.clear();
    m_lpt.clear();
    endResetModel();
}

const Measurement* ResultsModel::measurementAt(int row) const
{
    return row >= 0 && row < m_rows.size() ? &m_rows.at(row) : nullptr;
}

int ResultsModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int ResultsModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ResultsModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Measurement& m = m_rows.at(index.row());
    const ColumnInfo& c = columnInfo(index.column());

    switch (role) {
    case Qt::DisplayRole:
        return cellText(c, m, m_lpt);
    case SortRole: {
        QVariant value = c.value(m, m_lpt);
        if (value.typeId() == QMetaType::Double && !std::isfinite(value.toDouble()))
            return {};
        return value;
    }
    case Qt::TextAlignmentRole:
        return columnAlignment(c);
    case Qt::DecorationRole:
        // The same colour as the backend's lines in the charts, so table and charts read together.
        if (c.column == Backend)
            return ChartStyle::backendColor(m.backend, QGuiApplication::palette());
        return {};
    case Qt::ToolTipRole: {
        const QString tip = c.cellToolTip ? c.cellToolTip(m) : QString();
        return tip.isEmpty() ? QVariant() : QVariant(tip);
    }
    default:
        return {};
    }
}

QVariant ResultsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount)
        return QAbstractTableModel::headerData(section, orientation, role);
    const ColumnInfo& c = columnInfo(section);
    // A weak run's speedup and efficiency are other figures, under their own names (Format::figureNames).
    const Format::FigureNames& weak = Format::figureNames(ScalingKind::Weak);
    const bool renamed = m_scaling == ScalingKind::Weak && (section == Speedup || section == Efficiency);
    switch (role) {
    case Qt::DisplayRole:
        if (renamed)
            return Format::capitalised(section == Speedup ? weak.speedup : weak.efficiency);
        return tr(c.header);
    case Qt::ToolTipRole:
        if (renamed)
            return Format::capitalised(section == Speedup ? weak.speedupMeaning : weak.efficiencyMeaning);
        return tr(c.toolTip);
    case Qt::TextAlignmentRole:
        return columnAlignment(c);
    default:
        return {};
    }
}

} // namespace parlab
