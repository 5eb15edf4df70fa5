#pragma once

#include "result.h"

#include <QKeySequence>
#include <QList>
#include <QString>
#include <QStringList>
#include <QWidget>

class QAction;
class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QTableView;

namespace parlab {

class ComparisonView;
struct RunResult;
class HistoryModel;
class HistoryStore;

// The History tab: every stored run with its date, kernel, inputs, backends, best speedup and status,
// filtered by a substring of its kernel, name, backends, status or note. From here a run is opened (the
// window loads it back into the charts, table and timeline), two runs are compared, a run is renamed,
// annotated, exported or deleted (after a confirmation naming it), and JSON exports are imported.
//
// The store is local SQLite and used from the thread that opened it, the UI thread: reads take
// milliseconds, so the panel calls it directly. A closed store (history disabled or unwritable) leaves the
// panel showing why, with every action disabled.
class HistoryPanel final : public QWidget {
    Q_OBJECT
public:
    // `store` must outlive the panel; it may be closed.
    explicit HistoryPanel(HistoryStore* store, QWidget* parent = nullptr);
    ~HistoryPanel() override;

    HistoryStore* store() const { return m_store; }
    // Re-reads the runs, keeping the selection, and updates the actions and the status line.
    void refresh();
    // The selected runs, in the order shown.
    QList<qint64> selectedRunIds() const;
    // Selects exactly these runs (those shown) and makes the first one current.
    void selectRuns(const QList<qint64>& ids);
    // A problem with history to show under the table (the reason open() gave, RunSession::historyFailed);
    // "" clears it.
    void setWarning(const QString& message);

    // The operations behind the actions, without dialogs. Each fails with a message naming the run or file and
    // the reason.
    Result<void> renameRun(qint64 id, const QString& name);
    Result<void> setRunNote(qint64 id, const QString& note);
    // Deletes what it can; the error names every run that could not be deleted, one per line.
    Result<void> deleteRuns(const QList<qint64>& ids);
    // The format follows the suffix: .json (JsonExport's schema) or .html (HtmlReport: one file, opens offline).
    Result<void> exportRun(qint64 id, const QString& path);
    // Imports one JSON export; the new run's id.
    Result<qint64> importFile(const QString& path);
    // Opens (and shows) a comparison of the two runs, the older one as A; fails when a run cannot be loaded.
    // The view is a child window of the panel and deletes itself when closed.
    Result<ComparisonView*> compareRuns(qint64 first, qint64 second);

    // What the actions do: the dialogs around the operations above.
    void openSelected(); // emits openRequested for the one selected run
    void compareSelected(); // exactly two selected
    void renameSelected();
    void editNoteOfSelected();
    void deleteSelected(); // asks for confirmation, naming the runs
    void exportSelected();
    void importInteractively(); // a file dialog, then importFiles
    void importFiles(const QStringList& paths); // errors in one message box naming each file and field

    QAction* openAction() const { return m_open; }
    QAction* compareAction() const { return m_compare; }
    QAction* renameAction() const { return m_rename; }
    QAction* noteAction() const { return m_note; }
    QAction* deleteAction() const { return m_delete; }
    QAction* exportAction() const { return m_export; }
    QAction* importAction() const { return m_import; }
    QAction* refreshAction() const { return m_refresh; }

    HistoryModel* model() const { return m_model; }
    QSortFilterProxyModel* proxy() const { return m_proxy; }
    QTableView* view() const { return m_view; }
    QLineEdit* filterEdit() const { return m_filter; }
    QLabel* statusLabel() const { return m_status; }

Q_SIGNALS:
    // The user asked to open run `id`: load it (HistoryStore::load) into the charts, table and timeline.
    void openRequested(qint64 id);
    // Runs were renamed, annotated, deleted or imported from this panel.
    void runsChanged();

protected:
    void showEvent(QShowEvent* event) override;

private:
    QAction* makeAction(const QString& text, const QString& objectName, const QList<QKeySequence>& shortcuts,
        void (HistoryPanel::*slot)());
    void updateActions();
    void updateStatus();
    void showError(const QString& title, const QString& message);
    qint64 singleSelectedId() const;
    QString describeRun(qint64 id) const;
    QString reportTitle(qint64 id, const RunResult& result) const;

    HistoryStore* m_store;
    HistoryModel* m_model = nullptr;
    QSortFilterProxyModel* m_proxy = nullptr;
    QTableView* m_view = nullptr;
    QLineEdit* m_filter = nullptr;
    QLabel* m_status = nullptr;
    QString m_warning;
    QString m_readError; // why the last refresh could not read the runs, else ""
    QString m_lastImportFolder;
    QString m_lastExportFolder;

    QAction* m_open = nullptr;
    QAction* m_compare = nullptr;
    QAction* m_rename = nullptr;
    QAction* m_note = nullptr;
    QAction* m_delete = nullptr;
    QAction* m_export = nullptr;
    QAction* m_import = nullptr;
    QAction* m_refresh = nullptr;
};

} // namespace parlab
