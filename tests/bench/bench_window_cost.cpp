// What the window's live drawing costs the figures it shows. The same experiment runs from the window (its table and
// speedup chart following every repeat, its history storing the run) and headless in the same process (as `parlab
// run --no-history` runs it, nothing else awake), alternating, so that the machine's drift falls on both alike. Prints
// each pair's 2-worker speedup and median times and the window's over the headless one's; on 2 cores the window's
// thread shares the cores with the run's workers.

#include "benchwindow.h"
#include "measurement.h"
#include "runresult.h"
#include "stats/statistics.h"
#include "testsupport.h"

#include <QApplication>
#include <QEventLoop>
#include <cstdio>

using namespace parlab;

namespace {
struct Figures {
    double sequentialS = 0;
    double twoS = 0;
    double speedup = 0;
};

Figures figuresOf(const RunResult& r)
{
    Figures f;
    if (const Measurement* base = r.find(QStringLiteral("sequential"), 1))
        f.sequentialS = base->wall.median;
    if (const Measurement* two = r.find(QStringLiteral("threads"), 2)) {
        f.twoS = two->wall.median;
        f.speedup = two->speedup;
    }
    return f;
}

RunResult inWindow(MainWindow& window, const QString& kernel, const QString& inputs, int repeats)
{
    benchwindow::setExperiment(window, kernel, inputs, QStringLiteral("2"), repeats, 1,
        { QStringLiteral("sequential"), QStringLiteral("threads") });
    QEventLoop loop;
    QObject::connect(&window, &MainWindow::runEnded, &loop, &QEventLoop::quit);
    window.startRun();
    loop.exec();
    return window.result();
}
} // namespace

int main(int argc, char* argv[])
{
    QApplication app(argc, argv);
    benchwindow::freshSettings();
    MainWindow window;
    benchwindow::show(window);

    struct Case {
        const char* name;
        QString kernel, inputs;
        int repeats;
    };
    const Case cases[] = {
        { "spin 20x16", QStringLiteral("spin"), QStringLiteral("20x16"), 7 },
        { "fib 25x64", QStringLiteral("fib"), QStringLiteral("25x64"), 35 },
        { "noop 0x300", QStringLiteral("noop"), QStringLiteral("0x300"), 35 },
    };
    constexpr int kPairs = 5;
    std::printf("the window's run against the same run headless, alternating (%s platform, %d pairs): sequential and "
                "threads x2 medians, the x2 speedup, and the window's over the headless one's\n",
        qPrintable(QGuiApplication::platformName()), kPairs);
    for (const Case& c : cases) {
        QList<double> speedupRatios, twoRatios;
        for (int pair = 1; pair <= kPairs; ++pair) {
            const RunResult shown = inWindow(window, c.kernel, c.inputs, c.repeats);
            if (!shown.error.isEmpty()) {
                std::printf("  %s: the window's run failed: %s\n", c.name, qPrintable(shown.error));
                return 1;
            }
            const RunResult headless = testsupport::runToEnd(shown.spec).result;
            const Figures w = figuresOf(shown), h = figuresOf(headless);
            speedupRatios.append(w.speedup / h.speedup);
            twoRatios.append(w.twoS / h.twoS);
            std::printf("  %-12s #%d: window sequential %.4g s, x2 %.4g s, %.3fx; headless %.4g s, %.4g s, %.3fx; "
                        "x2 time %.3f, speedup %.3f\n",
                c.name, pair, w.sequentialS, w.twoS, w.speedup, h.sequentialS, h.twoS, h.speedup, w.twoS / h.twoS,
                w.speedup / h.speedup);
        }
        std::printf("  %-12s median over %d pairs: the window's x2 time %.3f, its speedup %.3f of the headless run's\n",
            c.name, kPairs, Statistics::median(twoRatios), Statistics::median(speedupRatios));
    }
    return 0;
}
