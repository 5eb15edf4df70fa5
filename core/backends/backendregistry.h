#pragma once

#include <QStringList>
#include <memory>

namespace parlab {

class Backend;

// The backends ParLab knows, by id.
namespace BackendRegistry {
QStringList ids();
// nullptr for an unknown id.
std::unique_ptr<Backend> create(const QString& id);
} // namespace BackendRegistry

} // namespace parlab
