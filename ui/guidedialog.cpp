#include "guidedialog.h"

#include <QFile>
#include <QHBoxLayout>
#include <QListWidget>
#include <QRegularExpression>
#include <QScrollBar>
#include <QTextBlock>
#include <QTextBrowser>
#include <QTextDocument>

namespace parlab {

namespace {
QString readme()
{
    QFile file(QStringLiteral(":/guide/README.md"));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QString text = QString::fromUtf8(file.readAll());
    // The README's pictures live beside it in the source tree, not in the program: leave them out.
    static const QRegularExpression image(
        QStringLiteral("^!\\[[^\\]]*\\]\\([^)]*\\)\\s*$"), QRegularExpression::MultilineOption);
    text.remove(image);
    return text;
}

QStringList headings(const QString& text)
{
    QStringList found;
    bool inCode = false;
    for (const QString& line : text.split(QLatin1Char('\n'))) {
        if (line.startsWith(QStringLiteral("```")))
            inCode = !inCode;
        else if (!inCode && line.startsWith(QStringLiteral("## ")))
            found.append(line.mid(3).trimmed().remove(QLatin1Char('`')));
    }
    return found;
}
} // namespace

GuideDialog::GuideDialog(QWidget* parent)
    : QDialog(parent)
{
    setObjectName(QStringLiteral("guide"));
    setWindowTitle(tr("ParLab guide"));
    auto* layout = new QHBoxLayout(this);
    m_sections = new QListWidget(this);
    m_sections->setObjectName(QStringLiteral("guideSections"));
    m_sections->addItems(sections());
    m_sections->setMaximumWidth(260);
    layout->addWidget(m_sections);
    m_browser = new QTextBrowser(this);
    m_browser->setObjectName(QStringLiteral("guideText"));
    m_browser->setOpenExternalLinks(true);
    m_browser->setMarkdown(readme());
    layout->addWidget(m_browser, 1);
    connect(m_sections, &QListWidget::currentTextChanged, this, &GuideDialog::showSection);
    resize(1000, 700);
}

QStringList GuideDialog::sections()
{
    return headings(readme());
}

bool GuideDialog::showSection(const QString& heading)
{
    // Markdown headings carry their level in the block format; the first level-2 heading with this text.
    for (QTextBlock block = m_browser->document()->begin(); block.isValid(); block = block.next()) {
        if (block.blockFormat().headingLevel() == 2 && block.text().trimmed() == heading) {
            QTextCursor cursor(block);
            m_browser->setTextCursor(cursor);
            // The heading at the top of the view, not merely somewhere in it.
            m_browser->verticalScrollBar()->setValue(m_browser->verticalScrollBar()->maximum());
            m_browser->ensureCursorVisible();
            const QList<QListWidgetItem*> items = m_sections->findItems(heading, Qt::MatchExactly);
            if (!items.isEmpty() && m_sections->currentItem() != items.first()) {
                const QSignalBlocker quiet(m_sections);
                m_sections->setCurrentItem(items.first());
            }
            return true;
        }
    }
    return false;
}

QString GuideDialog::currentSection() const
{
    const QListWidgetItem* item = m_sections->currentItem();
    return item ? item->text() : QString();
}

} // namespace parlab
