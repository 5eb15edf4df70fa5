#include "usercode.h"

#include "backends/backendregistry.h"
#include "backends/pythonbackend.h"
#include "elffile.h"
#include "kernel.h"
#include "kernelregistry.h"
#include "library.h"
#include "pythonfunction.h"
#include "runoptions.h"

#include <QFileInfo>
#include <algorithm>

namespace parlab {

namespace {
// Whether a library's exported function looks like a kernel by its name: a C name (PARLAB_KERNEL gives one), not a
// mangled C++ name nor one reserved to the implementation (_start, __libc_...).
bool looksLikeKernel(const QString& symbol)
{
    if (symbol.isEmpty() || symbol.front() == u'_' || symbol.front().isDigit())
        return false;
    return std::all_of(symbol.cbegin(), symbol.cend(), [](QChar c) { return c.isLetterOrNumber() || c == u'_'; });
}

Result<CodeListing> listLibrary(const QString& location)
{
    const QString path = QFileInfo(location).absoluteFilePath();
    // exportedFunctions checks first, in LibraryKernel::configure's words, that the file loads here at all.
    const Result<QStringList> exported = ElfFile::exportedFunctions(path);
    if (!exported)
        return fail(QStringLiteral("the library ") + exported.error());
    CodeListing listing { path, {} };
    for (const QString& symbol : *exported) {
        if (looksLikeKernel(symbol))
            listing.functions.append({ symbol, symbol, true, {} });
    }
    return listing;
}

// Why no function of the file can be chosen.
QString nothingToCall(UserCode::Language language, const CodeListing& listing)
{
    const QString file = QFileInfo(listing.file).fileName();
    if (language == UserCode::Language::Library)
        return QStringLiteral("the library '%1' exports no C functions: mark yours PARLAB_KERNEL, from "
                              "<parlab/kernel_abi.h>")
            .arg(listing.file);
    if (listing.functions.isEmpty())
        return QStringLiteral("%1 defines no functions (ParLab calls a top-level def f(n))").arg(file);
    return listing.functions.constFirst().whyNot;
}
} // namespace

QString UserCode::prefix(Language language)
{
    return language == Language::Python ? PythonFunctionKernel::kPrefix : QString(LibraryKernel::kPrefix);
}

std::optional<UserCode::Choice> UserCode::parse(const QString& kernelName)
{
    for (const Language language : { Language::Python, Language::Library }) {
        if (!kernelName.startsWith(prefix(language)))
            continue;
        const auto [location, function] = KernelRegistry::splitCodeAndFunction(kernelName.mid(prefix(language).size()));
        return Choice { language, location, function };
    }
    return std::nullopt;
}

QString UserCode::kernelName(const Choice& choice)
{
    if (choice.location.trimmed().isEmpty() || choice.function.isEmpty())
        return {};
    return KernelRegistry::resolvedName(
        prefix(choice.language) + choice.location.trimmed() + QLatin1Char(':') + choice.function);
}

Result<CodeListing> UserCode::list(Language language, const QString& location, const RunOptions& options)
{
    if (location.trimmed().isEmpty())
        return fail(language == Language::Python ? QStringLiteral("choose your Python file (or name a module)")
                                                 : QStringLiteral("choose your shared library"));
    if (language == Language::Python)
        return PythonBackend::listFunctions(location.trimmed(), options);
    return listLibrary(location.trimmed());
}

UserCode::Inspection UserCode::inspect(const Choice& choice, bool keepMissing, const RunOptions& options)
{
    Inspection result { list(choice.language, choice.location, options), choice.function, {}, {} };
    if (!result.listing) {
        if (!keepMissing)
            result.function.clear(); // a file never read: none of its functions is chosen
        result.check = fail(result.listing.error());
        return result;
    }
    const QList<CodeFunction>& functions = result.listing->functions;
    const auto listed = [&functions](const QString& name) {
        return std::find_if(
            functions.cbegin(), functions.cend(), [&name](const CodeFunction& f) { return f.name == name; });
    };
    if (result.function.isEmpty() || (!keepMissing && listed(result.function) == functions.cend())) {
        const auto callable
            = std::find_if(functions.cbegin(), functions.cend(), [](const CodeFunction& f) { return f.callable; });
        result.function = callable == functions.cend() ? QString() : callable->name;
    }
    if (result.function.isEmpty()) {
        result.check = fail(nothingToCall(choice.language, *result.listing));
        return result;
    }

    // The checks a run makes before it starts, on every backend here that runs this kind of code.
    Result<std::unique_ptr<Kernel>> kernel
        = KernelRegistry::make(kernelName({ choice.language, choice.location, result.function }));
    if (!kernel) {
        result.check = fail(kernel.error());
        return result;
    }
    if (result.check = (*kernel)->configure(options); !result.check)
        return result;
    QString runtime;
    for (const BackendFacts& backend : BackendRegistry::all()) {
        if (!BackendRegistry::availability(backend.id, options).available
            || !BackendRegistry::checkKernel(backend.id, **kernel, options))
            continue;
        if (result.check = BackendRegistry::checkCode(backend.id, **kernel, options); !result.check)
            return result;
        if (runtime.isEmpty() && backend.checkCode && backend.runtime)
            runtime = backend.runtime(options); // what checked it: "Python 3.11.2 (/usr/bin/python3)"
    }

    const auto function = listed(result.function);
    const QString signature = function == functions.cend() ? result.function : function->signature;
    const auto* python = dynamic_cast<const PythonFunctionKernel*>(kernel->get());
    const QString where = python && !python->module().isEmpty() ? QStringLiteral("module %1").arg(python->module())
                                                                : QFileInfo(result.listing->file).fileName();
    // Checked here by configure (a library: read, or loaded where tasks run), and by what else runs it.
    QStringList by;
    if ((*kernel)->runsNatively())
        by.append(QStringLiteral("here"));
    if (!runtime.isEmpty())
        by.append(QStringLiteral("with %1").arg(runtime));
    result.summary = QStringLiteral("%1 in %2, checked %3").arg(signature, where, by.join(QStringLiteral(" and ")));
    return result;
}

} // namespace parlab
