// parlab-mpi-worker: the rank program of the mpi backend. `mpirun -np N` starts it once per (backend, workers)
// of an experiment, and the job stays up for every repeat, like the process pool.
//
// Rank 0 talks to ParLab over its stdin and stdout, which mpirun forwards (WorkerProtocol lines). At start it
// measures every rank's clock against its own and prints one ready line per rank. Then, for each batch (task
// lines, then a go line), it hands the tasks out one at a time to whichever rank asks next: self-scheduling, so
// uneven tasks balance. Only point-to-point messages are used, so a job spans hosts over any transport (TCP
// included) with no MCA settings. Rank 0 computes too, on a thread of its own; its main thread is the
// scheduler, which prints each result as it arrives (times on rank 0's clock) and a batch-end line. End of
// stdin ends the job. Waiting ranks poll with a growing sleep instead of spinning in MPI, so an idle job between
// repeats takes no core from the backends measured meanwhile.

#include "backends/backend.h"
#include "clock.h"
#include "context.h"
#include "cpus.h"
#include "crashreport.h"
#include "kernels/kernel.h"
#include "kernels/kernelregistry.h"
#include "lifeline.h"
#include "procfs.h"
#include "result.h"
#include "runoptions.h"
#include "topology.h"
#include "worker/workerloop.h"
#include "worker/workerprotocol.h"

#include <QByteArray>
#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>
#include <algorithm>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <deque>
#include <fcntl.h>
#include <limits>
#include <map>
#include <mpi.h>
#include <mutex>
#include <optional>
#include <poll.h>
#include <sys/prctl.h>
#include <thread>
#include <unistd.h>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
// Under the asan preset: OpenMPI is built without frame pointers, so ASan's fast unwinder stops at its malloc
// and tests/lsan.supp could not tell OpenMPI's own leaks from ParLab's. This rank program alone unwinds its
// allocations in full (slow, but it allocates little); the ASAN_OPTIONS environment still overrides it.
extern "C" const char* __asan_default_options()
{
    return "fast_unwind_on_malloc=0";
}
#endif

using namespace parlab;

