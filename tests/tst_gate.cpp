#include "history/gate.h"
#include "testsupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <signal.h>

using parlab::RunNoise;
using parlab::RunResult;
using testsupport::Result;
using testsupport::runParlab;

// The regression gate: `parlab run --baseline ... --fail-on slower[:PCT]` and `parlab history compare --fail-on`,
// with real runs of a program, a real history, and runs of known medians imported into it where the test needs
// the history's run-to-run noise to be a known figure.
class TestGate : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void init();

    void noiseIsTheHighQuantileOfConsecutiveChanges();
    void labelsKeepTwoProgramsApart();
    void aLastingStepIsNotNoiseButAHiccupIs();
    void failOnParsesThePercentage_data();
    void failOnParsesThePercentage();

    void slowerProgramFailsTheGate();
    void sameProgramPassesAgainstARunOfTheHistory();
    void noiseDowngradesASlowerVerdict();
    void earlierRegressionsDoNotWidenTheNoise();
    void cpuTimeGatesACpuBoundProgram();
    void differentWorkIsNotComparable();
    void tooFewSamplesCannotPassTheGate();
    void aCancelledRunIsNotJudged();
    void usageErrors_data();
    void usageErrors();

private:
    // `parlab run` of `sleep $(cat delay)`: one program whose duration the test sets by the file, with the spec
    // (and so the experiment) the same whatever the delay, as a program under test changes while its spec stays.
    Result runProgram(double delayS, const QStringList& more);
    // `parlab run` of a shell loop of `loops` iterations (the count read from a file, so the spec stays the same):
    // a CPU-bound program whose CPU time follows the count, whatever else loads the machine.
    Result runLoops(int loops, const QStringList& more);
    // Exports a real run of the program into m_template; false when it could not.
    bool loadTemplate();
    // Imports a copy of m_template whose samples are `samples`; returns the new run id.
    qint64 importRun(const QList<double>& samples);
    QJsonObject gateOf(const QString& jsonFile);

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_db;
    QJsonObject m_template; // a real run's export, for importing runs of chosen medians
};

void TestGate::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_db = m_dir->filePath(QStringLiteral("history.sqlite"));
}

Result TestGate::runProgram(double delayS, const QStringList& more)
{
    const QString delay = m_dir->filePath(QStringLiteral("delay"));
    QFile file(delay);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return { -1, {}, QStringLiteral("cannot write %1").arg(delay), 0 };
    file.write(QByteArray::number(delayS, 'f', 4));
    file.close();
    return runParlab(
        QStringList { QStringLiteral("run"), QStringLiteral("--kernel"), QStringLiteral("command"),
            QStringLiteral("--command"), QStringLiteral("sleep $(cat '%1')").arg(delay), QStringLiteral("--inputs"),
            QStringLiteral("1"), QStringLiteral("--backends"), QStringLiteral("sequential"),
            QStringLiteral("--workers"), QStringLiteral("1"), QStringLiteral("--repeat"), QStringLiteral("5"),
            QStringLiteral("--warmup"), QStringLiteral("0") }
        + more);
}

Result TestGate::runLoops(int loops, const QStringList& more)
{
    const QString count = m_dir->filePath(QStringLiteral("count"));
    QFile file(count);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return { -1, {}, QStringLiteral("cannot write %1").arg(count), 0 };
    file.write(QByteArray::number(loops));
    file.close();
    return runParlab(
        QStringList { QStringLiteral("run"), QStringLiteral("--kernel"), QStringLiteral("command"),
            QStringLiteral("--command"),
            QStringLiteral("n=$(cat '%1'); i=0; while [ $i -lt $n ]; do i=$((i+1)); done").arg(count),
            QStringLiteral("--inputs"), QStringLiteral("1"), QStringLiteral("--backends"), QStringLiteral("sequential"),
            QStringLiteral("--workers"), QStringLiteral("1"), QStringLiteral("--repeat"), QStringLiteral("5"),
            QStringLiteral("--warmup"), QStringLiteral("0"), QStringLiteral("--history-db"), m_db }
        + more);
}

bool TestGate::loadTemplate()
{
    const QString exported = m_dir->filePath(QStringLiteral("template.json"));
    const Result real
        = runProgram(0.001, { QStringLiteral("--no-history"), QStringLiteral("--export-json"), exported });
    if (real.code != 0) {
        qWarning("%s", qPrintable(real.err));
        return false;
    }
    QFile file(exported);
    if (!file.open(QIODevice::ReadOnly))
        return false;
    m_template = QJsonDocument::fromJson(file.readAll()).object();
    return !m_template.isEmpty();
}

