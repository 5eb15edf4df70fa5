#pragma once

#include "measurement.h"

#include <QByteArrayView>
#include <QString>
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

// Where a worker's counts start, read in the thread that runs its tasks: the thread's context switches so far
// (getrusage(RUSAGE_THREAD)) with those of the programs it ran and reaped (countProgram), -1 each where that fails;
// and the largest of those programs' peak memory counts afresh from here.
Switches startWorker() noexcept;

// A program the calling thread started and reaped, as wait4 reported it (its own use with that of the children it
// waited for, what /usr/bin/time -v shows of a program): its switches add to the thread's, its peak resident memory
// in bytes to the programs' of the worker the thread runs. -1 where not known.
void countProgram(qint64 peakRssBytes, qint64 voluntarySwitches, qint64 involuntarySwitches) noexcept;

// What the calling thread, worker `worker`, did since `start` (startWorker() read in this thread): its switches
// since then, the programs' largest peak, and the process it ran in. Its peakRssBytes is -1: a thread's memory is
// its process's.
WorkerUsage workerSince(int worker, const Switches& start) noexcept;

// Resets this process's peak resident memory (VmHWM) to what it holds now, by writing "5" to /proc/self/clear_refs
// (Linux 4.0+); false where that file cannot be written (then peakRssBytes() keeps the peak since the start).
bool resetPeakRss() noexcept;
// The same for process `pid` (one of ours: its clear_refs is its owner's to write); false where it cannot be.
bool resetPeakRssOf(qint64 pid);

// This process's peak resident memory in bytes since it started or since the last resetPeakRss(): VmHWM of
// /proc/self/status; -1 when that cannot be read.
qint64 peakRssBytes();

// Why a repeat's peak memory is not known (RepeatUsage::whyUnknown), in words a user can act on: this system does not
// let a process reset its peak; its tasks ran in processes that reported none.
QString cannotResetPeak();
QString tasksApartUnmeasured();

// Why a measurement's peak memory is not known: its latest repeat's reason, or that it was recorded before ParLab
// measured memory; empty where it is known. The one text the table's notes, the JSON's usage_note and the window's
// tooltips give for a "–".
QString whyUnknown(const Measurement& m);

// A "Name:   1234 kB" field of a /proc/PID/status text in bytes (VmHWM, VmRSS); -1 when it is not there.
qint64 statusBytes(QByteArrayView statusText, QByteArrayView name);
// A "Name:   1234" field of a /proc/PID/status text (voluntary_ctxt_switches); -1 when it is not there.
qint64 statusCount(QByteArrayView statusText, QByteArrayView name);

} // namespace ResourceUsage

} // namespace parlab
