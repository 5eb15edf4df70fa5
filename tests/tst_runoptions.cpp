// RunOptions: the one codec (every option round-trips, unknown keys, wrong types and values out of range are
// errors naming what and where), 0.1's files still load, and the window's widgets show exactly the declared
// defaults, ranges and help. Every check walks RunOptions::descriptors(), so a new option is covered by adding it.

#include "backends/backendregistry.h"
#include "experimentpanel.h"
#include "experimentspec.h"
#include "export/jsonexport.h"
#include "export/jsonimport.h"
#include "kernels/kernel.h"
#include "kernels/kernelregistry.h"
#include "optiondescriptor.h"
#include "runoptions.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>
#include <algorithm>

using namespace parlab;

namespace {
using Type = OptionDescriptor::Type;

// A valid value other than the default, so that a round trip that dropped the option would show.
QVariant otherThanDefault(const OptionDescriptor& d)
{
    switch (d.type) {
    case Type::Integer:
        return int(d.maximum);
    case Type::Number:
        return d.maximum;
    case Type::Boolean:
        return !d.defaultValue.toBool();
    case Type::Choice:
        return d.choices.last() == d.defaultValue.toString() ? d.choices.first() : d.choices.last();
    case Type::Text:
    case Type::File:
        return QStringLiteral("/opt/x y/{} 'quoted' \"twice\"");
    }
    return {};
}

QByteArray readFixture(const QString& name)
{
    QFile file(QStringLiteral(PARLAB_SOURCE_DIR "/tests/fixtures/") + name);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot read the fixture %s", qPrintable(file.fileName()));
    return file.readAll();
}
} // namespace

class TestRunOptions final : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void everyOptionRoundTrips_data();
    void everyOptionRoundTrips();
    void defaultsRoundTripAndMissingKeysKeepThem();
    void unknownOptionIsNamedWithWhere();
    void wrongTypeOrRangeNamesOptionValueAndRange_data();
    void wrongTypeOrRangeNamesOptionValueAndRange();
    void validateCatchesValuesSetInCode();
    void exportWithMisspeltOptionFailsToLoad();
    void exportFrom01StillLoads();
    void descriptorsAreConsistent();
    void windowWidgetsShowDeclaredDefaultsAndRanges();
    void windowSpecCarriesEveryOption();
    void windowSettingsKeepOptions();
    void windowChecksTheHostfileAsItChanges();
};

void TestRunOptions::everyOptionRoundTrips_data()
{
    QTest::addColumn<QString>("key");
    for (const OptionDescriptor& d : RunOptions::descriptors())
        QTest::newRow(qPrintable(d.key)) << d.key;
}

void TestRunOptions::everyOptionRoundTrips()
{
    QFETCH(QString, key);
    const OptionDescriptor* d = RunOptions::find(key);
    QVERIFY(d);
    RunOptions options;
    const QVariant value = otherThanDefault(*d);
    QVERIFY(value != d->defaultValue);
    options.setValue(*d, value);
    QCOMPARE(options.value(*d), value);
    QVERIFY(options.validate());

    // Through the JSON a file holds, and through its text, as a file is written and read.
    const QJsonObject json = options.toJson();
    QVERIFY2(json.contains(key), qPrintable(key));
    const QByteArray text = QJsonDocument(json).toJson();
    const auto back = RunOptions::fromJson(QJsonDocument::fromJson(text).object(), QStringLiteral("spec.options"));
    QVERIFY2(back, qPrintable(back.error()));
    QCOMPARE(back->value(*d), value);
    QVERIFY(*back == options);
    // Only this one option differs from the defaults: a summary names it and nothing else.
    QCOMPARE(back->changed().size(), 1);
    QCOMPARE(back->changed().first().first, key);

    // And through the spec as the JSON export and the history store it.
    ExperimentSpec spec;
    spec.kernel = QStringLiteral("fib");
    spec.options = options;
    const auto specBack = JsonImport::specFromObject(JsonExport::specObject(spec));
    QVERIFY2(specBack, qPrintable(specBack.error()));
    QVERIFY(specBack->options == options);
}

