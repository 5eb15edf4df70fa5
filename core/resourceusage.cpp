#include "resourceusage.h"

#include "procfs.h"

#include <QString>
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <fcntl.h>
#include <optional>
#include <sys/resource.h>
#include <unistd.h>

namespace parlab {

namespace {
// What the programs this thread ran used (countProgram): their switches so far, and the largest peak since the
// worker's counts started. Per thread, as the kernel's own figures are: a worker's programs are its tasks'.
struct Programs {
    qint64 voluntary = 0;
    qint64 involuntary = 0;
    qint64 peakRssBytes = -1;
};
thread_local Programs t_programs;

// The calling thread's switches so far with its programs'.
ResourceUsage::Switches switchesNow() noexcept
{
    rusage usage {};
    if (::getrusage(RUSAGE_THREAD, &usage) != 0)
        return {};
    return { usage.ru_nvcsw + t_programs.voluntary, usage.ru_nivcsw + t_programs.involuntary };
}
} // namespace

ResourceUsage::Switches ResourceUsage::startWorker() noexcept
{
    t_programs.peakRssBytes = -1;
    return switchesNow();
}

void ResourceUsage::countProgram(qint64 peakRssBytes, qint64 voluntarySwitches, qint64 involuntarySwitches) noexcept
{
    t_programs.peakRssBytes = std::max(t_programs.peakRssBytes, peakRssBytes);
    t_programs.voluntary += std::max<qint64>(0, voluntarySwitches);
    t_programs.involuntary += std::max<qint64>(0, involuntarySwitches);
}

WorkerUsage ResourceUsage::workerSince(int worker, const Switches& start) noexcept
{
    const Switches now = switchesNow();
    WorkerUsage usage;
    usage.worker = worker;
    usage.pid = ::getpid();
    usage.programPeakRssBytes = t_programs.peakRssBytes;
    if (start.voluntary >= 0 && now.voluntary >= 0) {
        usage.voluntarySwitches = now.voluntary - start.voluntary;
        usage.involuntarySwitches = now.involuntary - start.involuntary;
    }
    return usage;
}

namespace {
bool writeClearRefs(const char* path) noexcept
{
    const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t written = 0;
    do
        written = ::write(fd, "5", 1);
    while (written < 0 && errno == EINTR);
    ::close(fd);
    return written == 1;
}

// The text after "Name:" on the line of `name` in a /proc/PID/status text, trimmed; nullopt when there is none.
std::optional<QByteArrayView> statusField(QByteArrayView text, QByteArrayView name)
{
    // Lines of "Name:\t<spaces><value>"; the name is matched whole, at a line's start.
    for (qsizetype at = 0; at < text.size();) {
        qsizetype end = text.indexOf('\n', at);
        if (end < 0)
            end = text.size();
        const QByteArrayView line = text.sliced(at, end - at);
        at = end + 1;
        if (line.startsWith(name) && line.size() > name.size() && line[name.size()] == ':')
            return line.sliced(name.size() + 1).trimmed();
    }
    return std::nullopt;
}
} // namespace

bool ResourceUsage::resetPeakRss() noexcept
{
    return writeClearRefs("/proc/self/clear_refs");
}

bool ResourceUsage::resetPeakRssOf(qint64 pid)
{
    return writeClearRefs(QByteArray("/proc/" + QByteArray::number(pid) + "/clear_refs").constData());
}

qint64 ResourceUsage::peakRssBytes()
{
    return statusBytes(procfs::readFile(QStringLiteral("/proc/self/status")), "VmHWM");
}

QString ResourceUsage::cannotResetPeak()
{
    return QStringLiteral("this system does not let a process reset its peak memory (/proc/self/clear_refs cannot be "
                          "written: Linux 4.0 or newer allows it), so a repeat's own peak cannot be told apart");
}

QString ResourceUsage::tasksApartUnmeasured()
{
    return QStringLiteral("its tasks ran in processes that reported no memory, and ParLab's own would understate it");
}

QString ResourceUsage::whyUnknown(const Measurement& m)
{
    if (std::isfinite(m.peakRssBytes))
        return {};
    for (auto it = m.usage.crbegin(); it != m.usage.crend(); ++it) {
        if (!it->whyUnknown.isEmpty())
            return it->whyUnknown;
    }
    if (m.usage.isEmpty())
        return QStringLiteral("recorded before ParLab measured memory and context switches (0.3), or not measured "
                              "yet");
    return tasksApartUnmeasured();
}

qint64 ResourceUsage::statusBytes(QByteArrayView text, QByteArrayView name)
{
    const std::optional<QByteArrayView> value = statusField(text, name);
    if (!value || !value->endsWith(" kB"))
        return -1;
    bool ok = false;
    const qint64 kib = value->chopped(3).trimmed().toLongLong(&ok);
    return ok && kib >= 0 ? kib * 1024 : -1;
}

qint64 ResourceUsage::statusCount(QByteArrayView text, QByteArrayView name)
{
    const std::optional<QByteArrayView> value = statusField(text, name);
    if (!value)
        return -1;
    bool ok = false;
    const qint64 count = value->toLongLong(&ok);
    return ok && count >= 0 ? count : -1;
}

} // namespace parlab
