#include "columnchooser.h"

#include <QAbstractItemModel>
#include <QAction>
#include <QHeaderView>
#include <QMenu>
#include <QSettings>
#include <QVariantMap>

namespace parlab {

ColumnChooser::ColumnChooser(QHeaderView* header, const QString& settingsKey, std::function<QString(int)> key,
    std::function<bool(int)> shownByDefault)
    : QObject(header)
    , m_header(header)
    , m_settingsKey(settingsKey)
    , m_key(std::move(key))
    , m_shownByDefault(std::move(shownByDefault))
    , m_menu(new QMenu(header))
{
    setObjectName(QStringLiteral("columnChooser"));
    m_header->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_header, &QWidget::customContextMenuRequested, this,
        [this](const QPoint& at) { menu()->popup(m_header->viewport()->mapToGlobal(at)); });
    // The model may be set (or reset) after the header exists: its columns are shown as chosen once they are there.
    connect(m_header, &QHeaderView::sectionCountChanged, this, &ColumnChooser::apply);
    apply();
}

QMenu* ColumnChooser::menu()
{
    m_menu->clear();
    const QAbstractItemModel* model = m_header->model();
    const int count = m_header->count();
    int shown = 0;
    for (int column = 0; column < count; ++column)
        shown += m_header->isSectionHidden(column) ? 0 : 1;
    for (int column = 0; column < count; ++column) {
        QAction* action = m_menu->addAction(model->headerData(column, Qt::Horizontal).toString());
        action->setCheckable(true);
        action->setChecked(!m_header->isSectionHidden(column));
        action->setToolTip(model->headerData(column, Qt::Horizontal, Qt::ToolTipRole).toString());
        action->setEnabled(!(action->isChecked() && shown == 1));
        connect(action, &QAction::toggled, this, [this, column](bool on) { setShown(column, on); });
    }
    m_menu->setToolTipsVisible(true);
    m_menu->addSeparator();
    connect(m_menu->addAction(tr("Default columns")), &QAction::triggered, this, &ColumnChooser::restoreDefaults);
    return m_menu;
}

void ColumnChooser::setShown(int column, bool shown)
{
    QSettings settings;
    QVariantMap chosen = settings.value(m_settingsKey).toMap();
    chosen.insert(m_key(column), shown);
    settings.setValue(m_settingsKey, chosen);
    m_header->setSectionHidden(column, !shown);
}

void ColumnChooser::restoreDefaults()
{
    QSettings().remove(m_settingsKey);
    apply();
}

void ColumnChooser::apply()
{
    const QVariantMap chosen = QSettings().value(m_settingsKey).toMap();
    bool any = false;
    for (int column = 0; column < m_header->count(); ++column) {
        const QVariant choice = chosen.value(m_key(column));
        const bool shown = choice.isValid() ? choice.toBool() : m_shownByDefault(column);
        m_header->setSectionHidden(column, !shown);
        any = any || shown;
    }
    if (!any && m_header->count() > 0)
        m_header->setSectionHidden(0, false); // settings that hide them all (edited by hand) leave the first
}

} // namespace parlab
