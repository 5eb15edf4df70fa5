#include "optionflags.h"

#include "optiondescriptor.h"
#include "runoptions.h"

#include <QCommandLineParser>
#include <QFileInfo>

namespace parlab::cli {

OptionFlags::OptionFlags()
    : OptionFlags(QList<Option> {})
{ }

OptionFlags::OptionFlags(const QList<Option>& only)
{
    const QList<OptionDescriptor>& descriptors = RunOptions::descriptors();
    for (qsizetype i = 0; i < descriptors.size(); ++i) {
        const OptionDescriptor& d = descriptors[i];
        if (!only.isEmpty() && !only.contains(d.option))
            continue;
        m_descriptors.append(i);
        if (d.type == OptionDescriptor::Type::Boolean)
            m_flags.append(QCommandLineOption(d.flag, d.helpText()));
        else
            m_flags.append(QCommandLineOption(d.flag, d.helpText(), d.valueName));
    }
}

Result<void> OptionFlags::apply(const QCommandLineParser& parser, RunOptions& options) const
{
    const QList<OptionDescriptor>& descriptors = RunOptions::descriptors();
    for (qsizetype i = 0; i < m_flags.size(); ++i) {
        const OptionDescriptor& d = descriptors[m_descriptors[i]];
        const QCommandLineOption& flag = m_flags[i];
        if (!parser.isSet(flag))
            continue;
        if (d.type == OptionDescriptor::Type::Boolean) {
            options.setValue(d, true);
            continue;
        }
        const QString name = QStringLiteral("--") + d.flag;
        auto value = d.parse(parser.value(flag), name);
        if (!value)
            return fail(value.error());
        if (d.type == OptionDescriptor::Type::File) {
            // Checked here, where the user can fix it, and made absolute: the run may start elsewhere (mpirun).
            const QFileInfo info(value->toString());
            if (!info.isFile() || !info.isReadable())
                return fail(QStringLiteral("%1: cannot read '%2'").arg(name, value->toString()));
            *value = info.absoluteFilePath();
        }
        options.setValue(d, *value);
    }
    return {};
}

} // namespace parlab::cli
