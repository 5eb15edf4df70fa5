// Tests the hostfile reader against OpenMPI 4.1's rules (mpirun 4.1.4 was run on each rule that is not in its
// manual: a host named three times without slots= took 3 ranks and refused 4; `a` then `a slots=2`, and
// `localhost slots=2` then `127.0.0.1 slots=2`, were refused as two slot counts for one node; --oversubscribe
// lifted max_slots), its messages (file and line named), host resolution, and the check a run makes before it
// starts (BackendRegistry::checkWorkers for mpi). 192.0.2.x (TEST-NET-1) addresses resolve without a DNS server
// and are never this machine.

#include "backends/backendregistry.h"
#include "backends/mpibackend.h"
#include "experimentspec.h"
#include "hostfile.h"
#include "runoptions.h"

#include <QFile>
#include <QProcess>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using parlab::Hostfile;
using parlab::HostfileHost;

class TestHostfile final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void countsHostsAndSlots_data();
    void countsHostsAndSlots();
    void refusesMalformedLinesNamingTheLine_data();
    void refusesMalformedLinesNamingTheLine();
    void readSaysWhyAFileCannotBeRead();
    void resolveNamesTheHostsThatDoNot();
    void fitsSaysWhenRanksOutnumberSlots();
    void oversubscribeIsFoundInMpirunArguments_data();
    void oversubscribeIsFoundInMpirunArguments();
    void runIsRefusedBeforeItStarts();
    void slurmAllocationGivesTheSlots();
};

namespace {
const QString kName = QStringLiteral("hf");

QString write(const QTemporaryDir& dir, const QString& name, const QByteArray& text)
{
    QString path = dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(text) != text.size())
        qFatal("cannot write %s", qPrintable(path));
    return path;
}
} // namespace

void TestHostfile::countsHostsAndSlots_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QStringList>("hosts");
    QTest::addColumn<QList<int>>("slots"); // -1: one per core, found by mpirun at launch
    QTest::addColumn<QString>("summary");
    QTest::newRow("two hosts") << QByteArray("nodea slots=2\nnodeb slots=2\n")
                               << QStringList { QStringLiteral("nodea"), QStringLiteral("nodeb") }
                               << QList<int> { 2, 2 } << QStringLiteral("2 hosts, 4 slots");
    QTest::newRow("comments, blanks, spaces, CRLF")
        << QByteArray("# the lab\n\n  nodea   slots = 3  # the big one\r\n\t\nnodeb slots=1\r\n# end")
        << QStringList { QStringLiteral("nodea"), QStringLiteral("nodeb") } << QList<int> { 3, 1 }
        << QStringLiteral("2 hosts, 4 slots");
    QTest::newRow("no slots: one per core")
        << QByteArray("nodea\n") << QStringList { QStringLiteral("nodea") } << QList<int> { -1 }
        << QStringLiteral("1 host, one slot per core of it (no slots=)");
    QTest::newRow("no slots on one") << QByteArray("nodea slots=2\nnodeb\n")
                                     << QStringList { QStringLiteral("nodea"), QStringLiteral("nodeb") }
                                     << QList<int> { 2, -1 }
                                     << QStringLiteral("2 hosts, 2 slots + one per core on nodeb (no slots=)");
    QTest::newRow("named three times") << QByteArray("nodea\nnodea\nnodea\n") << QStringList { QStringLiteral("nodea") }
                                       << QList<int> { 3 } << QStringLiteral("1 host, 3 slots");
    QTest::newRow("named again after slots=")
        << QByteArray("nodea slots=2\nnodea\n") << QStringList { QStringLiteral("nodea") } << QList<int> { 3 }
        << QStringLiteral("1 host, 3 slots");
    QTest::newRow("max_slots alone") << QByteArray("nodea max_slots=4\n") << QStringList { QStringLiteral("nodea") }
                                     << QList<int> { 4 } << QStringLiteral("1 host, 4 slots");
    QTest::newRow("slots and max_slots") << QByteArray("nodea slots=2 max-slots=4\n")
                                         << QStringList { QStringLiteral("nodea") } << QList<int> { 2 }
                                         << QStringLiteral("1 host, 2 slots");
    QTest::newRow("names of this machine are one host")
        << QByteArray("localhost\n127.0.0.1\n") << QStringList { QStringLiteral("localhost") } << QList<int> { 2 }
        << QStringLiteral("1 host, 2 slots");
    QTest::newRow("a domain is dropped") << QByteArray("nodea.lab\nnodea\n")
                                         << QStringList { QStringLiteral("nodea.lab") } << QList<int> { 2 }
                                         << QStringLiteral("1 host, 2 slots");
    QTest::newRow("addresses keep their dots")
        << QByteArray("192.0.2.1 slots=1\n192.0.2.2 slots=1\n")
        << QStringList { QStringLiteral("192.0.2.1"), QStringLiteral("192.0.2.2") } << QList<int> { 1, 1 }
        << QStringLiteral("2 hosts, 2 slots");
    QTest::newRow("user@host, count=, cpu=") << QByteArray("me@nodea count=2\nnodeb cpu=1\n")
                                             << QStringList { QStringLiteral("nodea"), QStringLiteral("nodeb") }
                                             << QList<int> { 2, 1 } << QStringLiteral("2 hosts, 3 slots");
}

