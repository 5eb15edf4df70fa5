#include "experimentpanel.h"

#include "backends/backendregistry.h"
#include "experimentspec.h"
#include "hostfile.h"
#include "inputparser.h"
#include "kernels/kernel.h"
#include "kernels/kernelregistry.h"
#include "optiondescriptor.h"
#include "runestimate.h"
#include "runoptions.h"
#include "sweep.h"
#include "usercodepicker.h"

#include <QAbstractScrollArea>
#include <QAbstractSpinBox>
#include <QCheckBox>
#include <QComboBox>
#include <QCoreApplication>
#include <QDoubleSpinBox>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QFutureWatcher>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QThread>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace parlab {

namespace {
QString joined(const QList<int>& values)
{
    QStringList parts;
    for (int v : values)
        parts.append(QString::number(v));
    return parts.join(QLatin1Char(','));
}

// The input text with the offending item marked, for a rich-text label.
QString markedText(const QString& text, const InputError& error)
{
    const qsizetype start = std::max(0, error.column - 1);
    const qsizetype length = std::max<qsizetype>(1, error.fragment.size());
    return text.left(start).toHtmlEscaped() + QStringLiteral("<span style=\"background-color:#e0484f;color:white\">")
        + (start < text.size() ? text.mid(start, length).toHtmlEscaped() : QStringLiteral("&nbsp;"))
        + QStringLiteral("</span>") + text.mid(start + length).toHtmlEscaped();
}

// The widget for an option, set up from its descriptor: a spin box with the declared range, unit and special
// "unset" text, a check box, a list of the choices or a line edit; its tooltip the option's help.
QWidget* makeEditor(const OptionDescriptor& d, QWidget* parent)
{
    using Type = OptionDescriptor::Type;
    QWidget* widget = nullptr;
    switch (d.type) {
    case Type::Integer: {
        auto* box = new QSpinBox(parent);
        box->setRange(int(d.minimum), int(d.maximum));
        if (!d.unit.isEmpty())
            box->setSuffix(QLatin1Char(' ') + d.unit);
        if (d.minimum == 0 && !d.unsetMeans.isEmpty())
            box->setSpecialValueText(d.unsetMeans);
        widget = box;
        break;
    }
    case Type::Number: {
        auto* box = new QDoubleSpinBox(parent);
        box->setDecimals(d.decimals);
        box->setRange(d.minimum, d.maximum);
        if (!d.unit.isEmpty())
            box->setSuffix(QLatin1Char(' ') + d.unit);
        if (d.minimum == 0 && !d.unsetMeans.isEmpty())
            box->setSpecialValueText(d.unsetMeans);
        widget = box;
        break;
    }
    case Type::Boolean:
        widget = new QCheckBox(d.label, parent);
        break;
    case Type::Choice: {
        auto* box = new QComboBox(parent);
        for (const QString& choice : d.choices)
            box->addItem(choice, choice);
        widget = box;
        break;
    }
    case Type::Text:
    case Type::File: {
        auto* edit = new QLineEdit(parent);
        edit->setPlaceholderText(d.unsetMeans);
        widget = edit;
        break;
    }
    }
    widget->setObjectName(d.key);
    widget->setToolTip(d.helpText());
    return widget;
}

QVariant editorValue(const OptionDescriptor& d, const QWidget* widget)
{
    using Type = OptionDescriptor::Type;
    switch (d.type) {
    case Type::Integer:
        return static_cast<const QSpinBox*>(widget)->value();
    case Type::Number:
        return static_cast<const QDoubleSpinBox*>(widget)->value();
    case Type::Boolean:
        return static_cast<const QCheckBox*>(widget)->isChecked();
    case Type::Choice:
        return static_cast<const QComboBox*>(widget)->currentData();
    case Type::Text:
    case Type::File:
        return static_cast<const QLineEdit*>(widget)->text().trimmed();
    }
    return {};
}

void setEditorValue(const OptionDescriptor& d, QWidget* widget, const QVariant& value)
{
    using Type = OptionDescriptor::Type;
    switch (d.type) {
    case Type::Integer:
        static_cast<QSpinBox*>(widget)->setValue(value.toInt());
        return;
    case Type::Number:
        static_cast<QDoubleSpinBox*>(widget)->setValue(value.toDouble());
        return;
    case Type::Boolean:
        static_cast<QCheckBox*>(widget)->setChecked(value.toBool());
        return;
    case Type::Choice: {
        auto* box = static_cast<QComboBox*>(widget);
        box->setCurrentIndex(std::max(0, box->findData(value)));
        return;
    }
    case Type::Text:
    case Type::File:
        static_cast<QLineEdit*>(widget)->setText(value.toString());
        return;
    }
}

// Where the form shows each option: a layout choice, so it is made here; what the options are is not.
enum class Group { Kernel, Workers, Process, Interpreter, Mpi };

Group groupOf(const OptionDescriptor& d)
{
    switch (d.option) {
    case Option::Chunksize:
    case Option::TaskTimeout:
    case Option::OnError:
    case Option::BaselineCore:
    case Option::Label:
    case Option::Commit:
        return Group::Process;
    case Option::SwitchInterval:
    case Option::ReleaseGil:
    case Option::Python:
    case Option::PythonNative:
        return Group::Interpreter;
    case Option::Hostfile:
    case Option::MpirunArgs:
        return Group::Mpi;
    case Option::Scaling:
    case Option::Pin:
        return Group::Workers;
    case Option::KernelSetting:
        return Group::Kernel;
    }
    return Group::Process;
}
} // namespace

