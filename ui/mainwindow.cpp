#include "mainwindow.h"

#include "atomicfile.h"
#include "charts/chartexport.h"
#include "charts/chartstyle.h"
#include "charts/efficiencychart.h"
#include "charts/losschart.h"
#include "charts/speedupchart.h"
#include "charts/sweepchart.h"
#include "charts/walltimechart.h"
#include "charts/workerschart.h"
#include "columnchooser.h"
#include "cpus.h"
#include "environment.h"
#include "experimentpanel.h"
#include "experimentspec.h"
#include "export/csvexport.h"
#include "export/formatting.h"
#include "export/htmlreport.h"
#include "export/jsonexport.h"
#include "export/texttable.h"
#include "export/traceexport.h"
#include "guidedialog.h"
#include "history/historypanel.h"
#include "history/historystore.h"
#include "lessons/lessonbook.h"
#include "lessons/lessonpanel.h"
#include "models/resultsmodel.h"
#include "presets.h"
#include "queuedcall.h"
#include "runestimate.h"
#include "runsession.h"
#include "startpage.h"
#include "sweep.h"
#include "sweepsession.h"
#include "theme.h"
#include "timeline/timelinepanel.h"
#include "timeline/timelineview.h"
#include "warningsbar.h"

#include <QAbstractButton>
#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QButtonGroup>
#include <QChart>
#include <QClipboard>
#include <QCloseEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QGraphicsLayout>
#include <QHeaderView>
#include <QImage>
#include <QKeySequence>
#include <QLabel>
#include <QLocale>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QScreen>
#include <QScrollArea>
#include <QSettings>
#include <QShortcut>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QStyle>
#include <QTabWidget>
#include <QTableView>
#include <QThreadPool>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>
#include <future>

