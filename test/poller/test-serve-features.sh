#!/bin/bash
# serve --features.file: the NFD feature file appears after the first collection,
# says what the captures say, and is rewritten after later collections.
set -u
bin=$1
demo=$2
tmp=$(mktemp -d)
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
pass=0 fail=0
check() { if eval "$1"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $2"; fi; }

"$bin" --replay "$demo" --web.listen-address=127.0.0.1:0 --collector.interval=1s \
	--features.file="$tmp/ssd-monitor" 2>"$tmp/log" &
pid=$!
for _ in $(seq 50); do [ -s "$tmp/ssd-monitor" ] && break; sleep 0.1; done
check '[ -s "$tmp/ssd-monitor" ]' "feature file not written within 5 s"
check 'grep -q "^# +expiry-time=20[0-9-]*T[0-9:]*Z$" "$tmp/ssd-monitor"' "no expiry line"
# The demo has NVMe captures and one with critical warning 0x10: not all healthy.
check 'grep -qx "feature.node.kubernetes.io/ssd-monitor.nvme=true" "$tmp/ssd-monitor"' "nvme=true missing"
check 'grep -qx "feature.node.kubernetes.io/ssd-monitor.healthy=false" "$tmp/ssd-monitor"' "healthy=false missing"
check '! ls -A "$tmp" | grep -q "^\.ssd-monitor"' "temporary file left behind"
first=$(stat -c %Y.%y "$tmp/ssd-monitor")
sleep 2.5
check '[ "$(stat -c %Y.%y "$tmp/ssd-monitor")" != "$first" ]' "feature file not rewritten after later collections"
check 'kill -0 $pid' "daemon died"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