void TestHostfile::countsHostsAndSlots()
{
    QFETCH(QByteArray, text);
    QFETCH(QStringList, hosts);
    QFETCH(QList<int>, slots);
    QFETCH(QString, summary);
    const auto file = Hostfile::parse(text, kName);
    QVERIFY2(file, qPrintable(file.error()));
    QCOMPARE(file->hosts().size(), hosts.size());
    for (qsizetype i = 0; i < hosts.size(); ++i) {
        const HostfileHost& host = file->hosts()[i];
        QCOMPARE(host.name, hosts[i]);
        QCOMPARE(host.slotsGiven, slots[i] >= 0);
        if (host.slotsGiven)
            QCOMPARE(host.slots, slots[i]);
    }
    QCOMPARE(file->summary(), summary);
}

void TestHostfile::refusesMalformedLinesNamingTheLine_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("message");
    QTest::newRow("slots not a number") << QByteArray("nodea slots=2\n\nnodeb slots=abc\n")
                                        << QStringLiteral("hf:3: slots=abc is not a number");
    QTest::newRow("negative slots") << QByteArray("nodea slots=-1\n")
                                    << QStringLiteral("hf:1: slots=-1 is not a number");
    QTest::newRow("slots without value") << QByteArray("nodea slots\n")
                                         << QStringLiteral("hf:1: slots needs a number: slots=N");
    QTest::newRow("misspelt setting") << QByteArray("nodea slot=2\n")
                                      << QStringLiteral("hf:1: unknown setting 'slot=2' (a line is: host [slots=N] "
                                                        "[max_slots=M]): did you mean slots=?");
    QTest::newRow("two hosts on a line") << QByteArray("nodea nodeb\n")
                                         << QStringLiteral("hf:1: 'nodeb' after host 'nodea' is not a setting");
    QTest::newRow("slots twice") << QByteArray("nodea slots=1\nnodeb\nnodea slots=1\n")
                                 << QStringLiteral(
                                        "hf:3: the slots of 'nodea' are given a second time (first on line 1)");
    QTest::newRow("named, then slots=") << QByteArray("nodea\nnodea slots=2\n")
                                        << QStringLiteral("hf:2: the slots of 'nodea' are given a second time");
    QTest::newRow("this machine twice") << QByteArray("localhost slots=2\n127.0.0.1 slots=2\n")
                                        << QStringLiteral(
                                               "hf:2: the slots of '127.0.0.1' are given a second time: "
                                               "mpirun takes it for 'localhost' of line 1, the same machine");
    QTest::newRow("max_slots below slots") << QByteArray("nodea slots=2 max_slots=1\n")
                                           << QStringLiteral("hf:1: max_slots=1 is below the 2 slots of 'nodea'");
    QTest::newRow("exclusion") << QByteArray("nodea\n^nodeb\n")
                               << QStringLiteral("hf:2: '^nodeb' is OpenMPI's syntax for excluding a host");
    QTest::newRow("setting first") << QByteArray("slots=2\n") << QStringLiteral("hf:1: 'slots=2' is not a host name");
    QTest::newRow("only comments") << QByteArray("# nothing yet\n\n") << QStringLiteral("hf: names no host");
}

