#pragma once

#include "result.h"

#include <QList>
#include <QString>
#include <optional>

namespace parlab {

// Where workers are placed on the cores (option `pin`): left to the scheduler, packed onto as few physical cores
// as their hardware threads allow, or spread one per physical core (then one per package/NUMA node in turn)
// before any core gets a second.
enum class Pinning { None, Compact, Scatter };
QString pinningName(Pinning pinning); // "none", "compact", "scatter"
std::optional<Pinning> pinningFromName(const QString& name);

// "2 logical cores on 2 physical cores, 1 package, 1 NUMA node, no SMT": Topology::summary's words, for a topology
// recorded as counts (Environment).
QString topologySummary(int logicalCores, int physicalCores, int packages, int numaNodes, int threadsPerCore);

// The machine's processing units (hardware threads) as hwloc sees them, restricted to those this process may run
// on: which physical core, package and NUMA node each belongs to. hwloc reads it from sysfs, /proc/cpuinfo and
// cpuid, and knows the corner cases (offline CPUs, cgroups, hybrid cores, VMs without a cache hierarchy) that
// parsing /sys by hand gets wrong.
struct Topology {
    struct Unit {
        int cpu = 0; // the kernel's CPU number (as in taskset, sched_getcpu, /proc/cpuinfo)
        int core = 0; // hwloc's logical index of its physical core, 0..physicalCores-1
        int package = 0; // logical index of its package (socket)
        int numaNode = 0; // logical index of its NUMA node (0 when the machine has none)

        bool operator==(const Unit& other) const = default;
    };
    QList<Unit> units; // the allowed processing units, in hwloc's order: a core's threads next to each other
    int physicalCores = 0; // with at least one allowed unit
    int packages = 0;
    int numaNodes = 0;

    int logicalCores() const { return int(units.size()); }
    // Hardware threads per physical core, the most any core has: 2 with SMT (hyper-threading) on, 1 without.
    int threadsPerCore() const;
    bool smt() const { return threadsPerCore() > 1; }
    // "2 logical cores on 2 physical cores, 1 package, 1 NUMA node, no SMT"
    QString summary() const;

    // The CPU each of `workers` workers is placed on, worker i on the i-th: Compact in hwloc's order (a core's
    // threads, then the next core's); Scatter first one unit of every physical core, taking packages (NUMA nodes)
    // in turn, then the second threads likewise. Past the allowed units the order starts over. Empty for None.
    QList<int> placement(Pinning pinning, int workers) const;

    // The machine this process runs on, read once: hwloc's load takes milliseconds. An error says what hwloc
    // could not do.
    static const Result<Topology>& machine();
    // Reads it anew, for the tests and whoever must see a changed affinity.
    static Result<Topology> load();
};

} // namespace parlab
