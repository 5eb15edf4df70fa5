#pragma once

#include "result.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <poll.h>
#include <vector>

namespace parlab::lifeline {

// A lifeline: every process of a job, on whatever host, holds a TCP connection to ParLab. The kernel of the
// member's host closes it when the member dies, by any signal, so ParLab learns of the death within a network round
// trip, and from the member itself, not from its launcher (mpirun notices a rank killed on another host, ends the
// job and only then names the rank: two seconds here). A member may also send lines on it (rank 0 sends its fatal
// message there before it aborts the job, so the message comes before the deaths the abort causes).
//
// Why TCP to ParLab rather than a message through MPI: a dead peer is not an error MPI reports (OpenMPI 4.1 ends
// the job), and the launcher's own forwarding stalls while it tears the job down. A member reaches ParLab wherever
// it reaches mpirun (which runs beside ParLab), so it needs no port of its own.

// What a member needs to find ParLab: the addresses of ParLab's host (loopback ones last, tried only by a member on
// the same machine), a port, the job's token and the host's boot id. One command-line argument.
struct Invitation {
    QList<QByteArray> addresses; // numeric IPv4 or IPv6
    quint16 port = 0;
    QByteArray token;
    QByteArray bootId;

    QString toArgument() const; // "TOKEN/BOOTID/PORT/ADDRESS,ADDRESS,..."
    static Result<Invitation> fromArgument(const QString& argument);
};

// ParLab's side: a listening socket and the members' connections.
class Listener {
public:
    Listener() = default;
    ~Listener();
    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;

    // Listens on every address of this host, on a port the system picks, with a fresh token.
    Result<void> listen();
    const Invitation& invitation() const { return m_invitation; }

    // The descriptors to poll for reading: appended to `fds`; service() then takes the same span back.
    void addPollFds(std::vector<pollfd>& fds) const;

    struct Event {
        enum class Kind { Joined, Line, Lost } kind = Kind::Joined;
        int member = -1;
        QByteArray line; // Line: without its newline
    };
    // Accepts members, reads their lines, notices those whose connection closed. `polled` is what addPollFds
    // appended, with the revents poll() set.
    QList<Event> service(const pollfd* polled, size_t count);

    bool holds(int member) const;

private:
    struct Connection {
        int fd = -1;
        int member = -1; // -1 until its greeting came
        QByteArray buffer;
        qint64 acceptedNs = 0;
    };
    int m_listenFd = -1;
    std::vector<Connection> m_connections;
    Invitation m_invitation;
};

// A member's side: connects to the first of the invitation's addresses that answers within `timeoutMs` (those on
// one of this host's networks are preferred, loopback only on ParLab's machine) and greets ParLab as `member`.
// The descriptor, kept open for the process's life (close-on-exec), or an error saying what was tried.
Result<int> join(const Invitation& invitation, int member, int timeoutMs);

// Sends one line on a member's lifeline (best effort: a lost lifeline is ParLab's to notice).
void say(int fd, const QByteArray& line);

} // namespace parlab::lifeline
