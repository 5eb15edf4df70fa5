#include "workerloop.h"

#include "clock.h"
#include "context.h"
#include "cpus.h"
#include "crashreport.h"
#include "kernels/kernel.h"
#include "processguard.h"
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
    QByteArray line;
    while (readLine(line)) {
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
    ProcessGuard::endDescendants();
    return 0;
}

} // namespace parlab