void TestHostfile::refusesMalformedLinesNamingTheLine()
{
    QFETCH(QByteArray, text);
    QFETCH(QString, message);
    const auto file = Hostfile::parse(text, kName);
    QVERIFY(!file);
    QVERIFY2(file.error().startsWith(message), qPrintable(file.error()));
}

void TestHostfile::readSaysWhyAFileCannotBeRead()
{
    const auto missing = Hostfile::read(QStringLiteral("/nonexistent-parlab/hosts"));
    QVERIFY(!missing);
    QCOMPARE(missing.error(), QStringLiteral("cannot read '/nonexistent-parlab/hosts' (No such file or directory)"));
    QTemporaryDir dir;
    const auto folder = Hostfile::read(dir.path());
    QVERIFY(!folder);
    QVERIFY2(folder.error().contains(QStringLiteral("it is a folder, not a hostfile")), qPrintable(folder.error()));
    // The messages of a file read name its path.
    const QString path = write(dir, QStringLiteral("hosts"), "nodea slots=x\n");
    const auto bad = Hostfile::read(path);
    QVERIFY(!bad);
    QCOMPARE(bad.error(), path + QStringLiteral(":1: slots=x is not a number"));
}

void TestHostfile::resolveNamesTheHostsThatDoNot()
{
    const auto good = Hostfile::parse("localhost slots=2\n192.0.2.1 slots=2\n", kName);
    QVERIFY(good);
    QVERIFY2(good->resolve(), qPrintable(good->resolve().error()));
    // .invalid never resolves (RFC 2606).
    const auto bad = Hostfile::parse("localhost\n# a comment\nnosuchhost.invalid slots=1\n", kName);
    QVERIFY(bad);
    const auto resolved = bad->resolve();
    QVERIFY(!resolved);
    QVERIFY2(resolved.error().startsWith(QStringLiteral("hf:3: host 'nosuchhost.invalid' does not resolve (")),
        qPrintable(resolved.error()));
    QVERIFY2(!resolved.error().contains(QStringLiteral("localhost")), qPrintable(resolved.error()));
}

void TestHostfile::fitsSaysWhenRanksOutnumberSlots()
{
    const auto file = Hostfile::parse("nodea slots=2\nnodeb slots=2\n", kName);
    QVERIFY(file);
    QVERIFY(file->fits(4, QString()));
    const auto five = file->fits(5, QString());
    QVERIFY(!five);
    QCOMPARE(five.error(),
        QStringLiteral("5 ranks do not fit the 4 slots of hostfile 'hf' (nodea 2, nodeb 2), and mpirun starts one "
                       "rank a slot: use 4 workers or fewer, give the hosts more slots=, or let ranks share slots "
                       "with --mpirun-args --oversubscribe"));
    QVERIFY(file->fits(5, QStringLiteral("--mca btl tcp,self --oversubscribe")));
    // A host's cores are not known here: mpirun decides.
    const auto cores = Hostfile::parse("nodea slots=2\nnodeb\n", kName);
    QVERIFY(cores);
    QVERIFY(cores->fits(64, QString()));
}

void TestHostfile::oversubscribeIsFoundInMpirunArguments_data()
{
    QTest::addColumn<QString>("arguments");
    QTest::addColumn<bool>("oversubscribes");
    QTest::newRow("none") << QString() << false;
    QTest::newRow("--oversubscribe") << QStringLiteral("--oversubscribe") << true;
    QTest::newRow("-oversubscribe") << QStringLiteral("-oversubscribe") << true;
    QTest::newRow("--nooversubscribe") << QStringLiteral("--nooversubscribe") << false;
    QTest::newRow("map-by modifier") << QStringLiteral("--map-by core:OVERSUBSCRIBE") << true;
    QTest::newRow("map-by= modifiers") << QStringLiteral("--map-by=node:PE=2,oversubscribe") << true;
    QTest::newRow("map-by without") << QStringLiteral("--map-by node") << false;
    QTest::newRow("quoted elsewhere") << QStringLiteral("-x NOTE=--oversubscribe") << false;
}

void TestHostfile::oversubscribeIsFoundInMpirunArguments()
{
    QFETCH(QString, arguments);
    QFETCH(bool, oversubscribes);
    QCOMPARE(Hostfile::oversubscribes(QProcess::splitCommand(arguments)), oversubscribes);
}

