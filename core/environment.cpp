#include "environment.h"

#include "procfs.h"
#include "unknown.h"

#include <QFile>
#include <QStringList>
#include <QSysInfo>
#include <QThread>
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
    return env;
}

Environment Environment::captureWithCores()
{
    Environment env = capture();
    // A process whose affinity cannot be read runs unmeasured: its cores stay unknown, which every reader shows.
    if (Result<CpuCalibration> measured = calibrateCpus(kRunCalibrationRounds, kRunCalibrationBudgetS))
        env.cores = std::move(measured).value();
    return env;
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

} // namespace parlab
