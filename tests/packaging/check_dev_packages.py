#!/usr/bin/env python3
"""Prove that dev.sh installs every system file a configured, built tree used.

A fresh Debian 12 machine gets only what dev.sh's PACKAGES installs (and what those depend on), so every
header, CMake package file, library and program the build in --build DIR used must belong to one of those
packages. The check is offline: it reads dpkg's database on this machine and the build's own records.

    check_dev_packages.py --build DIR [--dev-sh FILE] [--without PKG]...

Exit status: 0 covered, 1 something a fresh machine would lack (named on stdout), 2 cannot tell.
"""

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# A built tree records hundreds of compiler inputs; fewer means it was configured but never built, and a pass
# would prove nothing.
MIN_COMPILER_INPUTS = 50

# dpkg -S takes patterns, and one command line has a length limit.
DPKG_BATCH = 1000

# Merged /usr: /bin, /lib... are symlinks into /usr, but dpkg records each file under the name its package
# shipped it as, which for Debian 12's own packages is often the /lib spelling.
MERGED_DIRS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")

# Kernel pseudo-files such as /dev/null can show up in depfiles; no package is ever needed for them.
PSEUDO_ROOTS = ("/dev/", "/proc/", "/sys/")

# include(CTest) probes for these dashboard tools and leaves them NOTFOUND when absent; neither configure, the
# build nor ctest needs them, so a machine that has git or valgrind must not make dev.sh look incomplete.
CTEST_DASHBOARD_ENTRIES = {
    "BZRCOMMAND", "COVERAGE_COMMAND", "CVSCOMMAND", "GITCOMMAND", "HGCOMMAND", "MEMORYCHECK_COMMAND",
    "MEMORYCHECK_SUPPRESSIONS_FILE", "P4COMMAND", "SVNCOMMAND",
}


class CannotTell(Exception):
    """The check cannot reach a verdict; exit 2 rather than pass or fail on half the evidence."""


def run(cmd, ok_codes=(0,)):
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, errors="surrogateescape")
    except OSError as e:
        raise CannotTell(f"cannot run {cmd[0]}: {e}") from e
    if proc.returncode not in ok_codes:
        raise CannotTell(f"{shlex.join(cmd[:4])} failed ({proc.returncode}): {proc.stderr.strip()[:500]}")
    return proc.stdout


# --- dev.sh ---

def read_packages(dev_sh):
    """The words of dev.sh's PACKAGES=( ... ) array, as bash would split them."""
    try:
        lines = Path(dev_sh).read_text().splitlines()
    except OSError as e:
        raise CannotTell(f"cannot read {dev_sh}: {e}") from e
    words, inside = [], False
    for line in lines:
        if not inside:
            m = re.match(r"\s*PACKAGES=\((.*)$", line)
            if not m:
                continue
            inside, line = True, m.group(1)
        # In bash a '#' starts a comment only at the start of a word.
        line = re.sub(r"(^|\s)#.*$", "", line)
        done = ")" in line
        for word in line.split(")")[0].split():
            word = word.strip("'\"")
            if not re.fullmatch(r"[a-z0-9][a-z0-9+.-]+(:[a-z0-9]+)?", word):
                # A variable or a glob would need bash to expand it; guessing could pass a broken dev.sh.
                raise CannotTell(f"{dev_sh}: PACKAGES holds '{word}', which is not a plain package name")
            words.append(word.split(":")[0])
        if done:
            return words
    raise CannotTell(f"{dev_sh}: no complete PACKAGES=( ... ) block")


# --- dpkg's database ---

def parse_relations(text):
    """'a (>= 1) | b:any, c' -> [['a', 'b'], ['c']]; versions are dropped, dpkg already enforced them."""
    clauses = []
    for clause in text.split(","):
        alts = []
        for alt in clause.split("|"):
            m = re.match(r"\s*([a-z0-9][a-z0-9+.-]*)", alt)
            if m:
                alts.append(m.group(1))
        if alts:
            clauses.append(alts)
    return clauses


