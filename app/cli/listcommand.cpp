#include "listcommand.h"

#include "backends/backendregistry.h"
#include "cliutil.h"
#include "cpus.h"
#include "export/formatting.h"
#include "hostfile.h"
#include "kernels/kernel.h"
#include "kernels/kernelregistry.h"
#include "optiondescriptor.h"
#include "presets.h"
#include "runoptions.h"
#include "topology.h"

#include <QCommandLineParser>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <algorithm>
#include <optional>
#include <unistd.h>

namespace parlab::cli {

namespace {
const QString kListCommand = QStringLiteral("list");

QString kernels(bool json)
{
    QJsonArray array;
    QList<QStringList> rows { { QStringLiteral("KERNEL"), QStringLiteral("KIND"), QStringLiteral("INPUT"),
        QStringLiteral("RANGE"), QStringLiteral("DESCRIPTION") } };
    for (const QString& name : KernelRegistry::names()) {
        const auto k = KernelRegistry::create(name);
        const InputRange r = k->range();
        array.append(QJsonObject {
            { QStringLiteral("name"), name },
            { QStringLiteral("description"), k->description() },
            { QStringLiteral("kind"), kernelKindName(k->kind()) },
            { QStringLiteral("input"), k->inputMeaning() },
            { QStringLiteral("min"), r.min },
            { QStringLiteral("max"), r.max },
            { QStringLiteral("range_reason"), r.reason },
        });
        rows.append({ name, kernelKindName(k->kind()), k->inputMeaning(),
            QStringLiteral("%1..%2").arg(r.min).arg(r.max), k->description() });
    }
    if (json)
        return QString::fromUtf8(QJsonDocument(array).toJson());
    return columns(rows)
        + QStringLiteral("\nand your own code: %1\n").arg(KernelRegistry::userForms().join(QStringLiteral("; ")));
}

// The hosts and slots a hostfile gives, for the backends that read one: per host its slots, or null where mpirun
// finds them at launch (one per core).
QJsonObject hostfileJson(const Hostfile& hosts)
{
    QJsonArray list;
    for (const HostfileHost& host : hosts.hosts()) {
        list.append(QJsonObject {
            { QStringLiteral("name"), host.name },
            { QStringLiteral("line"), host.line },
            { QStringLiteral("slots"), host.slotsGiven ? QJsonValue(host.slots) : QJsonValue() },
        });
    }
    return QJsonObject {
        { QStringLiteral("path"), hosts.name() },
        { QStringLiteral("hosts"), list },
        { QStringLiteral("host_count"), int(hosts.hosts().size()) },
        { QStringLiteral("slots"), hosts.givenSlots() },
        { QStringLiteral("slots_per_core_on"), QJsonArray::fromStringList(hosts.hostsCountingCores()) },
        { QStringLiteral("summary"), hosts.summary() },
    };
}

// `hosts`: the checked hostfile given with --hostfile, if any.
QString backends(bool json, const std::optional<Hostfile>& hosts)
{
    RunOptions options;
    if (hosts)
        options.hostfile = hosts->name();
    QJsonArray array;
    QList<QStringList> rows { { QStringLiteral("BACKEND"), QStringLiteral("AVAILABLE"), QStringLiteral("WORKER"),
        QStringLiteral("OPTIONS"), QStringLiteral("DESCRIPTION") } };
    QStringList readers;
    for (const BackendFacts& b : BackendRegistry::all()) {
        const Availability a = BackendRegistry::availability(b.id, options);
        QStringList optionKeys;
        for (const Option option : b.options)
            optionKeys.append(RunOptions::descriptor(option).key);
        QJsonObject entry {
            { QStringLiteral("id"), b.id },
            { QStringLiteral("description"), b.description },
            { QStringLiteral("worker"), b.workerNoun },
            { QStringLiteral("uses_workers"), b.usesWorkers },
            { QStringLiteral("baseline"), b.baseline },
            { QStringLiteral("options"), QJsonArray::fromStringList(optionKeys) },
            { QStringLiteral("available"), a.available },
            { QStringLiteral("reason"), a.reason },
        };
        if (hosts && b.options.contains(Option::Hostfile)) {
            entry.insert(QStringLiteral("hostfile"), hostfileJson(*hosts));
            readers.append(b.id);
        }
        array.append(entry);
        rows.append({ b.id, a.available ? QStringLiteral("yes") : QStringLiteral("no: ") + a.reason,
            b.usesWorkers ? b.workerNoun : QStringLiteral("–"),
            optionKeys.isEmpty() ? QStringLiteral("–") : optionKeys.join(QLatin1Char(',')), b.description });
    }
    if (json)
        return QString::fromUtf8(QJsonDocument(array).toJson());
    QString text = columns(rows);
    if (hosts) {
        // Each host's slots, where all are known; otherwise the summary names the hosts that count their cores.
        QStringList each;
        for (const HostfileHost& host : hosts->hosts())
            each.append(QStringLiteral("%1 %2").arg(host.name).arg(host.slots));
        text += QStringLiteral("\nHostfile %1: %2%3, for %4.\n")
                    .arg(hosts->name(), hosts->summary(),
                        hosts->hostsCountingCores().isEmpty()
                            ? QStringLiteral(" (%1)").arg(each.join(QStringLiteral(", ")))
                            : QString(),
                        readers.join(QStringLiteral(", ")));
    }
    return text;
}

QString presets(bool json)
{
    QJsonArray array;
    QList<QStringList> rows { { QStringLiteral("NAME"), QStringLiteral("TITLE"), QStringLiteral("KERNEL"),
        QStringLiteral("BACKENDS") } };
    for (const Preset& p : Presets::all()) {
        QJsonArray workers;
        for (int w : p.spec.workers)
            workers.append(w);
        array.append(QJsonObject {
            { QStringLiteral("name"), p.name },
            { QStringLiteral("title"), p.title },
            { QStringLiteral("description"), p.description },
            { QStringLiteral("kernel"), p.spec.kernel },
            { QStringLiteral("inputs"), p.inputsText },
            { QStringLiteral("backends"), QJsonArray::fromStringList(p.spec.backends) },
            { QStringLiteral("workers"), p.workersText },
            { QStringLiteral("worker_counts"), workers },
            { QStringLiteral("repeats"), p.spec.repeats },
            { QStringLiteral("warmup"), p.spec.warmup },
            { QStringLiteral("options"), p.spec.options.toJson() },
        });
        rows.append({ p.name, p.title, p.spec.kernel, p.spec.backends.join(QLatin1Char(',')) });
    }
    return json ? QString::fromUtf8(QJsonDocument(array).toJson()) : columns(rows);
}

// Each core's speed, measured now (cpus.h): whether a baseline's core matters on this machine.
Result<QString> cpus(bool json)
{
    const Result<CpuCalibration> calibration = calibrateCpus();
    if (!calibration)
        return fail(calibration.error());
    const Result<Topology>& topology = Topology::machine();
    if (!topology)
        return fail(topology.error());
    const int fastest = calibration->fastest();
    QJsonArray array;
    QList<QStringList> rows { { QStringLiteral("CPU"), QStringLiteral("LOOP"), QStringLiteral("RELATIVE SPEED"),
        QStringLiteral("PHYSICAL CORE"), QStringLiteral("PACKAGE"), QStringLiteral("NUMA NODE") } };
    for (const CoreSpeed& core : calibration->cores) {
        const auto unit = std::find_if(topology->units.begin(), topology->units.end(),
            [&core](const Topology::Unit& u) { return u.cpu == core.cpu; });
        const auto place = [&unit, &topology](int Topology::Unit::*member) {
            return unit == topology->units.end() ? QJsonValue() : QJsonValue((*unit).*member);
        };
        const auto text = [](const QJsonValue& value) {
            return value.isNull() ? QStringLiteral("?") : QString::number(value.toInt());
        };
        array.append(QJsonObject {
            { QStringLiteral("cpu"), core.cpu },
            { QStringLiteral("loop_s"), core.loopS },
            { QStringLiteral("relative_speed"), core.relative },
            { QStringLiteral("core"), place(&Topology::Unit::core) },
            { QStringLiteral("package"), place(&Topology::Unit::package) },
            { QStringLiteral("numa_node"), place(&Topology::Unit::numaNode) },
        });
        rows.append({ QString::number(core.cpu), Format::duration(core.loopS),
            Format::ratio(core.relative) + (core.cpu == fastest ? QStringLiteral(" (fastest)") : QString()),
            text(place(&Topology::Unit::core)), text(place(&Topology::Unit::package)),
            text(place(&Topology::Unit::numaNode)) });
    }
    if (json)
        return QString::fromUtf8(QJsonDocument(array).toJson());
    QString text = columns(rows) + QStringLiteral("Topology (hwloc): %1.\n").arg(topology->summary());
    // Under `taskset -c 1` the one CPU listed sits on "physical core 0": hwloc numbers what this process may use.
    if (const long online = ::sysconf(_SC_NPROCESSORS_ONLN); online > topology->logicalCores())
        text += QStringLiteral("This process may use %1 of the machine's %2 online CPUs (its affinity: taskset, a "
                               "cgroup's cpuset); cores, packages and NUMA nodes are numbered among those.\n")
                    .arg(topology->logicalCores())
                    .arg(online);
    const double spread = calibration->spread();
    text += calibration->unequal() ? QStringLiteral(
                "The slowest core is %1 slower than the fastest: a baseline measured there overstates speedups "
                "by up to %2 (parlab run --baseline-core fastest pins the baseline to core %3).\n")
                                         .arg(Format::percent(spread), Format::percent(1 / (1 - spread) - 1))
                                         .arg(fastest)
                                   : QStringLiteral("The cores are within %1% of each other (median of %2 rounds).\n")
                                         .arg(qRound(100 * kUnequalCoresThreshold))
                                         .arg(calibration->rounds);
    return text;
}

QString options(bool json)
{
    QJsonArray array;
    QList<QStringList> rows { { QStringLiteral("OPTION"), QStringLiteral("FLAG"), QStringLiteral("DEFAULT"),
        QStringLiteral("VALUES"), QStringLiteral("APPLIES TO") } };
    for (const OptionDescriptor& d : RunOptions::descriptors()) {
        const QStringList where = d.appliesTo();
        array.append(QJsonObject {
            { QStringLiteral("key"), d.key },
            { QStringLiteral("flag"), QStringLiteral("--") + d.flag },
            { QStringLiteral("default"), QJsonValue::fromVariant(d.defaultValue) },
            { QStringLiteral("values"), d.expected() },
            { QStringLiteral("applies_to"), QJsonArray::fromStringList(where) },
            { QStringLiteral("help"), d.help },
        });
        rows.append({ d.key, QStringLiteral("--") + d.flag, d.valueText(d.defaultValue), d.expected(),
            where.isEmpty() ? QStringLiteral("every run") : where.join(QLatin1Char(',')) });
    }
    return json ? QString::fromUtf8(QJsonDocument(array).toJson()) : columns(rows);
}
} // namespace

int listCommand(const QStringList& arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Lists what this build of ParLab can run: kernels (with input ranges) or backends (with "
                       "availability here, the reason when one is not, and the options each reads), the ready-made "
                       "experiments (presets) that `parlab run --preset NAME` runs, the run options (with "
                       "defaults, values and what each applies to), or each CPU core's speed relative to the fastest "
                       "(measured now, about 8 ms a core and round)."));
    parser.addPositionalArgument(QStringLiteral("what"), QStringLiteral("kernels, backends, presets, options or cpus"));
    const QCommandLineOption format(QStringLiteral("format"), QStringLiteral("table or json. Default: table."),
        QStringLiteral("format"), QStringLiteral("table"));
    parser.addOption(format);
    const OptionDescriptor& hostfileOption = RunOptions::descriptor(Option::Hostfile);
    const QCommandLineOption hostfile(hostfileOption.flag,
        QStringLiteral("with backends: check this OpenMPI hostfile as a run would (syntax, hosts resolve) and say "
                       "how many hosts and slots it gives %1.")
            .arg(BackendRegistry::idsUsing(Option::Hostfile).join(QStringLiteral(", "))),
        hostfileOption.valueName);
    parser.addOption(hostfile);

