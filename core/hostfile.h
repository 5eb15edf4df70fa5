#pragma once

#include "result.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

namespace parlab {

// One host of a hostfile, with the slots OpenMPI 4.1 gives it.
struct HostfileHost {
    QString name; // as written, without a user@ in front
    int line = 0; // the first line that names it
    int slots = 1; // meaningful only when slotsGiven
    // Whether the file fixes the slots (slots=, max_slots= or the host named more than once); when not, mpirun
    // gives the host one slot per processor core, found only when it starts there.
    bool slotsGiven = false;
    int maxSlots = 0; // max_slots=, 0 when none (mpirun's --oversubscribe lifts it too)
};

// An OpenMPI hostfile, read by the rules of OpenMPI 4.1's mpirun (orte/util/hostfile, checked against mpirun
// 4.1.4), so that a file mpirun would refuse is refused here first, with the file and line named:
// - one host a line, `[user@]host [slots=N] [max_slots=M]`; `#` starts a comment to the end of the line; blank
//   lines are skipped. count= and cpu= mean slots=; max-slots=, slots_max= and slots-max= mean max_slots=.
// - a host named once without slots= has one slot per processor core of that host, known only at launch
//   (slotsGiven false); with max_slots= and no slots=, its slots are max_slots.
// - a host named again adds one slot to it, and its slots then count as given; slots= on a host whose slots are
//   already given is an error (OpenMPI: "multiple definitions of the slot count"). Names are one host when
//   mpirun takes them for one: nodea.lab is nodea (mpirun drops the domain of a name that is not an address),
//   and localhost, a loopback address, this machine's name and its interfaces' addresses are this machine (a
//   name that only a resolver maps to this machine is not recognised here).
// - max_slots= below the slots given before it on the line is an error; slots= above an earlier max_slots=
//   raises it.
// Exclusions (^host) and relative hosts (+n0) are not lines ParLab checks: refused. Stricter than mpirun, which
// skips them, a second word that is not a setting ("nodea nodeb": two hosts on one line) is refused.
// Hosts are also checked to resolve (getaddrinfo), as ssh will need them to.
class Hostfile final {
public:
    // `text` read as the file `name` (for messages: "hosts:3: slots=abc is not a number").
    static Result<Hostfile> parse(const QByteArray& text, const QString& name);
    // The file read and parsed: "cannot read 'hosts' (No such file or directory)" when it cannot be.
    static Result<Hostfile> read(const QString& path);
    // read(), then resolve(): what a run, `parlab list backends` and the window check.
    static Result<Hostfile> check(const QString& path);

    // Every host resolves, else the ones that do not with their lines: "hosts:2: host 'nodeb' does not resolve
    // (Name or service not known)". Blocks while the resolver answers (a DNS server may take seconds).
    Result<void> resolve() const;

    QString name() const { return m_name; }
    const QList<HostfileHost>& hosts() const { return m_hosts; }
    // The slots the file fixes, over the hosts whose slots are given.
    int givenSlots() const;
    // The hosts whose slots mpirun finds at launch (one per core).
    QStringList hostsCountingCores() const;
    // "2 hosts, 4 slots"; "2 hosts, 2 slots + one per core on nodeb (no slots=)".
    QString summary() const;

    // Whether mpirun can start `ranks` ranks on these hosts with `mpirunArgs`: more ranks than the given slots
    // need --oversubscribe (mpirun 4.1 refuses them by default); when some host's slots are its cores, the count
    // is not known here and any number passes.
    Result<void> fits(int ranks, const QString& mpirunArgs) const;
    // Whether mpirun arguments let ranks outnumber slots (--oversubscribe, or a --map-by policy with
    // :OVERSUBSCRIBE).
    static bool oversubscribes(const QStringList& mpirunArgs);
    // Whether this process runs inside a Slurm allocation (SLURM_JOB_ID is set): mpirun then takes its hosts and
    // slots from the allocation, as from a hostfile, and refuses more ranks than it gives.
    static bool inSlurmAllocation();

private:
    QString m_name;
    QList<HostfileHost> m_hosts;
};

} // namespace parlab
