#pragma once

#include <QFrame>
#include <QStringList>

class QLabel;
class QScrollArea;
class QToolButton;

namespace parlab {

// The warnings of the run on screen, above the charts. Collapsed (the default) it is one line: the count and the
// worst warning, elided to the width, so a run that gathers ten warnings does not push the charts down while
// they are read; "Show all" opens the whole list, scrolling past a few lines. Amber for cautions, red when
// something failed or was lost (Palette::Notice), in the shade for the window's palette.
class WarningsBar final : public QFrame {
    Q_OBJECT
public:
    explicit WarningsBar(QWidget* parent = nullptr);

    // `lines` in the order they are listed; `worst` (an index into lines) is the one shown collapsed. `problem`
    // paints the strip red. Hidden when there are no lines; the expanded state is kept across updates.
    void setWarnings(const QStringList& lines, int worst, bool problem);
    QStringList warnings() const { return m_lines; }
    bool isProblem() const { return m_problem; }
    bool isExpanded() const { return m_expanded; }
    void setExpanded(bool expanded);

    QLabel* summaryLabel() const { return m_summary; }
    QLabel* detailsLabel() const { return m_details; }
    QToolButton* toggleButton() const { return m_toggle; }

protected:
    void changeEvent(QEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void restyle();
    void updateSummary();

    QStringList m_lines;
    int m_worst = 0;
    bool m_problem = false;
    bool m_expanded = false;
    QLabel* m_summary = nullptr;
    QLabel* m_details = nullptr;
    QScrollArea* m_scroll = nullptr;
    QToolButton* m_toggle = nullptr;
};

} // namespace parlab
