#pragma once

#include <QList>
#include <QString>
#include <QtGlobal>
#include <array>
#include <optional>

namespace parlab {

// One task as it ran: which input, on which worker, when (system-wide monotonic clock, ns). Backends record
// these; the timeline, the trace export and the imbalance figure read them.
struct TaskSpan {
    qint64 input = 0;
    int index = 0; // position in the input list
    int worker = 0; // thread, process slot or rank
    qint64 pid = 0;
    QString host; // set where workers may run on other machines (MPI)
    qint64 startNs = 0;
    qint64 endNs = 0;
    quint64 checksum = 0;
    // Measured by the worker that ran the task, in its own thread (threads, child processes, ranks, CPython),
    // for the accounting of lost speedup; -1 where not measured (older records, tasks too short to sample):
    qint64 cpuNs = -1; // CPU time the task's thread used between startNs and endNs
    qint64 waitNs = -1; // time it was runnable but waited for a core (run-queue delay, schedstat field 2)
    // How far startNs/endNs may be off ParLab's clock: a task that ran on another machine's clock was moved onto
    // this one by an offset measured at launch (MPI ranks); 0 where one clock timed it.
    qint64 clockUncertaintyNs = 0;
    // Where the task ran: the CPU its thread was on as the task ended (sched_getcpu in the worker, so a pinned
    // worker's CPU shows that the pin held), and that CPU's physical core in the topology of the machine it ran on
    // (Topology::Unit::core); -1 where not known (older records, a CPython without the call, another host's core).
    int cpu = -1;
    int core = -1;

    double seconds() const { return double(endNs - startNs) * 1e-9; }
};

// What a thread under the GIL model was doing (drawn green / red / grey in the timeline).
enum class LockState : quint8 { Running, Waiting, Released };
QString lockStateName(LockState state); // "running", "waiting", "released"

// One interval of one worker's lock state (system-wide monotonic clock, ns).
struct StateSpan {
    int worker = 0;
    LockState state = LockState::Running;
    qint64 startNs = 0;
    qint64 endNs = 0;
};

// The most lock states a backend records for one repeat, all workers together: what the timeline draws and the
// history stores stays bounded however long a repeat runs.
constexpr int kMaxStateSpans = 200'000;

// One worker's states as they come (in time order, without gaps), kept within `maxSpans` intervals at one scale for
// the whole record, as a timeline drawn at a coarser scale would: past the cap neighbouring bins of incoming
// intervals merge pairwise, and from then on each bin takes twice as many, so the start of a long record is not
// squeezed while its end stays fine. A bin remembers how long each state filled it, and take() gives it to the
// state the record owes most time so far: every state keeps its share of the whole within about one bin. (Giving
// each merged pair to its longer half instead let rare long intervals, say a preempted release, swallow every short
// one next to them: a thread running 70% of the time came out as running 0% or 99%.)
class StateRecord {
public:
    explicit StateRecord(int maxSpans);

    // The next interval (it starts where the last one ended); one of the last one's state extends it, an empty one
    // is left out.
    void append(const StateSpan& span);
    // Hands the record over (at most maxSpans intervals, neighbours of one state merged) and starts an empty one.
    QList<StateSpan> take();

private:
    struct Bin {
        int worker = 0;
        qint64 startNs = 0;
        qint64 endNs = 0;
        std::array<qint64, 3> filled {}; // by state
        int count = 0; // incoming intervals in it
    };
    void addToBins(const StateSpan& span);

    int m_maxSpans;
    int m_binSize = 1; // incoming intervals a bin takes
    std::optional<StateSpan> m_open; // the last interval, still growing while its state lasts
    QList<Bin> m_bins;
};

} // namespace parlab