qint64 TestGate::importRun(const QList<double>& samples)
{
    QJsonObject run = m_template;
    QJsonArray results = run.value(QStringLiteral("results")).toArray();
    QJsonObject first = results.at(0).toObject();
    first.insert(QStringLiteral("samples_s"), QJsonArray::fromVariantList([&] {
        QVariantList list;
        for (double s : samples)
            list.append(s);
        return list;
    }()));
    QList<double> sorted = samples;
    std::sort(sorted.begin(), sorted.end());
    first.insert(QStringLiteral("median_s"), sorted.at(sorted.size() / 2));
    first.insert(QStringLiteral("min_s"), sorted.first());
    first.insert(QStringLiteral("max_s"), sorted.last());
    // One usage entry per sample: the template's, cut to the samples given.
    const QJsonArray usage = first.value(QStringLiteral("usage")).toArray();
    if (usage.size() > samples.size()) {
        QJsonArray cut;
        for (qsizetype i = 0; i < samples.size(); ++i)
            cut.append(usage.at(i));
        first.insert(QStringLiteral("usage"), cut);
    }
    results.replace(0, first);
    run.insert(QStringLiteral("results"), results);
    const QString file = m_dir->filePath(QStringLiteral("import.json"));
    QFile out(file);
    if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return -1;
    out.write(QJsonDocument(run).toJson());
    out.close();
    const Result r = runParlab(
        { QStringLiteral("history"), QStringLiteral("import"), file, QStringLiteral("--history-db"), m_db });
    if (r.code != 0)
        qWarning("%s", qPrintable(r.err));
    return r.code == 0 ? r.out.trimmed().toLongLong() : -1;
}

QJsonObject TestGate::gateOf(const QString& jsonFile)
{
    QFile file(jsonFile);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(file.readAll()).object().value(QStringLiteral("gate")).toObject();
}

// Runs whose medians alternate between 1 and 1.2: every consecutive pair moves by 20%, so the noise is 20%;
// fewer runs than the minimum: no noise, whatever they say.
void TestGate::noiseIsTheHighQuantileOfConsecutiveChanges()
{
    QList<RunResult> runs;
    for (int i = 0; i < RunNoise::kMinRuns + 1; ++i) {
        RunResult r;
        const double scale = i % 2 == 0 ? 1.0 : 1.2;
        r.measurements.append(
            testsupport::measurement(QStringLiteral("sequential"), 1, { 0.100 * scale, 0.101 * scale, 0.099 * scale }));
        runs.append(r);
    }
    const RunNoise noise = RunNoise::of(runs, QStringLiteral("vm1"));
    QVERIFY(noise.known());
    QCOMPARE(noise.pairs, RunNoise::kMinRuns);
    QVERIFY2(std::abs(noise.noise - 0.2) < 1e-9, qPrintable(noise.text()));
    QVERIFY2(noise.text().startsWith(QStringLiteral("±20.0% from 6 earlier runs on vm1")), qPrintable(noise.text()));

    const RunNoise few = RunNoise::of(runs.mid(0, RunNoise::kMinRuns - 1), QStringLiteral("vm1"));
    QVERIFY(!few.known());
    QCOMPARE(few.text(), QStringLiteral("not measured: 4 earlier runs of this experiment on vm1, 5 needed"));
}

// Runs of two programs in turn, labelled apart: each is paired with the previous run of its own label, so the 15%
// between the programs is not taken for noise; unlabelled, it is.
void TestGate::labelsKeepTwoProgramsApart()
{
    QList<RunResult> runs;
    for (int i = 0; i < 2 * RunNoise::kMinRuns; ++i) {
        RunResult r;
        const bool slower = i % 2 == 1;
        r.environment.label = slower ? QStringLiteral("pr") : QStringLiteral("main");
        const double scale = slower ? 1.15 : 1.0;
        r.measurements.append(
            testsupport::measurement(QStringLiteral("sequential"), 1, { 0.100 * scale, 0.101 * scale, 0.099 * scale }));
        runs.append(r);
    }
    const RunNoise labelled = RunNoise::of(runs, QStringLiteral("vm1"));
    QCOMPARE(labelled.pairs, 2 * RunNoise::kMinRuns - 2);
    QVERIFY2(labelled.known() && labelled.noise < 1e-9, qPrintable(labelled.text()));

    for (RunResult& r : runs)
        r.environment.label.clear();
    const RunNoise unlabelled = RunNoise::of(runs, QStringLiteral("vm1"));
    QVERIFY2(std::abs(unlabelled.noise - 0.15) < 1e-9, qPrintable(unlabelled.text()));
}

// Medians of one label's runs (seconds, three samples each around them), oldest first.
static QList<RunResult> runsOfMedians(const QList<double>& medians)
{
    QList<RunResult> runs;
    for (double median : medians) {
        RunResult r;
        r.measurements.append(
            testsupport::measurement(QStringLiteral("sequential"), 1, { median, median * 1.01, median * 0.99 }));
        runs.append(r);
    }
    return runs;
}

