#pragma once

#include "result.h"

#include <QList>
#include <QString>

namespace parlab {

// How fast each core this program may run on is, relative to the fastest. Cores differ: hybrid laptops have
// performance and efficiency cores by design, and a VM's virtual cores share host cores with other guests. A
// sequential baseline measured on a slow core overstates every speedup against it, so ParLab measures them.
struct CoreSpeed {
    int cpu = 0; // the kernel's CPU number (as in /proc/cpuinfo, taskset and sched_getcpu)
    double loopS = 0; // thread-CPU seconds of the calibration loop on this core, the median of its rounds
    double relative = 1; // the fastest core's loopS / this core's: 1 for the fastest, 0.8 for one 20% slower
};

struct CpuCalibration {
    QList<CoreSpeed> cores; // in CPU number order; the cores this process may run on
    int rounds = 0;

    // The CPU number of the fastest core, -1 when none was measured.
    int fastest() const;
    // How much slower the slowest core is than the fastest, as a fraction (0.2: 20% slower); 0 for one core.
    double spread() const;
    const CoreSpeed* find(int cpu) const;
};

// The CPUs this process may run on (its affinity mask), in number order.
QList<int> allowedCpus();

// Pins the calling thread to one CPU; fails naming the CPU when it is not one this process may use.
Result<void> pinCurrentThread(int cpu);

// Times a fixed loop of dependent integer arithmetic on each allowed core in turn, `rounds` times over (the
// cores interleaved, so drift of the machine's speed during calibration falls on every core alike), keeping
// each core's median round: what the core typically gives a task (on a VM a virtual core's speed varies with
// what the host runs beside it, so the best round would promise more than a run gets). Thread-CPU time, not
// wall time, so a round that waits for the core is not counted as slow. Takes about rounds x cores x 8 ms; runs on
// a thread of its own, so the caller's affinity is untouched.
Result<CpuCalibration> calibrateCpus(int rounds = 5);

} // namespace parlab