void TestRunOptions::defaultsRoundTripAndMissingKeysKeepThem()
{
    const RunOptions defaults;
    const auto back = RunOptions::fromJson(defaults.toJson(), QString());
    QVERIFY2(back, qPrintable(back.error()));
    QVERIFY(*back == defaults);
    QVERIFY(back->changed().isEmpty());
    // 0.1 wrote only the options that were set: the rest keep their defaults.
    const auto sparse = RunOptions::fromJson(QJsonObject { { QStringLiteral("chunksize"), 4 } }, QString());
    QVERIFY2(sparse, qPrintable(sparse.error()));
    QCOMPARE(sparse->chunksize, 4);
    QCOMPARE(sparse->switchIntervalMs, defaults.switchIntervalMs);
    QCOMPARE(sparse->onError, OnError::Stop);
    // No options at all (a field left out) is the defaults too; anything but an object is not.
    QVERIFY(*RunOptions::fromJson(QJsonValue(), QStringLiteral("spec.options")) == defaults);
    const auto list = RunOptions::fromJson(QJsonValue(QJsonArray {}), QStringLiteral("spec.options"));
    QVERIFY(!list);
    QVERIFY2(list.error().startsWith(QStringLiteral("spec.options: must be an object")), qPrintable(list.error()));
    // Every option of the struct is written, so a file keeps meaning what it meant after a default changes.
    for (const OptionDescriptor& d : RunOptions::descriptors()) {
        if (d.scope != OptionDescriptor::Scope::Kernel)
            QVERIFY2(defaults.toJson().contains(d.key), qPrintable(d.key));
    }
}

void TestRunOptions::unknownOptionIsNamedWithWhere()
{
    const auto misspelt = RunOptions::fromJson(
        QJsonObject { { QStringLiteral("chunksze"), 4 } }, QStringLiteral("results.json: spec.options"));
    QVERIFY(!misspelt);
    QVERIFY2(
        misspelt.error().startsWith(QStringLiteral("results.json: spec.options: unknown option 'chunksze': did you "
                                                   "mean 'chunksize'? (known: chunksize, ")),
        qPrintable(misspelt.error()));
    const auto far = RunOptions::fromJson(QJsonObject { { QStringLiteral("colour"), 4 } }, QStringLiteral("x"));
    QVERIFY(!far);
    QVERIFY2(far.error().startsWith(QStringLiteral("x: unknown option 'colour' (known: ")), qPrintable(far.error()));
}

void TestRunOptions::wrongTypeOrRangeNamesOptionValueAndRange_data()
{
    QTest::addColumn<QJsonObject>("json");
    QTest::addColumn<QString>("message");
    const QString where = QStringLiteral("spec.options: ");
    for (const OptionDescriptor& d : RunOptions::descriptors()) {
        const QString expected = d.expected();
        switch (d.type) {
        case Type::Integer:
        case Type::Number: {
            const double below = d.minimum - (d.type == Type::Integer ? 1 : 0.001);
            const double above = d.maximum + 1;
            QTest::addRow("%s below", qPrintable(d.key)) << QJsonObject { { d.key, below } }
                                                         << where
                    + QStringLiteral("%1 must be %2, not %3").arg(d.key, expected, QString::number(below, 'g', 12));
            QTest::addRow("%s above", qPrintable(d.key)) << QJsonObject { { d.key, above } }
                                                         << where
                    + QStringLiteral("%1 must be %2, not %3").arg(d.key, expected, QString::number(above, 'g', 12));
            QTest::addRow("%s text", qPrintable(d.key))
                << QJsonObject { { d.key, QStringLiteral("4") } }
                << where + QStringLiteral("%1 must be %2, not '4'").arg(d.key, expected);
            if (d.type == Type::Integer)
                QTest::addRow("%s fraction", qPrintable(d.key)) << QJsonObject { { d.key, d.minimum + 0.5 } }
                                                                << where
                        + QStringLiteral("%1 must be %2, not %3")
                              .arg(d.key, expected, QString::number(d.minimum + 0.5));
            break;
        }
        case Type::Boolean:
            QTest::addRow("%s text", qPrintable(d.key))
                << QJsonObject { { d.key, QStringLiteral("yes") } }
                << where + QStringLiteral("%1 must be true or false, not 'yes'").arg(d.key);
            QTest::addRow("%s number", qPrintable(d.key))
                << QJsonObject { { d.key, 1 } } << where + QStringLiteral("%1 must be true or false, not 1").arg(d.key);
            break;
        case Type::Choice:
            QTest::addRow("%s unknown choice", qPrintable(d.key))
                << QJsonObject { { d.key, QStringLiteral("ignore") } }
                << where + QStringLiteral("%1 must be %2, not 'ignore'").arg(d.key, expected);
            break;
        case Type::Text:
        case Type::File:
            QTest::addRow("%s number", qPrintable(d.key))
                << QJsonObject { { d.key, 3 } } << where + QStringLiteral("%1 must be %2, not 3").arg(d.key, expected);
            break;
        }
    }
}

