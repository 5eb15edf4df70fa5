#include "workerprotocol.h"

#include <QList>

namespace parlab {

namespace {
QString oneLine(QString text)
{
    text.replace(QLatin1Char('\n'), QStringLiteral(" | "));
    text.remove(QLatin1Char('\r'));
    return text;
}

template<typename T> bool number(const QByteArray& field, T& out, int base = 10)
{
    bool ok = false;
    if constexpr (std::is_same_v<T, quint64>)
        out = field.toULongLong(&ok, base);
    else if constexpr (std::is_same_v<T, int>)
        out = field.toInt(&ok, base);
    else
        out = field.toLongLong(&ok, base);
    return ok;
}
} // namespace

QByteArray WorkerProtocol::task(int index, qint64 input)
{
    return "T " + QByteArray::number(index) + ' ' + QByteArray::number(input) + '\n';
}

std::optional<std::pair<int, qint64>> WorkerProtocol::parseTask(const QByteArray& line)
{
    const QList<QByteArray> f = line.trimmed().split(' ');
    int index = 0;
    qint64 input = 0;
    if (f.size() != 3 || f[0] != "T" || !number(f[1], index) || !number(f[2], input) || index < 0)
        return std::nullopt;
    return std::pair { index, input };
}

QByteArray WorkerProtocol::usageRequest()
{
    return "U\n";
}

bool WorkerProtocol::isUsageRequest(const QByteArray& line)
{
    return line.trimmed() == "U";
}

QByteArray WorkerProtocol::usage(
    qint64 peakRssBytes, qint64 voluntarySwitches, qint64 involuntarySwitches, qint64 programPeakRssBytes)
{
    return "M " + QByteArray::number(peakRssBytes) + ' ' + QByteArray::number(voluntarySwitches) + ' '
        + QByteArray::number(involuntarySwitches) + ' ' + QByteArray::number(programPeakRssBytes) + '\n';
}

QByteArray WorkerProtocol::ready(qint64 pid, const QString& host)
{
    return "R " + QByteArray::number(pid) + ' ' + (host.isEmpty() ? QByteArray("-") : host.toUtf8()) + '\n';
}

QByteArray WorkerProtocol::ready(qint64 pid, const QString& host, qint64 clockOffsetNs, qint64 clockUncertaintyNs)
{
    QByteArray line = ready(pid, host);
    line.chop(1);
    return line + ' ' + QByteArray::number(clockOffsetNs) + ' ' + QByteArray::number(clockUncertaintyNs) + '\n';
}

QByteArray WorkerProtocol::go()
{
    return "G\n";
}

QByteArray WorkerProtocol::clockProbe()
{
    return "C\n";
}

QByteArray WorkerProtocol::clockReply(qint64 nowNs, const QByteArray& bootId)
{
    return "K " + QByteArray::number(nowNs) + ' ' + (bootId.isEmpty() ? QByteArray("-") : bootId) + '\n';
}

QByteArray WorkerProtocol::batchEnd()
{
    return "B\n";
}

std::optional<WorkerProtocol::Command> WorkerProtocol::parseCommand(const QByteArray& line)
{
    const QByteArray trimmed = line.trimmed();
    if (trimmed == "G")
        return Command { .kind = Command::Kind::Go };
    if (trimmed == "C")
        return Command { .kind = Command::Kind::ClockProbe };
    if (const auto task = parseTask(trimmed))
        return Command { .kind = Command::Kind::Task, .index = task->first, .input = task->second };
    return std::nullopt;
}

QByteArray WorkerProtocol::done(
    int index, quint64 checksum, qint64 startNs, qint64 endNs, qint64 cpuNs, qint64 waitNs, int worker, int cpu)
{
    return "D " + QByteArray::number(index) + ' ' + QByteArray::number(checksum, 16) + ' ' + QByteArray::number(startNs)
        + ' ' + QByteArray::number(endNs) + ' ' + QByteArray::number(cpuNs) + ' ' + QByteArray::number(waitNs) + ' '
        + QByteArray::number(worker) + ' ' + QByteArray::number(cpu) + '\n';
}

QByteArray WorkerProtocol::failed(int index, const QString& message)
{
    return "F " + QByteArray::number(index) + ' ' + oneLine(message).toUtf8() + '\n';
}

QByteArray WorkerProtocol::fatal(const QString& message)
{
    return "E " + oneLine(message).toUtf8() + '\n';
}

QString WorkerProtocol::quote(const QByteArray& bytes)
{
    QString out;
    for (qsizetype i = 0; i < std::min<qsizetype>(bytes.size(), 80); ++i) {
        const auto c = uchar(bytes[i]);
        if (c >= 0x20 && c < 0x7f)
            out += QLatin1Char(char(c));
        else
            out += QStringLiteral("\\x%1").arg(c, 2, 16, QLatin1Char('0'));
    }
    if (bytes.size() > 80)
        out += QStringLiteral("…");
    return QLatin1Char('"') + out + QLatin1Char('"');
}

Result<WorkerProtocol::Message> WorkerProtocol::parse(const QByteArray& line)
{
    auto bad = [&](const char* what) { return fail(QStringLiteral("%1: %2").arg(QLatin1String(what), quote(line))); };
    if (line == "B") {
        Message end;
        end.kind = Message::Kind::BatchEnd;
        return end;
    }
    if (line.size() < 2 || line[1] != ' ')
        return bad("not a worker message");
    Message m;
    const QByteArray rest = line.mid(2);
    switch (line[0]) {
    case 'R': {
        const QList<QByteArray> f = rest.split(' ');
        m.kind = Message::Kind::Ready;
        if ((f.size() != 2 && f.size() != 4) || !number(f[0], m.pid)
            || (f.size() == 4
                && (!number(f[2], m.clockOffsetNs) || !number(f[3], m.clockUncertaintyNs) || m.clockUncertaintyNs < 0)))
            return bad("malformed ready line");
        m.host = QString::fromUtf8(f[1]);
        return m;
    }
    case 'K': {
        const QList<QByteArray> f = rest.split(' ');
        m.kind = Message::Kind::Clock;
        if (f.size() != 2 || !number(f[0], m.nowNs) || f[1].isEmpty())
            return bad("malformed clock line");
        m.bootId = f[1];
        return m;
    }
    case 'D': {
        const QList<QByteArray> f = rest.split(' ');
        m.kind = Message::Kind::Done;
        if ((f.size() != 7 && f.size() != 8) || !number(f[0], m.index) || !number(f[1], m.checksum, 16)
            || !number(f[2], m.startNs) || !number(f[3], m.endNs) || !number(f[4], m.cpuNs) || !number(f[5], m.waitNs)
            || !number(f[6], m.worker) || (f.size() == 8 && !number(f[7], m.cpu)) || m.index < 0 || m.cpuNs < -1
            || m.waitNs < -1 || m.cpu < -1)
            return bad("malformed result line");
        return m;
    }
    case 'M': {
        const QList<QByteArray> f = rest.split(' ');
        m.kind = Message::Kind::Usage;
        if (f.size() != 4 || !number(f[0], m.peakRssBytes) || !number(f[1], m.voluntarySwitches)
            || !number(f[2], m.involuntarySwitches) || !number(f[3], m.programPeakRssBytes) || m.peakRssBytes < -1
            || m.voluntarySwitches < -1 || m.involuntarySwitches < -1 || m.programPeakRssBytes < -1)
            return bad("malformed usage line");
        return m;
    }
    case 'F': {
        const qsizetype space = rest.indexOf(' ');
        m.kind = Message::Kind::Failed;
        if (space < 0 || !number(rest.left(space), m.index))
            return bad("malformed failure line");
        m.message = QString::fromUtf8(rest.mid(space + 1));
        return m;
    }
    case 'E':
        m.kind = Message::Kind::Fatal;
        m.message = QString::fromUtf8(rest);
        return m;
    default:
        return bad("not a worker message");
    }
}

} // namespace parlab
