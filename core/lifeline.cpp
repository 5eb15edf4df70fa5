#include "lifeline.h"

#include "clock.h"
#include "netif.h"
#include "procfs.h"

#include <QRandomGenerator>
#include <QStringList>
#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace parlab::lifeline {

namespace {
const QByteArray kGreeting = "parlab-lifeline";
constexpr int kMaxLine = 64 * 1024; // a member's line beyond this is not ParLab's protocol: the connection is dropped
// A connection that has not greeted by then is not a member's (a member greets as it connects): dropped, so that
// strangers on the network cannot pile up descriptors.
constexpr qint64 kGreetingNs = 5'000'000'000;

bool isLoopback(const QByteArray& address)
{
    return address.startsWith("127.") || address == "::1";
}

// This host's addresses, numeric: IPv4 and global IPv6 of interfaces that are up; loopback ones last.
QList<QByteArray> hostAddresses()
{
    const QList<netif::Address> interfaces = netif::all();
    if (interfaces.isEmpty())
        return { "127.0.0.1" };
    QList<QByteArray> outside, loopback;
    for (const netif::Address& a : interfaces) {
        if (!a.up || a.linkLocal()) // link-local needs an interface to be reached: not an address for another host
            continue;
        const QByteArray address = a.text();
        QList<QByteArray>& into = isLoopback(address) ? loopback : outside;
        if (!address.isEmpty() && !into.contains(address))
            into.append(address);
    }
    return outside + loopback;
}

// Whether IPv4 `address` lies on a network one of `interfaces` is on: such an address is tried first.
bool onLocalNetwork(const QByteArray& address, const QList<netif::Address>& interfaces)
{
    in_addr target {};
    if (::inet_pton(AF_INET, address.constData(), &target) != 1)
        return false;
    const QByteArray raw(reinterpret_cast<const char*>(&target), sizeof target);
    return std::any_of(interfaces.cbegin(), interfaces.cend(),
        [&raw](const netif::Address& a) { return a.family == AF_INET && !a.loopback && a.sameNetwork(raw); });
}

void closeFd(int& fd)
{
    if (fd >= 0)
        ::close(fd);
    fd = -1;
}

// A non-blocking connect to address:port started; the socket, or -1.
int startConnect(const QByteArray& address, quint16 port)
{
    sockaddr_storage storage {};
    socklen_t length = 0;
    int family = AF_INET;
    if (auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
        ::inet_pton(AF_INET, address.constData(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        length = sizeof(sockaddr_in);
    } else if (auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
               ::inet_pton(AF_INET6, address.constData(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        length = sizeof(sockaddr_in6);
        family = AF_INET6;
    } else {
        return -1;
    }
    const int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&storage), length) != 0 && errno != EINPROGRESS) {
        ::close(fd);
        return -1;
    }
    return fd;
}
} // namespace

QString Invitation::toArgument() const
{
    QStringList list;
    for (const QByteArray& a : addresses)
        list << QString::fromLatin1(a);
    return QStringLiteral("%1/%2/%3/%4")
        .arg(QString::fromLatin1(token), QString::fromLatin1(bootId))
        .arg(port)
        .arg(list.join(QLatin1Char(',')));
}

Result<Invitation> Invitation::fromArgument(const QString& argument)
{
    const QStringList parts = argument.split(QLatin1Char('/'));
    bool ok = false;
    Invitation invitation;
    if (parts.size() == 4) {
        invitation.token = parts[0].toLatin1();
        invitation.bootId = parts[1].toLatin1();
        invitation.port = parts[2].toUShort(&ok);
        for (const QString& a : parts[3].split(QLatin1Char(','), Qt::SkipEmptyParts))
            invitation.addresses.append(a.toLatin1());
    }
    if (!ok || invitation.port == 0 || invitation.token.isEmpty() || invitation.addresses.isEmpty())
        return fail(QStringLiteral("lifeline: expected TOKEN/BOOTID/PORT/ADDRESS,... instead of '%1'").arg(argument));
    return invitation;
}

Listener::~Listener()
{
    closeFd(m_listenFd);
    for (Connection& c : m_connections)
        closeFd(c.fd);
}

Result<void> Listener::listen()
{
    // Dual-stack where the host has IPv6, IPv4 alone where it does not.
    int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd >= 0) {
        const int no = 0;
        ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &no, sizeof no);
        sockaddr_in6 any {};
        any.sin6_family = AF_INET6;
        any.sin6_addr = in6addr_any;
        if (::bind(fd, reinterpret_cast<const sockaddr*>(&any), sizeof any) != 0)
            closeFd(fd);
    }
    if (fd < 0) {
        fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        sockaddr_in any {};
        any.sin_family = AF_INET;
        any.sin_addr.s_addr = htonl(INADDR_ANY);
        if (fd >= 0 && ::bind(fd, reinterpret_cast<const sockaddr*>(&any), sizeof any) != 0)
            closeFd(fd);
    }
    if (fd < 0 || ::listen(fd, 128) != 0) {
        const QString why = QString::fromLocal8Bit(std::strerror(errno));
        closeFd(fd);
        return fail(QStringLiteral("no socket to listen on for the ranks' lifelines: %1").arg(why));
    }
    sockaddr_storage bound {};
    socklen_t length = sizeof bound;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length);
    m_invitation.port = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_port)
                                                    : ntohs(reinterpret_cast<const sockaddr_in*>(&bound)->sin_port);
    m_invitation.addresses = hostAddresses();
    m_invitation.token = QByteArray::number(QRandomGenerator::system()->generate64(), 16);
    m_invitation.bootId = procfs::bootId().toLatin1();
    m_listenFd = fd;
    return {};
}

