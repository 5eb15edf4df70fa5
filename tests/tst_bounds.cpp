// Tests the speedup bounds computed from per-task costs: the critical bound sum / max and the
// longest-processing-time-first (LPT) schedule, on examples scheduled by hand in the comments.

#include "stats/bounds.h"

#include <QTest>
#include <algorithm>
#include <cmath>
#include <numeric>

using namespace parlab;

class TestBounds final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void critical_data();
    void critical();
    void criticalUnknown();
    void lptMakespan_data();
    void lptMakespan();
    void lptIsNotAlwaysOptimal();
    void lptOnOneWorkerIsOne();
    void lptWithMoreWorkersThanTasksIsCritical();
    void lptNeverExceedsWorkersOrCritical_data();
    void lptNeverExceedsWorkersOrCritical();
    void lptUnknown();
};

void TestBounds::critical_data()
{
    QTest::addColumn<QList<double>>("costs");
    QTest::addColumn<double>("expected");

    // 10 / 4.
    QTest::newRow("four tasks") << QList<double> { 1, 2, 3, 4 } << 2.5;
    QTest::newRow("order does not matter") << QList<double> { 4, 1, 3, 2 } << 2.5;
    // 213 / 38 = 5.605.
    QTest::newRow("fib 33..38") << QList<double> { 38, 37, 36, 35, 34, 33 } << 213.0 / 38.0;
    QTest::newRow("equal tasks") << QList<double> { 2, 2, 2, 2, 2 } << 5.0;
    QTest::newRow("one task") << QList<double> { 7 } << 1.0;
    // One task dominates: (100 + 1 + 1) / 100.
    QTest::newRow("dominant task") << QList<double> { 1, 100, 1 } << 1.02;
    QTest::newRow("free tasks beside real ones") << QList<double> { 0, 3, 0, 3 } << 2.0;
}

void TestBounds::critical()
{
    QFETCH(QList<double>, costs);
    QFETCH(double, expected);
    QCOMPARE(SpeedupBounds::critical(costs), expected);
}

void TestBounds::criticalUnknown()
{
    QVERIFY(std::isnan(SpeedupBounds::critical({})));
    // No task costs anything: there is no ratio to give.
    QVERIFY(std::isnan(SpeedupBounds::critical({ 0, 0 })));
}

void TestBounds::lptMakespan_data()
{
    QTest::addColumn<QList<double>>("costs");
    QTest::addColumn<int>("workers");
    QTest::addColumn<double>("expected");

    const QList<double> fib { 33, 34, 35, 36, 37, 38 }; // ascending on purpose: LPT sorts them itself
    QTest::newRow("fib, 1 worker") << fib << 1 << 213.0;
    // Loads: 38 | 37; 36 -> 37+36 = 73; 35 -> 38+35 = 73; 34 -> 73+34 = 107; 33 -> 73+33 = 106.
    // Optimal too: 213 / 2 = 106.5, so no schedule finishes before 107.
    QTest::newRow("fib, 2 workers") << fib << 2 << 107.0;
    // 38 | 37 | 36; 35 -> 36+35 = 71; 34 -> 37+34 = 71; 33 -> 38+33 = 71: perfectly balanced, 213 / 3.
    QTest::newRow("fib, 3 workers") << fib << 3 << 71.0;
    // 38 | 37 | 36 | 35; 34 -> 35+34 = 69; 33 -> 36+33 = 69.
    QTest::newRow("fib, 4 workers") << fib << 4 << 69.0;
    QTest::newRow("fib, 6 workers") << fib << 6 << 38.0;
    // 5 | 5 | 4; 4 -> 4+4 = 8; 3 -> 5+3 = 8; 3 -> 5+3 = 8; 3 -> 8+3 = 11.
    // Graham's worst case for 3 workers (11/9 of optimal): {5,4}, {5,4}, {3,3,3} finishes at 9.
    QTest::newRow("Graham, 3 workers") << QList<double> { 5, 5, 4, 4, 3, 3, 3 } << 3 << 11.0;
    // 3 | 3; 2 -> 5; 2 -> 5; 2 -> 7 (optimal {3,3}, {2,2,2} is 6).
    QTest::newRow("3,3,2,2,2 on 2") << QList<double> { 3, 3, 2, 2, 2 } << 2 << 7.0;
    QTest::newRow("3,3,2,2,2 on 2, shuffled") << QList<double> { 2, 3, 2, 3, 2 } << 2 << 7.0;
    // 7 | 6; 5 -> 6+5 = 11; 4 -> 7+4 = 11; 3 -> 11+3 = 14; 2 -> 11+2 = 13; 1 -> 13+1 = 14.
    QTest::newRow("1..7 on 2") << QList<double> { 1, 2, 3, 4, 5, 6, 7 } << 2 << 14.0;
    // One long task bounds everything: 10 | 1; 1 -> 2; 1 -> 3.
    QTest::newRow("long task") << QList<double> { 1, 10, 1, 1 } << 2 << 10.0;
    QTest::newRow("equal tasks, 4 on 2") << QList<double> { 1.5, 1.5, 1.5, 1.5 } << 2 << 3.0;
    // 5 tasks of 1 on 2 workers: 3 and 2.
    QTest::newRow("equal tasks, 5 on 2") << QList<double> { 1, 1, 1, 1, 1 } << 2 << 3.0;
    QTest::newRow("more workers than tasks") << QList<double> { 1, 2, 3 } << 8 << 3.0;
    QTest::newRow("one task") << QList<double> { 4.25 } << 3 << 4.25;
}

