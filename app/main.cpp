// parlab: the GUI, or with a command word the same engine headless.

#include "cli/cliutil.h"
#include "cli/enginecommand.h"
#include "cli/historycommand.h"
#include "cli/listcommand.h"
#include "cli/overheadcommand.h"
#include "cli/predictcommand.h"
#include "cli/runcommand.h"
#include "cli/workercommand.h"
#include "gui.h"
#include "kernels/library.h"
#include "processguard.h"

#include <QCoreApplication>

namespace {
const char* const kUsage = R"(Usage: parlab [<command>] [options]

ParLab measures parallel speedup: a kernel over a list of inputs, on several backends and worker counts,
repeated, with statistics and the speedup the best simple schedule of those tasks reaches.

Commands:
  gui      the window (also: parlab with no command); --preset NAME, --lesson ID, --autorun
  run      measure an experiment and print the results (parlab run --help)
  list     list kernels, backends (with availability) or presets (parlab list --help)
  overhead measure what threads, processes and MPI cost here, next to raw floors
  predict  the speedup a run's backends would reach at other worker counts and on more cores (parlab predict --help)
  history  the saved runs: list, show, compare, export, delete, rename, note, import (parlab history --help)

Options:
  -h, --help     show this help
  --version      show the version

Examples:
  parlab run --kernel fib --inputs 38,37,36,35,34,33 --backends sequential,threads,qtconcurrent --workers 1,2
  parlab run --preset classic --repeat 3
  parlab gui --preset classic --autorun
  parlab history compare 3 last
)";

int dispatch(const QString& command, const QStringList& arguments)
{
    using namespace parlab::cli;
    if (command == QStringLiteral("--help") || command == QStringLiteral("-h") || command == QStringLiteral("help")) {
        printOut(QString::fromUtf8(kUsage));
        return ExitOk;
    }
    if (command == QStringLiteral("--version")) {
        printOut(QStringLiteral("parlab %1\n").arg(QCoreApplication::applicationVersion()));
        return ExitOk;
    }
    if (command == QStringLiteral("run"))
        return runCommand(arguments);
    if (command == QStringLiteral("list"))
        return listCommand(arguments);
    if (command == QStringLiteral("overhead"))
        return overheadCommand(arguments);
    if (command == QStringLiteral("predict"))
        return predictCommand(arguments);
    if (command == QStringLiteral("history"))
        return historyCommand(arguments);
    // Internal, left out of the usage: ParLab starts these, with what they read on stdin.
    if (command == QStringLiteral("worker"))
        return workerCommand(arguments);
    if (command == QStringLiteral("engine"))
        return engineCommand(arguments);
    printErr(QStringLiteral("parlab: error: unknown command '%1'\n").arg(command));
    printErr(QString::fromUtf8(kUsage));
    return ExitUsage;
}
// Whether the command runs experiments or measurements, whose workers, programs, interpreters and ranks, with
// what they start in turn, must not outlive parlab: the window (also no command), run and overhead.
bool startsRunProcesses(int argc, char* argv[])
{
    if (argc < 2)
        return true;
    const QByteArrayView command(argv[1]);
    return command == "gui" || command == "run" || command == "overhead";
}
} // namespace

int main(int argc, char* argv[])
{
    // While this process has one thread: the watchdog that ends a run's processes however parlab ends, for the
    // commands that start any. A worker passes its parlab's mark on instead; the others start none, or only a
    // program that dies with them (`list backends` asks python3 its version: its parent-death signal ends it).
    if (startsRunProcesses(argc, argv))
        parlab::ProcessGuard::install();
    // The window and `parlab run` hand a user's code to the engine process, and only check it here: a library whose
    // constructors crash must not take them down.
    if (argc < 2 || QByteArrayView(argv[1]) == "gui" || QByteArrayView(argv[1]) == "run")
        parlab::LibraryKernel::setLoadsHere(false);
    // The window needs a QApplication (and a display); every command runs headless on QCoreApplication.
    if (argc < 2 || QByteArrayView(argv[1]) == "gui")
        return parlab::runGui(argc, argv);
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("parlab"));
    QCoreApplication::setOrganizationName(QStringLiteral("ParLab"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PARLAB_VERSION));

    QStringList arguments = QCoreApplication::arguments().mid(1);
    const QString command = arguments.isEmpty() ? QString() : arguments.takeFirst();
    const int code = dispatch(command, arguments);
    // What a command printed on stdout is its result: output that did not arrive is a failure, whatever the
    // command's own exit code said.
    if (const parlab::Result<void> output = parlab::cli::finishOutput(); !output) {
        parlab::cli::printErr(QStringLiteral("parlab: error: %1\n").arg(output.error()));
        return code == parlab::cli::ExitOk ? parlab::cli::ExitRunFailed : code;
    }
    return code;
}
