#pragma once

#include "kernel.h"

#include <memory>

namespace parlab {

// The user's own Python function, `py:PATH.py:FUNC` or `py:package.module:FUNC` (a module found on PYTHONPATH):
// FUNC(n) for each input n, its result hashed into the task's checksum by the worker script
// (resources/python/parlab_worker.py). Only an interpreter runs it, so only the python-* backends do
// (runsNatively() is false). A relative PATH is made absolute against the working directory when the kernel is
// made, and name() holds the absolute path: a run records that (KernelRegistry::resolvedName), so its history,
// exports and reruns find the file from anywhere. Whether the file, the function and its signature are right is
// asked of the interpreter that will run it (PythonBackend::checkKernel), before anything runs.
class PythonFunctionKernel final : public Kernel {
public:
    static inline const QString kPrefix = QStringLiteral("py:");

    // How to write one, for help texts and errors.
    static QString syntax();
    // The kernel `name` (kPrefix and the rest) names, or why it is written wrongly.
    static Result<std::unique_ptr<Kernel>> make(const QString& name);
    // Where LOCATION, the part of a name before the function, points: a .py file (made absolute against the working
    // directory) or a module; or why it is neither.
    struct Location {
        QString file;
        QString module;
    };
    static Result<Location> locate(const QString& location);

    QString name() const override;
    QString description() const override;
    KernelKind kind() const override { return KernelKind::Mixed; }
    QString inputMeaning() const override;
    InputRange range() const override;
    double cost(qint64) const override { return 1.0; }
    bool costIsKnown() const override { return false; } // the user's function: anything from microseconds to days
    bool isUsersCode() const override { return true; }
    bool runsNatively() const override { return false; }
    // Throws: only the python-* backends run it, through the worker script (the registry refuses the others).
    quint64 run(qint64 input, Context& context) const override;

    // The absolute path of the .py file, empty for a module.
    const QString& file() const { return m_file; }
    // The dotted module name, empty for a file.
    const QString& module() const { return m_module; }
    const QString& function() const { return m_function; }

private:
    PythonFunctionKernel(QString file, QString module, QString function);

    QString m_file;
    QString m_module;
    QString m_function;
};

} // namespace parlab
