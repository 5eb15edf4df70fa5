#include "sequentialbackend.h"

#include "context.h"

#include <QCoreApplication>

namespace parlab {

void SequentialBackend::execute(
    const Kernel& kernel, const QList<qint64>& inputs, int, RunControl& control, QList<TaskSpan>& spans)
{
    const qint64 pid = QCoreApplication::applicationPid();
    Context context(control, 0);
    spans.resize(inputs.size());
    for (int i = 0; i < inputs.size(); ++i) {
        if (control.shouldStop())
            throw Cancelled();
        spans[i] = runTask(kernel, inputs, i, context, pid);
    }
}

} // namespace parlab
