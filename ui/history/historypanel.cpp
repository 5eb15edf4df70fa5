#include "historypanel.h"

#include "atomicfile.h"
#include "comparisonview.h"
#include "export/htmlreport.h"
#include "export/jsonexport.h"
#include "export/jsonimport.h"
#include "history/historystore.h"
#include "models/historymodel.h"
#include "runresult.h"

#include <QAction>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QInputDialog>
#include <QItemSelection>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QSortFilterProxyModel>
#include <QStandardPaths>
#include <QTableView>
#include <QToolBar>
#include <QVBoxLayout>
#include <algorithm>

namespace parlab {

namespace {
// Longer lists in a confirmation are cut short: the user reads names, not a wall of them.
constexpr int kListedRuns = 10;

QString displayPath(const QString& path)
{
    const QString home = QDir::homePath();
    if (!home.isEmpty() && path.startsWith(home + QLatin1Char('/')))
        return QStringLiteral("~") + path.mid(home.size());
    return QDir::toNativeSeparators(path);
}

QString fileName(const QString& path)
{
    return QDir::toNativeSeparators(path);
}
} // namespace

HistoryPanel::HistoryPanel(HistoryStore* store, QWidget* parent)
    : QWidget(parent)
    , m_store(store)
{
    setObjectName(QStringLiteral("historyPanel"));

    m_model = new HistoryModel(this);
    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(HistoryModel::SortRole);
    m_proxy->setFilterRole(HistoryModel::FilterRole);
    m_proxy->setFilterKeyColumn(HistoryModel::Id);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);

    m_filter = new QLineEdit;
    m_filter->setObjectName(QStringLiteral("historyFilter"));
    m_filter->setPlaceholderText(tr("Filter by kernel, name, backend, status or note"));
    m_filter->setClearButtonEnabled(true);
    connect(m_filter, &QLineEdit::textChanged, this, [this](const QString& text) {
        m_proxy->setFilterFixedString(text.trimmed());
        updateStatus();
        updateActions();
    });

    m_view = new QTableView;
    m_view->setObjectName(QStringLiteral("historyTable"));
    m_view->setModel(m_proxy);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(HistoryModel::Date, Qt::DescendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setAlternatingRowColors(true);
    m_view->setWordWrap(false);
    m_view->verticalHeader()->setVisible(false);
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_view->horizontalHeader()->setSectionResizeMode(HistoryModel::Note, QHeaderView::Stretch);
    connect(m_view, &QAbstractItemView::doubleClicked, this, [this](const QModelIndex& index) {
        const QVariant id = index.data(HistoryModel::IdRole);
        if (id.isValid())
            Q_EMIT openRequested(id.toLongLong());
    });
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, &HistoryPanel::updateActions);
    connect(m_proxy, &QAbstractItemModel::rowsInserted, this, &HistoryPanel::updateStatus);
    connect(m_proxy, &QAbstractItemModel::rowsRemoved, this, &HistoryPanel::updateStatus);
    connect(m_proxy, &QAbstractItemModel::modelReset, this, &HistoryPanel::updateStatus);

    m_open = makeAction(tr("&Open"), QStringLiteral("openRun"),
        { QKeySequence(Qt::Key_Return), QKeySequence(Qt::Key_Enter) }, &HistoryPanel::openSelected);
    m_open->setToolTip(tr("Show the run's charts, table and timeline (Enter or double-click)"));
    m_compare = makeAction(
        tr("&Compare"), QStringLiteral("compareRuns"), { QKeySequence(tr("Ctrl+D")) }, &HistoryPanel::compareSelected);
    m_compare->setToolTip(tr("Compare two selected runs: ratio of medians, Mann-Whitney U test, verdict (Ctrl+D)"));
    m_rename = makeAction(
        tr("&Rename…"), QStringLiteral("renameRun"), { QKeySequence(Qt::Key_F2) }, &HistoryPanel::renameSelected);
    m_rename->setToolTip(tr("Give the selected run a name (F2)"));
    m_note = makeAction(
        tr("&Note…"), QStringLiteral("editNote"), { QKeySequence(tr("Shift+F2")) }, &HistoryPanel::editNoteOfSelected);
    m_note->setToolTip(tr("Write a note about the selected run (Shift+F2)"));
    m_delete = makeAction(tr("&Delete"), QStringLiteral("deleteRuns"), { QKeySequence(QKeySequence::Delete) },
        &HistoryPanel::deleteSelected);
    m_delete->setToolTip(tr("Delete the selected runs from the history, after a confirmation (Del)"));
    m_export = makeAction(
        tr("&Export…"), QStringLiteral("exportRun"), { QKeySequence(tr("Ctrl+E")) }, &HistoryPanel::exportSelected);
    m_export->setToolTip(tr("Save the selected run as a JSON export or a self-contained HTML report (Ctrl+E)"));
    m_import = makeAction(tr("&Import…"), QStringLiteral("importRuns"), {}, &HistoryPanel::importInteractively);
    m_import->setToolTip(tr("Add runs from JSON exports (parlab run --export-json, or Export here) to the history"));
    m_refresh = makeAction(tr("Re&fresh"), QStringLiteral("refreshHistory"), { QKeySequence(QKeySequence::Refresh) },
        &HistoryPanel::refresh);
    m_refresh->setToolTip(tr("Read the history again (F5)"));

