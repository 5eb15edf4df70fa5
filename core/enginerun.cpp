#include "enginerun.h"

#include "clock.h"
#include "crashreport.h"
#include "engineprotocol.h"
#include "installlayout.h"
#include "kernels/kernel.h"
#include "kernels/kernelregistry.h"
#include "runner.h"

#include <algorithm>
#include <cstring>
#include <poll.h>
#include <vector>

namespace parlab {

namespace {
// How long, after the engine died, its last words on stderr (a crash report) may take to arrive.
constexpr int kLastWordsMs = 200;
} // namespace

EngineRun::EngineRun(Runner& runner, RunControl& control, const ExperimentSpec& spec)
    : m_runner(runner)
    , m_control(control)
    , m_spec(spec)
    , m_plan(Runner::plan(spec))
{
    m_result.spec = spec;
    m_result.created = QDateTime::currentDateTime();
}

EngineRun::~EngineRun() = default;

void EngineRun::exec()
{
    const QString program = helperPath(Helper::Worker);
    if (const Result<void> started = m_engine.start(program, { QStringLiteral("engine") }); !started)
        return failRun(
            QStringLiteral("cannot start the engine process that runs %1: %2").arg(m_spec.kernel, started.error()));
    // stdin stays open: its end tells the engine that this process is gone.
    m_engine.write(EngineProtocol::specLine(m_spec));
    for (;;) {
        if (m_control.isCancelled())
            return cancelled();
        std::vector<pollfd> fds { { m_engine.stdoutFd(), POLLIN, 0 }, { m_engine.stderrFd(), POLLIN, 0 } };
        if (m_engine.wantsToWrite())
            fds.push_back({ m_engine.stdinFd(), POLLOUT, 0 });
        ::poll(fds.data(), fds.size(), ChildProcess::kPollMs);
        if (m_engine.wantsToWrite())
            m_engine.flushStdin();
        m_engine.readStderr();
        const bool open = m_engine.readStdout();
        QByteArray line;
        while (m_engine.takeLine(line)) {
            if (!handle(line))
                return;
        }
        if (!open)
            return engineEnded();
    }
}

bool EngineRun::handle(const QByteArray& line)
{
    const Result<EngineProtocol::Event> event = EngineProtocol::read(line);
    if (!event) {
        m_engine.stop();
        failRun(QStringLiteral("the engine process running %1 sent what is not its protocol (%2): %3")
                    .arg(m_spec.kernel, event.error(), QString::fromUtf8(line.left(200))));
        return false;
    }
    if (event->kind != EngineProtocol::Event::Kind::Finished) {
        take(*event);
        return true;
    }
    // The engine's end: the run as it ended there, analysed here.
    takeFacts(event->run);
    m_result.cancelled = event->run.cancelled;
    m_result.error = event->run.error;
    // A run that failed as it prepared had fewer measurements than its plan.
    if (event->measurements >= 0 && event->measurements < m_result.measurements.size())
        m_result.measurements.resize(event->measurements);
    m_engine.closeStdin();
    m_engine.waitForExit(ChildProcess::kExitWaitMs);
    m_engine.stop(); // at once when it has exited; either way, whatever it started is ended
    finish();
    return false;
}

void EngineRun::take(const EngineProtocol::Event& event)
{
    using Kind = EngineProtocol::Event::Kind;
    switch (event.kind) {
    case Kind::Started:
        m_started = true;
        // The runner's measurements, as its run prepares them: one per combination, in plan order.
        m_result.measurements.clear();
        for (const auto& [backend, workers] : m_plan) {
            Measurement m;
            m.backend = backend;
            m.workers = workers;
            m_result.measurements.append(m);
        }
        m_result.plannedRuns = event.plannedRuns;
        Q_EMIT m_runner.started(event.plannedRuns);
        return;
    case Kind::Progress:
        m_done = std::max(m_done, event.done);
        m_result.completedRuns = m_done;
        Q_EMIT m_runner.progress(event.done, event.total, event.etaS, event.current);
        return;
    case Kind::Measurement: {
        if (event.index < 0 || event.index >= m_result.measurements.size())
            return; // not one of the plan's: nothing to show it in
        takeFacts(event.run);
        m_result.measurements[event.index] = event.measurement;
        m_analysis.update(m_result, event.index);
        Q_EMIT m_runner.measurementReady(m_result.measurements.at(event.index));
        Q_EMIT m_runner.resultChanged(m_result);
        return;
    }
    case Kind::Failed:
        m_result.error = event.error;
        Q_EMIT m_runner.failed(event.error);
        return;
    case Kind::Finished:
        Q_UNREACHABLE();
    }
}

void EngineRun::takeFacts(const RunResult& run)
{
    m_result.environment = run.environment;
    m_result.created = run.created;
    m_result.runtimes = run.runtimes;
    m_result.referenceChecksum = run.referenceChecksum;
    m_result.bounds.taskCostsS = run.bounds.taskCostsS;
    m_result.plannedRuns = run.plannedRuns;
    m_done = std::max(m_done, run.completedRuns);
    m_result.completedRuns = m_done;
}

void EngineRun::cancelled()
{
    m_engine.stop(); // the engine's group, then whatever it started elsewhere
    // What landed before the cancel counts; the engine may even have finished meanwhile.
    while (m_engine.readStdout()) { }
    QByteArray line;
    while (m_engine.takeLine(line)) {
        if (!handle(line))
            return;
    }
    m_result.cancelled = true;
    finish();
}

void EngineRun::engineEnded()
{
    if (!m_engine.waitForExit(ChildProcess::kExitWaitMs))
        m_engine.stop(); // it closed its output but lives on: no run can come of it
    // Its last words (a crash report) may still be in the pipe behind the end of its output.
    const qint64 deadline = monotonicNs() + qint64(kLastWordsMs) * 1'000'000;
    while (m_engine.stderrFd() >= 0 && monotonicNs() < deadline) {
        pollfd fd { m_engine.stderrFd(), POLLIN, 0 };
        ::poll(&fd, 1, ChildProcess::kPollMs);
        m_engine.readStderr();
    }
    m_engine.stop(); // whatever it started that is still there
    failRun(deathMessage());
}

QString EngineRun::deathMessage() const
{
    const bool usersCode = KernelRegistry::isUserCode(m_spec.kernel);
    // The combination the engine was measuring: it runs them in plan order, round after round.
    const qsizetype combinations = m_result.measurements.size();
    const QString measuring = m_started && combinations > 0
        ? m_result.measurements.at(m_done % combinations).label() + QStringLiteral(": ")
        : QString();
    // The task its crash report names, if it wrote one before it died.
    const std::optional<CrashReport> report = CrashReport::find(m_engine.stderrTail());
    QString task = m_started ? QStringLiteral("while running %1").arg(m_spec.kernel)
                             : QStringLiteral("while preparing to run %1").arg(m_spec.kernel);
    if (report && report->input)
        task = QStringLiteral("while running input %1 of %2").arg(*report->input).arg(m_spec.kernel);
    const bool measured = std::any_of(m_result.measurements.cbegin(), m_result.measurements.cend(),
        [](const Measurement& m) { return !m.samplesS.isEmpty(); });
    const QString kept = measured ? QStringLiteral("; the results measured before are kept") : QString();
    if (const std::optional<QString> late = findTaskTimeout(m_engine.stderrTail()))
        return QStringLiteral("%1%2: the engine process running it was ended%3").arg(measuring, *late, kept);
    if (m_engine.exitSignal() != 0) {
        const QString signal = ChildProcess::signalName(m_engine.exitSignal());
        if (usersCode)
            return QStringLiteral("%1your code crashed the engine process (%2) %3%4")
                .arg(measuring, signal, task, kept);
        return QStringLiteral("%1the engine process was killed by %2 %3%4").arg(measuring, signal, task, kept);
    }
    const QString said = m_engine.stderrTail().section(QLatin1Char('\n'), -1);
    return QStringLiteral("%1the engine process %2 %3 without finishing the run%4%5")
        .arg(measuring, m_engine.exitDescription(), task,
            said.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(said), kept);
}

void EngineRun::failRun(const QString& error)
{
    m_result.error = error;
    Q_EMIT m_runner.failed(error);
    finish();
}

void EngineRun::finish()
{
    m_result.completedRuns = m_done;
    m_analysis.finish(m_result);
    Q_EMIT m_runner.finished(m_result);
}

} // namespace parlab
