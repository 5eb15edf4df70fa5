#include "pythonbackend.h"

#include "childprocess.h"
#include "clock.h"
#include "context.h"
#include "installlayout.h"
#include "jsonfield.h"
#include "kernels/kernel.h"
#include "kernels/library.h"
#include "kernels/pythonfunction.h"
#include "optiondescriptor.h"
#include "processguard.h"
#include "procfs.h"
#include "runoptions.h"
#include "threadstatesampler.h"
#include "worker/workerprotocol.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QVersionNumber>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <poll.h>
#include <unistd.h>

// The worker script lives in a static library: nothing else references rcc's object file, so register it by hand.
static void initPythonResources()
{
    Q_INIT_RESOURCE(python);
}

namespace parlab {

namespace {
constexpr int kProbeTimeoutMs = 10'000;
// Loading the user's module may import large libraries: a minute before the check gives up.
constexpr int kCheckTimeoutMs = 60'000;
const QVersionNumber kMinimumVersion(3, 7); // time.thread_time_ns, time.monotonic_ns

// What the interpreter at a path is, asked once: it costs an interpreter start-up.
struct Interpreter {
    QString version;
    QString executable;
    bool freeThreaded = false;
};

// Runs in any Python, 2 included, so that a too-old one is named rather than failing with a syntax error.
constexpr char kProbe[] = "import sys\n"
                          "print(sys.version.split()[0])\n"
                          "print(sys.executable)\n"
                          "g = getattr(sys, '_is_gil_enabled', None)\n"
                          "print('free-threaded' if g is not None and not g() else 'gil')\n";

// A short run of `program` to its end, stdin closed: what it wrote on stdout, or why it did not end well (`what`
// names it in the message: "the Python interpreter '/usr/bin/python3'"). The exit status is the caller's to judge.
struct ShortRun {
    QByteArray out;
    QString stderrTail;
    bool succeeded = false; // exited normally with code 0
    QString exitDescription;
};
Result<ShortRun> runToEnd(const QString& program, const QStringList& arguments, int timeoutMs, const QString& what)
{
    ChildProcess child;
    if (const Result<void> started = child.start(program, arguments, { QStringLiteral("PYTHONDONTWRITEBYTECODE=1") });
        !started)
        return fail(QStringLiteral("the Python interpreter %1").arg(started.error()));
    child.closeStdin();
    const qint64 deadline = monotonicNs() + qint64(timeoutMs) * 1'000'000;
    bool open = true;
    while (open && monotonicNs() < deadline) {
        pollfd fds[2] = { { child.stdoutFd(), POLLIN, 0 }, { child.stderrFd(), POLLIN, 0 } };
        ::poll(fds, 2, 50);
        child.readStderr();
        open = child.readStdout();
    }
    if (open) {
        child.stop();
        return fail(QStringLiteral("%1 did not finish within %2 s").arg(what).arg(timeoutMs / 1000));
    }
    child.waitForExit(ChildProcess::kExitWaitMs);
    return ShortRun { child.stdoutBuffer(), child.stderrTail(), child.exitedNormally() && child.exitCode() == 0,
        child.exitDescription() };
}

// The interpreter at `path`, or why it cannot run the worker.
Result<Interpreter> probe(const QString& path)
{
    const Result<ShortRun> run = runToEnd(path, { QStringLiteral("-c"), QString::fromLatin1(kProbe) }, kProbeTimeoutMs,
        QStringLiteral("the Python interpreter '%1', asked its version,").arg(path));
    if (!run)
        return fail(run.error());
    const QStringList lines = QString::fromLocal8Bit(run->out).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    if (!run->succeeded || lines.size() < 3) {
        const QString tail
            = run->stderrTail.isEmpty() ? QString() : QStringLiteral(": %1").arg(run->stderrTail.right(300));
        return fail(QStringLiteral("'%1' is not a working Python interpreter: asked for its version, it %2%3")
                        .arg(path, run->exitDescription, tail));
    }
    Interpreter result;
    result.version = lines[0].trimmed();
    result.executable = lines[1].trimmed().isEmpty() ? path : lines[1].trimmed();
    result.freeThreaded = lines[2].trimmed() == QStringLiteral("free-threaded");
    if (QVersionNumber::fromString(result.version) < kMinimumVersion)
        return fail(QStringLiteral("'%1' is Python %2, too old: the python-* backends need Python %3 or newer")
                        .arg(path, result.version, kMinimumVersion.toString()));
    return result;
}

// Probes once per path for the life of the program; a failed probe is repeated next time (the user may
// install the interpreter meanwhile), which is cheap when the file is not there at all.
Result<Interpreter> interpreter(const QString& path)
{
    static std::mutex mutex;
    static QHash<QString, Interpreter> known;
    {
        std::lock_guard lock(mutex);
        if (const auto it = known.constFind(path); it != known.cend())
            return *it;
    }
    Result<Interpreter> result = probe(path);
    if (result) {
        std::lock_guard lock(mutex);
        known.insert(path, *result);
    }
    return result;
}

// The worker script, written once per program run from the resource into a private temporary folder (the
// interpreter needs a file: multiprocessing's spawn start method re-imports it by path).
Result<QString> workerScript()
{
    static std::mutex mutex;
    static std::unique_ptr<QTemporaryDir> folder;
    static QString path;
    std::lock_guard lock(mutex);
    if (!path.isEmpty() && QFileInfo::exists(path))
        return path;
    static const bool once = [] {
        initPythonResources();
        return true;
    }();
    Q_UNUSED(once);
    // Named after this process, so that the watchdog, or a later ParLab, removes it if this one is killed.
    ProcessGuard::removeStaleTempFolders();
    folder = std::make_unique<QTemporaryDir>(ProcessGuard::tempFolderTemplate(QStringLiteral("python")));
    if (!folder->isValid()) {
        return fail(QStringLiteral("cannot create a folder for the Python worker script in %1: %2")
                        .arg(QDir::tempPath(), folder->errorString()));
    }
    QFile resource(QStringLiteral(":/python/parlab_worker.py"));
    if (!resource.open(QIODevice::ReadOnly)) {
        return fail(QStringLiteral("the Python worker script is missing from this build (:/python/parlab_worker.py)"));
    }
    QFile file(folder->filePath(QStringLiteral("parlab_worker.py")));
    if (!file.open(QIODevice::WriteOnly) || file.write(resource.readAll()) < 0 || !file.flush()) {
        return fail(
            QStringLiteral("cannot write the Python worker script '%1': %2").arg(file.fileName(), file.errorString()));
    }
    path = file.fileName();
    return path;
}

// The batch's "call" for the user's Python function or C function (parlab_worker.py's CALL); empty for ParLab's
// own kernels.
QJsonObject callOf(const Kernel& kernel)
{
    if (const auto* library = dynamic_cast<const LibraryKernel*>(&kernel))
        return { { QStringLiteral("library"), library->path() }, { QStringLiteral("symbol"), library->symbol() } };
    const auto* user = dynamic_cast<const PythonFunctionKernel*>(&kernel);
    if (!user)
        return {};
    QJsonObject call { { QStringLiteral("function"), user->function() } };
    if (user->file().isEmpty())
        call.insert(QStringLiteral("module"), user->module());
    else
        call.insert(QStringLiteral("file"), user->file());
    return call;
}

// One question to the worker script (--check, --list) with one JSON argument, answered by one JSON line on stdout
// (the last: the user's code may print as it loads): the answer, or why the interpreter gave none. `what` names the
// asker in the message ("py:/p/f.py:f: the Python interpreter, loading the function,").
Result<QJsonObject> askWorker(
    const QString& python, const QString& question, const QJsonObject& argument, const QString& what)
{
    const Result<QString> script = workerScript();
    if (!script)
        return fail(script.error());
    const QString argumentText = QString::fromUtf8(QJsonDocument(argument).toJson(QJsonDocument::Compact));
    const Result<ShortRun> run = runToEnd(python, { *script, question, argumentText }, kCheckTimeoutMs, what);
    if (!run)
        return fail(run.error());
    const QJsonObject answer = QJsonDocument::fromJson(run->out.trimmed().split('\n').constLast()).object();
    if (!answer.isEmpty())
        return answer;
    const QString tail = run->stderrTail.isEmpty() ? QString() : QStringLiteral(": %1").arg(run->stderrTail.right(600));
    return fail(QStringLiteral("%1 %2%3").arg(what, run->exitDescription, tail));
}

QString lastLine(const QString& text)
{
    const QStringList lines = text.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    return lines.isEmpty() ? QString() : lines.last().trimmed();
}
} // namespace

PythonBackend::PythonBackend(Mode mode)
    : m_mode(mode)
{
    configure(RunOptions());
}

PythonBackend::~PythonBackend()
{
    stopInterpreter();
}

QString PythonBackend::id() const
{
    switch (m_mode) {
    case Mode::Sequential:
        return QStringLiteral("python-sequential");
    case Mode::Threads:
        return QStringLiteral("python-threads");
    case Mode::Processes:
        return QStringLiteral("python-processes");
    }
    Q_UNREACHABLE();
}

BackendFacts PythonBackend::facts(Mode mode)
{
    BackendFacts facts { .options = { Option::Python, Option::PythonNative, Option::TaskTimeout },
        .availability = &PythonBackend::availabilityWith,
        .checkKernel = &PythonBackend::checkKernel,
        .checkCode = &PythonBackend::checkCode,
        .runtime = &PythonBackend::runtimeWith };
    facts.runsPython = true;
    facts.baseline = QStringLiteral("python-sequential");
    switch (mode) {
    case Mode::Sequential:
        facts.id = QStringLiteral("python-sequential");
        facts.description = QStringLiteral("real CPython (python3): the inputs one after another in a plain loop; "
                                           "the python-* baseline");
        facts.workerNoun = QStringLiteral("thread");
        facts.usesWorkers = false;
        facts.options << Option::BaselineCore << Option::Pin;
        facts.create = [] { return std::unique_ptr<Backend>(std::make_unique<PythonBackend>(Mode::Sequential)); };
        break;
    case Mode::Threads:
        facts.id = QStringLiteral("python-threads");
        facts.description = QStringLiteral("real CPython: concurrent.futures.ThreadPoolExecutor.map; the GIL lets "
                                           "one thread run Python at a time");
        facts.workerNoun = QStringLiteral("thread");
        facts.options << Option::SwitchInterval << Option::Pin;
        facts.lock = TaskLock::Interpreter;
        facts.lockStrip
            = QStringLiteral("measured (each thread's state, sampled every %1 ms)").arg(double(kStateSampleNs) * 1e-6);
        facts.create = [] { return std::unique_ptr<Backend>(std::make_unique<PythonBackend>(Mode::Threads)); };
        break;
    case Mode::Processes:
        facts.id = QStringLiteral("python-processes");
        facts.description
            = QStringLiteral("real CPython: multiprocessing.Pool.map, an interpreter (and a GIL) per process");
        facts.workerNoun = QStringLiteral("process");
        facts.options << Option::Chunksize << Option::Pin;
        // A pool process: an interpreter of its own (about 5 MiB not shared with the others; 10 MiB allowed) and
        // its pipes in the parent interpreter.
        facts.footprint = { .processes = 1, .memoryBytes = 10 << 20, .launcherFiles = 3 };
        facts.create = [] { return std::unique_ptr<Backend>(std::make_unique<PythonBackend>(Mode::Processes)); };
        break;
    }
    return facts;
}

QStringList PythonBackend::pythonKernels()
{
    return { QStringLiteral("fib"), QStringLiteral("sleep"), QStringLiteral("spin"), QStringLiteral("spin-us"),
        QStringLiteral("primes") };
}

QString PythonBackend::kernelLibrary()
{
    return helperPath(Helper::KernelLibrary);
}

namespace {
// The interpreter the option `python` names (empty: python3 on the PATH), or why there is none.
Result<QString> resolvePython(const QString& option)
{
    QString given = option.trimmed();
    if (given.isEmpty()) {
        QString found = QStandardPaths::findExecutable(QStringLiteral("python3"));
        if (found.isEmpty())
            return fail(QStringLiteral("no Python interpreter: python3 is not on the PATH (install Python 3, or name "
                                       "an interpreter with --python PATH)"));
        return found;
    }
    if (given.contains(QLatin1Char('/')))
        return given; // the probe says what is wrong with it, naming the path
    QString found = QStandardPaths::findExecutable(given);
    if (found.isEmpty())
        return fail(QStringLiteral("the Python interpreter '%1' is not on the PATH").arg(given));
    return found;
}

Availability pythonAvailability(const Result<QString>& python, bool native)
{
    if (!python)
        return { false, python.error() };
    if (const Result<Interpreter> i = interpreter(*python); !i)
        return { false, i.error() };
    if (native) {
        const QFileInfo library(PythonBackend::kernelLibrary());
        if (!library.isFile())
            return { false,
                QStringLiteral("python_native needs ParLab's kernel library '%1', which was not found (build the "
                               "parlab_kernels target, or set PARLAB_KERNEL_LIBRARY)")
                    .arg(library.filePath()) };
    }
    return {};
}
} // namespace

void PythonBackend::configure(const RunOptions& options)
{
    stopInterpreter(); // a running interpreter was started with the old settings
    m_options = options;
    m_python = resolvePython(options.python);
    m_native = options.pythonNative;
    m_chunkSize = options.chunksize;
    m_switchIntervalS = options.switchIntervalMs / 1000.0;
    m_taskTimeoutS = options.taskTimeoutS;
}

Availability PythonBackend::availabilityWith(const RunOptions& options)
{
    return pythonAvailability(resolvePython(options.python), options.pythonNative);
}

Availability PythonBackend::availability() const
{
    return pythonAvailability(m_python, m_native);
}

Result<void> PythonBackend::checkKernel(const QString& id, const Kernel& kernel, const RunOptions& options)
{
    // The user's C function: the worker calls it through ctypes, with or without python_native; checkCode asks the
    // interpreter whether it loads.
    if (kernel.isUsersCode() && kernel.runsNatively())
        return {};
    if (options.pythonNative && !kernel.runsNatively())
        return parlab::fail(QStringLiteral("%1: python_native calls ParLab's C++ kernels, and %2 is your Python "
                                           "function: run it without python_native")
                                .arg(id, kernel.name()));
    // The library makes kernels with default settings, and the Python versions read none.
    if (const QStringList set = kernel.settingsInUse(options); !set.isEmpty()) {
        return parlab::fail(
            QStringLiteral("%1: the kernel '%2' cannot run with %3 set: python-* pass no kernel settings "
                           "on, neither to its Python version nor through python_native")
                .arg(id, kernel.name(), set.join(QStringLiteral(", "))));
    }
    if (options.pythonNative)
        return {};
    if (!kernel.runsNatively())
        return {}; // the user's function: checkCode asks the interpreter
    if (!pythonKernels().contains(kernel.name()))
        return parlab::fail(
            QStringLiteral("%1: the kernel '%2' has no Python version (python-* run %3; with python_native "
                           "they call the C++ kernel instead)")
                .arg(id, kernel.name(), pythonKernels().join(QStringLiteral(", "))));
    return {};
}

Result<void> PythonBackend::checkCode(const Kernel& kernel, const RunOptions& options)
{
    const QJsonObject call = callOf(kernel);
    if (call.isEmpty())
        return {};
    const Result<QString> python = resolvePython(options.python);
    if (!python)
        return parlab::fail(QStringLiteral("%1: %2").arg(kernel.name(), python.error()));
    const QString callText = QString::fromUtf8(QJsonDocument(call).toJson(QJsonDocument::Compact));

    // One check per interpreter, function and PYTHONPATH while the file stays as it was: validateSpec asks for each
    // python-* backend of a run, and again as the run starts.
    struct Checked {
        QString file;
        QDateTime modified;
        qint64 size = 0;
    };
    static std::mutex mutex;
    static QHash<QString, Checked> passed;
    const QString key = QStringList { *python, callText, qEnvironmentVariable("PYTHONPATH") }.join(QLatin1Char('\n'));
    {
        std::lock_guard lock(mutex);
        if (const auto it = passed.constFind(key); it != passed.cend()) {
            const QFileInfo now(it->file);
            if (now.lastModified() == it->modified && now.size() == it->size)
                return {};
        }
    }

    const Result<QJsonObject> answer = askWorker(*python, QStringLiteral("--check"), call,
        QStringLiteral("%1: the Python interpreter, loading the function,").arg(kernel.name()));
    if (!answer)
        return parlab::fail(answer.error());
    if (!answer->value(QStringLiteral("ok")).toBool())
        return parlab::fail(
            QStringLiteral("%1: %2").arg(kernel.name(), answer->value(QStringLiteral("error")).toString()));
    const QFileInfo file(answer->value(QStringLiteral("file")).toString());
    std::lock_guard lock(mutex);
    passed.insert(key, { file.filePath(), file.lastModified(), file.size() });
    return {};
}

Result<CodeListing> PythonBackend::listFunctions(const QString& location, const RunOptions& options)
{
    const Result<PythonFunctionKernel::Location> where = PythonFunctionKernel::locate(location);
    if (!where)
        return parlab::fail(where.error());
    const Result<QString> python = resolvePython(options.python);
    if (!python)
        return parlab::fail(python.error());
    const QJsonObject argument = where->file.isEmpty() ? QJsonObject { { QStringLiteral("module"), where->module } }
                                                       : QJsonObject { { QStringLiteral("file"), where->file } };
    const Result<QJsonObject> answer = askWorker(*python, QStringLiteral("--list"), argument,
        QStringLiteral("the Python interpreter, reading %1,").arg(where->file.isEmpty() ? where->module : where->file));
    if (!answer)
        return parlab::fail(answer.error());
    if (!answer->value(QStringLiteral("ok")).toBool())
        return parlab::fail(answer->value(QStringLiteral("error")).toString());
    CodeListing listing;
    listing.file = answer->value(QStringLiteral("file")).toString();
    for (const QJsonValue value : answer->value(QStringLiteral("functions")).toArray()) {
        const QJsonObject function = value.toObject();
        CodeFunction f;
        f.name = function.value(QStringLiteral("name")).toString();
        const QString parameters = function.value(QStringLiteral("parameters")).toString();
        f.signature = f.name + parameters;
        f.whyNot = function.value(QStringLiteral("why_not")).toString();
        f.callable = f.whyNot.isEmpty();
        listing.functions.append(f);
    }
    return listing;
}

QString PythonBackend::runtimeWith(const RunOptions& options)
{
    const Result<QString> python = resolvePython(options.python);
    if (!python)
        return {};
    const Result<Interpreter> i = interpreter(*python);
    if (!i)
        return {};
    QString text = QStringLiteral("Python %1 (%2)").arg(i->version, i->executable);
    // Said either way: the environment records it, and a comparison tells a free-threaded build from a GIL one.
    text += i->freeThreaded ? QStringLiteral(", free-threaded: no GIL") : QStringLiteral(", with the GIL");
    if (options.pythonNative)
        text += QStringLiteral(", kernels in C++ through ctypes");
    return text;
}

double PythonBackend::liveChildCpuSeconds() const
{
    if (!m_child || !m_child->running())
        return 0;
    // Every process of the interpreter's group: the interpreter and its pool processes, which getrusage
    // cannot see until they are reaped. cutime/cstime cover pool processes the interpreter already reaped.
    double total = 0;
    for (const procfs::ProcessStat& stat : procfs::processesInGroup(m_child->pid()))
        total += stat.cpuSeconds();
    return total;
}

RepeatUsage PythonBackend::collectUsage()
{
    if (!m_child || !m_child->running())
        return {};
    const qint64 interpreter = m_child->pid();
    QList<ProcessUsageProbe::Worker> workers;
    switch (m_mode) {
    case Mode::Sequential:
        workers.append({ .worker = 0, .pid = interpreter, .tid = interpreter, .ownProcess = false });
        break;
    case Mode::Threads:
        for (int k = 0; k < m_threadIds.size(); ++k)
            workers.append({ .worker = k, .pid = interpreter, .tid = m_threadIds[k], .ownProcess = false });
        break;
    case Mode::Processes:
        for (int k = 0; k < m_processIds.size(); ++k)
            workers.append({ .worker = k, .pid = m_processIds[k], .tid = m_processIds[k], .ownProcess = true });
        break;
    }
    return m_usageProbe.take(interpreter, workers);
}

void PythonBackend::start(const Kernel&, int, RunControl&)
{
    m_usageProbe.restart();
}

void PythonBackend::stopInterpreter()
{
    m_pin.release(); // while the pid is still the interpreter's
    if (m_child)
        m_child->stop();
    m_child.reset();
    m_childWorkers = 0;
    m_childEof = false;
    m_threadIds.clear();
    m_processIds.clear();
}

void PythonBackend::fail(const QString& message)
{
    stopInterpreter();
    throw BackendError(message);
}

void PythonBackend::startInterpreter(int workers, RunControl& control)
{
    const Result<QString> script = workerScript();
    if (!script)
        throw BackendError(script.error());
    const QString mode = m_mode == Mode::Sequential ? QStringLiteral("sequential")
        : m_mode == Mode::Threads                   ? QStringLiteral("threads")
                                                    : QStringLiteral("processes");
    QStringList arguments { QStringLiteral("-u"), *script, QStringLiteral("--mode"), mode, QStringLiteral("--workers"),
        QString::number(workers) };
    if (m_native)
        arguments << QStringLiteral("--native") << kernelLibrary();
    if (m_mode == Mode::Threads)
        arguments << QStringLiteral("--switch-interval") << QString::number(m_switchIntervalS, 'g', 17);
    if (m_taskTimeoutS > 0)
        arguments << QStringLiteral("--task-timeout") << QString::number(m_taskTimeoutS, 'g', 17);
    m_child = std::make_unique<ChildProcess>();
    // Kept between batches, which different threads may run; it watches its parent itself, and the watchdog
    // ends it with ParLab.
    m_child->setParentDeathSignal(0);
    m_childEof = false;
    if (const Result<void> started
        = m_child->start(m_python.value_or({}), arguments, { QStringLiteral("PYTHONDONTWRITEBYTECODE=1") });
        !started) {
        m_child.reset();
        throw BackendError(QStringLiteral("cannot start the Python interpreter: %1").arg(started.error()));
    }
    m_childWorkers = workers;
    const QJsonObject ready = nextMessage(control, QStringLiteral("starting"));
    const auto protocolError = [&](const QString& expected) {
        fail(QStringLiteral("protocol error from the Python worker (pid %1): expected %2, got %3")
                 .arg(m_child->pid())
                 .arg(expected, WorkerProtocol::quote(QJsonDocument(ready).toJson(QJsonDocument::Compact))));
    };
    if (!ready.contains(QStringLiteral("ready")))
        protocolError(QStringLiteral("its ready message"));
    // python-threads: its workers' thread ids, python-processes: their process ids, in worker order (absent from
    // a Python without native thread ids, and from older scripts).
    const auto workerIds = [&](const QString& key, const QString& what) {
        QList<qint64> found;
        const QJsonValue given = ready.value(key);
        if (given.isUndefined())
            return found;
        constexpr CountRange kId { 1, std::numeric_limits<qint32>::max() };
        const QJsonArray ids = given.toArray();
        for (const auto& id : ids) {
            const Result<qint64> number = JsonField::count(id, kId);
            if (!number)
                break;
            found.append(*number);
        }
        if (!given.isArray() || found.size() != workers || found.size() != ids.size())
            protocolError(QStringLiteral("%1 %2 id(s) in its ready message").arg(workers).arg(what));
        return found;
    };
    m_threadIds = workerIds(QStringLiteral("threads"), QStringLiteral("thread"));
    m_processIds = workerIds(QStringLiteral("processes"), QStringLiteral("process"));
}

void PythonBackend::pinPoolWorkers()
{
    const QList<qint64>& ids = m_mode == Mode::Threads ? m_threadIds : m_processIds;
    if (ids.size() != m_childWorkers)
        fail(QStringLiteral("cannot pin the workers of %1: the interpreter did not name its worker %2")
                 .arg(id(),
                     m_mode == Mode::Threads ? QStringLiteral("threads (Python 3.8 or newer does)")
                                             : QStringLiteral("processes")));
    for (int worker = 0; worker < ids.size(); ++worker) {
        const int cpu = m_cpus.value(worker, -1);
        if (const Result<void> pinned = setThreadAffinity(ids[worker], { cpu }); !pinned)
            fail(pinFailure(worker, cpu, pinned.error()));
    }
}

QJsonObject PythonBackend::nextMessage(RunControl& control, const QString& doing)
{
    ChildProcess& child = *m_child;
    for (;;) {
        QByteArray line;
        while (child.takeLine(line)) {
            if (line.trimmed().isEmpty())
                continue;
            QJsonParseError error;
            const QJsonDocument document = QJsonDocument::fromJson(line, &error);
            if (error.error != QJsonParseError::NoError || !document.isObject())
                fail(QStringLiteral("protocol error from the Python worker (pid %1) while %2: %3")
                         .arg(child.pid())
                         .arg(doing, WorkerProtocol::quote(line)));
            QJsonObject message = document.object();
            if (message.contains(QStringLiteral("fatal")))
                fail(QStringLiteral("the Python worker (pid %1) gave up while %2: %3")
                         .arg(child.pid())
                         .arg(doing, message.value(QStringLiteral("fatal")).toString()));
            return message;
        }
        if (m_childEof) {
            // The interpreter closed its output: it exited or was killed.
            child.readStderr();
            const bool exited = child.waitForExit(ChildProcess::kExitWaitMs);
            const QString tail = child.stderrTail().isEmpty()
                ? QString()
                : QStringLiteral("; its last words: %1").arg(child.stderrTail().right(600));
            const QString pending = child.stdoutBuffer().isEmpty()
                ? QString()
                : QStringLiteral(" after a truncated line %1").arg(WorkerProtocol::quote(child.stdoutBuffer()));
            fail(
                QStringLiteral("the Python interpreter (pid %1) %2 while %3%4%5")
                    .arg(child.pid())
                    .arg(exited ? child.exitDescription() : QStringLiteral("closed its output"), doing, pending, tail));
        }
        if (control.shouldStop()) {
            stopInterpreter();
            throw Cancelled();
        }
        pollfd fds[3] = { { child.stdoutFd(), POLLIN, 0 }, { child.stderrFd(), POLLIN, 0 },
            { child.wantsToWrite() ? child.stdinFd() : -1, POLLOUT, 0 } };
        ::poll(fds, 3, ChildProcess::kPollMs);
        child.flushStdin(); // a long input list goes in as the interpreter takes it
        child.readStderr();
        if (!child.readStdout())
            m_childEof = true;
    }
}

void PythonBackend::execute(
    const Kernel& kernel, const QList<qint64>& inputs, int workers, RunControl& control, QList<TaskSpan>& spans)
{
    if (const Result<void> runs = checkKernel(id(), kernel, m_options); !runs)
        throw BackendError(runs.error());
    if (const Availability a = availability(); !a.available)
        throw BackendError(QStringLiteral("%1 cannot run here: %2").arg(id(), a.reason));
    const int count = int(inputs.size());
    spans = QList<TaskSpan>(count);
    m_states.clear();
    m_samplingCpuNs = 0;
    if (count == 0)
        return;
    const int parallel = m_mode == Mode::Sequential ? 1 : std::clamp(workers, 1, count);
    if (!m_child || m_child->poll() || m_childWorkers != parallel) {
        stopInterpreter();
        startInterpreter(parallel, control);
    }

    // Given back however the batch ends; where the interpreter stops, stopInterpreter() gave it back already.
    struct Unpin {
        ScopedPin& pin;
        ~Unpin() { pin.release(); }
    } unpin { m_pin };
    if (m_mode == Mode::Sequential && !m_cpus.isEmpty()) {
        if (const Result<void> pinned = m_pin.pin(m_child->pid(), m_cpus.constFirst()); !pinned)
            fail(QStringLiteral("cannot pin the Python interpreter (pid %1) to CPU %2: %3")
                     .arg(m_child->pid())
                     .arg(m_cpus.constFirst())
                     .arg(pinned.error()));
    } else if (!m_cpus.isEmpty()) {
        // A pool's threads or processes live as long as the interpreter and stay on their CPUs between batches.
        pinPoolWorkers();
    }

    QJsonArray list;
    for (qint64 input : inputs)
        list.append(input);
    QJsonObject batch { { QStringLiteral("kernel"), kernel.name() }, { QStringLiteral("inputs"), list },
        { QStringLiteral("chunksize"), m_chunkSize } };
    if (const QJsonObject call = callOf(kernel); !call.isEmpty())
        batch.insert(QStringLiteral("call"), call);
    // Watches the threads from before the batch to its end message; however the batch ends otherwise, it stops
    // when it goes.
    std::optional<ThreadStateSampler> sampler;
    if (m_mode == Mode::Threads && m_sampleStates && m_threadIds.size() == parallel)
        sampler.emplace(m_child->pid(), m_threadIds, kStateSampleNs, kMaxStateSpans / parallel);
    // A failed write means the interpreter died; its closed output reports that below.
    m_child->write(QJsonDocument(batch).toJson(QJsonDocument::Compact) + '\n');

    const QString doing = QStringLiteral("running %1 on %2 input(s)").arg(kernel.name()).arg(count);
    auto protocolError = [&](const QJsonObject& message, const QString& why) {
        fail(QStringLiteral("protocol error from the Python worker (pid %1) while %2: %3: %4")
                 .arg(m_child->pid())
                 .arg(doing, why, WorkerProtocol::quote(QJsonDocument(message).toJson(QJsonDocument::Compact))));
    };
    QList<bool> seen(count, false);
    int done = 0;
    for (;;) {
        const QJsonObject message = nextMessage(control, doing);
        if (message.contains(QStringLiteral("done"))) {
            const int index = message.value(QStringLiteral("done")).toInt(-1);
            bool ok = false;
            const quint64 checksum = message.value(QStringLiteral("checksum")).toString().toULongLong(&ok, 16);
            const QJsonValue start = message.value(QStringLiteral("start"));
            const QJsonValue end = message.value(QStringLiteral("end"));
            // The task's thread CPU time and run-queue delay: -1 where it was not sampled, absent from older
            // scripts.
            constexpr CountRange kMeasuredNs { -1, std::numeric_limits<qint64>::max() };
            const auto measured = [&](const QString& key) -> std::optional<qint64> {
                const QJsonValue value = message.value(key);
                if (value.isUndefined())
                    return -1;
                const Result<qint64> ns = JsonField::count(value, kMeasuredNs);
                return ns ? std::optional<qint64>(*ns) : std::nullopt;
            };
            const std::optional<qint64> cpu = measured(QStringLiteral("cpu"));
            const std::optional<qint64> wait = measured(QStringLiteral("wait"));
            // The CPU the task ended on: -1 where the interpreter cannot say, absent from older scripts.
            const QJsonValue on = message.value(QStringLiteral("on"));
            const int ranOn = on.isUndefined() ? -1 : on.toInt(-2);
            if (index < 0 || index >= count || !ok || !start.isDouble() || !end.isDouble() || !cpu || !wait
                || ranOn < -1)
                protocolError(message, QStringLiteral("malformed result"));
            if (seen[index])
                protocolError(message, QStringLiteral("a second result for the same task"));
            TaskSpan& span = spans[index];
            span.input = inputs[index];
            span.index = index;
            span.worker = message.value(QStringLiteral("worker")).toInt();
            span.pid = message.value(QStringLiteral("pid")).toInteger();
            span.startNs = start.toInteger();
            span.endNs = end.toInteger();
            span.cpuNs = *cpu;
            span.waitNs = *wait;
            span.cpu = ranOn;
            span.checksum = checksum;
            seen[index] = true;
            ++done;
        } else if (message.contains(QStringLiteral("failed"))) {
            const int index = message.value(QStringLiteral("failed")).toInt(-1);
            if (index < 0 || index >= count)
                protocolError(message, QStringLiteral("a failure of a task it was not given"));
            // The kernel failed, not the interpreter: it stays up for the next batch.
            const QString traceback = message.value(QStringLiteral("error")).toString().trimmed();
            throw BackendError(QStringLiteral("%1 failed on input %2 (#%3) in Python (pid %4): %5\n%6")
                                   .arg(kernel.name())
                                   .arg(inputs[index])
                                   .arg(index + 1)
                                   .arg(message.value(QStringLiteral("pid")).toInteger())
                                   .arg(lastLine(traceback), traceback.right(2000)));
        } else if (message.contains(QStringLiteral("timeout"))) {
            // A task ran too long; the interpreter cannot stop it, so it goes, with its pool.
            const int index = message.value(QStringLiteral("timeout")).toInt(-1);
            if (index < 0 || index >= count)
                protocolError(message, QStringLiteral("a timeout of a task it was not given"));
            fail(taskTimeoutMessage(inputs[index], index, m_taskTimeoutS));
        } else if (message.contains(QStringLiteral("end"))) {
            if (done != count)
                protocolError(message, QStringLiteral("the batch ended with %1 of %2 results").arg(done).arg(count));
            if (sampler) {
                sampler->stop();
                m_states = lockStates(sampler->states(), spans, kMaxStateSpans / parallel);
                m_samplingCpuNs = sampler->cpuNs();
            }
            return;
        } else {
            protocolError(message, QStringLiteral("not a message of the protocol"));
        }
    }
}

QList<StateSpan> PythonBackend::lockStates(const QList<StateSpan>& seen, const QList<TaskSpan>& spans, int maxPerWorker)
{
    struct Interval {
        qint64 from = 0;
        qint64 to = 0;
    };
    std::map<int, std::vector<Interval>> tasks; // each worker's tasks in time order
    for (const TaskSpan& s : spans)
        tasks[s.worker].push_back({ s.startNs, s.endNs });
    for (auto& [worker, intervals] : tasks)
        std::sort(
            intervals.begin(), intervals.end(), [](const Interval& x, const Interval& y) { return x.from < y.from; });

    std::map<int, StateRecord> byWorker;
    const auto append = [&byWorker, maxPerWorker](const StateSpan& span) {
        byWorker.try_emplace(span.worker, maxPerWorker).first->second.append(span);
    };
    static const std::vector<Interval> kNone;
    for (const StateSpan& s : seen) {
        if (s.state != LockState::Waiting) {
            append(s);
            continue;
        }
        // Waiting inside the worker's tasks, released between them.
        const auto found = tasks.find(s.worker);
        const std::vector<Interval>& own = found == tasks.end() ? kNone : found->second;
        auto task
            = std::upper_bound(own.begin(), own.end(), s.startNs, [](qint64 t, const Interval& i) { return t < i.to; });
        for (qint64 at = s.startNs; at < s.endNs;) {
            if (task != own.end() && task->from <= at) {
                const qint64 to = std::max(at, std::min(task->to, s.endNs));
                append({ s.worker, LockState::Waiting, at, to });
                at = to;
                ++task;
            } else {
                const qint64 to = task != own.end() ? std::min(task->from, s.endNs) : s.endNs;
                append({ s.worker, LockState::Released, at, to });
                at = to;
            }
        }
    }
    QList<StateSpan> result;
    for (auto& [worker, record] : byWorker)
        result.append(record.take());
    return result;
}

} // namespace parlab