namespace parlab {

namespace {
const QKeySequence kRunKey(Qt::CTRL | Qt::Key_R);
constexpr int kRedrawIntervalMs = 33; // at most ~30 redraws a second, however fast results stream
// A paced run's result not drawn between two repeats (the last drawing was too recent) is drawn this long after,
// during the repeat that follows, where that repeat is longer than it: at most a few percent of it.
constexpr int kLateRedrawMs = 250;
// The run's thread starts this long after Run: two frames, in which the window shows the run starting on a core
// the run's workers have not taken (on two busy cores that frame took half as long again).
constexpr std::chrono::milliseconds kRunStartDelay { 33 };

QString clockTime(double seconds)
{
    const auto total = qint64(std::ceil(std::max(0.0, seconds)));
    return QStringLiteral("%1:%2").arg(total / 60).arg(total % 60, 2, 10, QLatin1Char('0'));
}
} // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent)
{
    setWindowTitle(tr("ParLab"));
    setObjectName(QStringLiteral("mainWindow"));

    m_panel = new ExperimentPanel;
    auto* panelScroll = new QScrollArea;
    panelScroll->setWidget(m_panel);
    panelScroll->setWidgetResizable(true);
    panelScroll->setFrameShape(QFrame::NoFrame);
    m_lessons = new LessonPanel;
    m_lessons->setObjectName(QStringLiteral("lessons"));

    // The side panel: the experiment form or the lessons, switched by two buttons at its top, with the Run
    // button and the form's problem always in sight under the form however far it is scrolled.
    m_side = new QWidget;
    m_side->setObjectName(QStringLiteral("sidePanel"));
    m_side->setMinimumWidth(320);
    auto* sideLayout = new QVBoxLayout(m_side);
    sideLayout->setContentsMargins(0, 0, 0, 0);
    sideLayout->setSpacing(4);
    auto* switchRow = new QHBoxLayout;
    switchRow->setSpacing(0);
    auto* sideButtons = new QButtonGroup(m_side);
    auto addSwitch = [&](const QString& text, const QString& name) {
        auto* button = new QToolButton;
        button->setObjectName(name);
        button->setText(text);
        button->setCheckable(true);
        button->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
        sideButtons->addButton(button);
        switchRow->addWidget(button);
        return button;
    };
    m_experimentButton = addSwitch(tr("E&xperiment"), QStringLiteral("showExperiment"));
    m_lessonsButton = addSwitch(tr("&Lessons"), QStringLiteral("showLessons"));
    m_experimentButton->setChecked(true);
    sideLayout->addLayout(switchRow);
    m_sideStack = new QStackedWidget;
    m_sideStack->addWidget(panelScroll);
    m_sideStack->addWidget(m_lessons);
    sideLayout->addWidget(m_sideStack, 1);
    connect(m_experimentButton, &QToolButton::toggled, this, [this, panelScroll](bool on) {
        if (on)
            m_sideStack->setCurrentWidget(panelScroll);
        m_formFooter->setVisible(on);
    });
    connect(m_lessonsButton, &QToolButton::toggled, this, [this](bool on) {
        if (on)
            m_sideStack->setCurrentWidget(m_lessons);
    });
    m_formFooter = new QWidget;
    m_formFooter->setObjectName(QStringLiteral("formFooter"));
    auto* footerLayout = new QVBoxLayout(m_formFooter);
    footerLayout->setContentsMargins(6, 0, 6, 4);
    // The form's problem and its run's estimate move here, beside Run, where they stay in sight.
    for (QLabel* label : { m_panel->problemLabel(), m_panel->estimateLabel() }) {
        m_panel->layout()->removeWidget(label);
        footerLayout->addWidget(label);
    }
    m_runButton = new QToolButton;
    m_runButton->setObjectName(QStringLiteral("runButton"));
    m_runButton->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_runButton->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    m_runButton->setMinimumHeight(32);
    footerLayout->addWidget(m_runButton);
    sideLayout->addWidget(m_formFooter);

    m_charts = new QTabWidget;
    m_charts->setObjectName(QStringLiteral("charts"));
    m_speedup = new SpeedupChart;
    m_wallTime = new WallTimeChart;
    m_efficiency = new EfficiencyChart;
    m_speedup->setObjectName(QStringLiteral("speedupChart"));
    m_wallTime->setObjectName(QStringLiteral("wallTimeChart"));
    m_efficiency->setObjectName(QStringLiteral("efficiencyChart"));
    // No mnemonics on the tabs: the form's fields own the letters; View › Charts opens each with Alt+1..5.
    m_charts->addTab(m_speedup, tr("Speedup"));
    m_charts->addTab(m_wallTime, tr("Wall time"));
    m_charts->addTab(m_efficiency, tr("Efficiency"));
    m_losses = new LossChart;
    m_losses->setObjectName(QStringLiteral("lossChart"));
    m_charts->addTab(m_losses, tr("Where the time went"));
    m_timeline = new TimelinePanel;
    m_timeline->setObjectName(QStringLiteral("timeline"));
    m_charts->addTab(m_timeline, tr("Timeline"));
    // Shown once a sweep has run: until then it would have nothing to say.
    m_sweepChart = new SweepChart;
    m_sweepChart->setObjectName(QStringLiteral("sweepChart"));
    m_charts->setTabVisible(m_charts->addTab(m_sweepChart, tr("Task size")), false);
    for (QWidget* view : views())
        view->installEventFilter(this); // a view left stale while hidden catches up when shown
    for (QChartView* view : { static_cast<QChartView*>(m_speedup), static_cast<QChartView*>(m_wallTime),
             static_cast<QChartView*>(m_efficiency), static_cast<QChartView*>(m_losses),
             static_cast<QChartView*>(m_sweepChart) }) {
        ChartExport::installContextMenu(view);
        // No titles on screen: the tab names each chart and the line beside the tabs the run, and the plots get
        // the height; exports draw them. Nor the room a title would need above the plot (placeLegend keeps the
        // top and sides it finds).
        ChartStyle::setTitleShown(view->chart(), false);
        QChart* chart = view->chart();
        chart->layout()->setContentsMargins(0, 0, 0, 0);
        chart->setMargins(QMargins(chart->margins().left(), 8, chart->margins().right(), chart->margins().bottom()));
    }

    m_warnings = new WarningsBar;
    m_runTitle = new QLabel;
    m_runTitle->setObjectName(QStringLiteral("runTitle"));
    m_runTitle->setTextFormat(Qt::PlainText);
    m_runTitle->setMinimumWidth(1);
    m_runTitle->setContentsMargins(8, 0, 4, 0);
    // Beside the chart tabs, in the room they leave: which run every view below shows, costing no height.
    m_charts->setCornerWidget(m_runTitle, Qt::TopRightCorner);

    m_model = new ResultsModel(this);
    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(ResultsModel::SortRole);
    m_table = new QTableView;
    m_table->setObjectName(QStringLiteral("results"));
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(-1, Qt::AscendingOrder); // the run's own order until the user sorts
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setAlternatingRowColors(true);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->verticalHeader()->setVisible(false);
    // Right-click on the header: the spread and the bounds, hidden at first so the memory columns fit, come back.
    new ColumnChooser(m_table->horizontalHeader(), QStringLiteral("window/resultColumns"), &ResultsModel::columnKey,
        &ResultsModel::shownByDefault);
    auto* copyRows = new QAction(tr("&Copy"), m_table);
    copyRows->setShortcut(QKeySequence::Copy);
    copyRows->setShortcutContext(Qt::WidgetShortcut);
    connect(copyRows, &QAction::triggered, this, [this] {
        // Tab-separated, with a header row: pastes as a table into spreadsheets and documents.
        QStringList lines;
        QStringList header;
        for (int c = 0; c < m_proxy->columnCount(); ++c)
            header.append(m_proxy->headerData(c, Qt::Horizontal).toString());
        lines.append(header.join(QLatin1Char('\t')));
        QModelIndexList rows = m_table->selectionModel()->selectedRows();
        std::sort(
            rows.begin(), rows.end(), [](const QModelIndex& a, const QModelIndex& b) { return a.row() < b.row(); });
        for (const QModelIndex& row : std::as_const(rows)) {
            QStringList cells;
            for (int c = 0; c < m_proxy->columnCount(); ++c)
                cells.append(m_proxy->index(row.row(), c).data().toString());
            lines.append(cells.join(QLatin1Char('\t')));
        }
        QApplication::clipboard()->setText(lines.join(QLatin1Char('\n')) + QLatin1Char('\n'));
    });
    m_table->addAction(copyRows);
    m_table->setContextMenuPolicy(Qt::ActionsContextMenu);

    // The charts get the space first: the table under them starts at a fifth of the height (four rows on a
    // projector), and keeps what the user drags it to.
    m_rightSplitter = new QSplitter(Qt::Vertical);
    m_rightSplitter->setObjectName(QStringLiteral("rightSplitter"));
    m_rightSplitter->addWidget(m_charts);
    m_rightSplitter->addWidget(m_table);
    m_rightSplitter->setStretchFactor(0, 4);
    m_rightSplitter->setStretchFactor(1, 1);
    m_rightSplitter->setSizes({ 800, 200 });
    m_rightSplitter->setChildrenCollapsible(false);

    // Read once for the start page and the Presets menu.
    const QList<Preset> presets = Presets::all();
    m_startPage = new StartPage(presets);
    connect(m_startPage, &StartPage::runRequested, this, &MainWindow::startRun);
    connect(m_startPage, &StartPage::lessonsRequested, this, &MainWindow::showLessons);
    connect(m_startPage, &StartPage::presetRequested, this, &MainWindow::applyPreset);
    m_resultStack = new QStackedWidget;
    m_resultStack->setObjectName(QStringLiteral("resultStack"));
    m_resultStack->addWidget(m_startPage);
    m_resultStack->addWidget(m_rightSplitter);

    // Which run every view shows, its warnings, then the views.
    auto* resultArea = new QWidget;
    auto* resultLayout = new QVBoxLayout(resultArea);
    resultLayout->setContentsMargins(0, 0, 0, 0);
    resultLayout->setSpacing(2);
    resultLayout->addWidget(m_warnings);
    resultLayout->addWidget(m_resultStack, 1);

    m_splitter = new QSplitter(Qt::Horizontal);
    m_splitter->setObjectName(QStringLiteral("mainSplitter"));
    m_splitter->addWidget(m_side);
    m_splitter->addWidget(resultArea);
    m_splitter->setStretchFactor(1, 1);
    m_splitter->setChildrenCollapsible(false);
    m_modes = new QStackedWidget;
    m_modes->setObjectName(QStringLiteral("modes"));
    m_modes->addWidget(m_splitter);
    setCentralWidget(m_modes);

    m_progress = new QProgressBar;
    m_progress->setObjectName(QStringLiteral("progress"));
    m_progress->setMaximumWidth(240);
    // Its room stays when it is hidden: a run's start then changes no geometry in the window, and the whole
    // window is not laid out again in the frame that shows the run starting.
    QSizePolicy progressPolicy = m_progress->sizePolicy();
    progressPolicy.setRetainSizeWhenHidden(true);
    m_progress->setSizePolicy(progressPolicy);
    m_progress->setVisible(false);
    m_status = new QLabel;
    m_status->setObjectName(QStringLiteral("status"));
    statusBar()->addWidget(m_status, 1);
    m_environment = new QLabel;
    m_environment->setObjectName(QStringLiteral("environment"));
    statusBar()->addPermanentWidget(m_environment);
    statusBar()->addPermanentWidget(m_progress);

    m_redrawTimer = new QTimer(this);
    m_redrawTimer->setSingleShot(true);
    m_redrawTimer->setInterval(kLateRedrawMs); // a result takeIn() left for later
    connect(m_redrawTimer, &QTimer::timeout, this, &MainWindow::drawDue);

    createMenus(presets);

    // Every measurement is saved the moment it lands; without a usable database everything else still works.
    m_history = std::make_unique<HistoryStore>();
    const QString historyPath = HistoryStore::defaultPath();
    if (const Result<void> opened = m_history->open(historyPath); !opened) {
        // A history the user cannot write (a read-only file) can still be browsed.
        if (m_history->open(historyPath, HistoryStore::Access::ReadOnly))
            m_historyProblem = tr("Run history is read-only (%1): it can be browsed, but runs are not saved in it")
                                   .arg(opened.error());
        else
            m_historyProblem = tr("Run history is off: %1").arg(opened.error());
    }
    m_writer = std::make_unique<HistoryStore>();
    m_historyThread.setObjectName(QStringLiteral("history"));
    m_historyAnchor = new QObject;
    m_historyAnchor->moveToThread(&m_historyThread);
    // The writer's connection is made in its own thread (the UI's open above already moved a damaged file
    // aside and migrated the schema); if it fails, each run warns that it was not saved, and why. Posted before
    // the thread starts, so the writer reaches it through the start, an order ThreadSanitizer sees.
    QMetaObject::invokeMethod(
        m_historyAnchor,
        [writer = m_writer.get(), historyPath] {
            // Storing a large measurement (compressing its spans) yields to the window and the run.
            lowerCurrentThreadPriority();
            // A failure is kept by the store: each run's recorder then warns that it was not saved, and why.
            (void)writer->open(historyPath);
        },
        Qt::QueuedConnection);
    m_historyThread.start();
    m_historyPanel = new HistoryPanel(m_history.get());
    m_historyPanel->setObjectName(QStringLiteral("history"));
    if (!m_historyProblem.isEmpty())
        m_historyPanel->setWarning(m_historyProblem);
    m_modes->addWidget(m_historyPanel);
    connect(m_historyPanel, &HistoryPanel::openRequested, this, &MainWindow::openHistoryRun);
    m_historyPanel->installEventFilter(this); // a list left stale while out of sight is read when shown

    connect(m_lessons, &LessonPanel::runRequested, this, &MainWindow::startLesson);
    connect(m_panel, &ExperimentPanel::validityChanged, this, [this](bool valid, const QString& error) {
        m_runAction->setToolTip(valid ? tr("Run the experiment (Ctrl+R)") : error);
        updateRunEnabled();
    });
    // Ctrl+R on a form that cannot run is not silent: it says why, and shows the form with the problem under it.
    m_invalidRun = new QShortcut(this);
    connect(m_invalidRun, &QShortcut::activated, this, [this] {
        showExperiment();
        m_status->setText(tr("Cannot run: %1").arg(m_panel->error()));
    });

    QSettings settings;
    m_panel->restoreSettings(settings);
    if (!restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray())) {
        // A first start fills most of the screen it opens on, at any scale, and never runs off it.
        const QSize room = screen()->availableSize();
        resize(std::min(1400, room.width() * 9 / 10), std::min(900, room.height() * 9 / 10));
    }
    m_splitter->restoreState(settings.value(QStringLiteral("window/splitter")).toByteArray());
    m_rightSplitter->restoreState(settings.value(QStringLiteral("window/rightSplitter")).toByteArray());
    updateRunEnabled();
    Theme::apply(Theme::fromName(settings.value(QStringLiteral("window/theme")).toString()));
    redraw();
    m_status->setText(m_panel->isValid() ? tr("Ready: press Ctrl+R to run") : m_panel->error());
    if (!m_history->notice().isEmpty())
        m_status->setText(m_history->notice());
    showWarnings();
    // Once the window is up and idle, the charts page (behind the start page) is laid out and painted once off
    // screen: the fonts, glyphs and chart layouts it needs are then ready when the first run shows it, instead
    // of costing that run's first frames.
    QTimer::singleShot(0, this, [this] {
        if (isVisible() && m_resultStack->currentWidget() == m_startPage)
            (void)m_rightSplitter->grab();
    });
}

