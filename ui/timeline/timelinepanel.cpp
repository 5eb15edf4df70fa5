#include "timelinepanel.h"

#include "atomicfile.h"
#include "backends/backendregistry.h"
#include "charts/chartstyle.h"
#include "export/formatting.h"
#include "export/texttable.h"
#include "measurement.h"
#include "timeline/timelinemodel.h"
#include "timelineview.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QImage>
#include <QLabel>
#include <QMessageBox>
#include <QPainter>
#include <QPushButton>
#include <QSet>
#include <QSignalBlocker>
#include <QStandardPaths>
#include <QSvgGenerator>
#include <QVBoxLayout>
#include <algorithm>
#include <limits>

namespace parlab {

TimelinePanel::TimelinePanel(QWidget* parent)
    : QWidget(parent)
    , m_chooser(new QComboBox(this))
    , m_sameScale(new QCheckBox(tr("Same time s&cale for all measurements"), this))
    , m_view(new TimelineView(this))
    , m_caption(new QLabel(this))
    , m_exportPng(new QPushButton(tr("Export PNG…"), this))
    , m_exportSvg(new QPushButton(tr("Export SVG…"), this))
    , m_lastFolder(QStandardPaths::writableLocation(QStandardPaths::PicturesLocation))
{
    auto* chooserLabel = new QLabel(tr("&Measurement:"), this);
    chooserLabel->setBuddy(m_chooser);
    m_chooser->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_chooser->setToolTip(tr("Which backend and worker count to draw (its latest repeat)"));
    m_sameScale->setChecked(true);
    m_sameScale->setToolTip(tr("Draw every measurement of this run on one time scale and zoom, so their bars "
                               "compare by length (threads against gil-threads); off, each one fills the width"));
    m_exportPng->setToolTip(tr("Save the timeline as a PNG image"));
    m_exportSvg->setToolTip(tr("Save the timeline as an SVG drawing"));

    auto* top = new QHBoxLayout;
    top->addWidget(chooserLabel);
    top->addWidget(m_chooser);
    top->addWidget(m_sameScale);
    top->addStretch(1);
    top->addWidget(m_exportPng);
    top->addWidget(m_exportSvg);

    m_caption->setWordWrap(true);
    m_caption->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* hint = new QLabel(tr("Zoom: Ctrl+wheel or + / −, 0 fits · pan: drag, arrow keys or the scroll bar · "
                               "hover a task for its input, times and how its time split"),
        this);
    hint->setWordWrap(true);
    hint->setEnabled(false); // the palette's quieter text

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_view, 1);
    layout->addWidget(m_caption);
    layout->addWidget(hint);

    connect(m_chooser, &QComboBox::activated, this, [this](int index) {
        m_chosen = m_chooser->itemText(index);
        showCurrent();
    });
    connect(m_sameScale, &QCheckBox::toggled, this, [this] { updateSharedScale(); });
    connect(m_exportPng, &QPushButton::clicked, this, [this] { exportWithDialog(QStringLiteral("png")); });
    connect(m_exportSvg, &QPushButton::clicked, this, [this] { exportWithDialog(QStringLiteral("svg")); });

    updateChooser();
    showCurrent();
}

TimelinePanel::~TimelinePanel() = default;

void TimelinePanel::setResult(const RunResult& result)
{
    m_result = result;
    updateChooser();
    updateSharedScale();
    showCurrent();
}

void TimelinePanel::clear()
{
    m_result = RunResult {};
    updateChooser();
    updateSharedScale();
    showCurrent();
}

bool TimelinePanel::sharesTimeScale() const
{
    return m_sameScale->isChecked();
}

void TimelinePanel::setSharesTimeScale(bool shared)
{
    m_sameScale->setChecked(shared);
}

void TimelinePanel::updateSharedScale()
{
    if (!m_sameScale->isChecked()) {
        m_view->setSharedScale(std::nullopt);
        return;
    }
    // Every measurement's extent relative to its first task: a scale that holds the longest. A pass over the
    // spans, cheap next to drawing them, and done only when a result arrives.
    TimeRange shared;
    QStringList labels;
    bool any = false;
    QHash<QString, ScaleShare> shares;
    for (const Measurement& m : std::as_const(m_result.measurements)) {
        ScaleShare share = m_scaleShares.value(m.label());
        if (share.spans.constData() != m.spans.constData() || share.spans.size() != m.spans.size()
            || share.states.constData() != m.states.constData() || share.states.size() != m.states.size())
            share = { m.spans, m.states, TimelineModel::relativeExtentOf(m), TimelineModel::rowLabelsOf(m) };
        shares.insert(m.label(), share);
        if (share.extent.isEmpty())
            continue;
        shared.startNs = any ? std::min(shared.startNs, share.extent.startNs) : share.extent.startNs;
        shared.endNs = any ? std::max(shared.endNs, share.extent.endNs) : share.extent.endNs;
        labels += share.labels;
        any = true;
    }
    m_scaleShares = shares;
    m_view->setSharedScale(any ? std::optional<TimeRange>(shared) : std::nullopt, labels);
}

