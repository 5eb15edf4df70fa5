#pragma once

#include <QtGlobal>
#include <ctime>

namespace parlab {

// Nanoseconds on the system-wide monotonic clock: comparable between threads and between processes.
inline qint64 monotonicNs() noexcept
{
    timespec ts {};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return qint64(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// CPU time (user + system) of this process and of its waited-for children, in seconds.
double processCpuSeconds() noexcept;

// CPU time consumed so far by the calling thread, in nanoseconds.
qint64 threadCpuNs() noexcept;

// SplitMix64's finaliser: turns an integer into a well-spread 64-bit checksum.
constexpr quint64 mix64(quint64 x) noexcept
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

} // namespace parlab
