#include "mpibackend.h"

#include "childprocess.h"
#include "clock.h"
#include "context.h"
#include "installlayout.h"
#include "kernels/kernel.h"
#include "optiondescriptor.h"
#include "runoptions.h"
#include "worker/workerprotocol.h"

#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QSysInfo>
#include <QThread>
#include <poll.h>
#include <unistd.h>

namespace parlab {

namespace {
constexpr int kPollMs = 20;
constexpr int kExitWaitMs = 5000; // mpirun tears its ranks down before it exits
} // namespace

QString MpiBackend::mpirun()
{
    const QString fromEnvironment = qEnvironmentVariable("PARLAB_MPIRUN");
    return fromEnvironment.isEmpty() ? QStandardPaths::findExecutable(QStringLiteral("mpirun")) : fromEnvironment;
}

QString MpiBackend::workerExecutable()
{
    return helperPath(Helper::MpiWorker);
}

BackendFacts MpiBackend::facts()
{
    return { .id = QStringLiteral("mpi"),
        .description = QStringLiteral("OpenMPI ranks (mpirun -np N) taking tasks from a shared counter"),
        .workerNoun = QStringLiteral("rank"),
        .options = { Option::Hostfile, Option::MpirunArgs },
        .availability = [](const RunOptions&) { return availabilityHere(); },
        // A rank with OpenMPI's shared-memory transport holds tens of MiB of its own; mpirun keeps a few pipes
        // and sockets per local rank. -np N starts N ranks whatever the number of inputs.
        .footprint = { .processes = 1, .memoryBytes = 32 << 20, .launcherFiles = 4, .onePerInput = false },
        .create = [] { return std::unique_ptr<Backend>(std::make_unique<MpiBackend>()); } };
}

Availability MpiBackend::availabilityHere()
{
    const QString launcher = mpirun();
    if (launcher.isEmpty() || !QFileInfo(launcher).isExecutable())
        return { false, QStringLiteral("mpirun was not found (install openmpi-bin)") };
    if (!QFileInfo(workerExecutable()).isExecutable())
        return { false,
            QStringLiteral("parlab-mpi-worker was not built (MPI development files were missing when "
                           "ParLab was configured: install libopenmpi-dev and rebuild)") };
    return {};
}

void MpiBackend::configure(const RunOptions& options)
{
    m_kernelSettings = QJsonObject::fromVariantMap(options.kernelSettings);
    m_hostfile = options.hostfile;
    m_extraArguments = QProcess::splitCommand(options.mpirunArgs);
}

QStringList MpiBackend::mpirunArguments(int workers) const
{
    QStringList args;
    // OpenMPI refuses root unless told; and binding ranks to cores would give mpi an advantage the other
    // backends do not have.
    if (::geteuid() == 0)
        args << QStringLiteral("--allow-run-as-root");
    args << QStringLiteral("--bind-to") << QStringLiteral("none");
    if (!m_hostfile.isEmpty())
        args << QStringLiteral("--hostfile") << m_hostfile;
    else if (workers > QThread::idealThreadCount())
        args << QStringLiteral("--oversubscribe");
    args << m_extraArguments;
    args << QStringLiteral("-np") << QString::number(workers);
    return args;
}

void MpiBackend::execute(
    const Kernel& kernel, const QList<qint64>& inputs, int workers, RunControl& control, QList<TaskSpan>& spans)
{
    const int count = int(inputs.size());
    spans = QList<TaskSpan>(count);
    m_lastLaunchS = kUnknown;

    QStringList args = mpirunArguments(workers);
    args << workerExecutable() << QStringLiteral("--kernel") << kernel.name();
    if (!m_kernelSettings.isEmpty())
        args << QStringLiteral("--options")
             << QString::fromUtf8(QJsonDocument(m_kernelSettings).toJson(QJsonDocument::Compact));
    QStringList environment;
    if (::geteuid() == 0)
        environment << QStringLiteral("OMPI_ALLOW_RUN_AS_ROOT=1") << QStringLiteral("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1");

    ChildProcess child;
    const qint64 launchedNs = monotonicNs();
    if (const QString error = child.start(mpirun(), args, environment); !error.isEmpty())
        throw BackendError(QStringLiteral("mpirun could not start: %1").arg(error));
    QByteArray tasks;
    for (int i = 0; i < count; ++i)
        tasks += WorkerProtocol::task(i, inputs[i]);
    child.write(tasks);
    child.closeStdin();

    auto fail = [&child](const QString& message) {
        child.stop();
        throw BackendError(message);
    };
    QList<qint64> rankPids;
    QStringList rankHosts;
    QString failure;
    int done = 0;
    bool open = true;
    while (open) {
        if (control.shouldStop()) {
            child.stop();
            throw Cancelled();
        }
        // The task list goes to rank 0 as mpirun takes it: a long one must not block this loop (and cancel).
        pollfd fds[3]
            = { { child.stdoutFd(), POLLIN, 0 }, { child.stderrFd(), POLLIN, 0 }, { child.stdinFd(), POLLOUT, 0 } };
        ::poll(fds, child.wantsToWrite() ? 3 : 2, kPollMs);
        child.flushStdin();
        child.readStderr();
        open = child.readStdout();
        QByteArray line;
        while (child.takeLine(line)) {
            const Result<WorkerProtocol::Message> message = WorkerProtocol::parse(line);
            if (!message)
                fail(QStringLiteral("protocol error from mpirun (pid %1): %2").arg(child.pid()).arg(message.error()));
            switch (message->kind) {
            case WorkerProtocol::Message::Kind::Ready:
                rankPids.append(message->pid);
                rankHosts.append(message->host);
                break;
            case WorkerProtocol::Message::Kind::Fatal:
                failure += (failure.isEmpty() ? QString() : QStringLiteral("; ")) + message->message;
                break;
            case WorkerProtocol::Message::Kind::Failed:
                if (failure.isEmpty() && message->index >= 0 && message->index < count)
                    failure = QStringLiteral("%1 failed on input %2 (#%3): %4")
                                  .arg(kernel.name())
                                  .arg(inputs[message->index])
                                  .arg(message->index + 1)
                                  .arg(message->message);
                break;
            case WorkerProtocol::Message::Kind::Done: {
                if (message->index < 0 || message->index >= count || message->worker < 0
                    || message->worker >= rankPids.size())
                    fail(QStringLiteral("protocol error from mpirun: result for an unknown task or rank: %1")
                             .arg(WorkerProtocol::quote(line)));
                TaskSpan& span = spans[message->index];
                span.input = inputs[message->index];
                span.index = message->index;
                span.worker = message->worker;
                span.pid = rankPids[message->worker];
                span.host = rankHosts[message->worker];
                span.startNs = message->startNs;
                span.endNs = message->endNs;
                span.cpuNs = message->cpuNs;
                span.waitNs = message->waitNs;
                span.checksum = message->checksum;
                ++done;
                break;
            }
            }
        }
    }
    const bool exited = child.waitForExit(kExitWaitMs);
    if (!exited)
        child.stop();
    const QString tail
        = child.stderrTail().isEmpty() ? QString() : QStringLiteral(": ") + child.stderrTail().right(600);
    if (!failure.isEmpty())
        throw BackendError(failure);
    if (!exited || !child.exitedNormally() || child.exitCode() != 0 || done != count)
        throw BackendError(QStringLiteral("mpirun (pid %1) %2 after %3 of %4 tasks%5")
                               .arg(child.pid())
                               .arg(exited ? child.exitDescription() : QStringLiteral("did not exit"))
                               .arg(done)
                               .arg(count)
                               .arg(tail));
    qint64 firstStart = std::numeric_limits<qint64>::max();
    for (const TaskSpan& s : std::as_const(spans))
        firstStart = std::min(firstStart, s.startNs);
    // Monotonic clocks of different machines share no origin: a launch time needs every rank here.
    const QString here = QSysInfo::machineHostName();
    const bool allLocal
        = std::all_of(rankHosts.cbegin(), rankHosts.cend(), [&here](const QString& h) { return h == here; });
    if (count > 0 && allLocal)
        m_lastLaunchS = double(firstStart - launchedNs) * 1e-9;
}

} // namespace parlab
