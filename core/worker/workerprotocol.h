#pragma once

#include "result.h"

#include <QByteArray>
#include <QString>
#include <optional>

namespace parlab {

// The line protocol between ParLab and its worker processes (`parlab worker`, `parlab-mpi-worker`).
// One line per message, ASCII, space-separated, flushed after each:
//   parent -> worker   T <index> <input>                         run one task
//   worker -> parent   R <pid> <host>                            ready (sent once, at start)
//                      D <index> <checksum> <start> <end> <cpu> <wait> <worker>   done: checksum in hex,
//                                                  start/end on CLOCK_MONOTONIC in ns; the task's thread CPU
//                                                  time and run-queue delay in ns, -1 where not sampled
//                      F <index> <message>                       the task failed (message to end of line)
//                      E <message>                               the worker cannot run at all
// End of stdin tells a worker to exit.
namespace WorkerProtocol {
struct Message {
    enum class Kind { Ready, Done, Failed, Fatal } kind = Kind::Done;
    int index = -1;
    quint64 checksum = 0;
    qint64 startNs = 0;
    qint64 endNs = 0;
    qint64 cpuNs = -1;
    qint64 waitNs = -1;
    int worker = 0;
    qint64 pid = 0;
    QString host;
    QString message;
};

QByteArray task(int index, qint64 input);
std::optional<std::pair<int, qint64>> parseTask(const QByteArray& line);

QByteArray ready(qint64 pid, const QString& host);
QByteArray done(int index, quint64 checksum, qint64 startNs, qint64 endNs, qint64 cpuNs, qint64 waitNs, int worker);
QByteArray failed(int index, const QString& message);
QByteArray fatal(const QString& message);

// A message, or an error that quotes the offending bytes.
Result<Message> parse(const QByteArray& line);

// The bytes shown in a protocol error: printable ASCII as is, the rest escaped, at most 80 of them.
QString quote(const QByteArray& bytes);
} // namespace WorkerProtocol

} // namespace parlab
