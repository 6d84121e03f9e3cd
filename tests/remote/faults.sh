#!/bin/sh
# faults.sh — keydeck against a misbehaving server on 127.0.0.1 (TAP).
#
# For each fault of tests/remote/fault_server.py (wrong types, truncated or
# half JSON, an HTML page, a 10 MB body, 500s, 429 with Retry-After, a server
# that accepts and never answers, a TLS certificate for another name) the CLI
# must fail with a clear message and the right exit status, never crash or
# hang, and never print the root key; and the dashboard, run headless on a
# script, must show the error and go on taking keys (the script's last screen
# is saved after the failure).
set -u
KEYDECK=${KEYDECK:-./keydeck}
SRC=${KD_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
SERVER="$SRC/tests/remote/fault_server.py"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kdfault.XXXXXX") || exit 99
PID=
cleanup() {
    [ -n "$PID" ] && kill "$PID" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
ROOT=kdroot_faultTestRootKey1234567890
export UNKEY_ROOT_KEY=$ROOT KEYDECK_CONFIG="$TMP/config" HOME="$TMP"
unset KEYDECK_PROFILE KEYDECK_KEYSTORE KEYDECK_NOW

n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
    n=$((n + 1))
    echo "not ok $n - $1"
    sed 's/^/# /' "$TMP/err" 2>/dev/null | head -5
}

# serve MODE [TLS-NAME]: start the fault server; sets PORT and URL.
serve() {
    [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
    rm -f "$TMP/port"
    tls=""
    URL_SCHEME=http
    if [ -n "${2:-}" ]; then
        openssl req -x509 -newkey rsa:2048 -nodes -subj "/CN=$2" -addext "subjectAltName=DNS:$2" \
            -days 1 -keyout "$TMP/key.pem" -out "$TMP/cert.pem" >/dev/null 2>&1 || return 1
        tls="--cert $TMP/cert.pem --key $TMP/key.pem"
        URL_SCHEME=https
    fi
    # shellcheck disable=SC2086
    python3 "$SERVER" --mode "$1" --port-file "$TMP/port" $tls &
    PID=$!
    i=0
    while [ ! -s "$TMP/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
    PORT=$(cat "$TMP/port")
    URL="$URL_SCHEME://127.0.0.1:$PORT"
    {
        echo "[profile fault]"
        echo "backend = unkey"
        echo "url = $URL"
        echo "apis = api_faultyAPI1"
        echo "timeout = 2"
        echo "connect-timeout = 2"
        [ -n "${2:-}" ] && echo "ca-file = $TMP/cert.pem"
    } >"$TMP/config"
    chmod 600 "$TMP/config"
}

# expect DESC STATUS FRAGMENT VERB...: keydeck --profile fault VERB... exits STATUS
# and says FRAGMENT on stderr, without the root key.
expect() {
    desc=$1 want=$2 fragment=$3
    shift 3
    timeout 30 "$KEYDECK" --profile fault "$@" >"$TMP/out" 2>"$TMP/err"
    got=$?
    if [ "$got" -ne "$want" ]; then
        echo "# exit $got, expected $want"
        not_ok "$desc"
    elif ! grep -q -- "$fragment" "$TMP/err"; then
        echo "# stderr lacks: $fragment"
        not_ok "$desc"
    elif grep -q "$ROOT" "$TMP/out" "$TMP/err"; then
        echo "# the root key was printed"
        not_ok "$desc"
    else
        ok "$desc: $(head -c 160 "$TMP/err" | tr '\n' ' ')"
    fi
}

serve wrongtypes
expect "mistyped members are a protocol error naming the member" 12 "data.keyId" keys get key_faultyKey1
serve badjson
expect "half a JSON document is a protocol error" 12 "JSON" keys get key_faultyKey1
serve html
expect "an HTML page is a protocol error" 12 "not JSON" keys get key_faultyKey1
serve big
expect "a 10 MB body is refused at the cap" 12 "larger than" keys get key_faultyKey1
serve truncated
expect "a truncated body is a network error" 11 "closed before" keys get key_faultyKey1
serve status500
expect "a 500 is reported with its status" 11 "500" keys get key_faultyKey1
serve busy429long
expect "429 with a long Retry-After says how long" 15 "retry after 30 s" keys get key_faultyKey1
serve retry429
expect "429 with Retry-After: 1 is retried, then the (non-v2) answer is judged" 12 "no data" keys get key_faultyKey1
serve hang
expect "a server that never answers times out" 11 "timeout" keys get key_faultyKey1
serve problem404
expect "a v2 error envelope reaches the user with its detail and request id" 3 "req_fault404" \
    keys get key_faultyKey1
if serve echo other.invalid; then
    expect "a TLS certificate for another name is refused" 11 "does not match" keys get key_faultyKey1
else
    n=$((n + 1)); echo "ok $n # SKIP openssl cannot make a certificate"
fi
rm -f "$TMP/fault.keys"

# The dashboard on a hanging server: the panes show the failure, keys still work.
serve hang
cat >"$TMP/hang.keys" <<EOF
:save-display $TMP/first.screen
?
:save-display $TMP/help.screen
EOF
if timeout 60 "$KEYDECK" --profile fault --script "$TMP/hang.keys" --size 100x30 >"$TMP/out" 2>"$TMP/err" &&
    grep -q "timeout" "$TMP/first.screen" && grep -qi "help" "$TMP/help.screen"; then
    ok "the dashboard shows a timeout and still answers keys"
else
    not_ok "the dashboard shows a timeout and still answers keys"
    sed 's/^/#   /' "$TMP/first.screen" 2>/dev/null | head -30
fi
serve wrongtypes
if timeout 60 "$KEYDECK" --profile fault --script "$TMP/hang.keys" --size 100x30 >"$TMP/out" 2>"$TMP/err" &&
    grep -q "data" "$TMP/first.screen" && grep -qi "help" "$TMP/help.screen"; then
    ok "the dashboard shows a protocol error and still answers keys"
else
    not_ok "the dashboard shows a protocol error and still answers keys"
    sed 's/^/#   /' "$TMP/first.screen" 2>/dev/null | head -30
fi
echo "1..$n"
