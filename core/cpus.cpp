#include "cpus.h"

#include "clock.h"

#include <QStringList>
#include <QThreadPool>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace parlab {

static_assert(kCpuSetSize == CPU_SETSIZE, "kCpuSetSize is the CPU numbers a cpu_set_t holds");

namespace {
// 2^22 multiply-adds, each waiting for the one before: about 4 ms on a 3 GHz core, long against the
// clock's resolution and short enough to repeat on every core at the start of a run.
constexpr quint64 kLoopIterations = quint64(1) << 22;

double timeLoop()
{
    const qint64 start = threadCpuNs();
    quint64 x = 1;
    for (quint64 i = 0; i < kLoopIterations; ++i) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        asm volatile("" : "+r"(x));
    }
    return double(threadCpuNs() - start) * 1e-9;
}

QString cpuList(const QList<int>& cpus)
{
    QStringList names;
    for (int cpu : cpus)
        names.append(QString::number(cpu));
    return names.join(QLatin1Char(','));
}
} // namespace

int CpuCalibration::fastest() const
{
    const auto best = std::max_element(
        cores.begin(), cores.end(), [](const CoreSpeed& a, const CoreSpeed& b) { return a.relative < b.relative; });
    return best == cores.end() ? -1 : best->cpu;
}

double CpuCalibration::spread() const
{
    if (cores.isEmpty())
        return 0;
    const auto slowest = std::min_element(
        cores.begin(), cores.end(), [](const CoreSpeed& a, const CoreSpeed& b) { return a.relative < b.relative; });
    return 1 - slowest->relative;
}

int CpuCalibration::slowest() const
{
    const auto worst = std::min_element(
        cores.begin(), cores.end(), [](const CoreSpeed& a, const CoreSpeed& b) { return a.relative < b.relative; });
    return worst == cores.end() ? -1 : worst->cpu;
}

QString CpuCalibration::unequalText() const
{
    if (!unequal())
        return {};
    return QStringLiteral("core %1 is %2% slower than core %3")
        .arg(slowest())
        .arg(qRound(100 * spread()))
        .arg(fastest());
}

const CoreSpeed* CpuCalibration::find(int cpu) const
{
    for (const CoreSpeed& core : cores) {
        if (core.cpu == cpu)
            return &core;
    }
    return nullptr;
}

QList<int> allowedCpus()
{
    cpu_set_t set;
    CPU_ZERO(&set);
    QList<int> cpus;
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return cpus;
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
        if (CPU_ISSET(cpu, &set))
            cpus.append(cpu);
    }
    return cpus;
}

void lowerCurrentThreadPriority()
{
    constexpr int kBackgroundNice = 10;
    // Per thread on Linux: PRIO_PROCESS with a thread id. Already there (a pool thread's next task), it stays.
    setpriority(PRIO_PROCESS, id_t(gettid()), kBackgroundNice);
}

QThreadPool& backgroundPool()
{
    // Made on first use and never deleted: a pool destroyed with the program's statics would outlive the
    // QCoreApplication its jobs may still post to.
    static QThreadPool* const pool = [] {
        auto* p = new QThreadPool;
        p->setMaxThreadCount(1);
        p->setObjectName(QStringLiteral("background"));
        return p;
    }();
    return *pool;
}

Result<void> pinCurrentThread(int cpu)
{
    if (cpu < 0 || cpu >= CPU_SETSIZE)
        return fail(
            QStringLiteral("CPU %1 does not exist (CPU numbers run from 0 to %2)").arg(cpu).arg(CPU_SETSIZE - 1));
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    const int error = pthread_setaffinity_np(pthread_self(), sizeof set, &set);
    if (error != 0) {
        return fail(QStringLiteral("cannot run on CPU %1: %2 (this process may use CPUs %3)")
                        .arg(cpu)
                        .arg(QString::fromLocal8Bit(strerror(error)))
                        .arg(cpuList(allowedCpus())));
    }
    return {};
}

