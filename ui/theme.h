#pragma once

#include <QPalette>
#include <QString>
#include <QStringList>

namespace parlab {

// Light, dark, or whatever the desktop gives. A desktop without a dark theme (or a projector that needs the light
// one on a dark desktop) still gets either: ParLab's own palettes on the Fusion style, whose check boxes,
// placeholders and frames are drawn from the palette, so nothing turns invisible in the dark one. The charts,
// timeline and warning strip follow on QEvent::PaletteChange.
namespace Theme {
enum class Choice { System, Light, Dark };

// "system", "light", "dark": for settings and the command line.
QString name(Choice choice);
QStringList names();
// System for an unknown name.
Choice fromName(const QString& name);
QPalette palette(Choice choice);
// Sets the application's style and palette. System restores what the application started with.
void apply(Choice choice);
} // namespace Theme

} // namespace parlab
