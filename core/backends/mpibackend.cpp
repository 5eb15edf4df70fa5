#include "mpibackend.h"

#include "childprocess.h"
#include "clock.h"
#include "context.h"
#include "crashreport.h"
#include "hostfile.h"
#include "installlayout.h"
#include "kernels/kernel.h"
#include "lifeline.h"
#include "optiondescriptor.h"
#include "procfs.h"
#include "runoptions.h"
#include "worker/workerprotocol.h"

#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QThread>
#include <limits>
#include <poll.h>
#include <unistd.h>

namespace parlab {

namespace {
constexpr int kPollMs = 20;
constexpr qint64 kCrashReportWaitNs = 200'000'000; // for a dead rank's last words, from mpirun
constexpr int kExitWaitMs = 5000; // mpirun tears its ranks down before it exits
constexpr int kClockProbes = 5; // round trips to rank 0 through mpirun; the shortest gives the offset
constexpr qint64 kSilenceSlackNs = 5'000'000'000; // beyond the task timeout, a batch that says nothing is hung

// The rank whose death ends the job, from mpirun's report of it ("mpirun noticed that process rank 1 with PID
// 4242 on node 10.0.0.2 exited on signal 9 (Killed)."): "rank 1 @ node-b (pid 4242) was killed by signal 9 (Killed)",
// with the host and pid the rank itself reported; empty when mpirun said no such thing.
QString deadRank(const QString& mpirunSays, const QList<MpiBackend::Rank>& ranks)
{
    static const QRegularExpression report(
        QStringLiteral(R"(process rank (\d+) with PID (\d+) on node (\S+) exited on signal (\d+)(?: \(([^)]*)\))?)"));
    const QRegularExpressionMatch m = report.match(mpirunSays);
    if (!m.hasMatch())
        return {};
    // The rank's own name for its host and its pid (mpirun names the host as the hostfile does, and may say pid 0).
    const int rank = m.captured(1).toInt();
    const bool known = rank >= 0 && rank < ranks.size();
    const QString host = known && !ranks[rank].host.isEmpty() ? ranks[rank].host : m.captured(3);
    const QString pid = known ? QString::number(ranks[rank].pid) : m.captured(2);
    return QStringLiteral("rank %1 @ %2 (pid %3) was killed by signal %4%5")
        .arg(m.captured(1), host, pid, m.captured(4),
            m.captured(5).isEmpty() ? QString() : QStringLiteral(" (%1)").arg(m.captured(5)));
}
} // namespace

MpiBackend::MpiBackend() = default;

MpiBackend::~MpiBackend()
{
    endJob();
}

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
        .description = QStringLiteral("OpenMPI ranks (mpirun -np N, one job for all repeats) asking rank 0 for tasks"),
        .workerNoun = QStringLiteral("rank"),
        .options = { Option::Hostfile, Option::MpirunArgs, Option::TaskTimeout, Option::Pin },
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
    m_taskTimeoutS = options.taskTimeoutS;
    m_pin = options.pin;
}

QStringList MpiBackend::mpirunArguments(int workers) const
{
    QStringList args;
    // OpenMPI refuses root unless told; and binding ranks to cores would give mpi an advantage the other
    // backends do not have.
    if (::geteuid() == 0)
        args << QStringLiteral("--allow-run-as-root");
    args << QStringLiteral("--bind-to") << QStringLiteral("none");
    // On one machine, more ranks than cores share them, as the other backends' workers do; the hosts of a hostfile
    // or a Slurm allocation give the slots, which mpirun keeps to unless the user's arguments say otherwise.
    if (!m_hostfile.isEmpty())
        args << QStringLiteral("--hostfile") << m_hostfile;
    else if (workers > QThread::idealThreadCount() && !Hostfile::inSlurmAllocation())
        args << QStringLiteral("--oversubscribe");
    args << m_extraArguments;
    args << QStringLiteral("-np") << QString::number(workers);
    return args;
}

QStringList MpiBackend::environment()
{
    if (::geteuid() == 0)
        return { QStringLiteral("OMPI_ALLOW_RUN_AS_ROOT=1"), QStringLiteral("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1") };
    return {};
}

double MpiBackend::liveChildCpuSeconds() const
{
    // mpirun and what it started here (ranks, an rsh agent's daemons); ranks on other machines are not counted.
    if (!m_job || !m_job->running())
        return 0;
    double total = 0;
    QList<qint64> pids = procfs::descendants(m_job->pid());
    pids.prepend(m_job->pid());
    for (qint64 pid : std::as_const(pids))
        if (const auto stat = procfs::stat(pid))
            total += stat->cpuSeconds();
    return total;
}

