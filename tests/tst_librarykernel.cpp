// A user's own C function as the kernel (--kernel lib:PATH:SYMBOL, include/parlab/kernel_abi.h), built as a user
// builds one (tests/CMakeLists.txt: the shipped examples/c/collatz.c and the fixtures): the same checksums on every
// native backend, in-process and in child processes that load the library themselves; the simulated GIL held
// during the call, or released with release_gil; every reason a library cannot run named before anything runs;
// and a crash in the function, in a worker process, named with its backend, input and signal, the results
// measured before it kept.

#include "backends/backend.h"
#include "backends/backendregistry.h"
#include "context.h"
#include "crashreport.h"
#include "kernels/elffile.h"
#include "kernels/kernel.h"
#include "kernels/kernelregistry.h"
#include "runoptions.h"
#include "taskspan.h"
#include "testsupport.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSysInfo>
#include <QTemporaryDir>
#include <QTest>
#include <elf.h>

using namespace parlab;

namespace {
const QString kUserKernels = QStringLiteral(PARLAB_USER_KERNELS);

QString userKernel(const QString& file)
{
    return kUserKernels + QLatin1Char('/') + file;
}

QString collatzKernel()
{
    return QStringLiteral("lib:%1:collatz").arg(userKernel(QStringLiteral("libcollatz.so")));
}

// examples/c/collatz.c again, here: what the library must return.
quint64 collatz(qint64 input)
{
    quint64 total = 0;
    for (qint64 k = 1; k <= input; ++k) {
        for (quint64 n = quint64(k); n != 1; n = (n & 1) ? 3 * n + 1 : n / 2)
            ++total;
    }
    return total;
}

struct Run {
    int code = -1;
    QJsonObject json; // stdout, when it is JSON
    QString out;
    QString err;
};

// `parlab run ARGUMENTS --format json --no-history` in `folder`, with `environment` added.
Run runParlab(const QStringList& arguments, const QString& folder = {}, const QStringList& environment = {},
    const QString& program = QStringLiteral(PARLAB_EXECUTABLE), const QStringList& before = {})
{
    QProcess process;
    if (!folder.isEmpty())
        process.setWorkingDirectory(folder);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const QString& entry : environment)
        env.insert(entry.section(QLatin1Char('='), 0, 0), entry.section(QLatin1Char('='), 1));
    process.setProcessEnvironment(env);
    process.start(program,
        before + QStringList { QStringLiteral("run") } + arguments
            + QStringList { QStringLiteral("--format"), QStringLiteral("json"), QStringLiteral("--no-history") });
    Run run;
    if (!process.waitForFinished(240'000)) {
        process.kill();
        process.waitForFinished();
        run.err = QStringLiteral("timed out");
        return run;
    }
    run.code = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = QString::fromUtf8(process.readAllStandardOutput());
    run.err = QString::fromUtf8(process.readAllStandardError());
    run.json = QJsonDocument::fromJson(run.out.toUtf8()).object();
    return run;
}

QString describe(const Run& run)
{
    return QStringLiteral("exit %1\nstderr: %2\nstdout: %3").arg(run.code).arg(run.err, run.out.left(2000));
}

// An ELF header alone, as a compiler for `machine` would start a shared library: enough for the checks that
// come before dlopen, without a cross compiler.
void writeElfHeader(const QString& path, bool is64Bit, int machine)
{
    QByteArray header(is64Bit ? int(sizeof(Elf64_Ehdr)) : int(sizeof(Elf32_Ehdr)), '\0');
    std::memcpy(header.data(), ELFMAG, SELFMAG);
    header[EI_CLASS] = char(is64Bit ? ELFCLASS64 : ELFCLASS32);
    header[EI_DATA] = char(ELFDATA2LSB);
    header[EI_VERSION] = char(EV_CURRENT);
    header[16] = char(ET_DYN);
    header[18] = char(machine & 0xff);
    header[19] = char(machine >> 8);
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(header);
}

bool mpiAvailable()
{
    return BackendRegistry::availability(QStringLiteral("mpi"), RunOptions()).available;
}
} // namespace

