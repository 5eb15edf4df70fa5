#pragma once

#include <QStringList>

namespace parlab::cli {

// `parlab engine`: runs one experiment whose spec comes on stdin, in this process, and streams what its run signals
// to stdout (EngineProtocol), for the window or the CLI that started it: a user's code that crashes ends this
// process, not theirs. Not for people: ParLab starts it (EngineRun).
int engineCommand(const QStringList& arguments);

} // namespace parlab::cli
