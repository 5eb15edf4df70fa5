#pragma once

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

    static Environment capture();
};

} // namespace parlab

Q_DECLARE_METATYPE(parlab::Environment)
