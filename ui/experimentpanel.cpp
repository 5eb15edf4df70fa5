#include "experimentpanel.h"

#include "backends/backend.h"
#include "backends/backendregistry.h"
#include "inputparser.h"
#include "kernels/kernel.h"
#include "kernels/kernelregistry.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QSettings>
#include <QSpinBox>
#include <QThread>
#include <QVBoxLayout>

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
    form->addRow(tr("&Kernel:"), m_kernel);
    m_kernelInfo = new QLabel(what);
    m_kernelInfo->setWordWrap(true);
    m_kernelInfo->setObjectName(QStringLiteral("kernelInfo"));
    form->addRow(m_kernelInfo);
    m_commandLabel = new QLabel(tr("Co&mmand:"), what);
    m_command = new QLineEdit(what);
    m_command->setObjectName(QStringLiteral("command"));
    m_command->setPlaceholderText(tr("python3 child.py --n {}"));
    m_command->setToolTip(tr("Run through /bin/sh for each input; {} becomes the input"));
    m_commandLabel->setBuddy(m_command);
    form->addRow(m_commandLabel, m_command);
    m_inputs = new QLineEdit(what);
    m_inputs->setObjectName(QStringLiteral("inputs"));
    m_inputs->setToolTip(tr("Comma-separated numbers, ranges a..b or a..b:step, repeats NxK"));
    form->addRow(tr("&Inputs:"), m_inputs);
    m_inputsProblem = new QLabel(what);
    m_inputsProblem->setObjectName(QStringLiteral("inputsProblem"));
    m_inputsProblem->setWordWrap(true);
    m_inputsProblem->setTextFormat(Qt::RichText);
    form->addRow(m_inputsProblem);
    layout->addWidget(what);

    auto* how = new QGroupBox(tr("Backends and workers"), this);
    auto* howLayout = new QFormLayout(how);
    m_backends = new QListWidget(how);
    m_backends->setObjectName(QStringLiteral("backends"));
    for (const QString& id : BackendRegistry::ids()) {
        const auto backend = BackendRegistry::create(id);
        auto* item = new QListWidgetItem(id, m_backends);
        item->setData(Qt::UserRole, id);
        const Availability availability = backend->availability();
        if (availability.available) {
            item->setFlags(Qt::ItemIsUserCheckable | Qt::ItemIsEnabled);
            backend->configure({});
            const QString runtime = backend->runtime(); // the interpreter python-* run on, and its version
            item->setToolTip(
                runtime.isEmpty() ? backend->description() : tr("%1\nRuns on %2").arg(backend->description(), runtime));
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
    m_repeats = new QSpinBox(how);
    m_repeats->setObjectName(QStringLiteral("repeats"));
    m_repeats->setRange(1, ExperimentSpec::kMaxRepeats);
    howLayout->addRow(tr("&Repeats:"), m_repeats);
    m_warmup = new QSpinBox(how);
    m_warmup->setObjectName(QStringLiteral("warmup"));
    m_warmup->setRange(0, ExperimentSpec::kMaxRepeats);
    howLayout->addRow(tr("W&armup rounds:"), m_warmup);
    layout->addWidget(how);

    auto* options = new QGroupBox(tr("Process options"), this);
    auto* optionsLayout = new QFormLayout(options);
    m_chunksize = new QSpinBox(options);
    m_chunksize->setObjectName(QStringLiteral("chunksize"));
    m_chunksize->setRange(1, 1'000'000);
    m_chunksize->setToolTip(tr("processes: inputs handed to a worker at once (multiprocessing's chunksize)"));
    optionsLayout->addRow(tr("&Chunk size:"), m_chunksize);
    m_taskTimeout = new QDoubleSpinBox(options);
    m_taskTimeout->setObjectName(QStringLiteral("taskTimeout"));
    m_taskTimeout->setRange(0, 86'400);
    m_taskTimeout->setDecimals(1);
    m_taskTimeout->setSuffix(tr(" s"));
    m_taskTimeout->setSpecialValueText(tr("no limit"));
    optionsLayout->addRow(tr("Task &timeout:"), m_taskTimeout);
    m_continueOnError = new QCheckBox(tr("Keep going when a task fails"), options);
    m_continueOnError->setObjectName(QStringLiteral("continueOnError"));
    optionsLayout->addRow(m_continueOnError);
    layout->addWidget(options);

    auto* interpreter = new QGroupBox(tr("GIL and Python"), this);
    auto* interpreterLayout = new QFormLayout(interpreter);
    m_switchInterval = new QDoubleSpinBox(interpreter);
    m_switchInterval->setObjectName(QStringLiteral("switchInterval"));
    m_switchInterval->setRange(0.1, 1000);
    m_switchInterval->setDecimals(1);
    m_switchInterval->setSuffix(tr(" ms"));
    m_switchInterval->setValue(5);
    m_switchInterval->setToolTip(tr("gil-threads: how long a waiting thread waits before asking the holder to drop "
                                    "the lock (sys.setswitchinterval)"));
    interpreterLayout->addRow(tr("&Switch interval:"), m_switchInterval);
    m_releaseGil = new QCheckBox(tr("CPU kernels release the GIL (a C extension)"), interpreter);
    m_releaseGil->setObjectName(QStringLiteral("releaseGil"));
    m_releaseGil->setToolTip(tr("gil-threads: run kernels between Py_BEGIN_ALLOW_THREADS and Py_END_ALLOW_THREADS"));
    interpreterLayout->addRow(m_releaseGil);
    m_python = new QLineEdit(interpreter);
    m_python->setObjectName(QStringLiteral("python"));
    m_python->setPlaceholderText(tr("python3 on the PATH"));
    m_python->setToolTip(tr("python-*: the interpreter to run, e.g. a free-threaded python3.13t"));
    interpreterLayout->addRow(tr("&Python:"), m_python);
    m_pythonNative = new QCheckBox(tr("Python threads call the C++ kernel (ctypes)"), interpreter);
    m_pythonNative->setObjectName(QStringLiteral("pythonNative"));
    m_pythonNative->setToolTip(tr("python-threads: ctypes releases the GIL during the foreign call"));
    interpreterLayout->addRow(m_pythonNative);
    layout->addWidget(interpreter);

    m_problem = new QLabel(this);
    m_problem->setObjectName(QStringLiteral("problem"));
    m_problem->setWordWrap(true);
    layout->addWidget(m_problem);
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
    connect(m_command, &QLineEdit::textChanged, this, &ExperimentPanel::revalidate);
    connect(m_workers, &QLineEdit::textChanged, this, &ExperimentPanel::revalidate);
    connect(m_backends, &QListWidget::itemChanged, this, &ExperimentPanel::revalidate);
    connect(m_python, &QLineEdit::textChanged, this, &ExperimentPanel::revalidate);
    kernelChanged();
}

void ExperimentPanel::kernelChanged()
{
    const auto kernel = KernelRegistry::create(m_kernel->currentData().toString());
    if (kernel) {
        const InputRange r = kernel->range();
        m_kernelInfo->setText(tr("%1.\nKind: %2 · input: %3, %4 to %5 (%6)")
                                  .arg(kernel->description(), kernelKindName(kernel->kind()), kernel->inputMeaning())
                                  .arg(r.min)
                                  .arg(r.max)
                                  .arg(r.reason));
    }
    const bool isCommand = m_kernel->currentData().toString() == QStringLiteral("command");
    m_command->setVisible(isCommand);
    m_commandLabel->setVisible(isCommand);
    revalidate();
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
    spec.kernel = m_kernel->currentData().toString();
    spec.inputs = parseInputs(m_inputs->text()).values;
    spec.backends = checkedBackends();
    QString workersError;
    spec.workers = parseWorkerCounts(m_workers->text(), QString(), &workersError);
    spec.repeats = m_repeats->value();
    spec.warmup = m_warmup->value();
    if (spec.kernel == QStringLiteral("command"))
        spec.options.insert(QStringLiteral("command"), m_command->text());
    if (m_chunksize->value() != 1)
        spec.options.insert(QStringLiteral("chunksize"), m_chunksize->value());
    if (m_taskTimeout->value() > 0)
        spec.options.insert(QStringLiteral("task_timeout_s"), m_taskTimeout->value());
    spec.options.insert(QStringLiteral("on_error"),
        m_continueOnError->isChecked() ? QStringLiteral("continue") : QStringLiteral("stop"));
    if (m_switchInterval->value() != 5.0)
        spec.options.insert(QStringLiteral("switch_interval_ms"), m_switchInterval->value());
    if (m_releaseGil->isChecked())
        spec.options.insert(QStringLiteral("release_gil"), true);
    if (!m_python->text().trimmed().isEmpty())
        spec.options.insert(QStringLiteral("python"), m_python->text().trimmed());
    if (m_pythonNative->isChecked())
        spec.options.insert(QStringLiteral("python_native"), true);
    return spec;
}

void ExperimentPanel::revalidate()
{
    QString error;
    const ParsedInputs inputs = parseInputs(m_inputs->text());
    const auto kernel = KernelRegistry::create(m_kernel->currentData().toString());
    if (!inputs.ok()) {
        error = tr("Inputs %1").arg(inputs.error->message());
        m_inputsProblem->setText(markedText(m_inputs->text(), *inputs.error) + QStringLiteral("<br>")
            + inputs.error->reason.toHtmlEscaped());
    } else {
        m_inputsProblem->setText(tr("%n input(s)", nullptr, int(inputs.values.size())));
        if (kernel)
            error = kernel->checkInputs(inputs.values);
        if (!error.isEmpty())
            m_inputsProblem->setText(error.toHtmlEscaped());
    }
    // A red frame on the field that is wrong, as long as it is wrong.
    m_inputs->setStyleSheet(error.isEmpty() ? QString() : QStringLiteral("QLineEdit { border: 2px solid #e0484f; }"));

    QString workersError;
    parseWorkerCounts(m_workers->text(), tr("Workers"), &workersError);
    m_workers->setStyleSheet(
        workersError.isEmpty() ? QString() : QStringLiteral("QLineEdit { border: 2px solid #e0484f; }"));
    if (error.isEmpty())
        error = workersError;
    if (error.isEmpty())
        error = validateSpec(spec());

    m_problem->setText(error.isEmpty() ? QString() : QStringLiteral("⚠ ") + error);
    m_problem->setStyleSheet(error.isEmpty() ? QString() : QStringLiteral("color: #e0484f;"));
    if (error != m_error || error.isEmpty()) {
        m_error = error;
        Q_EMIT validityChanged(m_error.isEmpty(), m_error);
    }
}

void ExperimentPanel::setExperiment(const ExperimentSpec& spec, const QString& inputsText, const QString& workersText)
{
    const int kernelIndex = m_kernel->findData(spec.kernel);
    if (kernelIndex >= 0)
        m_kernel->setCurrentIndex(kernelIndex);
    m_command->setText(spec.options.value(QStringLiteral("command")).toString());
    m_inputs->setText(inputsText);
    m_workers->setText(workersText.isEmpty() ? joined(spec.workers) : workersText);
    m_repeats->setValue(spec.repeats);
    m_warmup->setValue(spec.warmup);
    m_chunksize->setValue(spec.options.value(QStringLiteral("chunksize"), 1).toInt());
    m_taskTimeout->setValue(spec.options.value(QStringLiteral("task_timeout_s"), 0.0).toDouble());
    m_continueOnError->setChecked(spec.continueOnError());
    m_switchInterval->setValue(spec.options.value(QStringLiteral("switch_interval_ms"), 5.0).toDouble());
    m_releaseGil->setChecked(spec.options.value(QStringLiteral("release_gil")).toBool());
    m_python->setText(spec.options.value(QStringLiteral("python")).toString());
    m_pythonNative->setChecked(spec.options.value(QStringLiteral("python_native")).toBool());
    for (int i = 0; i < m_backends->count(); ++i) {
        QListWidgetItem* item = m_backends->item(i);
        const bool wanted = spec.backends.contains(item->data(Qt::UserRole).toString());
        item->setCheckState(wanted && (item->flags() & Qt::ItemIsEnabled) ? Qt::Checked : Qt::Unchecked);
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
    settings.setValue(QStringLiteral("experiment/kernel"), m_kernel->currentData().toString());
    settings.setValue(QStringLiteral("experiment/inputs"), m_inputs->text());
    settings.setValue(QStringLiteral("experiment/command"), m_command->text());
    settings.setValue(QStringLiteral("experiment/backends"), checkedBackends());
    settings.setValue(QStringLiteral("experiment/workers"), m_workers->text());
    settings.setValue(QStringLiteral("experiment/repeats"), m_repeats->value());
    settings.setValue(QStringLiteral("experiment/warmup"), m_warmup->value());
    settings.setValue(QStringLiteral("experiment/chunksize"), m_chunksize->value());
    settings.setValue(QStringLiteral("experiment/taskTimeout"), m_taskTimeout->value());
    settings.setValue(QStringLiteral("experiment/continueOnError"), m_continueOnError->isChecked());
    settings.setValue(QStringLiteral("experiment/switchInterval"), m_switchInterval->value());
    settings.setValue(QStringLiteral("experiment/releaseGil"), m_releaseGil->isChecked());
    settings.setValue(QStringLiteral("experiment/python"), m_python->text());
    settings.setValue(QStringLiteral("experiment/pythonNative"), m_pythonNative->isChecked());
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
    spec.options.insert(QStringLiteral("command"), settings.value(QStringLiteral("experiment/command")).toString());
    spec.options.insert(QStringLiteral("chunksize"), settings.value(QStringLiteral("experiment/chunksize"), 1).toInt());
    spec.options.insert(
        QStringLiteral("task_timeout_s"), settings.value(QStringLiteral("experiment/taskTimeout"), 0.0).toDouble());
    spec.options.insert(QStringLiteral("on_error"),
        settings.value(QStringLiteral("experiment/continueOnError")).toBool() ? QStringLiteral("continue")
                                                                              : QStringLiteral("stop"));
    spec.options.insert(QStringLiteral("switch_interval_ms"),
        settings.value(QStringLiteral("experiment/switchInterval"), 5.0).toDouble());
    if (settings.value(QStringLiteral("experiment/releaseGil")).toBool())
        spec.options.insert(QStringLiteral("release_gil"), true);
    spec.options.insert(QStringLiteral("python"), settings.value(QStringLiteral("experiment/python")).toString());
    if (settings.value(QStringLiteral("experiment/pythonNative")).toBool())
        spec.options.insert(QStringLiteral("python_native"), true);
    setExperiment(spec, settings.value(QStringLiteral("experiment/inputs")).toString(),
        settings.value(QStringLiteral("experiment/workers")).toString());
}

void ExperimentPanel::setRunning(bool running)
{
    for (QWidget* w : { static_cast<QWidget*>(m_kernel), static_cast<QWidget*>(m_inputs),
             static_cast<QWidget*>(m_command), static_cast<QWidget*>(m_backends), static_cast<QWidget*>(m_workers),
             static_cast<QWidget*>(m_repeats), static_cast<QWidget*>(m_warmup), static_cast<QWidget*>(m_chunksize),
             static_cast<QWidget*>(m_taskTimeout), static_cast<QWidget*>(m_continueOnError),
             static_cast<QWidget*>(m_switchInterval), static_cast<QWidget*>(m_releaseGil),
             static_cast<QWidget*>(m_python), static_cast<QWidget*>(m_pythonNative) })
        w->setEnabled(!running);
}

} // namespace parlab
