#pragma once

#include <QStringList>

namespace parlab::cli {

// `parlab list kernels|backends|presets`: what this build can run, with availability and reasons.
int listCommand(const QStringList& arguments);

} // namespace parlab::cli
