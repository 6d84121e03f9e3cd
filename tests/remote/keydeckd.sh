#!/bin/sh
# keydeckd.sh — start keydeckd on a demo keystore (port 0, loopback) and drive
# it over HTTP with python3's urllib: authentication (401), root-key
# permissions (403), the APIs, keys, verification, credits, paging, bad bodies,
# the hidden root key space, and an orderly SIGTERM that keeps the last write.
# Speaks TAP (the plan comes last).

set -u

KEYDECK=${KEYDECK:-./keydeck}
KEYDECKD=${KEYDECKD:-${KD_BUILDDIR:-.}/keydeckd}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kdd.XXXXXX") || exit 99
SERVER_PID=
cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
KS=$TMP/keystore.db
unset KEYDECK_NOW KEYDECK_KEYSTORE

n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; }
check() {
    desc=$1
    shift
    if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
bail() { echo "Bail out! $1"; exit 1; }
kd() { "$KEYDECK" --keystore "$KS" "$@"; }

command -v python3 >/dev/null 2>&1 || { echo "1..0 # SKIP no python3"; exit 0; }
[ -x "$KEYDECKD" ] || bail "no keydeckd at $KEYDECKD"

# call METHOD PATH TOKEN|- [BODY|@FILE]: the status in $TMP/status, the body
# in $TMP/out, the Content-Type in $TMP/ctype.  BODY is sent as is (so bad
# JSON can be sent too).
cat >"$TMP/call.py" <<'EOF'
import sys, urllib.request, urllib.error
d, method, url, token = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
body = None
if len(sys.argv) > 5:
    a = sys.argv[5]
    body = open(a[1:], "rb").read() if a.startswith("@") else a.encode()
req = urllib.request.Request(url, data=body, method=method)
if body is not None:
    req.add_header("Content-Type", "application/json")
if token != "-":
    req.add_header("Authorization", "Bearer " + token)
try:
    with urllib.request.urlopen(req, timeout=30) as r:
        status, ctype, data = r.status, r.headers.get("Content-Type"), r.read()
except urllib.error.HTTPError as e:
    status, ctype, data = e.code, e.headers.get("Content-Type"), e.read()
open(d + "/status", "w").write(str(status))
open(d + "/ctype", "w").write(ctype or "")
open(d + "/out", "wb").write(data)
EOF
call() {
    python3 "$TMP/call.py" "$TMP" "$1" "http://127.0.0.1:$PORT$2" "$3" ${4+"$4"} 2>"$TMP/pyerr" ||
        { sed 's/^/# /' "$TMP/pyerr"; echo 000 >"$TMP/status"; : >"$TMP/out"; }
}
post() { call POST "$@"; }
# jget EXPR: a Python expression on the last response body (as d).
jget() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($1)" "$TMP/out"; }
# status_is N: the last status was N (says what came instead when not).
status_is() {
    got=$(cat "$TMP/status")
    [ "$got" = "$1" ] && return 0
    echo "# expected HTTP $1, got $got: $(head -c 400 "$TMP/out")"
    return 1
}
has_request_id() { [ "$(jget 'd["meta"]["requestId"].startswith("req_")')" = True ]; }

# ---- a keystore and root keys ----
kd demo --keys 30 >/dev/null 2>"$TMP/err" || { sed 's/^/# /' "$TMP/err"; bail "keydeck demo failed"; }
API=$(kd --json apis list | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["apiId"])')
ADMIN=$(kd --json rootkeys create --name admin \
    --permissions 'api.*.create_api,api.*.read_api,api.*.create_key,api.*.read_key,api.*.update_key,api.*.delete_key,api.*.verify_key,api.*.decrypt_key' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
VERIFIER=$(kd --json rootkeys create --name verifier --permissions "api.$API.verify_key" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
[ -n "$ADMIN" ] && [ -n "$VERIFIER" ] || bail "rootkeys create failed"
check "rootkeys create refuses an unknown action, naming it" \
    sh -c '! "$0" --keystore "$1" rootkeys create --name x --permissions api.*.frob 2>"$2" &&
           grep -q frob "$2"' "$KEYDECK" "$KS" "$TMP/err"
check "rootkeys list shows both, never a key" \
    sh -c '"$0" --keystore "$1" rootkeys list >"$2" && grep -q admin "$2" && grep -q verifier "$2" &&
           ! grep -q "$3" "$2"' "$KEYDECK" "$KS" "$TMP/rkl" "$ADMIN"
ROOT_SPACE=$(kd --json rootkeys list | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["apiId"])')

# ---- start ----
"$KEYDECKD" --keystore "$KS" --listen 127.0.0.1:0 --port-file "$TMP/port" --threads 2 \
    --log "$TMP/req.log" 2>"$TMP/server.err" &
SERVER_PID=$!
i=0
while [ ! -s "$TMP/port" ] && [ $i -lt 100 ]; do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.05
    i=$((i + 1))
done
[ -s "$TMP/port" ] || { sed 's/^/# /' "$TMP/server.err"; bail "keydeckd did not start"; }
PORT=$(cat "$TMP/port")
check "the start line names the address and the keystore" \
    grep -q "keydeckd: listening on http://127.0.0.1:$PORT (keystore $KS)" "$TMP/server.err"

call GET /v2/liveness -
check "liveness answers OK without a root key" \
    eval 'status_is 200 && [ "$(jget "d[\"data\"][\"message\"]")" = OK ] && has_request_id'

# ---- authentication and permissions ----
post /v2/apis.getApi - "{\"apiId\":\"$API\"}"
check "no Authorization header: 401 with the error envelope" \
    eval 'status_is 401 && [ "$(jget "d[\"error\"][\"status\"]")" = 401 ] && has_request_id'
post /v2/apis.getApi kdroot_notarealkey "{\"apiId\":\"$API\"}"
check "an unknown root key: 401" status_is 401
post /v2/apis.getApi "$VERIFIER" "{\"apiId\":\"$API\"}"
check "a root key lacking read_api: 403" \
    eval 'status_is 403 && [ "$(jget "d[\"error\"][\"status\"]")" = 403 ]'
post /v2/apis.getApi "$ADMIN" "{\"apiId\":\"$API\"}"
check "getApi with read_api: 200 {id, name}" \
    eval 'status_is 200 && [ "$(jget "sorted(d[\"data\"])")" = "['"'id', 'name'"']" ] &&
          grep -q "^application/json" "$TMP/ctype"'

# ---- APIs and keys ----
post /v2/apis.createApi "$ADMIN" '{"name":"http-made"}'
NEW_API=$(jget 'd["data"]["apiId"]' 2>/dev/null)
check "createApi: 200 {apiId}" eval 'status_is 200 && [ -n "$NEW_API" ]'
post /v2/keys.createKey "$ADMIN" \
    "{\"apiId\":\"$NEW_API\",\"prefix\":\"t\",\"name\":\"first\",\"recoverable\":true,\"credits\":{\"remaining\":10}}"
KEY_ID=$(jget 'd["data"]["keyId"]' 2>/dev/null)
KEY=$(jget 'd["data"]["key"]' 2>/dev/null)
check "createKey: 200 {keyId, key}" eval 'status_is 200 && [ -n "$KEY_ID" ] && [ -n "$KEY" ]'
post /v2/keys.getKey "$ADMIN" "{\"keyId\":\"$KEY_ID\",\"decrypt\":true}"
check "getKey decrypt:true reveals the recoverable key" \
    eval 'status_is 200 && [ "$(jget "d[\"data\"][\"plaintext\"]")" = "$KEY" ] &&
          [ "$(jget "d[\"data\"][\"name\"]")" = first ]'
post /v2/keys.verifyKey "$ADMIN" "{\"key\":\"$KEY\"}"
check "verifyKey: VALID, one credit spent" \
    eval 'status_is 200 && [ "$(jget "d[\"data\"][\"valid\"], d[\"data\"][\"code\"], d[\"data\"][\"credits\"]")" = "True VALID 9" ]'
post /v2/keys.verifyKey "$VERIFIER" "{\"key\":\"$KEY\"}"
check "verifyKey by a root key scoped to another API: 200 NOT_FOUND" \
    eval 'status_is 200 && [ "$(jget "d[\"data\"][\"valid\"], d[\"data\"][\"code\"]")" = "False NOT_FOUND" ]'
post /v2/keys.updateCredits "$ADMIN" "{\"keyId\":\"$KEY_ID\",\"operation\":\"increment\",\"value\":5}"
check "updateCredits increment: remaining 14" \
    eval 'status_is 200 && [ "$(jget "d[\"data\"][\"remaining\"]")" = 14 ]'
post /v2/keys.updateKey "$ADMIN" "{\"keyId\":\"$KEY_ID\",\"name\":\"renamed\"}"
check "updateKey: 200 {}" eval 'status_is 200 && [ "$(jget "d[\"data\"]")" = "{}" ]'

for i in 1 2 3 4; do
    post /v2/keys.createKey "$ADMIN" "{\"apiId\":\"$NEW_API\",\"name\":\"page$i\"}"
done
post /v2/apis.listKeys "$ADMIN" "{\"apiId\":\"$NEW_API\",\"limit\":2}"
CURSOR=$(jget 'd["pagination"].get("cursor", "")' 2>/dev/null)
check "listKeys limit 2: two keys and a cursor" \
    eval 'status_is 200 && [ "$(jget "len(d[\"data\"]), d[\"pagination\"][\"hasMore\"]")" = "2 True" ] &&
          [ -n "$CURSOR" ]'
SEEN=$(jget '" ".join(k["keyId"] for k in d["data"])')
pages=1
while [ -n "$CURSOR" ] && [ $pages -lt 10 ]; do
    post /v2/apis.listKeys "$ADMIN" "{\"apiId\":\"$NEW_API\",\"limit\":2,\"cursor\":\"$CURSOR\"}"
    SEEN="$SEEN $(jget '" ".join(k["keyId"] for k in d["data"])')"
    CURSOR=$(jget 'd["pagination"].get("cursor", "") if d["pagination"]["hasMore"] else ""')
    pages=$((pages + 1))
done
check "listKeys pages cover all 5 keys once, in 3 pages" \
    eval '[ $pages = 3 ] && [ "$(echo $SEEN | tr " " "\n" | sort -u | wc -l)" = 5 ]'

# ---- bad requests ----
post /v2/keys.createKey "$ADMIN" '{"apiId":'
check "invalid JSON: 400 with errors[0].location body" \
    eval 'status_is 400 && [ "$(jget "d[\"error\"][\"errors\"][0][\"location\"]")" = body ]'
post /v2/keys.createKey "$ADMIN" "{\"apiId\":\"$NEW_API\",\"byteLength\":8}"
check "a value out of bounds: 400 naming body.byteLength" \
    eval 'status_is 400 && [ "$(jget "d[\"error\"][\"errors\"][0][\"location\"]")" = body.byteLength ]'
post /v2/keys.frobnicate "$ADMIN" '{}'
check "an unknown endpoint: 404 with the error envelope" \
    eval 'status_is 404 && has_request_id && [ "$(jget "d[\"error\"][\"status\"]")" = 404 ]'
call GET /v2/keys.getKey "$ADMIN"
check "a wrong method: 405" status_is 405
python3 -c 'print("{\"name\":\"" + "x" * (1100 * 1024) + "\"}")' >"$TMP/big.json"
post /v2/apis.createApi "$ADMIN" "@$TMP/big.json"
check "a body over 1 MiB: 400 saying so" \
    eval 'status_is 400 && jget "d[\"error\"][\"detail\"]" | grep -q "larger than"'

# ---- the root key space is invisible ----
post /v2/apis.listApis "$ADMIN" '{}'
check "listApis shows the APIs but not the root key space" \
    eval 'status_is 200 && jget "[a[\"id\"] for a in d[\"data\"]]" | grep -q "$NEW_API" &&
          ! jget "[a[\"id\"] for a in d[\"data\"]]" | grep -q "$ROOT_SPACE"'
post /v2/apis.getApi "$ADMIN" "{\"apiId\":\"$ROOT_SPACE\"}"
check "getApi on the root key space: 404" status_is 404
post /v2/apis.listKeys "$ADMIN" "{\"apiId\":\"$ROOT_SPACE\"}"
check "listKeys on the root key space: 404" status_is 404
post /v2/keys.verifyKey "$ADMIN" "{\"key\":\"$VERIFIER\"}"
check "verifyKey of a root key: NOT_FOUND" \
    eval 'status_is 200 && [ "$(jget "d[\"data\"][\"code\"]")" = NOT_FOUND ]'

# ---- revocation is seen at once (keydeckd remembers authenticated root keys) ----
SHORT=$(kd --json rootkeys create --name short-lived --permissions "api.*.read_api" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
SHORT_ID=$(kd --json rootkeys list | python3 -c 'import json,sys
print([k["keyId"] for k in json.load(sys.stdin)["items"] if k.get("name") == "short-lived"][0])')
post /v2/apis.getApi "$SHORT" "{\"apiId\":\"$API\"}"
post /v2/apis.getApi "$SHORT" "{\"apiId\":\"$API\"}"
check "a root key works twice in a row" status_is 200
kd keys update "$SHORT_ID" --disable >/dev/null
post /v2/apis.getApi "$SHORT" "{\"apiId\":\"$API\"}"
check "disabled with the CLI, the next request is refused (401)" status_is 401
kd keys update "$SHORT_ID" --enable >/dev/null
post /v2/apis.getApi "$SHORT" "{\"apiId\":\"$API\"}"
check "enabled again, it works again" status_is 200
kd rootkeys delete "$SHORT_ID" >/dev/null
post /v2/apis.getApi "$SHORT" "{\"apiId\":\"$API\"}"
check "deleted with the CLI, the next request is refused (401)" status_is 401

# ---- the audit over keydeckd names the rule v2 cannot feed ----
AUDITOR=$(kd --json rootkeys create --name auditor \
    --permissions 'api.*.read_api,api.*.read_key,rbac.*.read_role,rbac.*.read_permission' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
printf '[profile srv]\nbackend = keydeckd\nurl = http://127.0.0.1:%s\n' "$PORT" >"$TMP/srv.conf"
chmod 600 "$TMP/srv.conf"
check "an audit through keydeckd runs and says KD012 was not evaluated" \
    sh -c 'UNKEY_ROOT_KEY="$1" KEYDECK_CONFIG="$2" "$0" --profile srv --json audit run >"$3";
           [ $? -le 1 ] && python3 -c "import json,sys; d=json.load(open(sys.argv[1]));
assert d[\"summary\"][\"notEvaluated\"] == [\"KD012\"], d[\"summary\"]" "$3"' \
    "$KEYDECK" "$AUDITOR" "$TMP/srv.conf" "$TMP/audit.json"

READER=$(kd --json rootkeys create --name reader --permissions 'api.*.read_key,api.*.read_api' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
ROLE_KEY=$(kd --json keys list --api "$API" --all |
    python3 -c 'import json,sys; print([k["keyId"] for k in json.load(sys.stdin)["items"] if k.get("roles")][0])')
check "keys get through keydeckd works for a root key that may not read roles (direct grants only)" \
    sh -c 'UNKEY_ROOT_KEY="$1" KEYDECK_CONFIG="$2" "$0" --profile srv keys get "$3" >/dev/null' \
    "$KEYDECK" "$READER" "$TMP/srv.conf" "$ROLE_KEY"

check "overview through keydeckd shows what that root key may read, '?' for the rest" \
    sh -c 'UNKEY_ROOT_KEY="$1" KEYDECK_CONFIG="$2" "$0" --profile srv overview >"$3" &&
           grep -q "roles: ?" "$3" && grep -q "^api_" "$3"' \
    "$KEYDECK" "$READER" "$TMP/srv.conf" "$TMP/overview.txt"

# ---- the request log ----
check "the request log has one line per request, never a key" \
    eval '[ "$(grep -c " POST /v2/" "$TMP/req.log")" -ge 20 ] && ! grep -q "$KEY" "$TMP/req.log" &&
          ! grep -q "$ADMIN" "$TMP/req.log" && grep -q " 401 " "$TMP/req.log"'

# ---- SIGTERM keeps the last write ----
post /v2/keys.createKey "$ADMIN" "{\"apiId\":\"$NEW_API\",\"name\":\"last-one\"}"
LAST_ID=$(jget 'd["data"]["keyId"]' 2>/dev/null)
kill -TERM "$SERVER_PID"
wait "$SERVER_PID"
rc=$?
SERVER_PID=
check "SIGTERM: keydeckd exits 0" eval '[ $rc -eq 0 ] || { sed "s/^/# /" "$TMP/server.err"; false; }'
check "the key created just before is in the keystore" \
    eval '[ -n "$LAST_ID" ] && kd --json keys get "$LAST_ID" | grep -q last-one'
check "verifications were recorded (flushed at shutdown)" \
    eval 'kd --json keys get "$KEY_ID" | python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if d.get(\"requestCount\", 0) >= 1 else 1)"'

echo "1..$n"
