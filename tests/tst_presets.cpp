// The shipped experiment presets: every one loads and can run as written, broken files are reported with
// the preset and field named, and `parlab list presets` / `parlab run --preset` work end to end.

#include "backends/backend.h"
#include "backends/backendregistry.h"
#include "experimentspec.h"
#include "installlayout.h"
#include "presets.h"
#include "testsupport.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>
#include <QTest>

using namespace parlab;

namespace {
using testsupport::runParlab;

// The spec with the backends this machine cannot run (no mpirun, say) left out, and why they were.
ExperimentSpec runnableHere(ExperimentSpec spec, QStringList& skipped)
{
    QStringList backends;
    for (const QString& id : std::as_const(spec.backends)) {
        if (const Availability a = BackendRegistry::availability(id, spec.options); !a.available)
            skipped.append(QStringLiteral("%1 (%2)").arg(id, a.reason));
        else
            backends.append(id);
    }
    spec.backends = backends;
    return spec;
}

const QByteArray kGood = R"({
    "name": "demo", "title": "Demo", "description": "Shows nothing.", "kernel": "fib",
    "inputs": "30..32", "backends": ["sequential", "threads"], "workers": "1,2", "repeats": 2, "warmup": 0,
    "options": {"chunksize": 2}
})";
} // namespace

class TestPresets : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void shipsTheLessonPresets();
    void everyPresetLoadsAndValidates_data();
    void everyPresetLoadsAndValidates();
    void classicIsTheMultiprocessingExample();
    void autoWorkersAreTheDefaultCounts();
    void parsesAFile();
    void brokenFileNamesPresetAndField_data();
    void brokenFileNamesPresetAndField();
    void unknownPresetSuggestsTheClosest();
    void cliListsPresets();
    void cliRunsAPresetWithOverrides();
    void cliRejectsAnUnknownPreset();
    void examplePresetsRunTheShippedExamples();
};

void TestPresets::shipsTheLessonPresets()
{
    const QStringList names = Presets::names();
    for (const char* name :
        { "classic", "io-sleep", "balanced-spin", "uneven-mandelbrot", "startup-cost", "mpi-classic" })
        QVERIFY2(names.contains(QLatin1String(name)), name);
    QCOMPARE(QSet<QString>(names.cbegin(), names.cend()).size(), names.size());
    // A preset that fails to load is dropped from all(): every one must load.
    QCOMPARE(Presets::all().size(), names.size());
    // The source folder and the compiled-in resource agree: no file forgotten in presets.qrc.
    const QStringList files = QDir(QStringLiteral(PARLAB_SOURCE_DIR "/resources/presets"))
                                  .entryList({ QStringLiteral("*.json") }, QDir::Files, QDir::Name);
    QStringList fileNames;
    for (const QString& f : files)
        fileNames.append(QFileInfo(f).completeBaseName());
    QCOMPARE(fileNames, names);
}

void TestPresets::everyPresetLoadsAndValidates_data()
{
    QTest::addColumn<QString>("name");
    for (const QString& name : Presets::names())
        QTest::newRow(qPrintable(name)) << name;
}

void TestPresets::everyPresetLoadsAndValidates()
{
    QFETCH(QString, name);
    const auto preset = Presets::find(name);
    QVERIFY2(preset, qPrintable(preset.error()));
    QCOMPARE(preset->name, name);
    QVERIFY(!preset->title.isEmpty());
    QVERIFY2(preset->description.size() >= 40, "a description a teacher can read out");
    QVERIFY2(preset->description.endsWith(QLatin1Char('.')), qPrintable(preset->description));
    QVERIFY(!preset->inputsText.isEmpty());
    QVERIFY(!preset->workersText.isEmpty());
    QVERIFY(!preset->spec.inputs.isEmpty());
    QVERIFY(!preset->spec.workers.isEmpty());
    // Every named backend exists; those this machine lacks are the only thing allowed to stop a run.
    for (const QString& id : preset->spec.backends)
        QVERIFY2(BackendRegistry::ids().contains(id), qPrintable(id));
    QStringList skipped;
    const ExperimentSpec here = runnableHere(preset->spec, skipped);
    if (!skipped.isEmpty())
        qInfo("%s: not runnable here: %s", qPrintable(name), qPrintable(skipped.join(QStringLiteral(", "))));
    QVERIFY(!here.backends.isEmpty());
    const QString invalid = validateSpec(here).error();
    QVERIFY2(invalid.isEmpty(), qPrintable(invalid));
    if (skipped.isEmpty())
        QCOMPARE(validateSpec(preset->spec).error(), QString());
}