MainWindow::~MainWindow()
{
    // A run in flight is cancelled and its thread joined; its last results are queued to its recorder by then.
    m_session.reset();
    // So are the threads of sessions retired but not yet deleted, and their recorders' last writes queued.
    for (const QPointer<RunSession>& old : std::as_const(m_retired))
        delete old.data();
    // Store them, close, then stop the thread. The writer is deleted here once its thread says it is closed,
    // through a future: an order ThreadSanitizer sees, where QThread::wait() on a thread already ended is not.
    std::promise<void> closed;
    postCall(m_historyAnchor, [writer = m_writer.get(), &closed] {
        writer->close();
        closed.set_value();
        QThread::currentThread()->quit();
    });
    closed.get_future().wait();
    m_historyThread.wait();
    delete m_historyAnchor;
}

void MainWindow::createMenus(const QList<Preset>& presets)
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* exportChart = file->addAction(tr("Export &chart…"), this, &MainWindow::exportChartInteractively);
    exportChart->setShortcut(QKeySequence(tr("Ctrl+Shift+S")));
    QAction* copyChart = file->addAction(tr("Cop&y chart"), this, [this] {
        if (m_charts->currentWidget() == m_timeline) {
            m_timeline->settle(); // the picture of the result shown, not of the one before
            QImage image = m_timeline->view()->renderImage(2.0);
            image.setDevicePixelRatio(1.0);
            QApplication::clipboard()->setImage(image);
            return;
        }
        ChartExport::copyToClipboard(currentChart());
    });
    copyChart->setShortcut(QKeySequence(tr("Ctrl+Shift+C")));
    QAction* exportData = file->addAction(tr("Export &data…"), this, &MainWindow::exportDataInteractively);
    exportData->setShortcut(QKeySequence::Save);
    QAction* exportTrace = file->addAction(tr("Export &trace…"), this, [this] {
        exportInteractively(tr("Export trace"), QStringLiteral("parlab-trace.json"),
            tr("Chrome trace event JSON, opens in Perfetto (*.json)"), &MainWindow::exportTrace);
    });
    exportTrace->setShortcut(QKeySequence(tr("Ctrl+Shift+T")));
    QAction* exportReport = file->addAction(tr("Export &report…"), this, [this] {
        exportInteractively(tr("Export report"), QStringLiteral("parlab-report.html"),
            tr("Self-contained HTML report (*.html)"), &MainWindow::exportReport);
    });
    exportReport->setShortcut(QKeySequence(tr("Ctrl+Shift+R")));
    m_resultActions = { exportChart, copyChart, exportData, exportTrace, exportReport };
    for (QAction* action : std::as_const(m_resultActions))
        action->setEnabled(false); // until something is measured or opened
    file->addSeparator();
    QAction* importRun = file->addAction(tr("&Import run into history…"), this, [this] {
        showHistory();
        m_historyPanel->importInteractively();
    });
    importRun->setShortcut(QKeySequence(tr("Ctrl+I")));
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu* run = menuBar()->addMenu(tr("&Run"));
    m_runAction = run->addAction(tr("&Run"), this, &MainWindow::startRun);
    m_runAction->setObjectName(QStringLiteral("runAction"));
    m_runAction->setShortcut(kRunKey);
    m_cancelAction = run->addAction(tr("&Cancel"), this, &MainWindow::cancelRun);
    m_cancelAction->setObjectName(QStringLiteral("cancelAction"));
    m_cancelAction->setShortcut(QKeySequence(Qt::Key_Escape));
    m_cancelAction->setEnabled(false);

    QMenu* presetsMenu = menuBar()->addMenu(tr("&Presets"));
    presetsMenu->setObjectName(QStringLiteral("presetsMenu"));
    presetsMenu->setToolTipsVisible(true); // the description, in full, as the pointer rests on a title
    for (const Preset& preset : presets) {
        QAction* action = presetsMenu->addAction(preset.title, this, [this, name = preset.name] { applyPreset(name); });
        action->setToolTip(preset.description);
        action->setStatusTip(preset.description);
    }

    QMenu* view = menuBar()->addMenu(tr("&View"));
    auto* modes = new QActionGroup(this);
    m_labAction = view->addAction(
        style()->standardIcon(QStyle::SP_FileDialogContentsView), tr("&Lab"), this, &MainWindow::showLab);
    m_labAction->setObjectName(QStringLiteral("labAction"));
    m_labAction->setShortcut(QKeySequence(tr("Ctrl+1")));
    m_labAction->setToolTip(tr("The experiment, its charts and its table (Ctrl+1)"));
    m_historyAction = view->addAction(
        style()->standardIcon(QStyle::SP_FileDialogDetailedView), tr("&History"), this, &MainWindow::showHistory);
    m_historyAction->setObjectName(QStringLiteral("historyAction"));
    m_historyAction->setShortcut(QKeySequence(tr("Ctrl+2")));
    m_historyAction->setToolTip(tr("Every run measured here: open, compare, import (Ctrl+2)"));
    for (QAction* mode : { m_labAction, m_historyAction }) {
        mode->setCheckable(true);
        modes->addAction(mode);
    }
    m_labAction->setChecked(true);
    view->addSeparator();
    QMenu* charts = view->addMenu(tr("&Charts"));
    for (int i = 0; i < m_charts->count(); ++i) {
        QAction* chart = charts->addAction(m_charts->tabText(i), this, [this, i] {
            showLab();
            m_resultStack->setCurrentWidget(m_rightSplitter);
            m_charts->setCurrentIndex(i);
        });
        chart->setShortcut(QKeySequence(Qt::ALT | Qt::Key(Qt::Key_1 + i)));
    }
    // Each chart's logarithmic axes: the same checkable actions as its context menu.
    QMenu* scales = view->addMenu(tr("Logarithmic &axes"));
    for (WorkersChart* chart : { static_cast<WorkersChart*>(m_speedup), static_cast<WorkersChart*>(m_wallTime),
             static_cast<WorkersChart*>(m_efficiency) }) {
        QMenu* ofChart = scales->addMenu(m_charts->tabText(m_charts->indexOf(chart)));
        for (const Qt::Orientation axis : { Qt::Horizontal, Qt::Vertical }) {
            if (QAction* action = chart->logScaleAction(axis))
                ofChart->addAction(action);
        }
    }
    QAction* allWarnings = view->addAction(tr("All &warnings"), this, [this](bool on) { m_warnings->setExpanded(on); });
    allWarnings->setCheckable(true);
    allWarnings->setShortcut(QKeySequence(tr("Ctrl+Shift+W")));
    connect(m_warnings->toggleButton(), &QToolButton::toggled, allWarnings, &QAction::setChecked);
    QMenu* theme = view->addMenu(tr("&Theme"));
    auto* themes = new QActionGroup(this);
    const Theme::Choice current = Theme::fromName(QSettings().value(QStringLiteral("window/theme")).toString());
    for (const auto& entry : { std::pair { Theme::Choice::System, tr("As the &desktop") },
             std::pair { Theme::Choice::Light, tr("&Light") }, std::pair { Theme::Choice::Dark, tr("Dar&k") } }) {
        const Theme::Choice choice = entry.first;
        QAction* action = theme->addAction(entry.second, this, [choice] {
            Theme::apply(choice);
            QSettings().setValue(QStringLiteral("window/theme"), Theme::name(choice));
        });
        action->setCheckable(true);
        action->setChecked(choice == current);
        themes->addAction(action);
    }

    // In the menu bar's row, on its right: a toolbar row of its own would take 30 px of the charts' height.
    auto* toolbar = new QToolBar(tr("Run"), this);
    toolbar->setObjectName(QStringLiteral("runToolbar"));
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolbar->setIconSize(QSize(16, 16));
    menuBar()->setCornerWidget(toolbar, Qt::TopRightCorner);
    m_runAction->setIcon(style()->standardIcon(QStyle::SP_MediaPlay));
    m_cancelAction->setIcon(style()->standardIcon(QStyle::SP_MediaStop));
    exportChart->setIcon(style()->standardIcon(QStyle::SP_DialogSaveButton));
    exportData->setIcon(style()->standardIcon(QStyle::SP_FileIcon));
    toolbar->addAction(m_runAction);
    toolbar->addAction(m_cancelAction);
    toolbar->addSeparator();
    toolbar->addAction(exportChart);
    toolbar->addAction(exportData);
    toolbar->addSeparator();
    toolbar->addAction(m_labAction);
    toolbar->addAction(m_historyAction);
    m_runButton->setDefaultAction(m_runAction);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    QAction* lessons = help->addAction(tr("&Lessons"), this, &MainWindow::showLessons);
    lessons->setShortcut(QKeySequence::HelpContents);
    lessons->setObjectName(QStringLiteral("helpLessons"));
    lessons->setStatusTip(
        tr("%1 guided experiments, each with a claim and a verdict from your own run").arg(Lessons::all().size()));
    // The README's sections, shown in the window (GuideDialog).
    QMenu* guide = help->addMenu(tr("&Guide"));
    guide->setObjectName(QStringLiteral("guideMenu"));
    for (const QString& section : GuideDialog::sections()) {
        guide->addAction(section, this, [this, section] {
            if (!m_guide) {
                m_guide = new GuideDialog(this);
                m_guide->setModal(false);
            }
            m_guide->show();
            m_guide->raise();
            m_guide->showSection(section);
        });
    }
    help->addSeparator();
    help->addAction(tr("&About ParLab"), this, [this] {
        QMessageBox::about(this, tr("About ParLab"),
            tr("<h3>ParLab %1</h3>"
               "<p>A lab for parallel speedup: run a kernel on threads, processes, a simulated and a real Python "
               "GIL and MPI, and see how much faster it ran, next to the best any schedule could reach, and where "
               "the rest went.</p>"
               "<p>New here? Start with <b>Help › Lessons</b> (F1) or a preset from the <b>Presets</b> menu; "
               "<b>Help › Guide</b> has the manual. The same engine runs without the window: "
               "<tt>parlab --help</tt>.</p>"
               "<p>Built %2 with Qt %3, running on Qt %4.</p>")
                .arg(QStringLiteral(PARLAB_VERSION), QStringLiteral(PARLAB_BUILD_TYPE), QStringLiteral(QT_VERSION_STR),
                    QString::fromLatin1(qVersion())));
    });
    help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
}