void Listener::addPollFds(std::vector<pollfd>& fds) const
{
    fds.push_back({ m_listenFd, POLLIN, 0 });
    for (const Connection& c : m_connections)
        fds.push_back({ c.fd, POLLIN, 0 });
}

QList<Listener::Event> Listener::service(const pollfd* polled, size_t count)
{
    QList<Event> events;
    // Lines first, then losses: a member's last words come before the deaths they explain.
    std::vector<size_t> lost;
    for (size_t i = 1; i < count && i - 1 < m_connections.size(); ++i) {
        if (!polled[i].revents)
            continue;
        Connection& c = m_connections[i - 1];
        bool closed = false;
        char buffer[4096];
        for (;;) {
            const ssize_t n = ::read(c.fd, buffer, sizeof buffer);
            if (n > 0) {
                c.buffer.append(buffer, n);
                continue;
            }
            closed = n == 0 || (errno != EAGAIN && errno != EINTR);
            break;
        }
        qsizetype newline = 0;
        while ((newline = c.buffer.indexOf('\n')) >= 0) {
            QByteArray line = c.buffer.left(newline);
            c.buffer.remove(0, newline + 1);
            if (c.member >= 0) {
                events.append({ Event::Kind::Line, c.member, line });
                continue;
            }
            // The greeting: "parlab-lifeline TOKEN MEMBER". A connection that is not one of this job's is dropped.
            const QList<QByteArray> words = line.split(' ');
            bool ok = false;
            const int member = words.size() == 3 ? words[2].toInt(&ok) : -1;
            if (words.size() != 3 || words[0] != kGreeting || words[1] != m_invitation.token || !ok || member < 0) {
                closed = true;
                c.member = -2;
                break;
            }
            c.member = member;
            events.append({ Event::Kind::Joined, member, {} });
        }
        if (c.buffer.size() > kMaxLine)
            closed = true;
        if (closed)
            lost.push_back(i - 1);
    }
    const qint64 now = monotonicNs();
    for (size_t i = 0; i < m_connections.size(); ++i) {
        const Connection& c = m_connections[i];
        if (c.member < 0 && now - c.acceptedNs > kGreetingNs && std::find(lost.cbegin(), lost.cend(), i) == lost.cend())
            lost.push_back(i);
    }
    std::sort(lost.begin(), lost.end());
    for (auto it = lost.rbegin(); it != lost.rend(); ++it) {
        Connection& c = m_connections[*it];
        if (c.member >= 0)
            events.append({ Event::Kind::Lost, c.member, {} });
        closeFd(c.fd);
        m_connections.erase(m_connections.begin() + qsizetype(*it));
    }
    if (count > 0 && (polled[0].revents & POLLIN)) {
        for (int fd; (fd = ::accept4(m_listenFd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0;) {
            // A host that vanishes (powered off, cut off) closes nothing: keepalive notices it within seconds.
            const int on = 1, idle = 2, interval = 1, probes = 3;
            ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
            ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
            ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
            ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof probes);
            m_connections.push_back({ fd, -1, {}, monotonicNs() });
        }
    }
    return events;
}

bool Listener::holds(int member) const
{
    return std::any_of(
        m_connections.cbegin(), m_connections.cend(), [member](const Connection& c) { return c.member == member; });
}

Result<int> join(const Invitation& invitation, int member, int timeoutMs)
{
    // Loopback reaches ParLab only from its own machine (and not from another network namespace of it, where the
    // connection is refused at once); an address on one of our networks is the likeliest route.
    const bool sameMachine = !invitation.bootId.isEmpty() && invitation.bootId == procfs::bootId().toLatin1();
    const QList<netif::Address> interfaces = netif::all();
    QList<QByteArray> near, far;
    for (const QByteArray& a : invitation.addresses) {
        if (isLoopback(a) && !sameMachine)
            continue;
        (onLocalNetwork(a, interfaces) ? near : far).append(a);
    }
    // All at once: an address a firewall drops would otherwise hold the others up until it timed out.
    struct Attempt {
        QByteArray address;
        int fd;
    };
    std::vector<Attempt> attempts;
    for (const QByteArray& a : near + far)
        if (const int fd = startConnect(a, invitation.port); fd >= 0)
            attempts.push_back({ a, fd });
    int chosen = -1;
    const qint64 deadline = monotonicNs() + qint64(timeoutMs) * 1'000'000;
    while (chosen < 0 && !attempts.empty()) {
        const qint64 left = deadline - monotonicNs();
        if (left <= 0)
            break;
        std::vector<pollfd> fds;
        fds.reserve(attempts.size());
        for (const Attempt& a : attempts)
            fds.push_back({ a.fd, POLLOUT, 0 });
        if (::poll(fds.data(), fds.size(), int(std::max<qint64>(1, left / 1'000'000))) <= 0)
            continue;
        // The first in order of preference that connected; refused ones are dropped.
        for (size_t i = 0; i < fds.size(); ++i) {
            if (!fds[i].revents)
                continue;
            int error = 0;
            socklen_t length = sizeof error;
            ::getsockopt(attempts[i].fd, SOL_SOCKET, SO_ERROR, &error, &length);
            if (error == 0 && chosen < 0)
                std::swap(chosen, attempts[i].fd);
            closeFd(attempts[i].fd);
        }
        std::erase_if(attempts, [](const Attempt& a) { return a.fd < 0; });
    }
    for (Attempt& a : attempts)
        closeFd(a.fd);
    if (chosen < 0)
        return fail(QStringLiteral("no address of ParLab's host answered on port %1 within %2 ms (%3)")
                        .arg(invitation.port)
                        .arg(timeoutMs)
                        .arg(QString::fromLatin1(invitation.addresses.join(','))));
    say(chosen, kGreeting + ' ' + invitation.token + ' ' + QByteArray::number(member));
    return chosen;
}

void say(int fd, const QByteArray& line)
{
    if (fd < 0)
        return;
    const QByteArray text = line.endsWith('\n') ? line : line + '\n';
    qsizetype sent = 0;
    // The socket is non-blocking and a line is short: the first write takes it, unless ParLab stopped reading.
    for (int tries = 0; sent < text.size() && tries < 100; ++tries) {
        const ssize_t n = ::send(fd, text.constData() + sent, size_t(text.size() - sent), MSG_NOSIGNAL);
        if (n > 0)
            sent += n;
        else if (errno != EAGAIN && errno != EINTR)
            return;
        else
            ::usleep(1000);
    }
}

} // namespace parlab::lifeline
