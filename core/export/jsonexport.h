#pragma once

#include <QByteArray>
#include <QJsonObject>

namespace parlab {

struct RunResult;

// The documented JSON schema (DESIGN.md, "Export formats"): the same file from the CLI and the GUI.
namespace JsonExport {
QJsonObject toObject(const RunResult& result);
QByteArray toJson(const RunResult& result);
} // namespace JsonExport

} // namespace parlab
