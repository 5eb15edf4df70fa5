#pragma once

#include "environment.h"
#include "experimentspec.h"
#include "measurement.h"
#include "result.h"
#include "runresult.h"

#include <QByteArray>
#include <QJsonObject>

namespace parlab {

// Reads the JSON export (JsonExport's documented schema) back into a RunResult: spec, environment, warnings,
// bounds and every measurement's samples and figures. What the schema does not carry (per-sample CPU times,
// spans, lock states) stays empty. The figures follow one path, the one the history takes for stored runs:
// analyse() derives every figure from the samples (without bootstrap intervals, which are random), then each
// figure the file states replaces the derived one (JsonExport::figures(), read by key), so a figure the schema
// lacks (MAD, self-relative speedup, Karp-Flatt, Amdahl) is derived and one it has is as the file states it.
//
// Nothing is read into a value it does not fit: a whole-number field takes only an exact whole number in its
// range, the same range `parlab run` checks (validateSpec, CountRange, RunOptions' descriptors); figures are
// finite and 0 or more. An error names the field and what is wrong with it: "results[2].workers: 4294967297 is
// out of range, use 1 to 1024", "spec.kernel: unknown kernel 'fibb': did you mean 'fib'? (known: ...)".
// Fields this version does not know are ignored, so files from newer versions still import; spec.options is the
// exception (RunOptions::fromJson): an unknown option is an error naming it, as a misspelt one would otherwise be
// read as its default.
namespace JsonImport {

// The largest file readFile reads: an export of about 1.7 million samples (a sample is about 38 bytes of
// indented JSON), far beyond any run a person waits for; a larger file is not an export.
inline constexpr qint64 kMaxFileMiB = 64;
inline constexpr qint64 kMaxFileBytes = kMaxFileMiB * 1024 * 1024;

// The bytes of the export at `path`, refused before reading when it is not a regular file (a folder, a FIFO,
// /dev/zero) or is larger than kMaxFileBytes; the message names the path and, for size, the cap.
Result<QByteArray> readFile(const QString& path);

// A file a user hands ParLab: besides the schema, the kernel and every backend must be ones this build has, and
// the spec must pass validateSpec(SpecCheck::Recorded).
Result<RunResult> fromJson(const QByteArray& json);
Result<RunResult> fromObject(const QJsonObject& object);

// fromJson() for the history, which stores a run's data and what the file states beyond what analyse() derives
// from that data: with the derivation itself, bootstrap intervals included, so that an import analyses the run
// once. `result` is fromJson()'s, except that an interval the file does not state is derived; `derived` is the
// run as analyse() left it, before the file's figures were laid over it.
struct Analysed {
    RunResult result;
    RunResult derived;
    // The outcome of the enforced regression gate that judged the run (its "gate" object with "enforced": true, as
    // `parlab run --fail-on` and `parlab history export` write it): gateOutcomeName(), "" when none.
    QString gate;
};
Result<Analysed> analysedFromJson(const QByteArray& json);

// The parts of the schema alone (JsonExport::specObject and the rest), for what else stores them as JSON (the
// history); the bounds' task costs, which the schema does not carry, stay empty. These check types and ranges
// but not names: a run stored by a build with another kernel or backend still reads.
Result<ExperimentSpec> specFromObject(const QJsonObject& object);
Result<Environment> environmentFromObject(const QJsonObject& object);
Result<Bounds> boundsFromObject(const QJsonObject& object);
// One entry of `results` read over `over`, which keeps what the schema does not carry (spans, states, per-repeat
// CPU times) and every figure the object does not state; a figure stated as null is unknown.
Result<Measurement> measurementFromObject(const QJsonObject& object, const Measurement& over);
// One repeat's memory and switches (JsonExport::usageObject); null or absent figures read as unknown (-1).
Result<RepeatUsage> usageFromObject(const QJsonObject& object);

} // namespace JsonImport

} // namespace parlab
