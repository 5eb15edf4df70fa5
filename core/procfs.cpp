#include "procfs.h"

#include <QDir>
#include <QFile>
#include <QMultiHash>
#include <fcntl.h>
#include <unistd.h>
#include <utility>

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

namespace {
// Where field 3 (the state) starts in the text of a stat file: after the command name (field 2), which is in
// parentheses and may itself hold spaces and parentheses; -1 when the text is not one.
qsizetype stateAt(QByteArrayView text)
{
    const qsizetype open = text.indexOf('(');
    const qsizetype close = text.lastIndexOf(')');
    if (open <= 0 || close < open || close + 3 > text.size() || text[close + 1] != ' ')
        return -1;
    return close + 2;
}
} // namespace

char parseState(QByteArrayView text)
{
    const qsizetype at = stateAt(text);
    if (at < 0 || (at + 1 < text.size() && text[at + 1] != ' '))
        return 0;
    return text[at];
}

std::optional<ProcessStat> parseStat(const QByteArray& text)
{
    const qsizetype at = stateAt(text);
    if (at < 0)
        return std::nullopt;
    const qsizetype open = text.indexOf('(');
    bool ok = false;
    ProcessStat stat;
    stat.pid = text.left(open).trimmed().toLongLong(&ok);
    if (!ok)
        return std::nullopt;
    // fields[0] is field 3 (state), so field N is fields[N - 3].
    const QList<QByteArray> fields = text.mid(at).trimmed().split(' ');
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
    stat.flags = quint64(field(9));
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
    const QString path = QStringLiteral("/proc/%1/environ").arg(pid);
    for (int attempt = 0;; ++attempt) {
        QByteArray environment = readFile(path);
        if (!environment.isEmpty() || attempt == 20)
            return environment;
        const std::optional<ProcessStat> s = stat(pid);
        if (!s || s->gone() || s->kernelThread())
            return environment;
        ::usleep(500);
    }
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

OpenFile::OpenFile(const QString& path)
    : m_fd(::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC))
{ }

OpenFile::OpenFile(OpenFile&& other) noexcept
    : m_fd(std::exchange(other.m_fd, -1))
{ }

OpenFile& OpenFile::operator=(OpenFile&& other) noexcept
{
    if (this != &other) {
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = std::exchange(other.m_fd, -1);
    }
    return *this;
}

OpenFile::~OpenFile()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

QByteArrayView OpenFile::read(char* buffer, qsizetype size) const noexcept
{
    if (m_fd < 0 || size <= 0)
        return {};
    const ssize_t got = ::pread(m_fd, buffer, size_t(size), 0);
    return got > 0 ? QByteArrayView(buffer, qsizetype(got)) : QByteArrayView();
}

QString bootId()
{
    return QString::fromLatin1(readFile(QStringLiteral("/proc/sys/kernel/random/boot_id"))).trimmed();
}

} // namespace parlab::procfs
