#pragma once

#include <QStringList>
#include <memory>

namespace parlab {

class Kernel;

// The kernels ParLab knows, by name.
namespace KernelRegistry {
QStringList names();
// nullptr for an unknown name.
std::unique_ptr<Kernel> create(const QString& name);
} // namespace KernelRegistry

} // namespace parlab
