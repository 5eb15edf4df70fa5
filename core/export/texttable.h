#pragma once

#include <QList>
#include <QString>
#include <QStringList>

namespace parlab {

struct Measurement;
struct TaskSpan;
struct RunResult;
struct UslFit;

// The summary a person reads: one row per backend x workers, then bounds, fits and warnings. The terminal
// table and the Markdown export both render these rows, so they always agree.
namespace Report {
struct Table {
    QStringList header;
    QList<QStringList> rows;
    QList<bool> rightAligned;
};
// One line naming the experiment and the machine.
QString title(const RunResult& result);
Table summary(const RunResult& result);
// Where each measurement's lost speedup went: useful and every part of the accounting, in percent of its
// workers x wall time (Accounting::parts(), in their order); the measurements with a known split.
Table losses(const RunResult& result);
// Memory and context switches by worker in each measurement's latest repeat: a row for the process that ran it
// (its peak RSS), one for the runtime its tasks ran under where there is one, then one per worker (a worker
// process's own peak RSS, its programs' largest; its voluntary/involuntary switches).
Table usage(const RunResult& result);
// "12/3": voluntary/involuntary context switches; "–" when not measured.
QString switches(double voluntary, double involuntary);
// Where a measurement's workers ran and what launching them took, where a backend reports either (MPI ranks on
// hosts, mpirun's launch): "mpi x3: 3 ranks on 3 hosts (a, b, c); its launch took 412 ms, once,
// apart from the repeats' times". Empty otherwise.
QString placement(const Measurement& m);
// "3 ranks on 3 hosts (node-a, node-b, node-c)" for the workers and hosts of `spans`; empty when no span names its
// host (a backend whose workers are all on this machine).
QString workersOnHosts(const QString& backend, const QList<TaskSpan>& spans);
// What the Amdahl fit of `backend` says: "behaves as if 12% of its work were serial", or, for a fitted fraction
// outside 0-100% (speedups below 1, or above the worker count), why no serial fraction describes it.
QString amdahlFit(double serialFraction);
// The same for Gustafson's serial fraction, fitted to a weak run's scaled speedups.
QString gustafsonFit(double serialFraction);
// Whether a fitted serial fraction is one (0-100%).
bool fractionFits(double serialFraction);
// What the USL fit of a backend says: "has contention 0.19 and coherency 0.001: its speedup peaks at 31 workers
// (4.2x)", or "has none: " and why (UslFit::why).
QString uslFit(const UslFit& fit);
// Which baseline each charted speedup is against, where a run has more than one: "python-threads against
// python-sequential; threads, processes against sequential". Empty when every speedup has the same baseline:
// the charts then need no word on it.
QString baselines(const RunResult& result);
// The scaling fits, one sentence each: Amdahl's and the USL's (a strong run), Gustafson's (a weak one), by backend;
// of `backend` alone when one is named.
QStringList fits(const RunResult& result, const QString& backend = {});
// Bounds and scaling fits, one sentence each; a line per measurement that lost more than 10%.
QStringList notes(const RunResult& result);
// Aligned columns for a terminal; with `explain`, the whole losses table too (parlab run --explain).
QString toText(const RunResult& result, bool explain = false);
// A table as aligned columns, a line each.
QString alignedText(const Table& table);
} // namespace Report

namespace MarkdownExport {
QString toMarkdown(const RunResult& result);
}

} // namespace parlab
