#pragma once

#include <QByteArray>
#include <QJsonObject>

namespace parlab {

struct RunResult;

// Chrome trace event JSON (opens in Perfetto and chrome://tracing): every task of the latest repeat of each
// measurement as an "X" event in microseconds, one process track per measurement ("threads x2") or per worker
// process, one thread track per worker, GIL states nested inside the tasks for gil-threads.
namespace TraceExport {
QJsonObject toObject(const RunResult& result);
QByteArray toJson(const RunResult& result);
} // namespace TraceExport

} // namespace parlab
