#include "lessonpanel.h"

#include "experimentspec.h"
#include "lessons/lessonbook.h"
#include "runoptions.h"
#include "runresult.h"

#include <QEvent>
#include <QFrame>
#include <QHBoxLayout>
#include <QIcon>
#include <QLabel>
#include <QListWidget>
#include <QPixmap>
#include <QPushButton>
#include <QScrollArea>
#include <QStyle>
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

QString optionsText(const RunOptions& options)
{
    QStringList parts;
    for (const auto& [key, value] : options.changed()) {
        if (value == QStringLiteral("true") || value == QStringLiteral("false"))
            parts << QStringLiteral("%1 %2").arg(
                key, value == QStringLiteral("true") ? QStringLiteral("on") : QStringLiteral("off"));
        else
            parts << QStringLiteral("%1 %2").arg(key, value);
    }
    return parts.join(QStringLiteral(", "));
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

// Green, red and amber that stay readable on the current palette's background.
QColor colourFor(LessonVerdict::Outcome outcome, const QPalette& palette)
{
    const bool dark = palette.color(QPalette::Window).lightness() < 128;
    switch (outcome) {
    case LessonVerdict::Outcome::Holds:
        return dark ? QColor(0x81, 0xc7, 0x84) : QColor(0x2e, 0x7d, 0x32);
    case LessonVerdict::Outcome::Contradicted:
        return dark ? QColor(0xef, 0x9a, 0x9a) : QColor(0xc6, 0x28, 0x28);
    case LessonVerdict::Outcome::Inconclusive:
        return dark ? QColor(0xff, 0xcc, 0x80) : QColor(0xb2, 0x6a, 0x00);
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
    auto* layout = new QVBoxLayout(this);

    m_list = new QListWidget(this);
    m_list->setSelectionMode(QAbstractItemView::SingleSelection);
    // Until a lesson has a verdict icon, a blank one keeps the titles aligned.
    QPixmap blank(16, 16);
    blank.fill(Qt::transparent);
    for (const Lesson& lesson : Lessons::all()) {
        auto* item = new QListWidgetItem(QStringLiteral("%1. %2").arg(lesson.number).arg(lesson.title), m_list);
        item->setIcon(QIcon(blank));
        item->setData(IdRole, lesson.id);
        item->setToolTip(lesson.claim);
    }
    // Room for every lesson without scrolling, also once verdict icons are shown.
    m_list->setIconSize(QSize(16, 16));
    const int row = std::max(m_list->sizeHintForRow(0), m_list->iconSize().height() + 2);
    m_list->setMaximumHeight(row * int(m_list->count()) + 2 * m_list->frameWidth() + 4);
    layout->addWidget(m_list);

    auto* details = new QWidget;
    auto* form = new QVBoxLayout(details);
    m_title = caption(QString(), details);
    m_title->setWordWrap(true);
    form->addWidget(m_title);
    m_claim = wrappingLabel(details);
    form->addWidget(m_claim);
    form->addWidget(caption(tr("What to look at"), details));
    m_lookAt = wrappingLabel(details);
    form->addWidget(m_lookAt);
    form->addWidget(caption(tr("The experiment"), details));
    m_experiment = wrappingLabel(details);
    form->addWidget(m_experiment);
    m_availability = wrappingLabel(details);
    form->addWidget(m_availability);
    m_run = new QPushButton(tr("Run this experiment"), details);
    connect(m_run, &QPushButton::clicked, this, &LessonPanel::requestRun);
    form->addWidget(m_run, 0, Qt::AlignLeft);

    auto* verdictFrame = new QFrame(details);
    verdictFrame->setFrameShape(QFrame::StyledPanel);
    auto* verdictLayout = new QVBoxLayout(verdictFrame);
    auto* headline = new QHBoxLayout;
    m_verdictIcon = new QLabel(verdictFrame);
    m_verdictHeadline = caption(QString(), verdictFrame);
    headline->addWidget(m_verdictIcon);
    headline->addWidget(m_verdictHeadline, 1);
    verdictLayout->addLayout(headline);
    m_verdictText = wrappingLabel(verdictFrame);
    verdictLayout->addWidget(m_verdictText);
    m_why = wrappingLabel(verdictFrame);
    verdictLayout->addWidget(m_why);
    m_rule = wrappingLabel(verdictFrame);
    QFont small = m_rule->font();
    small.setPointSizeF(small.pointSizeF() * 0.9);
    m_rule->setFont(small);
    verdictLayout->addWidget(m_rule);
    form->addWidget(verdictFrame);
    form->addStretch(1);

    auto* scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidget(details);
    layout->addWidget(scroll, 1);

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
    if (const auto it = m_verdicts.constFind(lessonId); it != m_verdicts.cend())
        return *it;
    LessonVerdict v;
    v.text = tr("Not run yet");
    return v;
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
    updateRunButton();
}

void LessonPanel::showResult(const QString& lessonId, const RunResult& result)
{
    const Lesson* lesson = Lessons::find(lessonId);
    if (!lesson) {
        qWarning("LessonPanel: a result for unknown lesson '%s' was ignored", qPrintable(lessonId));
        return;
    }
    m_verdicts.insert(lessonId, lesson->verdict(result));
    updateListItem(lessonId);
    if (currentLessonId() == lessonId)
        showVerdict();
}

void LessonPanel::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::StyleChange)
        showVerdict();
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
    m_rule->setText(tr("How the verdict is worked out: %1").arg(lesson->rule));

    updateRunButton();
    showVerdict();
}

void LessonPanel::showVerdict()
{
    if (!m_verdictHeadline)
        return; // a palette change during construction
    const LessonVerdict v = verdict(currentLessonId());
    m_verdictIcon->setPixmap(style()->standardIcon(iconFor(v.outcome)).pixmap(20, 20));
    m_verdictHeadline->setText(headlineFor(v));
    QPalette palette = m_verdictHeadline->palette();
    palette.setColor(QPalette::WindowText, colourFor(v.outcome, this->palette()));
    m_verdictHeadline->setPalette(palette);
    const bool notRunYet = v.outcome == LessonVerdict::Outcome::NotRun && v.why.isEmpty();
    m_verdictText->setText(
        notRunYet ? tr("Run the experiment: the verdict is worked out from what it measures.") : v.text);
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
        if (const auto v = m_verdicts.constFind(id); v != m_verdicts.cend()) {
            item->setIcon(style()->standardIcon(iconFor(v->outcome)));
            tip << QStringLiteral("%1: %2").arg(headlineFor(*v), v->text);
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
