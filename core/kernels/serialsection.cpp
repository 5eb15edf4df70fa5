#include "serialsection.h"

#include "context.h"
#include "optiondescriptor.h"
#include "runoptions.h"

#include <QDir>
#include <QFileInfo>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace parlab {

namespace {
const QString kKey = QStringLiteral("serial_ms");

// Between two tries for a held lock: short against a slice, so a task resumes soon after a serial part ends.
constexpr std::chrono::microseconds kRetry { 20 };

// One of the lock's files, opened by one task for itself (its own open file, so its own flock).
class LockFile final {
public:
    explicit LockFile(const QString& which)
        : m_path(SerialSection::lockPath(which))
    {
        // O_NOFOLLOW and the owner check: in a shared /tmp another user could have put a file or a link there.
        m_fd = ::open(QFile::encodeName(m_path).constData(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (m_fd < 0) {
            m_error = QStringLiteral("cannot open the serial part's lock file %1: %2")
                          .arg(m_path, QString::fromLocal8Bit(std::strerror(errno)));
            return;
        }
        struct stat st { };
        if (::fstat(m_fd, &st) != 0 || st.st_uid != ::geteuid())
            m_error = QStringLiteral("the serial part's lock file %1 belongs to another user: remove it, or set "
                                     "XDG_RUNTIME_DIR to a folder of your own")
                          .arg(m_path);
    }
    ~LockFile()
    {
        if (m_fd >= 0)
            ::close(m_fd); // releases this task's locks, also when it ends by an exception (a cancel)
    }
    LockFile(const LockFile&) = delete;
    LockFile& operator=(const LockFile&) = delete;

    const QString& error() const { return m_error; }

    void lock(int operation, Context& context)
    {
        while (::flock(m_fd, operation | LOCK_NB) != 0) {
            if (errno == EINTR)
                continue;
            if (errno != EWOULDBLOCK)
                throw std::runtime_error(QStringLiteral("cannot lock %1: %2")
                                             .arg(m_path, QString::fromLocal8Bit(std::strerror(errno)))
                                             .toStdString());
            context.sleepFor(kRetry);
        }
    }
    void unlock() { ::flock(m_fd, LOCK_UN); }

private:
    QString m_path;
    QString m_error;
    int m_fd = -1;
};
} // namespace

OptionDescriptor SerialSection::setting()
{
    return { .key = kKey,
        .flag = QStringLiteral("serial-ms"),
        .label = QStringLiteral("Serial part (all else &quiet)"),
        .type = OptionDescriptor::Type::Number,
        .defaultValue = 0.0,
        .minimum = 0,
        .maximum = 600'000,
        .decimals = 2,
        .unsetMeans = QStringLiteral("none"),
        .unit = QStringLiteral("ms"),
        .valueName = QStringLiteral("ms"),
        .help = QStringLiteral(
            "the first ms of each task (all of a shorter one) hold a lock that stops every other task, so that a "
            "known serial fraction obeys Amdahl's law; fixed under weak scaling. The lock is this user's on this "
            "host: concurrent runs share it, MPI ranks on other hosts do not.") };
}

QString SerialSection::lockPath(const QString& which)
{
    QString folder = qEnvironmentVariable("XDG_RUNTIME_DIR");
    if (folder.isEmpty() || !QFileInfo(folder).isDir())
        folder = QStringLiteral("/tmp");
    return QDir(folder).filePath(QStringLiteral("parlab-%1-serial.%2").arg(::geteuid()).arg(which));
}

Result<void> SerialSection::configure(const RunOptions& options)
{
    m_serialNs = qint64(options.kernelSetting(kKey).toDouble() * 1e6);
    if (m_serialNs <= 0)
        return {};
    for (const QString& which : { QStringLiteral("gate"), QStringLiteral("rw") }) {
        if (const LockFile file(which); !file.error().isEmpty())
            return fail(file.error());
    }
    return {};
}

void SerialSection::run(Context& context, qint64 totalNs, const std::function<qint64()>& clock,
    const std::function<void(qint64)>& workUntil) const
{
    const qint64 serialNs = std::min(m_serialNs, totalNs);
    if (serialNs <= 0) {
        workUntil(clock() + totalNs);
        return;
    }
    LockFile gate(QStringLiteral("gate"));
    LockFile rw(QStringLiteral("rw"));
    for (const LockFile* file : { &gate, &rw }) {
        if (!file->error().isEmpty())
            throw std::runtime_error(file->error().toStdString());
    }

    gate.lock(LOCK_EX, context);
    rw.lock(LOCK_EX, context); // every running slice ends within kSliceNs, and no new one starts
    workUntil(clock() + serialNs);
    rw.unlock();
    gate.unlock();

    qint64 remaining = totalNs - serialNs;
    while (remaining > 0) {
        gate.lock(LOCK_SH, context);
        rw.lock(LOCK_SH, context);
        gate.unlock();
        const qint64 start = clock();
        workUntil(start + std::min(remaining, kSliceNs));
        remaining -= clock() - start;
        rw.unlock();
    }
}

} // namespace parlab
