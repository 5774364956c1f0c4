#!/bin/bash
# Suite 'deploy': build the container image offline (daemonset/image/build.sh,
# buildah with vfs storage in the build directory) and smoke-test it with
# `buildah run --isolation chroot`:
#  - the agent starts in the image on the demo captures, /readyz turns 200,
#    /metrics passes `promtool check metrics` and lists the demo's SSDs;
#  - started with every capability (what privileged: true hands it) or with
#    only SYS_RAWIO + SYS_ADMIN (the DaemonSet's capabilities), the running
#    agent holds exactly CAP_SYS_RAWIO + CAP_SYS_ADMIN (0x220000) in its
#    permitted, effective and bounding sets, with no_new_privs;
#  - `ssd-monitor check` in the image prints the same line as on the host.
# Prints the image size.
set -euo pipefail
src=${SM_SOURCE_ROOT:?}
bin=${SM_BUILD_ROOT:?}/ssd-monitor
work=$SM_BUILD_ROOT/deploy-image
command -v buildah >/dev/null 2>&1 || { echo "buildah not installed"; exit 77; }
# buildah's vfs driver remounts / (private, MS_REC|MS_PRIVATE = 0x44000) before it
# builds; in a plain chroot whose / is not a mount point that fails with
# "remount /, flags: 0x44000: invalid argument". Say so instead of a raw error.
if [ ! -r /proc/self/mountinfo ]; then
	echo "SKIP: /proc is not mounted (buildah needs /proc/self/mountinfo)"
	exit 77
fi
if ! awk '$5 == "/" { found = 1 } END { exit !found }' /proc/self/mountinfo; then
	echo "SKIP: / is not a mount point here (a plain chroot?): buildah's vfs driver cannot remount it; run in a mount namespace with the root bind-mounted onto itself (see .ci/fresh-check)"
	exit 77
fi
passed=0 failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
nok() { echo "not ok - $1${2:+: $2}"; failed=$((failed + 1)); }

rm -rf "$work"
mkdir -p "$work"
B=(buildah --root "$work/storage" --runroot "$work/run" --storage-driver vfs)
tag=localhost/ssd-monitor:test
ctr=
cleanup() {
	for pid in $(agent_pids); do kill -KILL "$pid" 2>/dev/null || true; done
	[ -n "$ctr" ] && "${B[@]}" rm "$ctr" >/dev/null 2>&1 || true
	"${B[@]}" rmi -f "$tag" >/dev/null 2>&1 || true
	rm -rf "$work/storage" "$work/run"
}
# PIDs of agents this test started (matched by the unique listen address).
# A port the kernel says is free now (a pid-derived one clashed with another
# engineer's listener on this shared machine).
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
agent_pids() {
	for p in /proc/[0-9]*; do
		if { tr '\0' ' ' <"$p/cmdline" | grep -q "^/usr/sbin/ssd-monitor .*127.0.0.1:$port "; } 2>/dev/null; then
			echo "${p#/proc/}"
		fi
	done
}
trap cleanup EXIT

# ---- build ----
if out=$("$src/daemonset/image/build.sh" -b "$bin" -t "$tag" -o "$work/ssd-monitor.oci.tar" -- "${B[@]:1}" 2>&1); then
	echo "# $out" | sed '2,$s/^/# /'
	ok "image builds offline (FROM scratch)"
else
	nok "image builds" "$out"
	echo "$passed passed, $failed failed"
	exit 1
fi
ctr=$("${B[@]}" from --quiet "$tag")

