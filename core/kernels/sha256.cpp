#include "builtinkernels.h"
#include "context.h"
#include "kernel.h"

#include <QByteArray>
#include <QCryptographicHash>
#include <QtEndian>

namespace parlab {

namespace {
constexpr qsizetype kMiB = 1024 * 1024;
constexpr qsizetype kChunk = 64 * 1024;

// One MiB of fixed pseudo-random bytes, hashed N times over: deterministic without allocating N MiB.
const QByteArray& block()
{
    static const QByteArray bytes = [] {
        QByteArray b(kMiB, Qt::Uninitialized);
        quint32 x = 2463534242u;
        for (char& c : b) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            c = char(x & 0xff);
        }
        return b;
    }();
    return bytes;
}

class Sha256Kernel final : public Kernel {
public:
    QString name() const override { return QStringLiteral("sha256"); }
    QString description() const override
    {
        return QStringLiteral("SHA-256 of N MiB of fixed data: CPU-bound, streaming through cache");
    }
    KernelKind kind() const override { return KernelKind::Cpu; }
    QString inputMeaning() const override { return QStringLiteral("MiB"); }
    InputRange range() const override
    {
        return { 1, 4096, QStringLiteral("above 4 GiB one call takes tens of seconds") };
    }
    double cost(qint64 input) const override { return double(input); }
    quint64 run(qint64 input, Context& context) const override
    {
        const QByteArray& data = block();
        QCryptographicHash hash(QCryptographicHash::Sha256);
        for (qint64 mib = 0; mib < input; ++mib) {
            for (qsizetype offset = 0; offset < kMiB; offset += kChunk) {
                hash.addData(QByteArrayView(data.constData() + offset, kChunk));
                context.poll();
            }
        }
        return qFromBigEndian<quint64>(hash.result().constData());
    }
};
} // namespace

std::unique_ptr<Kernel> makeSha256Kernel()
{
    return std::make_unique<Sha256Kernel>();
}

} // namespace parlab
