#pragma once

#include <QStringList>

namespace parlab::cli {

// `parlab history list|show|compare|export|delete|rename|note|import`: the run history.
int historyCommand(const QStringList& arguments);

} // namespace parlab::cli
