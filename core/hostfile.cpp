#include "hostfile.h"

#include "experimentspec.h"
#include "netif.h"

#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <algorithm>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace parlab {

namespace {
// A hostfile names hosts, one a line: anything larger is not one (and reading /dev/zero must end).
constexpr qint64 kMaxBytes = 1 << 20;

const QStringList kSlotsKeys { QStringLiteral("slots"), QStringLiteral("count"), QStringLiteral("cpu") };
const QStringList kMaxSlotsKeys { QStringLiteral("max_slots"), QStringLiteral("max-slots"), QStringLiteral("slots_max"),
    QStringLiteral("slots-max") };
const QString kLineForm = QStringLiteral("a line is: host [slots=N] [max_slots=M]");

// Whether `host` is an IPv4 or IPv6 address; into `address` (sockaddr_in or sockaddr_in6's address bytes).
bool parseAddress(const QString& host, QByteArray* address = nullptr)
{
    const QByteArray text = host.toLatin1();
    in6_addr bytes {};
    if (::inet_pton(AF_INET, text.constData(), &bytes) == 1) {
        if (address)
            *address = QByteArray(reinterpret_cast<const char*>(&bytes), sizeof(in_addr));
        return true;
    }
    if (::inet_pton(AF_INET6, text.constData(), &bytes) == 1) {
        if (address)
            *address = QByteArray(reinterpret_cast<const char*>(&bytes), sizeof(in6_addr));
        return true;
    }
    return false;
}

// Whether `host` names this machine without asking a resolver: localhost, a loopback address, this machine's
// host name, or an address of one of its interfaces.
bool namesThisMachine(const QString& host)
{
    if (host.compare(QStringLiteral("localhost"), Qt::CaseInsensitive) == 0)
        return true;
    QByteArray address;
    if (!parseAddress(host, &address)) {
        char name[256] = {};
        if (::gethostname(name, sizeof name - 1) != 0)
            return false;
        const QString own = QString::fromLocal8Bit(name);
        return host.compare(own, Qt::CaseInsensitive) == 0
            || host.compare(own.section(QLatin1Char('.'), 0, 0), Qt::CaseInsensitive) == 0;
    }
    if (address.size() == int(sizeof(in_addr)) && quint8(address[0]) == 127)
        return true;
    if (address == QByteArray(reinterpret_cast<const char*>(&in6addr_loopback), sizeof(in6_addr)))
        return true;
    const QList<netif::Address> interfaces = netif::all();
    return std::any_of(interfaces.cbegin(), interfaces.cend(),
        [&address](const netif::Address& interface) { return interface.raw == address; });
}

// The node mpirun 4.1 files `host` under: every name of this machine is one node, and a name that is not an
// address loses its domain (nodea.lab is nodea).
QString nodeOf(const QString& host)
{
    if (namesThisMachine(host))
        return QStringLiteral("this machine");
    return parseAddress(host) ? host : host.section(QLatin1Char('.'), 0, 0);
}

QString plural(int n, const char* one, const char* many)
{
    return QStringLiteral("%1 %2").arg(n).arg(QLatin1String(n == 1 ? one : many));
}
} // namespace

