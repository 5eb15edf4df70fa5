#include "environment.h"

#include "export/formatting.h"
#include "procfs.h"
#include "topology.h"
#include "unknown.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QStringList>
#include <QSysInfo>
#include <QThread>
#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace parlab {

namespace {
QString readFirstLine(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QString::fromUtf8(file.readLine()).trimmed();
}

QString cpuModel()
{
    const QList<QByteArray> lines = procfs::readFile(QStringLiteral("/proc/cpuinfo")).split('\n');
    for (const QByteArray& line : lines) {
        if (line.startsWith("model name"))
            return QString::fromUtf8(line.mid(line.indexOf(':') + 1)).trimmed();
    }
    return QSysInfo::currentCpuArchitecture();
}

// Whether the cores may boost: cpufreq's global switch (acpi-cpufreq, amd-pstate), its first policy's (amd-pstate
// in active mode), or intel_pstate's no_turbo, which says the opposite. Empty when none is readable.
QString turboState()
{
    for (const char* path :
        { "/sys/devices/system/cpu/cpufreq/boost", "/sys/devices/system/cpu/cpufreq/policy0/boost" }) {
        const QString boost = readFirstLine(QString::fromLatin1(path));
        if (boost == QLatin1String("1"))
            return QStringLiteral("on");
        if (boost == QLatin1String("0"))
            return QStringLiteral("off");
    }
    const QString noTurbo = readFirstLine(QStringLiteral("/sys/devices/system/cpu/intel_pstate/no_turbo"));
    if (noTurbo == QLatin1String("0"))
        return QStringLiteral("on");
    if (noTurbo == QLatin1String("1"))
        return QStringLiteral("off");
    return {};
}

QString compilerName()
{
#if defined(__clang__)
    return QStringLiteral("clang " __clang_version__);
#elif defined(__GNUC__)
    return QStringLiteral("g++ " __VERSION__);
#else
    return QStringLiteral("unknown");
#endif
}
} // namespace

Environment Environment::capture()
{
    Environment env;
    env.cpu = cpuModel();
    env.logicalCores = QThread::idealThreadCount();
    env.os = QSysInfo::prettyProductName() + QStringLiteral(" (") + QSysInfo::kernelType() + QLatin1Char(' ')
        + QSysInfo::kernelVersion() + QLatin1Char(')');
    env.qt = QString::fromLatin1(qVersion());
    env.compiler = compilerName();
    env.buildType = QStringLiteral(PARLAB_BUILD_TYPE);
    double load[1] = { 0 };
    if (getloadavg(load, 1) == 1)
        env.loadAverage = load[0];
    env.governor = readFirstLine(QStringLiteral("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"));
    env.hostname = QSysInfo::machineHostName();
    env.kernel = QSysInfo::kernelVersion();
    if (const Result<Topology>& topology = Topology::machine()) {
        env.physicalCores = topology->physicalCores;
        env.threadsPerCore = topology->threadsPerCore();
        env.packages = topology->packages;
        env.numaNodes = topology->numaNodes;
    }
    env.turbo = turboState();
    env.parlabVersion = QStringLiteral(PARLAB_VERSION);
    return env;
}

QString Environment::workingCommit()
{
    // A short child of its own, waited for here: this runs on a run's thread (or the engine's), never a window's.
    QProcess git;
    git.setWorkingDirectory(QDir::currentPath());
    git.start(QStringLiteral("git"), { QStringLiteral("rev-parse"), QStringLiteral("HEAD") });
    constexpr int kGitTimeoutMs = 2000;
    if (!git.waitForFinished(kGitTimeoutMs)) {
        git.kill();
        git.waitForFinished(kGitTimeoutMs);
        return {};
    }
    if (git.exitStatus() != QProcess::NormalExit || git.exitCode() != 0)
        return {}; // no repository, no commit yet, no git
    const QString head = QString::fromLatin1(git.readAllStandardOutput()).trimmed();
    static const QRegularExpression hash(QStringLiteral("^[0-9a-f]{40,64}$"));
    return hash.match(head).hasMatch() ? head : QString();
}

Environment Environment::captureWithCores()
{
    Environment env = capture();
    // A process whose affinity cannot be read runs unmeasured: its cores stay unknown, which every reader shows.
    if (Result<CpuCalibration> measured = calibrateCpus(kRunCalibrationRounds, kRunCalibrationBudgetS))
        env.cores = std::move(measured).value();
    return env;
}

const WorkerStarts* Environment::workerStartsOf(const QString& backendId) const
{
    const auto found = std::find_if(workerStarts.cbegin(), workerStarts.cend(),
        [&backendId](const WorkerStarts& w) { return w.backend == backendId; });
    return found == workerStarts.cend() ? nullptr : &*found;
}

