#pragma once

#include "lessons/lesson.h"

#include <QHash>
#include <QWidget>

class QLabel;
class QListWidget;
class QPushButton;

namespace parlab {

struct ExperimentSpec;
struct RunResult;

// The guided lessons: a numbered list; for the selected one its claim, what to look at, its experiment and
// a "Run this experiment" button; and, once a result of it is shown, the verdict worked out from the
// measured numbers. It runs nothing itself: Run emits runRequested, and whoever ran the experiment hands
// the result back through showResult.
class LessonPanel final : public QWidget {
    Q_OBJECT
public:
    // `check` says which backends can run here; when empty each backend is asked (backendAvailability).
    explicit LessonPanel(QWidget* parent = nullptr, AvailabilityCheck check = {});

    QString currentLessonId() const;
    // Selects lesson `id`; false when there is none.
    bool selectLesson(const QString& id);

    // The verdict last shown for `lessonId`; NotRun ("Not run yet") until showResult() was called for it.
    LessonVerdict verdict(const QString& lessonId) const;
    // What Run would start for lesson `id` on this machine (optional backends that cannot run left out).
    LessonPlan plan(const QString& id);

    // Asks the backends again whether they can run (after installing python3 or choosing another one).
    void refreshAvailability();
    // While a run is in flight no other lesson can be started.
    void setRunning(bool running);

    QListWidget* lessonList() const { return m_list; }
    QPushButton* runButton() const { return m_run; }
    QLabel* claimLabel() const { return m_claim; }
    QLabel* lookAtLabel() const { return m_lookAt; }
    QLabel* experimentLabel() const { return m_experiment; }
    QLabel* availabilityLabel() const { return m_availability; }
    QLabel* verdictHeadline() const { return m_verdictHeadline; }
    QLabel* verdictLabel() const { return m_verdictText; }
    QLabel* whyLabel() const { return m_why; }

public Q_SLOTS:
    // Works out and shows the verdict of lesson `lessonId` on `result`, a finished, cancelled or failed run
    // of its experiment; a result for an unknown lesson is ignored with a warning.
    void showResult(const QString& lessonId, const RunResult& result);

Q_SIGNALS:
    // The user asked to run the selected lesson's experiment as it can run here.
    void runRequested(const QString& lessonId, const ExperimentSpec& spec);

protected:
    void changeEvent(QEvent* event) override;

private:
    void showLesson();
    void showVerdict();
    void updateRunButton();
    void updateListItem(const QString& id);
    void requestRun();

    AvailabilityCheck m_check;
    QHash<QString, LessonPlan> m_plans; // asked lazily: asking a python backend starts the interpreter
    QHash<QString, LessonVerdict> m_verdicts;
    bool m_running = false;

    QListWidget* m_list = nullptr;
    QLabel* m_title = nullptr;
    QLabel* m_claim = nullptr;
    QLabel* m_lookAt = nullptr;
    QLabel* m_experiment = nullptr;
    QLabel* m_availability = nullptr;
    QPushButton* m_run = nullptr;
    QLabel* m_verdictIcon = nullptr;
    QLabel* m_verdictHeadline = nullptr;
    QLabel* m_verdictText = nullptr;
    QLabel* m_why = nullptr;
    QLabel* m_rule = nullptr;
};

} // namespace parlab
