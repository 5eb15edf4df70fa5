#pragma once

#include <QObject>
#include <QString>
#include <functional>

class QHeaderView;
class QMenu;

namespace parlab {

// A table header's context menu that shows and hides its columns: one checkable entry per column under its header
// text, and "Default columns". The choice is kept in the settings under `settingsKey`, each column by its `key`, so
// the next window shows the same columns; a column with no choice kept shows as `shownByDefault` says (a column
// added later too). The last column shown cannot be hidden.
class ColumnChooser final : public QObject {
    Q_OBJECT
public:
    ColumnChooser(QHeaderView* header, const QString& settingsKey, std::function<QString(int column)> key,
        std::function<bool(int column)> shownByDefault);

    // The menu a right-click on the header opens, filled for the columns as they are now (for tests, which cannot
    // open a context menu and pick from it).
    QMenu* menu();

private:
    void setShown(int column, bool shown);
    void restoreDefaults();
    void apply();

    QHeaderView* m_header;
    QString m_settingsKey;
    std::function<QString(int)> m_key;
    std::function<bool(int)> m_shownByDefault;
    QMenu* m_menu;
};

} // namespace parlab
