// The environment a run records (core/environment.h, core/cpufrequency.h): the facts checked against the machine's
// own tools, the clock sampled while cores are busy, `--label` and `--commit` (and the working folder's git HEAD)
// recorded by a real `parlab run`, and `history compare` naming where two runs' environments differ and refusing
// to call one slower when the machine changed, unless --across-machines.

#include "cpufrequency.h"
#include "environment.h"
#include "export/jsonexport.h"
#include "export/jsonimport.h"
#include "history/comparison.h"
#include "testsupport.h"
#include "topology.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSysInfo>
#include <QTemporaryDir>
#include <QTest>
#include <atomic>
#include <thread>

using namespace parlab;

namespace {
struct Output {
    int exitCode = -1;
    QString out;
    QString err;
};

// `program arguments` run to its end in `folder`.
Output runIn(const QString& folder, const QString& program, const QStringList& arguments)
{
    QProcess process;
    process.setWorkingDirectory(folder);
    process.start(program, arguments);
    if (!process.waitForFinished(120'000)) {
        process.kill();
        process.waitForFinished();
        return { -1, {}, QStringLiteral("timed out") };
    }
    return { process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
        QString::fromUtf8(process.readAllStandardOutput()), QString::fromUtf8(process.readAllStandardError()) };
}

QStringList quickRun(const QString& history)
{
    return { QStringLiteral("run"), QStringLiteral("--kernel"), QStringLiteral("spin"), QStringLiteral("--inputs"),
        QStringLiteral("20x4"), QStringLiteral("--backends"), QStringLiteral("sequential"), QStringLiteral("--repeat"),
        QStringLiteral("6"), QStringLiteral("--warmup"), QStringLiteral("0"), QStringLiteral("--format"),
        QStringLiteral("json"), QStringLiteral("--history-db"), history };
}

QJsonObject environmentOf(const QString& json)
{
    return QJsonDocument::fromJson(json.toUtf8()).object().value(QStringLiteral("environment")).toObject();
}

Environment recorded(const QString& host)
{
    Environment env;
    env.hostname = host;
    env.cpu = QStringLiteral("Test CPU");
    env.logicalCores = 2;
    env.physicalCores = 2;
    env.threadsPerCore = 1;
    env.packages = 1;
    env.numaNodes = 1;
    env.kernel = QStringLiteral("6.1.0");
    env.governor = QStringLiteral("performance");
    env.turbo = QStringLiteral("on");
    env.frequency.minMhz = 2300;
    env.frequency.medianMhz = 2400;
    env.frequency.maxMhz = 2500;
    env.frequency.readings = 40;
    env.frequency.source = QStringLiteral("scaling_cur_freq");
    env.parlabVersion = QStringLiteral("0.2.0");
    return env;
}

// Whether `history compare` judged B slower, overall or in a row (a caution's "may be slower" is no verdict).
bool saysSlower(const QString& out)
{
    return out.contains(QStringLiteral("B is slower")) || out.contains(QStringLiteral("  slower\n"));
}

QStringList texts(const QList<EnvironmentDifference>& differences, bool speedOnly = false)
{
    QStringList lines;
    for (const EnvironmentDifference& d : differences) {
        if (!speedOnly || d.changesSpeed)
            lines << d.text;
    }
    return lines;
}
} // namespace

class TestEnvironment : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void factsMatchTheMachine();
    void turboIsReadOrNotReadableNeverGuessed();
    void clockIsSampledOnBusyCores();
    void jsonKeepsEveryFactAndOldRunsReadAsUnknown();
    void differencesNameEachChangedFact();
    void labelAndCommitAreRecorded();
    void compareNamesTheDifferenceAndSaysNotComparable();
};

void TestEnvironment::factsMatchTheMachine()
{
    const Environment env = Environment::capture();
    QCOMPARE(env.hostname, QSysInfo::machineHostName());
    const Output uname = runIn(QDir::currentPath(), QStringLiteral("uname"), { QStringLiteral("-r") });
    QCOMPARE(uname.exitCode, 0);
    QCOMPARE(env.kernel, uname.out.trimmed());
    const Result<Topology> topology = Topology::load();
    QVERIFY2(topology, qPrintable(topology.error()));
    QCOMPARE(env.physicalCores, topology->physicalCores);
    QCOMPARE(env.threadsPerCore, topology->threadsPerCore());
    QCOMPARE(env.packages, topology->packages);
    QCOMPARE(env.numaNodes, topology->numaNodes);
    QVERIFY(env.physicalCores >= 1 && env.physicalCores <= env.logicalCores);
    QCOMPARE(env.parlabVersion, QStringLiteral(PARLAB_VERSION));
    // The terminal's line says each, and what could not be read.
    const QString line = env.machineText();
    QVERIFY2(line.contains(QStringLiteral("host %1").arg(env.hostname)), qPrintable(line));
    QVERIFY2(line.contains(QStringLiteral("kernel %1").arg(env.kernel)), qPrintable(line));
    QVERIFY2(line.contains(topology->summary()), qPrintable(line));
    if (env.governor.isEmpty())
        QVERIFY2(line.contains(QStringLiteral("governor not readable")), qPrintable(line));
}

