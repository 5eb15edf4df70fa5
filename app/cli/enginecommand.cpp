#include "enginecommand.h"

#include "cliutil.h"
#include "crashreport.h"
#include "engineprotocol.h"
#include "measurement.h"
#include "processguard.h"
#include "runner.h"
#include "runresult.h"

#include <QCoreApplication>
#include <QSocketNotifier>
#include <QThread>
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
    // A user's code that crashes here ends the engine with a line on stderr naming the input it ran, which the
    // parent quotes (EngineRun).
    installCrashReport("parlab engine");

    const QByteArray specLine = readSpecLine();
    if (specLine.isEmpty())
        orphaned();
    const Result<ExperimentSpec> spec = EngineProtocol::readSpec(specLine);
    if (!spec) {
        RunResult refused;
        refused.error = QStringLiteral("the engine process could not read its spec: %1").arg(spec.error());
        send(stream, EngineProtocol::failed(refused.error) + EngineProtocol::finished(refused));
        return ExitUsage;
    }

    // --task-timeout on the threads here too: a user's call that never returns ends the engine, as a worker process
    // past the limit is ended (the backends' own watch can only ask a task to stop, which user code never hears).
    watchTaskTimeouts(spec->options.taskTimeoutS);

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

    // The runner's signals are written from its own thread as they are emitted, before its next step: a crash of
    // the user's code a moment later cannot take with it what landed before (a queued hop to this thread could).
    QThread thread;
    thread.setObjectName(QStringLiteral("runner"));
    auto* runner = new Runner;
    runner->setIsolation(Runner::Isolation::InProcess); // this is the engine: the run is here
    runner->moveToThread(&thread);
    const auto direct = Qt::DirectConnection;
    QObject::connect(
        runner, &Runner::started, runner, [stream](int planned) { send(stream, EngineProtocol::started(planned)); },
        direct);
    QObject::connect(
        runner, &Runner::progress, runner,
        [stream](int done, int total, double eta, const QString& current) {
            send(stream, EngineProtocol::progress(done, total, eta, current));
        },
        direct);
    // The measurement whose repeat landed, sent with the result that follows it at once.
    QString landed;
    QObject::connect(
        runner, &Runner::measurementReady, runner, [&landed](const Measurement& m) { landed = m.label(); }, direct);
    QObject::connect(
        runner, &Runner::resultChanged, runner,
        [stream, &landed](const RunResult& result) {
            for (qsizetype i = 0; i < result.measurements.size(); ++i) {
                if (result.measurements.at(i).label() == landed) {
                    send(stream, EngineProtocol::measurement(i, result));
                    break; // labels are unique
                }
            }
        },
        direct);
    QObject::connect(
        runner, &Runner::failed, runner,
        [stream](const QString& error) { send(stream, EngineProtocol::failed(error)); }, direct);
    int code = ExitOk;
    QObject::connect(
        runner, &Runner::finished, runner,
        [stream, &code](const RunResult& result) {
            send(stream, EngineProtocol::finished(result));
            code = result.succeeded() ? ExitOk : ExitRunFailed;
            QMetaObject::invokeMethod(QCoreApplication::instance(), &QCoreApplication::quit, Qt::QueuedConnection);
        },
        direct);
    // A spec the runner refuses (it checks it as it starts) fails the run with the reason, like any other failure.
    QMetaObject::invokeMethod(
        runner, [runner, spec = *spec] { runner->start(spec); }, Qt::QueuedConnection);
    thread.start();
    QCoreApplication::exec();
    thread.quit();
    thread.wait();
    delete runner;
    return code;
}

} // namespace parlab::cli
