// What a user can hand ParLab and what ParLab prints back (issue 12): a JSON export, however damaged, either
// imports exactly as written or is refused with the field named, never stored with a number silently changed;
// files that are no exports (/dev/zero, a FIFO, a folder, an oversized file) are refused before reading; an export
// the run could not write is refused before anything is measured; output that cannot be written fails the
// command; and nothing read from a file drives the terminal it is printed on.

#include "atomicfile.h"
#include "export/formatting.h"
#include "export/jsonexport.h"
#include "export/jsonimport.h"
#include "runresult.h"
#include "testsupport.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <sys/stat.h>
#include <unistd.h>

using namespace parlab;
using testsupport::runParlab;

namespace {
QByteArray readFixture(const QString& name)
{
    QFile file(QStringLiteral(PARLAB_SOURCE_DIR "/tests/fixtures/") + name);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// One step into a JSON tree: a member's key, or an element's index.
struct Step {
    QString key;
    qsizetype index = -1;
};
using Path = QList<Step>;

// "results[2].workers", as the importer names fields.
QString pathText(const Path& path)
{
    QString text;
    for (const Step& s : path) {
        if (s.index >= 0)
            text += QStringLiteral("[%1]").arg(s.index);
        else
            text += (text.isEmpty() ? QString() : QStringLiteral(".")) + s.key;
    }
    return text;
}

// Every node under `value` (not the root itself), depth first.
void collect(const QJsonValue& value, const Path& at, QList<Path>& out)
{
    if (value.isObject()) {
        const QJsonObject o = value.toObject();
        for (auto it = o.constBegin(); it != o.constEnd(); ++it) {
            Path p = at;
            p.append({ it.key() });
            out.append(p);
            collect(it.value(), p, out);
        }
    } else if (value.isArray()) {
        const QJsonArray a = value.toArray();
        for (qsizetype i = 0; i < a.size(); ++i) {
            Path p = at;
            p.append({ {}, i });
            out.append(p);
            collect(a.at(i), p, out);
        }
    }
}

QJsonValue nodeAt(QJsonValue value, const Path& path)
{
    for (const Step& s : path)
        value = s.index >= 0 ? value.toArray().at(s.index) : value.toObject().value(s.key);
    return value;
}

enum class Edit { Replace, Remove, Rename };

// `node` with the value at `path` replaced, removed (a member or an element) or renamed (a member).
QJsonValue edited(const QJsonValue& node, const Path& path, qsizetype at, Edit edit, const QJsonValue& with)
{
    const Step& step = path[at];
    const bool last = at + 1 == path.size();
    if (step.index < 0) {
        QJsonObject o = node.toObject();
        if (!last)
            o.insert(step.key, edited(o.value(step.key), path, at + 1, edit, with));
        else if (edit == Edit::Replace)
            o.insert(step.key, with);
        else if (edit == Edit::Remove)
            o.remove(step.key);
        else
            o.insert(step.key + QStringLiteral("_renamed"), o.take(step.key));
        return o;
    }
    QJsonArray a = node.toArray();
    if (!last)
        a[step.index] = edited(a.at(step.index), path, at + 1, edit, with);
    else if (edit == Edit::Replace)
        a[step.index] = with;
    else
        a.removeAt(step.index);
    return a;
}

bool exactInteger(const QJsonValue& v)
{
    return v.isDouble() && v.toInteger(0) == v.toInteger(1);
}

// Where `output` differs from `input` in a field both have: the import changed what the file said. Fields only
// one side has are not compared (removed or renamed in the input, or derived on import); `tool` and `version`
// describe the program that wrote a file, which the import does not read and the export writes as itself, and
// `predicted_speedup` is the schedule simulator's, which every export derives again from the figures around it
// (from a run's per-repeat accounts, which a file does not carry, or from the file's losses).
void differences(const QJsonValue& in, const QJsonValue& out, const QString& path, QStringList& found)
{
    if (in.isObject() && out.isObject()) {
        const QJsonObject a = in.toObject(), b = out.toObject();
        for (auto it = a.constBegin(); it != a.constEnd(); ++it) {
            if (path.isEmpty() && (it.key() == QStringLiteral("tool") || it.key() == QStringLiteral("version")))
                continue;
            // The fits are derived from the speedups on import (JsonExport::fitsObject): a changed sample moves them.
            if (path.isEmpty() && it.key() == QStringLiteral("fits"))
                continue;
            if (it.key() == QStringLiteral("predicted_speedup"))
                continue;
            if (b.contains(it.key()))
                differences(it.value(), b.value(it.key()), path + QLatin1Char('.') + it.key(), found);
        }
        return;
    }
    if (in.isArray() && out.isArray()) {
        const QJsonArray a = in.toArray(), b = out.toArray();
        if (a.size() != b.size()) {
            found.append(QStringLiteral("%1: %2 elements became %3").arg(path).arg(a.size()).arg(b.size()));
            return;
        }
        for (qsizetype i = 0; i < a.size(); ++i)
            differences(a.at(i), b.at(i), QStringLiteral("%1[%2]").arg(path).arg(i), found);
        return;
    }
    const bool same = in.type() == out.type()
        && (in.isDouble() ? (exactInteger(in) ? exactInteger(out) && in.toInteger() == out.toInteger()
                                              : in.toDouble() == out.toDouble())
                          : in == out);
    if (!same)
        found.append(QStringLiteral("%1: %2 became %3")
                         .arg(path, QString::fromUtf8(QJsonDocument(QJsonArray { in }).toJson(QJsonDocument::Compact)),
                             QString::fromUtf8(QJsonDocument(QJsonArray { out }).toJson(QJsonDocument::Compact))));
}

bool within(const QString& inner, const QString& outer)
{
    return inner.startsWith(outer + QLatin1Char('.')) || inner.startsWith(outer + QLatin1Char('['));
}

// Whether `error` names the field at `path`: the field itself, one that holds it ("results[1]: threads x1 appears
// twice" for a changed workers, "spec.options: chunksize must be ..." for an option), one inside it (a value
// replaced by an object that lacks what the value had), or, for a sample removed or changed, an outlier of the
// same measurement that no longer points at a sample.
bool namesField(const QString& error, const QString& path)
{
    const QString field = error.section(QStringLiteral(": "), 0, 0);
    if (field.isEmpty())
        return false;
    if (path == field || within(path, field) || within(field, path))
        return true;
    static const QRegularExpression measurement(QStringLiteral("^(results\\[\\d+\\])\\.samples_s"));
    const QRegularExpressionMatch m = measurement.match(path);
    // A sample taken away or added is refused where the measurement's parts that count its samples no longer agree:
    // its outliers' indices, its usage's one entry per sample.
    return m.hasMatch()
        && (field.startsWith(m.captured(1) + QStringLiteral(".outliers"))
            || field.startsWith(m.captured(1) + QStringLiteral(".usage")));
}

struct CorpusFigures {
    int tried = 0, exact = 0, refused = 0;
    QStringList other; // each a description of a file that was neither: must stay empty
};

// Seeded mutations of `base`: numbers replaced by values no field may silently change (1e300, -1, 0, 2^31, 2^63,
// 4294967297, 0.5), any value by a string, null, an array or an object, members removed or renamed, elements
// removed, and the text cut short.
void runCorpus(const QJsonObject& base, quint32 seed, int count, CorpusFigures& figures)
{
    QList<Path> paths;
    collect(base, {}, paths);
    QList<Path> numbers, members;
    for (const Path& p : std::as_const(paths)) {
        if (nodeAt(base, p).isDouble())
            numbers.append(p);
        if (p.constLast().index < 0)
            members.append(p);
    }
    const QList<QJsonValue> badNumbers { 1e300, -1, 0, 2147483648.0, 9223372036854775808.0, 4294967297.0, 0.5 };
    const QList<QJsonValue> others { QStringLiteral("x"), QString(), QStringLiteral("\x1b[31mred\x07"),
        QJsonValue::Null, QJsonArray {}, QJsonObject {}, QJsonArray { 1, 2 }, true };
    const QByteArray indented = QJsonDocument(base).toJson(QJsonDocument::Indented);
    QRandomGenerator random(seed);
    for (int i = 0; i < count; ++i) {
        QByteArray json;
        QString path, renamed;
        const int kind = int(random.bounded(10));
        if (kind <= 3) { // a number: half of all mutations, they are what the audit found changed
            const Path& p = numbers[random.bounded(int(numbers.size()))];
            path = pathText(p);
            json = QJsonDocument(
                edited(base, p, 0, Edit::Replace, badNumbers[random.bounded(int(badNumbers.size()))]).toObject())
                       .toJson(QJsonDocument::Compact);
        } else if (kind <= 5) { // any value replaced by another type
            const Path& p = paths[random.bounded(int(paths.size()))];
            path = pathText(p);
            json = QJsonDocument(
                edited(base, p, 0, Edit::Replace, others[random.bounded(int(others.size()))]).toObject())
                       .toJson(QJsonDocument::Compact);
        } else if (kind == 6) { // a member or an element removed
            const Path& p = paths[random.bounded(int(paths.size()))];
            path = pathText(p);
            json = QJsonDocument(edited(base, p, 0, Edit::Remove, {}).toObject()).toJson(QJsonDocument::Compact);
        } else if (kind == 7) { // a member renamed: the old name is missing, the new one unknown
            Path p = members[random.bounded(int(members.size()))];
            json = QJsonDocument(edited(base, p, 0, Edit::Rename, {}).toObject()).toJson(QJsonDocument::Compact);
            path = pathText(p);
            p.last().key += QStringLiteral("_renamed");
            renamed = pathText(p); // an error names the old key, now missing, or the new one, unknown
        } else if (kind == 8) { // an array or object where the other was
            const Path& p = paths[random.bounded(int(paths.size()))];
            path = pathText(p);
            const QJsonValue v = nodeAt(base, p);
            const QJsonValue swapped
                = v.isArray() ? QJsonValue(QJsonObject { { QStringLiteral("0"), 1 } }) : QJsonValue(QJsonArray { v });
            json = QJsonDocument(edited(base, p, 0, Edit::Replace, swapped).toObject()).toJson(QJsonDocument::Compact);
        } else { // cut short
            json = indented.left(random.bounded(int(indented.size())));
            path = QStringLiteral("(truncated at byte %1)").arg(json.size());
        }
        ++figures.tried;
        const Result<RunResult> imported = JsonImport::fromJson(json);
        if (!imported) {
            const bool truncated = kind == 9 && imported.error().startsWith(QStringLiteral("not valid JSON at byte"));
            if (truncated || namesField(imported.error(), path)
                || (!renamed.isEmpty() && namesField(imported.error(), renamed)))
                ++figures.refused;
            else
                figures.other.append(
                    QStringLiteral("%1: refused, but not naming the field: %2").arg(path, imported.error()));
            continue;
        }
        QStringList changed;
        differences(QJsonDocument::fromJson(json).object(), JsonExport::toObject(*imported), {}, changed);
        if (changed.isEmpty())
            ++figures.exact;
        else
            figures.other.append(QStringLiteral("%1: imported with %2").arg(path, changed.join(QStringLiteral("; "))));
    }
}

QJsonObject fixtureObject()
{
    return QJsonDocument::fromJson(readFixture(QStringLiteral("export-0.1.json"))).object();
}

// The 0.1 fixture with `path` (JSON keys, "results", 1, "workers") set to `value`.
QByteArray fixtureWith(const Path& path, const QJsonValue& value)
{
    return QJsonDocument(edited(fixtureObject(), path, 0, Edit::Replace, value).toObject()).toJson();
}

// Control characters on a line a terminal would act on: everything but tab and newline.
bool hasControl(const QString& text)
{
    static const QRegularExpression control(QStringLiteral("[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f]"));
    return control.match(text).hasMatch();
}
} // namespace

class TestImports : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void mutatedExportsImportExactlyOrNameTheField();
    void aRunOfALibraryElsewhereImports();
    void auditedValuesAreRefused_data();
    void auditedValuesAreRefused();
    void refusesWhatIsNoExportBeforeReading_data();
    void refusesWhatIsNoExportBeforeReading();
    void refusesAFileOverTheCap();
    void exportIntoAReadOnlyFolderIsRefusedBeforeMeasuring();
    void exportCheckLeavesNothingBehind();
    void exportToAFifoStaysAFifo();
    void outputThatCannotBeWrittenFails();
    void printableEscapesControlCharacters();
    void textFromFilesCannotDriveTheTerminal();

private:
    QTemporaryDir m_dir;
    QByteArray m_realRun; // the JSON of a small real run, measured once
    QString db() const { return m_dir.filePath(QStringLiteral("history.sqlite")); }
    QString write(const QString& name, const QByteArray& data) const
    {
        QFile file(m_dir.filePath(name));
        if (!file.open(QIODevice::WriteOnly) || file.write(data) != data.size())
            return {};
        return file.fileName();
    }
    int runsInHistory() const
    {
        const auto list = runParlab({ QStringLiteral("history"), QStringLiteral("list"), QStringLiteral("--format"),
            QStringLiteral("json"), QStringLiteral("--history-db"), db() });
        return list.code == 0 ? int(QJsonDocument::fromJson(list.out.toUtf8()).array().size()) : -1;
    }
};

