#include "warningsbar.h"

#include "charts/chartstyle.h"

#include <QApplication>
#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QScrollArea>
#include <QToolButton>
#include <QVBoxLayout>

namespace parlab {

namespace {
constexpr int kExpandedLines = 8; // the open list scrolls past this many lines
}

WarningsBar::WarningsBar(QWidget* parent)
    : QFrame(parent)
{
    setObjectName(QStringLiteral("warnings"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 4, 4, 4);
    layout->setSpacing(2);
    auto* row = new QHBoxLayout;
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("warningsSummary"));
    m_summary->setTextFormat(Qt::PlainText);
    m_summary->setMinimumWidth(1); // elided to the width, never widening the window
    m_summary->installEventFilter(this);
    row->addWidget(m_summary, 1);
    m_toggle = new QToolButton(this);
    m_toggle->setObjectName(QStringLiteral("warningsToggle"));
    m_toggle->setAutoRaise(true);
    m_toggle->setCheckable(true);
    connect(m_toggle, &QToolButton::toggled, this, &WarningsBar::setExpanded);
    row->addWidget(m_toggle);
    layout->addLayout(row);

    m_details = new QLabel;
    m_details->setObjectName(QStringLiteral("warningsDetails"));
    m_details->setWordWrap(true);
    m_details->setTextFormat(Qt::PlainText);
    m_details->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_details->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_scroll = new QScrollArea(this);
    m_scroll->setWidget(m_details);
    m_scroll->setWidgetResizable(true);
    m_scroll->setFrameShape(QFrame::NoFrame);
    m_scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_scroll->viewport()->setAutoFillBackground(false);
    m_details->setAutoFillBackground(false);
    m_scroll->setVisible(false);
    layout->addWidget(m_scroll);
    setVisible(false);
    restyle();
}

void WarningsBar::setWarnings(const QStringList& lines, int worst, bool problem)
{
    const bool restyleNeeded = problem != m_problem;
    m_lines = lines;
    m_worst = std::clamp(worst, 0, std::max(0, int(lines.size()) - 1));
    m_problem = problem;
    QStringList marked;
    for (const QString& line : lines)
        marked.append(QStringLiteral("⚠ ") + line);
    m_details->setText(marked.join(QLatin1Char('\n')));
    setToolTip(lines.size() > 1 ? marked.join(QLatin1Char('\n')) : QString());
    m_toggle->setVisible(lines.size() > 1);
    if (lines.size() <= 1 && m_expanded)
        setExpanded(false);
    updateSummary();
    if (restyleNeeded)
        restyle();
    setVisible(!lines.isEmpty());
}

void WarningsBar::setExpanded(bool expanded)
{
    m_expanded = expanded;
    if (m_toggle->isChecked() != expanded)
        m_toggle->setChecked(expanded);
    m_scroll->setVisible(expanded);
    if (expanded) {
        const int line = m_details->fontMetrics().lineSpacing();
        m_scroll->setMaximumHeight(kExpandedLines * line + 4);
    }
    updateSummary();
}

void WarningsBar::updateSummary()
{
    m_toggle->setText(m_expanded ? tr("Hide") : tr("Show all %1").arg(m_lines.size()));
    m_toggle->setToolTip(m_expanded ? tr("Show only the worst warning") : tr("List every warning of this run"));
    if (m_lines.isEmpty()) {
        m_summary->clear();
        return;
    }
    QString text;
    if (m_expanded)
        text = tr("%1 warnings:").arg(m_lines.size());
    else if (m_lines.size() == 1)
        text = QStringLiteral("⚠ ") + m_lines.first();
    else
        text = tr("⚠ %1 warnings, the worst: %2").arg(m_lines.size()).arg(m_lines.at(m_worst));
    const int width = std::max(40, m_summary->width());
    m_summary->setText(m_summary->fontMetrics().elidedText(text, Qt::ElideRight, width));
    m_summary->setToolTip(m_lines.size() == 1 ? m_lines.first() : QString());
}

void WarningsBar::restyle()
{
    // The application's palette: this frame's own is the style sheet's amber or red.
    const bool dark = ChartStyle::isDark(QApplication::palette());
    const Palette::Notice notice = m_problem ? Palette::Notice::Problem : Palette::Notice::Caution;
    const QString background = Palette::hex(Palette::noticeBackground(notice).on(dark));
    const QString text = Palette::hex(Palette::noticeText(notice).on(dark));
    const QString sheet = QStringLiteral("QFrame#warnings { background: %1; border-radius: 3px; }"
                                         "QFrame#warnings QLabel, QFrame#warnings QToolButton { color: %2; }")
                              .arg(background, text);
    // A new style sheet is itself a palette change: set it only when it differs, or this never ends.
    if (sheet != styleSheet())
        setStyleSheet(sheet);
}

void WarningsBar::changeEvent(QEvent* event)
{
    QFrame::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::ApplicationPaletteChange)
        restyle();
    else if (event->type() == QEvent::FontChange)
        updateSummary();
}

bool WarningsBar::eventFilter(QObject* watched, QEvent* event)
{
    // Elided again to the label's new width, once the layout has given it one.
    if (watched == m_summary && event->type() == QEvent::Resize)
        updateSummary();
    return QFrame::eventFilter(watched, event);
}

} // namespace parlab
