#pragma once

#include <QString>

namespace parlab::cli {

// A one-line progress bar with ETA on stderr, redrawn in place; silent when stderr is not a terminal.
class TerminalProgress final {
public:
    TerminalProgress();
    void update(int done, int total, double etaS, const QString& current);
    void clear();
    bool enabled() const { return m_enabled; }

private:
    bool m_enabled = false;
    bool m_drawn = false;
};

} // namespace parlab::cli
