#include "netif.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace parlab::netif {

namespace {
QByteArray rawOf(const sockaddr* address)
{
    if (!address)
        return {};
    if (address->sa_family == AF_INET) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(address);
        return QByteArray(reinterpret_cast<const char*>(&in->sin_addr), sizeof(in_addr));
    }
    if (address->sa_family == AF_INET6) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address);
        return QByteArray(reinterpret_cast<const char*>(&in6->sin6_addr), sizeof(in6_addr));
    }
    return {};
}
} // namespace

QByteArray Address::text() const
{
    char buffer[INET6_ADDRSTRLEN] = {};
    if (!::inet_ntop(family, raw.constData(), buffer, sizeof buffer))
        return {};
    return QByteArray(buffer);
}

bool Address::linkLocal() const
{
    return family == AF_INET6 && raw.size() == int(sizeof(in6_addr))
        && IN6_IS_ADDR_LINKLOCAL(reinterpret_cast<const in6_addr*>(raw.constData()));
}

bool Address::sameNetwork(const QByteArray& other) const
{
    if (other.size() != raw.size() || mask.size() != raw.size())
        return false;
    for (qsizetype i = 0; i < raw.size(); ++i) {
        if ((raw[i] & mask[i]) != (other[i] & mask[i]))
            return false;
    }
    return true;
}

QList<Address> all()
{
    QList<Address> addresses;
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0)
        return addresses;
    for (const ifaddrs* a = list; a; a = a->ifa_next) {
        if (!a->ifa_addr || (a->ifa_addr->sa_family != AF_INET && a->ifa_addr->sa_family != AF_INET6))
            continue;
        addresses.append({ a->ifa_addr->sa_family, rawOf(a->ifa_addr), rawOf(a->ifa_netmask),
            (a->ifa_flags & IFF_UP) != 0, (a->ifa_flags & IFF_LOOPBACK) != 0 });
    }
    ::freeifaddrs(list);
    return addresses;
}

} // namespace parlab::netif
