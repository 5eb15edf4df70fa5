// The simulated GIL: the lock model on its own (mutual exclusion, forced switching after one switch interval,
// no lost wake-ups, prompt cancel, no contention with one thread, a bounded record) and the gil-threads
// backend built on it (same checksums as sequential, lock states covering every thread's life, CPU-bound
// work taking turns, waits and release_gil overlapping, the switch interval option, option validation).

#include "backends/backend.h"
#include "backends/backendregistry.h"
#include "backends/gilthreadsbackend.h"
#include "clock.h"
#include "context.h"
#include "experimentspec.h"
#include "gil/gilthreadstate.h"
#include "gil/interpreterlock.h"
#include "kernels/kernel.h"
#include "kernels/kernelregistry.h"
#include "runoptions.h"
#include "taskspan.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonObject>
#include <QTest>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

using namespace parlab;
using namespace std::chrono_literals;

namespace {

std::unique_ptr<Kernel> kernelNamed(const QString& name)
{
    auto kernel = KernelRegistry::create(name);
    if (!kernel)
        qFatal("no kernel named %s", qPrintable(name));
    return kernel;
}

std::unique_ptr<GilThreadsBackend> gilBackend(double switchIntervalMs = 5, bool releaseGil = false)
{
    auto backend = std::make_unique<GilThreadsBackend>();
    RunOptions options;
    options.switchIntervalMs = switchIntervalMs;
    options.releaseGil = releaseGil;
    backend->configure(options);
    return backend;
}

// Burns wall time on this thread without giving up the CPU (code that runs without reaching a checkpoint).
void busyFor(std::chrono::nanoseconds duration)
{
    const qint64 end = monotonicNs() + duration.count();
    while (monotonicNs() < end) { }
}

QString describe(const StateSpan& s)
{
    return QStringLiteral("worker %1 %2 [%3, %4]")
        .arg(s.worker)
        .arg(lockStateName(s.state))
        .arg(s.startNs)
        .arg(s.endNs);
}

QList<StateSpan> ofWorker(const QList<StateSpan>& states, int worker)
{
    QList<StateSpan> result;
    for (const StateSpan& s : states) {
        if (s.worker == worker)
            result.append(s);
    }
    return result;
}

bool has(const QList<StateSpan>& states, LockState state)
{
    return std::any_of(states.cbegin(), states.cend(), [state](const StateSpan& s) { return s.state == state; });
}

// Each worker's record must be one unbroken line inside [beforeNs, afterNs]: time-ordered, without gaps or
// overlaps, no empty intervals, neighbours in different states (merged). Empty when it is, else what is not.
QString checkCoverage(const QList<StateSpan>& states, int workers, qint64 beforeNs, qint64 afterNs)
{
    for (int w = 0; w < workers; ++w) {
        const QList<StateSpan> mine = ofWorker(states, w);
        if (mine.isEmpty())
            return QStringLiteral("worker %1 has no lock states").arg(w);
        if (mine.first().startNs < beforeNs || mine.last().endNs > afterNs)
            return QStringLiteral("%1 .. %2 lies outside the run [%3, %4]")
                .arg(describe(mine.first()), describe(mine.last()))
                .arg(beforeNs)
                .arg(afterNs);
        for (qsizetype i = 0; i < mine.size(); ++i) {
            if (mine[i].endNs <= mine[i].startNs)
                return QStringLiteral("empty or reversed interval: %1").arg(describe(mine[i]));
            if (i > 0 && mine[i].startNs != mine[i - 1].endNs)
                return QStringLiteral("gap or overlap between %1 and %2").arg(describe(mine[i - 1]), describe(mine[i]));
            if (i > 0 && mine[i].state == mine[i - 1].state)
                return QStringLiteral("not merged: %1 and %2").arg(describe(mine[i - 1]), describe(mine[i]));
        }
    }
    for (const StateSpan& s : states) {
        if (s.worker < 0 || s.worker >= workers)
            return QStringLiteral("a state of an unknown worker: %1").arg(describe(s));
    }
    return {};
}

// The recorded picture of mutual exclusion: no two threads' running intervals overlap.
QString checkOneRunnerAtATime(const QList<StateSpan>& states)
{
    QList<StateSpan> running;
    for (const StateSpan& s : states) {
        if (s.state == LockState::Running)
            running.append(s);
    }
    std::sort(
        running.begin(), running.end(), [](const StateSpan& a, const StateSpan& b) { return a.startNs < b.startNs; });
    for (qsizetype i = 1; i < running.size(); ++i) {
        if (running[i].startNs < running[i - 1].endNs)
            return QStringLiteral("two threads running at once: %1 and %2")
                .arg(describe(running[i - 1]), describe(running[i]));
    }
    return {};
}

// How long intervals in `state` of two different workers overlap, in total.
qint64 overlapNs(const QList<StateSpan>& states, LockState state)
{
    qint64 total = 0;
    for (const StateSpan& a : states) {
        for (const StateSpan& b : states) {
            if (a.worker < b.worker && a.state == state && b.state == state)
                total += std::max<qint64>(0, std::min(a.endNs, b.endNs) - std::max(a.startNs, b.startNs));
        }
    }
    return total;
}

// Throws on input 3 after spinning 20 ms under the lock, as a buggy extension would; any other input spins
// that many milliseconds of CPU, reaching a checkpoint every few microseconds.
class ThrowingSpinKernel final : public Kernel {
public:
    QString name() const override { return QStringLiteral("throwing-spin"); }
    QString description() const override { return QStringLiteral("spins N ms, throws on input 3"); }
    KernelKind kind() const override { return KernelKind::Cpu; }
    QString inputMeaning() const override { return QStringLiteral("milliseconds"); }
    InputRange range() const override { return { 0, 600'000, QStringLiteral("test kernel") }; }
    double cost(qint64 input) const override { return double(input) + 1; }
    quint64 run(qint64 input, Context& context) const override
    {
        const qint64 end = monotonicNs() + (input == 3 ? 20 : input) * 1'000'000;
        while (monotonicNs() < end) {
            busyFor(5us);
            context.poll();
        }
        if (input == 3)
            throw std::runtime_error("the third input is cursed");
        return quint64(input);
    }
};

} // namespace

class TestGil final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // The lock model.
    void oneThreadNeverWaits();
    void mutualExclusion();
    void forcedSwitchingAfterOneInterval();
    void noLostWakeups();
    void cancelWakesWaiters();
    void recordIsBounded();
    void coarseningKeepsEachStatesShare();
    // The backend.
    void registered();
    void checksumsAndStates_data();
    void checksumsAndStates();
    void cpuBoundTakesTurns();
    void releaseGilRunsInParallel();
    void sleepOverlaps();
    void switchIntervalOption();
    void failingTaskLetsTheLockGo();
    void cancelMidBatch_data();
    void cancelMidBatch();
    void badOptionsRejected();
};

void TestGil::oneThreadNeverWaits()
{
    RunControl control;
    control.beginBatch();
    InterpreterLock lock(control, 1ms);
    const qint64 before = monotonicNs();
    GilThreadState thread(lock, 0);
    thread.acquire();
    QVERIFY(thread.holding());
    // Several switch intervals of checkpoints: with nobody else there, nobody asks for the lock.
    const qint64 end = monotonicNs() + 30'000'000;
    while (monotonicNs() < end) {
        busyFor(10us);
        thread.checkpoint();
    }
    thread.releaseForWait();
    QVERIFY(!thread.holding());
    std::this_thread::sleep_for(2ms);
    thread.reacquireAfterWait();
    QVERIFY(thread.holding());
    thread.release();
    const QList<StateSpan> states = thread.finish();
    const qint64 after = monotonicNs();

    QCOMPARE(lock.switches(), qint64(0));
    QCOMPARE(lock.dropRequests(), qint64(0));
    QVERIFY2(!has(states, LockState::Waiting), "a lone thread waited for the lock");
    const QString coverage = checkCoverage(states, 1, before, after);
    QVERIFY2(coverage.isEmpty(), qPrintable(coverage));
    QCOMPARE(states.size(), 4); // running, released (the wait), running, released (the end)
    QCOMPARE(states[0].state, LockState::Running);
    QCOMPARE(states[1].state, LockState::Released);
    QVERIFY(states[1].endNs - states[1].startNs >= 2'000'000);
}

void TestGil::mutualExclusion()
{
    // A tiny switch interval and many short holds: the lock changes hands thousands of times.
    constexpr int kThreads = 8;
    constexpr int kRounds = 150;
    RunControl control;
    control.beginBatch();
    InterpreterLock lock(control, 100us);
    std::atomic<int> inside { 0 };
    std::atomic<int> violations { 0 };
    std::atomic<int> failures { 0 };
    std::vector<QList<StateSpan>> states(kThreads);

    // Every stretch between two lock operations is a critical section: nobody else may be in one.
    auto critical = [&] {
        if (inside.fetch_add(1) != 0)
            violations.fetch_add(1);
        busyFor(20us);
        if (inside.load() != 1)
            violations.fetch_add(1);
        inside.fetch_sub(1);
    };
    const qint64 before = monotonicNs();
    {
        std::vector<std::jthread> threads;
        threads.reserve(kThreads);
        for (int w = 0; w < kThreads; ++w) {
            threads.emplace_back([&, w] {
                GilThreadState thread(lock, w);
                try {
                    for (int round = 0; round < kRounds; ++round) {
                        thread.acquire();
                        for (int k = 0; k < 4; ++k) {
                            critical();
                            thread.checkpoint();
                        }
                        if (round % 3 == 0) {
                            thread.releaseForWait();
                            std::this_thread::yield();
                            thread.reacquireAfterWait();
                            critical();
                        }
                        thread.release();
                    }
                } catch (...) {
                    failures.fetch_add(1);
                    thread.release();
                }
                states[size_t(w)] = thread.finish();
            });
        }
    }
    const qint64 after = monotonicNs();
    QList<StateSpan> all;
    for (const QList<StateSpan>& s : states)
        all.append(s);

    QCOMPARE(failures.load(), 0);
    QCOMPARE(violations.load(), 0);
    QVERIFY2(lock.switches() > kThreads, qPrintable(QString::number(lock.switches())));
    const QString coverage = checkCoverage(all, kThreads, before, after);
    QVERIFY2(coverage.isEmpty(), qPrintable(coverage));
    const QString exclusive = checkOneRunnerAtATime(all);
    QVERIFY2(exclusive.isEmpty(), qPrintable(exclusive));
    qInfo("%d threads x %d rounds: %lld switches, %lld drop requests", kThreads, kRounds, lock.switches(),
        lock.dropRequests());
}

void TestGil::forcedSwitchingAfterOneInterval()
{
    constexpr auto kInterval = 20ms;
    RunControl control;
    control.beginBatch();
    InterpreterLock lock(control, kInterval);
    std::atomic<bool> holding { false };
    std::atomic<bool> stop { false };
    std::atomic<bool> secondReleased { false };
    std::atomic<int> handovers { 0 };
    std::atomic<bool> tookBackTooEarly { false };
    QList<StateSpan> firstStates;

    // The first thread runs "interpreter code" forever, offering the lock at a checkpoint every ~10 us.
    std::thread first([&] {
        GilThreadState thread(lock, 0);
        thread.acquire();
        holding.store(true);
        while (!stop.load()) {
            busyFor(10us);
            const qint64 switchesBefore = lock.switches();
            thread.checkpoint();
            if (lock.switches() != switchesBefore) {
                handovers.fetch_add(1);
                // Forced switching: having dropped it, this thread gets it back only after the other one had it.
                if (!secondReleased.load())
                    tookBackTooEarly.store(true);
            }
        }
        thread.release();
        firstStates = thread.finish();
    });
    while (!holding.load())
        std::this_thread::sleep_for(1ms);

    // The second asks for the lock, holds it 30 ms without a checkpoint, and lets it go.
    GilThreadState second(lock, 1);
    const qint64 askedNs = monotonicNs();
    second.acquire();
    const qint64 gotNs = monotonicNs();
    busyFor(30ms);
    secondReleased.store(true);
    second.release();
    const QList<StateSpan> secondStates = second.finish();
    std::this_thread::sleep_for(10ms);
    stop.store(true);
    first.join();

    const double waitedMs = double(gotNs - askedNs) * 1e-6;
    qInfo("waited %.2f ms for a lock held by a busy thread, switch interval %lld ms; %lld switches, %lld drop "
          "requests",
        waitedMs, qint64(kInterval.count()), lock.switches(), lock.dropRequests());
    // Not before one interval (the waiter's patience) and not much after it (the holder's next checkpoint).
    QVERIFY2(waitedMs >= 19.5, qPrintable(QString::number(waitedMs)));
    QVERIFY2(waitedMs < 20 + 500, qPrintable(QString::number(waitedMs)));
    QCOMPARE(handovers.load(), 1);
    QVERIFY(!tookBackTooEarly.load());
    QCOMPARE(lock.switches(), qint64(2)); // to the second thread and back
    QVERIFY(lock.dropRequests() >= 1);

    // The first thread: running, then waiting while the second held it, then running again, released at the end.
    QCOMPARE(firstStates.size(), 4);
    QCOMPARE(firstStates[0].state, LockState::Running);
    QCOMPARE(firstStates[1].state, LockState::Waiting);
    QVERIFY(firstStates[1].endNs - firstStates[1].startNs >= 29'000'000);
    QCOMPARE(firstStates[2].state, LockState::Running);
    QCOMPARE(firstStates[3].state, LockState::Released);
    QCOMPARE(secondStates.size(), 3);
    QCOMPARE(secondStates[0].state, LockState::Waiting);
    QCOMPARE(secondStates[1].state, LockState::Running);
    const QString exclusive = checkOneRunnerAtATime(firstStates + secondStates);
    QVERIFY2(exclusive.isEmpty(), qPrintable(exclusive));
}

void TestGil::noLostWakeups()
{
    // Many threads, many short holds, blocking waits and checkpoints, a switch interval of 50 us: every
    // hand-over must wake somebody. A watchdog cancels after 40 s so that a deadlock fails instead of hanging.
    constexpr int kThreads = 64;
    constexpr int kRounds = 120;
    RunControl control;
    control.beginBatch();
    InterpreterLock lock(control, 50us);
    std::atomic<int> finished { 0 };
    std::atomic<int> cancelled { 0 };
    std::atomic<int> inside { 0 };
    std::atomic<int> violations { 0 };

    std::atomic<bool> done { false };
    std::thread watchdog([&] {
        const auto deadline = std::chrono::steady_clock::now() + 40s;
        while (!done.load() && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(10ms);
        if (!done.load())
            control.cancel();
    });
    QElapsedTimer timer;
    timer.start();
    {
        std::vector<std::jthread> threads;
        threads.reserve(kThreads);
        for (int w = 0; w < kThreads; ++w) {
            threads.emplace_back([&, w] {
                GilThreadState thread(lock, w, 1000);
                try {
                    for (int round = 0; round < kRounds; ++round) {
                        thread.acquire();
                        for (int k = 0; k < 3; ++k) {
                            if (inside.fetch_add(1) != 0)
                                violations.fetch_add(1);
                            busyFor(2us);
                            inside.fetch_sub(1);
                            thread.checkpoint();
                        }
                        thread.releaseForWait();
                        thread.reacquireAfterWait();
                        thread.release();
                    }
                    finished.fetch_add(1);
                } catch (const Cancelled&) {
                    cancelled.fetch_add(1);
                    thread.release();
                }
                thread.finish();
            });
        }
    }
    const qint64 elapsedMs = timer.elapsed();
    done.store(true);
    watchdog.join();
    qInfo("%d threads x %d rounds in %lld ms: %lld switches, %lld drop requests", kThreads, kRounds, elapsedMs,
        lock.switches(), lock.dropRequests());
    QVERIFY2(cancelled.load() == 0, "the watchdog had to cancel: the threads were stuck");
    QCOMPARE(finished.load(), kThreads);
    QCOMPARE(violations.load(), 0);
    QVERIFY(lock.switches() >= kThreads - 1);
}

void TestGil::cancelWakesWaiters()
{
    // One thread holds the lock and never reaches a checkpoint (an extension that forgot to release it);
    // eight wait for it. A cancel must free all of them at once, none holding the lock.
    constexpr int kWaiters = 8;
    RunControl control;
    control.beginBatch();
    InterpreterLock lock(control, 5ms);
    std::atomic<bool> holding { false };
    std::atomic<int> cancelled { 0 };
    std::atomic<int> acquired { 0 };
    std::atomic<int> heldAfterCancel { 0 };
    std::vector<qint64> exitNs(kWaiters, 0);
    std::vector<QList<StateSpan>> states(kWaiters);

    std::thread holder([&] {
        GilThreadState thread(lock, kWaiters);
        thread.acquire();
        holding.store(true);
        while (!control.shouldStop())
            std::this_thread::sleep_for(1ms);
        thread.release();
        thread.finish();
    });
    while (!holding.load())
        std::this_thread::sleep_for(1ms);
    std::vector<std::thread> waiters;
    waiters.reserve(kWaiters);
    for (int w = 0; w < kWaiters; ++w) {
        waiters.emplace_back([&, w] {
            GilThreadState thread(lock, w);
            try {
                thread.acquire();
                acquired.fetch_add(1);
                thread.release();
            } catch (const Cancelled&) {
                cancelled.fetch_add(1);
                if (thread.holding())
                    heldAfterCancel.fetch_add(1);
            }
            exitNs[size_t(w)] = monotonicNs();
            states[size_t(w)] = thread.finish();
        });
    }
    std::this_thread::sleep_for(60ms); // long enough for drop requests that nobody answers
    const qint64 cancelNs = monotonicNs();
    control.cancel();
    for (std::thread& t : waiters)
        t.join();
    holder.join();

    const double latestMs = double(*std::max_element(exitNs.cbegin(), exitNs.cend()) - cancelNs) * 1e-6;
    qInfo("the last of %d waiters left %.2f ms after the cancel", kWaiters, latestMs);
    QCOMPARE(cancelled.load(), kWaiters);
    QCOMPARE(acquired.load(), 0);
    QCOMPARE(heldAfterCancel.load(), 0);
    QVERIFY2(latestMs < 100, qPrintable(QString::number(latestMs)));
    QVERIFY(lock.dropRequests() >= 1);
    QCOMPARE(lock.switches(), qint64(0));
    for (const QList<StateSpan>& s : states) {
        QCOMPARE(s.size(), 1);
        QCOMPARE(s.first().state, LockState::Waiting);
    }
}

void TestGil::recordIsBounded()
{
    // Two records of one thread's life, taken together: one capped at 64 intervals, one uncapped. The capped one is
    // coarser, but covers the whole life without gaps and gives running the share the full record gives it,
    // whatever preemption on a busy machine does to single intervals.
    RunControl control;
    control.beginBatch();
    InterpreterLock lock(control), fineLock(control);
    const qint64 before = monotonicNs();
    GilThreadState thread(lock, 3, 64);
    GilThreadState fine(fineLock, 3);
    for (int i = 0; i < 10'000; ++i) {
        thread.acquire();
        fine.acquire();
        busyFor(900ns);
        fine.release();
        thread.release();
        busyFor(100ns);
    }
    const QList<StateSpan> fineStates = fine.finish();
    const QList<StateSpan> states = thread.finish();
    const qint64 after = monotonicNs();
    QVERIFY2(states.size() <= 64, qPrintable(QString::number(states.size())));
    QVERIFY2(fineStates.size() > 1000, qPrintable(QString::number(fineStates.size())));
    const auto runningShare = [](const QList<StateSpan>& record) {
        qint64 running = 0;
        for (const StateSpan& s : record)
            running += s.state == LockState::Running ? s.endNs - s.startNs : 0;
        return double(running) / double(record.last().endNs - record.first().startNs);
    };
    // The two records differ by the other lock's operations inside the outer one's running (a tenth of the life on a
    // slow VM), so the uncapped record is also kept within 64 intervals as the capped one was: the same life's share.
    StateRecord recapped(64);
    for (const StateSpan& s : fineStates)
        recapped.append(s);
    const QList<StateSpan> fineCapped = recapped.take();
    qInfo("running %.1f%% of the thread's life in %lld intervals, %.1f%% in %lld; the capped record %.1f%% in %lld",
        100 * runningShare(fineStates), qlonglong(fineStates.size()), 100 * runningShare(fineCapped),
        qlonglong(fineCapped.size()), 100 * runningShare(states), qlonglong(states.size()));
    QVERIFY2(fineCapped.size() <= 64, qPrintable(QString::number(fineCapped.size())));
    QVERIFY2(std::abs(runningShare(fineCapped) - runningShare(fineStates)) < 0.05,
        qPrintable(QStringLiteral("%1 vs %2").arg(runningShare(fineCapped)).arg(runningShare(fineStates))));
    // The capped record of the other lock: the same life, within the lock operations' tenth.
    QVERIFY2(std::abs(runningShare(states) - runningShare(fineStates)) < 0.2,
        qPrintable(QStringLiteral("%1 vs %2").arg(runningShare(states)).arg(runningShare(fineStates))));
    // Coarser, but still the whole life without gaps.
    QList<StateSpan> renumbered = states;
    for (StateSpan& s : renumbered) {
        QCOMPARE(s.worker, 3);
        s.worker = 0;
    }
    const QString coverage = checkCoverage(renumbered, 1, before, after);
    QVERIFY2(coverage.isEmpty(), qPrintable(coverage));
    QVERIFY(renumbered.first().startNs - before < 1'000'000);
    QVERIFY(after - renumbered.last().endNs < 1'000'000);
}

void TestGil::coarseningKeepsEachStatesShare()
{
    // 100,000 intervals: running 9 us, released 1 us, and every 37th release 500 us long (a preempted thread).
    // Running fills 38% of the time; kept within 64 intervals it must still fill about that, not vanish under the
    // long releases, and the record must cover the same time without gaps, at one scale from start to end.
    StateRecord record(64);
    qint64 t = 0, runningNs = 0;
    for (int k = 0; k < 50'000; ++k) {
        record.append({ 0, LockState::Running, t, t + 9'000 });
        runningNs += 9'000;
        t += 9'000;
        const qint64 released = k % 37 ? 1'000 : 500'000;
        record.append({ 0, LockState::Released, t, t + released });
        t += released;
    }
    const QList<StateSpan> coarse = record.take();
    QVERIFY2(coarse.size() <= 64 && coarse.size() >= 8, qPrintable(QString::number(coarse.size())));
    QCOMPARE(coarse.first().startNs, qint64(0));
    QCOMPARE(coarse.last().endNs, t);
    qint64 coarseRunningNs = 0, firstHalfRunningNs = 0;
    for (qsizetype i = 0; i < coarse.size(); ++i) {
        if (i > 0) {
            QCOMPARE(coarse[i].startNs, coarse[i - 1].endNs);
            QVERIFY(coarse[i].state != coarse[i - 1].state);
        }
        if (coarse[i].state == LockState::Running) {
            coarseRunningNs += coarse[i].endNs - coarse[i].startNs;
            firstHalfRunningNs += std::max<qint64>(0, std::min(coarse[i].endNs, t / 2) - coarse[i].startNs);
        }
    }
    const double share = double(runningNs) / double(t);
    const double coarseShare = double(coarseRunningNs) / double(t);
    const double firstHalfShare = double(firstHalfRunningNs) / double(t / 2);
    qInfo("running %.1f%% of the time; %.1f%% in %lld intervals (%.1f%% of the first half)", 100 * share,
        100 * coarseShare, qlonglong(coarse.size()), 100 * firstHalfShare);
    QVERIFY2(std::abs(coarseShare - share) < 0.02, qPrintable(QString::number(coarseShare)));
    QVERIFY2(std::abs(firstHalfShare - share) < 0.05, qPrintable(QString::number(firstHalfShare)));

    // Equal halves stay half and half rather than all one state; the record starts empty again after take().
    QCOMPARE(record.take().size(), 0);
    for (int i = 0; i < 1000; ++i)
        record.append({ 0, i % 2 ? LockState::Waiting : LockState::Running, i * 1000, (i + 1) * 1000 });
    const QList<StateSpan> even = record.take();
    qint64 waitingNs = 0;
    for (const StateSpan& s : even)
        waitingNs += s.state == LockState::Waiting ? s.endNs - s.startNs : 0;
    // 1,000 intervals in at most 64 bins: 16 to a bin, so within 16 us of half.
    QVERIFY2(std::abs(waitingNs - 500'000) <= 16'000, qPrintable(QString::number(waitingNs)));
    QVERIFY2(even.size() >= 16, qPrintable(QString::number(even.size())));
}

void TestGil::registered()
{
    const auto backend = BackendRegistry::create(QStringLiteral("gil-threads"));
    QVERIFY(backend);
    const BackendFacts* facts = BackendRegistry::find(QStringLiteral("gil-threads"));
    QCOMPARE(facts->workerNoun, QStringLiteral("thread"));
    QVERIFY(facts->description.contains(QStringLiteral("GIL")));
    QVERIFY(facts->usesWorkers);
    QCOMPARE(facts->baseline, QStringLiteral("sequential"));
    QVERIFY(backend->availability().available);
    QVERIFY(backend->runtime().isEmpty());
    QCOMPARE(backend->lastSwitches(), qint64(-1)); // nothing ran yet

    GilThreadsBackend defaults;
    defaults.configure(RunOptions());
    QCOMPARE(defaults.switchInterval(), std::chrono::nanoseconds(5ms));
    QVERIFY(!defaults.releasesGil());
    const auto configured = gilBackend(12.5, true);
    QCOMPARE(configured->switchInterval(), std::chrono::nanoseconds(12'500'000));
    QVERIFY(configured->releasesGil());
}

void TestGil::checksumsAndStates_data()
{
    QTest::addColumn<QString>("kernel");
    QTest::addColumn<QList<qint64>>("inputs");
    QTest::addColumn<int>("workers");
    QTest::addColumn<bool>("releaseGil");

    const QList<QPair<QString, QList<qint64>>> kernels {
        { QStringLiteral("fib"), { 29, 27, 28, 20, 29, 1, 0 } },
        { QStringLiteral("sleep"), { 20, 10, 15, 0, 5 } },
        { QStringLiteral("spin"), { 15, 10, 5, 0, 12 } },
    };
    for (const auto& [kernel, inputs] : kernels) {
        for (int workers : { 1, 2, 3 }) {
            for (bool releaseGil : { false, true })
                QTest::addRow("%s/x%d%s", qPrintable(kernel), workers, releaseGil ? "/release_gil" : "")
                    << kernel << inputs << workers << releaseGil;
        }
    }
}

void TestGil::checksumsAndStates()
{
    QFETCH(QString, kernel);
    QFETCH(QList<qint64>, inputs);
    QFETCH(int, workers);
    QFETCH(bool, releaseGil);

    const auto k = kernelNamed(kernel);
    QList<quint64> expected;
    {
        RunControl control;
        Context context(control, 0);
        for (qint64 input : inputs)
            expected.append(k->run(input, context));
    }

    RunControl control;
    control.beginBatch();
    const auto backend = gilBackend(5, releaseGil);
    QList<TaskSpan> spans;
    const qint64 before = monotonicNs();
    backend->execute(*k, inputs, workers, control, spans);
    const qint64 after = monotonicNs();

    QCOMPARE(spans.size(), inputs.size());
    for (int i = 0; i < int(spans.size()); ++i) {
        QCOMPARE(spans[i].index, i);
        QCOMPARE(spans[i].input, inputs[i]);
        QCOMPARE(spans[i].checksum, expected[i]);
        QVERIFY(spans[i].worker >= 0 && spans[i].worker < workers);
        QVERIFY(spans[i].startNs >= before && spans[i].endNs <= after && spans[i].startNs <= spans[i].endNs);
        QCOMPARE(spans[i].pid, QCoreApplication::applicationPid());
    }

    const QList<StateSpan> states = backend->lastStates();
    const QString coverage = checkCoverage(states, workers, before, after);
    QVERIFY2(coverage.isEmpty(), qPrintable(coverage));
    const QString exclusive = checkOneRunnerAtATime(states);
    QVERIFY2(exclusive.isEmpty(), qPrintable(exclusive));
    // Each worker's record covers its tasks.
    for (const TaskSpan& s : std::as_const(spans)) {
        const QList<StateSpan> mine = ofWorker(states, s.worker);
        QVERIFY(mine.first().startNs <= s.startNs && s.endNs <= mine.last().endNs);
    }
    QVERIFY(has(states, LockState::Running));
    // Released only at a thread's very end, unless the kernel waited or ran outside the lock.
    const bool releasesDuringTasks = releaseGil || kernel == QStringLiteral("sleep");
    for (int w = 0; w < workers; ++w) {
        const QList<StateSpan> mine = ofWorker(states, w);
        QCOMPARE(mine.last().state, LockState::Released);
        const bool releasedEarlier = std::any_of(
            mine.cbegin(), mine.cend() - 1, [](const StateSpan& s) { return s.state == LockState::Released; });
        if (!releasesDuringTasks)
            QVERIFY2(!releasedEarlier, qPrintable(QStringLiteral("worker %1 let the lock go during a task").arg(w)));
    }
    if (releasesDuringTasks)
        QVERIFY(std::count_if(states.cbegin(), states.cend(), [](const StateSpan& s) {
            return s.state == LockState::Released;
        }) > workers);
    if (workers == 1) {
        QCOMPARE(backend->lastSwitches(), qint64(0));
        QCOMPARE(backend->lastDropRequests(), qint64(0));
        QVERIFY(!has(states, LockState::Waiting));
    } else {
        QVERIFY(backend->lastSwitches() >= 1);
    }
}

void TestGil::cpuBoundTakesTurns()
{
    // Two CPU-bound tasks on two threads under the lock: one runs while the other waits, so the process
    // uses about one CPU's worth of time, whatever the number of cores.
    const auto k = kernelNamed(QStringLiteral("spin"));
    RunControl control;
    control.beginBatch();
    const auto backend = gilBackend();
    QList<TaskSpan> spans;
    const double cpuBefore = processCpuSeconds();
    const qint64 before = monotonicNs();
    backend->execute(*k, { 150, 150 }, 2, control, spans);
    const double wall = double(monotonicNs() - before) * 1e-9;
    const double cpu = processCpuSeconds() - cpuBefore;
    qInfo("two 150 ms spins under the lock: wall %.3f s, CPU %.3f s (%.2fx), %lld switches, %lld drop requests", wall,
        cpu, cpu / wall, backend->lastSwitches(), backend->lastDropRequests());
    QVERIFY2(cpu < 1.4 * wall, qPrintable(QStringLiteral("CPU %1 s in %2 s of wall time").arg(cpu).arg(wall)));
    QVERIFY(wall >= 0.29); // 300 ms of CPU, one thread at a time
    QVERIFY2(backend->lastSwitches() >= 10, qPrintable(QString::number(backend->lastSwitches())));
    QVERIFY(backend->lastDropRequests() >= 10);
    const QList<StateSpan> states = backend->lastStates();
    QVERIFY(has(ofWorker(states, 0), LockState::Waiting));
    QVERIFY(has(ofWorker(states, 1), LockState::Waiting));
    QCOMPARE(overlapNs(states, LockState::Running), 0);
}

void TestGil::releaseGilRunsInParallel()
{
    // The same two spins with the lock released around the kernel: both run at once.
    const auto k = kernelNamed(QStringLiteral("spin"));
    RunControl control;
    control.beginBatch();
    const auto backend = gilBackend(5, true);
    QList<TaskSpan> spans;
    const double cpuBefore = processCpuSeconds();
    const qint64 before = monotonicNs();
    backend->execute(*k, { 200, 200 }, 2, control, spans);
    const double wall = double(monotonicNs() - before) * 1e-9;
    const double cpu = processCpuSeconds() - cpuBefore;
    const QList<StateSpan> states = backend->lastStates();
    const double releasedOverlapMs = double(overlapNs(states, LockState::Released)) * 1e-6;
    qInfo("two 200 ms spins with the lock released: wall %.3f s, CPU %.3f s (%.2fx), released together %.1f ms, "
          "%lld switches",
        wall, cpu, cpu / wall, releasedOverlapMs, backend->lastSwitches());

    QCOMPARE(spans.size(), 2);
    QVERIFY(spans[0].worker != spans[1].worker);
    const qint64 taskOverlapNs
        = std::min(spans[0].endNs, spans[1].endNs) - std::max(spans[0].startNs, spans[1].startNs);
    QVERIFY2(taskOverlapNs > 100'000'000, qPrintable(QString::number(taskOverlapNs)));
    // Both threads spent most of the tasks outside the lock at the same time, never waiting for it for long.
    QVERIFY2(releasedOverlapMs > 100, qPrintable(QString::number(releasedOverlapMs)));
}

void TestGil::sleepOverlaps()
{
    // Waiting releases the lock: four 100 ms sleeps on four threads take about 100 ms, not 400.
    const auto k = kernelNamed(QStringLiteral("sleep"));
    RunControl control;
    control.beginBatch();
    const auto backend = gilBackend();
    QList<TaskSpan> spans;
    QElapsedTimer timer;
    timer.start();
    backend->execute(*k, { 100, 100, 100, 100 }, 4, control, spans);
    const qint64 wallMs = timer.elapsed();
    qInfo("four 100 ms sleeps on four threads under the lock: %lld ms", wallMs);
    QVERIFY2(wallMs < 300, qPrintable(QString::number(wallMs)));
    QVERIFY(double(overlapNs(backend->lastStates(), LockState::Released)) * 1e-6 > 4 * 50);
}

void TestGil::switchIntervalOption()
{
    // The interval is the waiter's patience: a hundred times longer, far fewer hand-overs per second. Rates, not
    // counts, because on a busy machine the same work takes longer and then changes hands more often.
    const auto k = kernelNamed(QStringLiteral("spin"));
    double perSecond[2] = { 0, 0 };
    const double intervals[2] = { 1, 100 };
    for (int i = 0; i < 2; ++i) {
        RunControl control;
        control.beginBatch();
        const auto backend = gilBackend(intervals[i]);
        QCOMPARE(backend->switchInterval(), std::chrono::nanoseconds(qint64(intervals[i] * 1e6)));
        QList<TaskSpan> spans;
        QElapsedTimer timer;
        timer.start();
        backend->execute(*k, { 250, 250 }, 2, control, spans);
        const qint64 wallMs = timer.elapsed();
        const qint64 switches = backend->lastSwitches();
        perSecond[i] = double(switches) * 1000 / double(wallMs);
        qInfo("switch interval %.0f ms: %lld switches in %lld ms (%.1f per second)", intervals[i], switches, wallMs,
            perSecond[i]);
        // A waiter asks at most once per interval; only the start and the end hand the lock over unasked.
        QVERIFY2(double(switches) <= double(wallMs) / intervals[i] + 3, qPrintable(QString::number(switches)));
        QVERIFY(switches >= 2);
    }
    QVERIFY2(perSecond[1] * 3 < perSecond[0],
        qPrintable(QStringLiteral("%1 vs %2 switches per second").arg(perSecond[0]).arg(perSecond[1])));
}

void TestGil::failingTaskLetsTheLockGo()
{
    // The failing task throws while holding the lock; the siblings must still get it, see the stop and end.
    const ThrowingSpinKernel kernel;
    RunControl control;
    control.beginBatch();
    const auto backend = gilBackend();
    QList<TaskSpan> spans;
    QString message;
    QElapsedTimer timer;
    timer.start();
    try {
        backend->execute(kernel, { 60'000, 3, 60'000, 60'000 }, 3, control, spans);
    } catch (const BackendError& e) {
        message = e.message();
    } catch (const Cancelled&) {
        QFAIL("the failure came out as Cancelled");
    }
    const qint64 wallMs = timer.elapsed();
    qInfo("BackendError after %lld ms: %s", wallMs, qPrintable(message));
    QVERIFY2(message.contains(QStringLiteral("input 3")), qPrintable(message));
    QVERIFY2(message.contains(QStringLiteral("the third input is cursed")), qPrintable(message));
    QVERIFY2(wallMs < 2000, qPrintable(QString::number(wallMs)));
    QVERIFY(!control.isCancelled());
    const QList<StateSpan> states = backend->lastStates();
    for (int w = 0; w < 3; ++w) {
        const QList<StateSpan> mine = ofWorker(states, w);
        QVERIFY(!mine.isEmpty());
        QVERIFY(mine.last().state != LockState::Running); // nobody ended holding it
    }
}

void TestGil::cancelMidBatch_data()
{
    QTest::addColumn<QString>("kernel");
    QTest::addColumn<int>("workers");
    QTest::addColumn<bool>("releaseGil");
    for (const QString& kernel : { QStringLiteral("spin"), QStringLiteral("sleep"), QStringLiteral("fib") }) {
        for (int workers : { 1, 4 }) {
            for (bool releaseGil : { false, true })
                QTest::addRow("%s/x%d%s", qPrintable(kernel), workers, releaseGil ? "/release_gil" : "")
                    << kernel << workers << releaseGil;
        }
    }
}

void TestGil::cancelMidBatch()
{
    QFETCH(QString, kernel);
    QFETCH(int, workers);
    QFETCH(bool, releaseGil);
    const auto k = kernelNamed(kernel);
    const qint64 input = kernel == QStringLiteral("fib") ? 50 : 60'000;
    RunControl control;
    control.beginBatch();
    std::atomic<qint64> cancelledAtNs { 0 };
    std::thread canceller([&] {
        std::this_thread::sleep_for(100ms);
        cancelledAtNs.store(monotonicNs());
        control.cancel();
    });
    const auto backend = gilBackend(5, releaseGil);
    QList<TaskSpan> spans;
    bool threw = false;
    try {
        backend->execute(*k, { input, input, input, input, input, input }, workers, control, spans);
    } catch (const Cancelled&) {
        threw = true;
    }
    const qint64 returnedNs = monotonicNs();
    canceller.join();
    const double latencyMs = double(returnedNs - cancelledAtNs.load()) * 1e-6;
    qInfo("%s: execute returned %.2f ms after the cancel", QTest::currentDataTag(), latencyMs);
    QVERIFY(threw);
    QVERIFY2(latencyMs < 100, qPrintable(QString::number(latencyMs)));
}

void TestGil::badOptionsRejected()
{
    ExperimentSpec spec;
    spec.kernel = QStringLiteral("fib");
    spec.inputs = { 20, 21 };
    spec.backends = { QStringLiteral("sequential"), QStringLiteral("gil-threads") };
    spec.workers = { 1, 2 };
    QCOMPARE(validateSpec(spec).error(), QString());
    // Out of the declared range: the option, the value and the range are named.
    for (const double bad : { 0.0, -5.0, 1001.0 }) {
        spec.options.switchIntervalMs = bad;
        const QString error = validateSpec(spec).error();
        QVERIFY2(error.contains(QStringLiteral("switch_interval_ms must be a number from 0.01 to 1000 ms, not %1")
                                    .arg(QString::number(bad))),
            qPrintable(error));
    }
    spec.options.switchIntervalMs = 0.5;
    QCOMPARE(validateSpec(spec).error(), QString());
    // A wrong type cannot get into the struct; the codec turns it away as it reads.
    const auto fast
        = RunOptions::fromJson(QJsonObject { { QStringLiteral("switch_interval_ms"), QStringLiteral("fast") } },
            QStringLiteral("spec.options"));
    QVERIFY(!fast);
    QVERIFY2(
        fast.error().contains(QStringLiteral("switch_interval_ms must be a number from 0.01 to 1000 ms, not 'fast'")),
        qPrintable(fast.error()));
    const auto yes = RunOptions::fromJson(
        QJsonObject { { QStringLiteral("release_gil"), QStringLiteral("yes") } }, QStringLiteral("spec.options"));
    QVERIFY(!yes);
    QVERIFY2(
        yes.error().contains(QStringLiteral("release_gil must be true or false, not 'yes'")), qPrintable(yes.error()));
}

QTEST_GUILESS_MAIN(TestGil)
#include "tst_gil.moc"
