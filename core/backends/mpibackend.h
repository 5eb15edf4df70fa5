#pragma once

#include "backend.h"

#include <QJsonObject>
#include <QStringList>

namespace parlab {

// OpenMPI: `mpirun -np <workers> parlab-mpi-worker`, whose ranks take tasks from a shared counter
// (self-scheduling) and report spans with rank and host. `hostfile` and `mpirun_args` options pass
// through for runs over several machines. mpirun's launch is timed apart from the tasks.
class MpiBackend final : public Backend {
public:
    static BackendFacts facts();
    // mpirun and parlab-mpi-worker are there (the options do not change the answer).
    static Availability availabilityHere();

    QString id() const override { return QStringLiteral("mpi"); }
    Availability availability() const override { return availabilityHere(); }
    void configure(const RunOptions& options) override;
    void execute(const Kernel& kernel, const QList<qint64>& inputs, int workers, RunControl& control,
        QList<TaskSpan>& spans) override;
    double lastLaunchSeconds() const override { return m_lastLaunchS; }

    // $PARLAB_MPIRUN or mpirun on the PATH; helperPath(Helper::MpiWorker).
    static QString mpirun();
    static QString workerExecutable();
    // mpirun's arguments before the program: root and oversubscription handled, user's extras appended.
    QStringList mpirunArguments(int workers) const;

private:
    QJsonObject m_kernelSettings;
    QString m_hostfile;
    QStringList m_extraArguments;
    double m_lastLaunchS = kUnknown;
};

} // namespace parlab