class TestLibraryKernel : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void theLibraryComputesWhatItsSourceSays();
    void exportedFunctionsListsTheLibrarysFunctions();
    void everyNativeBackendGetsTheSameChecksums();
    void gilThreadsHoldTheLockDuringTheCallUnlessReleased();
    void pythonBackendsCallItThroughCtypes();
    void badLibrariesAreRefusedBeforeAnythingRuns_data();
    void badLibrariesAreRefusedBeforeAnythingRuns();
    void aCrashInAWorkerNamesBackendInputAndSignal_data();
    void aCrashInAWorkerNamesBackendInputAndSignal();
    void aLibraryThatCrashesWhenLoadedCrashesOnlyTheEngine();
    void aCallThatNeverReturnsEndsAtTheTaskTimeout();
};

void TestLibraryKernel::theLibraryComputesWhatItsSourceSays()
{
    const auto kernel = KernelRegistry::create(collatzKernel());
    QVERIFY(kernel);
    QCOMPARE(kernel->configure(RunOptions()).error(), QString());
    QVERIFY(!kernel->costIsKnown());
    const RunControl control;
    Context context(control, 0);
    for (qint64 input : { -5LL, 0LL, 1LL, 2LL, 27LL, 1000LL, 54321LL })
        QCOMPARE(kernel->run(input, context), collatz(input));
}

void TestLibraryKernel::exportedFunctionsListsTheLibrarysFunctions()
{
    QCOMPARE(ElfFile::exportedFunctions(userKernel(QStringLiteral("libcollatz.so"))).value_or({}),
        QStringList { QStringLiteral("collatz") });
    QCOMPARE(ElfFile::exportedFunctions(userKernel(QStringLiteral("libmangled_kernel.so"))).value_or({}),
        QStringList { QStringLiteral("_Z6kernell") });
    // libc: thousands, sorted, with the ones everybody knows.
    const Result<QStringList> libc = ElfFile::exportedFunctions(QStringLiteral("/lib/x86_64-linux-gnu/libc.so.6"));
    if (QFileInfo::exists(QStringLiteral("/lib/x86_64-linux-gnu/libc.so.6"))) {
        QVERIFY2(libc, qPrintable(libc.error()));
        QVERIFY(libc->contains(QStringLiteral("malloc")) && libc->contains(QStringLiteral("printf")));
        QVERIFY(!libc->contains(QStringLiteral("environ"))); // data, not a function
        QVERIFY(std::is_sorted(libc->cbegin(), libc->cend()));
    }
    QVERIFY(!ElfFile::exportedFunctions(QStringLiteral(PARLAB_SOURCE_DIR "/README.md")));
}

void TestLibraryKernel::everyNativeBackendGetsTheSameChecksums()
{
    QStringList backends { QStringLiteral("sequential"), QStringLiteral("threads"), QStringLiteral("qtconcurrent"),
        QStringLiteral("processes"), QStringLiteral("process-per-task"), QStringLiteral("gil-threads") };
    if (mpiAvailable())
        backends.append(QStringLiteral("mpi"));
    else
        qWarning("mpi is not available here: checked on the others only");
    // Given relative to the folder ParLab runs in, as a user who just built it would.
    const Run run = runParlab(
        { QStringLiteral("--kernel"), QStringLiteral("lib:./libcollatz.so:collatz"), QStringLiteral("--inputs"),
            QStringLiteral("20000..20005"), QStringLiteral("--backends"), backends.join(QLatin1Char(',')),
            QStringLiteral("--workers"), QStringLiteral("2"), QStringLiteral("--repeat"), QStringLiteral("1"),
            QStringLiteral("--warmup"), QStringLiteral("0") },
        kUserKernels);
    QVERIFY2(run.code == 0, qPrintable(describe(run)));
    // Stored absolute: the workers, the history and an export elsewhere find the same file.
    QCOMPARE(run.json[QStringLiteral("spec")][QStringLiteral("kernel")].toString(), collatzKernel());
    QSet<QString> measured;
    for (const auto& r : run.json[QStringLiteral("results")].toArray()) {
        QCOMPARE(r[QStringLiteral("checksum")].toString(), run.json[QStringLiteral("reference_checksum")].toString());
        measured.insert(r[QStringLiteral("backend")].toString());
    }
    QCOMPARE(measured, QSet<QString>(backends.cbegin(), backends.cend()));
}