void TestPresets::classicIsTheMultiprocessingExample()
{
    const auto classic = Presets::find(QStringLiteral("classic"));
    QVERIFY(classic);
    QCOMPARE(classic->spec.kernel, QStringLiteral("fib"));
    QCOMPARE(classic->spec.inputs, (QList<qint64> { 38, 37, 36, 35, 34, 33 }));
    QCOMPARE(classic->spec.backends,
        (QStringList { QStringLiteral("sequential"), QStringLiteral("threads"), QStringLiteral("processes") }));
    QCOMPARE(classic->workersText, QStringLiteral("auto"));
    QCOMPARE(classic->spec.workers, defaultWorkerCounts());

    const auto mpi = Presets::find(QStringLiteral("mpi-classic"));
    QVERIFY(mpi);
    QCOMPARE(mpi->spec.inputs, classic->spec.inputs);
    QVERIFY(mpi->spec.backends.contains(QStringLiteral("mpi")));
}

void TestPresets::autoWorkersAreTheDefaultCounts()
{
    for (const Preset& p : Presets::all()) {
        if (p.workersText == QStringLiteral("auto"))
            QCOMPARE(p.spec.workers, defaultWorkerCounts());
    }
    const auto io = Presets::find(QStringLiteral("io-sleep"));
    QVERIFY(io);
    QCOMPARE(io->spec.kernel, QStringLiteral("sleep"));
    // I/O-bound work scales past the cores only if the preset asks for more workers than most machines have.
    QVERIFY(*std::max_element(io->spec.workers.cbegin(), io->spec.workers.cend()) >= 8);
}

void TestPresets::parsesAFile()
{
    const auto p = Presets::fromJson(QStringLiteral("demo"), kGood);
    QVERIFY2(p, qPrintable(p.error()));
    QCOMPARE(p->spec.inputs, (QList<qint64> { 30, 31, 32 }));
    QCOMPARE(p->spec.workers, (QList<int> { 1, 2 }));
    QCOMPARE(p->spec.repeats, 2);
    QCOMPARE(p->spec.warmup, 0);
    QCOMPARE(p->spec.options.chunksize, 2);
    QCOMPARE(p->inputsText, QStringLiteral("30..32"));

    // Only the essentials are required: workers auto, ExperimentSpec's repeats and warmup.
    const auto minimal = Presets::fromJson(QStringLiteral("m"),
        R"({"name":"m","title":"M","description":"D.","kernel":"noop","inputs":"1","backends":["sequential"]})");
    QVERIFY2(minimal, qPrintable(minimal.error()));
    QCOMPARE(minimal->workersText, QStringLiteral("auto"));
    QCOMPARE(minimal->spec.workers, defaultWorkerCounts());
    QCOMPARE(minimal->spec.repeats, ExperimentSpec().repeats);
    QCOMPARE(minimal->spec.warmup, ExperimentSpec().warmup);
}

