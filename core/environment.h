#pragma once

#include "cpufrequency.h"
#include "cpus.h"
#include "workerstarts.h"

#include <QList>
#include <QMetaType>
#include <QString>
#include <utility>

namespace parlab {

// The machine a run was measured on, as far as it affects the numbers.
struct Environment {
    QString cpu;
    int logicalCores = 0;
    QString os;
    QString qt;
    QString compiler;
    QString buildType;
    double loadAverage = 0; // 1-minute load average at capture time
    QString governor; // cpufreq scaling governor of CPU 0, empty when unreadable
    // The machine's host name: runs on the same host are the ones whose run-to-run spread is this machine's noise.
    // Empty: recorded before ParLab kept it.
    QString hostname;
    // Each core's speed relative to the fastest, measured as the run started; no cores: not measured (a run
    // recorded before ParLab measured them, or one whose affinity could not be read).
    CpuCalibration cores;
    // The CPU the baselines' tasks (sequential, python-sequential) were pinned to by option baseline_core
    // `fastest` or option pin (WorkerPlacement); -1: not pinned (they ran wherever the scheduler put them) or not
    // known.
    int baselineCpu = -1;

    // What issue 18 added; each empty (0 for a count) when not known: recorded before ParLab kept it, or not
    // readable here.
    QString kernel; // the kernel's release, as `uname -r` prints it
    // The topology (Topology::machine(), hwloc) of the units this process may run on.
    int physicalCores = 0;
    int threadsPerCore = 0; // 2 with SMT (hyper-threading) on, 1 without
    int packages = 0;
    int numaNodes = 0;
    // "on", "off": whether the cores may boost above their base clock (cpufreq's boost, intel_pstate's no_turbo);
    // empty when neither file is readable (most VMs): never guessed.
    QString turbo;
    CpuFrequency frequency; // the busy cores' clock while the run measured (Runner samples it)
    QString parlabVersion; // the ParLab that measured ("0.2.0"); its build is buildType and compiler
    // The interpreter the python-* backends ran, with its build: "Python 3.11.7 (/usr/bin/python3), with the GIL",
    // "..., free-threaded: no GIL" (PythonBackend::runtimeWith); empty when none ran.
    QString python;
    // What the user calls the run (option label) and the commit of the program under test (option commit, else
    // the working folder's `git rev-parse HEAD` when it is a git repository; empty otherwise).
    QString label;
    QString commit;
    // What starting several workers at once costs here, for each of the run's backends that WorkerStarts measures,
    // measured after the run's last round (Runner); empty: none of them in the run, or recorded before ParLab measured
    // it.
    QList<WorkerStarts> workerStarts;

    // The machine as it is now, without the cores' speeds: cheap, for wherever it is called.
    static Environment capture();
    // capture() and every core's speed (calibrateCpus, kRunCalibrationRounds rounds, none started after
    // kRunCalibrationBudgetS): what a run records at its start. Costs about kRunCalibrationRounds x cores x 4 ms
    // of CPU; on a busy machine the wall time grows with the wait for each core, which the budget caps at about
    // one more round (`cores.wallS` says what it took).
    static Environment captureWithCores();
    // The commit checked out in the working folder (`git rev-parse HEAD`), or empty: not a git repository, no
    // commit yet, no git. Starts git and waits for it (milliseconds, at most 2 s): call it off a window's thread.
    static QString workingCommit();
    static constexpr int kRunCalibrationRounds = 3;
    static constexpr double kRunCalibrationBudgetS = 0.15;

    // The start costs measured for `backendId`, or nullptr.
    const WorkerStarts* workerStartsOf(const QString& backendId) const;

    // For telling a speedup from the cores' differences (the analysis's "baseline on a slower core" warning):
    // the fastest core's speed over the slowest's, 1.12 when the slowest is 12% slower (1 for equal cores and
    // for one core); NaN when the cores were not measured.
    double coreSpeedRatio() const;
    // The relative speed (fastest = 1) of the core the baselines were pinned to; NaN when they were not pinned,
    // or the cores were not measured.
    double baselineCoreSpeed() const;
    // The most the cores can have inflated a speedup against this run's baselines, as a factor: pinned, the
    // fastest core's speed over the baseline core's (1 when pinned to the fastest); not pinned, coreSpeedRatio()
    // (the baseline may have run on the slowest core); NaN when the cores were not measured.
    double maxSpeedupInflation() const;
    // One line for the window, the terminal and the report: "core 1 is 12% slower than core 0 (relative speeds
    // 1.00, 0.88); baseline pinned to core 0 (fastest)", "2 cores within 5% of each other (...)", "core speeds
    // not measured".
    QString coresText() const;

    // The machine in a line for the terminal: "host vm · Linux 6.1.0 · 2 physical cores, no SMT, 1 NUMA node ·
    // governor not readable · turbo not readable · 2596 MHz median (...)".
    QString machineText() const;
    // Every recorded fact as (name, value) for the report's table, unknown ones as "not readable" or "not recorded".
    QList<std::pair<QString, QString>> facts() const;
};

// Where two runs' environments differ, one line each, A's value first: "host: alpha in A, beta in B", "turbo was on
// in A, off in B", "median frequency 2400 MHz in A, 1800 MHz in B (-25%)", "commit: 1a2b3c4 in A, 5d6e7f8 in B".
// A fact one of them did not record (an old run) is no difference. Lines that change what the same work takes
// (another host, governor or turbo, a clock moved by more than kFrequencyChangeThreshold) are `changesSpeed`: a
// comparison calls the runs' times not comparable for them unless asked to compare across machines.
struct EnvironmentDifference {
    QString text;
    bool changesSpeed = false;
};
QList<EnvironmentDifference> environmentDifferences(const Environment& a, const Environment& b);
// A median clock that moved by more than this fraction between two runs moves CPU-bound times about as much: 5% is
// the regression a gate fails on by default (issue 18), so a clock change that alone could make one is a different
// machine for the comparison. Below it the change is named, and the times stay comparable.
inline constexpr double kFrequencyChangeThreshold = 0.05;

} // namespace parlab

Q_DECLARE_METATYPE(parlab::Environment)
