#include "kernelregistry.h"

#include "builtinkernels.h"
#include "kernel.h"
#include "library.h"

#include <functional>
#include <vector>

namespace parlab {

namespace {
using Factory = std::function<std::unique_ptr<Kernel>()>;

const std::vector<Factory>& factories()
{
    static const std::vector<Factory> all {
        makeFibKernel,
        makeSleepKernel,
        makeSpinKernel,
        makePrimesKernel,
        makeMandelbrotKernel,
        makeSha256Kernel,
        makeStreamKernel,
        makeNoopKernel,
        makeCommandKernel,
    };
    return all;
}

// Kernels made from the user's code, by the prefix of their name.
struct UserKernel {
    QLatin1StringView prefix;
    std::unique_ptr<Kernel> (*make)(const QString& name);
};
constexpr UserKernel kUserKernels[] = {
    { LibraryKernel::kPrefix, makeLibraryKernel },
};
} // namespace

QStringList KernelRegistry::names()
{
    QStringList result;
    for (const auto& factory : factories())
        result.append(factory()->name());
    return result;
}

std::unique_ptr<Kernel> KernelRegistry::create(const QString& name)
{
    for (const UserKernel& user : kUserKernels) {
        if (name.startsWith(user.prefix))
            return user.make(name);
    }
    for (const auto& factory : factories()) {
        auto kernel = factory();
        if (kernel->name() == name)
            return kernel;
    }
    return nullptr;
}

QString KernelRegistry::resolvedName(const QString& name)
{
    const auto kernel = create(name);
    return kernel ? kernel->name() : name;
}

} // namespace parlab
