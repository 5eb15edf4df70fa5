// The window at the sizes a class meets it: a 1024x700 laptop, a 1280x800 projector, a 1920x1080 screen, each at
// 96 dpi (and, run again by ctest with QT_SCALE_FACTOR=1.5, at 150%). After a real run of a small experiment and
// of a lesson: the speedup plot gets the room, the timeline's legend keeps every entry, the lesson's verdict
// needs no scrolling, the warnings stay short; and no two things on screen answer the same Alt+letter.

#include "charts/speedupchart.h"
#include "experimentpanel.h"
#include "guidedialog.h"
#include "lessons/lessonpanel.h"
#include "mainwindow.h"
#include "palette.h"
#include "testsupport.h"
#include "theme.h"
#include "timeline/timelinepanel.h"
#include "timeline/timelineview.h"
#include "warningsbar.h"

#include <QAbstractButton>
#include <QApplication>
#include <QChart>
#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QScopeGuard>
#include <QScreen>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabBar>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBlock>
#include <QTextBrowser>
#include <QThread>
#include <QToolButton>

using namespace parlab;

namespace {
const QList<QSize> kSizes { { 1024, 700 }, { 1280, 800 }, { 1920, 1080 } };

void resizeAndSettle(MainWindow& window, QSize size)
{
    window.resize(size);
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    // Layouts, the chart's plot area and the legend's rows settle over a few passes of the event loop.
    for (int i = 0; i < 5; ++i) {
        QApplication::processEvents();
        QTest::qWait(20);
    }
}

// Fully on screen: inside the window and not clipped by a scroll area or a splitter.
bool fullyVisible(const QWidget* widget)
{
    if (!widget->isVisible())
        return false;
    return widget->visibleRegion().boundingRect() == widget->rect()
        && widget->window()->rect().contains(QRect(widget->mapTo(widget->window(), QPoint(0, 0)), widget->size()));
}

// The letter after a lone '&', lower-cased; null when there is none.
QChar mnemonic(const QString& text)
{
    for (qsizetype i = 0; i + 1 < text.size(); ++i) {
        if (text.at(i) == QLatin1Char('&')) {
            if (text.at(i + 1) == QLatin1Char('&')) {
                ++i;
                continue;
            }
            return text.at(i + 1).toLower();
        }
    }
    return {};
}

// Every Alt+letter the window answers right now: the menu bar's menus, and the visible labels (with a buddy),
// buttons, check boxes, group boxes and tabs.
QMultiHash<QChar, QString> visibleMnemonics(MainWindow& window)
{
    QMultiHash<QChar, QString> found;
    auto add = [&](const QString& text) {
        if (const QChar c = mnemonic(text); !c.isNull())
            found.insert(c, QString(text).remove(QLatin1Char('&')));
    };
    for (QAction* menu : window.menuBar()->actions())
        add(menu->text());
    for (QWidget* w : window.findChildren<QWidget*>()) {
        if (!w->isVisible() || w->window() != &window)
            continue;
        if (auto* label = qobject_cast<QLabel*>(w); label && label->buddy())
            add(label->text());
        else if (auto* button = qobject_cast<QAbstractButton*>(w))
            add(button->text());
        else if (auto* group = qobject_cast<QGroupBox*>(w); group && group->isCheckable())
            add(group->title());
        else if (auto* tabs = qobject_cast<QTabBar*>(w)) {
            for (int i = 0; i < tabs->count(); ++i)
                add(tabs->tabText(i));
        }
    }
    return found;
}

QString clashes(const QMultiHash<QChar, QString>& found)
{
    QStringList out;
    for (const QChar c : found.uniqueKeys()) {
        const QStringList users = found.values(c);
        if (users.size() > 1)
            out.append(QStringLiteral("Alt+%1: %2").arg(c.toUpper(), users.join(QStringLiteral(", "))));
    }
    return out.join(QStringLiteral("; "));
}
} // namespace

class TestLayout : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void firstStartFitsTheScreen();
    void chartsGetTheRoomAtEverySize();
    void lessonVerdictNeedsNoScrolling();
    void noMnemonicAnswersTwice();
    void warningsCollapseAndFollowTheTheme();
    void darkThemeKeepsEveryControlVisible();
    void guideOpensAtTheReadmesSections();
    void viewMenuTurnsAxesLogarithmic();
};

void TestLayout::initTestCase()
{
    QCoreApplication::setOrganizationName(QStringLiteral("ParLabTests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_layout"));
    QSettings().clear();
}