void TestPresets::brokenFileNamesPresetAndField_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("message");
    auto with = [](const char* from, const char* to) { return QByteArray(kGood).replace(from, to); };
    QTest::newRow("not json") << QByteArray("{ \"name\": ") << QStringLiteral("preset 'demo': not valid JSON");
    QTest::newRow("array") << QByteArray("[]") << QStringLiteral("preset 'demo': the file must hold one JSON object");
    QTest::newRow("bad inputs") << with(R"("30..32")", R"("30,31..")")
                                << QStringLiteral("preset 'demo': field 'inputs': at column 4 ('31..'): the range "
                                                  "has no end");
    QTest::newRow("input out of range") << with(R"("30..32")", R"("30,90")")
                                        << QStringLiteral("preset 'demo': field 'inputs': fib: input 90 is above 50");
    QTest::newRow("bad workers") << with(R"("1,2")", R"("1,x")")
                                 << QStringLiteral("preset 'demo': field 'workers': at column 3 ('x')");
    QTest::newRow("workers 0") << with(R"("1,2")", R"("0,2")")
                               << QStringLiteral("preset 'demo': field 'workers': 0 is out of range");
    QTest::newRow("workers number") << with(R"("1,2")", "4")
                                    << QStringLiteral("preset 'demo': field 'workers': must be a string");
    QTest::newRow("unknown kernel") << with(R"("fib")",
        R"("fibb")") << QStringLiteral("preset 'demo': field 'kernel': unknown kernel 'fibb': did you mean 'fib'?");
    QTest::newRow("unknown backend") << with(R"("threads")", R"("thread")")
                                     << QStringLiteral("preset 'demo': field 'backends': unknown backend 'thread': "
                                                       "did you mean 'threads'?");
    QTest::newRow("no backends") << with(R"(["sequential", "threads"])", "[]")
                                 << QStringLiteral("preset 'demo': field 'backends': missing");
    QTest::newRow("missing title") << with(R"("title": "Demo",)", "")
                                   << QStringLiteral("preset 'demo': field 'title': missing");
    QTest::newRow("name differs") << with(R"("name": "demo")", R"("name": "other")")
                                  << QStringLiteral("preset 'demo': field 'name': 'other' differs from the file name");
    QTest::newRow("repeats 0") << with(R"("repeats": 2)", R"("repeats": 0)")
                               << QStringLiteral("preset 'demo': field 'repeats': 0 is out of range, use 1 to 10000");
    QTest::newRow("repeats text") << with(R"("repeats": 2)", R"("repeats": "2")")
                                  << QStringLiteral("preset 'demo': field 'repeats'");
    QTest::newRow("order negative") << with(R"("repeats": 2)", R"("repeats": 2, "order": -1)")
                                    << QStringLiteral("preset 'demo': field 'order': not a whole number of at least 0");
    QTest::newRow("order text") << with(R"("repeats": 2)", R"("repeats": 2, "order": "first")")
                                << QStringLiteral("preset 'demo': field 'order': not a whole number of at least 0");
    QTest::newRow("warmup fraction") << with(R"("warmup": 0)", R"("warmup": 0.5)")
                                     << QStringLiteral("preset 'demo': field 'warmup'");
    QTest::newRow("option out of range")
        << with(R"({"chunksize": 2})", R"({"chunksize": 0})")
        << QStringLiteral("preset 'demo': field 'options': chunksize must be a whole number from 1 to 1000000, not 0");
    QTest::newRow("misspelt option") << with(R"({"chunksize": 2})", R"({"chunksze": 2})")
                                     << QStringLiteral("preset 'demo': field 'options': unknown option 'chunksze': did "
                                                       "you mean 'chunksize'?");
    QTest::newRow("option of the wrong type")
        << with(R"({"chunksize": 2})", R"({"release_gil": "yes"})")
        << QStringLiteral("preset 'demo': field 'options': release_gil must be true or false, not 'yes'");
    QTest::newRow("options not an object") << with(R"({"chunksize": 2})", R"(["chunksize"])")
                                           << QStringLiteral("preset 'demo': field 'options': must be an object");
    QTest::newRow("misspelt field") << with(R"("warmup")", R"("warmups")")
                                    << QStringLiteral("preset 'demo': unknown field 'warmups': did you mean 'warmup'?");
}

