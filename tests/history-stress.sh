#!/usr/bin/env bash
# Many `parlab run`s into one run history at once, as a lab or a script running experiments in parallel does.
# Prints what a user would check afterwards: how many runs were started, their exit codes, and how many the
# history holds as finished. tst_historyconcurrency runs it; it also measures a build for a report.
#
#   tests/history-stress.sh PARLAB DB staggered N INTERVAL_S   N runs, one started every INTERVAL_S seconds
#   tests/history-stress.sh PARLAB DB parallel P K             P loops at once, each K runs one after another
#
# Each run is a tiny one (noop, sequential, one repeat), so the history's own work is what is measured.
# Last line: "started S saved F exit-codes 0:S" (codes sorted, each with its count); the exit status is 0
# only when every run exited 0 and every run is saved.
set -uo pipefail
parlab=$1
db=$2
mode=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

one_run() { # log file
  "$parlab" run --kernel noop --inputs 1,2,3 --backends sequential --workers 1 --repeat 2 --warmup 0 \
    --format csv --history-db "$db" >/dev/null 2>"$1"
  echo $? >"$1.rc"
}

case "$mode" in
  staggered)
    n=$4 interval=$5
    for i in $(seq 1 "$n"); do
      one_run "$work/run-$i" &
      sleep "$interval"
    done
    wait ;;
  parallel)
    p=$4 k=$5
    for i in $(seq 1 "$p"); do
      (for j in $(seq 1 "$k"); do one_run "$work/run-$i-$j"; done) &
    done
    wait ;;
  *)
    echo "history-stress.sh: unknown mode '$mode' (staggered or parallel)" >&2
    exit 2 ;;
esac

started=$(ls "$work"/*.rc | wc -l)
codes=$(cat "$work"/*.rc | sort -n | uniq -c | awk '{printf "%s%s:%s", sep, $2, $1; sep=","}')
# What the history holds: finished runs, read the way a user would.
saved=$("$parlab" history list --format json --history-db "$db" 2>"$work/list.err" \
  | python3 -c 'import json, sys; print(sum(1 for r in json.load(sys.stdin) if r["status"] == "finished"))' \
  2>/dev/null || echo "?")
# The first few distinct complaints, so a failure says why.
cat $(ls "$work"/run-* | grep -v "\.rc$") 2>/dev/null | grep -v '^saved as run' | sort | uniq -c | sort -rn | head -5 >&2
echo "started $started saved $saved exit-codes $codes"
[[ $codes == "0:$started" && $saved == "$started" ]]
