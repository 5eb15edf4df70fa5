#include "signalwatcher.h"

#include "cliutil.h"
#include "terminalprogress.h"

#include <QSocketNotifier>
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <unistd.h>

namespace parlab::cli {

namespace {
int g_pipe[2] = { -1, -1 };

// The handler runs on whichever thread the signal lands on, and may only use async-signal-safe calls: lock-free
// atomics, clock_gettime, write, sigaction, raise. So its state is plain globals, its notice text made beforehand.
// When the first signal came (CLOCK_MONOTONIC, ns), 0 before it.
std::atomic<std::int64_t> g_firstSignalNs { 0 };
static_assert(std::atomic<std::int64_t>::is_always_lock_free);
std::atomic<bool> g_toldIgnored { false };
static_assert(std::atomic<bool>::is_always_lock_free);
char g_ignoredNotice[256];
std::size_t g_ignoredNoticeSize = 0;

std::int64_t monotonicNs()
{
    timespec now {};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    return std::int64_t(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

void install(void (*handler)(int))
{
    struct sigaction action { };
    action.sa_handler = handler;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

void onSignal(int signal)
{
    const int savedErrno = errno;
    const std::int64_t now = monotonicNs();
    std::int64_t first = 0;
    if (g_firstSignalNs.compare_exchange_strong(first, now)) {
        const char byte = 1;
        [[maybe_unused]] const auto written = ::write(g_pipe[1], &byte, 1);
    } else if (now - first < std::int64_t(SignalWatcher::kGraceMs) * 1'000'000) {
        // Said here rather than by the main thread, which may be the one stuck.
        if (!g_toldIgnored.exchange(true)) {
            [[maybe_unused]] const auto written = ::write(STDERR_FILENO, g_ignoredNotice, g_ignoredNoticeSize);
        }
    } else {
        // The user insists: end as this signal ends a program by default. It is blocked while its handler runs, so it
        // lands as soon as the handler returns.
        install(SIG_DFL);
        ::raise(signal);
    }
    errno = savedErrno;
}
} // namespace

SignalWatcher::SignalWatcher(const QString& cancelling, TerminalProgress& progress, QObject* parent)
    : QObject(parent)
{
    if (g_pipe[0] < 0 && ::pipe2(g_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
        return;
    g_firstSignalNs = 0;
    g_toldIgnored = false;
    // On a terminal the progress bar may be on the line: the notice erases it first (TerminalProgress::clear()).
    const QByteArray notice = (progress.enabled() ? QByteArrayLiteral("\r\x1b[2K") : QByteArray())
        + QStringLiteral("parlab run: ignored a second signal within %1 s of the first: still writing the results\n")
              .arg(kGraceMs / 1000)
              .toUtf8();
    g_ignoredNoticeSize = std::min(std::size_t(notice.size()), sizeof g_ignoredNotice);
    std::memcpy(g_ignoredNotice, notice.constData(), g_ignoredNoticeSize);

    m_notifier = new QSocketNotifier(g_pipe[0], QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, [this, cancelling, &progress] {
        char buffer[16];
        while (::read(g_pipe[0], buffer, sizeof buffer) > 0) { }
        m_notifier->setEnabled(false); // the handler writes one byte, for the first signal only
        progress.clear();
        printErr(QStringLiteral("parlab run: cancelling %1: ending its processes and keeping the results measured so "
                                "far (Ctrl+C again within %2 s is ignored; after that it aborts without them)…\n")
                     .arg(cancelling)
                     .arg(kGraceMs / 1000));
        Q_EMIT interrupted();
    });
    install(onSignal);
}

SignalWatcher::~SignalWatcher()
{
    if (g_firstSignalNs == 0)
        install(SIG_DFL);
}

} // namespace parlab::cli
