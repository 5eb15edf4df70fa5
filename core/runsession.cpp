#include "runsession.h"

#include "backends/backend.h"
#include "cpus.h"
#include "experimentspec.h"
#include "history/historyrecorder.h"
#include "history/historystore.h"
#include "kernels/kernelregistry.h"
#include "runner.h"

#include <QCoreApplication>
#include <QTimer>

namespace parlab {

RunSession::RunSession(QObject* parent)
    : RunSession(&BackendRegistry::create, parent)
{ }

RunSession::RunSession(BackendFactory factory, QObject* parent)
    : QObject(parent)
    , m_factory(std::move(factory))
{
    m_thread.setObjectName(QStringLiteral("runner"));
}

RunSession::~RunSession()
{
    Q_ASSERT(QThread::currentThread() == thread());
    if (m_state == State::Running && !m_thread.isRunning() && !m_thread.isFinished()) {
        delete m_runner; // its thread never started: nothing ran, and no thread is left to delete it
        m_runner = nullptr;
    } else if (m_state == State::Running) {
        m_runner->cancel(); // alive until m_thread ends, which only onFinished() and this destructor ask for
    }
    m_thread.quit();
    m_thread.wait(); // at once after the end; within milliseconds of cancel() mid-run
    if (m_recorder) {
        // Every runner signal is posted by now: the recorder stores them all, then goes, so a run ended by the
        // session's end (a window closed mid-run) is recorded as cancelled, not left to read as interrupted.
        m_recorder->disconnect(this);
        if (m_recorder->thread() == thread()) {
            QCoreApplication::sendPostedEvents(m_recorder);
            delete m_recorder;
        } else {
            m_recorder->deleteLater(); // after what is queued before it, in the store's thread
        }
    }
}

void RunSession::setStartDelay(std::chrono::milliseconds delay)
{
    Q_ASSERT(m_state == State::Idle);
    m_startDelay = delay;
}

void RunSession::setInterleavedWith(const ExperimentSpec& baseline)
{
    Q_ASSERT(m_state == State::Idle);
    m_interleaved = baseline;
}

void RunSession::setIsolation(Runner::Isolation isolation)
{
    Q_ASSERT(m_state == State::Idle);
    m_isolation = isolation;
}

void RunSession::setPaced(bool paced)
{
    Q_ASSERT(m_state == State::Idle);
    m_paced = paced;
}

void RunSession::taken()
{
    Q_ASSERT(QThread::currentThread() == thread());
    if (m_state == State::Running)
        m_runner->taken();
}

void RunSession::setRunName(const QString& name)
{
    Q_ASSERT(m_state == State::Idle);
    m_runName = name;
}

void RunSession::setHistory(HistoryStore* store, QThread* storeThread)
{
    Q_ASSERT(m_state == State::Idle);
    m_store = store;
    m_storeThread = storeThread;
}

Result<void> RunSession::start(const ExperimentSpec& given)
{
    Q_ASSERT(QThread::currentThread() == thread());
    if (m_state != State::Idle)
        return fail(m_state == State::Running ? QStringLiteral("a run is already going: cancel it or wait for its end")
                                              : QStringLiteral("this session has run its experiment: start a new one"));
    // On the caller's thread (a window's): the runner checks again on its own, the hostfile's hosts looked up too.
    if (Result<void> valid = validateSpec(given, SpecCheck::RunHereWithoutLookups); !valid)
        return valid;
    // The run, its history and its exports name the kernel as it names itself: the user's code by an absolute path
    // (a relative one is resolved against this process's working directory, here and only here), so that a rerun
    // or a look at the code later finds it from any folder.
    ExperimentSpec spec = given;
    spec.kernel = KernelRegistry::resolvedName(given.kernel);

    m_state = State::Running;
    m_result = RunResult();
    m_result.spec = spec;

    m_runner = new Runner(m_factory);
    m_runner->setIsolation(m_isolation);
    m_runner->setPaced(m_paced);
    if (m_interleaved)
        m_runner->setInterleavedWith(*m_interleaved);
    m_runner->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_runner, &QObject::deleteLater);

    // The recorder first: its queued slots then run before the session's, so where it shares the session's
    // thread (the CLI) the run's end is stored by the time finished() is emitted.
    if (m_store) {
        m_recorder = new HistoryRecorder(m_store);
        m_recorder->expect(spec, m_runName); // before it moves: nothing else touches it yet
        connect(m_recorder, &HistoryRecorder::runStarted, this, [this](qint64 id) {
            m_historyRunId = id;
            Q_EMIT historyRunStarted(id);
        });
        connect(m_recorder, &HistoryRecorder::runSaved, this, [this](qint64 id) {
            m_savedRunId = id;
            Q_EMIT historyRunSaved(id);
        });
        connect(m_recorder, &HistoryRecorder::saveFailed, this, &RunSession::historyFailed);
        if (m_storeThread && m_storeThread != thread())
            m_recorder->moveToThread(m_storeThread);
        m_recorder->watch(m_runner);
    }

    // Queued (the runner lives in another thread): everything arrives here, in order, in this thread.
    connect(m_runner, &Runner::started, this, &RunSession::started);
    connect(m_runner, &Runner::progress, this, &RunSession::progress);
    connect(m_runner, &Runner::measurementReady, this, &RunSession::measurementReady);
    connect(m_runner, &Runner::resultChanged, this, [this](const RunResult& result) {
        Q_ASSERT(QThread::currentThread() == thread());
        m_result = result;
        Q_EMIT resultChanged(result);
    });
    connect(m_runner, &Runner::failed, this, &RunSession::failed);
    connect(m_runner, &Runner::finished, this, &RunSession::onFinished);

    // Posted before the thread starts (it runs once the thread's event loop does): the spec then reaches the
    // runner through the thread's start, an order ThreadSanitizer sees, not only through Qt's event queue.
    QMetaObject::invokeMethod(
        m_runner, [runner = m_runner, spec] { runner->start(spec); }, Qt::QueuedConnection);
    // The thread starts from this thread's event loop, after the start delay: a window lays out and paints the
    // run's start first, on a core the run's workers have not taken yet. A cancel before then ends the run as it
    // starts.
    QTimer::singleShot(m_startDelay, this, [this] { m_thread.start(); });
    return {};
}

void RunSession::cancel()
{
    Q_ASSERT(QThread::currentThread() == thread());
    // Also when start()'s queued call has not begun: the runner keeps the cancel and the run ends at once.
    if (m_state == State::Running)
        m_runner->cancel();
}

void RunSession::retire()
{
    Q_ASSERT(QThread::currentThread() == thread());
    cancel();
    // Connected before the check, so a thread that ends in between is not missed; deleteLater twice is harmless.
    connect(&m_thread, &QThread::finished, this, &QObject::deleteLater);
    if (!m_thread.isRunning())
        deleteLater();
}

void RunSession::onFinished(const RunResult& result)
{
    Q_ASSERT(QThread::currentThread() == thread());
    m_result = result;
    m_state = State::Ended;
    // Freeing what the run kept (tens of milliseconds for 100,000-task measurements) yields to the window and to
    // a next run started at once. Posted before the quit, so the thread's loop runs it before it returns.
    QMetaObject::invokeMethod(
        m_runner, [] { lowerCurrentThreadPriority(); }, Qt::QueuedConnection);
    m_thread.quit(); // the runner is done with it; it is deleted as the thread ends
    Q_EMIT finished(result);
}

} // namespace parlab
