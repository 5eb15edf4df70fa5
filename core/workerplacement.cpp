#include "workerplacement.h"

#include "backends/backendregistry.h"
#include "measurement.h"
#include "optiondescriptor.h"
#include "runoptions.h"

#include <QMap>
#include <QSet>
#include <QStringList>
#include <QSysInfo>
#include <algorithm>

namespace parlab {

WorkerPlacement::PinnedBy WorkerPlacement::pinnedBy(const RunOptions& options, const QString& backend)
{
    const QList<Option> reads = BackendRegistry::factsOf(backend).options;
    if (reads.contains(Option::BaselineCore) && options.baselineCore == BaselineCore::Fastest)
        return PinnedBy::FastestCore;
    if (reads.contains(Option::Pin) && options.pin != Pinning::None)
        return PinnedBy::Pin;
    return PinnedBy::Nothing;
}

QList<int> WorkerPlacement::cpus(
    const RunOptions& options, const QString& backend, int workers, const Topology& topology, int fastestCpu)
{
    switch (pinnedBy(options, backend)) {
    case PinnedBy::Nothing:
        return {};
    case PinnedBy::FastestCore:
        return { fastestCpu };
    case PinnedBy::Pin:
        return topology.placement(options.pin, BackendRegistry::usesWorkers(backend) ? workers : 1);
    }
    return {};
}

int WorkerPlacement::servingCpu(const QString& backend, const QList<int>& cpus)
{
    return BackendRegistry::factsOf(backend).servesInCaller && !cpus.isEmpty() ? cpus.constFirst() : -1;
}

void WorkerPlacement::locateCores(QList<TaskSpan>& spans, const Topology& topology)
{
    const QString here = QSysInfo::machineHostName();
    QMap<int, int> coreOf;
    for (const Topology::Unit& unit : topology.units)
        coreOf.insert(unit.cpu, unit.core);
    for (TaskSpan& span : spans) {
        if (span.cpu >= 0 && (span.host.isEmpty() || span.host == here))
            span.core = coreOf.value(span.cpu, -1);
    }
}

QList<WorkerPlacement::Worker> WorkerPlacement::workers(const QList<TaskSpan>& spans)
{
    QMap<int, Worker> byWorker;
    for (const TaskSpan& span : spans) {
        if (span.cpu < 0)
            continue;
        Worker& w = byWorker[span.worker];
        w.worker = span.worker;
        w.host = span.host == QSysInfo::machineHostName() ? QString() : span.host;
        if (!w.cpus.contains(span.cpu)) {
            // In number order, each CPU's core beside it.
            const auto at = std::lower_bound(w.cpus.begin(), w.cpus.end(), span.cpu);
            const qsizetype i = at - w.cpus.begin();
            w.cpus.insert(i, span.cpu);
            w.cores.insert(i, span.core);
        }
    }
    return byWorker.values();
}

QString WorkerPlacement::cpusText(const QList<int>& cpus, const QList<int>& cores)
{
    auto list = [](const QList<int>& numbers) {
        QStringList texts;
        for (int n : numbers)
            texts.append(QString::number(n));
        return texts.join(QStringLiteral(", "));
    };
    const bool one = cpus.size() == 1;
    QString text = QStringLiteral("%1 %2").arg(one ? QStringLiteral("CPU") : QStringLiteral("CPUs"), list(cpus));
    if (!cores.isEmpty() && std::all_of(cores.cbegin(), cores.cend(), [](int core) { return core >= 0; }))
        text += QStringLiteral(" (%1 %2)").arg(one ? QStringLiteral("core") : QStringLiteral("cores"), list(cores));
    return text;
}

QString WorkerPlacement::taskText(const TaskSpan& span)
{
    if (span.cpu < 0)
        return {};
    return QStringLiteral("ended on %1").arg(cpusText({ span.cpu }, { span.core }));
}

QString WorkerPlacement::note(const Measurement& m, const RunOptions& options)
{
    const QList<Worker> ran = workers(m.spans);
    if (ran.isEmpty())
        return {};
    const PinnedBy by = pinnedBy(options, m.backend);
    const QString how = by == PinnedBy::Pin ? QStringLiteral("pinned %1").arg(pinningName(options.pin))
        : by == PinnedBy::FastestCore       ? QStringLiteral("pinned to the fastest core (baseline_core fastest)")
                                            : QStringLiteral("not pinned");
    QSet<QString> hosts;
    for (const Worker& w : ran)
        hosts.insert(w.host);
    QStringList parts;
    QSet<QPair<QString, int>> cpusUsed, coresUsed;
    bool coresKnown = true;
    QStringList moved;
    for (const Worker& w : ran) {
        parts << QStringLiteral("worker %1 → %2%3")
                     .arg(w.worker)
                     .arg(cpusText(w.cpus, w.cores),
                         hosts.size() > 1
                             ? QStringLiteral(" on %1").arg(w.host.isEmpty() ? QStringLiteral("this host") : w.host)
                             : QString());
        for (qsizetype i = 0; i < w.cpus.size(); ++i) {
            cpusUsed.insert({ w.host, w.cpus[i] });
            coresUsed.insert({ w.host, w.cores[i] });
            coresKnown = coresKnown && w.cores[i] >= 0;
        }
        if (by != PinnedBy::Nothing && w.cpus.size() > 1)
            moved << QString::number(w.worker);
    }
    QString text = QStringLiteral("%1: %2: %3").arg(m.label(), how, parts.join(QStringLiteral(", ")));
    const auto workerCount = ran.size();
    if (by == PinnedBy::Nothing)
        return text;
    if (workerCount > cpusUsed.size())
        text += QStringLiteral("; %1 workers on %2 CPUs: past the last CPU the placement starts over, so workers "
                               "share CPUs")
                    .arg(workerCount)
                    .arg(cpusUsed.size());
    else if (coresKnown && workerCount > coresUsed.size())
        text += QStringLiteral("; %1 workers on %2 physical cores: some share a core's hardware threads")
                    .arg(workerCount)
                    .arg(coresUsed.size());
    if (!moved.isEmpty())
        text += QStringLiteral("; worker%1 %2 ran on more than one CPU: the pin did not hold")
                    .arg(moved.size() == 1 ? QString() : QStringLiteral("s"), moved.join(QStringLiteral(", ")));
    return text;
}

} // namespace parlab
