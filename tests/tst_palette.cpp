// One run, two faces: the window's charts and timeline (offscreen) and the HTML report draw it, and every colour
// and line style the report's SVG gives a backend, a reference line, a task bar, a task's states or a lock state
// is the one the
// window's pens and pixels use, and the Palette's, on a light and on a dark background. The report is read as a
// reader's browser would: its XHTML parsed, each element's colour resolved through the page's CSS classes and
// custom properties, for the light scheme and for prefers-color-scheme: dark.

#include "charts/chartstyle.h"
#include "charts/efficiencychart.h"
#include "charts/losschart.h"
#include "charts/speedupchart.h"
#include "charts/walltimechart.h"
#include "export/formatting.h"
#include "export/htmlreport.h"
#include "export/svgcharts.h"
#include "measurement.h"
#include "palette.h"
#include "runresult.h"
#include "stats/analysis.h"
#include "stats/losses.h"
#include "taskspan.h"
#include "testsupport.h"
#include "timeline/taskstates.h"
#include "timeline/timelinepanel.h"
#include "timeline/timelineview.h"
#include "warningsbar.h"

#include <QAbstractSeries>
#include <QBarSet>
#include <QChart>
#include <QImage>
#include <QLineSeries>
#include <QRegularExpression>
#include <QTest>
#include <QXmlStreamReader>
#include <cmath>
#include <memory>

using namespace parlab;

namespace {
constexpr qint64 kClock = 3'000'000'000;
constexpr qint64 kMs = 1'000'000;

// gil-threads first and an id no build knows among them: a report colouring by order, or a palette keyed to
// the built-in ids alone, would show here.
RunResult oneRun()
{
    using testsupport::measurement;
    RunResult r;
    r.spec.kernel = QStringLiteral("fib");
    r.spec.inputs = { 30, 29, 28, 27 };
    r.spec.backends = { QStringLiteral("gil-threads"), QStringLiteral("sequential"), QStringLiteral("threads"),
        QStringLiteral("my-backend") };
    r.spec.workers = { 1, 2, 4 };
    r.spec.repeats = 2;
    r.created = QDateTime(QDate(2026, 12, 2), QTime(9, 0));
    r.measurements = {
        measurement(QStringLiteral("gil-threads"), 1, { 0.82, 0.84 }),
        measurement(QStringLiteral("gil-threads"), 2, { 0.85, 0.86 }),
        measurement(QStringLiteral("gil-threads"), 4, { 0.88, 0.87 }),
        measurement(QStringLiteral("sequential"), 1, { 0.80, 0.81 }),
        measurement(QStringLiteral("threads"), 1, { 0.81, 0.80 }),
        measurement(QStringLiteral("threads"), 2, { 0.43, 0.44 }),
        measurement(QStringLiteral("threads"), 4, { 0.24, 0.25 }),
        measurement(QStringLiteral("my-backend"), 2, { 0.50, 0.52 }),
        measurement(QStringLiteral("my-backend"), 4, { 0.30, 0.31 }),
    };
    r.bounds.taskCostsS = { 0.32, 0.2, 0.12, 0.08 };
    // gil-threads x2's latest repeat: two threads handing the lock over.
    Measurement& gil = r.measurements[1];
    auto span = [](int index, int worker, double startMs, double endMs) {
        TaskSpan s;
        s.input = 30 - index;
        s.index = index;
        s.worker = worker;
        s.pid = 4242;
        s.startNs = kClock + qint64(startMs * kMs);
        s.endNs = kClock + qint64(endMs * kMs);
        return s;
    };
    auto lock = [](int worker, LockState state, double startMs, double endMs) {
        StateSpan s;
        s.worker = worker;
        s.state = state;
        s.startNs = kClock + qint64(startMs * kMs);
        s.endNs = kClock + qint64(endMs * kMs);
        return s;
    };
    gil.spans = { span(0, 0, 0, 400), span(1, 1, 0, 380), span(2, 0, 400, 600), span(3, 1, 380, 850) };
    // What each thread measured of its tasks (the last one not: no strip).
    const qint64 measured[][2] = { { 250, 30 }, { 70, 10 }, { 80, 5 } };
    for (int i = 0; i < 3; ++i) {
        gil.spans[i].cpuNs = measured[i][0] * kMs;
        gil.spans[i].waitNs = measured[i][1] * kMs;
    }
    gil.states = { lock(0, LockState::Running, 0, 300), lock(0, LockState::Waiting, 300, 500),
        lock(0, LockState::Released, 500, 600), lock(1, LockState::Waiting, 0, 300),
        lock(1, LockState::Running, 300, 850) };
    gil.switches = { 40, 41 };
    // Where the time went, for the baseline and threads: a split for each threads measurement, threads x2's with
    // a negative slowdown (its tasks ran less on the CPU than the baseline's).
    for (Measurement& m : r.measurements) {
        if (m.backend == QStringLiteral("sequential"))
            testsupport::account(m, 0, 0, 0, 0);
        else if (m.backend == QStringLiteral("threads"))
            testsupport::account(m, 0.01, 0.005 * m.workers, 0.02 * m.workers, m.workers == 2 ? 0.03 : 0.0);
    }
    analyse(r);
    return r;
}

QPalette lightPalette()
{
    QPalette light;
    light.setColor(QPalette::Window, QColor(0xfa, 0xfa, 0xfa));
    light.setColor(QPalette::WindowText, QColor(0x14, 0x14, 0x14));
    return light;
}

QPalette darkPalette()
{
    QPalette dark;
    dark.setColor(QPalette::Window, QColor(0x1e, 0x1e, 0x22));
    dark.setColor(QPalette::WindowText, QColor(0xe6, 0xe6, 0xe6));
    dark.setColor(QPalette::Base, QColor(0x14, 0x14, 0x18));
    dark.setColor(QPalette::Text, QColor(0xe6, 0xe6, 0xe6));
    return dark;
}

// The report as a tree: enough of a DOM to find elements by tag and class and to walk up to their ancestors.
struct Node {
    QString tag;
    QStringList classes;
    QHash<QString, QString> attributes;
    QString text;
    Node* parent = nullptr;
    std::vector<std::unique_ptr<Node>> children;

