#pragma once

#include <QList>
#include <QWidget>

class QLabel;
class QPushButton;

namespace parlab {

struct Preset;

// What the chart area shows while it has no run to show: at first start, and after a preset or a lesson filled
// the form with an experiment not measured yet. It says what to do next (run the form's experiment, follow a
// lesson, start from a preset, with each preset's description) instead of leaving empty axes.
class StartPage final : public QWidget {
    Q_OBJECT
public:
    // `presets` in the order they are offered (Presets::all()).
    explicit StartPage(const QList<Preset>& presets, QWidget* parent = nullptr);

    // The headline and the line under it: "Nothing measured yet" and the first-start text by default.
    void setMessage(const QString& headline, const QString& text);
    void showWelcome();
    QLabel* headlineLabel() const { return m_headline; }
    QLabel* textLabel() const { return m_text; }

Q_SIGNALS:
    void runRequested();
    void lessonsRequested();
    void presetRequested(const QString& name);

private:
    QLabel* m_headline = nullptr;
    QLabel* m_text = nullptr;
};

} // namespace parlab
