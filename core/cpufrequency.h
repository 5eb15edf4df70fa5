#pragma once

#include "periodicthread.h"
#include "unknown.h"

#include <QList>
#include <QPair>
#include <QString>
#include <memory>

namespace parlab {

// The cores' clock while a run measured: the least, median and most MHz read from the cores that were busy. A
// clock that fell (a laptop on battery, a hot chip, a neighbour taking the turbo budget) makes the same work slower,
// and two runs at different clocks say more about the clocks than about the program.
struct CpuFrequency {
    double minMhz = kUnknown;
    double medianMhz = kUnknown;
    double maxMhz = kUnknown;
    int readings = 0; // core readings the figures come from; 0: not sampled (or nothing to read here)
    // Whether the readings are the busy cores' only (busy for at least kBusyShare of an interval); false when no
    // core was busy in any interval (a run of sleeps), and the figures are every core's.
    bool busyOnly = true;
    QString source; // where the clock was read: "scaling_cur_freq" (cpufreq) or "/proc/cpuinfo"; empty: nowhere

    bool measured() const { return readings > 0; }
    // "2596 MHz median (2590 … 2601 MHz) over 24 readings of busy cores, from /proc/cpuinfo", "not sampled".
    QString text() const;

    bool operator==(const CpuFrequency& other) const;
};

// A core busy for at least this share of an interval (from /proc/stat) is one the run worked on: idle cores clock
// down, and their readings would drag the median far below what the work ran at.
inline constexpr double kBusyShare = 0.5;

// Each core's clock now, in MHz, by CPU number, for the CPUs this process may run on, and where it was read: cpufreq's
// scaling_cur_freq where the kernel has cpufreq, else the "cpu MHz" lines of /proc/cpuinfo (x86 VMs: what the
// hypervisor reports); empty where neither exists (many ARM VMs).
struct FrequencyReading {
    QList<QPair<int, double>> mhz;
    QString source;
};
FrequencyReading readFrequencies();

// Samples the cores' clocks from construction to stop() on a thread of its own, every `intervalNs`: each reading of
// a core that was busy in the interval before it counts. The run starts one as it starts measuring and stops it at
// its end (Runner). Cost: two /proc reads per interval, well under 1% of a core at the default 100 ms.
class FrequencySampler final {
public:
    static constexpr qint64 kIntervalNs = 100'000'000;

    explicit FrequencySampler(qint64 intervalNs = kIntervalNs);
    ~FrequencySampler();
    FrequencySampler(const FrequencySampler&) = delete;
    FrequencySampler& operator=(const FrequencySampler&) = delete;

    // Stops sampling (within milliseconds: it takes one last reading for the interval in progress) and returns what
    // it saw; the same again on a second call.
    CpuFrequency stop();

private:
    struct Readings;
    // On the sampling thread: the cores' times at the start; each interval's clocks; at the end, one last reading
    // for the interval in progress, and the figures.
    void start();
    void read();
    void finish();

    std::unique_ptr<Readings> m_readings; // used by the sampling thread only
    CpuFrequency m_result; // written by the sampling thread only, read after it joined
    // Last: its thread starts as it is made, once the members above exist, and is joined first on destruction.
    PeriodicThread m_sampling;
};

} // namespace parlab
