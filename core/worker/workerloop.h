#pragma once

#include <QByteArray>
#include <QtGlobal>

namespace parlab {

class Context;
class Kernel;

// Runs input #index through the kernel in this process and answers with the worker's line for it (WorkerProtocol):
// a result with its times and the task's own CPU and run-queue wait, or a failure naming why (a refused input, the
// kernel's exception). The one task body of every worker program: `parlab worker` and the MPI ranks.
QByteArray runTaskLine(const Kernel& kernel, Context& context, int index, qint64 input, int worker);

// The body of `parlab worker`: announces itself, then reads task lines from stdin and answers each with
// a result or failure line on stdout (WorkerProtocol), flushed, until stdin ends. Dies with its parent
// (PR_SET_PDEATHSIG, and a watch on its parent's pid), and on SIGTERM, SIGINT or SIGHUP; either way it first
// kills everything it started (it is a child subreaper, so its programs' orphans stay below it). A crashed
// ParLab never leaves workers or their programs behind. Returns the exit code.
int runWorkerLoop(const Kernel& kernel, int worker);

} // namespace parlab
