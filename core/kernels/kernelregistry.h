#pragma once

#include "result.h"

#include <QStringList>
#include <memory>

namespace parlab {

class Kernel;

// The kernels ParLab knows: the built-in ones by name, and the user's own code by a prefix and where it lies
// ("py:PATH.py:FUNC", "lib:PATH:SYMBOL"), made from the name itself.
namespace KernelRegistry {
// The built-in kernels' names.
QStringList names();
// Whether `name` names the user's own code (starts with a user form's prefix: "py:", "lib:"), well written or not.
bool isUserCode(const QString& name);
// How to name the user's own code, one entry a form ("py:PATH.py:FUNC or py:package.module:FUNC (...)"), for help
// texts and errors.
QStringList userForms();
// The kernel `name` names, or why there is none: an unknown name (checkKernelName says more), or user code named
// wrongly ("py:cpu.py": no function). Only the name is read here; whether the code loads is for the kernel's
// configure() (a library) or the backends' checks (BackendRegistry::checkCode: a Python function).
Result<std::unique_ptr<Kernel>> make(const QString& name);
// make()'s kernel, or nullptr where there is none.
std::unique_ptr<Kernel> create(const QString& name);
// A user's code named after its prefix ("PATH.py:FUNC", "PATH.so:SYMBOL") taken apart: where the code is and the
// function, which follows the last colon (a path may hold colons, a function's name cannot). No colon: all of it is
// the location and the function is empty.
struct CodeAndFunction {
    QString location;
    QString function;
};
CodeAndFunction splitCodeAndFunction(const QString& afterPrefix);
// The name as every process of a run must see it: the kernel's own name() (a user's file given by a relative path
// made absolute against the working directory); `name` itself when there is no such kernel. RunSession::start
// applies it, so the run, its history and exports find the code from any folder.
QString resolvedName(const QString& name);
} // namespace KernelRegistry

} // namespace parlab