RepeatUsage MpiBackend::collectUsage()
{
    if (!m_job || !m_job->running())
        return {};
    const QList<qint64> here = procfs::descendants(m_job->pid());
    QList<ProcessUsageProbe::Worker> ranks;
    QStringList elsewhere;
    for (int rank = 0; rank < m_ranks.size(); ++rank) {
        const Rank& r = m_ranks[rank];
        if (here.contains(r.pid))
            ranks.append({ .worker = rank, .pid = r.pid, .tid = r.pid, .ownProcess = true });
        else
            elsewhere << QStringLiteral("rank %1 @ %2").arg(rank).arg(r.host);
    }
    if (!elsewhere.isEmpty())
        return { .whyUnknown = QStringLiteral("ParLab reads a rank's memory and switches through /proc on this "
                                              "machine, and %1 ran elsewhere")
                                   .arg(elsewhere.join(QStringLiteral(", "))) };
    return m_usageProbe.take(m_job->pid(), ranks);
}

void MpiBackend::start(const Kernel& kernel, int workers, RunControl& control)
{
    m_lastLaunchS = kUnknown;
    // poll() reaps a job that ended between repeats (a rank killed while it waited), which is then launched again.
    if (m_job && !m_job->poll() && m_jobKernel == kernel.name() && m_jobWorkers == workers) {
        m_usageProbe.restart();
        return;
    }
    endJob();
    launch(kernel, workers, control);
}

void MpiBackend::launch(const Kernel& kernel, int workers, RunControl& control)
{
    QStringList args = mpirunArguments(workers);
    args << workerExecutable() << QStringLiteral("--kernel") << kernel.name();
    if (!m_kernelSettings.isEmpty())
        args << QStringLiteral("--options")
             << QString::fromUtf8(QJsonDocument(m_kernelSettings).toJson(QJsonDocument::Compact));
    if (m_taskTimeoutS > 0)
        args << QStringLiteral("--task-timeout") << QString::number(m_taskTimeoutS, 'g', 17);
    // Option pin: not mpirun's binding (--bind-to stays none), whose core orders are OpenMPI's own and which refuses
    // more ranks than cores unless told otherwise; each rank pins itself by the one placement every backend uses
    // (Topology::placement), taken over the ranks on its own host and that host's topology, so it holds on any
    // host of a hostfile and wraps past the cores like the threads' placement does.
    if (m_pin != Pinning::None)
        args << QStringLiteral("--pin") << pinningName(m_pin);

    // Every rank connects back to ParLab, so that the death of one on any host is seen at once. Without a socket the
    // ranks go unwatched, and a dead one is known when mpirun reports it.
    m_lifelines = std::make_unique<lifeline::Listener>();
    if (m_lifelines->listen())
        args << QStringLiteral("--lifeline") << m_lifelines->invitation().toArgument();
    else
        m_lifelines.reset();

    m_job = std::make_unique<ChildProcess>();
    m_failure.clear();
    m_ranks.clear();
    const qint64 launchedNs = monotonicNs();
    if (const Result<void> started = m_job->start(mpirun(), args, environment()); !started) {
        m_job.reset();
        throw BackendError(QStringLiteral("mpirun could not start: %1").arg(started.error()));
    }
    m_jobKernel = kernel.name();
    m_jobWorkers = workers;
    pump(control, [&](const WorkerProtocol::Message& m) {
        if (m.kind == WorkerProtocol::Message::Kind::Ready)
            m_ranks.append({ m.pid, m.host, m.clockOffsetNs, std::max<qint64>(0, m.clockUncertaintyNs) });
        return m_ranks.size() == workers;
    });
    m_lastLaunchS = double(monotonicNs() - launchedNs) * 1e-9;

    // Rank 0's clock against ours. On the same kernel (this machine, or a container or network namespace of it)
    // CLOCK_MONOTONIC is one clock: the offset is 0 exactly. Elsewhere, the shortest of a few round trips through
    // mpirun's forwarding bounds it.
    const QByteArray here = procfs::bootId().toLatin1();
    qint64 offset = 0, uncertainty = 0, best = std::numeric_limits<qint64>::max();
    for (int probe = 0; probe < kClockProbes; ++probe) {
        const qint64 sent = monotonicNs();
        m_job->write(WorkerProtocol::clockProbe());
        qint64 theirs = 0;
        QByteArray theirBoot;
        pump(control, [&](const WorkerProtocol::Message& m) {
            if (m.kind != WorkerProtocol::Message::Kind::Clock)
                return false;
            theirs = m.nowNs;
            theirBoot = m.bootId;
            return true;
        });
        const qint64 back = monotonicNs();
        if (!here.isEmpty() && theirBoot == here) {
            offset = uncertainty = 0;
            break;
        }
        if (back - sent < best) {
            best = back - sent;
            offset = theirs - (sent + back) / 2;
            uncertainty = (back - sent + 1) / 2;
        }
    }
    for (Rank& rank : m_ranks) {
        rank.clockOffsetNs += offset;
        rank.clockUncertaintyNs += uncertainty;
    }
}

