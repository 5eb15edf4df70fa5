#pragma once

#include <QByteArray>

QT_BEGIN_NAMESPACE
class QJsonObject;
class QJsonValue;
QT_END_NAMESPACE

namespace parlab {

struct Bounds;
struct Environment;
struct ExperimentSpec;
struct Measurement;
struct RunResult;

// The documented JSON schema (DESIGN.md, "Export formats"): the same file from the CLI and the GUI.
namespace JsonExport {
QJsonObject toObject(const RunResult& result);
QByteArray toJson(const RunResult& result);

// The parts of the schema, for what else stores them as JSON (the run history keeps the spec, environment and
// bounds of every run in this shape, so one reader, JsonImport's, reads both).
QJsonObject specObject(const ExperimentSpec& spec);
QJsonObject environmentObject(const Environment& environment); // without the governor, as the schema has it
QJsonObject boundsObject(const Bounds& bounds); // critical and lpt, without the task costs
// One entry of `results`: a measurement's samples and figures.
QJsonObject measurementObject(const Measurement& measurement);
// JSON has no NaN: an unknown figure is null.
QJsonValue number(double value);
} // namespace JsonExport

} // namespace parlab