// A regression that landed (the time steps up and stays) is a change of the program, not of the machine: left out,
// the noise is the percent the runs move around each level. A hiccup (one slow run, then the level again) is what
// this machine does: it stays in.
void TestGate::aLastingStepIsNotNoiseButAHiccupIs()
{
    const RunNoise stepped = RunNoise::of(
        runsOfMedians({ 0.100, 0.101, 0.099, 0.100, 0.101, 0.183, 0.184, 0.182 }), QStringLiteral("vm1"));
    QCOMPARE(stepped.steps, 1);
    QVERIFY2(stepped.known() && stepped.noise < 0.03, qPrintable(stepped.text()));
    QVERIFY2(stepped.text().endsWith(QStringLiteral("on vm1, leaving out 1 lasting step")), qPrintable(stepped.text()));

    const RunNoise hiccup
        = RunNoise::of(runsOfMedians({ 0.100, 0.101, 0.099, 0.130, 0.100, 0.101, 0.099 }), QStringLiteral("vm1"));
    QCOMPARE(hiccup.steps, 0);
    QVERIFY2(hiccup.noise > 0.25, qPrintable(hiccup.text())); // the 30% up and back, at the 95th percentile

    // A step with nothing after it cannot be told from a hiccup yet: it stays in until the next run says.
    const RunNoise last
        = RunNoise::of(runsOfMedians({ 0.100, 0.101, 0.099, 0.100, 0.101, 0.183 }), QStringLiteral("vm1"));
    QCOMPARE(last.steps, 0);
    QVERIFY2(last.noise > 0.5, qPrintable(last.text()));
}

void TestGate::failOnParsesThePercentage_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<double>("fraction"); // NaN: refused
    QTest::newRow("default") << QStringLiteral("slower") << 0.05;
    QTest::newRow("percent") << QStringLiteral("slower:12.5") << 0.125;
    QTest::newRow("percent sign") << QStringLiteral("slower:3%") << 0.03;
    QTest::newRow("zero") << QStringLiteral("slower:0") << qQNaN();
    QTest::newRow("faster") << QStringLiteral("faster:5") << qQNaN();
    QTest::newRow("word") << QStringLiteral("slower:five") << qQNaN();
}

void TestGate::failOnParsesThePercentage()
{
    QFETCH(QString, text);
    QFETCH(double, fraction);
    const parlab::Result<double> parsed = parlab::parseFailOn(text);
    if (std::isnan(fraction)) {
        QVERIFY(!parsed);
        QVERIFY(!parsed.error().isEmpty());
    } else {
        QVERIFY2(parsed, qPrintable(parsed.error()));
        QCOMPARE(*parsed, fraction);
    }
}

// The same program made twice as slow, against an exported baseline, with no history beside it: exit 4, the
// reason on stderr, in the JSON and in the summary, which says the verdict rests on one run.
void TestGate::slowerProgramFailsTheGate()
{
    const QString baseline = m_dir->filePath(QStringLiteral("baseline.json"));
    // Sleeps long beside starting the shell (tens of ms on a loaded machine), so the ratio is the programs'.
    const Result before
        = runProgram(0.05, { QStringLiteral("--no-history"), QStringLiteral("--export-json"), baseline });
    QVERIFY2(before.code == 0, qPrintable(before.err));

    const QString json = m_dir->filePath(QStringLiteral("candidate.json"));
    const QString summary = m_dir->filePath(QStringLiteral("summary.md"));
    const Result after = runProgram(0.25,
        { QStringLiteral("--history-db"), m_db, QStringLiteral("--baseline"), baseline, QStringLiteral("--fail-on"),
            QStringLiteral("slower:5"), QStringLiteral("--export-json"), json, QStringLiteral("--summary"), summary });
    QCOMPARE(after.code, 4);
    QVERIFY2(after.err.contains(QStringLiteral("gate: fail: sequential x1 is ")), qPrintable(after.err));
    QVERIFY2(after.err.contains(QStringLiteral("slower than the baseline (%1), beyond the 5.0% allowed").arg(baseline)),
        qPrintable(after.err));
    QVERIFY2(after.err.contains(QStringLiteral("the verdict rests on one run")), qPrintable(after.err));
    QVERIFY2(
        after.err.contains(QStringLiteral("not measured: 0 earlier runs of this experiment")), qPrintable(after.err));

    const QJsonObject gate = gateOf(json);
    QCOMPARE(gate.value(QStringLiteral("outcome")).toString(), QStringLiteral("fail"));
    QCOMPARE(gate.value(QStringLiteral("slower_by")).toDouble(), 0.05);
    QCOMPARE(gate.value(QStringLiteral("threshold")).toDouble(), 0.05);
    QVERIFY(gate.value(QStringLiteral("rests_on_one_run")).toBool());
    QVERIFY(gate.value(QStringLiteral("baseline_id")).isNull());
    QCOMPARE(gate.value(QStringLiteral("candidate_id")).toInt(), 1);
    QVERIFY(gate.value(QStringLiteral("noise")).toObject().value(QStringLiteral("fraction")).isNull());
    const QJsonObject row = gate.value(QStringLiteral("rows")).toArray().at(0).toObject();
    QCOMPARE(row.value(QStringLiteral("verdict")).toString(), QStringLiteral("slower"));
    // 5 sleeps of 250 ms against 5 of 50 ms, plus the same start-up each: well above 1.5.
    QVERIFY2(row.value(QStringLiteral("ratio")).toDouble() > 1.5, QJsonDocument(row).toJson().constData());
    QVERIFY(row.value(QStringLiteral("p_value")).toDouble() < 0.05);

    QFile md(summary);
    QVERIFY(md.open(QIODevice::ReadOnly));
    const QString text = QString::fromUtf8(md.readAll());
    QVERIFY2(text.startsWith(QStringLiteral("### ❌ ParLab regression gate: fail")), qPrintable(text));
    QVERIFY2(text.contains(
                 QStringLiteral("| backend | workers | baseline median | candidate median | ratio | p | verdict |")),
        qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("| sequential | 1 | ")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("| slower |")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("the verdict rests on one run")), qPrintable(text));
}

