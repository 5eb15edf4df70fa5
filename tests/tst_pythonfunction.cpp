// The user's own Python function as a kernel (py:PATH.py:FUNC, py:package.module:FUNC), in real CPython (python3 on
// the PATH): the shipped examples run on every python-* backend with the same checksums, a function's result is
// hashed the same in every process; every kind of bad code is refused before anything runs with words a user can
// act on, and native backends refuse the kernel; an exception fails the task with the end of its traceback and the
// input; a racy function is reported as such; a relative path is recorded absolute; a cancel or the task timeout
// ends a sleeping or a looping function at once, leaving no process; and the README's command works.

#include "experimentspec.h"
#include "kernels/kernel.h"
#include "kernels/kernelregistry.h"
#include "measurement.h"
#include "runresult.h"
#include "runsession.h"
#include "taskspan.h"
#include "testsupport.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace parlab;

namespace {
using testsupport::descendants;
using testsupport::ScopedEnvironment;

const QStringList kPythonBackends { QStringLiteral("python-sequential"), QStringLiteral("python-threads"),
    QStringLiteral("python-processes") };

QString example(const QString& file)
{
    return QStringLiteral(PARLAB_SOURCE_DIR "/examples/python/") + file;
}

ExperimentSpec specOf(const QString& kernel, const QList<qint64>& inputs, const QStringList& backends = kPythonBackends,
    const QList<int>& workers = { 1, 2 })
{
    ExperimentSpec spec;
    spec.kernel = kernel;
    spec.inputs = inputs;
    spec.backends = backends;
    spec.workers = workers;
    spec.repeats = 1;
    spec.warmup = 0;
    return spec;
}

// Runs `spec` to its end in this thread, as the runner's thread would; an empty (failed) result unless `finished`
// came exactly once.
RunResult run(const ExperimentSpec& spec)
{
    const testsupport::RunEnd end = testsupport::runToEnd(spec);
    return end.finishedCount == 1 ? end.result : RunResult();
}

// Writes `text` to `name` in `folder`; the file's path.
QString write(const QTemporaryDir& folder, const QString& name, const QByteArray& text)
{
    QString path = folder.filePath(name);
    QDir().mkpath(QFileInfo(path).path());
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(text) != text.size())
        qFatal("cannot write %s", qPrintable(path));
    return path;
}

} // namespace

class TestPythonFunction final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void cleanup();
    void examplesGiveTheSameChecksumsEverywhere_data();
    void examplesGiveTheSameChecksumsEverywhere();
    void resultsAreHashedTheSameInEveryProcess();
    void badCodeIsRefusedBeforeAnythingRuns_data();
    void badCodeIsRefusedBeforeAnythingRuns();
    void nativeBackendsRefuseIt();
    void exceptionFailsTheTaskWithTheEndOfItsTraceback();
    void racyFunctionIsReportedAsSuch();
    void moduleIsFoundOnPythonPath();
    void relativePathIsRecordedAbsolute();
    void cancelEndsTheFunctionAtOnce_data();
    void cancelEndsTheFunctionAtOnce();
    void taskTimeoutEndsTheFunction_data();
    void taskTimeoutEndsTheFunction();
    void readmeCommandRuns();
};

void TestPythonFunction::cleanup()
{
    QTRY_VERIFY2_WITH_TIMEOUT(descendants().isEmpty(), "a child process outlived its test", 3000);
}

void TestPythonFunction::examplesGiveTheSameChecksumsEverywhere_data()
{
    QTest::addColumn<QString>("kernel");
    QTest::addColumn<QList<qint64>>("inputs");
    QTest::newRow("cpu.py") << QStringLiteral("py:%1:collatz").arg(example(QStringLiteral("cpu.py")))
                            << QList<qint64> { 1, 2, 3, 2 };
    QTest::newRow("hashing.py") << QStringLiteral("py:%1:digest").arg(example(QStringLiteral("hashing.py")))
                                << QList<qint64> { 1, 2, 1 };
}