void TestPresets::brokenFileNamesPresetAndField()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, message);
    const auto preset = Presets::fromJson(QStringLiteral("demo"), json);
    QVERIFY(!preset);
    QVERIFY2(preset.error().startsWith(message), qPrintable(preset.error()));
}

void TestPresets::unknownPresetSuggestsTheClosest()
{
    QString error = Presets::find(QStringLiteral("clasic")).error();
    QVERIFY2(error.startsWith(QStringLiteral("unknown preset 'clasic': did you mean 'classic'? (known: ")),
        qPrintable(error));
    error = Presets::find(QStringLiteral("../presets/classic")).error();
    QVERIFY(error.startsWith(QStringLiteral("unknown preset")));
}

void TestPresets::cliListsPresets()
{
    const testsupport::Result table = runParlab({ QStringLiteral("list"), QStringLiteral("presets") });
    QVERIFY2(table.code == 0, qPrintable(table.err));
    QVERIFY(table.out.startsWith(QStringLiteral("NAME ")));
    for (const char* column : { "TITLE", "KERNEL", "BACKENDS" })
        QVERIFY2(table.out.section(QLatin1Char('\n'), 0, 0).contains(QLatin1String(column)), column);
    for (const Preset& p : Presets::all()) {
        QVERIFY2(table.out.contains(QLatin1Char('\n') + p.name + QLatin1Char(' ')), qPrintable(p.name));
        QVERIFY2(table.out.contains(p.title), qPrintable(p.title));
    }
    QVERIFY(table.out.contains(QStringLiteral("fib")));
    QVERIFY(table.out.contains(QStringLiteral("sequential,threads,processes")));

    const testsupport::Result json = runParlab(
        { QStringLiteral("list"), QStringLiteral("presets"), QStringLiteral("--format"), QStringLiteral("json") });
    QVERIFY2(json.code == 0, qPrintable(json.err));
    QJsonParseError error;
    const QJsonArray array = QJsonDocument::fromJson(json.out.toUtf8(), &error).array();
    QCOMPARE(error.error, QJsonParseError::NoError);
    QStringList names;
    for (const auto& v : array) {
        const QJsonObject o = v.toObject();
        names.append(o.value(QStringLiteral("name")).toString());
        for (const char* key :
            { "title", "description", "kernel", "inputs", "backends", "workers", "repeats", "warmup", "options" })
            QVERIFY2(o.contains(QLatin1String(key)), key);
        QVERIFY(!o.value(QStringLiteral("backends")).toArray().isEmpty());
    }
    // Listed in the order a newcomer meets them, the classic first; every preset once.
    QStringList listed;
    for (const Preset& p : Presets::all())
        listed.append(p.name);
    QCOMPARE(names, listed);
    QCOMPARE(names.first(), QStringLiteral("classic"));
    QStringList sorted = names;
    sorted.sort();
    QCOMPARE(sorted, Presets::names());

    const testsupport::Result bad = runParlab({ QStringLiteral("list"), QStringLiteral("colours") });
    QCOMPARE(bad.code, 2);
    QVERIFY2(bad.err.contains(QStringLiteral("presets")), qPrintable(bad.err));
}