Result<Hostfile> Hostfile::parse(const QByteArray& text, const QString& name)
{
    Hostfile file;
    file.m_name = name;
    const QList<QByteArray> lines = text.split('\n');
    // OpenMPI's lexer reads `=` as a token of its own: "slots = 2" is "slots=2".
    static const QRegularExpression aroundEquals(QStringLiteral("\\s*=\\s*"));
    QStringList nodes; // the node each of file.m_hosts is to mpirun (nodeOf)
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const int lineNumber = int(i) + 1;
        auto problem = [&](const QString& message) {
            return fail(QStringLiteral("%1:%2: %3").arg(name).arg(lineNumber).arg(message));
        };
        QString line = QString::fromUtf8(lines[i]);
        if (const qsizetype hash = line.indexOf(QLatin1Char('#')); hash >= 0)
            line.truncate(hash);
        line.replace(aroundEquals, QStringLiteral("="));
        const QStringList words = line.split(QRegularExpression(QStringLiteral("\\s+")), Qt::SkipEmptyParts);
        if (words.isEmpty())
            continue;

        QString host = words.first();
        if (host.contains(QLatin1Char('=')))
            return problem(QStringLiteral("'%1' is not a host name (%2)").arg(host, kLineForm));
        if (host.startsWith(QLatin1Char('^')) || host.startsWith(QLatin1Char('+')))
            return problem(QStringLiteral("'%1' is OpenMPI's syntax for %2, which ParLab does not check: list only "
                                          "the hosts to run on")
                               .arg(host,
                                   host.startsWith(QLatin1Char('^')) ? QStringLiteral("excluding a host")
                                                                     : QStringLiteral("hosts of an allocation")));
        if (const QStringList parts = host.split(QLatin1Char('@')); parts.size() == 2)
            host = parts[1];
        else if (parts.size() > 2)
            return problem(QStringLiteral("'%1' is not user@host").arg(host));
        if (host.isEmpty())
            return problem(QStringLiteral("'%1' names no host").arg(words.first()));

        // A host named again is the same host, under any of its names: one more slot, and its slots count as
        // given from then on.
        const QString node = nodeOf(host);
        const qsizetype known = nodes.indexOf(node);
        HostfileHost* entry = known < 0 ? nullptr : &file.m_hosts[known];
        if (entry) {
            ++entry->slots;
            entry->slotsGiven = true;
        } else {
            file.m_hosts.append(HostfileHost { .name = host, .line = lineNumber });
            nodes.append(node);
            entry = &file.m_hosts.last();
        }

        bool gotMax = false;
        for (qsizetype w = 1; w < words.size(); ++w) {
            const QString& word = words[w];
            const qsizetype equals = word.indexOf(QLatin1Char('='));
            const QString key = equals < 0 ? word : word.left(equals).toLower();
            const QString value = equals < 0 ? QString() : word.mid(equals + 1);
            const bool slotsKey = kSlotsKeys.contains(key);
            const bool maxKey = kMaxSlotsKeys.contains(key);
            if (!slotsKey && !maxKey) {
                QString message = equals < 0
                    ? QStringLiteral("'%1' after host '%2' is not a setting (%3)").arg(word, host, kLineForm)
                    : QStringLiteral("unknown setting '%1' (%2)").arg(word, kLineForm);
                if (const QString guess = closestName(key, kSlotsKeys + kMaxSlotsKeys); !guess.isEmpty())
                    message += QStringLiteral(": did you mean %1=?").arg(guess);
                return problem(message);
            }
            if (equals < 0 || value.isEmpty())
                return problem(QStringLiteral("%1 needs a number: %1=N").arg(key));
            bool ok = false;
            const int number = value.toInt(&ok);
            if (!ok || number < 0)
                return problem(QStringLiteral("%1=%2 is not a number").arg(key, value));
            if (slotsKey) {
                if (entry->slotsGiven && entry->name == host)
                    return problem(QStringLiteral("the slots of '%1' are given a second time (first on line %2); "
                                                  "mpirun refuses two slot counts for one host: name it once, "
                                                  "with slots=N")
                                       .arg(host)
                                       .arg(entry->line));
                if (entry->slotsGiven)
                    return problem(QStringLiteral("the slots of '%1' are given a second time: mpirun takes it for "
                                                  "'%2' of line %3, the same machine, and refuses two slot counts "
                                                  "for one host: name it once, with slots=N")
                                       .arg(host, entry->name)
                                       .arg(entry->line));
                entry->slots = number;
                entry->slotsGiven = true;
                entry->maxSlots = entry->maxSlots > 0 ? std::max(entry->maxSlots, number) : 0;
            } else {
                if (number < entry->slots)
                    return problem(QStringLiteral("max_slots=%1 is below the %2 of '%3'")
                                       .arg(number)
                                       .arg(plural(entry->slots, "slot", "slots"), host));
                entry->maxSlots = number;
                gotMax = true;
            }
        }
        if (gotMax && !entry->slotsGiven) {
            entry->slots = entry->maxSlots;
            entry->slotsGiven = true;
        }
    }
    if (file.m_hosts.isEmpty())
        return fail(QStringLiteral("%1: names no host (%2)").arg(name, kLineForm));
    return file;
}

Result<Hostfile> Hostfile::read(const QString& path)
{
    const QFileInfo info(path);
    if (info.isDir())
        return fail(QStringLiteral("cannot read '%1': it is a folder, not a hostfile").arg(path));
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return fail(QStringLiteral("cannot read '%1' (%2)").arg(path, file.errorString()));
    const QByteArray text = file.read(kMaxBytes + 1);
    if (text.size() > kMaxBytes)
        return fail(QStringLiteral("'%1' is over 1 MiB: not a hostfile").arg(path));
    return parse(text, path);
}

