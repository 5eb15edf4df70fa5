#include "taskspan.h"

#include <algorithm>
#include <array>
#include <utility>

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

StateRecord::StateRecord(int maxSpans)
    : m_maxSpans(std::max(2, maxSpans))
{ }

void StateRecord::append(const StateSpan& span)
{
    if (span.endNs <= span.startNs)
        return;
    if (m_open && m_open->state == span.state) {
        m_open->endNs = span.endNs;
        return;
    }
    if (m_open)
        addToBins(*m_open);
    m_open = span;
}

void StateRecord::addToBins(const StateSpan& span)
{
    if (m_bins.isEmpty() || m_bins.last().count >= m_binSize) {
        if (m_bins.size() >= m_maxSpans) {
            QList<Bin> merged;
            merged.reserve(m_bins.size() / 2 + 1);
            for (qsizetype i = 0; i < m_bins.size(); i += 2) {
                Bin bin = m_bins[i];
                if (i + 1 < m_bins.size()) {
                    const Bin& next = m_bins[i + 1];
                    bin.endNs = next.endNs;
                    for (size_t s = 0; s < bin.filled.size(); ++s)
                        bin.filled[s] += next.filled[s];
                    bin.count += next.count;
                }
                merged.append(bin);
            }
            m_bins = std::move(merged);
            m_binSize *= 2;
        }
        if (m_bins.isEmpty() || m_bins.last().count >= m_binSize)
            m_bins.append({ span.worker, span.startNs, span.startNs, {}, 0 });
    }
    Bin& bin = m_bins.last();
    bin.endNs = span.endNs;
    bin.filled[size_t(span.state)] += span.endNs - span.startNs;
    ++bin.count;
}

QList<StateSpan> StateRecord::take()
{
    if (m_open)
        addToBins(*m_open);
    m_open.reset();
    QList<StateSpan> spans;
    std::array<qint64, 3> owed {}; // by state: the time it filled so far minus the time the record gave it
    for (const Bin& bin : std::as_const(m_bins)) {
        std::optional<size_t> state;
        for (size_t s = 0; s < owed.size(); ++s) {
            owed[s] += bin.filled[s];
            if (bin.filled[s] > 0 && (!state || owed[s] > owed[*state]))
                state = s;
        }
        if (!state)
            continue;
        owed[*state] -= bin.endNs - bin.startNs;
        if (!spans.isEmpty() && size_t(spans.last().state) == *state)
            spans.last().endNs = bin.endNs;
        else
            spans.append({ bin.worker, LockState(*state), bin.startNs, bin.endNs });
    }
    m_bins.clear();
    m_binSize = 1;
    return spans;
}

} // namespace parlab
