#include "environment.h"

#include "procfs.h"

#include <QFile>
#include <QSysInfo>
#include <QThread>
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
    return env;
}

} // namespace parlab