void TestLibraryKernel::gilThreadsHoldTheLockDuringTheCallUnlessReleased()
{
    const auto kernel = KernelRegistry::create(collatzKernel());
    QCOMPARE(kernel->configure(RunOptions()).error(), QString());
    const QList<qint64> inputs(6, 150'000);
    for (const bool release : { false, true }) {
        RunOptions options;
        options.releaseGil = release;
        const auto gil = testsupport::backend(QStringLiteral("gil-threads"), options);
        RunControl control;
        QList<TaskSpan> spans;
        const testsupport::Outcome outcome = testsupport::execute(*gil, *kernel, inputs, 2, control, spans);
        QVERIFY2(!outcome.threw, qPrintable(outcome.message));
        // The calls' CPU time, and how long the model's record has a thread holding the lock ("running").
        qint64 calls = 0, holding = 0;
        QSet<int> workers;
        for (const TaskSpan& s : std::as_const(spans)) {
            QCOMPARE(s.checksum, collatz(s.input));
            calls += std::max<qint64>(s.cpuNs, 0);
            workers.insert(s.worker);
        }
        for (const StateSpan& state : gil->lastStates()) {
            if (state.state == LockState::Running)
                holding += state.endNs - state.startNs;
        }
        QVERIFY(calls > 0);
        const double held = double(holding) / double(calls);
        qInfo("release_gil %d: the lock was held %.0f%% of the calls' CPU time, %lld hand-overs", release, held * 100,
            gil->lastSwitches());
        if (release) {
            QVERIFY2(held < 0.2, qPrintable(QStringLiteral("held %1 of the calls' time").arg(held)));
        } else {
            // Held through every call, and handed over when a call returns: both threads got tasks.
            QVERIFY2(held > 0.8, qPrintable(QStringLiteral("held %1 of the calls' time").arg(held)));
            QVERIFY(gil->lastSwitches() > 0);
            QCOMPARE(workers.size(), 2);
        }
    }
}

void TestLibraryKernel::pythonBackendsCallItThroughCtypes()
{
    if (const Availability a = BackendRegistry::availability(QStringLiteral("python-threads"), RunOptions());
        !a.available)
        QSKIP(qPrintable(a.reason));
    const QStringList backends { QStringLiteral("sequential"), QStringLiteral("python-sequential"),
        QStringLiteral("python-threads"), QStringLiteral("python-processes") };
    // With and without python_native, which is about ParLab's own kernels: the user's function is called either way.
    for (const QStringList& extra : { QStringList(), QStringList { QStringLiteral("--python-native") } }) {
        const Run run = runParlab(
            QStringList { QStringLiteral("--kernel"), collatzKernel(), QStringLiteral("--inputs"),
                QStringLiteral("20000..20005"), QStringLiteral("--backends"), backends.join(QLatin1Char(',')),
                QStringLiteral("--workers"), QStringLiteral("2"), QStringLiteral("--repeat"), QStringLiteral("1"),
                QStringLiteral("--warmup"), QStringLiteral("0") }
            + extra);
        QVERIFY2(run.code == 0, qPrintable(describe(run)));
        QSet<QString> measured;
        for (const auto& r : run.json[QStringLiteral("results")].toArray()) {
            // Every one against the native sequential's checksums, task by task (the run fails otherwise).
            QCOMPARE(
                r[QStringLiteral("checksum")].toString(), run.json[QStringLiteral("reference_checksum")].toString());
            measured.insert(r[QStringLiteral("backend")].toString());
        }
        QCOMPARE(measured, QSet<QString>(backends.cbegin(), backends.cend()));
    }
}

void TestLibraryKernel::badLibrariesAreRefusedBeforeAnythingRuns_data()
{
    QTest::addColumn<QString>("kernel");
    QTest::addColumn<QString>("error");
    static QTemporaryDir scratch;
    QVERIFY(scratch.isValid());
    const QString missing = scratch.filePath(QStringLiteral("libgone.so"));
    QTest::newRow("missing file") << QStringLiteral("lib:%1:kernel").arg(missing)
                                  << QStringLiteral("the library '%1' does not exist").arg(missing);

    const QString text = scratch.filePath(QStringLiteral("notes.so"));
    QFile notes(text);
    QVERIFY(notes.open(QIODevice::WriteOnly));
    notes.write("not a library\n");
    notes.close();
    QTest::newRow("not ELF")
        << QStringLiteral("lib:%1:kernel").arg(text)
        << QStringLiteral("the library '%1' is not a shared library: it is not an ELF file").arg(text);

    // A library for another machine than this one, and a 32-bit one.
    const bool arm = QSysInfo::currentCpuArchitecture() == QLatin1String("arm64");
    const QString here = arm ? QStringLiteral("ARM aarch64") : QStringLiteral("x86-64");
    const QString foreign = scratch.filePath(QStringLiteral("libforeign.so"));
    writeElfHeader(foreign, true, arm ? EM_X86_64 : EM_AARCH64);
    QTest::newRow("another architecture")
        << QStringLiteral("lib:%1:kernel").arg(foreign)
        << QStringLiteral("the library '%1' was built for %2, this machine is %3")
               .arg(foreign, arm ? QStringLiteral("x86-64") : QStringLiteral("ARM aarch64"), here);
    const QString i386 = scratch.filePath(QStringLiteral("lib32.so"));
    writeElfHeader(i386, false, arm ? EM_ARM : EM_386);
    QTest::newRow("32-bit") << QStringLiteral("lib:%1:kernel").arg(i386)
                            << QStringLiteral("the library '%1' was built for %2, this machine is %3")
                                   .arg(i386, arm ? QStringLiteral("32-bit ARM") : QStringLiteral("32-bit x86 (i386)"),
                                       here);

    const QString needs = userKernel(QStringLiteral("libneeds_dependency.so"));
    QTest::newRow("dependency not found")
        << QStringLiteral("lib:%1:kernel").arg(needs)
        << QStringLiteral("the library '%1' cannot be loaded: libparlab_fixture_dependency.so: cannot open shared "
                          "object file: No such file or directory")
               .arg(needs);

    const QString collatzLibrary = userKernel(QStringLiteral("libcollatz.so"));
    QTest::newRow("no such function")
        << QStringLiteral("lib:%1:colatz").arg(collatzLibrary)
        << QStringLiteral("the library '%1' has no function 'colatz': did you mean 'collatz'? (it exports collatz)")
               .arg(collatzLibrary);
    const QString mangled = userKernel(QStringLiteral("libmangled_kernel.so"));
    QTest::newRow("C++ name")
        << QStringLiteral("lib:%1:kernel").arg(mangled)
        << QStringLiteral("the library '%1' has no function 'kernel': it has the C++ function kernel(long), exported "
                          "under the mangled name '_Z6kernell'; declare it PARLAB_KERNEL (extern \"C\")")
               .arg(mangled);
    QTest::newRow("no function named") << QStringLiteral("lib:%1").arg(collatzLibrary)
                                       << QStringLiteral("name the library and its function; write lib:PATH.so:SYMBOL");
}

void TestLibraryKernel::badLibrariesAreRefusedBeforeAnythingRuns()
{
    QFETCH(QString, kernel);
    QFETCH(QString, error);
    const Run run = runParlab({ QStringLiteral("--kernel"), kernel, QStringLiteral("--inputs"), QStringLiteral("1,2"),
        QStringLiteral("--backends"), QStringLiteral("sequential,processes") });
    QVERIFY2(run.err.contains(error), qPrintable(describe(run)));
    // What only loading it shows (a dependency the loader cannot find) too: parlab run, which only reads the file,
    // has a worker process load it (LibraryKernel::checkLoads).
    QVERIFY2(run.code == 2, qPrintable(describe(run)));
    QVERIFY2(run.out.isEmpty(), qPrintable(describe(run))); // nothing ran
}

void TestLibraryKernel::aCrashInAWorkerNamesBackendInputAndSignal_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<QString>("inputs");
    QTest::addColumn<qint64>("crashing");
    QTest::addColumn<QString>("signal");
    QTest::newRow("processes, SIGSEGV") << QStringLiteral("processes") << QStringLiteral("1..13") << 13LL
                                        << QStringLiteral("signal 11 (SIGSEGV: Segmentation fault)");
    QTest::newRow("processes, SIGABRT") << QStringLiteral("processes") << QStringLiteral("1..12,14") << 14LL
                                        << QStringLiteral("signal 6 (SIGABRT: Aborted)");
    QTest::newRow("process-per-task, SIGSEGV") << QStringLiteral("process-per-task") << QStringLiteral("1..13") << 13LL
                                               << QStringLiteral("signal 11 (SIGSEGV: Segmentation fault)");
    if (mpiAvailable())
        QTest::newRow("mpi, SIGSEGV") << QStringLiteral("mpi") << QStringLiteral("1..13") << 13LL
                                      << QStringLiteral("SIGSEGV");
}

