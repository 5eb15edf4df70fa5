// `parlab run --interleave-with`: two programs measured in one run, each combination in turn, through the real
// parlab executable, real shell programs and a real history.

#include "history/historystore.h"
#include "runresult.h"
#include "testsupport.h"

#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace parlab;
using testsupport::runParlab;

class InterleaveTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void measuresBothProgramsAndKeepsTheBaseline()
    {
        // The candidate sleeps 20 ms a task, the baseline 40: sleeping, not computing, so a busy machine does not
        // blur the difference. Five repeats each: three could not make a Mann-Whitney test significant.
        QTemporaryDir dir;
        const QString db = dir.filePath(QStringLiteral("history.db"));
        const testsupport::Result run = runParlab({ QStringLiteral("run"), QStringLiteral("--kernel"),
            QStringLiteral("command"), QStringLiteral("--command"), QStringLiteral("sleep 0.02; echo {}"),
            QStringLiteral("--interleave-with"), QStringLiteral("sleep 0.04; echo {}"), QStringLiteral("--inputs"),
            QStringLiteral("1,2,3,4"), QStringLiteral("--backends"), QStringLiteral("processes"),
            QStringLiteral("--workers"), QStringLiteral("2"), QStringLiteral("--repeat"), QStringLiteral("5"),
            QStringLiteral("--warmup"), QStringLiteral("0"), QStringLiteral("--history-db"), db });
        QVERIFY2(run.code == 0, qPrintable(run.err));
        QVERIFY2(run.err.contains(QStringLiteral("saved as run 1 in")), qPrintable(run.err));
        // B (this run) is faster; on a busy machine one of the two combinations may miss significance.
        QVERIFY2(
            run.err.contains(QRegularExpression(QStringLiteral(
                R"(interleaved with the baseline 'sleep 0\.04; echo \{\}' \(saved as run 2; A: the baseline, B: this run\): )"
                R"(B is faster on [12] of )"
                R"(2 combinations, slower on none)"))),
            qPrintable(run.err));

        HistoryStore history;
        QVERIFY(history.open(db));
        const Result<RunResult> candidate = history.load(1);
        const Result<RunResult> baseline = history.load(2);
        QVERIFY(candidate && baseline);
        QCOMPARE(history.summary(2)->name, QStringLiteral("interleaved baseline of run 1"));
        QCOMPARE(baseline->spec.options.kernelSetting(QStringLiteral("command")).toString(),
            QStringLiteral("sleep 0.04; echo {}"));
        QCOMPARE(baseline->spec.inputs, candidate->spec.inputs);
        for (const Measurement& m : candidate->measurements) {
            const Measurement* other = baseline->find(m.backend, m.workers);
            QVERIFY(other);
            QCOMPARE(other->samplesS.size(), 5);
            const double ratio = other->wall.median / m.wall.median;
            QVERIFY2(ratio > 1.4 && ratio < 2.6, qPrintable(QStringLiteral("%1: %2").arg(m.label()).arg(ratio)));
        }
        // Measured in the same span of time: the baseline's run ended within the candidate's.
        QVERIFY(qAbs(baseline->created.secsTo(candidate->created)) <= 1);
    }

    void refusesWhatItCannotCompare()
    {
        const testsupport::Result spin = runParlab({ QStringLiteral("run"), QStringLiteral("--kernel"),
            QStringLiteral("spin"), QStringLiteral("--inputs"), QStringLiteral("1"),
            QStringLiteral("--interleave-with"), QStringLiteral("./old {}"), QStringLiteral("--no-history") });
        QCOMPARE(spin.code, 2);
        QVERIFY2(spin.err.contains(QStringLiteral("--interleave-with compares two programs: it needs --kernel command "
                                                  "(the kernel is spin)")),
            qPrintable(spin.err));
        const testsupport::Result empty
            = runParlab({ QStringLiteral("run"), QStringLiteral("--kernel"), QStringLiteral("command"),
                QStringLiteral("--command"), QStringLiteral("echo {}"), QStringLiteral("--inputs"), QStringLiteral("1"),
                QStringLiteral("--interleave-with"), QStringLiteral(" "), QStringLiteral("--no-history") });
        QCOMPARE(empty.code, 2);
        QVERIFY2(empty.err.contains(QStringLiteral("--interleave-with needs the baseline program's command line")),
            qPrintable(empty.err));
    }

    void aFailingBaselineFailsTheRunAndKeepsWhatWasMeasured()
    {
        QTemporaryDir dir;
        const QString db = dir.filePath(QStringLiteral("history.db"));
        const testsupport::Result run = runParlab({ QStringLiteral("run"), QStringLiteral("--kernel"),
            QStringLiteral("command"), QStringLiteral("--command"), QStringLiteral("echo {}"),
            QStringLiteral("--interleave-with"), QStringLiteral("exit 7"), QStringLiteral("--inputs"),
            QStringLiteral("1,2"), QStringLiteral("--backends"), QStringLiteral("threads"), QStringLiteral("--workers"),
            QStringLiteral("2"), QStringLiteral("--repeat"), QStringLiteral("2"), QStringLiteral("--warmup"),
            QStringLiteral("0"), QStringLiteral("--history-db"), db });
        QCOMPARE(run.code, 1);
        QVERIFY2(run.err.contains(QStringLiteral("the interleaved baseline failed: sequential")), qPrintable(run.err));
        HistoryStore history;
        QVERIFY(history.open(db));
        const Result<RunResult> candidate = history.load(1);
        QVERIFY(candidate);
        QCOMPARE(candidate->find(QStringLiteral("sequential"), 1)->samplesS.size(), 1);
    }
};

QTEST_GUILESS_MAIN(InterleaveTest)
#include "tst_interleave.moc"
