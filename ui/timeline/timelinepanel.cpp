#include "timelinepanel.h"

#include "atomicfile.h"
#include "backends/backendregistry.h"
#include "charts/chartstyle.h"
#include "cpus.h"
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

struct TimelinePanel::Prepared {
    QHash<QString, ScaleShare> shares;
    std::optional<TimeRange> sharedExtent; // under the shared scale, the extent that holds every measurement
    QStringList sharedLabels;
    bool changed = false; // a measurement other than the view's, or another repeat of it: what follows is new
    QString key;
    std::optional<TimelineModel> model; // none: nothing to show
    QString title;
    QString kernel;
    QString caption;
};

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
    connect(m_sameScale, &QCheckBox::toggled, this, [this] { showCurrent(); });
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
    showCurrent();
}

void TimelinePanel::clear()
{
    setResult(RunResult {});
}

bool TimelinePanel::sharesTimeScale() const
{
    return m_sameScale->isChecked();
}

void TimelinePanel::setSharesTimeScale(bool shared)
{
    m_sameScale->setChecked(shared);
}

bool TimelinePanel::isPreparing() const
{
    return m_preparing || m_behind;
}

void TimelinePanel::settle()
{
    if (m_preparing) {
        m_preparing->disconnect(this);
        applyPrepared(); // waits for the result
    }
    if (m_behind) {
        m_behind = false;
        apply(prepare(m_result, currentLabel(), m_shownKey, m_scaleShares, m_sameScale->isChecked()));
    }
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

namespace {

// Redraws during a run repeat the same result many times over: handing the view the same repeat of the same
// measurement again would index up to 100,000 spans (~50 ms) for nothing. (The lists are shared, not copied,
// between results of the same repeat; the view keeps its copy, so the addresses of the lists it shows cannot be
// reused for new ones: another run's tasks make another key.)
QString keyOf(const Measurement* shown)
{
    return shown ? QStringLiteral("%1|%2|%3|%4|%5")
                       .arg(shown->label())
                       .arg(shown->samplesS.size() + shown->failedRuns)
                       .arg(quintptr(shown->spans.constData()))
                       .arg(quintptr(shown->states.constData()))
                       .arg(shown->switches.size())
                 : QString();
}

const Measurement* measurementOf(const RunResult& result, const QString& label)
{
    for (const Measurement& m : result.measurements) {
        if (m.label() == label)
            return &m;
    }
    return nullptr;
}

// Whether a measurement's share of the shared scale is still the one kept for it (the same spans and states).
template<typename Share> bool isCurrent(const Share& share, const Measurement& m)
{
    return share.spans.constData() == m.spans.constData() && share.spans.size() == m.spans.size()
        && share.states.constData() == m.states.constData() && share.states.size() == m.states.size();
}

// What the caption says of a model: tasks, workers, span, busy share, lock switches and waiting.
QString captionOf(const TimelineModel& model)
{
    const Measurement& m = model.measurement();
    if (model.isEmpty())
        return m.backend.isEmpty() ? TimelinePanel::tr("No measurement yet.")
                                   : TimelinePanel::tr("%1 has no tasks recorded in its latest repeat.").arg(m.label());
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
    parts << TimelinePanel::tr("%1 on %2")
                 .arg(tasks == 1 ? TimelinePanel::tr("1 task") : TimelinePanel::tr("%1 tasks").arg(tasks),
                     !onHosts.isEmpty()        ? onHosts
                         : workers.size() == 1 ? TimelinePanel::tr("1 worker")
                                               : TimelinePanel::tr("%1 workers").arg(workers.size()));
    if (tasks > 0) {
        const double spanNs = double(last - first);
        parts << TimelinePanel::tr("span %1").arg(Format::duration(spanNs * 1e-9));
        // Busy: the share of the workers' time (first task to last) spent in tasks.
        if (spanNs > 0)
            parts << TimelinePanel::tr("busy %1").arg(Format::percent(busyNs / (spanNs * double(workers.size()))));
    }
    if (!m.switches.isEmpty())
        parts << TimelinePanel::tr("%1 lock switches").arg(m.switches.constLast());
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
            parts << TimelinePanel::tr("waiting for the lock %1 of the threads' time%2")
                         .arg(Format::percent(waitingNs / allNs),
                             how.isEmpty() ? QString() : QStringLiteral(", ") + how);
    }
    return TimelinePanel::tr("%1: %2").arg(m.label(), parts.join(QStringLiteral(" · ")));
}

// Up to this many spans and states a picture is worked out at once (a few milliseconds); more go to a pool thread.
constexpr qsizetype kInlineWork = 20'000;

} // namespace

