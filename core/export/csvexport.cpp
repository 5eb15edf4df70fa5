#include "csvexport.h"

#include "formatting.h"
#include "measurement.h"
#include "runresult.h"
#include "stats/losses.h"

#include <QStringList>
#include <cmath>

namespace parlab {

namespace {
QString field(const QString& text)
{
    if (!text.contains(QLatin1Char(',')) && !text.contains(QLatin1Char('"')) && !text.contains(QLatin1Char('\n')))
        return text;
    QString quoted = text;
    quoted.replace(QStringLiteral("\""), QStringLiteral("\"\""));
    return QLatin1Char('"') + quoted + QLatin1Char('"');
}
QString exact(double value)
{
    return QString::number(value, 'g', 17);
}
} // namespace

QByteArray CsvExport::toCsv(const RunResult& result)
{
    // The measurement's figures (speedup, the accounting of lost speedup) repeat on each of its samples' rows.
    QString out = QStringLiteral("kernel,backend,workers,repeat,wall_s,cpu_s,outlier,speedup,checksum,useful");
    for (const Accounting::Part& part : Accounting::parts())
        out += QStringLiteral(",loss_") + QLatin1String(part.key);
    out += QStringLiteral("\r\n");
    for (const Measurement& m : result.measurements) {
        for (int i = 0; i < m.samplesS.size(); ++i) {
            QStringList row {
                field(result.spec.kernel),
                field(m.backend),
                QString::number(m.workers),
                QString::number(i + 1),
                exact(m.samplesS[i]),
                i < m.cpuS.size() ? exact(m.cpuS[i]) : QString(),
                m.wall.outliers.contains(i) ? QStringLiteral("1") : QStringLiteral("0"),
                std::isfinite(m.speedup) ? exact(m.speedup) : QString(),
                Format::checksum(m.checksum),
            };
            QStringList losses { std::isfinite(m.losses.useful) ? exact(m.losses.useful) : QString() };
            for (const Accounting::Part& part : Accounting::parts())
                losses.append(std::isfinite(m.losses.*part.share) ? exact(m.losses.*part.share) : QString());
            row += losses;
            out += row.join(QLatin1Char(',')) + QStringLiteral("\r\n");
        }
    }
    return out.toUtf8();
}

} // namespace parlab
