#pragma once

#include "result.h"

#include <QList>
#include <QString>
#include <QThreadPool>
#include <QtConcurrent/QtConcurrentRun>

namespace parlab {

// How fast each core this program may run on is, relative to the fastest. Cores differ: hybrid laptops have
// performance and efficiency cores by design, and a VM's virtual cores share host cores with other guests. A
// sequential baseline measured on a slow core overstates every speedup against it, so ParLab measures them.
struct CoreSpeed {
    int cpu = 0; // the kernel's CPU number (as in /proc/cpuinfo, taskset and sched_getcpu)
    double loopS = 0; // thread-CPU seconds of the calibration loop on this core, the median of its rounds
    double relative = 1; // the fastest core's loopS / this core's: 1 for the fastest, 0.8 for one 20% slower

    bool operator==(const CoreSpeed& other) const = default;
};

// CPU numbers run from 0 to kCpuSetSize - 1 (glibc's CPU_SETSIZE, which cpus.cpp checks): the range files are read in.
inline constexpr int kCpuSetSize = 1024;

// Cores whose speeds differ by less than this fraction are called equal, the difference taken for noise: on the
// 2-core VM ParLab is developed on, busy with builds, calibrations seconds apart put the slower core at 0.96 to
// 1.00 of the faster (which one is faster changing between them), while the unequal cores issue 13 measured
// differed by 10% and more; and a baseline at most 5% slow overstates speedups by at most 5%, about the width of
// a typical run's 95% interval.
inline constexpr double kUnequalCoresThreshold = 0.05;

struct CpuCalibration {
    QList<CoreSpeed> cores; // in CPU number order; the cores this process may run on
    int rounds = 0;
    double wallS = 0; // how long the calibration took, wall time: what it costs a run that starts with one

    // The CPU number of the fastest core, -1 when none was measured.
    int fastest() const;
    // How much slower the slowest core is than the fastest, as a fraction (0.2: 20% slower); 0 for one core.
    double spread() const;
    const CoreSpeed* find(int cpu) const;
    // The slowest core's CPU number, -1 when none was measured.
    int slowest() const;
    // Whether the slowest core is more than kUnequalCoresThreshold slower than the fastest.
    bool unequal() const { return spread() > kUnequalCoresThreshold; }
    // "core 1 is 12% slower than core 0" when the cores are unequal, else "" (also for none or one core).
    QString unequalText() const;

    bool operator==(const CpuCalibration& other) const = default;
};

// The CPUs this process may run on (its affinity mask), in number order.
QList<int> allowedCpus();

// Pins the calling thread to one CPU; fails naming the CPU when it is not one this process may use.
Result<void> pinCurrentThread(int cpu);

// Lets thread `tid` run on `cpus` only. `tid` 0 is the calling thread; a process id names that process's main
// thread (a child's too). Fails naming the thread and the CPUs.
Result<void> setThreadAffinity(qint64 tid, const QList<int>& cpus);
// The CPUs thread `tid` (0: the calling thread) may run on; empty when that cannot be read (the thread is gone).
QList<int> threadAffinity(qint64 tid);
// The CPU the calling thread runs on at this instant (sched_getcpu, a vDSO call of some nanoseconds); -1 when the
// kernel cannot say.
int currentCpu();

// Lowers the calling thread to nice 10 for good (an unprivileged thread cannot take it back): for the window's
// background work (storing a run, working out a timeline), which then yields to the window and to the
// measurement in flight instead of competing with them for the cores.
void lowerCurrentThreadPriority();
// The one thread of runInBackground().
QThreadPool& backgroundPool();
// Runs `job` on one thread at that priority, kept for the window's work in the background (freeing a run of
// 100,000 tasks, working out a timeline): it yields to the window and to the measurement in flight (on two cores
// a run keeps both busy), and a job done a moment late hurts neither. Jobs run one at a time, in order.
template<typename Job> auto runInBackground(Job job)
{
    return QtConcurrent::run(&backgroundPool(), [job = std::move(job)]() mutable {
        lowerCurrentThreadPriority();
        return job();
    });
}

// Pins one thread to one CPU until release() or the end of this object, then gives it back the CPUs it had:
// a baseline measured on the fastest core (option baseline_core) leaves nothing pinned for what runs after it.
class ScopedPin final {
public:
    ScopedPin() = default;
    ~ScopedPin() { release(); }
    ScopedPin(const ScopedPin&) = delete;
    ScopedPin& operator=(const ScopedPin&) = delete;

    // Pins thread `tid` (0: the calling thread, else as setThreadAffinity) to `cpu`; a pin held already is
    // released first. The error names the CPU.
    Result<void> pin(qint64 tid, int cpu);
    // Gives the thread back its CPUs; nothing when nothing is pinned, or the thread has gone meanwhile.
    void release();

private:
    qint64 m_tid = -1; // -1: nothing pinned
    QList<int> m_previous;
};

// Times a fixed loop of dependent integer arithmetic on each allowed core in turn, `rounds` times over (the
// cores interleaved, so drift of the machine's speed during calibration falls on every core alike), keeping
// each core's median round: what the core typically gives a task (on a VM a virtual core's speed varies with
// what the host runs beside it, so the best round would promise more than a run gets). Thread-CPU time, not
// wall time, so a round that waits for the core is not counted as slow. Takes about rounds x cores x 4 ms of CPU;
// on a busy machine each core has to be waited for, so with `budgetS` > 0 no round starts once that much wall
// time has passed (the first round always runs: every core is measured; `rounds` then says how many ran). Runs
// on a thread of its own, so the caller's affinity is untouched.
Result<CpuCalibration> calibrateCpus(int rounds = 5, double budgetS = 0);

} // namespace parlab
