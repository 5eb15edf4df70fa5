#pragma once

// What several test binaries (and the benchmarks) need: running the real parlab executable, running one backend
// batch on a thread of its own, running a whole experiment on the caller's thread, finding the child processes a test
// must prove are gone, and hand-made measurements for the exports, models and charts.

#include "backends/backend.h"
#include "backends/backendregistry.h"
#include "context.h"
#include "experimentspec.h"
#include "measurement.h"
#include "procfs.h"
#include "runner.h"
#include "runoptions.h"
#include "runresult.h"
#include "taskspan.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonObject>
#include <QMap>
#include <QObject>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <algorithm>
#include <functional>
#include <memory>
#include <thread>
#include <unistd.h>

namespace testsupport {

// How many times slower this build runs than a plain one (1, or more under sanitizers: tests/CMakeLists.txt):
// a latency bound a test asserts is the plain build's bound times this.
inline constexpr int kSlowdown = PARLAB_TEST_SLOWDOWN;

// How one backend batch ended.
struct Outcome {
    bool threw = false;
    bool cancelled = false;
    QString message;
    qint64 ms = 0;
};

// Runs one batch on another thread (as the runner does), while `meanwhile` runs on this one.
inline Outcome execute(parlab::Backend& backend, const parlab::Kernel& kernel, const QList<qint64>& inputs, int workers,
    parlab::RunControl& control, QList<parlab::TaskSpan>& spans, const std::function<void()>& meanwhile = {})
{
    Outcome outcome;
    std::thread runner([&] {
        QElapsedTimer timer;
        timer.start();
        try {
            backend.execute(kernel, inputs, workers, control, spans);
        } catch (const parlab::BackendError& e) {
            outcome.threw = true;
            outcome.message = e.message();
        } catch (const parlab::Cancelled&) {
            outcome.cancelled = true;
        }
        outcome.ms = timer.elapsed();
    });
    if (meanwhile)
        meanwhile();
    runner.join();
    return outcome;
}

// How a whole experiment run on this thread ended: the RunResult `finished` carried (the first, where it came more
// than once) and how many times it came: exactly once is the Runner's contract.
struct RunEnd {
    parlab::RunResult result;
    int finishedCount = 0;
};

// A whole experiment through the Runner, as the window and `parlab run` run it, on this thread: start() returns when
// the run is over.
inline RunEnd runToEnd(const parlab::ExperimentSpec& spec)
{
    parlab::Runner runner;
    RunEnd end;
    QObject::connect(&runner, &parlab::Runner::finished, &runner, [&end](const parlab::RunResult& r) {
        if (end.finishedCount++ == 0)
            end.result = r;
    });
    runner.start(spec);
    return end;
}

// A spec as the tests write them: what to run, where, how often.
inline parlab::ExperimentSpec makeSpec(const QString& kernel, const QList<qint64>& inputs, const QStringList& backends,
    const QList<int>& workers, int repeats, int warmup)
{
    parlab::ExperimentSpec s;
    s.kernel = kernel;
    s.inputs = inputs;
    s.backends = backends;
    s.workers = workers;
    s.repeats = repeats;
    s.warmup = warmup;
    return s;
}

// Options as a file writes them ({"chunksize": 3}), read through the one codec, so the keys are checked too.
inline parlab::RunOptions runOptions(const QJsonObject& json)
{
    auto options = parlab::RunOptions::fromJson(json, QStringLiteral("test options"));
    if (!options)
        qFatal("%s", qPrintable(options.error()));
    return *options;
}

// The backend `id`, configured with `options` as the runner would.
inline std::unique_ptr<parlab::Backend> backend(const QString& id, const parlab::RunOptions& options = {})
{
    auto b = parlab::BackendRegistry::create(id);
    b->configure(options);
    return b;
}

struct Result {
    int code = -1; // -1 when it crashed or timed out
    QString out;
    QString err;
    qint64 ms = 0;
};

// Sets an environment variable for the life of the object.
class ScopedEnvironment final {
public:
    ScopedEnvironment(const char* name, const QByteArray& value)
        : m_name(name)
        , m_had(qEnvironmentVariableIsSet(name))
        , m_old(qgetenv(name))
    {
        qputenv(name, value);
    }
    ~ScopedEnvironment()
    {
        if (m_had)
            qputenv(m_name, m_old);
        else
            qunsetenv(m_name);
    }

private:
    const char* m_name;
    bool m_had;
    QByteArray m_old;
};

// Runs `parlab ARGUMENTS` to the end (or kills it after timeoutMs) and collects what it printed.
inline Result runParlab(const QStringList& arguments, int timeoutMs = 60'000)
{
    QProcess process;
    QElapsedTimer timer;
    timer.start();
    process.start(QStringLiteral(PARLAB_EXECUTABLE), arguments);
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        return { -1, QString::fromUtf8(process.readAllStandardOutput()), QStringLiteral("timed out"), timer.elapsed() };
    }
    return { process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
        QString::fromUtf8(process.readAllStandardOutput()), QString::fromUtf8(process.readAllStandardError()),
        timer.elapsed() };
}

// Every live (not zombie) process descended from `parent`, read from /proc.
inline QList<qint64> descendants(qint64 parent = ::getpid())
{
    return parlab::procfs::descendants(parent);
}

// Descendants of `parent` whose command name (/proc/PID/comm) is `name`: how a test waits for the children of its
// run, not for a short-lived probe (`git rev-parse`) that a run starts first and that is gone again a moment later.
inline QList<qint64> descendantsNamed(const QByteArray& name, qint64 parent = ::getpid())
{
    QList<qint64> named;
    for (const qint64 pid : parlab::procfs::descendants(parent)) {
        if (parlab::procfs::readFile(QStringLiteral("/proc/%1/comm").arg(pid)).trimmed() == name)
            named.append(pid);
    }
    return named;
}

// Every live (not zombie) process whose environment holds exactly `entry` ("NAME=value"), wherever it was
// reparented to: how a test finds the processes of its own run, and only those.
inline QList<qint64> processesCarrying(const QByteArray& entry)
{
    QList<qint64> found;
    for (const parlab::procfs::ProcessStat& s : parlab::procfs::processes()) {
        if (s.pid != ::getpid() && !s.gone() && parlab::procfs::carries(parlab::procfs::environment(s.pid), entry))
            found.append(s.pid);
    }
    return found;
}

// "pid command line" of each process (its first 120 characters), "; " between them, for a failure's message.
inline QString describeProcesses(const QList<qint64>& pids)
{
    QStringList lines;
    for (qint64 pid : pids) {
        QByteArray cmdline = parlab::procfs::readFile(QStringLiteral("/proc/%1/cmdline").arg(pid));
        cmdline.replace('\0', ' ');
        lines.append(QStringLiteral("%1 %2").arg(pid).arg(QString::fromLocal8Bit(cmdline.left(120))));
    }
    return lines.join(QStringLiteral("; "));
}

// The PARLAB_OWNER entry that the processes started by the ParLab process `pid` carry (its pid and start time, as
// ProcessGuard writes it); empty when there is no such process.
inline QByteArray ownerEntryOf(qint64 pid)
{
    const auto stat = parlab::procfs::stat(pid);
    return stat ? "PARLAB_OWNER=" + QByteArray::number(stat->pid) + '.' + QByteArray::number(stat->startTicks)
                : QByteArray();
}

// Successful repeats across every measurement of a run.
inline int totalSamples(const parlab::RunResult& result)
{
    int n = 0;
    for (const parlab::Measurement& m : result.measurements)
        n += int(m.samplesS.size());
    return n;
}

// A measurement with the given wall-time samples, CPU time = wall x workers (all of them busy).
inline parlab::Measurement measurement(
    const QString& backend, int workers, const QList<double>& samples, quint64 checksum = 0)
{
    parlab::Measurement m;
    m.backend = backend;
    m.workers = workers;
    m.samplesS = samples;
    for (double s : samples)
        m.cpuS.append(s * workers);
    m.checksum = checksum;
    return m;
}

// What the worker that ran each task measured of it (TaskSpan::cpuNs, waitNs), checked as a user reading the
// accounting of lost time would. "" when every span holds; else the first problem, naming the span.
inline QString describeSpan(const parlab::TaskSpan& s)
{
    return QStringLiteral("task #%1 (input %2, worker %3): wall %4 us, cpu %5 us, run-queue wait %6 us")
        .arg(s.index)
        .arg(s.input)
        .arg(s.worker)
        .arg(double(s.endNs - s.startNs) * 1e-3, 0, 'f', 1)
        .arg(double(s.cpuNs) * 1e-3, 0, 'f', 1)
        .arg(double(s.waitNs) * 1e-3, 0, 'f', 1);
}

// Tasks that only compute, each longer than the sampling interval (so every one is sampled): both figures are
// recorded, and a computing thread is either running or waiting for a core, so CPU + run-queue wait is the
// task's wall time, whatever else loads the machine (within 10% + 1 ms: interrupts, clock reads; never more than
// the wall time, as both are read inside the task). Checked per task, or, where the worker may block now and
// then inside a task (an interpreter handing its lock to a housekeeping thread), over the whole batch.
enum class Check { EachTask, Batch };
inline QString computingTaskProblem(const QList<parlab::TaskSpan>& spans, Check check = Check::EachTask)
{
    qint64 wall = 0, accounted = 0;
    for (const parlab::TaskSpan& s : spans) {
        const qint64 taskWall = s.endNs - s.startNs;
        if (s.cpuNs < 0 || s.waitNs < 0)
            return QStringLiteral("not measured: ") + describeSpan(s);
        const qint64 unaccounted = taskWall - s.cpuNs - s.waitNs;
        if (unaccounted < -(taskWall / 100 + 200'000))
            return QStringLiteral("cpu + wait exceeds the wall time: ") + describeSpan(s);
        if (check == Check::EachTask && unaccounted > taskWall / 10 + 1'000'000)
            return QStringLiteral("cpu + wait falls short of the wall time: ") + describeSpan(s);
        wall += taskWall;
        accounted += s.cpuNs + s.waitNs;
    }
    if (wall - accounted > wall / 10 + 1'000'000 * spans.size())
        return QStringLiteral("cpu + wait cover %1% of the tasks' wall time")
            .arg(100.0 * double(accounted) / double(std::max<qint64>(wall, 1)), 0, 'f', 1);
    return {};
}

// Tasks that sleep: measured, and their thread used a small part of the wall time. The run-queue wait is
// recorded too, except for a thread's first task that blocked (TaskClock opens the schedstat file only then): all
// of them where each task has a fresh process (`everyThreadFresh`).
inline QString sleepingTaskProblem(const QList<parlab::TaskSpan>& spans, bool everyThreadFresh = false)
{
    int waits = 0;
    for (const parlab::TaskSpan& s : spans) {
        const qint64 wall = s.endNs - s.startNs;
        if (s.cpuNs < 0 || s.waitNs < -1)
            return QStringLiteral("not measured: ") + describeSpan(s);
        if (s.cpuNs > wall / 10)
            return QStringLiteral("a sleeping task used CPU: ") + describeSpan(s);
        waits += s.waitNs >= 0 ? 1 : 0;
    }
    return waits > 0 || everyThreadFresh || spans.size() < 3
        ? QString()
        : QStringLiteral("no sleeping task recorded its run-queue wait");
}

// Tasks that compute under a lock (a GIL, real or modelled) with two workers: time spent blocked on the lock is
// neither CPU nor run-queue wait, so part of the wall time stays unaccounted, summed over the batch. About half
// on a quiet machine; less on a loaded one, where a thread woken with the lock also waits for a core (run-queue
// wait, rightly) and the lock holder, too, waits for one: at least 5% either way, where computing tasks leave ~0.
inline QString lockedTaskProblem(const QList<parlab::TaskSpan>& spans)
{
    qint64 wall = 0, unaccounted = 0;
    for (const parlab::TaskSpan& s : spans) {
        // A thread's first task that blocked has no run-queue wait (-1): counted as 0.
        const qint64 wait = std::max<qint64>(s.waitNs, 0);
        if (s.cpuNs < 0)
            return QStringLiteral("not measured: ") + describeSpan(s);
        if (s.cpuNs + wait > s.endNs - s.startNs + 200'000)
            return QStringLiteral("cpu + wait exceeds the wall time: ") + describeSpan(s);
        wall += s.endNs - s.startNs;
        unaccounted += s.endNs - s.startNs - s.cpuNs - wait;
    }
    if (unaccounted < wall / 20)
        return QStringLiteral("only %1% of the tasks' wall time was neither CPU nor run-queue wait: the lock waits "
                              "are missing")
            .arg(100.0 * double(unaccounted) / double(std::max<qint64>(wall, 1)), 0, 'f', 1);
    return {};
}

// Gives every repeat of `m` an account of where its workers x wall time went: the given seconds of start-up,
// dispatch, idle tail and runnable-without-a-core inside tasks, the rest of it on the CPU in tasks. A baseline
// accounted with zeros ran its tasks on the CPU all its wall time.
inline void account(parlab::Measurement& m, double startupS, double dispatchS, double tailS, double waitS)
{
    m.accounts.clear();
    for (double wallS : std::as_const(m.samplesS)) {
        parlab::RepeatAccount a;
        a.startupS = startupS;
        a.dispatchS = dispatchS;
        a.tailS = tailS;
        a.taskS = double(m.workers) * wallS - startupS - dispatchS - tailS;
        a.taskWaitS = waitS;
        a.taskCpuS = a.taskS - waitS;
        m.accounts.append(a);
    }
}

} // namespace testsupport
