// Option pin with real threads, worker processes and the parlab executable: each task reads back the CPU it ran on
// (sched_getcpu, in the worker), and the tests check those CPUs against the topology's placement, what programs the
// tasks start may run on, the notes, the JSON export and the history's codec.

#include "backends/backend.h"
#include "backends/backendregistry.h"
#include "cpus.h"
#include "experimentspec.h"
#include "export/texttable.h"
#include "history/historystore.h"
#include "kernels/kernel.h"
#include "kernels/kernelregistry.h"
#include "measurement.h"
#include "runner.h"
#include "runresult.h"
#include "testsupport.h"
#include "topology.h"
#include "workerplacement.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

using namespace parlab;
using testsupport::makeSpec;
using testsupport::runParlab;

namespace {
// The backends that run their workers in ParLab's threads or its worker processes.
const QStringList kPinnedBackends { QStringLiteral("threads"), QStringLiteral("qtconcurrent"),
    QStringLiteral("gil-threads"), QStringLiteral("processes"), QStringLiteral("process-per-task") };
// And those whose workers are CPython's threads and processes, or MPI ranks, where this machine has them.
const QStringList kOtherPinnedBackends { QStringLiteral("python-threads"), QStringLiteral("python-processes"),
    QStringLiteral("mpi") };

const Topology& machine()
{
    const Result<Topology>& topology = Topology::machine();
    if (!topology)
        qFatal("%s", qPrintable(topology.error()));
    return *topology;
}

int coreOf(int cpu)
{
    for (const Topology::Unit& unit : machine().units) {
        if (unit.cpu == cpu)
            return unit.core;
    }
    return -1;
}

// Each worker's CPUs, from the CPUs its tasks ended on.
QMap<int, QSet<int>> cpusByWorker(const QList<TaskSpan>& spans)
{
    QMap<int, QSet<int>> byWorker;
    for (const TaskSpan& s : spans)
        byWorker[s.worker].insert(s.cpu);
    return byWorker;
}

// "worker 0 → CPU 0 (core 0), worker 1 → CPU 1 (core 1)" for `cpus`, as the notes write it.
QString expectedWorkers(const QList<int>& cpus)
{
    QStringList parts;
    for (qsizetype w = 0; w < cpus.size(); ++w)
        parts << QStringLiteral("worker %1 → CPU %2 (core %3)").arg(w).arg(cpus[w]).arg(coreOf(cpus[w]));
    return parts.join(QStringLiteral(", "));
}

// The registry's pool, noting at each execute the CPUs its caller's thread may run on: where its parent serves the
// hand-outs from.
class WatchedPool final : public Backend {
public:
    explicit WatchedPool(QList<QList<int>>& seen)
        : m_real(BackendRegistry::create(QStringLiteral("processes")))
        , m_seen(seen)
    { }

    QString id() const override { return m_real->id(); }
    void configure(const RunOptions& options) override { m_real->configure(options); }
    void pinWorkers(const QList<int>& cpus) override { m_real->pinWorkers(cpus); }
    double liveChildCpuSeconds() const override { return m_real->liveChildCpuSeconds(); }
    RepeatUsage collectUsage() override { return m_real->collectUsage(); }
    void execute(const Kernel& kernel, const QList<qint64>& inputs, int workers, RunControl& control,
        QList<TaskSpan>& spans) override
    {
        m_seen.append(threadAffinity(0));
        m_real->execute(kernel, inputs, workers, control, spans);
    }

private:
    std::unique_ptr<Backend> m_real;
    QList<QList<int>>& m_seen;
};
} // namespace

class TestPinning final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void eachWorkerStaysOnItsCpu_data();
    void eachWorkerStaysOnItsCpu();
    void moreWorkersThanCpusWrap_data();
    void moreWorkersThanCpusWrap();
    void programsOfATaskInheritItsCpu_data();
    void programsOfATaskInheritItsCpu();
    void cliReportsWhereWorkersRan();
    void failedPinIsAnError_data();
    void failedPinIsAnError();
    void workerRefusesACpuItCannotHave();
    void historyKeepsWhereTasksRan();
    void runnerThreadGetsItsCpusBack();
    void poolParentServesFromItsFirstWorkersCpu();
};

