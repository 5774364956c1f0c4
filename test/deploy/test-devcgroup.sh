#!/bin/bash
# Suite 'deploy': why the DaemonSet needs privileged: true on a stock runtime,
# measured. A container's device cgroup (runc/crun's default allow-list: null,
# zero, full, random, urandom, tty, console, ptmx, pts, tun, plus mknod) is
# reproduced with the cgroup v1 devices controller, and a shell running as
# root with every capability this test holds tries to open a real block
# device read-only - as the agent opens /dev/sdX and /dev/nvmeX:
#   default allow-list           -> EPERM (capabilities do not help)
#   + "b MAJ:MIN r" for the disk -> read-only open succeeds, read-write still EPERM
# The second rule is what a device plugin or CDI spec adds (or privileged
# lifts the whole cgroup). Skips where the v1 devices hierarchy is not writable.
set -uo pipefail
cg_root=/sys/fs/cgroup/devices
if [ ! -w "$cg_root" ] || [ ! -e "$cg_root/devices.allow" ]; then
	echo "cgroup v1 devices controller not writable here"
	exit 77
fi
passed=0 failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
nok() { echo "not ok - $1${2:+: $2}"; failed=$((failed + 1)); }

# A block device this process may open read-only (opened, never read or written).
dev=
for d in /dev/zram0 /dev/loop0 /dev/sda /dev/nvme0n1 /dev/vda; do
	[ -b "$d" ] || continue
	if (exec 3<"$d") 2>/dev/null; then dev=$d; break; fi
done
[ -n "$dev" ] || { echo "no block device openable read-only here"; exit 77; }
majmin=$(printf '%d:%d' "0x$(stat -c %t "$dev")" "0x$(stat -c %T "$dev")")
echo "# device $dev ($majmin); capabilities held: $(sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status)"

cg=$cg_root/ssd-monitor-devtest-$$
mkdir "$cg" || { echo "cannot create $cg"; exit 77; }
trap 'rmdir "$cg" 2>/dev/null' EXIT
echo a >"$cg/devices.deny"
for rule in "c *:* m" "b *:* m" "c 1:3 rwm" "c 1:5 rwm" "c 1:7 rwm" "c 1:8 rwm" "c 1:9 rwm" \
	"c 5:0 rwm" "c 5:1 rwm" "c 5:2 rwm" "c 136:* rwm" "c 10:200 rwm"; do
	echo "$rule" >"$cg/devices.allow"
done

try_open() { # try_open <"<" or "<>">: "ok" or the error, from inside the cgroup
	bash -c 'echo $$ >"$1/cgroup.procs" || exit 9
		if [ "$2" = "<>" ]; then exec 3<>"$3"; else exec 3<"$3"; fi && echo ok' _ "$cg" "$1" "$dev" 2>&1 |
		sed 's/.*: //' | tail -n1
}

r=$(try_open "<")
if [ "$r" = "Operation not permitted" ]; then
	ok "default container allow-list: read-only open of $dev refused with EPERM despite all capabilities"
else
	nok "default container allow-list refuses the open" "got '$r'"
fi

echo "b $majmin r" >"$cg/devices.allow"
r=$(try_open "<")
if [ "$r" = ok ]; then
	ok "with 'b $majmin r' added: read-only open succeeds"
else
	nok "with 'b $majmin r' added: read-only open succeeds" "got '$r'"
fi
r=$(try_open "<>")
if [ "$r" = "Operation not permitted" ]; then
	ok "with 'b $majmin r' added: read-write open still refused"
else
	nok "read-write open still refused" "got '$r'"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
