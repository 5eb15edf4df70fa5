// parlab-mpi-worker: the rank program of the mpi backend, started by `mpirun -np N`.
// Rank 0 reads task lines (WorkerProtocol) from stdin, which mpirun forwards to it, and broadcasts them.
// Every rank then takes the next task from a shared counter on rank 0 (MPI_Fetch_and_op on a window):
// self-scheduling, so uneven tasks balance. At the end rank 0 gathers every rank's results and prints
// one ready line per rank (pid, host) and one result line per task, with the rank as worker.

#include "clock.h"
#include "context.h"
#include "kernels/kernel.h"
#include "kernels/kernelregistry.h"
#include "runoptions.h"
#include "taskclock.h"
#include "worker/workerprotocol.h"

#include <QByteArray>
#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <mpi.h>
#include <string>
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
// Rank 0's stdin: every task line until end of input.
void readTasks(std::vector<qint64>& indices, std::vector<qint64>& inputs, QString& error)
{
    std::string line;
    while (std::getline(std::cin, line)) {
        if (line.empty())
            continue;
        const auto task = WorkerProtocol::parseTask(QByteArray::fromStdString(line));
        if (!task) {
            error
                = QStringLiteral("malformed task line: %1").arg(WorkerProtocol::quote(QByteArray::fromStdString(line)));
            return;
        }
        indices.push_back(task->first);
        inputs.push_back(task->second);
    }
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

QString option(const QStringList& args, const QString& name)
{
    const qsizetype i = args.indexOf(name);
    return i >= 0 && i + 1 < args.size() ? args[i + 1] : QString();
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
    MPI_Init(&argc, &argv);
    QCoreApplication app(argc, argv);
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    char host[MPI_MAX_PROCESSOR_NAME] = {};
    int hostLength = 0;
    MPI_Get_processor_name(host, &hostLength);

    const QStringList args = QCoreApplication::arguments();
    // --ring N: the classic token ring (PyPar's example) instead of tasks: rank 0 sends a token to rank 1,
    // each rank passes it on, the last returns it to rank 0; N rounds. Prints "RING <hops> <ns>".
    if (const QString rounds = option(args, QStringLiteral("--ring")); !rounds.isEmpty()) {
        const int n = rounds.toInt();
        long token = 0;
        MPI_Barrier(MPI_COMM_WORLD);
        const qint64 start = monotonicNs();
        for (int round = 0; round < n && size > 1; ++round) {
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
                "RING %lld %lld\n", static_cast<long long>(n) * size, static_cast<long long>(monotonicNs() - start));
        MPI_Finalize();
        return 0;
    }

    // Every rank builds the kernel itself; a rank that cannot reports why on rank 0's output.
    QString error;
    auto kernel = KernelRegistry::create(option(args, QStringLiteral("--kernel")));
    if (!kernel) {
        error = QStringLiteral("unknown kernel '%1'").arg(option(args, QStringLiteral("--kernel")));
    } else if (const QString json = option(args, QStringLiteral("--options")); !json.isEmpty()) {
        const QJsonDocument doc = QJsonDocument::fromJson(json.toUtf8());
        if (!doc.isObject()) {
            error = QStringLiteral("--options is not a JSON object");
        } else if (auto options = RunOptions::fromJson(doc.object(), QStringLiteral("--options")); !options) {
            error = options.error();
        } else if (const Result<void> configured = kernel->configure(*options); !configured) {
            error = configured.error();
        }
    }

    std::vector<qint64> indices, inputs;
    if (rank == 0 && error.isEmpty())
        readTasks(indices, inputs, error);
    int failed = error.isEmpty() ? 0 : 1, anyFailed = 0;
    MPI_Allreduce(&failed, &anyFailed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (anyFailed) {
        const QByteArray all = gatherText(
            failed ? WorkerProtocol::fatal(QStringLiteral("rank %1: %2").arg(rank).arg(error)) : QByteArray(), rank,
            size);
        if (rank == 0)
            std::fwrite(all.constData(), 1, size_t(all.size()), stdout);
        MPI_Finalize();
        return 2;
    }

    qint64 count = qint64(inputs.size());
    MPI_Bcast(&count, 1, MPI_INT64_T, 0, MPI_COMM_WORLD);
    indices.resize(size_t(count));
    inputs.resize(size_t(count));
    MPI_Bcast(indices.data(), int(count), MPI_INT64_T, 0, MPI_COMM_WORLD);
    MPI_Bcast(inputs.data(), int(count), MPI_INT64_T, 0, MPI_COMM_WORLD);

    // The shared "next task" counter lives on rank 0.
    qint64* counter = nullptr;
    MPI_Win window;
    MPI_Win_allocate(
        rank == 0 ? MPI_Aint(sizeof(qint64)) : 0, sizeof(qint64), MPI_INFO_NULL, MPI_COMM_WORLD, &counter, &window);
    if (rank == 0)
        *counter = 0;
    MPI_Barrier(MPI_COMM_WORLD);

    RunControl control;
    Context context(control, rank);
    QByteArray lines;
    const qint64 one = 1;
    for (;;) {
        qint64 next = 0;
        MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, window);
        MPI_Fetch_and_op(&one, &next, MPI_INT64_T, 0, 0, MPI_SUM, window);
        MPI_Win_unlock(0, window);
        if (next >= count)
            break;
        const int index = int(indices[size_t(next)]);
        const qint64 input = inputs[size_t(next)];
        if (const Result<void> valid = kernel->checkInput(input); !valid) {
            lines += WorkerProtocol::failed(index, valid.error());
            continue;
        }
        const qint64 start = monotonicNs();
        const std::optional<TaskClock::Reading> begun = TaskClock::begin(start);
        try {
            const quint64 checksum = kernel->run(input, context);
            const TaskClock::Usage used = TaskClock::since(begun);
            lines += WorkerProtocol::done(index, checksum, start, monotonicNs(), used.cpuNs, used.waitNs, rank);
        } catch (const std::exception& e) {
            lines += WorkerProtocol::failed(index, QString::fromLocal8Bit(e.what()));
        }
    }
    MPI_Win_free(&window);

    const QByteArray ready
        = gatherText(WorkerProtocol::ready(::getpid(), QString::fromLocal8Bit(host, hostLength)), rank, size);
    const QByteArray results = gatherText(lines, rank, size);
    if (rank == 0) {
        std::fwrite(ready.constData(), 1, size_t(ready.size()), stdout);
        std::fwrite(results.constData(), 1, size_t(results.size()), stdout);
        std::fflush(stdout);
    }
    MPI_Finalize();
    return 0;
}
