#pragma once

// What the window's benchmarks share: the window shown as a user's is before anyone presses Run, and its form set
// for an experiment.

#include "experimentpanel.h"
#include "mainwindow.h"

#include <QComboBox>
#include <QCoreApplication>
#include <QEventLoop>
#include <QLineEdit>
#include <QListWidget>
#include <QSettings>
#include <QSpinBox>
#include <QStringList>
#include <QTimer>

namespace parlab::benchwindow {

// Settings of the benchmarks' own, empty: the window opens as on a first start, whatever a user's window keeps. Call
// before the window is made.
inline void freshSettings()
{
    QCoreApplication::setOrganizationName(QStringLiteral("ParLabBench"));
    QSettings().clear();
}

// Shown, then idle for a moment: what the window prepares once it is shown (the charts page's first layout) is done
// by then.
inline void show(MainWindow& window)
{
    window.resize(1280, 800);
    window.show();
    QEventLoop settle;
    QTimer::singleShot(500, &settle, &QEventLoop::quit);
    settle.exec();
}

// The form: `kernel` on `inputs` at `workers`, `repeats` after `warmup` rounds, the `backends` and no other.
inline void setExperiment(MainWindow& window, const QString& kernel, const QString& inputs, const QString& workers,
    int repeats, int warmup, const QStringList& backends)
{
    ExperimentPanel* panel = window.experimentPanel();
    auto* kernelBox = panel->findChild<QComboBox*>(QStringLiteral("kernel"));
    kernelBox->setCurrentIndex(kernelBox->findData(kernel));
    panel->findChild<QLineEdit*>(QStringLiteral("inputs"))->setText(inputs);
    panel->findChild<QLineEdit*>(QStringLiteral("workers"))->setText(workers);
    panel->findChild<QSpinBox*>(QStringLiteral("repeats"))->setValue(repeats);
    panel->findChild<QSpinBox*>(QStringLiteral("warmup"))->setValue(warmup);
    auto* list = panel->findChild<QListWidget*>(QStringLiteral("backends"));
    for (int i = 0; i < list->count(); ++i)
        list->item(i)->setCheckState(backends.contains(list->item(i)->text()) ? Qt::Checked : Qt::Unchecked);
}

} // namespace parlab::benchwindow