void MpiBackend::execute(
    const Kernel& kernel, const QList<qint64>& inputs, int workers, RunControl& control, QList<TaskSpan>& spans)
{
    start(kernel, workers, control);
    const int count = int(inputs.size());
    spans = QList<TaskSpan>(count);
    QByteArray batch;
    for (int i = 0; i < count; ++i)
        batch += WorkerProtocol::task(i, inputs[i]);
    batch += WorkerProtocol::go();
    m_failure.clear();
    m_job->write(batch);

    const qint64 rank0OffsetNs = m_ranks.isEmpty() ? 0 : m_ranks.first().clockOffsetNs;
    const qint64 rank0UncertaintyNs = m_ranks.isEmpty() ? 0 : m_ranks.first().clockUncertaintyNs;
    int done = 0;
    pump(control, [&](const WorkerProtocol::Message& m) {
        if (m.kind == WorkerProtocol::Message::Kind::BatchEnd)
            return true;
        if (m.kind == WorkerProtocol::Message::Kind::Failed) {
            if (m_failure.isEmpty() && m.index >= 0 && m.index < count)
                m_failure = QStringLiteral("%1 failed on input %2 (#%3): %4")
                                .arg(kernel.name())
                                .arg(inputs[m.index])
                                .arg(m.index + 1)
                                .arg(m.message);
            return false;
        }
        if (m.kind != WorkerProtocol::Message::Kind::Done)
            return false;
        if (m.index < 0 || m.index >= count || m.worker < 0 || m.worker >= m_ranks.size())
            abandon(QStringLiteral("protocol error from mpirun: a result for an unknown task or rank (task #%1, "
                                   "rank %2)")
                        .arg(m.index + 1)
                        .arg(m.worker));
        const Rank& rank = m_ranks[m.worker];
        TaskSpan& span = spans[m.index];
        span.input = inputs[m.index];
        span.index = m.index;
        span.worker = m.worker;
        span.pid = rank.pid;
        span.host = rank.host;
        // Rank 0 moved the times onto its clock already; this moves them onto ours.
        span.startNs = m.startNs - rank0OffsetNs;
        span.endNs = m.endNs - rank0OffsetNs;
        span.clockUncertaintyNs = rank.clockUncertaintyNs + (m.worker == 0 ? 0 : rank0UncertaintyNs);
        span.cpuNs = m.cpuNs;
        span.waitNs = m.waitNs;
        span.cpu = m.cpu;
        span.checksum = m.checksum;
        ++done;
        return false;
    });
    if (!m_failure.isEmpty())
        throw BackendError(m_failure); // the job is fine: a task failed, the next batch may run
    if (done != count)
        abandon(QStringLiteral("mpirun (pid %1) ended a batch after %2 of %3 tasks")
                    .arg(m_job->pid())
                    .arg(done)
                    .arg(count));
}

