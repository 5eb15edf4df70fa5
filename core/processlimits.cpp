#include "processlimits.h"

#include "procfs.h"

#include <QDir>
#include <QFile>
#include <QList>
#include <climits>
#include <optional>
#include <sys/resource.h>
#include <unistd.h>

namespace parlab {

namespace {
constexpr qint64 kBytesPerMiB = qint64(1) << 20;
// Files ParLab keeps for itself beyond those open now: the history database and its journal, an export, Qt's own.
constexpr qint64 kReservedFiles = 64;
// cgroup v1 writes "no limit" as a number near 2^63.
constexpr qint64 kUnlimited = qint64(1) << 60;

// A number from a file of the cgroup this process is in, for cgroup v2 (`v2File`) or v1 (`controller`/`v1File`);
// nullopt when there is none or it says "max".
std::optional<qint64> cgroupValue(const QString& v2File, const QString& controller, const QString& v1File)
{
    const QList<QByteArray> lines = procfs::readFile(QStringLiteral("/proc/self/cgroup")).split('\n');
    QStringList candidates;
    for (const QByteArray& line : lines) {
        const QList<QByteArray> fields = line.split(':');
        if (fields.size() < 3)
            continue;
        const QString path = QString::fromUtf8(fields[2]);
        if (fields[0] == "0" && fields[1].isEmpty()) {
            candidates
                << QStringLiteral("/sys/fs/cgroup%1/%2").arg(path == QStringLiteral("/") ? QString() : path, v2File);
        } else if (QString::fromUtf8(fields[1]).split(QLatin1Char(',')).contains(controller)) {
            // Inside a container the cgroup's own folder is often mounted as the controller's root.
            candidates << QStringLiteral("/sys/fs/cgroup/%1%2/%3").arg(controller, path, v1File)
                       << QStringLiteral("/sys/fs/cgroup/%1/%2").arg(controller, v1File);
        }
    }
    for (const QString& file : std::as_const(candidates)) {
        const QByteArray text = procfs::readFile(QDir::cleanPath(file)).trimmed();
        if (text.isEmpty())
            continue;
        bool ok = false;
        const qint64 value = text.toLongLong(&ok);
        if (!ok || value >= kUnlimited)
            return std::nullopt; // "max"
        return value;
    }
    return std::nullopt;
}

// MemAvailable from /proc/meminfo, in bytes; nullopt when the kernel does not say.
std::optional<qint64> memAvailable()
{
    for (const QByteArray& line : procfs::readFile(QStringLiteral("/proc/meminfo")).split('\n')) {
        if (!line.startsWith("MemAvailable:"))
            continue;
        bool ok = false;
        const qint64 kib = line.mid(13).trimmed().split(' ').constFirst().toLongLong(&ok);
        if (ok)
            return kib * 1024;
    }
    return std::nullopt;
}

// Threads of this real user now: what RLIMIT_NPROC counts.
qint64 userThreads()
{
    const QByteArray uid = QByteArray::number(::getuid());
    qint64 threads = 0;
    for (const procfs::ProcessStat& s : procfs::processes()) {
        const QByteArray status = procfs::readFile(QStringLiteral("/proc/%1/status").arg(s.pid));
        bool mine = false;
        for (const QByteArray& line : status.split('\n')) {
            if (line.startsWith("Uid:"))
                mine = line.mid(4).simplified().split(' ').constFirst() == uid;
            else if (mine && line.startsWith("Threads:"))
                threads += line.mid(8).trimmed().toLongLong();
        }
    }
    return threads;
}

void consider(ProcessLimits::Cap& cap, qint64 workers, const QString& reason)
{
    const int bounded = int(std::clamp<qint64>(workers, 0, INT_MAX));
    if (bounded < cap.workers) {
        cap.workers = bounded;
        cap.reason = reason;
    }
}
} // namespace

ProcessLimits::Cap ProcessLimits::cap(const WorkerFootprint& footprint)
{
    Cap cap { INT_MAX, {} };
    if (footprint.processes <= 0)
        return cap;

    rlimit processes {};
    // Root is not held to RLIMIT_NPROC.
    if (::getrlimit(RLIMIT_NPROC, &processes) == 0 && processes.rlim_cur != RLIM_INFINITY && ::geteuid() != 0) {
        const qint64 limit = qint64(processes.rlim_cur);
        const qint64 used = userThreads();
        consider(cap, (limit - used) / footprint.processes,
            QStringLiteral("the process limit (ulimit -u) is %1 and %2 are in use").arg(limit).arg(used));
    }
    if (const auto pidsMax
        = cgroupValue(QStringLiteral("pids.max"), QStringLiteral("pids"), QStringLiteral("pids.max"))) {
        const qint64 used
            = cgroupValue(QStringLiteral("pids.current"), QStringLiteral("pids"), QStringLiteral("pids.current"))
                  .value_or(0);
        consider(cap, (*pidsMax - used) / footprint.processes,
            QStringLiteral("this cgroup allows %1 processes (pids.max) and %2 are in use").arg(*pidsMax).arg(used));
    }

    if (footprint.memoryBytes > 0) {
        std::optional<qint64> available = memAvailable();
        QString where = QStringLiteral("available");
        const auto limit = cgroupValue(
            QStringLiteral("memory.max"), QStringLiteral("memory"), QStringLiteral("memory.limit_in_bytes"));
        if (limit) {
            const qint64 used = cgroupValue(
                QStringLiteral("memory.current"), QStringLiteral("memory"), QStringLiteral("memory.usage_in_bytes"))
                                    .value_or(0);
            if (!available || *limit - used < *available) {
                available = std::max<qint64>(0, *limit - used);
                where = QStringLiteral("left under this cgroup's memory limit");
            }
        }
        if (available)
            consider(cap, *available / (footprint.memoryBytes * footprint.processes),
                QStringLiteral("%1 MiB of memory is %2 and each worker needs about %3 MiB")
                    .arg(*available / kBytesPerMiB)
                    .arg(where)
                    .arg(footprint.memoryBytes * footprint.processes / kBytesPerMiB));
    }

    rlimit files {};
    if (footprint.launcherFiles > 0 && ::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur != RLIM_INFINITY) {
        const qint64 limit = qint64(files.rlim_cur);
        const qint64 open = QDir(QStringLiteral("/proc/self/fd"))
                                .entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::System)
                                .size();
        consider(cap, (limit - open - kReservedFiles) / footprint.launcherFiles,
            QStringLiteral("the open-file limit (ulimit -n) is %1, %2 are open, %3 are kept for ParLab and each worker "
                           "needs %4")
                .arg(limit)
                .arg(open)
                .arg(kReservedFiles)
                .arg(footprint.launcherFiles));
    }
    return cap;
}

} // namespace parlab
