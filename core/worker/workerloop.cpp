#include "workerloop.h"

#include "clock.h"
#include "context.h"
#include "kernels/kernel.h"
#include "workerprotocol.h"

#include <QCoreApplication>
#include <QSysInfo>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <sys/prctl.h>
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
} // namespace

int runWorkerLoop(const Kernel& kernel, int worker)
{
    const pid_t parent = ::getppid();
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent)
        return 1; // the parent died before the line above took effect

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
        if (const Result<void> valid = kernel.checkInput(input); !valid) {
            if (!writeAll(WorkerProtocol::failed(index, valid.error())))
                return 1;
            continue;
        }
        QByteArray reply;
        const qint64 cpu0 = threadCpuNs();
        const qint64 start = monotonicNs();
        try {
            const quint64 checksum = kernel.run(input, context);
            const qint64 end = monotonicNs();
            reply = WorkerProtocol::done(index, checksum, start, end, threadCpuNs() - cpu0, worker);
        } catch (const std::exception& e) {
            reply = WorkerProtocol::failed(index, QString::fromLocal8Bit(e.what()));
        }
        if (!writeAll(reply))
            return 1;
    }
    return 0;
}

} // namespace parlab