void TestPythonFunction::examplesGiveTheSameChecksumsEverywhere()
{
    QFETCH(QString, kernel);
    QFETCH(QList<qint64>, inputs);
    const ExperimentSpec spec = specOf(kernel, inputs);
    QCOMPARE(validateSpec(spec).error(), QString());
    const RunResult result = run(spec);
    QVERIFY2(result.succeeded(), qPrintable(result.error));
    QCOMPARE(result.measurements.size(), 5); // python-sequential, then threads and processes at 1 and 2
    QCOMPARE(result.measurements.first().backend, QStringLiteral("python-sequential"));
    const QList<TaskSpan>& reference = result.measurements.first().spans;
    QCOMPARE(reference.size(), inputs.size());
    // The same input the same result, each other input its own.
    for (const TaskSpan& a : reference) {
        for (const TaskSpan& b : reference)
            QCOMPARE(a.checksum == b.checksum, a.input == b.input);
    }
    for (const Measurement& m : result.measurements) {
        QCOMPARE(m.checksum, result.referenceChecksum);
        QCOMPARE(m.spans.size(), inputs.size());
        // Spans as the built-in kernels have them: on ParLab's clock, from the interpreter or a pool process.
        for (const TaskSpan& s : m.spans) {
            QVERIFY2(s.endNs > s.startNs && s.pid > 0, qPrintable(m.label()));
            QCOMPARE(s.checksum, reference[s.index].checksum);
        }
        QVERIFY2(std::any_of(m.spans.cbegin(), m.spans.cend(), [](const TaskSpan& s) { return s.cpuNs > 0; }),
            qPrintable(m.label() + QStringLiteral(": no task's thread CPU time was measured")));
    }
}

void TestPythonFunction::resultsAreHashedTheSameInEveryProcess()
{
    // Sets and dicts of strings iterate in an order that depends on each process's hash salt: a checksum made from
    // repr() or hash() would differ between python-processes' pool processes and python-sequential's interpreter.
    QTemporaryDir folder;
    const QString path = write(folder, QStringLiteral("shapes.py"),
        "def shapes(n):\n"
        "    words = {'w%d' % i for i in range(n * 50)}\n"
        "    return (n, -1.5 * n, None, True, b'\\x00' * n, words, {w: len(w) for w in words}, [frozenset(words)])\n");
    const RunResult result = run(specOf(QStringLiteral("py:%1:shapes").arg(path), { 1, 2, 3, 4 },
        { QStringLiteral("python-sequential"), QStringLiteral("python-processes") }, { 2 }));
    QVERIFY2(result.succeeded(), qPrintable(result.error));
    QCOMPARE(result.measurements.size(), 2);
    QCOMPARE(result.measurements.last().checksum, result.referenceChecksum);
}

void TestPythonFunction::badCodeIsRefusedBeforeAnythingRuns_data()
{
    QTest::addColumn<QByteArray>("code"); // shapes.py's text, or empty for no file at all
    QTest::addColumn<QString>("function");
    QTest::addColumn<QStringList>("words");
    QTest::newRow("missing file") << QByteArray() << QStringLiteral("f")
                                  << QStringList { QStringLiteral("code.py does not exist") };
    QTest::newRow("syntax error") << QByteArray("import math\n\ndef f(n:\n    return n\n") << QStringLiteral("f")
                                  << QStringList { QStringLiteral("syntax error in "), QStringLiteral("code.py line 3"),
                                         QStringLiteral("def f(n:") };
    QTest::newRow("no such function") << QByteArray(
        "def square(n):\n    return n * n\n\ndef cube(n):\n    return n ** 3\n")
                                      << QStringLiteral("squares")
                                      << QStringList { QStringLiteral("has no function 'squares'"),
                                             QStringLiteral("did you mean 'square'?"),
                                             QStringLiteral("its functions: square, cube") };
    QTest::newRow("not callable") << QByteArray("limit = 10\n") << QStringLiteral("limit")
                                  << QStringList { QStringLiteral("'limit' in "),
                                         QStringLiteral("is a value of type int, not a function") };
    QTest::newRow("two arguments") << QByteArray("def add(a, b):\n    return a + b\n") << QStringLiteral("add")
                                   << QStringList { QStringLiteral("add(a, b) does not take exactly one positional "
                                                                   "argument: ParLab calls add(n) with each input") };
    QTest::newRow("no arguments") << QByteArray("def now():\n    return 1\n") << QStringLiteral("now")
                                  << QStringList { QStringLiteral("now() does not take exactly one positional") };
    QTest::newRow("import raises") << QByteArray("import math\nLIMIT = 1 // 0\ndef f(n):\n    return n\n")
                                   << QStringLiteral("f")
                                   << QStringList { QStringLiteral("importing "), QStringLiteral("line 2"),
                                          QStringLiteral("ZeroDivisionError: integer division or modulo by zero") };
}