// The same program again, against the history's run by id: the gate passes (50% allowed: two runs of a 20 ms
// sleep on a busy machine may differ by more than 5%, which is what the noise is for) and exits 0.
void TestGate::sameProgramPassesAgainstARunOfTheHistory()
{
    const Result first = runProgram(0.02, { QStringLiteral("--history-db"), m_db });
    QVERIFY2(first.code == 0, qPrintable(first.err));
    const QString json = m_dir->filePath(QStringLiteral("candidate.json"));
    const Result second = runProgram(0.02,
        { QStringLiteral("--history-db"), m_db, QStringLiteral("--baseline"), QStringLiteral("1"),
            QStringLiteral("--fail-on"), QStringLiteral("slower:50"), QStringLiteral("--format"),
            QStringLiteral("json") });
    QVERIFY2(second.code == 0, qPrintable(second.err));
    QVERIFY2(second.err.contains(QStringLiteral("gate: pass: ")), qPrintable(second.err));
    const QJsonObject gate
        = QJsonDocument::fromJson(second.out.toUtf8()).object().value(QStringLiteral("gate")).toObject();
    QCOMPARE(gate.value(QStringLiteral("outcome")).toString(), QStringLiteral("pass"));
    QCOMPARE(gate.value(QStringLiteral("baseline")).toString(), QStringLiteral("run 1"));
    QCOMPARE(gate.value(QStringLiteral("baseline_id")).toInt(), 1);
    QCOMPARE(gate.value(QStringLiteral("candidate_id")).toInt(), 2);
    QCOMPARE(gate.value(QStringLiteral("noise")).toObject().value(QStringLiteral("runs")).toInt(), 1);

    // history compare judges the same two runs alike.
    const Result compared
        = runParlab({ QStringLiteral("history"), QStringLiteral("compare"), QStringLiteral("1"), QStringLiteral("2"),
            QStringLiteral("--fail-on"), QStringLiteral("slower:50"), QStringLiteral("--history-db"), m_db });
    QVERIFY2(compared.code == 0, qPrintable(compared.err));
    QVERIFY2(compared.err.contains(QStringLiteral("gate: pass: ")), qPrintable(compared.err));
}

void TestGate::tooFewSamplesCannotPassTheGate()
{
    // Three samples against three: the exact Mann-Whitney p is never below 0.1, so an 80% slowdown could not fail the
    // gate. It says it cannot judge instead of passing (exit 2), and names how many repeats would do.
    QVERIFY(loadTemplate());
    const qint64 baseline = importRun({ 0.100, 0.101, 0.099 });
    const qint64 slower = importRun({ 0.180, 0.181, 0.179 });
    QVERIFY(baseline > 0 && slower > 0);
    const Result gate = runParlab(
        { QStringLiteral("history"), QStringLiteral("compare"), QString::number(baseline), QString::number(slower),
            QStringLiteral("--fail-on"), QStringLiteral("slower:5"), QStringLiteral("--history-db"), m_db });
    QCOMPARE(gate.code, 2);
    QVERIFY2(gate.err.contains(QStringLiteral("too few samples to judge sequential x1 (3 in the baseline, 3 in this "
                                              "run): a Mann-Whitney test of so few cannot reach p < 0.05, so no "
                                              "slowdown could fail the gate; measure at least 4 repeats in each")),
        qPrintable(gate.err));
}

