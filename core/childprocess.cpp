#include "childprocess.h"

#include "clock.h"
#include "processguard.h"
#include "procfs.h"

#include <QFileInfo>
#include <QStandardPaths>
#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/resource.h>
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

// Reads what is available from a non-blocking fd, at most about kReadCap at a time, so that a child writing
// faster than its owner consumes cannot grow the buffer without bound; false at end of file.
bool drain(int fd, QByteArray& into, qsizetype keepLast = -1)
{
    char buffer[65536];
    for (qsizetype taken = 0; taken < ChildProcess::kReadCap;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n > 0) {
            taken += n;
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
    return true;
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

Result<void> ChildProcess::start(
    const QString& program, const QStringList& arguments, const QStringList& extraEnvironment)
{
    QString path = program;
    if (!program.contains(QLatin1Char('/')))
        path = QStandardPaths::findExecutable(program);
    const QFileInfo info(path);
    if (path.isEmpty() || !info.exists())
        return fail(QStringLiteral("'%1' was not found").arg(program));
    if (!info.isFile() || !info.isExecutable())
        return fail(QStringLiteral("'%1' is not an executable file").arg(path));

    // Everything the child needs is built before fork(): between fork and exec a child of a threaded program
    // may only make async-signal-safe calls.
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

    // The owner's mark goes last and wins: it is how the watchdog finds this child's descendants too.
    QList<QByteArray> extras;
    for (const QString& extra : extraEnvironment)
        extras.append(extra.toLocal8Bit());
    extras.append(ProcessGuard::ownerEntry());
    std::vector<QByteArray> environmentStorage;
    for (char** e = environ; *e; ++e) {
        const QByteArray entry(*e);
        const QByteArray name = entry.left(entry.indexOf('=') + 1);
        const bool overridden = std::any_of(
            extras.cbegin(), extras.cend(), [&name](const QByteArray& extra) { return extra.startsWith(name); });
        if (!overridden)
            environmentStorage.push_back(entry);
    }
    for (const QByteArray& extra : std::as_const(extras))
        environmentStorage.push_back(extra);
    std::vector<char*> envp;
    envp.reserve(environmentStorage.size() + 1);
    for (QByteArray& s : environmentStorage)
        envp.push_back(s.data());
    envp.push_back(nullptr);

    int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 }, status[2] = { -1, -1 };
    auto closeAllOf = [&] {
        for (int* p : { in, out, err, status }) {
            closeFd(p[0]);
            closeFd(p[1]);
        }
    };
    if (!makePipe(in) || !makePipe(out) || !makePipe(err) || !makePipe(status)) {
        const int error = errno;
        closeAllOf();
        return fail(QStringLiteral("cannot create a pipe: %1").arg(QString::fromLocal8Bit(std::strerror(error))));
    }

    // No handler of ours may run in the child before exec: block every signal around fork, and let the child
    // reset the ones we catch before it unblocks them.
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    const pid_t parent = ::getpid();
    const int deathSignal = m_parentDeathSignal;
    auto registry = ProcessGuard::lockRegistry();
    const pid_t pid = ::fork();
    if (pid == 0) {
        // A group of its own: stop() signals the group, reaching whatever the child started.
        ::setpgid(0, 0);
        // Dies with the thread that started it, SIGKILL of ParLab included; a parent that died already is caught
        // by the check after it.
        if (deathSignal != 0) {
            ::prctl(PR_SET_PDEATHSIG, deathSignal);
            if (::getppid() != parent)
                ::_exit(127);
        }
        ::dup2(in[0], STDIN_FILENO);
        ::dup2(out[1], STDOUT_FILENO);
        ::dup2(err[1], STDERR_FILENO);
        struct sigaction defaults { };
        defaults.sa_handler = SIG_DFL;
        sigemptyset(&defaults.sa_mask);
        for (int signal = 1; signal < NSIG; ++signal) {
            struct sigaction current { };
            if (::sigaction(signal, nullptr, &current) != 0)
                continue;
            // Caught ones (exec would reset them anyway, but not before a pending signal ran our handler here),
            // and the ones a terminal or ParLab may have told us to ignore.
            if (current.sa_handler != SIG_DFL
                && (current.sa_handler != SIG_IGN || signal == SIGINT || signal == SIGTERM || signal == SIGPIPE))
                ::sigaction(signal, &defaults, nullptr);
        }
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::execve(file.constData(), argv.data(), envp.data());
        const int error = errno;
        [[maybe_unused]] const auto written = ::write(status[1], &error, sizeof error);
        ::_exit(127);
    }
    const int forkError = errno;
    if (pid > 0) {
        ::setpgid(pid, pid); // also here, so that a stop() right after start() reaches the group
        ProcessGuard::adopt(pid);
    }
    registry.unlock();
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    closeFd(in[0]);
    closeFd(out[1]);
    closeFd(err[1]);
    closeFd(status[1]);
    if (pid < 0) {
        closeAllOf();
        if (forkError == EAGAIN)
            return fail(QStringLiteral("cannot start '%1': the system refused a new process (the process limit, "
                                       "ulimit -u, or memory is exhausted)")
                            .arg(path));
        return fail(
            QStringLiteral("cannot start '%1': %2").arg(path, QString::fromLocal8Bit(std::strerror(forkError))));
    }
    // The status pipe closes on exec (close-on-exec); before that, a failed exec writes its errno there.
    int execError = 0;
    ssize_t n = 0;
    do {
        n = ::read(status[0], &execError, sizeof execError);
    } while (n < 0 && errno == EINTR);
    closeFd(status[0]);
    if (n == sizeof execError) {
        ::waitpid(pid, nullptr, 0);
        ProcessGuard::release(pid);
        closeAllOf();
        return fail(
            QStringLiteral("cannot start '%1': %2").arg(path, QString::fromLocal8Bit(std::strerror(execError))));
    }

    m_pid = pid;
    m_in = in[1];
    m_out = out[0];
    m_err = err[0];
    m_exited = false;
    m_groupEnded = false;
    m_exitCode = m_signal = 0;
    m_used = {};
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
    if (m_inPending.isEmpty()) {
        // Nothing to write: no signal mask to change (a pool's parent asks after every poll).
        if (m_closeRequested)
            closeFd(m_in);
        return true;
    }
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
    rusage usage {};
    const pid_t r = ::wait4(m_pid, &status, WNOHANG, &usage);
    if (r != m_pid)
        return false;
    m_exited = true;
    m_used = { .peakRssBytes = qint64(usage.ru_maxrss) * 1024, // kilobytes on Linux
        .voluntarySwitches = usage.ru_nvcsw,
        .involuntarySwitches = usage.ru_nivcsw };
    ProcessGuard::release(m_pid);
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
    stopAll({ this }, graceMs);
}

void ChildProcess::stopAll(const QList<ChildProcess*>& children, int graceMs)
{
    QList<ChildProcess*> running;
    for (ChildProcess* child : children) {
        if (!child || child->m_pid <= 0)
            continue;
        closeFd(child->m_in);
        if (!child->poll())
            running.append(child);
    }
    // One grace period for all of them: a pool of 200 workers stops in 500 ms, not 100 s.
    if (graceMs > 0 && !running.isEmpty()) {
        for (ChildProcess* child : std::as_const(running))
            ::kill(-child->m_pid, SIGTERM);
        const qint64 deadline = monotonicNs() + qint64(graceMs) * 1'000'000;
        for (ChildProcess* child : std::as_const(running))
            child->waitForExit(int(std::max<qint64>(0, deadline - monotonicNs()) / 1'000'000));
    }
    for (ChildProcess* child : std::as_const(running)) {
        if (!child->m_exited)
            ::kill(-child->m_pid, SIGKILL);
    }
    for (ChildProcess* child : std::as_const(running))
        child->waitForExit(5000);
    // The children are gone, but whatever they started may still run: in their groups, or elsewhere with the mark.
    for (ChildProcess* child : children) {
        if (child && child->m_pid > 0)
            child->endGroup();
    }
    ProcessGuard::endStrays();
}

void ChildProcess::endGroup()
{
    if (m_pid <= 0 || m_groupEnded)
        return;
    // Once only: long after, the group's number could be a new process's.
    m_groupEnded = true;
    if (::kill(-m_pid, SIGKILL) != 0)
        return; // nobody left in the group
    // Until no member lives (one that forks meanwhile is killed by the next round). Zombies are the business of
    // whoever they belong to: a subreaper (a worker) adopts the group's orphans and reaps them here; elsewhere an
    // ancestor does, in its own time.
    const qint64 self = ::getpid();
    const qint64 deadline = monotonicNs() + qint64(kExitWaitMs) * 1'000'000;
    for (;;) {
        bool live = false;
        for (const procfs::ProcessStat& s : procfs::processesInGroup(m_pid)) {
            if (s.parent == self && s.pid != m_pid && s.gone())
                ::waitpid(pid_t(s.pid), nullptr, WNOHANG);
            else if (!s.gone())
                live = true;
        }
        if (!live || monotonicNs() >= deadline)
            return;
        ::usleep(1000);
        ::kill(-m_pid, SIGKILL);
    }
}

QString ChildProcess::signalName(int signal)
{
    if (const char* abbreviation = sigabbrev_np(signal))
        return QStringLiteral("SIG") + QString::fromLatin1(abbreviation);
    return QStringLiteral("signal %1").arg(signal);
}

QString ChildProcess::exitDescription() const
{
    if (!m_exited)
        return QStringLiteral("is still running");
    if (m_signal != 0)
        return QStringLiteral("was killed by signal %1 (%2: %3)")
            .arg(m_signal)
            .arg(signalName(m_signal), QString::fromLocal8Bit(strsignal(m_signal)));
    return QStringLiteral("exited with code %1").arg(m_exitCode);
}

} // namespace parlab
