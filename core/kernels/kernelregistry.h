#pragma once

#include <QStringList>
#include <memory>

namespace parlab {

class Kernel;

// The kernels ParLab knows, by name.
namespace KernelRegistry {
// The built-in kernels' names.
QStringList names();
// nullptr for an unknown name. Besides the built-in names, a user's code by prefix: "lib:PATH:SYMBOL" (a function
// in a shared library, library.h), which configure() checks and loads.
std::unique_ptr<Kernel> create(const QString& name);
// The name as every process of a run must see it: the kernel's own name() (a user's file given by a relative path
// made absolute against the working directory); `name` itself when there is no such kernel.
QString resolvedName(const QString& name);
} // namespace KernelRegistry

} // namespace parlab
