#pragma once

#include <QByteArray>
#include <QList>

namespace parlab::netif {

// One address of one of this host's network interfaces (getifaddrs): the hostfile checks whether a host names this
// machine by them, and the lifelines which addresses ParLab can be reached at and which networks a rank is on.
struct Address {
    int family = 0; // AF_INET or AF_INET6
    QByteArray raw; // the address itself: an in_addr or in6_addr, network order
    QByteArray mask; // its netmask, the same size (empty when the interface has none)
    bool up = false;
    bool loopback = false;
    QByteArray text() const; // numeric: "198.18.0.1", "2001:db8::1"
    bool linkLocal() const; // an IPv6 fe80:: address, reachable only through its interface
    // Whether `other` (same family, raw) lies on this address's network.
    bool sameNetwork(const QByteArray& other) const;
};

// Every IPv4 and IPv6 address of this host's interfaces, in the system's order; empty when they cannot be read.
QList<Address> all();

} // namespace parlab::netif
