#pragma once

#include <QStringList>
#include <functional>
#include <memory>

namespace parlab {

class Backend;

// The backends ParLab knows, by id.
namespace BackendRegistry {
QStringList ids();
// nullptr for an unknown id.
std::unique_ptr<Backend> create(const QString& id);
// Whether the backend scales with workers (false for the sequential baselines), cached; an id this build does
// not know counts as scaling unless its name says "sequential". The window's charts and the report's SVG
// charts both draw a backend that does not as a flat baseline.
bool usesWorkers(const QString& id);
} // namespace BackendRegistry

// Makes the backend for an id (nullptr for an unknown one): BackendRegistry::create, or a test's own.
using BackendFactory = std::function<std::unique_ptr<Backend>(const QString& id)>;

} // namespace parlab
