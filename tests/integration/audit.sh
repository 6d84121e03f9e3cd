#!/bin/sh
# audit.sh — `keydeck audit` on fixture keystores built with the CLI: one key
# (or role, permission, owner) per rule, and the report must name exactly
# those; a clean keystore reports nothing; --csv, --min-severity, the exit
# status and accepted findings.  Times are placed with KEYDECK_NOW.  Speaks TAP.

set -u

KEYDECK=${KEYDECK:-./keydeck}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kdaudit.XXXXXX") || exit 99
trap 'rm -rf "$TMP"' EXIT INT TERM
unset KEYDECK_NOW KEYDECK_KEYSTORE KEYDECK_CONFIG KEYDECK_PROFILE
XDG_CONFIG_HOME=$TMP/config
export XDG_CONFIG_HOME
mkdir -p "$XDG_CONFIG_HOME/keydeck"
cat >"$XDG_CONFIG_HOME/keydeck/config" <<'CONF'
[audit]
unused-days = 30
disabled-days = 10
max-permissions = 3
owner-max-keys = 2
credits-low = 5
admin-roles = superuser
CONF
chmod 600 "$XDG_CONFIG_HOME/keydeck/config"

T0=2025-01-01T00:00:00Z
T1=2025-01-02T00:00:00Z      # a day later
TRECENT=2025-02-27T00:00:00Z # two days before the audit
TAUDIT=2025-03-01T00:00:00Z  # 59 days after T0

