#pragma once

#include <QDialog>
#include <QStringList>

class QListWidget;
class QTextBrowser;

namespace parlab {

// The README, inside the window: Help › Guide opens it at a section (The window, The GIL lesson, Run history, ...)
// with the list of sections beside it. The text is the README.md this build was made from, compiled in, so it
// matches the version that runs and needs nothing installed or online.
class GuideDialog final : public QDialog {
    Q_OBJECT
public:
    explicit GuideDialog(QWidget* parent = nullptr);

    // The README's "## " headings, in order.
    static QStringList sections();
    // Scrolls to the heading; false when there is no such section.
    bool showSection(const QString& heading);
    QString currentSection() const;
    QTextBrowser* browser() const { return m_browser; }

private:
    QListWidget* m_sections = nullptr;
    QTextBrowser* m_browser = nullptr;
};

} // namespace parlab
