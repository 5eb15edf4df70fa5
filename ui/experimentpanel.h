#pragma once

#include "experimentspec.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QSettings;
class QSpinBox;
class QDoubleSpinBox;

namespace parlab {

// The left-hand form: what to measure. Validates as the user types (the bad part of the inputs shown
// and the reason given) and says whether the experiment can run; it never runs anything itself.
class ExperimentPanel final : public QWidget {
    Q_OBJECT
public:
    explicit ExperimentPanel(QWidget* parent = nullptr);

    // The experiment as entered; only meaningful while isValid().
    ExperimentSpec spec() const;
    bool isValid() const { return m_error.isEmpty(); }
    QString error() const { return m_error; }

    // Fills the form (from a preset or the last session); the texts keep the user's own notation.
    void setExperiment(const ExperimentSpec& spec, const QString& inputsText, const QString& workersText);
    QString inputsText() const;
    QString workersText() const;

    void saveSettings(QSettings& settings) const;
    void restoreSettings(const QSettings& settings);

    // While a run is in flight the form is read-only.
    void setRunning(bool running);

Q_SIGNALS:
    // After every edit: whether the experiment can run, and if not why.
    void validityChanged(bool valid, const QString& error);

private:
    void kernelChanged();
    void revalidate();
    QStringList checkedBackends() const;

    QComboBox* m_kernel = nullptr;
    QLabel* m_kernelInfo = nullptr;
    QLineEdit* m_inputs = nullptr;
    QLabel* m_inputsProblem = nullptr;
    QLineEdit* m_command = nullptr;
    QLabel* m_commandLabel = nullptr;
    QListWidget* m_backends = nullptr;
    QLineEdit* m_workers = nullptr;
    QSpinBox* m_repeats = nullptr;
    QSpinBox* m_warmup = nullptr;
    QSpinBox* m_chunksize = nullptr;
    QDoubleSpinBox* m_taskTimeout = nullptr;
    QCheckBox* m_continueOnError = nullptr;
    QDoubleSpinBox* m_switchInterval = nullptr;
    QCheckBox* m_releaseGil = nullptr;
    QLineEdit* m_python = nullptr;
    QCheckBox* m_pythonNative = nullptr;
    QLabel* m_problem = nullptr;
    QString m_error;
};

} // namespace parlab