void TestPresets::cliRunsAPresetWithOverrides()
{
    const auto preset = Presets::find(QStringLiteral("balanced-spin"));
    QVERIFY(preset);
    // Options given override the preset's; shorter inputs keep the run quick.
    const testsupport::Result r = runParlab({ QStringLiteral("run"), QStringLiteral("--preset"),
        QStringLiteral("balanced-spin"), QStringLiteral("--repeat"), QStringLiteral("1"), QStringLiteral("--warmup"),
        QStringLiteral("0"), QStringLiteral("--workers"), QStringLiteral("1,2"), QStringLiteral("--inputs"),
        QStringLiteral("20x4"), QStringLiteral("--format"), QStringLiteral("json") });
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QJsonParseError error;
    const QJsonObject top = QJsonDocument::fromJson(r.out.toUtf8(), &error).object();
    QCOMPARE(error.error, QJsonParseError::NoError);
    const QJsonObject spec = top.value(QStringLiteral("spec")).toObject();
    QCOMPARE(spec.value(QStringLiteral("kernel")).toString(), preset->spec.kernel);
    QCOMPARE(spec.value(QStringLiteral("repeats")).toInt(), 1);
    QCOMPARE(spec.value(QStringLiteral("warmup")).toInt(), 0);
    // What was not overridden comes from the preset: its backends, each at the two worker counts given.
    QStringList backends;
    for (const auto& v : spec.value(QStringLiteral("backends")).toArray())
        backends.append(v.toString());
    QCOMPARE(backends, preset->spec.backends);
    const QJsonArray results = top.value(QStringLiteral("results")).toArray();
    QCOMPARE(results.size(), 1 + 2 * (preset->spec.backends.size() - 1));
    for (const auto& v : results)
        QCOMPARE(v.toObject().value(QStringLiteral("samples_s")).toArray().size(), 1);
}

void TestPresets::cliRejectsAnUnknownPreset()
{
    const testsupport::Result r
        = runParlab({ QStringLiteral("run"), QStringLiteral("--preset"), QStringLiteral("clasic") }, 10'000);
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains(QStringLiteral("unknown preset 'clasic': did you mean 'classic'?")), qPrintable(r.err));
    for (const QString& name : Presets::names())
        QVERIFY2(r.err.contains(name), qPrintable(name));
    QVERIFY(r.out.isEmpty());
    QVERIFY2(r.ms < 5'000, "a rejected run must not measure anything");

    // A preset's own values are checked like typed ones: a bad override is still a usage error.
    const testsupport::Result bad
        = runParlab({ QStringLiteral("run"), QStringLiteral("--preset"), QStringLiteral("classic"),
                        QStringLiteral("--inputs"), QStringLiteral("30,90") },
            10'000);
    QCOMPARE(bad.code, 2);
    QVERIFY2(bad.err.contains(QStringLiteral("fib: input 90 is above 50")), qPrintable(bad.err));
}

// The presets of examples/ name them where this program finds them (the build tree mirrors an install), and each
// passes the check a run makes first: the file is there and the interpreter finds the function in it.
void TestPresets::examplePresetsRunTheShippedExamples()
{
    const QString examples = helperPath(Helper::Examples);
    QVERIFY2(QFileInfo(examples + QStringLiteral("/python/hashing.py")).isFile(), qPrintable(examples));
    const QString libraries = helperPath(Helper::ExampleLibraries);
    QVERIFY2(QFileInfo(libraries + QStringLiteral("/libcollatz.so")).isFile(), qPrintable(libraries));
    QStringList seen;
    for (const Preset& preset : Presets::all()) {
        if (!preset.spec.kernel.startsWith(QStringLiteral("py:"))
            && !preset.spec.kernel.startsWith(QStringLiteral("lib:")))
            continue;
        seen << preset.name;
        for (const QString& place : { Presets::kExamplesPlace, Presets::kExampleLibrariesPlace })
            QVERIFY2(!preset.spec.kernel.contains(place), qPrintable(preset.spec.kernel));
        QVERIFY2(preset.spec.kernel.startsWith(QStringLiteral("py:") + examples)
                || preset.spec.kernel.startsWith(QStringLiteral("lib:") + libraries),
            qPrintable(preset.spec.kernel));
        const Result<void> valid = validateSpec(preset.spec, SpecCheck::RunHere);
        QVERIFY2(valid, qPrintable(preset.name + QStringLiteral(": ") + valid.error()));
    }
    seen.sort();
    QCOMPARE(seen,
        (QStringList { QStringLiteral("c-collatz"), QStringLiteral("python-function"), QStringLiteral("python-hashing"),
            QStringLiteral("python-racy") }));
}

QTEST_GUILESS_MAIN(TestPresets)
#include "tst_presets.moc"
