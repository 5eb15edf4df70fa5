#pragma once

#include "result.h"

#include <QList>
#include <QString>
#include <optional>

namespace parlab {

struct RunOptions;

// A function in the user's code as its file declares it, read without running anything.
struct CodeFunction {
    QString name; // what a kernel name gives after its last ':' (a C++ function: its mangled name)
    QString signature; // how it reads: "digest(n)", "collatz", "kernel(long)"
    bool callable = true; // whether ParLab can call it with one input; the others are listed to say why not
    QString whyNot; // when not callable: why ("takes (a, b): ParLab calls it with one argument")
};

// The functions of one file of the user's code: a Python file's top-level functions in the order of the file, a
// library's exported functions that look like kernels by name.
struct CodeListing {
    QString file; // absolute (for a module name, the module's file)
    QList<CodeFunction> functions;
};

// The user's own code as the window's picker sees it: which language a kernel name is in, where the code lies and
// which function it names; the functions a file holds; and whether the one chosen can run, by the checks a run
// makes before it starts (Kernel::configure, BackendRegistry::checkCode), so in their words.
namespace UserCode {
enum class Language { Python, Library };

// "py:", "lib:": how a kernel name in the language starts (the registry's prefixes).
QString prefix(Language language);

// A kernel name taken apart. A name given only in part ("py:", "py:hashing.py") leaves the rest empty.
struct Choice {
    Language language = Language::Python;
    QString location; // a .py file or a module (Python), a shared library's path (Library), as given
    QString function;
};
// The choice `kernelName` makes; none for a built-in kernel's name.
std::optional<Choice> parse(const QString& kernelName);
// The kernel name of a choice ("py:/abs/hashing.py:digest", the location made absolute as a run records it);
// empty while the location or the function is missing.
QString kernelName(const Choice& choice);

// The functions in the code at `location`: a Python file or module read by the interpreter `options` name (the
// worker script's --list: the file is parsed, not run), or a shared library's exported functions (its ELF file
// read, not loaded). An error a user can act on: no such file or module, a syntax error and its line, a file this
// machine cannot load. May take seconds: not on a window's thread.
Result<CodeListing> list(Language language, const QString& location, const RunOptions& options);

// What the picker shows for a choice: its file's functions, the one checked, and whether it can run.
struct Inspection {
    Result<CodeListing> listing = fail(QString());
    QString function; // the one checked: the one wanted, or, when that is not in the file, its first callable one
    Result<void> check; // why it cannot run, in the words `parlab run` gives
    QString summary; // when it can: "digest(n) in hashing.py, checked with Python 3.11.2 (/usr/bin/python3)"
};
// Lists the choice's file and checks the function in it. `keepMissing`: check the wanted function even when the
// file does not define it (a choice restored from a run, where the error should say so); otherwise another of the
// file's functions is taken. May take seconds: not on a window's thread.
Inspection inspect(const Choice& choice, bool keepMissing, const RunOptions& options);
} // namespace UserCode

} // namespace parlab