    void collect(const std::function<bool(const Node&)>& match, QList<const Node*>& out) const
    {
        if (match(*this))
            out.append(this);
        for (const auto& child : children)
            child->collect(match, out);
    }
    QList<const Node*> find(const QString& wantedTag, const QString& wantedClass = {}) const
    {
        QList<const Node*> out;
        collect(
            [&](const Node& n) {
                return n.tag == wantedTag && (wantedClass.isEmpty() || n.classes.contains(wantedClass));
            },
            out);
        return out;
    }
    QString allText() const
    {
        QString all = text;
        for (const auto& child : children)
            all += child->allText();
        return all;
    }
};

std::unique_ptr<Node> parse(const QByteArray& xhtml, QString* error)
{
    auto root = std::make_unique<Node>();
    Node* current = root.get();
    QXmlStreamReader xml(xhtml);
    while (!xml.atEnd()) {
        xml.readNext();
        if (xml.isStartElement()) {
            auto node = std::make_unique<Node>();
            node->tag = xml.name().toString();
            for (const QXmlStreamAttribute& a : xml.attributes())
                node->attributes.insert(a.name().toString(), a.value().toString());
            node->classes = node->attributes.value(QStringLiteral("class")).split(QLatin1Char(' '), Qt::SkipEmptyParts);
            node->parent = current;
            current->children.push_back(std::move(node));
            current = current->children.back().get();
        } else if (xml.isEndElement()) {
            current = current->parent;
        } else if (xml.isCharacters()) {
            current->text += xml.text();
        }
    }
    if (xml.hasError())
        *error = xml.errorString();
    return root;
}

// The page's CSS, as a browser applies it to the report's simple selectors: rules in order, those inside
// "@media (prefers-color-scheme: dark)" applying only in the dark scheme.
class StyleSheet {
public:
    explicit StyleSheet(const QString& css)
    {
        qsizetype i = 0;
        parseBlock(css, i, false);
    }

    // The computed value of `property` on `node` in a scheme: its own rules, later ones winning; custom
    // properties (--x) inherited from its ancestors and :root; var(--x) resolved.
    QString value(const Node* node, const QString& property, bool dark) const
    {
        QString raw;
        for (const Node* n = node; n && raw.isEmpty(); n = n->parent) {
            raw = declared(n, property, dark);
            if (!property.startsWith(QStringLiteral("--")))
                break; // only custom properties are inherited here (fill and stroke are set where drawn)
        }
        if (raw.isEmpty() && property.startsWith(QStringLiteral("--")))
            raw = rootValue(property, dark);
        static const QRegularExpression var(QStringLiteral("^var\\((--[\\w-]+)\\)$"));
        for (int depth = 0; depth < 8; ++depth) {
            const QRegularExpressionMatch match = var.match(raw);
            if (!match.hasMatch())
                break;
            raw = value(node, match.captured(1), dark);
        }
        return raw;
    }

private:
    struct Rule {
        QStringList selectors;
        QList<std::pair<QString, QString>> declarations;
        bool dark = false;
    };

    void parseBlock(const QString& css, qsizetype& i, bool dark)
    {
        while (i < css.size()) {
            const qsizetype open = css.indexOf(QLatin1Char('{'), i);
            const qsizetype close = css.indexOf(QLatin1Char('}'), i);
            if (close >= 0 && (open < 0 || close < open)) {
                i = close + 1; // the end of an enclosing @media block
                return;
            }
            if (open < 0)
                return;
            const QString selector = css.mid(i, open - i).trimmed();
            i = open + 1;
            if (selector.startsWith(QLatin1Char('@'))) {
                parseBlock(css, i, dark || selector.contains(QStringLiteral("prefers-color-scheme: dark")));
                continue;
            }
            const qsizetype end = css.indexOf(QLatin1Char('}'), i);
            Rule rule;
            rule.dark = dark;
            for (const QString& s : selector.split(QLatin1Char(',')))
                rule.selectors.append(s.trimmed());
            for (const QString& declaration : css.mid(i, end - i).split(QLatin1Char(';'), Qt::SkipEmptyParts)) {
                const qsizetype colon = declaration.indexOf(QLatin1Char(':'));
                if (colon > 0)
                    rule.declarations.append(
                        { declaration.left(colon).trimmed(), declaration.mid(colon + 1).trimmed() });
            }
            m_rules.append(rule);
            i = end + 1;
        }
    }

