#!/usr/bin/env bash
# The regression gate's figures (issue 18): how often `parlab run --baseline last --fail-on slower:5` fails
#   A/A: the same CPU-bound program, each run gated against the run before it, GAP seconds apart;
#   A/B: the program made 15% slower (its loop count x1.15), each B run gated against an A run just before it.
# The program under test changes while the experiment's spec stays the same (the `command` kernel runs ./prog),
# as in CI. Each variant keeps its own label (--label, when this build has it), so the history's run-to-run noise
# is the noise of one program, not the step between two.
#   tests/bench/bench_gate.sh [BUILD_DIR]       (default build)
# Environment: PAIRS_AA (20), PAIRS_AB (10), SEED_RUNS (5: A runs first, so the noise is known from the first pair),
#   GAP (25 s between runs), LOOPS (the A program's loop count), REPEAT (10), PCT (5), SLOWER (1.15), KEEP (a folder
#   to keep the history, programs and logs in instead of a temporary one).
# Prints each gate's outcome and noise, then the counts. Figures, not pass/fail: do not run it while building.
set -euo pipefail
build=$(readlink -f "${1:-build}")
parlab="$build/bin/parlab"
[[ -x $parlab ]] || { echo "bench_gate: no $parlab (build first)" >&2; exit 1; }
PAIRS_AA=${PAIRS_AA:-20} PAIRS_AB=${PAIRS_AB:-10} SEED_RUNS=${SEED_RUNS:-5} GAP=${GAP:-25}
LOOPS=${LOOPS:-60000000} REPEAT=${REPEAT:-10} PCT=${PCT:-5} SLOWER=${SLOWER:-1.15}

dir=${KEEP:-$(mktemp -d)}
mkdir -p "$dir"
[[ -n ${KEEP:-} ]] || trap 'rm -rf "$dir"' EXIT
db="$dir/history.sqlite"
rm -f "$db"*

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

labelled=false
"$parlab" run --help | grep -q -- '--label' && labelled=true
# The printed command is the same for every run: the spec does not change, ./prog does.
run() { # VARIANT [gate arguments...]
  local variant=$1
  shift
  cp "$dir/prog-$variant" "$dir/prog"
  local label=()
  $labelled && label=(--label "prog-$variant")
  "$parlab" run --kernel command --command "'$dir/prog' {}" --inputs 1 --backends sequential --workers 1 \
    --repeat "$REPEAT" --warmup 1 --history-db "$db" --format json "${label[@]}" "$@" >"$dir/last.json" 2>"$dir/last.err"
}
echo "program: $LOOPS loops (A), $loops_b (B, x$SLOWER); runs $GAP s apart; --fail-on slower:$PCT; --label: $labelled"
echo "command: parlab run --kernel command --command \"'$dir/prog' {}\" --inputs 1 --backends sequential --workers 1 \\"
echo "         --repeat $REPEAT --warmup 1 --history-db $db --baseline last --fail-on slower:$PCT"

# One gated run: prints its outcome, exit code, ratio, threshold and noise; returns 0 when the gate failed.
gated() { # PAIR VARIANT
  local code=0
  run "$2" --baseline last --fail-on "slower:$PCT" || code=$?
  python3 - "$dir/last.json" "$1" "$code" <<'EOF'
import json, sys
gate = json.load(open(sys.argv[1])).get("gate", {})
row = (gate.get("rows") or [{}])[0]
noise = gate.get("noise", {})
print(f"  pair {sys.argv[2]:>2}: exit {sys.argv[3]}  {gate.get('outcome', '?'):<5}  ratio {row.get('ratio') or float('nan'):.3f}"
      f"  p {row.get('p_value') or float('nan'):.4f}  threshold {100 * (gate.get('threshold') or 0):.1f}%"
      f"  noise {noise.get('text', '?')}")
EOF
  [[ $code == 4 ]]
}

echo "seeding the history with $SEED_RUNS runs of A"
for ((i = 0; i < SEED_RUNS; ++i)); do
  run a
  sleep "$GAP"
done

echo "A/A: $PAIRS_AA runs of A, each gated against the one before"
aa=0
for ((i = 1; i <= PAIRS_AA; ++i)); do
  gated "$i" a && aa=$((aa + 1))
  sleep "$GAP"
done

echo "A/B: $PAIRS_AB pairs: a run of A, then B gated against it $GAP s later"
ab=0
for ((i = 1; i <= PAIRS_AB; ++i)); do
  run a
  sleep "$GAP"
  gated "$i" b && ab=$((ab + 1))
  ((i == PAIRS_AB)) || sleep "$GAP"
done
echo "A/A: $aa of $PAIRS_AA failed the gate (target: at most 1)"
echo "A/B: $ab of $PAIRS_AB failed the gate (target: at least 9)"
