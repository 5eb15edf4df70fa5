#pragma once

#include "experimentspec.h"
#include "result.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

namespace parlab {

// A ready-made experiment shipped with ParLab (resources/presets/NAME.json, compiled in as
// :/presets/NAME.json): what to run, and a title and description a teacher can read out.
struct Preset {
    QString name, title, description;
    ExperimentSpec spec;
    // The inputs and workers as written in the preset ("38,37,36", "auto"), for showing in a form.
    QString inputsText, workersText;
    // Where it is listed (menus, the start page, `parlab list presets`): the order a newcomer meets them in, set
    // by the file's optional "order"; the rest follow by title.
    int order = 1000;
};

namespace Presets {

// The names of the shipped presets, sorted.
QStringList names();

// The preset `name`, or why there is none ("unknown preset 'x': did you mean ...") or its file is broken (the
// message names the preset and the field).
Result<Preset> find(const QString& name);

// Every shipped preset that loads, in listing order (Preset::order, then title); a broken one is skipped with a
// warning.
QList<Preset> all();

// What a preset's kernel writes for the folder of ParLab's examples (examples/ in the source, installed under
// share/doc/parlab/examples), "py:{examples}/python/hashing.py:digest", and for their built libraries
// (lib/parlab/examples), "lib:{example-libraries}/libcollatz.so:collatz". Made the folders' paths when the preset
// loads.
inline const QString kExamplesPlace = QStringLiteral("{examples}");
inline const QString kExampleLibrariesPlace = QStringLiteral("{example-libraries}");

// Parses one preset file's text; `name` is the file's base name, which the "name" field must match.
// Checks the file's shape, the names in it and its inputs against the kernel; not whether every backend
// can run on this machine (validateSpec does that before a run).
Result<Preset> fromJson(const QString& name, const QByteArray& json);

} // namespace Presets

} // namespace parlab
