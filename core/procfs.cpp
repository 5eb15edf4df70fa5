#include "procfs.h"

#include <QDir>
#include <QFile>
#include <QMultiHash>
#include <unistd.h>

namespace parlab::procfs {

QByteArray readFile(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

double ProcessStat::cpuSeconds() const
{
    static const double ticksPerSecond = double(::sysconf(_SC_CLK_TCK));
    return double(userTicks + systemTicks + childUserTicks + childSystemTicks) / ticksPerSecond;
}

std::optional<ProcessStat> parseStat(const QByteArray& text)
{
    const qsizetype open = text.indexOf('(');
    const qsizetype close = text.lastIndexOf(')');
    if (open <= 0 || close < open || close + 2 > text.size())
        return std::nullopt;
    bool ok = false;
    ProcessStat stat;
    stat.pid = text.left(open).trimmed().toLongLong(&ok);
    if (!ok)
        return std::nullopt;
    // fields[0] is field 3 (state), so field N is fields[N - 3].
    const QList<QByteArray> fields = text.mid(close + 2).trimmed().split(' ');
    if (fields.size() < 20 || fields[0].size() != 1)
        return std::nullopt;
    const auto field = [&](int number) {
        bool valid = false;
        const qint64 value = fields[number - 3].toLongLong(&valid);
        ok = ok && valid;
        return value;
    };
    stat.state = fields[0][0];
    stat.parent = field(4);
    stat.group = field(5);
    stat.userTicks = field(14);
    stat.systemTicks = field(15);
    stat.childUserTicks = field(16);
    stat.childSystemTicks = field(17);
    stat.startTicks = field(22);
    if (!ok)
        return std::nullopt;
    return stat;
}

std::optional<ProcessStat> stat(qint64 pid)
{
    if (pid <= 0)
        return std::nullopt;
    return parseStat(readFile(QStringLiteral("/proc/%1/stat").arg(pid)));
}

QList<ProcessStat> processes()
{
    QList<ProcessStat> found;
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString& entry : entries) {
        bool numeric = false;
        const qint64 pid = entry.toLongLong(&numeric);
        if (!numeric)
            continue;
        if (const auto s = stat(pid))
            found.append(*s);
    }
    return found;
}

QList<ProcessStat> processesInGroup(qint64 group)
{
    QList<ProcessStat> found = processes();
    found.removeIf([group](const ProcessStat& s) { return s.group != group; });
    return found;
}

QList<qint64> descendants(qint64 ancestor)
{
    return descendantsIn(processes(), ancestor);
}

QList<qint64> descendantsIn(const QList<ProcessStat>& all, qint64 ancestor)
{
    QMultiHash<qint64, qint64> childrenOf;
    for (const ProcessStat& s : all) {
        if (!s.gone())
            childrenOf.insert(s.parent, s.pid);
    }
    QList<qint64> result;
    QList<qint64> frontier { ancestor };
    while (!frontier.isEmpty()) {
        const QList<qint64> children = childrenOf.values(frontier.takeFirst());
        result.append(children);
        frontier.append(children);
    }
    return result;
}

QByteArray environment(qint64 pid)
{
    if (pid <= 0)
        return {};
    return readFile(QStringLiteral("/proc/%1/environ").arg(pid));
}

bool carries(const QByteArray& environment, const QByteArray& entry)
{
    if (entry.isEmpty())
        return false;
    // Whole entries only: PARLAB_OWNER=12.3 must not match PARLAB_OWNER=12.34 or XPARLAB_OWNER=12.3.
    for (qsizetype at = environment.indexOf(entry); at >= 0; at = environment.indexOf(entry, at + 1)) {
        const qsizetype end = at + entry.size();
        if ((at == 0 || environment[at - 1] == '\0') && (end == environment.size() || environment[end] == '\0'))
            return true;
    }
    return false;
}

QString bootId()
{
    return QString::fromLatin1(readFile(QStringLiteral("/proc/sys/kernel/random/boot_id"))).trimmed();
}

} // namespace parlab::procfs
