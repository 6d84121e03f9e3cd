#!/bin/sh
# tests/screen/run.sh — screen tests (TAP).  For each tests/screen/NAME.keys:
# run the TUI headless on a fixed keystore, collect the screens the script
# saved (:save-display / :save-attrs), normalise the random parts of ids and
# key starts, and diff against NAME.expected.
#
# A .keys file may start with directives:
#   # args: --size 120x40 --readonly     extra screen_driver arguments
#   # env: LC_ALL=C                      environment for the run
# KD_UPDATE_SCREENS=1 rewrites the .expected files instead (make update-screens).
set -u
SRC=${KD_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${KD_BUILDDIR:-.}
DRIVER="$BUILD/tests/screen/screen_driver"
DIR="$SRC/tests/screen"
export TZ=UTC KEYDECK_NOW=2025-01-01T00:00:00Z ESCDELAY=25
unset NO_COLOR KEYDECK_THEME XDG_CONFIG_HOME
: "${LC_ALL:=C.UTF-8}"; export LC_ALL

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kdscreen.XXXXXX") || exit 99
trap 'rm -rf "$WORK"' EXIT
HOME="$WORK/home"; export HOME; mkdir -p "$HOME"
KEYDECK_THEMES_DIR="$SRC/themes"; export KEYDECK_THEMES_DIR

tests=$(cd "$DIR" && ls *.keys | sed 's/\.keys$//')
n=$(echo "$tests" | wc -l)
echo "1..$n"

if ! (cd "$WORK" && KEYDECK_NOW=2024-12-30T00:00:00Z "$DRIVER" --fixture fixture.db) >"$WORK/fixture.log" 2>&1; then
    cat "$WORK/fixture.log" | sed 's/^/# /'
    i=0; for t in $tests; do i=$((i+1)); echo "not ok $i - $t # fixture failed"; done
    exit 1
fi

# Ids are kind_ + 22 base58 characters and key starts are prefix_ + 4: random
# parts become '#' of the same length so columns stay where they were.
normalise() {
    sed -E \
        -e ':a' -e 's/((api|key|role|perm|rl)_#*)[1-9A-HJ-NP-Za-km-z]/\1#/; ta' \
        -e ':b' -e 's/((pay|srch)_#{0,3})[1-9A-HJ-NP-Za-km-z]/\1#/; tb'
}

i=0; failed=0
for t in $tests; do
    i=$((i+1))
    keys="$DIR/$t.keys"
    args=$(sed -n 's/^# args: //p' "$keys" | head -1)
    envs=$(sed -n 's/^# env: //p' "$keys" | head -1)
    run="$WORK/$t"; mkdir -p "$run"; cp "$WORK"/fixture.db* "$run/"
    # shellcheck disable=SC2086
    (cd "$run" && env $envs "$DRIVER" --keystore fixture.db --script "$keys" $args) \
        >"$run/out.log" 2>&1
    rc=$?
    : >"$run/actual"
    for f in $(sed -n 's/^:save-\(display\|attrs\) //p' "$keys"); do
        echo "=== $f" >>"$run/actual"
        if [ -f "$run/$f" ]; then normalise <"$run/$f" >>"$run/actual"; fi
    done
    if [ $rc -ne 0 ]; then
        echo "not ok $i - $t # driver exit $rc"; sed 's/^/# /' "$run/out.log"; failed=$((failed+1))
        continue
    fi
    if [ "${KD_UPDATE_SCREENS:-}" = 1 ]; then
        cp "$run/actual" "$DIR/$t.expected"
        echo "ok $i - $t # updated"
    elif diff -u "$DIR/$t.expected" "$run/actual" >"$run/diff" 2>&1; then
        echo "ok $i - $t"
    else
        echo "not ok $i - $t"; sed 's/^/# /' "$run/diff"; failed=$((failed+1))
    fi
done
echo "# $((n - failed)) passed, $failed failed"
[ $failed -eq 0 ]
