#include "sweepsession.h"

#include "runsession.h"

#include <QDateTime>
#include <QThread>

namespace parlab {

SweepSession::SweepSession(QObject* parent)
    : QObject(parent)
{ }

SweepSession::~SweepSession()
{
    Q_ASSERT(QThread::currentThread() == thread());
    delete m_current.data(); // cancels a run still going and joins its thread
}

void SweepSession::setHistory(HistoryStore* store, QThread* storeThread)
{
    Q_ASSERT(!m_started);
    m_store = store;
    m_storeThread = storeThread;
}

Result<void> SweepSession::start(const SweepSpec& spec)
{
    Q_ASSERT(QThread::currentThread() == thread());
    if (m_started)
        return fail(QStringLiteral("this session has run its sweep: start a new one"));
    // Every size before the first runs: a size the kernel cannot ask for (0.5 ms of sleep) must not surface after
    // minutes of measuring the others. The run of each size checks itself again, hosts and code included.
    if (const Result<void> valid = spec.validate(SpecCheck::RunHereWithoutLookups); !valid)
        return valid;
    m_started = true;
    m_running = true;
    m_result = SweepResult();
    m_result.spec = spec;
    m_result.tag = SweepResult::tagFor(QDateTime::currentDateTime());
    startSize(0);
    return {};
}

void SweepSession::cancel()
{
    Q_ASSERT(QThread::currentThread() == thread());
    m_cancelled = true;
    if (m_current)
        m_current->cancel();
}

void SweepSession::setPaced(bool paced)
{
    Q_ASSERT(!m_started);
    m_paced = paced;
}

void SweepSession::taken()
{
    if (m_current)
        m_current->taken();
}

void SweepSession::startSize(qsizetype index)
{
    const Result<ExperimentSpec> spec = m_result.spec.specAt(index);
    Q_ASSERT(spec); // validated in start()
    auto* session = new RunSession(this);
    m_current = session;
    if (m_store)
        session->setHistory(m_store, m_storeThread);
    session->setRunName(m_result.runName(index));
    session->setPaced(m_paced);
    m_result.points.append(SweepPoint { m_result.spec.sizesMs.at(index), RunResult(), -1 });

    const QString size = formatSize(m_result.spec.sizesMs.at(index)) + QStringLiteral(" ms");
    const qsizetype sizes = m_result.spec.sizesMs.size();
    connect(session, &RunSession::progress, this,
        [this, index, sizes, size](int done, int total, double eta, const QString& current) {
            Q_EMIT progress(int(index) * total + done, int(sizes) * total, index == sizes - 1 ? eta : -1,
                QStringLiteral("%1: %2").arg(size, current));
        });
    connect(session, &RunSession::resultChanged, this, [this, index](const RunResult& run) {
        m_result.points[index].run = run;
        Q_EMIT resultChanged(m_result);
    });
    connect(session, &RunSession::historyRunStarted, this,
        [this, index](qint64 id) { m_result.points[index].historyId = id; });
    connect(session, &RunSession::historyFailed, this, &SweepSession::historyFailed);
    connect(session, &RunSession::finished, this, &SweepSession::onSizeFinished);
    if (const Result<void> started = session->start(*spec); !started) {
        // Checked in start(), but a backend may have gone since (python3 removed): the sweep ends here, saying so.
        m_result.points.removeLast();
        m_result.error = QStringLiteral("%1: %2").arg(size, started.error());
        m_running = false;
        session->deleteLater();
        Q_EMIT finished(m_result);
    }
}

void SweepSession::onSizeFinished(const RunResult& run)
{
    Q_ASSERT(QThread::currentThread() == thread());
    const qsizetype index = m_result.points.size() - 1;
    m_result.points[index].run = run;
    m_current->retire();
    m_current = nullptr;
    const QString size = formatSize(m_result.points[index].sizeMs) + QStringLiteral(" ms");
    if (!run.error.isEmpty())
        m_result.error = QStringLiteral("%1: %2").arg(size, run.error);
    m_result.cancelled = m_cancelled || run.cancelled;
    const bool more = index + 1 < m_result.spec.sizesMs.size();
    if (more && m_result.error.isEmpty() && !m_result.cancelled) {
        Q_EMIT resultChanged(m_result);
        startSize(index + 1);
        return;
    }
    m_running = false;
    Q_EMIT finished(m_result);
}

} // namespace parlab
