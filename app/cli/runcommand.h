#pragma once

#include <QStringList>

namespace parlab::cli {

// `parlab run`: measures an experiment headless and prints the results.
int runCommand(const QStringList& arguments);

} // namespace parlab::cli
