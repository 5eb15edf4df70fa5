// Built in the tsan preset only: proves that its options and tests/tsan.supp still let ThreadSanitizer report a race
// in ParLab's kind of code, one across Qt's queued hand-over. A thread posts a call to the main thread that reads a
// value, then goes on writing that value until the read is done: the read and the writes are ordered by nothing. Qt's
// own code is not instrumented (ignore_noninstrumented_modules) and its hand-overs are suppressed by name, so a
// suppression or an option that hid this would hide ParLab's races too. The test passes when TSan's report is printed.

#include <QCoreApplication>
#include <QObject>
#include <QThread>
#include <atomic>
#include <cstdio>

namespace {
int shared = 0; // what the two threads race on
// Ends the writing once the main thread has read. Relaxed: it orders nothing, so TSan sees no order either.
std::atomic<bool> readDone { false };
} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    QThread worker;
    worker.start();
    QObject inWorker;
    inWorker.moveToThread(&worker);
    QObject inMain;
    QMetaObject::invokeMethod(
        &inWorker,
        [&] {
            QMetaObject::invokeMethod(
                &inMain,
                [&] {
                    std::printf("read %d\n", shared);
                    readDone.store(true, std::memory_order_relaxed);
                    app.quit();
                },
                Qt::QueuedConnection);
            while (!readDone.load(std::memory_order_relaxed))
                shared = shared + 1; // a plain int written while the main thread reads it
        },
        Qt::QueuedConnection);
    const int code = app.exec();
    worker.quit();
    worker.wait();
    return code;
}
