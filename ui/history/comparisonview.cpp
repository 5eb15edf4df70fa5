#include "comparisonview.h"

#include "atomicfile.h"
#include "charts/chartexport.h"
#include "charts/chartstyle.h"
#include "export/formatting.h"

#include <QAreaSeries>
#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QCursor>
#include <QDialogButtonBox>
#include <QDir>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QMessageBox>
#include <QPushButton>
#include <QSplitter>
#include <QStackedBarSeries>
#include <QTableWidget>
#include <QToolTip>
#include <QVBoxLayout>
#include <QValueAxis>
#include <cmath>

namespace parlab {

namespace {
constexpr double kAlpha = 0.05; // significance level of the Mann-Whitney U test
constexpr char kVerdictProperty[] = "parlabVerdict";

// Verdicts read the same in the table, the summary and the chart: green faster, red slower, amber
// undecided, grey no change; lighter on a dark palette.
QColor verdictColor(Verdict verdict, const QPalette& palette)
{
    switch (verdict) {
    case Verdict::Faster:
        return ChartStyle::color(Palette::judgement(Palette::Judgement::Good), palette);
    case Verdict::Slower:
        return ChartStyle::color(Palette::judgement(Palette::Judgement::Bad), palette);
    case Verdict::Inconclusive:
    case Verdict::Mixed:
    case Verdict::NotComparable:
        return ChartStyle::color(Palette::judgement(Palette::Judgement::Unsure), palette);
    case Verdict::NoChange:
    case Verdict::Missing:
        break;
    }
    return ChartStyle::referenceColor(palette);
}

QString percentChange(double ratio)
{
    return QString::number(std::abs(ratio - 1) * 100, 'f', 1) + QLatin1Char('%');
}

QString verdictExplanation(const ComparisonRow& row)
{
    switch (row.verdict) {
    case Verdict::Faster:
        return ComparisonView::tr("B's median is %1 lower than A's, and the difference is significant (p < %2)")
            .arg(percentChange(row.ratio), QString::number(kAlpha));
    case Verdict::Slower:
        return ComparisonView::tr("B's median is %1 higher than A's, and the difference is significant (p < %2)")
            .arg(percentChange(row.ratio), QString::number(kAlpha));
    case Verdict::NoChange:
        return ComparisonView::tr("The medians are within ±%1% of each other: no change beyond the noise")
            .arg(ComparisonView::kNoise * 100);
    case Verdict::Inconclusive:
        return ComparisonView::tr("The medians differ by %1, but the samples overlap too much to tell (p ≥ %2); "
                                  "more repeats would decide")
            .arg(percentChange(row.ratio), QString::number(kAlpha));
    case Verdict::Mixed:
        return {};
    case Verdict::NotComparable:
        return ComparisonView::tr("The runs measured different work: no verdict");
    case Verdict::Missing:
        return row.samplesA == 0 ? ComparisonView::tr("Measured only in run B")
                                 : ComparisonView::tr("Measured only in run A");
    }
    return {};
}

QString csvField(const QString& text)
{
    if (!text.contains(QLatin1Char(',')) && !text.contains(QLatin1Char('"')) && !text.contains(QLatin1Char('\n')))
        return text;
    return QLatin1Char('"') + QString(text).replace(QLatin1Char('"'), QStringLiteral("\"\"")) + QLatin1Char('"');
}

QString csvNumber(double value)
{
    return std::isfinite(value) ? QString::number(value, 'g', 12) : QString();
}

QString markdownCell(const QString& text)
{
    return QString(text).replace(QLatin1Char('|'), QStringLiteral("\\|"));
}

bool rightAligned(int column)
{
    return column != ComparisonView::Backend && column != ComparisonView::VerdictColumn;
}
} // namespace

ComparisonView::ComparisonView(
    const RunResult& a, const QString& labelA, const RunResult& b, const QString& labelB, QWidget* parent)
    : QDialog(parent)
    , m_a(a)
    , m_b(b)
    , m_labelA(labelA)
    , m_labelB(labelB)
{
    setObjectName(QStringLiteral("comparisonView"));
    setWindowTitle(tr("Compare runs"));
    setSizeGripEnabled(true);

    m_heading = new QLabel;
    m_heading->setObjectName(QStringLiteral("comparisonHeading"));
    m_heading->setTextFormat(Qt::PlainText);
    m_heading->setWordWrap(true);
    m_heading->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont headingFont = m_heading->font();
    headingFont.setBold(true);
    m_heading->setFont(headingFont);

    auto* explanation = new QLabel(tr("Ratio = median B / median A: below 1 means B is faster. A combination is "
                                      "faster or slower when its ratio is outside the ±%1% noise band and the "
                                      "Mann-Whitney U test finds the difference significant (p < %2).")
                                       .arg(kNoise * 100)
                                       .arg(kAlpha));
    explanation->setWordWrap(true);

    m_summary = new QLabel;
    m_summary->setObjectName(QStringLiteral("comparisonSummary"));
    m_summary->setTextFormat(Qt::PlainText);
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_table = new QTableWidget(0, ColumnCount);
    m_table->setObjectName(QStringLiteral("comparisonTable"));
    m_table->setHorizontalHeaderLabels(headers());
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setAlternatingRowColors(true);
    m_table->verticalHeader()->setVisible(false);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);

