#include "taskclock.h"

#include "clock.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <limits>
#include <sys/resource.h>
#include <unistd.h>

namespace parlab {

namespace {
std::atomic<bool>& enabledFlag()
{
    static std::atomic<bool> flag { [] {
        const char* value = std::getenv("PARLAB_BENCH_TASK_CLOCK");
        return !(value && std::strcmp(value, "off") == 0);
    }() };
    return flag;
}

// The calling thread's schedstat file, opened on first use and closed when the thread exits.
class ThreadCounters final {
public:
    ThreadCounters() = default;
    ThreadCounters(const ThreadCounters&) = delete;
    ThreadCounters& operator=(const ThreadCounters&) = delete;
    ~ThreadCounters()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }

    // Opens the thread's schedstat file, once. Only a thread whose task blocked does: a thread that has a /proc
    // entry looked up takes ~0.6 ms longer to exit (measured on this VM), which a batch of noop tasks on fresh
    // threads would pay every time.
    void open()
    {
        if (m_fd == kUnopened)
            m_fd = ::open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
    }

    // Run-queue delay so far in ns (schedstat field 2), -1 where the file is not open or cannot be read.
    qint64 waitNs()
    {
        if (m_fd < 0)
            return -1;
        // "<on-cpu ns> <run-queue ns> <timeslices>\n"
        char text[96];
        ssize_t n = 0;
        do
            n = ::pread(m_fd, text, sizeof text - 1, 0);
        while (n < 0 && errno == EINTR);
        if (n <= 0)
            return -1;
        text[n] = '\0';
        const char* p = text;
        while (*p >= '0' && *p <= '9')
            ++p;
        if (*p != ' ')
            return -1;
        ++p;
        qint64 wait = 0;
        const char* digits = p;
        while (*p >= '0' && *p <= '9')
            wait = wait * 10 + (*p++ - '0');
        return p == digits ? -1 : wait;
    }

    // Start time of the last task this thread sampled.
    qint64 lastSampleNs = std::numeric_limits<qint64>::min() / 2;

private:
    static constexpr int kUnopened = -2;
    int m_fd = kUnopened;
};

ThreadCounters& counters()
{
    thread_local ThreadCounters perThread;
    return perThread;
}

qint64 voluntarySwitches()
{
    rusage usage {};
    ::getrusage(RUSAGE_THREAD, &usage);
    return usage.ru_nvcsw;
}
} // namespace

std::optional<TaskClock::Reading> TaskClock::begin(qint64 startNs)
{
    if (!enabledFlag().load(std::memory_order_relaxed))
        return std::nullopt;
    ThreadCounters& c = counters();
    if (startNs - c.lastSampleNs < kSampleIntervalNs)
        return std::nullopt;
    c.lastSampleNs = startNs;
    Reading r;
    // The switch count and the delay first, so that the wall and CPU intervals lie inside theirs, side by side.
    r.voluntarySwitches = voluntarySwitches();
    r.waitNs = c.waitNs();
    r.monotonicNs = monotonicNs();
    r.cpuNs = threadCpuNs();
    return r;
}

TaskClock::Usage TaskClock::since(const std::optional<Reading>& begun)
{
    if (!begun)
        return {};
    const qint64 cpu = threadCpuNs() - begun->cpuNs;
    const qint64 wall = monotonicNs() - begun->monotonicNs;
    if (voluntarySwitches() == begun->voluntarySwitches) // never blocked: off the CPU only while runnable
        return { cpu, std::max<qint64>(0, wall - cpu) };
    ThreadCounters& c = counters();
    if (begun->waitNs < 0) {
        c.open(); // the thread's first task that blocked: its later ones can be measured
        return { cpu, -1 };
    }
    const qint64 wait = c.waitNs();
    return { cpu, wait < 0 ? -1 : wait - begun->waitNs };
}

bool TaskClock::enabled()
{
    return enabledFlag().load(std::memory_order_relaxed);
}

void TaskClock::setEnabled(bool on)
{
    enabledFlag().store(on, std::memory_order_relaxed);
}

} // namespace parlab
