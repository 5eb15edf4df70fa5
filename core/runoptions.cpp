#include "runoptions.h"

#include "experimentspec.h"
#include "kernels/kernel.h"
#include "kernels/kernelregistry.h"
#include "optiondescriptor.h"

#include <QJsonObject>
#include <QJsonValue>
#include <algorithm>

namespace parlab {

namespace {
using Type = OptionDescriptor::Type;
using Scope = OptionDescriptor::Scope;

// The table: every option of RunOptions, once. Defaults are filled in from RunOptions' member initialisers.
QList<OptionDescriptor> runDescriptors()
{
    QList<OptionDescriptor> table {
        { .option = Option::Chunksize,
            .key = QStringLiteral("chunksize"),
            .flag = QStringLiteral("chunksize"),
            .label = QStringLiteral("Chunk si&ze"),
            .type = Type::Integer,
            .minimum = 1,
            .maximum = 1'000'000,
            .valueName = QStringLiteral("N"),
            .help = QStringLiteral("inputs handed to a worker at once, as multiprocessing.Pool.map's chunksize."),
            .scope = Scope::Backend },
        { .option = Option::TaskTimeout,
            .key = QStringLiteral("task_timeout_s"),
            .flag = QStringLiteral("task-timeout"),
            .label = QStringLiteral("Task &timeout"),
            .type = Type::Number,
            .minimum = 0,
            .maximum = 86'400,
            .decimals = 1,
            .unsetMeans = QStringLiteral("no limit"),
            .unit = QStringLiteral("s"),
            .valueName = QStringLiteral("seconds"),
            .help
            = QStringLiteral("kill a task that runs longer than this and fail it (python-* end their interpreter; "
                             "a call into C that keeps the GIL is caught when it returns)."),
            .scope = Scope::Backend },
        { .option = Option::OnError,
            .key = QStringLiteral("on_error"),
            .flag = QStringLiteral("on-error"),
            .label = QStringLiteral("When a task f&ails"),
            .type = Type::Choice,
            .choices = { QStringLiteral("stop"), QStringLiteral("continue") },
            .valueName = QStringLiteral("policy"),
            .help = QStringLiteral("stop ends the run and keeps what was measured; continue marks that repeat "
                                   "failed and goes on. Either way the run counts as failed."),
            .scope = Scope::Run },
        { .option = Option::SwitchInterval,
            .key = QStringLiteral("switch_interval_ms"),
            .flag = QStringLiteral("switch-interval"),
            .label = QStringLiteral("&Switch interval"),
            .type = Type::Number,
            // 0.1's command line took any interval above 0; 0.01 ms keeps the fast-switching experiments it
            // allowed, where the window stopped at 0.1.
            .minimum = 0.01,
            .maximum = 1000,
            .decimals = 2,
            .unit = QStringLiteral("ms"),
            .valueName = QStringLiteral("ms"),
            .help = QStringLiteral("how long a thread waits for the GIL before asking the holder to drop it "
                                   "(python-threads passes it to sys.setswitchinterval)."),
            .scope = Scope::Backend },
        { .option = Option::ReleaseGil,
            .key = QStringLiteral("release_gil"),
            .flag = QStringLiteral("release-gil"),
            .label = QStringLiteral("CPU kernels release the GIL (a C extension)"),
            .type = Type::Boolean,
            .help = QStringLiteral("run CPU kernels with the lock released, as a C extension between "
                                   "Py_BEGIN_ALLOW_THREADS and Py_END_ALLOW_THREADS does."),
            .scope = Scope::Backend },
        { .option = Option::Python,
            .key = QStringLiteral("python"),
            .flag = QStringLiteral("python"),
            .label = QStringLiteral("P&ython"),
            .type = Type::Text,
            .unsetMeans = QStringLiteral("python3 on the PATH"),
            .valueName = QStringLiteral("path"),
            .help = QStringLiteral("the interpreter to run (e.g. a free-threaded python3.13t)."),
            .scope = Scope::Backend },
        { .option = Option::PythonNative,
            .key = QStringLiteral("python_native"),
            .flag = QStringLiteral("python-native"),
            .label = QStringLiteral("Python calls the C++ kernel (ctypes)"),
            .type = Type::Boolean,
            .help = QStringLiteral("call ParLab's C++ kernel through ctypes (any kernel without settings), which "
                                   "releases the GIL during the call, instead of the pure-Python kernel; the "
                                   "python-sequential baseline does too."),
            .scope = Scope::Backend },
        { .option = Option::Hostfile,
            .key = QStringLiteral("hostfile"),
            .flag = QStringLiteral("hostfile"),
            .label = QStringLiteral("H&ostfile"),
            .type = Type::File,
            .unsetMeans = QStringLiteral("ranks on this machine"),
            .valueName = QStringLiteral("file"),
            .help = QStringLiteral("an OpenMPI hostfile, to spread ranks over several machines."),
            .scope = Scope::Backend },
        { .option = Option::MpirunArgs,
            .key = QStringLiteral("mpirun_args"),
            .flag = QStringLiteral("mpirun-args"),
            .label = QStringLiteral("mpiru&n arguments"),
            .type = Type::Text,
            .valueName = QStringLiteral("args"),
            .help = QStringLiteral("extra arguments for mpirun, e.g. '--mca btl tcp,self'."),
            .scope = Scope::Backend },
        { .option = Option::BaselineCore,
            .key = QStringLiteral("baseline_core"),
            .flag = QStringLiteral("baseline-core"),
            .label = QStringLiteral("Baseline core"),
            .type = Type::Choice,
            .choices = { QStringLiteral("any"), QStringLiteral("fastest") },
            .valueName = QStringLiteral("core"),
            .help = QStringLiteral("fastest pins the baseline's tasks to the core the run's calibration found "
                                   "fastest, so that unequal cores (a slow core, an efficiency core) cannot "
                                   "inflate speedups; any lets them run where the scheduler puts them."),
            .scope = Scope::Backend },
        { .option = Option::Pin,
            .key = QStringLiteral("pin"),
            .flag = QStringLiteral("pin"),
            .label = QStringLiteral("Pin workers"),
            .type = Type::Choice,
            .choices = { pinningName(Pinning::None), pinningName(Pinning::Compact), pinningName(Pinning::Scatter) },
            .valueName = QStringLiteral("placement"),
            .help = QStringLiteral("pins each worker (thread, process, rank) to one CPU by the machine's topology: "
                                   "scatter gives every worker a physical core of its own (taking packages and NUMA "
                                   "nodes in turn) before any core gets a second; compact fills a core's hardware "
                                   "threads before the next core; none leaves them where the scheduler puts them. "
                                   "More workers than CPUs share them, the placement starting over. The baselines "
                                   "run where worker 0 does, unless baseline_core is fastest. The notes say where "
                                   "each worker ran."),
            .scope = Scope::Backend },
        { .option = Option::Scaling,
            .key = QStringLiteral("scaling"),
            .flag = QStringLiteral("scaling"),
            .label = QStringLiteral("Scaling"),
            .type = Type::Choice,
            .choices = { QStringLiteral("strong"), QStringLiteral("weak") },
            .valueName = QStringLiteral("kind"),
            .help = QStringLiteral("strong shares the same inputs among more workers (Amdahl: how much faster); "
                                   "weak grows them with the workers, N copies at N workers (spin and sleep "
                                   "instead take N times the milliseconds), so each worker's share stays the same "
                                   "(Gustafson: scaled speedup N.T1/TN, weak efficiency T1/TN)."),
            .scope = Scope::Run },
        { .option = Option::Label,
            .key = QStringLiteral("label"),
            .flag = QStringLiteral("label"),
            .label = QStringLiteral("Run label"),
            .type = Type::Text,
            .valueName = QStringLiteral("text"),
            .help = QStringLiteral("a name for the run, recorded with its environment (the history, the JSON "
                                   "export, history compare): e.g. the build or change under test."),
            .scope = Scope::Run },
        { .option = Option::Commit,
            .key = QStringLiteral("commit"),
            .flag = QStringLiteral("commit"),
            .label = QStringLiteral("Commit"),
            .type = Type::Text,
            .unsetMeans = QStringLiteral("git HEAD of the working folder"),
            .valueName = QStringLiteral("id"),
            .help = QStringLiteral("the commit of the program under test, recorded with the run's environment; "
                                   "unset: `git rev-parse HEAD` of the working folder when it is a git "
                                   "repository, else none."),
            .scope = Scope::Run },
    };
    const RunOptions defaults;
    for (OptionDescriptor& d : table)
        d.defaultValue = defaults.value(d);
    return table;
}
} // namespace

QVariant RunOptions::value(const OptionDescriptor& d) const
{
    switch (d.option) {
    case Option::Chunksize:
        return chunksize;
    case Option::TaskTimeout:
        return taskTimeoutS;
    case Option::OnError:
        return onError == OnError::Continue ? QStringLiteral("continue") : QStringLiteral("stop");
    case Option::SwitchInterval:
        return switchIntervalMs;
    case Option::ReleaseGil:
        return releaseGil;
    case Option::Python:
        return python;
    case Option::PythonNative:
        return pythonNative;
    case Option::Hostfile:
        return hostfile;
    case Option::MpirunArgs:
        return mpirunArgs;
    case Option::BaselineCore:
        return baselineCore == BaselineCore::Fastest ? QStringLiteral("fastest") : QStringLiteral("any");
    case Option::Pin:
        return pinningName(pin);
    case Option::Scaling:
        return scaling == ScalingKind::Weak ? QStringLiteral("weak") : QStringLiteral("strong");
    case Option::Label:
        return label;
    case Option::Commit:
        return commit;
    case Option::KernelSetting:
        return kernelSettings.value(d.key, d.defaultValue);
    }
    return {};
}

void RunOptions::setValue(const OptionDescriptor& d, const QVariant& v)
{
    switch (d.option) {
    case Option::Chunksize:
        chunksize = v.toInt();
        return;
    case Option::TaskTimeout:
        taskTimeoutS = v.toDouble();
        return;
    case Option::OnError:
        onError = v.toString() == QStringLiteral("continue") ? OnError::Continue : OnError::Stop;
        return;
    case Option::SwitchInterval:
        switchIntervalMs = v.toDouble();
        return;
    case Option::ReleaseGil:
        releaseGil = v.toBool();
        return;
    case Option::Python:
        python = v.toString();
        return;
    case Option::PythonNative:
        pythonNative = v.toBool();
        return;
    case Option::Hostfile:
        hostfile = v.toString();
        return;
    case Option::MpirunArgs:
        mpirunArgs = v.toString();
        return;
    case Option::BaselineCore:
        baselineCore = v.toString() == QStringLiteral("fastest") ? BaselineCore::Fastest : BaselineCore::Any;
        return;
    case Option::Pin:
        // check() has kept it to the choices, which are pinningName's.
        pin = pinningFromName(v.toString()).value_or(Pinning::None);
        return;
    case Option::Scaling:
        scaling = v.toString() == QStringLiteral("weak") ? ScalingKind::Weak : ScalingKind::Strong;
        return;
    case Option::Label:
        label = v.toString();
        return;
    case Option::Commit:
        commit = v.toString();
        return;
    case Option::KernelSetting:
        kernelSettings.insert(d.key, v);
        return;
    }
}

QVariant RunOptions::kernelSetting(const QString& key) const
{
    const OptionDescriptor* d = find(key);
    Q_ASSERT_X(d && d->scope == OptionDescriptor::Scope::Kernel, "RunOptions::kernelSetting", qPrintable(key));
    return d ? value(*d) : QVariant();
}

Result<void> RunOptions::validate() const
{
    for (const OptionDescriptor& d : descriptors()) {
        if (d.option == Option::KernelSetting && !kernelSettings.contains(d.key))
            continue;
        if (auto checked = d.check(value(d), d.key); !checked)
            return fail(checked.error());
    }
    for (auto it = kernelSettings.cbegin(); it != kernelSettings.cend(); ++it) {
        if (const OptionDescriptor* d = find(it.key()); !d || d->scope != OptionDescriptor::Scope::Kernel)
            return fail(QStringLiteral("unknown kernel setting '%1'").arg(it.key()));
    }
    return {};
}

QJsonObject RunOptions::toJson() const
{
    QJsonObject json;
    for (const OptionDescriptor& d : descriptors()) {
        if (d.option == Option::KernelSetting && !kernelSettings.contains(d.key))
            continue;
        json.insert(d.key, QJsonValue::fromVariant(value(d)));
    }
    return json;
}

Result<RunOptions> RunOptions::fromJson(const QJsonObject& json, const QString& where)
{
    const QString prefix = where.isEmpty() ? QString() : where + QStringLiteral(": ");
    RunOptions options;
    for (auto it = json.constBegin(); it != json.constEnd(); ++it) {
        const OptionDescriptor* d = find(it.key());
        if (!d) {
            QString message = QStringLiteral("%1unknown option '%2'").arg(prefix, it.key());
            if (const QString guess = closestName(it.key(), keys()); !guess.isEmpty())
                message += QStringLiteral(": did you mean '%1'?").arg(guess);
            return fail(message + QStringLiteral(" (known: %1)").arg(keys().join(QStringLiteral(", "))));
        }
        auto checked = d->check(it.value().toVariant(), d->key);
        if (!checked)
            return fail(prefix + checked.error());
        options.setValue(*d, *checked);
    }
    return options;
}

Result<RunOptions> RunOptions::fromJson(const QJsonValue& json, const QString& where)
{
    if (json.isUndefined() || json.isNull())
        return RunOptions();
    if (!json.isObject())
        return fail(QStringLiteral("%1: must be an object, e.g. {\"chunksize\": 4}").arg(where));
    return fromJson(json.toObject(), where);
}

QList<QPair<QString, QString>> RunOptions::changed() const
{
    QList<QPair<QString, QString>> result;
    for (const OptionDescriptor& d : descriptors()) {
        const QVariant v = value(d);
        if (v != d.defaultValue)
            result.append({ d.key, d.valueText(v) });
    }
    return result;
}

const QList<OptionDescriptor>& RunOptions::descriptors()
{
    static const QList<OptionDescriptor> all = [] {
        QList<OptionDescriptor> list = runDescriptors();
        for (const QString& name : KernelRegistry::names()) {
            for (OptionDescriptor d : KernelRegistry::create(name)->settings()) {
                // A setting several kernels declare (serial_ms) is one option: their declarations are one
                // function's (serialSetting()), so only the list of kernels grows.
                const auto same = std::find_if(
                    list.begin(), list.end(), [&](const OptionDescriptor& known) { return known.key == d.key; });
                if (same != list.end()) {
                    Q_ASSERT_X(same->scope == OptionDescriptor::Scope::Kernel && same->flag == d.flag
                            && same->type == d.type && same->defaultValue == d.defaultValue,
                        "RunOptions::descriptors", qPrintable(d.key));
                    same->kernels.append(name);
                    continue;
                }
                d.option = Option::KernelSetting;
                d.scope = OptionDescriptor::Scope::Kernel;
                d.kernels = { name };
                list.append(d);
            }
        }
        return list;
    }();
    return all;
}

const OptionDescriptor& RunOptions::descriptor(Option option)
{
    Q_ASSERT(option != Option::KernelSetting);
    for (const OptionDescriptor& d : descriptors()) {
        if (d.option == option)
            return d;
    }
    Q_UNREACHABLE();
}

const OptionDescriptor* RunOptions::find(const QString& key)
{
    for (const OptionDescriptor& d : descriptors()) {
        if (d.key == key)
            return &d;
    }
    return nullptr;
}

QStringList RunOptions::keys()
{
    QStringList result;
    for (const OptionDescriptor& d : descriptors())
        result.append(d.key);
    return result;
}

} // namespace parlab
