#pragma once

#include "kernels/usercode.h"
#include "runestimate.h"

#include <QWidget>
#include <optional>

class QComboBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QListWidget;
class QSettings;
class QSpinBox;
class QTimer;

namespace parlab {

class UserCodePicker;

struct ExperimentSpec;
struct OptionDescriptor;
struct RunOptions;
struct SweepSpec;

// The left-hand form: what to measure. Validates as the user types (the bad part of the inputs shown
// and the reason given) and says whether the experiment can run; it never runs anything itself. Each run
// option's widget is made from its OptionDescriptor (range, default, unit, tooltip), named by the option's key;
// a kernel's own settings show while that kernel is chosen.
class ExperimentPanel final : public QWidget {
    Q_OBJECT
public:
    explicit ExperimentPanel(QWidget* parent = nullptr);

    // The experiment as entered; only meaningful while isValid().
    ExperimentSpec spec() const;
    bool isValid() const { return m_error.isEmpty(); }
    QString error() const { return m_error; }
    // "⚠ " and the error, in red, empty while the form can run. It starts at the form's end; the window moves it
    // under the scrolled form, beside the Run button, where it stays in sight.
    QLabel* problemLabel() const { return m_problem; }

    // The task-size sweep the form asks for (its "Sweep task size" field filled: a sweep of the experiment, on
    // SweepSpec::kDefaultTasks tasks of each size, instead of one run of the inputs); none while the field is empty.
    // Only meaningful while isValid().
    std::optional<SweepSpec> sweepSpec() const;
    QString sweepText() const;
    void setSweepText(const QString& sizes);

    // Fills the form (from a preset or the last session); the texts keep the user's own notation. A plain
    // experiment: the sweep field is emptied.
    void setExperiment(const ExperimentSpec& spec, const QString& inputsText, const QString& workersText);
    QString inputsText() const;
    QString workersText() const;

    void saveSettings(QSettings& settings) const;
    void restoreSettings(const QSettings& settings);

    // While a run is in flight the form is read-only.
    void setRunning(bool running);

    // "Estimated: about 2 min": how long the experiment should take (RunEstimator), worked out off the UI thread
    // kEstimateDelayMs after the last edit; its tooltip shows the plan. Public so that a layout can place it.
    QLabel* estimateLabel() const { return m_estimate; }
    // The estimate the label shows, while it is of the form as it stands (none while an edit's is on its way).
    std::optional<RunEstimate> currentEstimate() const;
    static constexpr int kEstimateDelayMs = 300;

Q_SIGNALS:
    // After every edit: whether the experiment can run, and if not why.
    void validityChanged(bool valid, const QString& error);

protected:
    // The wheel scrolls the form: a spin box or list under the pointer changes only once clicked into.
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    // One run option's widget and its label (none for a check box, whose text is the label).
    struct OptionEditor {
        const OptionDescriptor* descriptor = nullptr;
        QWidget* widget = nullptr;
        QLabel* label = nullptr;
        QWidget* browse = nullptr; // File: the button that opens a file picker
        QLabel* check = nullptr; // Hostfile: what the file gives, or what is wrong with it, checked as it changes
    };

    void kernelChanged();
    // The language of the user's code chosen in the kernel list; none for a built-in kernel.
    std::optional<UserCode::Language> chosenLanguage() const;
    // The kernel's name: a built-in one's, or the user's code's (empty until its file and function are chosen).
    QString kernelName() const;
    // The name whose kernel decides which backends can run it: kernelName(), or for user code not chosen yet a
    // stand-in of its language.
    QString backendsKernelName() const;
    // Greys out, with the backend's reason, the backends that cannot run the user's code at all (a Python function
    // on a native backend), remembering their ticks for a kernel they run; enables the rest.
    void updateBackends();
    void revalidate();
    QStringList checkedBackends() const;
    void addOptionEditor(const OptionDescriptor& descriptor, QFormLayout* form, int row);
    // Every option as the form shows it; kernel settings for `kernel` only, or for every kernel when empty.
    RunOptions options(const QString& kernel) const;
    void setOptions(const RunOptions& options);
    // Reads and resolves the hostfile off the UI thread (a DNS server may take seconds) and shows the outcome
    // beside the field, then revalidates; a newer edit drops an older check's outcome. False when there was
    // nothing to check (no hostfile): the caller revalidates.
    [[nodiscard]] bool checkHostfile(const OptionEditor& editor);
    // Estimates the experiment as it stands on a pool thread and shows it; an older estimate's outcome is dropped.
    void updateEstimate();

    // The backend list's roles: whether the backend can run here at all, its tooltip then, and whether the user
    // ticked it before it was greyed out for a kernel it cannot run.
    static constexpr int kAvailableRole = Qt::UserRole + 1;
    static constexpr int kToolTipRole = Qt::UserRole + 2;
    static constexpr int kWantedRole = Qt::UserRole + 3;

    QComboBox* m_kernel = nullptr;
    UserCodePicker* m_picker = nullptr;
    QLabel* m_kernelInfo = nullptr;
    QLineEdit* m_inputs = nullptr;
    QLabel* m_inputsProblem = nullptr;
    QLineEdit* m_sweep = nullptr;
    QListWidget* m_backends = nullptr;
    QLineEdit* m_workers = nullptr;
    QSpinBox* m_repeats = nullptr;
    QSpinBox* m_warmup = nullptr;
    QList<OptionEditor> m_optionEditors; // in the order of RunOptions::descriptors()
    QLabel* m_problem = nullptr;
    QString m_error;
    quint64 m_hostfileCheck = 0; // the latest hostfile check started
    QString m_hostfileProblem; // what the latest finished check of the hostfile found wrong (its hosts resolved)
    QLabel* m_estimate = nullptr;
    QTimer* m_estimateTimer = nullptr; // restarted by every edit: the estimate follows once the typing stops
    quint64 m_estimateGeneration = 0; // the latest estimate started
    std::optional<RunEstimate> m_lastEstimate; // the latest that arrived, of generation m_estimatedGeneration
    quint64 m_estimatedGeneration = 0;
};

} // namespace parlab
