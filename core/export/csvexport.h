#pragma once

#include <QByteArray>

namespace parlab {

struct RunResult;

// One row per sample (RFC 4180), for spreadsheets and pandas.
namespace CsvExport {
QByteArray toCsv(const RunResult& result);
}

} // namespace parlab
