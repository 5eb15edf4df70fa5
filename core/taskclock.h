#pragma once

#include <QtGlobal>
#include <optional>

namespace parlab {

// What one task cost the thread that ran it: its CPU time and its run-queue delay (runnable, waiting for a
// core). Every worker that runs C++ tasks (in-process threads, `parlab worker`, MPI ranks) samples around each
// task, in the task's own thread:
//
//     const auto begun = TaskClock::begin(startNs);     // after reading the task's start time
//     ... run the task ...
//     const TaskClock::Usage used = TaskClock::since(begun);   // before reading its end time
//
// CPU time comes from CLOCK_THREAD_CPUTIME_ID. Field 1 of /proc/thread-self/schedstat is not used for it: for the
// thread reading its own file the kernel updates it only at ticks and switches, so it lags by milliseconds.
// The run-queue delay: a task that never blocked (no voluntary context switch, getrusage(RUSAGE_THREAD)) was
// runnable whenever it was not running, so its delay is its wall time minus its CPU time (steal included). A
// task that blocked (sleep, I/O, a lock) reports the growth of field 2 of /proc/thread-self/schedstat instead;
// some kernels (6.18 without schedstats or delay accounting, measured) add only wake-up waits there, not waits
// after a preemption, so such a task's delay can be understated. A thread opens that file only when one of its
// tasks blocked (a thread with a /proc entry looked up exits ~0.6 ms slower), so that first blocking task, and
// every one where the file does not exist, reports -1 for the delay. The file stays open until the thread exits.
//
// A reading costs about 3-5 us (two or three system calls), as much as a noop task's whole dispatch, so a
// thread samples at most once per kSampleIntervalNs: begin() reads only when that long has passed since the
// start of the thread's last sampled task, and since() reads only after a begin() that did. A task at least that
// long is therefore always measured; shorter ones are measured about once per interval and report -1 for both
// (the accounting takes an unmeasured task as running all its wall time).
namespace TaskClock {

// Sample a thread at most this often: about 10 us of readings per interval keeps the cost on noop tasks under
// 2% of their wall time even on a loaded 2-core VM (bench_dispatch prints the figure).
constexpr qint64 kSampleIntervalNs = 1'000'000;

// A thread's counters at one moment (what begin() returns; opaque to callers).
struct Reading {
    qint64 monotonicNs = 0;
    qint64 cpuNs = 0;
    qint64 waitNs = -1; // schedstat field 2; -1 without the file
    qint64 voluntarySwitches = 0;
};

// What a task cost its thread; -1 where not measured.
struct Usage {
    qint64 cpuNs = -1;
    qint64 waitNs = -1;
};

// At a task's start (`startNs` on the monotonic clock, as its span records it): the thread's counters when this
// task is to be sampled, else nullopt.
std::optional<Reading> begin(qint64 startNs);

// At the task's end: what it cost since `begun`; both -1 when `begun` is nullopt.
Usage since(const std::optional<Reading>& begun);

// For bench_dispatch only, to time the sampling against none: PARLAB_BENCH_TASK_CLOCK=off in the environment
// when a process starts turns it off there (worker processes inherit it); setEnabled() turns it off or on in this
// process. Not a user option: ParLab always samples.
bool enabled();
void setEnabled(bool on);

} // namespace TaskClock

} // namespace parlab
