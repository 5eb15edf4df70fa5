#pragma once

#include <QObject>

class QSocketNotifier;

namespace parlab::cli {

// Turns SIGINT and SIGTERM into a Qt signal on the main thread (the self-pipe trick: the handler only
// writes one byte). After the first, the default disposition is back, so a second Ctrl+C ends at once.
class SignalWatcher final : public QObject {
    Q_OBJECT
public:
    explicit SignalWatcher(QObject* parent = nullptr);
    ~SignalWatcher() override;

Q_SIGNALS:
    void interrupted();

private:
    QSocketNotifier* m_notifier = nullptr;
};

} // namespace parlab::cli
