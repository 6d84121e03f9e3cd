#!/bin/sh
# conformance.sh — one scenario, two backends, and the spec as referee.
#
# scenario.py drives the keydeck CLI through a full key-management scenario
# (APIs, keys with every field v2 carries, paging, updates, credits, roles and
# permissions, every verification outcome, reroll, reveal, deletes).  It runs
#   1. on a local keystore, and
#   2. on the unkey backend, talking to keydeckd through Prism, the validating
#      proxy of ../shared/tools/unkey-conformance (shared/ sits beside the repo),
# and the two transcripts must be identical, with zero request violations (our
# client) and zero response violations (our server) in Prism's log.
# The dashboard then browses the same server and creates a key with its form,
# through the same proxy.  Phase 2 of the scenario runs two hours later: keydeckd is restarted with the
# later KEYDECK_NOW, which also proves a restart keeps every write.
# Speaks TAP.  Skips when shared/ or node/npm are not there (a release tarball).

set -u

KEYDECK=${KEYDECK:-./keydeck}
KEYDECKD=${KEYDECKD:-${KD_BUILDDIR:-.}/keydeckd}
SRC=${KD_SRCDIR:-.}
PRISM=${UNKEY_CONFORMANCE:-$SRC/../shared/tools/unkey-conformance/prism.sh}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kdconf.XXXXXX") || exit 99
SERVER_PID=
PRISM_PID=
cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null
    [ -n "$PRISM_PID" ] && "$PRISM" stop "$PRISM_PID" >/dev/null 2>&1
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; }
finish() { echo "1..$n"; exit 0; }

if [ ! -x "$PRISM" ] && [ ! -f "$PRISM" ]; then
    echo "1..0 # SKIP no ../shared/tools/unkey-conformance beside the source tree"
    exit 0
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "1..0 # SKIP node and npm are needed to run Prism"
    exit 0
fi

T0=2026-06-01T12:00:00Z
T1=2026-06-01T14:00:00Z
unset KEYDECK_KEYSTORE KEYDECK_PROFILE UNKEY_ROOT_KEY
: >"$TMP/empty.conf"
chmod 600 "$TMP/empty.conf"
export KEYDECK KEYDECK_CONFIG="$TMP/empty.conf"

# ---- 1. the local keystore -------------------------------------------------------
run_local() {
    KEYDECK_KEYSTORE=$TMP/local.db KEYDECK_NOW=$T0 python3 "$SRC/tests/remote/scenario.py" 1 \
        "$TMP/local.state" >"$TMP/local.txt" &&
        KEYDECK_KEYSTORE=$TMP/local.db KEYDECK_NOW=$T1 python3 "$SRC/tests/remote/scenario.py" 2 \
            "$TMP/local.state" >>"$TMP/local.txt"
}
if run_local 2>"$TMP/local.err"; then
    ok "the scenario runs on a local keystore ($(wc -l <"$TMP/local.txt") steps)"
else
    not_ok "the scenario runs on a local keystore"
    sed 's/^/# /' "$TMP/local.err"
fi

# ---- 2. keydeckd behind Prism ----------------------------------------------------
SKS=$TMP/server.db
"$KEYDECK" --json --keystore "$SKS" rootkeys create --name conformance \
    --permissions 'api.*.create_key,api.*.read_key,api.*.update_key,api.*.delete_key,api.*.verify_key,api.*.decrypt_key,api.*.create_api,api.*.read_api,api.*.delete_api,rbac.*.create_permission,rbac.*.read_permission,rbac.*.delete_permission,rbac.*.create_role,rbac.*.read_role,rbac.*.delete_role,rbac.*.add_permission_to_role,rbac.*.remove_permission_from_role' \
    >"$TMP/root.json" 2>"$TMP/root.err"
ROOT_KEY=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["key"])' "$TMP/root.json" 2>/dev/null)
if [ -z "$ROOT_KEY" ]; then
    not_ok "keydeck rootkeys create makes a root key"
    sed 's/^/# /' "$TMP/root.err"
    finish
fi
ok "keydeck rootkeys create makes a root key"

# start_server NOW [PORT]: keydeckd on the keystore, pinned at NOW; sets PORT.
start_server() {
    rm -f "$TMP/port"
    KEYDECK_NOW=$1 "$KEYDECKD" --keystore "$SKS" --listen "127.0.0.1:${2:-0}" \
        --port-file "$TMP/port" --log "$TMP/requests.log" 2>>"$TMP/server.err" &
    SERVER_PID=$!
    i=0
    while [ ! -s "$TMP/port" ] && [ $i -lt 100 ]; do
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
        i=$((i + 1))
    done
    PORT=$(cat "$TMP/port" 2>/dev/null)
    [ -n "$PORT" ]
}
stop_server() {
    kill -TERM "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID"
    status=$?
    SERVER_PID=
    return $status
}