// A cancelled run lacks the combinations it did not reach and would pass on the ones it did: `history compare
// --fail-on` does not judge it (exit 2, said on stderr and in the summary); without --fail-on it compares as before.
void TestGate::aCancelledRunIsNotJudged()
{
    QCOMPARE(runProgram(0.001, { QStringLiteral("--history-db"), m_db }).code, 0); // run 1
    const QString delay = m_dir->filePath(QStringLiteral("delay"));
    QFile file(delay);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write("1");
    file.close();
    QProcess cancelled; // run 2: a second per repeat, cancelled once the history has it
    cancelled.start(QStringLiteral(PARLAB_EXECUTABLE),
        { QStringLiteral("run"), QStringLiteral("--kernel"), QStringLiteral("command"), QStringLiteral("--command"),
            QStringLiteral("sleep $(cat '%1')").arg(delay), QStringLiteral("--inputs"), QStringLiteral("1"),
            QStringLiteral("--backends"), QStringLiteral("sequential"), QStringLiteral("--workers"),
            QStringLiteral("1"), QStringLiteral("--repeat"), QStringLiteral("100"), QStringLiteral("--warmup"),
            QStringLiteral("0"), QStringLiteral("--history-db"), m_db });
    QVERIFY(cancelled.waitForStarted());
    const auto runs = [this] {
        const Result listed = runParlab({ QStringLiteral("history"), QStringLiteral("list"), QStringLiteral("--format"),
            QStringLiteral("json"), QStringLiteral("--history-db"), m_db });
        return QJsonDocument::fromJson(listed.out.toUtf8()).array().size();
    };
    QVERIFY(QTest::qWaitFor([&] { return runs() == 2; }, 60'000));
    ::kill(pid_t(cancelled.processId()), SIGINT);
    QVERIFY(cancelled.waitForFinished(30'000));
    QCOMPARE(cancelled.exitCode(), 130);

    const QString summary = m_dir->filePath(QStringLiteral("summary.md"));
    const Result gated = runParlab({ QStringLiteral("history"), QStringLiteral("compare"), QStringLiteral("1"),
        QStringLiteral("2"), QStringLiteral("--fail-on"), QStringLiteral("slower:5"), QStringLiteral("--summary"),
        summary, QStringLiteral("--history-db"), m_db });
    QCOMPARE(gated.code, 2);
    QVERIFY2(gated.err.contains(QStringLiteral("parlab history: error: run 2 (B) is cancelled, and a gate judges "
                                               "finished runs only, so it was not judged")),
        qPrintable(gated.err));
    QVERIFY2(!gated.err.contains(QStringLiteral("gate: pass")), qPrintable(gated.err));
    QFile written(summary);
    QVERIFY(written.open(QIODevice::ReadOnly));
    const QString markdown = QString::fromUtf8(written.readAll());
    QVERIFY2(markdown.contains(QStringLiteral("not judged")) && markdown.contains(QStringLiteral("is cancelled")),
        qPrintable(markdown));

    const Result plain = runParlab({ QStringLiteral("history"), QStringLiteral("compare"), QStringLiteral("1"),
        QStringLiteral("2"), QStringLiteral("--history-db"), m_db });
    QVERIFY2(plain.code == 0, qPrintable(plain.err));
}

// A history whose runs of this experiment move by 20% from one to the next: a candidate 12% slower than its
// baseline is within that noise (exit 0, said so), one 50% slower is beyond it (exit 4).
void TestGate::noiseDowngradesASlowerVerdict()
{
    QVERIFY(loadTemplate());

    const QList<double> samples { 0.100, 0.101, 0.099, 0.1005, 0.0995 };
    auto scaled = [&](double factor) {
        QList<double> out;
        for (double s : samples)
            out.append(s * factor);
        return out;
    };
    for (double factor : { 1.0, 1.2, 1.0, 1.2, 1.0 })
        QVERIFY(importRun(scaled(factor)) > 0);
    const qint64 baseline = importRun(scaled(1.0));
    const qint64 within = importRun(scaled(1.12));
    QVERIFY(baseline > 0 && within > 0);

    const QString summary = m_dir->filePath(QStringLiteral("summary.md"));
    const Result pass = runParlab({ QStringLiteral("history"), QStringLiteral("compare"), QString::number(baseline),
        QString::number(within), QStringLiteral("--fail-on"), QStringLiteral("slower:5"), QStringLiteral("--summary"),
        summary, QStringLiteral("--format"), QStringLiteral("json"), QStringLiteral("--history-db"), m_db });
    QVERIFY2(pass.code == 0, qPrintable(pass.err));
    QVERIFY2(pass.err.contains(QStringLiteral("gate: pass: sequential x1 is 12.0% slower, within this machine's "
                                              "run-to-run noise (±20.0% from 6 earlier runs on ")),
        qPrintable(pass.err));
    QVERIFY2(!pass.err.contains(QStringLiteral("rests on one run")), qPrintable(pass.err));
    const QJsonObject gate
        = QJsonDocument::fromJson(pass.out.toUtf8()).object().value(QStringLiteral("gate")).toObject();
    QCOMPARE(gate.value(QStringLiteral("outcome")).toString(), QStringLiteral("pass"));
    QVERIFY(std::abs(gate.value(QStringLiteral("threshold")).toDouble() - 0.2) < 1e-9);
    QCOMPARE(gate.value(QStringLiteral("rows")).toArray().at(0).toObject().value(QStringLiteral("verdict")).toString(),
        QStringLiteral("within noise"));
    const QJsonObject noise = gate.value(QStringLiteral("noise")).toObject();
    QCOMPARE(noise.value(QStringLiteral("runs")).toInt(), 6);
    QCOMPARE(noise.value(QStringLiteral("run_ids")).toArray().size(), 6);
    QFile md(summary);
    QVERIFY(md.open(QIODevice::ReadOnly));
    const QString text = QString::fromUtf8(md.readAll());
    QVERIFY2(text.startsWith(QStringLiteral("### ✅ ParLab regression gate: pass")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("| within noise |")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("fails beyond 20.0% = max(allowed 5.0%, run-to-run noise ±20.0%")),
        qPrintable(text));

    // The noise is from the runs before the candidate: this one's history is the seven runs before it.
    const qint64 beyond = importRun(scaled(1.5));
    const Result failed = runParlab(
        { QStringLiteral("history"), QStringLiteral("compare"), QString::number(baseline), QString::number(beyond),
            QStringLiteral("--fail-on"), QStringLiteral("slower:5"), QStringLiteral("--history-db"), m_db });
    QCOMPARE(failed.code, 4);
    QVERIFY2(failed.err.contains(QStringLiteral("gate: fail: sequential x1 is 50.0% slower than the baseline (run %1), "
                                                "beyond the 5.0% allowed and this machine's run-to-run noise (±")
                                     .arg(baseline)),
        qPrintable(failed.err));
}

// The reviewer's case: every run has the same label, as in a CI job, and a regression's runs are in the history.
// Neither a run that failed its gate nor a lasting step widens the run-to-run noise, so a later, smaller regression
// fails the gate instead of passing "within this machine's run-to-run noise (±88.5%)" (taken in, either would make
// the noise about 80%). Judged on CPU time, which a busy machine does not stretch as it does wall time.
void TestGate::earlierRegressionsDoNotWidenTheNoise()
{
    // Sleeps long beside starting the shell (tens of ms on a loaded machine), three and two times the fast one: the
    // verdicts are the programs', whatever else runs.
    const double fast = 0.2;
    const double slow = 0.6;
    const double slower = 0.4;
    // Each program is a commit: a failed run is left out unless its commit also ran without failing.
    auto gated = [this](double delay, const QString& commit) {
        return runProgram(delay,
            { QStringLiteral("--history-db"), m_db, QStringLiteral("--commit"), commit, QStringLiteral("--baseline"),
                QStringLiteral("last"), QStringLiteral("--fail-on"), QStringLiteral("slower:5") });
    };
    auto plain = [this](double delay, const QString& commit) {
        return runProgram(delay, { QStringLiteral("--history-db"), m_db, QStringLiteral("--commit"), commit });
    };
    auto gatesOfHistory = [this] { // newest first
        const Result listed = runParlab({ QStringLiteral("history"), QStringLiteral("list"), QStringLiteral("--format"),
            QStringLiteral("json"), QStringLiteral("--history-db"), m_db });
        QStringList gates;
        for (const auto& run : QJsonDocument::fromJson(listed.out.toUtf8()).array())
            gates << run.toObject().value(QStringLiteral("gate")).toString();
        return gates;
    };

    // A failed gate marks its run: the history keeps the verdict; `--baseline last` and the noise of later gates
    // leave the run out.
    for (int i = 0; i < RunNoise::kMinRuns; ++i)
        QCOMPARE(plain(fast, QStringLiteral("c%1").arg(i)).code, 0); // runs 1..5
    const Result regressed = gated(slow, QStringLiteral("regressed")); // run 6
    QVERIFY2(regressed.code == 4, qPrintable(regressed.err));
    const Result retried = gated(slow, QStringLiteral("regressed")); // run 7: a retry is judged against run 5 again
    QVERIFY2(retried.code == 4, qPrintable(retried.err));
    QVERIFY2(retried.err.contains(QStringLiteral("than the baseline (run 5)")), qPrintable(retried.err));
    QCOMPARE(gated(fast, QStringLiteral("reverted")).code, 0); // run 8
    const Result again = gated(slower, QStringLiteral("another")); // run 9: another regression
    QVERIFY2(again.code == 4, qPrintable(again.err));
    QVERIFY2(again.err.contains(QStringLiteral("leaving out 2 runs that failed a gate")), qPrintable(again.err));
    const QStringList gates { QStringLiteral("fail"), QStringLiteral("pass"), QStringLiteral("fail"),
        QStringLiteral("fail"), QString(), QString(), QString(), QString(), QString() };
    QCOMPARE(gatesOfHistory(), gates);
    // Without --fail-on the verdict is information, not a gate: the run keeps none.
    const Result informed = runProgram(slow,
        { QStringLiteral("--history-db"), m_db, QStringLiteral("--commit"), QStringLiteral("informed"),
            QStringLiteral("--baseline"), QStringLiteral("last") }); // run 10
    QVERIFY2(informed.code == 0 && informed.err.contains(QStringLiteral("gate: fail")), qPrintable(informed.err));
    QCOMPARE(gatesOfHistory(), QStringList { QString() } + gates);
    // The verdicts go with the runs through `history export` and `history import`: a history rebuilt from the
    // exports leaves out the same runs.
    const QString original = m_db;
    const QString rebuilt = m_dir->filePath(QStringLiteral("rebuilt.sqlite"));
    for (int id = 1; id <= 10; ++id) {
        const QString file = m_dir->filePath(QStringLiteral("run%1.json").arg(id));
        const Result exported = runParlab({ QStringLiteral("history"), QStringLiteral("export"), QString::number(id),
            QStringLiteral("--output"), file, QStringLiteral("--history-db"), original });
        QVERIFY2(exported.code == 0, qPrintable(exported.err));
        const Result imported = runParlab(
            { QStringLiteral("history"), QStringLiteral("import"), file, QStringLiteral("--history-db"), rebuilt });
        QVERIFY2(imported.code == 0, qPrintable(imported.err));
    }
    QCOMPARE(gateOf(m_dir->filePath(QStringLiteral("run9.json"))),
        QJsonObject({ { QStringLiteral("outcome"), QStringLiteral("fail") }, { QStringLiteral("enforced"), true } }));
    QVERIFY(gateOf(m_dir->filePath(QStringLiteral("run10.json"))).isEmpty());
    m_db = rebuilt;
    QCOMPARE(gatesOfHistory(), QStringList { QString() } + gates);
    m_db = original;

    // A regression that landed ungated: the level steps up and stays (the run being judged is the newest after it);
    // the step is left out of the noise. The earlier runs are imported with chosen medians (steady at 100 ms within
    // 1%, then 183 ms), so the step is the only change beyond the steady level whatever the machine does; the
    // candidate is a real run of the program sleeping 150 ms, judged against run 1.
    init(); // a new history
    QVERIFY(loadTemplate());
    for (const double median : { 0.100, 0.101, 0.100, 0.099, 0.100 })
        QVERIFY(importRun({ median, median, median, median, median }) > 0); // runs 1..5
    QVERIFY(importRun({ 0.183, 0.183, 0.183, 0.183, 0.183 }) > 0); // run 6: landed
    const QString json = m_dir->filePath(QStringLiteral("stepped.json"));
    const Result stepped = runProgram(0.15,
        { QStringLiteral("--history-db"), m_db, QStringLiteral("--baseline"), QStringLiteral("1"),
            QStringLiteral("--fail-on"), QStringLiteral("slower:5"), QStringLiteral("--export-json"), json });
    QVERIFY2(stepped.code == 4, qPrintable(stepped.err));
    QVERIFY2(stepped.err.contains(QStringLiteral("leaving out 1 lasting step)")), qPrintable(stepped.err));
    const QJsonObject noise = gateOf(json).value(QStringLiteral("noise")).toObject();
    QCOMPARE(noise.value(QStringLiteral("steps_left_out")).toInt(), 1);
    QCOMPARE(noise.value(QStringLiteral("failed_gate_runs_left_out")).toInt(), 0);
    QCOMPARE(noise.value(QStringLiteral("runs")).toInt(), RunNoise::kMinRuns + 1);

    // The same program failing once and passing once is the machine's doing: its failed run stays in the noise.
    init();
    for (int i = 0; i < RunNoise::kMinRuns; ++i)
        QCOMPARE(plain(fast, QStringLiteral("same")).code, 0);
    QCOMPARE(gated(slow, QStringLiteral("same")).code, 4); // as if the machine had slowed it
    QCOMPARE(gated(fast, QStringLiteral("same")).code, 0);
    const Result kept = gated(fast, QStringLiteral("same"));
    QVERIFY2(kept.code == 0, qPrintable(kept.err));
    QVERIFY2(!kept.err.contains(QStringLiteral("failed a gate")), qPrintable(kept.err));
}

// A shell loop of three times the count costs three times the CPU time: --gate-on cpu judges the CPU times (the JSON's
// rows hold them, and say so), and fails the gate.
void TestGate::cpuTimeGatesACpuBoundProgram()
{
    // Six times the loops: counts large enough that the shell's own start (about 15 ms of CPU) does not flatten the
    // ratio, and far enough apart that this machine's speed drifting between the two runs (up to 30%, more when
    // other programs share the cores) cannot bring it near the 2 asserted below.
    const Result before = runLoops(50'000, {});
    QVERIFY2(before.code == 0, qPrintable(before.err));
    const Result after = runLoops(300'000,
        { QStringLiteral("--baseline"), QStringLiteral("last"), QStringLiteral("--fail-on"), QStringLiteral("slower:5"),
            QStringLiteral("--gate-on"), QStringLiteral("cpu"), QStringLiteral("--format"), QStringLiteral("json") });
    QCOMPARE(after.code, 4);
    QVERIFY2(after.err.contains(QStringLiteral("gate: fail (CPU time): sequential x1 is ")), qPrintable(after.err));
    const QJsonObject run2 = QJsonDocument::fromJson(after.out.toUtf8()).object();
    const QJsonObject gate = run2.value(QStringLiteral("gate")).toObject();
    QCOMPARE(gate.value(QStringLiteral("time")).toString(), QStringLiteral("cpu"));
    const QJsonObject row = gate.value(QStringLiteral("rows")).toArray().at(0).toObject();
    QVERIFY2(row.value(QStringLiteral("ratio")).toDouble() > 2, QJsonDocument(row).toJson().constData());
    // The candidate's median there is its median CPU time, not its wall time.
    const double cpu
        = run2.value(QStringLiteral("results")).toArray().at(0).toObject().value(QStringLiteral("cpu_s")).toDouble();
    QVERIFY2(std::abs(row.value(QStringLiteral("median_candidate_s")).toDouble() - cpu) <= 1e-9 * cpu,
        QJsonDocument(row).toJson().constData());
}

// A baseline of other inputs measured other work: the run is refused before it measures anything (exit 2, said
// why); two such runs compared later get no verdict either.
void TestGate::differentWorkIsNotComparable()
{
    const auto spin = [this](const QString& inputs, const QStringList& more) {
        return runParlab(QStringList { QStringLiteral("run"), QStringLiteral("--kernel"), QStringLiteral("spin"),
                             QStringLiteral("--inputs"), inputs, QStringLiteral("--backends"),
                             QStringLiteral("sequential"), QStringLiteral("--workers"), QStringLiteral("1"),
                             QStringLiteral("--repeat"), QStringLiteral("3"), QStringLiteral("--history-db"), m_db }
            + more);
    };
    const Result first = spin(QStringLiteral("1"), {});
    QVERIFY2(first.code == 0, qPrintable(first.err));
    const QString summary = m_dir->filePath(QStringLiteral("summary.md"));
    const Result refused = spin(QStringLiteral("2000"), // two seconds a repeat, were it measured
        { QStringLiteral("--baseline"), QStringLiteral("1"), QStringLiteral("--fail-on"), QStringLiteral("slower"),
            QStringLiteral("--summary"), summary });
    QCOMPARE(refused.code, 2);
    QVERIFY2(refused.err.contains(QStringLiteral("--baseline run 1: it measured other work than this run would (A: the "
                                                 "baseline, B: this run; inputs: 1 in A, 2000 in B)")),
        qPrintable(refused.err));
    QVERIFY2(refused.err.contains(QStringLiteral("nothing was run")), qPrintable(refused.err));
    QVERIFY2(!refused.err.contains(QStringLiteral("--help")), qPrintable(refused.err)); // not a usage slip
    QVERIFY2(refused.ms < 2000, qPrintable(QString::number(refused.ms)));
    // The CI job's summary says why there is no verdict.
    QFile md(summary);
    QVERIFY(md.open(QIODevice::ReadOnly));
    const QString text = QString::fromUtf8(md.readAll());
    QVERIFY2(text.startsWith(QStringLiteral("### ⚠️ ParLab regression gate: not judged")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("nothing was run")), qPrintable(text));
    // `last` is the newest run of the same work: there is none.
    const Result none = spin(QStringLiteral("2000"),
        { QStringLiteral("--baseline"), QStringLiteral("LAST"), QStringLiteral("--fail-on"),
            QStringLiteral("slower") });
    QCOMPARE(none.code, 2);
    QVERIFY2(none.err.contains(QStringLiteral("--baseline LAST: no finished run of this experiment in ")),
        qPrintable(none.err));
    const Result listed = runParlab({ QStringLiteral("history"), QStringLiteral("list"), QStringLiteral("--format"),
        QStringLiteral("json"), QStringLiteral("--history-db"), m_db });
    QCOMPARE(QJsonDocument::fromJson(listed.out.toUtf8()).array().size(), 1);

    // Measured anyway, without a baseline, and compared afterwards: not comparable, exit 2.
    const Result second = spin(QStringLiteral("2"), {});
    QVERIFY2(second.code == 0, qPrintable(second.err));
    const Result compared
        = runParlab({ QStringLiteral("history"), QStringLiteral("compare"), QStringLiteral("1"), QStringLiteral("2"),
            QStringLiteral("--fail-on"), QStringLiteral("slower"), QStringLiteral("--history-db"), m_db });
    QCOMPARE(compared.code, 2);
    QVERIFY2(compared.err.contains(QStringLiteral("gate: not comparable: the baseline measured different work "
                                                  "(inputs: 1 in A, 2 in B)")),
        qPrintable(compared.err));
}

void TestGate::usageErrors_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("message");
    const QStringList run { QStringLiteral("run"), QStringLiteral("--kernel"), QStringLiteral("spin"),
        QStringLiteral("--inputs"), QStringLiteral("1") };
    QTest::newRow("fail-on without baseline")
        << run + QStringList { QStringLiteral("--fail-on"), QStringLiteral("slower") }
        << QStringLiteral("--fail-on and --summary judge a run against a baseline: give --baseline ID|FILE");
    QTest::newRow("faster") << run
            + QStringList { QStringLiteral("--baseline"), QStringLiteral("1"), QStringLiteral("--fail-on"),
                  QStringLiteral("faster") }
                            << QStringLiteral("--fail-on: 'faster' is not slower or slower:PCT");
    QTest::newRow("no such run") << run + QStringList { QStringLiteral("--baseline"), QStringLiteral("7") }
                                 << QStringLiteral("--baseline: ");
    QTest::newRow("id without history") << run
            + QStringList { QStringLiteral("--baseline"), QStringLiteral("7"), QStringLiteral("--no-history") }
                                        << QStringLiteral("give an exported file instead");
    QTest::newRow("missing file") << run
            + QStringList { QStringLiteral("--baseline"), QStringLiteral("/nonexistent/run.json") }
                                  << QStringLiteral("--baseline: /nonexistent/run.json: ");
    QTest::newRow("gate-on") << run
            + QStringList { QStringLiteral("--baseline"), QStringLiteral("1"), QStringLiteral("--gate-on"),
                  QStringLiteral("user") }
                             << QStringLiteral("--gate-on: 'user' is not wall or cpu");
    QTest::newRow("summary on list") << QStringList { QStringLiteral("history"), QStringLiteral("list"),
        QStringLiteral("--fail-on"), QStringLiteral("slower") }
                                     << QStringLiteral("--fail-on and --summary are for compare");
}

// Nothing runs when the gate's options are wrong: exit 2 and the reason.
void TestGate::usageErrors()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);
    const Result r = runParlab(arguments.contains(QStringLiteral("--no-history"))
            ? arguments
            : arguments + QStringList { QStringLiteral("--history-db"), m_db });
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains(message), qPrintable(r.err));
}

QTEST_GUILESS_MAIN(TestGate)
#include "tst_gate.moc"
