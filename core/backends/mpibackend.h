#pragma once

#include "backend.h"
#include "lifeline.h"
#include "processusageprobe.h"
#include "topology.h"

#include <QJsonObject>
#include <QStringList>
#include <functional>
#include <memory>

namespace parlab {

class ChildProcess;
namespace WorkerProtocol {
struct Message;
}

// OpenMPI: one job, `mpirun -np <workers> parlab-mpi-worker`, launched by start() and kept for every execute, like
// the process pool. Each execute sends rank 0 a batch; rank 0 hands the tasks out one at a time to whichever rank
// asks (self-scheduling over point-to-point messages, so it works between hosts over TCP) and reports each task's
// span with its rank and host, on ParLab's clock: rank 0 measured every rank's clock offset at launch, and this
// backend measures rank 0's. `hostfile` and `mpirun_args` pass through for runs over several machines. The launch
// is timed once, apart from the repeats; a failed, timed-out or cancelled batch ends the job, and the next start
// launches a new one.
class MpiBackend final : public Backend {
public:
    MpiBackend();
    ~MpiBackend() override;
    static BackendFacts facts();
    // mpirun and parlab-mpi-worker are there (the options do not change the answer).
    static Availability availabilityHere();

    QString id() const override { return QStringLiteral("mpi"); }
    Availability availability() const override { return availabilityHere(); }
    void configure(const RunOptions& options) override;
    void start(const Kernel& kernel, int workers, RunControl& control) override;
    void execute(const Kernel& kernel, const QList<qint64>& inputs, int workers, RunControl& control,
        QList<TaskSpan>& spans) override;
    double lastLaunchSeconds() const override { return m_lastLaunchS; }
    double liveChildCpuSeconds() const override;
    // Read through /proc (ProcessUsageProbe) where every rank runs on this machine: mpirun's peak as the runtime's,
    // each rank's own peak and its main thread's switches. A rank on another machine is out of reach, and the job's
    // memory is then not known (whyUnknown says so) rather than understated.
    RepeatUsage collectUsage() override;

    // $PARLAB_MPIRUN or mpirun on the PATH; helperPath(Helper::MpiWorker).
    static QString mpirun();
    static QString workerExecutable();
    // mpirun's arguments before the program: root and oversubscription handled, user's extras appended.
    QStringList mpirunArguments(int workers) const;
    // What mpirun needs in its environment beside ParLab's (running as root).
    static QStringList environment();

    // Each rank of the running job: its process, host and clock (offset from ParLab's clock, already applied to its
    // spans, and how far that may be off). Empty when no job runs.
    struct Rank {
        qint64 pid = 0;
        QString host;
        qint64 clockOffsetNs = 0;
        qint64 clockUncertaintyNs = 0;
    };
    const QList<Rank>& ranks() const { return m_ranks; }

private:
    void launch(const Kernel& kernel, int workers, RunControl& control);
    // Reads the job's messages into `take` until it returns true. Cancel, the job's end, a protocol error or
    // silence past the task timeout end the job and throw (the first failure the job reported, if any).
    void pump(RunControl& control, const std::function<bool(const WorkerProtocol::Message&)>& take);
    // A rank's lifeline closed (it died, on whatever host) or rank 0 sent its fatal message on it: the job ends.
    void takeLifelines(const QList<lifeline::Listener::Event>& events);
    // Waits a moment for a dead rank's crash report to come through mpirun, which abandon() then quotes.
    void awaitCrashReport();
    // Ends the job and throws `message` (the job's own first complaint instead, when it made one), with the crash
    // report of a rank that died in the kernel.
    [[noreturn]] void abandon(const QString& message);
    // Ends the job at once (cancel, failure); endJob() lets it finish and exit.
    void dropJob();
    void endJob();

    QJsonObject m_kernelSettings;
    QString m_hostfile;
    QStringList m_extraArguments;
    double m_taskTimeoutS = 0;
    Pinning m_pin = Pinning::None; // each rank pins itself (parlab-mpi-worker --pin)
    std::unique_ptr<ChildProcess> m_job;
    std::unique_ptr<lifeline::Listener> m_lifelines; // the job's ranks' connections to ParLab
    QString m_jobKernel;
    int m_jobWorkers = 0;
    QList<Rank> m_ranks;
    QString m_failure; // the first task failure or fatal message of the current batch
    double m_lastLaunchS = kUnknown;
    ProcessUsageProbe m_usageProbe;
};

} // namespace parlab