bool TimelinePanel::showMeasurement(const QString& label)
{
    m_chosen = label;
    updateChooser();
    showCurrent();
    return currentLabel() == label;
}

QString TimelinePanel::currentLabel() const
{
    return m_chooser->currentText();
}

QStringList TimelinePanel::labels() const
{
    QStringList all;
    for (int i = 0; i < m_chooser->count(); ++i)
        all.append(m_chooser->itemText(i));
    return all;
}

QString TimelinePanel::caption() const
{
    return m_caption->text();
}

QString TimelinePanel::defaultLabel() const
{
    // Measurements with tasks to draw first; a result where none has any still names one.
    const Measurement* best = nullptr;
    for (const bool needSpans : { true, false }) {
        for (const Measurement& m : m_result.measurements) {
            if (needSpans && m.spans.isEmpty())
                continue;
            if (!best || m.workers >= best->workers)
                best = &m;
        }
        if (best)
            break;
    }
    return best ? best->label() : QString();
}

void TimelinePanel::updateChooser()
{
    QStringList wanted;
    for (const Measurement& m : m_result.measurements)
        wanted.append(m.label());
    const QString pick = wanted.contains(m_chosen) ? m_chosen : defaultLabel();

    const QSignalBlocker blocker(m_chooser);
    if (labels() != wanted) {
        // Rebuilt only when the list changes: a live run refreshes many times a second, and an open popup
        // must not close under the user's pointer.
        m_chooser->clear();
        m_chooser->addItems(wanted);
    }
    m_chooser->setCurrentIndex(int(wanted.indexOf(pick)));
    m_chooser->setEnabled(!wanted.isEmpty());
}

void TimelinePanel::showCurrent()
{
    const QString label = currentLabel();
    const Measurement* shown = nullptr;
    for (const Measurement& m : m_result.measurements) {
        if (m.label() == label) {
            shown = &m;
            break;
        }
    }
    // Redraws during a run repeat the same result many times over: handing the view the same repeat of the
    // same measurement again would re-index up to 100,000 spans (~50 ms) for nothing.
    // (The lists are shared, not copied, between results of the same repeat; the view keeps its copy, so the
    // addresses of the lists it shows cannot be reused for new ones: another run's tasks make another key.)
    const QString key = shown ? QStringLiteral("%1|%2|%3|%4|%5")
                                    .arg(label)
                                    .arg(shown->samplesS.size() + shown->failedRuns)
                                    .arg(quintptr(shown->spans.constData()))
                                    .arg(quintptr(shown->states.constData()))
                                    .arg(shown->switches.size())
                              : QString();
    if (!key.isEmpty() && key == m_shownKey)
        return;
    m_shownKey = key;
    if (shown) {
        m_view->setTitle(ChartStyle::title(tr("Timeline of %1").arg(label), m_result));
        m_view->setKernel(m_result.spec.kernel);
        m_view->setMeasurement(*shown);
    } else {
        m_view->setTitle({});
        m_view->clear();
    }
    m_exportPng->setEnabled(!m_view->isEmpty());
    m_exportSvg->setEnabled(!m_view->isEmpty());
    updateCaption();
}

