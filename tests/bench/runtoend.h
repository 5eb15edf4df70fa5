#pragma once

#include "experimentspec.h"
#include "runner.h"
#include "runresult.h"

#include <QObject>

// A whole experiment through the Runner, as the window and `parlab run` run it, on this thread: what the benchmarks
// measure with.
inline parlab::RunResult runToEnd(const parlab::ExperimentSpec& spec)
{
    parlab::Runner runner;
    parlab::RunResult result;
    QObject::connect(&runner, &parlab::Runner::finished, [&result](const parlab::RunResult& r) { result = r; });
    runner.start(spec);
    return result;
}
