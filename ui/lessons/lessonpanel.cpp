#include "lessonpanel.h"

#include "charts/chartstyle.h"
#include "experimentspec.h"
#include "lessons/lessonbook.h"
#include "optiondescriptor.h"
#include "palette.h"
#include "runoptions.h"
#include "runresult.h"
#include "runsession.h"
#include "sweep.h"

#include <QEvent>
#include <QFrame>
#include <QHBoxLayout>
#include <QIcon>
#include <QLabel>
#include <QListWidget>
#include <QLocale>
#include <QPixmap>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QStyle>
#include <QStyledItemDelegate>
#include <QVBoxLayout>
#include <algorithm>

namespace parlab {

namespace {
constexpr int IdRole = Qt::UserRole;

QLabel* wrappingLabel(QWidget* parent)
{
    auto* label = new QLabel(parent);
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    return label;
}

QLabel* caption(const QString& text, QWidget* parent)
{
    auto* label = new QLabel(text, parent);
    QFont font = label->font();
    font.setBold(true);
    label->setFont(font);
    return label;
}

constexpr auto kSettingsGroup = "lessons";

// The options the experiment changes, by the names the window's form gives them (never the JSON keys):
// "CPU kernels release the GIL (a C extension): on, Baseline core: fastest".
QString optionsText(const RunOptions& options)
{
    QStringList parts;
    for (const OptionDescriptor& d : RunOptions::descriptors()) {
        const QVariant value = options.value(d);
        if (value == d.defaultValue)
            continue;
        const QString label = QString(d.label).remove(QLatin1Char('&'));
        if (d.type == OptionDescriptor::Type::Boolean)
            parts << QStringLiteral("%1: %2").arg(label, value.toBool() ? QStringLiteral("on") : QStringLiteral("off"));
        else
            parts << QStringLiteral("%1: %2").arg(label, d.valueText(value));
    }
    return parts.join(QStringLiteral(", "));
}

// Wraps each title at the list's width, so that a narrow panel shows every title whole (QListView alone sizes
// a row for the title on one line, and cuts off the rest).
class WrappingDelegate final : public QStyledItemDelegate {
public:
    explicit WrappingDelegate(QListWidget* list)
        : QStyledItemDelegate(list)
        , m_list(list)
    { }

    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override
    {
        QStyleOptionViewItem wrapped = option;
        wrapped.features |= QStyleOptionViewItem::WrapText;
        wrapped.rect = QRect(0, 0, std::max(1, m_list->viewport()->width()), 1); // a valid rect: the width to wrap at
        return QStyledItemDelegate::sizeHint(wrapped, index);
    }

private:
    QListWidget* m_list;
};

LessonVerdict::Outcome outcomeNamed(const QString& name)
{
    for (const auto outcome :
        { LessonVerdict::Outcome::Holds, LessonVerdict::Outcome::Contradicted, LessonVerdict::Outcome::Inconclusive }) {
        if (outcomeName(outcome) == name)
            return outcome;
    }
    return LessonVerdict::Outcome::NotRun;
}

QStyle::StandardPixmap iconFor(LessonVerdict::Outcome outcome)
{
    switch (outcome) {
    case LessonVerdict::Outcome::Holds:
        return QStyle::SP_DialogApplyButton;
    case LessonVerdict::Outcome::Contradicted:
        return QStyle::SP_MessageBoxCritical;
    case LessonVerdict::Outcome::Inconclusive:
        return QStyle::SP_MessageBoxWarning;
    case LessonVerdict::Outcome::NotRun:
        break;
    }
    return QStyle::SP_MessageBoxInformation;
}

QString headlineFor(const LessonVerdict& verdict)
{
    switch (verdict.outcome) {
    case LessonVerdict::Outcome::Holds:
        return LessonPanel::tr("The claim holds on this machine");
    case LessonVerdict::Outcome::Contradicted:
        return LessonPanel::tr("The claim does not hold on this machine");
    case LessonVerdict::Outcome::Inconclusive:
        return LessonPanel::tr("Inconclusive on this machine");
    case LessonVerdict::Outcome::NotRun:
        break;
    }
    // A result that lacked what the rule needs is not the same as no result at all.
    return verdict.why.isEmpty() ? LessonPanel::tr("Not run yet") : LessonPanel::tr("No verdict from this run");
}

// The past tense of an outcome, for a lesson's last run: "held".
QString pastTense(LessonVerdict::Outcome outcome)
{
    switch (outcome) {
    case LessonVerdict::Outcome::Holds:
        return LessonPanel::tr("the claim held");
    case LessonVerdict::Outcome::Contradicted:
        return LessonPanel::tr("the claim did not hold");
    case LessonVerdict::Outcome::Inconclusive:
        return LessonPanel::tr("inconclusive");
    case LessonVerdict::Outcome::NotRun:
        break;
    }
    return {};
}

// The judgement's colour (Palette::judgement), in the shade for the current palette's background.
QColor colourFor(LessonVerdict::Outcome outcome, const QPalette& palette)
{
    switch (outcome) {
    case LessonVerdict::Outcome::Holds:
        return ChartStyle::color(Palette::judgement(Palette::Judgement::Good), palette);
    case LessonVerdict::Outcome::Contradicted:
        return ChartStyle::color(Palette::judgement(Palette::Judgement::Bad), palette);
    case LessonVerdict::Outcome::Inconclusive:
        return ChartStyle::color(Palette::judgement(Palette::Judgement::Unsure), palette);
    case LessonVerdict::Outcome::NotRun:
        break;
    }
    return palette.color(QPalette::WindowText);
}
} // namespace

LessonPanel::LessonPanel(QWidget* parent, AvailabilityCheck check)
    : QWidget(parent)
    , m_check(std::move(check))
{
    loadProgress();

    // Everything scrolls together, so that no part can be squeezed below what it needs; the verdict comes right
    // under the title and the Run button, where it is seen after a run without scrolling, and the long texts
    // follow it.
    auto* content = new QWidget;
    auto* form = new QVBoxLayout(content);

    m_list = new QListWidget(content);
    m_list->setSelectionMode(QAbstractItemView::SingleSelection);
    m_list->setWordWrap(true);
    m_list->setTextElideMode(Qt::ElideNone);
    m_list->setItemDelegate(new WrappingDelegate(m_list));
    m_list->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff); // sized to show every title: nothing to scroll
    m_list->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_list->setIconSize(QSize(16, 16));
    // Until a lesson has a verdict icon, a blank one keeps the titles aligned.
    QPixmap blank(16, 16);
    blank.fill(Qt::transparent);
    for (const Lesson& lesson : Lessons::all()) {
        auto* item = new QListWidgetItem(QStringLiteral("%1. %2").arg(lesson.number).arg(lesson.title), m_list);
        item->setIcon(QIcon(blank));
        item->setData(IdRole, lesson.id);
    }
    m_list->viewport()->installEventFilter(this);
    form->addWidget(m_list);

