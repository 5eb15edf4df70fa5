#pragma once

#include "result.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>
#include <csignal>
#include <sys/types.h>

namespace parlab {

// A child program with pipes on stdin, stdout and stderr, in a process group of its own, so that stopping it
// stops everything it started too. It dies with the thread that started it (PR_SET_PDEATHSIG, so SIGKILL of
// ParLab too: start a child from a thread that outlives it) and carries ProcessGuard's owner mark in its
// environment, which its own children inherit. Non-blocking I/O; the owner polls the file descriptors. Used
// from one thread at a time. The destructor stops a child that still runs.
class ChildProcess final {
public:
    // How often an owner polls a child's pipes, in ms: what bounds the latency of a cancel.
    static constexpr int kPollMs = 20;
    // How long a child whose pipe closed gets to exit and be reaped before it counts as hung, in ms.
    static constexpr int kExitWaitMs = 1000;
    // At most about this many bytes are read from a pipe per readStdout()/readStderr(), so that a child
    // writing faster than its owner consumes cannot grow the buffer without bound.
    static constexpr qsizetype kReadCap = 1 << 20;

    ChildProcess() = default;
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    // Starts `program` with `arguments` and this process's environment plus `extraEnvironment`
    // ("NAME=value" entries, which win); fails with why it could not start (not found, not executable, out of
    // processes). stderr is kept apart, for error messages.
    Result<void> start(const QString& program, const QStringList& arguments, const QStringList& extraEnvironment = {});
    // The signal the child gets when the thread that started it ends (PR_SET_PDEATHSIG), for the next start();
    // SIGKILL unless set. 0 for a child that outlives the thread starting it (an interpreter kept between
    // batches that different threads may run): ProcessGuard's watchdog still ends it with ParLab.
    void setParentDeathSignal(int signal) { m_parentDeathSignal = signal; }

    pid_t pid() const { return m_pid; }
    bool running() const { return m_pid > 0 && !m_exited; }
    int stdoutFd() const { return m_out; }
    int stderrFd() const { return m_err; }

    // Queues `data` for the child's stdin and writes what the pipe takes now, never blocking: a child that
    // is itself blocked writing its output must not deadlock with us. The owner polls stdinFd() for
    // POLLOUT while wantsToWrite() and calls flushStdin(). False when the child closed its stdin (died).
    bool write(const QByteArray& data);
    bool flushStdin();
    bool wantsToWrite() const { return m_in >= 0 && !m_inPending.isEmpty(); }
    int stdinFd() const { return m_in; }
    // End of file for the child, after whatever is still queued.
    void closeStdin();

    // Reads what is available (up to kReadCap) without blocking. Returns false at end of file.
    bool readStdout();
    bool readStderr();
    // The next complete line of stdout (without '\n'), if one has arrived.
    bool takeLine(QByteArray& line);
    QByteArray& stdoutBuffer() { return m_outBuffer; }
    // The last bytes the child wrote to stderr (at most 4 KiB).
    QString stderrTail() const;

    // Reaps the child if it has exited (non-blocking); true when it has.
    bool poll();
    // Waits up to `timeoutMs` for the child to exit; true when it has.
    bool waitForExit(int timeoutMs);
    // SIGTERM to the process group, up to `graceMs` to exit, then SIGKILL; always reaps. Then ends what is left
    // of the group (endGroup) and every stray carrying the owner mark (ProcessGuard::endStrays).
    void stop(int graceMs = 500);
    // stop() for several children at once, with one grace period for all.
    static void stopAll(const QList<ChildProcess*>& children, int graceMs = 500);
    // After the child exited: kills whatever is left in its process group (a program it started in the
    // background) and reaps those that became ours. Cheap when the group is empty.
    void endGroup();

    // What the child used, as wait4 reported it when it was reaped: its own use with that of the children it waited
    // for, what /usr/bin/time -v shows of a program. -1 each until then.
    struct Used {
        qint64 peakRssBytes = -1;
        qint64 voluntarySwitches = -1;
        qint64 involuntarySwitches = -1;
    };
    const Used& used() const { return m_used; }

    // After exit: "exited with code 3" or "was killed by signal 9 (SIGKILL: Killed)".
    QString exitDescription() const;
    bool exitedNormally() const { return m_exited && m_signal == 0; }
    int exitCode() const { return m_exitCode; }
    int exitSignal() const { return m_signal; }
    // "SIGSEGV": a signal as people look it up.
    static QString signalName(int signal);

private:
    void closeAll();

    pid_t m_pid = -1;
    int m_in = -1;
    int m_out = -1;
    int m_err = -1;
    bool m_exited = false;
    bool m_groupEnded = false;
    int m_parentDeathSignal = SIGKILL;
    int m_exitCode = 0;
    int m_signal = 0;
    Used m_used;
    QByteArray m_inPending;
    bool m_closeRequested = false;
    QByteArray m_outBuffer;
    QByteArray m_errTail;
};

} // namespace parlab
