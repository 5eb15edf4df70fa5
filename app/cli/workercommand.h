#pragma once

#include <QStringList>

namespace parlab::cli {

// `parlab worker`: the child side of the processes and process-per-task backends (not for people).
int workerCommand(const QStringList& arguments);

} // namespace parlab::cli
