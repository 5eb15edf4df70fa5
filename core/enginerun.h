#pragma once

#include "childprocess.h"
#include "experimentspec.h"
#include "runresult.h"
#include "stats/analysis.h"

#include <QList>
#include <QPair>
#include <QString>

namespace parlab {

class RunControl;
class Runner;

namespace EngineProtocol {
struct Event;
}

// One run in an engine process, seen from the Runner that was asked for it: starts `parlab engine` (helperPath's
// `parlab`, in a process group of its own, dying with this thread), hands it the spec, and turns its stream
// (EngineProtocol) into the runner's own signals, in the same order. The RunResult is assembled here as the
// runner's own run assembles it: each measurement as it lands, analysed by a LiveAnalysis, every figure exact at
// the end; so the window, the CLI and the history cannot tell the two apart.
//
// A cancel ends the engine and everything it started within ChildProcess::stop()'s grace; what landed before is
// kept, marked cancelled. An engine that dies (a user's code crashed it) or ends without finishing fails the run,
// naming the backend and workers being measured, the input its crash report names, and the signal; what landed
// before is kept.
class EngineRun final {
public:
    EngineRun(Runner& runner, RunControl& control, const ExperimentSpec& spec);
    ~EngineRun();
    EngineRun(const EngineRun&) = delete;
    EngineRun& operator=(const EngineRun&) = delete;

    // Blocks until the run ends; every way it ends emits `finished` once.
    void exec();

private:
    // False once the run has ended (finished was emitted).
    bool handle(const QByteArray& line);
    void take(const EngineProtocol::Event& event);
    // What the engine's runner keeps beside the measurements (environment, counts, the bounds' task costs).
    void takeFacts(const RunResult& run);
    void engineEnded();
    void cancelled();
    void failRun(const QString& error);
    void finish();
    // Why the engine ended before the run did, in a user's words.
    QString deathMessage() const;

    Runner& m_runner;
    RunControl& m_control;
    const ExperimentSpec& m_spec;
    const QList<QPair<QString, int>> m_plan;
    ChildProcess m_engine;
    RunResult m_result;
    LiveAnalysis m_analysis;
    bool m_started = false;
    int m_done = 0; // executes the engine finished, warm-ups included: the next one is m_plan[m_done % size]
};

} // namespace parlab