bool MainWindow::applyPreset(const QString& name)
{
    const Result<Preset> preset = Presets::find(name);
    if (!preset) {
        m_status->setText(preset.error());
        return false;
    }
    // "auto" (powers of two up to the cores) is shown as the counts it stands for here.
    const bool autoWorkers = preset->workersText.trimmed() == QStringLiteral("auto");
    m_panel->setExperiment(preset->spec, preset->inputsText, autoWorkers ? QString() : preset->workersText);
    m_status->setText(tr("Preset: %1").arg(preset->title));
    if (!m_running) {
        // The last run's charts and warnings were of another experiment: beside this form they would mislead.
        showNothingMeasured(preset->title,
            tr("%1\n\nThe form holds this experiment now: press Ctrl+R to run it.").arg(preset->description));
    }
    showExperiment();
    return true;
}

void MainWindow::startRun()
{
    if (m_running || !m_panel->isValid())
        return;
    // A run estimated above kConfirmAboveS asks first (50x10000 typed for 50,10000 costs weeks). The figure is the
    // form's own, worked out off this thread (for 100,000 inputs the schedules take tens of milliseconds); only
    // when Run follows an edit before that arrives is it worked out here, from the calibration already made (before
    // any is done there is none, and no question).
    const ExperimentSpec spec = m_panel->spec(); // parsed once: 100,000 inputs take a while
    std::optional<RunEstimate> estimate = m_panel->currentEstimate();
    if (!estimate)
        estimate = RunEstimator::estimateIfCalibrated(spec);
    if (estimate && estimate->known && estimate->seconds > RunEstimator::kConfirmAboveS) {
        QMessageBox ask(QMessageBox::Warning, tr("Run for %1?").arg(estimate->label()),
            tr("This run should take %1.").arg(estimate->label()), QMessageBox::Ok | QMessageBox::Cancel, this);
        ask.setObjectName(QStringLiteral("longRunConfirmation"));
        ask.setInformativeText(tr("The most: %1.\nRun it anyway?").arg(estimate->biggestText()));
        ask.setDetailedText(estimate->planText());
        ask.button(QMessageBox::Ok)->setText(tr("Run anyway"));
        ask.setDefaultButton(QMessageBox::Cancel);
        if (ask.exec() != QMessageBox::Ok) {
            m_status->setText(tr("Not run: it should take %1").arg(estimate->label()));
            return;
        }
    }
    m_lessonId.clear();
    const std::optional<SweepSpec> sweep = m_panel->sweepSpec();
    if (const Result<void> started = sweep ? runSweep(*sweep) : run(spec); !started)
        m_status->setText(tr("Cannot run: %1").arg(started.error()));
}

