#include "traceexport.h"

#include "formatting.h"
#include "measurement.h"
#include "runresult.h"
#include "taskspan.h"
#include "timeline/timelinemodel.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <algorithm>
#include <charconv>
#include <limits>

namespace parlab {

namespace {
// A span that a backend never filled in (a batch cut short) has no times: nothing to draw.
bool recorded(const TaskSpan& span)
{
    return span.endNs >= span.startNs && (span.startNs != 0 || span.endNs != 0);
}

// One X event before it is written: kept in nanoseconds so that ordering and nesting are exact.
struct Slice {
    qint64 startNs = 0;
    qint64 endNs = 0;
    int depth = 0; // 0 a task or a state between tasks, 1 a state inside a task
    const TaskSpan* task = nullptr; // the task itself (depth 0) or the one a state lies in (depth 1)
    bool isState = false;
    LockState state = LockState::Running;
};

// The trace is written as text, not built as QJsonObjects: a long gil-threads run has hundreds of
// thousands of lock states, and QJsonObject per event costs seconds there.
void appendString(QByteArray& out, const QString& text)
{
    out += '"';
    for (qsizetype i = 0; i < text.size();) {
        const char16_t c = text[i].unicode();
        if (c >= 0x80) {
            // A run of non-ASCII at once, so that surrogate pairs stay together.
            qsizetype j = i + 1;
            while (j < text.size() && text[j].unicode() >= 0x80)
                ++j;
            out += QStringView(text).mid(i, j - i).toUtf8();
            i = j;
            continue;
        }
        if (c == u'"' || c == u'\\') {
            out += '\\';
            out += char(c);
        } else if (c < 0x20) {
            out += "\\u00";
            out += "0123456789abcdef"[c >> 4];
            out += "0123456789abcdef"[c & 15];
        } else {
            out += char(c);
        }
        ++i;
    }
    out += '"';
}

void appendNumber(QByteArray& out, qint64 value)
{
    char buffer[24];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, result.ptr - buffer);
}

// Nanoseconds as decimal microseconds, exactly ("1234.5" for 1234500 ns), as Perfetto reads them back.
void appendMicros(QByteArray& out, qint64 ns)
{
    if (ns < 0) {
        out += '-';
        ns = -ns;
    }
    appendNumber(out, ns / 1000);
    int fraction = int(ns % 1000);
    if (fraction == 0)
        return;
    char digits[4] = { '.', char('0' + fraction / 100), char('0' + fraction / 10 % 10), char('0' + fraction % 10) };
    int length = 4;
    while (digits[length - 1] == '0')
        --length;
    out.append(digits, length);
}

void appendMetadata(
    QByteArray& out, const char* name, int pid, int tid, const char* argKey, const QString& text, int number)
{
    out += "{\"name\":\"";
    out += name;
    out += "\",\"ph\":\"M\",\"pid\":";
    out += QByteArray::number(pid);
    if (tid >= 0) {
        out += ",\"tid\":";
        out += QByteArray::number(tid);
    }
    out += ",\"args\":{\"";
    out += argKey;
    out += "\":";
    if (text.isNull())
        out += QByteArray::number(number);
    else
        appendString(out, text);
    out += "}},\n";
}

// Chrome's reserved colour names: the timeline's green / red / grey.
const char* stateColour(LockState state)
{
    switch (state) {
    case LockState::Running:
        return "good";
    case LockState::Waiting:
        return "terrible";
    case LockState::Released:
        return "grey";
    }
    return "grey";
}

class Writer {
public:
    Writer(qint64 originNs, const QString& kernel)
        : m_originNs(originNs)
        , m_kernel(kernel)
    { }

    QByteArray events; // the document so far: comma-terminated event objects, one per line