void TestRunOptions::wrongTypeOrRangeNamesOptionValueAndRange()
{
    QFETCH(QJsonObject, json);
    QFETCH(QString, message);
    const auto options = RunOptions::fromJson(json, QStringLiteral("spec.options"));
    QVERIFY(!options);
    QCOMPARE(options.error(), message);
}

void TestRunOptions::validateCatchesValuesSetInCode()
{
    RunOptions options;
    QVERIFY(options.validate());
    options.chunksize = 0;
    QCOMPARE(options.validate().error(), QStringLiteral("chunksize must be a whole number from 1 to 1000000, not 0"));
    options.chunksize = 1;
    options.taskTimeoutS = -1;
    QCOMPARE(options.validate().error(),
        QStringLiteral("task_timeout_s must be a number from 0 to 86400 s (0: no limit), not -1"));
    options.taskTimeoutS = 0;
    options.kernelSettings.insert(QStringLiteral("comand"), QStringLiteral("true"));
    QVERIFY(!options.validate());

    // validateSpec reports it before a run starts.
    ExperimentSpec spec;
    spec.kernel = QStringLiteral("fib");
    spec.inputs = { 10 };
    spec.backends = { QStringLiteral("sequential") };
    spec.workers = { 1 };
    spec.options.chunksize = 0;
    QCOMPARE(validateSpec(spec).error(), QStringLiteral("chunksize must be a whole number from 1 to 1000000, not 0"));
}

void TestRunOptions::exportWithMisspeltOptionFailsToLoad()
{
    QJsonObject file = QJsonDocument::fromJson(readFixture(QStringLiteral("export-0.1.json"))).object();
    QJsonObject spec = file.value(QStringLiteral("spec")).toObject();
    QJsonObject options = spec.value(QStringLiteral("options")).toObject();
    options.insert(QStringLiteral("relase_gil"), options.take(QStringLiteral("release_gil")));
    spec.insert(QStringLiteral("options"), options);
    file.insert(QStringLiteral("spec"), spec);
    QString error = JsonImport::fromJson(QJsonDocument(file).toJson()).error();
    QVERIFY2(error.startsWith(
                 QStringLiteral("spec.options: unknown option 'relase_gil': did you mean 'release_gil'? (known: ")),
        qPrintable(error));

    options.remove(QStringLiteral("relase_gil"));
    options.insert(QStringLiteral("chunksize"), -2);
    spec.insert(QStringLiteral("options"), options);
    file.insert(QStringLiteral("spec"), spec);
    error = JsonImport::fromJson(QJsonDocument(file).toJson()).error();
    QCOMPARE(error, QStringLiteral("spec.options: chunksize must be a whole number from 1 to 1000000, not -2"));
}

