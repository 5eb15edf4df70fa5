#pragma once

// What several test binaries need: running the real parlab executable, running one backend batch on a
// thread of its own, finding the child processes a test must prove are gone, and hand-made measurements
// for the exports, models and charts.

#include "backends/backend.h"
#include "backends/backendregistry.h"
#include "context.h"
#include "measurement.h"
#include "procfs.h"
#include "runoptions.h"
#include "runresult.h"
#include "taskspan.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonObject>
#include <QMap>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <functional>
#include <memory>
#include <thread>
#include <unistd.h>

namespace testsupport {

// How one backend batch ended.
struct Outcome {
    bool threw = false;
    bool cancelled = false;
    QString message;
    qint64 ms = 0;
};

// Runs one batch on another thread (as the runner does), while `meanwhile` runs on this one.
inline Outcome execute(parlab::Backend& backend, const parlab::Kernel& kernel, const QList<qint64>& inputs, int workers,
    parlab::RunControl& control, QList<parlab::TaskSpan>& spans, const std::function<void()>& meanwhile = {})
{
    Outcome outcome;
    std::thread runner([&] {
        QElapsedTimer timer;
        timer.start();
        try {
            backend.execute(kernel, inputs, workers, control, spans);
        } catch (const parlab::BackendError& e) {
            outcome.threw = true;
            outcome.message = e.message();
        } catch (const parlab::Cancelled&) {
            outcome.cancelled = true;
        }
        outcome.ms = timer.elapsed();
    });
    if (meanwhile)
        meanwhile();
    runner.join();
    return outcome;
}

// Options as a file writes them ({"chunksize": 3}), read through the one codec, so the keys are checked too.
inline parlab::RunOptions runOptions(const QJsonObject& json)
{
    auto options = parlab::RunOptions::fromJson(json, QStringLiteral("test options"));
    if (!options)
        qFatal("%s", qPrintable(options.error()));
    return *options;
}

// The backend `id`, configured with `options` as the runner would.
inline std::unique_ptr<parlab::Backend> backend(const QString& id, const parlab::RunOptions& options = {})
{
    auto b = parlab::BackendRegistry::create(id);
    b->configure(options);
    return b;
}

struct Result {
    int code = -1; // -1 when it crashed or timed out
    QString out;
    QString err;
    qint64 ms = 0;
};

// Runs `parlab ARGUMENTS` to the end (or kills it after timeoutMs) and collects what it printed.
inline Result runParlab(const QStringList& arguments, int timeoutMs = 60'000)
{
    QProcess process;
    QElapsedTimer timer;
    timer.start();
    process.start(QStringLiteral(PARLAB_EXECUTABLE), arguments);
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        return { -1, QString::fromUtf8(process.readAllStandardOutput()), QStringLiteral("timed out"), timer.elapsed() };
    }
    return { process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
        QString::fromUtf8(process.readAllStandardOutput()), QString::fromUtf8(process.readAllStandardError()),
        timer.elapsed() };
}

// Every live (not zombie) process descended from `parent`, read from /proc.
inline QList<qint64> descendants(qint64 parent = ::getpid())
{
    return parlab::procfs::descendants(parent);
}

// Every live (not zombie) process whose environment holds exactly `entry` ("NAME=value"), wherever it was
// reparented to: how a test finds the processes of its own run, and only those.
inline QList<qint64> processesCarrying(const QByteArray& entry)
{
    QList<qint64> found;
    for (const parlab::procfs::ProcessStat& s : parlab::procfs::processes()) {
        if (s.pid != ::getpid() && !s.gone() && parlab::procfs::carries(parlab::procfs::environment(s.pid), entry))
            found.append(s.pid);
    }
    return found;
}

// Successful repeats across every measurement of a run.
inline int totalSamples(const parlab::RunResult& result)
{
    int n = 0;
    for (const parlab::Measurement& m : result.measurements)
        n += int(m.samplesS.size());
    return n;
}

// A measurement with the given wall-time samples, CPU time = wall x workers (all of them busy).
inline parlab::Measurement measurement(
    const QString& backend, int workers, const QList<double>& samples, quint64 checksum = 0)
{
    parlab::Measurement m;
    m.backend = backend;
    m.workers = workers;
    m.samplesS = samples;
    for (double s : samples)
        m.cpuS.append(s * workers);
    m.checksum = checksum;
    return m;
}

// Gives every repeat of `m` an account of where its workers x wall time went: the given seconds of start-up,
// dispatch, idle tail and runnable-without-a-core inside tasks, the rest of it on the CPU in tasks. A baseline
// accounted with zeros ran its tasks on the CPU all its wall time.
inline void account(parlab::Measurement& m, double startupS, double dispatchS, double tailS, double waitS)
{
    m.accounts.clear();
    for (double wallS : std::as_const(m.samplesS)) {
        parlab::RepeatAccount a;
        a.startupS = startupS;
        a.dispatchS = dispatchS;
        a.tailS = tailS;
        a.taskS = double(m.workers) * wallS - startupS - dispatchS - tailS;
        a.taskWaitS = waitS;
        a.taskCpuS = a.taskS - waitS;
        m.accounts.append(a);
    }
}

} // namespace testsupport