ExperimentPanel::ExperimentPanel(QWidget* parent)
    : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);

    auto* what = new QGroupBox(tr("Kernel and inputs"), this);
    auto* form = new QFormLayout(what);
    m_kernel = new QComboBox(what);
    m_kernel->setObjectName(QStringLiteral("kernel"));
    for (const QString& name : KernelRegistry::names())
        m_kernel->addItem(name, name);
    // The user's own code last, by its language's prefix: the picker's rows under the kernel's say where it lies.
    m_kernel->insertSeparator(m_kernel->count());
    m_kernel->addItem(tr("Your Python function…"), UserCode::prefix(UserCode::Language::Python));
    m_kernel->addItem(tr("Your shared library…"), UserCode::prefix(UserCode::Language::Library));
    form->addRow(tr("&Kernel:"), m_kernel);
    m_kernelInfo = new QLabel(what);
    m_kernelInfo->setWordWrap(true);
    m_kernelInfo->setObjectName(QStringLiteral("kernelInfo"));
    form->addRow(m_kernelInfo);
    m_picker = new UserCodePicker(form, this);
    connect(m_picker, &UserCodePicker::changed, this, &ExperimentPanel::revalidate);
    m_inputs = new QLineEdit(what);
    m_inputs->setObjectName(QStringLiteral("inputs"));
    m_inputs->setToolTip(tr("Comma-separated numbers, ranges a..b or a..b:step, repeats NxK"));
    form->addRow(tr("&Inputs:"), m_inputs);
    m_inputsProblem = new QLabel(what);
    m_inputsProblem->setObjectName(QStringLiteral("inputsProblem"));
    m_inputsProblem->setWordWrap(true);
    m_inputsProblem->setTextFormat(Qt::RichText);
    form->addRow(m_inputsProblem);
    m_sweep = new QLineEdit(what);
    m_sweep->setObjectName(QStringLiteral("sweepSizes"));
    m_sweep->setPlaceholderText(tr("empty: one run of the inputs"));
    m_sweep->setToolTip(
        tr("Task sizes in milliseconds, e.g. 0.01,0.1,1,10,100: runs the experiment once per size on %1 "
           "tasks of that size (instead of the inputs) and charts each backend's speedup against task "
           "size, with where it breaks even and where it reaches 90% of ideal. For kernels whose input "
           "is a duration: spin, sleep.")
            .arg(SweepSpec::kDefaultTasks));
    form->addRow(tr("Sweep task size (ms):"), m_sweep);
    connect(m_sweep, &QLineEdit::textChanged, this, [this] {
        // A sweep makes its own inputs: the field stays as typed, for the next plain run.
        m_inputs->setEnabled(m_sweep->text().trimmed().isEmpty() && m_kernel->isEnabled());
        revalidate();
    });
    layout->addWidget(what);

    auto* how = new QGroupBox(tr("Backends and workers"), this);
    auto* howLayout = new QFormLayout(how);
    m_backends = new QListWidget(how);
    m_backends->setObjectName(QStringLiteral("backends"));
    for (const BackendFacts& backend : BackendRegistry::all()) {
        auto* item = new QListWidgetItem(backend.id, m_backends);
        item->setData(Qt::UserRole, backend.id);
        const Availability availability = BackendRegistry::availability(backend.id, RunOptions());
        item->setData(kAvailableRole, availability.available);
        if (availability.available) {
            item->setFlags(Qt::ItemIsUserCheckable | Qt::ItemIsEnabled);
            // the interpreter python-* run on, and its version
            const QString runtime = backend.runtime ? backend.runtime(RunOptions()) : QString();
            item->setToolTip(
                runtime.isEmpty() ? backend.description : tr("%1\nRuns on %2").arg(backend.description, runtime));
            item->setData(kToolTipRole, item->toolTip());
        } else {
            item->setFlags(Qt::ItemIsUserCheckable); // shown, greyed out, not checkable
            item->setToolTip(tr("Not available here: %1").arg(availability.reason));
        }
        item->setCheckState(Qt::Unchecked);
    }
    m_backends->setMaximumHeight(m_backends->sizeHintForRow(0) * (m_backends->count() + 1));
    howLayout->addRow(tr("&Backends:"), m_backends);
    m_workers = new QLineEdit(how);
    m_workers->setObjectName(QStringLiteral("workers"));
    m_workers->setToolTip(tr("Worker counts: a list or a range, e.g. 1,2,4 or 1..16"));
    howLayout->addRow(tr("&Workers:"), m_workers);
    int workersRow = howLayout->rowCount(); // what the worker counts scale goes right after them
    m_repeats = new QSpinBox(how);
    m_repeats->setObjectName(QStringLiteral("repeats"));
    m_repeats->setRange(1, ExperimentSpec::kMaxRepeats);
    howLayout->addRow(tr("Rep&eats:"), m_repeats);
    m_warmup = new QSpinBox(how);
    m_warmup->setObjectName(QStringLiteral("warmup"));
    m_warmup->setRange(0, ExperimentSpec::kMaxRepeats);
    howLayout->addRow(tr("Warm&up rounds:"), m_warmup);
    layout->addWidget(how);

    auto* processGroup = new QGroupBox(tr("Process options"), this);
    auto* interpreterGroup = new QGroupBox(tr("GIL and Python"), this);
    auto* mpiGroup = new QGroupBox(tr("MPI"), this);
    int kernelRow = form->rowCount() - 2; // after the kernel's description, before the inputs
    auto* optionsLayout = new QFormLayout(processGroup);
    auto* interpreterLayout = new QFormLayout(interpreterGroup);
    auto* mpiLayout = new QFormLayout(mpiGroup);
    for (const OptionDescriptor& d : RunOptions::descriptors()) {
        switch (groupOf(d)) {
        case Group::Kernel:
            // Kernel settings go right after the kernel, before the inputs they often shape.
            addOptionEditor(d, form, kernelRow++);
            break;
        case Group::Workers:
            addOptionEditor(d, howLayout, workersRow++);
            break;
        case Group::Process:
            addOptionEditor(d, optionsLayout, -1);
            break;
        case Group::Interpreter:
            addOptionEditor(d, interpreterLayout, -1);
            break;
        case Group::Mpi:
            addOptionEditor(d, mpiLayout, -1);
            break;
        }
    }
    layout->addWidget(processGroup);
    layout->addWidget(interpreterGroup);
    layout->addWidget(mpiGroup);

    m_problem = new QLabel(this);
    m_problem->setObjectName(QStringLiteral("problem"));
    m_problem->setWordWrap(true);
    layout->addWidget(m_problem);
    m_estimate = new QLabel(this);
    m_estimate->setObjectName(QStringLiteral("estimate"));
    m_estimate->setWordWrap(true);
    layout->addWidget(m_estimate);
    m_estimateTimer = new QTimer(this);
    m_estimateTimer->setSingleShot(true);
    m_estimateTimer->setInterval(kEstimateDelayMs);
    connect(m_estimateTimer, &QTimer::timeout, this, &ExperimentPanel::updateEstimate);
    layout->addStretch(1);

    // Defaults: the classic example on the in-process backends.
    m_kernel->setCurrentIndex(m_kernel->findData(QStringLiteral("fib")));
    m_inputs->setText(QStringLiteral("38,37,36,35,34,33"));
    // Every count from one to the logical cores: the whole speedup curve, not only powers of two.
    m_workers->setText(QStringLiteral("1..%1").arg(std::max(1, QThread::idealThreadCount())));
    m_repeats->setValue(5);
    m_warmup->setValue(1);
    for (int i = 0; i < m_backends->count(); ++i) {
        QListWidgetItem* item = m_backends->item(i);
        const QString id = item->data(Qt::UserRole).toString();
        if ((item->flags() & Qt::ItemIsEnabled)
            && (id == QStringLiteral("sequential") || id == QStringLiteral("threads")
                || id == QStringLiteral("processes")))
            item->setCheckState(Qt::Checked);
    }

    connect(m_kernel, &QComboBox::currentIndexChanged, this, &ExperimentPanel::kernelChanged);
    connect(m_inputs, &QLineEdit::textChanged, this, &ExperimentPanel::revalidate);
    connect(m_workers, &QLineEdit::textChanged, this, &ExperimentPanel::revalidate);
    connect(m_backends, &QListWidget::itemChanged, this, &ExperimentPanel::revalidate);
    // Repeats and warm-ups are always valid, but change how long the run takes.
    for (QSpinBox* rounds : { m_repeats, m_warmup })
        connect(rounds, &QSpinBox::valueChanged, m_estimateTimer, qOverload<>(&QTimer::start));
    // Scrolling the form with the wheel went through whatever field passed under the pointer, changing repeats or
    // the kernel on the way: fields take the wheel only once they have the focus, from a click or Tab.
    const QList<QWidget*> fields = findChildren<QWidget*>();
    for (QWidget* field : fields) {
        if (qobject_cast<QAbstractSpinBox*>(field) || qobject_cast<QComboBox*>(field)) {
            field->setFocusPolicy(Qt::StrongFocus);
            field->installEventFilter(this);
        }
    }
    kernelChanged();
}

