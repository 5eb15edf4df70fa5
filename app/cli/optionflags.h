#pragma once

#include "optiondescriptor.h"
#include "result.h"

#include <QCommandLineOption>
#include <QList>

class QCommandLineParser;

namespace parlab {
struct RunOptions;
}

namespace parlab::cli {

// The run options as `parlab run` flags, one per OptionDescriptor (RunOptions::descriptors()): the flag's name,
// value name and help (what it applies to, default, range) come from the descriptor, so --help, the window and
// the files cannot disagree. A yes/no option is a flag without a value that turns it on.
class OptionFlags final {
public:
    OptionFlags();
    // Only the flags of `only` (in the order of RunOptions::descriptors()): a command that needs a few of them.
    explicit OptionFlags(const QList<Option>& only);

    const QList<QCommandLineOption>& flags() const { return m_flags; }

    // Sets in `options` every option whose flag was given, leaving the others as they are (a preset's, or the
    // defaults). A bad value is an error naming the flag, the value and the range ("--chunksize must be a whole
    // number from 1 to 1000000, not 0"); a file that cannot be read is named too, and a readable one made absolute.
    Result<void> apply(const QCommandLineParser& parser, RunOptions& options) const;

private:
    QList<QCommandLineOption> m_flags; // in the order of RunOptions::descriptors()
    QList<qsizetype> m_descriptors; // the index in RunOptions::descriptors() of each flag
};

} // namespace parlab::cli
