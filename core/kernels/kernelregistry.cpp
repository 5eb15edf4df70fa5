#include "kernelregistry.h"

#include "builtinkernels.h"
#include "kernel.h"
#include "library.h"
#include "pythonfunction.h"

#include <algorithm>
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
        makeSpinUsKernel,
        makePrimesKernel,
        makeMandelbrotKernel,
        makeSha256Kernel,
        makeStreamKernel,
        makeNoopKernel,
        makeCommandKernel,
    };
    return all;
}

// User code, named by a prefix: the rest of the name says where it lies. A new kind is one line here.
struct UserKernelForm {
    QString prefix;
    QString syntax; // how to write one, for help texts
    Result<std::unique_ptr<Kernel>> (*make)(const QString& name);
};

const std::vector<UserKernelForm>& userKernelForms()
{
    static const std::vector<UserKernelForm> all {
        { PythonFunctionKernel::kPrefix, PythonFunctionKernel::syntax(), &PythonFunctionKernel::make },
        { LibraryKernel::kPrefix, LibraryKernel::syntax(), &LibraryKernel::make },
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

bool KernelRegistry::isUserCode(const QString& name)
{
    return std::any_of(userKernelForms().cbegin(), userKernelForms().cend(),
        [&name](const UserKernelForm& form) { return name.startsWith(form.prefix); });
}

QStringList KernelRegistry::userForms()
{
    QStringList result;
    for (const UserKernelForm& form : userKernelForms())
        result.append(form.syntax);
    return result;
}

Result<std::unique_ptr<Kernel>> KernelRegistry::make(const QString& name)
{
    for (const UserKernelForm& form : userKernelForms()) {
        if (name.startsWith(form.prefix))
            return form.make(name);
    }
    for (const auto& factory : factories()) {
        auto kernel = factory();
        if (kernel->name() == name)
            return kernel;
    }
    return fail(QStringLiteral("unknown kernel '%1'").arg(name)); // checkKernelName says more
}

std::unique_ptr<Kernel> KernelRegistry::create(const QString& name)
{
    Result<std::unique_ptr<Kernel>> kernel = make(name);
    return kernel ? std::move(*kernel) : nullptr;
}

KernelRegistry::CodeAndFunction KernelRegistry::splitCodeAndFunction(const QString& afterPrefix)
{
    const qsizetype colon = afterPrefix.lastIndexOf(QLatin1Char(':'));
    if (colon < 0)
        return { afterPrefix, QString() };
    return { afterPrefix.left(colon), afterPrefix.mid(colon + 1) };
}

QString KernelRegistry::resolvedName(const QString& name)
{
    const auto kernel = create(name);
    return kernel ? kernel->name() : name;
}

} // namespace parlab
