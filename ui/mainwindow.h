#pragma once

#include "result.h"
#include "runresult.h"

#include <QElapsedTimer>
#include <QMainWindow>
#include <QPointer>
#include <QSet>
#include <QThread>
#include <memory>
#include <optional>

class QAction;
class QChartView;
class QLabel;
class QProgressBar;
class QShortcut;
class QStackedWidget;
class QToolButton;
class QSortFilterProxyModel;
class QSplitter;
class QTabWidget;
class QTableView;
class QTimer;

namespace parlab {

class EfficiencyChart;
class LossChart;
struct ExperimentSpec;
struct Preset;
class HistoryPanel;
class LessonPanel;
class HistoryStore;
class ExperimentPanel;
class ResultsModel;
class RunSession;
class SweepChart;
class SweepSession;
struct SweepResult;
struct SweepSpec;
class GuideDialog;
class SpeedupChart;
class StartPage;
class WarningsBar;
class TimelinePanel;
class WallTimeChart;

// ParLab's window: the experiment form on the left, live charts and the results table on the right.
// Each run is a RunSession (its runner on its own thread, its history record); results arrive by its signals
// and are drawn at most ~30 times a second. A cancelled or failed run keeps what it measured, on screen and
// exportable. One run at a time: the next run is a new session, and the old one goes with whatever it had
// still queued.
class MainWindow final : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Fills the form from a shipped preset; false (and a message in the status bar) if unknown.
    bool applyPreset(const QString& name);
    bool isRunning() const { return m_running; }
    const RunResult& result() const { return m_result; }

    ExperimentPanel* experimentPanel() const { return m_panel; }
    QTableView* resultsView() const { return m_table; }
    ResultsModel* resultsModel() const { return m_model; }
    SpeedupChart* speedupChart() const { return m_speedup; }
    WallTimeChart* wallTimeChart() const { return m_wallTime; }
    EfficiencyChart* efficiencyChart() const { return m_efficiency; }
    LossChart* lossChart() const { return m_losses; }
    TimelinePanel* timelinePanel() const { return m_timeline; }
    HistoryStore* historyStore() const { return m_history.get(); }
    // The session of the run in flight or of the last run, or nullptr before the first run.
    RunSession* session() const { return m_session.get(); }
    HistoryPanel* historyPanel() const { return m_historyPanel; }
    LessonPanel* lessonPanel() const { return m_lessons; }
    // Shows a run from the history (charts, table, timeline, and its experiment in the form); false and a
    // message in the status bar when it cannot be loaded. Refused while a run is in flight.
    bool openHistoryRun(qint64 id);
    // Shows lesson `id` in the Lessons tab; with `run`, also starts its experiment. False (and a message in
    // the status bar) when there is no such lesson or it cannot run here.
    bool openLesson(const QString& id, bool run = false);
    QAction* runAction() const { return m_runAction; }
    QAction* cancelAction() const { return m_cancelAction; }
    // File's exports and copies of the run shown, in menu order.
    const QList<QAction*>& resultActions() const { return m_resultActions; }

