// `parlab run --interleave-with`: two programs measured in one run, each combination in turn, through the real
// parlab executable, real shell programs and a real history.

#include "history/historystore.h"
#include "runresult.h"
#include "testsupport.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
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
        // The candidate sleeps 100 ms a task, the baseline 200: sleeping, not computing, so a busy machine does not
        // blur the difference, and long beside starting a shell (tens of ms on a loaded machine), which both pay.
        // Five repeats each: three could not make a Mann-Whitney test significant.
        QTemporaryDir dir;
        const QString db = dir.filePath(QStringLiteral("history.db"));
        const testsupport::Result run = runParlab({ QStringLiteral("run"), QStringLiteral("--kernel"),
            QStringLiteral("command"), QStringLiteral("--command"), QStringLiteral("sleep 0.1; echo {}"),
            QStringLiteral("--interleave-with"), QStringLiteral("sleep 0.2; echo {}"), QStringLiteral("--inputs"),
            QStringLiteral("1,2,3,4"), QStringLiteral("--backends"), QStringLiteral("processes"),
            QStringLiteral("--workers"), QStringLiteral("2"), QStringLiteral("--repeat"), QStringLiteral("5"),
            QStringLiteral("--warmup"), QStringLiteral("0"), QStringLiteral("--history-db"), db });
        QVERIFY2(run.code == 0, qPrintable(run.err));
        QVERIFY2(run.err.contains(QStringLiteral("saved as run 2 in")), qPrintable(run.err));
        // B (this run) is faster; on a busy machine one of the two combinations may miss significance.
        QVERIFY2(
            run.err.contains(QRegularExpression(QStringLiteral(
                R"(interleaved with the baseline 'sleep 0\.2; echo \{\}' \(saved as run 1; A: the baseline, B: this run\): )"
                R"(B is faster on [12] of )"
                R"(2 combinations, slower on none)"))),
            qPrintable(run.err));

        HistoryStore history;
        QVERIFY(history.open(db));
        // The baseline's run is begun first, so the run under test is the history's latest (--baseline last).
        const Result<QList<RunSummary>> runs = history.runs();
        QVERIFY(runs && runs->size() == 2);
        QCOMPARE(runs->constFirst().id, qint64(2));
        const Result<RunResult> candidate = history.load(2);
        const Result<RunResult> baseline = history.load(1);
        QVERIFY(candidate && baseline);
        QCOMPARE(history.summary(1)->name, QStringLiteral("interleaved baseline of run 2"));
        QCOMPARE(baseline->spec.options.kernelSetting(QStringLiteral("command")).toString(),
            QStringLiteral("sleep 0.2; echo {}"));
        QCOMPARE(baseline->spec.inputs, candidate->spec.inputs);
        for (const Measurement& m : candidate->measurements) {
            const Measurement* other = baseline->find(m.backend, m.workers);
            QVERIFY(other);
            QCOMPARE(other->samplesS.size(), 5);
            const double ratio = other->wall.median / m.wall.median;
            QVERIFY2(ratio > 1.3 && ratio < 2.6, qPrintable(QStringLiteral("%1: %2").arg(m.label()).arg(ratio)));
        }
        // Measured in the same span of time: the baseline's run ended within the candidate's.
        QVERIFY(qAbs(baseline->created.secsTo(candidate->created)) <= 1);
    }

    void gatesTheRunOnItsInterleavedBaseline()
    {
        // The candidate sleeps 150 ms, the baseline 100: 50% slower, beyond --fail-on slower:5, exit 4; the other way
        // round it passes. Long sleeps beside starting a shell, which both pay (tens of ms on a loaded machine). No
        // run-to-run noise is asked of the history: the two ran in the same rounds.
        QTemporaryDir dir;
        const QString db = dir.filePath(QStringLiteral("history.db"));
        const QString summary = dir.filePath(QStringLiteral("summary.md"));
        const auto gated = [&](const QString& candidate, const QString& baseline) {
            return runParlab({ QStringLiteral("run"), QStringLiteral("--kernel"), QStringLiteral("command"),
                QStringLiteral("--command"), candidate, QStringLiteral("--interleave-with"), baseline,
                QStringLiteral("--inputs"), QStringLiteral("1,2"), QStringLiteral("--backends"),
                QStringLiteral("threads"), QStringLiteral("--workers"), QStringLiteral("2"), QStringLiteral("--repeat"),
                QStringLiteral("5"), QStringLiteral("--warmup"), QStringLiteral("0"), QStringLiteral("--fail-on"),
                QStringLiteral("slower:5"), QStringLiteral("--summary"), summary, QStringLiteral("--format"),
                QStringLiteral("json"), QStringLiteral("--history-db"), db });
        };
        const testsupport::Result slower
            = gated(QStringLiteral("sleep 0.15; echo {}"), QStringLiteral("sleep 0.1; echo {}"));
        QVERIFY2(slower.code == 4, qPrintable(slower.err));
        const QJsonObject gate
            = QJsonDocument::fromJson(slower.out.toUtf8()).object().value(QStringLiteral("gate")).toObject();
        QCOMPARE(gate.value(QStringLiteral("outcome")).toString(), QStringLiteral("fail"));
        QVERIFY2(
            gate.value(QStringLiteral("reason")).toString().contains(QStringLiteral("the interleaved baseline, run 1")),
            qPrintable(gate.value(QStringLiteral("reason")).toString()));
        QVERIFY(!gate.value(QStringLiteral("reason")).toString().contains(QStringLiteral("rests on one run")));
        QCOMPARE(gate.value(QStringLiteral("noise")).toObject().value(QStringLiteral("interleaved")).toBool(), true);
        QFile markdown(summary);
        QVERIFY(markdown.open(QIODevice::ReadOnly));
        const QByteArray text = markdown.readAll();
        QVERIFY2(text.contains(
                     "run-to-run noise none: the two were measured interleaved in one run, so none is allowed for"),
            text.constData());
        QVERIFY(!slower.err.contains(QStringLiteral("rests on one run")));

        const testsupport::Result faster
            = gated(QStringLiteral("sleep 0.1; echo {}"), QStringLiteral("sleep 0.15; echo {}"));
        QVERIFY2(faster.code == 0, qPrintable(faster.err));
        QCOMPARE(QJsonDocument::fromJson(faster.out.toUtf8())
                     .object()
                     .value(QStringLiteral("gate"))
                     .toObject()
                     .value(QStringLiteral("outcome"))
                     .toString(),
            QStringLiteral("pass"));

        const testsupport::Result both = runParlab({ QStringLiteral("run"), QStringLiteral("--kernel"),
            QStringLiteral("command"), QStringLiteral("--command"), QStringLiteral("echo {}"),
            QStringLiteral("--interleave-with"), QStringLiteral("echo {}"), QStringLiteral("--baseline"),
            QStringLiteral("1"), QStringLiteral("--inputs"), QStringLiteral("1"), QStringLiteral("--history-db"), db });
        QCOMPARE(both.code, 2);
        QVERIFY2(both.err.contains(QStringLiteral("--baseline and --interleave-with name two baselines")),
            qPrintable(both.err));
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
        const Result<RunResult> candidate = history.load(2);
        QVERIFY(candidate);
        QCOMPARE(candidate->find(QStringLiteral("sequential"), 1)->samplesS.size(), 1);
        // The baseline's run ended failed, with its error, not interrupted.
        const Result<RunSummary> baseline = history.summary(1);
        QVERIFY(baseline);
        QCOMPARE(baseline->status, RunStatus::Failed);
    }
};

QTEST_GUILESS_MAIN(InterleaveTest)
#include "tst_interleave.moc"