void TestPinning::initTestCase()
{
    Runner registersMetaTypes;
    Q_UNUSED(registersMetaTypes);
    qInfo("%s", qPrintable(machine().summary()));
}

void TestPinning::cleanup()
{
    QVERIFY2(testsupport::descendants().isEmpty(), "a worker process outlived its test");
}

void TestPinning::eachWorkerStaysOnItsCpu_data()
{
    QTest::addColumn<QString>("backendId");
    QTest::addColumn<QString>("pin");
    for (const QString& pin : { QStringLiteral("scatter"), QStringLiteral("compact") }) {
        for (const QString& id : kPinnedBackends + kOtherPinnedBackends)
            QTest::newRow(qPrintable(QStringLiteral("%1 %2").arg(pin, id))) << id << pin;
    }
}

// The done-when: with N workers on a machine of N physical cores, scatter puts every worker on a core of its own, and
// each task, reading sched_getcpu as it ends, finds its worker's CPU: the pin held for the whole repeat.
void TestPinning::eachWorkerStaysOnItsCpu()
{
    QFETCH(QString, backendId);
    QFETCH(QString, pin);
    const int workers = machine().physicalCores;
    if (workers < 2)
        QSKIP("one physical core: nothing to spread workers over");
    if (const Availability a = BackendRegistry::availability(backendId, RunOptions()); !a.available)
        QSKIP(qPrintable(a.reason));
    const Pinning pinning = *pinningFromName(pin);
    ExperimentSpec spec
        = makeSpec(QStringLiteral("spin"), QList<qint64>(6 * qsizetype(workers), 15), { backendId }, { workers }, 2, 0);
    spec.options.pin = pinning;
    const RunResult result = testsupport::runToEnd(spec).result;
    QVERIFY2(result.error.isEmpty(), qPrintable(result.error));

    const QList<int> expected = machine().placement(pinning, workers);
    const Measurement* m = result.find(backendId, workers);
    QVERIFY(m);
    QCOMPARE(m->spans.size(), spec.inputs.size());
    const QMap<int, QSet<int>> ran = cpusByWorker(m->spans);
    for (auto it = ran.cbegin(); it != ran.cend(); ++it)
        QCOMPARE(it.value(), QSet<int> { expected.value(it.key()) });
    for (const TaskSpan& s : m->spans)
        QCOMPARE(s.core, coreOf(s.cpu));
    // Every worker got tasks and a CPU of its own; scatter's are on distinct physical cores.
    QCOMPARE(ran.size(), workers);
    QCOMPARE(QSet<int>(expected.cbegin(), expected.cend()).size(), workers);
    if (pinning == Pinning::Scatter) {
        QSet<int> cores;
        for (int cpu : expected)
            cores.insert(coreOf(cpu));
        QCOMPARE(cores.size(), workers);
    }

    // The baseline runs where a 1-worker run does, like for like, and the environment says so.
    const int baselineCpu = machine().placement(pinning, 1).constFirst();
    const Measurement* baseline = result.find(BackendRegistry::factsOf(backendId).baseline, 1);
    QVERIFY(baseline);
    for (const TaskSpan& s : baseline->spans)
        QCOMPARE(s.cpu, baselineCpu);
    QCOMPARE(result.environment.baselineCpu, baselineCpu);

    const QString note = WorkerPlacement::note(*m, spec.options);
    QCOMPARE(note, QStringLiteral("%1: pinned %2: %3").arg(m->label(), pin, expectedWorkers(expected)));
    QVERIFY2(Report::notes(result).contains(note), qPrintable(Report::notes(result).join(QLatin1Char('\n'))));
    qInfo("%s", qPrintable(note));
}

void TestPinning::moreWorkersThanCpusWrap_data()
{
    QTest::addColumn<QString>("backendId");
    // mpi: mpirun runs more ranks than cores only when told to (--oversubscribe), and each rank places itself.
    for (const QString& id : { QStringLiteral("threads"), QStringLiteral("processes"), QStringLiteral("mpi") })
        QTest::newRow(qPrintable(id)) << id;
}

