#pragma once

#include "kernel.h"

#include <QByteArray>
#include <memory>
#include <parlab/kernel_abi.h>

namespace parlab {

// A user's function in a shared library, `--kernel lib:PATH:SYMBOL`, with the C ABI of <parlab/kernel_abi.h>:
// `uint64_t SYMBOL(int64_t input)`, whose result is the task's checksum. configure() checks the file before
// anything runs (it exists, is a shared library this machine can load, loads, has the function: each error names
// the file) and loads it with dlopen; every process that runs tasks (a worker, an mpi rank) makes its own from the
// name. Nothing about the function's cost is known. On the GIL model the call holds the lock, as a C extension that
// does not release the GIL does; the lock is offered again when it returns. The python-* backends call it from
// CPython through ctypes (resources/python/parlab_worker.py), which releases the real GIL during the call.
class LibraryKernel final : public Kernel {
public:
    static inline const QString kPrefix = QStringLiteral("lib:");

    // How to write one, for help texts and errors.
    static QString syntax();
    // The kernel "lib:PATH:SYMBOL" names (the symbol after the last ':', so the path may hold ':'), or why it is
    // written wrongly. A relative path is taken from the working directory now, and name() says it absolute from
    // then on, for every process.
    static Result<std::unique_ptr<Kernel>> make(const QString& name);
    ~LibraryKernel() override;

    QString name() const override;
    QString description() const override;
    KernelKind kind() const override { return KernelKind::Mixed; }
    QString inputMeaning() const override { return QStringLiteral("the int64_t your function takes"); }
    InputRange range() const override;
    double cost(qint64) const override { return 1.0; }
    bool costIsKnown() const override { return false; }
    bool isUsersCode() const override { return true; }
    Result<void> configure(const RunOptions& options) override;
    // Where this process does not load the library: loads it in a `parlab worker` of its own, which says what
    // dlopen said (a dependency missing) or dies in the library's constructors, and says which.
    Result<void> checkLoads() const override;
    quint64 run(qint64 input, Context& context) const override;

    // Whether configure() loads the library in this process: yes where tasks run (the engine, a worker, an mpi rank,
    // a test calling a backend); no in a process that only checks specs and hands a user's code to the engine (the
    // window, `parlab run`): dlopen runs the library's constructors, and one that crashes must not take the window
    // down. There configure() reads the file instead (an ELF this machine loads, exporting the function), and what
    // only dlopen can tell (a dependency missing) comes from the engine before the run's first task.
    static void setLoadsHere(bool loads);

    // The absolute path of the library, and the function's name in it.
    const QString& path() const { return m_path; }
    const QString& symbol() const { return m_symbol; }

private:
    LibraryKernel(QString path, QString symbol);
    Result<void> load();
    void unload();

    QString m_path;
    QString m_symbol;
    QByteArray m_label; // name() in UTF-8, for the crash report
    void* m_handle = nullptr;
    parlab_kernel_fn m_function = nullptr;
};

} // namespace parlab
