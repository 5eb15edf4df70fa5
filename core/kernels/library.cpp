#include "library.h"

#include "childprocess.h"
#include "context.h"
#include "crashreport.h"
#include "elffile.h"
#include "experimentspec.h"
#include "installlayout.h"
#include "kernelregistry.h"

#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <atomic>
#include <cxxabi.h>
#include <dlfcn.h>
#include <limits>
#include <link.h>
#include <stdexcept>

namespace parlab {

namespace {
// How many exported functions an error lists before it only counts them.
constexpr int kListedExports = 8;

QString demangled(const QString& symbol)
{
    int status = 0;
    char* text = abi::__cxa_demangle(symbol.toUtf8().constData(), nullptr, nullptr, &status);
    QString result = status == 0 && text ? QString::fromUtf8(text) : QString();
    std::free(text);
    return result;
}

// The C++ function's bare name in a demangled signature: "ns::kernel(long)" -> "kernel".
QString bareName(const QString& signature)
{
    QString name = signature.left(signature.indexOf(QLatin1Char('(')));
    return name.mid(name.lastIndexOf(QLatin1String("::")) + 1).remove(QLatin1Char(':'));
}

// Why `symbol` is not among `exports`, with what to do instead.
QString missingFunction(const QString& library, const QString& symbol, const QStringList& exports)
{
    QString message = QStringLiteral("the library '%1' has no function '%2'").arg(library, symbol);
    for (const QString& exported : exports) {
        const QString signature = exported.startsWith(QLatin1String("_Z")) ? demangled(exported) : QString();
        if (!signature.isEmpty() && bareName(signature) == symbol)
            return message
                + QStringLiteral(": it has the C++ function %1, exported under the mangled name '%2'; declare it "
                                 "PARLAB_KERNEL (extern \"C\"), from <parlab/kernel_abi.h>, or give --kernel that name")
                      .arg(signature, exported);
    }
    if (const QString guess = closestName(symbol, exports); !guess.isEmpty())
        message += QStringLiteral(": did you mean '%1'?").arg(guess);
    if (exports.isEmpty())
        return message
            + QStringLiteral(" (it exports no functions: mark yours PARLAB_KERNEL, from <parlab/kernel_abi.h>)");
    if (exports.size() <= kListedExports)
        return message + QStringLiteral(" (it exports %1)").arg(exports.join(QStringLiteral(", ")));
    return message
        + QStringLiteral(" (it exports %1 functions, e.g. %2)")
              .arg(exports.size())
              .arg(exports.first(kListedExports).join(QStringLiteral(", ")));
}
} // namespace

LibraryKernel::LibraryKernel(QString path, QString symbol)
    : m_path(std::move(path))
    , m_symbol(std::move(symbol))
    , m_label(name().toUtf8())
{ }

LibraryKernel::~LibraryKernel()
{
    unload();
}

QString LibraryKernel::syntax()
{
    return QStringLiteral("lib:PATH.so:SYMBOL (your C function uint64_t SYMBOL(int64_t), <parlab/kernel_abi.h>)");
}

Result<std::unique_ptr<Kernel>> LibraryKernel::make(const QString& name)
{
    Q_ASSERT(name.startsWith(kPrefix));
    const auto [location, function] = KernelRegistry::splitCodeAndFunction(name.mid(kPrefix.size()));
    if (location.isEmpty() || function.isEmpty())
        return fail(QStringLiteral("'%1': name the library and its function; write %2").arg(name, syntax()));
    // Made absolute once, here: the run records this name.
    return std::unique_ptr<Kernel>(
        new LibraryKernel(QDir::cleanPath(QDir::current().absoluteFilePath(location)), function));
}

QString LibraryKernel::name() const
{
    return kPrefix + m_path + QLatin1Char(':') + m_symbol;
}

QString LibraryKernel::description() const
{
    return QStringLiteral("your function %1 in %2 (uint64_t %1(int64_t), <parlab/kernel_abi.h>)")
        .arg(m_symbol, QFileInfo(m_path).fileName());
}

InputRange LibraryKernel::range() const
{
    return { std::numeric_limits<qint64>::min(), std::numeric_limits<qint64>::max(),
        QStringLiteral("your function takes any int64_t") };
}

namespace {
std::atomic<bool> g_loadsHere { true };
} // namespace

void LibraryKernel::setLoadsHere(bool loads)
{
    g_loadsHere = loads;
}

Result<void> LibraryKernel::configure(const RunOptions& options)
{
    Q_UNUSED(options);
    if (m_handle)
        return {};
    if (g_loadsHere)
        return load();
    if (Result<void> loadable = ElfFile::checkLoadable(m_path); !loadable)
        return fail(QStringLiteral("the library ") + loadable.error());
    const Result<QStringList> exports = ElfFile::exportedFunctions(m_path);
    if (exports && !exports->contains(m_symbol))
        return fail(missingFunction(m_path, m_symbol, *exports));
    return {};
}

Result<void> LibraryKernel::checkLoads() const
{
    if (g_loadsHere)
        return {}; // configure() loaded it
    // A worker loads its kernel before it reads a task: with no task to come, it loads the library and ends.
    QProcess worker;
    worker.start(helperPath(Helper::Worker), { QStringLiteral("worker"), QStringLiteral("--kernel"), name() });
    worker.closeWriteChannel();
    constexpr int kLoadMs = 30'000; // a library with heavy constructors, on a loaded machine
    if (!worker.waitForFinished(kLoadMs)) {
        worker.kill();
        worker.waitForFinished();
        if (worker.error() == QProcess::FailedToStart)
            return fail(QStringLiteral("cannot check the library '%1': %2 does not start (%3)")
                            .arg(m_path, helperPath(Helper::Worker), worker.errorString()));
        return fail(QStringLiteral("the library '%1' did not finish loading in %2 s").arg(m_path).arg(kLoadMs / 1000));
    }
    const QString said = QString::fromLocal8Bit(worker.readAllStandardError());
    if (worker.exitStatus() == QProcess::CrashExit) // on Unix QProcess keeps the signal as the exit code
        return fail(QStringLiteral("the library '%1' crashes when it is loaded (in its constructors): %2")
                        .arg(m_path, ChildProcess::signalName(worker.exitCode())));
    if (worker.exitCode() != 0) {
        static const QString kError = QStringLiteral("parlab worker: error: ");
        const qsizetype at = said.lastIndexOf(kError);
        return fail(at >= 0 ? said.mid(at + kError.size()).trimmed()
                            : QStringLiteral("the library '%1' cannot be loaded: %2").arg(m_path, said.trimmed()));
    }
    return {};
}

Result<void> LibraryKernel::load()
{
    // Read before dlopen, whose messages for a file of another architecture ("wrong ELF class") do not say which.
    if (Result<void> loadable = ElfFile::checkLoadable(m_path); !loadable)
        return fail(QStringLiteral("the library ") + loadable.error());
    // RTLD_LOCAL: the user's symbols cannot replace ParLab's, nor one user library's another's.
    m_handle = ::dlopen(m_path.toLocal8Bit().constData(), RTLD_NOW | RTLD_LOCAL);
    if (!m_handle)
        return fail(
            QStringLiteral("the library '%1' cannot be loaded: %2").arg(m_path, QString::fromLocal8Bit(::dlerror())));
    ::dlerror();
    void* address = ::dlsym(m_handle, m_symbol.toUtf8().constData());
    Dl_info info {};
    void* entry = nullptr; // the symbol's ElfW(Sym)
    const bool found = address && ::dladdr1(address, &info, &entry, RTLD_DL_SYMENT) != 0;
    const int type = found && entry ? static_cast<const ElfW(Sym)*>(entry)->st_info & 0xf : STT_FUNC;
    if (!address || (type != STT_FUNC && type != STT_GNU_IFUNC)) {
        unload();
        const Result<QStringList> exports = ElfFile::exportedFunctions(m_path);
        if (address)
            return fail(
                QStringLiteral("the library '%1' has '%2', but it is data, not a function").arg(m_path, m_symbol));
        return fail(missingFunction(m_path, m_symbol, exports.value_or({})));
    }
    m_function = reinterpret_cast<parlab_kernel_fn>(address);
    return {};
}

void LibraryKernel::unload()
{
    m_function = nullptr;
    if (m_handle)
        ::dlclose(m_handle);
    m_handle = nullptr;
}

quint64 LibraryKernel::run(qint64 input, Context& context) const
{
    if (!m_function)
        throw std::logic_error("a library kernel ran before configure() loaded it");
    quint64 checksum = 0;
    {
        const CurrentTask task(m_label.constData(), input);
        checksum = m_function(input);
    }
    // Where CPython's eval loop goes on after a C call returns: the GIL model's holder offers the lock here, and a
    // cancel takes effect (nothing can stop the call itself halfway).
    context.poll();
    return checksum;
}

} // namespace parlab
