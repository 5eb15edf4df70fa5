#include "processguard.h"

#include "clock.h"
#include "procfs.h"

#include <QDir>
#include <QRegularExpression>
#include <QSet>
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <functional>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace parlab::ProcessGuard {

namespace {
constexpr int kReapWaitMs = 1000; // a process killed with SIGKILL is gone within this, unless the kernel holds it

std::mutex g_registryMutex;
bool g_installed = false;

QSet<qint64>& registeredChildren()
{
    static QSet<qint64> children; // guarded by g_registryMutex
    return children;
}

QByteArray tokenOf(qint64 pid, qint64 startTicks)
{
    return QByteArray::number(pid) + '.' + QByteArray::number(startTicks);
}

// Folder names of tempFolderTemplate(): parlab-<purpose>-<pid>.<start>-<random>.
const QRegularExpression& tempFolderName()
{
    static const QRegularExpression pattern(QStringLiteral("^parlab-[a-z]+-(\\d+)\\.(\\d+)-[^-]+$"));
    return pattern;
}

// Kills every live process that carries `entry` except this one; how many it signalled.
int killMarked(const QByteArray& entry)
{
    int killed = 0;
    const qint64 self = ::getpid();
    for (const procfs::ProcessStat& s : procfs::processes()) {
        if (s.pid == self || s.gone() || !procfs::carries(procfs::environment(s.pid), entry))
            continue;
        if (::kill(pid_t(s.pid), SIGKILL) == 0)
            ++killed;
    }
    return killed;
}

// Removes the folders of tempFolderTemplate() for which `remove(owner pid, owner start)` says so.
int removeFolders(const std::function<bool(qint64, qint64)>& remove)
{
    int removed = 0;
    const QDir temp(QDir::tempPath());
    const QStringList entries = temp.entryList({ QStringLiteral("parlab-*") }, QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString& name : entries) {
        const QRegularExpressionMatch match = tempFolderName().match(name);
        if (!match.hasMatch() || !remove(match.captured(1).toLongLong(), match.captured(2).toLongLong()))
            continue;
        if (QDir(temp.filePath(name)).removeRecursively())
            ++removed;
    }
    return removed;
}

// The watchdog: a grandchild of ParLab in a session of its own (so Ctrl+C and a closed terminal leave it alone),
// holding only the read end of a pipe whose write end ParLab holds. However ParLab ends, the read returns; the
// watchdog kills whatever carries ParLab's token, removes ParLab's temporary folders and exits.
[[noreturn]] void runWatchdog(int readEnd, const QByteArray& entry, const QByteArray& token)
{
    ::setsid();
    ::prctl(PR_SET_NAME, "parlab-guard");
    for (int signal : { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGTSTP, SIGTTIN, SIGTTOU })
        std::signal(signal, SIG_IGN);
    // Nothing of ParLab's but the pipe: an inherited stdout would keep `parlab run | less` from seeing its end.
    if (const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC); null >= 0) {
        for (int fd : { STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO })
            ::dup2(null, fd);
    }
    if (readEnd > 3)
        ::close_range(3, unsigned(readEnd - 1), 0);
    ::close_range(unsigned(readEnd + 1), ~0U, 0);

    char byte = 0;
    while (::read(readEnd, &byte, 1) < 0 && errno == EINTR) { }
    // A process that forks while we kill is caught by the next round; a round that finds none ends it.
    for (int round = 0; round < 50 && killMarked(entry) > 0; ++round)
        ::usleep(20'000);
    removeFolders([&token](qint64 pid, qint64 start) { return tokenOf(pid, start) == token; });
    ::_exit(0);
}
} // namespace

void install()
{
    if (g_installed)
        return;
    g_installed = true;
    const QByteArray token = ownToken();
    const QByteArray entry = ownerEntry();
    int pipe[2];
    if (::pipe2(pipe, O_CLOEXEC) == 0) {
        // Started with stdin, stdout or stderr closed, the pipe could take their numbers, which the watchdog
        // points at /dev/null.
        for (int& fd : pipe) {
            if (fd <= STDERR_FILENO) {
                const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
                ::close(fd);
                fd = moved;
            }
        }
        const pid_t first = ::fork();
        if (first == 0) {
            // Forked twice, so that the watchdog is nobody's child here: not among ParLab's descendants, not a
            // zombie for it to reap.
            ::close(pipe[1]);
            if (::fork() == 0)
                runWatchdog(pipe[0], entry, token);
            ::_exit(0);
        }
        ::close(pipe[0]);
        if (first > 0)
            ::waitpid(first, nullptr, 0);
        else
            ::close(pipe[1]); // no watchdog; the other layers still stop a run's processes while ParLab lives
        // Otherwise pipe[1] stays open for the life of this process: its closing is what wakes the watchdog.
    }
    removeStaleTempFolders();
}

QByteArray ownToken()
{
    static const QByteArray token = [] {
        const auto stat = procfs::stat(::getpid());
        return tokenOf(::getpid(), stat ? stat->startTicks : 0);
    }();
    return token;
}

QByteArray ownerToken()
{
    static const QByteArray inherited = qgetenv(kOwnerVariable);
    return g_installed || inherited.isEmpty() ? ownToken() : inherited;
}

QByteArray ownerEntry()
{
    return QByteArray(kOwnerVariable) + '=' + ownerToken();
}

std::unique_lock<std::mutex> lockRegistry()
{
    return std::unique_lock(g_registryMutex);
}

void adopt(pid_t pid)
{
    registeredChildren().insert(pid);
}

void release(pid_t pid)
{
    std::lock_guard lock(g_registryMutex);
    registeredChildren().remove(pid);
}

int endStrays()
{
    const QByteArray entry = ownerEntry();
    const bool ownsToken = ownerToken() == ownToken();
    const qint64 self = ::getpid();
    QList<procfs::ProcessStat> killed;
    {
        std::lock_guard lock(g_registryMutex);
        const QList<procfs::ProcessStat> all = procfs::processes();
        QSet<qint64> spared { self };
        for (qint64 child : std::as_const(registeredChildren())) {
            spared.insert(child);
            for (qint64 below : procfs::descendantsIn(all, child))
                spared.insert(below);
        }
        QSet<qint64> mine;
        if (!ownsToken) {
            const QList<qint64> below = procfs::descendantsIn(all, self);
            mine = QSet<qint64>(below.cbegin(), below.cend());
        }
        for (const procfs::ProcessStat& s : all) {
            if (s.gone() || spared.contains(s.pid) || (!ownsToken && !mine.contains(s.pid)))
                continue;
            if (!procfs::carries(procfs::environment(s.pid), entry))
                continue;
            if (::kill(pid_t(s.pid), SIGKILL) == 0)
                killed.append(s);
        }
    }
    // Until each is gone: SIGKILL takes effect only when the process next gets a core, which on a busy machine can
    // be milliseconds after kill() returned, and a caller (a run that says it ended) must not leave it running.
    // Those that were our children (a subreaper's adopted orphans) are ours to reap; others' parents reap theirs.
    const qint64 deadline = monotonicNs() + qint64(kReapWaitMs) * 1'000'000;
    for (const procfs::ProcessStat& k : std::as_const(killed)) {
        while (monotonicNs() < deadline) {
            const auto stat = procfs::stat(k.pid);
            if (!stat || stat->startTicks != k.startTicks) // reaped (its number may be another's by now)
                break;
            if (stat->parent == self ? ::waitpid(pid_t(k.pid), nullptr, WNOHANG) != 0 : stat->gone())
                break;
            ::usleep(1000);
        }
    }
    return int(killed.size());
}

void endDescendants()
{
    // The common case, a worker whose kernel started nothing, costs one call rather than a walk of /proc: with no
    // child there is no descendant (a subreaper's orphans become its children).
    siginfo_t info {};
    if (::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 && errno == ECHILD)
        return;
    const qint64 deadline = monotonicNs() + qint64(kReapWaitMs) * 1'000'000;
    for (;;) {
        const QList<qint64> below = procfs::descendants(::getpid());
        for (qint64 pid : below)
            ::kill(pid_t(pid), SIGKILL);
        while (::waitpid(-1, nullptr, WNOHANG) > 0) { }
        if (below.isEmpty() || monotonicNs() >= deadline)
            return;
        ::usleep(2000);
    }
}

QString tempFolderTemplate(const QString& purpose)
{
    return QDir::tempPath() + QStringLiteral("/parlab-%1-%2-XXXXXX").arg(purpose, QString::fromLatin1(ownToken()));
}

int removeStaleTempFolders()
{
    return removeFolders([](qint64 pid, qint64 start) {
        const auto stat = procfs::stat(pid);
        return !stat || stat->gone() || stat->startTicks != start;
    });
}

} // namespace parlab::ProcessGuard
