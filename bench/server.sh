#!/bin/sh
# server.sh — keydeckd under load, next to two references measured in the same run:
#   (a) the better-auth peer's verify route (../shared/peers/better-auth), the
#       system keydeck is compared with, and
#   (b) a bare libmicrohttpd server answering a fixed body (bench/bare_mhd.c):
#       the ceiling of this machine for an HTTP server of this design.
# wrk (Debian's package; installed when missing and run as root) loads each one
# with the same connections and threads, on 127.0.0.1 only, and this prints
# requests per second, p50 and p99 latency, and the ratios the issue sets
# targets for: keydeckd >= 20x better-auth, >= 0.5x the bare ceiling, p99 within
# 2x the bare server's.  Then it lists 10,000 keys through the remote backend
# from keydeckd (target < 1 s), next to the same listing on the local keystore.
# Misses are reported, never turned into a failing exit status.
#
# BENCH_SECONDS (10), BENCH_CONNECTIONS (64), BENCH_WRK_THREADS (2),
# BENCH_SERVER_THREADS (the CPUs) tune it; KD_BUILDDIR holds the built tree.
set -eu
build=${KD_BUILDDIR:-.}
src=${KD_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
keydeck=$build/keydeck
keydeckd=$build/keydeckd
bare=$build/bench/bare_mhd
secs=${BENCH_SECONDS:-10}
conns=${BENCH_CONNECTIONS:-64}
wthreads=${BENCH_WRK_THREADS:-2}
sthreads=${BENCH_SERVER_THREADS:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)}
peer=${BETTER_AUTH_PEER:-$src/../shared/peers/better-auth}

for p in "$keydeck" "$keydeckd" "$bare"; do
    [ -x "$p" ] || { echo "server.sh: $p is not built (run: make bench-server)" >&2; exit 1; }
done
if ! command -v wrk >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "server.sh: installing wrk" >&2
        apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
    else
        echo "server.sh: needs wrk (apt-get install wrk)" >&2
        exit 1
    fi
fi

dir=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/kd-server-bench.XXXXXX")
pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
export KEYDECK_CONFIG="$dir/empty.conf"
: >"$KEYDECK_CONFIG"
chmod 600 "$KEYDECK_CONFIG"
unset KEYDECK_NOW KEYDECK_KEYSTORE

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
wait_port() { # wait_port PORT: until something accepts on 127.0.0.1:PORT (<= 60 s)
    python3 - "$1" <<'EOF'
import socket, sys, time
deadline = time.time() + 60
while time.time() < deadline:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.5).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
EOF
}

# load NAME URL BODY [HEADER]: wrk POSTs BODY; sets RPS P50 P99 (ms) and prints a line.
load() {
    name=$1 url=$2 body=$3 header=${4:-}
    cat >"$dir/post.lua" <<EOF
wrk.method = "POST"
wrk.body = [[$body]]
wrk.headers["Content-Type"] = "application/json"
EOF
    if [ -n "$header" ]; then
        printf 'wrk.headers["%s"] = "%s"\n' "${header%%: *}" "${header#*: }" >>"$dir/post.lua"
    fi
    wrk -t"$wthreads" -c"$conns" -d"${secs}s" --latency -s "$dir/post.lua" "$url" >"$dir/wrk.out" 2>&1 || true
    RPS=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$dir/wrk.out")
    P50=$(awk '$1 == "50%" { print $2 }' "$dir/wrk.out")
    P99=$(awk '$1 == "99%" { print $2 }' "$dir/wrk.out")
    errors=$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$dir/wrk.out")
    P50=$(to_ms "$P50"); P99=$(to_ms "$P99")
    printf '  %-34s %10s req/s   p50 %8s ms   p99 %8s ms%s\n' "$name" "${RPS:-?}" "$P50" "$P99" \
        "${errors:+   ($errors non-2xx!)}"
}
to_ms() { # wrk prints 812.00us, 1.23ms, 2.01s
    echo "${1:-}" | awk '/us$/ { sub(/us$/, ""); printf "%.3f", $0 / 1000; next }
                         /ms$/ { sub(/ms$/, ""); printf "%.3f", $0; next }
                         /s$/  { sub(/s$/, "");  printf "%.3f", $0 * 1000; next }
                         { print "?" }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "?"; else printf "%.2f", a / b }'; }
verdict() { awk -v v="$1" -v t="$2" -v dir="$3" 'BEGIN { if (v == "?") print "n/a";
    else if ((dir == ">=" && v + 0 >= t + 0) || (dir == "<=" && v + 0 <= t + 0)) print "PASS"; else print "MISS" }'; }

echo "machine: $(uname -sm), $(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?') CPUs; wrk -t$wthreads -c$conns -d${secs}s; servers with $sthreads threads"
echo

# ---- keydeckd -----------------------------------------------------------------------
ks=$dir/keystore.db
api=$("$keydeck" --keystore "$ks" --json apis create --name bench | json_field apiId)
key=$("$keydeck" --keystore "$ks" --json keys create --api "$api" --name bench | json_field key)
root=$("$keydeck" --keystore "$ks" --json rootkeys create --name bench \
    --permissions 'api.*.verify_key,api.*.read_key,api.*.read_api' | json_field key)
