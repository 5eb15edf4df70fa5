// The machine's topology through hwloc (core/topology.h): what it reads against the kernel's own sysfs files, and
// where compact and scatter place workers on machines of every shape.

#include "cpus.h"
#include "topology.h"

#include <QDir>
#include <QFile>
#include <QSet>
#include <QTest>
#include <utility>

using namespace parlab;

namespace {
// A machine of `packages` x `coresPerPackage` x `threads`, CPUs numbered as Linux numbers them on x86: all first
// threads, then all second threads (CPU 0 and CPU 4 share a core on 4 cores with SMT). One NUMA node per package.
Topology machine(int packages, int coresPerPackage, int threads)
{
    Topology topology;
    const int cores = packages * coresPerPackage;
    for (int core = 0; core < cores; ++core) {
        for (int thread = 0; thread < threads; ++thread) {
            const int package = core / coresPerPackage;
            topology.units.append(Topology::Unit { core + thread * cores, core, package, package });
        }
    }
    topology.physicalCores = cores;
    topology.packages = packages;
    topology.numaNodes = packages;
    return topology;
}

int coreOf(const Topology& topology, int cpu)
{
    for (const Topology::Unit& unit : topology.units) {
        if (unit.cpu == cpu)
            return unit.core;
    }
    return -1;
}

QByteArray sysfs(int cpu, const char* file)
{
    QFile f(QStringLiteral("/sys/devices/system/cpu/cpu%1/topology/%2").arg(cpu).arg(QLatin1String(file)));
    return f.open(QIODevice::ReadOnly) ? f.readAll().trimmed() : QByteArray();
}
} // namespace

class TopologyTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void readsTheCpusThisProcessMayUse()
    {
        const Result<Topology>& topology = Topology::machine();
        QVERIFY2(topology, qPrintable(topology ? QString() : topology.error()));
        QList<int> cpus;
        for (const Topology::Unit& unit : topology->units)
            cpus.append(unit.cpu);
        std::sort(cpus.begin(), cpus.end());
        QCOMPARE(cpus, allowedCpus());
        QCOMPARE(topology->logicalCores(), int(allowedCpus().size()));
    }

    void physicalCoresAreTheKernels()
    {
        // A second source: two CPUs share a physical core when sysfs gives them the same package and core id.
        const Result<Topology>& topology = Topology::machine();
        QVERIFY(topology);
        QSet<QByteArray> cores;
        QSet<QByteArray> packages;
        for (const Topology::Unit& unit : topology->units) {
            const QByteArray package = sysfs(unit.cpu, "physical_package_id");
            const QByteArray core = sysfs(unit.cpu, "core_id");
            QVERIFY2(!package.isEmpty() && !core.isEmpty(), "no /sys/devices/system/cpu/cpuN/topology");
            cores.insert(package + '/' + core);
            packages.insert(package);
        }
        QCOMPARE(topology->physicalCores, int(cores.size()));
        QCOMPARE(topology->packages, int(packages.size()));
        QCOMPARE(topology->smt(), topology->logicalCores() > topology->physicalCores);
        QVERIFY(topology->numaNodes >= 1);
        QVERIFY(topology->summary().startsWith(QStringLiteral("%1 logical core").arg(topology->logicalCores())));
    }

    void scatterTakesEveryPhysicalCoreBeforeASecondThread()
    {
        const Topology topology = machine(2, 4, 2);
        const QList<int> cpus = topology.placement(Pinning::Scatter, 8);
        QSet<int> cores;
        for (int cpu : cpus)
            cores.insert(coreOf(topology, cpu));
        QCOMPARE(cores.size(), 8); // eight workers, eight physical cores
        // Packages in turn: the first two workers are on different packages.
        QCOMPARE(coreOf(topology, cpus[0]) / 4, 0);
        QCOMPARE(coreOf(topology, cpus[1]) / 4, 1);
        // The ninth worker gets a second thread, on the core the first one is on.
        const QList<int> more = topology.placement(Pinning::Scatter, 9);
        QCOMPARE(coreOf(topology, more[8]), coreOf(topology, more[0]));
        QVERIFY(more[8] != more[0]);
    }

    void compactFillsACoresThreadsFirst()
    {
        const Topology topology = machine(2, 4, 2);
        const QList<int> cpus = topology.placement(Pinning::Compact, 4);
        QCOMPARE(cpus, (QList<int> { 0, 8, 1, 9 })); // CPUs 0 and 8 share core 0
        QCOMPARE(coreOf(topology, cpus[0]), coreOf(topology, cpus[1]));
    }

    void placementWrapsPastTheUnitsAndNoneIsNone()
    {
        const Topology topology = machine(1, 2, 1);
        QCOMPARE(topology.placement(Pinning::Scatter, 5), (QList<int> { 0, 1, 0, 1, 0 }));
        QCOMPARE(topology.placement(Pinning::Compact, 3), (QList<int> { 0, 1, 0 }));
        QVERIFY(topology.placement(Pinning::None, 4).isEmpty());
        QVERIFY(Topology().placement(Pinning::Scatter, 4).isEmpty());
        QCOMPARE(
            topology.summary(), QStringLiteral("2 logical cores on 2 physical cores, 1 package, 1 NUMA node, no SMT"));
        QCOMPARE(machine(2, 4, 2).summary(),
            QStringLiteral("16 logical cores on 8 physical cores, 2 packages, 2 NUMA nodes, SMT 2 threads per core"));
    }

    void pinningNamesRoundTrip()
    {
        for (Pinning pinning : { Pinning::None, Pinning::Compact, Pinning::Scatter })
            QCOMPARE(pinningFromName(pinningName(pinning)), std::optional<Pinning>(pinning));
        QCOMPARE(pinningFromName(QStringLiteral("spread")), std::optional<Pinning>());
    }
};

QTEST_GUILESS_MAIN(TopologyTest)
#include "tst_topology.moc"