    void addMeasurement(const Measurement& m, int pid, int sortIndex, const QString& noun)
    {
        QMap<int, QList<const TaskSpan*>> tasksOf;
        for (const TaskSpan& s : m.spans) {
            if (recorded(s))
                tasksOf[s.worker].append(&s);
        }
        QMap<int, QList<StateSpan>> statesOf;
        for (const StateSpan& s : m.states) {
            if (s.endNs > s.startNs)
                statesOf[s.worker].append(s);
        }
        if (tasksOf.isEmpty() && statesOf.isEmpty())
            return;

        appendMetadata(events, "process_name", pid, -1, "name", m.label(), 0);
        appendMetadata(events, "process_sort_index", pid, -1, "sort_index", QString(), sortIndex);
        QList<int> workers = tasksOf.keys();
        for (auto it = statesOf.cbegin(); it != statesOf.cend(); ++it) {
            if (!tasksOf.contains(it.key()))
                workers.append(it.key());
        }
        std::sort(workers.begin(), workers.end());
        for (int worker : std::as_const(workers)) {
            QList<const TaskSpan*>& tasks = tasksOf[worker];
            std::sort(tasks.begin(), tasks.end(), [](const TaskSpan* a, const TaskSpan* b) {
                return a->startNs < b->startNs || (a->startNs == b->startNs && a->endNs > b->endNs);
            });
            const int tid = worker + 1;
            appendMetadata(events, "thread_name", pid, tid, "name", TimelineModel::workerLabel(noun, worker, tasks), 0);
            appendMetadata(events, "thread_sort_index", pid, tid, "sort_index", QString(), tid);
            addWorker(pid, tid, tasks, statesOf.value(worker));
        }
    }

private:
    void addWorker(int pid, int tid, const QList<const TaskSpan*>& tasks, QList<StateSpan> states)
    {
        QList<Slice> slices;
        slices.reserve(tasks.size() + states.size() * 2);
        for (const TaskSpan* t : tasks)
            slices.append({ t->startNs, t->endNs, 0, t, false, LockState::Running });

        // One thread is in one state at a time; a state that seems to start before the last one ended is
        // trimmed so that the slices stay properly nested.
        std::sort(
            states.begin(), states.end(), [](const StateSpan& a, const StateSpan& b) { return a.startNs < b.startNs; });
        qint64 previousEnd = std::numeric_limits<qint64>::min();
        for (const StateSpan& s : std::as_const(states)) {
            const qint64 start = std::max(s.startNs, previousEnd);
            if (start >= s.endNs)
                continue;
            previousEnd = s.endNs;
            split(slices, tasks, s.state, start, s.endNs);
        }

        // Parents before children: by start, then the longer first, then the shallower.
        std::sort(slices.begin(), slices.end(), [](const Slice& a, const Slice& b) {
            if (a.startNs != b.startNs)
                return a.startNs < b.startNs;
            if (a.endNs != b.endNs)
                return a.endNs > b.endNs;
            return a.depth < b.depth;
        });
        // The task name "fib(" up to its input, and the state names, escaped once.
        QByteArray kernel;
        appendString(kernel, m_kernel + QLatin1Char('('));
        kernel.chop(1);
        QByteArray stateNames[3];
        for (LockState state : { LockState::Running, LockState::Waiting, LockState::Released })
            appendString(stateNames[int(state)], lockStateName(state));
        const QByteArray track = ",\"pid\":" + QByteArray::number(pid) + ",\"tid\":" + QByteArray::number(tid);
        for (const Slice& slice : std::as_const(slices)) {
            events += "{\"name\":";
            if (slice.isState) {
                events += stateNames[int(slice.state)];
            } else {
                events += kernel;
                appendNumber(events, slice.task->input);
                events += ")\"";
            }
            events += ",\"ph\":\"X\",\"ts\":";
            appendMicros(events, slice.startNs - m_originNs);
            events += ",\"dur\":";
            appendMicros(events, slice.endNs - slice.startNs);
            events += track;
            if (slice.isState) {
                events += ",\"cname\":\"";
                events += stateColour(slice.state);
                events += '"';
                if (slice.task) {
                    events += ",\"args\":{\"task_index\":";
                    appendNumber(events, slice.task->index);
                    events += '}';
                }
            } else {
                const TaskSpan& t = *slice.task;
                events += ",\"args\":{\"input\":";
                appendNumber(events, t.input);
                events += ",\"index\":";
                appendNumber(events, t.index);
                events += ",\"checksum\":\"";
                events += Format::checksum(t.checksum).toLatin1();
                events += "\",\"pid\":";
                appendNumber(events, t.pid);
                if (!t.host.isEmpty()) {
                    events += ",\"host\":";
                    appendString(events, t.host);
                }
                // What the task cost its thread, where its worker sampled it.
                if (t.cpuNs >= 0) {
                    events += ",\"cpu_ns\":";
                    appendNumber(events, t.cpuNs);
                }
                if (t.waitNs >= 0) {
                    events += ",\"wait_ns\":";
                    appendNumber(events, t.waitNs);
                }
                // Where it ran: the CPU it ended on, and that CPU's physical core.
                if (t.cpu >= 0) {
                    events += ",\"on_cpu\":";
                    appendNumber(events, t.cpu);
                }
                if (t.core >= 0) {
                    events += ",\"on_core\":";
                    appendNumber(events, t.core);
                }
                events += '}';
            }
            events += "},\n";
        }
    }

