// The run history under the load a user puts on it: many `parlab run`s into one file at once (a lab, a script
// running experiments in parallel, the window and the CLI together), a disk that fills mid-run, a read-only
// copy. Real processes, real SQLite, a real full disk (a tmpfs in a private mount namespace, where one can be made)
// and, needing no privileges, a database capped at its size (SQLite's max_page_count), which fails the same way.

#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <unistd.h>

namespace {
struct Ran {
    int code = -1;
    QString out;
    QString err;
};

Ran runProgram(const QString& program, const QStringList& arguments, int timeoutMs = 300'000)
{
    QProcess process;
    process.start(program, arguments);
    Ran r;
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        r.err = QStringLiteral("timed out");
        return r;
    }
    r.code = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    r.out = QString::fromUtf8(process.readAllStandardOutput());
    r.err = QString::fromUtf8(process.readAllStandardError());
    return r;
}

Ran parlab(const QStringList& arguments)
{
    return runProgram(QStringLiteral(PARLAB_EXECUTABLE), arguments);
}

// tests/history-stress.sh: its last line, "started S saved F exit-codes 0:S", is what a user checks.
Ran stress(const QString& db, const QStringList& mode)
{
    return runProgram(QStringLiteral("bash"),
        QStringList {
            QStringLiteral(PARLAB_SOURCE_DIR "/tests/history-stress.sh"), QStringLiteral(PARLAB_EXECUTABLE), db }
            + mode,
        600'000);
}

QString lastLine(const QString& text)
{
    return text.trimmed().split(QLatin1Char('\n')).constLast();
}

QByteArray fileHash(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QCryptographicHash::hash(file.readAll(), QCryptographicHash::Sha256);
}

QJsonDocument readJson(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(file.readAll()) : QJsonDocument();
}
} // namespace

class TestHistoryConcurrency : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void staggeredRuns();
    void parallelRuns();
    void manyParallelRuns(); // slow: 370 runs
    void diskFullGoesToARecoveryFile_data();
    void diskFullGoesToARecoveryFile();
    void readOnlyCopyLists();
    void waitsOutALockHeldPastTheBusyTimeout();
};

void TestHistoryConcurrency::staggeredRuns()
{
    // A new run every 0.15 s, each still recording when the next ones start.
    QTemporaryDir dir;
    const Ran r = stress(dir.filePath(QStringLiteral("history.sqlite")),
        { QStringLiteral("staggered"), QStringLiteral("40"), QStringLiteral("0.15") });
    QVERIFY2(r.code == 0, qPrintable(r.out + r.err));
    QCOMPARE(lastLine(r.out), QStringLiteral("started 40 saved 40 exit-codes 0:40"));
}

void TestHistoryConcurrency::parallelRuns()
{
    QTemporaryDir dir;
    const Ran r = stress(dir.filePath(QStringLiteral("history.sqlite")),
        { QStringLiteral("parallel"), QStringLiteral("5"), QStringLiteral("8") });
    QVERIFY2(r.code == 0, qPrintable(r.out + r.err));
    QCOMPARE(lastLine(r.out), QStringLiteral("started 40 saved 40 exit-codes 0:40"));
}

void TestHistoryConcurrency::manyParallelRuns()
{
    QTemporaryDir dir;
    const Ran r = stress(dir.filePath(QStringLiteral("history.sqlite")),
        { QStringLiteral("parallel"), QStringLiteral("10"), QStringLiteral("37") });
    QVERIFY2(r.code == 0, qPrintable(r.out + r.err));
    QCOMPARE(lastLine(r.out), QStringLiteral("started 370 saved 370 exit-codes 0:370"));
}

void TestHistoryConcurrency::diskFullGoesToARecoveryFile_data()
{
    QTest::addColumn<QString>("mode"); // history-diskfull.sh's
    QTest::newRow("tmpfs") << QStringLiteral("tmpfs");
    QTest::newRow("page limit") << QStringLiteral("pages");
}