void TestImports::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY(!readFixture(QStringLiteral("export-0.1.json")).isEmpty());
    // A real run with three backends, so measurements of processes (outliers, cpu) are in the corpus too.
    const auto run = runParlab({ QStringLiteral("run"), QStringLiteral("--kernel"), QStringLiteral("spin"),
        QStringLiteral("--inputs"), QStringLiteral("1,2,3"), QStringLiteral("--backends"),
        QStringLiteral("sequential,threads,processes"), QStringLiteral("--workers"), QStringLiteral("1,2"),
        QStringLiteral("--repeat"), QStringLiteral("4"), QStringLiteral("--warmup"), QStringLiteral("0"),
        QStringLiteral("--no-history"), QStringLiteral("--format"), QStringLiteral("json") });
    QVERIFY2(run.code == 0, qPrintable(run.err));
    m_realRun = run.out.toUtf8();
    QVERIFY(JsonImport::fromJson(m_realRun));
}

void TestImports::mutatedExportsImportExactlyOrNameTheField()
{
    CorpusFigures figures;
    runCorpus(fixtureObject(), 12, 1500, figures);
    runCorpus(QJsonDocument::fromJson(m_realRun).object(), 1201, 1500, figures);
    qInfo("mutated imports: %d files tried, %d imported exactly, %d refused naming the field, %lld otherwise",
        figures.tried, figures.exact, figures.refused, qlonglong(figures.other.size()));
    QVERIFY2(figures.other.isEmpty(), qPrintable(figures.other.mid(0, 10).join(QLatin1Char('\n'))));
    QCOMPARE(figures.exact + figures.refused, figures.tried);
    // Both outcomes occur often: a corpus of only refusals (or only harmless edits) would prove little.
    QVERIFY(figures.exact > figures.tried / 10);
    QVERIFY(figures.refused > figures.tried / 4);
}

