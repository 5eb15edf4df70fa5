#include "gui.h"

#include "cli/cliutil.h"
#include "lessons/lessonbook.h"
#include "mainwindow.h"
#include "presets.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QTimer>

namespace parlab {

int runGui(int argc, char* argv[])
{
    // Without a display Qt would abort with a plugin error: say what to do instead.
    if (qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY")
        && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) {
        cli::printErr(QStringLiteral("parlab: no display to open the window on (DISPLAY and WAYLAND_DISPLAY are not "
                                     "set). Use the command line instead, e.g. `parlab run --preset classic` (see "
                                     "`parlab --help`), or set QT_QPA_PLATFORM=offscreen.\n"));
        return cli::ExitUsage;
    }
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("parlab"));
    QApplication::setOrganizationName(QStringLiteral("ParLab"));
    QApplication::setApplicationDisplayName(QStringLiteral("ParLab"));
    QApplication::setApplicationVersion(QStringLiteral(PARLAB_VERSION));
    QApplication::setDesktopFileName(QStringLiteral(PARLAB_APP_ID));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/parlab.svg")));

    QStringList arguments = QApplication::arguments().mid(1);
    if (!arguments.isEmpty() && arguments.first() == QStringLiteral("gui"))
        arguments.removeFirst();
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Opens ParLab's window: pick a kernel, inputs, backends and worker counts, run (Ctrl+R), cancel (Esc), "
        "and watch wall time and speedup charted live."));
    const QCommandLineOption preset(QStringLiteral("preset"),
        QStringLiteral("Fill the form from a shipped preset (parlab list presets)."), QStringLiteral("name"));
    const QCommandLineOption lesson(QStringLiteral("lesson"),
        QStringLiteral("Open a guided lesson in the Lessons tab: %1.").arg(Lessons::ids().join(QStringLiteral(", "))),
        QStringLiteral("id"));
    const QCommandLineOption autorun(
        QStringLiteral("autorun"), QStringLiteral("Start the experiment (or the lesson's) at once."));
    parser.addOptions({ preset, lesson, autorun });
    bool handled = false;
    int exitCode = cli::ExitOk;
    if (!cli::parseArguments(parser, QStringLiteral("gui"), arguments, handled, exitCode))
        return exitCode;
    if (!parser.positionalArguments().isEmpty())
        return cli::usageError(QStringLiteral("gui"),
            QStringLiteral("unexpected argument '%1'").arg(parser.positionalArguments().first()));
    if (parser.isSet(preset)) {
        if (const Result<Preset> found = Presets::find(parser.value(preset).trimmed()); !found)
            return cli::usageError(QStringLiteral("gui"), found.error());
    }

    if (parser.isSet(lesson) && !Lessons::find(parser.value(lesson).trimmed()))
        return cli::usageError(QStringLiteral("gui"),
            QStringLiteral("no lesson '%1' (there are %2)")
                .arg(parser.value(lesson), Lessons::ids().join(QStringLiteral(", "))));

    MainWindow window;
    if (parser.isSet(preset))
        window.applyPreset(parser.value(preset).trimmed());
    window.show();
    if (parser.isSet(lesson)) {
        const QString id = parser.value(lesson).trimmed();
        const bool run = parser.isSet(autorun);
        QTimer::singleShot(0, &window, [&window, id, run] { window.openLesson(id, run); });
    } else if (parser.isSet(autorun)) {
        QTimer::singleShot(0, &window, &MainWindow::startRun);
    }
    return QApplication::exec();
}

} // namespace parlab