void TestPythonFunction::badCodeIsRefusedBeforeAnythingRuns()
{
    QFETCH(QByteArray, code);
    QFETCH(QString, function);
    QFETCH(QStringList, words);
    QTemporaryDir folder;
    const QString path
        = code.isEmpty() ? folder.filePath(QStringLiteral("code.py")) : write(folder, QStringLiteral("code.py"), code);
    const ExperimentSpec spec = specOf(QStringLiteral("py:%1:%2").arg(path, function), { 1, 2 });
    const QString error = validateSpec(spec).error();
    QVERIFY2(error.startsWith(QStringLiteral("py:%1:%2: ").arg(path, function)), qPrintable(error));
    for (const QString& word : words)
        QVERIFY2(error.contains(word), qPrintable(QStringLiteral("'%1' not in: %2").arg(word, error)));
    // The runner refuses it the same way, before any backend starts.
    const RunResult result = run(spec);
    QCOMPARE(result.error, error);
    QCOMPARE(result.completedRuns, 0);
    // A checking interpreter is gone at once; so is a run's.
    QVERIFY(descendants().isEmpty());
}

void TestPythonFunction::nativeBackendsRefuseIt()
{
    const QString kernel = QStringLiteral("py:%1:collatz").arg(example(QStringLiteral("cpu.py")));
    for (const QString& id : { QStringLiteral("sequential"), QStringLiteral("threads"), QStringLiteral("processes") }) {
        const QString error = validateSpec(specOf(kernel, { 1 }, { id })).error();
        QCOMPARE(error,
            QStringLiteral("%1 is a Python function: it runs on python-sequential, python-threads, python-processes, "
                           "not on %2")
                .arg(kernel, id));
    }
    // Nor through python_native, which calls ParLab's C++ kernels.
    ExperimentSpec native = specOf(kernel, { 1 }, { QStringLiteral("python-threads") });
    native.options.pythonNative = true;
    const QString nativeError = validateSpec(native).error();
    QVERIFY2(nativeError.contains(QStringLiteral("python_native calls ParLab's C++ kernels, and %1 is your Python "
                                                 "function: run it without python_native")
                                      .arg(kernel)),
        qPrintable(nativeError));
    // Written wrongly: said before anything else.
    const QString noFunction = validateSpec(specOf(QStringLiteral("py:cpu.py"), { 1 })).error();
    QVERIFY2(
        noFunction.contains(QStringLiteral("write py:PATH.py:FUNC or py:package.module:FUNC")), qPrintable(noFunction));
    // The kernel cannot run natively even when asked directly.
    const auto k = KernelRegistry::create(kernel);
    QVERIFY(k && k->isUsersCode() && !k->runsNatively() && !k->costIsKnown());
}

void TestPythonFunction::exceptionFailsTheTaskWithTheEndOfItsTraceback()
{
    QTemporaryDir folder;
    const QString path = write(folder, QStringLiteral("fails.py"),
        "def check(n):\n"
        "    if n == 7:\n"
        "        raise ValueError('seven is not allowed')\n"
        "    return n\n"
        "\n"
        "def outer(n):\n"
        "    return check(n)\n");
    for (const QString& id : kPythonBackends) {
        const RunResult result = run(specOf(QStringLiteral("py:%1:outer").arg(path), { 3, 7, 5 }, { id }, { 2 }));
        QVERIFY2(!result.succeeded(), qPrintable(id));
        const QString& e = result.error;
        QVERIFY2(e.contains(QStringLiteral("failed on input 7 (#2) in Python")), qPrintable(e));
        QVERIFY2(e.contains(QStringLiteral("ValueError: seven is not allowed")), qPrintable(e));
        QVERIFY2(e.contains(QStringLiteral("outer(7) raised Traceback")), qPrintable(e));
        // The user's frames, not the worker's.
        QVERIFY2(e.contains(QStringLiteral("fails.py\", line 3, in check")), qPrintable(e));
        QVERIFY2(!e.contains(QStringLiteral("parlab_worker.py")), qPrintable(e));
    }
}

