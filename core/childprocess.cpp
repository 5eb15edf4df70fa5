#include "childprocess.h"

#include "clock.h"

#include <QFileInfo>
#include <QStandardPaths>
#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace parlab {

namespace {
constexpr qsizetype kStderrTail = 4096;

bool makePipe(int fds[2])
{
    return ::pipe2(fds, O_CLOEXEC) == 0;
}

void closeFd(int& fd)
{
    if (fd >= 0)
        ::close(fd);
    fd = -1;
}

// Reads everything available from a non-blocking fd; false at end of file.
bool drain(int fd, QByteArray& into, qsizetype keepLast = -1)
{
    char buffer[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n > 0) {
            into.append(buffer, n);
            if (keepLast > 0 && into.size() > keepLast)
                into.remove(0, into.size() - keepLast);
            continue;
        }
        if (n == 0)
            return false;
        if (errno == EINTR)
            continue;
        return errno == EAGAIN || errno == EWOULDBLOCK;
    }
}
} // namespace

ChildProcess::~ChildProcess()
{
    if (running())
        stop(0);
    closeAll();
}

void ChildProcess::closeAll()
{
    closeFd(m_in);
    closeFd(m_out);
    closeFd(m_err);
}

QString ChildProcess::start(const QString& program, const QStringList& arguments, const QStringList& extraEnvironment)
{
    QString path = program;
    if (!program.contains(QLatin1Char('/')))
        path = QStandardPaths::findExecutable(program);
    const QFileInfo info(path);
    if (path.isEmpty() || !info.exists())
        return QStringLiteral("'%1' was not found").arg(program);
    if (!info.isFile() || !info.isExecutable())
        return QStringLiteral("'%1' is not an executable file").arg(path);

    int in[2], out[2], err[2];
    if (!makePipe(in))
        return QStringLiteral("cannot create a pipe: %1").arg(QString::fromLocal8Bit(std::strerror(errno)));
    if (!makePipe(out)) {
        ::close(in[0]);
        ::close(in[1]);
        return QStringLiteral("cannot create a pipe: %1").arg(QString::fromLocal8Bit(std::strerror(errno)));
    }
    if (!makePipe(err)) {
        for (int fd : { in[0], in[1], out[0], out[1] })
            ::close(fd);
        return QStringLiteral("cannot create a pipe: %1").arg(QString::fromLocal8Bit(std::strerror(errno)));
    }

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    // A group of its own: stop() signals the group, reaching whatever the child started.
    posix_spawnattr_setpgroup(&attributes, 0);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_setsigdefault(&attributes, &defaults);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

    const QByteArray file = QFile::encodeName(path);
    std::vector<QByteArray> storage;
    storage.reserve(size_t(arguments.size()) + 1);
    storage.push_back(file);
    for (const QString& a : arguments)
        storage.push_back(a.toLocal8Bit());
    std::vector<char*> argv;
    argv.reserve(storage.size() + 1);
    for (QByteArray& s : storage)
        argv.push_back(s.data());
    argv.push_back(nullptr);

    std::vector<QByteArray> environmentStorage;
    for (char** e = environ; *e; ++e) {
        const QByteArray entry(*e);
        const QByteArray name = entry.left(entry.indexOf('=') + 1);
        const bool overridden = std::any_of(extraEnvironment.cbegin(), extraEnvironment.cend(),
            [&name](const QString& extra) { return extra.toLocal8Bit().startsWith(name); });
        if (!overridden)
            environmentStorage.push_back(entry);
    }
    for (const QString& extra : extraEnvironment)
        environmentStorage.push_back(extra.toLocal8Bit());
    std::vector<char*> envp;
    envp.reserve(environmentStorage.size() + 1);
    for (QByteArray& s : environmentStorage)
        envp.push_back(s.data());
    envp.push_back(nullptr);

    pid_t pid = -1;
    const int rc = posix_spawn(&pid, file.constData(), &actions, &attributes, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    ::close(in[0]);
    ::close(out[1]);
    ::close(err[1]);
    if (rc != 0) {
        ::close(in[1]);
        ::close(out[0]);
        ::close(err[0]);
        return QStringLiteral("cannot start '%1': %2").arg(path, QString::fromLocal8Bit(std::strerror(rc)));
    }
    m_pid = pid;
    m_in = in[1];
    m_out = out[0];
    m_err = err[0];
    m_exited = false;
    m_exitCode = m_signal = 0;
    m_outBuffer.clear();
    m_errTail.clear();
    m_inPending.clear();
    m_closeRequested = false;
    ::fcntl(m_in, F_SETFL, ::fcntl(m_in, F_GETFL) | O_NONBLOCK);
    ::fcntl(m_out, F_SETFL, ::fcntl(m_out, F_GETFL) | O_NONBLOCK);
    ::fcntl(m_err, F_SETFL, ::fcntl(m_err, F_GETFL) | O_NONBLOCK);
    return {};
}

bool ChildProcess::write(const QByteArray& data)
{
    if (m_in < 0)
        return false;
    m_inPending += data;
    return flushStdin();
}

bool ChildProcess::flushStdin()
{
    if (m_in < 0)
        return false;
    // Writing to a child that died raises SIGPIPE in this thread. Block it around the write and swallow
    // a pending one, so the write fails with EPIPE instead of killing the process, whatever its handlers.
    sigset_t pipeSignal, previous;
    sigemptyset(&pipeSignal);
    sigaddset(&pipeSignal, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipeSignal, &previous);
    bool ok = true;
    while (!m_inPending.isEmpty()) {
        const ssize_t n = ::write(m_in, m_inPending.constData(), size_t(m_inPending.size()));
        if (n >= 0) {
            m_inPending.remove(0, n);
            continue;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            break; // the child is busy; the rest goes when the owner's poll says the pipe has room
        ok = false;
        m_inPending.clear();
        if (errno == EPIPE) {
            const timespec zero {};
            sigtimedwait(&pipeSignal, nullptr, &zero);
        }
        break;
    }
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    if (m_inPending.isEmpty() && m_closeRequested)
        closeFd(m_in);
    return ok;
}

void ChildProcess::closeStdin()
{
    // Whatever is still queued goes first; end of file follows it.
    if (m_inPending.isEmpty())
        closeFd(m_in);
    else
        m_closeRequested = true;
}

bool ChildProcess::readStdout()
{
    return m_out >= 0 && drain(m_out, m_outBuffer);
}

bool ChildProcess::readStderr()
{
    if (m_err < 0)
        return false;
    if (drain(m_err, m_errTail, kStderrTail))
        return true;
    // Closed, so that poll loops stop waking on its hang-up while stdout is still open.
    closeFd(m_err);
    return false;
}

bool ChildProcess::takeLine(QByteArray& line)
{
    const qsizetype newline = m_outBuffer.indexOf('\n');
    if (newline < 0)
        return false;
    line = m_outBuffer.left(newline);
    m_outBuffer.remove(0, newline + 1);
    return true;
}

QString ChildProcess::stderrTail() const
{
    return QString::fromLocal8Bit(m_errTail).trimmed();
}

bool ChildProcess::poll()
{
    if (m_exited)
        return true;
    if (m_pid <= 0)
        return true;
    int status = 0;
    const pid_t r = ::waitpid(m_pid, &status, WNOHANG);
    if (r != m_pid)
        return false;
    m_exited = true;
    if (WIFSIGNALED(status))
        m_signal = WTERMSIG(status);
    else if (WIFEXITED(status))
        m_exitCode = WEXITSTATUS(status);
    return true;
}

bool ChildProcess::waitForExit(int timeoutMs)
{
    const qint64 deadline = monotonicNs() + qint64(timeoutMs) * 1'000'000;
    for (;;) {
        if (poll())
            return true;
        if (monotonicNs() >= deadline)
            return false;
        ::usleep(1000);
    }
}

void ChildProcess::stop(int graceMs)
{
    if (m_pid <= 0 || poll()) {
        // The child is gone, but whatever it started may still run in its group.
        if (m_pid > 0)
            ::kill(-m_pid, SIGKILL);
        return;
    }
    closeFd(m_in);
    if (graceMs > 0) {
        ::kill(-m_pid, SIGTERM);
        if (waitForExit(graceMs)) {
            ::kill(-m_pid, SIGKILL);
            return;
        }
    }
    ::kill(-m_pid, SIGKILL);
    waitForExit(5000);
}

QString ChildProcess::exitDescription() const
{
    if (!m_exited)
        return QStringLiteral("is still running");
    if (m_signal != 0)
        return QStringLiteral("was killed by signal %1 (%2)")
            .arg(m_signal)
            .arg(QString::fromLocal8Bit(strsignal(m_signal)));
    return QStringLiteral("exited with code %1").arg(m_exitCode);
}

} // namespace parlab