    // Writes the current results in the format the suffix names (.csv, .json, .md); on failure, why not.
    Result<void> exportData(const QString& path) const;
    // Writes the tasks of every measurement as Chrome trace event JSON (opens in Perfetto); on failure, why not.
    Result<void> exportTrace(const QString& path) const;
    // Writes a self-contained HTML report (charts as inline SVG, table, bounds, timeline); on failure, why not.
    Result<void> exportReport(const QString& path) const;
    // Writes the chart on the visible tab (.png, .svg, .pdf; the timeline .png, .svg); on failure, why not.
    Result<void> exportCurrentChart(const QString& path) const;

public Q_SLOTS:
    void startRun();
    // Runs a lesson's experiment (shown in the form too); its verdict appears in the lesson panel at the end.
    void startLesson(const QString& lessonId, const ExperimentSpec& spec);
    void cancelRun();

Q_SIGNALS:
    // A run ended (finished, failed or cancelled); the result is in result().
    void runEnded();

protected:
    void closeEvent(QCloseEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void createMenus(const QList<Preset>& presets);
    // Starts `spec` in a new session; the reason when it cannot start (nothing changes then).
    Result<void> run(const ExperimentSpec& spec);
    // Starts a task-size sweep (the form's "Sweep task size"): each size's run shows in the views as it runs, the
    // whole sweep in the Task size chart.
    Result<void> runSweep(const SweepSpec& sweep);
    void onSweepFinished(const SweepResult& sweep);
    // A run's end could not be stored: said where the user cannot miss it.
    void onHistoryFailed(const QString& message);
    void onResultChanged(const RunResult& result);
    void onProgress(int done, int total, double etaS, const QString& current);
    // Every run and sweep the window starts is paced (RunSession::setPaced): it waits for this after each repeat: what
    // landed is drawn now, between two timed repeats, where the last drawing is kRedrawIntervalMs old; else it is drawn
    // later; then the run goes on.
    void takeIn();
    // Draws what came since the last drawing: the progress and the result.
    void drawDue();
    void showProgress(int done, int total, double etaS, const QString& current);
    void onFinished(const RunResult& result);
    // Every view on screen shows m_result (the hidden ones when next shown), and so does everything around them.
    void redraw();
    // The table, warnings, status line, run title and page for m_result; the views are left as they are.
    void showResultState();
    // The charts and the timeline, each fed the result shown.
    QList<QWidget*> views() const;
    // Shows `next` instead of the result on screen, in every view, whose memory is freed off the UI thread.
    void replaceResult(RunResult next);
    void updateView(QWidget* view);
    // A run was added or saved: the History page reads its list now if it is shown, else when it next is.
    void refreshHistoryWhenSeen();
    void showWarnings();
    void showEnvironment();
    // "Run #12 · Speedup vs workers: fib on 6 inputs · measured …": which run every view below shows.
    void showRunTitle();
    void showLab();
    void showHistory();
    void showLessons();
    void showExperiment();
    // No run on screen (the form holds an experiment not measured yet): the start page with this message.
    void showNothingMeasured(const QString& headline, const QString& text);
    void setRunning(bool running);
    void setProgress(int done, int total);
    // The Run action on while the form can run and nothing runs; Ctrl+R otherwise explains why not.
    void updateRunEnabled();
    void exportDataInteractively();
    void exportChartInteractively();
    // Asks for a file name, then writes it with `write`; the outcome goes to the status bar or a message box.
    void exportInteractively(const QString& title, const QString& suggestedName, const QString& filter,
        Result<void> (MainWindow::*write)(const QString&) const);
    QChartView* currentChart() const;

    ExperimentPanel* m_panel = nullptr;
    QWidget* m_side = nullptr; // the form or the lessons, the Run button under the form
    QToolButton* m_experimentButton = nullptr;
    QToolButton* m_lessonsButton = nullptr;
    QStackedWidget* m_sideStack = nullptr;
    QWidget* m_formFooter = nullptr;
    QToolButton* m_runButton = nullptr;
    LessonPanel* m_lessons = nullptr;
    QString m_lessonId; // the lesson whose experiment is running, if any
    QStackedWidget* m_modes = nullptr; // the lab (form, charts, table) or the history
    QAction* m_labAction = nullptr;
    QAction* m_historyAction = nullptr;
    QSplitter* m_splitter = nullptr;
    QStackedWidget* m_resultStack = nullptr; // the start page, or the charts and table
    StartPage* m_startPage = nullptr;
    QSplitter* m_rightSplitter = nullptr;
    QTabWidget* m_charts = nullptr;
    SpeedupChart* m_speedup = nullptr;
    WallTimeChart* m_wallTime = nullptr;
    EfficiencyChart* m_efficiency = nullptr;
    LossChart* m_losses = nullptr;
    TimelinePanel* m_timeline = nullptr;
    QLabel* m_runTitle = nullptr;
    qint64 m_shownRunId = 0; // the history's id of the run shown, 0 when it has none (yet)
    WarningsBar* m_warnings = nullptr;
    QShortcut* m_invalidRun = nullptr; // Ctrl+R while the form cannot run: says why
    GuideDialog* m_guide = nullptr; // Help › Guide, made on first use
    QTableView* m_table = nullptr;
    ResultsModel* m_model = nullptr;
    QSortFilterProxyModel* m_proxy = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_status = nullptr;
    QLabel* m_environment = nullptr; // the shown run's cores: their speeds, where the baseline ran
    QAction* m_runAction = nullptr;
    QAction* m_cancelAction = nullptr;
    QList<QAction*> m_resultActions; // exports and copies of the run shown: off while it has nothing measured
    QTimer* m_redrawTimer = nullptr;
    bool m_redrawDue = false; // a result landed that is not drawn yet
    bool m_sweepDue = false; // the sweep running changed since its Task size chart was drawn
    struct Progress {
        int done = 0;
        int total = 0;
        double etaS = -1;
        QString current;
    };
    std::optional<Progress> m_progressDue; // the latest progress, not shown yet
    QElapsedTimer m_sinceDraw;
    QSet<QWidget*> m_staleViews; // hidden while a run streamed: updated when shown

    std::unique_ptr<HistoryStore> m_history; // the UI thread's connection: the History page, opening runs
    // Writes happen on their own thread with their own connection to the same file: a measurement of
    // 100,000 tasks takes a while to store, and the window must not wait for it.
    QThread m_historyThread;
    QObject* m_historyAnchor = nullptr; // lives in m_historyThread: the target of calls that must run there
    std::unique_ptr<HistoryStore> m_writer; // used only in m_historyThread, by each session's recorder
    HistoryPanel* m_historyPanel = nullptr;
    QString m_historyProblem; // why runs are not being saved, shown with the warnings
    bool m_historyLost = false; // the last run could not be stored: m_historyProblem says where it went
    bool m_historyStale = false; // runs were added while the History page was out of sight

    std::unique_ptr<RunSession> m_session;
    std::unique_ptr<SweepSession> m_sweepSession; // the last sweep's: a plain run leaves it ended
    SweepChart* m_sweepChart = nullptr;
    QList<QPointer<RunSession>> m_retired; // ended sessions deleted once their threads are gone (RunSession::retire)
    bool m_running = false;
    RunResult m_result;
};

} // namespace parlab
