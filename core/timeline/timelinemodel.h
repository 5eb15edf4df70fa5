#pragma once

#include "measurement.h"
#include "taskspan.h"
#include "timeline/taskstates.h"
#include "timeline/timewindow.h"

#include <QList>
#include <QString>
#include <vector>

namespace parlab {

// One measurement's latest repeat as a timeline: a row per worker (thread, process, rank) holding its tasks and
// its lock states in time order, and the times everything spans. The one model under both of ParLab's
// timelines, the window's TimelineView and the report's SvgCharts::timeline, so they show the same rows under
// the same names; neither needs a widget to be tested.
//
// Indices in rows are into measurement().spans and .states. Each row also keeps the running maximum of its
// items' end times, so "the first item that may reach time t" is a binary search even where items overlap.
class TimelineModel final {
public:
    struct Row {
        int worker = 0;
        QString label;
        std::vector<int> tasks;
        std::vector<qint64> taskMaxEnd;
        std::vector<int> states;
        std::vector<qint64> stateMaxEnd;
    };

    TimelineModel() = default;
    // `maxTasks` >= 0 keeps only that many tasks, the earliest, and the lock states during them (the report
    // keeps its file small); rows without anything left are left out.
    explicit TimelineModel(const Measurement& measurement, int maxTasks = -1);

    const Measurement& measurement() const { return m_measurement; }
    // Takes `measurement` in place of the one held when it shares the same spans and states (the same repeat,
    // its figures refreshed), without indexing them again; false, and nothing changed, otherwise.
    bool refresh(const Measurement& measurement);
    bool isEmpty() const { return m_rows.empty(); }
    int rowCount() const { return int(m_rows.size()); }
    const Row& row(int index) const { return m_rows[size_t(index)]; }
    // The row of a worker, -1 for none.
    int rowOf(int worker) const;
    bool hasStates() const { return m_stateCount > 0; }
    int taskCount() const { return m_taskCount; }
    // Whether any task drawn has a measured split (its CPU time): the renderers' legends name the strip then.
    bool hasTaskStates() const { return m_measuredTaskCount > 0; }
    // What the backend's tasks may wait for (BackendRegistry's facts; TaskLock::None for an id not known here).
    TaskLock lock() const { return m_lock; }
    // Recorded tasks before `maxTasks` cut them.
    int allTaskCount() const { return m_allTaskCount; }

    // Zero on the axis: the first task's start (the first state's where there is no task).
    qint64 originNs() const { return m_originNs; }
    // Everything drawn, lock states included (they may begin before the first task).
    TimeRange extent() const { return m_extent; }
    // The same relative to the origin: what a scale shared by several measurements has to hold.
    TimeRange relativeExtent() const;

    // The task of a row at time `ns`, else the nearest within `toleranceNs`; -1 for none. Likewise states.
    int taskNear(int row, double ns, double toleranceNs) const;
    int stateNear(int row, double ns, double toleranceNs) const;
    // How the task measurement().spans[index] spent its wall time, by the accounting's rules for the backend's
    // lock; under the simulated GIL the lock part is how long the worker's lock states said waiting during the
    // task. The one split both renderers draw.
    TaskStates taskStates(int index) const;

    // Index into row.tasks / row.states (through their maxEnd) of the first item that may reach `ns` or later.
    static size_t firstReaching(const std::vector<qint64>& maxEnd, double ns);

    // Whether a span was recorded: a task that never ran (a cancelled or failed batch) keeps a zeroed span.
    static bool isRecorded(const TaskSpan& span);
    static bool isRecorded(const StateSpan& state);
    // Every other task of an input list is drawn in the lighter shade, so neighbours that touch part.
    static bool isAlternate(const TaskSpan& span) { return span.index % 2 != 0; }

    // What a backend calls one worker ("thread", "process", "rank", ...); "worker" for ids this build does not
    // know (a result reopened from the history of another build).
    static QString workerNoun(const QString& backendId);
    // The one name of a worker, in the window, the report and the trace: "thread 1", "process 2 (pid 1234)",
    // "rank 0 @ node7 (pid 7001)". Ranks are counted from 0 as MPI does, the others from 1; the host where the
    // worker ran on a named one; the pid where one worker is one process (not for threads, which share the
    // program's, nor for a process slot, whose tasks each ran in a new one).
    static QString workerLabel(const QString& noun, int worker, const QList<const TaskSpan*>& spans);
    static QString workerLabel(const Measurement& measurement, int worker);
    // The text on a task's bar, in the window and the report alike: the kernel called on the input ("fib(35)"),
    // the input alone ("35") where the kernel is not known.
    static QString taskLabel(const QString& kernel, const TaskSpan& span);
    // For a task timed on another machine's clock and placed on this one by an offset measured at launch (MPI
    // ranks): "placed on this machine's clock to within ±40 µs", in the window's and the report's tooltips alike;
    // empty for a task timed here.
    static QString clockNote(const TaskSpan& span);

    // The relative extent of a measurement without building its model (a pass over its spans), for a scale
    // shared by every measurement of a run.
    static TimeRange relativeExtentOf(const Measurement& measurement);
    // The row labels a model of `measurement` would have, likewise (a shared scale keeps the label gutter as
    // wide as the widest of the run, so the plot has the same width for every measurement).
    static QStringList rowLabelsOf(const Measurement& measurement);

private:
    Measurement m_measurement;
    std::vector<Row> m_rows;
    qint64 m_originNs = 0;
    TimeRange m_extent;
    int m_taskCount = 0;
    int m_measuredTaskCount = 0;
    TaskLock m_lock {};
    int m_allTaskCount = 0;
    int m_stateCount = 0;
};

} // namespace parlab
