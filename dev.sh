#!/usr/bin/env bash
# ParLab's one entry point for developers and CI:
#   ./dev.sh run [parlab arguments]   install what is missing, build, start ParLab
#   ./dev.sh test [--quick] [ctest args]  install what is missing, build, run the whole test suite
#                                     (--quick: only the unit tests, seconds instead of minutes)
#   ./dev.sh bench                    build, then run the benchmarks (figures, not pass/fail; a few minutes)
#   ./dev.sh bench gate               build, then the regression gate's A/A and A/B figures (tests/bench/bench_gate.sh:
#                                     45 runs with 44 pauses of GAP s, over 18 minutes at GAP=25; its variables pass on)
#   ./dev.sh build                    install what is missing and build
#   ./dev.sh screenshots [DIR]        build, then take the README's pictures of the window under Xvfb
#                                     (classic preset, lesson 1, a comparison, your own function; light and dark;
#                                     default docs/screenshots)
#   ./dev.sh sanitize asan|ubsan|tsan [ctest args]  build the sanitizer preset in build/NAME and run the suite
#                                     under it, with the preset's sanitizer options and suppressions (long)
#   ./dev.sh coverage [ctest args]    build with --coverage in build-coverage, run the suite, print line
#                                     coverage of core/, ui/ and app/ (gcovr; report in build-coverage/coverage)
# Environment: BUILD_DIR (default build), BUILD_TYPE (default RelWithDebInfo), JOBS (default nproc).
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")"

BUILD_DIR=${BUILD_DIR:-build}
BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo}
JOBS=${JOBS:-$(nproc)}

# Debian 12 packages the build, the tests and the backends need. The suite's dev_packages test checks,
# from dpkg's database, that every file a build used comes from these or what they depend on.
PACKAGES=(
  build-essential cmake ninja-build pkg-config lld ccache
  qt6-base-dev qt6-base-dev-tools libqt6concurrent6 libqt6sql6-sqlite
  qt6-charts-dev qt6-svg-dev libqt6opengl6-dev libgl-dev
  openmpi-bin libopenmpi-dev
  libhwloc-dev # the topology: physical cores, SMT, NUMA nodes (core/topology.h)
  python3
  git # parlab run records the working folder's commit (git rev-parse HEAD); tst_environment makes a repository
  time # tst_usage compares the peak memory with /usr/bin/time -v's
  xvfb xauth
  iproute2 util-linux # tst_cluster's hosts: ip netns, unshare
  desktop-file-utils appstream groff-base dpkg-dev file
  clang-format clang-tidy
)

# Only `./dev.sh coverage` needs these.
COVERAGE_PACKAGES=(gcovr)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'dev.sh: error: %s\n' "$*" >&2; exit 1; }

install_packages() {
  local missing=()
  for p in "${PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  say "installing missing packages: ${missing[*]}"
  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || die "packages missing (${missing[*]}) and not root without sudo: install them with apt-get as root"
    sudo=(sudo)
  fi
  command -v apt-get >/dev/null || die "apt-get not found: this script sets up Debian 12; install ${missing[*]} yourself"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq || die "apt-get update failed: is the Debian mirror reachable?"
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install failed for: ${missing[*]}"
}

build() {
  install_packages "$@"
  # build.ninja, not CMakeCache.txt: a configure that failed (a package missing) leaves the cache behind.
  if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
    say "configuring ($BUILD_TYPE) in $BUILD_DIR"
    cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE" -DPARLAB_WERROR=ON ${CONFIGURE_ARGS:-} >/dev/null
  fi
  say "building"
  cmake --build "$BUILD_DIR" --parallel "$JOBS"
}

cmd=${1:-run}
shift || true
case "$cmd" in
  build)
    build ;;
  run)
    build
    if (($# == 0)); then
      if [[ -n ${DISPLAY:-}${WAYLAND_DISPLAY:-} ]]; then
        # The window, with the classic experiment filled in.
        set -- gui --preset classic
      else
        say "no display (DISPLAY and WAYLAND_DISPLAY are unset): running the classic experiment in the terminal instead"
        set -- run --preset classic
      fi
    fi
    exec "$BUILD_DIR/bin/parlab" "$@" ;;
  test)
    build
    if [[ ${1:-} == --quick ]]; then
      shift
      say "running the unit tests (ctest -L unit)"
      set -- -L unit "$@"
    else
      say "running the test suite"
    fi
    ctest --test-dir "$BUILD_DIR" --output-on-failure --timeout 600 "$@" ;;
  coverage)
    BUILD_DIR=build-coverage BUILD_TYPE=Debug CONFIGURE_ARGS=-DPARLAB_COVERAGE=ON
    build "${COVERAGE_PACKAGES[@]}"
    find "$BUILD_DIR" -name '*.gcda' -delete
    say "running the test suite with coverage"
    status=0
    ctest --test-dir "$BUILD_DIR" --output-on-failure --timeout 900 "$@" || status=$?
    mkdir -p "$BUILD_DIR/coverage"
    say "line coverage of core/, ui/ and app/"
    gcovr --root . --object-directory "$BUILD_DIR" --filter 'core/' --filter 'ui/' --filter 'app/' \
      --exclude-unreachable-branches --gcov-ignore-parse-errors --print-summary --html-details "$BUILD_DIR/coverage/index.html" \
      --txt "$BUILD_DIR/coverage/summary.txt" | grep -E '^(lines|functions):'
    say "per file: $BUILD_DIR/coverage/summary.txt, annotated source: $BUILD_DIR/coverage/index.html"
    exit "$status" ;;
  sanitize)
    preset=${1:-}
    [[ $preset == asan || $preset == ubsan || $preset == tsan ]] || die "usage: ./dev.sh sanitize asan|ubsan|tsan [ctest args]"
    shift
    install_packages
    say "building the $preset preset in build/$preset (everything instrumented: long the first time)"
    [[ -f build/$preset/build.ninja ]] || cmake --preset "$preset" >/dev/null
    cmake --build --preset "$preset" --parallel "$JOBS"
    say "running the suite under $preset"
    ctest --preset "$preset" "$@" ;;
  bench)
    build
    if [[ ${1:-} == gate ]]; then
      say "the regression gate's A/A and A/B figures (tests/bench/bench_gate.sh; over 18 minutes at its default GAP=25)"
      exec tests/bench/bench_gate.sh "$BUILD_DIR"
    fi
    [[ -z ${1:-} ]] || die "unknown benchmark '$1' (./dev.sh bench runs the quick ones, ./dev.sh bench gate the gate's)"
    "$BUILD_DIR/bin/bench_dispatch"
    "$BUILD_DIR/bin/bench_analysis"
    "$BUILD_DIR/bin/bench_losses"
    "$BUILD_DIR/bin/bench_userfunction"
    "$BUILD_DIR/bin/bench_predict"
    "$BUILD_DIR/bin/bench_fits"
    QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen} "$BUILD_DIR/bin/bench_ui_stall"
    QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen} "$BUILD_DIR/bin/bench_window_cost"
    say "not run: the regression gate's A/A and A/B figures (over 18 minutes; on a machine without other work): ./dev.sh bench gate" ;;
  screenshots)
    build
    out=${1:-docs/screenshots}
    say "running the classic preset and lesson 1 in a real window under Xvfb (a minute or two)"
    QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1280x800x24 -dpi 96" "$BUILD_DIR/bin/parlab_screenshots" "$out" ;;
  *)
    die "unknown command '$cmd' (use run, test, sanitize, coverage, bench, screenshots or build)" ;;
esac