    // The last compound of the selector ("svg.chart .bar.alt" -> tag "", classes bar, alt) matches the node;
    // hover states never do.
    static bool matches(const QString& selector, const Node* node)
    {
        if (selector.contains(QLatin1Char(':')))
            return false;
        const QString last = selector.split(QLatin1Char(' '), Qt::SkipEmptyParts).constLast();
        QStringList parts = last.split(QLatin1Char('.'));
        const QString tag = parts.takeFirst();
        if (!tag.isEmpty() && tag != node->tag)
            return false;
        for (const QString& cls : std::as_const(parts)) {
            if (!node->classes.contains(cls))
                return false;
        }
        return !parts.isEmpty() || !tag.isEmpty();
    }

    QString declared(const Node* node, const QString& property, bool dark) const
    {
        QString found;
        for (const Rule& rule : m_rules) {
            if (rule.dark && !dark)
                continue;
            const bool applies = std::any_of(rule.selectors.cbegin(), rule.selectors.cend(),
                [node](const QString& s) { return s != QStringLiteral(":root") && matches(s, node); });
            if (!applies)
                continue;
            for (const auto& [name, value] : rule.declarations) {
                if (name == property)
                    found = value;
            }
        }
        return found;
    }

    QString rootValue(const QString& property, bool dark) const
    {
        QString found;
        for (const Rule& rule : m_rules) {
            if ((rule.dark && !dark) || !rule.selectors.contains(QStringLiteral(":root")))
                continue;
            for (const auto& [name, value] : rule.declarations) {
                if (name == property)
                    found = value;
            }
        }
        return found;
    }

    QList<Rule> m_rules;
};

QColor cssColour(const QString& value)
{
    const QColor colour(value);
    return colour.isValid() ? colour : QColor();
}

// The dash pattern a pen draws, in pixels, as SVG's stroke-dasharray writes it ("8 4"); empty for solid, which the
// report's style sheet leaves unset.
QString dashArray(const QPen& pen)
{
    if (pen.style() == Qt::SolidLine)
        return {};
    QStringList lengths;
    const QList<qreal> pattern = pen.dashPattern();
    for (qreal length : pattern)
        lengths.append(QString::number(length * pen.widthF()));
    return lengths.join(QLatin1Char(' '));
}

QLineSeries* lineNamed(QChartView& view, const QString& name)
{
    const auto all = view.chart()->series();
    for (QAbstractSeries* series : all) {
        if (series->name() == name)
            return qobject_cast<QLineSeries*>(series);
    }
    return nullptr;
}

const Node* svgLabelled(const Node& root, const QString& label)
{
    for (const Node* svg : root.find(QStringLiteral("svg"))) {
        if (svg->attributes.value(QStringLiteral("aria-label")).startsWith(label))
            return svg;
    }
    return nullptr;
}

// The series class a chart's legend gives a backend ("series2"), from the <g> around its label.
QString legendClass(const Node& svg, const QString& backend)
{
    for (const Node* g : svg.find(QStringLiteral("g"))) {
        const QList<const Node*> texts = g->find(QStringLiteral("text"));
        if (texts.size() == 1 && texts.first()->allText() == backend && !g->classes.isEmpty())
            return g->classes.first();
    }
    return {};
}

bool sameColour(QColor a, QColor b, int tolerance = 2)
{
    return std::abs(a.red() - b.red()) <= tolerance && std::abs(a.green() - b.green()) <= tolerance
        && std::abs(a.blue() - b.blue()) <= tolerance;
}

// The timeline panel on screen, showing `m` of `run` as a user opens it; false where it could not.
bool showTimeline(TimelinePanel& panel, const RunResult& run, const Measurement& m)
{
    panel.resize(1000, 420);
    panel.show();
    if (!QTest::qWaitForWindowExposed(&panel))
        return false;
    panel.setResult(run);
    return panel.showMeasurement(m.label());
}

} // namespace

class TestPalette final : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void backendColoursAreStableForAnyId();
    void windowAndReportDrawBackendsAlike();
    void windowAndReportDrawReferenceLinesAlike();
    void windowAndReportDrawTheTimelineAlike();
    void windowAndReportSplitTheTasksAlike();
    void windowAndReportColourTheLossPartsAlike();
    void windowAndReportColourWarningsAlike();
    void judgementsReadOnEitherBackground();

private:
    RunResult m_run;
    std::unique_ptr<Node> m_report;
    std::unique_ptr<StyleSheet> m_css;
};