if ! start_server "$T0"; then
    not_ok "keydeckd starts"
    sed 's/^/# /' "$TMP/server.err"
    finish
fi
ok "keydeckd starts on 127.0.0.1:$PORT"

PRISM_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PRISM_LOG=$TMP/prism.log
PRISM_PID=$(PRISM_ERRORS=0 "$PRISM" proxy "http://127.0.0.1:$PORT" "$PRISM_PORT" "$PRISM_LOG" 2>"$TMP/prism.err")
if [ -z "$PRISM_PID" ]; then
    not_ok "Prism starts in front of keydeckd"
    sed 's/^/# /' "$TMP/prism.err"
    finish
fi
ok "Prism validates the traffic on 127.0.0.1:$PRISM_PORT"

cat >"$TMP/remote.conf" <<EOF
[profile remote]
backend = unkey
url = http://127.0.0.1:$PRISM_PORT
timeout = 20
EOF
chmod 600 "$TMP/remote.conf"
remote() {
    KEYDECK_CONFIG=$TMP/remote.conf KEYDECK_ARGS="--profile remote" UNKEY_ROOT_KEY=$ROOT_KEY \
        KEYDECK_NOW=$1 python3 "$SRC/tests/remote/scenario.py" "$2" "$TMP/remote.state"
}
if remote "$T0" 1 >"$TMP/remote.txt" 2>"$TMP/remote.err"; then
    ok "phase 1 runs on keydeckd through the unkey backend"
else
    not_ok "phase 1 runs on keydeckd through the unkey backend"
    sed 's/^/# /' "$TMP/remote.err" | tail -20
fi

# The dashboard on the same server, through the same proxy: browse, then create
# a key with the form.
API=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["state"]["api"])' \
    "$TMP/remote.state" 2>/dev/null)
printf 'apis = %s\n' "$API" >>"$TMP/remote.conf"
cat >"$TMP/tui.keys" <<EOF
:save-display $TMP/tui-browse.screen
2
n
<Tab>
"made-in-tui"
<C-s>
y
:expect-status "created key_"
<Enter>
:save-display $TMP/tui-created.screen
EOF
if KEYDECK_CONFIG=$TMP/remote.conf UNKEY_ROOT_KEY=$ROOT_KEY KEYDECK_NOW=$T0 LC_ALL=C.UTF-8 \
    "$KEYDECK" --profile remote --script "$TMP/tui.keys" --size 120x40 >"$TMP/tui.out" 2>&1 &&
    grep -q payments "$TMP/tui-browse.screen" && grep -q "shortlived" "$TMP/tui-browse.screen" &&
    ! grep -q "recoverab" "$TMP/tui-browse.screen" && # v2 does not say: not shown as "no"
    grep -q "made-in-tui" "$TMP/tui-created.screen"; then
    ok "the dashboard browses keydeckd and creates a key through the form"
    [ -n "${KD_SHOW_SCREENS:-}" ] && sed 's/^/# /' "$TMP/tui-browse.screen" "$TMP/tui-created.screen"
else
    not_ok "the dashboard browses keydeckd and creates a key through the form"
    sed 's/^/# /' "$TMP/tui.out" "$TMP/tui-browse.screen" "$TMP/tui-created.screen" 2>/dev/null | head -50
fi

if stop_server; then
    ok "keydeckd exits 0 on SIGTERM"
else
    not_ok "keydeckd exits 0 on SIGTERM"
fi
if start_server "$T1" "$PORT" && remote "$T1" 2 >>"$TMP/remote.txt" 2>"$TMP/remote.err"; then
    ok "phase 2 runs on a restarted keydeckd two hours later"
else
    not_ok "phase 2 runs on a restarted keydeckd two hours later"
    sed 's/^/# /' "$TMP/remote.err" "$TMP/server.err" | tail -20
fi
stop_server

if diff -u "$TMP/local.txt" "$TMP/remote.txt" >"$TMP/diff"; then
    ok "local and remote transcripts are identical"
else
    not_ok "local and remote transcripts are identical"
    sed 's/^/# /' "$TMP/diff"
fi

for side in request response proxy; do
    if "$PRISM" violations "$PRISM_LOG" "$side" >"$TMP/v.$side" 2>"$TMP/v.err"; then
        ok "no $side violations ($(sed -n 's/.*prism saw \([0-9]*\) request.*/\1/p' "$TMP/v.err") requests)"
    else
        not_ok "no $side violations"
        sed 's/^/# /' "$TMP/v.$side" | head -40
    fi
done

if grep -q "$ROOT_KEY" "$TMP/requests.log" "$TMP/server.err" 2>/dev/null; then
    not_ok "the root key appears in no log"
else
    ok "the root key appears in no log"
fi
finish