start_agent() { # start_agent <caps-args...> -- <agent args...>; waits for /healthz
	local caps=()
	while [ "$1" != "--" ]; do caps+=("$1"); shift; done
	shift
	"${B[@]}" run --isolation chroot "${caps[@]}" "$ctr" -- /usr/sbin/ssd-monitor "$@" \
		--web.listen-address="127.0.0.1:$port" >>"$work/agent.log" 2>&1 &
	for _ in $(seq 100); do
		curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
stop_agent() {
	for pid in $(agent_pids); do kill -TERM "$pid" 2>/dev/null || true; done
	for _ in $(seq 50); do
		[ -z "$(agent_pids)" ] && break
		sleep 0.1
	done
	wait 2>/dev/null || true
}
capline() { # capline <field>: that line of the running agent's /proc status
	local pid
	pid=$(agent_pids | head -n1)
	sed -n "s/^$1:[[:space:]]*//p" "/proc/$pid/status"
}

# ---- serve the demo data from the image ----
if start_agent -- --replay=/usr/share/ssd-monitor/demo; then
	ok "agent starts in the image (replay of the demo data)"
else
	nok "agent starts in the image" "$(tail -n 5 "$work/agent.log")"
fi
ready=
for _ in $(seq 100); do
	if curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null; then ready=1; break; fi
	sleep 0.1
done
if [ -n "$ready" ]; then ok "/readyz 200 after the first collection"; else nok "/readyz 200"; fi
curl -fsS "http://127.0.0.1:$port/metrics" >"$work/metrics.txt" || true
if grep -q '^ssdmon_ready 1$' "$work/metrics.txt" &&
	grep -q '^ssdmon_device_info{device="INTEL_SSDSA2CW120G3--4PC10302",class="ssd"' "$work/metrics.txt"; then
	ok "/metrics from the image lists the demo SSDs ($(grep -c '^ssdmon_device_info{' "$work/metrics.txt") devices)"
else
	nok "/metrics from the image lists the demo SSDs" "$(head -c 300 "$work/metrics.txt")"
fi
if command -v promtool >/dev/null 2>&1; then
	if out=$(promtool check metrics <"$work/metrics.txt" 2>&1); then
		ok "promtool check metrics"
	else
		nok "promtool check metrics" "$out"
	fi
fi
stop_agent

# ---- capabilities the running agent keeps ----
# "all": every capability this test holds (privileged: true hands the container
# the full set; --cap-add=ALL fails where the test itself lacks one).
mine=$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status)
all_caps=()
if command -v capsh >/dev/null 2>&1; then
	for c in $(capsh --decode="$mine" | sed 's/.*=//' | tr ',' ' '); do all_caps+=("--cap-add=$c"); done
fi
for mode in all daemonset; do
	if [ "$mode" = all ]; then
		[ ${#all_caps[@]} -gt 2 ] || { echo "# capsh missing: skipping the all-capabilities run"; continue; }
		caps=("${all_caps[@]}")
	else
		caps=(--cap-add=CAP_SYS_RAWIO --cap-add=CAP_SYS_ADMIN)
	fi
	# Live mode (no --replay): the agent keeps what SMART reads need.
	if start_agent "${caps[@]}" --; then
		eff=$(capline CapEff) prm=$(capline CapPrm) bnd=$(capline CapBnd) nnp=$(capline NoNewPrivs)
		echo "# caps ($mode, ${#caps[@]} granted): CapEff=$eff CapPrm=$prm CapBnd=$bnd NoNewPrivs=$nnp"
		if [ "$eff" = 0000000000220000 ] && [ "$prm" = 0000000000220000 ] &&
			[ "$bnd" = 0000000000220000 ] && [ "$nnp" = 1 ]; then
			ok "started with $mode capabilities, runs with exactly SYS_RAWIO + SYS_ADMIN"
		else
			nok "started with $mode capabilities, runs with exactly SYS_RAWIO + SYS_ADMIN" \
				"CapEff=$eff CapPrm=$prm CapBnd=$bnd NoNewPrivs=$nnp"
		fi
	else
		nok "live agent starts with $mode capabilities" "$(tail -n 5 "$work/agent.log")"
	fi
	stop_agent
done

# ---- the NPD check mode in the image ----
host_line=$("$bin" check --replay="$src/test/data/demo" --log.level=error 2>/dev/null) && host_rc=0 || host_rc=$?
img_line=$("${B[@]}" run --isolation chroot "$ctr" -- /usr/sbin/ssd-monitor check \
	--replay=/usr/share/ssd-monitor/demo --log.level=error 2>/dev/null) && img_rc=0 || img_rc=$?
if [ "$img_rc" = "$host_rc" ] && [ "$img_line" = "$host_line" ] && [ ${#img_line} -le 80 ]; then
	ok "check in the image: exit $img_rc, '$img_line'"
else
	nok "check in the image" "image: $img_rc '$img_line', host: $host_rc '$host_line'"
fi

size=$("${B[@]}" images --format '{{.Size}}' "$tag" | head -n1)
echo "# image size: $size; OCI archive (compressed layers): $(du -h "$work/ssd-monitor.oci.tar" | cut -f1)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
