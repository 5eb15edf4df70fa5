#include "gui.h"

#include "cli/cliutil.h"
#include "mainwindow.h"
#include "presets.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>

namespace parlab {

int runGui(int argc, char* argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("parlab"));
    QApplication::setOrganizationName(QStringLiteral("ParLab"));
    QApplication::setApplicationDisplayName(QStringLiteral("ParLab"));
    QApplication::setApplicationVersion(QStringLiteral(PARLAB_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("parlab"));

    QStringList arguments = QApplication::arguments().mid(1);
    if (!arguments.isEmpty() && arguments.first() == QStringLiteral("gui"))
        arguments.removeFirst();
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Opens ParLab's window: pick a kernel, inputs, backends and worker counts, run (Ctrl+R), cancel (Esc), "
        "and watch wall time and speedup charted live."));
    const QCommandLineOption preset(QStringLiteral("preset"),
        QStringLiteral("Fill the form from a shipped preset (parlab list presets)."), QStringLiteral("name"));
    const QCommandLineOption autorun(QStringLiteral("autorun"), QStringLiteral("Start the experiment at once."));
    parser.addOptions({ preset, autorun });
    bool handled = false;
    int exitCode = cli::ExitOk;
    if (!cli::parseArguments(parser, QStringLiteral("gui"), arguments, handled, exitCode))
        return exitCode;
    if (!parser.positionalArguments().isEmpty())
        return cli::usageError(QStringLiteral("gui"),
            QStringLiteral("unexpected argument '%1'").arg(parser.positionalArguments().first()));
    if (parser.isSet(preset)) {
        QString error;
        if (!Presets::find(parser.value(preset).trimmed(), &error))
            return cli::usageError(QStringLiteral("gui"), error);
    }

    MainWindow window;
    if (parser.isSet(preset))
        window.applyPreset(parser.value(preset).trimmed());
    window.show();
    if (parser.isSet(autorun))
        QTimer::singleShot(0, &window, &MainWindow::startRun);
    return QApplication::exec();
}

} // namespace parlab
