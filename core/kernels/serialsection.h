#pragma once

#include "result.h"

#include <QString>
#include <functional>

namespace parlab {

class Context;
struct OptionDescriptor;
struct RunOptions;

// An injected serial fraction, the setting serial_ms of spin and sleep: of each task's work, the first serial_ms
// are done holding a stop-the-world lock that every task of this user on this host takes (threads, pool workers,
// child processes, MPI ranks), so that while one task does its serial part no other task makes any progress and
// Amdahl's law holds exactly: T_N = s W + (1 - s) W / N. A plain mutex around the serial parts would not do: the
// other tasks' parallel parts would overlap them. So the rest of the task runs in slices of kSliceNs, each under a
// shared hold of the same lock, and a serial part that waits for it stops every other task within one slice.
//
// The lock is two files per user, flock()ed: `gate` gives a waiting serial part priority (a slice takes it shared
// only to get its shared hold on `rw`; a serial part holds it exclusively, so no new slice starts), `rw` is held
// shared by every running slice and exclusively by the serial part. Every task opens its own descriptors, and
// flock's locks belong to the open file, so threads of one process exclude each other too; the kernel releases
// them when a process dies, so a worker killed in its serial part never leaves the lock held. Waits poll
// (Context::sleepFor between tries): they end at once on cancel, and under the GIL model they let the lock go.
class SerialSection final {
public:
    static constexpr qint64 kSliceNs = 200'000;

    // The setting, declared once for every kernel that reads it.
    static OptionDescriptor setting();
    // The lock's two files ("gate", "rw"): in $XDG_RUNTIME_DIR, else /tmp, named by the user's id.
    static QString lockPath(const QString& which);

    // Reads serial_ms; with a serial part, checks that the lock files open (an error a user can act on).
    Result<void> configure(const RunOptions& options);
    qint64 serialNs() const { return m_serialNs; }

    // One task of `totalNs` of work, progress read on `clock` (thread CPU for spin, the monotonic clock for sleep):
    // min(serial_ms, total) of it stop the world, the rest runs in slices. `workUntil(t)` works until `clock` reads t.
    // Only the time inside the serial part and the slices counts as work, never a wait for the lock. Without a
    // serial part it is one call, workUntil(clock() + totalNs), and no lock is taken.
    void run(Context& context, qint64 totalNs, const std::function<qint64()>& clock,
        const std::function<void(qint64)>& workUntil) const;

private:
    qint64 m_serialNs = 0;
};

} // namespace parlab
