#include "cpufrequency.h"

#include "cpus.h"
#include "procfs.h"
#include "stats/statistics.h"

#include <QFile>
#include <QHash>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <sched.h>

namespace parlab {

namespace {
QString curFreqPath(int cpu)
{
    return QStringLiteral("/sys/devices/system/cpu/cpu%1/cpufreq/scaling_cur_freq").arg(cpu);
}

// The value after the colon of a /proc/cpuinfo line ("cpu MHz\t\t: 2596.138").
QByteArray valueOf(const QByteArray& line)
{
    return line.mid(line.indexOf(':') + 1).trimmed();
}

FrequencyReading readFrequencies(const QList<int>& cpus)
{
    FrequencyReading reading;
    if (cpus.isEmpty())
        return reading;
    if (QFile::exists(curFreqPath(cpus.constFirst()))) {
        reading.source = QStringLiteral("scaling_cur_freq");
        for (int cpu : cpus) {
            bool ok = false;
            const double khz = procfs::readFile(curFreqPath(cpu)).trimmed().toDouble(&ok);
            if (ok && khz > 0)
                reading.mhz.append({ cpu, khz / 1000 });
        }
        return reading;
    }
    const QList<QByteArray> lines = procfs::readFile(QStringLiteral("/proc/cpuinfo")).split('\n');
    int processor = -1;
    for (const QByteArray& line : lines) {
        if (line.startsWith("processor")) {
            bool ok = false;
            processor = valueOf(line).toInt(&ok);
            if (!ok)
                processor = -1;
        } else if (line.startsWith("cpu MHz") && processor >= 0 && cpus.contains(processor)) {
            bool ok = false;
            const double mhz = valueOf(line).toDouble(&ok);
            if (ok && mhz > 0)
                reading.mhz.append({ processor, mhz });
        }
    }
    if (!reading.mhz.isEmpty())
        reading.source = QStringLiteral("/proc/cpuinfo");
    return reading;
}

// Each CPU's busy and total time so far, in clock ticks, from the "cpuN" lines of /proc/stat.
struct CpuTimes {
    qint64 busy = 0;
    qint64 total = 0;
};
QHash<int, CpuTimes> readCpuTimes()
{
    QHash<int, CpuTimes> times;
    const QList<QByteArray> lines = procfs::readFile(QStringLiteral("/proc/stat")).split('\n');
    for (const QByteArray& line : lines) {
        if (!line.startsWith("cpu") || line.size() < 4 || line.at(3) < '0' || line.at(3) > '9')
            continue;
        const QList<QByteArray> fields = line.simplified().split(' ');
        constexpr int kIdle = 4, kIowait = 5; // user nice system idle iowait irq softirq steal, after the name
        if (fields.size() <= kIowait)
            continue;
        CpuTimes t;
        for (qsizetype i = 1; i < fields.size() && i <= 8; ++i)
            t.total += fields.at(i).toLongLong();
        t.busy = t.total - fields.at(kIdle).toLongLong() - fields.at(kIowait).toLongLong();
        times.insert(fields.constFirst().mid(3).toInt(), t);
    }
    return times;
}
} // namespace

QString CpuFrequency::text() const
{
    if (!measured())
        return QStringLiteral("not sampled");
    return QStringLiteral("%1 MHz median (%2 … %3 MHz) over %4 readings of %5, from %6")
        .arg(qRound(medianMhz))
        .arg(qRound(minMhz))
        .arg(qRound(maxMhz))
        .arg(readings)
        .arg(busyOnly ? QStringLiteral("busy cores") : QStringLiteral("all cores (none was busy)"), source);
}

bool CpuFrequency::operator==(const CpuFrequency& other) const
{
    return sameNumber(minMhz, other.minMhz) && sameNumber(medianMhz, other.medianMhz)
        && sameNumber(maxMhz, other.maxMhz) && readings == other.readings && busyOnly == other.busyOnly
        && source == other.source;
}

FrequencyReading readFrequencies()
{
    return readFrequencies(allowedCpus());
}

FrequencySampler::FrequencySampler(qint64 intervalNs)
{
    m_thread = std::thread(&FrequencySampler::run, this, std::max<qint64>(intervalNs, 1'000'000));
}

FrequencySampler::~FrequencySampler()
{
    stop();
}

CpuFrequency FrequencySampler::stop()
{
    {
        const std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable())
        m_thread.join();
    return m_result;
}

void FrequencySampler::run(qint64 intervalNs)
{
    // SCHED_BATCH, as ThreadStateSampler: its wake-ups never preempt the run's workers; a late reading is still
    // one of the interval's clocks.
    sched_param batch {};
    sched_setscheduler(0, SCHED_BATCH, &batch);
    const QList<int> cpus = allowedCpus();
    QList<double> busy, all;
    QString source;
    QHash<int, CpuTimes> before = readCpuTimes();
    bool stopping = false;
    while (!stopping) {
        {
            std::unique_lock lock(m_mutex);
            stopping = m_wake.wait_for(lock, std::chrono::nanoseconds(intervalNs), [this] { return m_stopping; });
        }
        const FrequencyReading reading = readFrequencies(cpus);
        const QHash<int, CpuTimes> after = readCpuTimes();
        if (!reading.source.isEmpty())
            source = reading.source;
        for (const auto& [cpu, mhz] : reading.mhz) {
            all.append(mhz);
            const CpuTimes t0 = before.value(cpu), t1 = after.value(cpu);
            if (t1.total > t0.total && double(t1.busy - t0.busy) >= kBusyShare * double(t1.total - t0.total))
                busy.append(mhz);
        }
        before = after;
    }
    const QList<double>& used = busy.isEmpty() ? all : busy;
    if (used.isEmpty())
        return;
    m_result.minMhz = *std::min_element(used.cbegin(), used.cend());
    m_result.maxMhz = *std::max_element(used.cbegin(), used.cend());
    m_result.medianMhz = Statistics::median(used);
    m_result.readings = int(used.size());
    m_result.busyOnly = !busy.isEmpty();
    m_result.source = source;
}

} // namespace parlab
