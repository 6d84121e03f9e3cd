#!/bin/sh
# tests/tty/run.sh — black-box tests of the TUI on a real pty (TAP): what the
# headless screen tests cannot see.  Each case runs the program in a private
# tmux server (-L, -f /dev/null), drives it with send-keys / signals / resizes,
# and polls capture-pane (50 ms steps, 10 s timeout; never a blind sleep).
#
# The program is screen_driver without --script (the real TUI on the pty).
# Once `keydeck` runs the TUI itself (its --help mentions --monitor), $KEYDECK
# is used instead; KD_TTY_APP="prog args" overrides both.
#
# Each pane runs a small shell script: the program, then it writes
# "EXIT=<status>" and the terminal's echo/icanon modes as `stty -a` reports
# them after the program exited to NAME.out, so a test can check that the
# terminal was restored.
set -u
SRC=${KD_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${KD_BUILDDIR:-.}
DRIVER="$BUILD/tests/screen/screen_driver"

if ! command -v tmux >/dev/null 2>&1; then
    echo "1..0 # SKIP tmux not installed"
    exit 0
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kdtty.XXXXXX") || exit 99
T="tmux -L kdtty-$$ -f /dev/null"
cleanup() { $T kill-server >/dev/null 2>&1; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
mkdir -p "$WORK/home"

if ! (cd "$WORK" && KEYDECK_NOW=2024-12-30T00:00:00Z "$DRIVER" --fixture fixture.db) \
    >"$WORK/fixture.log" 2>&1; then
    echo "1..0 # SKIP cannot build the fixture keystore: $(head -1 "$WORK/fixture.log")"
    exit 0
fi

if [ -n "${KD_TTY_APP:-}" ]; then
    APP=$KD_TTY_APP
elif [ -n "${KEYDECK:-}" ] && [ -x "$KEYDECK" ] && "$KEYDECK" --help 2>&1 | grep -q -- --monitor; then
    APP="$KEYDECK --keystore $WORK/fixture.db"
else
    APP="$DRIVER --keystore $WORK/fixture.db"
fi

n=0
failed=0
CASES=14
echo "1..$CASES"
echo "# program: $APP"

ok() {
    n=$((n + 1))
    echo "ok $n - $1"
}
not_ok() {
    n=$((n + 1))
    failed=$((failed + 1))
    echo "not ok $n - $1"
    if [ -n "${2:-}" ]; then
        echo "# screen of $2:"
        $T capture-pane -p -t "$2" 2>/dev/null | sed 's/^/#   /'
    fi
}

# start NAME COLSxROWS "ENV=V ..." ARGS — a session NAME running the program.
start() {
    name=$1 size=$2 envs=$3
    shift 3
    cat >"$WORK/$name.sh" <<EOF
cd "$WORK"
$APP $*
status=\$?
modes=\$(stty -a | tr ' ;' '\\n\\n' | grep -xE -- '-?(echo|icanon)' | tr '\\n' ' ')
printf 'TTY:%s\\nEXIT=%s\\n' "\$modes" "\$status" >"$WORK/$name.out"
EOF
    set --
    for e in TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=UTC HOME="$WORK/home" \
        KEYDECK_NOW=2025-01-01T00:00:00Z ESCDELAY=25 KEYDECK_THEMES_DIR="$SRC/themes" $envs; do
        set -- "$@" -e "$e"
    done
    # remain-on-exit keeps the pane (and what the script printed) after it ends.
    $T new-session -d -s "$name" -x "${size%x*}" -y "${size#*x}" "$@" "sh $WORK/$name.sh" \; \
        set-option -g remain-on-exit on
}

# wait_for NAME REGEX — poll the screen until a line matches.
wait_for() {
    i=0
    while [ $i -lt 200 ]; do
        $T capture-pane -p -t "$1" 2>/dev/null | grep -Eq -- "$2" && return 0
        sleep 0.05
        i=$((i + 1))
    done
    echo "# TIMEOUT waiting for /$2/ in $1"
    return 1
}

# The program's pid: the child of the pane's shell.
app_pid() {
    pp=$($T display-message -p -t "$1" '#{pane_pid}')
    for s in /proc/[0-9]*/stat; do
        read -r pid _comm _state ppid _rest <"$s" 2>/dev/null || continue
        if [ "$ppid" = "$pp" ]; then
            echo "$pid"
            return 0
        fi
    done
    return 1
}

# finished NAME STATUS — the program exited with STATUS, left the alternate
# screen, and the terminal has echo and icanon back.
finished() {
    i=0
    while ! grep -q '^EXIT=' "$WORK/$1.out" 2>/dev/null; do
        i=$((i + 1))
        [ $i -lt 200 ] || {
            echo "# TIMEOUT: $1 did not exit"
            return 1
        }
        sleep 0.05
    done
    grep -qx "EXIT=$2" "$WORK/$1.out" || {
        echo "# expected EXIT=$2, got $(sed -n 's/^EXIT=//p' "$WORK/$1.out")"
        return 1
    }
    modes=$(sed -n 's/^TTY://p' "$WORK/$1.out")
    case " $modes " in
    *" -echo "* | *" -icanon "*)
        echo "# terminal left in raw mode: $modes"
        return 1
        ;;
    esac
    case " $modes " in
    *" echo "*) ;;
    *)
        echo "# echo missing: $modes"
        return 1
        ;;
    esac
    case " $modes " in
    *" icanon "*) ;;
    *)
        echo "# icanon missing: $modes"
        return 1
        ;;
    esac
    [ "$($T display-message -p -t "$1" '#{alternate_on}')" = 0 ] || {
        echo "# still on the alternate screen"
        return 1
    }
}

