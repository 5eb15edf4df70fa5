#include "workercommand.h"

#include "backends/backend.h"
#include "cliutil.h"
#include "cpus.h"
#include "kernels/kernel.h"
#include "kernels/kernelregistry.h"
#include "runoptions.h"
#include "worker/workerloop.h"
#include "worker/workerprotocol.h"

#include <QCommandLineParser>
#include <QJsonDocument>
#include <QJsonObject>

namespace parlab::cli {

int workerCommand(const QStringList& arguments)
{
    const QString command = QStringLiteral("worker");
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "The worker process of the processes and process-per-task backends: reads task lines ('T <index> "
        "<input>') on stdin and answers each on stdout. ParLab starts it; people need not."));
    const QCommandLineOption kernelOption(
        QStringLiteral("kernel"), QStringLiteral("Kernel to run."), QStringLiteral("name"));
    const QCommandLineOption workerOption(QStringLiteral("worker"), QStringLiteral("Worker id reported in results."),
        QStringLiteral("n"), QStringLiteral("0"));
    const QCommandLineOption optionsOption(
        QStringLiteral("options"), QStringLiteral("Experiment options as a JSON object."), QStringLiteral("json"));
    const QCommandLineOption cpuOption(QStringLiteral("cpu"),
        QStringLiteral("Run on this CPU alone (option pin); the worker ends with an error line if it cannot."),
        QStringLiteral("n"));
    parser.addOptions({ kernelOption, workerOption, optionsOption, cpuOption });
    bool handled = false;
    int exitCode = ExitOk;
    if (!parseArguments(parser, command, arguments, handled, exitCode))
        return exitCode;

    // Problems are reported on the protocol too, so the parent can quote them.
    auto fatal = [](const QString& message) {
        printOut(QString::fromUtf8(WorkerProtocol::fatal(message)));
        printErr(QStringLiteral("parlab worker: error: %1\n").arg(message));
        return ExitUsage;
    };
    const auto kernel = KernelRegistry::create(parser.value(kernelOption));
    if (!kernel)
        return fatal(QStringLiteral("unknown kernel '%1'").arg(parser.value(kernelOption)));
    RunOptions options;
    if (parser.isSet(optionsOption)) {
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(parser.value(optionsOption).toUtf8(), &error);
        if (error.error != QJsonParseError::NoError || !doc.isObject())
            return fatal(QStringLiteral("--options is not a JSON object: %1").arg(error.errorString()));
        auto decoded = RunOptions::fromJson(doc.object(), QStringLiteral("--options"));
        if (!decoded)
            return fatal(decoded.error());
        options = *decoded;
    }
    if (const Result<void> configured = kernel->configure(options); !configured)
        return fatal(configured.error());
    bool ok = false;
    const int worker = parser.value(workerOption).toInt(&ok);
    if (!ok || worker < 0)
        return fatal(QStringLiteral("--worker must be a whole number of at least 0"));
    if (parser.isSet(cpuOption)) {
        // Before the worker loop starts its watcher thread, so that every thread of the worker, and every program a
        // task starts, inherits the one CPU.
        const int cpu = parser.value(cpuOption).toInt(&ok);
        if (!ok)
            return fatal(QStringLiteral("--cpu must be a CPU number, not '%1'").arg(parser.value(cpuOption)));
        if (const Result<void> pinned = pinCurrentThread(cpu); !pinned)
            return fatal(pinFailure(worker, cpu, pinned.error()));
    }
    return runWorkerLoop(*kernel, worker);
}

} // namespace parlab::cli