double Environment::coreSpeedRatio() const
{
    if (cores.cores.isEmpty())
        return kUnknown;
    return 1 / (1 - cores.spread());
}

double Environment::baselineCoreSpeed() const
{
    const CoreSpeed* core = cores.find(baselineCpu);
    return core ? core->relative : kUnknown;
}

double Environment::maxSpeedupInflation() const
{
    if (baselineCpu < 0)
        return coreSpeedRatio();
    const double speed = baselineCoreSpeed();
    return speed > 0 ? 1 / speed : kUnknown;
}

QString Environment::coresText() const
{
    if (cores.cores.isEmpty())
        return QStringLiteral("core speeds not measured");
    QString text;
    if (cores.cores.size() == 1) {
        text = QStringLiteral("one core (%1)").arg(cores.cores.constFirst().cpu);
    } else {
        QStringList speeds;
        for (const CoreSpeed& core : cores.cores)
            speeds.append(QString::number(core.relative, 'f', 2));
        // Past 8 cores the list says less than the verdict does.
        const QString list = cores.cores.size() <= 8
            ? QStringLiteral(" (relative speeds %1)").arg(speeds.join(QStringLiteral(", ")))
            : QString();
        text = cores.unequal() ? cores.unequalText() + list
                               : QStringLiteral("%1 cores within %2% of each other%3")
                                     .arg(cores.cores.size())
                                     .arg(qRound(100 * kUnequalCoresThreshold))
                                     .arg(list);
    }
    if (baselineCpu >= 0)
        text += QStringLiteral("; baseline pinned to core %1%2")
                    .arg(baselineCpu)
                    .arg(baselineCpu == cores.fastest() ? QStringLiteral(" (fastest)") : QString());
    return text;
}

namespace {
// What an empty fact means: a run recorded before ParLab kept these facts (it has no ParLab version either), or a
// fact this machine does not let a program read.
QString unknownFact(const Environment& env)
{
    return env.parlabVersion.isEmpty() ? QStringLiteral("not recorded") : QStringLiteral("not readable");
}

QString factOr(const QString& fact, const Environment& env)
{
    return fact.isEmpty() ? unknownFact(env) : fact;
}

QString topologyText(const Environment& env)
{
    if (env.physicalCores <= 0)
        return QStringLiteral("%1 logical cores, physical cores %2").arg(env.logicalCores).arg(unknownFact(env));
    return topologySummary(env.logicalCores, env.physicalCores, env.packages, env.numaNodes, env.threadsPerCore);
}

// Commits are told apart by their first 12 hex digits in a line; the record keeps them whole.
QString shortCommit(const QString& commit)
{
    constexpr qsizetype kShown = 12;
    return commit.left(kShown);
}
} // namespace

QString Environment::machineText() const
{
    return QStringLiteral("host %1 · kernel %2 · %3 · governor %4 · turbo %5 · clock %6")
        .arg(factOr(hostname, *this), factOr(kernel, *this), topologyText(*this), factOr(governor, *this),
            factOr(turbo, *this), frequency.text());
}

QList<std::pair<QString, QString>> Environment::facts() const
{
    QList<std::pair<QString, QString>> rows {
        { QStringLiteral("host"), factOr(hostname, *this) },
        { QStringLiteral("CPU"), cpu },
        { QStringLiteral("topology"), topologyText(*this) },
        { QStringLiteral("operating system"), os },
        { QStringLiteral("kernel"), factOr(kernel, *this) },
        { QStringLiteral("CPU governor"), factOr(governor, *this) },
        { QStringLiteral("turbo / boost"), factOr(turbo, *this) },
        { QStringLiteral("CPU clock while measuring"), frequency.text() },
        { QStringLiteral("load average at start"), Format::ratio(loadAverage) },
        { QStringLiteral("ParLab"), factOr(parlabVersion, *this) },
        { QStringLiteral("build type"), buildType },
        { QStringLiteral("compiler"), compiler },
        { QStringLiteral("Qt"), qt },
        { QStringLiteral("Python"), python.isEmpty() ? QStringLiteral("no python-* backend ran") : python },
    };
    if (!label.isEmpty())
        rows.append({ QStringLiteral("label"), label });
    if (!commit.isEmpty())
        rows.append({ QStringLiteral("commit"), commit });
    return rows;
}

