#pragma once

#include "result.h"

#include <QString>
#include <QStringList>
#include <QVariant>

namespace parlab {

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
    BaselineCore,
    Pin,
    Scaling,
    Label,
    Commit,
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
    // Scope::Kernel: the kernels that declare it. Several kernels may declare one setting (spin and sleep share
    // serial_ms): it is one option, one flag and one widget, read by whichever of them runs.
    QStringList kernels {};

    // The value types, in a QVariant: Integer int, Number double, Boolean bool, Text/File/Choice QString.

    // "a whole number from 1 to 1000000", "a number from 0.01 to 1000 ms", "'stop' or 'continue'", "true or
    // false", "text": what a valid value looks like, for messages and --help.
    QString expected() const;
    // The value as the user would write it: "5", "0.5", "true", "stop"; `unsetMeans` for a special 0 or empty
    // value ("no limit").
    QString valueText(const QVariant& value) const;
    // The backends (Scope::Backend, from the backend table), the kernels (Scope::Kernel) or nothing (every run).
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

} // namespace parlab
