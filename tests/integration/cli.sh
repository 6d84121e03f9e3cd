#!/bin/sh
# cli.sh — drive the built keydeck binary on a temporary keystore and check what
# a script would rely on: outputs, --json documents, exit statuses, refusals
# that change nothing, read-only mode, verification codes and the audit log.
# Speaks TAP (the plan comes last, which TAP allows).

set -u

KEYDECK=${KEYDECK:-./keydeck}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kdcli.XXXXXX") || exit 99
trap 'rm -rf "$TMP"' EXIT INT TERM
KS=$TMP/data/keydeck/keystore.db
unset KEYDECK_NOW KEYDECK_KEYSTORE

n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }
# check DESCRIPTION COMMAND...: ok when the command succeeds.
check() {
    desc=$1
    shift
    if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
kd() { "$KEYDECK" --keystore "$KS" "$@"; }
# status EXPECTED COMMAND...: run, keep stdout/stderr in $TMP/out, $TMP/err.
status() {
    want=$1
    shift
    "$@" >"$TMP/out" 2>"$TMP/err"
    got=$?
    if [ "$got" -ne "$want" ]; then
        echo "# expected exit $want, got $got: $*" >&2
        sed 's/^/# /' "$TMP/err" >&2
        return 1
    fi
    return 0
}
# jget EXPR: evaluate a Python expression on the JSON document on stdin (as d).
jget() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
is_json() { python3 -c 'import json,sys; json.load(sys.stdin)' <"$TMP/out" 2>/dev/null; }
err_has() { grep -q -- "$1" "$TMP/err"; }
out_has() { grep -q -- "$1" "$TMP/out"; }

# ---- basics ----
check "--version prints the version" sh -c '"$0" --version | grep -qx "keydeck 0.1.0"' "$KEYDECK"
check "--help lists the nouns" sh -c '"$0" --help | grep -q "keys" && "$0" --help | grep -q "verify"' "$KEYDECK"
check "noun --help lists the verbs" sh -c '"$0" keys --help | grep -q "keys reroll"' "$KEYDECK"
check "verb --help lists the field options" \
    sh -c '"$0" keys create --help | grep -q -- "--ratelimit NAME:LIMIT:DURATION"' "$KEYDECK"
check "a read on a missing keystore says how to make one (exit 3)" \
    eval 'status 3 kd apis list && err_has "no keystore at" && [ ! -e "$KS" ]'
check "an unknown global option is a usage error naming it" \
    eval 'status 2 "$KEYDECK" --frob && err_has "--frob"'
check "an unknown command is a usage error" eval 'status 2 kd frobnicate && err_has frobnicate'

# ---- APIs, permissions, roles ----
check "apis create makes the keystore and its 0700 directory" \
    eval 'status 0 kd --json apis create --name payments --prefix sk_live --byte-length 20 &&
          [ -f "$KS" ] && [ "$(stat -c %a "$(dirname "$KS")")" = 700 ]'
API=$(jget 'd["apiId"]' <"$TMP/out")
check "apis get --json has the defaults" \
    eval 'status 0 kd --json apis get "$API" && [ "$(jget "d[\"prefix\"], d[\"byteLength\"]" <"$TMP/out")" = "sk_live 20" ]'
check "apis list shows the API" eval 'status 0 kd apis list && out_has "$API" && out_has payments'
check "perms create" eval 'status 0 kd perms create --slug payments:read &&
    status 0 kd perms create --slug payments:write --name Write --description "Create charges" &&
    status 0 kd perms create --slug refunds:create'
check "roles create with permissions" \
    eval 'status 0 kd --json roles create --name reader --description "reads" --perms payments:read &&
          [ "$(jget "\",\".join(d[\"permissions\"])" <"$TMP/out")" = "payments:read" ]'
check "roles perms add, then get shows both" \
    eval 'status 0 kd roles perms reader add refunds:create && status 0 kd --json roles get reader &&
          [ "$(jget "\",\".join(sorted(d[\"permissions\"]))" <"$TMP/out")" = "payments:read,refunds:create" ] &&
          status 0 kd roles perms reader remove refunds:create'
check "perms list and roles list are JSON lists" \
    eval 'status 0 kd --json perms list --all && [ "$(jget "d[\"total\"]" <"$TMP/out")" = 3 ] &&
          status 0 kd --json roles list && is_json'

# ---- keys create with every flag ----
check "keys create with every flag prints the key once" \
    eval 'status 0 kd --json keys create --api "$API" --name ci --owner user_1 --meta "{\"plan\":\"pro\"}" \
          --env live --roles reader --perms payments:write --expires 30d --credits 100 \
          --refill monthly:31:1000 --ratelimit req:100:1m:auto --ratelimit exp:5:1h --recoverable'
KEY1=$(jget 'd["keyId"]' <"$TMP/out")
SECRET1=$(jget 'd["key"]' <"$TMP/out")
check "the new key has the API's prefix" eval 'case "$SECRET1" in sk_live_*) true ;; *) false ;; esac'
check "text create says the key will not be shown again" \
    eval 'status 0 kd keys create --api "$API" --name plain && out_has "not be shown again"'
check "keys get --json has every field given" \
    eval 'status 0 kd --json keys get "$KEY1" && [ "$(jget "d[\"name\"], d[\"externalId\"], d[\"meta\"][\"plan\"], d[\"environment\"], d[\"recoverable\"], d[\"credits\"][\"remaining\"], d[\"credits\"][\"refill\"][\"interval\"], d[\"credits\"][\"refill\"][\"refillDay\"], len(d[\"ratelimits\"]), \",\".join(d[\"roles\"]), \",\".join(d[\"permissions\"]), d[\"expires\"] is not None, d[\"state\"]" <"$TMP/out")" = "ci user_1 pro live True 100 monthly 31 2 reader payments:write True active" ]'
check "keys get text shows the state and credits" \
    eval 'status 0 kd keys get "$KEY1" && out_has "100/1000 monthly" && out_has "state: *active"'
check "keys list (text) shows the key, --json counts it" \
    eval 'status 0 kd keys list --api "$API" --sort name --desc && out_has "$KEY1" &&
          status 0 kd --json keys list --api "$API" --all && [ "$(jget "d[\"total\"], len(d[\"items\"])" <"$TMP/out")" = "2 2" ]'
check "keys list --owner filters by owner" \
    eval 'status 0 kd --json keys list --api "$API" --owner user_1 && [ "$(jget "len(d[\"items\"])" <"$TMP/out")" = 1 ]'
check "keys list needs --api" eval 'status 2 kd keys list && err_has "--api"'

# ---- verification ----
check "verify from stdin: VALID exits 0" \
    eval 'printf "%s\n" "$SECRET1" | status 0 kd verify && out_has VALID'
printf '%s\n' "$SECRET1" >"$TMP/keyfile"
check "verify --key-file: VALID, JSON has the key id" \
    eval 'status 0 kd --json verify --key-file "$TMP/keyfile" && [ "$(jget "d[\"code\"], d[\"keyId\"]" <"$TMP/out")" = "VALID $KEY1" ]'
check "verify with a satisfied permission query (via role)" \
    eval 'printf "%s\n" "$SECRET1" | status 0 kd verify --permissions "payments:read AND payments:write"'
check "verify with a missing permission: INSUFFICIENT_PERMISSIONS exits 1" \
    eval 'printf "%s\n" "$SECRET1" | status 1 kd verify --permissions refunds:create && out_has INSUFFICIENT_PERMISSIONS'
check "verify an unknown key: NOT_FOUND exits 1" \
    eval 'printf "sk_live_nosuchkey\n" | status 1 kd verify && out_has NOT_FOUND'
check "verify --key is a usage error (keys never in argv)" \
    eval 'status 2 kd verify --key "$SECRET1" && err_has "--key"'
check "verify with nothing on stdin is a usage error" eval 'status 2 kd verify </dev/null'

check "keys update --disable: DISABLED" \
    eval 'status 0 kd keys update "$KEY1" --disable && printf "%s\n" "$SECRET1" | status 1 kd verify && out_has DISABLED'
check "keys update --enable and --name; credits alone keep the refill" \
    eval 'status 0 kd --json keys update "$KEY1" --enable --name ci-2 --credits 50 &&
          [ "$(jget "d[\"name\"], d[\"enabled\"], d[\"credits\"][\"remaining\"], d[\"credits\"][\"refill\"][\"interval\"]" <"$TMP/out")" = "ci-2 True 50 monthly" ]'
check "keys update --expires never --refill none --no-ratelimits" \
    eval 'status 0 kd --json keys update "$KEY1" --expires never --refill none --no-ratelimits &&
          [ "$(jget "d[\"expires\"], d[\"credits\"][\"refill\"], d[\"ratelimits\"]" <"$TMP/out")" = "None None []" ]'
check "keys update refuses --prefix" eval 'status 2 kd keys update "$KEY1" --prefix abc && err_has "--prefix"'

check "an expiring key is EXPIRED once KEYDECK_NOW is past it" \
    eval 'status 0 kd --json keys create --api "$API" --expires 1h && S=$(jget "d[\"key\"]" <"$TMP/out") &&
          LATER=$(python3 -c "import time; print(int(time.time()*1000) + 2*3600*1000)") &&
          printf "%s\n" "$S" | status 0 kd verify &&
          printf "%s\n" "$S" | KEYDECK_NOW=$LATER status 1 kd verify && out_has EXPIRED'
check "a bad KEYDECK_NOW is a usage error" eval 'KEYDECK_NOW=yesterday status 2 kd apis list'
check "credits run out: USAGE_EXCEEDED exits 1" \
    eval 'status 0 kd --json keys create --api "$API" --credits 1 && S=$(jget "d[\"key\"]" <"$TMP/out") &&
          printf "%s\n" "$S" | status 0 kd verify &&
          printf "%s\n" "$S" | status 1 kd verify && out_has USAGE_EXCEEDED'
check "an auto-apply rate limit: RATE_LIMITED on the third call" \
    eval 'status 0 kd --json keys create --api "$API" --ratelimit burst:2:1h:auto && S=$(jget "d[\"key\"]" <"$TMP/out") &&
          printf "%s\n" "$S" | status 0 kd verify && printf "%s\n" "$S" | status 0 kd verify &&
          printf "%s\n" "$S" | status 1 kd verify && out_has RATE_LIMITED'

# ---- credits, roles, perms, reveal, reroll, delete ----
check "keys credits set / add / sub / unlimited" \
    eval 'status 0 kd --json keys credits "$KEY1" set 10 && [ "$(jget "d[\"credits\"][\"remaining\"]" <"$TMP/out")" = 10 ] &&
          status 0 kd --json keys credits "$KEY1" add 5 && [ "$(jget "d[\"credits\"][\"remaining\"]" <"$TMP/out")" = 15 ] &&
          status 0 kd --json keys credits "$KEY1" sub 20 && [ "$(jget "d[\"credits\"][\"remaining\"]" <"$TMP/out")" = 0 ] &&
          status 0 kd --json keys credits "$KEY1" set unlimited && [ "$(jget "d[\"credits\"][\"remaining\"]" <"$TMP/out")" = None ]'
check "keys credits with a bad number names it" eval 'status 2 kd keys credits "$KEY1" add 12x && err_has credits'
check "keys roles set / remove" \
    eval 'status 0 kd --json keys roles "$KEY1" remove reader && [ "$(jget "len(d[\"roles\"])" <"$TMP/out")" = 0 ] &&
          status 0 kd --json keys roles "$KEY1" set reader && [ "$(jget "\",\".join(d[\"roles\"])" <"$TMP/out")" = reader ]'
check "keys perms add" \
    eval 'status 0 kd --json keys perms "$KEY1" add refunds:create && [ "$(jget "\",\".join(sorted(d[\"permissions\"]))" <"$TMP/out")" = "payments:write,refunds:create" ]'
check "keys reveal prints the recoverable key's plaintext" \
    eval 'status 0 kd keys reveal "$KEY1" && [ "$(cat "$TMP/out")" = "$SECRET1" ]'
check "keys reroll --grace: new key VALID, old key still VALID in the grace period" \
    eval 'status 0 kd --json keys reroll "$KEY1" --grace 1h && NEW=$(jget "d[\"key\"]" <"$TMP/out") &&
          [ "$NEW" != "$SECRET1" ] && printf "%s\n" "$NEW" | status 0 kd verify &&
          printf "%s\n" "$SECRET1" | status 0 kd verify'
check "keys import by hex SHA-256: the key verifies" \
    eval 'H=$(printf "%s" "sk_live_imported1234567890" | python3 -c "import hashlib,sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())") &&
          status 0 kd --json keys import --api "$API" --hash "$H" --name imported &&
          printf "sk_live_imported1234567890\n" | status 0 kd verify'
check "keys import by Unkey base64 SHA-256" \
    eval 'H=$(printf "%s" "other_key_abcdef" | python3 -c "import hashlib,base64,sys; print(base64.b64encode(hashlib.sha256(sys.stdin.buffer.read()).digest()).decode())") &&
          status 0 kd keys import --api "$API" --hash "$H" && printf "other_key_abcdef\n" | status 0 kd verify'
check "keys import with a bad hash names the field" eval 'status 2 kd keys import --api "$API" --hash nothex && err_has hash'
check "keys delete, then get is NOT_FOUND (3)" \
    eval 'status 0 kd --json keys create --api "$API" --name doomed && D=$(jget "d[\"keyId\"]" <"$TMP/out") &&
          status 0 kd keys delete "$D" && status 3 kd keys get "$D"'

# ---- bad input changes nothing ----
kd --json keys list --api "$API" --all >"$TMP/before" 2>/dev/null
check "a prefix with '-' is refused, naming prefix" \
    eval 'status 2 kd keys create --api "$API" --prefix sk-live && err_has prefix'
check "byte length 8 is refused, naming the byte length" \
    eval 'status 2 kd keys create --api "$API" --byte-length 8 && grep -qi byte "$TMP/err"'
check "meta that is not an object is refused, naming meta" \
    eval 'status 2 kd keys create --api "$API" --meta "[1,2]" && err_has meta'
check "an unknown role is refused, naming it" \
    eval 'kd keys create --api "$API" --roles nosuchrole >"$TMP/out" 2>"$TMP/err"; rc=$?;
          { [ $rc -eq 2 ] || [ $rc -eq 3 ]; } && err_has nosuchrole'
check "an unknown option is a usage error naming it" \
    eval 'status 2 kd keys create --api "$API" --colour red && err_has "--colour"'
check "a missing value is a usage error naming the option" \
    eval 'status 2 kd keys create --api && err_has "--api"'
check "a malformed --refill / --ratelimit / --limit is refused" \
    eval 'status 2 kd keys create --api "$API" --refill weekly:5 && err_has "--refill" &&
          status 2 kd keys create --api "$API" --ratelimit r:x:1m && err_has "--ratelimit" &&
          status 2 kd keys list --api "$API" --limit 10abc && err_has "--limit"'
kd --json keys list --api "$API" --all >"$TMP/after" 2>/dev/null
check "the refused commands changed nothing" cmp -s "$TMP/before" "$TMP/after"

# ---- read-only ----
check "--readonly refuses a create with the read-only status (5)" \
    eval 'status 5 kd --readonly keys create --api "$API" && err_has "read-only"'
check "--readonly refuses reveal" eval 'status 5 kd --readonly keys reveal "$KEY1"'
check "--readonly still reads" eval 'status 0 kd --readonly keys list --api "$API"'
kd --json keys list --api "$API" --all >"$TMP/after2" 2>/dev/null
check "read-only refusals changed nothing" cmp -s "$TMP/before" "$TMP/after2"

# ---- monitoring, log, overview ----
check "stats --json parses and counts verifications" \
    eval 'status 0 kd --json stats --since 24h && [ "$(jget "d[\"total\"] > 5" <"$TMP/out")" = True ]'
check "log list --json has entries" \
    eval 'status 0 kd --json log list --limit 5 && [ "$(jget "len(d[\"items\"])" <"$TMP/out")" = 5 ]'
check "the overview names the API and the help hint" \
    eval 'status 0 kd && out_has payments && out_has "keydeck --help for commands"'
check "log verify is intact after all of it" eval 'status 0 kd log verify'

# ---- demo ----
DS=$TMP/demo/ks.db
check "demo --keys 60 seeds an empty keystore" \
    eval 'status 0 "$KEYDECK" --keystore "$DS" --json demo --keys 60 && is_json'
check "demo keys are in every state" \
    eval 'for a in $("$KEYDECK" --keystore "$DS" --json apis list | jget "\" \".join(i[\"apiId\"] for i in d[\"items\"])"); do
              "$KEYDECK" --keystore "$DS" --json keys list --api "$a" --all | jget "\"\\n\".join(i[\"state\"] for i in d[\"items\"])";
          done | sort -u >"$TMP/states" &&
          [ "$(tr "\n" " " <"$TMP/states")" = "active disabled exhausted expired rate-limited " ]'
check "demo refuses a keystore that has APIs (conflict, 4)" \
    eval 'status 4 "$KEYDECK" --keystore "$DS" demo --keys 10'
check "demo history feeds stats" \
    eval 'status 0 "$KEYDECK" --keystore "$DS" --json stats --since 24h && [ "$(jget "d[\"total\"] > 100" <"$TMP/out")" = True ]'

# ---- many alike keys ----
check "keys create --count 3 --json makes three keys, printed as an array" \
    eval 'status 0 kd --json keys create --api "$API" --name bulk --count 3 &&
          [ "$(jget "len(d)" <"$TMP/out")" = 3 ] &&
          [ "$(jget "len(set(k[\"keyId\"] for k in d))" <"$TMP/out")" = 3 ]'
check "keys create --count 0 is a usage error naming --count" \
    eval 'status 2 kd keys create --api "$API" --count 0 && err_has -- "--count"'

# ---- tampering ----
if command -v sqlite3 >/dev/null 2>&1; then
    check "log verify exits 1 after the log is tampered with" \
        eval 'sqlite3 "$KS" "UPDATE audit_log SET target = \"key_forged\" WHERE seq = 2" &&
              status 1 kd log verify && grep -qi tamper "$TMP/out"'
else
    skip "no sqlite3"
fi

echo "1..$n"