void TestPalette::initTestCase()
{
    m_run = oneRun();
    QString error;
    m_report = parse(HtmlReport::toHtml(m_run), &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const QList<const Node*> styles = m_report->find(QStringLiteral("style"));
    QCOMPARE(styles.size(), 1);
    m_css = std::make_unique<StyleSheet>(styles.first()->allText());
}

void TestPalette::backendColoursAreStableForAnyId()
{
    // Built-in ids: fixed, distinct, readable on their background.
    const QStringList ids { QStringLiteral("sequential"), QStringLiteral("threads"), QStringLiteral("qtconcurrent"),
        QStringLiteral("processes"), QStringLiteral("process-per-task"), QStringLiteral("gil-threads"),
        QStringLiteral("mpi"), QStringLiteral("python-threads"), QStringLiteral("python-processes") };
    for (const bool dark : { false, true }) {
        const QColor background = dark ? QColor(0x0d, 0x11, 0x17) : QColor(Qt::white);
        for (qsizetype i = 0; i < ids.size(); ++i) {
            const QColor colour(QRgb(Palette::backend(ids[i]).on(dark)));
            QVERIFY2(std::abs(colour.lightness() - background.lightness()) > 70, qPrintable(ids[i]));
            for (qsizetype j = 0; j < i; ++j)
                QVERIFY2(Palette::backend(ids[i]).on(dark) != Palette::backend(ids[j]).on(dark),
                    qPrintable(ids[i] + QLatin1Char('/') + ids[j]));
        }
    }
    // The Python baseline shares the native baseline's grey: a pair that reads as related.
    QCOMPARE(Palette::backend(QStringLiteral("python-sequential")).light,
        Palette::backend(QStringLiteral("sequential")).light);
    // Any other id: a colour from the spare set, the same for the same id (a fixed hash, not qHash's per-process
    // seed), so two unknown backends keep their colours from run to run and machine to machine.
    QCOMPARE(
        Palette::backend(QStringLiteral("my-backend")).light, Palette::backend(QStringLiteral("my-backend")).light);
    // Pinned: the hue 0.1's window gave this id (hue 90 of the spare set), kept by the palette's move to core.
    QCOMPARE(Palette::hex(Palette::backend(QStringLiteral("my-backend")).light), QStringLiteral("#69b71b"));
    QVERIFY(Palette::backend(QStringLiteral("my-backend")).light != Palette::backend(QStringLiteral("other")).light);
    // Lines and their patterns.
    QCOMPARE(Palette::hex(0x0a0b0c), QStringLiteral("#0a0b0c"));
    QCOMPARE(Palette::dashPattern(Palette::LineStyle::Solid), QList<double>());
    QCOMPARE(ChartStyle::pen(Palette::reference(Palette::Reference::LptBound), lightPalette()).dashPattern(),
        QList<qreal>({ 4, 2 }));
}

void TestPalette::windowAndReportDrawBackendsAlike()
{
    SpeedupChart speedup;
    WallTimeChart wall;
    speedup.setResult(m_run);
    wall.setResult(m_run);
    const Node* speedupSvg = svgLabelled(*m_report, QStringLiteral("Speedup against workers"));
    const Node* wallSvg = svgLabelled(*m_report, QStringLiteral("Wall time against workers"));
    QVERIFY(speedupSvg && wallSvg);

    for (const bool dark : { false, true }) {
        speedup.setPalette(dark ? darkPalette() : lightPalette());
        wall.setPalette(dark ? darkPalette() : lightPalette());
        for (const QString& backend :
            { QStringLiteral("gil-threads"), QStringLiteral("threads"), QStringLiteral("my-backend") }) {
            const QColor palette(QRgb(Palette::backend(backend).on(dark)));
            const QString what = backend + (dark ? QStringLiteral(" (dark)") : QStringLiteral(" (light)"));

            // The window: the line's pen, in the speedup and the wall-time chart.
            QLineSeries* line = lineNamed(speedup, backend);
            QVERIFY2(line, qPrintable(what));
            QCOMPARE(line->pen().color(), palette);
            QCOMPARE(line->pen().style(), Qt::SolidLine);
            QCOMPARE(lineNamed(wall, backend)->pen().color(), palette);

            // The report: the stroke of the polyline in the backend's group, as the browser resolves it.
            for (const Node* svg : { speedupSvg, wallSvg }) {
                const QString cls = legendClass(*svg, backend);
                QVERIFY2(!cls.isEmpty(), qPrintable(what));
                const QList<const Node*> groups = svg->find(QStringLiteral("g"), cls);
                const Node* plotted = nullptr;
                for (const Node* g : groups) {
                    if (!g->find(QStringLiteral("polyline"), QStringLiteral("line")).isEmpty())
                        plotted = g->find(QStringLiteral("polyline"), QStringLiteral("line")).first();
                }
                QVERIFY2(plotted, qPrintable(what));
                QCOMPARE(cssColour(m_css->value(plotted, QStringLiteral("stroke"), dark)), palette);
                QCOMPARE(m_css->value(plotted, QStringLiteral("stroke-dasharray"), dark), QString());
                QCOMPARE(
                    m_css->value(plotted, QStringLiteral("stroke-width"), dark), QString::number(line->pen().widthF()));
            }
        }
        // The baseline: no speedup line in either; in the wall-time charts a flat line at its median, in its
        // colour and the palette's baseline style, in both.
        QVERIFY(!lineNamed(speedup, QStringLiteral("sequential")));
        // NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker): the QVERIFY above returns when it is null
        QVERIFY(legendClass(*speedupSvg, QStringLiteral("sequential")).isEmpty());
        const QColor sequential(QRgb(Palette::backend(QStringLiteral("sequential")).on(dark)));
        const QPen baselinePen = lineNamed(wall, QStringLiteral("sequential (median)"))->pen();
        QCOMPARE(baselinePen.color(), sequential);
        QCOMPARE(baselinePen.style(), ChartStyle::penStyle(Palette::baseline(QStringLiteral("sequential")).style));
        const QString cls = legendClass(*wallSvg, QStringLiteral("sequential (median)"));
        QVERIFY(!cls.isEmpty());
        const QList<const Node*> baselines = wallSvg->find(QStringLiteral("g"), cls)
                                                 .first()
                                                 ->find(QStringLiteral("polyline"), QStringLiteral("baseline"));
        QCOMPARE(baselines.size(), qsizetype(1));
        QCOMPARE(cssColour(m_css->value(baselines.first(), QStringLiteral("stroke"), dark)), sequential);
        QCOMPARE(m_css->value(baselines.first(), QStringLiteral("stroke-dasharray"), dark), dashArray(baselinePen));
        QCOMPARE(m_css->value(baselines.first(), QStringLiteral("stroke-width"), dark),
            QString::number(baselinePen.widthF()));
    }

    // The results table's swatch beside a backend is its chart colour.
    for (const Node* swatch : m_report->find(QStringLiteral("span"), QStringLiteral("swatch"))) {
        const QString backend = swatch->parent->allText().trimmed();
        if (backend != QStringLiteral("my-backend"))
            continue;
        QCOMPARE(cssColour(m_css->value(swatch, QStringLiteral("--s"), false)),
            QColor(QRgb(Palette::backend(backend).light)));
    }
}

void TestPalette::windowAndReportDrawReferenceLinesAlike()
{
    SpeedupChart speedup;
    EfficiencyChart efficiency;
    speedup.setResult(m_run);
    efficiency.setResult(m_run);
    const Node* svg = svgLabelled(*m_report, QStringLiteral("Speedup against workers"));
    QVERIFY(svg);
    const QList<std::tuple<QString, QString, Palette::Reference>> lines {
        { QStringLiteral("ideal (y = x)"), QStringLiteral("ideal"), Palette::Reference::Ideal },
        { QStringLiteral("lpt bound (best schedule of these tasks)"), QStringLiteral("bound"),
            Palette::Reference::LptBound },
    };
    for (const bool dark : { false, true }) {
        speedup.setPalette(dark ? darkPalette() : lightPalette());
        efficiency.setPalette(dark ? darkPalette() : lightPalette());
        for (const auto& [seriesName, svgClass, reference] : lines) {
            const Palette::Line look = Palette::reference(reference);
            const QPen pen = lineNamed(speedup, seriesName)->pen();
            const QList<const Node*> drawn = svg->find(QStringLiteral("polyline"), svgClass);
            QVERIFY2(!drawn.isEmpty(), qPrintable(svgClass));
            // Colour: the window's pen, the report's stroke and the palette agree.
            QCOMPARE(pen.color(), QColor(QRgb(look.colour.on(dark))));
            QCOMPARE(cssColour(m_css->value(drawn.first(), QStringLiteral("stroke"), dark)), pen.color());
            // Style: the pen's dashes in pixels are the SVG's stroke-dasharray.
            QCOMPARE(pen.style(), ChartStyle::penStyle(look.style));
            QCOMPARE(m_css->value(drawn.first(), QStringLiteral("stroke-dasharray"), dark), dashArray(pen));
            QCOMPARE(m_css->value(drawn.first(), QStringLiteral("stroke-width"), dark), QString::number(pen.widthF()));
        }
        // Ideal and bound are told apart by their style, width and colour, in both, so one drawn over the other
        // still shows both.
        const Palette::Line ideal = Palette::reference(Palette::Reference::Ideal);
        const Palette::Line bound = Palette::reference(Palette::Reference::LptBound);
        QVERIFY(ideal.style != bound.style);
        QVERIFY(ideal.width != bound.width);
        QVERIFY(ideal.colour.on(dark) != bound.colour.on(dark));
        const QPen full = lineNamed(efficiency, QStringLiteral("100% (every worker fully used)"))->pen();
        QCOMPARE(full.color(), QColor(QRgb(Palette::reference(Palette::Reference::FullEfficiency).colour.on(dark))));
        QCOMPARE(full.style(), ChartStyle::penStyle(Palette::reference(Palette::Reference::FullEfficiency).style));
    }
    // The figure's caption names the styles the lines are drawn in.
    bool captioned = false;
    for (const Node* caption : m_report->find(QStringLiteral("figcaption"))) {
        const QString text = caption->allText();
        if (text.startsWith(QStringLiteral("Speedup against workers"))) {
            captioned = true;
            QVERIFY2(text.contains(QStringLiteral("dashed: the lpt bound")), qPrintable(text));
            QVERIFY2(text.contains(QStringLiteral("solid: ideal")), qPrintable(text));
        }
    }
    QVERIFY(captioned);
}

void TestPalette::windowAndReportDrawTheTimelineAlike()
{
    const Measurement& gil = m_run.measurements[1];
    TimelinePanel panel;
    QVERIFY(showTimeline(panel, m_run, gil));
    TimelineView* view = panel.view();

    // The report's timeline of the same measurement: the <svg> after its heading.
    const Node* svg = svgLabelled(*m_report, QStringLiteral("Timeline of gil-threads x2"));
    QVERIFY(svg);

    // Rows: the same workers under the same names.
    const QList<const Node*> rowLabels = svg->find(QStringLiteral("text"), QStringLiteral("rowlabel"));
    QCOMPARE(rowLabels.size(), qsizetype(view->rowCount()));
    for (int row = 0; row < view->rowCount(); ++row)
        QCOMPARE(rowLabels[row]->allText(), view->rowLabel(row));

    for (const bool dark : { false, true }) {
        view->setPalette(dark ? darkPalette() : lightPalette());
        const QImage image = view->grab().toImage();
        // Bars: each task's rect in the report has the fill the window paints its bar with.
        const QList<const Node*> bars = svg->find(QStringLiteral("rect"), QStringLiteral("bar"));
        QCOMPARE(bars.size(), gil.spans.size());
        for (int i = 0; i < gil.spans.size(); ++i) {
            const QColor painted = image.pixelColor((view->taskRect(i).topLeft() + QPointF(3, 3)).toPoint());
            QVERIFY2(sameColour(painted, view->taskColor(i)), qPrintable(painted.name()));
            QCOMPARE(
                view->taskColor(i), QColor(QRgb(Palette::task(TimelineModel::isAlternate(gil.spans[i])).on(dark))));
        }
        for (const Node* bar : bars) {
            const bool alternate = bar->classes.contains(QStringLiteral("alt"));
            QCOMPARE(cssColour(m_css->value(bar, QStringLiteral("fill"), dark)),
                QColor(QRgb(Palette::task(alternate).on(dark))));
        }
        // The report alternates the shades as the window does: by the task's place in the input list.
        QCOMPARE(bars.size(), qsizetype(4));
        // Lock states: every state's strip in the window and in the report, in the palette's colour.
        for (int j = 0; j < gil.states.size(); ++j) {
            const LockState state = gil.states[j].state;
            const QColor expected(QRgb(Palette::lockState(state).on(dark)));
            QCOMPARE(view->stateColor(state), expected);
            const QColor painted = image.pixelColor(view->stateRect(j).center().toPoint());
            QVERIFY2(sameColour(painted, expected), qPrintable(painted.name() + QLatin1Char('/') + expected.name()));
            const QList<const Node*> strips = svg->find(QStringLiteral("rect"), lockStateName(state));
            QVERIFY(!strips.isEmpty());
            for (const Node* strip : strips)
                QCOMPARE(cssColour(m_css->value(strip, QStringLiteral("fill"), dark)), expected);
        }
    }
}

void TestPalette::windowAndReportSplitTheTasksAlike()
{
    const Measurement& gil = m_run.measurements[1];
    TimelinePanel panel;
    QVERIFY(showTimeline(panel, m_run, gil));
    TimelineView* view = panel.view();
    const TimelineModel& model = view->model();
    const Node* svg = svgLabelled(*m_report, QStringLiteral("Timeline of gil-threads x2"));
    QVERIFY(svg);
    const QList<TaskStates::Part> parts = TaskStates::parts(TaskLock::Simulated);

    // The same split: after each bar of the report, the pieces of its strip, each as wide a share of the bar as
    // the window draws it.
    const QList<const Node*> bars = svg->find(QStringLiteral("rect"), QStringLiteral("bar"));
    QCOMPARE(bars.size(), gil.spans.size());
    int strips = 0;
    for (const Node* bar : bars) {
        const QString title = bar->find(QStringLiteral("title")).value(0)->allText();
        int i = 0;
        while (i < int(gil.spans.size())
            && !title.startsWith(TimelineModel::taskLabel(m_run.spec.kernel, gil.spans[i]) + QStringLiteral(" on ")))
            ++i;
        QVERIFY2(i < int(gil.spans.size()), qPrintable(title));
        const TaskStates states = model.taskStates(i);
        QVERIFY2(title.endsWith(states.summary()), qPrintable(title));
        QList<const Node*> pieces;
        const auto& siblings = bar->parent->children;
        auto at = std::find_if(siblings.begin(), siblings.end(), [bar](const auto& n) { return n.get() == bar; });
        for (++at; at != siblings.end() && !(*at)->classes.contains(QStringLiteral("bar")); ++at) {
            if ((*at)->classes.contains(QStringLiteral("ts")))
                pieces.append(at->get());
        }
        const QRectF windowBar = view->taskRect(i);
        if (!states.isMeasured()) {
            QVERIFY(pieces.isEmpty());
            for (TaskStates::Part part : parts)
                QVERIFY(view->taskStateRect(i, part).isEmpty());
            continue;
        }
        ++strips;
        // Each less its outline (the report) or the pixel that parts neighbours (the window), and the inset.
        const double reportBar
            = bar->attributes.value(QStringLiteral("width")).toDouble() - 1 - 2 * TaskStates::kStripInset;
        const double windowStrip = windowBar.width() - 1 - 2 * TaskStates::kStripInset;
        qsizetype k = 0;
        for (TaskStates::Part part : parts) {
            if (states.ns(part) == 0)
                continue;
            QVERIFY2(k < pieces.size(), qPrintable(title));
            const Node* piece = pieces[k++];
            QCOMPARE(piece->attributes.value(QStringLiteral("data-part")), TaskStates::lossKey(part));
            const double inReport = piece->attributes.value(QStringLiteral("width")).toDouble() / reportBar;
            const double inWindow = view->taskStateRect(i, part).width() / windowStrip;
            QVERIFY2(std::abs(inReport - inWindow) < 0.01,
                qPrintable(QStringLiteral("%1 %2: report %3, window %4")
                               .arg(title, TaskStates::label(part))
                               .arg(inReport)
                               .arg(inWindow)));
            QVERIFY(std::abs(inReport - states.share(part)) < 0.01);
        }
        QCOMPARE(k, pieces.size());
    }
    QCOMPARE(strips, 3);

    // The same colours: the window's pixels, the report's fills and the loss chart's parts, light and dark.
    QList<const Node*> legend;
    for (const Node* rect : svg->find(QStringLiteral("rect"), QStringLiteral("ts"))) {
        if (rect->parent == svg)
            legend.append(rect);
    }
    QCOMPARE(legend.size(), parts.size());
    for (const bool dark : { false, true }) {
        view->setPalette(dark ? darkPalette() : lightPalette());
        const QImage image = view->grab().toImage();
        for (TaskStates::Part part : parts) {
            const QColor expected(QRgb(Palette::lossPart(TaskStates::lossKey(part)).on(dark)));
            QCOMPARE(view->taskStateColor(part), expected);
            bool painted = false;
            for (int i = 0; i < int(gil.spans.size()); ++i) {
                const QRectF piece = view->taskStateRect(i, part);
                if (piece.width() < 3)
                    continue;
                painted = true;
                QVERIFY2(sameColour(image.pixelColor(piece.center().toPoint()), expected),
                    qPrintable(TaskStates::label(part)));
            }
            QVERIFY2(painted, qPrintable(TaskStates::label(part)));
        }
        for (const Node* rect : svg->find(QStringLiteral("rect"), QStringLiteral("ts"))) {
            const QString key = rect->attributes.value(QStringLiteral("data-part"));
            QCOMPARE(cssColour(m_css->value(rect, QStringLiteral("fill"), dark)),
                QColor(QRgb(Palette::lossPart(key).on(dark))));
        }
    }
    // Both legends name the strip's parts in the strip's order.
    for (qsizetype k = 0; k < parts.size(); ++k)
        QCOMPARE(legend[k]->attributes.value(QStringLiteral("data-part")), TaskStates::lossKey(parts[k]));
}

void TestPalette::windowAndReportColourWarningsAlike()
{
    // The window's strip, amber and red, in the light palette the test runs with.
    WarningsBar bar;
    bar.setWarnings({ QStringLiteral("a caution") }, 0, false);
    const QString caution = Palette::hex(Palette::noticeBackground(Palette::Notice::Caution).light);
    QVERIFY2(bar.styleSheet().contains(caution), qPrintable(bar.styleSheet()));
    bar.setWarnings({ QStringLiteral("a failure") }, 0, true);
    const QString problem = Palette::hex(Palette::noticeBackground(Palette::Notice::Problem).light);
    QVERIFY(bar.styleSheet().contains(problem));
    // The report's boxes of warnings and failures, in both of its schemes, and its page the exports' paper.
    const QString html = QString::fromUtf8(HtmlReport::toHtml(m_run));
    for (const QString& declared : { QStringLiteral("--warn-bg:") + caution, QStringLiteral("--bad-bg:") + problem,
             QStringLiteral("--warn-bg:") + Palette::hex(Palette::noticeBackground(Palette::Notice::Caution).dark),
             QStringLiteral("--bad-bg:") + Palette::hex(Palette::noticeBackground(Palette::Notice::Problem).dark),
             QStringLiteral("--bg:") + Palette::hex(Palette::paper().background) })
        QVERIFY2(html.contains(declared), qPrintable(declared));
}

void TestPalette::judgementsReadOnEitherBackground()
{
    // A lesson's verdict, a comparison's and a run's status are text in these colours: each readable (WCAG's
    // 4.5:1 for text) on the light and on the dark window, and no two alike.
    const auto luminance = [](const QColor& c) {
        const auto channel = [](double v) { return v <= 0.03928 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4); };
        return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF());
    };
    const auto contrast = [&](const QColor& a, const QColor& b) {
        const double la = luminance(a);
        const double lb = luminance(b);
        return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
    };
    using J = Palette::Judgement;
    for (const QPalette& palette : { lightPalette(), darkPalette() }) {
        QList<QColor> seen;
        for (const J j : { J::Good, J::Bad, J::Unsure, J::UnderWay }) {
            const QColor colour = ChartStyle::color(Palette::judgement(j), palette);
            const double ratio = contrast(colour, palette.color(QPalette::Window));
            QVERIFY2(ratio >= 4.5,
                qPrintable(QStringLiteral("%1 on %2: %3:1")
                               .arg(colour.name(), palette.color(QPalette::Window).name())
                               .arg(ratio, 0, 'f', 2)));
            QVERIFY(!seen.contains(colour));
            seen << colour;
        }
    }
}