    m_title = caption(QString(), content);
    m_title->setWordWrap(true);
    form->addWidget(m_title);
    m_run = new QPushButton(tr("Run this experiment"), content);
    connect(m_run, &QPushButton::clicked, this, &LessonPanel::requestRun);
    form->addWidget(m_run, 0, Qt::AlignLeft);
    m_availability = wrappingLabel(content);
    form->addWidget(m_availability);

    m_verdictFrame = new QFrame(content);
    m_verdictFrame->setFrameShape(QFrame::StyledPanel);
    auto* verdictLayout = new QVBoxLayout(m_verdictFrame);
    auto* headline = new QHBoxLayout;
    m_verdictIcon = new QLabel(m_verdictFrame);
    m_verdictHeadline = caption(QString(), m_verdictFrame);
    m_verdictHeadline->setWordWrap(true);
    headline->addWidget(m_verdictIcon, 0, Qt::AlignTop);
    headline->addWidget(m_verdictHeadline, 1);
    verdictLayout->addLayout(headline);
    m_verdictText = wrappingLabel(m_verdictFrame);
    verdictLayout->addWidget(m_verdictText);
    m_why = wrappingLabel(m_verdictFrame);
    verdictLayout->addWidget(m_why);
    form->addWidget(m_verdictFrame);

    form->addWidget(caption(tr("The claim"), content));
    m_claim = wrappingLabel(content);
    form->addWidget(m_claim);
    form->addWidget(caption(tr("What to look at"), content));
    m_lookAt = wrappingLabel(content);
    form->addWidget(m_lookAt);
    form->addWidget(caption(tr("The experiment"), content));
    m_experiment = wrappingLabel(content);
    form->addWidget(m_experiment);
    form->addWidget(caption(tr("How the verdict is worked out"), content));
    m_rule = wrappingLabel(content);
    form->addWidget(m_rule);
    form->addStretch(1);

