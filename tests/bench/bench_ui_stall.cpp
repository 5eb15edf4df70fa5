// How long the UI thread's event loop stalls while a run streams results into the table and charts.
// A 2 ms timer ticks on the UI thread; any gap between ticks beyond 2 ms is a stall the user would feel
// as a frozen window. Prints the longest stall and the 99th percentile for two runs: 100,000 noop tasks
// (many results, fast) and 16 fib tasks at 1..2 workers. Target: longest stall <= 50 ms.

#include "experimentpanel.h"
#include "mainwindow.h"
#include "stats/statistics.h"

#include <QApplication>
#include <QComboBox>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QLineEdit>
#include <QListWidget>
#include <QSettings>
#include <QSpinBox>
#include <QTimer>
#include <cstdio>

using namespace parlab;

namespace {
struct Stalls {
    double longestMs = 0;
    double p99Ms = 0;
    double runS = 0;
    int measurements = 0;
};

Stalls measure(MainWindow& window, const QString& kernel, const QString& inputs, const QString& workers, int repeats)
{
    ExperimentPanel* panel = window.experimentPanel();
    auto* kernelBox = panel->findChild<QComboBox*>(QStringLiteral("kernel"));
    kernelBox->setCurrentIndex(kernelBox->findData(kernel));
    panel->findChild<QLineEdit*>(QStringLiteral("inputs"))->setText(inputs);
    panel->findChild<QLineEdit*>(QStringLiteral("workers"))->setText(workers);
    panel->findChild<QSpinBox*>(QStringLiteral("repeats"))->setValue(repeats);
    panel->findChild<QSpinBox*>(QStringLiteral("warmup"))->setValue(0);
    auto* backends = panel->findChild<QListWidget*>(QStringLiteral("backends"));
    for (int i = 0; i < backends->count(); ++i) {
        const QString id = backends->item(i)->text();
        const bool wanted = id == QStringLiteral("sequential") || id == QStringLiteral("threads")
            || id == QStringLiteral("qtconcurrent");
        backends->item(i)->setCheckState(wanted ? Qt::Checked : Qt::Unchecked);
    }

    QList<double> gaps;
    QElapsedTimer clock;
    qint64 last = 0;
    QTimer ticker;
    ticker.setTimerType(Qt::PreciseTimer);
    ticker.setInterval(2);
    QObject::connect(&ticker, &QTimer::timeout, &window, [&] {
        const qint64 now = clock.nsecsElapsed();
        gaps.append(std::max(0.0, double(now - last) * 1e-6 - 2.0));
        if (qEnvironmentVariableIsSet("PARLAB_STALL_TRACE") && gaps.last() > 16)
            std::fprintf(stderr, "    stall %.1f ms at %.3f s, %d measurements done\n", gaps.last(), double(now) * 1e-9,
                window.result().completedRuns);
        last = now;
    });
    QEventLoop loop;
    QObject::connect(&window, &MainWindow::runEnded, &loop, &QEventLoop::quit);
    clock.start();
    ticker.start();
    window.startRun();
    loop.exec();
    ticker.stop();
    Stalls s;
    s.runS = double(clock.nsecsElapsed()) * 1e-9;
    for (double g : std::as_const(gaps))
        s.longestMs = std::max(s.longestMs, g);
    s.p99Ms = Statistics::quantile(gaps, 0.99);
    s.measurements = window.result().completedRuns;
    return s;
}
} // namespace

int main(int argc, char* argv[])
{
    QApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("ParLabBench"));
    QSettings().clear();
    MainWindow window;
    window.resize(1400, 900);
    window.show();

    struct Case {
        const char* name;
        QString kernel, inputs, workers;
        int repeats;
    };
    const Case cases[] = {
        { "noop, 100,000 tasks x 5 combinations x 3 repeats", QStringLiteral("noop"), QStringLiteral("0..99999"),
            QStringLiteral("1,2"), 3 },
        { "fib, 16 tasks (30x16) at 1..2 workers x 5 repeats", QStringLiteral("fib"), QStringLiteral("30x16"),
            QStringLiteral("1..2"), 5 },
    };
    std::printf(
        "UI thread stalls while results stream in (%s platform)\n", qPrintable(QGuiApplication::platformName()));
    for (const Case& c : cases) {
        const Stalls s = measure(window, c.kernel, c.inputs, c.workers, c.repeats);
        std::printf("  %-52s run %.1f s, %d measurements: longest stall %.1f ms, p99 %.1f ms (target <= 50 ms: %s)\n",
            c.name, s.runS, s.measurements, s.longestMs, s.p99Ms, s.longestMs <= 50 ? "met" : "MISSED");
    }
    return 0;
}
