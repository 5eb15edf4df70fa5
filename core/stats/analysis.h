#pragma once

namespace parlab {

struct RunResult;

// Derives everything that follows from the raw samples of a (possibly partial) run: per-measurement
// statistics, speedups with confidence intervals, efficiencies, bounds, Amdahl and Karp-Flatt, warnings.
// Pure: it reads samples, the task costs in `bounds.taskCostsS`, the spec and the environment.
void analyse(RunResult& result);

} // namespace parlab
