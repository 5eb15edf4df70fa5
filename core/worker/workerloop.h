#pragma once

namespace parlab {

class Kernel;

// The body of `parlab worker`: announces itself, then reads task lines from stdin and answers each with
// a result or failure line on stdout (WorkerProtocol), flushed, until stdin ends. Dies with its parent
// (PR_SET_PDEATHSIG), so a crashed ParLab never leaves workers behind. Returns the exit code.
int runWorkerLoop(const Kernel& kernel, int worker);

} // namespace parlab
