#include "pythonfunction.h"

#include "kernelregistry.h"

#include <QDir>
#include <algorithm>
#include <stdexcept>

namespace parlab {

namespace {
// A Python identifier (ASCII and the letters of other scripts alike, as Python allows).
bool isIdentifier(const QString& text)
{
    if (text.isEmpty() || text.front().isDigit())
        return false;
    return std::all_of(text.cbegin(), text.cend(), [](QChar c) { return c.isLetterOrNumber() || c == u'_'; });
}

bool isModuleName(const QString& text)
{
    const QStringList parts = text.split(QLatin1Char('.'));
    return std::all_of(parts.cbegin(), parts.cend(), isIdentifier);
}
} // namespace

PythonFunctionKernel::PythonFunctionKernel(QString file, QString module, QString function)
    : m_file(std::move(file))
    , m_module(std::move(module))
    , m_function(std::move(function))
{ }

QString PythonFunctionKernel::syntax()
{
    return QStringLiteral("py:PATH.py:FUNC or py:package.module:FUNC (your Python function FUNC(n))");
}

Result<std::unique_ptr<Kernel>> PythonFunctionKernel::make(const QString& name)
{
    Q_ASSERT(name.startsWith(kPrefix));
    const QString rest = name.mid(kPrefix.size());
    const auto [location, function] = KernelRegistry::splitCodeAndFunction(rest);
    const auto wrong
        = [&](const QString& why) { return fail(QStringLiteral("'%1': %2; write %3").arg(name, why, syntax())); };
    if (!rest.contains(QLatin1Char(':')) || location.isEmpty())
        return wrong(QStringLiteral("name the file or module and the function"));
    if (!isIdentifier(function))
        return wrong(function.isEmpty() ? QStringLiteral("the function's name is missing")
                                        : QStringLiteral("'%1' is not a Python function name").arg(function));
    Result<Location> where = locate(location);
    if (!where)
        return wrong(where.error());
    return std::unique_ptr<Kernel>(new PythonFunctionKernel(where->file, where->module, function));
}

Result<PythonFunctionKernel::Location> PythonFunctionKernel::locate(const QString& location)
{
    // Made absolute once, here: the run records this name.
    if (location.endsWith(QStringLiteral(".py")) || location.contains(QLatin1Char('/')))
        return Location { QDir::cleanPath(QDir::current().absoluteFilePath(location)), QString() };
    if (isModuleName(location))
        return Location { QString(), location };
    return fail(QStringLiteral("'%1' is neither a .py file nor a module name").arg(location));
}

QString PythonFunctionKernel::name() const
{
    return QStringLiteral("%1%2:%3").arg(kPrefix, m_file.isEmpty() ? m_module : m_file, m_function);
}

QString PythonFunctionKernel::description() const
{
    return m_file.isEmpty() ? QStringLiteral("your Python function %1 in module %2").arg(m_function, m_module)
                            : QStringLiteral("your Python function %1 in %2").arg(m_function, m_file);
}

QString PythonFunctionKernel::inputMeaning() const
{
    return QStringLiteral("n in %1(n)").arg(m_function);
}

InputRange PythonFunctionKernel::range() const
{
    // Inputs travel to the interpreter as JSON numbers, which readers keep exact up to 2^53.
    constexpr qint64 kExact = qint64(1) << 53;
    return { -kExact, kExact, QStringLiteral("inputs reach Python as JSON numbers, exact up to 2^53") };
}

quint64 PythonFunctionKernel::run(qint64, Context&) const
{
    throw std::runtime_error(
        QStringLiteral("%1 is a Python function: only the python-* backends run it").arg(name()).toStdString());
}

} // namespace parlab
