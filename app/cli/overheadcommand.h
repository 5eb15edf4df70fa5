#pragma once

#include <QStringList>

namespace parlab::cli {

// `parlab overhead`: what parallelism costs on this machine, each figure next to its raw floor.
int overheadCommand(const QStringList& arguments);

} // namespace parlab::cli