def installed_packages():
    """name -> its Depends and Pre-Depends clauses; virtual name -> the installed packages providing it;
    the Essential packages, which every Debian system has whatever dev.sh says."""
    if not shutil.which("dpkg-query"):
        raise CannotTell("dpkg-query not found: this check reads dpkg's database (Debian 12)")
    fmt = "${Package}\\t${db:Status-Status}\\t${Essential}\\t${Provides}\\t${Pre-Depends}\\t${Depends}\\n"
    depends, provides, essential = defaultdict(list), defaultdict(set), set()
    for line in run(["dpkg-query", "-W", "-f=" + fmt]).splitlines():
        fields = line.split("\t")
        if len(fields) != 6 or fields[1] != "installed":
            # Removed-but-not-purged packages still have a record; their files are gone.
            continue
        name, _, ess, prov, pre, dep = fields
        # Multi-arch packages (libc6:amd64 and libc6:i386) share one name; their union is what apt sees.
        depends[name] += parse_relations(pre) + parse_relations(dep)
        for alts in parse_relations(prov):
            provides[alts[0]].add(name)
        if ess == "yes":
            essential.add(name)
    if not depends:
        raise CannotTell("dpkg-query lists no installed package")
    return depends, provides, essential


def closure(roots, depends, provides):
    """Every installed package that installing roots pulls in through Depends and Pre-Depends."""
    def satisfiers(name):
        return ({name} if name in depends else set()) | provides.get(name, set())

    seen, todo = set(), list(roots)
    while todo:
        for pkg in satisfiers(todo.pop()) - seen:
            seen.add(pkg)
            # apt's choice among 'a | b' on a fresh machine cannot be replayed offline; any alternative this
            # machine has installed is taken to be the one apt would pick.
            for alts in depends[pkg]:
                todo.extend(alts)
    return seen


def dpkg_owners(paths):
    """path -> owning packages, for the paths dpkg knows under exactly that name."""
    owners = {}
    paths = sorted(paths)
    for i in range(0, len(paths), DPKG_BATCH):
        # dpkg -S treats *?[\ as a pattern; escaped, a path matches only itself.
        batch = [re.sub(r"([*?\[\]\\])", r"\\\1", p) for p in paths[i:i + DPKG_BATCH]]
        # Exit 1 only means some path has no owner, which is an answer here.
        for line in run(["dpkg-query", "-S", "--", *batch], ok_codes=(0, 1)).splitlines():
            if line.startswith(("diversion by", "local diversion")) or ": " not in line:
                continue
            pkgs, path = line.split(": ", 1)
            owners.setdefault(path, set()).update(p.strip().split(":")[0] for p in pkgs.split(","))
    return owners


def spellings(path):
    """Other names dpkg may know path by: the merged-/usr twin, and the name with symlinked folders resolved."""
    out = []
    parent = os.path.join(os.path.realpath(os.path.dirname(path)), os.path.basename(path))
    for p in (path, parent):
        parts = p.split("/")
        if len(parts) > 3 and parts[1] == "usr" and parts[2] in MERGED_DIRS:
            twin = "/" + "/".join(parts[2:])
        elif len(parts) > 2 and parts[1] in MERGED_DIRS:
            twin = "/usr" + p
        else:
            twin = None
        out += [q for q in (p, twin) if q and q != path and q not in out]
    return out


def owners_of(paths):
    """path -> owning packages (empty when none), retrying the other spellings of paths dpkg does not know."""
    owners = dpkg_owners(paths)
    retry = {}
    for p in set(paths) - owners.keys():
        for alt in spellings(p):
            retry.setdefault(alt, set()).add(p)
    for alt, pkgs in dpkg_owners(retry).items():
        for p in retry[alt]:
            owners.setdefault(p, set()).update(pkgs)
    return {p: owners.get(p, set()) for p in paths}


# --- the build's records ---

def read_cache(build):
    """CMakeCache.txt as name -> (type, value)."""
    try:
        text = (build / "CMakeCache.txt").read_text(errors="surrogateescape")
    except OSError as e:
        raise CannotTell(f"{build} is not a configured CMake build folder (no readable CMakeCache.txt)") from e
    cache = {}
    for line in text.splitlines():
        m = re.match(r"([^#/][^:=]*):([A-Z]+)=(.*)$", line)
        if m:
            cache[m.group(1)] = (m.group(2), m.group(3))
    return cache


def depfile_paths(text):
    """Every path in a Makefile-syntax depfile, targets included (CMake's phony 'header:' rules are inputs)."""
    text = text.replace("\\\n", " ")
    for token in re.split(r"(?<!\\)\s+", text):
        token = token.replace("\\ ", " ").rstrip(":")
        if token.startswith("/"):
            yield token


