#include "sweeprun.h"

#include "cliutil.h"
#include "export/htmlreport.h"
#include "export/sweepreport.h"
#include "history/historystore.h"
#include "lessons/lessonbook.h"
#include "signalwatcher.h"
#include "sweep.h"
#include "sweepsession.h"
#include "terminalprogress.h"

#include <QCoreApplication>

namespace parlab::cli {

int runSweep(const SweepSpec& sweep, HistoryStore& history, TerminalProgress& progress, const SweepOutput& output)
{
    SweepSession session;
    if (history.isOpen())
        session.setHistory(&history);
    QString notSaved;
    QObject::connect(
        &session, &SweepSession::historyFailed, &session, [&notSaved](const QString& message) { notSaved = message; });
    SignalWatcher interrupt(QStringLiteral("the sweep"), progress);
    QObject::connect(&interrupt, &SignalWatcher::interrupted, &session, &SweepSession::cancel);
    session.setPaced(true); // as a plain run's (runcommand.cpp)
    QObject::connect(&session, &SweepSession::progress, &session,
        [&progress, &session](int done, int total, double eta, const QString& current) {
            progress.update(done, total, eta, current);
            session.taken();
        });
    int code = ExitOk;
    QObject::connect(&session, &SweepSession::finished, &session, [&](const SweepResult& result) {
        progress.clear();
        printOut(output.format == QStringLiteral("json") ? QString::fromUtf8(SweepReport::toJson(result))
                                                         : SweepReport::toText(result));
        // A sweep of a lesson's experiment gets the lesson's verdict, as a run of one does (for people, not parsers).
        if (const Lesson* lesson = Lessons::matching(result); lesson && output.format == QStringLiteral("table"))
            printOut(QStringLiteral("\n%1\n").arg(Lessons::verdictText(*lesson, result)));
        for (const auto& [path, data] : { std::pair { output.json, SweepReport::toJson(result) },
                 std::pair { output.html, output.html.isEmpty() ? QByteArray() : HtmlReport::toHtml(result) } }) {
            if (path.isEmpty())
                continue;
            if (const Result<void> written = writeFile(path, data); !written) {
                printErr(QStringLiteral("parlab run: error: %1\n").arg(written.error()));
                code = ExitRunFailed;
            }
        }
        int failed = 0;
        for (const SweepPoint& point : result.points)
            failed += point.run.failedRuns();
        if (!result.error.isEmpty()) {
            printErr(QStringLiteral("parlab run: error: %1\n").arg(result.error));
            code = ExitRunFailed;
        } else if (failed > 0) {
            printErr(QStringLiteral("parlab run: error: %1 measurement%2 failed (see each size's run in the history)\n")
                         .arg(failed)
                         .arg(failed == 1 ? QString() : QStringLiteral("s")));
            code = ExitRunFailed;
        } else if (result.cancelled) {
            printErr(QStringLiteral("parlab run: sweep cancelled after %1 of %2 sizes, shown above\n")
                         .arg(result.points.size())
                         .arg(result.spec.sizesMs.size()));
            code = ExitCancelled;
        }
        if (history.isOpen() && !result.points.isEmpty())
            printErr(QStringLiteral("saved as %1 runs named \"%2 …\" in %3\n")
                         .arg(result.points.size())
                         .arg(result.tag, history.path()));
        if (!notSaved.isEmpty()) {
            printErr(QStringLiteral("parlab run: error: %1\n").arg(notSaved));
            if (code == ExitOk)
                code = ExitNotSaved;
        }
        QCoreApplication::quit();
    });
    if (const Result<void> started = session.start(sweep); !started)
        return usageError(QStringLiteral("run"), started.error());
    QCoreApplication::exec();
    return code;
}

} // namespace parlab::cli
