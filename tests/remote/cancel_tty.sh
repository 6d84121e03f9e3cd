#!/bin/sh
# cancel_tty.sh — the dashboard on a real pty (tmux) against a server that never
# answers (TAP): the bottom line says what it waits for, Esc cancels the call,
# the pane says so, no new request starts by itself, and q quits at once with
# the terminal restored.  Polls capture-pane (50 ms steps, 10 s at most).
set -u
KEYDECK=${KEYDECK:-./keydeck}
SRC=${KD_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
if ! command -v tmux >/dev/null 2>&1; then
    echo "1..0 # SKIP tmux not installed"
    exit 0
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/kdcancel.XXXXXX") || exit 99
T="tmux -L kdcancel-$$ -f /dev/null"
cleanup() { $T kill-server >/dev/null 2>&1; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 1' INT TERM

cat >"$WORK/run.sh" <<EOF
python3 "$SRC/tests/remote/fault_server.py" --mode hang --port-file "$WORK/port" &
i=0
while [ ! -s "$WORK/port" ] && [ \$i -lt 100 ]; do sleep 0.05; i=\$((i + 1)); done
printf '[profile hang]\nbackend = unkey\nurl = http://127.0.0.1:%s\napis = api_hangingAPI1\ntimeout = 60\n' \
    "\$(cat "$WORK/port")" >"$WORK/config"
chmod 600 "$WORK/config"
KEYDECK_CONFIG="$WORK/config" UNKEY_ROOT_KEY=kdroot_cancelTestKey123 "$KEYDECK" --profile hang
status=\$?
modes=\$(stty -a | tr ' ;' '\\n\\n' | grep -xE -- '-?(echo|icanon)' | tr '\\n' ' ')
printf 'TTY:%s\\nEXIT=%s\\n' "\$modes" "\$status" >"$WORK/out"
sleep 60
EOF
$T new-session -d -s c -x 100 -y 30 -e TERM=xterm-256color -e LANG=C.UTF-8 -e LC_ALL=C.UTF-8 \
    -e HOME="$WORK" -e ESCDELAY=25 "sh $WORK/run.sh"

n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
    n=$((n + 1))
    echo "not ok $n - $1"
    $T capture-pane -p -t c 2>/dev/null | sed 's/^/#   /'
}
# wait_for TEXT: until the screen shows TEXT (10 s).
wait_for() {
    i=0
    while [ $i -lt 200 ]; do
        $T capture-pane -p -t c 2>/dev/null | grep -q -- "$1" && return 0
        sleep 0.05
        i=$((i + 1))
    done
    return 1
}

if wait_for "waiting for unkey http://127.0.0.1"; then
    ok "a slow first load says what it waits for"
else
    not_ok "a slow first load says what it waits for"
fi
$T send-keys -t c Escape
if wait_for "cancelled"; then ok "Esc cancels it and the pane says so"; else not_ok "Esc cancels it and the pane says so"; fi
sleep 2.5 # longer than the refresh period (2 s): nothing may start by itself
if $T capture-pane -p -t c | grep -q "waiting for"; then
    not_ok "no new request starts by itself after a cancel"
else
    ok "no new request starts by itself after a cancel"
fi
$T send-keys -t c q
i=0
while [ ! -s "$WORK/out" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
if grep -q "EXIT=0" "$WORK/out" 2>/dev/null && grep -qw "icanon" "$WORK/out" &&
    grep -qw "echo" "$WORK/out" && ! grep -q -- "-echo\|-icanon" "$WORK/out"; then
    ok "q quits at once, exit 0, the terminal restored"
else
    not_ok "q quits at once, exit 0, the terminal restored"
    cat "$WORK/out" 2>/dev/null | sed 's/^/# /'
fi
echo "1..$n"
