#!/usr/bin/env python3
"""Runs clang-tidy (the project's .clang-tidy) on the C++ files a change touched; fails, naming each finding.

A whole sweep takes a quarter of an hour on two cores (clang-analyzer is thorough), too long for every
`./dev.sh test`, so the suite checks what changed:
  - everything committed since the branch left its upstream (@{upstream}, else origin/main, else main),
  - plus what is staged, modified or new in the work tree,
  - and when that is nothing (CI building main itself), the files the last commit changed.
A changed header is checked through a source file that includes it (its own .cpp first).
PARLAB_TIDY_BASE=<rev> sets the base; --all (or PARLAB_TIDY_ALL=1) checks every file.
"""

import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys
from pathlib import Path

FOLDERS = ("core/", "ui/", "app/", "packaging/", "tests/")
FINDING = re.compile(r"^(?P<file>[^:\s][^:]*):(?P<line>\d+):(?P<col>\d+): (?P<kind>warning|error): (?P<text>.*)$")


def git(source, *args, check=True):
    result = subprocess.run(["git", "-C", str(source), *args], capture_output=True, text=True)
    if check and result.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout if result.returncode == 0 else None


def base_revision(source):
    if os.environ.get("PARLAB_TIDY_BASE"):
        return os.environ["PARLAB_TIDY_BASE"]
    for candidate in ("@{upstream}", "origin/main", "main"):
        if git(source, "rev-parse", "--verify", "-q", candidate, check=False):
            merge_base = git(source, "merge-base", "HEAD", candidate, check=False)
            if merge_base:
                return merge_base.strip()
    return None


def changed_files(source):
    """(files, how they were chosen) relative to the source folder."""
    files = set()
    base = base_revision(source)
    how = "uncommitted changes"
    if base:
        files |= set(git(source, "diff", "--name-only", base, "HEAD").split())
        how = f"changes since {base[:12]} and uncommitted ones"
    status = git(source, "status", "--porcelain", "--untracked-files=all")
    for line in status.splitlines():
        path = line[3:].split(" -> ")[-1]
        files.add(path)
    if not files and git(source, "rev-parse", "--verify", "-q", "HEAD~1", check=False):
        files = set(git(source, "diff", "--name-only", "HEAD~1", "HEAD").split())
        how = "the files the last commit changed"
    return sorted(files), how


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", required=True, type=Path, help="build folder with compile_commands.json")
    parser.add_argument("--source", required=True, type=Path)
    parser.add_argument("--clang-tidy", required=True)
    parser.add_argument("--all", action="store_true", help="every file, not only the changed ones")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    source = args.source.resolve()

    database = args.build / "compile_commands.json"
    if not database.is_file():
        sys.exit(f"tidy_changed: {database} is missing: configure with CMAKE_EXPORT_COMPILE_COMMANDS (the top "
                 "CMakeLists.txt sets it)")
    entries = json.loads(database.read_text())
    units = sorted({Path(entry["file"]).resolve() for entry in entries
                    if Path(entry["file"]).resolve().is_relative_to(source)
                    and str(Path(entry["file"]).resolve().relative_to(source)).startswith(FOLDERS)})
    if len(units) < 50:
        sys.exit(f"tidy_changed: only {len(units)} of this project's sources in {database}: wrong --source?")

    if args.all or os.environ.get("PARLAB_TIDY_ALL") == "1":
        wanted, how = [str(u.relative_to(source)) for u in units], "every file"
    else:
        wanted, how = changed_files(source)
    wanted = [w for w in wanted if w.startswith(FOLDERS) and w.endswith((".cpp", ".h")) and (source / w).is_file()]

    to_check = []
    unit_set = set(units)
    for relative in wanted:
        path = source / relative
        if path in unit_set:
            to_check.append(path)
            continue
        if path.suffix != ".h":
            continue  # a source no target compiles (a benchmark left out, a script's snippet)
        own = path.with_suffix(".cpp")
        if own in unit_set:
            to_check.append(own)
            continue
        include = re.compile(r'#include\s+"([^"]*/)?' + re.escape(path.name) + '"')
        user = next((u for u in units if include.search(u.read_text(errors="replace"))), None)
        if user:
            to_check.append(user)
    to_check = sorted(set(to_check))
    print(f"clang-tidy on {len(to_check)} file(s): {how}", flush=True)

    # The tests compile with g++'s precompiled headers, which clang cannot read: clang-tidy gets the same
    # commands without them (every source includes what it uses, so nothing else changes).
    for entry in entries:
        command = entry.get("command", "")
        command = re.sub(r"\s-Xclang -include-pch -Xclang \S+", "", command)
        command = re.sub(r"\s-include \S*cmake_pch\.hxx", "", command)
        entry["command"] = command.replace(" -Winvalid-pch", "")
    tidy_database = args.build / "tidy"
    tidy_database.mkdir(exist_ok=True)
    (tidy_database / "compile_commands.json").write_text(json.dumps(entries))

    def tidy(unit):
        result = subprocess.run([args.clang_tidy, "--quiet", "-p", str(tidy_database), str(unit)],
                                capture_output=True, text=True)
        return unit, result

    findings = []
    failures = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for unit, result in pool.map(tidy, to_check):
            lines = [l for l in result.stdout.splitlines() if FINDING.match(l)]
            for line in lines:
                match = FINDING.match(line)
                where = Path(match["file"]).resolve()
                shown = where.relative_to(source) if where.is_relative_to(source) else where
                entry = f"{shown}:{match['line']}:{match['col']}: {match['kind']}: {match['text']}"
                if entry not in findings:
                    findings.append(entry)
            if result.returncode != 0 and not lines:
                failures.append(f"{unit.relative_to(source)}: clang-tidy exited {result.returncode}: "
                                f"{result.stderr.strip()[-400:]}")
    for line in failures + findings:
        print(line)
    if findings or failures:
        print(f"{len(findings)} clang-tidy finding(s) (fix them, or say why in a NOLINT comment on the line)")
        return 1
    print("no clang-tidy findings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
