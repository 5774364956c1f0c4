#!/bin/bash
# Suite 'deploy': `ssd-monitor check` (node-problem-detector custom plugin) and
# `ssd-monitor features` (node-feature-discovery feature file) end to end,
# through the real binary on replay directories built from the demo captures
# (test/data/demo, provenance in its README files) plus one NVMe SMART log
# edited by hand here.
#
# Expected verdicts come from outside our code: skdump (libatasmart-bin) says
# "Overall Status: GOOD" for INTEL_SSDSA2CW120G3--4PC10302; the 970 EVO Plus log
# has critical warning 0 and percentage used 0 (bytes 0 and 5, read with od);
# the hand-edited log sets critical warning 0x04 (reliability degraded) and
# percentage used 96. Messages and labels are written by hand from the NPD
# protocol and NFD's feature file format.
set -uo pipefail
src=${SM_SOURCE_ROOT:?}
bin=${SM_BUILD_ROOT:?}/ssd-monitor
work=$SM_BUILD_ROOT/deploy-oneshot
demo=$src/test/data/demo
passed=0 failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
nok() { echo "not ok - $1${2:+: $2}"; failed=$((failed + 1)); }
expect() { # expect <name> <want> <got>
	if [ "$2" = "$3" ]; then ok "$1"; else nok "$1" "want '$2', got '$3'"; fi
}
rm -rf "$work"
mkdir -p "$work/healthy" "$work/failing" "$work/empty" "$work/hdd" "$work/nfd"

# Independent checks of the inputs.
if command -v skdump >/dev/null 2>&1; then
	expect "reference: skdump says GOOD" "Overall Status: GOOD" \
		"$(skdump --load="$demo/INTEL_SSDSA2CW120G3--4PC10302" | grep -o 'Overall Status: [A-Z_]*')"
fi
expect "reference: 970 EVO Plus critical warning 0, percentage used 0" "0 0" \
	"$(od -An -tu1 -j0 -N6 "$demo/nvme-samsung-970evoplus.smart-log" | awk '{ print $1, $6 }')"

cp "$demo/INTEL_SSDSA2CW120G3--4PC10302" "$work/healthy/sda"
cp "$demo/nvme-samsung-970evoplus.smart-log" "$work/healthy/nvme0n1.smart-log"
cp "$work/healthy/"* "$work/failing/"
# nvme1n1: the same log with byte 0 (critical warning) = 0x04 and byte 5 (percentage used) = 96.
cp "$demo/nvme-samsung-970evoplus.smart-log" "$work/failing/nvme1n1.smart-log"
printf '\004' | dd of="$work/failing/nvme1n1.smart-log" bs=1 seek=0 conv=notrunc status=none
printf '\140' | dd of="$work/failing/nvme1n1.smart-log" bs=1 seek=5 conv=notrunc status=none
cp "$demo/FUJITSU_MHY2120BH--0084000D" "$work/hdd/sda"

check() { # check <dir> [args...]: sets out and rc
	out=$("$bin" check --replay="$1" --log.level=error "${@:2}" 2>/dev/null)
	rc=$?
}

# ---- check ----
check "$work/healthy"
expect "check healthy: exit 0" 0 "$rc"
expect "check healthy: message" "OK: 2 SSDs healthy" "$out"
check "$work/failing"
expect "check failing: exit 1" 1 "$rc"
expect "check failing: message" "PROBLEM: nvme1n1: critical warning 0x04 (degraded)" "$out"
check "$work/empty"
expect "check without SSDs: exit 2" 2 "$rc"
expect "check without SSDs: message" "UNKNOWN: no SSD found" "$out"
check "$work/hdd"
expect "check HDD only: exit 2" 2 "$rc"
check "$work/hdd" --collector.include-hdd
expect "check HDD with --collector.include-hdd: exit 0" 0 "$rc"
expect "check HDD with --collector.include-hdd: message" "OK: 1 disk healthy" "$out"
check "$work/does-not-exist"
expect "check on an unreadable replay dir: exit 2" 2 "$rc"
case $out in UNKNOWN:*) ok "check on an unreadable replay dir: UNKNOWN line" ;; *) nok "UNKNOWN line" "'$out'" ;; esac
lines=$("$bin" check --replay="$work/failing" 2>/dev/null | wc -l)
expect "check prints exactly one line on stdout" 1 "$lines"
[ ${#out} -le 80 ] && ok "message within 80 characters" || nok "message within 80 characters" "${#out}"

# ---- features ----
file=$work/nfd/ssd-monitor
features() { # features <dir> [args...]: sets rc
	"$bin" features --replay="$1" --log.level=error --features.file="$file" "${@:2}" 2>"$work/features.err"
	rc=$?
}
has() { # has <name> <line>
	if grep -qxF "$2" "$file"; then ok "$1"; else nok "$1" "no line '$2' in: $(tr '\n' '|' <"$file")"; fi
}
now=$(date +%s)
features "$work/failing" --features.expiry=15m
expect "features: exit 0" 0 "$rc"
has "features: present" "feature.node.kubernetes.io/ssd-monitor.present=true"
has "features: count" "feature.node.kubernetes.io/ssd-monitor.count=3"
has "features: nvme" "feature.node.kubernetes.io/ssd-monitor.nvme=true"
has "features: ata" "feature.node.kubernetes.io/ssd-monitor.ata=true"
has "features: healthy=false" "feature.node.kubernetes.io/ssd-monitor.healthy=false"
has "features: worst endurance 96 %" "feature.node.kubernetes.io/ssd-monitor.endurance-used-pct=96"
has "features: endurance critical (>= 95 %)" "feature.node.kubernetes.io/ssd-monitor.endurance=critical"
expiry=$(sed -n 's/^# +expiry-time=\(.*\)$/\1/p' "$file")
exp_s=$(date -u -d "$expiry" +%s 2>/dev/null || echo 0)
if [[ $expiry =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]] &&
	[ $((exp_s - now)) -ge 895 ] && [ $((exp_s - now)) -le 905 ]; then
	ok "features: expiry is RFC 3339 UTC, now + 15 min ($expiry)"
else
	nok "features: expiry now + 15 min" "'$expiry' ($((exp_s - now)) s)"
fi
expect "features: file mode 0644" 644 "$(stat -c %a "$file")"
expect "features: no temporary file left" "ssd-monitor" "$(ls -A "$work/nfd" | tr '\n' ' ' | sed 's/ $//')"

features "$work/healthy"
expect "features healthy: exit 0" 0 "$rc"
has "features healthy: healthy=true" "feature.node.kubernetes.io/ssd-monitor.healthy=true"
has "features healthy: count" "feature.node.kubernetes.io/ssd-monitor.count=2"
has "features healthy: endurance ok" "feature.node.kubernetes.io/ssd-monitor.endurance=ok"
has "features healthy: endurance 0 %" "feature.node.kubernetes.io/ssd-monitor.endurance-used-pct=0"
expect "features healthy: exactly one expiry directive" 1 "$(grep -c '^# +' "$file")"

features "$work/empty"
expect "features without SSDs: exit 0" 0 "$rc"
has "features without SSDs: present=false" "feature.node.kubernetes.io/ssd-monitor.present=false"
has "features without SSDs: healthy=unknown" "feature.node.kubernetes.io/ssd-monitor.healthy=unknown"

"$bin" features --replay="$work/healthy" --log.level=error --features.file="$work/missing/dir/x" 2>"$work/features.err"
rc=$?
expect "features into a missing directory: exit 1" 1 "$rc"
[ -s "$work/features.err" ] && ok "features into a missing directory: reason on stderr" ||
	nok "features into a missing directory: reason on stderr"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