void TestLayout::firstStartFitsTheScreen()
{
    QSettings().clear();
    MainWindow window;
    const QSize room = window.screen()->availableSize();
    QVERIFY2(window.width() <= room.width() && window.height() <= room.height(),
        qPrintable(QStringLiteral("%1x%2 on %3x%4")
                       .arg(window.width())
                       .arg(window.height())
                       .arg(room.width())
                       .arg(room.height())));
    // Nothing measured: the start page says what to do, instead of empty axes.
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QWidget* start = window.findChild<QWidget*>(QStringLiteral("startPage"));
    QVERIFY(start && start->isVisible());
    QVERIFY(!window.speedupChart()->isVisible());
}

void TestLayout::chartsGetTheRoomAtEverySize()
{
    QSettings().clear();
    MainWindow window;
    window.resize(1280, 800);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    // A real run that has the lock states (gil-threads) and warnings: more workers than logical cores.
    ExperimentPanel* panel = window.experimentPanel();
    auto* kernel = panel->findChild<QComboBox*>(QStringLiteral("kernel"));
    kernel->setCurrentIndex(kernel->findData(QStringLiteral("spin")));
    panel->findChild<QLineEdit*>(QStringLiteral("inputs"))->setText(QStringLiteral("3x8"));
    const int over = 2 * std::max(1, QThread::idealThreadCount());
    panel->findChild<QLineEdit*>(QStringLiteral("workers"))->setText(QStringLiteral("1,%1").arg(over));
    panel->findChild<QSpinBox*>(QStringLiteral("repeats"))->setValue(2);
    panel->findChild<QSpinBox*>(QStringLiteral("warmup"))->setValue(0);
    auto* backends = panel->findChild<QListWidget*>(QStringLiteral("backends"));
    for (int i = 0; i < backends->count(); ++i) {
        const QString id = backends->item(i)->text();
        backends->item(i)->setCheckState(
            id == QStringLiteral("threads") || id == QStringLiteral("gil-threads") ? Qt::Checked : Qt::Unchecked);
    }
    QVERIFY2(panel->isValid(), qPrintable(panel->error()));
    QSignalSpy ended(&window, &MainWindow::runEnded);
    window.startRun();
    QVERIFY(ended.wait(120'000 * testsupport::kSlowdown));
    QVERIFY2(window.result().error.isEmpty(), qPrintable(window.result().error));
    QVERIFY(!window.result().warnings.isEmpty());

    auto* warnings = window.findChild<WarningsBar*>(QStringLiteral("warnings"));
    QVERIFY(warnings);
    auto* charts = window.findChild<QTabWidget*>(QStringLiteral("charts"));
    TimelinePanel* timeline = window.timelinePanel();
    charts->setCurrentWidget(timeline); // shown, it catches up with the run
    QVERIFY(timeline->showMeasurement(QStringLiteral("gil-threads x%1").arg(over)));
    const qreal scale = window.devicePixelRatio();
    QStringList tooSmall;
    for (const QSize size : kSizes) {
        const QString where = QStringLiteral("%1x%2 at %3x").arg(size.width()).arg(size.height()).arg(scale);
        resizeAndSettle(window, size);

        // The warnings: one line while collapsed (two at most), whatever their number.
        QVERIFY2(warnings->isVisible(), qPrintable(where));
        QVERIFY(!warnings->isExpanded());
        const int line = warnings->fontMetrics().lineSpacing();
        QVERIFY2(warnings->summaryLabel()->height() <= 2 * line,
            qPrintable(QStringLiteral("%1: summary %2 px, line %3")
                           .arg(where)
                           .arg(warnings->summaryLabel()->height())
                           .arg(line)));
        QVERIFY2(warnings->height() <= 2 * line + 24,
            qPrintable(QStringLiteral("%1: strip %2 px, line %3").arg(where).arg(warnings->height()).arg(line)));

        // The speedup plot: at least 45% of the window's height on the projector.
        charts->setCurrentWidget(window.speedupChart());
        resizeAndSettle(window, size);
        const double plot = window.speedupChart()->chart()->plotArea().height();
        // PARLAB_TEST_SHOTS=DIR keeps a picture of each size, to look at when a bound fails.
        if (const QString shots = qEnvironmentVariable("PARLAB_TEST_SHOTS"); !shots.isEmpty())
            window.grab().save(QStringLiteral("%1/layout-%2x%3.png").arg(shots).arg(size.width()).arg(size.height()));
        qInfo("%s: speedup plot %.0f px of %d (%.0f%%), warnings %d px", qPrintable(where), plot, window.height(),
            100 * plot / window.height(), warnings->height());
        // 45% on the projector; a little less on the small laptop, where the table keeps its few rows.
        const double share = size == QSize(1024, 700) ? 0.40 : 0.45;
        if (plot < share * window.height())
            tooSmall.append(QStringLiteral("%1: plot %2 px of %3").arg(where).arg(plot).arg(window.height()));

        // The timeline: every legend entry inside the view, the lock's colours included.
        charts->setCurrentWidget(timeline);
        resizeAndSettle(window, size);
        TimelineView* view = timeline->view();
        const QRectF visible = view->viewport()->rect();
        const auto entries = view->legendEntries();
        QStringList labels;
        for (const auto& [label, rect] : entries) {
            labels.append(label);
            QVERIFY2(visible.contains(rect),
                qPrintable(QStringLiteral("%1: '%2' at %3,%4 %5x%6 outside %7x%8")
                               .arg(where, label)
                               .arg(rect.x())
                               .arg(rect.y())
                               .arg(rect.width())
                               .arg(rect.height())
                               .arg(visible.width())
                               .arg(visible.height())));
        }
        QVERIFY2(labels.contains(QStringLiteral("waiting for the lock")), qPrintable(labels.join(QLatin1Char('|'))));
        QVERIFY(labels.contains(QStringLiteral("released the lock")));
    }

    QVERIFY2(tooSmall.isEmpty(), qPrintable(tooSmall.join(QStringLiteral("; "))));

    // The room came partly from the chart's title, which the window leaves out (the tab names the chart, the line
    // beside the tabs the run) and every export draws.
    charts->setCurrentWidget(window.speedupChart());
    QVERIFY(window.speedupChart()->chart()->title().isEmpty());
    QTemporaryDir dir;
    const QString svg = dir.filePath(QStringLiteral("speedup.svg"));
    QVERIFY(window.exportCurrentChart(svg).has_value());
    QFile file(svg);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(QString::fromUtf8(file.readAll()).contains(QStringLiteral("Speedup vs workers: spin on 8 inputs")));
    QVERIFY(window.speedupChart()->chart()->title().isEmpty()); // and the window's stays without

    // Opened, the list shows every warning.
    warnings->setExpanded(true);
    QApplication::processEvents();
    QCOMPARE(warnings->detailsLabel()->text().count(QStringLiteral("⚠")), int(window.result().warnings.size()));
}

void TestLayout::lessonVerdictNeedsNoScrolling()
{
    QSettings().clear();
    MainWindow window;
    window.resize(1280, 800);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    // The I/O lesson: a few seconds of waits, the same under every build.
    QVERIFY(window.openLesson(QStringLiteral("io-threads"), true));
    QSignalSpy ended(&window, &MainWindow::runEnded);
    QVERIFY(ended.wait(120'000 * testsupport::kSlowdown));
    LessonPanel* lessons = window.lessonPanel();
    QVERIFY(lessons->isVisible());
    QVERIFY(lessons->verdict(QStringLiteral("io-threads")).outcome != LessonVerdict::Outcome::NotRun);
    for (const QSize size : kSizes) {
        resizeAndSettle(window, size);
        const QString where = QStringLiteral("%1x%2").arg(size.width()).arg(size.height());
        QVERIFY2(fullyVisible(lessons->verdictHeadline()), qPrintable(where));
        QVERIFY2(!lessons->verdictLabel()->visibleRegion().isEmpty(), qPrintable(where));
    }
}

void TestLayout::noMnemonicAnswersTwice()
{
    QSettings().clear();
    MainWindow window;
    window.resize(1280, 800);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    // Every group of the form opened, so that every field is on screen.
    for (QGroupBox* group : window.experimentPanel()->findChildren<QGroupBox*>())
        group->setVisible(true);
    QApplication::processEvents();
    QString found = clashes(visibleMnemonics(window));
    QVERIFY2(found.isEmpty(), qPrintable(QStringLiteral("with the form: ") + found));

    // With a run on screen, under each chart tab in turn (the timeline has fields of its own).
    auto* kernel = window.experimentPanel()->findChild<QComboBox*>(QStringLiteral("kernel"));
    kernel->setCurrentIndex(kernel->findData(QStringLiteral("noop")));
    window.experimentPanel()->findChild<QLineEdit*>(QStringLiteral("inputs"))->setText(QStringLiteral("1..20"));
    window.experimentPanel()->findChild<QLineEdit*>(QStringLiteral("workers"))->setText(QStringLiteral("1"));
    QSignalSpy ended(&window, &MainWindow::runEnded);
    window.startRun();
    QVERIFY(ended.wait(60'000 * testsupport::kSlowdown));
    auto* charts = window.findChild<QTabWidget*>(QStringLiteral("charts"));
    const auto underEachTab = [&](const QString& with) {
        QStringList all;
        for (int i = 0; i < charts->count(); ++i) {
            charts->setCurrentIndex(i);
            QApplication::processEvents();
            if (const QString clash = clashes(visibleMnemonics(window)); !clash.isEmpty())
                all.append(with + charts->tabText(i) + QStringLiteral(": ") + clash);
        }
        return all.join(QStringLiteral("; "));
    };
    found = underEachTab(QString());
    QVERIFY2(found.isEmpty(), qPrintable(found));

    // The command kernel's own field; spin's serial part and the picker of the user's own code, under each chart tab.
    kernel->setCurrentIndex(kernel->findData(QStringLiteral("command")));
    QApplication::processEvents();
    found = clashes(visibleMnemonics(window));
    QVERIFY2(found.isEmpty(), qPrintable(QStringLiteral("with the command kernel: ") + found));
    kernel->setCurrentIndex(kernel->findData(QStringLiteral("spin")));
    found = underEachTab(QStringLiteral("with spin, "));
    QVERIFY2(found.isEmpty(), qPrintable(found));
    kernel->setCurrentIndex(kernel->findData(QStringLiteral("py:")));
    found = underEachTab(QStringLiteral("with your own code, "));
    QVERIFY2(found.isEmpty(), qPrintable(found));

    window.findChild<QAbstractButton*>(QStringLiteral("showLessons"))->click();
    QApplication::processEvents();
    found = clashes(visibleMnemonics(window));
    QVERIFY2(found.isEmpty(), qPrintable(QStringLiteral("with the lessons: ") + found));
    window.findChild<QAction*>(QStringLiteral("historyAction"))->trigger();
    QApplication::processEvents();
    found = clashes(visibleMnemonics(window));
    QVERIFY2(found.isEmpty(), qPrintable(QStringLiteral("in the history: ") + found));
}

void TestLayout::warningsCollapseAndFollowTheTheme()
{
    WarningsBar bar;
    bar.resize(600, 40);
    bar.show();
    bar.setWarnings(
        { QStringLiteral("first, a caution"), QStringLiteral("threads x4: 2 repeats failed"), QStringLiteral("third") },
        1, true);
    QVERIFY(bar.isVisible());
    QVERIFY(!bar.isExpanded());
    QVERIFY2(bar.summaryLabel()->text().contains(QStringLiteral("3 warnings, the worst: threads x4")),
        qPrintable(bar.summaryLabel()->text()));
    QVERIFY(!bar.detailsLabel()->isVisible());
    QCOMPARE(bar.toggleButton()->text(), QStringLiteral("Show all 3"));
    QTest::mouseClick(bar.toggleButton(), Qt::LeftButton);
    QVERIFY(bar.isExpanded());
    QVERIFY(bar.detailsLabel()->isVisible());
    QCOMPARE(bar.detailsLabel()->text().count(QStringLiteral("⚠")), 3);

    const auto background
        = [](Palette::Notice notice, bool dark) { return Palette::hex(Palette::noticeBackground(notice).on(dark)); };
    QVERIFY(bar.styleSheet().contains(background(Palette::Notice::Problem, false)));
    Theme::apply(Theme::Choice::Dark);
    QApplication::processEvents();
    QVERIFY2(bar.styleSheet().contains(background(Palette::Notice::Problem, true)), qPrintable(bar.styleSheet()));
    bar.setWarnings({ QStringLiteral("only a caution") }, 0, false);
    QVERIFY(bar.styleSheet().contains(background(Palette::Notice::Caution, true)));
    QVERIFY(!bar.toggleButton()->isVisible()); // one warning: nothing more to show
    QVERIFY(!bar.isExpanded());
    Theme::apply(Theme::Choice::Light);
    QApplication::processEvents();
    QVERIFY(bar.styleSheet().contains(background(Palette::Notice::Caution, false)));
    bar.setWarnings({}, 0, false);
    QVERIFY(!bar.isVisible());
    Theme::apply(Theme::Choice::System);
}

void TestLayout::darkThemeKeepsEveryControlVisible()
{
    Theme::apply(Theme::Choice::Dark);
    const auto restore = qScopeGuard([] { Theme::apply(Theme::Choice::System); });
    // An unchecked box: its frame must stand out from the window behind it.
    QCheckBox box(QStringLiteral("Release the GIL"));
    box.resize(box.sizeHint());
    const QImage image = box.grab().toImage();
    const QColor window = box.palette().color(QPalette::Window);
    int strongest = 0;
    for (int y = 0; y < image.height(); ++y) {
        for (int x = 0; x < std::min(image.width(), 20); ++x) { // the indicator, left of the text
            const QColor c = image.pixelColor(x, y);
            strongest = std::max(strongest, std::abs(c.lightness() - window.lightness()));
        }
    }
    QVERIFY2(strongest >= 60, qPrintable(QStringLiteral("indicator contrast %1 of 255").arg(strongest)));
    // A placeholder ("python3 on the PATH") readable on a field, dimmer than typed text.
    const QPalette p = QApplication::palette();
    const int placeholder
        = std::abs(p.color(QPalette::PlaceholderText).lightness() - p.color(QPalette::Base).lightness());
    const int text = std::abs(p.color(QPalette::Text).lightness() - p.color(QPalette::Base).lightness());
    QVERIFY2(
        placeholder >= 100 && placeholder < text, qPrintable(QStringLiteral("%1 vs %2").arg(placeholder).arg(text)));
}

void TestLayout::guideOpensAtTheReadmesSections()
{
    MainWindow window;
    window.show();
    QMenu* guide = window.findChild<QMenu*>(QStringLiteral("guideMenu"));
    QVERIFY(guide);
    QStringList titles;
    for (QAction* action : guide->actions())
        titles.append(action->text());
    // The README's own headings, compiled in.
    for (const char* section : { "Quick start (Debian 12)", "The window", "The GIL lesson", "Run history" })
        QVERIFY2(titles.contains(QLatin1String(section)), qPrintable(titles.join(QStringLiteral(" | "))));
    guide->actions().at(titles.indexOf(QStringLiteral("Run history")))->trigger();
    auto* dialog = window.findChild<GuideDialog*>(QStringLiteral("guide"));
    QVERIFY(dialog && dialog->isVisible());
    QCOMPARE(dialog->currentSection(), QStringLiteral("Run history"));
    QTextBrowser* text = dialog->browser();
    QCOMPARE(text->textCursor().block().text(), QStringLiteral("Run history"));
    QVERIFY(text->viewport()->rect().contains(text->cursorRect()));
    QVERIFY(text->toPlainText().contains(QStringLiteral("Every measurement is saved within a second of landing")));
    if (const QString shots = qEnvironmentVariable("PARLAB_TEST_SHOTS"); !shots.isEmpty())
        dialog->grab().save(shots + QStringLiteral("/guide.png"));
    QVERIFY(!dialog->showSection(QStringLiteral("No such section")));
}

void TestLayout::viewMenuTurnsAxesLogarithmic()
{
    MainWindow window;
    QMenu* scales = nullptr;
    for (QMenu* menu : window.findChildren<QMenu*>()) {
        if (menu->title() == QStringLiteral("Logarithmic &axes"))
            scales = menu;
    }
    QVERIFY(scales);
    QStringList charts;
    // NOLINTNEXTLINE(clang-analyzer-core.CallAndMessage): the QVERIFY above returns when it is null
    for (QAction* action : scales->actions())
        charts.append(action->text());
    QCOMPARE(
        charts, (QStringList { QStringLiteral("Speedup"), QStringLiteral("Wall time"), QStringLiteral("Efficiency") }));
    QMenu* speedup = scales->actions().first()->menu();
    QVERIFY(speedup && speedup->actions().size() == 2);
    QCOMPARE(speedup->actions().first(), window.speedupChart()->logScaleAction(Qt::Horizontal));
    QVERIFY(!window.speedupChart()->logScale(Qt::Vertical));
    speedup->actions().last()->trigger();
    QVERIFY(window.speedupChart()->logScale(Qt::Vertical));
}

QTEST_MAIN(TestLayout)
#include "tst_layout.moc"