// Past the CPUs the placement starts over, and the notes say that workers share CPUs.
void TestPinning::moreWorkersThanCpusWrap()
{
    QFETCH(QString, backendId);
    if (const Availability a = BackendRegistry::availability(backendId, RunOptions()); !a.available)
        QSKIP(qPrintable(a.reason));
    const int cpus = machine().logicalCores();
    const int workers = cpus + 2;
    ExperimentSpec spec
        = makeSpec(QStringLiteral("spin"), QList<qint64>(3 * qsizetype(workers), 10), { backendId }, { workers }, 1, 0);
    spec.options.pin = Pinning::Scatter;
    const RunResult result = testsupport::runToEnd(spec).result;
    QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
    const QList<int> expected = machine().placement(Pinning::Scatter, workers);
    for (int w = cpus; w < workers; ++w)
        QCOMPARE(expected[w], expected[w - cpus]);
    const Measurement* m = result.find(backendId, workers);
    QVERIFY(m);
    const QMap<int, QSet<int>> ran = cpusByWorker(m->spans);
    for (auto it = ran.cbegin(); it != ran.cend(); ++it)
        QCOMPARE(it.value(), QSet<int> { expected.value(it.key()) });
    const QString note = WorkerPlacement::note(*m, spec.options);
    qInfo("%s", qPrintable(note));
    if (ran.size() > cpus) // every thread got a task: it did on any machine not starved for minutes
        QVERIFY2(
            note.endsWith(QStringLiteral("; %1 workers on %2 CPUs: past the last CPU the placement starts over, so "
                                         "workers share CPUs")
                              .arg(ran.size())
                              .arg(cpus)),
            qPrintable(note));
}

void TestPinning::programsOfATaskInheritItsCpu_data()
{
    QTest::addColumn<QString>("backendId");
    QTest::addColumn<QString>("pin");
    for (const QString& pin : { QStringLiteral("none"), QStringLiteral("compact"), QStringLiteral("scatter") }) {
        for (const QString& id : { QStringLiteral("threads"), QStringLiteral("processes") })
            QTest::newRow(qPrintable(QStringLiteral("%1 %2").arg(pin, id))) << id << pin;
    }
}

// What a pin means to the user's own programs (the command kernel): a program a pinned worker starts may run on its
// worker's CPU alone, as /proc says; not pinned, it may run on every CPU.
void TestPinning::programsOfATaskInheritItsCpu()
{
    QFETCH(QString, backendId);
    QFETCH(QString, pin);
    QTemporaryDir dir;
    const QString seen = dir.filePath(QStringLiteral("cpus.txt"));
    const testsupport::Result r = runParlab(
        { QStringLiteral("run"), QStringLiteral("--kernel"), QStringLiteral("command"), QStringLiteral("--command"),
            QStringLiteral("grep Cpus_allowed_list: /proc/self/status >> '%1'").arg(seen), QStringLiteral("--inputs"),
            QStringLiteral("1x6"), QStringLiteral("--backends"), backendId, QStringLiteral("--workers"),
            QStringLiteral("2"), QStringLiteral("--repeat"), QStringLiteral("1"), QStringLiteral("--warmup"),
            QStringLiteral("0"), QStringLiteral("--pin"), pin, QStringLiteral("--no-history") });
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QFile file(seen);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(file.readAll()).trimmed().split(QLatin1Char('\n'));
    QCOMPARE(lines.size(), 12); // 6 tasks in sequential, 6 in the backend

    QSet<QString> allowed;
    const Pinning pinning = *pinningFromName(pin);
    for (int cpu : machine().placement(pinning, 2))
        allowed.insert(QString::number(cpu));
    for (const QString& line : lines) {
        const QString cpus = line.section(QLatin1Char('\t'), 1);
        if (pinning == Pinning::None)
            QVERIFY2(
                cpus.contains(QLatin1Char('-')) || cpus.contains(QLatin1Char(',')) || machine().logicalCores() == 1,
                qPrintable(line));
        else
            QVERIFY2(allowed.contains(cpus), qPrintable(line));
    }
}