    auto* toolBar = new QToolBar;
    toolBar->setObjectName(QStringLiteral("historyToolBar"));
    toolBar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    for (QAction* action : { m_open, m_compare, m_rename, m_note, m_delete, m_export })
        toolBar->addAction(action);
    toolBar->addSeparator();
    toolBar->addAction(m_import);
    toolBar->addAction(m_refresh);

    for (QAction* action : { m_open, m_compare, m_rename, m_note, m_delete, m_export })
        m_view->addAction(action);
    m_view->setContextMenuPolicy(Qt::ActionsContextMenu);

    m_status = new QLabel;
    m_status->setObjectName(QStringLiteral("historyStatus"));
    m_status->setTextFormat(Qt::PlainText);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(toolBar);
    layout->addWidget(m_filter);
    layout->addWidget(m_view, 1);
    layout->addWidget(m_status);

    m_lastImportFolder = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    m_lastExportFolder = m_lastImportFolder;
    refresh();
}

HistoryPanel::~HistoryPanel() = default;

QAction* HistoryPanel::makeAction(
    const QString& text, const QString& objectName, const QList<QKeySequence>& shortcuts, void (HistoryPanel::*slot)())
{
    auto* action = new QAction(text, this);
    action->setObjectName(objectName);
    action->setShortcuts(shortcuts);
    // Only while the History tab has focus: Enter, Del and F2 mean other things elsewhere in the window.
    action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(action, &QAction::triggered, this, slot);
    addAction(action);
    return action;
}

void HistoryPanel::refresh()
{
    const QList<qint64> selected = selectedRunIds();
    m_readError = m_model->refresh(m_store).error();
    // Rows updated in place keep their selection; after a reset (first load) the old one is restored.
    if (!selected.isEmpty() && selectedRunIds().isEmpty())
        selectRuns(selected);
    const bool open = m_store && m_store->isOpen();
    m_view->setEnabled(open);
    m_filter->setEnabled(open);
    updateActions();
    updateStatus();
}

QList<qint64> HistoryPanel::selectedRunIds() const
{
    QModelIndexList rows = m_view->selectionModel()->selectedRows();
    std::sort(rows.begin(), rows.end(), [](const QModelIndex& a, const QModelIndex& b) { return a.row() < b.row(); });
    QList<qint64> ids;
    for (const QModelIndex& row : std::as_const(rows))
        ids.append(row.data(HistoryModel::IdRole).toLongLong());
    return ids;
}