    m_chart = new QChart;
    m_x = new QBarCategoryAxis(m_chart);
    m_y = new QValueAxis(m_chart);
    m_y->setTitleText(tr("ratio B/A"));
    m_chart->addAxis(m_x, Qt::AlignBottom);
    m_chart->addAxis(m_y, Qt::AlignLeft);
    ChartStyle::detachLegend(m_chart);
    m_chartView = new QChartView(m_chart);
    m_chartView->setObjectName(QStringLiteral("comparisonChart"));
    m_chartView->setRenderHint(QPainter::Antialiasing);
    m_chartView->setMinimumSize(420, 280);
    connect(m_chart, &QGraphicsWidget::geometryChanged, this, [this] { ChartStyle::placeLegend(m_chart); });
    connect(m_chart, &QChart::plotAreaChanged, this, [this] { ChartStyle::refitAxes(m_chart); });
    ChartExport::installContextMenu(m_chartView);
    // The chart follows its own view's palette: an export puts the view alone on paper.
    m_chartView->installEventFilter(this);

    auto* splitter = new QSplitter(Qt::Vertical);
    splitter->addWidget(m_table);
    splitter->addWidget(m_chartView);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    QPushButton* swap = buttons->addButton(tr("S&wap A and B"), QDialogButtonBox::ActionRole);
    swap->setObjectName(QStringLiteral("swapRuns"));
    QPushButton* exportTable = buttons->addButton(tr("Export &table…"), QDialogButtonBox::ActionRole);
    exportTable->setObjectName(QStringLiteral("exportTable"));
    QPushButton* saveChart = buttons->addButton(tr("Save &chart…"), QDialogButtonBox::ActionRole);
    saveChart->setObjectName(QStringLiteral("saveChart"));
    connect(swap, &QPushButton::clicked, this, &ComparisonView::swapRuns);
    connect(exportTable, &QPushButton::clicked, this, &ComparisonView::exportTableInteractively);
    connect(saveChart, &QPushButton::clicked, this, &ComparisonView::saveChartInteractively);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_heading);
    layout->addWidget(explanation);
    layout->addWidget(m_summary);
    layout->addWidget(splitter, 1);
    layout->addWidget(buttons);
    resize(960, 760);

    recompute();
}

ComparisonView::~ComparisonView() = default;

void ComparisonView::swapRuns()
{
    std::swap(m_a, m_b);
    std::swap(m_labelA, m_labelB);
    recompute();
}

void ComparisonView::recompute()
{
    m_comparison = compareRuns(m_a, m_b, kNoise, kAlpha);
    m_heading->setText(tr("Run A: %1\nvs run B: %2").arg(m_labelA, m_labelB));
    // The verdict, then what weakens it (a busy machine), each on a line of its own.
    QStringList summary { m_comparison.summary };
    for (const QString& caution : std::as_const(m_comparison.cautions))
        summary << QStringLiteral("⚠ ") + caution;
    m_summary->setText(summary.join(QLatin1Char('\n')));
    fillTable();
    fillChart();
    restyle();
}

