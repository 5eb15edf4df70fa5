#pragma once

#include "lessons/lesson.h"

#include <QDateTime>
#include <QHash>
#include <QMetaObject>
#include <QWidget>

class QFrame;
class QLabel;
class QListWidget;
class QPushButton;
class QScrollArea;

namespace parlab {

struct ExperimentSpec;
struct RunResult;
struct SweepResult;
class RunSession;

// A lesson's last judged outcome, kept across sessions in QSettings ("lessons/ID/outcome", ".../measured",
// ".../verdict"): the ✓ / ⚠ beside its title in the list.
struct LessonProgress {
    LessonVerdict::Outcome outcome = LessonVerdict::Outcome::NotRun; // NotRun: never judged
    QDateTime measured; // when the judged run was measured
    QString text; // the verdict's numbers
};

// The guided lessons: a numbered list marked with each lesson's last outcome; for the selected one its title,
// a "Run this experiment" button, the verdict, then the claim, what to look at, its experiment and how the
// verdict is worked out. The panel always describes the run on screen: the lesson whose experiment that run is
// shows its verdict on it, every other lesson says it needs a run of its own. It runs nothing itself: Run emits
// runRequested, and whoever runs the experiment reports it through showRunning and shows the result through
// showRun.
class LessonPanel final : public QWidget {
    Q_OBJECT
public:
    // `check` says which backends can run here; when empty each backend is asked (backendAvailability).
    explicit LessonPanel(QWidget* parent = nullptr, AvailabilityCheck check = {});

    QString currentLessonId() const;
    // Selects lesson `id`; false when there is none.
    bool selectLesson(const QString& id);

    // The verdict shown for `lessonId`: its verdict on the run on screen when that run is its experiment,
    // otherwise NotRun (the lesson needs a run of its own experiment).
    LessonVerdict verdict(const QString& lessonId) const;
    // The lesson whose experiment the run on screen is; empty when there is none.
    QString shownLessonId() const { return m_shownId; }
    // The last judged outcome of `lessonId`, from this session or an earlier one.
    LessonProgress progress(const QString& lessonId) const;
    // What Run would start for lesson `id` on this machine (optional backends that cannot run left out).
    LessonPlan plan(const QString& id);

    // Asks the backends again whether they can run (after installing python3 or choosing another one).
    void refreshAvailability();
    // While a run is in flight no other lesson can be started, and the run that was on screen is no longer.
    void setRunning(bool running);
    // Lesson `lessonId`'s experiment is running in `session`: the lesson is selected and says "Running… (n of m
    // measurements)" as the session's results come, until showRun().
    void showRunning(const QString& lessonId, const RunSession* session);
    // `result` is now on screen (a run that ended, or one opened from the history): the lesson whose experiment
    // it is (Lessons::matching) is selected and shows its verdict, which becomes its progress when the run is the
    // latest judged one of it. Returns that lesson, or nullptr when the run is no lesson's.
    const Lesson* showRun(const RunResult& result);
    // The same for a task-size sweep that ended: the sweep lesson whose experiment it is (Lessons::matching) shows
    // its verdict on it.
    const Lesson* showSweep(const SweepResult& sweep);

    QListWidget* lessonList() const { return m_list; }
    QScrollArea* scrollArea() const { return m_scroll; }
    QPushButton* runButton() const { return m_run; }
    QLabel* claimLabel() const { return m_claim; }
    QLabel* lookAtLabel() const { return m_lookAt; }
    QLabel* experimentLabel() const { return m_experiment; }
    QLabel* availabilityLabel() const { return m_availability; }
    QLabel* verdictHeadline() const { return m_verdictHeadline; }
    QLabel* verdictLabel() const { return m_verdictText; }
    QLabel* whyLabel() const { return m_why; }
    QLabel* ruleLabel() const { return m_rule; }

Q_SIGNALS:
    // The user asked to run the selected lesson's experiment as it can run here.
    void runRequested(const QString& lessonId, const ExperimentSpec& spec);

protected:
    void changeEvent(QEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    // Shows `verdict` of `lesson` (or none) on the result on screen, measured at `measured`.
    const Lesson* showJudged(const Lesson* lesson, const LessonVerdict& verdict, const QDateTime& measured);
    void showLesson();
    void showVerdict();
    void updateRunButton();
    void updateListItem(const QString& id);
    // Sizes the list to show every title whole, wrapped at its current width.
    void fitListHeight();
    void requestRun();
    void loadProgress();
    void saveProgress(const QString& id, const LessonProgress& progress);

    AvailabilityCheck m_check;
    QHash<QString, LessonPlan> m_plans; // asked lazily: asking a python backend starts the interpreter
    QHash<QString, LessonProgress> m_progress;
    // The run on screen, when it is a lesson's experiment: which lesson, and its verdict on it.
    QString m_shownId;
    LessonVerdict m_shownVerdict;
    bool m_running = false;
    QString m_runningId; // the lesson whose experiment is running, if any
    QString m_runningCount; // "2 of 6 measurements", once the run reports
    QMetaObject::Connection m_runningConnection;
    int m_listWidth = -1; // the width the list's height was fitted to

    QListWidget* m_list = nullptr;
    QScrollArea* m_scroll = nullptr;
    QLabel* m_title = nullptr;
    QLabel* m_claim = nullptr;
    QLabel* m_lookAt = nullptr;
    QLabel* m_experiment = nullptr;
    QLabel* m_availability = nullptr;
    QPushButton* m_run = nullptr;
    QFrame* m_verdictFrame = nullptr;
    QLabel* m_verdictIcon = nullptr;
    QLabel* m_verdictHeadline = nullptr;
    QLabel* m_verdictText = nullptr;
    QLabel* m_why = nullptr;
    QLabel* m_rule = nullptr;
};

} // namespace parlab
