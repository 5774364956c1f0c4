#!/bin/bash
# Build the ssd-monitor OCI image offline with buildah.
#
#   daemonset/image/build.sh [-b BINARY] [-t TAG] [-o OCI_ARCHIVE] [-- BUILDAH_GLOBAL_OPTS...]
#
# BINARY defaults to build/ssd-monitor. The script stages a root file system
# (stripped binary, every shared library `ldd` resolves plus the dynamic
# loader, the demo captures, the Debian copyright files of the packages the
# libraries come from, and a list of those packages with versions), then runs
# `buildah bud` on the Containerfile (FROM scratch: nothing is downloaded).
# Global buildah options (e.g. --root DIR --runroot DIR --storage-driver vfs)
# go after "--". Prints the image size.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
bin=$src/build/ssd-monitor
tag=localhost/ssd-monitor:0.1.0
archive=
while [ $# -gt 0 ]; do
	case $1 in
	-b) bin=$2; shift 2 ;;
	-t) tag=$2; shift 2 ;;
	-o) archive=$2; shift 2 ;;
	--) shift; break ;;
	*) echo "usage: $0 [-b BINARY] [-t TAG] [-o OCI_ARCHIVE] [-- BUILDAH_OPTS...]" >&2; exit 2 ;;
	esac
done
buildah_opts=("$@")
[ ${#buildah_opts[@]} -eq 0 ] && buildah_opts=(--storage-driver vfs)
[ -x "$bin" ] || { echo "build.sh: no agent binary at $bin (meson build first, or -b)" >&2; exit 1; }
command -v buildah >/dev/null || { echo "build.sh: buildah not installed (apt-get install buildah)" >&2; exit 1; }

ctx=$(mktemp -d "${TMPDIR:-/tmp}/ssd-monitor-image.XXXXXX")
trap 'rm -rf "$ctx"' EXIT
root=$ctx/rootfs
mkdir -p "$root/usr/sbin" "$root/usr/share/ssd-monitor" "$root/usr/share/doc/ssd-monitor" \
	"$root/etc" "$root/tmp" "$root/dev" "$root/sys" "$root/proc" "$root/run/udev"
chmod 1777 "$root/tmp"

# The agent, stripped of debug information.
install -m 0755 "$bin" "$root/usr/sbin/ssd-monitor"
strip --strip-unneeded "$root/usr/sbin/ssd-monitor"

# Its shared libraries and the loader, at the paths the loader looks them up.
libs=$(ldd "$bin" | awk '/=> \// { print $3 } /^\t\/[^ ]+ \(/ { print $1 }' | sort -u)
for lib in $libs; do
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done

# Which Debian packages the libraries come from, and their copyright files.
: >"$root/usr/share/doc/ssd-monitor/debian-packages.txt"
for lib in $libs; do
	real=$(readlink -f "$lib")
	pkg=$(dpkg -S "$real" 2>/dev/null | head -n1 | cut -d: -f1,2 | sed 's/: .*//') || true
	if [ -z "$pkg" ]; then
		pkg=$(dpkg -S "$lib" 2>/dev/null | head -n1 | sed 's/: .*//') || true
	fi
	[ -n "$pkg" ] || continue
	name=${pkg%%:*}
	ver=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || true)
	echo "$name $ver $lib" >>"$root/usr/share/doc/ssd-monitor/debian-packages.txt"
	if [ -f "/usr/share/doc/$name/copyright" ]; then
		mkdir -p "$root/usr/share/doc/$name"
		cp "/usr/share/doc/$name/copyright" "$root/usr/share/doc/$name/copyright"
	fi
done
[ -f "$src/LICENSE" ] && cp "$src/LICENSE" "$root/usr/share/doc/ssd-monitor/"

# smartmontools' drive database (attribute names and endurance rules; GPL-2.0-or-later)
# with its copyright file, at the path the agent looks for it.
if [ -f /usr/share/smartmontools/drivedb.h ]; then
	mkdir -p "$root/usr/share/smartmontools" "$root/usr/share/doc/smartmontools"
	cp /usr/share/smartmontools/drivedb.h "$root/usr/share/smartmontools/drivedb.h"
	cp /usr/share/doc/smartmontools/copyright "$root/usr/share/doc/smartmontools/copyright"
	echo "smartmontools $(dpkg-query -W -f='${Version}' smartmontools) /usr/share/smartmontools/drivedb.h" \
		>>"$root/usr/share/doc/ssd-monitor/debian-packages.txt"
fi

# Demo captures: `ssd-monitor --replay=/usr/share/ssd-monitor/demo` runs anywhere.
if [ -d "$src/test/data/demo" ]; then
	cp -r "$src/test/data/demo" "$root/usr/share/ssd-monitor/demo"
fi

# Minimal identity files (no shell, no login): uid 0 and nobody.
printf 'root:x:0:0:root:/:/sbin/nologin\nnobody:x:65534:65534:nobody:/:/sbin/nologin\n' >"$root/etc/passwd"
printf 'root:x:0:\ndisk:x:6:\nnogroup:x:65534:\n' >"$root/etc/group"

cp "$here/Containerfile" "$ctx/Containerfile"
buildah "${buildah_opts[@]}" bud --quiet --layers=false -f "$ctx/Containerfile" -t "$tag" "$ctx" >/dev/null
size=$(buildah "${buildah_opts[@]}" images --format '{{.Size}}' "$tag" | head -n1)
echo "image $tag: $size (rootfs $(du -sh "$root" | cut -f1), $(echo "$libs" | wc -w) shared objects)"
if [ -n "$archive" ]; then
	rm -f "$archive"
	buildah "${buildah_opts[@]}" push --quiet "$tag" "oci-archive:$archive:$tag" >/dev/null
	echo "OCI archive $archive: $(du -h "$archive" | cut -f1)"
fi
