// Fuzzes the worker protocol's parser (core/worker/workerprotocol): every line is a message or an error that
// quotes it; a message written back out by the protocol's own writer parses to the same message.

#include "fuzzdriver.h"
#include "worker/workerprotocol.h"

using namespace parlab;

namespace {
QByteArray line(const QByteArray& written)
{
    return written.endsWith('\n') ? written.chopped(1) : written;
}

// The text a failure or fatal message carries after a round trip: the writer keeps messages to one line.
QString oneLine(QString text)
{
    return text.replace(QLatin1Char('\n'), QStringLiteral(" | ")).remove(QLatin1Char('\r'));
}

QString hostOf(const QString& host)
{
    return host.isEmpty() ? QStringLiteral("-") : host; // the writer's word for no host
}
} // namespace

int main(int argc, char* argv[])
{
    using WorkerProtocol::Message;
    fuzz::Target target;
    target.name = "fuzz_workerprotocol";
    target.corpus = { line(WorkerProtocol::task(3, 38)), line(WorkerProtocol::ready(4242, QStringLiteral("node1"))),
        line(WorkerProtocol::ready(7, QString())),
        line(WorkerProtocol::done(5, 0xdeadbeefcafeULL, 1'000'000'000, 1'500'000'000, 480'000'000, 12'000'000, 1, 3)),
        line(WorkerProtocol::done(6, 0x1ULL, 1'000'000'000, 1'000'000'400, -1, -1, 0, -1)),
        line(WorkerProtocol::failed(2, QStringLiteral("fib: input 90 is above 50"))),
        line(WorkerProtocol::fatal(QStringLiteral("unknown kernel 'fob'"))),
        line(WorkerProtocol::ready(4243, QStringLiteral("node-b"), -1'500, 42'000)), line(WorkerProtocol::go()),
        line(WorkerProtocol::clockProbe()), line(WorkerProtocol::batchEnd()),
        line(WorkerProtocol::clockReply(123'456'789, "0f8e7d6c-5b4a-3928-1706-f5e4d3c2b1a0")),
        line(WorkerProtocol::usage(335'544'320, 12, 3, 209'715'200)), line(WorkerProtocol::usage(-1, -1, -1, -1)),
        line(WorkerProtocol::usageRequest()) };
    target.dictionary = { "T ", "R ", "D ", "F ", "E ", "G", "C", "B", "K ", "M ", "U", " ", "-", "0",
        "ffffffffffffffff", "\n", "\r", "\xff" };
    target.check = [](const QByteArray& bytes) -> QString {
        const QString quoted = WorkerProtocol::quote(bytes);
        if (quoted.size() > 2 + 80 * 4 + 1)
            return QStringLiteral("a quote of %1 characters").arg(quoted.size());
        if (const auto task = WorkerProtocol::parseTask(bytes)) {
            const auto again = WorkerProtocol::parseTask(line(WorkerProtocol::task(task->first, task->second)));
            if (!again || *again != *task)
                return QStringLiteral("a task line does not survive a round trip");
        }
        if (const auto command = WorkerProtocol::parseCommand(bytes)) {
            using Command = WorkerProtocol::Command;
            const QByteArray written = command->kind == Command::Kind::Go ? WorkerProtocol::go()
                : command->kind == Command::Kind::ClockProbe              ? WorkerProtocol::clockProbe()
                                                             : WorkerProtocol::task(command->index, command->input);
            const auto again = WorkerProtocol::parseCommand(line(written));
            if (!again || again->kind != command->kind || again->index != command->index
                || again->input != command->input)
                return QStringLiteral("a command line does not survive a round trip");
        }
        const Result<Message> m = WorkerProtocol::parse(bytes);
        if (!m)
            return m.error().isEmpty() ? QStringLiteral("a rejected line without an error") : QString();
        QByteArray written;
        switch (m->kind) {
        case Message::Kind::Ready:
            written = m->clockUncertaintyNs >= 0
                ? WorkerProtocol::ready(m->pid, m->host, m->clockOffsetNs, m->clockUncertaintyNs)
                : WorkerProtocol::ready(m->pid, m->host);
            break;
        case Message::Kind::BatchEnd:
            written = WorkerProtocol::batchEnd();
            break;
        case Message::Kind::Clock:
            written = WorkerProtocol::clockReply(m->nowNs, m->bootId);
            break;
        case Message::Kind::Done:
            written = WorkerProtocol::done(
                m->index, m->checksum, m->startNs, m->endNs, m->cpuNs, m->waitNs, m->worker, m->cpu);
            break;
        case Message::Kind::Failed:
            written = WorkerProtocol::failed(m->index, m->message);
            break;
        case Message::Kind::Fatal:
            written = WorkerProtocol::fatal(m->message);
            break;
        case Message::Kind::Usage:
            written = WorkerProtocol::usage(
                m->peakRssBytes, m->voluntarySwitches, m->involuntarySwitches, m->programPeakRssBytes);
            break;
        }
        const Result<Message> again = WorkerProtocol::parse(line(written));
        if (!again)
            return QStringLiteral("the writer's own line is rejected: %1").arg(again.error());
        const bool same = again->kind == m->kind && again->index == m->index && again->checksum == m->checksum
            && again->startNs == m->startNs && again->endNs == m->endNs && again->cpuNs == m->cpuNs
            && again->waitNs == m->waitNs && again->worker == m->worker && again->cpu == m->cpu && again->pid == m->pid
            && hostOf(again->host) == hostOf(m->host) && again->message == oneLine(m->message)
            && again->clockOffsetNs == m->clockOffsetNs && again->clockUncertaintyNs == m->clockUncertaintyNs
            && again->nowNs == m->nowNs && again->bootId == m->bootId && again->peakRssBytes == m->peakRssBytes
            && again->voluntarySwitches == m->voluntarySwitches && again->involuntarySwitches == m->involuntarySwitches
            && again->programPeakRssBytes == m->programPeakRssBytes;
        return same ? QString() : QStringLiteral("a message does not survive a round trip: %1").arg(quoted);
    };
    return fuzz::run(argc, argv, target);
}
