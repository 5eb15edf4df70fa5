#include "processpertaskbackend.h"

#include "optiondescriptor.h"
#include "runoptions.h"

namespace parlab {

BackendFacts ProcessPerTaskBackend::facts()
{
    return { .id = QStringLiteral("process-per-task"),
        .description
        = QStringLiteral("a fresh worker process for every input, at most N at once (like os.system(\"... &\"))"),
        .workerNoun = QStringLiteral("process slot"),
        .options = { Option::TaskTimeout, Option::Pin },
        .availability = [](const RunOptions&) { return WorkerLauncher::availability(); },
        .footprint = WorkerLauncher::footprint(),
        .create = [] { return std::unique_ptr<Backend>(std::make_unique<ProcessPerTaskBackend>()); } };
}

ProcessPerTaskBackend::ProcessPerTaskBackend()
    : m_processes(WorkerProcesses::Mode::PerTask)
{ }

void ProcessPerTaskBackend::configure(const RunOptions& options)
{
    m_options = ProcessOptions::from(options);
}

void ProcessPerTaskBackend::execute(
    const Kernel& kernel, const QList<qint64>& inputs, int workers, RunControl& control, QList<TaskSpan>& spans)
{
    m_processes.run(kernel, inputs, workers, control, spans, m_options);
}

} // namespace parlab
