#include "kernelregistry.h"

#include "builtinkernels.h"
#include "kernel.h"

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
    for (const auto& factory : factories()) {
        auto kernel = factory();
        if (kernel->name() == name)
            return kernel;
    }
    return nullptr;
}

} // namespace parlab
