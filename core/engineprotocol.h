#pragma once

#include "experimentspec.h"
#include "measurement.h"
#include "result.h"
#include "runresult.h"

#include <QByteArray>
#include <QString>

namespace parlab {

// The stream between a Runner and the engine process it runs a user's code in (`parlab engine`, EngineRun): one
// JSON object a line.
//   parent -> engine   the spec (JsonExport::specObject), one line; then nothing: end of file means the parent is
//                      gone, and the engine ends at once
//   engine -> parent   what the engine's Runner signals, in its order:
//                      {"event":"started","planned":N}
//                      {"event":"progress","done":D,"total":T,"eta_s":E,"current":"threads x2, round 1 of 3"}
//                      {"event":"measurement","index":I,"measurement":{..},"run":{..}}   a repeat landed
//                      {"event":"failed","error":".."}
//                      {"event":"finished","run":{..}}                                   always, once, last
// A measurement travels whole, in the history's codec (HistoryJson::measurementObject: samples, raw data, spans),
// with "run", what the runner keeps beside the measurements and the analysis reads (environment, when the run was
// created, runtimes, reference checksum, the bounds' task costs, counts); "finished" adds how the run ended and how
// many measurements it had. The figures are not sent: the receiver derives them as the runner does (LiveAnalysis),
// so an engine's run is analysed through the same code as one run in place.
namespace EngineProtocol {

QByteArray specLine(const ExperimentSpec& spec);
Result<ExperimentSpec> readSpec(const QByteArray& line);

QByteArray started(int plannedRuns);
QByteArray progress(int done, int total, double etaS, const QString& current);
// `run.measurements[index]`, with the run's facts.
QByteArray measurement(qsizetype index, const RunResult& run);
QByteArray failed(const QString& error);
QByteArray finished(const RunResult& result);

struct Event {
    enum class Kind { Started, Progress, Measurement, Failed, Finished } kind = Kind::Started;
    int plannedRuns = 0; // started
    int done = 0; // progress
    int total = 0;
    double etaS = -1;
    QString current;
    qsizetype index = -1; // measurement
    Measurement measurement;
    QString error; // failed
    // measurement, finished: the run's facts (environment, created, runtimes, referenceChecksum, the bounds' task
    // costs, completedRuns, plannedRuns); finished also cancelled and error.
    RunResult run;
    qsizetype measurements = -1; // finished: how many measurements the run had
};
// One line of the engine's stream, or why it is none ("not JSON", "event 'x' is unknown", a measurement's field).
Result<Event> read(const QByteArray& line);

} // namespace EngineProtocol

} // namespace parlab