void HistoryPanel::selectRuns(const QList<qint64>& ids)
{
    QItemSelection selection;
    QModelIndex first;
    for (qint64 id : ids) {
        const int sourceRow = m_model->rowOf(id);
        if (sourceRow < 0)
            continue;
        const QModelIndex index = m_proxy->mapFromSource(m_model->index(sourceRow, 0));
        if (!index.isValid())
            continue; // filtered out
        selection.select(index, index.siblingAtColumn(HistoryModel::ColumnCount - 1));
        if (!first.isValid())
            first = index;
    }
    QItemSelectionModel* model = m_view->selectionModel();
    model->select(selection, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    if (first.isValid()) {
        model->setCurrentIndex(first, QItemSelectionModel::NoUpdate);
        m_view->scrollTo(first);
    }
    updateActions();
}

void HistoryPanel::setWarning(const QString& message)
{
    m_warning = message;
    updateStatus();
}

void HistoryPanel::updateActions()
{
    const bool open = m_store && m_store->isOpen();
    const qsizetype selected = open ? m_view->selectionModel()->selectedRows().size() : 0;
    m_open->setEnabled(selected == 1);
    m_compare->setEnabled(selected == 2);
    m_rename->setEnabled(selected == 1);
    m_note->setEnabled(selected == 1);
    m_delete->setEnabled(selected >= 1);
    m_export->setEnabled(selected == 1);
    m_import->setEnabled(open);
    m_refresh->setEnabled(open);
}

void HistoryPanel::updateStatus()
{
    QStringList lines;
    if (!m_store || !m_store->isOpen()) {
        QString reason = m_warning;
        if (reason.isEmpty() && m_store)
            reason = m_store->usable().error();
        if (reason.isEmpty())
            reason = tr("the history database is not open");
        lines.append(tr("Run history is not available: %1").arg(reason));
    } else {
        const int total = m_model->rowCount();
        const int shown = m_proxy->rowCount();
        const QString runs = total == 1 ? tr("1 run") : tr("%1 runs").arg(total);
        const QString count = shown == total ? runs : tr("%1 of %2 shown").arg(QString::number(shown), runs);
        lines.append(tr("%1 · history at %2").arg(count, displayPath(m_store->path())));
        if (!m_store->notice().isEmpty())
            lines.append(m_store->notice());
        if (!m_readError.isEmpty())
            lines.append(m_readError);
        if (!m_warning.isEmpty())
            lines.append(m_warning);
    }
    m_status->setText(lines.join(QLatin1Char('\n')));
}

void HistoryPanel::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    // Runs recorded while another tab was showing appear as soon as this one is.
    refresh();
}

void HistoryPanel::showError(const QString& title, const QString& message)
{
    QMessageBox::warning(this, title, message);
}

qint64 HistoryPanel::singleSelectedId() const
{
    const QList<qint64> ids = selectedRunIds();
    return ids.size() == 1 ? ids.constFirst() : -1;
}

QString HistoryPanel::describeRun(qint64 id) const
{
    const int row = m_model->rowOf(id);
    if (const RunSummary* run = m_model->runAt(row))
        return HistoryModel::describe(*run);
    return tr("#%1").arg(id);
}

Result<void> HistoryPanel::renameRun(qint64 id, const QString& name)
{
    const Result<void> renamed = m_store ? m_store->rename(id, name.trimmed()) : fail(tr("no history store"));
    if (!renamed)
        return fail(tr("Cannot rename run %1: %2").arg(describeRun(id), renamed.error()));
    refresh();
    Q_EMIT runsChanged();
    return {};
}

Result<void> HistoryPanel::setRunNote(qint64 id, const QString& note)
{
    const Result<void> noted = m_store ? m_store->setNote(id, note.trimmed()) : fail(tr("no history store"));
    if (!noted)
        return fail(tr("Cannot save the note of run %1: %2").arg(describeRun(id), noted.error()));
    refresh();
    Q_EMIT runsChanged();
    return {};
}

Result<void> HistoryPanel::deleteRuns(const QList<qint64>& ids)
{
    QStringList errors;
    for (qint64 id : ids) {
        const Result<void> removed = m_store ? m_store->remove(id) : fail(tr("no history store"));
        if (!removed)
            errors.append(tr("Cannot delete run %1: %2").arg(describeRun(id), removed.error()));
    }
    refresh();
    Q_EMIT runsChanged();
    if (!errors.isEmpty())
        return fail(errors.join(QLatin1Char('\n')));
    return {};
}

