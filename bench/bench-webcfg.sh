#!/bin/bash
# SPDX-License-Identifier: MIT
# --web.config.file costs, side by side on one machine (not a test; nothing asserted):
#  1. bcrypt verification CPU per cost (libxcrypt through Python's crypt, what the
#     agent's password workers call), median of 5;
#  2. scrape latency over TLS with cached basic-auth credentials, idle vs. while a
#     cost-18 login (toolkit's user bob) is being verified on a worker: a ratio near 1
#     means the event thread is not waiting for bcrypt (it would be ~20 s if it did).
# usage: bench/bench-webcfg.sh BUILD_DIR   (from the source root)
set -eu
build=${1:?usage: bench/bench-webcfg.sh BUILD_DIR}
src=$(cd "$(dirname "$0")/.." && pwd)
bin=$(cd "$build" && pwd)/ssd-monitor
work=$(mktemp -d)
agent=
bob=
cleanup() {
	[ -n "$bob" ] && kill "$bob" 2>/dev/null
	[ -n "$agent" ] && kill "$agent" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

python3 -W ignore - <<'PY'
import crypt, time
for cost, h, p in [(10, "$2y$10$2UXri9cIDdgeKjBo4Rlpx.U3ZLDV8X1IxKmsfOvhcM5oXQt/mLmXq", "dave123"),
                   (12, "$2y$12$1DpfPeqF9HzHJt.EWswy1exHluGfbhnn3yXhR7Xes6m3WJqFg0Wby", "alice123")]:
    t = []
    for _ in range(5):
        a = time.process_time()
        ok = crypt.crypt(p, h) == h
        t.append(time.process_time() - a)
    print(f"bcrypt cost {cost}: {'ok' if ok else 'MISMATCH'}, median {sorted(t)[2] * 1000:.1f} ms CPU"
          f" (cost 18 = 2^{18 - cost} x this)")
PY

openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 30 -subj "/CN=bench CA" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=localhost" 2>/dev/null
printf 'subjectAltName=DNS:localhost\nkeyUsage=critical,digitalSignature,keyEncipherment\n' >ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 30 \
	-extfile ext 2>/dev/null
cp "$src/test/data/webcfg/web_config_users.good.yml" web.yml
"$bin" --replay "$src/test/data/http" --web.listen-address=127.0.0.1:0 --no-drop-privileges \
	--web.config.file=web.yml 2>agent.log &
agent=$!
port=
for _ in $(seq 100); do
	port=$(grep -o 'port [0-9]*' agent.log | awk '{print $2}') || true
	[ -n "$port" ] && break
	sleep 0.1
done
[ -n "$port" ] || { cat agent.log; exit 1; }
scrape() { curl -s -o /dev/null -w '%{time_total}\n' --cacert ca.crt -u dave:dave123 "https://localhost:$port/metrics"; }
med() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
scrape >/dev/null # one cost-10 verification, then cached
idle=$(for _ in $(seq 21); do scrape; done | med)
curl -s -o /dev/null --max-time 600 --cacert ca.crt -u bob:bob "https://localhost:$port/metrics" &
bob=$!
sleep 0.5
busy=$(for _ in $(seq 21); do scrape; done | med)
pending=no
kill -0 "$bob" 2>/dev/null && pending=yes
echo "TLS scrape, cached credentials, new connection each: median idle ${idle}s," \
	"during a cost-18 verification ${busy}s (ratio $(awk -v a="$busy" -v b="$idle" 'BEGIN {printf "%.2f", a / b}')x;" \
	"cost-18 login still pending afterwards: $pending)"
