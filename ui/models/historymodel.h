#pragma once

#include "history/historystore.h"

#include <QAbstractTableModel>
#include <QList>

namespace parlab {

// The History tab's table: one row per stored run, in the store's order (newest first). refresh() updates
// rows in place (removing, changing and inserting only what differs), so selections, the current row and
// the scroll position survive a refresh while a run is being recorded. SortRole gives raw values (dates as
// milliseconds, speedups as numbers) for a QSortFilterProxyModel; FilterRole, on every column, gives the
// text the History tab's filter searches.
class HistoryModel final : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Id, Date, Name, Kernel, Inputs, Backends, BestSpeedup, Status, Note, ColumnCount };
    static constexpr int SortRole = Qt::UserRole;
    static constexpr int FilterRole = Qt::UserRole + 1; // name, kernel, backends, status, note and source
    static constexpr int IdRole = Qt::UserRole + 2; // the run's id (qint64), on every column

    explicit HistoryModel(QObject* parent = nullptr);
    ~HistoryModel() override;

    // Re-reads the store's runs (none when it is closed). When they cannot be read the rows stay as they were
    // and the error says why.
    Result<void> refresh(HistoryStore* store);
    void setRuns(const QList<RunSummary>& runs);

    // nullptr for a row out of range; valid until the next refresh.
    const RunSummary* runAt(int row) const;
    // The row showing run `id`, or -1.
    int rowOf(qint64 id) const;

    // "#12 “before the fix” (fib 38..33, 2024-05-01 10:22)": a run named in dialogs and headings.
    static QString describe(const RunSummary& run);
    // "2024-05-01 10:22", local time.
    static QString dateText(const QDateTime& created);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QList<RunSummary> m_rows;
};

} // namespace parlab