    m_scroll = new QScrollArea(this);
    m_scroll->setWidgetResizable(true);
    m_scroll->setFrameShape(QFrame::NoFrame);
    m_scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff); // the texts wrap instead
    m_scroll->setWidget(content);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_scroll);

    for (const Lesson& lesson : Lessons::all())
        updateListItem(lesson.id);
    fitListHeight();
    connect(m_list, &QListWidget::currentRowChanged, this, &LessonPanel::showLesson);
    if (m_list->count() > 0)
        m_list->setCurrentRow(0);
    else
        showLesson();
}

QString LessonPanel::currentLessonId() const
{
    const QListWidgetItem* item = m_list->currentItem();
    return item ? item->data(IdRole).toString() : QString();
}

bool LessonPanel::selectLesson(const QString& id)
{
    for (int row = 0; row < m_list->count(); ++row) {
        if (m_list->item(row)->data(IdRole).toString() == id) {
            m_list->setCurrentRow(row);
            return true;
        }
    }
    return false;
}

LessonVerdict LessonPanel::verdict(const QString& lessonId) const
{
    if (!lessonId.isEmpty() && lessonId == m_shownId)
        return m_shownVerdict;
    LessonVerdict v;
    v.text = tr("This lesson's verdict needs a run of its experiment: press Run.");
    return v;
}

LessonProgress LessonPanel::progress(const QString& lessonId) const
{
    return m_progress.value(lessonId);
}

LessonPlan LessonPanel::plan(const QString& id)
{
    if (const auto it = m_plans.constFind(id); it != m_plans.cend())
        return *it;
    const Lesson* lesson = Lessons::find(id);
    if (!lesson) {
        LessonPlan none;
        none.runnable = false;
        none.blockedReason = tr("there is no lesson '%1'").arg(id);
        return none;
    }
    LessonPlan p = lesson->planHere(m_check);
    m_plans.insert(id, p);
    updateListItem(id);
    return p;
}

void LessonPanel::refreshAvailability()
{
    m_plans.clear();
    showLesson();
}

void LessonPanel::setRunning(bool running)
{
    m_running = running;
    if (running) {
        // The new run replaces the one on screen: its verdict no longer describes what is shown.
        m_shownId.clear();
        m_shownVerdict = {};
    } else {
        m_runningId.clear();
        m_runningCount.clear();
        disconnect(m_runningConnection);
    }
    updateRunButton();
    showVerdict();
}

void LessonPanel::showRunning(const QString& lessonId, const RunSession* session)
{
    disconnect(m_runningConnection);
    m_runningId = lessonId;
    m_runningCount.clear();
    if (session) {
        m_runningConnection = connect(session, &RunSession::resultChanged, this, [this](const RunResult& result) {
            // A measurement is done when all its repeats are (a failed repeat counts: it will not be retried).
            const int total = int(result.measurements.size());
            const int done = int(std::count_if(result.measurements.cbegin(), result.measurements.cend(),
                [&](const Measurement& m) { return m.samplesS.size() + m.failedRuns >= result.spec.repeats; }));
            m_runningCount
                = total == 1 ? tr("%1 of 1 measurement").arg(done) : tr("%1 of %2 measurements").arg(done).arg(total);
            if (currentLessonId() == m_runningId)
                showVerdict();
        });
    }
    if (!selectLesson(lessonId))
        qWarning("LessonPanel: a run of unknown lesson '%s'", qPrintable(lessonId));
    showVerdict();
}

const Lesson* LessonPanel::showRun(const RunResult& result)
{
    const Lesson* lesson = Lessons::matching(result);
    return showJudged(lesson, lesson ? lesson->verdict(result) : LessonVerdict {},
        result.created.isValid() ? result.created : QDateTime::currentDateTime());
}

const Lesson* LessonPanel::showSweep(const SweepResult& sweep)
{
    const Lesson* lesson = Lessons::matching(sweep);
    const QDateTime created = sweep.points.isEmpty() ? QDateTime() : sweep.points.constFirst().run.created;
    return showJudged(lesson, lesson ? lesson->verdict(sweep) : LessonVerdict {},
        created.isValid() ? created : QDateTime::currentDateTime());
}

