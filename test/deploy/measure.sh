#!/bin/bash
# Resource use of the agent, for sizing the DaemonSet's requests and limits
# (not a test: prints numbers). Runs the agent on the demo captures with a
# given collection interval, scrapes /metrics every 15 s like Prometheus, and
# reports CPU (millicores averaged over the run, from /proc/PID/stat utime +
# stime), RSS (VmRSS at the end, VmHWM peak) and threads; then times a burst
# of scrapes.
#
#   test/deploy/measure.sh BINARY [INTERVAL=60s] [DURATION_S=120] [BURST=500]
set -euo pipefail
bin=${1:?usage: measure.sh BINARY [INTERVAL] [DURATION_S] [BURST]}
interval=${2:-60s}
duration=${3:-120}
burst=${4:-500}
src=$(cd "$(dirname "$0")/../.." && pwd)
port=$((22000 + $$ % 20000))
url=http://127.0.0.1:$port
"$bin" --replay="$src/test/data/demo" --collector.interval="$interval" \
	--web.listen-address="127.0.0.1:$port" --log.level=warn &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -fsS -o /dev/null "$url/readyz" 2>/dev/null && break; sleep 0.1; done
hz=$(getconf CLK_TCK)
ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
field() { sed -n "s/^$1:[[:space:]]*//p" "/proc/$pid/status"; }

t0=$(ticks)
start=$(date +%s.%N)
end=$(echo "$start + $duration" | bc)
scrapes=0
while [ "$(echo "$(date +%s.%N) < $end" | bc)" = 1 ]; do
	curl -fsS -o /dev/null "$url/metrics"
	scrapes=$((scrapes + 1))
	sleep 15
done
t1=$(ticks)
el=$(echo "$(date +%s.%N) - $start" | bc)
devices=$(curl -fsS "$url/metrics" | grep -c '^ssdmon_device_info{')
bytes=$(curl -fsS "$url/metrics" | wc -c)
echo "devices: $devices, /metrics body: $bytes bytes, interval $interval, ${el%.*} s, $scrapes scrapes"
echo "cpu: $(echo "scale=3; ($t1 - $t0) * 1000 / $hz / $el" | bc) millicores average ($((t1 - t0)) ticks at $hz Hz)"
echo "memory: VmRSS $(field VmRSS), VmHWM (peak) $(field VmHWM), threads $(field Threads)"

b0=$(ticks)
bs=$(date +%s.%N)
for _ in $(seq "$burst"); do curl -fsS -o /dev/null "$url/metrics"; done
b1=$(ticks)
be=$(echo "$(date +%s.%N) - $bs" | bc)
echo "burst: $burst sequential scrapes in $(printf '%.2f' "$be") s, agent cpu $(echo "scale=1; ($b1 - $b0) * 1000000 / $hz / $burst" | bc) us per scrape"
echo "memory after burst: VmRSS $(field VmRSS), VmHWM $(field VmHWM)"