void TestImports::aRunOfALibraryElsewhereImports()
{
    // Measured on another machine with the user's library there: this one need not have the file (nothing runs).
    QJsonObject run = QJsonDocument::fromJson(m_realRun).object();
    QJsonObject spec = run.value(QStringLiteral("spec")).toObject();
    const QString kernel = QStringLiteral("lib:/nowhere/on/this/machine/libgone.so:kernel");
    spec.insert(QStringLiteral("kernel"), kernel);
    run.insert(QStringLiteral("spec"), spec);
    const Result<RunResult> imported = JsonImport::fromObject(run);
    QVERIFY2(imported, qPrintable(imported.error()));
    QCOMPARE(imported->spec.kernel, kernel);
}

void TestImports::auditedValuesAreRefused_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("message");
    const Path results1Workers { { QStringLiteral("results") }, { {}, 1 }, { QStringLiteral("workers") } };
    QTest::newRow("inputs [1e300]") << fixtureWith({ { QStringLiteral("spec") }, { QStringLiteral("inputs") } },
        QJsonArray { 1e300 }) << QStringLiteral("spec.inputs[0]: 1e+300 is out of range, use ");
    QTest::newRow("spec workers [4294967297]")
        << fixtureWith({ { QStringLiteral("spec") }, { QStringLiteral("workers") } }, QJsonArray { 4294967297.0 })
        << QStringLiteral("spec.workers[0]: 4294967297 is out of range, use 1 to 1024");
    QTest::newRow("results workers 4294967297") << fixtureWith(results1Workers,
        4294967297.0) << QStringLiteral("results[1].workers: 4294967297 is out of range, use 1 to 1024");
    QTest::newRow("repeats 2^31") << fixtureWith({ { QStringLiteral("spec") }, { QStringLiteral("repeats") } },
        2147483648.0) << QStringLiteral("spec.repeats: 2147483648 is out of range, use 1 to 10000");
    QTest::newRow("repeats 0.5") << fixtureWith({ { QStringLiteral("spec") }, { QStringLiteral("repeats") } }, 0.5)
                                 << QStringLiteral("spec.repeats: 0.5 is not a whole number");
    QTest::newRow("unknown kernel") << fixtureWith({ { QStringLiteral("spec") }, { QStringLiteral("kernel") } },
        QStringLiteral("fibb")) << QStringLiteral("spec.kernel: unknown kernel 'fibb': did you mean 'fib'?");
    QTest::newRow("unknown backend") << fixtureWith(
        { { QStringLiteral("results") }, { {}, 1 }, { QStringLiteral("backend") } }, QStringLiteral("thread"))
                                     << QStringLiteral(
                                            "results[1].backend: unknown backend 'thread': did you mean 'threads'?");
    QTest::newRow("workers [0,-5]") << fixtureWith({ { QStringLiteral("spec") }, { QStringLiteral("workers") } },
        QJsonArray { 0, -5 }) << QStringLiteral("spec.workers[0]: 0 is out of range, use 1 to 1024");
    QTest::newRow("workers [2,-5]") << fixtureWith({ { QStringLiteral("spec") }, { QStringLiteral("workers") } },
        QJsonArray { 2, -5 }) << QStringLiteral("spec.workers[1]: -5 is out of range, use 1 to 1024");
    QTest::newRow("input above the kernel's range")
        << fixtureWith({ { QStringLiteral("spec") }, { QStringLiteral("inputs") } }, QJsonArray { 5, 600001 })
        << QStringLiteral("spec.inputs[1]: spin: input 600001 is above 600000");
    QTest::newRow("option out of range") << fixtureWith(
        { { QStringLiteral("spec") }, { QStringLiteral("options") }, { QStringLiteral("chunksize") } }, 1e300)
                                         << QStringLiteral("spec.options: chunksize must be a whole number from 1 to "
                                                           "1000000, not 1e+300");
    QTest::newRow("negative sample") << fixtureWith(
        { { QStringLiteral("results") }, { {}, 0 }, { QStringLiteral("samples_s") }, { {}, 1 } },
        -1) << QStringLiteral("results[0].samples_s[1]: -1 is out of range, use a number of 0 or more");
}

