#pragma once

#include "result.h"
#include "topology.h"

#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>
#include <QVariant>
#include <QVariantMap>

QT_BEGIN_NAMESPACE
class QJsonObject;
class QJsonValue;
QT_END_NAMESPACE

namespace parlab {

// The descriptor table's types (optiondescriptor.h): code that only reads option values does not need them.
enum class Option;
struct OptionDescriptor;

// What a failed task does to the run: end it, or mark that repeat failed and go on.
enum class OnError { Stop, Continue };

// Where the baselines (sequential, python-sequential) run their tasks: wherever the scheduler puts them, or
// pinned to the core the run's calibration found fastest, so that speedups are against the best single core.
enum class BaselineCore { Any, Fastest };

// What the worker counts scale: strong, the same inputs shared by more workers (Amdahl's question: how much faster);
// weak, the inputs grown with the workers so that each worker's share stays the same (Gustafson's: how much more
// work in the same time). scaledInputs() (experimentspec.h) says what a weak run's inputs are at N workers.
enum class ScalingKind { Strong, Weak };

// How a run runs, beyond what it measures (ExperimentSpec): the options every run, backend and kernel reads,
// typed. Defaults are the member initialisers; names, ranges and help are in descriptors(). The JSON codec keeps
// 0.1's keys, so presets, exports and history written by 0.1 still load.
struct RunOptions {
    int chunksize = 1; // inputs handed to a pool worker at once (multiprocessing's chunksize)
    double taskTimeoutS = 0; // an out-of-process task running longer is killed; 0: no limit
    OnError onError = OnError::Stop;
    double switchIntervalMs = 5; // the GIL's switch interval (CPython's default)
    bool releaseGil = false; // gil-threads: kernels run with the lock released (a C extension)
    QString python; // python-*: the interpreter; empty: python3 on the PATH
    bool pythonNative = false; // python-*: call the C++ kernel through ctypes
    QString hostfile; // mpi: an OpenMPI hostfile
    QString mpirunArgs; // mpi: extra arguments for mpirun, as a shell would split them
    BaselineCore baselineCore = BaselineCore::Any; // sequential, python-sequential: the core they run on
    Pinning pin = Pinning::None; // where worker threads, processes and ranks run (Topology::placement)
    ScalingKind scaling = ScalingKind::Strong;
    // What the run is recorded as (Environment::label, commit): the user's name for it, and the commit of the
    // program under test; empty commit: the working folder's git HEAD, if any.
    QString label;
    QString commit;
    // The settings kernels declare (Kernel::settings()), by key, each checked against its descriptor by the
    // codec: e.g. the command kernel's "command". Kept apart from the fields above so that a kernel with a
    // setting stays one new file plus one registry line.
    QVariantMap kernelSettings;

    bool continueOnError() const { return onError == OnError::Continue; }

    // The option's value (of OptionDescriptor's value type), or for a kernel setting its value or default.
    QVariant value(const OptionDescriptor& descriptor) const;
    // Sets an option; `value` must already be of the value type (OptionDescriptor::check converts).
    void setValue(const OptionDescriptor& descriptor, const QVariant& value);
    QVariant kernelSetting(const QString& key) const;

    // Every value in range, else the first problem: "switch_interval_ms must be a number from 0.01 to 1000 ms,
    // not 0". For values set in code (the window, tests); the codec and the command line check as they read.
    Result<void> validate() const;

    // The JSON object stored in files: every option of this struct (so a file means the same after a default
    // changes) and the kernel settings that are set.
    QJsonObject toJson() const;
    // The codec's other half. Missing keys keep their defaults (0.1 wrote only what was set); an unknown key, a
    // wrong type or a value out of range is an error that starts with `where` ("spec.options", "preset 'x':
    // field 'options'") and names the option: "spec.options: unknown option 'chunksze': did you mean
    // 'chunksize'?".
    static Result<RunOptions> fromJson(const QJsonObject& json, const QString& where);
    static Result<RunOptions> fromJson(const QJsonValue& json, const QString& where);

    // The options whose values differ from the defaults, by key, as the user would write them: for a
    // one-line summary of a run ("chunksize 4, release_gil true").
    QList<QPair<QString, QString>> changed() const;

    // Every option: this struct's, then every kernel's settings, in the order the help lists them.
    static const QList<OptionDescriptor>& descriptors();
    // This struct's option `option` (not KernelSetting).
    static const OptionDescriptor& descriptor(Option option);
    // The option named `key` in JSON, or nullptr.
    static const OptionDescriptor* find(const QString& key);
    static QStringList keys();

    bool operator==(const RunOptions& other) const = default;
};

} // namespace parlab
