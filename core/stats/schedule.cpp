#include "schedule.h"

#include "backends/backendregistry.h"
#include "experimentspec.h"
#include "measurement.h"
#include "optiondescriptor.h"
#include "runresult.h"
#include "stats/mannwhitney.h"
#include "stats/statistics.h"
#include "workerstarts.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <functional>
#include <limits>
#include <queue>
#include <vector>

namespace parlab {

namespace Schedule {

namespace {
// One piece of work on a core: a task, a worker's own start-up or hand-out, or the dispatcher's part of one.
struct Activity {
    double end = 0; // on its host's work clock (see wallTime)
    int worker = 0; // -1: the dispatcher
    bool operator>(const Activity& other) const { return end > other.end; }
};

// A message between hosts, arriving at a time.
struct Message {
    double at = 0;
    int worker = 0;
    bool toDispatcher = false; // a worker's request; else the dispatcher's reply
    bool operator>(const Message& other) const { return at > other.at; }
};

// Processor sharing on one host with a work clock: while k activities run there, each gets min(1, cores / k) of a
// core, the same for all, so every running activity advances the same amount of work; an activity of w seconds
// started when the clock read v ends when it reads v + w.
struct Host {
    double cores = 1;
    double clock = 0;
    std::priority_queue<Activity, std::vector<Activity>, std::greater<>> running;

