#include "enginecommand.h"

#include "cliutil.h"
#include "engineprotocol.h"
#include "processguard.h"
#include "runner.h"
#include "runresult.h"
#include "runsession.h"

#include <QCoreApplication>
#include <QSocketNotifier>
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <unistd.h>

namespace parlab::cli {

namespace {
// The parent is gone (its end of a pipe closed): nobody waits for this run, and nothing it started may outlive it.
[[noreturn]] void orphaned()
{
    ProcessGuard::endDescendants();
    ::_exit(ExitCancelled);
}

// Writes all of `data` to the stream, blocking: the parent reads as it goes.
void send(int fd, const QByteArray& data)
{
    for (qsizetype done = 0; done < data.size();) {
        const ssize_t n = ::write(fd, data.constData() + done, size_t(data.size() - done));
        if (n >= 0)
            done += n;
        else if (errno != EINTR)
            orphaned();
    }
}

// The spec's line, read before anything runs; empty when the parent closed stdin first.
QByteArray readSpecLine()
{
    QByteArray line;
    char buffer[4096];
    while (!line.contains('\n')) {
        const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
        if (n > 0)
            line.append(buffer, n);
        else if (n == 0 || errno != EINTR)
            return {};
    }
    return line.left(line.indexOf('\n'));
}
} // namespace

int engineCommand(const QStringList& arguments)
{
    if (!arguments.isEmpty())
        return usageError(QStringLiteral("engine"),
            QStringLiteral("takes no arguments: ParLab starts it and hands it the spec on stdin"));
    // The stream gets a descriptor of its own, and stdout becomes stderr: what a user's code prints cannot break a
    // line of the stream, and still shows.
    const int stream = ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
    if (stream < 0 || ::dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
        printErr(QStringLiteral("parlab engine: error: cannot set up its output\n"));
        return ExitRunFailed;
    }
    // A write to a parent that is gone fails with EPIPE, and the engine ends its run's processes before it goes.
    ::signal(SIGPIPE, SIG_IGN);

    const QByteArray specLine = readSpecLine();
    if (specLine.isEmpty())
        orphaned();
    RunResult refused;
    const Result<ExperimentSpec> spec = EngineProtocol::readSpec(specLine);
    if (!spec) {
        refused.error = QStringLiteral("the engine process could not read its spec: %1").arg(spec.error());
        send(stream, EngineProtocol::failed(refused.error) + EngineProtocol::finished(refused));
        return ExitUsage;
    }

    // The end of stdin: the parent died (or ended the run); the run ends with it, at once.
    QSocketNotifier parent(STDIN_FILENO, QSocketNotifier::Read);
    QObject::connect(&parent, &QSocketNotifier::activated, &parent, [] {
        char buffer[256];
        ssize_t n = 0;
        do {
            n = ::read(STDIN_FILENO, buffer, sizeof buffer);
        } while (n < 0 && errno == EINTR);
        if (n <= 0)
            orphaned();
    });

    RunSession session;
    session.setIsolation(Runner::Isolation::InProcess); // this is the engine: the run is here
    QString landed; // the measurement whose repeat landed, sent with the result that follows it at once
    QObject::connect(&session, &RunSession::started, &session,
        [stream](int planned) { send(stream, EngineProtocol::started(planned)); });
    QObject::connect(
        &session, &RunSession::progress, &session, [stream](int done, int total, double eta, const QString& current) {
            send(stream, EngineProtocol::progress(done, total, eta, current));
        });
    QObject::connect(
        &session, &RunSession::measurementReady, &session, [&landed](const Measurement& m) { landed = m.label(); });
    QObject::connect(&session, &RunSession::resultChanged, &session, [stream, &landed](const RunResult& result) {
        for (qsizetype i = 0; i < result.measurements.size(); ++i) {
            if (result.measurements.at(i).label() == landed)
                send(stream, EngineProtocol::measurement(i, result));
        }
    });
    QObject::connect(&session, &RunSession::failed, &session,
        [stream](const QString& error) { send(stream, EngineProtocol::failed(error)); });
    int code = ExitOk;
    QObject::connect(&session, &RunSession::finished, &session, [stream, &code](const RunResult& result) {
        send(stream, EngineProtocol::finished(result));
        code = result.succeeded() ? ExitOk : ExitRunFailed;
        QCoreApplication::quit();
    });
    if (const Result<void> started = session.start(*spec); !started) {
        refused.spec = *spec;
        refused.error = started.error();
        send(stream, EngineProtocol::failed(refused.error) + EngineProtocol::finished(refused));
        return ExitUsage;
    }
    QCoreApplication::exec();
    return code;
}

} // namespace parlab::cli
