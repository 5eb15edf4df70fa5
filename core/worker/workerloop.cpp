#include "workerloop.h"

#include "clock.h"
#include "context.h"
#include "cpus.h"
#include "crashreport.h"
#include "kernels/kernel.h"
#include "processguard.h"
#include "resourceusage.h"
#include "taskclock.h"
#include "workerprotocol.h"

#include <QCoreApplication>
#include <QSysInfo>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <pthread.h>
#include <sys/prctl.h>
#include <thread>
#include <unistd.h>
#include <utility>

namespace parlab {

namespace {
bool writeAll(const QByteArray& data)
{
    qsizetype written = 0;
    while (written < data.size()) {
        const ssize_t n = ::write(STDOUT_FILENO, data.constData() + written, size_t(data.size() - written));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        written += n;
    }
    return true;
}

// Reads one line from stdin (without the '\n'); false at end of input.
bool readLine(QByteArray& line)
{
    static QByteArray buffer;
    for (;;) {
        const qsizetype newline = buffer.indexOf('\n');
        if (newline >= 0) {
            line = buffer.left(newline);
            buffer.remove(0, newline + 1);
            return true;
        }
        char chunk[4096];
        const ssize_t n = ::read(STDIN_FILENO, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (buffer.isEmpty())
                return false;
            line = buffer;
            buffer.clear();
            return true;
        }
        buffer.append(chunk, n);
    }
}

// What this worker used since `since`, as a usage line: the peak memory of the whole process, the switches of this
// thread, which runs the tasks (the watcher's wake-ups are not the tasks' doing), and of the programs it ran.
QByteArray usageSince(const ResourceUsage::Switches& since)
{
    const WorkerUsage used = ResourceUsage::workerSince(0, since);
    return WorkerProtocol::usage(
        ResourceUsage::peakRssBytes(), used.voluntarySwitches, used.involuntarySwitches, used.programPeakRssBytes);
}

// Where the counts of usageSince() start: at the worker's start, and again at the first task after a report. Not at
// the report itself, so the peak of a worker's last batch is still its high-water mark when it exits, which is what
// the kernel hands its parent (wait4's ru_maxrss, as /usr/bin/time -v shows it), and the idle time between two
// batches is neither's.
ResourceUsage::Switches countAfresh()
{
    ResourceUsage::resetPeakRss();
    return ResourceUsage::startWorker();
}

// Ends the worker and everything it started when ParLab stops it (SIGTERM), a terminal hangs up, or ParLab dies
// (the parent-death signal, or, should that be missed, a changed parent). A thread of its own: the main thread
// is busy in a kernel and only async-signal-safe code may run in a signal handler.
void watchParent(pid_t parent, const sigset_t& stopSignals)
{
    for (;;) {
        const timespec interval { 0, 100'000'000 };
        const int signal = ::sigtimedwait(&stopSignals, nullptr, &interval);
        if (signal > 0 || ::getppid() != parent) {
            ProcessGuard::endDescendants();
            if (signal > 0) {
                // Dies of the signal itself, so that ParLab reads "killed by signal 15" as before.
                std::signal(signal, SIG_DFL);
                sigset_t just;
                sigemptyset(&just);
                sigaddset(&just, signal);
                pthread_sigmask(SIG_UNBLOCK, &just, nullptr);
                ::raise(signal);
            }
            ::_exit(1);
        }
    }
}
} // namespace

QByteArray runTaskLine(const Kernel& kernel, Context& context, int index, qint64 input, int worker)
{
    if (const Result<void> valid = kernel.checkInput(input); !valid)
        return WorkerProtocol::failed(index, valid.error());
    const qint64 start = monotonicNs();
    const std::optional<TaskClock::Reading> begun = TaskClock::begin(start);
    try {
        const quint64 checksum = kernel.run(input, context);
        const TaskClock::Usage used = TaskClock::since(begun);
        const qint64 end = monotonicNs();
        return WorkerProtocol::done(index, checksum, start, end, used.cpuNs, used.waitNs, worker, currentCpu());
    } catch (const std::exception& e) {
        return WorkerProtocol::failed(index, QString::fromLocal8Bit(e.what()));
    }
}

int runWorkerLoop(const Kernel& kernel, int worker)
{
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    for (int signal : { SIGTERM, SIGINT, SIGHUP })
        sigaddset(&stopSignals, signal);
    // Blocked before any other thread exists, so that only the watcher takes them.
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);
    const pid_t parent = ::getppid();
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent)
        return 1; // the parent died before the line above took effect
    // Orphans of the programs a kernel starts (a command's background children) stay below this worker, where
    // the watcher finds them.
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    std::thread(watchParent, parent, stopSignals).detach();

    // A crash in the kernel (a user's library) says on stderr, which ParLab keeps, which input it ran.
    installCrashReport("parlab worker");

    if (!writeAll(WorkerProtocol::ready(QCoreApplication::applicationPid(), QSysInfo::machineHostName())))
        return 1;
    RunControl control; // never cancelled here: the parent stops a worker by ending it
    Context context(control, worker);
    // Counted from here: what starting up took is not a task's.
    ResourceUsage::Switches counted = countAfresh();
    bool reported = false;
    QByteArray line;
    while (readLine(line)) {
        if (WorkerProtocol::isUsageRequest(line)) {
            if (!writeAll(usageSince(counted)))
                return 1;
            reported = true;
            continue;
        }
        if (std::exchange(reported, false))
            counted = countAfresh();
        const auto task = WorkerProtocol::parseTask(line);
        if (!task) {
            writeAll(WorkerProtocol::fatal(
                QStringLiteral("worker received a malformed task line: %1").arg(WorkerProtocol::quote(line))));
            return 2;
        }
        const auto [index, input] = *task;
        if (!writeAll(runTaskLine(kernel, context, index, input, worker)))
            return 1;
    }
    // A worker that runs one task and ends (process-per-task) reports what it used as it goes; a pool's ParLab has
    // stopped listening by now, so this line may find no reader.
    writeAll(usageSince(counted));
    ProcessGuard::endDescendants();
    return 0;
}

} // namespace parlab