    double rate() const { return std::min(1.0, cores / double(std::max<size_t>(1, running.size()))); }
    // When its next activity ends, from `now`; infinite when none runs.
    double nextEnd(double now) const
    {
        return running.empty() ? std::numeric_limits<double>::infinity() : now + (running.top().end - clock) / rate();
    }
};

enum class Phase { Serial, Own, Task };

struct Worker {
    Phase phase = Phase::Serial;
    bool started = false; // past its start-up
    double startupS = 0; // its start-up: the later it is started, the longer (Costs::startupLagS)
    int host = 0;
    int nextTask = 0; // within its chunk
    int chunkEnd = 0;
};

// Which host each worker runs on: mpirun's placement by slot, the first host's slots first, round again when
// the workers outnumber the slots.
std::vector<int> placement(const QList<int>& hostCores, int workers)
{
    std::vector<int> host(size_t(workers), 0);
    int slots = 0;
    for (int c : hostCores)
        slots += std::max(1, c);
    for (int w = 0; w < workers && hostCores.size() > 1; ++w) {
        int slot = w % slots;
        for (int h = 0; h < hostCores.size(); ++h) {
            if (slot < std::max(1, hostCores[h])) {
                host[size_t(w)] = h;
                break;
            }
            slot -= std::max(1, hostCores[h]);
        }
    }
    return host;
}
} // namespace

namespace {
// The lag of the k-th worker started (Costs::startupLagS), or the growth of the finish of k (finishGrowthS), which
// may be below 0.
double lagAt(const QList<QPair<int, double>>& lags, int k)
{
    double lag = 0;
    if (lags.size() >= 2 && k > lags.constFirst().first) {
        qsizetype upper = 1;
        while (upper < lags.size() - 1 && lags[upper].first < k)
            ++upper;
        const QPair<int, double>& a = lags[upper - 1];
        const QPair<int, double>& b = lags[upper];
        const double rate = (b.second - a.second) / double(b.first - a.first);
        // Beyond the counts measured (more than the machine's cores), at the last rate, never shrinking: a later
        // worker starts, and more of them end, no sooner than the last ones measured.
        lag = k > b.first ? b.second + std::max(0.0, rate) * (k - b.first) : a.second + rate * (k - a.first);
    }
    return lag;
}

// The lags of the first `workers` started, summed: what their start-ups hold beyond startupS each.
double lagsUpTo(const QList<QPair<int, double>>& lags, int workers)
{
    double sum = 0;
    for (int k = 1; k <= workers; ++k)
        sum += lagAt(lags, k);
    return sum;
}

// What one more start at once adds to the last one's lag, at `workers`: what a hand-out that starts a worker among
// `workers` running takes beyond one alone.
double lagAdded(const QList<QPair<int, double>>& lags, int workers)
{
    return lagAt(lags, workers) - lagAt(lags, workers - 1);
}
} // namespace

double finishAt(const Costs& costs, int workers)
{
    const double finish = workers > 1 && std::isfinite(costs.awayFinishS) ? costs.awayFinishS : costs.finishS;
    return std::max(0.0, finish + lagAt(costs.finishGrowthS, workers));
}

double startupAt(const Costs& costs, int k)
{
    const double startup = k > 1 && std::isfinite(costs.awayStartupS) ? costs.awayStartupS : costs.startupS;
    return std::max(0.0, startup + lagAt(costs.startupLagS, k));
}

namespace {
// A hand-out in a batch of `workers`: one that starts a worker takes what a start among them adds; another, what
// that many taking theirs at once add.
double dispatchAt(const Costs& costs, int workers)
{
    return std::max(0.0,
        costs.dispatchS
            + (costs.handOutStarts ? lagAdded(costs.startupLagS, workers) : lagAt(costs.handOutGrowthS, workers)));
}
} // namespace

namespace {
// Each count's batches against the batch of one, by `against` (one's figures, the count's), from (1, 0).
QList<QPair<int, double>> againstOne(const WorkerStarts& starts,
    const std::function<double(const WorkerStartCost& one, const WorkerStartCost& k)>& against)
{
    if (starts.counts.size() < 2 || starts.counts.constFirst().workers != 1)
        return {};
    const WorkerStartCost& one = starts.counts.constFirst();
    if (!std::isfinite(one.wallS))
        return {};
    QList<QPair<int, double>> curve { { 1, 0.0 } };
    for (qsizetype i = 1; i < starts.counts.size(); ++i) {
        const WorkerStartCost& c = starts.counts[i];
        if (!std::isfinite(c.wallS))
            continue;
        // A difference the rounds cannot tell from their own spread (a rank-sum test of the batches against those
        // of one worker) is none: on this VM 5 rounds of a process per task put the second of two anywhere from
        // 0.7 ms sooner to 4.7 ms later than one alone (starts of 42-45 ms), and the predictions that took it as
        // measured missed noop by up to 22% where those without it were within 10%.
        const bool told = one.wallSamplesS.isEmpty() || c.wallSamplesS.isEmpty()
            || MannWhitney::test(one.wallSamplesS, c.wallSamplesS).pValue < kSignificance;
        curve.append({ c.workers, told ? against(one, c) : 0.0 });
    }
    return curve.size() < 2 ? QList<QPair<int, double>> {} : curve;
}

// Both finishes, where both were measured; else none (a file with medians of the whole batch alone).
bool finishes(const WorkerStartCost& one, const WorkerStartCost& k)
{
    return std::isfinite(one.finishS) && std::isfinite(k.finishS);
}
} // namespace

QList<QPair<int, double>> startupLag(const WorkerStarts& starts)
{
    return againstOne(starts, [](const WorkerStartCost& one, const WorkerStartCost& k) {
        return finishes(one, k) ? (k.wallS - k.finishS) - (one.wallS - one.finishS) : k.wallS - one.wallS;
    });
}

QList<QPair<int, double>> finishGrowth(const WorkerStarts& starts)
{
    return againstOne(starts, [](const WorkerStartCost& one, const WorkerStartCost& k) {
        return finishes(one, k) ? k.finishS - one.finishS : 0.0;
    });
}

QList<QPair<int, double>> handOutGrowth(const WorkerStarts& starts)
{
    if (starts.counts.isEmpty() || starts.counts.constFirst().workers != 1
        || !std::isfinite(starts.counts.constFirst().handOutS))
        return {};
    // A worker's cycle at k holds the hand-outs it waits for: where the model has a share s of each hand-out spent by
    // the one dispatcher, k workers past k.s >= 1 wait k.s of them each (the dispatcher is never idle), so the
    // hand-out at k is the cycle over k.s; threads (s = 0) wait for none.
    const double share = dispatchSerialShare(starts.backend);
    const auto handOut = [&](const WorkerStartCost& c) { return c.handOutS / std::max(1.0, c.workers * share); };
    const double one = handOut(starts.counts.constFirst());
    QList<QPair<int, double>> curve { { 1, 0.0 } };
    for (qsizetype i = 1; i < starts.counts.size(); ++i) {
        if (const WorkerStartCost& c = starts.counts[i]; std::isfinite(c.handOutS))
            curve.append({ c.workers, handOut(c) - one });
    }
    return curve.size() < 2 ? QList<QPair<int, double>> {} : curve;
}

double wallTime(const Setup& setup)
{
    const int count = int(setup.costsS.size());
    const int chunk = std::max(1, setup.chunk);
    const int workers = std::clamp(setup.workers, 1, std::max(1, (count + chunk - 1) / chunk));
    const Costs& c = setup.costs;
    if (count == 0)
        return c.startupS + finishAt(c, 1);
    const double dispatch = dispatchAt(c, workers);

    std::vector<Host> hosts;
    for (int cores : setup.hostCores.isEmpty() ? QList<int> { setup.cores } : setup.hostCores)
        hosts.push_back(Host { double(std::max(1, cores)), 0, {} });
    std::priority_queue<Message, std::vector<Message>, std::greater<>> messages;
    double now = 0;
    const auto start = [&](int host, int worker, double work) {
        Host& h = hosts[size_t(host)];
        h.running.push({ h.clock + std::max(0.0, work), worker });
    };

    std::vector<Worker> state(size_t(workers), Worker {});
    const std::vector<int> placed = placement(setup.hostCores, workers);
    for (int w = 0; w < workers; ++w) {
        state[size_t(w)].host = placed[size_t(w)];
        state[size_t(w)].startupS = startupAt(c, w + 1);
    }
    std::deque<int> queue; // workers waiting for the dispatcher (on the first host), in turn
    bool dispatching = false;
    int next = 0; // the next input to hand out
    double lastEnd = 0;
    double lastStop = 0; // when the last worker that found nothing left stopped

    const auto serialPart = [&](const Worker& w) {
        return w.started ? dispatch * c.dispatchSerialShare : w.startupS * c.startupSerialShare;
    };
    const auto ownPart = [&](const Worker& w) {
        return w.started ? dispatch * (1 - c.dispatchSerialShare) : w.startupS * (1 - c.startupSerialShare);
    };
    const auto serve = [&] {
        if (dispatching || queue.empty())
            return;
        dispatching = true;
        start(0, -1, serialPart(state[size_t(queue.front())]));
    };
    const auto remote = [&](int worker) { return state[size_t(worker)].host != 0 && setup.hopS > 0; };
    // A worker that wants its next chunk: in line at the dispatcher (a hop away on another host), then its own part.
    const auto ask = [&](int worker) {
        Worker& w = state[size_t(worker)];
        if (serialPart(w) > 0 || remote(worker)) {
            w.phase = Phase::Serial;
            if (remote(worker)) {
                messages.push({ now + setup.hopS, worker, true });
                return;
            }
            queue.push_back(worker);
            serve();
        } else {
            w.phase = Phase::Own;
            start(w.host, worker, ownPart(w));
        }
    };
    const auto runNext = [&](int worker) {
        Worker& w = state[size_t(worker)];
        w.phase = Phase::Task;
        start(w.host, worker, setup.costsS[w.nextTask] * c.slowdown);
        ++w.nextTask;
    };

    for (int w = 0; w < workers; ++w)
        ask(w);
    for (;;) {
        // The next event: an activity ending on some host, or a message arriving.
        size_t first = 0;
        double at = std::numeric_limits<double>::infinity();
        for (size_t h = 0; h < hosts.size(); ++h) {
            if (const double end = hosts[h].nextEnd(now); end < at) {
                at = end;
                first = h;
            }
        }
        const bool message = !messages.empty() && messages.top().at <= at;
        if (message)
            at = messages.top().at;
        if (!std::isfinite(at))
            break;
        for (Host& h : hosts)
            h.clock += (at - now) * h.rate();
        now = at;
        if (message) {
            const Message m = messages.top();
            messages.pop();
            if (m.toDispatcher) {
                queue.push_back(m.worker);
                serve();
            } else {
                Worker& w = state[size_t(m.worker)];
                w.phase = Phase::Own;
                start(w.host, m.worker, ownPart(w));
            }
            continue;
        }
        Host& host = hosts[first];
        const Activity done = host.running.top();
        host.clock = done.end; // exactly, whatever the rounding above
        host.running.pop();
        if (done.worker < 0) {
            // The dispatcher handed the first in line its chunk: that worker goes on with its own part, a hop later
            // on another host.
            dispatching = false;
            const int worker = queue.front();
            queue.pop_front();
            if (remote(worker)) {
                messages.push({ now + setup.hopS, worker, false });
            } else {
                state[size_t(worker)].phase = Phase::Own;
                start(state[size_t(worker)].host, worker, ownPart(state[size_t(worker)]));
            }
            serve();
            continue;
        }
        Worker& w = state[size_t(done.worker)];
        if (w.phase == Phase::Own) {
            w.started = true;
            if (next >= count) {
                lastStop = std::max(lastStop, now); // nothing left: the worker stops
                continue;
            }
            w.nextTask = next;
            w.chunkEnd = std::min(count, next + chunk);
            next = w.chunkEnd;
            runNext(done.worker);
            continue;
        }
        // A task ended: the chunk's next one, or the next chunk.
        lastEnd = std::max(lastEnd, now);
        if (w.nextTask < w.chunkEnd)
            runNext(done.worker);
        else if (next < count)
            ask(done.worker);
    }
    return std::max(lastEnd, c.joinsWorkers ? lastStop : 0.0) + finishAt(c, workers);
}

namespace {
// How a backend's workers get their tasks, from its facts: threads take the next themselves; worker processes are
// served by one parent thread, which hands out every task over a pipe or a message (a pool, rank 0), or starts a
// fresh process for each (a worker process that takes no chunks and is started one per input: process-per-task;
// mpirun starts every rank up front).
enum class HandOut { Themselves, Served, Spawned };

HandOut handOutOf(const QString& backendId)
{
    const BackendFacts facts = BackendRegistry::factsOf(backendId);
    if (facts.footprint.processes <= 0)
        return HandOut::Themselves;
    if (facts.footprint.onePerInput && !facts.options.contains(Option::Chunksize))
        return HandOut::Spawned;
    return HandOut::Served;
}
} // namespace

double startupSerialShare(const QString& backendId)
{
    // The parent's fork and exec of a process against the child's own loading; the creating thread's clone against
    // a new thread's first scheduling: a process's start is mostly its own, a thread's as much its creator's.
    return handOutOf(backendId) == HandOut::Themselves ? 0.5 : 0.25;
}

bool startsAWorkerPerHandOut(const QString& backendId)
{
    return handOutOf(backendId) == HandOut::Spawned;
}

bool servesHandOuts(const QString& backendId)
{
    return handOutOf(backendId) == HandOut::Served;
}

int chunkOf(const ExperimentSpec& spec, const QString& backendId)
{
    return BackendRegistry::factsOf(backendId).options.contains(Option::Chunksize) ? std::max(1, spec.options.chunksize)
                                                                                   : 1;
}

int handOuts(const ExperimentSpec& spec, const QString& backendId, int workers)
{
    // What one input becomes at this scale (itself grown, or itself so many times over), for every input.
    const qsizetype tasks
        = spec.inputs.size() * scaledCosts(spec, QList<double> { 0.0 }, workScale(spec, backendId, workers)).size();
    const int chunk = chunkOf(spec, backendId);
    return int((tasks + chunk - 1) / chunk);
}

double dispatchSerialShare(const QString& backendId)
{
    switch (handOutOf(backendId)) {
    case HandOut::Themselves: // one atomic increment each
        return 0.0;
    case HandOut::Served:
        // The parent's one poll loop reads each result, records it and writes the next task; the worker only reads
        // and writes a line. Measured here (bench_predict, noop): two pool workers hand out no faster than one.
        return 1.0;
    case HandOut::Spawned:
        // The parent waits for each finished process to exit and forks the next (about 40% of a hand-out: the
        // 1-worker run's finish and the fork), and two processes starting at once slow each other (each start took
        // 30% longer at 2 workers, bench_predict's spans): measured here, with noop tasks two processes per task are
        // 1.6 to 1.8 times as fast as one, as if 0.6 of each hand-out waited in the parent's queue (0.55 predicted
        // 11-15% too fast, 0.7 8-27% too slow).
        return 0.6;
    }
    return 0.0;
}

namespace {
double medianOf(const QList<RepeatAccount>& accounts, double RepeatAccount::*field)
{
    QList<double> values;
    for (const RepeatAccount& a : accounts) {
        if (std::isfinite(a.*field))
            values.append(a.*field);
    }
    return values.isEmpty() ? kUnknown : Statistics::median(values);
}

// The seconds a measurement spent before, between and after its tasks, and in them: its accounts' medians, or what
// its losses (the shares of its median repeat beyond the baseline's, all a JSON export has) give back, with the
// baseline's own idle time taken as nothing.
struct Spent {
    double startup = kUnknown;
    double dispatch = kUnknown;
    double tail = kUnknown;
    double task = kUnknown;
};

// The dispatcher's shares of start-up and hand-out as the run measured them, where its backend measures the
// dispatcher's blocking work (Backend::lastSerialWork: a process per task's fork, exec and reaping), instead of the
// kind's constants: they differ between machines (a spawn's parent part against the child's library loading).
// Start-up: the serial work P over all `busy` workers' start-up S, where the k-th worker started also waited for
// the k-1 before it (calibrate's inversion): s = (P/S) / (1 - (P/S)(busy-1)/2), which is P/S at one worker.
void measuredShares(const Measurement& m, const Spent& here, int busy, Costs& c);

Spent spent(const Measurement& m)
{
    Spent s;
    if (!m.accounts.isEmpty()) {
        s.startup = medianOf(m.accounts, &RepeatAccount::startupS);
        s.dispatch = medianOf(m.accounts, &RepeatAccount::dispatchS);
        s.tail = medianOf(m.accounts, &RepeatAccount::tailS);
        s.task = medianOf(m.accounts, &RepeatAccount::taskS);
        return s;
    }
    const double nw = double(std::max(1, m.workers)) * m.wall.median;
    if (!std::isfinite(nw) || !std::isfinite(m.losses.useful))
        return s;
    s.startup = std::max(0.0, m.losses.startup * nw);
    s.dispatch = std::max(0.0, m.losses.dispatch * nw);
    s.tail = std::max(0.0, m.losses.imbalance * nw);
    return s;
}
void measuredShares(const Measurement& m, const Spent& here, int busy, Costs& c)
{
    const double startupSerial = medianOf(m.accounts, &RepeatAccount::startupSerialS);
    if (std::isfinite(startupSerial) && std::isfinite(here.startup) && here.startup > 0) {
        const double ratio = startupSerial / here.startup;
        const double denominator = 1 - ratio * (busy - 1) / 2.0;
        c.startupSerialShare = denominator > 0 ? std::clamp(ratio / denominator, 0.0, 1.0) : 1.0;
    }
    const double dispatchSerial = medianOf(m.accounts, &RepeatAccount::dispatchSerialS);
    if (std::isfinite(dispatchSerial) && std::isfinite(here.dispatch) && here.dispatch > 0)
        c.dispatchSerialShare = std::clamp(dispatchSerial / here.dispatch, 0.0, 1.0);
}

// A 1-worker run of threads draws, repeat by repeat, its starter's core or the other, idle one (16 noop runs on this
// 2-core VM: start-up 18-25 µs against 50-88, finish 11-18 against 46-67, the idle core waking), and its median follows
// the more frequent draw (3 to 17 of 35 repeats away); with more workers, the first holds the starter's core and a
// later one starts on another. Where enough repeats drew another core (RepeatAccount::startedAway), the workers after
// the first start and finish as those did.
void startsAway(const Measurement& m, Costs& c, QString& note)
{
    constexpr qsizetype kEnough = 3;
    QList<double> startups, finishes;
    qsizetype known = 0;
    for (const RepeatAccount& a : m.accounts) {
        if (!std::isfinite(a.startedAway))
            continue;
        ++known;
        if (a.startedAway >= 1 && std::isfinite(a.startupS) && std::isfinite(a.tailS)) {
            startups.append(a.startupS);
            finishes.append(a.tailS);
        }
    }
    if (startups.size() < kEnough)
        return;
    c.awayStartupS = Statistics::median(startups);
    c.awayFinishS = Statistics::median(finishes);
    const QString away = QStringLiteral("the workers after the first start as the %1 of %2 repeats at 1 worker whose "
                                        "thread ran on another core than its starter's (start-up %3 µs, finish %4 µs)")
                             .arg(startups.size())
                             .arg(known)
                             .arg(c.awayStartupS * 1e6, 0, 'f', 1)
                             .arg(c.awayFinishS * 1e6, 0, 'f', 1);
    note = note.isEmpty() ? away : note + QStringLiteral("; ") + away;
}
} // namespace

Calibration calibrate(const RunResult& result, const QString& backendId, int fromWorkers)
{
    Calibration cal;
    cal.fromWorkers = fromWorkers;
    const BackendFacts facts = BackendRegistry::factsOf(backendId);
    const Measurement* m = result.find(backendId, fromWorkers);
    const Measurement* base = result.find(facts.baseline, 1);
    if (!m || m->samplesS.isEmpty()) {
        cal.error = QStringLiteral("%1 has no measurement at %2 worker%3")
                        .arg(backendId)
                        .arg(fromWorkers)
                        .arg(fromWorkers == 1 ? QString() : QStringLiteral("s"));
        return cal;
    }
    if (!base || !std::isfinite(base->wall.median)) {
        cal.error = QStringLiteral("the run has no %1 baseline to predict %2's speedup against")
                        .arg(facts.baseline, backendId);
        return cal;
    }
    cal.baselineS = base->wall.median;
    cal.measuredS = m->wall.median;

    const int count = int(result.spec.inputs.size());
    QList<double> costs = result.bounds.taskCostsS;
    if (costs.size() != count || count == 0) {
        // A JSON export does not carry the tasks' costs: equal shares of what the baseline spent in tasks.
        const Spent b = spent(*base);
        const double inTasks = std::isfinite(b.task) ? b.task : base->wall.median;
        costs = QList<double>(std::max(count, 1), inTasks / std::max(count, 1));
        cal.note = QStringLiteral("each input's cost is not known: equal tasks assumed");
    }
    double sum = 0;
    for (double& cost : costs) {
        if (!std::isfinite(cost) || cost < 0)
            cost = 0;
        sum += cost;
    }

    cal.spec = result.spec;
    cal.backendId = backendId;
    cal.baseCostsS = costs;
    // A weak run's measurement at fromWorkers ran the base tasks grown to it.
    costs = scaledCosts(result.spec, costs, workScale(result.spec, backendId, fromWorkers));
    sum = 0;
    for (double cost : std::as_const(costs))
        sum += cost;
    Setup& s = cal.setup;
    s.costsS = costs;
    s.chunk = chunkOf(result.spec, backendId);
    Costs& c = s.costs;
    c.startupSerialShare = startupSerialShare(backendId);
    c.dispatchSerialShare = dispatchSerialShare(backendId);
    c.joinsWorkers = handOutOf(backendId) == HandOut::Themselves;
    c.handOutStarts = startsAWorkerPerHandOut(backendId);

    // Per worker and per hand-out, inverting what the model itself spends at fromWorkers: the k-th worker started
    // waits for k earlier ones' serial parts, and each worker's first chunk is its start-up, not a hand-out.
    const Spent here = spent(*m);
    const int handOuts = Schedule::handOuts(result.spec, backendId, fromWorkers);
    const int busy = std::clamp(fromWorkers, 1, std::max(1, handOuts));
    measuredShares(*m, here, busy, c);
    if (const WorkerStarts* measured = result.environment.workerStartsOf(backendId)) {
        c.startupLagS = startupLag(*measured);
        c.finishGrowthS = finishGrowth(*measured);
        if (!c.handOutStarts)
            c.handOutGrowthS = handOutGrowth(*measured);
    }
    const bool lagged = c.startupLagS.size() >= 2;
    if (lagged)
        c.startupSerialShare = 0; // the lags hold it
    // The `busy` start-ups measured are each one's own and the lags of the first `busy` started.
    const double starts = busy + c.startupSerialShare * busy * (busy - 1) / 2.0;
    c.startupS
        = std::isfinite(here.startup) ? std::max(0.0, (here.startup - lagsUpTo(c.startupLagS, busy)) / starts) : 0;
    if (lagged) {
        const QPair<int, double>& top = c.startupLagS.constLast();
        const QString last = top.second == 0
            ? QStringLiteral("the last of %1 reached its task no later than one alone, within the rounds' spread")
                  .arg(top.first)
            : QStringLiteral("the last of %1 reached its task %2%3 µs after one alone")
                  .arg(top.first)
                  .arg(top.second > 0 ? QStringLiteral("+") : QString())
                  .arg(top.second * 1e6, 0, 'f', 1);
        const double grown = lagAt(c.finishGrowthS, top.first);
        const QString finish = grown == 0 ? QString()
                                          : QStringLiteral(", and ended %1%2 µs later after its last task")
                                                .arg(grown > 0 ? QStringLiteral("+") : QString())
                                                .arg(grown * 1e6, 0, 'f', 1);
        const QString lag
            = QStringLiteral("start-up%3 measured with 1 to %1 workers started at once after the run's "
                             "rounds (%2); beyond %1 it grows at the rate between the last two counts")
                  .arg(top.first)
                  .arg(last + finish,
                      c.handOutStarts ? QStringLiteral(" and each hand-out (it starts a process)") : QString());
        cal.note = cal.note.isEmpty() ? lag : cal.note + QStringLiteral("; ") + lag;
    }
    if (c.handOutGrowthS.size() >= 2) {
        const QPair<int, double>& top = c.handOutGrowthS.constLast();
        const QString handOut = servesHandOuts(backendId)
            ? QStringLiteral("a hand-out of %1 took the one dispatcher %2 µs %3 with %4 workers served at once than "
                             "with one (after the run's rounds)")
                  .arg(s.chunk == 1 ? QStringLiteral("a noop task") : QStringLiteral("%1 noop tasks").arg(s.chunk))
                  .arg(std::abs(top.second) * 1e6, 0, 'f', 3)
                  .arg(top.second >= 0 ? QStringLiteral("longer") : QStringLiteral("less"))
                  .arg(top.first)
            : QStringLiteral("a noop task and its hand-out took %1%2 µs longer on each of %3 workers taking theirs at "
                             "once than on one (after the run's rounds)")
                  .arg(top.second >= 0 ? QStringLiteral("+") : QString())
                  .arg(top.second * 1e6, 0, 'f', 3)
                  .arg(top.first);
        cal.note = cal.note.isEmpty() ? handOut : cal.note + QStringLiteral("; ") + handOut;
    }
    c.dispatchS = std::isfinite(here.dispatch) && handOuts > busy ? here.dispatch / (handOuts - busy) : 0;
    // A hand-out measured among `busy` running: what starting one more among them, or taking one beside them, added.
    c.dispatchS = std::max(
        0.0, c.dispatchS - (c.handOutStarts ? lagAdded(c.startupLagS, busy) : lagAt(c.handOutGrowthS, busy)));
    // After the last task: at one worker all of the tail; with several, the imbalance is in it too, and the one that
    // ended last had the least of it, the finish alone, grown as the probe's batch of `busy` grew.
    c.finishS = std::isfinite(here.tail)
        ? (busy == 1 ? here.tail : std::max(0.0, here.tail / busy - lagAt(c.finishGrowthS, busy)))
        : 0;
    if (busy > 1 && fromWorkers > 1) {
        if (const Measurement* one = result.find(backendId, 1); one && !one->samplesS.isEmpty()) {
            if (const Spent single = spent(*one); std::isfinite(single.tail))
                c.finishS = single.tail;
        }
    }
    if (fromWorkers == 1 && c.joinsWorkers)
        startsAway(*m, c, cal.note);
    // What the figures above leave of the calibration's own median wall time is the tasks' (slower on this backend
    // than alone: another process's caches, a cold start, cores taken by other programs): their slowdown is the one
    // with which the model spends exactly that median at fromWorkers. The wall time grows with it, so halving finds
    // it.
    s.workers = fromWorkers;
    s.cores = std::max(1, result.environment.logicalCores);
    if (std::isfinite(cal.measuredS) && sum > 0 && busy == 1) {
        // One worker runs one thing at a time, whatever the cores: start-up, tasks and hand-outs add up.
        const double around = c.startupS + c.dispatchS * (handOuts - 1) + c.finishS;
        c.slowdown = std::max(0.0, (cal.measuredS - around) / sum);
    } else if (std::isfinite(cal.measuredS) && sum > 0) {
        const auto wallAt = [&s](double slowdown) {
            s.costs.slowdown = slowdown;
            return wallTime(s);
        };
        double low = 0, high = 1;
        while (wallAt(high) < cal.measuredS && high < 1e9)
            high *= 2;
        for (int i = 0; i < 40; ++i) {
            const double middle = (low + high) / 2;
            (wallAt(middle) < cal.measuredS ? low : high) = middle;
        }
        c.slowdown = (low + high) / 2;
    }
    return cal;
}

double speedup(const Calibration& calibration, int workers, int cores, const QList<int>& hostCores, double hopS)
{
    if (!calibration.error.isEmpty() || !std::isfinite(calibration.baselineS))
        return kUnknown;
    Setup setup = calibration.setup;
    setup.workers = workers;
    setup.cores = cores;
    setup.hostCores = hostCores;
    setup.hopS = hopS;
    // A weak run's N workers run the base tasks grown N times over, and did N times the baseline's work.
    const int scale = workScale(calibration.spec, calibration.backendId, workers);
    setup.costsS = scaledCosts(calibration.spec, calibration.baseCostsS, scale);
    const double wall = wallTime(setup);
    return wall > 0 ? scale * calibration.baselineS / wall : kUnknown;
}

namespace {
// The worker counts `backendId` measured in `result`, ascending.
QList<int> measuredCounts(const RunResult& result, const QString& backendId)
{
    QList<int> counts;
    if (!BackendRegistry::usesWorkers(backendId))
        return counts;
    for (const Measurement& m : result.measurements) {
        if (m.backend == backendId && !m.samplesS.isEmpty() && !counts.contains(m.workers))
            counts.append(m.workers);
    }
    std::sort(counts.begin(), counts.end());
    return counts;
}

int runCores(const RunResult& result)
{
    return std::max(1, result.environment.logicalCores);
}
} // namespace

double predictedSpeedup(const RunResult& result, const QString& backendId, int workers)
{
    const QList<int> counts = measuredCounts(result, backendId);
    if (counts.isEmpty())
        return kUnknown;
    return speedup(calibrate(result, backendId, counts.constFirst()), workers, runCores(result));
}

QList<CurvePoint> predictedCurve(const RunResult& result, const QString& backendId)
{
    QList<int> counts = measuredCounts(result, backendId);
    if (counts.isEmpty())
        return {};
    const Calibration cal = calibrate(result, backendId, counts.constFirst());
    if (!cal.error.isEmpty())
        return {};
    const int largest = counts.constLast();
    for (int w = 1; w <= 2 * largest && w <= ExperimentSpec::kMaxWorkers; w *= 2) {
        if (w > largest)
            counts.append(w);
    }
    QList<CurvePoint> curve;
    for (int w : std::as_const(counts))
        curve.append({ w, speedup(cal, w, runCores(result)) });
    return curve;
}

} // namespace Schedule

} // namespace parlab
