#pragma once

#include <QByteArray>
#include <QList>

QT_BEGIN_NAMESPACE
class QJsonObject;
class QJsonValue;
QT_END_NAMESPACE

namespace parlab {

struct Bounds;
struct Environment;
struct ExperimentSpec;
struct Losses;
struct Measurement;
struct RepeatUsage;
struct RunResult;
struct SampleStats;

// The documented JSON schema (DESIGN.md, "Export formats"): the same file from the CLI and the GUI.
namespace JsonExport {
QJsonObject toObject(const RunResult& result);
QByteArray toJson(const RunResult& result);

// The parts of the schema, for what else stores them as JSON (the run history keeps the spec, environment and
// bounds of every run in this shape, so one reader, JsonImport's, reads both).
QJsonObject specObject(const ExperimentSpec& spec);
QJsonObject environmentObject(const Environment& environment);
QJsonObject boundsObject(const Bounds& bounds); // critical and lpt, without the task costs
// By backend, the scaling fits: {"threads": {"amdahl_serial_fraction": 0.2, "usl": {"contention", "coherency",
// "peak_workers"} or {"why"}}} in a strong run, {"threads": {"gustafson_serial_fraction": 0.2}} in a weak one. Derived
// from the speedups, so a reader derives them again rather than reading them.
QJsonObject fitsObject(const RunResult& result);
QJsonObject scalingObject(const ExperimentSpec& spec); // strong or weak, and what speedup and efficiency mean
// One entry of `results`: a measurement's samples and figures.
QJsonObject measurementObject(const Measurement& measurement);
// One repeat's memory and context switches, an entry of a result's `usage` (one per sample): {"process_peak_rss_bytes",
// "workers": [{"worker", "pid", "peak_rss_bytes", "voluntary_switches", "involuntary_switches"}]}, null where unknown.
QJsonObject usageObject(const RepeatUsage& usage);

// A figure of a measurement that an entry of `results` carries as one number (null when unknown): the list
// measurementObject writes and JsonImport reads, so that a new figure is one line here besides the struct and
// the analysis that derives it. Every one is `minimum` or more (0: a time, a ratio; -inf: a share of lost time,
// which can be negative).
struct Figure {
    const char* key = nullptr; // "median_s"
    double SampleStats::*wall = nullptr; // one of the wall-time statistics (Measurement::wall), or
    double Measurement::*own = nullptr; // a figure of the measurement itself, or
    double Losses::*loss = nullptr; // a share of the accounting of lost speedup (Measurement::losses)
    const char* group = nullptr; // the object it sits in within the entry ("losses"); null: the entry itself
    double minimum = 0;

    double& of(Measurement& measurement) const;
    double of(const Measurement& measurement) const;
};
const QList<Figure>& figures();
// JSON has no NaN: an unknown figure is null.
QJsonValue number(double value);
} // namespace JsonExport

} // namespace parlab
