#include "usercodepicker.h"

#include "installlayout.h"

#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalBlocker>
#include <QStandardItemModel>
#include <QTimer>
#include <QtConcurrent/QtConcurrentRun>

namespace parlab {

namespace {
// The examples' folder for a language (examples/python, examples/c), when ParLab's examples are here.
QString examplesFolder(UserCode::Language language)
{
    const QDir examples(helperPath(Helper::Examples));
    const QString sub = language == UserCode::Language::Python ? QStringLiteral("python") : QStringLiteral("c");
    return examples.exists(sub) ? examples.filePath(sub) : QString();
}
} // namespace

UserCodePicker::UserCodePicker(QFormLayout* form, QObject* parent)
    : QObject(parent)
    , m_form(form)
{
    for (const Language language : { Language::Python, Language::Library })
        m_choices[int(language)].language = language;
    QWidget* owner = form->parentWidget();
    m_locationRow = new QWidget(owner);
    auto* rowLayout = new QHBoxLayout(m_locationRow);
    rowLayout->setContentsMargins(0, 0, 0, 0);
    m_location = new QLineEdit(m_locationRow);
    m_location->setObjectName(QStringLiteral("userCode"));
    rowLayout->addWidget(m_location, 1);
    m_browse = new QPushButton(tr("Browse…"), m_locationRow);
    m_browse->setObjectName(QStringLiteral("userCodeBrowse"));
    rowLayout->addWidget(m_browse);
    m_locationLabel = new QLabel(tr("Co&de:"), owner);
    m_locationLabel->setBuddy(m_location);
    form->addRow(m_locationLabel, m_locationRow);

    m_function = new QComboBox(owner);
    m_function->setObjectName(QStringLiteral("userFunction"));
    m_function->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_function->setMinimumContentsLength(12);
    m_functionLabel = new QLabel(tr("Tar&get function:"), owner);
    m_functionLabel->setBuddy(m_function);
    form->addRow(m_functionLabel, m_function);

    m_check = new QLabel(owner);
    m_check->setObjectName(QStringLiteral("userCodeCheck"));
    m_check->setWordWrap(true);
    m_check->setTextFormat(Qt::PlainText);
    m_check->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // Under the fields, across the form as the kernel's description is: a long path or message gets the width.
    form->addRow(m_check);

    m_timer = new QTimer(this);
    m_timer->setSingleShot(true);
    m_timer->setInterval(kCheckDelayMs);
    connect(m_timer, &QTimer::timeout, this, [this] { check(false); });
    connect(m_location, &QLineEdit::textChanged, this, [this](const QString& text) {
        shownChoice().location = text.trimmed();
        // Another file: its functions are listed, and the one chosen is kept only if it has it (check(false)).
        if (shownChoice().location.isEmpty())
            return check(false); // nothing to wait for
        ++m_generation; // what is shown is of the text before
        m_timer->start();
        Q_EMIT changed();
    });
    // Only the user's choice: the picker fills it with signals blocked.
    connect(m_function, &QComboBox::currentIndexChanged, this, [this](int index) {
        shownChoice().function = m_function->itemData(index).toString();
        check(true);
    });
    connect(m_browse, &QPushButton::clicked, this, &UserCodePicker::browse);
    setLanguage(std::nullopt);
}

UserCodePicker::~UserCodePicker() = default;

void UserCodePicker::setLanguage(std::optional<Language> language)
{
    const bool shown = language.has_value();
    for (QWidget* row :
        { static_cast<QWidget*>(m_locationRow), static_cast<QWidget*>(m_function), static_cast<QWidget*>(m_check) })
        m_form->setRowVisible(row, shown);
    if (language == m_language)
        return;
    m_language = language;
    if (!shown) {
        ++m_generation; // a check on its way is of code no longer shown
        m_timer->stop();
        return;
    }
    const bool python = *language == Language::Python;
    m_location->setPlaceholderText(python ? tr("your .py file, or a module on PYTHONPATH (package.module)")
                                          : tr("your shared library (libNAME.so)"));
    m_location->setToolTip(python ? tr("The Python file that defines your function, or the name of a module that "
                                       "Python finds on PYTHONPATH. Its functions are read without running it.")
                                  : tr("A shared library with your function uint64_t f(int64_t), exported with "
                                       "PARLAB_KERNEL (<parlab/kernel_abi.h>)."));
    m_browse->setToolTip(python ? tr("Choose your Python file") : tr("Choose your shared library"));
    m_function->setToolTip(python ? tr("A top-level function of the file: ParLab calls it with each input, f(n)")
                                  : tr("A function the library exports: ParLab calls it with each input"));
    showChoice();
}

UserCode::Choice UserCodePicker::choice(Language language) const
{
    return m_choices[int(language)];
}

QString UserCodePicker::kernelName() const
{
    return m_language ? UserCode::kernelName(m_choices[int(*m_language)]) : QString();
}

void UserCodePicker::setChoice(const UserCode::Choice& choice)
{
    m_choices[int(choice.language)] = choice;
    if (m_language != choice.language)
        return; // checked when shown
    showChoice();
}

void UserCodePicker::showChoice()
{
    const QSignalBlocker locationBlocker(m_location);
    const QSignalBlocker functionBlocker(m_function);
    m_location->setText(shownChoice().location);
    // Until the check lists the file: the function as chosen.
    m_function->clear();
    if (!shownChoice().function.isEmpty())
        m_function->addItem(shownChoice().function, shownChoice().function);
    check(true);
}

QString UserCodePicker::problem() const
{
    if (!m_language)
        return {};
    if (m_appliedGeneration != m_generation)
        return tr("your code is being checked…");
    return m_outcome.ok ? QString() : m_outcome.text;
}

void UserCodePicker::setOptions(const RunOptions& options)
{
    const RunOptions checked = checkedOptions(options);
    if (checked == m_options)
        return;
    m_options = checked;
    if (m_language)
        check(true);
}

void UserCodePicker::setEnabled(bool enabled)
{
    for (QWidget* w :
        { static_cast<QWidget*>(m_location), static_cast<QWidget*>(m_browse), static_cast<QWidget*>(m_function) })
        w->setEnabled(enabled);
}

RunOptions UserCodePicker::checkedOptions(const RunOptions& options)
{
    // Not python_native: whether a python-* backend may call the user's function with it is the form's check of
    // the whole experiment; here the question is the code itself.
    RunOptions checked;
    checked.python = options.python;
    return checked;
}

void UserCodePicker::check(bool keepMissing)
{
    m_timer->stop();
    const quint64 generation = ++m_generation;
    const UserCode::Choice choice = shownChoice();
    if (choice.location.isEmpty()) {
        // Nothing to ask anyone (the inspection only says what to choose): no thread.
        m_appliedGeneration = generation;
        apply(UserCode::inspect(choice, keepMissing, m_options));
        Q_EMIT changed();
        return;
    }
    showOutcome({ true, tr("Checking %1…").arg(choice.location) });
    auto* watcher = new QFutureWatcher<UserCode::Inspection>(this);
    connect(watcher, &QFutureWatcher<UserCode::Inspection>::finished, this, [this, watcher, generation] {
        watcher->deleteLater();
        if (generation != m_generation)
            return; // the choice changed since: a newer check is on its way
        m_appliedGeneration = generation;
        apply(watcher->result());
        Q_EMIT changed();
    });
    watcher->setFuture(QtConcurrent::run(
        [choice, keepMissing, options = m_options] { return UserCode::inspect(choice, keepMissing, options); }));
}

void UserCodePicker::apply(const UserCode::Inspection& inspection)
{
    shownChoice().function = inspection.function;
    {
        const QSignalBlocker blocker(m_function);
        m_function->clear();
        if (inspection.listing) {
            auto* model = qobject_cast<QStandardItemModel*>(m_function->model());
            for (const CodeFunction& f : inspection.listing->functions) {
                m_function->addItem(f.signature, f.name);
                if (!f.callable && model) {
                    // Listed, so the user sees it is there, but not chosen: the tooltip says why.
                    QStandardItem* item = model->item(m_function->count() - 1);
                    item->setEnabled(false);
                    item->setToolTip(f.whyNot);
                }
            }
        }
        int index = m_function->findData(inspection.function);
        if (index < 0 && !inspection.function.isEmpty()) {
            m_function->addItem(inspection.function, inspection.function); // kept though missing: the check says so
            index = m_function->count() - 1;
        }
        m_function->setCurrentIndex(index);
    }
    m_outcome = inspection.check ? Outcome { true, inspection.summary } : Outcome { false, inspection.check.error() };
    showOutcome(m_outcome);
}

void UserCodePicker::showOutcome(const Outcome& outcome)
{
    m_check->setText(outcome.ok && !outcome.text.isEmpty() && m_appliedGeneration == m_generation
            ? QStringLiteral("✓ ") + outcome.text
            : outcome.text);
    // Red for what is wrong with the code; not for a field still to be filled in.
    const bool wrong = !outcome.ok && !shownChoice().location.isEmpty();
    m_check->setStyleSheet(wrong ? QStringLiteral("color: #e0484f;") : QString());
}

void UserCodePicker::browse()
{
    const bool python = shownLanguage() == Language::Python;
    const QFileInfo current(m_location->text().trimmed());
    QString folder
        = !m_location->text().trimmed().isEmpty() && current.dir().exists() ? current.absolutePath() : QString();
    if (folder.isEmpty())
        folder = examplesFolder(shownLanguage());
    const QString filter
        = python ? tr("Python files (*.py);;All files (*)") : tr("Shared libraries (*.so *.so.*);;All files (*)");
    const QString chosen = QFileDialog::getOpenFileName(
        m_browse->window(), python ? tr("Choose your Python file") : tr("Choose your shared library"), folder, filter);
    if (!chosen.isEmpty())
        m_location->setText(chosen);
}

} // namespace parlab
