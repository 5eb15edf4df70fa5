#pragma once

#include <QObject>
#include <QString>

class QSocketNotifier;

namespace parlab::cli {

class TerminalProgress;

// Turns SIGINT and SIGTERM into an orderly cancel on the main thread (the self-pipe trick: the handler only writes
// one byte), says so on stderr, and keeps the results: the run's children end and what was measured is printed,
// exported and stored. Signals that follow the first within kGraceMs are ignored, with a line on stderr, as one
// Ctrl+C often arrives twice (`timeout -s INT` signals the program and then its whole process group; a user presses
// again at once) and the wind-down they would cut short takes well under that. One after kGraceMs means the user
// insists: the handler itself ends the process as the signal would by default, even when the main thread is stuck
// (a pager that stopped reading); the parent-death signal and ProcessGuard's watchdog end the children then.
class SignalWatcher final : public QObject {
    Q_OBJECT
public:
    static constexpr int kGraceMs = 2000;

    // `cancelling`: what the notice says is being cancelled ("the run", "the sweep"). The progress bar is cleared
    // before the notice.
    SignalWatcher(const QString& cancelling, TerminalProgress& progress, QObject* parent = nullptr);
    // Gives SIGINT and SIGTERM their default back, unless a signal came: then the grace period still holds until the
    // process ends, so that a second signal after the results were written cannot turn exit code 130 into a death
    // by signal.
    ~SignalWatcher() override;

Q_SIGNALS:
    void interrupted(); // the first signal: cancel

private:
    QSocketNotifier* m_notifier = nullptr;
};

} // namespace parlab::cli
