#include "startpage.h"

#include "lessons/lessonbook.h"
#include "presets.h"

#include <QCommandLinkButton>
#include <QGridLayout>
#include <QLabel>
#include <QScrollArea>
#include <QVBoxLayout>

namespace parlab {

StartPage::StartPage(const QList<Preset>& presets, QWidget* parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("startPage"));
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    auto* scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    outer->addWidget(scroll);
    auto* content = new QWidget;
    scroll->setWidget(content);
    auto* layout = new QVBoxLayout(content);
    layout->setContentsMargins(24, 16, 24, 16);

    m_headline = new QLabel(content);
    m_headline->setObjectName(QStringLiteral("startHeadline"));
    QFont big = m_headline->font();
    big.setPointSizeF(big.pointSizeF() * 1.5);
    big.setBold(true);
    m_headline->setFont(big);
    m_headline->setWordWrap(true);
    layout->addWidget(m_headline);
    m_text = new QLabel(content);
    m_text->setObjectName(QStringLiteral("startText"));
    m_text->setWordWrap(true);
    layout->addWidget(m_text);

    // No mnemonics here: the menus and the form already use most letters.
    auto* run = new QCommandLinkButton(tr("Run the experiment in the form"),
        tr("Press Ctrl+R (or the Run button under the form): wall time and speedup are charted as results "
           "arrive, next to the best any schedule of these tasks could reach."),
        content);
    run->setObjectName(QStringLiteral("startRun"));
    connect(run, &QCommandLinkButton::clicked, this, &StartPage::runRequested);
    layout->addWidget(run);
    auto* lessons = new QCommandLinkButton(tr("Follow a lesson"),
        tr("%1 guided experiments, each a claim about parallelism (\"Python threads do not speed up CPU-bound "
           "work\") with a verdict worked out from your own run. F1 opens them.")
            .arg(Lessons::all().size()),
        content);
    lessons->setObjectName(QStringLiteral("startLessons"));
    connect(lessons, &QCommandLinkButton::clicked, this, &StartPage::lessonsRequested);
    layout->addWidget(lessons);

    auto* presetsTitle = new QLabel(tr("<b>Or start from a preset</b>"), content);
    layout->addSpacing(8);
    layout->addWidget(presetsTitle);
    auto* grid = new QGridLayout;
    int i = 0;
    for (const Preset& preset : presets) {
        auto* button = new QCommandLinkButton(preset.title, preset.description, content);
        button->setObjectName(QStringLiteral("startPreset-") + preset.name);
        connect(button, &QCommandLinkButton::clicked, this, [this, name = preset.name] { presetRequested(name); });
        grid->addWidget(button, i / 2, i % 2);
        ++i;
    }
    layout->addLayout(grid);
    layout->addStretch(1);
    showWelcome();
}

void StartPage::setMessage(const QString& headline, const QString& text)
{
    m_headline->setText(headline);
    m_text->setText(text);
}

void StartPage::showWelcome()
{
    setMessage(tr("Nothing measured yet"),
        tr("The form on the left holds an experiment: a kernel, its inputs, the backends to compare and their "
           "worker counts. Run it, or let a lesson or a preset set one up."));
}

} // namespace parlab
