#!/usr/bin/env bash
# A run into a history on a disk that fills up mid-run. Writes what a user would look at into OUT:
#   codes            exit codes of the three runs (first=, full=, next=)
#   full.json        what the run on the full disk printed (--format json)
#   full.err         what it said on stderr
#   recovery-files   the recovery files beside the database right after it
#   next.err         what the next run said (it adds the recovered run)
#   list.json        `history list --format json` afterwards
#   recovered.json   `history export` of the recovered run (its id from list.json: the one with a source)
# MODE tmpfs (the default): the disk fills for real, a small tmpfs in a private mount namespace (run it under
# `unshare -rm`, or as root under `unshare -m`). MODE pages: needs no privileges; the database is capped a few
# pages above its size after the first run (PARLAB_HISTORY_MAX_PAGES, SQLite's max_page_count), so its next
# growth fails as on a full disk, with the same SQLITE_FULL.
#   tst_historyconcurrency runs it.  usage: history-diskfull.sh PARLAB OUT [tmpfs|pages]
set -u
parlab=$1 out=$2 mode=${3:-tmpfs}
if [[ $mode == tmpfs ]]; then
  mnt=$(mktemp -d)
  mount -t tmpfs -o size=4m tmpfs "$mnt" || { echo "history-diskfull.sh: cannot mount a tmpfs here" >&2; exit 90; }
else
  mnt=$out/history
  mkdir -p "$mnt"
fi
db=$mnt/history.sqlite
run() {
  "$parlab" run --kernel noop --inputs 1..300 --backends sequential,threads --workers 1,2 --repeat 3 --warmup 0 \
    --history-db "$db" "$@"
}
run --format csv >/dev/null 2>"$out/first.err"; echo "first=$?" >"$out/codes"
if [[ $mode == tmpfs ]]; then
  # Fill the disk, then leave 200 KiB: enough to start the next run, not to store it.
  dd if=/dev/zero of="$mnt/filler" bs=64k 2>/dev/null
  truncate -s -200K "$mnt/filler"
  run --format json >"$out/full.json" 2>"$out/full.err"; echo "full=$?" >>"$out/codes"
else
  pages=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA page_count").fetchone()[0])' \
    "$db")
  PARLAB_HISTORY_MAX_PAGES=$((pages + 2)) run --format json >"$out/full.json" 2>"$out/full.err"
  echo "full=$?" >>"$out/codes"
fi
(cd "$mnt" && ls history.sqlite.unsaved-* 2>/dev/null) >"$out/recovery-files"
rm -f "$mnt/filler"
run --format csv >/dev/null 2>"$out/next.err"; echo "next=$?" >>"$out/codes"
"$parlab" history list --format json --history-db "$db" >"$out/list.json" 2>"$out/list.err"
id=$(python3 -c 'import json, sys; print(next((r["id"] for r in json.load(open(sys.argv[1])) if r["source"]), 0))' \
  "$out/list.json")
"$parlab" history export "$id" --history-db "$db" >"$out/recovered.json" 2>>"$out/list.err"
if [[ $mode == tmpfs ]]; then
  umount "$mnt"
  rmdir "$mnt"
fi