def compiler_inputs(build, ninja):
    """Headers and other compiler inputs the build recorded."""
    found = set()
    if ninja:
        # Ninja folds each compile's .d into .ninja_deps and deletes the .d, so only it can list them.
        for line in run([ninja, "-C", str(build), "-t", "deps"]).splitlines():
            if line.startswith("    "):
                found.add(os.path.normpath(os.path.join(build, line[4:])))
    # Makefile builds, and the depfiles Ninja keeps (AUTOGEN's moc dependencies).
    for folder, _, files in os.walk(build):
        for name in files:
            if name.endswith(".d") or name == "compiler_depend.make":
                try:
                    found.update(depfile_paths(Path(folder, name).read_text(errors="surrogateescape")))
                except OSError:
                    pass
    return found


def is_library(path):
    return ".so" in os.path.basename(path) or path.endswith(".a")


def cmake_inputs(build, cache, ninja):
    """The files configure read (CMake package configs, Find modules) and the programs it found."""
    read = set()
    # The generator records every file configure read as an input of its re-run rule, so that editing one
    # re-runs CMake: an exact list, where the *.cmake files in each <Pkg>_DIR would also take in plugin files
    # other packages drop there (qt6-wayland-dev into cmake/Qt6Gui) that find_package never loads.
    if ninja:
        for line in run([ninja, "-C", str(build), "-t", "query", "build.ninja"]).splitlines():
            m = re.match(r"    (?:\|\|? )?(.+)$", line)
            if m:
                read.add(os.path.normpath(os.path.join(build, m.group(1))))
    else:
        try:
            text = (build / "CMakeFiles" / "Makefile.cmake").read_text(errors="surrogateescape")
        except OSError:
            text = ""
        m = re.search(r"set\(CMAKE_MAKEFILE_DEPENDS\s(.*?)\)", text, re.S)
        if m:
            read.update(os.path.normpath(os.path.join(build, p)) for p in re.findall(r'"([^"]+)"', m.group(1)))
    if not read:
        # No re-run rule to read: every *.cmake file where find_package found a package is the next best.
        for name, (kind, value) in cache.items():
            if kind == "PATH" and name.endswith("_DIR") and value.startswith("/") and os.path.isdir(value):
                read.update(str(p) for p in Path(value).glob("*.cmake"))

    found = set()
    for name, (kind, value) in cache.items():
        # Find modules probe for optional libraries too (FindOpenGL records libEGL.so and libGLU.so when they
        # happen to be there); a library matters when a link line uses it, and command_inputs sees those.
        if (kind == "FILEPATH" and value.startswith("/usr/") and os.path.isfile(value)
                and name not in CTEST_DASHBOARD_ENTRIES and not is_library(value)):
            found.add(value)
    return read | found


def command_inputs(build, ninja):
    """The libraries on link lines, and the programs the build runs (compiler, moc, rcc...)."""
    found, lines = set(), []
    if ninja:
        lines = run([ninja, "-C", str(build), "-t", "commands"]).splitlines()
        # Tools the build graph depends on but runs through a wrapper (moc via cmake -E cmake_autogen); the
        # inputs tool is new in Ninja 1.11 (Debian 12's), so an older one just sees less.
        try:
            found.update(p for p in run([ninja, "-C", str(build), "-t", "inputs"]).splitlines()
                         if p.startswith("/usr/") and os.path.isfile(p))
        except CannotTell:
            pass
    else:
        for link_txt in build.glob("**/link.txt"):
            lines += link_txt.read_text(errors="surrogateescape").splitlines()
    for line in lines:
        try:
            tokens = shlex.split(line)
        except ValueError:
            tokens = line.split()
        starts_command = True
        for token in tokens:
            if token.startswith("/usr/"):
                if (is_library(token) or starts_command) and os.path.isfile(token):
                    found.add(token)
            elif token.startswith("-fuse-ld="):
                # The compiler driver runs ld.<name> from the PATH: a linker named by a flag, not a path.
                linker = shutil.which("ld." + token.split("=", 1)[1])
                if linker:
                    found.add(linker)
            starts_command = token in ("&&", "||", ";", "|")
    return found


def via_alternatives(path):
    """True when path's chain of symlinks passes through /etc/alternatives, which no package owns."""
    for _ in range(40):
        if not os.path.islink(path):
            return False
        path = os.path.normpath(os.path.join(os.path.dirname(path), os.readlink(path)))
        if path.startswith("/etc/alternatives/"):
            return True
    return False