Result<void> MainWindow::runSweep(const SweepSpec& sweep)
{
    auto session = std::make_unique<SweepSession>();
    session->setHistory(m_writer.get(), &m_historyThread);
    session->setPaced(true); // as a plain run's: drawn between timed repeats
    connect(session.get(), &SweepSession::progress, this, &MainWindow::onProgress);
    connect(session.get(), &SweepSession::resultChanged, this, [this](const SweepResult& result) {
        // The views follow the size running, as they follow a plain run; the Task size chart the whole sweep.
        m_sweepDue = true;
        if (!result.points.isEmpty())
            onResultChanged(result.points.constLast().run);
    });
    connect(session.get(), &SweepSession::historyFailed, this, &MainWindow::onHistoryFailed);
    connect(session.get(), &SweepSession::finished, this, &MainWindow::onSweepFinished);
    if (Result<void> started = session->start(sweep); !started)
        return started;
    m_sweepSession = std::move(session); // the last one has ended: one run or sweep at a time
    m_shownRunId = 0;
    setRunning(true);
    RunResult next;
    next.spec = *sweep.specAt(0);
    replaceResult(std::move(next));
    m_sweepChart->clear();
    m_charts->setTabVisible(m_charts->indexOf(m_sweepChart), true);
    m_charts->setCurrentWidget(m_sweepChart);
    m_status->setText(tr("Starting the sweep of %1…").arg(sweep.sizesText()));
    return {};
}

void MainWindow::onSweepFinished(const SweepResult& sweep)
{
    Q_ASSERT(QThread::currentThread() == thread());
    m_sweepChart->setSweep(sweep);
    if (!sweep.points.isEmpty())
        onFinished(sweep.points.constLast().run);
    else
        setRunning(false);
    // The lesson panel judges the whole sweep; after a lesson's sweep its chart stays in sight beside the verdict.
    if (const Lesson* lesson = m_lessons->showSweep(sweep); lesson && !m_lessonId.isEmpty()) {
        showLessons();
        if (!lesson->timeline.isEmpty())
            m_timeline->showMeasurement(lesson->timeline); // the last size's run, shown when its tab is chosen
        m_charts->setCurrentWidget(m_sweepChart);
    }
    refreshHistoryWhenSeen();
    QStringList breakEven;
    for (const SweepSeries& s : sweep.series()) {
        if (s.workers > 1)
            breakEven.append(tr("%1 x%2 breaks even: %3").arg(s.backend).arg(s.workers).arg(s.breakEven.text()));
    }
    if (!sweep.error.isEmpty())
        m_status->setText(tr("Sweep failed: %1").arg(sweep.error));
    else if (sweep.cancelled)
        m_status->setText(
            tr("Sweep cancelled after %1 of %2 sizes").arg(sweep.points.size()).arg(sweep.spec.sizesMs.size()));
    else
        m_status->setText(tr("Sweep finished: %1")
                              .arg(breakEven.isEmpty() ? tr("no backend scales with workers")
                                                       : breakEven.join(QStringLiteral("; "))));
}