void TestHostfile::runIsRefusedBeforeItStarts()
{
    using namespace parlab;
    QTemporaryDir dir;
    RunOptions options;
    options.hostfile = write(dir, QStringLiteral("hosts"), "192.0.2.1 slots=2\n192.0.2.2 slots=2\n");
    QVERIFY(BackendRegistry::checkWorkers(QStringLiteral("mpi"), 4, 8, options));
    const auto tooMany = BackendRegistry::checkWorkers(QStringLiteral("mpi"), 6, 8, options);
    QVERIFY(!tooMany);
    QVERIFY2(tooMany.error().startsWith(QStringLiteral("backend 'mpi': 6 ranks do not fit the 4 slots")),
        qPrintable(tooMany.error()));
    options.mpirunArgs = QStringLiteral("--oversubscribe");
    QVERIFY(BackendRegistry::checkWorkers(QStringLiteral("mpi"), 6, 8, options));

    options.hostfile = write(dir, QStringLiteral("bad"), "localhost slots=2\nnosuchhost.invalid slots=2\n");
    const auto unresolved = BackendRegistry::checkWorkers(QStringLiteral("mpi"), 2, 8, options);
    QVERIFY(!unresolved);
    QVERIFY2(
        unresolved.error().startsWith(
            QStringLiteral("backend 'mpi': %1:2: host 'nosuchhost.invalid' does not resolve").arg(options.hostfile)),
        qPrintable(unresolved.error()));
    // Backends that do not read the hostfile ignore it.
    QVERIFY(BackendRegistry::checkWorkers(QStringLiteral("threads"), 2, 8, options));

    // A run recorded elsewhere is not checked against this machine's resolver (its hostfile need not be here).
    ExperimentSpec spec;
    spec.kernel = QStringLiteral("noop");
    spec.inputs = { 1, 2 };
    spec.backends = { QStringLiteral("mpi") };
    spec.workers = { 8 };
    spec.options = options;
    QVERIFY2(validateSpec(spec, SpecCheck::Recorded), qPrintable(validateSpec(spec, SpecCheck::Recorded).error()));

    // The window's check on every edit reads the file but looks up no host (a DNS server may take seconds); the
    // slots still count, and the run's own check looks the hosts up.
    options.mpirunArgs.clear();
    spec.options = options;
    spec.workers = { 2 };
    if (MpiBackend::availabilityHere().available) {
        QVERIFY(!validateSpec(spec, SpecCheck::RunHere));
        const Result<void> noLookup = validateSpec(spec, SpecCheck::RunHereWithoutLookups);
        QVERIFY2(noLookup, qPrintable(noLookup.error()));
        spec.workers = { 6 };
        QVERIFY(!validateSpec(spec, SpecCheck::RunHereWithoutLookups));
    }
    QVERIFY(!BackendRegistry::checkWorkers(QStringLiteral("mpi"), 6, 8, options, false));
    QVERIFY(BackendRegistry::checkWorkers(QStringLiteral("mpi"), 2, 8, options, false));
}

void TestHostfile::slurmAllocationGivesTheSlots()
{
    using namespace parlab;
    const int cores = QThread::idealThreadCount();
    MpiBackend mpi;
    mpi.configure(RunOptions());
    // On one machine, more ranks than cores share them; in an allocation mpirun keeps to its slots.
    QVERIFY(mpi.mpirunArguments(cores + 1).contains(QStringLiteral("--oversubscribe")));
    QVERIFY(!BackendRegistry::checkWorkers(QStringLiteral("mpi"), 100000, 8, RunOptions()));
    qputenv("SLURM_JOB_ID", "4242");
    const auto unset = qScopeGuard([] { qunsetenv("SLURM_JOB_ID"); });
    QVERIFY(Hostfile::inSlurmAllocation());
    QVERIFY(!mpi.mpirunArguments(cores + 1).contains(QStringLiteral("--oversubscribe")));
    // Its nodes, not this machine's limits, decide how many ranks fit (mpirun refuses what they cannot take).
    QVERIFY(BackendRegistry::checkWorkers(QStringLiteral("mpi"), 100000, 8, RunOptions()));
    QVERIFY(!BackendRegistry::checkWorkers(QStringLiteral("processes"), 100000, 100000, RunOptions()));
}

QTEST_GUILESS_MAIN(TestHostfile)
#include "tst_hostfile.moc"