bool ExperimentPanel::eventFilter(QObject* watched, QEvent* event)
{
    if (event->type() == QEvent::Wheel) {
        auto* field = qobject_cast<QWidget*>(watched);
        if (field && !field->hasFocus()) {
            // On to the scroll area around the form, which the field would otherwise keep it from.
            for (QWidget* w = parentWidget(); w; w = w->parentWidget()) {
                if (auto* area = qobject_cast<QAbstractScrollArea*>(w)) {
                    QCoreApplication::sendEvent(area->viewport(), event);
                    break;
                }
            }
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

std::optional<UserCode::Language> ExperimentPanel::chosenLanguage() const
{
    const std::optional<UserCode::Choice> user = UserCode::parse(m_kernel->currentData().toString());
    return user ? std::optional(user->language) : std::nullopt;
}

QString ExperimentPanel::kernelName() const
{
    return chosenLanguage() ? m_picker->kernelName() : m_kernel->currentData().toString();
}

void ExperimentPanel::kernelChanged()
{
    const std::optional<UserCode::Language> language = chosenLanguage();
    m_picker->setLanguage(language);
    const auto kernel = KernelRegistry::create(m_kernel->currentData().toString());
    if (language == UserCode::Language::Python) {
        m_kernelInfo->setText(tr("Your own function f(n), in a .py file or a module: ParLab calls it with each input "
                                 "on the python-* backends and hashes what it returns into the task's checksum."));
    } else if (language == UserCode::Language::Library) {
        m_kernelInfo->setText(tr("Your own C function uint64_t f(int64_t) in a shared library "
                                 "(<parlab/kernel_abi.h>): ParLab's backends call it with each input, and what it "
                                 "returns is the task's checksum."));
    } else if (kernel) {
        const InputRange r = kernel->range();
        m_kernelInfo->setText(tr("%1.\nKind: %2 · input: %3, %4 to %5 (%6)")
                                  .arg(kernel->description(), kernelKindName(kernel->kind()), kernel->inputMeaning())
                                  .arg(r.min)
                                  .arg(r.max)
                                  .arg(r.reason));
    }
    for (const OptionEditor& editor : std::as_const(m_optionEditors)) {
        if (editor.descriptor->scope != OptionDescriptor::Scope::Kernel)
            continue;
        const bool shown = editor.descriptor->kernels.contains(m_kernel->currentData().toString());
        editor.widget->setVisible(shown);
        if (editor.label)
            editor.label->setVisible(shown);
    }
    updateBackends();
    // A Python function runs only on the python-* backends: with none of them ticked it would not run at all.
    const auto user = language ? KernelRegistry::create(backendsKernelName()) : nullptr;
    if (user && !user->runsNatively() && checkedBackends().isEmpty()) {
        const QSignalBlocker blocker(m_backends);
        for (int i = 0; i < m_backends->count(); ++i) {
            QListWidgetItem* item = m_backends->item(i);
            if ((item->flags() & Qt::ItemIsEnabled)
                && BackendRegistry::factsOf(item->data(Qt::UserRole).toString()).runsPython)
                item->setCheckState(Qt::Checked);
        }
    }
    revalidate();
}

QString ExperimentPanel::backendsKernelName() const
{
    const std::optional<UserCode::Language> language = chosenLanguage();
    if (!language)
        return m_kernel->currentData().toString();
    // Which backends run this kind of code does not depend on the file: a stand-in until one is chosen.
    const QString name = m_picker->kernelName();
    return !name.isEmpty() ? name
        : *language == UserCode::Language::Python
        ? UserCode::prefix(*language) + QStringLiteral("your_module:your_function")
        : UserCode::prefix(*language) + QStringLiteral("your_library.so:your_function");
}

void ExperimentPanel::updateBackends()
{
    // Only the user's code is refused by whole backends (a Python function runs only in an interpreter); for
    // ParLab's own kernels the form says which backend cannot run one with these options, as it says all else.
    const auto kernel = chosenLanguage() ? KernelRegistry::create(backendsKernelName()) : nullptr;
    const QSignalBlocker blocker(m_backends); // no revalidation from here: this is part of one
    for (int i = 0; i < m_backends->count(); ++i) {
        QListWidgetItem* item = m_backends->item(i);
        if (!item->data(kAvailableRole).toBool())
            continue; // greyed out already, saying why
        // The backend's own verdict on this kind of kernel, whatever the options: they are the form's to check.
        const Result<void> runs = kernel
            ? BackendRegistry::checkKernel(item->data(Qt::UserRole).toString(), *kernel, RunOptions())
            : Result<void>();
        const bool enabled = item->flags() & Qt::ItemIsEnabled;
        if (!runs && enabled) {
            item->setData(kWantedRole, item->checkState() == Qt::Checked); // ticked again for a kernel it runs
            item->setCheckState(Qt::Unchecked);
            item->setFlags(Qt::ItemIsUserCheckable);
        } else if (runs && !enabled) {
            item->setFlags(Qt::ItemIsUserCheckable | Qt::ItemIsEnabled);
            item->setCheckState(item->data(kWantedRole).toBool() ? Qt::Checked : Qt::Unchecked);
        }
        item->setToolTip(runs ? item->data(kToolTipRole).toString() : tr("Not for this kernel: %1").arg(runs.error()));
    }
}

void ExperimentPanel::addOptionEditor(const OptionDescriptor& descriptor, QFormLayout* form, int row)
{
    OptionEditor editor;
    editor.descriptor = &descriptor;
    editor.widget = makeEditor(descriptor, form->parentWidget());
    setEditorValue(descriptor, editor.widget, descriptor.defaultValue);
    if (descriptor.type == OptionDescriptor::Type::Boolean) {
        form->insertRow(row, editor.widget);
    } else {
        editor.label = new QLabel(descriptor.label + QLatin1Char(':'), form->parentWidget());
        editor.label->setBuddy(editor.widget);
        QWidget* field = editor.widget;
        if (descriptor.type == OptionDescriptor::Type::File) {
            // The path can be typed or picked; the line edit stays the option's widget (named by its key).
            field = new QWidget(form->parentWidget());
            auto* fieldLayout = new QHBoxLayout(field);
            fieldLayout->setContentsMargins(0, 0, 0, 0);
            editor.widget->setParent(field);
            fieldLayout->addWidget(editor.widget, 1);
            auto* browse = new QPushButton(tr("Browse…"), field);
            browse->setObjectName(descriptor.key + QStringLiteral("Browse"));
            const QString title = QString(descriptor.label).remove(QLatin1Char('&')).toLower();
            browse->setToolTip(tr("Choose the %1 in a file dialog").arg(title));
            fieldLayout->addWidget(browse);
            editor.browse = browse;
            auto* edit = static_cast<QLineEdit*>(editor.widget);
            connect(browse, &QPushButton::clicked, this, [this, edit, title] {
                const QString current = edit->text().trimmed();
                const QString chosen = QFileDialog::getOpenFileName(
                    this, tr("Choose the %1").arg(title), current.isEmpty() ? QString() : QFileInfo(current).path());
                if (!chosen.isEmpty())
                    edit->setText(chosen);
            });
        }
        form->insertRow(row, editor.label, field);
        if (descriptor.option == Option::Hostfile) {
            editor.check = new QLabel(form->parentWidget());
            editor.check->setObjectName(descriptor.key + QStringLiteral("Check"));
            editor.check->setWordWrap(true);
            editor.check->setTextInteractionFlags(Qt::TextSelectableByMouse);
            // Under the field, in its column: the check reads as part of it.
            form->insertRow(row < 0 ? -1 : row + 1, static_cast<QWidget*>(nullptr), editor.check);
        }
    }
    // Any option can change whether the experiment runs (the python path decides whether python-* can).
    if (editor.check) {
        // Revalidated when its check is done, so that the check's resolving happens off this thread first.
        connect(static_cast<QLineEdit*>(editor.widget), &QLineEdit::textChanged, this, [this, editor] {
            if (!checkHostfile(editor))
                revalidate();
        });
        (void)checkHostfile(editor);
    } else if (auto* edit = qobject_cast<QLineEdit*>(editor.widget))
        connect(edit, &QLineEdit::textChanged, this, &ExperimentPanel::revalidate);
    else if (auto* check = qobject_cast<QCheckBox*>(editor.widget))
        connect(check, &QCheckBox::toggled, this, &ExperimentPanel::revalidate);
    else if (auto* combo = qobject_cast<QComboBox*>(editor.widget))
        connect(combo, &QComboBox::currentIndexChanged, this, &ExperimentPanel::revalidate);
    else if (auto* spin = qobject_cast<QSpinBox*>(editor.widget))
        connect(spin, &QSpinBox::valueChanged, this, &ExperimentPanel::revalidate);
    else if (auto* number = qobject_cast<QDoubleSpinBox*>(editor.widget))
        connect(number, &QDoubleSpinBox::valueChanged, this, &ExperimentPanel::revalidate);
    m_optionEditors.append(editor);
}

bool ExperimentPanel::checkHostfile(const OptionEditor& editor)
{
    // What the label says once the check is done: the file's hosts and slots, or its problem.
    struct Outcome {
        bool ok = true;
        QString text;
    };
    const quint64 generation = ++m_hostfileCheck;
    m_hostfileProblem.clear(); // until this check says otherwise
    const QString path = editorValue(*editor.descriptor, editor.widget).toString();
    QLabel* label = editor.check;
    auto show = [label](const Outcome& outcome) {
        label->setText(outcome.text);
        label->setStyleSheet(outcome.ok ? QString() : QStringLiteral("color: #e0484f;"));
    };
    if (path.isEmpty()) {
        show({ true, editor.descriptor->unsetMeans });
        return false;
    }
    show({ true, tr("Checking %1…").arg(path) });
    auto* watcher = new QFutureWatcher<Outcome>(this);
    connect(watcher, &QFutureWatcher<Outcome>::finished, this, [this, watcher, generation, show] {
        watcher->deleteLater();
        if (generation != m_hostfileCheck)
            return; // the field changed since: a newer check is on its way
        const Outcome outcome = watcher->result();
        show(outcome);
        m_hostfileProblem = outcome.ok ? QString() : outcome.text;
        revalidate();
    });
    watcher->setFuture(QtConcurrent::run([path] {
        const Result<Hostfile> hosts = Hostfile::check(path);
        return hosts ? Outcome { true, hosts->summary() } : Outcome { false, hosts.error() };
    }));
    return true;
}

RunOptions ExperimentPanel::options(const QString& kernel) const
{
    RunOptions options;
    for (const OptionEditor& editor : m_optionEditors) {
        const OptionDescriptor& d = *editor.descriptor;
        if (d.scope == OptionDescriptor::Scope::Kernel && !kernel.isEmpty() && !d.kernels.contains(kernel))
            continue; // another kernel's setting: not part of this experiment
        options.setValue(d, editorValue(d, editor.widget));
    }
    return options;
}

void ExperimentPanel::setOptions(const RunOptions& options)
{
    for (const OptionEditor& editor : std::as_const(m_optionEditors))
        setEditorValue(*editor.descriptor, editor.widget, options.value(*editor.descriptor));
}

QStringList ExperimentPanel::checkedBackends() const
{
    QStringList ids;
    for (int i = 0; i < m_backends->count(); ++i) {
        if (m_backends->item(i)->checkState() == Qt::Checked)
            ids.append(m_backends->item(i)->data(Qt::UserRole).toString());
    }
    return ids;
}

ExperimentSpec ExperimentPanel::spec() const
{
    ExperimentSpec spec;
    spec.kernel = kernelName();
    spec.inputs = parseInputs(m_inputs->text()).values;
    spec.backends = checkedBackends();
    spec.workers = parseWorkerCounts(m_workers->text(), QString()).value_or({});
    spec.repeats = m_repeats->value();
    spec.warmup = m_warmup->value();
    spec.options = options(spec.kernel);
    return spec;
}

std::optional<SweepSpec> ExperimentPanel::sweepSpec() const
{
    if (m_sweep->text().trimmed().isEmpty())
        return std::nullopt;
    SweepSpec sweep;
    sweep.base = spec();
    sweep.sizesMs = parseSweepSizes(m_sweep->text(), QString()).value_or({});
    return sweep;
}

QString ExperimentPanel::sweepText() const
{
    return m_sweep->text();
}

void ExperimentPanel::setSweepText(const QString& sizes)
{
    m_sweep->setText(sizes);
}

void ExperimentPanel::revalidate()
{
    QString error;
    m_picker->setOptions(options(QString()));
    updateBackends();
    const ParsedInputs inputs = parseInputs(m_inputs->text());
    const auto kernel = KernelRegistry::create(kernelName());
    const bool sweeping = !m_sweep->text().trimmed().isEmpty();
    if (sweeping) {
        m_inputsProblem->setText(tr("the sweep makes the inputs: %1 tasks of each size").arg(SweepSpec::kDefaultTasks));
    } else if (!inputs.ok()) {
        error = tr("Inputs %1").arg(inputs.error->message());
        m_inputsProblem->setText(markedText(m_inputs->text(), *inputs.error) + QStringLiteral("<br>")
            + inputs.error->reason.toHtmlEscaped());
    } else {
        m_inputsProblem->setText(tr("%n input(s)", nullptr, int(inputs.values.size())));
        if (kernel)
            error = kernel->checkInputs(inputs.values).error();
        if (!error.isEmpty())
            m_inputsProblem->setText(error.toHtmlEscaped());
    }
    // A red frame on the field that is wrong, as long as it is wrong.
    m_inputs->setStyleSheet(error.isEmpty() ? QString() : QStringLiteral("QLineEdit { border: 2px solid #e0484f; }"));

    const QString workersError = parseWorkerCounts(m_workers->text(), tr("Workers")).error();
    m_workers->setStyleSheet(
        workersError.isEmpty() ? QString() : QStringLiteral("QLineEdit { border: 2px solid #e0484f; }"));
    if (error.isEmpty())
        error = workersError;
    // The user's code, checked off this thread (UserCodePicker): pending, or what its check found.
    if (error.isEmpty())
        error = m_picker->problem();
    if (error.isEmpty() && sweeping) {
        const Result<QList<double>> sizes = parseSweepSizes(m_sweep->text(), tr("Sweep task size"));
        error = sizes ? sweepSpec()->validate(SpecCheck::RunHereWithoutLookups).error() : sizes.error();
        m_sweep->setStyleSheet(sizes ? QString() : QStringLiteral("QLineEdit { border: 2px solid #e0484f; }"));
    } else if (error.isEmpty()) {
        error = validateSpec(spec(), SpecCheck::RunHereWithoutLookups).error();
    }
    // The hostfile's hosts, looked up off this thread (checkHostfile), bind the backends that use it.
    if (error.isEmpty() && !m_hostfileProblem.isEmpty()) {
        const QStringList checked = checkedBackends();
        for (const QString& id : BackendRegistry::idsUsing(Option::Hostfile)) {
            if (checked.contains(id)) {
                error = tr("backend '%1': %2").arg(id, m_hostfileProblem);
                break;
            }
        }
    }

    m_problem->setText(error.isEmpty() ? QString() : QStringLiteral("⚠ ") + error);
    m_problem->setStyleSheet(error.isEmpty() ? QString() : QStringLiteral("color: #e0484f;"));
    if (error != m_error || error.isEmpty()) {
        m_error = error;
        Q_EMIT validityChanged(m_error.isEmpty(), m_error);
    }
    m_estimateTimer->start();
}

void ExperimentPanel::updateEstimate()
{
    const quint64 generation = ++m_estimateGeneration;
    if (!isValid()) {
        m_estimate->setText(tr("Estimated: –"));
        m_estimate->setToolTip(tr("The estimate follows once the experiment can run"));
        return;
    }
    auto* watcher = new QFutureWatcher<RunEstimate>(this);
    connect(watcher, &QFutureWatcher<RunEstimate>::finished, this, [this, watcher, generation] {
        watcher->deleteLater();
        if (generation != m_estimateGeneration)
            return; // the form changed since: a newer estimate is on its way
        const RunEstimate estimate = watcher->result();
        m_lastEstimate = estimate;
        m_estimatedGeneration = generation;
        m_estimate->setText(tr("Estimated: %1").arg(estimate.label()));
        m_estimate->setToolTip(estimate.planText().trimmed());
    });
    if (const std::optional<SweepSpec> sweep = sweepSpec())
        watcher->setFuture(QtConcurrent::run([sweep = *sweep] { return sweep.estimate(); }));
    else
        watcher->setFuture(RunEstimator::estimateAsync(spec()));
}

std::optional<RunEstimate> ExperimentPanel::currentEstimate() const
{
    if (m_estimateTimer->isActive() || m_estimatedGeneration != m_estimateGeneration)
        return std::nullopt;
    return m_lastEstimate;
}

void ExperimentPanel::setExperiment(const ExperimentSpec& spec, const QString& inputsText, const QString& workersText)
{
    // The user's code by its language, its file and function in the picker's fields (checked when shown).
    const std::optional<UserCode::Choice> user = UserCode::parse(spec.kernel);
    if (user)
        m_picker->setChoice(*user);
    const int kernelIndex = m_kernel->findData(user ? UserCode::prefix(user->language) : spec.kernel);
    if (kernelIndex >= 0)
        m_kernel->setCurrentIndex(kernelIndex);
    m_inputs->setText(inputsText);
    m_sweep->clear();
    m_workers->setText(workersText.isEmpty() ? joined(spec.workers) : workersText);
    m_repeats->setValue(spec.repeats);
    m_warmup->setValue(spec.warmup);
    setOptions(spec.options);
    for (int i = 0; i < m_backends->count(); ++i) {
        QListWidgetItem* item = m_backends->item(i);
        const bool wanted = spec.backends.contains(item->data(Qt::UserRole).toString());
        item->setCheckState(wanted && (item->flags() & Qt::ItemIsEnabled) ? Qt::Checked : Qt::Unchecked);
        item->setData(kWantedRole, wanted);
    }
    revalidate();
}

QString ExperimentPanel::inputsText() const
{
    return m_inputs->text();
}

QString ExperimentPanel::workersText() const
{
    return m_workers->text();
}

void ExperimentPanel::saveSettings(QSettings& settings) const
{
    // The user's code as its kernel name, or as much of one as is chosen ("py:/home/me/f.py:"): setExperiment
    // takes either.
    const std::optional<UserCode::Language> language = chosenLanguage();
    const UserCode::Choice choice = m_picker->choice(language.value_or(UserCode::Language::Python));
    settings.setValue(QStringLiteral("experiment/kernel"),
        !language ? m_kernel->currentData().toString()
            : !kernelName().isEmpty()
            ? kernelName()
            : UserCode::prefix(*language) + choice.location + QLatin1Char(':') + choice.function);
    settings.setValue(QStringLiteral("experiment/inputs"), m_inputs->text());
    settings.setValue(QStringLiteral("experiment/sweep"), m_sweep->text());
    settings.setValue(QStringLiteral("experiment/backends"), checkedBackends());
    settings.setValue(QStringLiteral("experiment/workers"), m_workers->text());
    settings.setValue(QStringLiteral("experiment/repeats"), m_repeats->value());
    settings.setValue(QStringLiteral("experiment/warmup"), m_warmup->value());
    // Through the files' codec, with every kernel's settings, so switching kernels next session keeps them.
    settings.setValue(QStringLiteral("experiment/options"),
        QString::fromUtf8(QJsonDocument(options(QString()).toJson()).toJson(QJsonDocument::Compact)));
}

void ExperimentPanel::restoreSettings(const QSettings& settings)
{
    if (!settings.contains(QStringLiteral("experiment/kernel")))
        return;
    ExperimentSpec spec;
    spec.kernel = settings.value(QStringLiteral("experiment/kernel")).toString();
    spec.backends = settings.value(QStringLiteral("experiment/backends")).toStringList();
    spec.repeats = settings.value(QStringLiteral("experiment/repeats"), 5).toInt();
    spec.warmup = settings.value(QStringLiteral("experiment/warmup"), 1).toInt();
    const QByteArray stored = settings.value(QStringLiteral("experiment/options")).toString().toUtf8();
    if (!stored.isEmpty()) {
        // Settings another version wrote may not decode here; the form then keeps the defaults.
        auto restored = RunOptions::fromJson(QJsonDocument::fromJson(stored).object(), QStringLiteral("settings"));
        if (restored)
            spec.options = *restored;
        else
            qWarning("the last experiment's options were not restored: %s", qPrintable(restored.error()));
    }
    setExperiment(spec, settings.value(QStringLiteral("experiment/inputs")).toString(),
        settings.value(QStringLiteral("experiment/workers")).toString());
    setSweepText(settings.value(QStringLiteral("experiment/sweep")).toString());
}

void ExperimentPanel::setRunning(bool running)
{
    for (QWidget* w :
        { static_cast<QWidget*>(m_kernel), static_cast<QWidget*>(m_sweep), static_cast<QWidget*>(m_backends),
            static_cast<QWidget*>(m_workers), static_cast<QWidget*>(m_repeats), static_cast<QWidget*>(m_warmup) })
        w->setEnabled(!running);
    m_inputs->setEnabled(!running && m_sweep->text().trimmed().isEmpty());
    m_picker->setEnabled(!running);
    for (const OptionEditor& editor : std::as_const(m_optionEditors)) {
        editor.widget->setEnabled(!running);
        if (editor.browse)
            editor.browse->setEnabled(!running);
    }
}

} // namespace parlab