n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; }
check() {
    desc=$1
    shift
    if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
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
jget() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
die() { echo "Bail out! $*"; exit 1; }

KS=$TMP/problems.db
kd() { "$KEYDECK" --keystore "$KS" "$@"; }
at() { when=$1; shift; KEYDECK_NOW=$when kd "$@"; }
CLEAN="--expires 400d --ratelimit req:100:1m:auto --credits 100 --refill daily:100"
# mk NAME [options]: create a key at T0, remember its id and secret as NAME.
mk() {
    name=$1
    shift
    at "$T0" --json keys create --api "$API" --name "$name" "$@" >"$TMP/mk" 2>"$TMP/mkerr" ||
        { cat "$TMP/mkerr" >&2; die "keys create $name"; }
    jget 'd["keyId"]' <"$TMP/mk" >"$TMP/id.$name"
    jget 'd["key"]' <"$TMP/mk" >"$TMP/secret.$name"
}
id() { cat "$TMP/id.$1"; }
use() { at "$2" verify <"$TMP/secret.$1" >/dev/null 2>&1 || die "verify $1"; }

# ---- the fixture: every line of EXPECTED is one finding ----
at "$T0" --json apis create --name problems >"$TMP/api" || die "apis create"
API=$(jget 'd["apiId"]' <"$TMP/api")
for p in docs.read p1 p2 p3 p4 orphan.read 'docs.*'; do
    at "$T0" perms create --slug "$p" >/dev/null || die "perms create $p"
done
at "$T0" roles create --name superuser --perms docs.read >/dev/null || die "roles create"
at "$T0" roles create --name ghost --perms docs.read >/dev/null || die "roles create"

# shellcheck disable=SC2086
{
    mk clean1 $CLEAN --perms docs.read
    mk clean2 $CLEAN
    mk expired --expires 10d --ratelimit req:100:1m:auto --credits 100 --refill daily:100
    mk neverused $CLEAN
    mk unused $CLEAN
    mk noexpiry --ratelimit req:100:1m:auto --credits 100 --refill daily:100
    mk norate --expires 400d --ratelimit manual:100:1m --credits 100 --refill daily:100
    mk unlimited --expires 400d --ratelimit req:100:1m:auto --credits unlimited
    mk lowcredits --expires 400d --ratelimit req:100:1m:auto --credits 3
    mk wildcard $CLEAN --perms 'docs.*'
    mk manyperms $CLEAN --perms p1,p2,p3,p4
    mk admin $CLEAN --roles superuser
    mk recoverable $CLEAN --recoverable
    mk disabledold $CLEAN
    mk disablednew $CLEAN
    at "$T0" --json keys create --api "$API" --name twin $CLEAN >"$TMP/t1" || die twin
    at "$T0" --json keys create --api "$API" --name twin $CLEAN >"$TMP/t2" || die twin
    mk owned1 $CLEAN --owner alice
    mk owned2 $CLEAN --owner alice
    mk owned3 $CLEAN --owner alice
    mk bob $CLEAN --owner bob
}
TWIN1=$(jget 'd["keyId"]' <"$TMP/t1")
TWIN2=$(jget 'd["keyId"]' <"$TMP/t2")
jget 'd["key"]' <"$TMP/t1" >"$TMP/secret.twin1"
jget 'd["key"]' <"$TMP/t2" >"$TMP/secret.twin2"
use unused "$T1"
use expired "$T1"
for k in clean1 clean2 noexpiry norate unlimited lowcredits wildcard manyperms admin \
    recoverable owned1 owned2 owned3 bob twin1 twin2; do
    use "$k" "$TRECENT"
done
at "$T1" keys update "$(id disabledold)" --disable >/dev/null || die "disable"
at "$TRECENT" keys update "$(id disablednew)" --disable >/dev/null || die "disable"

cat >"$TMP/expected.unsorted" <<EXP
KD001 $(id expired)
KD002 $(id neverused)
KD003 $(id unused)
KD004 $(id noexpiry)
KD005 $(id norate)
KD006 $(id unlimited)
KD007 $(id lowcredits)
KD009 $(id wildcard)
KD010 $(id manyperms)
KD011 $(id admin)
KD012 $(id recoverable)
KD013 $(id disabledold)
KD014 $TWIN1
KD014 $TWIN2
KD015 alice
KD016 orphan.read
KD017 ghost
EXP
sort "$TMP/expected.unsorted" >"$TMP/expected"

pairs() { python3 -c 'import json,sys
d=json.load(sys.stdin)
for f in d[sys.argv[1]]: print(f["rule"], f["target"])' "$1" | sort; }

check "audit --min-severity info reports exactly the planted problems (exit 1)" \
    eval 'status 1 at "$TAUDIT" --json audit --min-severity info &&
          pairs findings <"$TMP/out" >"$TMP/got" && diff "$TMP/expected" "$TMP/got" >&2'
check "the JSON summary counts what was audited" \
    eval '[ "$(jget "d[\"summary\"][\"keys\"], d[\"summary\"][\"apis\"], d[\"summary\"][\"open\"], len(d[\"accepted\"])" <"$TMP/out")" = "21 1 17 0" ]'
check "findings carry severity, type, API, fix and specifics" \
    eval 'python3 -c "
import json,sys
d=json.load(open(sys.argv[1]))
f=[x for x in d[\"findings\"] if x[\"rule\"]==\"KD001\"][0]
assert f[\"severity\"]==\"high\" and f[\"targetType\"]==\"key\" and f[\"apiId\"]==sys.argv[2], f
assert f[\"fix\"]==\"disable\" and f[\"name\"]==\"expired-enabled\" and f[\"targetName\"]==\"expired\", f
assert \"ago but still enabled\" in f[\"message\"], f
o=[x for x in d[\"findings\"] if x[\"rule\"]==\"KD015\"][0]
assert o[\"targetType\"]==\"owner\" and o[\"apiId\"] is None and \"3 keys\" in o[\"message\"], o
" "$TMP/out" "$API"'
check "the default (low) hides info findings" \
    eval 'status 1 at "$TAUDIT" --json audit && pairs findings <"$TMP/out" >"$TMP/got" &&
          grep -v -e "^KD006 " -e "^KD016 " -e "^KD017 " "$TMP/expected" | diff - "$TMP/got" >&2'
check "--min-severity high keeps only high findings" \
    eval 'status 1 at "$TAUDIT" --json audit --min-severity high && pairs findings <"$TMP/out" >"$TMP/got" &&
          printf "KD001 %s\nKD009 %s\n" "$(id expired)" "$(id wildcard)" | sort | diff - "$TMP/got" >&2'
check "--min-severity critical: nothing at that level, exit 0" \
    eval 'status 0 at "$TAUDIT" --json audit --min-severity critical &&
          [ "$(jget "len(d[\"findings\"]), d[\"summary\"][\"open\"]" <"$TMP/out")" = "0 0" ]'
check "a bad --min-severity is a usage error naming the option" \
    eval 'status 2 at "$TAUDIT" audit --min-severity severe && grep -q -- "--min-severity" "$TMP/err"'
check "--api limits to one API and skips roles and permissions" \
    eval 'status 1 at "$TAUDIT" --json audit --api "$API" --min-severity info &&
          pairs findings <"$TMP/out" >"$TMP/got" &&
          grep -v -e "^KD016 " -e "^KD017 " "$TMP/expected" | diff - "$TMP/got" >&2'
check "--api with an unknown API is not found (3)" \
    eval 'status 3 at "$TAUDIT" audit --api api_nope'
check "--csv parses: a header and one row per finding, same pairs" \
    eval 'status 1 at "$TAUDIT" audit --csv --min-severity info && python3 -c "
import csv,sys
rows=list(csv.reader(open(sys.argv[1], newline=\"\")))
assert rows[0][:4]==[\"rule\",\"name\",\"severity\",\"target\"], rows[0]
assert all(len(r)==len(rows[0]) for r in rows), rows
for r in rows[1:]: print(r[0], r[3])
" "$TMP/out" | sort | diff "$TMP/expected" - >&2'
check "--csv quotes a message holding a comma and quotes" \
    eval 'grep -q "\"name \"\"twin\"\" is shared by 2 keys of this API\"" "$TMP/out"'
check "text output groups by severity and rule, with a summary" \
    eval 'status 1 at "$TAUDIT" audit && grep -q "^HIGH KD001 expired-enabled" "$TMP/out" &&
          grep -q "^MEDIUM KD002 never-used" "$TMP/out" && grep -q "open finding(s) at or above low" "$TMP/out" &&
          [ "$(grep -n "^HIGH" "$TMP/out" | head -1 | cut -d: -f1)" -lt "$(grep -n "^LOW" "$TMP/out" | head -1 | cut -d: -f1)" ]'

# ---- accepting ----
check "audit accept needs a reason" \
    eval 'status 2 at "$TAUDIT" audit accept KD012 "$(id recoverable)" && grep -q -- "--reason" "$TMP/err"'
check "audit accept refuses an unknown rule" \
    eval 'status 2 at "$TAUDIT" audit accept KD999 x --reason because'
check "audit accept writes a 0600 file next to the config" \
    eval 'status 0 at "$TAUDIT" audit accept recoverable "$(id recoverable)" --reason "support needs reveal" &&
          [ "$(stat -c %a "$XDG_CONFIG_HOME/keydeck/audit-accepted")" = 600 ]'
check "an accepted finding moves to accepted, with its reason" \
    eval 'status 1 at "$TAUDIT" --json audit --min-severity info &&
          pairs findings <"$TMP/out" >"$TMP/got" &&
          grep -v "^KD012 " "$TMP/expected" | diff - "$TMP/got" >&2 &&
          [ "$(pairs accepted <"$TMP/out")" = "KD012 $(id recoverable)" ] &&
          [ "$(jget "d[\"accepted\"][0][\"reason\"], d[\"summary\"][\"accepted\"]" <"$TMP/out")" = "support needs reveal 1" ]'
check "audit accepted lists it" \
    eval 'status 0 at "$TAUDIT" --json audit accepted &&
          [ "$(jget "d[\"items\"][0][\"rule\"], d[\"items\"][0][\"target\"]" <"$TMP/out")" = "KD012 $(id recoverable)" ]'
check "auditing changed nothing in the keystore (same log head, same keys)" \
    eval 'status 0 at "$TAUDIT" log verify && cp "$TMP/out" "$TMP/head.before" &&
          status 0 at "$TAUDIT" --json keys get "$(id expired)" && cp "$TMP/out" "$TMP/key.before" &&
          status 1 at "$TAUDIT" audit && status 1 at "$TAUDIT" --json audit &&
          status 0 at "$TAUDIT" log verify && cmp -s "$TMP/out" "$TMP/head.before" &&
          status 0 at "$TAUDIT" --json keys get "$(id expired)" && cmp -s "$TMP/out" "$TMP/key.before"'
check "audit works read-only (it only reads)" \
    eval 'status 1 at "$TAUDIT" --readonly --json audit && [ "$(jget "d[\"summary\"][\"keys\"]" <"$TMP/out")" = 21 ]'
check "audit on a missing keystore is not found (3) and creates nothing" \
    eval 'status 3 "$KEYDECK" --keystore "$TMP/none.db" audit && [ ! -e "$TMP/none.db" ]'

# ---- a clean keystore ----
KS=$TMP/clean.db
at "$T0" --json apis create --name clean >"$TMP/api" || die "apis create"
API=$(jget 'd["apiId"]' <"$TMP/api")
at "$T0" perms create --slug docs.read >/dev/null || die "perms create"
at "$T0" roles create --name reader --perms docs.read >/dev/null || die "roles create"
# shellcheck disable=SC2086
{
    mk c1 $CLEAN --perms docs.read --owner carol
    mk c2 $CLEAN --roles reader --owner carol
    mk c3 $CLEAN
}
for k in c1 c2 c3; do use "$k" "$TRECENT"; done
check "a clean keystore reports nothing, even at info, and exits 0" \
    eval 'status 0 at "$TAUDIT" --json audit --min-severity info &&
          [ "$(jget "len(d[\"findings\"]), d[\"summary\"][\"keys\"]" <"$TMP/out")" = "0 3" ]'
check "a clean keystore: the text report says 0 open findings" \
    eval 'status 0 at "$TAUDIT" audit && grep -q "^0 open finding" "$TMP/out"'

# ---- rules and the manual ----
check "audit rules lists 17 rules" \
    eval 'status 0 kd --json audit rules && [ "$(jget "len(d[\"items\"])" <"$TMP/out")" = 17 ]'

echo "1..$n"
