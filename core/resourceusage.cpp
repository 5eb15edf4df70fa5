#include "resourceusage.h"

#include "procfs.h"

#include <QString>
#include <cerrno>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

namespace parlab {

ResourceUsage::Switches ResourceUsage::threadSwitches() noexcept
{
    rusage usage {};
    if (::getrusage(RUSAGE_THREAD, &usage) != 0)
        return {};
    return { usage.ru_nvcsw, usage.ru_nivcsw };
}

WorkerUsage ResourceUsage::workerSince(int worker, const Switches& start) noexcept
{
    const Switches now = threadSwitches();
    WorkerUsage usage;
    usage.worker = worker;
    usage.pid = ::getpid();
    if (start.voluntary >= 0 && now.voluntary >= 0) {
        usage.voluntarySwitches = now.voluntary - start.voluntary;
        usage.involuntarySwitches = now.involuntary - start.involuntary;
    }
    return usage;
}

bool ResourceUsage::resetPeakRss() noexcept
{
    const int fd = ::open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t written = 0;
    do
        written = ::write(fd, "5", 1);
    while (written < 0 && errno == EINTR);
    ::close(fd);
    return written == 1;
}

qint64 ResourceUsage::peakRssBytes()
{
    return statusBytes(procfs::readFile(QStringLiteral("/proc/self/status")), "VmHWM");
}

qint64 ResourceUsage::statusBytes(QByteArrayView text, QByteArrayView name)
{
    // Lines of "Name:\t<spaces><number> kB"; the name is matched whole, at a line's start.
    for (qsizetype at = 0; at < text.size();) {
        qsizetype end = text.indexOf('\n', at);
        if (end < 0)
            end = text.size();
        const QByteArrayView line = text.sliced(at, end - at);
        at = end + 1;
        if (!line.startsWith(name) || line.size() <= name.size() || line[name.size()] != ':')
            continue;
        const QByteArrayView rest = line.sliced(name.size() + 1).trimmed();
        if (!rest.endsWith(" kB"))
            return -1;
        bool ok = false;
        const qint64 kib = rest.chopped(3).trimmed().toLongLong(&ok);
        return ok && kib >= 0 ? kib * 1024 : -1;
    }
    return -1;
}

} // namespace parlab
