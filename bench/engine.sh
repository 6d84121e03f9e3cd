#!/bin/sh
# engine.sh — run the keystore engine benchmark (bench/engine_bench.c) in a
# scratch directory and print its figures.  `make bench` builds and runs it.
# BENCH_KEYS (default 1000000), BENCH_SECONDS, BENCH_CREATE_SECONDS tune it;
# BENCH_DIR picks the scratch directory's parent (default $TMPDIR or /tmp).
# Misses are reported, never turned into a failing exit status.
prog="${KD_BUILDDIR:-.}/bench/engine_bench"
if [ ! -x "$prog" ]; then
    echo "engine.sh: $prog is not built (run: make bench)" >&2
    exit 1
fi
: "${BENCH_KEYS:=1000000}"
export BENCH_KEYS
dir=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/kd-bench.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
trap 'exit 1' INT TERM
echo "machine: $(uname -sm), $(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?') CPUs," \
     "scratch $dir"
"$prog" "$dir"
