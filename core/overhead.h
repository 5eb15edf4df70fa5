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

// What `parlab overhead` prints: starting threads, dispatching to each backend, starting processes,
// launching mpirun, passing an MPI token around a ring. `progress` hears what is being measured.
QList<OverheadRow> measureOverhead(const std::function<void(const QString&)>& progress = {});

} // namespace parlab
