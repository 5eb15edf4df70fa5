#include "timelinemodel.h"

#include "backends/backend.h"
#include "backends/backendregistry.h"
#include "export/formatting.h"

#include <QSet>
#include <algorithm>
#include <limits>
#include <map>

namespace parlab {

namespace {
constexpr qint64 kNone = std::numeric_limits<qint64>::max();

// The nearest item of one row's list to `t`, within `tolerance`; the one containing t wins.
template<typename Interval>
int nearest(
    const std::vector<int>& indices, const std::vector<qint64>& maxEnd, double t, double tolerance, Interval interval)
{
    int best = -1;
    double bestDistance = tolerance;
    for (size_t k = TimelineModel::firstReaching(maxEnd, t - tolerance); k < indices.size(); ++k) {
        const auto [start, end] = interval(indices[k]);
        if (double(start) > t + tolerance)
            break;
        const double distance = t < double(start) ? double(start) - t : t > double(end) ? t - double(end) : 0;
        if (distance < bestDistance || (distance == 0 && best < 0)) {
            best = indices[k];
            bestDistance = distance;
        }
    }
    return best;
}
} // namespace

TimelineModel::TimelineModel(const Measurement& measurement, int maxTasks)
    : m_measurement(measurement)
{
    const QList<TaskSpan>& spans = m_measurement.spans;
    const QList<StateSpan>& states = m_measurement.states;

    std::vector<int> tasks;
    tasks.reserve(size_t(spans.size()));
    for (int i = 0; i < int(spans.size()); ++i) {
        if (isRecorded(spans.at(i)))
            tasks.push_back(i);
    }
    m_allTaskCount = int(tasks.size());
    bool limited = false;
    qint64 keptStart = std::numeric_limits<qint64>::min();
    qint64 keptEnd = std::numeric_limits<qint64>::max();
    if (maxTasks >= 0 && int(tasks.size()) > maxTasks) {
        // The earliest tasks, and the lock states while they ran.
        std::stable_sort(
            tasks.begin(), tasks.end(), [&spans](int a, int b) { return spans.at(a).startNs < spans.at(b).startNs; });
        tasks.resize(size_t(maxTasks));
        limited = true;
        keptStart = kNone;
        keptEnd = std::numeric_limits<qint64>::min();
        for (int index : tasks) {
            keptStart = std::min(keptStart, spans.at(index).startNs);
            keptEnd = std::max(keptEnd, spans.at(index).endNs);
        }
    }

    std::map<int, Row> byWorker;
    qint64 first = kNone;
    qint64 last = std::numeric_limits<qint64>::min();
    qint64 firstTask = kNone;
    for (int index : tasks) {
        const TaskSpan& span = spans.at(index);
        byWorker[span.worker].tasks.push_back(index);
        first = std::min(first, span.startNs);
        firstTask = std::min(firstTask, span.startNs);
        last = std::max(last, span.endNs);
    }
    m_taskCount = int(tasks.size());
    m_lock = BackendRegistry::factsOf(m_measurement.backend).lock;
    m_measuredTaskCount = int(std::count_if(tasks.begin(), tasks.end(),
        [this, &spans](int index) { return TaskStates::of(spans.at(index), m_lock).isMeasured(); }));
    for (int i = 0; i < int(states.size()); ++i) {
        const StateSpan& state = states.at(i);
        if (!isRecorded(state))
            continue;
        if (limited && (state.endNs <= keptStart || state.startNs >= keptEnd))
            continue;
        byWorker[state.worker].states.push_back(i);
        first = std::min(first, state.startNs);
        last = std::max(last, state.endNs);
        ++m_stateCount;
    }
    if (byWorker.empty())
        return;

    const QString noun = workerNoun(m_measurement.backend);
    m_rows.reserve(byWorker.size());
    for (auto& [worker, row] : byWorker) {
        row.worker = worker;
        std::stable_sort(row.tasks.begin(), row.tasks.end(),
            [&spans](int a, int b) { return spans.at(a).startNs < spans.at(b).startNs; });
        std::stable_sort(row.states.begin(), row.states.end(),
            [&states](int a, int b) { return states.at(a).startNs < states.at(b).startNs; });
        qint64 maxEnd = std::numeric_limits<qint64>::min();
        row.taskMaxEnd.reserve(row.tasks.size());
        QList<const TaskSpan*> rowSpans;
        rowSpans.reserve(qsizetype(row.tasks.size()));
        for (int index : row.tasks) {
            maxEnd = std::max(maxEnd, spans.at(index).endNs);
            row.taskMaxEnd.push_back(maxEnd);
            rowSpans.append(&spans.at(index));
        }
        maxEnd = std::numeric_limits<qint64>::min();
        row.stateMaxEnd.reserve(row.states.size());
        for (int index : row.states) {
            maxEnd = std::max(maxEnd, states.at(index).endNs);
            row.stateMaxEnd.push_back(maxEnd);
        }
        row.label = workerLabel(noun, worker, rowSpans);
        m_rows.push_back(std::move(row));
    }
    m_originNs = firstTask != kNone ? firstTask : first;
    m_extent = { double(first), double(last) };
}

bool TimelineModel::refresh(const Measurement& measurement)
{
    // QList shares its data between copies: the same pointers are the same spans, not merely equal ones.
    if (measurement.spans.constData() != m_measurement.spans.constData()
        || measurement.spans.size() != m_measurement.spans.size()
        || measurement.states.constData() != m_measurement.states.constData()
        || measurement.states.size() != m_measurement.states.size())
        return false;
    m_measurement = measurement;
    return true;
}

int TimelineModel::rowOf(int worker) const
{
    // Rows are ordered by worker.
    const auto found
        = std::lower_bound(m_rows.begin(), m_rows.end(), worker, [](const Row& row, int w) { return row.worker < w; });
    return found != m_rows.end() && found->worker == worker ? int(found - m_rows.begin()) : -1;
}

TimeRange TimelineModel::relativeExtent() const
{
    if (isEmpty())
        return {};
    return { m_extent.startNs - double(m_originNs), m_extent.endNs - double(m_originNs) };
}

int TimelineModel::taskNear(int rowIndex, double ns, double toleranceNs) const
{
    if (rowIndex < 0 || rowIndex >= rowCount())
        return -1;
    const Row& r = row(rowIndex);
    return nearest(r.tasks, r.taskMaxEnd, ns, toleranceNs, [this](int index) {
        const TaskSpan& span = m_measurement.spans.at(index);
        return std::pair(span.startNs, span.endNs);
    });
}

int TimelineModel::stateNear(int rowIndex, double ns, double toleranceNs) const
{
    if (rowIndex < 0 || rowIndex >= rowCount())
        return -1;
    const Row& r = row(rowIndex);
    return nearest(r.states, r.stateMaxEnd, ns, toleranceNs, [this](int index) {
        const StateSpan& state = m_measurement.states.at(index);
        return std::pair(state.startNs, state.endNs);
    });
}

TaskStates TimelineModel::taskStates(int index) const
{
    const TaskSpan& span = m_measurement.spans.at(index);
    qint64 lockWait = 0;
    if (const int r = rowOf(span.worker); r >= 0 && m_lock == TaskLock::Simulated) {
        const Row& lockRow = row(r);
        for (size_t k = firstReaching(lockRow.stateMaxEnd, double(span.startNs)); k < lockRow.states.size(); ++k) {
            const StateSpan& state = m_measurement.states.at(lockRow.states[k]);
            if (state.startNs >= span.endNs)
                break;
            if (state.state == LockState::Waiting)
                lockWait
                    += std::max<qint64>(0, std::min(state.endNs, span.endNs) - std::max(state.startNs, span.startNs));
        }
    }
    return TaskStates::of(span, m_lock, lockWait);
}

size_t TimelineModel::firstReaching(const std::vector<qint64>& maxEnd, double ns)
{
    return size_t(std::lower_bound(maxEnd.begin(), maxEnd.end(), ns, [](qint64 end, double t) {
        return double(end) < t;
    }) - maxEnd.begin());
}

bool TimelineModel::isRecorded(const TaskSpan& span)
{
    return span.endNs >= span.startNs && !(span.startNs == 0 && span.endNs == 0);
}

bool TimelineModel::isRecorded(const StateSpan& state)
{
    return state.endNs >= state.startNs && !(state.startNs == 0 && state.endNs == 0);
}

QString TimelineModel::workerNoun(const QString& backendId)
{
    // The backend table, read without making a backend; "worker" for an id another build recorded.
    return BackendRegistry::factsOf(backendId).workerNoun;
}

QString TimelineModel::workerLabel(const QString& noun, int worker, const QList<const TaskSpan*>& spans)
{
    const bool rank = noun == QLatin1String("rank");
    QString label = QStringLiteral("%1 %2").arg(noun).arg(rank ? worker : worker + 1);
    QSet<qint64> pids;
    QString host;
    for (const TaskSpan* span : spans) {
        pids.insert(span->pid);
        if (!span->host.isEmpty())
            host = span->host;
    }
    if (!host.isEmpty())
        label += QStringLiteral(" @ ") + host;
    // Threads share the program's pid, a process slot runs a new process per task: neither names one.
    if (pids.size() == 1 && *pids.cbegin() != 0 && !noun.contains(QLatin1String("thread")))
        label += QStringLiteral(" (pid %1)").arg(*pids.cbegin());
    return label;
}

QString TimelineModel::workerLabel(const Measurement& measurement, int worker)
{
    QList<const TaskSpan*> spans;
    for (const TaskSpan& span : measurement.spans) {
        if (span.worker == worker && isRecorded(span))
            spans.append(&span);
    }
    return workerLabel(workerNoun(measurement.backend), worker, spans);
}

QString TimelineModel::taskLabel(const QString& kernel, const TaskSpan& span)
{
    const QString input = QString::number(span.input);
    return kernel.isEmpty() ? input : QStringLiteral("%1(%2)").arg(kernel, input);
}

QString TimelineModel::clockNote(const TaskSpan& span)
{
    if (span.clockUncertaintyNs <= 0)
        return {};
    return QStringLiteral("placed on this machine's clock to within \u00b1%1")
        .arg(Format::duration(double(span.clockUncertaintyNs) * 1e-9));
}

QStringList TimelineModel::rowLabelsOf(const Measurement& measurement)
{
    std::map<int, QList<const TaskSpan*>> byWorker;
    for (const TaskSpan& span : measurement.spans) {
        if (isRecorded(span))
            byWorker[span.worker].append(&span);
    }
    for (const StateSpan& state : measurement.states) {
        if (isRecorded(state))
            byWorker[state.worker]; // a row of its own, without tasks
    }
    const QString noun = workerNoun(measurement.backend);
    QStringList labels;
    for (const auto& [worker, spans] : byWorker)
        labels.append(workerLabel(noun, worker, spans));
    return labels;
}

TimeRange TimelineModel::relativeExtentOf(const Measurement& measurement)
{
    qint64 first = kNone;
    qint64 firstTask = kNone;
    qint64 last = std::numeric_limits<qint64>::min();
    for (const TaskSpan& span : measurement.spans) {
        if (!isRecorded(span))
            continue;
        firstTask = std::min(firstTask, span.startNs);
        last = std::max(last, span.endNs);
    }
    first = firstTask;
    for (const StateSpan& state : measurement.states) {
        if (!isRecorded(state))
            continue;
        first = std::min(first, state.startNs);
        last = std::max(last, state.endNs);
    }
    if (first == kNone)
        return {};
    const qint64 origin = firstTask != kNone ? firstTask : first;
    return { double(first - origin), double(last - origin) };
}

} // namespace parlab