void TestRunOptions::exportFrom01StillLoads()
{
    // Written by `parlab run ... --format json` of 0.1.0, with every option of that release given.
    const auto result = JsonImport::fromJson(readFixture(QStringLiteral("export-0.1.json")));
    QVERIFY2(result, qPrintable(result.error()));
    const RunOptions& o = result->spec.options;
    QCOMPARE(o.chunksize, 2);
    QCOMPARE(o.taskTimeoutS, 30.0);
    QCOMPARE(o.onError, OnError::Continue);
    QCOMPARE(o.switchIntervalMs, 2.5);
    QVERIFY(o.releaseGil);
    QCOMPARE(o.python, QStringLiteral("python3"));
    QVERIFY(o.pythonNative);
    QCOMPARE(o.hostfile, QStringLiteral("/etc/hostname"));
    QCOMPARE(o.mpirunArgs, QStringLiteral("--mca btl self"));
    QCOMPARE(o.kernelSetting(QStringLiteral("command")).toString(), QStringLiteral("echo {}"));
    QVERIFY(!result->measurements.isEmpty());
    // Written again, it keeps 0.1's keys and values.
    const QJsonObject written = JsonExport::specObject(result->spec).value(QStringLiteral("options")).toObject();
    const QJsonObject original = QJsonDocument::fromJson(readFixture(QStringLiteral("export-0.1.json")))
                                     .object()
                                     .value(QStringLiteral("spec"))
                                     .toObject()
                                     .value(QStringLiteral("options"))
                                     .toObject();
    for (auto it = original.constBegin(); it != original.constEnd(); ++it)
        QCOMPARE(written.value(it.key()), it.value());
}

void TestRunOptions::descriptorsAreConsistent()
{
    QStringList keys, flags;
    for (const OptionDescriptor& d : RunOptions::descriptors()) {
        QVERIFY2(!keys.contains(d.key), qPrintable(d.key));
        QVERIFY2(!flags.contains(d.flag), qPrintable(d.flag));
        keys.append(d.key);
        flags.append(d.flag);
        QVERIFY2(!d.help.isEmpty() && !d.label.isEmpty(), qPrintable(d.key));
        // The default is a valid value of the declared type and range.
        const auto checked = d.check(d.defaultValue, d.key);
        QVERIFY2(checked, qPrintable(checked.error()));
        // A backend option is read by some backend; which ones is the backend table's to say.
        if (d.scope == OptionDescriptor::Scope::Backend)
            QVERIFY2(!d.appliesTo().isEmpty(), qPrintable(d.key));
        // A kernel setting is read by the kernels that declare it, and one declared by several is one option.
        if (d.scope == OptionDescriptor::Scope::Kernel) {
            QCOMPARE(d.appliesTo(), d.kernels);
            for (const QString& kernel : d.kernels) {
                const QList<OptionDescriptor> declared = KernelRegistry::create(kernel)->settings();
                QVERIFY2(std::any_of(declared.cbegin(), declared.cend(),
                             [&](const OptionDescriptor& own) { return own.key == d.key; }),
                    qPrintable(kernel + QLatin1Char(' ') + d.key));
            }
        }
    }
    QCOMPARE(RunOptions::find(QStringLiteral("serial_ms"))->appliesTo(),
        (QStringList { QStringLiteral("sleep"), QStringLiteral("spin"), QStringLiteral("spin-us") }));
    // The struct's defaults are the descriptors' defaults.
    const RunOptions defaults;
    for (const OptionDescriptor& d : RunOptions::descriptors())
        QCOMPARE(defaults.value(d), d.defaultValue);
    QCOMPARE(RunOptions::descriptor(Option::SwitchInterval).defaultValue.toDouble(), defaults.switchIntervalMs);
    QCOMPARE(RunOptions::descriptor(Option::SwitchInterval).appliesTo(),
        (QStringList { QStringLiteral("gil-threads"), QStringLiteral("python-threads") }));
}