QStringList ComparisonView::headers() const
{
    return { tr("Backend"), tr("Workers"), tr("Median A"), tr("Median B"), tr("Ratio B/A"), tr("p-value"),
        tr("Verdict") };
}

QStringList ComparisonView::rowCells(const ComparisonRow& row) const
{
    return { row.backend, QString::number(row.workers), Format::duration(row.medianA), Format::duration(row.medianB),
        ratioText(row.ratio), pValueText(row), verdictName(row.verdict) };
}

QString ComparisonView::ratioText(double ratio)
{
    // Three decimals: the noise band is 1% wide, so 0.995 and 1.005 must read differently.
    return Format::ratio(ratio, 3);
}

QString ComparisonView::pValueText(const ComparisonRow& row)
{
    if (!std::isfinite(row.pValue))
        return Format::ratio(row.pValue);
    const QString value = row.pValue < 0.001 ? QStringLiteral("< 0.001") : QString::number(row.pValue, 'f', 3);
    return row.exact ? tr("%1 (exact)").arg(value) : tr("%1 (approx.)").arg(value);
}

void ComparisonView::fillTable()
{
    m_table->setRowCount(int(m_comparison.rows.size()));
    for (qsizetype r = 0; r < m_comparison.rows.size(); ++r) {
        const ComparisonRow& row = m_comparison.rows.at(r);
        const QStringList cells = rowCells(row);
        const QString tip = tr("%1 x%2: %n sample(s) in A", nullptr, row.samplesA).arg(row.backend).arg(row.workers)
            + tr(", %n in B", nullptr, row.samplesB) + QLatin1Char('\n') + verdictExplanation(row);
        for (int c = 0; c < ColumnCount; ++c) {
            auto* item = new QTableWidgetItem(cells.at(c));
            item->setTextAlignment(
                rightAligned(c) ? Qt::AlignRight | Qt::AlignVCenter : Qt::AlignLeft | Qt::AlignVCenter);
            item->setToolTip(tip);
            if (c == VerdictColumn) {
                item->setData(Qt::UserRole, int(row.verdict));
                if (row.verdict == Verdict::Faster || row.verdict == Verdict::Slower) {
                    QFont font = item->font();
                    font.setBold(true);
                    item->setFont(font);
                }
            }
            if (c == PValue)
                item->setToolTip(tip + QLatin1Char('\n')
                    + (row.exact ? tr("p from the exact distribution of U (small samples, no ties)")
                                 : tr("p from the normal approximation of U (with tie correction)")));
            m_table->setItem(int(r), c, item);
        }
    }
}

