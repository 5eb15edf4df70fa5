#include "processpertaskbackend.h"

namespace parlab {

ProcessPerTaskBackend::ProcessPerTaskBackend()
    : m_processes(WorkerProcesses::Mode::PerTask)
{ }

void ProcessPerTaskBackend::configure(const QVariantMap& options)
{
    m_options = ProcessOptions::from(options);
}

void ProcessPerTaskBackend::execute(
    const Kernel& kernel, const QList<qint64>& inputs, int workers, RunControl& control, QList<TaskSpan>& spans)
{
    m_processes.run(kernel, inputs, workers, control, spans, m_options);
}

} // namespace parlab
