// Lifelines (core/lifeline.h), as the mpi backend uses them: a member process that joins and is then killed is
// seen lost at once, its last line before the loss; a connection that is not the job's is dropped unheard; the
// invitation survives the command line and a bad one is refused; a member that can reach no address says so.

#include "clock.h"
#include "lifeline.h"

#include <QTest>
#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

using namespace parlab;

class TestLifeline : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void invitationRoundTripsAndBadOnesAreRefused();
    void killedMemberIsLostAtOnce();
    void lastWordsComeBeforeTheLoss();
    void strangerIsDropped();
    void unreachableParlabIsAnError();
};

namespace {
// Polls the listener until `until` holds of the events so far, or `ms` pass.
QList<lifeline::Listener::Event> serviceUntil(
    lifeline::Listener& listener, const std::function<bool(const QList<lifeline::Listener::Event>&)>& until, int ms)
{
    QList<lifeline::Listener::Event> events;
    const qint64 deadline = monotonicNs() + qint64(ms) * 1'000'000;
    while (!until(events) && monotonicNs() < deadline) {
        std::vector<pollfd> fds;
        listener.addPollFds(fds);
        ::poll(fds.data(), fds.size(), 20);
        events += listener.service(fds.data(), fds.size());
    }
    return events;
}

bool has(const QList<lifeline::Listener::Event>& events, lifeline::Listener::Event::Kind kind, int member)
{
    return std::any_of(events.cbegin(), events.cend(),
        [&](const lifeline::Listener::Event& e) { return e.kind == kind && e.member == member; });
}

// A child process that joins as `member`, says `line` if any, then waits to be killed (or exits when told to).
pid_t member(const lifeline::Invitation& invitation, int member, const QByteArray& line, bool exitAfter)
{
    const pid_t pid = ::fork();
    if (pid != 0)
        return pid;
    const Result<int> fd = lifeline::join(invitation, member, 2000);
    if (!fd)
        ::_exit(2);
    if (!line.isEmpty())
        lifeline::say(*fd, line);
    if (exitAfter)
        ::_exit(0);
    for (;;)
        ::pause();
}
} // namespace

void TestLifeline::invitationRoundTripsAndBadOnesAreRefused()
{
    const lifeline::Invitation invitation { { "198.18.0.1", "2001:db8::1", "127.0.0.1" }, 40123, "c0ffee", "boot-1" };
    const Result<lifeline::Invitation> back = lifeline::Invitation::fromArgument(invitation.toArgument());
    QVERIFY2(back.has_value(), qPrintable(back.error()));
    QCOMPARE(back->addresses, invitation.addresses);
    QCOMPARE(back->port, invitation.port);
    QCOMPARE(back->token, invitation.token);
    QCOMPARE(back->bootId, invitation.bootId);
    for (const char* bad : { "", "c0ffee/boot/0/127.0.0.1", "c0ffee/boot/70000/127.0.0.1", "c0ffee/boot/5/",
             "/boot/5/127.0.0.1", "c0ffee/boot/127.0.0.1" }) {
        const Result<lifeline::Invitation> refused = lifeline::Invitation::fromArgument(QString::fromLatin1(bad));
        QVERIFY2(!refused.has_value(), bad);
        QVERIFY(refused.error().contains(QStringLiteral("TOKEN/BOOTID/PORT/ADDRESS")));
    }
}

void TestLifeline::killedMemberIsLostAtOnce()
{
    lifeline::Listener listener;
    QVERIFY(listener.listen().has_value());
    QVERIFY(!listener.invitation().addresses.isEmpty());
    const pid_t pid = member(listener.invitation(), 3, {}, false);
    auto events = serviceUntil(
        listener, [](const auto& e) { return has(e, lifeline::Listener::Event::Kind::Joined, 3); }, 5000);
    QVERIFY(has(events, lifeline::Listener::Event::Kind::Joined, 3));
    QVERIFY(listener.holds(3));
    QVERIFY(!listener.holds(2));

    const qint64 killed = monotonicNs();
    ::kill(pid, SIGKILL);
    events = serviceUntil(
        listener, [](const auto& e) { return has(e, lifeline::Listener::Event::Kind::Lost, 3); }, 5000);
    const double ms = double(monotonicNs() - killed) * 1e-6;
    ::waitpid(pid, nullptr, 0);
    qInfo("a killed member was seen lost in %.1f ms", ms);
    QVERIFY(has(events, lifeline::Listener::Event::Kind::Lost, 3));
    QVERIFY2(ms < 1000, "a killed member must be seen lost within a second");
    QVERIFY(!listener.holds(3));
}

void TestLifeline::lastWordsComeBeforeTheLoss()
{
    lifeline::Listener listener;
    QVERIFY(listener.listen().has_value());
    const pid_t pid = member(listener.invitation(), 0, "F task 2 ran past its timeout", true);
    const auto events = serviceUntil(
        listener, [](const auto& e) { return has(e, lifeline::Listener::Event::Kind::Lost, 0); }, 5000);
    ::waitpid(pid, nullptr, 0);
    QCOMPARE(events.size(), 3);
    QCOMPARE(events[0].kind, lifeline::Listener::Event::Kind::Joined);
    QCOMPARE(events[1].kind, lifeline::Listener::Event::Kind::Line);
    QCOMPARE(events[1].line, QByteArray("F task 2 ran past its timeout"));
    QCOMPARE(events[2].kind, lifeline::Listener::Event::Kind::Lost);
}

void TestLifeline::strangerIsDropped()
{
    lifeline::Listener listener;
    QVERIFY(listener.listen().has_value());
    lifeline::Invitation forged = listener.invitation();
    forged.token = "not-the-token";
    const pid_t pid = member(forged, 1, "F a line from a stranger", false);
    const auto events = serviceUntil(
        listener, [](const auto&) { return false; }, 500);
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    // Neither its greeting, nor its line, nor its death is the job's business.
    QVERIFY2(events.isEmpty(), qPrintable(QString::number(events.size())));
    QVERIFY(!listener.holds(1));
}

void TestLifeline::unreachableParlabIsAnError()
{
    // A port nobody listens on: refused at once, whatever the address.
    lifeline::Listener probe;
    QVERIFY(probe.listen().has_value());
    lifeline::Invitation invitation = probe.invitation();
    invitation.addresses = { "127.0.0.1" };
    {
        lifeline::Listener gone;
        QVERIFY(gone.listen().has_value());
        invitation.port = gone.invitation().port;
    }
    const Result<int> joined = lifeline::join(invitation, 1, 2000);
    QVERIFY(!joined.has_value());
    QVERIFY2(joined.error().contains(QString::number(invitation.port)), qPrintable(joined.error()));
    // Loopback belongs to ParLab's machine only: a member elsewhere (another boot id) does not try it.
    invitation.port = probe.invitation().port;
    invitation.bootId = "another-machine";
    QVERIFY(!lifeline::join(invitation, 1, 500).has_value());
    invitation.bootId = probe.invitation().bootId;
    const Result<int> here = lifeline::join(invitation, 1, 2000);
    QVERIFY2(here.has_value(), qPrintable(here.error()));
    ::close(*here);
}

QTEST_GUILESS_MAIN(TestLifeline)
#include "tst_lifeline.moc"
