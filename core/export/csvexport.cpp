#include "csvexport.h"

#include "formatting.h"
#include "measurement.h"
#include "runresult.h"

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
    QString out = QStringLiteral("kernel,backend,workers,repeat,wall_s,cpu_s,outlier,speedup,checksum\r\n");
    for (const Measurement& m : result.measurements) {
        for (int i = 0; i < m.samplesS.size(); ++i) {
            const QStringList row {
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
            out += row.join(QLatin1Char(',')) + QStringLiteral("\r\n");
        }
    }
    return out.toUtf8();
}

} // namespace parlab
