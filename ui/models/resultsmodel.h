#pragma once

#include "measurement.h"
#include "runoptions.h"

#include <QAbstractTableModel>
#include <QList>
#include <QMap>

namespace parlab {

struct RunResult;

// The results table: one row per (backend, workers) measurement that has samples. Rows are updated in
// place as a run streams in, so selections and scroll positions survive; SortRole gives raw numbers so a
// QSortFilterProxyModel sorts 10.0 after 9.0.
class ResultsModel final : public QAbstractTableModel {
    Q_OBJECT
public:
    // Each column's header, tooltip, value and format are one entry of the column table in resultsmodel.cpp.
    enum Column {
        Backend,
        Workers,
        Median,
        StdDev,
        Min,
        Max,
        Cpu,
        Speedup,
        SpeedupLow,
        SpeedupHigh,
        Efficiency,
        Lost,
        LptBound,
        PeakRss,
        Switches,
        Samples,
        ColumnCount
    };
    static constexpr int SortRole = Qt::UserRole;

    // The name a column's choice (shown or hidden) is kept under in the settings: its header's untranslated text.
    static QString columnKey(int column);
    // Whether a column shows until the user chooses: the figures a reader compares first, which fit beside each
    // other in the window at 1280x800; the spread and the bounds are a right-click on the header away (and in the
    // cells' tooltips).
    static bool shownByDefault(int column);

    explicit ResultsModel(QObject* parent = nullptr);
    ~ResultsModel() override;

    // The run as it stands now: rows are matched by (backend, workers) and updated, inserted or removed in
    // place. Another run is not detected here: call clear() first, as the window does, so the view resets.
    void setResult(const RunResult& result);
    void clear();
    // nullptr for a row out of range; valid until the next setResult or clear.
    const Measurement* measurementAt(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QList<Measurement> m_rows;
    QMap<int, double> m_lpt; // workers -> lpt bound of the current result
    ScalingKind m_scaling {}; // of the current result: what its speedup and efficiency columns are called
};

} // namespace parlab