void TestPalette::windowAndReportColourTheLossPartsAlike()
{
    LossChart chart;
    chart.setResult(m_run);
    const Node* svg = svgLabelled(*m_report, QStringLiteral("Where the time went"));
    QVERIFY(svg);
    QList<const Accounting::Part*> segments { &Accounting::useful() };
    for (const Accounting::Part& part : Accounting::parts())
        segments.append(&part);
    QCOMPARE(chart.segmentCount(), int(segments.size()));

    // The same bars: threads at each worker count, in the run's order (the baseline and the accountless
    // backends have none), each a stack of the segments in one order, bottom up, with the same values.
    const QList<const Node*> bars = svg->find(QStringLiteral("g"), QStringLiteral("lossbar"));
    QCOMPARE(chart.barLabels(),
        (QStringList { QStringLiteral("threads x1"), QStringLiteral("threads x2"), QStringLiteral("threads x4") }));
    QCOMPARE(bars.size(), qsizetype(chart.barLabels().size()));
    bool negative = false;
    const int workers[] = { 1, 2, 4 };
    for (int bar = 0; bar < int(bars.size()); ++bar) {
        const Measurement* m = m_run.find(QStringLiteral("threads"), workers[bar]);
        QVERIFY(m);
        int previous = -1;
        double zero = -1; // the zero line: where useful stands
        for (const Node* rect : bars[bar]->find(QStringLiteral("rect"))) {
            const QString key = rect->attributes.value(QStringLiteral("data-part"));
            int s = 0;
            while (s < int(segments.size()) && QLatin1String(segments[s]->key) != key)
                ++s;
            QVERIFY2(s < int(segments.size()), qPrintable(key));
            QVERIFY2(s > previous, qPrintable(key)); // stacking order
            previous = s;
            const double share = m->losses.*segments[s]->share;
            QCOMPARE(chart.segment(s)->at(bar), share * 100.0);
            const QString title = rect->find(QStringLiteral("title")).value(0)->allText();
            QVERIFY2(title.startsWith(QStringLiteral("%1 — %2: %3")
                                          .arg(m->label(), QLatin1String(segments[s]->label), Format::percent(share))),
                qPrintable(title));
            // Up from the zero line for a positive share, down from it for a negative one.
            const double y = rect->attributes.value(QStringLiteral("y")).toDouble();
            const double height = rect->attributes.value(QStringLiteral("height")).toDouble();
            if (s == 0)
                zero = y + height;
            QVERIFY(zero > 0);
            if (share < 0) {
                negative = true;
                QVERIFY2(y >= zero - 0.2, qPrintable(title));
                QVERIFY2(title.contains(QStringLiteral("below zero")), qPrintable(title));
            } else {
                QVERIFY2(y + height <= zero + 0.2, qPrintable(title));
            }
        }
    }
    QVERIFY(negative); // threads x2's slowdown

    for (const bool dark : { false, true }) {
        chart.setPalette(dark ? darkPalette() : lightPalette());
        QList<QColor> seen;
        for (int s = 0; s < int(segments.size()); ++s) {
            const QString key = QLatin1String(segments[s]->key);
            const QColor expected(QRgb(Palette::lossPart(key).on(dark)));
            // The window's bar set and every segment and legend swatch of the part in the report.
            QCOMPARE(chart.segment(s)->color(), expected);
            const QList<const Node*> rects = svg->find(QStringLiteral("rect"), SvgCharts::partClass(key));
            QVERIFY2(!rects.isEmpty(), qPrintable(key));
            for (const Node* rect : rects)
                QCOMPARE(cssColour(m_css->value(rect, QStringLiteral("fill"), dark)), expected);
            // Told apart: no two parts share a colour, and unexplained is the quietest (least saturated).
            for (const QColor& other : std::as_const(seen))
                QVERIFY2(std::abs(other.red() - expected.red()) + std::abs(other.green() - expected.green())
                            + std::abs(other.blue() - expected.blue())
                        > 60,
                    qPrintable(key));
            seen.append(expected);
            if (key != QStringLiteral("unexplained"))
                QVERIFY2(expected.hslSaturation()
                        > QColor(QRgb(Palette::lossPart(QStringLiteral("unexplained")).on(dark))).hslSaturation(),
                    qPrintable(key));
        }
    }
}

QTEST_MAIN(TestPalette)
#include "tst_palette.moc"
