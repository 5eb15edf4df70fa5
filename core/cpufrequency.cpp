#include "cpufrequency.h"

#include "cpus.h"
#include "procfs.h"
#include "stats/statistics.h"

#include <QFile>
#include <QHash>
#include <algorithm>
#include <cmath>

namespace parlab {

// Each CPU's busy and total time so far, in clock ticks, from the "cpuN" lines of /proc/stat. Outside the anonymous
// namespace: FrequencySampler::Readings, of external linkage, holds it (a unity build warns otherwise).
struct CpuTimes {
    qint64 busy = 0;
    qint64 total = 0;
};

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

// What the sampling thread has read so far.
struct FrequencySampler::Readings {
    QList<int> cpus;
    QHash<int, CpuTimes> before;
    QList<double> busy, all;
    QString source;
};

FrequencySampler::FrequencySampler(qint64 intervalNs)
    : m_readings(std::make_unique<Readings>())
    , m_sampling(std::max<qint64>(intervalNs, 1'000'000),
          { .begin = [this] { start(); }, .tick = [this] { read(); }, .end = [this] { finish(); } })
{ }

FrequencySampler::~FrequencySampler() = default;

CpuFrequency FrequencySampler::stop()
{
    m_sampling.stop();
    return m_result;
}

void FrequencySampler::start()
{
    m_readings->cpus = allowedCpus();
    m_readings->before = readCpuTimes();
}

void FrequencySampler::read()
{
    Readings& r = *m_readings;
    const FrequencyReading reading = readFrequencies(r.cpus);
    const QHash<int, CpuTimes> after = readCpuTimes();
    if (!reading.source.isEmpty())
        r.source = reading.source;
    for (const auto& [cpu, mhz] : reading.mhz) {
        r.all.append(mhz);
        const CpuTimes t0 = r.before.value(cpu), t1 = after.value(cpu);
        if (t1.total > t0.total && double(t1.busy - t0.busy) >= kBusyShare * double(t1.total - t0.total))
            r.busy.append(mhz);
    }
    r.before = after;
}

void FrequencySampler::finish()
{
    read();
    const Readings& r = *m_readings;
    const QList<double>& used = r.busy.isEmpty() ? r.all : r.busy;
    if (used.isEmpty())
        return;
    m_result.minMhz = *std::min_element(used.cbegin(), used.cend());
    m_result.maxMhz = *std::max_element(used.cbegin(), used.cend());
    m_result.medianMhz = Statistics::median(used);
    m_result.readings = int(used.size());
    m_result.busyOnly = !r.busy.isEmpty();
    m_result.source = r.source;
}

} // namespace parlab
