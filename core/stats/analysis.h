#pragma once

namespace parlab {

struct RunResult;

// Whether analyse() computes the speedups' bootstrap intervals (about 10 ms a measurement). A list of many
// stored runs shows point figures only and skips them; everything else is computed the same either way.
enum class Intervals { Bootstrap, Skip };

// Derives everything that follows from the raw samples of a (possibly partial) run: per-measurement
// statistics, speedups with confidence intervals, efficiencies, bounds, Amdahl and Karp-Flatt, warnings.
// Pure: it reads samples, the task costs in `bounds.taskCostsS`, the spec, the environment, the counts and
// how the run ended. The live run and the history (on every load) call it alike, so their figures agree.
void analyse(RunResult& result, Intervals intervals = Intervals::Bootstrap);

} // namespace parlab
