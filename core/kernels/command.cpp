#include "builtinkernels.h"
#include "childprocess.h"
#include "clock.h"
#include "context.h"
#include "kernel.h"
#include "optiondescriptor.h"
#include "resourceusage.h"
#include "runoptions.h"

#include <poll.h>
#include <stdexcept>

namespace parlab {

namespace {
const QString kCommand = QStringLiteral("command");

// Runs the user's own program once per input (`{}` in the command line becomes the input), through
// /bin/sh so quoting works as in a terminal. The checksum hashes the program's stdout and exit code,
// so every backend must see the same output; a non-zero exit is a failed task. Whatever the program leaves
// running in its process group when it exits is ended with the task.
class CommandKernel final : public Kernel {
public:
    QString name() const override { return kCommand; }
    QString description() const override
    {
        return QStringLiteral("runs your program for each input ({} in --command becomes the input)");
    }
    KernelKind kind() const override { return KernelKind::Mixed; }
    QString inputMeaning() const override { return QStringLiteral("the value put in place of {}"); }
    InputRange range() const override
    {
        return { -1'000'000'000'000'000LL, 1'000'000'000'000'000LL,
            QStringLiteral("inputs are passed to the program as text") };
    }
    double cost(qint64) const override { return 1.0; }
    bool costIsKnown() const override { return false; } // the user's program: anything from microseconds to days

    QList<OptionDescriptor> settings() const override
    {
        return { { .key = kCommand,
            .flag = kCommand,
            .label = QStringLiteral("Comman&d"),
            .type = OptionDescriptor::Type::Text,
            .defaultValue = QString(),
            .valueName = QStringLiteral("line"),
            .help = QStringLiteral("the program to run for each input, {} replaced by the input, run through /bin/sh "
                                   "(e.g. 'python3 child.py --n {}').") } };
    }

    Result<void> configure(const RunOptions& options) override
    {
        m_command = options.kernelSetting(kCommand).toString().trimmed();
        if (m_command.isEmpty())
            return fail(QStringLiteral("the command kernel needs a program to run: --command 'prog --n {}'"));
        return {};
    }

    quint64 run(qint64 input, Context& context) const override
    {
        QString line = m_command;
        line.replace(QStringLiteral("{}"), QString::number(input));
        ChildProcess child;
        if (const Result<void> started = child.start(QStringLiteral("/bin/sh"), { QStringLiteral("-c"), line });
            !started)
            throw std::runtime_error(started.error().toStdString());
        child.closeStdin();
        // Hashed as it arrives: the output may be far larger than memory (FNV-1a, byte by byte, as before).
        quint64 hash = 0xcbf29ce484222325ULL;
        bool outOpen = true, errOpen = true;
        while (outOpen || errOpen) {
            pollfd fds[2] = { { child.stdoutFd(), POLLIN, 0 }, { child.stderrFd(), POLLIN, 0 } };
            ::poll(fds, 2, 20);
            context.poll(); // a cancel throws here; ~ChildProcess stops the program's whole group
            if (outOpen)
                outOpen = child.readStdout();
            if (errOpen)
                errOpen = child.readStderr();
            for (char c : std::as_const(child.stdoutBuffer()))
                hash = (hash ^ quint8(c)) * 0x100000001b3ULL;
            // resize, not clear: the buffer keeps its capacity, one allocation for the whole output, not one per read.
            child.stdoutBuffer().resize(0);
        }
        while (!child.waitForExit(20))
            context.poll();
        // The program's memory and switches are the task's: its worker counts them (ParLab's own figures miss them).
        const ChildProcess::Used& used = child.used();
        ResourceUsage::countProgram(used.peakRssBytes, used.voluntarySwitches, used.involuntarySwitches);
        // The task ends with its program: what it left running in the background ends too.
        child.endGroup();
        if (!child.exitedNormally() || child.exitCode() != 0) {
            QString message = QStringLiteral("'%1' %2").arg(line, child.exitDescription());
            if (!child.stderrTail().isEmpty())
                message += QStringLiteral(": ") + child.stderrTail().right(500);
            throw std::runtime_error(message.toStdString());
        }
        return mix64(hash ^ quint64(child.exitCode()));
    }

private:
    QString m_command;
};
} // namespace

std::unique_ptr<Kernel> makeCommandKernel()
{
    return std::make_unique<CommandKernel>();
}

} // namespace parlab