namespace {
// Message tags between ranks.
enum Tag : int {
    TagRequest = 1, // rank -> 0: the result of its last task (a WorkerProtocol line, empty at first); wants the next
    TagTask = 2, // 0 -> rank: {index, input}
    TagStop = 3, // 0 -> rank: the job ends
    TagClock = 4, // clock ping-pong at start
};

// A rank that waits polls, sleeping longer each time nothing came, up to a cap: it answers within microseconds
// while work flows and costs next to no CPU while the job is idle between repeats.
class Backoff {
public:
    explicit Backoff(qint64 capNs)
        : m_capNs(capNs)
    { }
    void reset() { m_idle = 0; }
    qint64 nextNs()
    {
        ++m_idle;
        if (m_idle <= 4)
            return 0;
        return std::min<qint64>(m_capNs, qint64(5'000) << std::min(m_idle - 4, 16));
    }
    void wait()
    {
        const qint64 ns = nextNs();
        if (ns == 0) {
            std::this_thread::yield();
            return;
        }
        const timespec ts { .tv_sec = 0, .tv_nsec = long(ns) };
        ::nanosleep(&ts, nullptr);
    }

private:
    qint64 m_capNs;
    int m_idle = 0;
};

constexpr qint64 kIdleCapNs = 500'000; // longest sleep of a waiting rank: what an idle job costs, what a batch waits
constexpr qint64 kBusyCapNs = 100'000; // the scheduler's longest poll interval before it knows how long tasks take
constexpr qint64 kQuietNs = 50'000'000; // the scheduler's sleep when no message can come (ParLab's lines wake it)
constexpr qint64 kExpectedSleepCapNs = 2'000'000; // its longest sleep towards a remote task's expected end
constexpr int kClockRounds = 8; // ping-pongs per rank; the shortest round trip gives the offset
constexpr int kLifelineTimeoutMs = 1000; // how long a rank tries to reach ParLab before it goes without a lifeline

QString option(const QStringList& args, const QString& name)
{
    const qsizetype i = args.indexOf(name);
    return i >= 0 && i + 1 < args.size() ? args[i + 1] : QString();
}

// Collects every rank's text on rank 0, in rank order.
QByteArray gatherText(const QByteArray& mine, int rank, int size)
{
    int length = int(mine.size());
    std::vector<int> lengths(static_cast<size_t>(size)), offsets(static_cast<size_t>(size));
    MPI_Gather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
    QByteArray all;
    if (rank == 0) {
        int total = 0;
        for (int r = 0; r < size; ++r) {
            offsets[size_t(r)] = total;
            total += lengths[size_t(r)];
        }
        all.resize(total);
    }
    MPI_Gatherv(
        mine.constData(), length, MPI_CHAR, all.data(), lengths.data(), offsets.data(), MPI_CHAR, 0, MPI_COMM_WORLD);
    return all;
}

void print(const QByteArray& text)
{
    std::fwrite(text.constData(), 1, size_t(text.size()), stdout);
    std::fflush(stdout);
}

// Rank r's clock minus rank 0's, from the shortest of kClockRounds round trips, and half that round trip (how far
// the estimate may be off). Collective: every rank calls it.
struct ClockOffset {
    qint64 offsetNs = 0;
    qint64 uncertaintyNs = 0;
};
std::vector<ClockOffset> measureClocks(int rank, int size)
{
    std::vector<ClockOffset> offsets(static_cast<size_t>(size));
    for (int r = 1; r < size; ++r) {
        if (rank == 0) {
            qint64 best = std::numeric_limits<qint64>::max();
            for (int round = 0; round < kClockRounds; ++round) {
                qint64 theirs = 0;
                const qint64 sent = monotonicNs();
                MPI_Send(&sent, 1, MPI_INT64_T, r, TagClock, MPI_COMM_WORLD);
                MPI_Recv(&theirs, 1, MPI_INT64_T, r, TagClock, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                const qint64 back = monotonicNs();
                if (back - sent < best) {
                    best = back - sent;
                    offsets[size_t(r)] = { theirs - (sent + back) / 2, (back - sent + 1) / 2 };
                }
            }
        } else if (rank == r) {
            for (int round = 0; round < kClockRounds; ++round) {
                qint64 sent = 0;
                MPI_Recv(&sent, 1, MPI_INT64_T, 0, TagClock, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                const qint64 now = monotonicNs();
                MPI_Send(&now, 1, MPI_INT64_T, 0, TagClock, MPI_COMM_WORLD);
            }
        }
    }
    return offsets;
}

// A rank other than 0: asks rank 0 for a task, runs it, sends the result with the next request, until told to stop.
void serve(const Kernel& kernel, int rank)
{
    RunControl control;
    Context context(control, rank);
    QByteArray result;
    Backoff backoff(kIdleCapNs);
    for (;;) {
        MPI_Send(result.constData(), int(result.size()), MPI_CHAR, 0, TagRequest, MPI_COMM_WORLD);
        qint64 task[2] = { 0, 0 };
        MPI_Request request = MPI_REQUEST_NULL;
        // Completed by the MPI_Test loop, which sleeps between tests where MPI_Wait would spin a core; MPI-Checker
        // looks for a wait and misses the test that completes it.
        // NOLINTBEGIN(clang-analyzer-optin.mpi.MPI-Checker)
        MPI_Irecv(task, 2, MPI_INT64_T, 0, MPI_ANY_TAG, MPI_COMM_WORLD, &request);
        MPI_Status status {};
        int arrived = 0;
        backoff.reset();
        for (MPI_Test(&request, &arrived, &status); !arrived; MPI_Test(&request, &arrived, &status))
            backoff.wait();
        if (status.MPI_TAG == TagStop)
            return;
        // NOLINTEND(clang-analyzer-optin.mpi.MPI-Checker)
        result = runTaskLine(kernel, context, int(task[0]), task[1], rank);
    }
}

// Rank 0's computing thread and the scheduler share the batch's tasks not yet handed out.
struct LocalQueue {
    std::mutex mutex;
    std::condition_variable wake;
    std::deque<std::pair<int, qint64>> tasks; // handed to rank 0's own thread, in order
    std::vector<QByteArray> results; // its finished tasks' lines, for the scheduler to print
    bool idle = true; // the thread waits for a task
    bool stop = false;
};

// Wakes the scheduler's poll when rank 0's own thread finished a task.
class Doorbell {
public:
    Doorbell() { ::pipe2(m_fds, O_NONBLOCK | O_CLOEXEC); }
    ~Doorbell()
    {
        ::close(m_fds[0]);
        ::close(m_fds[1]);
    }
    void ring() const { [[maybe_unused]] const auto n = ::write(m_fds[1], "x", 1); }
    void drain() const
    {
        char buffer[64];
        while (::read(m_fds[0], buffer, sizeof buffer) > 0) { }
    }
    int fd() const { return m_fds[0]; }

private:
    int m_fds[2] = { -1, -1 };
};

// Rank 0: the scheduler (this thread, the only one calling MPI) and a computing thread.
class Scheduler {
public:
    Scheduler(const Kernel& kernel, int size, std::vector<ClockOffset> clocks, double taskTimeoutS, int lifeline)
        : m_kernel(kernel)
        , m_size(size)
        , m_clocks(std::move(clocks))
        , m_timeoutNs(taskTimeoutS > 0 ? qint64(taskTimeoutS * 1e9) : 0)
        , m_bootId(procfs::bootId().toLatin1())
        , m_lifeline(lifeline)
        , m_busySince(size_t(size), -1)
    {
        ::fcntl(STDIN_FILENO, F_SETFL, ::fcntl(STDIN_FILENO, F_GETFL) | O_NONBLOCK);
        m_thread = std::thread([this] { compute(); });
    }
    ~Scheduler()
    {
        {
            std::lock_guard lock(m_local.mutex);
            m_local.stop = true;
        }
        m_local.wake.notify_all();
        m_thread.join();
    }

    // Until ParLab closes stdin with no batch running; false when a task ran past the timeout.
    bool run()
    {
        Backoff untimed(kBusyCapNs); // until a task duration is known
        for (;;) {
            bool progressed = readCommands();
            progressed |= takeRequests();
            progressed |= takeLocalResults();
            handOut();
            if (m_batchActive && m_reported == m_batchSize) {
                m_batchActive = false;
                print(WorkerProtocol::batchEnd());
            }
            if (const int overdue = lateTask(); overdue >= 0) {
                // Not a failure of the task's own (F): the job ends for it, as a worker process is killed. Said on the
                // lifeline too, which ParLab reads before the deaths the abort causes (mpirun forwards late).
                const QByteArray fatal = WorkerProtocol::fatal(
                    taskTimeoutMessage(m_inputs[size_t(overdue)], overdue, double(m_timeoutNs) * 1e-9));
                lifeline::say(m_lifeline, fatal);
                print(fatal);
                return false;
            }
            if (m_endOfInput && !m_batchActive)
                break;
            if (progressed) {
                untimed.reset();
                continue;
            }
            // Sleep in poll, so that a command from ParLab or a result of rank 0's own thread wakes it at once.
            const qint64 ns = sleepNs(untimed);
            pollfd fds[2] = { { m_endOfInput ? -1 : STDIN_FILENO, POLLIN, 0 }, { m_doorbell.fd(), POLLIN, 0 } };
            const timespec ts { .tv_sec = time_t(ns / 1'000'000'000), .tv_nsec = long(ns % 1'000'000'000) };
            ::ppoll(fds, 2, &ts, nullptr);
        }
        // Every other rank has a request waiting by now (none is working): answer each with stop.
        for (int r = 1; r < m_size; ++r) {
            while (std::find(m_waiting.cbegin(), m_waiting.cend(), r) == m_waiting.cend()) {
                takeRequests();
                std::this_thread::sleep_for(std::chrono::microseconds(100));
            }
            MPI_Send(nullptr, 0, MPI_INT64_T, r, TagStop, MPI_COMM_WORLD);
        }
        return true;
    }

private:
    // How long to sleep before looking for requests again. Only a rank working on a task can send one (when that task
    // ends): with none working, nothing can come but ParLab's lines and rank 0's own results, which wake the poll.
    // Otherwise it sleeps towards the soonest end expected from the task durations seen so far, then looks often, so
    // that a request waits microseconds while the task-long wait costs no CPU (polling MPI every 100 us took an eighth
    // of a core here, from the ranks' own cores).
    qint64 sleepNs(Backoff& untimed) const
    {
        qint64 soonest = std::numeric_limits<qint64>::max();
        for (qint64 since : m_busySince)
            if (since >= 0)
                soonest = std::min(soonest, since + m_estimateNs);
        if (!m_batchActive || soonest == std::numeric_limits<qint64>::max())
            return kQuietNs;
        if (m_estimateNs <= 0)
            return untimed.nextNs();
        const qint64 until = soonest - m_estimateNs / 16 - monotonicNs();
        if (until > 0)
            return std::min(until, kExpectedSleepCapNs);
        // Past it (or nearly): look every 1/64 of a task, so a request waits about 1% of one.
        return std::clamp<qint64>(m_estimateNs / 64, 20'000, 500'000);
    }

    void compute()
    {
        RunControl control;
        Context context(control, 0);
        for (;;) {
            std::pair<int, qint64> task;
            {
                std::unique_lock lock(m_local.mutex);
                m_local.wake.wait(lock, [this] { return m_local.stop || !m_local.tasks.empty(); });
                if (m_local.stop)
                    return;
                task = m_local.tasks.front();
                m_local.tasks.pop_front();
                m_local.idle = false;
            }
            const QByteArray line = runTaskLine(m_kernel, context, task.first, task.second, 0);
            {
                // Idle from here on, in the same step as the result: the scheduler woken by it hands the next task
                // at once (set later, it could find this thread still busy and sleep while it waits).
                std::lock_guard lock(m_local.mutex);
                m_local.results.push_back(line);
                m_local.idle = true;
            }
            m_doorbell.ring();
        }
    }

    // ParLab's lines: tasks of the next batch, go, clock probes; end of input.
    bool readCommands()
    {
        if (m_endOfInput)
            return false;
        bool progressed = false;
        char buffer[65536];
        for (;;) {
            const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
            if (n > 0) {
                m_input.append(buffer, n);
                progressed = true;
                continue;
            }
            if (n == 0)
                m_endOfInput = true;
            break;
        }
        qsizetype newline = 0;
        while ((newline = m_input.indexOf('\n')) >= 0) {
            const QByteArray line = m_input.left(newline);
            m_input.remove(0, newline + 1);
            if (line.trimmed().isEmpty())
                continue;
            const auto command = WorkerProtocol::parseCommand(line);
            if (!command) {
                print(WorkerProtocol::fatal(
                    QStringLiteral("rank 0: malformed command line: %1").arg(WorkerProtocol::quote(line))));
                m_endOfInput = true;
                break;
            }
            switch (command->kind) {
            case WorkerProtocol::Command::Kind::Task:
                m_next.emplace_back(command->index, command->input);
                break;
            case WorkerProtocol::Command::Kind::Go:
                startBatch();
                break;
            case WorkerProtocol::Command::Kind::ClockProbe:
                print(WorkerProtocol::clockReply(monotonicNs(), m_bootId));
                break;
            }
        }
        return progressed;
    }

    void startBatch()
    {
        m_pending.assign(m_next.begin(), m_next.end());
        m_next.clear();
        m_batchSize = qsizetype(m_pending.size());
        m_reported = 0;
        m_batchActive = true;
        m_handedAt.clear();
        for (const auto& [index, input] : m_pending) {
            if (size_t(index) >= m_inputs.size())
                m_inputs.resize(size_t(index) + 1);
            m_inputs[size_t(index)] = input;
        }
    }

    // Requests from the other ranks, each with the result of its last task.
    bool takeRequests()
    {
        bool progressed = false;
        for (;;) {
            int flag = 0;
            MPI_Status status {};
            MPI_Iprobe(MPI_ANY_SOURCE, TagRequest, MPI_COMM_WORLD, &flag, &status);
            if (!flag)
                return progressed;
            int length = 0;
            MPI_Get_count(&status, MPI_CHAR, &length);
            QByteArray line(length, Qt::Uninitialized);
            MPI_Recv(line.data(), length, MPI_CHAR, status.MPI_SOURCE, TagRequest, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            if (!line.isEmpty())
                report(line, status.MPI_SOURCE);
            m_busySince[size_t(status.MPI_SOURCE)] = -1;
            m_waiting.push_back(status.MPI_SOURCE);
            progressed = true;
        }
    }

    bool takeLocalResults()
    {
        std::vector<QByteArray> lines;
        {
            std::lock_guard lock(m_local.mutex);
            lines.swap(m_local.results);
        }
        m_doorbell.drain();
        for (const QByteArray& line : lines)
            report(line, 0);
        return !lines.empty();
    }

    // A result line of rank `rank`, its times moved onto rank 0's clock, to ParLab.
    void report(const QByteArray& line, int rank)
    {
        QByteArray text = line;
        text.chop(1);
        const Result<WorkerProtocol::Message> message = WorkerProtocol::parse(text);
        if (message && message->kind == WorkerProtocol::Message::Kind::Done) {
            // How long tasks take, for sleepNs(): a moving average that follows a change within a few tasks.
            const qint64 took = std::max<qint64>(0, message->endNs - message->startNs);
            m_estimateNs = m_estimateNs <= 0 ? took : m_estimateNs + (took - m_estimateNs) / 4;
            const qint64 offset = m_clocks[size_t(rank)].offsetNs;
            print(WorkerProtocol::done(message->index, message->checksum, message->startNs - offset,
                message->endNs - offset, message->cpuNs, message->waitNs, rank, message->cpu));
        } else {
            print(line);
        }
        if (message)
            m_handedAt.erase(message->index);
        ++m_reported;
    }

    // The next tasks to the ranks that asked, rank 0's own thread among them.
    void handOut()
    {
        while (!m_pending.empty() && !m_waiting.empty()) {
            const int rank = m_waiting.front();
            m_waiting.pop_front();
            const auto [index, input] = m_pending.front();
            m_pending.pop_front();
            const qint64 task[2] = { index, input };
            m_handedAt[index] = m_busySince[size_t(rank)] = monotonicNs();
            MPI_Send(task, 2, MPI_INT64_T, rank, TagTask, MPI_COMM_WORLD);
        }
        if (m_pending.empty())
            return;
        std::lock_guard lock(m_local.mutex);
        if (m_local.idle && m_local.tasks.empty()) {
            const auto [index, input] = m_pending.front();
            m_pending.pop_front();
            m_handedAt[index] = monotonicNs();
            m_local.tasks.emplace_back(index, input);
            m_local.wake.notify_one();
        }
    }

    // A task handed out longer ago than the timeout, or -1.
    int lateTask() const
    {
        if (m_timeoutNs <= 0)
            return -1;
        const qint64 now = monotonicNs();
        for (const auto& [index, at] : m_handedAt)
            if (now - at > m_timeoutNs)
                return index;
        return -1;
    }

    const Kernel& m_kernel;
    const int m_size;
    const std::vector<ClockOffset> m_clocks;
    const qint64 m_timeoutNs;
    const QByteArray m_bootId;
    const int m_lifeline; // this rank's connection to ParLab, -1 without one
    LocalQueue m_local;
    Doorbell m_doorbell;
    std::thread m_thread;
    QByteArray m_input;
    bool m_endOfInput = false;
    std::vector<std::pair<int, qint64>> m_next; // task lines of the batch being sent
    std::deque<std::pair<int, qint64>> m_pending; // the running batch's tasks not handed out yet
    std::deque<int> m_waiting; // ranks that asked for a task and got none yet
    std::map<int, qint64> m_handedAt; // tasks running, by index: when they were handed out
    std::vector<qint64> m_busySince; // by rank: when the task it works on was sent, -1 when it waits (rank 0: -1)
    qint64 m_estimateNs = 0; // how long a task takes, lately; 0 before the first
    std::vector<qint64> m_inputs; // by index, for messages
    qsizetype m_batchSize = 0;
    qsizetype m_reported = 0;
    bool m_batchActive = false;
};

// --ring N: the classic token ring (PyPar's example): rank 0 sends a token to rank 1, each rank passes it on, the
// last returns it to rank 0; N rounds. Prints "RING <hops> <ns>".
void ring(int rounds, int rank, int size)
{
    long token = 0;
    MPI_Barrier(MPI_COMM_WORLD);
    const qint64 start = monotonicNs();
    for (int round = 0; round < rounds && size > 1; ++round) {
        if (rank == 0) {
            MPI_Send(&token, 1, MPI_LONG, 1, 0, MPI_COMM_WORLD);
            MPI_Recv(&token, 1, MPI_LONG, size - 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        } else {
            MPI_Recv(&token, 1, MPI_LONG, rank - 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            ++token;
            MPI_Send(&token, 1, MPI_LONG, (rank + 1) % size, 0, MPI_COMM_WORLD);
        }
    }
    if (rank == 0)
        std::printf(
            "RING %lld %lld\n", static_cast<long long>(rounds) * size, static_cast<long long>(monotonicNs() - start));
}
} // namespace

int main(int argc, char* argv[])
{
    // Ranks die with mpirun: a killed or cancelled run leaves no rank behind. A parent that died before the
    // signal was set is caught by the check after it, one that goes unnoticed (another thread of mpirun's started
    // us and lives on) by the watch on our parent's pid.
    const pid_t launcher = ::getppid();
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != launcher)
        return 1;
    std::thread([launcher] {
        while (::getppid() == launcher)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        ::_exit(1);
    }).detach();
    // Only the main thread calls MPI; rank 0's computing thread never does.
    int provided = 0;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    QCoreApplication app(argc, argv);
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    char host[MPI_MAX_PROCESSOR_NAME] = {};
    int hostLength = 0;
    MPI_Get_processor_name(host, &hostLength);

    const QStringList args = QCoreApplication::arguments();
    if (const QString rounds = option(args, QStringLiteral("--ring")); !rounds.isEmpty()) {
        ring(rounds.toInt(), rank, size);
        MPI_Finalize();
        return 0;
    }

    // A crash in the kernel (a user's library, from its constructors on: configure() loads it below) says on
    // stderr, which mpirun passes on, which input it ran.
    installCrashReport(QStringLiteral("parlab-mpi-worker rank %1 on %2")
                           .arg(rank)
                           .arg(QString::fromLocal8Bit(host, hostLength))
                           .toLocal8Bit()
                           .constData());

    // Every rank builds the kernel itself; a rank that cannot reports why on rank 0's output.
    QString error;
    if (provided < MPI_THREAD_FUNNELED)
        error = QStringLiteral("this MPI library offers no thread support (MPI_THREAD_FUNNELED)");
    auto kernel = KernelRegistry::create(option(args, QStringLiteral("--kernel")));
    // Configured with or without options: a user's library is loaded here, in every rank.
    Result<RunOptions> options = RunOptions();
    if (const QString json = option(args, QStringLiteral("--options")); !json.isEmpty()) {
        const QJsonDocument doc = QJsonDocument::fromJson(json.toUtf8());
        options = doc.isObject() ? RunOptions::fromJson(doc.object(), QStringLiteral("--options"))
                                 : Result<RunOptions>(fail(QStringLiteral("--options is not a JSON object")));
    }
    if (!kernel) {
        error = QStringLiteral("unknown kernel '%1'").arg(option(args, QStringLiteral("--kernel")));
    } else if (!options) {
        error = options.error();
    } else if (const Result<void> configured = kernel->configure(*options); !configured) {
        error = configured.error();
    }
    bool timeoutOk = true;
    const double taskTimeoutS = args.contains(QStringLiteral("--task-timeout"))
        ? option(args, QStringLiteral("--task-timeout")).toDouble(&timeoutOk)
        : 0;
    if (!timeoutOk || taskTimeoutS < 0)
        error = QStringLiteral("--task-timeout is not a number of seconds");
    // Option pin (MpiBackend): this rank's CPU is its place among the ranks on its host (in rank order) in that
    // host's placement; before rank 0 starts its computing thread, which inherits it. Collective: every rank takes
    // part, whatever it found wrong above.
    if (const QString pin = option(args, QStringLiteral("--pin")); !pin.isEmpty()) {
        MPI_Comm local = MPI_COMM_NULL;
        MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &local);
        int localRank = 0, localSize = 1;
        MPI_Comm_rank(local, &localRank);
        MPI_Comm_size(local, &localSize);
        MPI_Comm_free(&local);
        const std::optional<Pinning> pinning = pinningFromName(pin);
        const Result<Topology> topology = Topology::load();
        QString pinError;
        if (!pinning || *pinning == Pinning::None) {
            pinError = QStringLiteral("--pin must be compact or scatter, not '%1'").arg(pin);
        } else if (!topology) {
            pinError = QStringLiteral("pin %1: %2").arg(pin, topology.error());
        } else {
            const int cpu = topology->placement(*pinning, localSize).value(localRank, -1);
            if (const Result<void> pinned = pinCurrentThread(cpu); !pinned)
                pinError = pinFailure(rank, cpu, pinned.error());
        }
        if (error.isEmpty())
            error = pinError;
    }
    int failed = error.isEmpty() ? 0 : 1, anyFailed = 0;
    MPI_Allreduce(&failed, &anyFailed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (anyFailed) {
        const QByteArray all = gatherText(
            failed ? WorkerProtocol::fatal(QStringLiteral("rank %1: %2").arg(rank).arg(error)) : QByteArray(), rank,
            size);
        if (rank == 0)
            print(all);
        MPI_Finalize();
        return 2;
    }

    // Each rank connects to ParLab, which then sees its death at once, on whatever host. Before the ready lines, so
    // that ParLab holds every lifeline there is once it has them.
    int lifelineFd = -1;
    if (const QString argument = option(args, QStringLiteral("--lifeline")); !argument.isEmpty()) {
        const Result<lifeline::Invitation> invitation = lifeline::Invitation::fromArgument(argument);
        const Result<int> joined = invitation ? lifeline::join(*invitation, rank, kLifelineTimeoutMs)
                                              : Result<int>(fail(invitation.error()));
        if (joined)
            lifelineFd = *joined;
        else
            std::fprintf(stderr, "parlab-mpi-worker: rank %d on %s goes without a lifeline: %s\n", rank, host,
                qPrintable(joined.error()));
    }

    const std::vector<ClockOffset> clocks = measureClocks(rank, size);
    // Every rank's ready line, printed by rank 0 once all are up, with the clock offset rank 0 measured.
    const QByteArray ready
        = gatherText(WorkerProtocol::ready(::getpid(), QString::fromLocal8Bit(host, hostLength)), rank, size);
    if (rank == 0) {
        const QList<QByteArray> lines = ready.split('\n');
        for (int r = 0; r < size && r < lines.size(); ++r) {
            const Result<WorkerProtocol::Message> m = WorkerProtocol::parse(lines[r]);
            if (m)
                print(WorkerProtocol::ready(
                    m->pid, m->host, clocks[size_t(r)].offsetNs, clocks[size_t(r)].uncertaintyNs));
        }
        Scheduler scheduler(*kernel, size, clocks, taskTimeoutS, lifelineFd);
        if (!scheduler.run()) {
            // A task ran past the timeout: it cannot be interrupted, so the job ends, every rank with it.
            MPI_Abort(MPI_COMM_WORLD, 3);
        }
    } else {
        serve(*kernel, rank);
    }
    MPI_Finalize();
    return 0;
}