void MainWindow::startLesson(const QString& lessonId, const ExperimentSpec& spec)
{
    if (m_running)
        return;
    if (const Result<void> valid = validateSpec(spec, SpecCheck::RunHereWithoutLookups); !valid) {
        m_status->setText(tr("Lesson cannot run: %1").arg(valid.error()));
        return;
    }
    // The form shows what runs, so the user can change it and run it again.
    const Lesson* lesson = Lessons::find(lessonId);
    m_panel->setExperiment(spec, lesson ? lesson->experiment.inputsText : QString(), QString());
    m_lessonId = lessonId;
    if (lesson && lesson->isSweep()) {
        // A lesson about task size runs its experiment as a sweep, as the form's Sweep task size would.
        m_panel->setSweepText(lesson->sweepText());
        SweepSpec sweep;
        sweep.base = spec;
        sweep.sizesMs = lesson->sweepSizesMs;
        sweep.tasks = lesson->sweepTasks;
        if (const Result<void> started = runSweep(sweep); !started) {
            m_lessonId.clear();
            m_status->setText(tr("Lesson cannot run: %1").arg(started.error()));
            return;
        }
        m_lessons->showRunning(lessonId, nullptr);
        return;
    }
    if (const Result<void> started = run(spec); !started) {
        m_lessonId.clear();
        m_status->setText(tr("Lesson cannot run: %1").arg(started.error()));
        return;
    }
    m_lessons->showRunning(lessonId, m_session.get());
}

Result<void> MainWindow::run(const ExperimentSpec& spec)
{
    auto session = std::make_unique<RunSession>();
    session->setHistory(m_writer.get(), &m_historyThread);
    session->setStartDelay(kRunStartDelay);
    // On a machine whose cores the run's workers fill, drawing each result as it lands took a core from the next
    // repeat: 64 fib(25) tasks on 2 threads ran 27-64% slower here than headless (bench_window_cost).
    session->setPaced(true);
    connect(session.get(), &RunSession::resultChanged, this, &MainWindow::onResultChanged);
    connect(session.get(), &RunSession::progress, this, &MainWindow::onProgress);
    connect(session.get(), &RunSession::finished, this, &MainWindow::onFinished);
    connect(session.get(), &RunSession::historyFailed, this, &MainWindow::onHistoryFailed);
    // The history's list is read again when it is in sight; otherwise when it is next shown (reading every run's
    // line from SQLite is work the window need not do while a run streams into charts the user is watching).
    connect(session.get(), &RunSession::historyRunStarted, this, &MainWindow::refreshHistoryWhenSeen);
    connect(session.get(), &RunSession::historyRunStarted, this, [this](qint64 id) {
        m_shownRunId = id;
        showRunTitle();
    });
    connect(session.get(), &RunSession::historyRunSaved, this, &MainWindow::refreshHistoryWhenSeen);
    if (Result<void> started = session->start(spec); !started)
        return started;
    // The last run's session (ended: one run at a time) goes, and with it anything it still had queued; it is
    // deleted once its thread has freed what the run kept, not waited for here.
    if (m_session) {
        RunSession* old = m_session.release();
        // Only the history still has something to say about the old run (saved, or not).
        disconnect(old, &RunSession::resultChanged, this, nullptr);
        disconnect(old, &RunSession::progress, this, nullptr);
        disconnect(old, &RunSession::finished, this, nullptr);
        disconnect(old, &RunSession::historyRunStarted, this, nullptr);
        m_retired.removeAll(nullptr);
        m_retired.append(old);
        old->retire();
    }
    m_session = std::move(session);

    m_shownRunId = 0;
    setRunning(true);
    RunResult next;
    next.spec = spec;
    replaceResult(std::move(next));
    if (m_history->isOpen() && !m_history->isReadOnly()) {
        m_historyProblem.clear(); // a write that failed last time may work now: the recorder says again if not
        m_historyLost = false;
    }
    m_status->setText(m_lessonId.isEmpty() ? tr("Starting…") : tr("Starting the lesson's experiment…"));
    return {};
}

