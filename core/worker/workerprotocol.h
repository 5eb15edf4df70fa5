#pragma once

#include "result.h"

#include <QByteArray>
#include <QString>
#include <optional>

namespace parlab {

// The line protocol between ParLab and its worker processes (`parlab worker`, `parlab-mpi-worker`).
// One line per message, ASCII, space-separated, flushed after each:
//   parent -> worker   T <index> <input>                         run one task
//                      U                                         report usage (M); the next task counts afresh
//   parent -> rank 0   T ... lines, then G                       run this batch (the mpi job, which stays up)
//                      C                                         clock probe
//   worker -> parent   R <pid> <host> [<offset> <uncertainty>]   ready (sent once, at start); from the mpi job one
//                                                  per rank, with the rank's clock offset against rank 0 in ns
//                                                  (subtracted from its times already) and half the round trip
//                                                  that measured it
//                      D <index> <checksum> <start> <end> <cpu> <wait> <worker> <on>   done: checksum in hex,
//                                                  start/end on CLOCK_MONOTONIC in ns; the task's thread CPU
//                                                  time and run-queue delay in ns, -1 where not sampled; the
//                                                  CPU the task ended on, -1 where unknown (absent before 0.2)
//                      F <index> <message>                       the task failed (message to end of line)
//                      E <message>                               the worker cannot run at all
//                      M <peak rss> <voluntary> <involuntary> <program peak rss>   usage since the worker's start or
//                                                  the first task after its last report:
//                                                  its peak resident memory in bytes (VmHWM), its task thread's
//                                                  context switches with those of the programs its tasks ran, the
//                                                  largest peak of those programs (wait4's); -1 where not measured.
//                                                  Sent when asked (U) and once more when its input ends, before
//                                                  it exits
//   rank 0 -> parent   B                                         every task of the batch reported
//                      K <now> <boot id>                         clock reply: rank 0's CLOCK_MONOTONIC, and the
//                                                  kernel's boot id (equal ids share that clock)
// End of stdin tells a worker to exit.
namespace WorkerProtocol {
struct Message {
    enum class Kind { Ready, Done, Failed, Fatal, BatchEnd, Clock, Usage } kind = Kind::Done;
    int index = -1;
    quint64 checksum = 0;
    qint64 startNs = 0;
    qint64 endNs = 0;
    qint64 cpuNs = -1;
    qint64 waitNs = -1;
    int worker = 0;
    int cpu = -1; // done: the CPU the task ended on
    qint64 pid = 0;
    QString host;
    qint64 clockOffsetNs = 0; // ready: the rank's clock minus rank 0's
    qint64 clockUncertaintyNs = -1; // ready: how far that offset may be off; -1 when not measured
    qint64 nowNs = 0; // clock reply
    QByteArray bootId; // clock reply
    qint64 peakRssBytes = -1; // usage
    qint64 voluntarySwitches = -1; // usage
    qint64 involuntarySwitches = -1; // usage
    qint64 programPeakRssBytes = -1; // usage
    QString message;
};

// What ParLab sends the mpi job's rank 0.
struct Command {
    enum class Kind { Task, Go, ClockProbe } kind = Kind::Task;
    int index = -1;
    qint64 input = 0;
};

QByteArray task(int index, qint64 input);
std::optional<std::pair<int, qint64>> parseTask(const QByteArray& line);
QByteArray usageRequest();
bool isUsageRequest(const QByteArray& line);
QByteArray usage(qint64 peakRssBytes, qint64 voluntarySwitches, qint64 involuntarySwitches, qint64 programPeakRssBytes);

QByteArray ready(qint64 pid, const QString& host);
QByteArray ready(qint64 pid, const QString& host, qint64 clockOffsetNs, qint64 clockUncertaintyNs);
QByteArray go();
QByteArray clockProbe();
QByteArray clockReply(qint64 nowNs, const QByteArray& bootId);
QByteArray batchEnd();
std::optional<Command> parseCommand(const QByteArray& line);
QByteArray done(
    int index, quint64 checksum, qint64 startNs, qint64 endNs, qint64 cpuNs, qint64 waitNs, int worker, int cpu);
QByteArray failed(int index, const QString& message);
QByteArray fatal(const QString& message);

// A message, or an error that quotes the offending bytes.
Result<Message> parse(const QByteArray& line);

// The bytes shown in a protocol error: printable ASCII as is, the rest escaped, at most 80 of them.
QString quote(const QByteArray& bytes);
} // namespace WorkerProtocol

} // namespace parlab