Result<Hostfile> Hostfile::check(const QString& path)
{
    Result<Hostfile> file = read(path);
    if (!file)
        return file;
    if (Result<void> resolved = file->resolve(); !resolved)
        return fail(resolved.error());
    return file;
}

Result<void> Hostfile::resolve() const
{
    QStringList unresolved;
    for (const HostfileHost& host : m_hosts) {
        addrinfo hints {};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        addrinfo* found = nullptr;
        const QByteArray name = host.name.toUtf8();
        const int rc = ::getaddrinfo(name.constData(), nullptr, &hints, &found);
        if (rc == 0) {
            ::freeaddrinfo(found);
            continue;
        }
        unresolved.append(QStringLiteral("%1:%2: host '%3' does not resolve (%4)")
                              .arg(m_name)
                              .arg(host.line)
                              .arg(host.name, QString::fromLocal8Bit(::gai_strerror(rc))));
    }
    if (unresolved.isEmpty())
        return {};
    return fail(unresolved.join(QStringLiteral("; ")));
}

int Hostfile::givenSlots() const
{
    int slots = 0;
    for (const HostfileHost& host : m_hosts) {
        if (host.slotsGiven)
            slots += host.slots;
    }
    return slots;
}

QStringList Hostfile::hostsCountingCores() const
{
    QStringList names;
    for (const HostfileHost& host : m_hosts) {
        if (!host.slotsGiven)
            names.append(host.name);
    }
    return names;
}

QString Hostfile::summary() const
{
    const QString hosts = plural(int(m_hosts.size()), "host", "hosts");
    const QStringList counting = hostsCountingCores();
    if (counting.isEmpty())
        return QStringLiteral("%1, %2").arg(hosts, plural(givenSlots(), "slot", "slots"));
    if (counting.size() == m_hosts.size())
        return QStringLiteral("%1, one slot per core of %2 (no slots=)")
            .arg(hosts, m_hosts.size() == 1 ? QStringLiteral("it") : QStringLiteral("each"));
    return QStringLiteral("%1, %2 + one per core on %3 (no slots=)")
        .arg(hosts, plural(givenSlots(), "slot", "slots"), counting.join(QStringLiteral(", ")));
}

Result<void> Hostfile::fits(int ranks, const QString& mpirunArgs) const
{
    if (oversubscribes(QProcess::splitCommand(mpirunArgs)) || !hostsCountingCores().isEmpty())
        return {};
    const int slots = givenSlots();
    if (ranks <= slots)
        return {};
    QStringList each;
    for (const HostfileHost& host : m_hosts)
        each.append(QStringLiteral("%1 %2").arg(host.name).arg(host.slots));
    return fail(QStringLiteral("%1 ranks do not fit the %2 of hostfile '%3' (%4), and mpirun starts one rank a "
                               "slot: use %5 workers or fewer, give the hosts more slots=, or let ranks share slots "
                               "with --mpirun-args --oversubscribe")
                    .arg(ranks)
                    .arg(plural(slots, "slot", "slots"), m_name, each.join(QStringLiteral(", ")))
                    .arg(slots));
}

bool Hostfile::inSlurmAllocation()
{
    return !qEnvironmentVariableIsEmpty("SLURM_JOB_ID");
}

bool Hostfile::oversubscribes(const QStringList& mpirunArgs)
{
    for (qsizetype i = 0; i < mpirunArgs.size(); ++i) {
        const QString& arg = mpirunArgs[i];
        if (arg == QStringLiteral("--oversubscribe") || arg == QStringLiteral("-oversubscribe"))
            return true;
        // --map-by core:OVERSUBSCRIBE, --map-by=node:oversubscribe
        QString policy;
        if ((arg == QStringLiteral("--map-by") || arg == QStringLiteral("-map-by")) && i + 1 < mpirunArgs.size())
            policy = mpirunArgs[i + 1];
        else if (arg.startsWith(QStringLiteral("--map-by=")))
            policy = arg.mid(9);
        const QStringList modifiers = policy.split(QLatin1Char(':')).mid(1);
        for (const QString& modifier : modifiers) {
            if (modifier.split(QLatin1Char(',')).contains(QStringLiteral("oversubscribe"), Qt::CaseInsensitive))
                return true;
        }
    }
    return false;
}

} // namespace parlab
