#pragma once

#include <QByteArray>
#include <QString>

QT_BEGIN_NAMESPACE
class QJsonObject;
QT_END_NAMESPACE

namespace parlab {

struct Measurement;
struct RunResult;

// Chrome trace event JSON (opens in Perfetto and chrome://tracing): every task of the latest repeat of each
// measurement as an "X" event in microseconds, one process track per measurement ("threads x2"), one thread
// track per worker, GIL states nested inside the tasks for gil-threads.
namespace TraceExport {
QJsonObject toObject(const RunResult& result);
QByteArray toJson(const RunResult& result);
// What the trace, the window and the report call a worker (TimelineModel::workerLabel): "thread 1", "process 2 (pid
// 1234)", "rank 0 @ node7" (the backend's worker noun, ranks counted from 0 as MPI does, the others from 1).
QString workerName(const Measurement& measurement, int worker);
} // namespace TraceExport

} // namespace parlab
