#include "crashreport.h"

#include "clock.h"

#include <QRegularExpression>
#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstring>
#include <memory>
#include <thread>
#include <unistd.h>

namespace parlab {

namespace {
// What the handler may touch: plain data, set before any signal can come.
char g_who[128] = "parlab";

struct TaskSlot {
    const char* kernel = nullptr;
    qint64 input = 0;
};
// Initial-exec TLS in the program itself: reading it in a signal handler allocates nothing.
thread_local TaskSlot t_task;

// The tasks on this process's threads as watchTaskTimeouts sees them: a slot per thread that runs one while a watch
// is on, given back when the thread ends (the thread backends start new threads for every batch), for at most
// kWatchedThreads threads at once (a run has at most 1024 workers).
struct WatchedTask {
    std::atomic<bool> taken { false };
    std::atomic<const char*> kernel { nullptr }; // none: no task on that thread
    std::atomic<qint64> input { 0 };
    std::atomic<qint64> startNs { 0 };
};
constexpr int kWatchedThreads = 1100;
std::array<WatchedTask, kWatchedThreads> g_watched;
std::atomic<bool> g_watching { false };

// This thread's slot: taken at its first task under a watch, given back when the thread ends.
class WatchSlot final {
public:
    WatchSlot() = default;
    ~WatchSlot()
    {
        if (m_task) {
            m_task->kernel.store(nullptr, std::memory_order_release);
            m_task->taken.store(false, std::memory_order_release);
        }
    }
    WatchSlot(const WatchSlot&) = delete;
    WatchSlot& operator=(const WatchSlot&) = delete;

