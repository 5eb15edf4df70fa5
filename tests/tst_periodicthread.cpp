// The samplers' periodic thread (core/periodicthread.h): begin, ticks every interval, end, in that order on a thread
// of its own at SCHED_BATCH; stop() and destruction end it at once however long the interval, and nothing runs
// after.

#include "periodicthread.h"
#include "testsupport.h"

#include <QElapsedTimer>
#include <QTest>
#include <atomic>
#include <mutex>
#include <optional>
#include <sched.h>
#include <thread>

using namespace parlab;

namespace {
constexpr qint64 kHourNs = 3'600'000'000'000;
// How long a stop may take: one wake-up and a join, never the interval (an hour in these tests).
constexpr qint64 kPromptMs = qint64(1'000) * testsupport::kSlowdown;

// What the callbacks saw, from the periodic thread.
struct Seen {
    std::mutex mutex;
    QByteArray order; // 'b' begin, 't' each tick, 'e' end; guarded by mutex
    std::thread::id thread; // begin's; guarded by mutex
    std::atomic<int> policy { -1 }; // begin's scheduling policy
    std::atomic<int> ticks { 0 };
    std::atomic<bool> begun { false };

    void note(char event)
    {
        const std::lock_guard lock(mutex);
        order.append(event);
    }
    QByteArray events()
    {
        const std::lock_guard lock(mutex);
        return order;
    }

    PeriodicThread::Callbacks callbacks()
    {
        return { .begin =
                     [this] {
                         {
                             const std::lock_guard lock(mutex);
                             thread = std::this_thread::get_id();
                         }
                         policy = sched_getscheduler(0);
                         note('b');
                         begun = true;
                     },
            .tick =
                [this] {
                    note('t');
                    ++ticks;
                },
            .end = [this] { note('e'); } };
    }
};
} // namespace

class TestPeriodicThread final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void ticksRepeatedlyOnItsOwnThread();
    void stopIsPromptWithALongInterval_data();
    void stopIsPromptWithALongInterval();
    void destructionJoinsATickingThread();
};

void TestPeriodicThread::ticksRepeatedlyOnItsOwnThread()
{
    Seen seen;
    QElapsedTimer timer;
    timer.start();
    PeriodicThread periodic(5'000'000, seen.callbacks());
    QTRY_VERIFY_WITH_TIMEOUT(seen.ticks >= 5, 5'000 * testsupport::kSlowdown);
    periodic.stop();
    const qint64 elapsedMs = timer.elapsed();
    const int ticks = seen.ticks;

    // begin once, then every tick, then end once, all on one thread that is not this one, which never preempts.
    QCOMPARE(seen.events(), QByteArray("b") + QByteArray(ticks, 't') + QByteArray("e"));
    QVERIFY(seen.thread != std::this_thread::get_id());
    QCOMPARE(seen.policy.load(), SCHED_BATCH);
    // Paced by the interval, not a busy loop: at most one tick per 5 ms since the start.
    QVERIFY2(ticks <= elapsedMs / 5 + 1, qPrintable(QStringLiteral("%1 ticks in %2 ms").arg(ticks).arg(elapsedMs)));
    // Stopped: nothing ticks any more, and a second stop is harmless.
    QTest::qSleep(30);
    QCOMPARE(seen.ticks.load(), ticks);
    periodic.stop();
    QCOMPARE(seen.events().count('e'), 1);
}

void TestPeriodicThread::stopIsPromptWithALongInterval_data()
{
    QTest::addColumn<bool>("destroy");
    QTest::newRow("stop()") << false;
    QTest::newRow("destruction") << true;
}

void TestPeriodicThread::stopIsPromptWithALongInterval()
{
    QFETCH(bool, destroy);
    Seen seen;
    std::optional<PeriodicThread> periodic(std::in_place, kHourNs, seen.callbacks());
    QTRY_VERIFY_WITH_TIMEOUT(seen.begun, 5'000 * testsupport::kSlowdown);
    QElapsedTimer timer;
    timer.start();
    if (destroy)
        periodic.reset();
    else
        periodic->stop();
    QVERIFY2(timer.elapsed() < kPromptMs, qPrintable(QStringLiteral("stopping took %1 ms").arg(timer.elapsed())));
    // Woken at once, not by the interval: no tick, and end ran before the stop returned.
    QCOMPARE(seen.events(), QByteArray("be"));
}

void TestPeriodicThread::destructionJoinsATickingThread()
{
    // Declared before the thread that calls it back, so it outlives the thread even when a check returns early.
    Seen seen;
    std::optional<PeriodicThread> periodic(std::in_place, 1'000'000, seen.callbacks());
    QTRY_VERIFY_WITH_TIMEOUT(seen.ticks >= 3, 5'000 * testsupport::kSlowdown);
    periodic.reset();
    // Joined: end has run, and nothing runs after the destructor returned.
    const QByteArray events = seen.events();
    QVERIFY(events.endsWith('e'));
    QTest::qSleep(20);
    QCOMPARE(seen.events(), events);
}

QTEST_GUILESS_MAIN(TestPeriodicThread)
#include "tst_periodicthread.moc"
