#!/bin/sh
# audit.sh — how long `keydeck audit` takes on a large local keystore, next to
# bare SQLite on the same file in the same run.  Not part of `make check`.
#
# The keystore is made by keydeck (so it has the real schema, vault and audit
# chain), then filled to BENCH_KEYS keys (default 1000000) with the sqlite3
# CLI: most keys clean (expiry, an auto rate limit, limited credits with a
# refill, used recently), about 1 in 20 with a problem, owners of 3 keys each.
# Usage: KEYDECK=./keydeck sh bench/audit.sh   (needs sqlite3 and python3)
# The target (under 5 s for 1M keys) gets PASS/MISS; it never fails the run.
set -u
KEYDECK=${KEYDECK:-${KD_BUILDDIR:-.}/keydeck}
N=${BENCH_KEYS:-1000000}
command -v sqlite3 >/dev/null || { echo "audit.sh: needs the sqlite3 CLI" >&2; exit 1; }
[ -x "$KEYDECK" ] || { echo "audit.sh: $KEYDECK is not built" >&2; exit 1; }
dir=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/kd-auditbench.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
trap 'exit 1' INT TERM
KS=$dir/keystore.db
export XDG_CONFIG_HOME="$dir/config" KEYDECK_NOW=2025-03-01T00:00:00Z
unset KEYDECK_CONFIG KEYDECK_KEYSTORE KEYDECK_PROFILE
NOW=1740787200000
DAY=86400000

ms() { date +%s%N | cut -c1-13; }
kd() { "$KEYDECK" --keystore "$KS" "$@"; }

API=$(kd --json apis create --name bench | python3 -c 'import json,sys; print(json.load(sys.stdin)["apiId"])') || exit 1
kd perms create --slug docs.read >/dev/null || exit 1
kd roles create --name reader --perms docs.read >/dev/null || exit 1

# Rows written by the shell skip the keystore's search index (its tokenizer is
# keydeck's): fine for an audit, which reads every key, but do not filter them.
echo "building $N keys in $KS ..."
t0=$(ms)
sqlite3 "$KS" <<SQL || exit 1
PRAGMA journal_mode=WAL;
PRAGMA synchronous=OFF;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $N)
INSERT INTO keys(id, api_id, hash, start, byte_length, name, external_id, enabled,
                 recoverable, expires, remaining, refill_interval, refill_amount,
                 request_count, last_used_at, created_at, updated_at)
SELECT printf('key_bench%08d', i), '$API', randomblob(32), 'bench_' || substr(hex(i), 1, 4), 16,
       CASE WHEN i % 97 = 0 THEN 'dup' || (i % 1000) ELSE printf('k%08d', i) END,
       CASE WHEN i % 5 = 0 THEN 'owner' || (i / 15) END,
       CASE WHEN i % 53 = 0 THEN 0 ELSE 1 END,
       CASE WHEN i % 211 = 0 THEN 1 ELSE 0 END,
       CASE WHEN i % 59 = 0 THEN NULL WHEN i % 61 = 0 THEN $NOW - $DAY ELSE $NOW + 90 * $DAY END,
       CASE WHEN i % 67 = 0 THEN NULL WHEN i % 71 = 0 THEN 2 ELSE 1000 END,
       CASE WHEN i % 67 = 0 OR i % 71 = 0 THEN 0 ELSE 1 END,
       CASE WHEN i % 67 = 0 OR i % 71 = 0 THEN NULL ELSE 1000 END,
       10, CASE WHEN i % 73 = 0 THEN NULL ELSE $NOW - $DAY END,
       $NOW - 200 * $DAY, $NOW - 100 * $DAY
FROM n;
INSERT INTO ratelimits(id, key_rid, name, lim, duration_ms, auto_apply)
SELECT 'rl_' || rid, rid, 'req', 100, 60000, 1 FROM keys WHERE rid % 79 != 0;
COMMIT;
SQL
# Schema 2 keeps verification counters in key_usage (keys.last_used_at is no
# longer read): copy them there when the keystore has it.
if [ -n "$(sqlite3 "$KS" "SELECT 1 FROM sqlite_master WHERE name = 'key_usage'")" ]; then
    sqlite3 "$KS" "INSERT OR REPLACE INTO key_usage(key_rid, request_count, last_used_at)
                   SELECT rid, request_count, last_used_at FROM keys
                   WHERE last_used_at IS NOT NULL" || exit 1
fi
# Schema 5 keeps credits in key_credits (keys.remaining is no longer read):
# move them there when the keystore has it.
if [ -n "$(sqlite3 "$KS" "SELECT 1 FROM sqlite_master WHERE name = 'key_credits'")" ]; then
    sqlite3 "$KS" "BEGIN;
                   INSERT OR REPLACE INTO key_credits(key_rid, remaining, last_refill_at)
                   SELECT rid, remaining, last_refill_at FROM keys WHERE remaining IS NOT NULL;
                   UPDATE keys SET remaining = NULL, last_refill_at = NULL
                   WHERE remaining IS NOT NULL OR last_refill_at IS NOT NULL;
                   COMMIT" || exit 1
fi
t1=$(ms)
echo "built in $((t1 - t0)) ms"

# References: what SQLite alone takes on the same file.
t0=$(ms); sqlite3 "$KS" "SELECT count(*) FROM keys" >/dev/null; t1=$(ms)
ref_count=$((t1 - t0))
t0=$(ms)
sqlite3 "$KS" "SELECT count(*), sum(length(k.id) + length(k.name) + ifnull(c.remaining, 0)
               + ifnull(k.expires, 0) % 7 + ifnull(r.lim, 0))
               FROM keys k LEFT JOIN key_credits c ON c.key_rid = k.rid
               LEFT JOIN ratelimits r ON r.key_rid = k.rid" >/dev/null
t1=$(ms)
ref_scan=$((t1 - t0))

t0=$(ms)
kd --json audit --min-severity info >"$dir/report.json"
st=$?
t1=$(ms)
audit=$((t1 - t0))
t0=$(ms)
kd audit --min-severity critical >/dev/null
t1=$(ms)
audit_quiet=$((t1 - t0))
python3 - "$dir/report.json" <<'PY'
import json, sys, collections
d = json.load(open(sys.argv[1]))
c = collections.Counter(f["rule"] for f in d["findings"])
print("audited %d keys: %d findings (%s)" % (d["summary"]["keys"], len(d["findings"]),
      ", ".join("%s %d" % kv for kv in sorted(c.items()))))
PY
echo "reference: SELECT count(*) FROM keys        $ref_count ms"
echo "reference: one full scan (keys + credits + ratelimits) $ref_scan ms"
echo "keydeck --json audit --min-severity info     $audit ms (exit $st)"
echo "keydeck audit --min-severity critical        $audit_quiet ms (scan, little output)"
if [ "$audit" -lt 5000 ]; then verdict=PASS; else verdict=MISS; fi
echo "target: audit of $N keys under 5000 ms: $verdict"
