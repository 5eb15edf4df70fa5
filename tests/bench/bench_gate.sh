#!/usr/bin/env bash
# The regression gate's figures (issue 18): how often `parlab run --baseline last --fail-on slower:5` fails
#   A/A: the same CPU-bound program, each run gated against the run before it, GAP seconds apart;
#   A/B: the program made 15% slower (its loop count x1.15), each B run gated against an A run just before it.
# The program under test changes while the experiment's spec stays the same (the `command` kernel runs ./prog),
# as in CI. Each gate is judged twice: on wall time (the run's own verdict) and on CPU time (`history compare
# --gate-on cpu` of the same two runs). A B run is deleted from the history once judged, as a CI job would not keep
# a rejected build's run among the baseline's: the history's run-to-run noise is the noise of one program, not the
# step between two.
#   tests/bench/bench_gate.sh [BUILD_DIR]       (default build)
# Environment: PAIRS_AA (20), PAIRS_AB (10), SEED_RUNS (5: A runs first, so the noise is known from the first pair),
#   GAP (25 s between runs), LOOPS (the A program's loop count), REPEAT (10), PCT (5), SLOWER (1.15), KEEP (a folder
#   to keep the history, programs and logs in instead of a temporary one), MODES ("aa ab": which parts to run),
#   CONTINUE (1: go on with the history in KEEP instead of starting a new one).
# Prints each gate's outcome and noise, then the counts. Figures, not pass/fail: do not run it while building.
set -euo pipefail
build=$(readlink -f "${1:-build}")
parlab="$build/bin/parlab"
[[ -x $parlab ]] || { echo "bench_gate: no $parlab (build first)" >&2; exit 1; }
PAIRS_AA=${PAIRS_AA:-20} PAIRS_AB=${PAIRS_AB:-10} SEED_RUNS=${SEED_RUNS:-5} GAP=${GAP:-25}
LOOPS=${LOOPS:-60000000} REPEAT=${REPEAT:-10} PCT=${PCT:-5} SLOWER=${SLOWER:-1.15} MODES=${MODES:-aa ab}

dir=${KEEP:-$(mktemp -d)}
mkdir -p "$dir"
[[ -n ${KEEP:-} ]] || trap 'rm -rf "$dir"' EXIT
db="$dir/history.sqlite"
[[ ${CONTINUE:-0} == 1 ]] || rm -f "$db"*

# The program under test: a dependent integer loop (no memory traffic, no system calls), its count compiled in.
cat >"$dir/prog.c" <<'EOF'
#include <stdio.h>
int main(void)
{
    unsigned long x = 1;
    for (unsigned long i = 0; i < LOOPS; ++i)
        x = x * 6364136223846793005UL + 1442695040888963407UL;
    printf("%lu\n", x & 1);
    return 0;
}
EOF
loops_b=$(awk -v l="$LOOPS" -v s="$SLOWER" 'BEGIN { printf "%d", l * s }')
cc -O2 -DLOOPS="${LOOPS}UL" -o "$dir/prog-a" "$dir/prog.c"
cc -O2 -DLOOPS="${loops_b}UL" -o "$dir/prog-b" "$dir/prog.c"

# The printed command is the same for every run: the spec does not change, ./prog does.
run() { # VARIANT [gate arguments...]
  local variant=$1
  shift
  cp "$dir/prog-$variant" "$dir/prog"
  "$parlab" run --kernel command --command "'$dir/prog' {}" --inputs 1 --backends sequential --workers 1 \
    --repeat "$REPEAT" --warmup 1 --history-db "$db" --format json "$@" >"$dir/last.json" 2>"$dir/last.err"
}
echo "program: $LOOPS loops (A), $loops_b (B, x$SLOWER); runs $GAP s apart; --fail-on slower:$PCT"
echo "command: parlab run --kernel command --command \"'$dir/prog' {}\" --inputs 1 --backends sequential --workers 1 \\"
echo "         --repeat $REPEAT --warmup 1 --history-db $db --baseline last --fail-on slower:$PCT"

# One gate's line: outcome, exit code, ratio, p, threshold and noise.
show() { # FILE LABEL CODE
  python3 - "$@" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
gate = doc.get("gate", {})
row = (gate.get("rows") or [{}])[0]
noise = gate.get("noise", {})
print(f"  {sys.argv[2]}: exit {sys.argv[3]}  {gate.get('outcome', '?'):<5}  ratio {row.get('ratio') or float('nan'):.3f}"
      f"  p {row.get('p_value') or float('nan'):.4f}  threshold {100 * (gate.get('threshold') or 0):.1f}%"
      f"  noise {noise.get('text', '?')}")
EOF
}
# One gated run, judged on wall and CPU time; counts the failures in wall_failed and cpu_failed.
gated() { # PAIR VARIANT
  local code=0 cpu=0
  run "$2" --baseline last --fail-on "slower:$PCT" || code=$?
  show "$dir/last.json" "pair $(printf %2d "$1") wall" "$code"
  local ids
  ids=$(python3 -c 'import json, sys; g = json.load(open(sys.argv[1]))["gate"]; print(g["baseline_id"], g["candidate_id"])' "$dir/last.json")
  # shellcheck disable=SC2086 # two ids
  "$parlab" history compare $ids --fail-on "slower:$PCT" --gate-on cpu --format json --history-db "$db" \
    >"$dir/cpu.json" 2>/dev/null || cpu=$?
  show "$dir/cpu.json" "        cpu " "$cpu"
  [[ $2 == a ]] || "$parlab" history delete "${ids#* }" --history-db "$db" 2>/dev/null
  [[ $code == 4 ]] && wall_failed=$((wall_failed + 1))
  [[ $cpu == 4 ]] && cpu_failed=$((cpu_failed + 1))
  return 0
}

((SEED_RUNS == 0)) || echo "seeding the history with $SEED_RUNS runs of A"
for ((i = 0; i < SEED_RUNS; ++i)); do
  run a
  sleep "$GAP"
done

if [[ $MODES == *aa* ]]; then
  echo "A/A: $PAIRS_AA runs of A, each gated against the one before"
  wall_failed=0 cpu_failed=0
  for ((i = 1; i <= PAIRS_AA; ++i)); do
    gated "$i" a
    sleep "$GAP"
  done
  echo "A/A: $wall_failed of $PAIRS_AA failed the gate on wall time, $cpu_failed on CPU time (target: at most 1)"
fi

if [[ $MODES == *ab* ]]; then
  echo "A/B: $PAIRS_AB pairs: a run of A, then B gated against it $GAP s later"
  wall_failed=0 cpu_failed=0
  for ((i = 1; i <= PAIRS_AB; ++i)); do
    run a
    sleep "$GAP"
    gated "$i" b
    ((i == PAIRS_AB)) || sleep "$GAP"
  done
  echo "A/B: $wall_failed of $PAIRS_AB failed the gate on wall time, $cpu_failed on CPU time (target: at least 9)"
fi
