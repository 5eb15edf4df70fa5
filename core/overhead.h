#pragma once

#include <QList>
#include <QString>
#include <functional>

namespace parlab {

// One cost of parallelism on this machine, next to the raw floor it cannot go below, both measured in the
// same run.
struct OverheadRow {
    QString what;
    QString per; // "task", "thread", "hop", "launch"
    double microseconds = 0;
    QString floorWhat; // what the floor is
    double floorMicroseconds = 0;
    QString target; // e.g. "<= 100 us", "<= 1.3x floor"; empty when there is none
    bool targetMet = true;
    QString skipped; // why the row could not be measured here (its figures are then meaningless)
};

class Kernel;

// The timing both `parlab overhead` and the dispatch benchmark use.
namespace OverheadTiming {
// Median over `rounds` of the time `body` takes, divided by `perRound`, in microseconds.
double medianMicroseconds(int rounds, int perRound, const std::function<void()>& body);
// Microseconds per task of one batch of `inputs` on backend `id` (median of `rounds`, after one
// unmeasured batch that starts whatever the backend keeps, such as a process pool).
double backendMicroseconds(
    const QString& id, const Kernel& kernel, const QList<qint64>& inputs, int rounds, int workers = 1);
// The raw floor: a plain loop calling the kernel through the same span-recording code, no dispatch.
double loopFloorMicroseconds(const Kernel& kernel, const QList<qint64>& inputs, int rounds);
} // namespace OverheadTiming

struct RunOptions;

// What `parlab overhead` prints: starting threads (one at a time, and 1, 2, 4, ... up to the cores at once through the
// threads backend: WorkerStarts, what `parlab predict` grows a worker's start-up by), dispatching to each backend,
// starting processes,
// launching mpirun, passing an MPI token around a ring. With a hostfile in `cluster`, also the token's hop
// between the first two hosts it names (one rank on each, launched with cluster's mpirun arguments) beside the
// hop on this machine. `progress` hears what is being measured.
QList<OverheadRow> measureOverhead(const RunOptions& cluster, const std::function<void(const QString&)>& progress = {});
// Only the last of those rows: the MPI token's hop between the first two hosts of cluster's hostfile, without the
// same ring on this machine as its floor (`parlab predict --hostfile` charges it to ranks on other hosts).
OverheadRow measureHostHop(const RunOptions& cluster);

} // namespace parlab
