#!/bin/sh
# multiproc.sh — several processes verifying and writing one keystore at once
# (see multiproc.c).  TAP on stdout.
prog="${KD_BUILDDIR:-.}/tests/integration/multiproc"
if [ ! -x "$prog" ]; then
    echo "Bail out! $prog is not built"
    exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kd-multiproc.XXXXXX") || { echo "Bail out! mktemp"; exit 1; }
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
KEYDECK_NOW=2025-01-01T00:00:00Z "$prog" "$tmp" 8
