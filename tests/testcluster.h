#pragma once

// A cluster of several hosts on this one machine, for tests that run ParLab across hosts as a user with a real
// cluster would: each host a Linux network namespace with a hostname of its own, reached by mpirun through an rsh
// agent instead of ssh (tests/cluster/netns-cluster.sh makes them and says how). Made by the constructor; removed,
// with every process on its hosts, by the destructor, and a cluster whose test was killed is removed by the next
// one made. Where it cannot be made here (not root, no `ip`, no permission), isUp() is false and whyNot() says
// why, for a QSKIP.

#include "procfs.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QList>
#include <QProcess>
#include <QStandardPaths>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>
#include <QThread>
#include <climits>
#include <sys/stat.h>
#include <unistd.h>

namespace testsupport {

class TestCluster final {
public:
    struct Host {
        QString address; // what the hostfile names it by
        QString netns; // its network namespace
        QString name; // its hostname: what MPI_Get_processor_name, and so ParLab's spans, say
    };

    explicit TestCluster(int hosts)
    {
        if (::geteuid() != 0) {
            m_error = QStringLiteral("the test cluster needs root to make network namespaces (running as uid %1)")
                          .arg(::geteuid());
            return;
        }
        if (ipCommand().isEmpty()) {
            m_error = QStringLiteral("the test cluster needs iproute2's ip, which was not found");
            return;
        }
        if (!m_dir.isValid()) {
            m_error = QStringLiteral("no temporary folder: %1").arg(m_dir.errorString());
            return;
        }
        if (const QString failed = runScript({ QStringLiteral("up"), m_dir.path(), QString::number(hosts),
                QString::number(QCoreApplication::applicationPid()) });
            !failed.isEmpty()) {
            m_error = QStringLiteral("the test cluster could not be made: %1").arg(failed);
            return;
        }
        m_mpirunArgs = QString::fromUtf8(read(QStringLiteral("mpirun-args"))).trimmed();
        for (const QByteArray& line : read(QStringLiteral("hosts")).split('\n')) {
            const QList<QByteArray> f = line.split(' ');
            if (f.size() == 3)
                m_hosts.append({ QString::fromUtf8(f[0]), QString::fromUtf8(f[1]), QString::fromUtf8(f[2]) });
        }
        if (m_hosts.size() != hosts || m_mpirunArgs.isEmpty())
            m_error = QStringLiteral("the test cluster's script made %1 of %2 hosts").arg(m_hosts.size()).arg(hosts);
    }

    ~TestCluster()
    {
        if (m_dir.isValid() && QFile::exists(m_dir.filePath(QStringLiteral("state"))))
            runScript({ QStringLiteral("down"), m_dir.path() });
    }

    TestCluster(const TestCluster&) = delete;
    TestCluster& operator=(const TestCluster&) = delete;

    bool isUp() const { return m_error.isEmpty(); }
    QString whyNot() const { return m_error; }

    const QList<Host>& hosts() const { return m_hosts; }
    // An OpenMPI hostfile naming every host by address, one slot each.
    QString hostfile() const { return m_dir.filePath(QStringLiteral("hostfile")); }
    // What mpirun needs to reach the hosts (the agent, TCP on the cluster's subnet only): parlab's --mpirun-args.
    QString mpirunArgs() const { return m_mpirunArgs; }

    // Every live process on `host`, found by the network namespace it runs in.
    static QList<qint64> processesOn(const Host& host)
    {
        QList<qint64> found;
        struct stat ns { };
        if (::stat(qPrintable(QStringLiteral("/run/netns/") + host.netns), &ns) != 0)
            return found;
        const QByteArray link = "net:[" + QByteArray::number(qulonglong(ns.st_ino)) + ']';
        for (const parlab::procfs::ProcessStat& s : parlab::procfs::processes()) {
            char target[64] = {};
            const QByteArray path = "/proc/" + QByteArray::number(s.pid) + "/ns/net";
            if (!s.gone() && ::readlink(path.constData(), target, sizeof target - 1) > 0 && link == target)
                found.append(s.pid);
        }
        return found;
    }

    // Every live process on any host.
    QList<qint64> processes() const
    {
        QList<qint64> found;
        for (const Host& h : m_hosts)
            found += processesOn(h);
        return found;
    }

    // The processes on `host` running `program` (the basename of their executable).
    static QList<qint64> processesOn(const Host& host, const QString& program)
    {
        QList<qint64> found;
        for (qint64 pid : processesOn(host)) {
            if (QFileInfo(QFile::symLinkTarget(QStringLiteral("/proc/%1/exe").arg(pid))).fileName() == program)
                found.append(pid);
        }
        return found;
    }

    // Waits up to `timeoutMs` for every process on the hosts to end; returns those still there.
    QList<qint64> processesLeftAfter(int timeoutMs) const
    {
        QElapsedTimer timer;
        timer.start();
        QList<qint64> left = processes();
        while (!left.isEmpty() && timer.elapsed() < timeoutMs) {
            QThread::msleep(20);
            left = processes();
        }
        return left;
    }

    static QString script() { return QStringLiteral(PARLAB_SOURCE_DIR "/tests/cluster/netns-cluster.sh"); }

private:
    static QString ipCommand()
    {
        return QStandardPaths::findExecutable(QStringLiteral("ip"),
            QString::fromLocal8Bit(qgetenv("PATH")).split(QLatin1Char(':'))
                + QStringList { QStringLiteral("/usr/sbin"), QStringLiteral("/sbin") });
    }

    // Runs the cluster script; "" when it succeeded, else what it said.
    static QString runScript(const QStringList& arguments)
    {
        QProcess p;
        p.start(script(), arguments);
        if (!p.waitForFinished(60'000)) {
            p.kill();
            p.waitForFinished();
            return QStringLiteral("%1 %2 did not finish within a minute").arg(script(), arguments.join(u' '));
        }
        const QString err
            = QString::fromUtf8(p.readAllStandardError()).trimmed().replace(QLatin1Char('\n'), QStringLiteral("; "));
        if (p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0)
            return err.isEmpty() ? QStringLiteral("%1 %2 failed").arg(script(), arguments.value(0)) : err;
        return {};
    }

    QByteArray read(const QString& name) const
    {
        QFile f(m_dir.filePath(name));
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }

    QTemporaryDir m_dir;
    QString m_error;
    QList<Host> m_hosts;
    QString m_mpirunArgs;
};

} // namespace testsupport
