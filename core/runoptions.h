#pragma once

#include "result.h"

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>
#include <QVariant>
#include <QVariantMap>

namespace parlab {

// What a failed task does to the run: end it, or mark that repeat failed and go on.
enum class OnError { Stop, Continue };

// Which setting an OptionDescriptor describes: one per RunOptions field, and KernelSetting for the settings a
// kernel declares itself (Kernel::settings(), kept in RunOptions::kernelSettings).
enum class Option {
    Chunksize,
    TaskTimeout,
    OnError,
    SwitchInterval,
    ReleaseGil,
    Python,
    PythonNative,
    Hostfile,
    MpirunArgs,
    KernelSetting,
};

// One run option, declared once: its name in files, on the command line and in the window, its type, default,
// range, unit, one line of help and what it applies to. `parlab run --help`, the window's widgets (ranges,
// defaults, tooltips), validation and the JSON codec all read these, so changing a default or a range here
// changes it everywhere.
struct OptionDescriptor {
    enum class Type {
        Integer, // a whole number in [minimum, maximum]
        Number, // a number in [minimum, maximum]
        Boolean,
        Text,
        File, // a path; the command line checks that it can be read and makes it absolute
        Choice, // one of `choices`
    };
    // What reads the option: the runner (every run), the backends whose facts list it, or one kernel.
    enum class Scope { Run, Backend, Kernel };

    Option option = Option::KernelSetting;
    QString key {}; // in JSON (presets, exports, history) and messages, spelt as 0.1 wrote it: "switch_interval_ms"
    QString flag {}; // `parlab run`'s flag without the dashes: "switch-interval"
    QString label {}; // the window's label, & before its shortcut key: "&Switch interval"
    Type type = Type::Text;
    QVariant defaultValue {}; // of the value type below; RunOptions' own defaults come from its member initialisers
    double minimum = 0; // Integer, Number
    double maximum = 0;
    int decimals = 0; // Number: the digits after the point the window offers (the step is 10^-decimals)
    // What 0 (Integer, Number) or an empty value (Text, File) stands for, when it is special: "no limit",
    // "python3 on the PATH". The window shows it in place of the value.
    QString unsetMeans {};
    QStringList choices {}; // Choice
    QString unit {}; // "ms", "s"; empty for none
    QString valueName {}; // --help's name for the value: "N", "path"
    QString help {}; // one line: what it does
    Scope scope = Scope::Run;
    QString kernel {}; // Scope::Kernel: the kernel that declares it

    // The value types, in a QVariant: Integer int, Number double, Boolean bool, Text/File/Choice QString.

    // "a whole number from 1 to 1000000", "a number from 0.01 to 1000 ms", "'stop' or 'continue'", "true or
    // false", "text": what a valid value looks like, for messages and --help.
    QString expected() const;
    // The value as the user would write it: "5", "0.5", "true", "stop"; `unsetMeans` for a special 0 or empty
    // value ("no limit").
    QString valueText(const QVariant& value) const;
    // The backends (Scope::Backend, from the backend table), the kernel (Scope::Kernel) or nothing (every run).
    QStringList appliesTo() const;
    // For --help and tooltips: "gil-threads, python-*: <help> Default: 5 ms; a number from 0.01 to 1000 ms."
    QString helpText() const;

    // `value` checked against the type and the range, converted to the value type; otherwise a message naming
    // `name` (the key, or a flag), the value and the range: "chunksize must be a whole number from 1 to 1000000,
    // not 0". Accepts what JSON and the window hold (a number for Integer when it is whole).
    Result<QVariant> check(const QVariant& value, const QString& name) const;
    // The same from command-line text ("4", "0.5", "continue"); `name` is the flag as typed ("--chunksize").
    Result<QVariant> parse(const QString& text, const QString& name) const;
};

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
