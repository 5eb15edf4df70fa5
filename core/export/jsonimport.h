#pragma once

#include "environment.h"
#include "experimentspec.h"
#include "measurement.h"
#include "runresult.h"

#include <QByteArray>
#include <QJsonObject>
#include <optional>

namespace parlab {

// Reads the JSON export (JsonExport's documented schema) back into a RunResult: spec, environment,
// warnings, bounds and every measurement's samples and figures as the file states them. What the schema
// does not carry (per-sample CPU times, spans, lock states) stays empty; figures it does not carry but the
// samples determine (MAD, self-relative speedup, Karp-Flatt, Amdahl fits) are recomputed. Fields this
// version does not know are ignored, so files from newer versions still import; spec.options is the
// exception (RunOptions::fromJson): an unknown option is an error naming it, as a misspelt one would otherwise
// be read as its default.
namespace JsonImport {
// On a bad file: std::nullopt and `error` naming the field and what is wrong with it
// ("results[2].samples_s[0]: expected a number, got a string").
std::optional<RunResult> fromJson(const QByteArray& json, QString* error);
std::optional<RunResult> fromObject(const QJsonObject& object, QString* error);

// The parts of the schema alone (JsonExport::specObject and the rest), for what else stores them as JSON;
// the bounds' task costs, which the schema does not carry, stay empty.
std::optional<ExperimentSpec> specFromObject(const QJsonObject& object, QString* error);
std::optional<Environment> environmentFromObject(const QJsonObject& object, QString* error);
std::optional<Bounds> boundsFromObject(const QJsonObject& object, QString* error);
// One entry of `results` read over `over`, which keeps what the schema does not carry (spans, states, per-repeat
// CPU times); every figure the schema has is the object's.
std::optional<Measurement> measurementFromObject(const QJsonObject& object, const Measurement& over, QString* error);
} // namespace JsonImport

} // namespace parlab
