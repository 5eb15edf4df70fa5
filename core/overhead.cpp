#include "overhead.h"

#include "backends/backend.h"
#include "backends/backendregistry.h"
#include "backends/mpibackend.h"
#include "backends/workerprocesses.h"
#include "childprocess.h"
#include "clock.h"
#include "context.h"
#include "experimentspec.h"
#include "hostfile.h"
#include "kernels/kernel.h"
#include "kernels/kernelregistry.h"
#include "processguard.h"
#include "runoptions.h"
#include "stats/schedule.h"
#include "stats/statistics.h"
#include "taskspan.h"
#include "unknown.h"
#include "workerstarts.h"

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QThread>
#include <algorithm>
#include <poll.h>
#include <thread>
#include <unistd.h>

namespace parlab {

double OverheadTiming::medianMicroseconds(int rounds, int perRound, const std::function<void()>& body)
{
    QList<double> samples;
    for (int r = 0; r < rounds; ++r) {
        const qint64 t0 = monotonicNs();
        body();
        samples.append(double(monotonicNs() - t0) * 1e-3 / perRound);
    }
    return Statistics::median(samples);
}

double OverheadTiming::backendMicroseconds(
    const QString& id, const Kernel& kernel, const QList<qint64>& inputs, int rounds, int workers)
{
    auto backend = BackendRegistry::create(id);
    RunControl control;
    QList<TaskSpan> spans;
    backend->execute(kernel, inputs, workers, control, spans); // warm: a pool starts here
    return medianMicroseconds(rounds, int(inputs.size()), [&] {
        control.beginBatch();
        backend->execute(kernel, inputs, workers, control, spans);
    });
}

double OverheadTiming::loopFloorMicroseconds(const Kernel& kernel, const QList<qint64>& inputs, int rounds)
{
    RunControl control;
    const qint64 pid = QCoreApplication::applicationPid();
    return medianMicroseconds(rounds, int(inputs.size()), [&] {
        Context context(control, 0);
        for (int i = 0; i < int(inputs.size()); ++i)
            runTask(kernel, inputs, i, context, pid);
    });
}

namespace {
using OverheadTiming::backendMicroseconds;
using OverheadTiming::medianMicroseconds;

QList<qint64> zeros(int n)
{
    return QList<qint64>(n, 0);
}

bool readLineFrom(ChildProcess& child, QByteArray& line)
{
    while (!child.takeLine(line)) {
        pollfd fd { child.stdoutFd(), POLLIN, 0 };
        ::poll(&fd, 1, 1000);
        if (!child.readStdout() && !child.takeLine(line))
            return false;
    }
    return true;
}

// One line to /bin/cat and back through two pipes: what any pipe-fed worker pays per task at least.
double pipeRoundTripMicroseconds(int lines)
{
    ChildProcess cat;
    if (!cat.start(QStringLiteral("/bin/cat"), {}))
        return kUnknown;
    const QByteArray message = "T 0 0\n";
    QByteArray line;
    const double us = medianMicroseconds(5, lines, [&] {
        for (int i = 0; i < lines; ++i) {
            cat.write(message);
            readLineFrom(cat, line);
        }
    });
    cat.stop(0);
    return us;
}

// Spawn and wait of `program` with stdin closed at once: the least a fresh process costs.
double spawnMicroseconds(const QString& program, const QStringList& args, int rounds)
{
    return medianMicroseconds(rounds, 1, [&] {
        ChildProcess child;
        if (!child.start(program, args))
            return;
        child.closeStdin();
        while (child.readStdout()) {
            pollfd fd { child.stdoutFd(), POLLIN, 0 };
            ::poll(&fd, 1, 100);
        }
        child.waitForExit(5000);
    });
}

// Microseconds per hop of a token passed around a ring of the 2 ranks `backend` launches (the classic PyPar
// example, in parlab-mpi-worker --ring); unknown, with `skipped` saying why, when the ring did not report (within
// a minute: a host that never answers must not hang the command).
double ringHopMicroseconds(const MpiBackend& backend, QString& skipped)
{
    constexpr qint64 kLimitNs = 60'000'000'000;
    ChildProcess child;
    QStringList args = backend.mpirunArguments(2);
    args << MpiBackend::workerExecutable() << QStringLiteral("--ring") << QStringLiteral("5000");
    if (const Result<void> started = child.start(MpiBackend::mpirun(), args, MpiBackend::environment()); !started) {
        skipped = started.error();
        return kUnknown;
    }
    child.closeStdin();
    QByteArray line;
    bool got = false;
    bool open = true;
    for (const qint64 deadline = monotonicNs() + kLimitNs; !got && open && monotonicNs() < deadline;) {
        pollfd fds[2] = { { child.stdoutFd(), POLLIN, 0 }, { child.stderrFd(), POLLIN, 0 } };
        ::poll(fds, 2, 100);
        child.readStderr();
        open = child.readStdout();
        got = child.takeLine(line);
    }
    if (!got) {
        child.stop();
        skipped = open ? QStringLiteral("the ring did not report within %1 s").arg(kLimitNs / 1'000'000'000)
                       : QStringLiteral("the ring did not report: %1").arg(child.stderrTail().right(300));
        return kUnknown;
    }
    child.waitForExit(10'000);
    const QList<QByteArray> f = line.split(' ');
    if (f.size() == 3 && f[0] == "RING" && f[1].toLongLong() > 0)
        return double(f[2].toLongLong()) * 1e-3 / double(f[1].toLongLong());
    skipped = QStringLiteral("the ring reported '%1': %2")
                  .arg(QString::fromUtf8(line.trimmed()), child.stderrTail().right(300));
    return kUnknown;
}

// The token's hop between the first two hosts of cluster's hostfile, one rank on each (a hostfile of those two
// with one slot each, so mpirun has no other place for the second rank), beside `oneHost`, the same ring here.
OverheadRow ringBetweenHosts(const RunOptions& cluster, double oneHostMicroseconds, const Availability& mpi)
{
    const QString file = QFileInfo(cluster.hostfile).fileName();
    OverheadRow row;
    row.what = QStringLiteral("MPI token passed around a ring of 2 ranks on 2 hosts (from %1)").arg(file);
    row.per = QStringLiteral("hop");
    row.floorWhat = QStringLiteral("the same ring with both ranks on this machine");
    row.floorMicroseconds = oneHostMicroseconds;
    if (!mpi.available) {
        row.skipped = mpi.reason;
        return row;
    }
    // Read as a run reads it (Hostfile), so a file mpirun would refuse is refused here with its line named.
    const Result<Hostfile> hostfile = Hostfile::read(cluster.hostfile);
    if (!hostfile) {
        row.skipped = hostfile.error();
        return row;
    }
    QStringList hosts;
    for (const HostfileHost& host : hostfile->hosts())
        hosts.append(host.name);
    if (hosts.size() < 2) {
        row.skipped = QStringLiteral("%1 names %2 host%3; a hop between hosts needs two")
                          .arg(cluster.hostfile)
                          .arg(hosts.size())
                          .arg(hosts.size() == 1 ? QString() : QStringLiteral("s"));
        return row;
    }
    row.what = QStringLiteral("MPI token passed around a ring of 2 ranks on 2 hosts (%1 and %2 from %3)")
                   .arg(hosts[0], hosts[1], file);
    QTemporaryDir dir(ProcessGuard::tempFolderTemplate(QStringLiteral("overhead")));
    QFile two(dir.filePath(QStringLiteral("hostfile")));
    if (!dir.isValid() || !two.open(QIODevice::WriteOnly)
        || two.write(QStringLiteral("%1 slots=1\n%2 slots=1\n").arg(hosts[0], hosts[1]).toUtf8()) < 0 || !two.flush()) {
        row.skipped = QStringLiteral("cannot write a hostfile of the two hosts in %1").arg(dir.path());
        return row;
    }
    two.close();
    MpiBackend backend;
    RunOptions options = cluster;
    options.hostfile = two.fileName();
    backend.configure(options);
    row.microseconds = ringHopMicroseconds(backend, row.skipped);
    return row;
}
// The rows of a probe's hand-out batches (WorkerStarts, as a run probes them): what a noop task's hand-out took at
// each count above one, against one worker alone, grown as parlab predict grows a hand-out (Schedule::handOutGrowth):
// threads take theirs from the one queue, each on its own; a pool's parent serves every worker's in turn.
QList<OverheadRow> handOutRows(const WorkerStarts& starts)
{
    QList<OverheadRow> rows;
    const QList<QPair<int, double>> growth = Schedule::handOutGrowth(starts);
    const bool served = Schedule::servesHandOuts(starts.backend);
    for (qsizetype i = 1; i < growth.size(); ++i) {
        const QString grown = QStringLiteral("%1%2 µs each, as parlab predict models it")
                                  .arg(growth[i].second >= 0 ? QStringLiteral("+") : QString())
                                  .arg(growth[i].second * 1e6, 0, 'f', 3);
        OverheadRow row;
        row.what = served
            ? QStringLiteral("a noop task handed out by the one parent of %1 %2 workers served at once, the parent "
                             "on the first one's CPU (%3)")
                  .arg(growth[i].first)
                  .arg(starts.backend, grown)
            : QStringLiteral("a noop task and its hand-out on each of %1 %2 workers taking theirs at once (%3)")
                  .arg(growth[i].first)
                  .arg(starts.backend, grown);
        row.per = QStringLiteral("task");
        row.floorWhat = QStringLiteral("the same with 1 worker");
        row.floorMicroseconds = starts.counts.constFirst().handOutS * 1e6;
        row.microseconds = row.floorMicroseconds + growth[i].second * 1e6;
        rows.append(row);
    }
    return rows;
}
} // namespace

QList<OverheadRow> measureOverhead(const RunOptions& cluster, const std::function<void(const QString&)>& progress)
{
    auto say = [&](const QString& what) {
        if (progress)
            progress(what);
    };
    QList<OverheadRow> rows;
    const auto noop = KernelRegistry::create(QStringLiteral("noop"));
    RunControl control;

    say(QStringLiteral("thread start and join"));
    {
        std::function<void()> empty = [] {};
        OverheadRow row;
        row.what = QStringLiteral("start + join a std::thread");
        row.per = QStringLiteral("thread");
        row.microseconds = medianMicroseconds(5, 200, [] {
            for (int i = 0; i < 200; ++i)
                std::thread([] {}).join();
        });
        row.floorWhat = QStringLiteral("calling the same empty function");
        row.floorMicroseconds = medianMicroseconds(5, 200, [&] {
            for (int i = 0; i < 200; ++i)
                empty();
        });
        rows.append(row);
    }

    // Several at once, through the threads backend: how much later `parlab predict` starts the last of them
    // (WorkerStarts, Schedule::startupLag), up to this machine's cores.
    say(QStringLiteral("threads started at once"));
    {
        const WorkerStarts starts
            = WorkerStarts::probe(QStringLiteral("threads"), ExperimentSpec(), QThread::idealThreadCount());
        const QList<QPair<int, double>> lags = Schedule::startupLag(starts);
        const double oneThread = rows.constLast().microseconds;
        for (qsizetype i = 0; i < starts.counts.size(); ++i) {
            const WorkerStartCost& c = starts.counts[i];
            OverheadRow row;
            row.per = QStringLiteral("batch");
            row.microseconds = c.wallS * 1e6;
            if (i == 0) {
                row.what = QStringLiteral("start 1 threads worker, a noop task, and join it");
                row.floorWhat = QStringLiteral("start + join a std::thread");
                row.floorMicroseconds = oneThread;
            } else {
                const double more = i < lags.size() ? lags[i].second * 1e6 : kUnknown;
                row.what = QStringLiteral("start %1 threads workers at once, a noop task each, and join them (the "
                                          "last started %2%3 µs later than one alone, as parlab predict models it)")
                               .arg(c.workers)
                               .arg(more >= 0 ? QStringLiteral("+") : QString())
                               .arg(more, 0, 'f', 1);
                row.floorWhat = QStringLiteral("the same with 1 worker");
                row.floorMicroseconds = starts.counts.constFirst().wallS * 1e6;
            }
            rows.append(row);
        }
        rows.append(handOutRows(starts));
    }

    say(QStringLiteral("in-process dispatch"));
    constexpr int kTasks = 100'000;
    const QList<qint64> inputs = zeros(kTasks);
    const double loopFloor = OverheadTiming::loopFloorMicroseconds(*noop, inputs, 5);
    struct InProcess {
        const char* id;
        double targetUs;
    };
    for (const InProcess& b : { InProcess { "threads", 2.0 }, InProcess { "qtconcurrent", 10.0 } }) {
        OverheadRow row;
        row.what = QStringLiteral("hand a noop task to %1 (1 worker)").arg(QLatin1String(b.id));
        row.per = QStringLiteral("task");
        row.microseconds = backendMicroseconds(QString::fromLatin1(b.id), *noop, inputs, 5);
        row.floorWhat = QStringLiteral("a plain loop calling the kernel and timing it");
        row.floorMicroseconds = loopFloor;
        row.target = QStringLiteral("<= %1 us").arg(b.targetUs);
        row.targetMet = row.microseconds <= b.targetUs;
        rows.append(row);
    }

    const Availability workers = WorkerLauncher::availability();
    say(QStringLiteral("process pool round trip"));
    const double pipeRoundTrip = pipeRoundTripMicroseconds(2000);
    {
        OverheadRow row;
        row.what = QStringLiteral("round trip of a noop task through a processes worker");
        row.per = QStringLiteral("task");
        row.floorWhat = QStringLiteral("one line to /bin/cat and back through the same kind of pipes");
        row.floorMicroseconds = pipeRoundTrip;
        row.target = QStringLiteral("<= 100 us");
        if (workers.available) {
            row.microseconds = backendMicroseconds(QStringLiteral("processes"), *noop, zeros(2000), 5);
            row.targetMet = row.microseconds <= 100.0;
        } else {
            row.skipped = workers.reason;
        }
        rows.append(row);
    }
    // Its parent serving several workers at once: the probe a run with processes makes.
    if (workers.available) {
        say(QStringLiteral("process pool hand-outs at once"));
        try {
            rows.append(handOutRows(
                WorkerStarts::probe(QStringLiteral("processes"), ExperimentSpec(), QThread::idealThreadCount())));
        } catch (const std::exception& e) {
            OverheadRow row;
            row.what = QStringLiteral("a noop task handed out by the one parent of several processes workers");
            row.per = QStringLiteral("task");
            row.skipped = QString::fromLocal8Bit(e.what());
            rows.append(row);
        }
    }

    say(QStringLiteral("process per task start-up"));
    const double spawnFloor = workers.available
        ? spawnMicroseconds(WorkerLauncher::executable(), WorkerLauncher::arguments(QStringLiteral("noop"), {}, 0), 15)
        : kUnknown;
    {
        OverheadRow row;
        row.what = QStringLiteral("a noop task in a fresh process-per-task worker");
        row.per = QStringLiteral("task");
        row.floorWhat = QStringLiteral("spawn + wait of the same executable doing nothing");
        row.floorMicroseconds = spawnFloor;
        row.target = QStringLiteral("<= 1.3x floor");
        if (workers.available) {
            row.microseconds = backendMicroseconds(QStringLiteral("process-per-task"), *noop, zeros(15), 3);
            row.targetMet = row.microseconds <= 1.3 * spawnFloor;
        } else {
            row.skipped = workers.reason;
        }
        rows.append(row);
    }

    const auto mpiBackend = BackendRegistry::create(QStringLiteral("mpi"));
    const Availability mpi = mpiBackend->availability();
    say(QStringLiteral("mpirun launch"));
    {
        OverheadRow row;
        row.what = QStringLiteral("mpirun -np 2 launch, until every rank is ready (once per job)");
        row.per = QStringLiteral("launch");
        row.floorWhat = QStringLiteral("spawn + wait of parlab doing nothing");
        row.floorMicroseconds = spawnFloor;
        if (mpi.available) {
            QList<double> launches;
            try {
                // A job stays up for a whole experiment: each launch needs a backend of its own.
                for (int r = 0; r < 3; ++r) {
                    const auto fresh = BackendRegistry::create(QStringLiteral("mpi"));
                    fresh->start(*noop, 2, control);
                    launches.append(fresh->lastLaunchSeconds() * 1e6);
                }
                row.microseconds = Statistics::median(launches);
            } catch (const BackendError& e) {
                row.skipped = e.message();
            }
        } else {
            row.skipped = mpi.reason;
        }
        rows.append(row);
    }

    say(QStringLiteral("MPI token ring"));
    {
        OverheadRow row;
        row.what = QStringLiteral("MPI token passed around a ring of 2 ranks");
        row.per = QStringLiteral("hop");
        row.floorWhat = QStringLiteral("one line one way through a pipe (half a /bin/cat round trip)");
        row.floorMicroseconds = pipeRoundTrip / 2;
        if (mpi.available)
            row.microseconds = ringHopMicroseconds(*static_cast<MpiBackend*>(mpiBackend.get()), row.skipped);
        else
            row.skipped = mpi.reason;
        rows.append(row);
    }

    if (!cluster.hostfile.isEmpty()) {
        say(QStringLiteral("MPI token ring between hosts"));
        const OverheadRow& oneHost = rows.last();
        rows.append(ringBetweenHosts(cluster, oneHost.skipped.isEmpty() ? oneHost.microseconds : kUnknown, mpi));
    }
    return rows;
}

OverheadRow measureHostHop(const RunOptions& cluster)
{
    return ringBetweenHosts(cluster, kUnknown, BackendRegistry::availability(QStringLiteral("mpi"), cluster));
}

} // namespace parlab