const Lesson* LessonPanel::showJudged(const Lesson* lesson, const LessonVerdict& verdict, const QDateTime& measured)
{
    m_shownId = lesson ? lesson->id : QString();
    m_shownVerdict = verdict;
    if (lesson && m_shownVerdict.outcome != LessonVerdict::Outcome::NotRun) {
        // The lesson's progress is its latest judged run: reopening an older one from the history keeps it.
        const LessonProgress last = m_progress.value(lesson->id);
        if (!last.measured.isValid() || measured >= last.measured) {
            const LessonProgress now { m_shownVerdict.outcome, measured, m_shownVerdict.text };
            m_progress.insert(lesson->id, now);
            saveProgress(lesson->id, now);
            updateListItem(lesson->id);
        }
    }
    if (lesson && currentLessonId() != lesson->id)
        selectLesson(lesson->id); // shows its verdict
    else
        showVerdict();
    if (lesson)
        m_scroll->ensureWidgetVisible(m_verdictFrame, 0, 0);
    return lesson;
}

void LessonPanel::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::StyleChange)
        showVerdict();
    if (event->type() == QEvent::FontChange || event->type() == QEvent::StyleChange)
        fitListHeight();
}

bool LessonPanel::eventFilter(QObject* watched, QEvent* event)
{
    // The titles wrap at the list's width: a new width needs a new height.
    if (watched == m_list->viewport() && event->type() == QEvent::Resize && m_list->viewport()->width() != m_listWidth)
        fitListHeight();
    return QWidget::eventFilter(watched, event);
}

void LessonPanel::fitListHeight()
{
    if (!m_list)
        return;
    m_listWidth = m_list->viewport()->width();
    m_list->doItemsLayout(); // the rows' heights at this width
    int height = 0;
    for (int row = 0; row < m_list->count(); ++row)
        height += m_list->sizeHintForRow(row);
    m_list->setFixedHeight(height + 2 * m_list->frameWidth());
}

void LessonPanel::loadProgress()
{
    QSettings settings;
    settings.beginGroup(QLatin1String(kSettingsGroup));
    for (const Lesson& lesson : Lessons::all()) {
        settings.beginGroup(lesson.id);
        LessonProgress p;
        p.outcome = outcomeNamed(settings.value(QStringLiteral("outcome")).toString());
        p.measured = settings.value(QStringLiteral("measured")).toDateTime();
        p.text = settings.value(QStringLiteral("verdict")).toString();
        settings.endGroup();
        if (p.outcome != LessonVerdict::Outcome::NotRun && p.measured.isValid())
            m_progress.insert(lesson.id, p);
    }
}

void LessonPanel::saveProgress(const QString& id, const LessonProgress& progress)
{
    QSettings settings;
    settings.beginGroup(QLatin1String(kSettingsGroup));
    settings.beginGroup(id);
    settings.setValue(QStringLiteral("outcome"), outcomeName(progress.outcome));
    settings.setValue(QStringLiteral("measured"), progress.measured);
    settings.setValue(QStringLiteral("verdict"), progress.text);
}

void LessonPanel::showLesson()
{
    const Lesson* lesson = Lessons::find(currentLessonId());
    if (!lesson) {
        m_title->setText(tr("No lessons are available in this build"));
        for (QLabel* label : { m_claim, m_lookAt, m_experiment, m_availability, m_rule })
            label->clear();
        updateRunButton();
        showVerdict();
        return;
    }
    m_title->setText(tr("Lesson %1 · %2").arg(lesson->number).arg(lesson->title));
    m_claim->setText(lesson->claim);
    m_lookAt->setText(lesson->lookAt);

    const LessonPlan p = plan(lesson->id);
    const ExperimentSpec& spec = p.spec;
    QString experiment = tr("%1 on inputs %2, backends %3, workers %4; %5")
                             .arg(spec.kernel, lesson->experiment.inputsText, spec.backends.join(QStringLiteral(", ")),
                                 lesson->experiment.workersText,
                                 spec.repeats == 1 ? tr("1 repeat") : tr("%1 repeats").arg(spec.repeats));
    if (spec.warmup > 0)
        experiment += spec.warmup == 1 ? tr(" after 1 warm-up run") : tr(" after %1 warm-up runs").arg(spec.warmup);
    if (const QString options = optionsText(spec.options); !options.isEmpty())
        experiment += tr("; %1").arg(options);
    m_experiment->setText(QStringLiteral("%1. %2").arg(experiment, lesson->experiment.description));

    QStringList availability;
    if (!p.runnable)
        availability << tr("%1.").arg(p.blockedReason);
    for (const QString& note : p.notes)
        availability << tr("%1; the lesson runs without it.").arg(note);
    m_availability->setText(availability.join(QLatin1Char('\n')));
    m_availability->setVisible(!availability.isEmpty());
    m_rule->setText(lesson->rule);

    updateRunButton();
    showVerdict();
}

