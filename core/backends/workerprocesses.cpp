#include "workerprocesses.h"

#include "childprocess.h"
#include "clock.h"
#include "context.h"
#include "installlayout.h"
#include "kernels/kernel.h"
#include "procfs.h"
#include "runoptions.h"
#include "worker/workerprotocol.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <poll.h>
#include <unistd.h>

namespace parlab {

QString WorkerLauncher::executable()
{
    // Only the real parlab: a test binary or another host program must not be mistaken for a worker.
    return helperPath(Helper::Worker);
}

QStringList WorkerLauncher::arguments(const QString& kernel, const QJsonObject& kernelSettings, int worker, int cpu)
{
    QStringList args { QStringLiteral("worker"), QStringLiteral("--kernel"), kernel, QStringLiteral("--worker"),
        QString::number(worker) };
    if (cpu >= 0)
        args << QStringLiteral("--cpu") << QString::number(cpu);
    if (!kernelSettings.isEmpty())
        args << QStringLiteral("--options")
             << QString::fromUtf8(QJsonDocument(kernelSettings).toJson(QJsonDocument::Compact));
    return args;
}

Availability WorkerLauncher::availability()
{
    const QFileInfo info(executable());
    if (!info.exists())
        return { false, QStringLiteral("the worker executable '%1' was not found").arg(info.filePath()) };
    if (!info.isExecutable())
        return { false, QStringLiteral("the worker executable '%1' is not executable").arg(info.filePath()) };
    return {};
}

ProcessOptions ProcessOptions::from(const RunOptions& options)
{
    ProcessOptions p;
    p.chunkSize = options.chunksize;
    p.taskTimeoutS = options.taskTimeoutS;
    p.kernelSettings = QJsonObject::fromVariantMap(options.kernelSettings);
    return p;
}

struct WorkerProcesses::Slot {
    std::unique_ptr<ChildProcess> child;
    int worker = 0;
    QList<int> assigned; // indices sent and not yet answered, in order
    qint64 taskStartNs = 0;
    WorkerUsage usage; // what its processes reported in this run (per-task)
};

namespace {
// Adds a worker process's report to what its slot used: the processes of a slot run one after another, so its
// peak is the largest of theirs (of their programs' likewise) and its switches their sum.
void addReport(WorkerUsage& slot, const WorkerProtocol::Message& report)
{
    slot.peakRssBytes = std::max(slot.peakRssBytes, report.peakRssBytes);
    slot.programPeakRssBytes = std::max(slot.programPeakRssBytes, report.programPeakRssBytes);
    if (report.voluntarySwitches >= 0)
        slot.voluntarySwitches = std::max<qint64>(slot.voluntarySwitches, 0) + report.voluntarySwitches;
    if (report.involuntarySwitches >= 0)
        slot.involuntarySwitches = std::max<qint64>(slot.involuntarySwitches, 0) + report.involuntarySwitches;
}
} // namespace

WorkerProcesses::WorkerProcesses(Mode mode)
    : m_mode(mode)
{ }

WorkerProcesses::~WorkerProcesses()
{
    stopAll();
}

void WorkerProcesses::stopAll()
{
    QList<ChildProcess*> children;
    for (auto& slot : m_slots)
        children.append(slot->child.get());
    ChildProcess::stopAll(children);
    m_slots.clear();
}

double WorkerProcesses::liveCpuSeconds() const
{
    // cutime/cstime included: programs the worker ran and reaped, as the command kernel does.
    double total = 0;
    for (const auto& slot : m_slots) {
        if (!slot->child || !slot->child->running())
            continue;
        if (const auto stat = procfs::stat(slot->child->pid()))
            total += stat->cpuSeconds();
    }
    return total;
}

QList<WorkerUsage> WorkerProcesses::collectUsage()
{
    if (m_mode == Mode::PerTask)
        return m_perTaskUsage;
    QList<WorkerUsage> usage;
    QList<Slot*> asked;
    for (auto& slot : m_slots) {
        WorkerUsage unknown;
        unknown.worker = slot->worker;
        unknown.pid = slot->child ? slot->child->pid() : 0;
        usage.append(unknown);
        if (slot->child && slot->child->running() && slot->child->write(WorkerProtocol::usageRequest()))
            asked.append(slot.get());
    }
    const qint64 deadline = monotonicNs() + qint64(kUsageWaitMs) * 1'000'000;
    std::vector<pollfd> fds;
    while (!asked.isEmpty() && monotonicNs() < deadline) {
        fds.clear();
        for (const Slot* slot : std::as_const(asked))
            fds.push_back({ slot->child->stdoutFd(), POLLIN, 0 });
        ::poll(fds.data(), nfds_t(fds.size()), ChildProcess::kPollMs);
        asked.removeIf([&](Slot* slot) {
            ChildProcess& child = *slot->child;
            child.readStderr();
            if (!child.readStdout())
                return true; // gone: its figures stay unknown, and the next run finds it dead
            QByteArray line;
            while (child.takeLine(line)) {
                const Result<WorkerProtocol::Message> message = WorkerProtocol::parse(line);
                if (message && message->kind == WorkerProtocol::Message::Kind::Usage) {
                    WorkerUsage& used = usage[qsizetype(slot->worker)];
                    used.peakRssBytes = message->peakRssBytes;
                    used.programPeakRssBytes = message->programPeakRssBytes;
                    used.voluntarySwitches = message->voluntarySwitches;
                    used.involuntarySwitches = message->involuntarySwitches;
                    return true;
                }
            }
            return false;
        });
    }
    return usage;
}

std::unique_ptr<ChildProcess> WorkerProcesses::spawn(const QString& kernel, const ProcessOptions& options, int worker)
{
    auto child = std::make_unique<ChildProcess>();
    const QString program = WorkerLauncher::executable();
    if (const Result<void> started = child->start(
            program, WorkerLauncher::arguments(kernel, options.kernelSettings, worker, options.cpus.value(worker, -1)));
        !started)
        throw BackendError(QStringLiteral("cannot start a worker process: %1").arg(started.error()));
    return child;
}

void WorkerProcesses::startPool(const QString& kernel, const ProcessOptions& options, int count)
{
    const bool reusable = int(m_slots.size()) == count && m_poolKernel == kernel
        && m_poolSettings == options.kernelSettings && m_poolCpus == options.cpus
        && std::all_of(m_slots.cbegin(), m_slots.cend(), [](const auto& s) { return s->child && !s->child->poll(); });
    if (reusable)
        return;
    stopAll();
    m_poolKernel = kernel;
    m_poolSettings = options.kernelSettings;
    m_poolCpus = options.cpus;
    for (int w = 0; w < count; ++w) {
        auto slot = std::make_unique<Slot>();
        slot->worker = w;
        slot->child = spawn(kernel, options, w);
        m_slots.push_back(std::move(slot));
    }
}

void WorkerProcesses::run(const Kernel& kernel, const QList<qint64>& inputs, int workers, RunControl& control,
    QList<TaskSpan>& spans, const ProcessOptions& options)
{
    const int count = int(inputs.size());
    const int parallel = std::clamp(workers, 1, std::max(count, 1));
    spans = QList<TaskSpan>(count);
    m_serialWork = {};
    int next = 0;
    int done = 0;

    // Any failure stops every worker first, so no child outlives the batch that went wrong.
    auto failWith = [this](const QString& message) {
        stopAll();
        throw BackendError(message);
    };
    auto describeTask = [&](int index) { return QStringLiteral("input %1 (#%2)").arg(inputs[index]).arg(index + 1); };

    m_perTaskUsage.clear();
    if (m_mode == Mode::Pool) {
        startPool(kernel.name(), options, parallel);
    } else {
        stopAll();
        for (int w = 0; w < parallel; ++w) {
            auto slot = std::make_unique<Slot>();
            slot->worker = w;
            slot->usage.worker = w;
            m_slots.push_back(std::move(slot));
        }
    }

    // The parent's blocking work for one worker per input: a start waits for fork and exec, a hand-out for the
    // finished worker's exit and the next one's start (the schedule simulator's serial share, Schedule::calibrate).
    qint64 serialStartupNs = 0, serialDispatchNs = 0;
    bool firstFeeds = true;
    auto feed = [&](Slot& slot) {
        if (!slot.assigned.isEmpty() || next >= count)
            return;
        if (m_mode == Mode::PerTask) {
            const qint64 before = monotonicNs();
            slot.child = spawn(kernel.name(), options, slot.worker);
            (firstFeeds ? serialStartupNs : serialDispatchNs) += monotonicNs() - before;
        }
        const int chunk = m_mode == Mode::Pool ? std::min(options.chunkSize, count - next) : 1;
        QByteArray lines;
        for (int k = 0; k < chunk; ++k) {
            slot.assigned.append(next);
            lines += WorkerProtocol::task(next, inputs[next]);
            ++next;
        }
        slot.taskStartNs = monotonicNs();
        // A failed write means the worker died; its closed stdout reports that below.
        slot.child->write(lines);
        if (m_mode == Mode::PerTask)
            slot.child->closeStdin();
    };
    for (auto& slot : m_slots)
        feed(*slot);
    firstFeeds = false;

    // A per-task run also waits for its last processes to report what they used as they end, but no longer than
    // kUsageWaitMs after its last task: one whose output stays open (a program it started holds it) is stopped.
    qint64 reportUntil = 0;
    auto reporting = [&] {
        if (m_mode != Mode::PerTask
            || std::none_of(m_slots.cbegin(), m_slots.cend(), [](const auto& s) { return s->child != nullptr; }))
            return false;
        if (reportUntil == 0)
            reportUntil = monotonicNs() + qint64(kUsageWaitMs) * 1'000'000;
        return monotonicNs() < reportUntil;
    };
    auto checkTimeout = [&](const Slot& slot, qint64 now) {
        if (options.taskTimeoutS > 0 && !slot.assigned.isEmpty()
            && double(now - slot.taskStartNs) * 1e-9 > options.taskTimeoutS) {
            const int late = slot.assigned.first();
            failWith(QStringLiteral("%1; worker pid %2 was stopped")
                         .arg(taskTimeoutMessage(inputs[late], late, options.taskTimeoutS))
                         .arg(slot.child->pid()));
        }
    };
    // Only the workers whose pipes poll found ready are read and written: a hand-out then costs the parent the same
    // system calls at any worker count, where it used to read and write every worker's pipes after each wake-up.
    std::vector<pollfd> fds;
    std::vector<size_t> fdSlot; // the slot of each of fds
    std::vector<char> ready(m_slots.size());
    while (done < count || reporting()) {
        if (control.shouldStop()) {
            stopAll();
            throw Cancelled();
        }
        fds.clear();
        fdSlot.clear();
        for (size_t i = 0; i < m_slots.size(); ++i) {
            const ChildProcess* child = m_slots[i]->child.get();
            if (!child)
                continue;
            if (child->stdoutFd() >= 0) {
                fds.push_back({ child->stdoutFd(), POLLIN, 0 });
                fds.push_back({ child->stderrFd(), POLLIN, 0 });
                fdSlot.insert(fdSlot.end(), 2, i);
            }
            if (child->wantsToWrite()) {
                fds.push_back({ child->stdinFd(), POLLOUT, 0 });
                fdSlot.push_back(i);
            }
        }
        ::poll(fds.data(), nfds_t(fds.size()), ChildProcess::kPollMs);
        std::fill(ready.begin(), ready.end(), 0);
        for (size_t k = 0; k < fds.size(); ++k) {
            if (fds[k].revents != 0)
                ready[fdSlot[k]] = 1;
        }

        const qint64 now = monotonicNs();
        for (size_t i = 0; i < m_slots.size(); ++i) {
            Slot& slot = *m_slots[i];
            if (!slot.child)
                continue;
            ChildProcess& child = *slot.child;
            if (!ready[i] && child.stdoutFd() >= 0) {
                checkTimeout(slot, now);
                continue;
            }
            child.flushStdin(); // a large chunk goes in as the worker takes it
            child.readStderr();
            const bool open = child.readStdout();
            QByteArray line;
            while (child.takeLine(line)) {
                const Result<WorkerProtocol::Message> message = WorkerProtocol::parse(line);
                if (!message)
                    failWith(
                        QStringLiteral("protocol error from worker pid %1: %2").arg(child.pid()).arg(message.error()));
                switch (message->kind) {
                case WorkerProtocol::Message::Kind::Ready:
                    break;
                case WorkerProtocol::Message::Kind::Usage:
                    slot.usage.pid = child.pid();
                    addReport(slot.usage, *message);
                    break;
                case WorkerProtocol::Message::Kind::BatchEnd:
                case WorkerProtocol::Message::Kind::Clock:
                    failWith(QStringLiteral("protocol error from worker pid %1: an mpi job's line: %2")
                                 .arg(child.pid())
                                 .arg(WorkerProtocol::quote(line)));
                    break;
                case WorkerProtocol::Message::Kind::Fatal:
                    failWith(QStringLiteral("worker pid %1 cannot run: %2").arg(child.pid()).arg(message->message));
                    break;
                case WorkerProtocol::Message::Kind::Failed:
                    if (message->index >= 0 && message->index < count)
                        failWith(QStringLiteral("%1 failed on %2 in worker pid %3: %4")
                                     .arg(kernel.name(), describeTask(message->index))
                                     .arg(child.pid())
                                     .arg(message->message));
                    failWith(QStringLiteral("protocol error from worker pid %1: failure for unknown task: %2")
                                 .arg(child.pid())
                                 .arg(WorkerProtocol::quote(line)));
                    break;
                case WorkerProtocol::Message::Kind::Done: {
                    if (!slot.assigned.contains(message->index))
                        failWith(QStringLiteral("protocol error from worker pid %1: result for a task it was not "
                                                "given: %2")
                                     .arg(child.pid())
                                     .arg(WorkerProtocol::quote(line)));
                    TaskSpan& span = spans[message->index];
                    span.input = inputs[message->index];
                    span.index = message->index;
                    span.worker = slot.worker;
                    span.pid = child.pid();
                    span.startNs = message->startNs;
                    span.endNs = message->endNs;
                    span.cpuNs = message->cpuNs;
                    span.waitNs = message->waitNs;
                    span.cpu = message->cpu;
                    span.checksum = message->checksum;
                    slot.assigned.removeOne(message->index);
                    slot.taskStartNs = now;
                    ++done;
                    if (m_mode == Mode::Pool)
                        feed(slot);
                    break;
                }
                }
            }
            if (!open) {
                // The worker closed its stdout: it exited or was killed.
                child.readStderr();
                const qint64 reapStart = monotonicNs();
                const bool exited = child.waitForExit(ChildProcess::kExitWaitMs);
                if (next < count) // a hand-out follows; the last workers' reaping is the batch's finish
                    serialDispatchNs += monotonicNs() - reapStart;
                const QString tail = child.stderrTail().isEmpty()
                    ? QString()
                    : QStringLiteral("; its last words: %1").arg(child.stderrTail().right(300));
                if (!child.stdoutBuffer().isEmpty())
                    failWith(QStringLiteral("protocol error from worker pid %1: truncated line %2 before it %3%4")
                                 .arg(child.pid())
                                 .arg(WorkerProtocol::quote(child.stdoutBuffer()),
                                     exited ? child.exitDescription() : QStringLiteral("closed its output"), tail));
                if (!slot.assigned.isEmpty() || m_mode == Mode::Pool || !exited || !child.exitedNormally()
                    || child.exitCode() != 0) {
                    const QString what = slot.assigned.isEmpty()
                        ? QStringLiteral("while idle")
                        : QStringLiteral("while running %1 of %2")
                              .arg(describeTask(slot.assigned.first()), kernel.name());
                    failWith(
                        QStringLiteral("worker pid %1 %2 %3%4")
                            .arg(child.pid())
                            .arg(exited ? child.exitDescription() : QStringLiteral("closed its output"), what, tail));
                }
                // A per-task worker that finished its task and exited cleanly frees its slot.
                slot.child.reset();
                feed(slot);
                continue;
            }
            checkTimeout(slot, now);
        }
    }
    if (m_mode == Mode::PerTask) {
        for (const auto& slot : m_slots)
            m_perTaskUsage.append(slot->usage);
        stopAll();
        m_serialWork = { double(serialStartupNs) * 1e-9, double(serialDispatchNs) * 1e-9 };
    }
}

} // namespace parlab
