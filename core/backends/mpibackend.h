#pragma once

#include "backend.h"

#include <QStringList>

namespace parlab {

// OpenMPI: `mpirun -np <workers> parlab-mpi-worker`, whose ranks take tasks from a shared counter
// (self-scheduling) and report spans with rank and host. `hostfile` and `mpirun_args` options pass
// through for runs over several machines. mpirun's launch is timed apart from the tasks.
class MpiBackend final : public Backend {
public:
    QString id() const override { return QStringLiteral("mpi"); }
    QString description() const override
    {
        return QStringLiteral("OpenMPI ranks (mpirun -np N) taking tasks from a shared counter");
    }
    QString workerNoun() const override { return QStringLiteral("rank"); }
    Availability availability() const override;
    void configure(const QVariantMap& options) override;
    void execute(const Kernel& kernel, const QList<qint64>& inputs, int workers, RunControl& control,
        QList<TaskSpan>& spans) override;
    double lastLaunchSeconds() const override { return m_lastLaunchS; }

    // $PARLAB_MPIRUN or mpirun on the PATH; helperPath(Helper::MpiWorker).
    static QString mpirun();
    static QString workerExecutable();
    // mpirun's arguments before the program: root and oversubscription handled, user's extras appended.
    QStringList mpirunArguments(int workers) const;

private:
    QVariantMap m_options;
    QString m_hostfile;
    QStringList m_extraArguments;
    double m_lastLaunchS = kUnknown;
};

} // namespace parlab