// dlopen runs a library's constructors: `parlab run` (and the window, the same way) only reads the file, and has a
// worker process load it before anything runs; that process is what dies, and parlab says so (it died itself before).
void TestLibraryKernel::aLibraryThatCrashesWhenLoadedCrashesOnlyTheEngine()
{
    const QString kernel = QStringLiteral("lib:%1:kernel").arg(userKernel(QStringLiteral("libloading_crashes.so")));
    const Run run = runParlab({ QStringLiteral("--kernel"), kernel, QStringLiteral("--inputs"), QStringLiteral("1,2"),
        QStringLiteral("--backends"), QStringLiteral("sequential,threads"), QStringLiteral("--workers"),
        QStringLiteral("2"), QStringLiteral("--repeat"), QStringLiteral("1"), QStringLiteral("--warmup"),
        QStringLiteral("0") });
    QVERIFY2(run.code == 2, qPrintable(describe(run)));
    QVERIFY2(run.err.contains(QStringLiteral("parlab run: error: the library '%1' crashes when it is loaded (in its "
                                             "constructors): SIGSEGV")
                                  .arg(userKernel(QStringLiteral("libloading_crashes.so")))),
        qPrintable(describe(run)));
    QVERIFY2(run.out.isEmpty(), qPrintable(describe(run))); // nothing ran
}

