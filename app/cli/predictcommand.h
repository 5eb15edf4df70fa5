#pragma once

#include <QStringList>

namespace parlab::cli {

// `parlab predict RUN`: the speedup each scaling backend of a stored or exported run would reach at other worker
// counts and on more cores (Schedule's simulator, calibrated on one measured count), beside the measured speedups
// where there are some, with the error.
int predictCommand(const QStringList& arguments);

} // namespace parlab::cli
