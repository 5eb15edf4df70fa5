#include "losses.h"

#include "backends/backendregistry.h"
#include "export/formatting.h"
#include "measurement.h"
#include "runresult.h"
#include "taskspan.h"
#include "unknown.h"

#include <QStringList>
#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <vector>

namespace parlab {

namespace Accounting {

namespace {
struct Interval {
    qint64 from = 0;
    qint64 to = 0;
};

// The total overlap of two lists of intervals, each sorted and without overlaps of its own: one sweep.
qint64 overlap(const std::vector<Interval>& xs, const std::vector<Interval>& ys)
{
    qint64 total = 0;
    size_t i = 0, j = 0;
    while (i < xs.size() && j < ys.size()) {
        total += std::max<qint64>(0, std::min(xs[i].to, ys[j].to) - std::max(xs[i].from, ys[j].from));
        (xs[i].to < ys[j].to ? i : j)++;
    }
    return total;
}
} // namespace

RepeatAccount account(
    const QList<TaskSpan>& spans, const QList<StateSpan>& states, qint64 startNs, qint64 endNs, int workers)
{
    RepeatAccount a;
    if (endNs <= startNs)
        return a;
    const auto clamp = [startNs, endNs](qint64 t) { return std::clamp(t, startNs, endNs); };
    std::map<int, std::vector<const TaskSpan*>> byWorker;
    for (const TaskSpan& s : spans)
        byWorker[s.worker].push_back(&s);
    std::map<int, std::vector<Interval>> lockWaits; // each worker's waits for the lock, in time order
    for (const StateSpan& s : states) {
        if (s.state == LockState::Waiting && clamp(s.endNs) > clamp(s.startNs))
            lockWaits[s.worker].push_back({ clamp(s.startNs), clamp(s.endNs) });
    }
    for (auto& [worker, waits] : lockWaits)
        std::sort(waits.begin(), waits.end(), [](const Interval& x, const Interval& y) { return x.from < y.from; });
    static const std::vector<Interval> kNone;
    const auto waitsOf = [&lockWaits](int worker) -> const std::vector<Interval>& {
        const auto found = lockWaits.find(worker);
        return found == lockWaits.end() ? kNone : found->second;
    };

    qint64 startup = 0, dispatch = 0, tail = 0, task = 0, cpu = 0, wait = 0, lockInTasks = 0, lockOutside = 0;
    bool cpuMeasured = false, waitMeasured = false;
    for (auto& [worker, tasks] : byWorker) {
        std::sort(
            tasks.begin(), tasks.end(), [](const TaskSpan* x, const TaskSpan* y) { return x->startNs < y->startNs; });
        std::vector<Interval> inTasks, before, gaps, after;
        qint64 cursor = startNs; // where this worker's accounted time has got to
        for (const TaskSpan* t : tasks) {
            const qint64 start = std::max(clamp(t->startNs), cursor); // tasks of one worker never overlap
            const qint64 end = std::max(clamp(t->endNs), start);
            (inTasks.empty() ? before : gaps).push_back({ cursor, start });
            inTasks.push_back({ start, end });
            const qint64 wall = end - start;
            task += wall;
            // What the worker measured, within the task's wall time; a task too short to sample ran all of it.
            const qint64 onCpu = t->cpuNs >= 0 ? std::min(t->cpuNs, wall) : wall;
            cpu += onCpu;
            cpuMeasured = cpuMeasured || t->cpuNs >= 0;
            wait += t->waitNs >= 0 ? std::min(t->waitNs, wall - onCpu) : 0;
            waitMeasured = waitMeasured || t->waitNs >= 0;
            cursor = end;
        }
        after.push_back({ cursor, endNs });
        // Idle time spent waiting for the lock is the lock's, not start-up's, dispatch's or the tail's.
        const std::vector<Interval>& waits = waitsOf(worker);
        const qint64 lockBefore = overlap(before, waits);
        const qint64 lockGaps = overlap(gaps, waits);
        const qint64 lockAfter = overlap(after, waits);
        for (const Interval& i : before)
            startup += i.to - i.from;
        for (const Interval& i : gaps)
            dispatch += i.to - i.from;
        tail += endNs - cursor;
        startup -= lockBefore;
        dispatch -= lockGaps;
        tail -= lockAfter;
        lockOutside += lockBefore + lockGaps + lockAfter;
        lockInTasks += overlap(inTasks, waits);
    }
    // Workers that ran no task: idle all the repeat, but for the time their states say they waited for the lock.
    const qsizetype idle = std::max<qsizetype>(0, qsizetype(workers) - qsizetype(byWorker.size()));
    tail += qint64(idle) * (endNs - startNs);
    qsizetype idleWithStates = 0;
    for (const auto& [worker, waits] : lockWaits) {
        if (byWorker.count(worker) || idleWithStates == idle)
            continue;
        ++idleWithStates;
        const qint64 waited = overlap({ { startNs, endNs } }, waits);
        tail -= waited;
        lockOutside += waited;
    }

    a.startupS = double(startup) * 1e-9;
    a.dispatchS = double(dispatch) * 1e-9;
    a.tailS = double(tail) * 1e-9;
    a.taskS = double(task) * 1e-9;
    a.taskCpuS = cpuMeasured ? double(cpu) * 1e-9 : kUnknown;
    a.taskWaitS = waitMeasured ? double(wait) * 1e-9 : kUnknown;
    if (!states.isEmpty()) {
        a.lockWaitS = double(lockInTasks) * 1e-9;
        a.lockIdleS = double(lockOutside) * 1e-9;
    }
    return a;
}

double startedAway(const QList<TaskSpan>& spans, int starterCpu)
{
    if (starterCpu < 0 || spans.isEmpty())
        return kUnknown;
    std::map<int, const TaskSpan*> first; // each worker's earliest task
    for (const TaskSpan& s : spans) {
        const auto [at, added] = first.try_emplace(s.worker, &s);
        if (!added && s.startNs < at->second->startNs)
            at->second = &s;
    }
    int away = 0;
    for (const auto& [worker, task] : first) {
        if (task->cpu < 0)
            return kUnknown;
        away += task->cpu != starterCpu ? 1 : 0;
    }
    return away;
}

qsizetype medianRepeat(const QList<double>& samplesS)
{
    if (samplesS.isEmpty())
        return -1;
    std::vector<qsizetype> order(samplesS.size());
    std::iota(order.begin(), order.end(), 0);
    const auto middle = order.begin() + qsizetype(order.size() - 1) / 2;
    std::nth_element(order.begin(), middle, order.end(), [&samplesS](qsizetype x, qsizetype y) {
        return samplesS[x] < samplesS[y] || (samplesS[x] == samplesS[y] && x < y);
    });
    return *middle;
}

namespace {
double difference(double x, double y)
{
    return std::isfinite(x) && std::isfinite(y) ? x - y : kUnknown;
}

// A repeat's time inside tasks split into on a core, waiting for a core, waiting for the simulated lock and the
// rest off the CPU. A thread woken to take the lock may wait for a core while its lock state still says
// "waiting": the lock states and the run-queue delay then count the same moments twice. The lock comes first
// (the thread could not have run without it), so the overlap, the amount by which the parts exceed the task
// time, is taken off the core wait.
struct InTask {
    double cpu = kUnknown;
    double coreWait = kUnknown;
    double lockWait = 0;
    double off = kUnknown;
};

double idleLock(const RepeatAccount& a)
{
    return std::isfinite(a.lockIdleS) ? a.lockIdleS : 0.0;
}

// `a` as if its repeat had run `scale` times one after another: every time in it `scale` times over.
RepeatAccount scaled(RepeatAccount a, int scale)
{
    for (double RepeatAccount::*field :
        { &RepeatAccount::startupS, &RepeatAccount::dispatchS, &RepeatAccount::tailS, &RepeatAccount::taskS,
            &RepeatAccount::taskCpuS, &RepeatAccount::taskWaitS, &RepeatAccount::lockWaitS, &RepeatAccount::lockIdleS })
        a.*field *= scale;
    return a;
}

InTask inTask(const RepeatAccount& a)
{
    InTask t;
    t.cpu = a.taskCpuS;
    t.lockWait = std::isfinite(a.lockWaitS) ? a.lockWaitS : 0.0;
    const double off = a.taskS - a.taskCpuS - a.taskWaitS - t.lockWait;
    const double overlap = std::isfinite(off) ? std::max(0.0, -off) : 0.0;
    t.coreWait = a.taskWaitS - overlap;
    t.off = std::isfinite(off) ? std::max(off, 0.0) : kUnknown;
    return t;
}
} // namespace

Losses losses(const Measurement& m, const Measurement& baseline, TaskLock lock, int scale)
{
    Losses l;
    const qsizetype r = m.medianRepeat;
    const qsizetype rb = baseline.medianRepeat;
    if (r < 0 || rb < 0 || m.accounts.size() != m.samplesS.size() || r >= m.accounts.size()
        || baseline.accounts.size() != baseline.samplesS.size() || rb >= baseline.accounts.size())
        return l;
    const RepeatAccount& a = m.accounts[r];
    const RepeatAccount b = scaled(baseline.accounts[rb], scale);
    const double nw = double(std::max(1, m.workers)) * m.samplesS[r];
    if (!(nw > 0) || !std::isfinite(a.taskS))
        return l;
    l.useful = scale * baseline.samplesS[rb] / nw;
    // Every part is what this repeat spent beyond the baseline's repeat, whose whole wall time is the useful
    // share: a baseline of 100,000 tiny tasks spends most of its time between them, and counting those gaps
    // again as this backend's dispatch left them as a negative unexplained (-70% for startup-cost's sequential).
    l.startup = (a.startupS - b.startupS) / nw;
    l.dispatch = (a.dispatchS - b.dispatchS) / nw;
    l.imbalance = (a.tailS - b.tailS) / nw;
    const InTask here = inTask(a);
    const InTask there = inTask(b);
    l.slowdown = difference(here.cpu, there.cpu) / nw;
    l.cpuWait = difference(here.coreWait, there.coreWait) / nw;
    l.waited = a.taskWaitS / nw;
    l.slowdownSpread = m.taskCpuIqrS / nw;
    const double off = difference(here.off, there.off) / nw;
    switch (lock) {
    case TaskLock::None:
        l.lockWait = 0;
        l.blocked = off;
        break;
    case TaskLock::Simulated:
        // In tasks and between them: a thread idle because it waits for the lock lost that time to the lock.
        l.lockWait
            = std::isfinite(a.lockWaitS) ? (here.lockWait + idleLock(a) - there.lockWait - idleLock(b)) / nw : kUnknown;
        l.blocked = off;
        break;
    case TaskLock::Interpreter: // CPython's own lock: a thread off the CPU inside a task waits for the GIL
        l.lockWait = off;
        l.blocked = std::isfinite(off) ? 0.0 : kUnknown;
        break;
    }
    double covered = l.useful;
    for (const Part& part : parts()) {
        if (part.share != &Losses::unexplained && std::isfinite(l.*part.share))
            covered += l.*part.share;
    }
    l.unexplained = 1.0 - covered;
    return l;
}

const QList<Part>& parts()
{
    static const QList<Part> list {
        { "startup", &Losses::startup, "start-up",
            "before each worker's first task: spawning, interpreter start, pool or MPI launch (span starts, beyond the "
            "baseline's)" },
        { "dispatch", &Losses::dispatch, "dispatch",
            "idle between one task's end and the same worker's next start: handing out tasks (span gaps, beyond the "
            "baseline's)" },
        { "imbalance", &Losses::imbalance, "imbalance",
            "after each worker's last task until the repeat ended: uneven tasks (span ends, beyond the baseline's)" },
        { "slowdown", &Losses::slowdown, "slowdown",
            "tasks needed more CPU than in the baseline: shared caches, memory bandwidth, frequency, SMT "
            "(task thread CPU time)" },
        { "lock_wait", &Losses::lockWait, "waiting for the lock",
            "tasks waited for the GIL: the model's lock states, or CPython's off-CPU time in tasks" },
        { "cpu_wait", &Losses::cpuWait, "waiting for a core",
            "tasks were runnable but had no core: other programs, or more workers than cores (schedstat "
            "run-queue delay)" },
        { "blocked", &Losses::blocked, "blocked",
            "other time off the CPU in tasks beyond the baseline's: I/O, page faults" },
        { "unexplained", &Losses::unexplained, "unexplained", "what the parts above do not cover" },
    };
    return list;
}

const Part& useful()
{
    static const Part part { "useful", &Losses::useful, "useful",
        "the baseline's own time: the work itself, done once (baseline wall time over workers x wall time)" };
    return part;
}

QString summary(const Losses& losses, double minimum)
{
    if (!std::isfinite(losses.useful))
        return {};
    QList<const Part*> shown;
    for (const Part& part : parts()) {
        if (std::isfinite(losses.*part.share) && std::abs(losses.*part.share) >= minimum)
            shown.append(&part);
    }
    std::stable_sort(shown.begin(), shown.end(),
        [&losses](const Part* x, const Part* y) { return losses.*x->share > losses.*y->share; });
    QStringList named;
    for (const Part* part : std::as_const(shown))
        named << QStringLiteral("%1 %2").arg(QLatin1String(part->label), Format::percent(losses.*part->share));
    const QString lost = QStringLiteral("lost %1").arg(Format::percent(1.0 - losses.useful));
    return named.isEmpty() ? lost : lost + QStringLiteral(": ") + named.join(QStringLiteral(", "));
}

double scheduleImbalance(const Bounds& bounds, int workers)
{
    const double lpt = bounds.lpt.value(workers, kUnknown);
    return std::isfinite(lpt) && workers > 0 ? 1.0 - lpt / workers : kUnknown;
}

const Measurement* busiest(const QList<Measurement>& measurements, int logicalCores)
{
    const Measurement* most = nullptr;
    for (const Measurement& m : measurements) {
        const bool fits = !BackendRegistry::usesWorkers(m.backend) || logicalCores <= 0 || m.workers <= logicalCores;
        if (fits && std::isfinite(m.losses.waited) && (!most || m.losses.waited > most->losses.waited))
            most = &m;
    }
    return most;
}

} // namespace Accounting

} // namespace parlab