void TestPythonFunction::racyFunctionIsReportedAsSuch()
{
    // racy.py's race shows whenever two threads overlap, which they do for its whole run: one run suffices.
    const QString kernel = QStringLiteral("py:%1:total").arg(example(QStringLiteral("racy.py")));
    const RunResult racy = run(specOf(kernel, QList<qint64>(8, 100),
        { QStringLiteral("python-sequential"), QStringLiteral("python-threads") }, { 2 }));
    QVERIFY2(racy.error.startsWith(QStringLiteral("your function is not deterministic, or races: input 100 (#")),
        qPrintable(racy.error));
    QVERIFY2(racy.error.contains(QStringLiteral(" on python-threads x2 but ")), qPrintable(racy.error));
    QVERIFY2(racy.error.contains(QStringLiteral(" on python-sequential")), qPrintable(racy.error));
    // Processes have a list each: the same function is deterministic there.
    const RunResult apart = run(specOf(kernel, QList<qint64>(8, 100),
        { QStringLiteral("python-sequential"), QStringLiteral("python-processes") }, { 2 }));
    QVERIFY2(apart.succeeded(), qPrintable(apart.error));
}

void TestPythonFunction::moduleIsFoundOnPythonPath()
{
    QTemporaryDir folder;
    write(folder, QStringLiteral("userpkg/__init__.py"), "");
    write(folder, QStringLiteral("userpkg/maths.py"), "def square(n):\n    return n * n\n");
    const ExperimentSpec spec = specOf(QStringLiteral("py:userpkg.maths:square"), { 1, 2, 3 });
    const QString missing = validateSpec(spec).error();
    QVERIFY2(
        missing.contains(QStringLiteral("no module named 'userpkg.maths' on the Python path")), qPrintable(missing));

    ScopedEnvironment path("PYTHONPATH", folder.path().toLocal8Bit());
    QCOMPARE(validateSpec(spec).error(), QString());
    const RunResult result = run(spec);
    QVERIFY2(result.succeeded(), qPrintable(result.error));
    QCOMPARE(result.spec.kernel, QStringLiteral("py:userpkg.maths:square"));
    for (const Measurement& m : result.measurements)
        QCOMPARE(m.checksum, result.referenceChecksum);
}

