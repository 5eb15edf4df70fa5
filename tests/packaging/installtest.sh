#!/usr/bin/env bash
# Installs ParLab as a user would and runs it with the source and build folders hidden, so any path back
# into them fails the test instead of passing by accident.
#   installtest.sh install BUILD SOURCE   cmake --install into a fresh prefix
#   installtest.sh deb BUILD SOURCE       cpack -G DEB, check its metadata, dpkg -x into a scratch root
set -euo pipefail
mode=$1 build=$(readlink -f "$2") source=$(readlink -f "$3")
scratch=$(mktemp -d /tmp/parlab-installtest.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

case "$mode" in
  install)
    prefix=$scratch/prefix
    cmake --install "$build" --prefix "$prefix" >"$scratch/install.log" || { cat "$scratch/install.log"; fail "cmake --install failed"; }
    ;;
  deb)
    (cd "$scratch" && cpack --config "$build/CPackConfig.cmake" -B "$scratch/cpack" >cpack.log 2>&1) \
      || { cat "$scratch/cpack.log"; fail "cpack -G DEB failed"; }
    deb=$(ls "$scratch"/cpack/parlab_*.deb 2>/dev/null | head -n 1)
    [[ -n $deb ]] || fail "cpack wrote no parlab_*.deb into $scratch/cpack"
    echo "built $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB)"
    depends=$(dpkg-deb --field "$deb" Depends)
    recommends=$(dpkg-deb --field "$deb" Recommends)
    echo "Depends: $depends"
    echo "Recommends: $recommends"
    # dpkg-shlibdeps' Depends: the Qt libraries the programs link, with versions, and the C++ runtime.
    for lib in libqt6core6 libqt6widgets6 libqt6charts6 libqt6sql6 libqt6svg6 libstdc++6 libc6 libqt6sql6-sqlite; do
      [[ ",$depends," =~ [,\ ]"$lib"[\ ,\(] ]] || fail "Depends lacks $lib: $depends"
    done
    [[ $depends =~ libqt6core6\ \(\>=\ 6 ]] || fail "Depends names libqt6core6 without the version dpkg-shlibdeps gives: $depends"
    for pkg in openmpi-bin python3; do
      [[ $recommends == *"$pkg"* ]] || fail "Recommends lacks $pkg: $recommends"
    done
    dpkg-deb --contents "$deb" >"$scratch/contents"
    grep -q '/build' "$scratch/contents" && fail "the package holds build-tree paths: $(grep /build "$scratch/contents" | head -3)"
    dpkg-deb --extract "$deb" "$scratch/root"
    prefix=$scratch/root/usr
    # What a software centre reads from the installed tree: metainfo, desktop entry and icon together.
    appstreamcli validate-tree --no-net "$scratch/root" >"$scratch/appstream.log" 2>&1 \
      || { cat "$scratch/appstream.log"; fail "appstreamcli validate-tree rejects the package's files"; }
    grep -E '^ *[EW]: ' "$scratch/appstream.log" && fail "appstreamcli validate-tree warns about the package's files"
    echo "appstreamcli validate-tree: $(tail -n 1 "$scratch/appstream.log")"
    ;;
  *) fail "unknown mode '$mode' (install or deb)" ;;
esac

# Every file a desktop install needs, in its FHS place.
libexec=$(find "$prefix" -path '*/libexec/parlab/parlab-mpi-worker' | head -n 1)
kernels=$(find "$prefix" -path '*/lib*/parlab/libparlab_kernels.so' | head -n 1)
for f in "$prefix/bin/parlab" "$libexec" "$kernels" "$prefix/share/applications/org.parlab.ParLab.desktop" \
  "$prefix/share/metainfo/org.parlab.ParLab.metainfo.xml" "$prefix/share/man/man1/parlab.1" \
  "$prefix/include/parlab/kernel_abi.h" "$prefix/share/doc/parlab/examples/c/collatz.c" \
  "$prefix/share/icons/hicolor/scalable/apps/org.parlab.ParLab.svg" \
  "$prefix/share/icons/hicolor/48x48/apps/org.parlab.ParLab.png" \
  "$prefix/share/icons/hicolor/256x256/apps/org.parlab.ParLab.png" \
  "$prefix/share/doc/parlab/examples/python/hashing.py" "$(dirname "$kernels")/examples/libcollatz.so"; do
  [[ -n $f && -s $f ]] || fail "not installed: ${f:-a helper} (installed: $(cd "$prefix" && find . -type f | sort | tr '\n' ' '))"
done
echo "installed under $prefix: $(cd "$prefix" && find . -type f | wc -l) files"

# A sanitizer preset's suppression files live in the source folder, which the run cannot see: they go along as
# copies in the scratch folder (else the sanitizer runtime aborts on a file it cannot read).
for var in LSAN_OPTIONS TSAN_OPTIONS UBSAN_OPTIONS; do
  value=${!var:-}
  [[ $value =~ (^|:)suppressions=([^:]+) ]] || continue
  copy="$scratch/$(basename "${BASH_REMATCH[2]}")"
  cp "${BASH_REMATCH[2]}" "$copy" || fail "cannot copy $var's suppressions file ${BASH_REMATCH[2]}"
  export "$var=${value/suppressions=${BASH_REMATCH[2]}/suppressions=$copy}"
done

# The run, with the source and the build folder out of reach (a private mount namespace; root inside a user
# namespace where this user is not root already). Its history goes to the scratch folder.
hide="mount -t tmpfs parlab-hidden '$source'"
[[ $build == "$source"/* ]] || hide+=" && mount -t tmpfs parlab-hidden '$build'"
unshare_args=(--mount)
(($(id -u) == 0)) || unshare_args=(--user --map-root-user --mount)
if ! why=$(unshare "${unshare_args[@]}" true 2>&1); then
  fail "cannot make a private mount namespace to hide the build in (unshare ${unshare_args[*]}: $why); in a chroot, \
bind-mount its root onto itself first (mount --bind ROOT ROOT) so that / is a mount point"
fi
run="$hide && cd / && export XDG_DATA_HOME='$scratch/data' && test ! -e '$build/CMakeCache.txt' &&
  '$prefix/bin/parlab' --version >'$scratch/version' &&
  '$prefix/bin/parlab' run --kernel fib --inputs 30x4 --backends processes,process-per-task,python-threads,mpi \
    --python-native --workers 2 --repeat 1 --warmup 0 --format json >'$scratch/run.json' &&
  cc -O2 -shared -fPIC -I'$prefix/include' '$prefix/share/doc/parlab/examples/c/collatz.c' -o '$scratch/libcollatz.so' &&
  '$prefix/bin/parlab' run --kernel 'lib:$scratch/libcollatz.so:collatz' --inputs 20000x4 \
    --backends threads,processes,mpi --workers 2 --repeat 1 --warmup 0 --format json >'$scratch/lib.json' &&
  '$prefix/bin/parlab' run --kernel 'py:$prefix/share/doc/parlab/examples/python/cpu.py:collatz' --inputs 1x2 \
    --backends python-processes --workers 2 --repeat 1 --warmup 0 >'$scratch/example.txt' &&
  '$prefix/bin/parlab' run --preset python-hashing --inputs 1x2 --backends python-sequential,python-threads \
    --workers 2 --repeat 1 --warmup 0 >>'$scratch/example.txt' &&
  '$prefix/bin/parlab' run --preset c-collatz --inputs 1000x2 --backends sequential,threads --workers 2 --repeat 1 \
    --warmup 0 >>'$scratch/example.txt'"
unshare "${unshare_args[@]}" bash -c "$run" 2>"$scratch/run.err" \
  || { cat "$scratch/run.err"; fail "the installed parlab failed with $source and $build hidden"; }
version=$(cat "$scratch/version")
[[ $version == "parlab "* ]] || fail "parlab --version printed '$version'"
# ParLab's own kernel on every process backend, then the shipped C example built against the installed header.
python3 - "$scratch/run.json" "$scratch/lib.json" <<'PY'
import json, sys
for path, want in ((sys.argv[1], {("processes", 2), ("process-per-task", 2), ("python-threads", 2), ("mpi", 2)}),
                   (sys.argv[2], {("threads", 2), ("processes", 2), ("mpi", 2)})):
    doc = json.load(open(path))
    seen = {(r["backend"], r["workers"]) for r in doc["results"]}
    missing = want - seen
    if missing:
        sys.exit(f"FAIL: the installed run of {doc['spec']['kernel']} measured {sorted(seen)}, not {sorted(missing)}")
    bad = [r["backend"] for r in doc["results"] if r["checksum"] != doc["reference_checksum"]]
    if bad:
        sys.exit(f"FAIL: {doc['spec']['kernel']}: checksums differ from the sequential reference for {bad}")
    print(f"installed run of {doc['spec']['kernel']}:",
          ", ".join(f"{r['backend']} x{r['workers']} {r['median_s'] * 1000:.1f} ms" for r in doc["results"]))
PY
echo "PASS: $mode"