void MpiBackend::pump(RunControl& control, const std::function<bool(const WorkerProtocol::Message&)>& take)
{
    qint64 heardNs = monotonicNs();
    const qint64 silenceLimitNs = m_taskTimeoutS > 0 ? qint64(m_taskTimeoutS * 1e9) + kSilenceSlackNs : 0;
    for (;;) {
        if (control.shouldStop()) {
            dropJob(); // now, not after the running tasks
            throw Cancelled();
        }
        // The batch goes to rank 0 as mpirun takes it: a long one must not block this loop (and cancel).
        std::vector<pollfd> fds
            = { { m_job->stdoutFd(), POLLIN, 0 }, { m_job->stderrFd(), POLLIN, 0 }, { m_job->stdinFd(), POLLOUT, 0 } };
        if (!m_job->wantsToWrite())
            fds[2].fd = -1;
        if (m_lifelines)
            m_lifelines->addPollFds(fds);
        ::poll(fds.data(), fds.size(), kPollMs);
        m_job->flushStdin();
        m_job->readStderr();
        if (m_lifelines)
            takeLifelines(m_lifelines->service(fds.data() + 3, fds.size() - 3));
        // A rank without a lifeline: mpirun's report of its death, before mpirun has ended the others.
        if (const QString rank = deadRank(m_job->stderrTail(), m_ranks); !rank.isEmpty()) {
            awaitCrashReport();
            abandon(QStringLiteral("%1; mpirun (pid %2) ends the job").arg(rank).arg(m_job->pid()));
        }
        const bool open = m_job->readStdout();
        QByteArray line;
        while (m_job->takeLine(line)) {
            heardNs = monotonicNs();
            const Result<WorkerProtocol::Message> message = WorkerProtocol::parse(line);
            if (!message)
                abandon(
                    QStringLiteral("protocol error from mpirun (pid %1): %2").arg(m_job->pid()).arg(message.error()));
            if (message->kind == WorkerProtocol::Message::Kind::Fatal) {
                m_failure += (m_failure.isEmpty() ? QString() : QStringLiteral("; ")) + message->message;
                // While it launches, every rank that cannot start says why before the job ends; once it runs, rank 0
                // says it once (a task past the timeout) and the job is ended at once.
                if (m_ranks.size() == m_jobWorkers)
                    abandon(m_failure);
                continue;
            }
            if (take(*message))
                return;
        }
        if (!open) {
            const bool exited = m_job->waitForExit(kExitWaitMs);
            const QString tail = m_job->stderrTail().trimmed();
            const QString ended = QStringLiteral("mpirun (pid %1) %2")
                                      .arg(m_job->pid())
                                      .arg(exited ? m_job->exitDescription() : QStringLiteral("closed its output"));
            if (const QString rank = deadRank(tail, m_ranks); !rank.isEmpty())
                abandon(QStringLiteral("%1; %2").arg(rank, ended));
            abandon(tail.isEmpty() ? ended : QStringLiteral("%1: %2").arg(ended, tail.right(600)));
        }
        if (silenceLimitNs > 0 && monotonicNs() - heardNs > silenceLimitNs)
            abandon(QStringLiteral("mpirun (pid %1) sent nothing for %2 s, beyond the task timeout")
                        .arg(m_job->pid())
                        .arg(double(monotonicNs() - heardNs) * 1e-9, 0, 'f', 1));
    }
}

void MpiBackend::takeLifelines(const QList<lifeline::Listener::Event>& events)
{
    for (const lifeline::Listener::Event& event : events) {
        if (event.kind == lifeline::Listener::Event::Kind::Line) {
            // Rank 0's last words (a task past its timeout) before it aborts the job.
            if (const auto message = WorkerProtocol::parse(event.line);
                message && message->kind == WorkerProtocol::Message::Kind::Fatal)
                abandon(message->message);
        } else if (event.kind == lifeline::Listener::Event::Kind::Lost) {
            const QString who = event.member < m_ranks.size() ? QStringLiteral("rank %1 @ %2 (pid %3)")
                                                                    .arg(event.member)
                                                                    .arg(m_ranks[event.member].host)
                                                                    .arg(m_ranks[event.member].pid)
                                                              : QStringLiteral("rank %1").arg(event.member);
            awaitCrashReport();
            abandon(QStringLiteral("%1 died (its connection to ParLab closed); mpirun (pid %2) ends the job")
                        .arg(who)
                        .arg(m_job->pid()));
        }
    }
}

void MpiBackend::awaitCrashReport()
{
    // A rank that died in the kernel (a user's library) says which task it ran on its stderr (crashreport.h), which
    // mpirun passes on a moment after ParLab sees the rank gone.
    const qint64 until = monotonicNs() + kCrashReportWaitNs;
    while (m_job && !CrashReport::find(m_job->stderrTail()) && monotonicNs() < until) {
        pollfd fd { m_job->stderrFd(), POLLIN, 0 };
        ::poll(&fd, 1, kPollMs);
        if (!m_job->readStderr())
            break;
    }
}

void MpiBackend::abandon(const QString& message)
{
    // What the job said first (a task past its timeout, a rank that could not start) explains its end best.
    QString why = m_failure.isEmpty() ? message : m_failure;
    if (const std::optional<CrashReport> crash = m_job ? CrashReport::find(m_job->stderrTail()) : std::nullopt)
        why += QStringLiteral("; its last words: %1").arg(crash->text);
    dropJob();
    throw BackendError(why);
}

void MpiBackend::dropJob()
{
    // SIGTERM to mpirun's group ends every rank and daemon it started.
    if (m_job)
        m_job->stop();
    m_job.reset();
    m_lifelines.reset();
    m_ranks.clear();
}

void MpiBackend::endJob()
{
    if (!m_job)
        return;
    // End of input ends the job: rank 0 stops every rank and they finalize.
    m_job->closeStdin();
    m_job->flushStdin();
    if (!m_job->waitForExit(kExitWaitMs))
        m_job->stop();
    m_job.reset();
    m_lifelines.reset();
    m_ranks.clear();
}

} // namespace parlab