# --- the verdict ---

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", required=True, type=Path, help="a configured and built CMake build folder")
    parser.add_argument("--dev-sh", type=Path, default=ROOT / "dev.sh", help="default: %(default)s")
    parser.add_argument("--without", action="append", default=[], metavar="PKG",
                        help="drop PKG from dev.sh's list, to prove the check catches it (repeatable)")
    args = parser.parse_args()

    packages = read_packages(args.dev_sh)
    for pkg in args.without:
        if pkg not in packages:
            # Dropping a name that is not there would make a test that expects a failure pass vacuously.
            raise CannotTell(f"--without {pkg}: {args.dev_sh} does not list {pkg}")
    packages = [p for p in packages if p not in args.without]

    build = args.build.resolve()
    cache = read_cache(build)
    generator = cache.get("CMAKE_GENERATOR", ("", ""))[1]
    ninja = None
    if generator.startswith("Ninja"):
        ninja = cache.get("CMAKE_MAKE_PROGRAM", ("", ""))[1]
        if not os.access(ninja, os.X_OK):
            ninja = shutil.which("ninja")
        if not ninja:
            raise CannotTell("a Ninja build folder, but no ninja to read its records with")
    elif generator != "Unix Makefiles":
        raise CannotTell(f"{build}: generator '{generator}' is not one this check can read")

    headers = compiler_inputs(build, ninja)
    own_roots = [str(build), cache.get("CMAKE_HOME_DIRECTORY", ("", str(ROOT)))[1], str(ROOT)]

    def system(paths):
        return {p for p in paths if not p.startswith(PSEUDO_ROOTS)
                and not any(p == r or p.startswith(r + "/") for r in own_roots)}

    headers = system(headers)
    if len(headers) < MIN_COMPILER_INPUTS:
        raise CannotTell(f"{build} records only {len(headers)} system compiler inputs: build it first")
    used = headers | system(cmake_inputs(build, cache, ninja)) | system(command_inputs(build, ninja))
    # A depfile can name a header that a later package upgrade removed; ninja rescans that file on the next
    # build, so it says nothing about what the build needs now.
    used = {p for p in used if os.path.exists(p)}

    depends, provides, essential = installed_packages()
    # A dev.sh package this machine lacks can only make the closure smaller, never hide a gap, so the check
    # goes on; a failure then may be a false alarm, and says so.
    absent = [p for p in packages if p not in depends and p not in provides]
    have = closure(packages, depends, provides) | closure(essential, depends, provides)

    # Each file is needed under the name the build used and as the file it resolves to: a -dev package often
    # ships only the libX.so symlink whose target comes from the runtime package. A link made by
    # update-alternatives belongs to no package; the package of the file it leads to is what matters.
    needed = defaultdict(set)
    for p in used:
        real = os.path.realpath(p)
        if not via_alternatives(p):
            needed[p].add(p)
        needed[real].add(p)
    owners = owners_of([n for n in needed if not n.startswith("/usr/local/")])

    # The example named for a missing package should be the one a reader recognises: a header, else the
    # package config find_package fails on, else whatever comes first.
    def example_rank(name):
        if needed[name] & headers:
            return 0
        return 1 if name.endswith(("Config.cmake", "-config.cmake")) else 2

    missing, unowned, covering = {}, [], set()
    for name in sorted(needed, key=lambda n: (example_rank(n), n)):
        if name.startswith("/usr/local/"):
            unowned.append(f"{name} is under /usr/local: a fresh machine will not have it")
            continue
        pkgs = owners[name]
        if not pkgs:
            unowned.append(f"{name} belongs to no Debian package: a fresh machine will not have it")
        elif pkgs & have:
            covering |= pkgs & have
        else:
            missing.setdefault(" or ".join(sorted(pkgs)), name)

    if missing or unowned:
        print(f"A fresh Debian 12 machine would fail to build: {args.dev_sh.name} does not give it everything "
              f"the build in {build} used.")
        for pkg, example in sorted(missing.items()):
            print(f"dev.sh does not install {pkg} (needed for {example})")
        for line in sorted(unowned):
            print(line)
        if absent:
            print(f"(dev.sh's {' '.join(absent)} not installed here, so what they would pull in is unknown: "
                  "run ./dev.sh build first)")
        return 1
    print(f"dev.sh's packages cover the build: {len(used)} files from {len(covering)} packages")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except CannotTell as e:
        print(f"{Path(sys.argv[0]).name}: cannot tell: {e}", file=sys.stderr)
        sys.exit(2)