void TimelinePanel::updateCaption()
{
    const Measurement& m = m_view->measurement();
    if (m_view->isEmpty()) {
        m_caption->setText(m.backend.isEmpty() ? tr("No measurement yet.")
                                               : tr("%1 has no tasks recorded in its latest repeat.").arg(m.label()));
        return;
    }
    qint64 first = std::numeric_limits<qint64>::max();
    qint64 last = std::numeric_limits<qint64>::min();
    double busyNs = 0;
    int tasks = 0;
    QSet<int> workers;
    QList<TaskSpan> recorded;
    for (const TaskSpan& span : m.spans) {
        if (!TimelineModel::isRecorded(span))
            continue;
        recorded.append(span);
        first = std::min(first, span.startNs);
        last = std::max(last, span.endNs);
        busyNs += double(span.endNs - span.startNs);
        workers.insert(span.worker);
        ++tasks;
    }
    QStringList parts;
    // Ranks on hosts where the backend says where its workers ran: "9 tasks on 3 ranks on 3 hosts (a, b, c)".
    const QString onHosts = Report::workersOnHosts(m.backend, recorded);
    parts << tr("%1 on %2")
                 .arg(tasks == 1 ? tr("1 task") : tr("%1 tasks").arg(tasks),
                     !onHosts.isEmpty()        ? onHosts
                         : workers.size() == 1 ? tr("1 worker")
                                               : tr("%1 workers").arg(workers.size()));
    if (tasks > 0) {
        const double spanNs = double(last - first);
        parts << tr("span %1").arg(Format::duration(spanNs * 1e-9));
        // Busy: the share of the workers' time (first task to last) spent in tasks.
        if (spanNs > 0)
            parts << tr("busy %1").arg(Format::percent(busyNs / (spanNs * double(workers.size()))));
    }
    if (!m.switches.isEmpty())
        parts << tr("%1 lock switches").arg(m.switches.constLast());
    if (!m.states.isEmpty()) {
        double waitingNs = 0;
        double allNs = 0;
        for (const StateSpan& state : m.states) {
            const double ns = double(std::max<qint64>(0, state.endNs - state.startNs));
            allNs += ns;
            if (state.state == LockState::Waiting)
                waitingNs += ns;
        }
        const QString how = BackendRegistry::factsOf(m.backend).lockStrip;
        if (allNs > 0)
            parts << tr("waiting for the lock %1 of the threads' time%2")
                         .arg(Format::percent(waitingNs / allNs),
                             how.isEmpty() ? QString() : QStringLiteral(", ") + how);
    }
    m_caption->setText(tr("%1: %2").arg(m.label(), parts.join(QStringLiteral(" · "))));
}

QStringList TimelinePanel::fileFilters()
{
    return { tr("PNG image (*.png)"), tr("SVG drawing (*.svg)") };
}

Result<void> TimelinePanel::exportTo(const QString& path)
{
    const QString what = tr("Cannot save the timeline to %1").arg(QDir::toNativeSeparators(path));
    if (m_view->isEmpty())
        return fail(what + QStringLiteral(": ") + tr("there is no timeline to save yet (run an experiment first)"));
    const AtomicFile::Writer png = [this](QIODevice& file) -> Result<void> {
        // Twice the pixels, as the charts export: sharp on high-DPI screens and slides.
        if (!m_view->renderImage(2.0).save(&file, "PNG"))
            return fail(tr("the PNG encoder failed"));
        return {};
    };
    const AtomicFile::Writer svg = [this](QIODevice& file) -> Result<void> {
        const QSize size = m_view->pictureSize();
        QSvgGenerator generator;
        generator.setOutputDevice(&file);
        generator.setSize(size);
        generator.setViewBox(QRect(QPoint(0, 0), size));
        // Text sizes are written in the generator's resolution; the view measured its labels on screen.
        generator.setResolution(m_view->logicalDpiY());
        generator.setTitle(m_view->title().isEmpty() ? tr("ParLab timeline") : m_view->title());
        generator.setDescription(tr("Exported from ParLab"));
        QPainter painter;
        if (!painter.begin(&generator))
            return fail(tr("the SVG generator could not start"));
        m_view->paintPicture(painter, size);
        painter.end();
        return {};
    };
    return AtomicFile::writeByType(
        path, { { { QStringLiteral("png") }, png }, { { QStringLiteral("svg") }, svg } }, what);
}

void TimelinePanel::exportWithDialog(const QString& suffix)
{
    if (m_view->isEmpty()) {
        QMessageBox::information(
            this, tr("Export timeline"), tr("There is no timeline to export yet: run an experiment first."));
        return;
    }
    const QStringList filters = fileFilters();
    QString selected = suffix == QLatin1String("svg") ? filters.at(1) : filters.at(0);
    // "threads x2" -> "timeline-threads-x2.png"
    QString name = QStringLiteral("timeline-") + currentLabel().toLower();
    for (QChar& c : name) {
        if (!c.isLetterOrNumber() && c != QLatin1Char('-'))
            c = QLatin1Char('-');
    }
    const QString defaultSuffix = suffix == QLatin1String("svg") ? QStringLiteral("svg") : QStringLiteral("png");
    QString path = QFileDialog::getSaveFileName(this, tr("Export timeline"),
        QDir(m_lastFolder).filePath(name + QLatin1Char('.') + defaultSuffix), filters.join(QStringLiteral(";;")),
        &selected);
    if (path.isEmpty())
        return;
    if (QFileInfo(path).suffix().isEmpty()) {
        // Some platform dialogs return the name as typed; take the suffix from the chosen filter.
        path += selected == filters.at(1) ? QStringLiteral(".svg") : QStringLiteral(".png");
    }
    m_lastFolder = QFileInfo(path).absolutePath();
    if (const Result<void> exported = exportTo(path); !exported)
        QMessageBox::warning(this, tr("Export timeline"), exported.error());
}

} // namespace parlab