// A call into user code cannot be stopped halfway: on the threads that run it in the engine process, --task-timeout
// ends the engine, as it ends a worker process, and says which input ran too long; what was measured stays.
void TestLibraryKernel::aCallThatNeverReturnsEndsAtTheTaskTimeout()
{
    const QString kernel = QStringLiteral("lib:%1:kernel").arg(userKernel(QStringLiteral("libcrashing_kernel.so")));
    QElapsedTimer clock;
    clock.start();
    // The baseline's 3 calls are spared (they compute); threads x2 then meets input 15, which never returns.
    const Run run = runParlab(
        { QStringLiteral("--kernel"), kernel, QStringLiteral("--inputs"), QStringLiteral("1,15,2"),
            QStringLiteral("--backends"), QStringLiteral("sequential,threads"), QStringLiteral("--workers"),
            QStringLiteral("2"), QStringLiteral("--repeat"), QStringLiteral("1"), QStringLiteral("--warmup"),
            QStringLiteral("0"), QStringLiteral("--task-timeout"), QStringLiteral("1") },
        {}, { QStringLiteral("CRASHING_KERNEL_SPARE_CALLS=3") });
    QVERIFY2(run.code == 1, qPrintable(describe(run)));
    QVERIFY2(run.err.contains(QStringLiteral("parlab run: error: threads x2: input 15 of %1 ran longer than the task "
                                             "timeout of 1 s: the engine process running it was ended; the results "
                                             "measured before are kept")
                                  .arg(kernel)),
        qPrintable(describe(run)));
    QVERIFY2(clock.elapsed() < 20'000, "ended at the timeout, not left hanging");
    bool baseline = false;
    for (const auto& v : run.json.value(QStringLiteral("results")).toArray()) {
        const QJsonObject r = v.toObject();
        baseline = baseline
            || (r.value(QStringLiteral("backend")).toString() == QLatin1String("sequential")
                && !r.value(QStringLiteral("samples_s")).toArray().isEmpty());
    }
    QVERIFY2(baseline, qPrintable(describe(run)));
}

void TestLibraryKernel::aCrashInAWorkerNamesBackendInputAndSignal()
{
    QFETCH(QString, backend);
    QFETCH(QString, inputs);
    QFETCH(qint64, crashing);
    QFETCH(QString, signal);
    const QString kernel = QStringLiteral("lib:%1:kernel").arg(userKernel(QStringLiteral("libcrashing_kernel.so")));
    // The fixture spares the parlab run (the shell's pid, which exec hands on) and the engine process it starts for
    // a user's code, which runs the sequential baseline, so that the crash comes in a worker, after the baseline's
    // results.
    const Run run = runParlab(
        { QStringLiteral("--kernel"), kernel, QStringLiteral("--inputs"), inputs, QStringLiteral("--backends"),
            QStringLiteral("sequential,") + backend, QStringLiteral("--workers"), QStringLiteral("2"),
            QStringLiteral("--repeat"), QStringLiteral("1"), QStringLiteral("--warmup"), QStringLiteral("0") },
        {}, {}, QStringLiteral("/bin/sh"),
        { QStringLiteral("-c"), QStringLiteral("CRASHING_KERNEL_SPARE_PID=$$ exec \"$0\" \"$@\""),
            QStringLiteral(PARLAB_EXECUTABLE) });
    QVERIFY2(run.code == 1, qPrintable(describe(run)));
    // mpi: mpirun names the rank that died; its crash report, passed on by mpirun, names the input (below).
    const QRegularExpression said(backend == QLatin1String("mpi")
            ? QStringLiteral(
                "parlab run: error: mpi x2: rank \\d+ @ .*; its last words: parlab-mpi-worker rank \\d+ on "
                ".*: SIGSEGV \\(segmentation fault\\) while running input 13 of %1")
                  .arg(QRegularExpression::escape(kernel))
            : QStringLiteral("parlab run: error: %1 x2: worker pid (\\d+) was killed by %2 while "
                             "running input %3 \\(#%4\\) of %5")
                  .arg(QRegularExpression::escape(backend), QRegularExpression::escape(signal))
                  .arg(crashing)
                  .arg(13) // the 13th input in both lists
                  .arg(QRegularExpression::escape(kernel)));
    const QRegularExpressionMatch match = said.match(run.err);
    QVERIFY2(match.hasMatch(), qPrintable(describe(run)));
    // The worker's own last words, from its crash handler: the same input.
    const std::optional<CrashReport> report = CrashReport::find(run.err);
    QVERIFY2(report, qPrintable(describe(run)));
    QVERIFY2(report->who == QLatin1String("parlab worker") || backend == QLatin1String("mpi"), qPrintable(report->who));
    QCOMPARE(report->input, std::optional<qint64>(crashing));
    QCOMPARE(report->kernel, kernel);
    QVERIFY(signal.contains(report->signal));
    // The baseline measured before the crash is in the results.
    bool baseline = false;
    for (const auto& r : run.json[QStringLiteral("results")].toArray()) {
        if (r[QStringLiteral("backend")].toString() == QLatin1String("sequential"))
            baseline = r[QStringLiteral("samples_s")].toArray().size() == 1;
    }
    QVERIFY2(baseline, qPrintable(describe(run)));
}

QTEST_GUILESS_MAIN(TestLibraryKernel)
#include "tst_librarykernel.moc"
