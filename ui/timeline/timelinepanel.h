#pragma once

#include "result.h"
#include "runresult.h"
#include "taskspan.h"
#include "timeline/timewindow.h"

#include <QFutureWatcher>
#include <QHash>
#include <QString>
#include <QStringList>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;

namespace parlab {

class TimelineView;

// The Timeline tab: a chooser of the run's measurements ("threads x2"), the TimelineView of the chosen one, a
// caption with what the picture shows in figures (tasks, workers, span, busy %, lock switches and waiting) and
// the PNG / SVG export. Fed the whole result after every repeat of a live run; a measurement the user chose
// stays shown for as long as new results hold it, otherwise the most parallel one is shown.
//
// "Same time scale" (on by default) gives every measurement of the run one scale and one zoom, so switching
// from threads to gil-threads compares them bar against bar: a run that took twice as long draws twice as wide.
// Off, each measurement fills the width.
//
// What a result takes to draw (each measurement's extent and row labels for the shared scale, the shown one's
// TimelineModel and caption) is worked out here when it is small, and on a pool thread when it is big (a live
// run of 100,000 tasks: tens of milliseconds a repeat), the view showing the picture before until then; results
// that arrive meanwhile are coalesced into one more pass, for the newest.
class TimelinePanel final : public QWidget {
    Q_OBJECT
public:
    explicit TimelinePanel(QWidget* parent = nullptr);
    ~TimelinePanel() override;

    void setResult(const RunResult& result);
    void clear();
    // Shows the measurement with this label and keeps it across new results; false when the result has none
    // (the choice is still remembered for results to come).
    bool showMeasurement(const QString& label);
    QString currentLabel() const;
    QStringList labels() const;
    QString caption() const;
    TimelineView* view() const { return m_view; }
    bool sharesTimeScale() const;
    // Whether the picture of the latest result or choice is still being worked out off the UI thread.
    bool isPreparing() const;
    // Waits for that and shows it (an export, a copy, a test: they draw what the panel was last given).
    void settle();
    void setSharesTimeScale(bool shared);

    // Writes the timeline in the format named by the suffix (.png at twice the pixels, .svg); on failure a
    // message naming the path and the reason.
    Result<void> exportTo(const QString& path);
    // "PNG image (*.png)", "SVG drawing (*.svg)", for QFileDialog.
    static QStringList fileFilters();

public Q_SLOTS:
    // Asks for a file name (suggested: "timeline-threads-x2.<suffix>") and exports there; reports failure in a
    // message box. For the buttons and the main window's File > Export timeline.
    void exportWithDialog(const QString& suffix = QStringLiteral("png"));

private:
    // The measurement shown when the user has not chosen one, or their choice is not in the result: the most
    // workers, ties going to the one measured last.
    QString defaultLabel() const;
    void updateChooser();
    struct Prepared;
    // Shows the result and the choice: worked out here when that is quick, else on a pool thread.
    void showCurrent();
    void apply(Prepared prepared);
    // Takes the result of the pass in flight (waiting for it if need be) and applies it.
    void applyPrepared();

    // What one measurement adds to a shared scale, kept while its spans are the same (a live run hands the
    // panel the same lists many times a second). The lists are held, not just their addresses, so that an
    // address cannot be reused by other spans while it is remembered here.
    struct ScaleShare {
        QList<TaskSpan> spans;
        QList<StateSpan> states;
        TimeRange extent;
        QStringList labels;
    };

    // Everything a picture needs, from a result and the choice, without the panel: what runs off the UI thread.
    static Prepared prepare(const RunResult& result, const QString& label, const QString& shownKey,
        const QHash<QString, ScaleShare>& shares, bool sameScale);
    // Roughly how many spans prepare() would go through: the measure of "quick".
    static qsizetype workOf(const RunResult& result, const QString& label, const QString& shownKey,
        const QHash<QString, ScaleShare>& shares, bool sameScale);

    RunResult m_result;
    QHash<QString, ScaleShare> m_scaleShares;
    QFutureWatcher<Prepared>* m_preparing = nullptr; // the pass in flight on a pool thread
    bool m_behind = false; // the result or the choice changed since that pass began
    QString m_chosen; // the user's choice, kept across results
    QString m_shownKey; // which repeat of which measurement the view holds
    QComboBox* m_chooser = nullptr;
    QCheckBox* m_sameScale = nullptr;
    TimelineView* m_view = nullptr;
    QLabel* m_caption = nullptr;
    QPushButton* m_exportPng = nullptr;
    QPushButton* m_exportSvg = nullptr;
    QString m_lastFolder;
};

} // namespace parlab
