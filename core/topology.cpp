#include "topology.h"

#include <QStringList>
#include <algorithm>
#include <hwloc.h>
#include <memory>
#include <sched.h>
#include <unistd.h>

namespace parlab {

namespace {
// The CPUs the process may run on: its main thread's affinity (taskset's), whatever the calling thread is pinned
// to for the moment (a baseline on its fastest core). hwloc's own "allowed" set is the cgroup's only.
QList<int> processCpus()
{
    cpu_set_t set;
    CPU_ZERO(&set);
    QList<int> cpus;
    if (sched_getaffinity(getpid(), sizeof set, &set) != 0)
        return cpus;
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
        if (CPU_ISSET(cpu, &set))
            cpus.append(cpu);
    }
    return cpus;
}

// The logical index of `unit`'s nearest ancestor of `type`; 0 when it has none (a machine without NUMA nodes
// reports one for the whole machine in hwloc 2, but a package may be missing on odd VMs).
int ancestorIndex(hwloc_topology_t topology, hwloc_obj_t unit, hwloc_obj_type_t type)
{
    const hwloc_obj_t ancestor = hwloc_get_ancestor_obj_by_type(topology, type, unit);
    return ancestor ? int(ancestor->logical_index) : 0;
}

int numaNodeOf(hwloc_topology_t topology, hwloc_obj_t unit)
{
    // In hwloc 2 NUMA nodes are memory children, not ancestors: the node is the one whose cpuset holds the unit.
    for (hwloc_obj_t node = hwloc_get_next_obj_by_type(topology, HWLOC_OBJ_NUMANODE, nullptr); node;
         node = hwloc_get_next_obj_by_type(topology, HWLOC_OBJ_NUMANODE, node)) {
        if (node->cpuset && hwloc_bitmap_isset(node->cpuset, unit->os_index))
            return int(node->logical_index);
    }
    return 0;
}

// Renumbers the indices in `units` (field `member`) 0.. in order of first appearance, so they count the allowed
// units' cores, packages and nodes, not the machine's; returns how many there are.
int renumber(QList<Topology::Unit>& units, int Topology::Unit::*member)
{
    QList<int> seen;
    for (Topology::Unit& unit : units) {
        qsizetype index = seen.indexOf(unit.*member);
        if (index < 0) {
            index = seen.size();
            seen.append(unit.*member);
        }
        unit.*member = int(index);
    }
    return int(seen.size());
}
} // namespace

QString pinningName(Pinning pinning)
{
    switch (pinning) {
    case Pinning::None:
        return QStringLiteral("none");
    case Pinning::Compact:
        return QStringLiteral("compact");
    case Pinning::Scatter:
        return QStringLiteral("scatter");
    }
    return {};
}

std::optional<Pinning> pinningFromName(const QString& name)
{
    for (Pinning pinning : { Pinning::None, Pinning::Compact, Pinning::Scatter }) {
        if (pinningName(pinning) == name)
            return pinning;
    }
    return std::nullopt;
}

int Topology::threadsPerCore() const
{
    int most = 0;
    for (int core = 0; core < physicalCores; ++core) {
        const auto count = std::count_if(units.begin(), units.end(), [core](const Unit& u) { return u.core == core; });
        most = std::max(most, int(count));
    }
    return most;
}

QString topologySummary(int logicalCores, int physicalCores, int packages, int numaNodes, int threadsPerCore)
{
    const auto plural = [](int n, const QString& one, const QString& many) {
        return QStringLiteral("%1 %2").arg(n).arg(n == 1 ? one : many);
    };
    return QStringLiteral("%1 on %2, %3, %4, %5")
        .arg(plural(logicalCores, QStringLiteral("logical core"), QStringLiteral("logical cores")),
            plural(physicalCores, QStringLiteral("physical core"), QStringLiteral("physical cores")),
            plural(packages, QStringLiteral("package"), QStringLiteral("packages")),
            plural(numaNodes, QStringLiteral("NUMA node"), QStringLiteral("NUMA nodes")),
            threadsPerCore > 1 ? QStringLiteral("SMT %1 threads per core").arg(threadsPerCore)
                               : QStringLiteral("no SMT"));
}