void LessonPanel::showVerdict()
{
    if (!m_verdictHeadline)
        return; // a palette change during construction
    const QString id = currentLessonId();
    if (m_running && !id.isEmpty() && id == m_runningId) {
        m_verdictIcon->setPixmap(style()->standardIcon(QStyle::SP_BrowserReload).pixmap(20, 20));
        m_verdictHeadline->setText(m_runningCount.isEmpty() ? tr("Running…") : tr("Running… (%1)").arg(m_runningCount));
        m_verdictHeadline->setPalette(palette());
        m_verdictText->setText(tr("The verdict is worked out from what this run measures, when it ends."));
        m_why->clear();
        m_why->setVisible(false);
        return;
    }
    const LessonVerdict v = verdict(id);
    m_verdictIcon->setPixmap(style()->standardIcon(iconFor(v.outcome)).pixmap(20, 20));
    QPalette palette = m_verdictHeadline->palette();
    palette.setColor(QPalette::WindowText, colourFor(v.outcome, this->palette()));
    m_verdictHeadline->setPalette(palette);
    if (id.isEmpty() || id != m_shownId) {
        // Another run, or none, is on screen: its verdict is not this lesson's to show.
        const LessonProgress last = progress(id);
        m_verdictHeadline->setText(
            last.outcome == LessonVerdict::Outcome::NotRun ? tr("Not run yet") : tr("No run of this lesson on screen"));
        QStringList text { v.text };
        if (const Lesson* shown = Lessons::find(m_shownId))
            text << tr("The run on screen is lesson %1's experiment.").arg(shown->number);
        if (last.outcome != LessonVerdict::Outcome::NotRun)
            text << tr("Its last run, measured %1: %2.")
                        .arg(QLocale().toString(last.measured, QLocale::ShortFormat), pastTense(last.outcome));
        m_verdictText->setText(text.join(QLatin1Char(' ')));
        m_why->clear();
        m_why->setVisible(false);
        return;
    }
    m_verdictHeadline->setText(headlineFor(v));
    m_verdictText->setText(v.text);
    m_why->setText(v.why.isEmpty() ? QString() : tr("Why: %1.").arg(v.why));
    m_why->setVisible(!v.why.isEmpty());
}

void LessonPanel::updateRunButton()
{
    const QString id = currentLessonId();
    if (id.isEmpty()) {
        m_run->setEnabled(false);
        m_run->setText(tr("Run this experiment"));
        m_run->setToolTip(QString());
        return;
    }
    const LessonPlan p = plan(id);
    if (!p.runnable) {
        m_run->setEnabled(false);
        m_run->setText(tr("Run this experiment (cannot run here)"));
        m_run->setToolTip(p.blockedReason);
        return;
    }
    m_run->setText(tr("Run this experiment"));
    m_run->setEnabled(!m_running);
    m_run->setToolTip(m_running ? tr("Another experiment is running") : m_experiment->text());
}

void LessonPanel::updateListItem(const QString& id)
{
    for (int row = 0; row < m_list->count(); ++row) {
        QListWidgetItem* item = m_list->item(row);
        if (item->data(IdRole).toString() != id)
            continue;
        const Lesson* lesson = Lessons::find(id);
        QStringList tip { lesson ? lesson->claim : QString() };
        if (const auto plan = m_plans.constFind(id); plan != m_plans.cend() && !plan->runnable)
            tip << plan->blockedReason;
        if (const auto p = m_progress.constFind(id); p != m_progress.cend()) {
            item->setIcon(style()->standardIcon(iconFor(p->outcome)));
            tip << tr("Last run, measured %1: %2. %3")
                       .arg(QLocale().toString(p->measured, QLocale::ShortFormat), pastTense(p->outcome), p->text);
        }
        item->setToolTip(tip.join(QStringLiteral("\n\n")));
    }
}

void LessonPanel::requestRun()
{
    const QString id = currentLessonId();
    if (id.isEmpty() || m_running)
        return;
    const LessonPlan p = plan(id);
    if (!p.runnable)
        return;
    Q_EMIT runRequested(id, p.spec);
}

} // namespace parlab