Result<void> HistoryPanel::exportRun(qint64 id, const QString& path)
{
    const QString what = tr("Cannot export run %1 to %2").arg(describeRun(id), fileName(path));
    std::optional<RunResult> result;
    const QList<AtomicFile::FileType> types {
        { { QStringLiteral("json") }, AtomicFile::bytes([&result] { return JsonExport::toJson(*result); }) },
        { { QStringLiteral("html"), QStringLiteral("htm") },
            AtomicFile::bytes([&] { return HtmlReport::toHtml(*result, reportTitle(id, *result)); }) },
    };
    // The type first: a name that cannot be written costs no database read.
    const Result<qsizetype> type = AtomicFile::typeOf(path, types, what);
    if (!type)
        return fail(type.error());
    Result<RunResult> loaded = m_store ? m_store->load(id) : fail(tr("no history store"));
    if (!loaded)
        return fail(tr("Cannot export run %1: %2").arg(describeRun(id), loaded.error()));
    result = std::move(loaded).value();
    return AtomicFile::write(path, types[*type].write, what);
}

QString HistoryPanel::reportTitle(qint64 id, const RunResult& result) const
{
    // A named run keeps its name in the report's title; otherwise the report's own default title.
    const RunSummary* run = m_model->runAt(m_model->rowOf(id));
    if (!run || run->name.isEmpty())
        return {};
    return tr("%1: %2 on %3, %4")
        .arg(run->name, result.spec.kernel, result.spec.backends.join(QStringLiteral(", ")),
            HistoryModel::dateText(run->created));
}

Result<qint64> HistoryPanel::importFile(const QString& path)
{
    if (!m_store || !m_store->isOpen())
        return fail(tr("Cannot import %1: run history is not available").arg(fileName(path)));
    // Refuses a FIFO, a device or an oversized file before reading it, which would hang or exhaust the window.
    const Result<QByteArray> json = JsonImport::readFile(path);
    if (!json)
        return fail(tr("Cannot import %1: %2").arg(fileName(path), json.error()));
    const QString source = QFileInfo(path).absoluteFilePath();
    const Result<qint64> newId = m_store->importJson(*json, source);
    if (!newId) {
        // The store names the source itself ("/x/run.json: results[2].samples_s: ..."); the file is named once.
        QString why = newId.error();
        if (why.startsWith(source + QStringLiteral(": ")))
            why = why.mid(source.size() + 2);
        return fail(tr("Cannot import %1: %2").arg(fileName(path), why));
    }
    refresh();
    Q_EMIT runsChanged();
    return *newId;
}

Result<ComparisonView*> HistoryPanel::compareRuns(qint64 first, qint64 second)
{
    if (!m_store || !m_store->isOpen())
        return fail(tr("Cannot compare runs: run history is not available"));
    const Result<RunSummary> summaryFirst = m_store->summary(first);
    const Result<RunSummary> summarySecond = m_store->summary(second);
    if (!summaryFirst || !summarySecond)
        return fail(tr("Cannot compare runs %1 and %2: %3")
                        .arg(describeRun(first), describeRun(second),
                            summaryFirst ? summarySecond.error() : summaryFirst.error()));
    // The older run is the reference: "is the newer one faster?" is the question people ask.
    const bool firstIsOlder = summaryFirst->created < summarySecond->created
        || (summaryFirst->created == summarySecond->created && first < second);
    const RunSummary& a = firstIsOlder ? *summaryFirst : *summarySecond;
    const RunSummary& b = firstIsOlder ? *summarySecond : *summaryFirst;
    const Result<RunResult> resultA = m_store->load(a.id);
    if (!resultA)
        return fail(tr("Cannot load run %1: %2").arg(HistoryModel::describe(a), resultA.error()));
    const Result<RunResult> resultB = m_store->load(b.id);
    if (!resultB)
        return fail(tr("Cannot load run %1: %2").arg(HistoryModel::describe(b), resultB.error()));

    auto* view = new ComparisonView(*resultA, HistoryModel::describe(a), *resultB, HistoryModel::describe(b), this);
    view->setAttribute(Qt::WA_DeleteOnClose);
    view->show();
    return view;
}

void HistoryPanel::openSelected()
{
    const qint64 id = singleSelectedId();
    if (id >= 0)
        Q_EMIT openRequested(id);
}

void HistoryPanel::compareSelected()
{
    const QList<qint64> ids = selectedRunIds();
    if (ids.size() != 2)
        return;
    if (const Result<ComparisonView*> view = compareRuns(ids.at(0), ids.at(1)); !view)
        showError(tr("Compare runs"), view.error());
}

