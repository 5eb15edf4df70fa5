#pragma once

#include <QString>
#include <QtGlobal>
#include <optional>

namespace parlab {

// Says which task a process was running when it died of a fatal signal in user code. installCrashReport() gives
// SIGSEGV, SIGBUS, SIGFPE, SIGILL and SIGABRT a handler that writes one line to stderr (write(2) only, so it is
// async-signal-safe) and then lets the signal kill the process as it would have without one, so a parent still
// reads "killed by signal 11". The line names the task the dying thread was running, from its CurrentTask:
//
//   parlab worker: SIGSEGV (segmentation fault) while running input 13 of lib:/x/crash.so:kernel
//
// The worker processes and the mpi ranks install it; so can any process that runs user code on its threads, whose
// parent reads the line back with CrashReport::find.
void installCrashReport(const char* who);

// Marks the calling thread as running `input` of `kernel` for as long as it lives (the kernel's own scope around
// its call into user code). `kernel` must outlive it. Also gives the thread an alternate signal stack, so that a
// stack overflow in user code is reported too.
class CurrentTask final {
public:
    CurrentTask(const char* kernel, qint64 input) noexcept;
    ~CurrentTask();
    CurrentTask(const CurrentTask&) = delete;
    CurrentTask& operator=(const CurrentTask&) = delete;

private:
    const char* m_previousKernel;
    qint64 m_previousInput;
};

// In a process that runs user code on its own threads (the engine): ends the process when a task (a CurrentTask)
// runs longer than `timeoutS`, which nothing else can stop halfway, after writing one line to stderr that
// findTaskTimeout reads back: "parlab engine: input 7 of lib:/x/hang.so:kernel ran longer than the task timeout of
// 2 s". Watches from a thread of its own, every 20 ms; a second call changes nothing.
void watchTaskTimeouts(double timeoutS);
// "input 7 of lib:/x/hang.so:kernel ran longer than the task timeout of 2 s", from the last such line in `text`.
std::optional<QString> findTaskTimeout(const QString& text);

// A crash report line read back from a process's stderr.
struct CrashReport {
    QString who; // what installCrashReport was given
    QString signal; // "SIGSEGV"
    std::optional<qint64> input; // none when no task was running
    QString kernel;
    QString text; // the line as the handler wrote it

    // The last report in `text` (a process's stderr, or a message that quotes it), if any.
    static std::optional<CrashReport> find(const QString& text);
    // "SIGSEGV while running input 13 of lib:/x/crash.so:kernel"
    QString describe() const;
};

} // namespace parlab