# Colour parameters in the SGR sequences capture-pane -e reports (39/49, the
# default colours, are not colours).
colour_sgrs() {
    $T capture-pane -p -e -t "$1" | grep -o "$(printf '\033')\[[0-9;]*m" |
        sed 's/^.\[//; s/m$//' | tr ';' '\n' | grep -cxE '3[0-8]|4[0-8]|9[0-7]|10[0-7]'
}

# 1-2: resize below the minimum and back, in the monitor; q exits 0.
start resize 80x24 "" --monitor
if wait_for resize 'Traffic' && wait_for resize 'LIVE' &&
    $T resize-window -t resize -x 50 -y 12 && wait_for resize 'terminal too small' &&
    $T resize-window -t resize -x 80 -y 24 && wait_for resize 'Busiest keys'; then
    ok "resize 80x24 -> 50x12 shows 'too small', and back"
else
    not_ok "resize 80x24 -> 50x12 shows 'too small', and back" resize
fi
$T send-keys -t resize q
if finished resize 0; then ok "q exits 0 and restores the terminal"; else not_ok "q exits 0 and restores the terminal" resize; fi

# 3-6: SIGTERM, SIGHUP (the ssh link drops), SIGINT (Ctrl-C) and a crash
# (SIGSEGV: the crash handler restores, then dies of the signal) end it with
# 128+signal and restore the terminal.
for sig in TERM HUP INT SEGV; do
    name=sig$sig
    start "$name" 80x24 "" --monitor
    case $sig in TERM) status=143 ;; HUP) status=129 ;; INT) status=130 ;; SEGV) status=139 ;; esac
    if wait_for "$name" 'LIVE' && pid=$(app_pid "$name") && kill -s "$sig" "$pid" &&
        finished "$name" "$status"; then
        ok "SIG$sig exits $status and restores the terminal"
    else
        not_ok "SIG$sig exits $status and restores the terminal" "$name"
    fi
done

# 7-8: colours by default; none with NO_COLOR=1 (the same screen otherwise).
start colour 80x24 ""
if wait_for colour 'Keys: payments' && [ "$(colour_sgrs colour)" -gt 0 ]; then
    ok "colours by default (the NO_COLOR check can fail)"
else
    not_ok "colours by default (the NO_COLOR check can fail)" colour
fi
$T send-keys -t colour q
start nocolour 80x24 "NO_COLOR=1"
if wait_for nocolour 'Keys: payments' && [ "$(colour_sgrs nocolour)" -eq 0 ]; then
    ok "NO_COLOR=1 renders without colour"
else
    not_ok "NO_COLOR=1 renders without colour" nocolour
    $T capture-pane -p -e -t nocolour | head -3 | cat -v | sed 's/^/#   /'
fi
$T send-keys -t nocolour q

# 9: TERM=screen (8 colours, older terminfo) works and exits cleanly.
start screen 80x24 "TERM=screen" --monitor
if wait_for screen 'Traffic' && wait_for screen 'Recent failures' &&
    $T send-keys -t screen q && finished screen 0; then
    ok "TERM=screen works"
else
    not_ok "TERM=screen works" screen
fi

# 10: a C locale draws ASCII borders.
start ascii 80x24 "LANG=C LC_ALL=C"
if wait_for ascii '\+ 2 Keys: payments -+\+$' && wait_for ascii '^#\[1 APIs\]=+#' &&
    ! $T capture-pane -p -t ascii | grep -q '│'; then
    ok "LANG=C LC_ALL=C draws ASCII borders"
else
    not_ok "LANG=C LC_ALL=C draws ASCII borders" ascii
fi
$T send-keys -t ascii q

# 11: a UTF-8 locale draws line-drawing borders (the program sets its locale).
start utf8 80x24 ""
if wait_for utf8 '│' && wait_for utf8 '^┏\[1 APIs\]━' && ! $T capture-pane -p -t utf8 | grep -q '^+'; then
    ok "a UTF-8 locale draws UTF-8 borders"
else
    not_ok "a UTF-8 locale draws UTF-8 borders" utf8
fi
$T send-keys -t utf8 q

# 12-13: the monitor's keys on a real pty: p pauses, p resumes, then q.
start pause 80x24 "" --monitor
if wait_for pause 'LIVE' && $T send-keys -t pause p && wait_for pause 'PAUSED'; then
    ok "p shows PAUSED"
else
    not_ok "p shows PAUSED" pause
fi
if $T send-keys -t pause p && wait_for pause 'LIVE' && $T send-keys -t pause q &&
    finished pause 0; then
    ok "p resumes (LIVE), q exits 0"
else
    not_ok "p resumes (LIVE), q exits 0" pause
fi

# 14: y sends the selected key's id with OSC 52, which reaches the clipboard
# even over ssh; tmux (set-clipboard on) turns it into a paste buffer.
start copy 100x30 ""
if wait_for copy 'Keys: payments' && $T set-option -g set-clipboard on &&
    $T send-keys -t copy 2 && $T send-keys -t copy y && wait_for copy 'copied key_' &&
    $T show-buffer 2>/dev/null | grep -qE '^key_[1-9A-HJ-NP-Za-km-z]+$'; then
    ok "y copies the key id with OSC 52 (tmux's buffer holds it)"
else
    not_ok "y copies the key id with OSC 52 (tmux's buffer holds it)" copy
fi
$T send-keys -t copy q

echo "# $((n - failed)) passed, $failed failed"
[ "$n" -eq "$CASES" ] && [ $failed -eq 0 ]