// Each through the real `parlab history import`: refused with exit code 1, the field named, nothing stored.
void TestImports::auditedValuesAreRefused()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, message);
    const QString file = write(QStringLiteral("audit.json"), json);
    QVERIFY(!file.isEmpty());
    const int before = runsInHistory();
    const auto imported = runParlab(
        { QStringLiteral("history"), QStringLiteral("import"), file, QStringLiteral("--history-db"), db() });
    QCOMPARE(imported.code, 1);
    QVERIFY2(imported.err.contains(message), qPrintable(imported.err));
    QCOMPARE(runsInHistory(), before);
}

void TestImports::refusesWhatIsNoExportBeforeReading_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("message");
    QTest::newRow("/dev/zero") << QStringLiteral("/dev/zero") << QStringLiteral("not a regular file");
    QTest::newRow("a folder") << QDir::tempPath() << QStringLiteral("it is a folder");
    QTest::newRow("missing") << QStringLiteral("/nonexistent-parlab/run.json")
                             << QStringLiteral("No such file or directory");
    QTest::newRow("a FIFO") << QStringLiteral("fifo") << QStringLiteral("not a regular file");
}

// /dev/zero read until the memory ran out (exit 134); a FIFO with no writer blocked the open for ever.
void TestImports::refusesWhatIsNoExportBeforeReading()
{
    QFETCH(QString, path);
    QFETCH(QString, message);
    if (path == QStringLiteral("fifo")) {
        path = m_dir.filePath(QStringLiteral("fifo"));
        QFile::remove(path);
        QCOMPARE(::mkfifo(QFile::encodeName(path).constData(), 0600), 0);
    }
    const Result<QByteArray> read = JsonImport::readFile(path);
    QVERIFY(!read);
    QVERIFY2(read.error().startsWith(QStringLiteral("cannot read '%1': ").arg(path)), qPrintable(read.error()));
    QVERIFY2(read.error().contains(message), qPrintable(read.error()));

    const auto imported = runParlab(
        { QStringLiteral("history"), QStringLiteral("import"), path, QStringLiteral("--history-db"), db() }, 20'000);
    QCOMPARE(imported.code, 1);
    QVERIFY2(imported.err.contains(message), qPrintable(imported.err));
}

// A sparse file one byte over the cap: refused by its size, with the cap in the message, nothing read.
void TestImports::refusesAFileOverTheCap()
{
    QFile big(m_dir.filePath(QStringLiteral("big.json")));
    QVERIFY(big.open(QIODevice::WriteOnly));
    QVERIFY(big.resize(JsonImport::kMaxFileBytes + 1));
    big.close();
    const QString cap = QStringLiteral("the %1 MiB an export can be").arg(JsonImport::kMaxFileMiB);
    const Result<QByteArray> read = JsonImport::readFile(big.fileName());
    QVERIFY(!read);
    QVERIFY2(read.error().contains(cap), qPrintable(read.error()));

    // At the cap it is read (and then refused for what it holds: zeros are no JSON).
    QVERIFY(big.resize(JsonImport::kMaxFileBytes));
    const Result<QByteArray> atCap = JsonImport::readFile(big.fileName());
    QVERIFY2(atCap, qPrintable(atCap.error()));
    QCOMPARE(atCap->size(), JsonImport::kMaxFileBytes);
    QVERIFY(big.remove());
}

// A writable file in a folder that takes no new files: the export writes a temporary file beside the target, so
// the run must refuse before measuring (exit 2, nothing printed) instead of failing after it (exit 1). Root
// writes into any folder, so as root the run is started as nobody.
void TestImports::exportIntoAReadOnlyFolderIsRefusedBeforeMeasuring()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString folder = dir.filePath(QStringLiteral("read-only"));
    QVERIFY(QDir().mkdir(folder));
    const QString target = folder + QStringLiteral("/results.json");
    QFile existing(target);
    QVERIFY(existing.open(QIODevice::WriteOnly));
    existing.write("previous results\n");
    existing.close();
    QVERIFY(QFile::setPermissions(target,
        QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup | QFileDevice::WriteGroup
            | QFileDevice::ReadOther | QFileDevice::WriteOther));
    const QFileDevice::Permissions readAndEnter = QFileDevice::ReadOwner | QFileDevice::ExeOwner
        | QFileDevice::ReadGroup | QFileDevice::ExeGroup | QFileDevice::ReadOther | QFileDevice::ExeOther;
    QVERIFY(QFile::setPermissions(dir.path(), readAndEnter | QFileDevice::WriteOwner));
    QVERIFY(QFile::setPermissions(folder, readAndEnter));

    // spin 3000 twice measures for six seconds at least: an exit before that proves nothing was measured.
    QStringList command { QStringLiteral(PARLAB_EXECUTABLE), QStringLiteral("run"), QStringLiteral("--kernel"),
        QStringLiteral("spin"), QStringLiteral("--inputs"), QStringLiteral("3000"), QStringLiteral("--backends"),
        QStringLiteral("sequential"), QStringLiteral("--workers"), QStringLiteral("1"), QStringLiteral("--repeat"),
        QStringLiteral("2"), QStringLiteral("--warmup"), QStringLiteral("0"), QStringLiteral("--no-history"),
        QStringLiteral("--export-json"), target };
    if (::geteuid() == 0)
        command = QStringList { QStringLiteral("setpriv"), QStringLiteral("--reuid=65534"),
            QStringLiteral("--regid=65534"), QStringLiteral("--clear-groups") }
            + command;
    QProcess run;
    QElapsedTimer timer;
    timer.start();
    run.start(command.takeFirst(), command);
    QVERIFY2(run.waitForFinished(60'000), "the run did not end");
    const QString err = QString::fromUtf8(run.readAllStandardError());
    QVERIFY2(run.exitCode() == 2, qPrintable(QStringLiteral("exit %1: %2").arg(run.exitCode()).arg(err)));
    QVERIFY2(err.contains(QStringLiteral("--export-json: cannot write '%1'").arg(target)), qPrintable(err));
    QVERIFY(run.readAllStandardOutput().isEmpty());
    QVERIFY2(timer.elapsed() < 6000, "the run measured before it refused the export");
    QFile after(target);
    QVERIFY(after.open(QIODevice::ReadOnly));
    QCOMPARE(after.readAll(), QByteArray("previous results\n"));
    QCOMPARE(QDir(folder).entryList(QDir::Files | QDir::Hidden), QStringList { QStringLiteral("results.json") });
    QVERIFY(QFile::setPermissions(folder, readAndEnter | QFileDevice::WriteOwner));
}

// The check does what the write does up to the writing, and leaves the folder as it found it.
void TestImports::exportCheckLeavesNothingBehind()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QVERIFY(AtomicFile::check(dir.filePath(QStringLiteral("new.json"))));
    QFile existing(dir.filePath(QStringLiteral("old.json")));
    QVERIFY(existing.open(QIODevice::WriteOnly));
    existing.write("kept");
    existing.close();
    QVERIFY(AtomicFile::check(existing.fileName()));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden), QStringList { QStringLiteral("old.json") });
    QVERIFY(existing.open(QIODevice::ReadOnly));
    QCOMPARE(existing.readAll(), QByteArray("kept"));
    const Result<void> folder = AtomicFile::check(dir.path());
    QVERIFY(!folder);
    QVERIFY2(folder.error().endsWith(QStringLiteral("it is a folder, not a file")), qPrintable(folder.error()));
}

