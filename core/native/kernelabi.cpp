#include "kernelabi.h"

#include "context.h"
#include "kernels/kernel.h"
#include "kernels/kernelregistry.h"
#include "result.h"
#include "runoptions.h"

#include <QString>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace {

void setError(char* error, size_t errorSize, const QString& message)
{
    if (!error || errorSize == 0)
        return;
    const QByteArray text = message.toUtf8();
    const size_t length = std::min(size_t(text.size()), errorSize - 1);
    std::memcpy(error, text.constData(), length);
    error[length] = '\0';
}

// One kernel object per name for the life of the library: run() is const, so threads share them.
parlab::Result<const parlab::Kernel*> kernelNamed(const char* name)
{
    static std::mutex mutex;
    static std::map<std::string, std::unique_ptr<parlab::Kernel>> kernels;
    std::lock_guard lock(mutex);
    auto it = kernels.find(name);
    if (it != kernels.end())
        return it->second.get();
    auto kernel = parlab::KernelRegistry::create(QString::fromUtf8(name));
    if (!kernel)
        return parlab::fail(
            QStringLiteral("unknown kernel '%1' (known: %2)")
                .arg(QString::fromUtf8(name), parlab::KernelRegistry::names().join(QStringLiteral(", "))));
    // Settings only ParLab's options can give (the command kernel's command) cannot come through this ABI.
    if (const parlab::Result<void> configured = kernel->configure(parlab::RunOptions()); !configured)
        return parlab::fail(QStringLiteral("the kernel '%1' needs settings the native library cannot take: %2")
                                .arg(QString::fromUtf8(name), configured.error()));
    return kernels.emplace(name, std::move(kernel)).first->second.get();
}

} // namespace

extern "C" uint64_t parlab_run_kernel(const char* kernel, int64_t input, char* error, size_t errorSize)
{
    setError(error, errorSize, QString());
    if (!kernel) {
        setError(error, errorSize, QStringLiteral("no kernel name given"));
        return 0;
    }
    try {
        const parlab::Result<const parlab::Kernel*> named = kernelNamed(kernel);
        if (!named) {
            setError(error, errorSize, named.error());
            return 0;
        }
        const parlab::Kernel* k = *named;
        if (const parlab::Result<void> valid = k->checkInput(input); !valid) {
            setError(error, errorSize, valid.error());
            return 0;
        }
        // Nothing cancels a call from outside; the caller's process is stopped as a whole instead.
        const parlab::RunControl control;
        parlab::Context context(control, 0);
        return k->run(input, context);
    } catch (const std::exception& e) {
        setError(error, errorSize,
            QStringLiteral("%1 failed on input %2: %3")
                .arg(QString::fromUtf8(kernel))
                .arg(input)
                .arg(QString::fromLocal8Bit(e.what())));
        return 0;
    }
}