void TestEnvironment::turboIsReadOrNotReadableNeverGuessed()
{
    const QString turbo = Environment::capture().turbo;
    const auto read = [](const char* path) {
        QFile file(QString::fromLatin1(path));
        return file.open(QIODevice::ReadOnly) ? QString::fromLatin1(file.readAll()).trimmed() : QString();
    };
    const QString boost = read("/sys/devices/system/cpu/cpufreq/boost");
    const QString policyBoost = read("/sys/devices/system/cpu/cpufreq/policy0/boost");
    const QString noTurbo = read("/sys/devices/system/cpu/intel_pstate/no_turbo");
    qInfo("boost '%s', policy0 boost '%s', no_turbo '%s': turbo '%s'", qPrintable(boost), qPrintable(policyBoost),
        qPrintable(noTurbo), qPrintable(turbo));
    if (!boost.isEmpty())
        QCOMPARE(turbo, boost == QLatin1String("1") ? QStringLiteral("on") : QStringLiteral("off"));
    else if (!policyBoost.isEmpty())
        QCOMPARE(turbo, policyBoost == QLatin1String("1") ? QStringLiteral("on") : QStringLiteral("off"));
    else if (!noTurbo.isEmpty())
        QCOMPARE(turbo, noTurbo == QLatin1String("1") ? QStringLiteral("off") : QStringLiteral("on"));
    else
        QCOMPARE(turbo, QString()); // nothing to read: unknown, shown as "not readable"
}

void TestEnvironment::clockIsSampledOnBusyCores()
{
    const FrequencyReading now = readFrequencies();
    if (now.mhz.isEmpty())
        QSKIP("this machine shows no core clock (no cpufreq, no 'cpu MHz' in /proc/cpuinfo)");
    double lowest = now.mhz.constFirst().second, highest = lowest;
    for (const auto& [cpu, mhz] : now.mhz) {
        lowest = std::min(lowest, mhz);
        highest = std::max(highest, mhz);
    }
    // Every allowed core busy for 600 ms: each interval's readings count as busy ones.
    FrequencySampler sampler(50'000'000);
    std::atomic<bool> stop { false };
    std::vector<std::thread> spinners;
    for (int i = 0; i < std::max(1, int(allowedCpus().size())); ++i)
        spinners.emplace_back([&stop] {
            volatile quint64 x = 0;
            while (!stop.load(std::memory_order_relaxed))
                x = x + 1;
        });
    QTest::qSleep(600);
    const CpuFrequency f = sampler.stop();
    stop = true;
    for (std::thread& t : spinners)
        t.join();
    qInfo("%s; read now: %.0f to %.0f MHz from %s", qPrintable(f.text()), lowest, highest, qPrintable(now.source));
    QVERIFY2(f.measured(), qPrintable(f.text()));
    QVERIFY2(f.busyOnly, qPrintable(f.text()));
    QCOMPARE(f.source, now.source);
    QVERIFY(f.readings >= 2);
    QVERIFY(f.minMhz <= f.medianMhz && f.medianMhz <= f.maxMhz);
    // The same cores read at another moment: a clock moves by a turbo step, not by a factor of two.
    QVERIFY2(f.medianMhz > lowest / 2 && f.medianMhz < highest * 2, qPrintable(f.text()));
    QCOMPARE(sampler.stop(), f); // a second stop says the same
}