kport=$(free_port)
"$keydeckd" --keystore "$ks" --listen "127.0.0.1:$kport" --threads "$sthreads" 2>"$dir/keydeckd.err" &
pids="$pids $!"
wait_port "$kport" || { echo "server.sh: keydeckd did not start:" >&2; cat "$dir/keydeckd.err" >&2; exit 1; }
python3 - "$kport" "$root" "$key" <<'EOF' || { echo "server.sh: keydeckd does not answer VALID" >&2; exit 1; }
import json, sys, urllib.request
port, root, key = sys.argv[1:]
req = urllib.request.Request("http://127.0.0.1:%s/v2/keys.verifyKey" % port,
                             data=json.dumps({"key": key}).encode(), method="POST",
                             headers={"Content-Type": "application/json", "Authorization": "Bearer " + root})
sys.exit(0 if json.load(urllib.request.urlopen(req))["data"]["code"] == "VALID" else 1)
EOF

echo "verifyKey under load"
load "keydeckd keys.verifyKey" "http://127.0.0.1:$kport/v2/keys.verifyKey" "{\"key\":\"$key\"}" \
    "Authorization: Bearer $root"
k_rps=$RPS k_p99=$P99

# ---- the bare ceiling -----------------------------------------------------------------
bport=$(free_port)
"$bare" "$bport" "$sthreads" &
pids="$pids $!"
wait_port "$bport"
load "bare libmicrohttpd, fixed body" "http://127.0.0.1:$bport/v2/keys.verifyKey" "{\"key\":\"$key\"}"
b_rps=$RPS b_p99=$P99

# ---- the better-auth peer ---------------------------------------------------------------
a_rps="" a_p99=""
if [ -d "$peer" ] && command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
    aport=$(free_port)
    token=bench$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
    PORT=$aport ADMIN_TOKEN=$token bash "$peer/start.sh" "$dir/better-auth" >"$dir/peer.log" 2>&1 &
    pids="$pids $!"
    if wait_port "$aport"; then
        akey=$(python3 - "$aport" "$token" <<'EOF'
import json, sys, urllib.request
port, token = sys.argv[1:]
base = "http://127.0.0.1:%s" % port
def post(path, body, headers):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST",
                                 headers=dict({"Content-Type": "application/json"}, **headers))
    return json.load(urllib.request.urlopen(req))
user = post("/api/auth/sign-up/email", {"email": "bench@example.com", "password": "correct-horse-battery",
                                        "name": "Bench"}, {})["user"]["id"]
key = post("/admin/api-key/create", {"userId": user, "name": "bench", "rateLimitEnabled": False},
           {"Authorization": "Bearer " + token})["key"]
assert post("/admin/api-key/verify", {"key": key}, {"Authorization": "Bearer " + token})["valid"]
print(key)
EOF
) && {
            load "better-auth /admin/api-key/verify" "http://127.0.0.1:$aport/admin/api-key/verify" \
                "{\"key\":\"$akey\"}" "Authorization: Bearer $token"
            a_rps=$RPS a_p99=$P99
        }
    fi
    [ -n "$a_rps" ] || { echo "  better-auth peer: could not be started (see below)"; tail -5 "$dir/peer.log" | sed 's/^/    /'; }
else
    echo "  better-auth peer: skipped (needs $peer, node and npm)"
fi

echo
echo "targets (issue 5)"
r=$(ratio "$k_rps" "$a_rps"); printf '  %-44s %8s   %s\n' "keydeckd / better-auth >= 20x" "$r" "$(verdict "$r" 20 '>=')"
r=$(ratio "$k_rps" "$b_rps"); printf '  %-44s %8s   %s\n' "keydeckd / bare ceiling >= 0.5" "$r" "$(verdict "$r" 0.5 '>=')"
r=$(ratio "$k_p99" "$b_p99"); printf '  %-44s %8s   %s\n' "keydeckd p99 / bare p99 <= 2" "$r" "$(verdict "$r" 2 '<=')"

# ---- listing 10,000 keys through the remote backend -------------------------------------
echo
lapi=$("$keydeck" --keystore "$ks" --json apis create --name listing | json_field apiId)
"$keydeck" --keystore "$ks" keys create --api "$lapi" --name listed --count 10000 >/dev/null
cat >"$dir/remote.conf" <<EOF
[profile bench]
backend = keydeckd
url = http://127.0.0.1:$kport
apis = $lapi
EOF
chmod 600 "$dir/remote.conf"
ms_of() { # ms_of COMMAND...: wall time in ms, the command's output discarded
    t0=$(date +%s%N); "$@" >"$dir/list.out"; echo $(( ($(date +%s%N) - t0) / 1000000 ))
}
remote_ms=$(UNKEY_ROOT_KEY=$root KEYDECK_CONFIG=$dir/remote.conf ms_of \
    "$keydeck" --profile bench --json keys list --api "$lapi" --all)
remote_n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["items"]))' "$dir/list.out")
local_ms=$(ms_of "$keydeck" --keystore "$ks" --json keys list --api "$lapi" --all)
echo "listing every key of an API of 10,000"
printf '  %-44s %8s ms   (%s keys, 100 a page)\n' "remote backend from keydeckd" "$remote_ms" "$remote_n"
printf '  %-44s %8s ms   ratio %s\n' "local keystore, same CLI (reference)" "$local_ms" "$(ratio "$remote_ms" "$local_ms")"
printf '  %-44s %8s   %s\n' "remote listing < 1000 ms" "$remote_ms" "$(verdict "$remote_ms" 1000 '<=')"