void TestHistoryConcurrency::diskFullGoesToARecoveryFile()
{
    QFETCH(QString, mode);
    QTemporaryDir dir;
    const QString script = QStringLiteral(PARLAB_SOURCE_DIR "/tests/history-diskfull.sh");
    const QStringList command { QStringLiteral("bash"), script, QStringLiteral(PARLAB_EXECUTABLE), dir.path(), mode };
    Ran r;
    if (mode == QStringLiteral("tmpfs")) {
        // A private mount namespace: as any user where user namespaces are allowed, else as root. Where neither
        // is, the page limit below still runs the same checks.
        r = runProgram(QStringLiteral("unshare"), QStringList { QStringLiteral("-rm") } + command);
        if (r.code != 0 && ::geteuid() == 0)
            r = runProgram(QStringLiteral("unshare"), QStringList { QStringLiteral("-m") } + command);
        if (r.code != 0 && !QFile::exists(dir.filePath(QStringLiteral("codes"))))
            QSKIP(qPrintable(QStringLiteral("no private mount namespace for a tmpfs here (unshare: %1)").arg(r.err)));
    } else {
        r = runProgram(command.first(), command.mid(1));
    }
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QFile codes(dir.filePath(QStringLiteral("codes")));
    QVERIFY(codes.open(QIODevice::ReadOnly));
    const QString full = QString::fromUtf8(readJson(dir.filePath(QStringLiteral("full.json"))).toJson());
    QFile err(dir.filePath(QStringLiteral("full.err")));
    QVERIFY(err.open(QIODevice::ReadOnly));
    const QString fullErr = QString::fromUtf8(err.readAll());
    // The run on the full disk measured everything, said it is not saved and where it went, and exited 3.
    QCOMPARE(QString::fromUtf8(codes.readAll()), QStringLiteral("first=0\nfull=3\nnext=0\n"));
    QVERIFY2(fullErr.contains(QStringLiteral("disk is full")) && fullErr.contains(QStringLiteral("it was written to")),
        qPrintable(fullErr));
    QFile files(dir.filePath(QStringLiteral("recovery-files")));
    QVERIFY(files.open(QIODevice::ReadOnly));
    const QStringList recovery = QString::fromUtf8(files.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(recovery.size(), 1);
    QVERIFY2(recovery.first().endsWith(QStringLiteral(".json")), qPrintable(recovery.first()));

    // The next run added it: three finished runs, no half record left, every figure as the run printed it.
    QFile next(dir.filePath(QStringLiteral("next.err")));
    QVERIFY(next.open(QIODevice::ReadOnly));
    const QString nextErr = QString::fromUtf8(next.readAll());
    QVERIFY2(
        nextErr.contains(QStringLiteral("was added from")) && nextErr.contains(recovery.first()), qPrintable(nextErr));
    const QJsonArray runs = readJson(dir.filePath(QStringLiteral("list.json"))).array();
    QCOMPARE(runs.size(), 3);
    for (const auto& run : runs)
        QCOMPARE(run.toObject().value(QStringLiteral("status")).toString(), QStringLiteral("finished"));
    const QJsonObject printed = readJson(dir.filePath(QStringLiteral("full.json"))).object();
    const QJsonObject recovered = readJson(dir.filePath(QStringLiteral("recovered.json"))).object();
    QVERIFY2(!printed.isEmpty() && !recovered.isEmpty(), qPrintable(full));
    for (const QString& key :
        { QStringLiteral("created"), QStringLiteral("spec"), QStringLiteral("environment"), QStringLiteral("warnings"),
            QStringLiteral("bounds"), QStringLiteral("results"), QStringLiteral("reference_checksum") }) {
        QVERIFY2(recovered.value(key) == printed.value(key),
            qPrintable(
                QStringLiteral("%1 differs:\n%2\ninstead of\n%3")
                    .arg(key, QString::fromUtf8(QJsonDocument(QJsonObject { { key, recovered.value(key) } }).toJson()),
                        QString::fromUtf8(QJsonDocument(QJsonObject { { key, printed.value(key) } }).toJson()))));
    }
}

void TestHistoryConcurrency::readOnlyCopyLists()
{
    QTemporaryDir dir;
    const QString original = dir.filePath(QStringLiteral("history.sqlite"));
    for (int i = 0; i < 2; ++i) {
        const Ran r = parlab({ QStringLiteral("run"), QStringLiteral("--kernel"), QStringLiteral("noop"),
            QStringLiteral("--inputs"), QStringLiteral("1,2"), QStringLiteral("--backends"),
            QStringLiteral("sequential"), QStringLiteral("--repeat"), QStringLiteral("2"), QStringLiteral("--warmup"),
            QStringLiteral("0"), QStringLiteral("--history-db"), original });
        QVERIFY2(r.code == 0, qPrintable(r.err));
    }
    // A copy as a colleague hands it over: the file 0444 in a folder 0555.
    const QString folder = dir.filePath(QStringLiteral("copy"));
    QVERIFY(QDir().mkpath(folder));
    const QString copy = folder + QStringLiteral("/history.sqlite");
    QVERIFY(QFile::copy(original, copy));
    QVERIFY(QFile::setPermissions(copy, QFileDevice::ReadOwner | QFileDevice::ReadGroup | QFileDevice::ReadOther));
    const auto readAndEnter = QFileDevice::ReadOwner | QFileDevice::ExeOwner | QFileDevice::ReadGroup
        | QFileDevice::ExeGroup | QFileDevice::ReadOther | QFileDevice::ExeOther;
    QVERIFY(QFile::setPermissions(folder, readAndEnter));
    QVERIFY(QFile::setPermissions(dir.path(), readAndEnter | QFileDevice::WriteOwner));
    const QByteArray hash = fileHash(copy);
    // As root permissions do not bind: read it as an unprivileged user, as a user would.
    const auto asUser = [](const QStringList& arguments) {
        if (::geteuid() != 0)
            return parlab(arguments);
        return runProgram(QStringLiteral("setpriv"),
            QStringList { QStringLiteral("--reuid=65534"), QStringLiteral("--regid=65534"),
                QStringLiteral("--clear-groups"), QStringLiteral(PARLAB_EXECUTABLE) }
                + arguments);
    };
    const Ran list = asUser({ QStringLiteral("history"), QStringLiteral("list"), QStringLiteral("--format"),
        QStringLiteral("json"), QStringLiteral("--history-db"), copy });
    QVERIFY2(list.code == 0, qPrintable(list.err));
    QCOMPARE(QJsonDocument::fromJson(list.out.toUtf8()).array().size(), 2);
    const Ran show = asUser({ QStringLiteral("history"), QStringLiteral("show"), QStringLiteral("1"),
        QStringLiteral("--history-db"), copy });
    QVERIFY2(show.code == 0 && show.out.contains(QStringLiteral("sequential")), qPrintable(show.err));
    // Recording into it is refused before anything runs, saying why.
    const Ran record = asUser({ QStringLiteral("run"), QStringLiteral("--kernel"), QStringLiteral("noop"),
        QStringLiteral("--inputs"), QStringLiteral("1"), QStringLiteral("--history-db"), copy });
    QCOMPARE(record.code, 3);
    QVERIFY2(record.err.contains(QStringLiteral("not writable")) || record.err.contains(QStringLiteral("read-only")),
        qPrintable(record.err));
    QCOMPARE(fileHash(copy), hash);
    QCOMPARE(QDir(folder).entryList(QDir::Files), QStringList { QStringLiteral("history.sqlite") });
    QFile::setPermissions(folder, readAndEnter | QFileDevice::WriteOwner);
}

void TestHistoryConcurrency::waitsOutALockHeldPastTheBusyTimeout()
{
    // Another program (here CPython's sqlite3, as a user's script would) holds the history's write lock for
    // 4 s, twice SQLite's busy timeout: the run waits it out and is saved, rather than lost to "database is
    // locked".
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("history.sqlite"));
    const QStringList run { QStringLiteral("run"), QStringLiteral("--kernel"), QStringLiteral("noop"),
        QStringLiteral("--inputs"), QStringLiteral("1,2"), QStringLiteral("--backends"), QStringLiteral("sequential"),
        QStringLiteral("--repeat"), QStringLiteral("2"), QStringLiteral("--warmup"), QStringLiteral("0"),
        QStringLiteral("--format"), QStringLiteral("csv"), QStringLiteral("--history-db"), db };
    const Ran first = parlab(run);
    QVERIFY2(first.code == 0, qPrintable(first.err));

    QProcess holder;
    holder.start(QStringLiteral("python3"),
        { QStringLiteral("-c"),
            QStringLiteral("import sqlite3, sys, time\n"
                           "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
                           "c.execute('BEGIN IMMEDIATE')\n"
                           "print('locked', flush=True)\n"
                           "time.sleep(4)\n"
                           "c.execute('COMMIT')\n"),
            db });
    QVERIFY(holder.waitForReadyRead(10'000));
    QCOMPARE(holder.readLine().trimmed(), QByteArray("locked"));
    QElapsedTimer timer;
    timer.start();
    const Ran second = parlab(run);
    const qint64 waitedMs = timer.elapsed();
    QVERIFY(holder.waitForFinished(10'000));
    QCOMPARE(holder.exitCode(), 0);
    QVERIFY2(second.code == 0, qPrintable(second.err));
    // It did meet the lock (the run itself takes milliseconds), and said nothing alarming about it.
    QVERIFY2(waitedMs >= 2'000, qPrintable(QString::number(waitedMs)));
    QVERIFY2(!second.err.contains(QStringLiteral("locked")), qPrintable(second.err));

    const Ran list = parlab({ QStringLiteral("history"), QStringLiteral("list"), QStringLiteral("--format"),
        QStringLiteral("json"), QStringLiteral("--history-db"), db });
    QVERIFY2(list.code == 0, qPrintable(list.err));
    const QJsonArray runs = QJsonDocument::fromJson(list.out.toUtf8()).array();
    QCOMPARE(runs.size(), 2);
    for (const auto& r : runs)
        QCOMPARE(r.toObject().value(QStringLiteral("status")).toString(), QStringLiteral("finished"));
}

QTEST_GUILESS_MAIN(TestHistoryConcurrency)
#include "tst_historyconcurrency.moc"
