#!/bin/sh
# crash.sh — SIGKILL a writer at random moments; nothing acknowledged is lost and
# the keystore stays whole (see crash.c).  TAP on stdout; CRASH_SEED=n repeats a run.
prog="${KD_BUILDDIR:-.}/tests/integration/crash"
if [ ! -x "$prog" ]; then
    echo "Bail out! $prog is not built"
    exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kd-crash.XXXXXX") || { echo "Bail out! mktemp"; exit 1; }
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
"$prog" "$tmp" 5