QString Topology::summary() const
{
    return topologySummary(logicalCores(), physicalCores, packages, numaNodes, threadsPerCore());
}

QList<int> Topology::placement(Pinning pinning, int workers) const
{
    QList<int> order;
    if (pinning == Pinning::None || units.isEmpty() || workers <= 0)
        return order;
    if (pinning == Pinning::Compact) {
        for (const Unit& unit : units)
            order.append(unit.cpu);
    } else {
        // Rounds: in round r every physical core gives its r-th thread. Within a round the cores are taken one
        // per NUMA node (package) in turn, so two workers land on two nodes before either node gets a second.
        QList<QList<Unit>> byCore(physicalCores);
        for (const Unit& unit : units)
            byCore[unit.core].append(unit);
        QList<QList<int>> coresByDomain; // per NUMA node (packages when there is one node), its cores in order
        const bool byNode = numaNodes > 1;
        for (int core = 0; core < physicalCores; ++core) {
            const Unit& first = byCore[core].first();
            const int domain = byNode ? first.numaNode : first.package;
            if (domain >= coresByDomain.size())
                coresByDomain.resize(domain + 1);
            coresByDomain[domain].append(core);
        }
        QList<int> coreOrder;
        for (qsizetype i = 0; coreOrder.size() < physicalCores; ++i) {
            for (const QList<int>& domain : coresByDomain) {
                if (i < domain.size())
                    coreOrder.append(domain[i]);
            }
        }
        for (int round = 0; round < threadsPerCore(); ++round) {
            for (int core : coreOrder) {
                if (round < byCore[core].size())
                    order.append(byCore[core][round].cpu);
            }
        }
    }
    QList<int> cpus;
    for (int worker = 0; worker < workers; ++worker)
        cpus.append(order[worker % order.size()]);
    return cpus;
}

Result<Topology> Topology::load()
{
    hwloc_topology_t raw = nullptr;
    if (hwloc_topology_init(&raw) != 0)
        return fail(QStringLiteral("hwloc could not start reading the machine's topology"));
    const std::unique_ptr<hwloc_topology, decltype(&hwloc_topology_destroy)> topology(raw, hwloc_topology_destroy);
    // Only what placement needs: no I/O devices, no caches' details beyond what cores are.
    hwloc_topology_set_io_types_filter(raw, HWLOC_TYPE_FILTER_KEEP_NONE);
    if (hwloc_topology_load(raw) != 0)
        return fail(QStringLiteral("hwloc could not read the machine's topology"));

    const QList<int> allowed = processCpus();
    Topology result;
    for (hwloc_obj_t pu = hwloc_get_next_obj_by_type(raw, HWLOC_OBJ_PU, nullptr); pu;
         pu = hwloc_get_next_obj_by_type(raw, HWLOC_OBJ_PU, pu)) {
        const int cpu = int(pu->os_index);
        if (!allowed.contains(cpu))
            continue;
        const hwloc_obj_t core = hwloc_get_ancestor_obj_by_type(raw, HWLOC_OBJ_CORE, pu);
        // A machine hwloc finds no cores on (some VMs): every unit is its own core.
        const int coreIndex = core ? int(core->logical_index) : int(pu->logical_index);
        result.units.append(Unit { cpu, coreIndex, ancestorIndex(raw, pu, HWLOC_OBJ_PACKAGE), numaNodeOf(raw, pu) });
    }
    if (result.units.isEmpty())
        return fail(QStringLiteral("hwloc found none of the CPUs this process may run on"));
    result.physicalCores = renumber(result.units, &Unit::core);
    result.packages = renumber(result.units, &Unit::package);
    result.numaNodes = renumber(result.units, &Unit::numaNode);
    return result;
}

const Result<Topology>& Topology::machine()
{
    static const Result<Topology> topology = load();
    return topology;
}

} // namespace parlab
