#pragma once

#include "cpus.h"

#include <QMetaType>
#include <QString>

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

    // The machine as it is now, without the cores' speeds: cheap, for wherever it is called.
    static Environment capture();
    // capture() and every core's speed (calibrateCpus, kRunCalibrationRounds rounds, none started after
    // kRunCalibrationBudgetS): what a run records at its start. Costs about kRunCalibrationRounds x cores x 4 ms
    // of CPU; on a busy machine the wall time grows with the wait for each core, which the budget caps at about
    // one more round (`cores.wallS` says what it took).
    static Environment captureWithCores();
    static constexpr int kRunCalibrationRounds = 3;
    static constexpr double kRunCalibrationBudgetS = 0.15;

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
};

} // namespace parlab

Q_DECLARE_METATYPE(parlab::Environment)