// The table's notes and the JSON export of a real `parlab run`.
void TestPinning::cliReportsWhereWorkersRan()
{
    const QStringList common { QStringLiteral("run"), QStringLiteral("--kernel"), QStringLiteral("spin"),
        QStringLiteral("--inputs"), QStringLiteral("10x8"), QStringLiteral("--backends"),
        QStringLiteral("threads,processes"), QStringLiteral("--workers"), QStringLiteral("2"),
        QStringLiteral("--repeat"), QStringLiteral("1"), QStringLiteral("--warmup"), QStringLiteral("0"),
        QStringLiteral("--pin"), QStringLiteral("scatter"), QStringLiteral("--no-history") };
    const testsupport::Result table = runParlab(common);
    QVERIFY2(table.code == 0, qPrintable(table.err));
    const QList<int> expected = machine().placement(Pinning::Scatter, 2);
    for (const QString& backend : { QStringLiteral("threads"), QStringLiteral("processes") })
        QVERIFY2(
            table.out.contains(QStringLiteral("%1 x2: pinned scatter: %2").arg(backend, expectedWorkers(expected))),
            qPrintable(table.out));
    QVERIFY2(table.out.contains(QStringLiteral("sequential x1: pinned scatter: worker 0 → CPU %1 (core %2)")
                                    .arg(expected[0])
                                    .arg(coreOf(expected[0]))),
        qPrintable(table.out));
    qInfo("%s", qPrintable(table.out));

    const testsupport::Result json
        = runParlab(common + QStringList { QStringLiteral("--format"), QStringLiteral("json") });
    QVERIFY2(json.code == 0, qPrintable(json.err));
    const QJsonObject root = QJsonDocument::fromJson(json.out.toUtf8()).object();
    QCOMPARE(root.value(QStringLiteral("spec"))
                 .toObject()
                 .value(QStringLiteral("options"))
                 .toObject()
                 .value(QStringLiteral("pin")),
        QJsonValue(QStringLiteral("scatter")));
    int checked = 0;
    for (const QJsonValue result : root.value(QStringLiteral("results")).toArray()) {
        const QJsonObject o = result.toObject();
        if (o.value(QStringLiteral("workers")).toInt() != 2)
            continue;
        const QJsonArray placement = o.value(QStringLiteral("placement")).toArray();
        QCOMPARE(placement.size(), 2);
        for (const QJsonValue w : placement) {
            const int worker = w.toObject().value(QStringLiteral("worker")).toInt();
            QCOMPARE(w.toObject().value(QStringLiteral("cpus")).toArray(), QJsonArray { expected[worker] });
            QCOMPARE(w.toObject().value(QStringLiteral("cores")).toArray(), QJsonArray { coreOf(expected[worker]) });
        }
        ++checked;
    }
    QCOMPARE(checked, 2);
}

void TestPinning::failedPinIsAnError_data()
{
    QTest::addColumn<QString>("backendId");
    // Not mpi: its ranks place themselves (MpiBackend), each by its own host's topology.
    for (const QString& id : kPinnedBackends + kOtherPinnedBackends.first(2))
        QTest::newRow(qPrintable(id)) << id;
}

// A CPU the kernel refuses (1023 is a valid number, but no CPU of a machine this size): the batch fails, saying
// which worker could not have which CPU and why, and no worker is left behind.
void TestPinning::failedPinIsAnError()
{
    QFETCH(QString, backendId);
    if (const Availability a = BackendRegistry::availability(backendId, RunOptions()); !a.available)
        QSKIP(qPrintable(a.reason));
    const auto b = testsupport::backend(backendId);
    const auto kernel = KernelRegistry::create(QStringLiteral("spin"));
    if (allowedCpus().contains(kCpuSetSize - 1))
        QSKIP("this machine has a CPU 1023");
    b->pinWorkers({ kCpuSetSize - 1, kCpuSetSize - 1 });
    RunControl control;
    QList<TaskSpan> spans;
    const testsupport::Outcome o = testsupport::execute(*b, *kernel, { 5, 5, 5, 5 }, 2, control, spans);
    QVERIFY(o.threw);
    QVERIFY2(o.message.contains(QRegularExpression(
                 QStringLiteral("cannot pin worker [01] to CPU 1023: cannot run (thread [0-9]+ )?on CPU 1023: .+ "
                                "\\(this process may use CPUs [0-9,]+\\)"))),
        qPrintable(o.message));
    qInfo("%s", qPrintable(o.message));
}

void TestPinning::workerRefusesACpuItCannotHave()
{
    const testsupport::Result r
        = runParlab({ QStringLiteral("worker"), QStringLiteral("--kernel"), QStringLiteral("spin"),
            QStringLiteral("--worker"), QStringLiteral("3"), QStringLiteral("--cpu"), QStringLiteral("4096") });
    QCOMPARE(r.code, 2);
    QVERIFY2(r.out.startsWith(QStringLiteral("E cannot pin worker 3 to CPU 4096: CPU 4096 does not exist")),
        qPrintable(r.out));
}

