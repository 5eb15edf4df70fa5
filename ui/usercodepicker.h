#pragma once

#include "kernels/usercode.h"
#include "runoptions.h"

#include <QObject>
#include <array>
#include <optional>

class QComboBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPushButton;
class QTimer;

namespace parlab {

// The user's own code as the kernel, in the experiment form: rows under the kernel's for the code (a file typed or
// picked with Browse…, or a Python module's name), the function (a chooser filled with the file's functions) and a
// line saying whether it can run, in the words `parlab run` gives. Listing and checking start an interpreter or read
// a library (UserCode::inspect), so they run on a pool thread once the typing stops; an outcome older than the
// latest edit is dropped. Each language keeps its own choice, so switching to a library and back keeps the Python
// one.
class UserCodePicker final : public QObject {
    Q_OBJECT
public:
    using Language = UserCode::Language;

    // Adds its rows to the end of `form`, hidden until a language is chosen.
    UserCodePicker(QFormLayout* form, QObject* parent);
    ~UserCodePicker() override;

    // Shows the rows for `language` and checks its choice; none hides them (a built-in kernel).
    void setLanguage(std::optional<Language> language);
    std::optional<Language> language() const { return m_language; }
    // The choice `language` holds now: the code as typed and the function chosen.
    UserCode::Choice choice(Language language) const;
    // The kernel name of the shown choice ("py:/abs/hashing.py:digest"); empty while it is incomplete or hidden.
    QString kernelName() const;
    // Takes a choice as it was made (a preset, the last session, a run reopened): its function stays chosen even
    // when the file no longer has it, so that the check says so. Checked at once when its language is shown.
    void setChoice(const UserCode::Choice& choice);
    // Why the shown choice cannot run yet: its check is pending, or found this. Empty once it passed, or when hidden.
    QString problem() const;
    // The options the check runs with (the interpreter): one that changes what it checks checks again.
    void setOptions(const RunOptions& options);
    void setEnabled(bool enabled);

    // The check follows this long after the last keystroke in the code's field.
    static constexpr int kCheckDelayMs = 400;

Q_SIGNALS:
    // The choice, or what its check found, changed: the form revalidates.
    void changed();

private:
    struct Outcome {
        bool ok = false;
        QString text; // the summary when ok, else the problem
    };

    Language shownLanguage() const { return m_language.value_or(Language::Python); }
    UserCode::Choice& shownChoice() { return m_choices[int(shownLanguage())]; }
    // Starts the check of the shown choice on a pool thread; `keepMissing` as UserCode::inspect.
    void check(bool keepMissing);
    // The shown language's choice in the fields, then checked.
    void showChoice();
    void apply(const UserCode::Inspection& inspection);
    void showOutcome(const Outcome& outcome);
    void browse();
    // The checked options: only what decides where the code loads (the interpreter).
    static RunOptions checkedOptions(const RunOptions& options);

    QFormLayout* m_form = nullptr;
    QLabel* m_locationLabel = nullptr;
    QLineEdit* m_location = nullptr;
    QPushButton* m_browse = nullptr;
    QWidget* m_locationRow = nullptr;
    QLabel* m_functionLabel = nullptr;
    QComboBox* m_function = nullptr;
    QLabel* m_check = nullptr;
    QTimer* m_timer = nullptr; // restarted by each keystroke in the code's field

    std::optional<Language> m_language;
    std::array<UserCode::Choice, 2> m_choices; // by Language
    RunOptions m_options; // checkedOptions() of the form's
    quint64 m_generation = 0; // the latest check started
    quint64 m_appliedGeneration = 0; // the check whose outcome is shown
    Outcome m_outcome;
};

} // namespace parlab
