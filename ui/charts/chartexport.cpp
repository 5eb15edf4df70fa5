#include "chartexport.h"

#include "atomicfile.h"
#include "chartstyle.h"
#include "runresult.h"

#include <QAction>
#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QClipboard>
#include <QDateTime>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontMetricsF>
#include <QGraphicsLayout>
#include <QImage>
#include <QMessageBox>
#include <QPageLayout>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QStandardPaths>
#include <QSvgGenerator>
#include <algorithm>
#include <cmath>

namespace parlab {

namespace {
constexpr char kCaption[] = "parlabExportCaption";

// The chart drawn on paper for as long as it lives: the view gets the paper palette (ParLab's charts restyle
// themselves on the change), a chart that does not follow its view's palette gets the paper's background, axes and
// legend directly; both are given back after.
class OnPaper {
public:
    explicit OnPaper(QChartView* view)
        : m_view(view)
        , m_chart(view->chart())
        , m_ownPalette(view->testAttribute(Qt::WA_SetPalette))
        , m_palette(view->palette())
        , m_titleShown(ChartStyle::isTitleShown(m_chart))
    {
        // On paper the chart says what it is: the window's tab and run line are not there.
        if (!m_titleShown)
            ChartStyle::setTitleShown(m_chart, true);
        const QPalette paper = ChartStyle::paperPalette();
        m_view->setPalette(paper);
        if (m_chart->backgroundBrush().color() != paper.color(QPalette::Window)) {
            ChartStyle::applyPalette(m_chart, paper);
            m_restyle = true;
        }
    }
    ~OnPaper()
    {
        m_view->setPalette(m_ownPalette ? m_palette : QPalette());
        if (m_restyle)
            ChartStyle::applyPalette(m_chart, m_view->palette());
        if (!m_titleShown)
            ChartStyle::setTitleShown(m_chart, false);
    }
    OnPaper(const OnPaper&) = delete;
    OnPaper& operator=(const OnPaper&) = delete;

private:
    QChartView* m_view;
    QChart* m_chart;
    bool m_ownPalette;
    QPalette m_palette;
    bool m_titleShown;
    bool m_restyle = false;
};

// Lays the chart out for `size` on paper, paints it with its caption under it, and restores the on-screen layout and
// colours: labels, legend and tick counts are computed for the exported shape, not stretched from the widget's.
// Large exports are laid out smaller and scaled up, so text keeps the proportion it has on screen (a 1600 px slide
// still reads from the back).
void paintChart(QChartView* view, QPainter& painter, QSizeF size)
{
    constexpr QSizeF kComfortable(1100, 700);
    const double scale
        = std::max(1.0, std::min(size.width() / kComfortable.width(), size.height() / kComfortable.height()));
    const QSizeF layoutSize = size / scale;

    const OnPaper paper(view);
    const QString caption = ChartExport::captionOf(view);
    // In pixels of the layout, so it keeps its size beside the chart's labels on every device (the PDF's 300 dpi too).
    QFont captionFont = ChartStyle::labelFont();
    captionFont.setPixelSize(int(std::lround(captionFont.pointSizeF() * 0.9 * 96.0 / 72.0)));
    const QFontMetricsF captionMetrics(captionFont);
    const double captionHeight = caption.isEmpty() ? 0 : std::ceil(captionMetrics.height() * 2);
    const QSizeF chartSize(layoutSize.width(), layoutSize.height() - captionHeight);

    QChart* chart = view->chart();
    const QRectF onScreen = chart->geometry();
    chart->resize(chartSize);
    if (chart->layout())
        chart->layout()->activate();
    painter.fillRect(QRectF(QPointF(0, 0), size), QColor(QRgb(Palette::paper().background)));
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setRenderHint(QPainter::TextAntialiasing);
    painter.save();
    painter.scale(scale, scale);
    view->scene()->render(
        &painter, QRectF(QPointF(0, 0), chartSize), chart->sceneBoundingRect(), Qt::IgnoreAspectRatio);
    if (!caption.isEmpty()) {
        painter.setFont(captionFont);
        painter.setPen(QColor(QRgb(Palette::paper().muted)));
        const double margin = std::max(12.0, double(chart->margins().left()) + 8);
        const QRectF box(margin, chartSize.height(), layoutSize.width() - 2 * margin, captionHeight);
        painter.drawText(
            box, Qt::AlignLeft | Qt::AlignVCenter, captionMetrics.elidedText(caption, Qt::ElideRight, box.width()));
    }
    painter.restore();
    chart->setGeometry(onScreen);
    if (chart->layout())
        chart->layout()->activate();
}

QImage renderImage(QChartView* view, QSize size, qreal devicePixelRatio)
{
    QImage image(size * devicePixelRatio, QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(devicePixelRatio);
    image.fill(QColor(QRgb(Palette::paper().background)));
    QPainter painter(&image);
    paintChart(view, painter, size);
    painter.end();
    return image;
}

QString chartTitle(QChartView* view)
{
    const QString title = ChartStyle::titleOf(view->chart());
    return title.isEmpty() ? QStringLiteral("ParLab chart") : title;
}

QString suggestedName(QChartView* view)
{
    // "Speedup vs workers: fib on 6 inputs" -> "speedup-vs-workers-fib-on-6-inputs.png"
    QString name = chartTitle(view).toLower();
    for (QChar& c : name) {
        if (!c.isLetterOrNumber())
            c = QLatin1Char('-');
    }
    const QStringList parts = name.split(QLatin1Char('-'), Qt::SkipEmptyParts);
    return parts.join(QLatin1Char('-')) + QStringLiteral(".png");
}

void saveWithDialog(QChartView* view)
{
    static QString lastFolder = QStandardPaths::writableLocation(QStandardPaths::PicturesLocation);
    const QString path = ChartExport::askSavePath(
        view, QApplication::translate("ChartExport", "Save chart as"), QDir(lastFolder).filePath(suggestedName(view)));
    if (path.isEmpty())
        return;
    lastFolder = QFileInfo(path).absolutePath();
    if (const Result<void> saved = ChartExport::save(view, path); !saved)
        QMessageBox::warning(view, QApplication::translate("ChartExport", "Save chart"), saved.error());
}
} // namespace

QString ChartExport::askSavePath(QWidget* parent, const QString& title, const QString& suggestedPath)
{
    const QStringList filters = fileFilters();
    QString selected = filters.constFirst();
    QString path
        = QFileDialog::getSaveFileName(parent, title, suggestedPath, filters.join(QStringLiteral(";;")), &selected);
    if (!path.isEmpty() && QFileInfo(path).suffix().isEmpty()) {
        // Some platform dialogs return the name as typed; take the suffix from the chosen filter.
        const qsizetype star = selected.indexOf(QStringLiteral("*."));
        if (star >= 0)
            path += selected.mid(star + 1, 4);
    }
    return path;
}

Result<void> ChartExport::save(QChartView* view, const QString& path, QSize size)
{
    const QString what
        = QApplication::translate("ChartExport", "Cannot save the chart to %1").arg(QDir::toNativeSeparators(path));
    if (!view || !view->chart())
        return fail(what + QStringLiteral(": ") + QApplication::translate("ChartExport", "there is no chart"));
    if (size.isEmpty())
        size = kDefaultSize;

    const AtomicFile::Writer png = [view, size](QIODevice& file) -> Result<void> {
        if (!renderImage(view, size, 2.0).save(&file, "PNG"))
            return fail(QApplication::translate("ChartExport", "the PNG encoder failed"));
        return {};
    };
    const AtomicFile::Writer svg = [view, size](QIODevice& file) -> Result<void> {
        QSvgGenerator generator;
        generator.setOutputDevice(&file);
        generator.setSize(size);
        generator.setViewBox(QRect(QPoint(0, 0), size));
        // Text sizes are written in the generator's resolution; the chart measured its labels on screen.
        generator.setResolution(view->logicalDpiY());
        generator.setTitle(chartTitle(view));
        generator.setDescription(QApplication::translate("ChartExport", "Exported from ParLab"));
        QPainter painter;
        if (!painter.begin(&generator))
            return fail(QApplication::translate("ChartExport", "the SVG generator could not start"));
        paintChart(view, painter, size);
        painter.end();
        return {};
    };
    const AtomicFile::Writer pdf = [view, size](QIODevice& file) -> Result<void> {
        QPdfWriter writer(&file);
        writer.setTitle(chartTitle(view));
        writer.setCreator(QStringLiteral("ParLab"));
        writer.setResolution(300);
        // A page exactly the chart's shape (96 logical pixels per inch), so it drops into a document unpadded.
        // QPageLayout turns the page size's portrait form sideways, so the size is given tall, then laid
        // landscape.
        const QSizeF points = QSizeF(size) * (72.0 / 96.0);
        const bool wide = points.width() >= points.height();
        const QSizeF portrait = wide ? points.transposed() : points;
        writer.setPageLayout(QPageLayout(QPageSize(portrait, QPageSize::Point, QStringLiteral("ParLab chart")),
            wide ? QPageLayout::Landscape : QPageLayout::Portrait, QMarginsF(0, 0, 0, 0)));
        QPainter painter;
        if (!painter.begin(&writer))
            return fail(QApplication::translate("ChartExport", "the PDF writer could not start"));
        const double scale = std::min(writer.width() / double(size.width()), writer.height() / double(size.height()));
        painter.scale(scale, scale);
        paintChart(view, painter, size);
        painter.end();
        return {};
    };
    return AtomicFile::writeByType(path,
        { { { QStringLiteral("png") }, png }, { { QStringLiteral("svg") }, svg }, { { QStringLiteral("pdf") }, pdf } },
        what);
}

void ChartExport::copyToClipboard(QChartView* view)
{
    if (!view || !view->chart())
        return;
    // What the user sees, at twice the pixels so it stays sharp on a slide.
    const QSize size = view->width() >= 200 && view->height() >= 150 ? view->size() : kDefaultSize;
    QImage image = renderImage(view, size, 2.0);
    image.setDevicePixelRatio(1.0);
    QApplication::clipboard()->setImage(image);
}

QStringList ChartExport::fileFilters()
{
    return {
        QApplication::translate("ChartExport", "PNG image (*.png)"),
        QApplication::translate("ChartExport", "SVG drawing (*.svg)"),
        QApplication::translate("ChartExport", "PDF document (*.pdf)"),
    };
}

QString ChartExport::caption(const RunResult& result)
{
    if (result.measurements.isEmpty())
        return {};
    const QDateTime when = result.created.isValid() ? result.created : QDateTime::currentDateTime();
    QStringList parts { QStringLiteral("ParLab") };
    QString measured = QApplication::translate("ChartExport", "measured %1")
                           .arg(when.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm")));
    const QString cpu = result.environment.cpu.simplified();
    const int cores = result.environment.logicalCores;
    if (!cpu.isEmpty() && cores > 0)
        measured += QApplication::translate("ChartExport", " on %1 (%2 logical cores)").arg(cpu).arg(cores);
    else if (!cpu.isEmpty())
        measured += QApplication::translate("ChartExport", " on %1").arg(cpu);
    else if (cores > 0)
        measured += QApplication::translate("ChartExport", " on %1 logical cores").arg(cores);
    parts.append(measured);
    const qsizetype warnings = result.warnings.size();
    if (warnings == 0)
        parts.append(QApplication::translate("ChartExport", "no warnings"));
    else if (warnings == 1)
        parts.append(QApplication::translate("ChartExport", "1 warning: see the report"));
    else
        parts.append(QApplication::translate("ChartExport", "%1 warnings: see the report").arg(warnings));
    return parts.join(QStringLiteral(" · "));
}

void ChartExport::setCaption(QChartView* view, const RunResult& result)
{
    setCaption(view, caption(result));
}

void ChartExport::setCaption(QChartView* view, const QString& caption)
{
    view->setProperty(kCaption, caption);
}

QString ChartExport::captionOf(const QChartView* view)
{
    return view->property(kCaption).toString();
}

void ChartExport::installContextMenu(QChartView* view)
{
    // The charts install it themselves; a second call (a window that installs it on every view) adds nothing.
    static constexpr char kInstalled[] = "parlabChartMenu";
    if (view->property(kInstalled).toBool())
        return;
    view->setProperty(kInstalled, true);
    view->setContextMenuPolicy(Qt::ActionsContextMenu);
    auto* save = new QAction(QApplication::translate("ChartExport", "Save chart as…"), view);
    QObject::connect(save, &QAction::triggered, view, [view] { saveWithDialog(view); });
    auto* copy = new QAction(QApplication::translate("ChartExport", "Copy chart"), view);
    QObject::connect(copy, &QAction::triggered, view, [view] { copyToClipboard(view); });
    view->addAction(save);
    view->addAction(copy);
}

} // namespace parlab