void TestEnvironment::jsonKeepsEveryFactAndOldRunsReadAsUnknown()
{
    Environment env = recorded(QStringLiteral("alpha"));
    env.python = QStringLiteral("Python 3.13.1 (/usr/bin/python3.13t), free-threaded: no GIL");
    env.label = QStringLiteral("after the fix");
    env.commit = QStringLiteral("0123456789abcdef0123456789abcdef01234567");
    const QJsonObject object = JsonExport::environmentObject(env);
    QCOMPARE(object.value(QStringLiteral("turbo")).toString(), QStringLiteral("on"));
    QCOMPARE(
        object.value(QStringLiteral("frequency")).toObject().value(QStringLiteral("median_mhz")).toDouble(), 2400.0);
    const Result<Environment> back = JsonImport::environmentFromObject(object);
    QVERIFY2(back, qPrintable(back.error()));
    QCOMPARE(JsonExport::environmentObject(*back), object);
    QCOMPARE(back->frequency, env.frequency);
    QCOMPARE(back->commit, env.commit);
    QCOMPARE(back->physicalCores, 2);

    // A run of 0.1: none of these keys. Every fact unknown, said as "not recorded", and no difference to any run.
    QJsonObject old = object;
    for (const char* key : { "hostname", "kernel", "physical_cores", "threads_per_core", "packages", "numa_nodes",
             "governor", "turbo", "frequency", "parlab_version", "python", "label", "commit" })
        old.remove(QString::fromLatin1(key));
    const Result<Environment> oldRun = JsonImport::environmentFromObject(old);
    QVERIFY2(oldRun, qPrintable(oldRun.error()));
    QVERIFY(!oldRun->frequency.measured());
    QCOMPARE(oldRun->turbo, QString());
    QVERIFY2(oldRun->machineText().contains(QStringLiteral("turbo not recorded")), qPrintable(oldRun->machineText()));
    QCOMPARE(texts(environmentDifferences(*oldRun, env)), QStringList());

    QJsonObject wrong = object;
    wrong.insert(QStringLiteral("turbo"), QStringLiteral("maybe"));
    QCOMPARE(JsonImport::environmentFromObject(wrong).error(),
        QStringLiteral("environment.turbo: 'maybe' is not a turbo state: use \"on\", \"off\" or null (not readable)"));
}

void TestEnvironment::differencesNameEachChangedFact()
{
    const Environment a = recorded(QStringLiteral("alpha"));
    QCOMPARE(texts(environmentDifferences(a, a)), QStringList());

    Environment b = a;
    b.hostname = QStringLiteral("beta");
    b.turbo = QStringLiteral("off");
    b.governor = QStringLiteral("powersave");
    b.frequency.medianMhz = 1800;
    b.frequency.minMhz = 1700;
    b.commit = QStringLiteral("fedcba9876543210fedcba9876543210fedcba98");
    b.label = QStringLiteral("candidate");
    const QStringList expected { QStringLiteral("host: alpha in A, beta in B"),
        QStringLiteral("governor: performance in A, powersave in B"), QStringLiteral("turbo was on in A, off in B"),
        QStringLiteral("median frequency 2400 MHz in A, 1800 MHz in B (−25%)"),
        QStringLiteral("label: none in A, candidate in B") };
    QCOMPARE(texts(environmentDifferences(a, b)), expected);
    // The label (and a commit) are named but change nothing of the machine.
    QCOMPARE(texts(environmentDifferences(a, b), true), expected.first(4));

    // A clock within the threshold is named, and leaves the times comparable.
    Environment close = a;
    close.frequency.medianMhz = 2472; // 3%, below kFrequencyChangeThreshold
    QVERIFY(close.frequency.medianMhz / a.frequency.medianMhz - 1 < kFrequencyChangeThreshold);
    QCOMPARE(texts(environmentDifferences(a, close)),
        QStringList { QStringLiteral("median frequency 2400 MHz in A, 2472 MHz in B (+3%, within the 5% that leaves "
                                     "times comparable)") });
    QCOMPARE(texts(environmentDifferences(a, close), true), QStringList());

    // Unreadable on one side (a VM): named, as nothing can be said of it, but it does not void a verdict.
    Environment vm = a;
    vm.governor.clear();
    vm.turbo.clear();
    QCOMPARE(texts(environmentDifferences(a, vm)),
        (QStringList { QStringLiteral("governor: performance in A, not readable in B"),
            QStringLiteral("turbo: on in A, not readable in B") }));
    QCOMPARE(texts(environmentDifferences(a, vm), true), QStringList());
}