// The spans' CPUs and cores go through the history's codec (the engine's stream and recovery files use it too).
void TestPinning::historyKeepsWhereTasksRan()
{
    ExperimentSpec spec
        = makeSpec(QStringLiteral("spin"), QList<qint64>(4, 5), { QStringLiteral("processes") }, { 2 }, 1, 0);
    spec.options.pin = Pinning::Scatter;
    const RunResult result = testsupport::runToEnd(spec).result;
    QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
    const Measurement* m = result.find(QStringLiteral("processes"), 2);
    QVERIFY(m);
    const Result<Measurement> back = HistoryJson::measurementFromObject(HistoryJson::measurementObject(*m));
    QVERIFY2(back, qPrintable(back.error()));
    QCOMPARE(back->spans.size(), m->spans.size());
    for (qsizetype i = 0; i < m->spans.size(); ++i) {
        QVERIFY(m->spans[i].cpu >= 0);
        QCOMPARE(back->spans[i].cpu, m->spans[i].cpu);
        QCOMPARE(back->spans[i].core, m->spans[i].core);
    }
    QCOMPARE(WorkerPlacement::note(*back, spec.options), WorkerPlacement::note(*m, spec.options));
}

// A pinned baseline runs in the runner's thread, which moves to the baseline's CPU before each timed repeat: the
// tasks run there, and the thread has every CPU again after the run (the threads it starts, an unpinned backend's
// workers among them, inherit its CPUs).
void TestPinning::runnerThreadGetsItsCpusBack()
{
    if (machine().physicalCores < 2)
        QSKIP("one physical core: a pin moves nothing");
    const QList<int> before = threadAffinity(0);
    ExperimentSpec spec = makeSpec(QStringLiteral("noop"), QList<qint64>(50, 0),
        { QStringLiteral("sequential"), QStringLiteral("threads") }, { 2 }, 3, 1);
    spec.options.baselineCore = BaselineCore::Fastest;
    const RunResult result = testsupport::runToEnd(spec).result;
    QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
    const Measurement* baseline = result.find(QStringLiteral("sequential"), 1);
    QVERIFY(baseline);
    QVERIFY(result.environment.baselineCpu >= 0);
    QCOMPARE(baseline->spans.size(), spec.inputs.size());
    for (const TaskSpan& s : baseline->spans)
        QCOMPARE(s.cpu, result.environment.baselineCpu);
    QCOMPARE(threadAffinity(0), before);
}

// Pinned, a pool's parent (the runner's thread, which serves every hand-out) runs on its first worker's CPU through
// each execute, and gets every CPU back after it; not pinned, it stays where the scheduler puts it.
void TestPinning::poolParentServesFromItsFirstWorkersCpu()
{
    if (machine().physicalCores < 2)
        QSKIP("one physical core: a pin moves nothing");
    const QList<int> before = threadAffinity(0);
    for (const Pinning pin : { Pinning::Compact, Pinning::None }) {
        QList<QList<int>> seen;
        Runner runner([&seen](const QString& id) {
            return id == QStringLiteral("processes") ? std::unique_ptr<Backend>(std::make_unique<WatchedPool>(seen))
                                                     : BackendRegistry::create(id);
        });
        RunResult result;
        connect(&runner, &Runner::finished, &runner, [&result](const RunResult& r) { result = r; });
        ExperimentSpec spec
            = makeSpec(QStringLiteral("noop"), QList<qint64>(50, 0), { QStringLiteral("processes") }, { 2 }, 3, 1);
        spec.options.pin = pin;
        runner.start(spec);
        QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
        QCOMPARE(seen.size(), spec.warmup + spec.repeats);
        const QList<int> expected = pin == Pinning::None ? before : QList<int> { machine().placement(pin, 2).at(0) };
        for (const QList<int>& cpus : std::as_const(seen))
            QCOMPARE(cpus, expected);
        QCOMPARE(threadAffinity(0), before);
    }
}

QTEST_GUILESS_MAIN(TestPinning)
#include "tst_pinning.moc"
