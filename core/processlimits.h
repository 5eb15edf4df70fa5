#pragma once

#include <QString>
#include <QtGlobal>

namespace parlab {

// What one worker of a backend that starts processes costs the machine: the facts a cap on workers is derived
// from. A backend of threads has none (processes 0) and no cap here.
struct WorkerFootprint {
    int processes = 0; // processes each worker is
    qint64 memoryBytes = 0; // memory one idle worker holds of its own (not shared with the others), at least
    int launcherFiles = 0; // open files each worker costs the process that starts them (ParLab, Python, mpirun)
    bool onePerInput = true; // never more workers than inputs are started (false: mpirun starts every rank)
};

// The machine's limits on starting processes, read where they are set (getrlimit, /proc/meminfo, the cgroup).
namespace ProcessLimits {

struct Cap {
    int workers = 0; // the most workers of a footprint that can start now
    QString reason; // which limit says so, with its figures ("the open-file limit (ulimit -n) is 1024, ...")
};

// The most workers of `footprint` this machine can start now, and why no more; workers is INT_MAX (reason
// empty) when nothing limits them (processes 0). Reads the process limit (RLIMIT_NPROC, which root is not held
// to, and the cgroup's pids.max), the memory available (MemAvailable, and the cgroup's memory limit) and the
// open-file limit (RLIMIT_NOFILE) against what is in use now.
Cap cap(const WorkerFootprint& footprint);

} // namespace ProcessLimits

} // namespace parlab
