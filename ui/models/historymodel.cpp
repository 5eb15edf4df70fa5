#include "historymodel.h"

#include "charts/chartstyle.h"
#include "export/formatting.h"
#include "history/gate.h"
#include "unknown.h"

#include <QColor>
#include <QFont>
#include <QGuiApplication>
#include <QHash>
#include <QPalette>
#include <cmath>

namespace parlab {

namespace {
bool sameSummary(const RunSummary& a, const RunSummary& b)
{
    return a.id == b.id && a.created == b.created && a.name == b.name && a.note == b.note && a.kernel == b.kernel
        && a.inputs == b.inputs && a.backends == b.backends && a.workers == b.workers
        && a.measurements == b.measurements && a.samples == b.samples && sameNumber(a.bestSpeedup, b.bestSpeedup)
        && a.bestLabel == b.bestLabel && a.status == b.status && a.error == b.error && a.source == b.source
        && a.gate == b.gate;
}

// Runs that did not end well stand out: in colour and in bold.
bool standsOut(RunStatus status)
{
    return status == RunStatus::Failed || status == RunStatus::Interrupted;
}

QColor statusColor(RunStatus status, const QPalette& palette)
{
    switch (status) {
    case RunStatus::Running:
        return ChartStyle::color(Palette::judgement(Palette::Judgement::UnderWay), palette);
    case RunStatus::Finished:
        return ChartStyle::color(Palette::judgement(Palette::Judgement::Good), palette);
    case RunStatus::Cancelled:
        return ChartStyle::referenceColor(palette);
    case RunStatus::Failed:
        return ChartStyle::color(Palette::judgement(Palette::Judgement::Bad), palette);
    case RunStatus::Interrupted:
        return ChartStyle::color(Palette::judgement(Palette::Judgement::Unsure), palette);
    }
    return palette.color(QPalette::Text);
}

QString workersText(const QList<int>& workers)
{
    QStringList parts;
    for (int w : workers)
        parts.append(QString::number(w));
    return parts.join(QStringLiteral(", "));
}

QString firstLine(const QString& text)
{
    const qsizetype end = text.indexOf(QLatin1Char('\n'));
    return end < 0 ? text : text.left(end) + QStringLiteral(" …");
}

QString statusExplanation(const RunSummary& run)
{
    switch (run.status) {
    case RunStatus::Running:
        return HistoryModel::tr("Running: still being recorded");
    case RunStatus::Finished:
        return HistoryModel::tr("Finished");
    case RunStatus::Cancelled:
        return HistoryModel::tr("Cancelled: stopped by the user; the measurements completed before are kept");
    case RunStatus::Failed:
        return run.error.isEmpty() ? HistoryModel::tr("Failed") : HistoryModel::tr("Failed: %1").arg(run.error);
    case RunStatus::Interrupted:
        return HistoryModel::tr("Interrupted: the program recording it ended before the run finished (crash, kill "
                                "or power loss); the %n measurement(s) saved before are kept",
            nullptr, run.measurements);
    }
    return {};
}

// What the outcome of the enforced regression gate that judged a run means for later gates.
QString gateExplanation(const QString& gate)
{
    if (gate == gateOutcomeName(Gate::Outcome::Fail))
        return HistoryModel::tr("Regression gate: fail; later gates leave this run out of the run-to-run noise");
    return HistoryModel::tr("Regression gate: %1").arg(gate);
}

QString toolTip(const RunSummary& run)
{
    QStringList lines;
    lines.append(HistoryModel::describe(run));
    lines.append(statusExplanation(run));
    if (!run.gate.isEmpty())
        lines.append(gateExplanation(run.gate));
    if (std::isfinite(run.bestSpeedup))
        lines.append(HistoryModel::tr("Best speedup %1 (%2)").arg(Format::speedup(run.bestSpeedup), run.bestLabel));
    lines.append(
        HistoryModel::tr("Workers %1; %n combination(s)", nullptr, run.measurements).arg(workersText(run.workers))
        + HistoryModel::tr(", %n sample(s)", nullptr, run.samples));
    if (!run.source.isEmpty())
        lines.append(HistoryModel::tr("Imported from %1").arg(run.source));
    if (!run.note.isEmpty())
        lines.append(HistoryModel::tr("Note: %1").arg(run.note));
    return lines.join(QLatin1Char('\n'));
}

bool isNumericHistoryColumn(int column)
{
    return column == HistoryModel::Id || column == HistoryModel::BestSpeedup;
}
} // namespace

HistoryModel::HistoryModel(QObject* parent)
    : QAbstractTableModel(parent)
{ }

HistoryModel::~HistoryModel() = default;

Result<void> HistoryModel::refresh(HistoryStore* store)
{
    if (!store || !store->isOpen()) {
        setRuns({});
        return {};
    }
    const Result<QList<RunSummary>> runs = store->runs();
    if (!runs)
        return fail(runs.error());
    setRuns(*runs);
    return {};
}

void HistoryModel::setRuns(const QList<RunSummary>& runs)
{
    if (m_rows.isEmpty() || runs.isEmpty()) {
        if (m_rows.isEmpty() && runs.isEmpty())
            return;
        beginResetModel();
        m_rows = runs;
        endResetModel();
        return;
    }

    QHash<qint64, qsizetype> incomingRow;
    for (qsizetype i = 0; i < runs.size(); ++i)
        incomingRow.insert(runs.at(i).id, i);

    // Rows that left: removed in contiguous blocks from the bottom so earlier row numbers stay valid.
    for (qsizetype row = m_rows.size() - 1; row >= 0;) {
        if (incomingRow.contains(m_rows.at(row).id)) {
            --row;
            continue;
        }
        qsizetype first = row;
        while (first > 0 && !incomingRow.contains(m_rows.at(first - 1).id))
            --first;
        beginRemoveRows({}, int(first), int(row));
        m_rows.remove(first, row - first + 1);
        endRemoveRows();
        row = first - 1;
    }

    // The store lists runs in a fixed order, so the rows left are in the incoming order; should that ever not
    // hold, a reset is the honest signal.
    for (qsizetype i = 1; i < m_rows.size(); ++i) {
        if (incomingRow.value(m_rows.at(i - 1).id) > incomingRow.value(m_rows.at(i).id)) {
            beginResetModel();
            m_rows = runs;
            endResetModel();
            return;
        }
    }

    // Merge: rows that stay are updated in place, new runs inserted where the store lists them.
    qsizetype row = 0;
    for (qsizetype i = 0; i < runs.size();) {
        if (row < m_rows.size() && m_rows.at(row).id == runs.at(i).id) {
            if (!sameSummary(m_rows.at(row), runs.at(i))) {
                m_rows[row] = runs.at(i);
                Q_EMIT dataChanged(index(int(row), 0), index(int(row), ColumnCount - 1));
            }
            ++row;
            ++i;
            continue;
        }
        qsizetype end = i;
        while (end < runs.size() && (row >= m_rows.size() || runs.at(end).id != m_rows.at(row).id))
            ++end;
        beginInsertRows({}, int(row), int(row + (end - i) - 1));
        for (qsizetype k = i; k < end; ++k)
            m_rows.insert(row + (k - i), runs.at(k));
        endInsertRows();
        row += end - i;
        i = end;
    }
}

const RunSummary* HistoryModel::runAt(int row) const
{
    return row >= 0 && row < m_rows.size() ? &m_rows.at(row) : nullptr;
}

int HistoryModel::rowOf(qint64 id) const
{
    for (qsizetype i = 0; i < m_rows.size(); ++i) {
        if (m_rows.at(i).id == id)
            return int(i);
    }
    return -1;
}

QString HistoryModel::dateText(const QDateTime& created)
{
    return created.isValid() ? created.toLocalTime().toString(QStringLiteral("yyyy-MM-dd hh:mm")) : tr("unknown date");
}

QString HistoryModel::describe(const RunSummary& run)
{
    const QString what = run.inputs.isEmpty() ? run.kernel : run.kernel + QLatin1Char(' ') + run.inputs;
    if (run.name.isEmpty())
        return tr("#%1 (%2, %3)").arg(QString::number(run.id), what, dateText(run.created));
    return tr("#%1 “%2” (%3, %4)").arg(QString::number(run.id), run.name, what, dateText(run.created));
}

int HistoryModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int HistoryModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant HistoryModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const RunSummary& run = m_rows.at(index.row());
    const int column = index.column();

    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case Id:
            return QString::number(run.id);
        case Date:
            return dateText(run.created);
        case Name:
            return run.name;
        case Kernel:
            return run.kernel;
        case Inputs:
            return run.inputs;
        case Backends:
            return run.backends.join(QStringLiteral(", "));
        case BestSpeedup:
            return Format::speedup(run.bestSpeedup);
        case Status:
            return run.statusText();
        case Note:
            return firstLine(run.note);
        default:
            return {};
        }
    case SortRole:
        switch (column) {
        case Id:
            return run.id;
        case Date:
            return run.created.toMSecsSinceEpoch();
        case Name:
            return run.name;
        case Kernel:
            return run.kernel;
        case Inputs:
            return run.inputs;
        case Backends:
            return run.backends.join(QStringLiteral(", "));
        case BestSpeedup:
            // Runs without a speedup sort below every run with one.
            return std::isfinite(run.bestSpeedup) ? run.bestSpeedup : -1.0;
        case Status:
            return run.statusText();
        case Note:
            return run.note;
        default:
            return {};
        }
    case FilterRole:
        return QStringList { run.name, run.kernel, run.backends.join(QLatin1Char(' ')), run.statusText(), run.note,
            run.source }
            .join(QLatin1Char('\n'));
    case IdRole:
        return run.id;
    case Qt::ToolTipRole:
        return toolTip(run);
    case Qt::TextAlignmentRole:
        return isNumericHistoryColumn(column) ? QVariant(Qt::AlignRight | Qt::AlignVCenter)
                                              : QVariant(Qt::AlignLeft | Qt::AlignVCenter);
    case Qt::DecorationRole:
        if (column == Status)
            return statusColor(run.status, QGuiApplication::palette());
        return {};
    case Qt::ForegroundRole:
        if (standsOut(run.status))
            return statusColor(run.status, QGuiApplication::palette());
        // A regression the gate caught stands out where the status says so.
        if (column == Status && run.gate == gateOutcomeName(Gate::Outcome::Fail))
            return ChartStyle::color(Palette::judgement(Palette::Judgement::Bad), QGuiApplication::palette());
        return {};
    case Qt::FontRole:
        if (column == Status && standsOut(run.status)) {
            QFont font;
            font.setBold(true);
            return font;
        }
        return {};
    default:
        return {};
    }
}

QVariant HistoryModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return QAbstractTableModel::headerData(section, orientation, role);
    if (role == Qt::TextAlignmentRole)
        return isNumericHistoryColumn(section) ? QVariant(Qt::AlignRight | Qt::AlignVCenter)
                                               : QVariant(Qt::AlignLeft | Qt::AlignVCenter);
    if (role == Qt::DisplayRole) {
        switch (section) {
        case Id:
            return tr("#");
        case Date:
            return tr("Date");
        case Name:
            return tr("Name");
        case Kernel:
            return tr("Kernel");
        case Inputs:
            return tr("Inputs");
        case Backends:
            return tr("Backends");
        case BestSpeedup:
            return tr("Best speedup");
        case Status:
            return tr("Status");
        case Note:
            return tr("Note");
        default:
            return {};
        }
    }
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case Id:
            return tr("The run's number in the history (parlab history show N)");
        case BestSpeedup:
            return tr("The highest speedup any backend reached in the run");
        case Status:
            return tr("finished, running, cancelled, failed, or interrupted (the program recording it ended early)");
        default:
            return {};
        }
    }
    return {};
}

} // namespace parlab