void ComparisonView::fillChart()
{
    m_chart->removeAllSeries();

    QStringList categories;
    QList<ComparisonRow> drawn; // copies: the hover tooltips outlive a recompute's new comparison
    double maxRatio = 1.0;
    for (const ComparisonRow& row : std::as_const(m_comparison.rows)) {
        if (!std::isfinite(row.ratio))
            continue; // measured in one run only: nothing to draw, the table says so
        // Two lines (axis labels are rich text), so "python-processes x16" fits under its bar, not "python-pr...".
        categories.append(QStringLiteral("%1<br>x%2").arg(row.backend.toHtmlEscaped()).arg(row.workers));
        drawn.append(row);
        maxRatio = std::max(maxRatio, row.ratio);
    }
    m_x->clear();
    m_x->append(categories);
    m_chart->setTitle(drawn.isEmpty() ? tr("No combination was measured in both runs")
                                      : ChartStyle::title(tr("Ratio of medians B/A"), m_b));

    // One stacked set per verdict, each combination's value in the set of its verdict only: one bar per
    // combination, coloured by verdict, with the verdicts in the legend.
    auto* bars = new QStackedBarSeries(m_chart);
    bars->setBarWidth(0.6);
    const Verdict order[] = { Verdict::Faster, Verdict::Slower, Verdict::NoChange, Verdict::Inconclusive };
    for (Verdict verdict : order) {
        QList<qreal> values;
        bool any = false;
        for (const ComparisonRow& row : std::as_const(drawn)) {
            values.append(row.verdict == verdict ? row.ratio : 0.0);
            any = any || row.verdict == verdict;
        }
        if (!any)
            continue;
        auto* set = new QBarSet(verdictName(verdict), bars);
        set->setProperty(kVerdictProperty, int(verdict));
        set->append(values);
        bars->append(set);
        connect(set, &QBarSet::hovered, this, [this, drawn](bool status, int index) {
            if (!status || index < 0 || index >= drawn.size()) {
                QToolTip::hideText();
                return;
            }
            const ComparisonRow& row = drawn.at(index);
            QToolTip::showText(QCursor::pos(),
                tr("%1 x%2: ratio %3, p %4, %5")
                    .arg(row.backend)
                    .arg(row.workers)
                    .arg(ratioText(row.ratio), pValueText(row), verdictName(row.verdict)),
                m_chartView);
        });
    }
    m_chart->addSeries(bars);
    bars->attachAxis(m_x);
    bars->attachAxis(m_y);

    if (!drawn.isEmpty()) {
        // Lines on a category axis use the category index as x: from the left edge of the first bar's slot
        // to the right edge of the last one's.
        const double left = -0.5;
        const double right = double(drawn.size()) - 0.5;
        auto* band = new QAreaSeries(m_chart);
        auto* upper = new QLineSeries(band);
        auto* lower = new QLineSeries(band);
        upper->append({ QPointF(left, 1 + kNoise), QPointF(right, 1 + kNoise) });
        lower->append({ QPointF(left, 1 - kNoise), QPointF(right, 1 - kNoise) });
        band->setUpperSeries(upper);
        band->setLowerSeries(lower);
        band->setName(tr("no-change band (±%1%)").arg(kNoise * 100));
        band->setObjectName(QStringLiteral("noiseBand"));
        m_chart->addSeries(band);
        band->attachAxis(m_x);
        band->attachAxis(m_y);

        auto* reference = new QLineSeries(m_chart);
        reference->setName(tr("1.0 (as fast as A)"));
        reference->setObjectName(QStringLiteral("referenceLine"));
        reference->append({ QPointF(left, 1), QPointF(right, 1) });
        m_chart->addSeries(reference);
        reference->attachAxis(m_x);
        reference->attachAxis(m_y);
    }

    ChartStyle::setValueRange(m_chart, m_y, std::max(maxRatio, 1 + 10 * kNoise));
    ChartStyle::placeLegend(m_chart);
}

void ComparisonView::restyle()
{
    restyleChart();
    const QPalette& pal = palette();
    for (int r = 0; r < m_table->rowCount() && r < m_comparison.rows.size(); ++r) {
        if (QTableWidgetItem* item = m_table->item(r, VerdictColumn))
            item->setForeground(verdictColor(m_comparison.rows.at(r).verdict, pal));
    }
    QPalette summaryPalette = m_summary->palette();
    summaryPalette.setColor(QPalette::WindowText,
        m_comparison.overall == Verdict::NoChange ? pal.color(QPalette::WindowText)
                                                  : verdictColor(m_comparison.overall, pal));
    m_summary->setPalette(summaryPalette);
}

void ComparisonView::restyleChart()
{
    const QPalette& pal = m_chartView->palette();
    ChartStyle::applyPalette(m_chart, pal);
    const auto series = m_chart->series();
    for (QAbstractSeries* s : series) {
        if (auto* bars = qobject_cast<QStackedBarSeries*>(s)) {
            const auto sets = bars->barSets();
            for (QBarSet* set : sets) {
                const QColor colour = verdictColor(Verdict(set->property(kVerdictProperty).toInt()), pal);
                set->setColor(colour);
                set->setBorderColor(colour);
            }
        } else if (auto* band = qobject_cast<QAreaSeries*>(s)) {
            QColor fill = ChartStyle::referenceColor(pal);
            fill.setAlphaF(0.35f);
            band->setBrush(fill);
            band->setPen(Qt::NoPen);
        } else if (auto* line = qobject_cast<QLineSeries*>(s)) {
            QPen pen(ChartStyle::referenceColor(pal), 2, Qt::DashLine);
            pen.setCapStyle(Qt::FlatCap);
            line->setPen(pen);
        }
    }
    // Bar and band markers drawn as filled squares: QLegend's shape-from-series leaves them hollow.
    const auto markers = m_chart->legend()->markers();
    for (QLegendMarker* marker : markers) {
        if (marker->type() == QLegendMarker::LegendMarkerTypeBar
            || marker->type() == QLegendMarker::LegendMarkerTypeArea)
            marker->setShape(QLegend::MarkerShapeRectangle);
    }
}