void TestEnvironment::labelAndCommitAreRecorded()
{
    QTemporaryDir folder;
    QVERIFY(folder.isValid());
    const QString repo = folder.filePath(QStringLiteral("repo"));
    const QString plain = folder.filePath(QStringLiteral("plain"));
    QVERIFY(QDir().mkpath(repo) && QDir().mkpath(plain));
    const QString history = folder.filePath(QStringLiteral("history.sqlite"));
    const QString git = QStringLiteral("git");
    for (const QStringList& step : { QStringList { QStringLiteral("init"), QStringLiteral("-q") },
             QStringList { QStringLiteral("-c"), QStringLiteral("user.name=t"), QStringLiteral("-c"),
                 QStringLiteral("user.email=t@example.org"), QStringLiteral("commit"), QStringLiteral("-q"),
                 QStringLiteral("--allow-empty"), QStringLiteral("-m"), QStringLiteral("first") } }) {
        const Output done = runIn(repo, git, step); // git is one of dev.sh's packages
        QVERIFY2(done.exitCode == 0, qPrintable(done.err));
    }
    const Output head = runIn(repo, git, { QStringLiteral("rev-parse"), QStringLiteral("HEAD") });
    QCOMPARE(head.exitCode, 0);
    const QString commit = head.out.trimmed();
    QCOMPARE(commit.size(), 40);

    // In the repository: its HEAD, and the label given.
    const Output inRepo = runIn(repo, QStringLiteral(PARLAB_EXECUTABLE),
        quickRun(history) + QStringList { QStringLiteral("--label"), QStringLiteral("before") });
    QVERIFY2(inRepo.exitCode == 0, qPrintable(inRepo.err));
    QJsonObject env = environmentOf(inRepo.out);
    QCOMPARE(env.value(QStringLiteral("commit")).toString(), commit);
    QCOMPARE(env.value(QStringLiteral("label")).toString(), QStringLiteral("before"));
    QCOMPARE(env.value(QStringLiteral("hostname")).toString(), QSysInfo::machineHostName());

    // --commit wins over the repository's HEAD.
    const Output given = runIn(repo, QStringLiteral(PARLAB_EXECUTABLE),
        quickRun(history) + QStringList { QStringLiteral("--commit"), QStringLiteral("v1.2-rc1") });
    QVERIFY2(given.exitCode == 0, qPrintable(given.err));
    QCOMPARE(environmentOf(given.out).value(QStringLiteral("commit")).toString(), QStringLiteral("v1.2-rc1"));

    // Outside any repository: no commit, no label.
    const Output outside = runIn(plain, QStringLiteral(PARLAB_EXECUTABLE), quickRun(history));
    QVERIFY2(outside.exitCode == 0, qPrintable(outside.err));
    env = environmentOf(outside.out);
    QVERIFY(env.value(QStringLiteral("commit")).isNull());
    QVERIFY(env.value(QStringLiteral("label")).isNull());
    // Sampled while the run measured (where this machine shows a clock).
    if (!readFrequencies().mhz.isEmpty())
        QVERIFY(env.value(QStringLiteral("frequency")).toObject().value(QStringLiteral("readings")).toInt() >= 1);

    // The history keeps them: `history show` says what the run was recorded as.
    const Output shown = runIn(plain, QStringLiteral(PARLAB_EXECUTABLE),
        { QStringLiteral("history"), QStringLiteral("show"), QStringLiteral("1"), QStringLiteral("--history-db"),
            history });
    QVERIFY2(shown.exitCode == 0, qPrintable(shown.err));
    QVERIFY2(
        shown.out.contains(QStringLiteral("recorded as: label before · commit %1").arg(commit)), qPrintable(shown.out));
}