    // nullptr while every slot is taken: this thread's tasks go unwatched.
    WatchedTask* task()
    {
        for (size_t i = 0; !m_task && i < g_watched.size(); ++i) {
            bool free = false;
            if (g_watched[i].taken.compare_exchange_strong(free, true, std::memory_order_acq_rel))
                m_task = &g_watched[i];
        }
        return m_task;
    }
    WatchedTask* taken() const { return m_task; }

private:
    WatchedTask* m_task = nullptr;
};
thread_local WatchSlot t_watchSlot;
constexpr char kTimeoutWords[] = " ran longer than the task timeout of ";

// One alternate signal stack per thread that runs user code, freed when the thread ends.
class AltStack final {
public:
    AltStack()
        : m_memory(new char[kSize])
    {
        stack_t stack {};
        stack.ss_sp = m_memory.get();
        stack.ss_size = kSize;
        m_installed = ::sigaltstack(&stack, nullptr) == 0;
    }
    ~AltStack()
    {
        if (m_installed) {
            stack_t off {};
            off.ss_flags = SS_DISABLE;
            ::sigaltstack(&off, nullptr);
        }
    }
    AltStack(const AltStack&) = delete;
    AltStack& operator=(const AltStack&) = delete;

private:
    static constexpr size_t kSize = size_t(64) * 1024;
    std::unique_ptr<char[]> m_memory;
    bool m_installed = false;
};

struct FatalSignal {
    int number;
    const char* name;
    const char* meaning;
};
constexpr std::array<FatalSignal, 5> kFatalSignals { {
    { SIGSEGV, "SIGSEGV", "segmentation fault" },
    { SIGBUS, "SIGBUS", "bus error" },
    { SIGFPE, "SIGFPE", "arithmetic exception" },
    { SIGILL, "SIGILL", "illegal instruction" },
    { SIGABRT, "SIGABRT", "aborted" },
} };

// A line assembled in a fixed buffer: no allocation, no locale, no stdio.
struct Line {
    char text[512] = {};
    size_t size = 0;
    void add(const char* s)
    {
        while (*s && size < sizeof text - 1)
            text[size++] = *s++;
    }
    void add(qint64 value)
    {
        char digits[24];
        int n = 0;
        quint64 magnitude = value < 0 ? 0 - quint64(value) : quint64(value);
        do {
            digits[n++] = char('0' + magnitude % 10);
            magnitude /= 10;
        } while (magnitude != 0);
        if (value < 0)
            add("-");
        while (n > 0 && size < sizeof text - 1)
            text[size++] = digits[--n];
    }
};

void onFatalSignal(int number)
{
    const FatalSignal* which = nullptr;
    for (const FatalSignal& s : kFatalSignals) {
        if (s.number == number)
            which = &s;
    }
    Line line;
    line.add(g_who);
    line.add(": ");
    line.add(which ? which->name : "a fatal signal");
    line.add(" (");
    line.add(which ? which->meaning : "?");
    line.add(")");
    if (t_task.kernel) {
        line.add(" while running input ");
        line.add(t_task.input);
        line.add(" of ");
        line.add(t_task.kernel);
    } else {
        line.add(" outside any task");
    }
    line.add("\n");
    for (size_t written = 0; written < line.size;) {
        const ssize_t n = ::write(STDERR_FILENO, line.text + written, line.size - written);
        if (n <= 0)
            break;
        written += size_t(n);
    }
    // SA_RESETHAND put the default action back and the signal stays blocked until this returns: raised again here,
    // it kills the process as soon as the handler is done (a fault would also recur on its own, an abort might not).
    ::raise(number);
}
} // namespace

void installCrashReport(const char* who)
{
    ::strncpy(g_who, who, sizeof g_who - 1);
    static thread_local AltStack mainStack;
    struct sigaction action { };
    action.sa_handler = onFatalSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESETHAND | SA_ONSTACK;
    for (const FatalSignal& s : kFatalSignals)
        ::sigaction(s.number, &action, nullptr);
}

CurrentTask::CurrentTask(const char* kernel, qint64 input) noexcept
    : m_previousKernel(t_task.kernel)
    , m_previousInput(t_task.input)
{
    static thread_local AltStack stack;
    t_task.input = input;
    // The signal handler reads the slot on this thread: the kernel goes in last, once the input is there.
    std::atomic_signal_fence(std::memory_order_release);
    t_task.kernel = kernel;
    if (g_watching.load(std::memory_order_relaxed)) {
        if (WatchedTask* watched = t_watchSlot.task()) {
            watched->input.store(input, std::memory_order_relaxed);
            watched->startNs.store(monotonicNs(), std::memory_order_relaxed);
            watched->kernel.store(kernel, std::memory_order_release);
        }
    }
}

CurrentTask::~CurrentTask()
{
    t_task.kernel = m_previousKernel;
    std::atomic_signal_fence(std::memory_order_release);
    t_task.input = m_previousInput;
    if (WatchedTask* watched = t_watchSlot.taken())
        watched->kernel.store(nullptr, std::memory_order_release);
}

void watchTaskTimeouts(double timeoutS)
{
    if (timeoutS <= 0 || g_watching.exchange(true))
        return;
    const qint64 limitNs = qint64(timeoutS * 1e9);
    std::thread([limitNs, timeoutS] {
        constexpr auto kEvery = std::chrono::milliseconds(20);
        for (;;) {
            std::this_thread::sleep_for(kEvery);
            const qint64 now = monotonicNs();
            for (const WatchedTask& watched : g_watched) {
                const char* kernel = watched.kernel.load(std::memory_order_acquire);
                if (!kernel || now - watched.startNs.load(std::memory_order_relaxed) <= limitNs)
                    continue;
                // Nothing can stop a call into user code halfway: this process ends, the parent says why.
                const QByteArray line = QByteArray(g_who) + ": input "
                    + QByteArray::number(watched.input.load(std::memory_order_relaxed)) + " of " + kernel
                    + kTimeoutWords + QByteArray::number(timeoutS, 'g', 6) + " s\n";
                for (qsizetype written = 0; written < line.size();) {
                    const ssize_t n = ::write(STDERR_FILENO, line.constData() + written, size_t(line.size() - written));
                    if (n <= 0)
                        break;
                    written += n;
                }
                ::raise(SIGKILL);
            }
        }
    }).detach();
}

std::optional<QString> findTaskTimeout(const QString& text)
{
    static const QRegularExpression line(QStringLiteral(R"(^[^:\n]+: (input -?\d+ of .+%1\S+ s)$)")
                                             .arg(QRegularExpression::escape(QLatin1String(kTimeoutWords))),
        QRegularExpression::MultilineOption);
    std::optional<QString> last;
    for (auto it = line.globalMatch(text); it.hasNext();)
        last = it.next().captured(1);
    return last;
}

std::optional<CrashReport> CrashReport::find(const QString& text)
{
    static const QRegularExpression line(
        QStringLiteral(
            R"(([^:\s][^:\n]*): (SIG[A-Z]+) \([^)]*\) (?:while running input (-?\d+) of (.+)|outside any task)$)"),
        QRegularExpression::MultilineOption);
    std::optional<CrashReport> last;
    for (auto it = line.globalMatch(text); it.hasNext();) {
        const QRegularExpressionMatch m = it.next();
        CrashReport report;
        report.who = m.captured(1);
        report.signal = m.captured(2);
        if (m.capturedLength(3) > 0)
            report.input = m.captured(3).toLongLong();
        report.kernel = m.captured(4);
        report.text = m.captured(0);
        last = report;
    }
    return last;
}

QString CrashReport::describe() const
{
    if (!input)
        return QStringLiteral("%1 outside any task").arg(signal);
    return QStringLiteral("%1 while running input %2 of %3").arg(signal).arg(*input).arg(kernel);
}

} // namespace parlab
