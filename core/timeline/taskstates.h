#pragma once

#include <QList>
#include <QString>
#include <QtGlobal>
#include <array>

namespace parlab {

struct TaskSpan;
enum class TaskLock;
namespace Accounting {
struct Part;
}

// How one task's wall time split, from what the worker that ran it measured: on a CPU (TaskSpan::cpuNs), runnable
// but waiting for a core (waitNs), waiting for the lock, and the rest off the CPU (sleeping, I/O, page faults).
// Only totals over the task are measured, not when inside it they happened, so the timeline draws them as
// proportions (a strip along the bar's bottom edge, in this order) in the colours of the "where the time went"
// parts they feed. TimelineModel::taskStates gives it to both renderers, the window's TimelineView and the
// report's SvgCharts::timeline, so they draw the same split.
//
// The rules are the accounting's (Accounting::account, Accounting::losses): CPU time is cut to the wall time; the
// lock comes before the core wait (a thread woken to take the lock may wait for a core while its lock state still
// says waiting, and it could not have run without the lock), so the core wait is cut to what the CPU and the lock
// leave; under CPython's own lock (TaskLock::Interpreter) every off-CPU moment not spent waiting for a core is the
// lock's. A task whose CPU time was not measured (-1: tasks shorter than TaskClock's sampling interval are sampled
// only now and then, older records not at all) has no split.
class TaskStates final {
public:
    enum Part { Running, CoreWait, LockWait, Other, PartCount };

    TaskStates() = default; // not measured
    // `lockWaitNs`: under a simulated lock (TaskLock::Simulated), how long the worker's lock states said waiting
    // during the task; not read under the other locks.
    static TaskStates of(const TaskSpan& span, TaskLock lock, qint64 lockWaitNs = 0);

    bool isMeasured() const { return m_measured; }
    // False where the CPU time was measured but the run-queue delay was not (a thread's first task that blocked):
    // the core wait then counts as nothing, and the time falls to the lock or to other.
    bool isCoreWaitMeasured() const { return m_coreWaitMeasured; }
    TaskLock lock() const { return m_lock; }
    qint64 wallNs() const { return m_wallNs; }
    // The parts add up to the wall time exactly; all zero when not measured.
    qint64 ns(Part part) const { return m_ns[size_t(part)]; }
    // Of the wall time, 0..1; NaN when not measured.
    double share(Part part) const;
    // Whole percentages that add up to 100 (largest remainders first), as the tooltip writes them.
    std::array<int, PartCount> percents() const;
    // "ran 62% · waited for a core 30% · waited for the lock 0% · other 8% (totals over the task, not when)", the
    // parts the task's lock allows (parts()); where not measured, why.
    QString summary() const;

    // The parts a backend's tasks can have, in the strip's order: the lock only where there is one, other not
    // under CPython's lock (its off-CPU time is the lock's).
    static QList<Part> parts(TaskLock lock);
    // The part of the accounting a state feeds: its key names the colour (Palette::lossPart), so the strip and the
    // "where the time went" bar agree. Running is useful's green (the green of a running lock state): time on a
    // CPU is the work, whatever slowdown is inside it.
    static const Accounting::Part& lossPart(Part part);
    static QString lossKey(Part part);
    // "ran", "waited for a core", "waited for the lock", "other": in the tooltip.
    static QString label(Part part);
    // "ran on a CPU", ..., "other off the CPU": in the legend, which has no task to say it of.
    static QString legendLabel(Part part);
    // The legend's lead-in before those entries.
    static QString legendTitle();

    // The narrowest bar, in pixels, that gets a strip in either renderer: below it the parts would be specks.
    static constexpr double kMinBarWidth = 6;
    // Pixels of the bar's own colour left around the strip (but on top), so that it reads as part of the bar and not
    // as the timeline of lock states drawn under gil-threads' bars in the same colours.
    static constexpr double kStripInset = 1;

private:
    bool m_measured = false;
    bool m_coreWaitMeasured = false;
    TaskLock m_lock {};
    qint64 m_wallNs = 0;
    std::array<qint64, PartCount> m_ns {};
};

} // namespace parlab