// A stream target (a FIFO here, /dev/null or /dev/stdout for a user) is written in place: a temporary file renamed
// over it would have replaced the FIFO with a plain file, and, as root, /dev/null with one.
void TestImports::exportToAFifoStaysAFifo()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString fifo = dir.filePath(QStringLiteral("results.fifo"));
    QCOMPARE(::mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
    const QString link = dir.filePath(QStringLiteral("link.json"));
    QVERIFY(QFile::link(fifo, link));
    for (const QString& target : { fifo, link }) {
        // The reader in a process of its own: a test blocked opening the FIFO could not fail, only hang.
        QProcess reader;
        reader.start(QStringLiteral("cat"), { fifo });
        QVERIFY(reader.waitForStarted());
        QProcess run;
        run.start(QStringLiteral(PARLAB_EXECUTABLE),
            { QStringLiteral("run"), QStringLiteral("--kernel"), QStringLiteral("noop"), QStringLiteral("--inputs"),
                QStringLiteral("1,2"), QStringLiteral("--backends"), QStringLiteral("sequential"),
                QStringLiteral("--workers"), QStringLiteral("1"), QStringLiteral("--repeat"), QStringLiteral("1"),
                QStringLiteral("--warmup"), QStringLiteral("0"), QStringLiteral("--no-history"),
                QStringLiteral("--export-json"), target });
        QVERIFY(run.waitForFinished(60'000));
        QVERIFY2(run.exitCode() == 0, run.readAllStandardError().constData());
        if (!reader.waitForFinished(10'000)) {
            reader.kill();
            reader.waitForFinished();
        }
        const QByteArray json = reader.readAllStandardOutput();
        const Result<RunResult> exported = JsonImport::fromJson(json);
        QVERIFY2(exported, qPrintable(exported.error()));
        QCOMPARE(exported->spec.inputs, (QList<qint64> { 1, 2 }));
        struct stat info { };
        QCOMPARE(::stat(QFile::encodeName(fifo).constData(), &info), 0);
        QVERIFY(S_ISFIFO(info.st_mode));
        QCOMPARE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot),
            (QStringList { QStringLiteral("link.json"), QStringLiteral("results.fifo") }));
    }
}

// `--format json > /dev/full` printed nothing and exited 0.
void TestImports::outputThatCannotBeWrittenFails()
{
    const QList<QStringList> commands {
        { QStringLiteral("run"), QStringLiteral("--kernel"), QStringLiteral("noop"), QStringLiteral("--inputs"),
            QStringLiteral("1"), QStringLiteral("--backends"), QStringLiteral("sequential"),
            QStringLiteral("--workers"), QStringLiteral("1"), QStringLiteral("--repeat"), QStringLiteral("1"),
            QStringLiteral("--warmup"), QStringLiteral("0"), QStringLiteral("--no-history"), QStringLiteral("--format"),
            QStringLiteral("json") },
        { QStringLiteral("history"), QStringLiteral("list"), QStringLiteral("--history-db"), db() },
        { QStringLiteral("list"), QStringLiteral("kernels") },
    };
    for (const QStringList& arguments : commands) {
        QProcess process;
        process.setStandardOutputFile(QStringLiteral("/dev/full"));
        process.start(QStringLiteral(PARLAB_EXECUTABLE), arguments);
        QVERIFY(process.waitForFinished(60'000));
        const QString err = QString::fromUtf8(process.readAllStandardError());
        QVERIFY2(process.exitStatus() == QProcess::NormalExit && process.exitCode() == 1,
            qPrintable(arguments.join(QLatin1Char(' ')) + QStringLiteral(": exit %1").arg(process.exitCode())));
        QVERIFY2(err.contains(QStringLiteral("parlab: error: cannot write the output: No space left on device")),
            qPrintable(err));
    }
}

void TestImports::printableEscapesControlCharacters()
{
    QCOMPARE(Format::printable(QStringLiteral("plain text, tab\tand\nnewline")),
        QStringLiteral("plain text, tab\tand\nnewline"));
    QCOMPARE(Format::printable(QStringLiteral("\x1b[31mred\x1b[0m \x07")),
        QStringLiteral("\\u001b[31mred\\u001b[0m \\u0007"));
    QCOMPARE(Format::printable(QStringLiteral("a,b\r\nc,d\r\n")), QStringLiteral("a,b\r\nc,d\r\n")); // CSV's CRLF
    QCOMPARE(Format::printable(QStringLiteral("shown\rhidden")), QStringLiteral("shown\\u000dhidden"));
    QCOMPARE(Format::printable(QString(QChar(0x9b)) + QStringLiteral("2J") + QChar(0x7f)),
        QStringLiteral("\\u009b2J\\u007f"));
    QCOMPARE(Format::printable(QStringLiteral("µs – ×")), QStringLiteral("µs – ×"));
}

// An imported run's names, warnings and note, and a refused file's bad backend name, printed by every command.
void TestImports::textFromFilesCannotDriveTheTerminal()
{
    const QString hostile = QStringLiteral("\x1b]0;retitled\x07\x1b[2J\rover") + QChar(0x9b) + QStringLiteral("31m");
    QJsonObject run = fixtureObject();
    QJsonObject environment = run.value(QStringLiteral("environment")).toObject();
    environment.insert(QStringLiteral("cpu"), hostile);
    run.insert(QStringLiteral("environment"), environment);
    run.insert(QStringLiteral("warnings"), QJsonArray { hostile });
    const QString file = write(QStringLiteral("hostile.json"), QJsonDocument(run).toJson());
    const auto imported = runParlab(
        { QStringLiteral("history"), QStringLiteral("import"), file, QStringLiteral("--history-db"), db() });
    QVERIFY2(imported.code == 0, qPrintable(imported.err));
    const QString id = imported.out.trimmed();
    QVERIFY(runParlab({ QStringLiteral("history"), QStringLiteral("note"), id, hostile, QStringLiteral("--history-db"),
                          db() })
                .code
        == 0);
    QVERIFY(runParlab({ QStringLiteral("history"), QStringLiteral("rename"), id, hostile,
                          QStringLiteral("--history-db"), db() })
                .code
        == 0);

    const QString escaped = QStringLiteral("\\u001b]0;retitled\\u0007\\u001b[2J\\u000dover\\u009b31m");
    for (const QStringList& action :
        { QStringList { QStringLiteral("show"), id }, QStringList { QStringLiteral("list") },
            QStringList { QStringLiteral("show"), id, QStringLiteral("--format"), QStringLiteral("json") } }) {
        const auto shown = runParlab(
            QStringList { QStringLiteral("history") } + action + QStringList { QStringLiteral("--history-db"), db() });
        QVERIFY2(shown.code == 0, qPrintable(shown.err));
        QVERIFY2(!hasControl(shown.out) && !hasControl(shown.err), qPrintable(action.join(QLatin1Char(' '))));
        if (action.size() == 2 && action.constFirst() == QStringLiteral("show")) {
            QVERIFY2(shown.out.contains(QStringLiteral("note: ") + escaped), qPrintable(shown.out));
            QVERIFY2(shown.out.contains(escaped), qPrintable(shown.out));
        }
    }

    QJsonArray results = run.value(QStringLiteral("results")).toArray();
    QJsonObject second = results.at(1).toObject();
    second.insert(QStringLiteral("backend"), hostile);
    results[1] = second;
    run.insert(QStringLiteral("results"), results);
    const auto refused = runParlab({ QStringLiteral("history"), QStringLiteral("import"),
        write(QStringLiteral("hostile-backend.json"), QJsonDocument(run).toJson()), QStringLiteral("--history-db"),
        db() });
    QCOMPARE(refused.code, 1);
    QVERIFY2(refused.err.contains(QStringLiteral("results[1].backend: unknown backend '") + escaped),
        qPrintable(refused.err));
    QVERIFY(!hasControl(refused.err));
}

QTEST_GUILESS_MAIN(TestImports)
#include "tst_imports.moc"