qsizetype TimelinePanel::workOf(const RunResult& result, const QString& label, const QString& shownKey,
    const QHash<QString, ScaleShare>& shares, bool sameScale)
{
    qsizetype work = 0;
    for (const Measurement& m : result.measurements) {
        const bool shown = m.label() == label && keyOf(&m) != shownKey;
        const bool scaled = sameScale && !isCurrent(shares.value(m.label()), m);
        work += (int(shown) + int(scaled)) * (m.spans.size() + m.states.size());
    }
    return work;
}

TimelinePanel::Prepared TimelinePanel::prepare(const RunResult& result, const QString& label, const QString& shownKey,
    const QHash<QString, ScaleShare>& shares, bool sameScale)
{
    Prepared p;
    // Every measurement's extent relative to its first task: a scale that holds the longest. A pass over the
    // spans of each measurement whose spans changed.
    if (sameScale) {
        TimeRange extent;
        bool any = false;
        for (const Measurement& m : result.measurements) {
            ScaleShare share = shares.value(m.label());
            if (!isCurrent(share, m))
                share = { m.spans, m.states, TimelineModel::relativeExtentOf(m), TimelineModel::rowLabelsOf(m) };
            p.shares.insert(m.label(), share);
            if (share.extent.isEmpty())
                continue;
            extent.startNs = any ? std::min(extent.startNs, share.extent.startNs) : share.extent.startNs;
            extent.endNs = any ? std::max(extent.endNs, share.extent.endNs) : share.extent.endNs;
            p.sharedLabels += share.labels;
            any = true;
        }
        if (any)
            p.sharedExtent = extent;
    } else {
        p.shares = shares;
    }
    const Measurement* shown = measurementOf(result, label);
    p.key = keyOf(shown);
    p.changed = p.key.isEmpty() || p.key != shownKey;
    if (p.changed && shown) {
        p.model.emplace(*shown);
        p.title = ChartStyle::title(tr("Timeline of %1").arg(label), result);
        p.kernel = result.spec.kernel;
        p.caption = captionOf(*p.model);
    } else if (p.changed) {
        p.caption = captionOf(TimelineModel());
    }
    return p;
}

void TimelinePanel::showCurrent()
{
    if (m_preparing) {
        m_behind = true; // the pass in flight shows something older; one more follows it, for the newest
        return;
    }
    m_behind = false;
    const QString label = currentLabel();
    const bool sameScale = m_sameScale->isChecked();
    if (workOf(m_result, label, m_shownKey, m_scaleShares, sameScale) <= kInlineWork) {
        apply(prepare(m_result, label, m_shownKey, m_scaleShares, sameScale));
        return;
    }
    m_preparing = new QFutureWatcher<Prepared>(this);
    connect(m_preparing, &QFutureWatcherBase::finished, this, [this] {
        applyPrepared();
        if (m_behind)
            showCurrent();
    });
    m_preparing->setFuture(runInBackground([result = m_result, label, key = m_shownKey, shares = m_scaleShares,
                                               sameScale] { return prepare(result, label, key, shares, sameScale); }));
}

void TimelinePanel::applyPrepared()
{
    QFutureWatcher<Prepared>* watcher = std::exchange(m_preparing, nullptr);
    Prepared prepared = watcher->future().takeResult();
    watcher->deleteLater();
    apply(std::move(prepared));
}

void TimelinePanel::apply(Prepared prepared)
{
    m_scaleShares = std::move(prepared.shares);
    m_view->setSharedScale(m_sameScale->isChecked() ? prepared.sharedExtent : std::nullopt, prepared.sharedLabels);
    if (!prepared.changed)
        return;
    m_shownKey = prepared.key;
    if (prepared.model) {
        m_view->setTitle(prepared.title);
        m_view->setKernel(prepared.kernel);
        m_view->setModel(std::move(*prepared.model));
    } else {
        m_view->setTitle({});
        m_view->clear();
    }
    m_exportPng->setEnabled(!m_view->isEmpty());
    m_exportSvg->setEnabled(!m_view->isEmpty());
    m_caption->setText(prepared.caption);
}

QStringList TimelinePanel::fileFilters()
{
    return { tr("PNG image (*.png)"), tr("SVG drawing (*.svg)") };
}

Result<void> TimelinePanel::exportTo(const QString& path)
{
    settle();
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
    settle();
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