void TestRunOptions::windowWidgetsShowDeclaredDefaultsAndRanges()
{
    ExperimentPanel panel;
    for (const OptionDescriptor& d : RunOptions::descriptors()) {
        QWidget* widget = panel.findChild<QWidget*>(d.key);
        QVERIFY2(widget, qPrintable(d.key));
        QCOMPARE(widget->toolTip(), d.helpText());
        switch (d.type) {
        case Type::Integer: {
            auto* box = qobject_cast<QSpinBox*>(widget);
            QVERIFY2(box, qPrintable(d.key));
            QCOMPARE(box->minimum(), int(d.minimum));
            QCOMPARE(box->maximum(), int(d.maximum));
            QCOMPARE(box->value(), d.defaultValue.toInt());
            break;
        }
        case Type::Number: {
            auto* box = qobject_cast<QDoubleSpinBox*>(widget);
            QVERIFY2(box, qPrintable(d.key));
            QCOMPARE(box->minimum(), d.minimum);
            QCOMPARE(box->maximum(), d.maximum);
            QCOMPARE(box->value(), d.defaultValue.toDouble());
            QCOMPARE(box->decimals(), d.decimals);
            if (!d.unit.isEmpty())
                QCOMPARE(box->suffix(), QLatin1Char(' ') + d.unit);
            break;
        }
        case Type::Boolean: {
            auto* box = qobject_cast<QCheckBox*>(widget);
            QVERIFY2(box, qPrintable(d.key));
            QCOMPARE(box->isChecked(), d.defaultValue.toBool());
            QCOMPARE(box->text(), d.label);
            break;
        }
        case Type::Choice: {
            auto* box = qobject_cast<QComboBox*>(widget);
            QVERIFY2(box, qPrintable(d.key));
            QStringList items;
            for (int i = 0; i < box->count(); ++i)
                items.append(box->itemData(i).toString());
            QCOMPARE(items, d.choices);
            QCOMPARE(box->currentData().toString(), d.defaultValue.toString());
            break;
        }
        case Type::Text:
        case Type::File: {
            auto* edit = qobject_cast<QLineEdit*>(widget);
            QVERIFY2(edit, qPrintable(d.key));
            QCOMPARE(edit->text(), d.defaultValue.toString());
            QCOMPARE(edit->placeholderText(), d.unsetMeans);
            break;
        }
        }
    }
    // The form as first shown runs with the default options (kernel settings aside).
    RunOptions shown = panel.spec().options;
    shown.kernelSettings.clear();
    QVERIFY(shown == RunOptions());
}

void TestRunOptions::windowSpecCarriesEveryOption()
{
    ExperimentPanel panel;
    ExperimentSpec spec = panel.spec();
    spec.kernel = QStringLiteral("command");
    for (const OptionDescriptor& d : RunOptions::descriptors()) {
        if (d.scope == OptionDescriptor::Scope::Kernel && !d.kernels.contains(spec.kernel))
            continue; // another kernel's, below
        if (d.type != Type::File) // a hostfile must exist to be valid; the value still round-trips
            spec.options.setValue(d, otherThanDefault(d));
    }
    spec.options.hostfile = QStringLiteral("/etc/hostname");
    panel.setExperiment(spec, QStringLiteral("1,2"), QStringLiteral("1,2"));
    QVERIFY(panel.spec().options == spec.options);
    // A setting two kernels declare is one widget, shown and carried for either of them.
    for (const QString& kernel : { QStringLiteral("spin"), QStringLiteral("sleep") }) {
        ExperimentSpec serial = panel.spec();
        serial.kernel = kernel;
        serial.options.kernelSettings = { { QStringLiteral("serial_ms"), 4.0 } };
        panel.setExperiment(serial, QStringLiteral("20x16"), QStringLiteral("1,2"));
        QCOMPARE(panel.spec().options.kernelSetting(QStringLiteral("serial_ms")).toDouble(), 4.0);
        QVERIFY(panel.findChild<QDoubleSpinBox*>(QStringLiteral("serial_ms"))->isVisibleTo(&panel));
    }
    // Another kernel's settings are not part of its experiment.
    spec.kernel = QStringLiteral("fib");
    panel.setExperiment(spec, QStringLiteral("1,2"), QStringLiteral("1,2"));
    QVERIFY(panel.spec().options.kernelSettings.isEmpty());
    QVERIFY(!panel.findChild<QLineEdit*>(QStringLiteral("command"))->isVisibleTo(&panel));
}