void HistoryPanel::renameSelected()
{
    const qint64 id = singleSelectedId();
    const RunSummary* run = m_model->runAt(m_model->rowOf(id));
    if (!run)
        return;
    bool ok = false;
    const QString name = QInputDialog::getText(this, tr("Rename run"),
        tr("Name of run %1 (empty to remove the name):").arg(HistoryModel::describe(*run)), QLineEdit::Normal,
        run->name, &ok);
    if (!ok)
        return;
    if (const Result<void> done = renameRun(id, name); !done)
        showError(tr("Rename run"), done.error());
}

void HistoryPanel::editNoteOfSelected()
{
    const qint64 id = singleSelectedId();
    const RunSummary* run = m_model->runAt(m_model->rowOf(id));
    if (!run)
        return;
    bool ok = false;
    const QString note = QInputDialog::getMultiLineText(
        this, tr("Note"), tr("Note on run %1:").arg(HistoryModel::describe(*run)), run->note, &ok);
    if (!ok)
        return;
    if (const Result<void> done = setRunNote(id, note); !done)
        showError(tr("Note"), done.error());
}

void HistoryPanel::deleteSelected()
{
    const QList<qint64> ids = selectedRunIds();
    if (ids.isEmpty())
        return;
    // Deleting is final (the samples go with the run), so it asks, naming exactly what goes.
    QString question;
    if (ids.size() == 1) {
        question = tr("Delete run %1 from the history?").arg(describeRun(ids.constFirst()));
    } else {
        QStringList names;
        for (qsizetype i = 0; i < ids.size() && i < kListedRuns; ++i)
            names.append(QStringLiteral("• ") + describeRun(ids.at(i)));
        if (ids.size() > kListedRuns)
            names.append(tr("… and %n more", nullptr, int(ids.size() - kListedRuns)));
        question = tr("Delete these %n runs from the history?", nullptr, int(ids.size())) + QLatin1Char('\n')
            + names.join(QLatin1Char('\n'));
    }
    question += QStringLiteral("\n\n") + tr("Their samples are removed for good; export a run first to keep a copy.");
    const auto answer
        = QMessageBox::question(this, tr("Delete runs"), question, QMessageBox::Yes | QMessageBox::No, QMessageBox::No);
    if (answer != QMessageBox::Yes)
        return;
    if (const Result<void> done = deleteRuns(ids); !done)
        showError(tr("Delete runs"), done.error());
}

void HistoryPanel::exportSelected()
{
    const qint64 id = singleSelectedId();
    const RunSummary* run = m_model->runAt(m_model->rowOf(id));
    if (!run)
        return;
    const QString suggested
        = QDir(m_lastExportFolder)
              .filePath(QStringLiteral("parlab-run-%1-%2.json").arg(QString::number(id), run->kernel));
    const QStringList filters { tr("JSON export (*.json)"), tr("HTML report (*.html)") };
    QString selected = filters.constFirst();
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export run"), suggested, filters.join(QStringLiteral(";;")), &selected);
    if (path.isEmpty())
        return;
    m_lastExportFolder = QFileInfo(path).absolutePath();
    QString target = path;
    if (QFileInfo(path).suffix().isEmpty())
        target += selected == filters.constLast() ? QStringLiteral(".html") : QStringLiteral(".json");
    if (const Result<void> done = exportRun(id, target); !done)
        showError(tr("Export run"), done.error());
}

void HistoryPanel::importInteractively()
{
    const QStringList paths = QFileDialog::getOpenFileNames(
        this, tr("Import runs"), m_lastImportFolder, tr("ParLab JSON export (*.json);;All files (*)"));
    if (paths.isEmpty())
        return;
    m_lastImportFolder = QFileInfo(paths.constFirst()).absolutePath();
    importFiles(paths);
}

void HistoryPanel::importFiles(const QStringList& paths)
{
    QStringList errors;
    QList<qint64> imported;
    for (const QString& path : paths) {
        const Result<qint64> id = importFile(path);
        if (id)
            imported.append(*id);
        else
            errors.append(id.error());
    }
    if (!imported.isEmpty())
        selectRuns(imported);
    if (!errors.isEmpty()) {
        const QString summary = imported.isEmpty()
            ? QString()
            : tr("%n run(s) imported.", nullptr, int(imported.size())) + QStringLiteral("\n\n");
        showError(tr("Import runs"), summary + errors.join(QStringLiteral("\n\n")));
    }
}

} // namespace parlab
