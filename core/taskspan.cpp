#include "taskspan.h"

namespace parlab {

QString lockStateName(LockState state)
{
    switch (state) {
    case LockState::Running:
        return QStringLiteral("running");
    case LockState::Waiting:
        return QStringLiteral("waiting");
    case LockState::Released:
        return QStringLiteral("released");
    }
    return {};
}

QList<StateSpan> coarsened(const QList<StateSpan>& spans)
{
    QList<StateSpan> merged;
    merged.reserve(spans.size() / 2 + 1);
    auto push = [&merged](const StateSpan& span) {
        if (!merged.isEmpty() && merged.last().state == span.state)
            merged.last().endNs = span.endNs;
        else
            merged.append(span);
    };
    qsizetype i = 0;
    for (; i + 1 < spans.size(); i += 2) {
        const StateSpan& a = spans[i];
        const StateSpan& b = spans[i + 1];
        const LockState state = a.endNs - a.startNs >= b.endNs - b.startNs ? a.state : b.state;
        push({ a.worker, state, a.startNs, b.endNs });
    }
    if (i < spans.size())
        push(spans[i]);
    return merged;
}

} // namespace parlab