bool ComparisonView::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_chartView && event->type() == QEvent::PaletteChange)
        restyleChart();
    return QDialog::eventFilter(watched, event);
}

void ComparisonView::changeEvent(QEvent* event)
{
    QDialog::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        restyle();
}

QString ComparisonView::tableAsCsv() const
{
    QStringList lines;
    lines.append(
        QStringLiteral("backend,workers,samples_a,samples_b,median_a_s,median_b_s,ratio,p_value,p_exact,verdict"));
    for (const ComparisonRow& row : m_comparison.rows) {
        lines.append(QStringList { csvField(row.backend), QString::number(row.workers), QString::number(row.samplesA),
            QString::number(row.samplesB), csvNumber(row.medianA), csvNumber(row.medianB), csvNumber(row.ratio),
            csvNumber(row.pValue), row.exact ? QStringLiteral("true") : QStringLiteral("false"),
            csvField(verdictName(row.verdict)) }
                         .join(QLatin1Char(',')));
    }
    return lines.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

QString ComparisonView::tableAsMarkdown() const
{
    QStringList lines;
    lines.append(tr("Run A: %1  ").arg(m_labelA));
    lines.append(tr("Run B: %1").arg(m_labelB));
    lines.append(QString());
    QStringList header;
    QStringList rule;
    const QStringList names = headers();
    for (int c = 0; c < ColumnCount; ++c) {
        header.append(markdownCell(names.at(c)));
        rule.append(rightAligned(c) ? QStringLiteral("---:") : QStringLiteral(":---"));
    }
    lines.append(QStringLiteral("| ") + header.join(QStringLiteral(" | ")) + QStringLiteral(" |"));
    lines.append(QStringLiteral("|") + rule.join(QLatin1Char('|')) + QStringLiteral("|"));
    for (const ComparisonRow& row : m_comparison.rows) {
        QStringList cells;
        for (const QString& cell : rowCells(row))
            cells.append(markdownCell(cell));
        lines.append(QStringLiteral("| ") + cells.join(QStringLiteral(" | ")) + QStringLiteral(" |"));
    }
    lines.append(QString());
    lines.append(m_comparison.summary);
    return lines.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

Result<void> ComparisonView::saveTable(const QString& path) const
{
    return AtomicFile::writeByType(path,
        { { { QStringLiteral("csv") }, AtomicFile::bytes([this] { return tableAsCsv().toUtf8(); }) },
            { { QStringLiteral("md"), QStringLiteral("markdown") },
                AtomicFile::bytes([this] { return tableAsMarkdown().toUtf8(); }) } },
        tr("Cannot save the comparison to %1").arg(QDir::toNativeSeparators(path)));
}

Result<void> ComparisonView::saveChart(const QString& path) const
{
    return ChartExport::save(m_chartView, path);
}

void ComparisonView::exportTableInteractively()
{
    const QStringList filters { tr("CSV table (*.csv)"), tr("Markdown table (*.md)") };
    QString selected = filters.constFirst();
    QString path = QFileDialog::getSaveFileName(this, tr("Export comparison table"),
        QStringLiteral("parlab-comparison.csv"), filters.join(QStringLiteral(";;")), &selected);
    if (path.isEmpty())
        return;
    if (QFileInfo(path).suffix().isEmpty())
        path += selected == filters.constLast() ? QStringLiteral(".md") : QStringLiteral(".csv");
    if (const Result<void> saved = saveTable(path); !saved)
        QMessageBox::warning(this, tr("Export comparison table"), saved.error());
}

void ComparisonView::saveChartInteractively()
{
    const QString path
        = ChartExport::askSavePath(this, tr("Save comparison chart"), QStringLiteral("parlab-comparison.png"));
    if (path.isEmpty())
        return;
    if (const Result<void> saved = saveChart(path); !saved)
        QMessageBox::warning(this, tr("Save comparison chart"), saved.error());
}

} // namespace parlab
