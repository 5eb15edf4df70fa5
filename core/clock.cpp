#include "clock.h"

#include <sys/resource.h>

namespace parlab {

namespace {
double seconds(const timeval& tv)
{
    return double(tv.tv_sec) + double(tv.tv_usec) * 1e-6;
}
} // namespace

double processCpuSeconds() noexcept
{
    rusage self {};
    rusage children {};
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &children);
    return seconds(self.ru_utime) + seconds(self.ru_stime) + seconds(children.ru_utime) + seconds(children.ru_stime);
}

qint64 threadCpuNs() noexcept
{
    timespec ts {};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return qint64(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

} // namespace parlab
