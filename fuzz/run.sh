#!/bin/sh
# Run every libFuzzer harness for SECONDS each (default 60), seeded from
# fuzz/corpus and the repository's captures; prints each harness's last status
# line (exec count) and exits non-zero if any harness crashed.
#   usage: fuzz/run.sh BUILD_DIR [SECONDS]
set -u
build=${1:?usage: fuzz/run.sh BUILD_DIR [SECONDS]}
secs=${2:-60}
src=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0

seed() { # harness, seed dirs...
	mkdir -p "$work/$1"
	shift_name=$1
	shift
	for d in "$@"; do
		[ -d "$d" ] && find "$d" -maxdepth 1 -type f ! -name '*.md' -exec cp {} "$work/$shift_name/" \;
	done
}

# Build only the harnesses: a clang build of the whole tree may stop on warnings
# gcc does not give (the daemon itself is built with gcc).
ninja -C "$build" fuzz/fuzz-config fuzz/fuzz-accept-encoding fuzz/fuzz-nvme fuzz/fuzz-ata fuzz/fuzz-drivedb fuzz/fuzz-webconfig >/dev/null ||
	{ echo "build of the harnesses failed"; exit 1; }

seed config "$src/fuzz/corpus/config"
seed accept-encoding "$src/fuzz/corpus/accept-encoding"
seed nvme "$src/test/data/http" "$src/test/data/demo" "$src/test/data/nvme"
seed ata "$src/test/data/http" "$src/test/data/demo"
seed drivedb "$src/fuzz/corpus/drivedb"
seed webconfig "$src/fuzz/corpus/webconfig" "$src/test/data/webcfg"

for h in config accept-encoding nvme ata drivedb webconfig; do
	bin="$build/fuzz/fuzz-$h"
	[ -x "$bin" ] || { echo "$h: $bin not built"; status=1; continue; }
	mkdir -p "$work/$h-crashes"
	if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$work/$h-crashes/" "$work/$h" >"$work/$h.log" 2>&1; then
		echo "$h: ok: $(grep -E '^stat::number_of_executed_units' "$work/$h.log" | awk '{print $2}') execs," \
			"$(grep -E '^#[0-9]+.*(DONE|pulse)' "$work/$h.log" | tail -1)"
	else
		echo "$h: CRASH"
		grep -E 'ERROR|SUMMARY|runtime error' "$work/$h.log" | head -5
		mkdir -p "$build/fuzz-crashes"
		cp "$work/$h-crashes/"* "$build/fuzz-crashes/" 2>/dev/null
		echo "  reproducer copied to $build/fuzz-crashes/"
		status=1
	fi
done
exit $status