Result<void> setThreadAffinity(qint64 tid, const QList<int>& cpus)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int cpu : cpus) {
        if (cpu < 0 || cpu >= CPU_SETSIZE)
            return fail(
                QStringLiteral("CPU %1 does not exist (CPU numbers run from 0 to %2)").arg(cpu).arg(CPU_SETSIZE - 1));
        CPU_SET(cpu, &set);
    }
    if (sched_setaffinity(pid_t(tid), sizeof set, &set) != 0) {
        const int error = errno;
        return fail(QStringLiteral("cannot run %1 on CPU %2: %3 (this process may use CPUs %4)")
                        .arg(tid == 0 ? QStringLiteral("this thread") : QStringLiteral("thread %1").arg(tid),
                            cpuList(cpus), QString::fromLocal8Bit(strerror(error)), cpuList(allowedCpus())));
    }
    return {};
}

QList<int> threadAffinity(qint64 tid)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    QList<int> cpus;
    if (sched_getaffinity(pid_t(tid), sizeof set, &set) != 0)
        return cpus;
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
        if (CPU_ISSET(cpu, &set))
            cpus.append(cpu);
    }
    return cpus;
}

int currentCpu()
{
    const int cpu = sched_getcpu();
    return cpu >= 0 ? cpu : -1;
}

Result<void> ScopedPin::pin(qint64 tid, int cpu)
{
    release();
    QList<int> previous = threadAffinity(tid);
    if (previous.isEmpty())
        return fail(QStringLiteral("cannot read which CPUs %1 may use: %2")
                        .arg(tid == 0 ? QStringLiteral("this thread") : QStringLiteral("thread %1").arg(tid),
                            QString::fromLocal8Bit(strerror(errno))));
    if (Result<void> pinned = setThreadAffinity(tid, { cpu }); !pinned)
        return pinned;
    m_tid = tid;
    m_previous = std::move(previous);
    return {};
}

void ScopedPin::release()
{
    if (m_tid < 0)
        return;
    // A thread that has gone (a child that died) has nothing to give back; any other failure leaves the thread
    // on one core, which only slows what runs there next: not worth failing a run that measured correctly.
    (void)setThreadAffinity(m_tid, m_previous);
    m_tid = -1;
    m_previous.clear();
}

Result<CpuCalibration> calibrateCpus(int rounds, double budgetS)
{
    const qint64 startNs = monotonicNs();
    rounds = std::max(1, rounds);
    const QList<int> cpus = allowedCpus();
    if (cpus.isEmpty())
        return fail(QStringLiteral("cannot read which CPUs this process may use: %1")
                        .arg(QString::fromLocal8Bit(strerror(errno))));

    CpuCalibration calibration;
    calibration.rounds = rounds;
    QString error;
    // A thread of its own: pinning it leaves the caller's affinity as it was.
    std::thread worker([&] {
        std::vector<std::vector<double>> times(size_t(cpus.size()));
        for (int round = 0; round < rounds; ++round) {
            if (round > 0 && budgetS > 0 && double(monotonicNs() - startNs) * 1e-9 > budgetS) {
                calibration.rounds = round;
                break;
            }
            for (qsizetype i = 0; i < cpus.size(); ++i) {
                if (const Result<void> pinned = pinCurrentThread(cpus[i]); !pinned) {
                    error = pinned.error();
                    return;
                }
                times[size_t(i)].push_back(timeLoop());
            }
        }
        QList<double> typical;
        for (std::vector<double>& t : times) {
            const auto middle = t.begin() + std::ptrdiff_t(t.size() / 2);
            std::nth_element(t.begin(), middle, t.end());
            typical.append(*middle);
        }
        const double fastest = *std::min_element(typical.begin(), typical.end());
        for (qsizetype i = 0; i < cpus.size(); ++i)
            calibration.cores.append({ cpus[i], typical[i], typical[i] > 0 ? fastest / typical[i] : 1.0 });
    });
    worker.join();
    if (!error.isEmpty())
        return fail(error);
    calibration.wallS = double(monotonicNs() - startNs) * 1e-9;
    return calibration;
}

} // namespace parlab