    // Cuts one state interval at the task boundaries: the pieces inside a task nest in it, the pieces
    // between tasks stand alone. Tasks of one worker are sorted and do not overlap, so their ends ascend.
    static void split(
        QList<Slice>& slices, const QList<const TaskSpan*>& tasks, LockState state, qint64 start, qint64 end)
    {
        auto addPiece = [&](qint64 from, qint64 to, const TaskSpan* inside) {
            if (to > from)
                slices.append({ from, to, inside ? 1 : 0, inside, true, state });
        };
        qint64 cursor = start;
        auto it = std::partition_point(
            tasks.cbegin(), tasks.cend(), [cursor](const TaskSpan* t) { return t->endNs <= cursor; });
        for (; it != tasks.cend() && (*it)->startNs < end; ++it) {
            const TaskSpan* t = *it;
            addPiece(cursor, std::min(end, t->startNs), nullptr);
            const qint64 from = std::max(cursor, t->startNs);
            const qint64 to = std::min(end, t->endNs);
            addPiece(from, to, t);
            cursor = std::max(cursor, to);
        }
        addPiece(cursor, end, nullptr);
    }

    qint64 m_originNs = 0;
    QString m_kernel;
};
} // namespace

QByteArray TraceExport::toJson(const RunResult& result)
{
    // Times relative to the run's first span so a viewer opens near zero; the absolute origin on the
    // monotonic clock goes into otherData.
    qint64 origin = std::numeric_limits<qint64>::max();
    for (const Measurement& m : result.measurements) {
        for (const TaskSpan& s : m.spans) {
            if (recorded(s))
                origin = std::min(origin, s.startNs);
        }
        for (const StateSpan& s : m.states) {
            if (s.endNs > s.startNs)
                origin = std::min(origin, s.startNs);
        }
    }
    if (origin == std::numeric_limits<qint64>::max())
        origin = 0;

    Writer writer(origin, result.spec.kernel);
    qsizetype slices = 0;
    for (const Measurement& m : result.measurements)
        slices += m.spans.size() + 2 * m.states.size();
    QByteArray& out = writer.events;
    out.reserve(slices * 110 + 4096); // about the size of one event
    out += "{\"traceEvents\":[\n";
    for (qsizetype i = 0; i < result.measurements.size(); ++i) {
        const Measurement& m = result.measurements[i];
        writer.addMeasurement(m, int(i) + 1, int(i), TimelineModel::workerNoun(m.backend));
    }
    if (out.endsWith(",\n"))
        out.chop(2);

    QStringList inputs;
    for (qint64 input : result.spec.inputs)
        inputs.append(QString::number(input));
    QJsonObject other {
        { QStringLiteral("tool"), QStringLiteral("parlab") },
        { QStringLiteral("version"), QStringLiteral(PARLAB_VERSION) },
        { QStringLiteral("kernel"), result.spec.kernel },
        { QStringLiteral("inputs"), inputs.join(QLatin1Char(',')) },
        { QStringLiteral("backends"), result.spec.backends.join(QLatin1Char(',')) },
        { QStringLiteral("created"), result.created.toString(Qt::ISODateWithMs) },
        { QStringLiteral("spans"), QStringLiteral("latest repeat of each measurement") },
        // A string: nanoseconds of uptime can exceed what a double holds exactly.
        { QStringLiteral("origin_monotonic_ns"), QString::number(origin) },
    };
    if (result.cancelled)
        other.insert(QStringLiteral("cancelled"), true);
    if (!result.error.isEmpty())
        other.insert(QStringLiteral("error"), result.error);
    out += "\n],\n\"displayTimeUnit\":\"ms\",\n\"otherData\":";
    out += QJsonDocument(other).toJson(QJsonDocument::Compact);
    out += "}\n";
    return std::move(out);
}

QJsonObject TraceExport::toObject(const RunResult& result)
{
    return QJsonDocument::fromJson(toJson(result)).object();
}

QString TraceExport::workerName(const Measurement& measurement, int worker)
{
    return TimelineModel::workerLabel(measurement, worker);
}

} // namespace parlab