QList<EnvironmentDifference> environmentDifferences(const Environment& a, const Environment& b)
{
    QList<EnvironmentDifference> differences;
    // A fact both runs recorded, and differently.
    const auto differ = [](const QString& x, const QString& y) { return !x.isEmpty() && !y.isEmpty() && x != y; };
    const auto line = [&](const QString& name, const QString& x, const QString& y, bool changesSpeed) {
        differences.append({ QStringLiteral("%1: %2 in A, %3 in B").arg(name, x, y), changesSpeed });
    };
    if (differ(a.hostname, b.hostname))
        line(QStringLiteral("host"), a.hostname, b.hostname, true);
    // Another CPU or another shape of it is another machine, whatever its name (a resized VM keeps its host name).
    if (differ(a.cpu, b.cpu))
        line(QStringLiteral("CPU"), a.cpu, b.cpu, true);
    if (a.logicalCores > 0 && b.logicalCores > 0 && a.physicalCores > 0 && b.physicalCores > 0
        && differ(topologyText(a), topologyText(b)))
        line(QStringLiteral("topology"), topologyText(a), topologyText(b), true);
    else if (a.logicalCores > 0 && b.logicalCores > 0 && a.logicalCores != b.logicalCores)
        line(QStringLiteral("logical cores"), QString::number(a.logicalCores), QString::number(b.logicalCores), true);
    if (differ(a.kernel, b.kernel))
        line(QStringLiteral("kernel"), a.kernel, b.kernel, false);
    else if (differ(a.os, b.os))
        line(QStringLiteral("operating system"), a.os, b.os, false); // its text names the kernel too
    if (differ(a.governor, b.governor))
        line(QStringLiteral("governor"), a.governor, b.governor, true);
    if (differ(a.turbo, b.turbo))
        differences.append({ QStringLiteral("turbo was %1 in A, %2 in B").arg(a.turbo, b.turbo), true });
    // Read in one run only (a VM hides them, an older ParLab did not record them): said, since the other run's setting
    // may have been anything, but no reason to void a verdict on what is not known.
    const auto oneSided = [&](const QString& name, const QString& x, const QString& y) {
        if (x.isEmpty() != y.isEmpty() && a.parlabVersion.size() > 0 && b.parlabVersion.size() > 0) {
            const QString unread = QStringLiteral("not readable");
            line(name, x.isEmpty() ? unread : x, y.isEmpty() ? unread : y, false);
        }
    };
    oneSided(QStringLiteral("governor"), a.governor, b.governor);
    oneSided(QStringLiteral("turbo"), a.turbo, b.turbo);
    if (a.frequency.measured() && b.frequency.measured()
        && qRound(a.frequency.medianMhz) != qRound(b.frequency.medianMhz)) {
        const double change = b.frequency.medianMhz / a.frequency.medianMhz - 1;
        const bool beyond = std::abs(change) > kFrequencyChangeThreshold;
        differences.append({ QStringLiteral("median frequency %1 MHz in A, %2 MHz in B (%3%4%5)")
                                 .arg(qRound(a.frequency.medianMhz))
                                 .arg(qRound(b.frequency.medianMhz))
                                 .arg(change > 0 ? QStringLiteral("+") : QStringLiteral("−"))
                                 .arg(Format::percent(std::abs(change)))
                                 .arg(beyond ? QString()
                                             : QStringLiteral(", within the %1 that leaves times comparable")
                                                   .arg(Format::percent(kFrequencyChangeThreshold))),
            beyond });
    }
    if (differ(a.parlabVersion, b.parlabVersion))
        line(QStringLiteral("ParLab"), a.parlabVersion, b.parlabVersion, false);
    if (differ(a.buildType, b.buildType))
        line(QStringLiteral("build type"), a.buildType, b.buildType, false);
    if (differ(a.compiler, b.compiler))
        line(QStringLiteral("compiler"), a.compiler, b.compiler, false);
    if (differ(a.qt, b.qt))
        line(QStringLiteral("Qt"), a.qt, b.qt, false);
    if (differ(a.python, b.python))
        line(QStringLiteral("Python"), a.python, b.python, false);
    // No label is a fact of a run recorded now; of a run recorded before ParLab kept labels it is not known.
    const bool bothKeepLabels = !a.parlabVersion.isEmpty() && !b.parlabVersion.isEmpty();
    if (bothKeepLabels && a.label != b.label)
        line(QStringLiteral("label"), a.label.isEmpty() ? QStringLiteral("none") : a.label,
            b.label.isEmpty() ? QStringLiteral("none") : b.label, false);
    if (differ(a.commit, b.commit))
        line(QStringLiteral("commit"), shortCommit(a.commit), shortCommit(b.commit), false);
    return differences;
}

} // namespace parlab
