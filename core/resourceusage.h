#pragma once

#include "measurement.h"

#include <QByteArrayView>
#include <QtGlobal>

namespace parlab {

// Memory and context switches as Linux counts them for this process and its threads: what every worker measures
// of itself (a thread around its share of an execute, a `parlab worker` between two reports) and the runner of the
// process as a whole, so that each repeat's RepeatUsage has one source of its figures.
namespace ResourceUsage {

struct Switches {
    qint64 voluntary = -1;
    qint64 involuntary = -1;
};

// The calling thread's context switches so far (getrusage(RUSAGE_THREAD)); -1 each where it fails.
Switches threadSwitches() noexcept;

// What the calling thread, worker `worker`, did since `start` (threadSwitches() read in this thread): its switches
// since then, and the process it ran in. Its peakRssBytes is -1: a thread's memory is its process's.
WorkerUsage workerSince(int worker, const Switches& start) noexcept;

// Resets this process's peak resident memory (VmHWM) to what it holds now, by writing "5" to /proc/self/clear_refs
// (Linux 4.0+); false where that file cannot be written (then peakRssBytes() keeps the peak since the start).
bool resetPeakRss() noexcept;

// This process's peak resident memory in bytes since it started or since the last resetPeakRss(): VmHWM of
// /proc/self/status; -1 when that cannot be read.
qint64 peakRssBytes();

// A "Name:   1234 kB" field of a /proc/PID/status text in bytes (VmHWM, VmRSS); -1 when it is not there.
qint64 statusBytes(QByteArrayView statusText, QByteArrayView name);

} // namespace ResourceUsage

} // namespace parlab
