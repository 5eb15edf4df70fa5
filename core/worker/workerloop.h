#pragma once

namespace parlab {

class Kernel;

// The body of `parlab worker`: announces itself, then reads task lines from stdin and answers each with
// a result or failure line on stdout (WorkerProtocol), flushed, until stdin ends. Dies with its parent
// (PR_SET_PDEATHSIG, and a watch on its parent's pid), and on SIGTERM, SIGINT or SIGHUP; either way it first
// kills everything it started (it is a child subreaper, so its programs' orphans stay below it). A crashed
// ParLab never leaves workers or their programs behind. Returns the exit code.
int runWorkerLoop(const Kernel& kernel, int worker);

} // namespace parlab
