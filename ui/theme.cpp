#include "theme.h"

#include <QApplication>
#include <QPainter>
#include <QProxyStyle>
#include <QStyleFactory>
#include <QStyleOption>

namespace parlab::Theme {

namespace {
struct Startup {
    QString style;
    QPalette palette;
};

// What the desktop gave, taken before the first change so that System can go back to it.
const Startup& startup()
{
    static const Startup s { QApplication::style()->name(), QApplication::palette() };
    return s;
}

// Fusion, with check boxes and radio buttons (in forms and in lists: the backends) edged in a colour between the
// text and the window. Fusion edges them in a shade of the window, which on a dark one leaves an unchecked box
// nearly invisible.
class ClearIndicators final : public QProxyStyle {
public:
    ClearIndicators()
        : QProxyStyle(QStyleFactory::create(QStringLiteral("Fusion")))
    { }

    void drawPrimitive(
        PrimitiveElement element, const QStyleOption* option, QPainter* painter, const QWidget* widget) const override
    {
        QProxyStyle::drawPrimitive(element, option, painter, widget);
        const bool box = element == PE_IndicatorCheckBox || element == PE_IndicatorItemViewItemCheck;
        if (!box && element != PE_IndicatorRadioButton)
            return;
        const QPalette& p = option->palette;
        const QColor text = p.color(QPalette::Text);
        const QColor window = p.color(QPalette::Window);
        QColor edge;
        edge.setRgbF((text.redF() + window.redF()) / 2, (text.greenF() + window.greenF()) / 2,
            (text.blueF() + window.blueF()) / 2);
        if (!(option->state & State_Enabled))
            edge.setAlphaF(0.5);
        painter->save();
        painter->setRenderHint(QPainter::Antialiasing);
        painter->setPen(QPen(edge, 1));
        painter->setBrush(Qt::NoBrush);
        const QRectF r = QRectF(option->rect).adjusted(0.5, 0.5, -0.5, -0.5);
        if (box)
            painter->drawRoundedRect(r, 1.5, 1.5);
        else
            painter->drawEllipse(r);
        painter->restore();
    }
};

QPalette dark()
{
    QPalette p;
    const QColor window(0x2b, 0x2d, 0x31);
    const QColor base(0x1e, 0x1f, 0x22);
    const QColor text(0xe6, 0xe6, 0xe6);
    const QColor disabled(0x80, 0x80, 0x80);
    const QColor highlight(0x3d, 0x7a, 0xd6);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, QColor(0x26, 0x28, 0x2c));
    p.setColor(QPalette::ToolTipBase, QColor(0x3c, 0x3f, 0x44));
    p.setColor(QPalette::ToolTipText, text);
    // Bright enough to read as a hint, dimmer than typed text.
    p.setColor(QPalette::PlaceholderText, QColor(0xa0, 0xa4, 0xaa));
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, QColor(0x35, 0x37, 0x3c));
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, QColor(0xff, 0x6b, 0x6b));
    // Fusion draws check box and frame edges from these: light enough that an unchecked box stays visible.
    p.setColor(QPalette::Light, QColor(0x5a, 0x5d, 0x63));
    p.setColor(QPalette::Midlight, QColor(0x4a, 0x4d, 0x52));
    p.setColor(QPalette::Mid, QColor(0x8a, 0x8e, 0x95));
    p.setColor(QPalette::Dark, QColor(0x9a, 0x9e, 0xa5));
    p.setColor(QPalette::Shadow, QColor(0x10, 0x10, 0x10));
    p.setColor(QPalette::Highlight, highlight);
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(0x7a, 0xb4, 0xff));
    p.setColor(QPalette::LinkVisited, QColor(0xb3, 0x9d, 0xff));
    for (const QPalette::ColorRole role : { QPalette::WindowText, QPalette::Text, QPalette::ButtonText })
        p.setColor(QPalette::Disabled, role, disabled);
    p.setColor(QPalette::Disabled, QPalette::Base, window);
    return p;
}
} // namespace

QString name(Choice choice)
{
    switch (choice) {
    case Choice::Light:
        return QStringLiteral("light");
    case Choice::Dark:
        return QStringLiteral("dark");
    case Choice::System:
        break;
    }
    return QStringLiteral("system");
}

QStringList names()
{
    return { name(Choice::System), name(Choice::Light), name(Choice::Dark) };
}

Choice fromName(const QString& text)
{
    for (const Choice c : { Choice::Light, Choice::Dark }) {
        if (text.trimmed().compare(name(c), Qt::CaseInsensitive) == 0)
            return c;
    }
    return Choice::System;
}

QPalette palette(Choice choice)
{
    switch (choice) {
    case Choice::Light: {
        QStyle* fusion = QStyleFactory::create(QStringLiteral("Fusion"));
        QPalette p = fusion->standardPalette();
        delete fusion;
        return p;
    }
    case Choice::Dark:
        return dark();
    case Choice::System:
        break;
    }
    return startup().palette;
}

void apply(Choice choice)
{
    const Startup& s = startup();
    if (choice == Choice::System) {
        if (QApplication::style()->name().compare(s.style, Qt::CaseInsensitive) != 0
            || dynamic_cast<ClearIndicators*>(QApplication::style()))
            QApplication::setStyle(s.style);
    } else if (!dynamic_cast<ClearIndicators*>(QApplication::style())) {
        QApplication::setStyle(new ClearIndicators); // the application owns it
    }
    QApplication::setPalette(palette(choice));
}

} // namespace parlab::Theme
