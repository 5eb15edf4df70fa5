#pragma once

#include "texttable.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

QT_BEGIN_NAMESPACE
class QJsonObject;
QT_END_NAMESPACE

namespace parlab {

struct SweepResult;

// A task-size sweep as a person and a program read it: speedup against task size per backend and worker count,
// with the size where each breaks even and where it reaches 90% of ideal. The terminal table, the JSON and the
// HTML report all read SweepResult::series(), so they agree.
namespace SweepReport {
// One line naming the sweep: "spin-us, 32 tasks of 0.01, 0.1, 1, 10, 100 ms each, on threads, processes".
QString title(const SweepResult& sweep);
// A row per backend x workers: its speedup at each size, then its break-even and 90%-of-ideal sizes.
Report::Table table(const SweepResult& sweep);
// What the crossing columns mean, and why a sweep stopped early.
QStringList notes(const SweepResult& sweep);
QString toText(const SweepResult& sweep);
// The export's top level (tool, version, created, environment) with "sweep": {kernel, tasks, sizes_ms, series
// [{backend, workers, speedup[], ideal[], break_even_ms, near_ideal_ms}], runs [{size_ms, history_id, result}]},
// each run's result in the run export's own schema (JsonExport::toObject). A crossing outside the sweep is
// "below_smallest" or "not_reached" instead of a number.
QJsonObject toObject(const SweepResult& sweep);
QByteArray toJson(const SweepResult& sweep);
} // namespace SweepReport

} // namespace parlab
