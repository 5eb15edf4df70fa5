#include "processpoolbackend.h"

namespace parlab {

ProcessPoolBackend::ProcessPoolBackend()
    : m_processes(WorkerProcesses::Mode::Pool)
{ }

void ProcessPoolBackend::configure(const QVariantMap& options)
{
    m_options = ProcessOptions::from(options);
}

void ProcessPoolBackend::execute(
    const Kernel& kernel, const QList<qint64>& inputs, int workers, RunControl& control, QList<TaskSpan>& spans)
{
    m_processes.run(kernel, inputs, workers, control, spans, m_options);
}

} // namespace parlab