void MainWindow::onHistoryFailed(const QString& message)
{
    // Not a status-bar line: the run is not in the history, and the user must learn where it is.
    m_historyProblem = message;
    m_historyLost = true;
    m_historyPanel->setWarning(message);
    showWarnings();
    auto* box = new QMessageBox(QMessageBox::Warning, tr("Run not saved"), message, QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("historyNotSaved"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setModal(false);
    box->show();
}

bool MainWindow::openHistoryRun(qint64 id)
{
    if (m_running) {
        m_status->setText(tr("A run is in flight: cancel it (Esc) before opening run #%1").arg(id));
        return false;
    }
    Result<RunResult> loaded = m_history->load(id);
    if (!loaded) {
        m_status->setText(tr("Cannot open run #%1: %2").arg(id).arg(loaded.error()));
        return false;
    }
    const Result<RunSummary> summary = m_history->summary(id);
    m_shownRunId = id;
    replaceResult(std::move(*loaded)); // another run: the table starts over
    // Its experiment in the form, so that Ctrl+R measures it again on this machine.
    m_panel->setExperiment(m_result.spec, summary ? summary->inputs : QString(), QString());
    if (const Lesson* lesson = m_lessons->showRun(m_result); lesson && !lesson->timeline.isEmpty())
        m_timeline->showMeasurement(lesson->timeline);
    showLab();
    m_status->setText(tr("Run #%1 from the history, measured %2")
                          .arg(id)
                          .arg(QLocale().toString(m_result.created, QLocale::ShortFormat)));
    return true;
}

bool MainWindow::openLesson(const QString& id, bool run)
{
    if (!m_lessons->selectLesson(id)) {
        m_status->setText(tr("No lesson '%1': there are %2").arg(id, Lessons::ids().join(QStringLiteral(", "))));
        return false;
    }
    showLessons();
    if (!run)
        return true;
    const LessonPlan plan = m_lessons->plan(id);
    if (!plan.runnable) {
        m_status->setText(tr("Lesson %1 cannot run here: %2").arg(id, plan.blockedReason));
        return false;
    }
    startLesson(id, plan.spec);
    return m_running;
}

void MainWindow::cancelRun()
{
    if (!m_running)
        return;
    if (m_sweepSession && m_sweepSession->isRunning())
        m_sweepSession->cancel();
    else
        m_session->cancel();
    m_status->setText(tr("Cancelling…"));
}

void MainWindow::setRunning(bool running)
{
    m_running = running;
    m_panel->setRunning(running);
    m_lessons->setRunning(running);
    updateRunEnabled();
    m_cancelAction->setEnabled(running);
    m_progress->setVisible(running);
    if (running)
        setProgress(0, 0);
}

void MainWindow::setProgress(int done, int total)
{
    // QProgressBar paints itself at once, outside the event loop, whenever its value moves by a visible step:
    // milliseconds of the UI thread per report. Held, it is painted with the rest of the window's next frame.
    m_progress->setUpdatesEnabled(false);
    m_progress->setRange(0, total);
    m_progress->setValue(done);
    m_progress->setUpdatesEnabled(true);
}

void MainWindow::updateRunEnabled()
{
    const bool canRun = !m_running && m_panel->isValid();
    m_runAction->setEnabled(canRun);
    // Ctrl+R belongs to one of the two at a time: two shortcuts on one key would be ambiguous and neither fire.
    m_runAction->setShortcut(canRun || m_running ? kRunKey : QKeySequence());
    m_invalidRun->setKey(canRun || m_running ? QKeySequence() : kRunKey);
}

void MainWindow::onResultChanged(const RunResult& result)
{
    Q_ASSERT(QThread::currentThread() == thread());
    m_result = result;
    m_redrawDue = true; // drawn as the run's progress for the repeat comes (takeIn), or kLateRedrawMs from now
    if (!m_redrawTimer->isActive())
        m_redrawTimer->start(); // a result with no progress after it: a sweep's size that ended
}

void MainWindow::onProgress(int done, int total, double etaS, const QString& current)
{
    if (!m_running)
        return;
    m_progressDue = Progress { done, total, etaS, current };
    takeIn(); // after the repeat's result: the run's last signal for it
}

void MainWindow::takeIn()
{
    if (!m_sinceDraw.isValid() || m_sinceDraw.elapsed() >= kRedrawIntervalMs) {
        m_redrawTimer->stop();
        drawDue();
        // Painted now, not from the event loop once the run has gone on.
        QCoreApplication::sendPostedEvents(nullptr, QEvent::UpdateRequest);
    } else if (!m_redrawTimer->isActive()) {
        m_redrawTimer->start();
    }
    if (m_sweepSession && m_sweepSession->isRunning())
        m_sweepSession->taken();
    else if (m_session)
        m_session->taken();
}

void MainWindow::drawDue()
{
    if (m_progressDue && m_running)
        showProgress(m_progressDue->done, m_progressDue->total, m_progressDue->etaS, m_progressDue->current);
    m_progressDue.reset();
    if (m_sweepDue && m_sweepSession)
        m_sweepChart->setSweep(m_sweepSession->result());
    m_sweepDue = false;
    if (m_redrawDue)
        redraw();
    m_redrawDue = false;
    m_sinceDraw.restart();
}

void MainWindow::showProgress(int done, int total, double etaS, const QString& current)
{
    setProgress(done, total);
    m_status->setText(etaS >= 0
            ? tr("%1 · %2 of %3 · about %4 left").arg(current).arg(done).arg(total).arg(clockTime(etaS))
            : tr("%1 · %2 of %3").arg(current).arg(done).arg(total));
}

void MainWindow::onFinished(const RunResult& result)
{
    Q_ASSERT(QThread::currentThread() == thread());
    m_result = result;
    m_redrawTimer->stop();
    m_redrawDue = false;
    m_sweepDue = false; // a sweep's end draws its chart itself
    m_progressDue.reset();
    redraw(); // still as part of the run: the views out of sight catch up when shown
    setRunning(false);
    showRunTitle();
    if (!result.error.isEmpty())
        m_status->setText(tr("Failed: %1").arg(result.error));
    else if (result.cancelled)
        m_status->setText(tr("Cancelled: kept %1").arg(result.keptSummary()));
    else if (result.failedRuns() > 0)
        m_status->setText(tr("Finished with %n failed measurement(s): see the warnings", nullptr, result.failedRuns()));
    else
        m_status->setText(tr("Finished: %n measurement(s)", nullptr, result.completedRuns));
    // The lessons describe the run on screen; after a lesson's run the timeline shows what its text points at.
    const Lesson* lesson = m_lessons->showRun(result);
    if (!m_lessonId.isEmpty()) {
        showLessons();
        if (lesson && !lesson->timeline.isEmpty()) {
            m_charts->setCurrentWidget(m_timeline); // shown, it catches up with the run
            m_timeline->showMeasurement(lesson->timeline);
        }
    }
    Q_EMIT runEnded();
}

void MainWindow::redraw()
{
    // Only the views on screen follow a streaming run: a hidden chart or timeline (a timeline of 100,000 tasks
    // takes a while to lay out) catches up when it is shown, so the window keeps up with the display.
    for (QWidget* view : views()) {
        if (view->isVisible() || !m_running)
            updateView(view);
        else
            m_staleViews.insert(view);
    }
    showResultState();
}

void MainWindow::showResultState()
{
    const bool measured = std::any_of(m_result.measurements.cbegin(), m_result.measurements.cend(),
        [](const Measurement& m) { return !m.samplesS.isEmpty(); });
    for (QAction* action : std::as_const(m_resultActions))
        action->setEnabled(measured);
    m_model->setResult(m_result);
    showWarnings();
    showEnvironment();
    showRunTitle();
    m_resultStack->setCurrentWidget(
        m_running || !m_result.measurements.isEmpty() ? static_cast<QWidget*>(m_rightSplitter) : m_startPage);
}

void MainWindow::replaceResult(RunResult next)
{
    // The timeline lets go of the result shown for the next one (the charts keep no copy), so that the copy kept
    // here is the last: it then goes to a background thread, where freeing a run of 100,000-task measurements
    // (tens of milliseconds) does not stall the window. The views on screen show the next result; while a run
    // streams, a hidden chart catches up when shown (resetting one is a good part of the frame that shows a run
    // starting).
    RunResult old = std::exchange(m_result, std::move(next));
    m_model->clear();
    for (QWidget* view : views()) {
        if (view->isVisible() || view == m_timeline || !m_running)
            updateView(view);
        else
            m_staleViews.insert(view);
    }
    runInBackground([old = std::move(old)]() mutable { old = RunResult(); });
    showResultState();
}

QList<QWidget*> MainWindow::views() const
{
    return { m_speedup, m_wallTime, m_efficiency, m_losses, m_timeline };
}

void MainWindow::updateView(QWidget* view)
{
    m_staleViews.remove(view);
    if (view == m_speedup)
        m_speedup->setResult(m_result);
    else if (view == m_wallTime)
        m_wallTime->setResult(m_result);
    else if (view == m_efficiency)
        m_efficiency->setResult(m_result);
    else if (view == m_losses)
        m_losses->setResult(m_result);
    else if (view == m_timeline)
        m_timeline->setResult(m_result);
}

void MainWindow::refreshHistoryWhenSeen()
{
    if (m_historyPanel->isVisible()) {
        m_historyPanel->refresh();
        m_historyStale = false;
    } else {
        m_historyStale = true;
    }
}

bool MainWindow::eventFilter(QObject* watched, QEvent* event)
{
    if (event->type() == QEvent::Show && watched == m_historyPanel && m_historyStale) {
        m_historyStale = false;
        m_historyPanel->refresh();
    }
    if (event->type() == QEvent::Show) {
        if (auto* view = qobject_cast<QWidget*>(watched); view && m_staleViews.contains(view))
            updateView(view);
    }
    return QMainWindow::eventFilter(watched, event);
}

void MainWindow::showEnvironment()
{
    // Nothing before the first run: there is no measured machine to describe yet.
    const Environment& env = m_result.environment;
    if (env.logicalCores <= 0) {
        m_environment->clear();
        m_environment->setToolTip({});
        return;
    }
    m_environment->setText(env.coresText());
    m_environment->setToolTip(tr("%1 · %n logical core(s) · measured at the run's start: a fixed loop timed on each "
                                 "core; cores more than %2% apart are called unequal",
        nullptr, env.logicalCores)
                                  .arg(env.cpu)
                                  .arg(qRound(100 * kUnequalCoresThreshold)));
}

void MainWindow::showWarnings()
{
    QStringList lines = m_result.warnings;
    if (!m_historyProblem.isEmpty())
        lines.append(m_historyProblem);
    const bool bad = !m_result.error.isEmpty() || m_result.failedRuns() > 0 || m_historyLost;
    // The worst first: a run that failed, a run that was not saved, a measurement with failed repeats; otherwise
    // the first, which analysis lists machine-wide before per measurement.
    int worst = 0;
    if (m_historyLost)
        worst = int(lines.size()) - 1;
    else if (bad) {
        const auto failed = std::find_if(
            lines.cbegin(), lines.cend(), [](const QString& line) { return line.contains(QStringLiteral("failed")); });
        worst = failed == lines.cend() ? 0 : int(failed - lines.cbegin());
    }
    m_warnings->setWarnings(lines, worst, bad);
}

void MainWindow::showRunTitle()
{
    if (m_result.measurements.isEmpty() && !m_running) {
        m_runTitle->clear();
        m_runTitle->setVisible(false);
        return;
    }
    QString which;
    if (m_running)
        which = m_shownRunId > 0 ? tr("Run #%1, in progress").arg(m_shownRunId) : tr("This run, in progress");
    else if (m_shownRunId > 0)
        which = tr("Run #%1").arg(m_shownRunId);
    else
        which = tr("This run (not in the history)");
    QStringList parts { which,
        m_result.spec.inputs.size() == 1
            ? tr("%1 on 1 input").arg(m_result.spec.kernel)
            : tr("%1 on %2 inputs").arg(m_result.spec.kernel).arg(m_result.spec.inputs.size()) };
    m_runTitle->setText(parts.join(QStringLiteral(" · ")));
    // When, in full, on hover: the tab bar leaves the line little room.
    m_runTitle->setToolTip(m_result.created.isValid()
            ? tr("Measured %1").arg(QLocale().toString(m_result.created.toLocalTime(), QLocale::LongFormat))
            : QString());
    m_runTitle->setVisible(true);
}

void MainWindow::showLab()
{
    m_modes->setCurrentWidget(m_splitter);
    m_labAction->setChecked(true);
}

void MainWindow::showHistory()
{
    m_modes->setCurrentWidget(m_historyPanel);
    m_historyAction->setChecked(true);
}

void MainWindow::showLessons()
{
    showLab();
    m_lessonsButton->setChecked(true);
}

void MainWindow::showExperiment()
{
    showLab();
    m_experimentButton->setChecked(true);
}

void MainWindow::showNothingMeasured(const QString& headline, const QString& text)
{
    m_shownRunId = 0;
    replaceResult(RunResult());
    m_startPage->setMessage(headline, text);
}

QChartView* MainWindow::currentChart() const
{
    return qobject_cast<QChartView*>(m_charts->currentWidget());
}

Result<void> MainWindow::exportData(const QString& path) const
{
    return AtomicFile::writeByType(path,
        { { { QStringLiteral("csv") }, AtomicFile::bytes([this] { return CsvExport::toCsv(m_result); }) },
            { { QStringLiteral("json") }, AtomicFile::bytes([this] { return JsonExport::toJson(m_result); }) },
            { { QStringLiteral("md"), QStringLiteral("markdown") },
                AtomicFile::bytes([this] { return MarkdownExport::toMarkdown(m_result).toUtf8(); }) } });
}

Result<void> MainWindow::exportTrace(const QString& path) const
{
    return AtomicFile::write(path, TraceExport::toJson(m_result));
}

Result<void> MainWindow::exportReport(const QString& path) const
{
    return AtomicFile::write(path, HtmlReport::toHtml(m_result));
}

void MainWindow::exportInteractively(const QString& title, const QString& suggestedName, const QString& filter,
    Result<void> (MainWindow::*write)(const QString&) const)
{
    const QString path = QFileDialog::getSaveFileName(this, title, suggestedName, filter);
    if (path.isEmpty())
        return;
    if (const Result<void> written = (this->*write)(path); !written)
        QMessageBox::warning(this, title, written.error());
    else
        m_status->setText(tr("Wrote %1").arg(path));
}

Result<void> MainWindow::exportCurrentChart(const QString& path) const
{
    if (m_charts->currentWidget() == m_timeline)
        return m_timeline->exportTo(path);
    return ChartExport::save(currentChart(), path);
}

void MainWindow::exportDataInteractively()
{
    exportInteractively(tr("Export data"), QStringLiteral("parlab-results.csv"),
        tr("CSV, one row per sample (*.csv);;JSON (*.json);;Markdown table (*.md)"), &MainWindow::exportData);
}

void MainWindow::exportChartInteractively()
{
    if (m_charts->currentWidget() == m_timeline) {
        m_timeline->exportWithDialog();
        return;
    }
    const QString path = QFileDialog::getSaveFileName(this, tr("Export chart"), QStringLiteral("parlab-chart.png"),
        ChartExport::fileFilters().join(QStringLiteral(";;")));
    if (path.isEmpty())
        return;
    if (const Result<void> exported = exportCurrentChart(path); !exported)
        QMessageBox::warning(this, tr("Export chart"), exported.error());
    else
        m_status->setText(tr("Wrote %1").arg(path));
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    QSettings settings;
    m_panel->saveSettings(settings);
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/splitter"), m_splitter->saveState());
    settings.setValue(QStringLiteral("window/rightSplitter"), m_rightSplitter->saveState());
    // A run in flight is cancelled; its kernels stop within milliseconds and its children are ended.
    if (m_running)
        cancelRun();
    event->accept();
}

} // namespace parlab