    bool handled = false;
    int exitCode = ExitOk;
    if (!parseArguments(parser, kListCommand, arguments, handled, exitCode))
        return exitCode;
    const QString fmt = parser.value(format).trimmed().toLower();
    if (fmt != QStringLiteral("table") && fmt != QStringLiteral("json"))
        return usageError(kListCommand, QStringLiteral("--format: unknown format '%1' (use table or json)").arg(fmt));
    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 1)
        return usageError(
            kListCommand, QStringLiteral("say what to list: kernels, backends, presets, options or cpus"));
    const bool json = fmt == QStringLiteral("json");
    std::optional<Hostfile> hosts;
    if (parser.isSet(hostfile)) {
        if (positional.first() != QStringLiteral("backends"))
            return usageError(kListCommand, QStringLiteral("--hostfile goes with 'list backends'"));
        // Absolute, as `parlab run` makes it: the path a run would hand to mpirun.
        const QString given = parser.value(hostfile);
        Result<Hostfile> checked = Hostfile::check(given.isEmpty() ? given : QFileInfo(given).absoluteFilePath());
        if (!checked)
            return usageError(kListCommand, QStringLiteral("--hostfile: ") + checked.error());
        hosts = std::move(*checked);
    }
    if (positional.first() == QStringLiteral("kernels"))
        printOut(kernels(json));
    else if (positional.first() == QStringLiteral("backends"))
        printOut(backends(json, hosts));
    else if (positional.first() == QStringLiteral("presets"))
        printOut(presets(json));
    else if (positional.first() == QStringLiteral("options"))
        printOut(options(json));
    else if (positional.first() == QStringLiteral("cpus")) {
        const Result<QString> text = cpus(json);
        if (!text) {
            printErr(QStringLiteral("parlab list: error: %1\n").arg(text.error()));
            return ExitRunFailed;
        }
        printOut(*text);
    } else
        return usageError(kListCommand,
            QStringLiteral("cannot list '%1': use kernels, backends, presets, options or cpus")
                .arg(positional.first()));
    return ExitOk;
}

} // namespace parlab::cli
