#include "backendregistry.h"

#include "experimentspec.h"
#include "gilthreadsbackend.h"
#include "hostfile.h"
#include "kernels/kernel.h"
#include "mpibackend.h"
#include "optiondescriptor.h"
#include "processpertaskbackend.h"
#include "processpoolbackend.h"
#include "pythonbackend.h"
#include "qtconcurrentbackend.h"
#include "runoptions.h"
#include "sequentialbackend.h"
#include "threadpoolbackend.h"

namespace parlab {

const QList<BackendFacts>& BackendRegistry::all()
{
    static const QList<BackendFacts> table {
        SequentialBackend::facts(),
        ThreadPoolBackend::facts(),
        QtConcurrentBackend::facts(),
        GilThreadsBackend::facts(),
        ProcessPoolBackend::facts(),
        ProcessPerTaskBackend::facts(),
        MpiBackend::facts(),
        PythonBackend::facts(PythonBackend::Mode::Sequential),
        PythonBackend::facts(PythonBackend::Mode::Threads),
        PythonBackend::facts(PythonBackend::Mode::Processes),
    };
    return table;
}

QStringList BackendRegistry::ids()
{
    QStringList result;
    for (const BackendFacts& facts : all())
        result.append(facts.id);
    return result;
}

const BackendFacts* BackendRegistry::find(const QString& id)
{
    for (const BackendFacts& facts : all()) {
        if (facts.id == id)
            return &facts;
    }
    return nullptr;
}

BackendFacts BackendRegistry::factsOf(const QString& id)
{
    if (const BackendFacts* facts = find(id))
        return *facts;
    BackendFacts guess;
    guess.id = id;
    guess.workerNoun = QStringLiteral("worker");
    guess.usesWorkers = !id.endsWith(QLatin1String("sequential"));
    guess.baseline
        = id.startsWith(QLatin1String("python-")) ? QStringLiteral("python-sequential") : QStringLiteral("sequential");
    guess.known = false;
    return guess;
}

Availability BackendRegistry::availability(const QString& id, const RunOptions& options)
{
    const BackendFacts* facts = find(id);
    if (!facts) {
        QString reason = QStringLiteral("backend '%1' is not part of this build").arg(id);
        if (const QString guess = closestName(id, ids()); !guess.isEmpty())
            reason += QStringLiteral(" (did you mean '%1'?)").arg(guess);
        return { false, reason };
    }
    return facts->availability ? facts->availability(options) : Availability {};
}

Result<void> BackendRegistry::checkKernel(const QString& id, const Kernel& kernel, const RunOptions& options)
{
    const BackendFacts* facts = find(id);
    if (facts && !facts->runsPython && !kernel.runsNatively()) {
        QStringList python;
        for (const BackendFacts& f : all()) {
            if (f.runsPython)
                python.append(f.id);
        }
        return fail(QStringLiteral("%1 is a Python function: it runs on %2, not on %3")
                        .arg(kernel.name(), python.join(QStringLiteral(", ")), id));
    }
    return facts && facts->checkKernel ? facts->checkKernel(id, kernel, options) : Result<void>();
}

Result<void> BackendRegistry::checkCode(const QString& id, const Kernel& kernel, const RunOptions& options)
{
    const BackendFacts* facts = find(id);
    return facts && facts->checkCode && kernel.isUsersCode() ? facts->checkCode(kernel, options) : Result<void>();
}

Result<void> BackendRegistry::checkWorkers(
    const QString& id, int workers, int inputs, const RunOptions& options, bool resolveHosts)
{
    const BackendFacts* facts = find(id);
    if (!facts || facts->footprint.processes <= 0 || !facts->usesWorkers)
        return {};
    if (facts->options.contains(Option::Hostfile) && !options.hostfile.isEmpty()) {
        // Ranks go to the hosts of the hostfile, not this machine: the file decides where they fit.
        const Result<Hostfile> hosts
            = resolveHosts ? Hostfile::check(options.hostfile) : Hostfile::read(options.hostfile);
        if (!hosts)
            return fail(QStringLiteral("backend '%1': %2").arg(id, hosts.error()));
        if (Result<void> fits = hosts->fits(workers, options.mpirunArgs); !fits)
            return fail(QStringLiteral("backend '%1': %2").arg(id, fits.error()));
        return {};
    }
    // In a Slurm allocation the ranks go to its nodes, which mpirun knows and this machine does not.
    if (facts->options.contains(Option::Hostfile) && Hostfile::inSlurmAllocation())
        return {};
    const int started = facts->footprint.onePerInput ? std::min(workers, std::max(inputs, 1)) : workers;
    const ProcessLimits::Cap cap = ProcessLimits::cap(facts->footprint);
    if (started <= cap.workers)
        return {};
    return fail(QStringLiteral("backend '%1' cannot start %2 workers here: at most %3 fit now, because %4 (use %3 "
                               "workers or fewer, or raise that limit)")
                    .arg(id)
                    .arg(started)
                    .arg(cap.workers)
                    .arg(cap.reason));
}

QStringList BackendRegistry::idsUsing(Option option)
{
    QStringList result;
    for (const BackendFacts& facts : all()) {
        if (facts.options.contains(option))
            result.append(facts.id);
    }
    return result;
}

bool BackendRegistry::usesWorkers(const QString& id)
{
    return factsOf(id).usesWorkers;
}

std::unique_ptr<Backend> BackendRegistry::create(const QString& id)
{
    const BackendFacts* facts = find(id);
    return facts ? facts->create() : nullptr;
}

} // namespace parlab
