#pragma once

#include "taskspan.h"
#include "topology.h"

#include <QList>
#include <QString>

namespace parlab {

struct Measurement;
struct RunOptions;

// Where workers run: option pin's and baseline_core's rule for which CPU each worker of a backend gets (the runner
// applies it), and where each worker's tasks really ran, read back from their spans (TaskSpan::cpu), for the notes,
// the JSON export and the timeline's tooltips.
namespace WorkerPlacement {

// What placed a backend's workers.
enum class PinnedBy {
    Nothing, // where the scheduler put them
    Pin, // option pin (compact, scatter) by the topology
    FastestCore, // a baseline, by option baseline_core fastest
};

// A baseline (its facts list Option::BaselineCore) goes to the fastest core with baseline_core fastest, else where
// option pin puts a 1-worker run of the others, like for like; another backend whose facts list Option::Pin by
// option pin.
PinnedBy pinnedBy(const RunOptions& options, const QString& backend);
// The CPU of each of `workers` workers of `backend` (a baseline has one): `fastestCpu` for FastestCore, the
// topology's placement for Pin; empty for Nothing.
QList<int> cpus(
    const RunOptions& options, const QString& backend, int workers, const Topology& topology, int fastestCpu);
// The CPU from which the thread that calls `backend`'s execute serves its workers placed on `cpus` (cpus'
// result): the first worker's, where the backend serves them in the caller (BackendFacts::servesInCaller) and they
// were placed; else -1, where the scheduler puts it. A pool's parent left to the scheduler beside pinned workers
// drew its place at every run: on a 2-core VM a pinned 1-worker pool handed out a noop task in 64 µs where its
// parent ran on the other core and in 7 µs where it shared the worker's, and its predictions missed by 88%.
int servingCpu(const QString& backend, const QList<int>& cpus);

// Fills in each span's physical core from `topology` (this machine's), for the spans that ran here: those without
// a host, or with this machine's name (an MPI rank here). Another host's cores stay unknown.
void locateCores(QList<TaskSpan>& spans, const Topology& topology);

// Where one worker's tasks ran: the CPUs (and their cores, -1 where unknown) they ended on, in number order.
struct Worker {
    int worker = 0;
    QString host; // empty on this machine
    QList<int> cpus;
    QList<int> cores; // beside cpus

    bool operator==(const Worker& other) const = default;
};
// Every worker with at least one span that says its CPU, in worker order.
QList<Worker> workers(const QList<TaskSpan>& spans);

// "CPU 0 (core 0)", "CPUs 0, 1 (cores 0, 1)", "CPU 3" (core unknown): one worker's CPUs, as the notes and the
// tooltips write them.
QString cpusText(const QList<int>& cpus, const QList<int>& cores);
// "ended on CPU 1 (core 1)": where one task ran, for the tooltips of the window's timeline and the report's; "" when
// not known.
QString taskText(const TaskSpan& span);
// The table note of a measurement whose spans say where they ran, else "":
// "threads x2: pinned scatter: worker 0 → CPU 0 (core 0), worker 1 → CPU 1 (core 1)"; more workers than CPUs add
// that the placement starts over, and a pinned worker found on a second CPU is called out.
QString note(const Measurement& m, const RunOptions& options);

} // namespace WorkerPlacement

} // namespace parlab
