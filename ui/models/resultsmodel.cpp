#include "resultsmodel.h"

#include "charts/chartstyle.h"
#include "export/formatting.h"
#include "runresult.h"
#include "unknown.h"

#include <QColor>
#include <QGuiApplication>
#include <QPalette>
#include <cmath>

namespace parlab {

namespace {
bool keep(const Measurement& m)
{
    // A combination with no successful repeat has nothing to show yet; its failures appear in the warnings.
    return !m.samplesS.isEmpty();
}

// Whether a row's visible figures changed; samples decide most of them, analysis the rest (a new baseline
// sample changes every speedup).
bool sameFigures(const Measurement& a, const Measurement& b)
{
    return a.samplesS == b.samplesS && a.cpuS == b.cpuS && a.failedRuns == b.failedRuns && a.lastError == b.lastError
        && sameNumber(a.wall.median, b.wall.median) && sameNumber(a.wall.stddev, b.wall.stddev)
        && sameNumber(a.wall.min, b.wall.min) && sameNumber(a.wall.max, b.wall.max)
        && sameNumber(a.cpuMedianS, b.cpuMedianS) && sameNumber(a.speedup, b.speedup)
        && sameNumber(a.speedupLow, b.speedupLow) && sameNumber(a.speedupHigh, b.speedupHigh)
        && sameNumber(a.efficiency, b.efficiency) && sameNumber(a.imbalance, b.imbalance);
}

bool sameKey(const Measurement& a, const Measurement& b)
{
    return a.workers == b.workers && a.backend == b.backend;
}

bool sameLpt(const QMap<int, double>& a, const QMap<int, double>& b)
{
    if (a.size() != b.size())
        return false;
    for (auto i = a.cbegin(), j = b.cbegin(); i != a.cend(); ++i, ++j) {
        if (i.key() != j.key() || !sameNumber(i.value(), j.value()))
            return false;
    }
    return true;
}

bool isNumericResultsColumn(int column)
{
    return column != ResultsModel::Backend;
}
} // namespace

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

double ResultsModel::rawValue(const Measurement& m, int column) const
{
    switch (column) {
    case Workers:
        return m.workers;
    case Median:
        return m.wall.median;
    case StdDev:
        return m.wall.stddev;
    case Min:
        return m.wall.min;
    case Max:
        return m.wall.max;
    case Cpu:
        return m.cpuMedianS;
    case Speedup:
        return m.speedup;
    case SpeedupLow:
        return m.speedupLow;
    case SpeedupHigh:
        return m.speedupHigh;
    case Efficiency:
        return m.efficiency;
    case Imbalance:
        return m.imbalance;
    case LptBound:
        return m_lpt.value(m.workers, kUnknown);
    case Samples:
        return double(m.samplesS.size());
    default:
        return kUnknown;
    }
}

QString ResultsModel::displayText(const Measurement& m, int column) const
{
    switch (column) {
    case Backend:
        return m.backend;
    case Workers:
        return QString::number(m.workers);
    case Median:
    case StdDev:
    case Min:
    case Max:
    case Cpu:
        return Format::duration(rawValue(m, column));
    case Speedup:
    case SpeedupLow:
    case SpeedupHigh:
    case LptBound:
        return Format::speedup(rawValue(m, column));
    case Efficiency:
        return Format::percent(m.efficiency);
    case Imbalance:
        return Format::percent(m.imbalance);
    case Samples:
        return m.failedRuns > 0 ? QStringLiteral("%1 (%2 failed)").arg(m.samplesS.size()).arg(m.failedRuns)
                                : QString::number(m.samplesS.size());
    default:
        return {};
    }
}

QVariant ResultsModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Measurement& m = m_rows.at(index.row());
    const int column = index.column();

    switch (role) {
    case Qt::DisplayRole:
        return displayText(m, column);
    case SortRole: {
        if (column == Backend)
            return m.backend;
        if (column == Workers || column == Samples)
            return int(rawValue(m, column));
        const double value = rawValue(m, column);
        return std::isfinite(value) ? QVariant(value) : QVariant();
    }
    case Qt::TextAlignmentRole:
        return isNumericResultsColumn(column) ? QVariant(Qt::AlignRight | Qt::AlignVCenter)
                                              : QVariant(Qt::AlignLeft | Qt::AlignVCenter);
    case Qt::DecorationRole:
        // The same colour as the backend's lines in the charts, so table and charts read together.
        if (column == Backend)
            return ChartStyle::backendColor(m.backend, QGuiApplication::palette());
        return {};
    case Qt::ToolTipRole:
        if (column == Speedup || column == SpeedupLow || column == SpeedupHigh) {
            if (!std::isfinite(m.speedupLow) || !std::isfinite(m.speedupHigh))
                return tr("Speedup %1; no confidence interval yet (needs more samples)")
                    .arg(Format::speedup(m.speedup));
            return tr("Speedup %1, 95% confidence interval %2 – %3 (bootstrap over both sample sets)")
                .arg(Format::speedup(m.speedup), Format::speedup(m.speedupLow), Format::speedup(m.speedupHigh));
        }
        if (column == Samples && m.failedRuns > 0)
            return tr("%n repeat(s) failed: %1", nullptr, m.failedRuns).arg(m.lastError);
        if (column == LptBound)
            return tr("No schedule of these tasks on %n worker(s) can beat this speedup", nullptr, m.workers);
        return {};
    default:
        return {};
    }
}

QVariant ResultsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return QAbstractTableModel::headerData(section, orientation, role);
    if (role == Qt::TextAlignmentRole)
        return isNumericResultsColumn(section) ? QVariant(Qt::AlignRight | Qt::AlignVCenter)
                                               : QVariant(Qt::AlignLeft | Qt::AlignVCenter);
    if (role == Qt::DisplayRole) {
        switch (section) {
        case Backend:
            return tr("Backend");
        case Workers:
            return tr("Workers");
        case Median:
            return tr("Median (wall)");
        case StdDev:
            return tr("Std dev (wall)");
        case Min:
            return tr("Min (wall)");
        case Max:
            return tr("Max (wall)");
        case Cpu:
            return tr("CPU (median)");
        case Speedup:
            return tr("Speedup (x)");
        case SpeedupLow:
            return tr("CI low (x)");
        case SpeedupHigh:
            return tr("CI high (x)");
        case Efficiency:
            return tr("Efficiency (%)");
        case Imbalance:
            return tr("Imbalance (%)");
        case LptBound:
            return tr("LPT bound (x)");
        case Samples:
            return tr("Samples");
        default:
            return {};
        }
    }
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case Median:
        case StdDev:
        case Min:
        case Max:
            return tr("Wall-clock time of one repeat (s, ms or µs as shown)");
        case Cpu:
            return tr("Median CPU time (user + system, child processes included) of one repeat");
        case Speedup:
            return tr("Median sequential time / median time (times faster)");
        case SpeedupLow:
        case SpeedupHigh:
            return tr("95% confidence interval of the speedup (bootstrap)");
        case Efficiency:
            return tr("Speedup / workers, in percent");
        case Imbalance:
            return tr("Worker time idle after each worker's last task until the last one ended, in percent of "
                      "workers × wall time (latest repeat): what uneven tasks cost");
        case LptBound:
            return tr("Best speedup any schedule of these tasks could reach (longest task first)");
        case Samples:
            return tr("Successful repeats measured");
        default:
            return {};
        }
    }
    return {};
}

} // namespace parlab