void TestRunOptions::windowSettingsKeepOptions()
{
    QTemporaryDir dir;
    QSettings settings(dir.filePath(QStringLiteral("s.ini")), QSettings::IniFormat);
    {
        ExperimentPanel panel;
        ExperimentSpec spec = panel.spec();
        spec.kernel = QStringLiteral("command");
        spec.options.chunksize = 7;
        spec.options.onError = OnError::Continue;
        spec.options.switchIntervalMs = 12.5;
        spec.options.kernelSettings.insert(QStringLiteral("command"), QStringLiteral("sleep {}"));
        panel.setExperiment(spec, QStringLiteral("1,2"), QStringLiteral("1"));
        panel.saveSettings(settings);
    }
    ExperimentPanel again;
    again.restoreSettings(settings);
    const RunOptions restored = again.spec().options;
    QCOMPARE(restored.chunksize, 7);
    QCOMPARE(restored.onError, OnError::Continue);
    QCOMPARE(restored.switchIntervalMs, 12.5);
    QCOMPARE(restored.kernelSetting(QStringLiteral("command")).toString(), QStringLiteral("sleep {}"));
}

void TestRunOptions::windowChecksTheHostfileAsItChanges()
{
    QTemporaryDir dir;
    auto write = [&dir](const QString& name, const QByteArray& text) {
        QFile file(dir.filePath(name));
        if (!file.open(QIODevice::WriteOnly) || file.write(text) != text.size())
            qFatal("cannot write %s", qPrintable(file.fileName()));
        return file.fileName();
    };
    const QString good = write(QStringLiteral("hosts"), "192.0.2.1 slots=2\n192.0.2.2 slots=2\n");
    const QString bad = write(QStringLiteral("bad"), "localhost slots=2\n# the second machine\nnosuchhost.invalid\n");

    ExperimentPanel panel;
    auto* edit = panel.findChild<QLineEdit*>(QStringLiteral("hostfile"));
    auto* check = panel.findChild<QLabel*>(QStringLiteral("hostfileCheck"));
    auto* browse = panel.findChild<QPushButton*>(QStringLiteral("hostfileBrowse"));
    QVERIFY(edit && check && browse);
    // The picker is reached from the keyboard: its text carries a mnemonic, shown beside the field.
    QCOMPARE(browse->text(), QStringLiteral("Browse…"));
    QCOMPARE(browse->parentWidget(), edit->parentWidget());
    QCOMPARE(check->text(), RunOptions::descriptor(Option::Hostfile).unsetMeans);

    edit->setText(good);
    QTRY_COMPARE(check->text(), QStringLiteral("2 hosts, 4 slots"));
    QVERIFY(check->styleSheet().isEmpty());

    edit->setText(bad);
    const QString unresolved = bad + QStringLiteral(":3: host 'nosuchhost.invalid' does not resolve");
    QTRY_VERIFY2(check->text().startsWith(unresolved), qPrintable(check->text()));
    QVERIFY(check->styleSheet().contains(QStringLiteral("color")));

    // With mpi chosen, the same check keeps the run from starting.
    auto* backends = panel.findChild<QListWidget*>(QStringLiteral("backends"));
    const QList<QListWidgetItem*> mpi = backends->findItems(QStringLiteral("mpi"), Qt::MatchExactly);
    QCOMPARE(mpi.size(), 1);
    if (!(mpi.first()->flags() & Qt::ItemIsEnabled))
        QSKIP("mpi cannot run here: the run's own check is not reached");
    panel.findChild<QLineEdit*>(QStringLiteral("workers"))->setText(QStringLiteral("1,2"));
    mpi.first()->setCheckState(Qt::Checked);
    QVERIFY(!panel.isValid());
    QVERIFY2(panel.error().contains(unresolved), qPrintable(panel.error()));
    edit->setText(good);
    QTRY_VERIFY2(panel.isValid(), qPrintable(panel.error()));
    edit->clear();
    QCOMPARE(check->text(), RunOptions::descriptor(Option::Hostfile).unsetMeans);
}

QTEST_MAIN(TestRunOptions)
#include "tst_runoptions.moc"
