// The README's and docs/'s pictures of the window, taken from the real thing: the classic preset, the weak-scaling
// preset (its weak efficiency chart), lesson 1, a comparison of two runs in the history and the user's own Python
// function (the hashing example, chosen in the kernel picker, run on the python-* backends), each at 1280x800 in
// the light and the dark theme. Run by
// `./dev.sh screenshots` under Xvfb (a real X server, the xcb platform), with a history and settings of its own.
//
//   parlab_screenshots OUTPUT_DIR

#include "experimentpanel.h"
#include "history/comparisonview.h"
#include "history/historypanel.h"
#include "history/historystore.h"
#include "installlayout.h"
#include "lessons/lessonpanel.h"
#include "mainwindow.h"
#include "theme.h"

#include <QAbstractButton>
#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QEventLoop>
#include <QLineEdit>
#include <QListWidget>
#include <QSettings>
#include <QSpinBox>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <algorithm>
#include <cstdio>

using namespace parlab;

namespace {
const QSize kSize(1280, 800);

void settle(int ms = 400)
{
    QTest::qWait(ms);
    QApplication::processEvents();
}

bool waitForRun(MainWindow& window)
{
    if (!window.isRunning())
        return false;
    QEventLoop loop;
    QObject::connect(&window, &MainWindow::runEnded, &loop, &QEventLoop::quit);
    loop.exec();
    return window.result().error.isEmpty();
}

// Saves `widget` as NAME-light.png and NAME-dark.png.
bool shoot(QWidget& widget, const QDir& out, const QString& name)
{
    bool ok = true;
    for (const Theme::Choice theme : { Theme::Choice::Light, Theme::Choice::Dark }) {
        Theme::apply(theme);
        settle();
        const QString path = out.filePath(QStringLiteral("%1-%2.png").arg(name, Theme::name(theme)));
        if (widget.grab().save(path))
            std::printf("wrote %s\n", qPrintable(path));
        else {
            std::fprintf(stderr, "parlab_screenshots: cannot write %s\n", qPrintable(path));
            ok = false;
        }
    }
    Theme::apply(Theme::Choice::Light);
    return ok;
}
} // namespace

int main(int argc, char* argv[])
{
    // A history and settings of its own, so the pictures show only what this program ran.
    QTemporaryDir home;
    qputenv("XDG_DATA_HOME", home.filePath(QStringLiteral("data")).toUtf8());
    qputenv("XDG_CONFIG_HOME", home.filePath(QStringLiteral("config")).toUtf8());
    QApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("ParLabScreenshots"));
    if (argc != 2) {
        std::fprintf(stderr, "usage: parlab_screenshots OUTPUT_DIR\n");
        return 2;
    }
    const QDir out(QString::fromLocal8Bit(argv[1]));
    if (!QDir().mkpath(out.path())) {
        std::fprintf(stderr, "parlab_screenshots: cannot create %s\n", argv[1]);
        return 1;
    }

    MainWindow window;
    window.resize(kSize);
    window.show();
    if (!QTest::qWaitForWindowExposed(&window)) {
        std::fprintf(stderr, "parlab_screenshots: the window was never shown (is there an X server?)\n");
        return 1;
    }
    bool ok = true;

    // The classic preset, run as it ships.
    window.applyPreset(QStringLiteral("classic"));
    window.startRun();
    ok = waitForRun(window) && ok;
    ok = shoot(window, out, QStringLiteral("classic")) && ok;

    // Weak scaling (Gustafson), with its weak efficiency chart in view.
    window.applyPreset(QStringLiteral("weak-scaling"));
    window.startRun();
    ok = waitForRun(window) && ok;
    auto* charts = window.findChild<QTabWidget*>(QStringLiteral("charts"));
    charts->setCurrentWidget(window.findChild<QWidget*>(QStringLiteral("efficiencyChart")));
    settle();
    ok = shoot(window, out, QStringLiteral("weak-scaling")) && ok;
    charts->setCurrentIndex(0);

    // Lesson 1, with its verdict; then its experiment once more, for the comparison.
    window.openLesson(QStringLiteral("gil-threads"), true);
    ok = waitForRun(window) && ok;
    ok = shoot(window, out, QStringLiteral("lesson-1")) && ok;
    window.startRun();
    ok = waitForRun(window) && ok;

    HistoryPanel* history = window.historyPanel();
    history->refresh();
    settle();
    window.findChild<QAction*>(QStringLiteral("historyAction"))->trigger();
    const Result<QList<RunSummary>> runs = history->store()->runs();
    QList<qint64> ids;
    for (const RunSummary& run : runs ? *runs : QList<RunSummary>())
        ids.append(run.id);
    std::sort(ids.begin(), ids.end());
    if (ids.size() < 3) {
        std::fprintf(stderr, "parlab_screenshots: expected 3 runs in the history, found %lld\n", qlonglong(ids.size()));
        return 1;
    }
    const Result<ComparisonView*> comparison = history->compareRuns(ids.at(ids.size() - 2), ids.last());
    if (!comparison) {
        std::fprintf(stderr, "parlab_screenshots: %s\n", qPrintable(comparison.error()));
        return 1;
    }
    (*comparison)->resize(kSize);
    settle();
    ok = shoot(**comparison, out, QStringLiteral("history-compare")) && ok;

    // Your own function: the example that releases the GIL, picked as a user picks it, and its run.
    window.findChild<QAction*>(QStringLiteral("labAction"))->trigger();
    window.findChild<QAbstractButton*>(QStringLiteral("showExperiment"))->click();
    charts->setCurrentIndex(0);
    ExperimentPanel* panel = window.experimentPanel();
    auto* kernel = panel->findChild<QComboBox*>(QStringLiteral("kernel"));
    kernel->setCurrentIndex(kernel->findData(QStringLiteral("py:")));
    panel->findChild<QLineEdit*>(QStringLiteral("userCode"))
        ->setText(QDir(helperPath(Helper::Examples)).filePath(QStringLiteral("python/hashing.py")));
    panel->findChild<QLineEdit*>(QStringLiteral("inputs"))->setText(QStringLiteral("4x8"));
    panel->findChild<QLineEdit*>(QStringLiteral("workers"))->setText(QStringLiteral("1,2"));
    panel->findChild<QSpinBox*>(QStringLiteral("repeats"))->setValue(3);
    auto* backends = panel->findChild<QListWidget*>(QStringLiteral("backends"));
    for (int i = 0; i < backends->count(); ++i) {
        if (backends->item(i)->flags() & Qt::ItemIsEnabled)
            backends->item(i)->setCheckState(
                backends->item(i)->text().startsWith(QStringLiteral("python-")) ? Qt::Checked : Qt::Unchecked);
    }
    if (!QTest::qWaitFor([panel] { return panel->isValid(); }, 60'000)) {
        std::fprintf(stderr, "parlab_screenshots: your function cannot run: %s\n", qPrintable(panel->error()));
        return 1;
    }
    window.startRun();
    ok = waitForRun(window) && ok;
    ok = shoot(window, out, QStringLiteral("your-function")) && ok;
    return ok ? 0 : 1;
}
