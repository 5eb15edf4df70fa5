#include "terminalprogress.h"

#include "cliutil.h"
#include "export/formatting.h"

#include <cmath>
#include <unistd.h>

namespace parlab::cli {

namespace {
QString clockTime(double seconds)
{
    const auto total = qint64(std::ceil(seconds));
    if (total >= 3600)
        return QStringLiteral("%1:%2:%3")
            .arg(total / 3600)
            .arg(total / 60 % 60, 2, 10, QLatin1Char('0'))
            .arg(total % 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1:%2").arg(total / 60).arg(total % 60, 2, 10, QLatin1Char('0'));
}
} // namespace

TerminalProgress::TerminalProgress()
    : m_enabled(isatty(STDERR_FILENO) != 0)
{ }

void TerminalProgress::update(int done, int total, double etaS, const QString& current)
{
    if (!m_enabled || total <= 0)
        return;
    constexpr int width = 24;
    const int filled = done * width / total;
    const QString bar = QString(filled, QLatin1Char('#')) + QString(width - filled, QLatin1Char('-'));
    const QString eta = etaS >= 0 ? QStringLiteral("ETA ") + clockTime(etaS) : QStringLiteral("ETA –");
    QString text = QStringLiteral("[%1] %2/%3  %4  %5").arg(bar).arg(done).arg(total).arg(eta, current);
    if (text.size() > 100)
        text = text.left(99) + QStringLiteral("…");
    printControl(QStringLiteral("\r\x1b[2K") + Format::printable(text));
    m_drawn = true;
}

void TerminalProgress::clear()
{
    if (m_drawn)
        printControl(QStringLiteral("\r\x1b[2K"));
    m_drawn = false;
}

} // namespace parlab::cli