void TestEnvironment::compareNamesTheDifferenceAndSaysNotComparable()
{
    QTemporaryDir folder;
    QVERIFY(folder.isValid());
    const QString history = folder.filePath(QStringLiteral("history.sqlite"));
    const Output run = runIn(folder.path(), QStringLiteral(PARLAB_EXECUTABLE), quickRun(history));
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    // B: the same run made 3 times slower (well past any noise), as a regression would, then recorded on another host
    // or governor. Written as JSON exports and imported, as a run from another machine comes in.
    const QJsonObject a = QJsonDocument::fromJson(run.out.toUtf8()).object();
    QJsonObject slower = a;
    QJsonArray results = slower.value(QStringLiteral("results")).toArray();
    for (qsizetype i = 0; i < results.size(); ++i) {
        QJsonObject r = results.at(i).toObject();
        QJsonArray samples;
        for (const QJsonValue s : r.value(QStringLiteral("samples_s")).toArray())
            samples.append(s.toDouble() * 3);
        r.insert(QStringLiteral("samples_s"), samples);
        results.replace(i, r);
    }
    slower.insert(QStringLiteral("results"), results);
    const auto withEnvironment = [](QJsonObject changed, const QString& key, const QString& value) {
        QJsonObject env = changed.value(QStringLiteral("environment")).toObject();
        env.insert(key, value);
        changed.insert(QStringLiteral("environment"), env);
        return changed;
    };
    const auto import = [&](const QJsonObject& object, const QString& name) {
        const QString file = folder.filePath(name);
        QFile out(file);
        if (!out.open(QIODevice::WriteOnly) || out.write(QJsonDocument(object).toJson()) < 0)
            return false;
        out.close();
        return runIn(folder.path(), QStringLiteral(PARLAB_EXECUTABLE),
                   { QStringLiteral("history"), QStringLiteral("import"), file, QStringLiteral("--history-db"),
                       history })
                   .exitCode
            == 0;
    };
    QVERIFY(import(slower, QStringLiteral("same.json"))); // run 2
    QVERIFY(import(withEnvironment(slower, QStringLiteral("hostname"), QStringLiteral("beta")),
        QStringLiteral("host.json"))); // run 3
    // This VM's governor is not readable: A and B both get one, as two runs on a laptop would.
    QVERIFY(import(withEnvironment(a, QStringLiteral("governor"), QStringLiteral("performance")),
        QStringLiteral("governor-a.json"))); // run 4
    QVERIFY(import(withEnvironment(slower, QStringLiteral("governor"), QStringLiteral("powersave")),
        QStringLiteral("governor-b.json"))); // run 5
    const auto compare
        = [&](const QString& b, const QStringList& more = {}, const QString& first = QStringLiteral("1")) {
              return runIn(folder.path(), QStringLiteral(PARLAB_EXECUTABLE),
                  QStringList { QStringLiteral("history"), QStringLiteral("compare"), first, b,
                      QStringLiteral("--history-db"), history }
                      + more);
          };

    // The same machine: slower, so the check below can fail.
    const Output same = compare(QStringLiteral("2"));
    QVERIFY2(same.exitCode == 0, qPrintable(same.err));
    QVERIFY2(saysSlower(same.out), qPrintable(same.out));
    QVERIFY2(!same.out.contains(QStringLiteral("environment:")), qPrintable(same.out));

    const QString host = QSysInfo::machineHostName();
    const Output otherHost = compare(QStringLiteral("3"));
    qInfo("%s", qPrintable(otherHost.out));
    QVERIFY2(otherHost.exitCode == 0, qPrintable(otherHost.err));
    QVERIFY2(otherHost.out.startsWith(QStringLiteral("environment: host: %1 in A, beta in B\n").arg(host)),
        qPrintable(otherHost.out));
    QVERIFY2(!saysSlower(otherHost.out), qPrintable(otherHost.out));
    QVERIFY2(otherHost.out.contains(QStringLiteral("not comparable: the runs were measured on different machines")),
        qPrintable(otherHost.out));

    const Output governor = compare(QStringLiteral("5"), {}, QStringLiteral("4"));
    qInfo("%s", qPrintable(governor.out));
    QVERIFY2(governor.exitCode == 0, qPrintable(governor.err));
    QVERIFY2(governor.out.startsWith(QStringLiteral("environment: governor: performance in A, powersave in B\n")),
        qPrintable(governor.out));
    QVERIFY2(!saysSlower(governor.out), qPrintable(governor.out));

    // --across-machines: judged, and cautioned.
    const Output across = compare(QStringLiteral("3"), { QStringLiteral("--across-machines") });
    QVERIFY2(across.exitCode == 0, qPrintable(across.err));
    QVERIFY2(across.out.contains(QStringLiteral("B is slower")), qPrintable(across.out));
    QVERIFY2(across.out.contains(QStringLiteral("caution: compared across machines: the times differ by the "
                                                "machines too (host: %1 in A, beta in B)")
                                     .arg(host)),
        qPrintable(across.out));
    const Output json = compare(QStringLiteral("3"), { QStringLiteral("--format"), QStringLiteral("json") });
    const QJsonObject c = QJsonDocument::fromJson(json.out.toUtf8()).object();
    QCOMPARE(c.value(QStringLiteral("overall")).toString(), QStringLiteral("not comparable"));
    QCOMPARE(c.value(QStringLiteral("comparable")).toBool(), false);
    QCOMPARE(c.value(QStringLiteral("machine_differences")).toArray().size(), 1);
}

QTEST_GUILESS_MAIN(TestEnvironment)
#include "tst_environment.moc"