void TestBounds::lptMakespan()
{
    QFETCH(QList<double>, costs);
    QFETCH(int, workers);
    QFETCH(double, expected);
    QCOMPARE(SpeedupBounds::lptMakespan(costs, workers), expected);
}

void TestBounds::lptIsNotAlwaysOptimal()
{
    // {3,3,2,2,2} on 2 workers: LPT finishes at 7 (speedup 12/7 = 1.71), while {3,3} | {2,2,2} finishes at 6
    // (speedup 2). The lpt figure is what LPT achieves, so a schedule can beat it here.
    const QList<double> costs { 3, 3, 2, 2, 2 };
    QCOMPARE(SpeedupBounds::lpt(costs, 2), 12.0 / 7.0);
    QVERIFY(SpeedupBounds::lpt(costs, 2) < 12.0 / 6.0);
    // Graham's example: 27 / 11 from LPT against 27 / 9 = 3 for the best schedule.
    QCOMPARE(SpeedupBounds::lpt({ 5, 5, 4, 4, 3, 3, 3 }, 3), 27.0 / 11.0);
}

void TestBounds::lptOnOneWorkerIsOne()
{
    QCOMPARE(SpeedupBounds::lpt({ 38, 37, 36, 35, 34, 33 }, 1), 1.0);
    QCOMPARE(SpeedupBounds::lpt({ 0.3, 0.1, 0.7 }, 1), 1.0);
    QCOMPARE(SpeedupBounds::lpt({ 5 }, 1), 1.0);
}

void TestBounds::lptWithMoreWorkersThanTasksIsCritical()
{
    const QList<double> costs { 1, 2, 3, 4 };
    // Each task gets its own worker: makespan = max = 4, so lpt = 10 / 4 = critical.
    QCOMPARE(SpeedupBounds::lpt(costs, 4), 2.5);
    QCOMPARE(SpeedupBounds::lpt(costs, 10), 2.5);
    QCOMPARE(SpeedupBounds::lpt(costs, 10), SpeedupBounds::critical(costs));
    const QList<double> fib { 38, 37, 36, 35, 34, 33 };
    QCOMPARE(SpeedupBounds::lpt(fib, 64), SpeedupBounds::critical(fib));
}

void TestBounds::lptNeverExceedsWorkersOrCritical_data()
{
    QTest::addColumn<QList<double>>("costs");

    QTest::newRow("fib 33..38") << QList<double> { 38, 37, 36, 35, 34, 33 };
    QTest::newRow("Graham") << QList<double> { 5, 5, 4, 4, 3, 3, 3 };
    QTest::newRow("one dominant") << QList<double> { 100, 1, 1, 1, 1, 1, 1, 1 };
    QTest::newRow("uneven") << QList<double> { 0.013, 0.5, 0.021, 0.34, 0.2, 0.2, 0.09, 0.7, 0.05 };
}

void TestBounds::lptNeverExceedsWorkersOrCritical()
{
    QFETCH(QList<double>, costs);
    const double sum = std::accumulate(costs.cbegin(), costs.cend(), 0.0);
    const double critical = SpeedupBounds::critical(costs);
    for (int workers = 1; workers <= 12; ++workers) {
        const double lpt = SpeedupBounds::lpt(costs, workers);
        const double makespan = SpeedupBounds::lptMakespan(costs, workers);
        QCOMPARE(lpt, sum / makespan);
        // No schedule on p workers beats p, nor the longest task running alone.
        QVERIFY2(lpt <= workers * (1 + 1e-12) && lpt <= critical * (1 + 1e-12),
            qPrintable(QStringLiteral("p=%1: lpt %2, critical %3").arg(workers).arg(lpt).arg(critical)));
        // No schedule ends before max(sum / p, longest); a greedy list schedule ends by sum / p + (1 - 1/p) longest.
        const double longest = *std::max_element(costs.cbegin(), costs.cend());
        QVERIFY(makespan >= std::max(sum / workers, longest) * (1 - 1e-12));
        QVERIFY(makespan <= (sum / workers + (1.0 - 1.0 / workers) * longest) * (1 + 1e-12));
    }
}

void TestBounds::lptUnknown()
{
    QVERIFY(std::isnan(SpeedupBounds::lptMakespan({}, 2)));
    QVERIFY(std::isnan(SpeedupBounds::lpt({}, 2)));
    QVERIFY(std::isnan(SpeedupBounds::lptMakespan({ 1, 2 }, 0)));
    QVERIFY(std::isnan(SpeedupBounds::lpt({ 1, 2 }, 0)));
    QVERIFY(std::isnan(SpeedupBounds::lptMakespan({ 1, 2 }, -3)));
    QVERIFY(std::isnan(SpeedupBounds::lpt({ 1, 2 }, -3)));
    // Tasks that cost nothing have no speedup to speak of.
    QVERIFY(std::isnan(SpeedupBounds::lpt({ 0, 0 }, 2)));
}

QTEST_APPLESS_MAIN(TestBounds)
#include "tst_bounds.moc"