void TestPythonFunction::relativePathIsRecordedAbsolute()
{
    QTemporaryDir folder;
    const QString path = write(folder, QStringLiteral("sub/twice.py"), "def twice(n):\n    return 2 * n\n");
    const QString before = QDir::currentPath();
    QVERIFY(QDir::setCurrent(folder.path()));
    RunSession session;
    QSignalSpy finished(&session, &RunSession::finished);
    const Result<void> started = session.start(
        specOf(QStringLiteral("py:sub/twice.py:twice"), { 1, 2 }, { QStringLiteral("python-sequential") }));
    QVERIFY(QDir::setCurrent(before)); // the run, started, no longer depends on the working directory
    QVERIFY2(started, qPrintable(started.error()));
    QVERIFY(finished.wait(30'000));
    const RunResult result = finished.first().first().value<RunResult>();
    QVERIFY2(result.succeeded(), qPrintable(result.error));
    QCOMPARE(result.spec.kernel, QStringLiteral("py:%1:twice").arg(QFileInfo(path).absoluteFilePath()));
}

void TestPythonFunction::cancelEndsTheFunctionAtOnce_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<QByteArray>("body");
    for (const QString& id : kPythonBackends) {
        QTest::addRow("%s, sleeping", qPrintable(id)) << id << QByteArray("    time.sleep(600)\n");
        QTest::addRow("%s, looping", qPrintable(id)) << id << QByteArray("    while True:\n        n += 1\n");
    }
}

void TestPythonFunction::cancelEndsTheFunctionAtOnce()
{
    QFETCH(QString, backend);
    QFETCH(QByteArray, body);
    QTemporaryDir folder;
    // The file says when the function has started, so the cancel comes while it runs.
    const QString marker = folder.filePath(QStringLiteral("started"));
    const QString path = write(folder, QStringLiteral("forever.py"),
        "import time\n\ndef forever(n):\n    open(" + QByteArray("'") + marker.toUtf8() + "', 'w').close()\n" + body);
    RunSession session;
    QSignalSpy finished(&session, &RunSession::finished);
    const Result<void> started
        = session.start(specOf(QStringLiteral("py:%1:forever").arg(path), { 1, 2 }, { backend }, { 2 }));
    QVERIFY2(started, qPrintable(started.error()));
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(marker), 30'000);
    QElapsedTimer sinceCancel;
    sinceCancel.start();
    session.cancel();
    QVERIFY(finished.wait(10'000));
    const qint64 ms = sinceCancel.elapsed();
    QVERIFY2(ms < qint64(1500) * testsupport::kSlowdown, qPrintable(QStringLiteral("%1 ms").arg(ms)));
    QVERIFY(finished.first().first().value<RunResult>().cancelled);
    QVERIFY2(descendants().isEmpty(), "the interpreter or a pool process outlived the cancel");
}

void TestPythonFunction::taskTimeoutEndsTheFunction_data()
{
    cancelEndsTheFunctionAtOnce_data();
}

void TestPythonFunction::taskTimeoutEndsTheFunction()
{
    QFETCH(QString, backend);
    QFETCH(QByteArray, body);
    QTemporaryDir folder;
    // Input 2 runs forever; input 1 and 3 end at once.
    const QString path = write(
        folder, QStringLiteral("stuck.py"), "import time\n\ndef stuck(n):\n    if n != 2:\n        return n\n" + body);
    // The same run without the endless input, timed under the same load: the interpreter's start and end, the
    // engine's. A loaded machine stretches these (4.1 to 6.7 s at a load of 10 where 4 s was once the bound), not
    // the timeout.
    ExperimentSpec quick = specOf(QStringLiteral("py:%1:stuck").arg(path), { 1, 3 }, { backend }, { 2 });
    quick.options.taskTimeoutS = 0.5;
    QElapsedTimer timer;
    timer.start();
    const RunResult quickResult = run(quick);
    const qint64 quickMs = timer.elapsed();
    QVERIFY2(quickResult.succeeded(), qPrintable(quickResult.error));

    ExperimentSpec spec = quick;
    spec.inputs = { 1, 2, 3 };
    QCOMPARE(validateSpec(spec).error(), QString());
    timer.restart();
    const RunResult result = run(spec);
    const qint64 ms = timer.elapsed();
    QVERIFY2(result.error.endsWith(QStringLiteral("input 2 (#2) ran longer than the task timeout of 0.5 s")),
        qPrintable(result.error));
    // Input 2 would run for ever (or 600 s): the run ends after the timeout, the watch's period (50 ms) and the stop,
    // beside what the quick run took (twice it, for the load changing between the two, and a second for the stop).
    const qint64 boundMs = 500 + 2 * quickMs + qint64(1000) * testsupport::kSlowdown;
    qInfo("ended %lld ms in (the run without input 2: %lld ms; bound here %lld ms)", ms, quickMs, boundMs);
    QVERIFY2(ms >= 500, qPrintable(QStringLiteral("%1 ms: ended before the timeout").arg(ms)));
    QVERIFY2(ms < boundMs, qPrintable(QStringLiteral("%1 ms").arg(ms)));
    QVERIFY2(descendants().isEmpty(), "the interpreter or a pool process outlived the timeout");
}

void TestPythonFunction::readmeCommandRuns()
{
    // The README's command, from the source folder as it says, shortened (fewer inputs, one repeat).
    const QString before = QDir::currentPath();
    QVERIFY(QDir::setCurrent(QStringLiteral(PARLAB_SOURCE_DIR)));
    const testsupport::Result r = testsupport::runParlab(
        { QStringLiteral("run"), QStringLiteral("--kernel"), QStringLiteral("py:examples/python/hashing.py:digest"),
            QStringLiteral("--inputs"), QStringLiteral("1x4"), QStringLiteral("--backends"),
            QStringLiteral("python-sequential,python-threads,python-processes"), QStringLiteral("--workers"),
            QStringLiteral("1,2"), QStringLiteral("--repeat"), QStringLiteral("1"), QStringLiteral("--no-history") });
    QVERIFY(QDir::setCurrent(before));
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY2(r.out.startsWith(QStringLiteral("py:%1:digest over 4 inputs").arg(example(QStringLiteral("hashing.py")))),
        qPrintable(r.out));
    for (const QString& row :
        { QStringLiteral("\npython-threads           2"), QStringLiteral("\npython-processes         2") })
        QVERIFY2(r.out.contains(row), qPrintable(r.out));
}

QTEST_GUILESS_MAIN(TestPythonFunction)
#include "tst_pythonfunction.moc"
