#include "processpoolbackend.h"

#include "optiondescriptor.h"
#include "runoptions.h"

namespace parlab {

BackendFacts ProcessPoolBackend::facts()
{
    return { .id = QStringLiteral("processes"),
        .description
        = QStringLiteral("a pool of long-lived worker processes fed over pipes (like multiprocessing.Pool)"),
        .workerNoun = QStringLiteral("process"),
        .options = { Option::Chunksize, Option::TaskTimeout, Option::Pin },
        .availability = [](const RunOptions&) { return WorkerLauncher::availability(); },
        .footprint = WorkerLauncher::footprint(),
        .servesInCaller = true,
        .create = [] { return std::unique_ptr<Backend>(std::make_unique<ProcessPoolBackend>()); } };
}

ProcessPoolBackend::ProcessPoolBackend()
    : m_processes(WorkerProcesses::Mode::Pool)
{ }

void ProcessPoolBackend::configure(const RunOptions& options)
{
    m_options = ProcessOptions::from(options);
}

void ProcessPoolBackend::execute(
    const Kernel& kernel, const QList<qint64>& inputs, int workers, RunControl& control, QList<TaskSpan>& spans)
{
    m_processes.run(kernel, inputs, workers, control, spans, m_options);
}

} // namespace parlab
