#pragma once

#include "measurement.h"
#include "resourceusage.h"

#include <QHash>
#include <QList>
#include <QtGlobal>
#include <utility>

namespace parlab {

// The memory and context switches of processes a backend keeps across repeats and does not reap at each repeat's end
// (the Python interpreter and its pool, mpirun's ranks on this machine), read from outside through /proc, where
// wait4 cannot see them: take() says what they did since they started or since restart(), which resets each
// process's high-water mark (writing 5 to /proc/PID/clear_refs, as ParLab resets its own). The backend restarts
// the counts as the next repeat starts (Backend::start, outside the timing), not at take(): each process's peak in
// its last repeat is then its high-water mark when it exits, what the kernel hands its parent (as a `parlab worker`
// does). A process that cannot be read (gone, not ours) gives -1s. Not thread-safe: the backend's thread uses it.
class ProcessUsageProbe final {
public:
    struct Worker {
        int worker = 0;
        qint64 pid = 0; // the process it runs in
        qint64 tid = 0; // the thread that runs its tasks (the pid for a process's main thread)
        bool ownProcess = true; // false for a thread of the runtime, whose memory is the runtime's
    };

    // What `runtime` (the process the tasks run under; 0: none) and `workers` used since the last restart() of the
    // same processes, or since they started. whyUnknown is set where the runtime or a worker process could not be
    // read.
    RepeatUsage take(qint64 runtime, const QList<Worker>& workers);
    // Counts afresh from here for the processes and threads of the last take(): their peaks are reset and their
    // switches so far noted. Those of a process that came after it count from its start.
    void restart();

private:
    QList<qint64> m_processes; // whose peaks take() read: the runtime and the worker processes
    QList<Worker> m_workers; // of the last take()
    // Each worker thread's switches at the last restart(), by (pid, tid): only those of that restart, so a thread
    // that went and came back under a reused id does not count from a stranger's baseline for long.
    QHash<std::pair<qint64, qint64>, ResourceUsage::Switches> m_since;
};

} // namespace parlab
