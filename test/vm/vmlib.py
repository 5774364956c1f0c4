# SPDX-License-Identifier: MIT
"""vmlib - boot a throwaway QEMU VM with emulated SMART drives and drive it.

Everything is derived from Debian packages at test time:
  * the kernel: /boot/vmlinuz-* of linux-image-amd64; its ELF vmlinux is extracted
    once from the bzImage payload (xz/zstd/gzip) and booted directly (PVH entry);
  * the initramfs (uncompressed newc cpio, built here in Python): busybox-static,
    systemd-udevd/udevadm with Debian's storage rules and ata_id/scsi_id, the
    needed kernel modules (+ depmod), smartctl, nvme-cli, sdparm, skdump and
    their ldd closures;
  * a second small cpio per run with the agent binary and its ldd closure,
    concatenated after the cached base archive.

The guest is controlled over a virtio-serial port (a busybox-sh command server,
see GUEST_CTL), its console goes to a file, QMP over a unix socket drives
hotplug and fault injection, and user networking (restrict=on) forwards one
127.0.0.1 port to the agent's port in the guest. Nothing here talks to any
address other than 127.0.0.1 and unix sockets in a private temp dir.

Python 3 standard library only.
"""

import base64
import contextlib
import ctypes
import fcntl
import gzip
import hashlib
import json
import lzma
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))

# Debian packages the harness needs on the host (the guest is built from them).
PACKAGES = [
    "qemu-system-x86", "linux-image-amd64", "busybox-static", "udev", "kmod",
    "sdparm", "smartmontools", "nvme-cli", "libatasmart-bin", "prometheus", "sg3-utils",
]
# binary -> package, to tell what is missing
TOOLS = {
    "/usr/bin/qemu-system-x86_64": "qemu-system-x86",
    "/bin/busybox": "busybox-static",
    "/bin/udevadm": "udev",
    "/usr/lib/udev/ata_id": "udev",
    "/sbin/depmod": "kmod",
    "/usr/bin/sdparm": "sdparm",
    "/usr/sbin/smartctl": "smartmontools",
    "/usr/sbin/nvme": "nvme-cli",
    "/usr/sbin/skdump": "libatasmart-bin",
    "/usr/bin/prometheus": "prometheus",
    "/usr/bin/sg_logs": "sg3-utils",
}

# Kernel modules the guest loads, in this order (dependencies are resolved too).
# The crypto ones are optional (sd_mod/nvme fall back without them; names vary by kernel).
OPTIONAL_MODULES = {"crct10dif_generic", "crc64_rocksoft_generic"}
MODULES = [
    "crct10dif_generic", "crc64_rocksoft_generic",
    "virtio_pci", "virtio_console", "virtio_net", "virtio_blk",
    "ahci", "sd_mod", "sg", "nvme",
]
# Modules copied into the guest but loaded only by the scenario that wants them
# (scsi_debug: a SCSI disk in RAM, with the log pages and faults the SCSI tests use).
EXTRA_MODULES = ["scsi_debug"]

# udev rules taken from Debian's udev package (the ones storage discovery needs).
UDEV_RULES = [
    "50-udev-default.rules", "60-block.rules", "60-persistent-storage.rules",
    "80-drivers.rules",
]

GUEST_BINARIES = [
    "/bin/udevadm", "/usr/lib/udev/ata_id", "/usr/lib/udev/scsi_id",
    "/usr/sbin/smartctl", "/usr/sbin/nvme", "/usr/bin/sdparm", "/usr/sbin/skdump",
    "/usr/bin/setpriv",  # util-linux (essential): per-capability runs of the agent
    "/usr/bin/sg_logs", "/usr/bin/sg_inq", "/usr/bin/sg_vpd", "/usr/bin/sg_modes",
    "/usr/bin/sg_raw", "/usr/bin/sg_map",  # sg3-utils: the SCSI reference readings
]
GUEST_DATA = [
    "/usr/share/smartmontools/drivedb.h",
]

AGENT_PORT = 9638  # the agent's port inside the guest
AGENT_PORT2 = 9639  # a second agent instance (other options) in the same guest
GUEST_IP = "10.0.2.15"

# ----------------------------------------------------------------------------
# logging


def log(*a):
    print("[vm %6.1fs]" % (time.monotonic() - _T0), *a, file=sys.stderr, flush=True)


_T0 = time.monotonic()


class VMError(Exception):
    pass


def child_setup():
    """preexec_fn for QEMU and Prometheus: own session (killed as a group), and
    SIGKILL when the harness dies, even by SIGKILL (PR_SET_PDEATHSIG)."""
    os.setsid()
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)


# ----------------------------------------------------------------------------
# host packages


def ensure_packages():
    """Install the Debian packages the harness needs if any tool is missing.

    Returns the list of packages that were missing (empty if all present).
    Raises VMError when they are missing and cannot be installed."""
    missing = sorted({pkg for path, pkg in TOOLS.items() if not os.path.exists(path)})
    if not kernel_candidates():
        missing.append("linux-image-amd64")
    if not missing:
        return []
    log("missing packages:", " ".join(missing))
    if os.geteuid() != 0 or os.environ.get("SM_VM_NO_INSTALL"):
        raise VMError("missing Debian packages (apt-get install -y %s)" % " ".join(missing))
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    with _lock(os.path.join(tempfile.gettempdir(), "ssdmon-vm-apt.lock")):
        subprocess.run(["apt-get", "update", "-q"], env=env, stdout=subprocess.DEVNULL, check=False)
        r = subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends"] + missing,
                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            raise VMError("apt-get install failed: %s" % r.stderr[-2000:])
    return missing


@contextlib.contextmanager
def _lock(path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


# ----------------------------------------------------------------------------
# kernel


def _vkey(v):
    return [int(x) if x.isdigit() else x for x in re.split(r"[.\-+~]", v)]


def kernel_candidates():
    """Debian kernels with modules: [(version, bzImage)], newest first."""
    out = []
    for name in os.listdir("/boot") if os.path.isdir("/boot") else []:
        if not name.startswith("vmlinuz-"):
            continue
        ver = name[len("vmlinuz-"):]
        if os.path.exists("/lib/modules/%s/modules.dep" % ver):
            out.append((ver, "/boot/" + name))
    out.sort(key=lambda t: _vkey(t[0]), reverse=True)
    return out


def extract_vmlinux(bzimage, out_path):
    """The kernel's scripts/extract-vmlinux, reimplemented: find a compressed
    payload in the bzImage that decompresses to an ELF image."""
    with open(bzimage, "rb") as f:
        data = f.read()

    def try_xz(off):
        d = lzma.LZMADecompressor(format=lzma.FORMAT_XZ)
        return d.decompress(data[off:])

    def try_lzma(off):
        d = lzma.LZMADecompressor(format=lzma.FORMAT_ALONE)
        return d.decompress(data[off:])

    def try_gzip(off):
        d = gzip.zlib.decompressobj(16 + gzip.zlib.MAX_WBITS)
        return d.decompress(data[off:])

    def try_zstd(off):
        if not shutil.which("zstd"):
            raise VMError("zstd-compressed kernel needs the zstd package")
        r = subprocess.run(["zstd", "-d", "-c", "-q"], input=data[off:], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL)
        return r.stdout

    methods = [
        (b"\xfd7zXZ\x00", try_xz),
        (b"\x28\xb5\x2f\xfd", try_zstd),
        (b"\x1f\x8b\x08", try_gzip),
        (b"\x5d\x00\x00", try_lzma),
    ]
    for magic, fn in methods:
        pos = data.find(magic)
        tries = 0
        while pos >= 0 and tries < 8:
            tries += 1
            try:
                img = fn(pos)
            except Exception:  # noqa: BLE001 - not this offset
                img = b""
            if img[:4] == b"\x7fELF":
                tmp = out_path + ".tmp"
                with open(tmp, "wb") as f:
                    f.write(img)
                os.replace(tmp, out_path)
                return out_path
            pos = data.find(magic, pos + 1)
    raise VMError("no ELF payload found in %s" % bzimage)


# ----------------------------------------------------------------------------
# cpio (newc) writer


class Cpio:
    def __init__(self):
        self.entries = {}  # path -> (mode, data|target, rdev)
        self.order = []

    @staticmethod
    def norm(path):
        """Merged /usr: /lib, /lib64, /bin, /sbin are symlinks into usr/ (made
        by the base archive only), so every entry is stored under usr/."""
        path = path.strip("/")
        head, _, rest = path.partition("/")
        if head in ("lib", "lib64", "bin", "sbin") and rest:
            path = "usr/" + path
        return path

    def _add(self, path, mode, data=b"", rdev=(0, 0), raw=False):
        path = path.strip("/") if raw else self.norm(path)
        if not path:
            return
        parent = os.path.dirname(path)
        if parent and parent not in self.entries:
            self.dir(parent)
        if path not in self.entries:
            self.order.append(path)
        self.entries[path] = (mode, data, rdev)

    def dir(self, path, mode=0o755):
        path = self.norm(path)
        if path and path not in self.entries:
            self._add(path, stat.S_IFDIR | mode)

    def file(self, path, data, mode=0o644):
        self._add(path, stat.S_IFREG | mode, data)

    def copy(self, src, dst=None, mode=None):
        with open(src, "rb") as f:
            data = f.read()
        st = os.stat(src)
        self.file(dst or src, data, mode if mode is not None else stat.S_IMODE(st.st_mode))

    def symlink(self, path, target):
        self._add(path, stat.S_IFLNK | 0o777, target.encode(), raw=True)

    def chardev(self, path, major, minor, mode=0o600):
        self._add(path, stat.S_IFCHR | mode, b"", (major, minor))

    def has(self, path):
        return self.norm(path) in self.entries

    def bytes(self):
        out = bytearray()
        ino = 300000

        def rec(name, mode, data, rdev, nlink=1):
            nonlocal ino
            ino += 1
            nb = name.encode() + b"\0"
            hdr = "070701" + "".join("%08X" % v for v in (
                ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rdev[0], rdev[1], len(nb), 0))
            out.extend(hdr.encode())
            out.extend(nb)
            out.extend(b"\0" * ((-len(out)) % 4))
            out.extend(data)
            out.extend(b"\0" * ((-len(out)) % 4))

        for p in self.order:
            mode, data, rdev = self.entries[p]
            rec(p, mode, data, rdev, 2 if stat.S_ISDIR(mode) else 1)
        rec("TRAILER!!!", 0, b"", (0, 0))
        return bytes(out)


def ldd_closure(binary):
    """Shared objects a dynamically linked binary loads: [path as the loader sees it]."""
    r = subprocess.run(["ldd", binary], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    libs = []
    if "not a dynamic executable" in r.stdout or "statically linked" in r.stdout:
        return libs
    for line in r.stdout.splitlines():
        line = line.strip()
        m = re.match(r"\S+ => (/\S+) \(0x", line)
        if m:
            libs.append(m.group(1))
            continue
        m = re.match(r"(/\S+) \(0x", line)
        if m:
            libs.append(m.group(1))
            continue
        if "not found" in line:
            raise VMError("ldd %s: %s" % (binary, line))
    return libs


def add_binary(c, path, dst=None):
    c.copy(os.path.realpath(path), dst or path, 0o755)
    for lib in ldd_closure(path):
        if not c.has(lib):
            c.copy(os.path.realpath(lib), lib, 0o755)


# ----------------------------------------------------------------------------
# the guest: init and the command server

GUEST_INIT = r"""#!/bin/sh
# /init of the ssd-monitor VM test initramfs (PID 1, busybox sh).
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm /run /tmp /var/tmp
mount -t tmpfs -o mode=755 run /run
mount -t tmpfs tmp /tmp
echo "SMVM: init $(cut -d' ' -f1 /proc/uptime)"
for m in $(cat /etc/smvm-modules); do
    modprobe "$m" || echo "SMVM: modprobe $m failed"
done
echo "SMVM: modules $(cut -d' ' -f1 /proc/uptime)"
/lib/systemd/systemd-udevd --daemon --resolve-names=never
udevadm trigger --type=subsystems --action=add
udevadm trigger --type=devices --action=add
udevadm settle --timeout=60
echo "SMVM: udev $(cut -d' ' -f1 /proc/uptime)"
ip link set lo up
ip link set eth0 up 2>/dev/null && ip addr add 10.0.2.15/24 dev eth0 && ip route add default via 10.0.2.2
ctl=""
for p in /sys/class/virtio-ports/*; do
    [ "$(cat "$p/name" 2>/dev/null)" = "ctl" ] && ctl=/dev/${p##*/}
done
if [ -z "$ctl" ]; then
    echo "SMVM: no control port"; poweroff -f
fi
echo "SMVM: ready $(cut -d' ' -f1 /proc/uptime) ctl=$ctl"
while :; do
    /bin/smvm-ctl "$ctl"
    sleep 0.2
done
"""

# One command per line: "<id> <base64 shell script>". The reply is
# "BEGIN <id>", the base64 of its combined output, "END <id> <exit code>".
GUEST_CTL = r"""#!/bin/sh
exec 3<>"$1"
while IFS= read -r line <&3; do
    id=${line%% *}
    echo "${line#* }" | base64 -d > /tmp/.ctl-cmd
    sh /tmp/.ctl-cmd </dev/null >/tmp/.ctl-out 2>&1 3>&-
    rc=$?
    { echo "BEGIN $id"; base64 /tmp/.ctl-out; echo "END $id $rc"; } >&3
done
"""

GUEST_PASSWD = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
GUEST_GROUP = "root:x:0:\ndisk:x:6:\nnogroup:x:65534:\n"


def module_closure(kver, names):
    moddir = "/lib/modules/" + kver
    deps = {}
    byname = {}
    with open(moddir + "/modules.dep") as f:
        for line in f:
            path, _, rest = line.partition(":")
            deps[path] = rest.split()
            base = os.path.basename(path).split(".ko")[0]
            byname[base.replace("-", "_")] = path
    order = []
    found = []

    def visit(p):
        if p in order:
            return
        for d in deps.get(p, []):
            visit(d)
        order.append(p)

    for n in names:
        p = byname.get(n.replace("-", "_"))
        if p is None:
            # built into the kernel?
            with open(moddir + "/modules.builtin") as f:
                if any(os.path.basename(l.strip()).split(".ko")[0].replace("-", "_") ==
                       n.replace("-", "_") for l in f):
                    continue
            if n in OPTIONAL_MODULES:
                continue
            raise VMError("kernel module %s not found for %s" % (n, kver))
        visit(p)
        found.append(n)
    return order, found


def build_base_cpio(kver, out_path):
    c = Cpio()
    for d in ("usr/bin", "usr/sbin", "usr/lib", "usr/lib64", "proc", "sys", "dev", "run", "tmp",
              "etc", "root", "var", "mnt"):
        c.dir(d)
    for l in ("bin", "sbin", "lib", "lib64"):
        c.symlink(l, "usr/" + l)
    c.chardev("dev/console", 5, 1)
    c.chardev("dev/null", 1, 3, 0o666)
    # busybox and its applets (never shadowing a real tool we ship)
    c.copy("/bin/busybox", "usr/bin/busybox", 0o755)
    applets = subprocess.run(["/bin/busybox", "--list-full"], stdout=subprocess.PIPE,
                             text=True, check=True).stdout.split()
    real = {os.path.basename(b) for b in GUEST_BINARIES} | {"udevadm", "systemd-udevd"}
    for a in applets:
        name = os.path.basename(a)
        if name in real or name in ("init", "linuxrc"):
            continue
        # merged /usr: put every applet under usr/
        dst = "usr/" + a if not a.startswith("usr/") else a
        if not c.has(dst):
            c.symlink(dst, "/usr/bin/busybox")
    for b in GUEST_BINARIES:
        add_binary(c, b)
    c.symlink("usr/lib/systemd/systemd-udevd", "/usr/bin/udevadm")
    for r in UDEV_RULES:
        c.copy("/usr/lib/udev/rules.d/" + r)
    for f in GUEST_DATA:
        if os.path.exists(f):
            c.copy(f)
    c.file("etc/passwd", GUEST_PASSWD.encode())
    c.file("etc/group", GUEST_GROUP.encode())
    c.file("etc/udev/udev.conf", b"udev_log=err\n")
    # kernel modules (+ a depmod for this subset, so busybox modprobe and udev's kmod work)
    mods, load = module_closure(kver, MODULES)
    extra, _ = module_closure(kver, EXTRA_MODULES)
    mods += [m for m in extra if m not in mods]
    with tempfile.TemporaryDirectory() as root:
        mdir = os.path.join(root, "lib/modules", kver)
        for m in mods:
            os.makedirs(os.path.join(mdir, os.path.dirname(m)), exist_ok=True)
            shutil.copy("/lib/modules/%s/%s" % (kver, m), os.path.join(mdir, m))
        for f in ("modules.order", "modules.builtin", "modules.builtin.modinfo"):
            src = "/lib/modules/%s/%s" % (kver, f)
            if os.path.exists(src):
                shutil.copy(src, os.path.join(mdir, f))
        subprocess.run(["/sbin/depmod", "-b", root, kver], check=True)
        for dirpath, _dirs, files in os.walk(mdir):
            for fn in files:
                full = os.path.join(dirpath, fn)
                c.copy(full, "usr/lib/modules/" + os.path.relpath(full, os.path.join(root, "lib/modules")),
                       0o644)
    c.file("etc/smvm-modules", ("\n".join(load) + "\n").encode())
    c.file("init", GUEST_INIT.encode(), 0o755)
    c.file("usr/bin/smvm-ctl", GUEST_CTL.encode(), 0o755)
    tmp = out_path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(c.bytes())
    os.replace(tmp, out_path)


def agent_cpio(agent, extra_files=()):
    """A small archive with the agent (as /usr/sbin/ssd-monitor) and its closure."""
    c = Cpio()
    add_binary(c, agent, "usr/sbin/ssd-monitor")
    for src, dst in extra_files:
        c.copy(src, dst)
    return c.bytes()


def _sha(paths, extra=""):
    h = hashlib.sha256(extra.encode())
    for p in paths:
        h.update(p.encode())
        try:
            st = os.stat(p)
            h.update(("%d:%d" % (st.st_size, st.st_mtime_ns)).encode())
        except OSError:
            h.update(b"-")
    return h.hexdigest()[:16]


def prepare_base(cache_dir):
    """Kernel + base initramfs, built once per cache dir and input set."""
    ensure_packages()
    kernels = kernel_candidates()
    if not kernels:
        raise VMError("no Debian kernel in /boot (apt-get install linux-image-amd64)")
    kver, bz = kernels[0]
    os.makedirs(cache_dir, exist_ok=True)
    key = _sha([bz, __file__, "/bin/busybox"] + GUEST_BINARIES + GUEST_DATA +
               ["/usr/lib/udev/rules.d/" + r for r in UDEV_RULES], kver + repr(MODULES) + repr(EXTRA_MODULES))
    vmlinux = os.path.join(cache_dir, "vmlinux-" + kver)
    base = os.path.join(cache_dir, "initramfs-base-%s.cpio" % key)
    with _lock(os.path.join(cache_dir, ".lock")):
        if not os.path.exists(vmlinux):
            t = time.monotonic()
            extract_vmlinux(bz, vmlinux)
            log("extracted %s -> %s (%.1fs)" % (bz, vmlinux, time.monotonic() - t))
        if not os.path.exists(base):
            t = time.monotonic()
            for old in os.listdir(cache_dir):
                if old.startswith("initramfs-base-"):
                    with contextlib.suppress(OSError):
                        os.unlink(os.path.join(cache_dir, old))
            build_base_cpio(kver, base)
            log("built %s (%d MiB, %.1fs)" % (base, os.path.getsize(base) >> 20, time.monotonic() - t))
    return kver, vmlinux, base


# ----------------------------------------------------------------------------
# the VM


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Disk:
    """One emulated disk. kind: sata-ssd, sata-hdd, nvme, virtio."""

    def __init__(self, kind, serial, size_mb=64, model=None, port=None, wwn=None):
        self.kind = kind
        self.serial = serial
        self.wwn = wwn
        self.size_mb = size_mb
        self.model = model
        self.port = port  # AHCI port (ide.N) or root port index
        self.node = None  # qdev id


class QMP:
    def __init__(self, path, timeout=30, proc=None):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock.connect(path)
                break
            except OSError:
                if time.monotonic() > deadline or (proc is not None and proc.poll() is not None):
                    raise VMError("QMP socket did not come up")
                time.sleep(0.05)
        self.buf = b""
        self.events = []
        self._read()  # greeting
        self.cmd("qmp_capabilities")

    def _read(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise VMError("QMP connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def cmd(self, name, **args):
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            r = self._read()
            if "event" in r:
                self.events.append(r)
                continue
            if "error" in r:
                raise VMError("QMP %s: %s" % (name, r["error"]))
            return r.get("return")

    def wait_event(self, name, timeout=30, match=None):
        deadline = time.monotonic() + timeout
        while True:
            for i, e in enumerate(self.events):
                if e["event"] == name and (match is None or match(e)):
                    del self.events[i]
                    return e
            left = deadline - time.monotonic()
            if left <= 0:
                raise VMError("no QMP event %s within %ss" % (name, timeout))
            self.sock.settimeout(left)
            try:
                r = self._read()
            except socket.timeout:
                continue
            finally:
                self.sock.settimeout(30)
            if "event" in r:
                self.events.append(r)

    def close(self):
        with contextlib.suppress(OSError):
            self.sock.close()


class VM:
    """A throwaway q35 VM. Use as a context manager: QEMU is killed on exit."""

    def __init__(self, agent, disks, cache_dir, workdir=None, smp=2, mem_mb=768, spare_ports=2,
                 fwd_ports=(AGENT_PORT,)):
        self.agent = agent
        self.disks = disks
        self.cache_dir = cache_dir
        self.smp = smp
        self.mem_mb = mem_mb
        self.spare_ports = spare_ports
        self.fwd_ports = list(fwd_ports)
        self.host_ports = {}
        self._own_workdir = workdir is None
        self.workdir = workdir or tempfile.mkdtemp(prefix="ssdmon-vm-")
        self.proc = None
        self.qmp = None
        self.ctl = None
        self.ctl_buf = b""
        self.seq = 0
        self.host_port = None
        self.boot_seconds = None
        self.hotplug_ports = []

    # -- lifecycle
    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    def _qemu_args(self, kernel, initrd):
        w = self.workdir
        a = ["qemu-system-x86_64", "-machine", "q35", "-accel", "tcg", "-nodefaults",
             "-no-user-config", "-display", "none", "-vga", "none", "-smp", str(self.smp), "-m",
             str(self.mem_mb), "-no-reboot", "-kernel", kernel, "-initrd", initrd, "-append",
             "console=ttyS0 rdinit=/init panic=-1 loglevel=6 mitigations=off "
             "nokaslr tsc=reliable no_timer_check random.trust_cpu=on",
             "-chardev", "file,id=con,path=%s/console.log" % w, "-serial", "chardev:con",
             "-qmp", "unix:%s/qmp.sock,server=on,wait=off" % w,
             "-chardev", "socket,id=ctl,path=%s/ctl.sock,server=on,wait=off" % w,
             "-device", "virtio-serial-pci,id=vser", "-device",
             "virtserialport,bus=vser.0,chardev=ctl,name=ctl",
             "-netdev", "user,id=n0,restrict=on," + ",".join(
                 "hostfwd=tcp:127.0.0.1:%d-:%d" % (h, g) for g, h in self.host_ports.items()),
             "-device", "virtio-net-pci,netdev=n0",
             ]
        ahci_port = 0
        rp = 0
        self.hotplug_ports = []
        for i, d in enumerate(self.disks):
            img = os.path.join(w, "disk%d.img" % i)
            with open(img, "wb") as f:
                f.truncate(d.size_mb << 20)
            d.node = "disk%d" % i
            a += ["-drive", "if=none,id=drv%d,file=%s,format=raw,cache=unsafe" % (i, img)]
            if d.kind in ("sata-ssd", "sata-hdd"):
                port = d.port if d.port is not None else ahci_port
                ahci_port = port + 1
                rate = 1 if d.kind == "sata-ssd" else 7200
                dev = "ide-hd,id=%s,drive=drv%d,bus=ide.%d,rotation_rate=%d,serial=%s" % (
                    d.node, i, port, rate, d.serial)
                if d.model:
                    dev += ",model=%s" % d.model
                if d.wwn:
                    dev += ",wwn=%s" % d.wwn
                a += ["-device", dev]
            elif d.kind == "nvme":
                a += ["-device", "pcie-root-port,id=rp%d,chassis=%d,slot=%d" % (rp, rp + 1, rp + 1)]
                a += ["-device", "nvme,id=%s,drive=drv%d,serial=%s,bus=rp%d" % (d.node, i, d.serial, rp)]
                rp += 1
            elif d.kind == "virtio":
                a += ["-device", "virtio-blk-pci,id=%s,drive=drv%d,serial=%s" % (d.node, i, d.serial)]
            else:
                raise VMError("unknown disk kind " + d.kind)
        for _ in range(self.spare_ports):
            a += ["-device", "pcie-root-port,id=rp%d,chassis=%d,slot=%d" % (rp, rp + 1, rp + 1)]
            self.hotplug_ports.append("rp%d" % rp)
            rp += 1
        return a

    def start(self, boot_timeout=60, boot_attempts=2):
        _kver, vmlinux, base = prepare_base(self.cache_dir)
        initrd = os.path.join(self.workdir, "initrd.cpio")
        with open(base, "rb") as f, open(initrd, "wb") as out:
            shutil.copyfileobj(f, out)
            out.write(agent_cpio(self.agent))
        for boot in range(1, boot_attempts + 1):
            t0 = self._launch(vmlinux, initrd)
            try:
                # the first command returns once the guest's command server runs
                rc, out = self.run("cat /proc/uptime", timeout=boot_timeout)
                break
            except VMError as e:
                # A guest that never reaches its command server (seen once in ~60
                # boots under TCG, with no console output at all): keep the evidence,
                # then boot a fresh QEMU.
                diag = ""
                with contextlib.suppress(Exception):
                    self.qmp.sock.settimeout(5)
                    diag = "%s\n%s" % (self.qmp.cmd("query-status"), self.qmp.cmd(
                        "human-monitor-command", **{"command-line": "info registers"}))
                log("boot %d/%d failed: %s\nQMP: %s\nconsole tail:\n%s\nqemu log:\n%s" % (
                    boot, boot_attempts, str(e).splitlines()[0], diag[:3000],
                    self.console()[-3000:], self.qemu_log()[-1000:]))
                self._teardown_qemu()
                if boot == boot_attempts:
                    raise
        self.boot_seconds = time.monotonic() - t0
        self.guest_uptime_at_ready = float(out.split()[0]) if rc == 0 else None
        log("VM up in %.1fs (guest uptime %s), agent port 127.0.0.1:%d" % (
            self.boot_seconds, self.guest_uptime_at_ready, self.host_port))

    def _launch(self, vmlinux, initrd):
        """Start QEMU (retrying host port races) and connect QMP and the control
        channel; returns the start time."""
        for attempt in range(5):
            self.host_ports = {g: free_port() for g in self.fwd_ports}
            self.host_port = self.host_ports[self.fwd_ports[0]]
            args = self._qemu_args(vmlinux, initrd)
            t0 = time.monotonic()
            self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                         stdout=open(os.path.join(self.workdir, "qemu.log"), "wb"),
                                         stderr=subprocess.STDOUT, preexec_fn=child_setup)
            try:
                self.qmp = QMP(os.path.join(self.workdir, "qmp.sock"), proc=self.proc)
                break
            except VMError:
                qlog = self.qemu_log()
                self._kill()
                if "host forwarding" in qlog.lower():
                    continue  # port race: try another
                raise VMError("QEMU did not start: " + qlog[-2000:])
        else:
            raise VMError("QEMU did not start (hostfwd)")
        self.ctl = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.ctl.connect(os.path.join(self.workdir, "ctl.sock"))
        self.ctl_buf = b""
        return t0

    def _teardown_qemu(self):
        if self.qmp:
            self.qmp.close()
            self.qmp = None
        if self.ctl:
            with contextlib.suppress(OSError):
                self.ctl.close()
            self.ctl = None
        self._kill()

    def _kill(self):
        if self.proc and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            with contextlib.suppress(Exception):
                self.proc.wait(timeout=10)

    def stop(self):
        if self.qmp:
            with contextlib.suppress(Exception):
                self.qmp.sock.settimeout(2)
                self.qmp.cmd("quit")
            self.qmp.close()
            self.qmp = None
        if self.ctl:
            with contextlib.suppress(OSError):
                self.ctl.close()
            self.ctl = None
        if self.proc:
            with contextlib.suppress(Exception):
                self.proc.wait(timeout=5)
            self._kill()
        if self._own_workdir and not os.environ.get("SM_VM_KEEP"):
            shutil.rmtree(self.workdir, ignore_errors=True)
        elif os.path.isdir(self.workdir):
            log("workdir kept:", self.workdir)

    def console(self):
        try:
            with open(os.path.join(self.workdir, "console.log"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def qemu_log(self):
        try:
            with open(os.path.join(self.workdir, "qemu.log"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    # -- guest commands
    def run(self, script, timeout=60, check=False):
        """Run a shell script in the guest; returns (exit code, combined output)."""
        self.seq += 1
        sid = str(self.seq)
        payload = base64.b64encode(script.encode()).decode()
        self.ctl.sendall(("%s %s\n" % (sid, payload)).encode())
        deadline = time.monotonic() + timeout
        lines = []
        started = False
        while True:
            while b"\n" not in self.ctl_buf:
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc and self.proc.poll() is not None):
                    tail = self.console()[-3000:]
                    raise VMError("guest command timed out or VM died (%s): %r\nconsole tail:\n%s"
                                  % (timeout, script[:200], tail))
                self.ctl.settimeout(min(left, 1.0))
                try:
                    chunk = self.ctl.recv(65536)
                except socket.timeout:
                    continue
                if not chunk:
                    raise VMError("control channel closed")
                self.ctl_buf += chunk
            line, self.ctl_buf = self.ctl_buf.split(b"\n", 1)
            line = line.decode(errors="replace").strip()
            if not started:
                if line == "BEGIN " + sid:
                    started = True
                continue
            if line.startswith("END %s " % sid):
                rc = int(line.split()[2])
                out = base64.b64decode("".join(lines)).decode(errors="replace")
                if check and rc != 0:
                    raise VMError("guest command failed (%d): %r\n%s" % (rc, script[:300], out[-3000:]))
                return rc, out
            lines.append(line)

    def sh(self, script, timeout=60):
        """run() that must succeed; returns the output."""
        return self.run(script, timeout=timeout, check=True)[1]

    # -- host side HTTP to the agent
    def http(self, path, timeout=10, guest_port=AGENT_PORT):
        url = "http://127.0.0.1:%d%s" % (self.host_ports[guest_port], path)
        with urllib.request.urlopen(url, timeout=timeout) as r:  # noqa: S310 - loopback only
            return r.status, r.read().decode()


# ----------------------------------------------------------------------------
# Prometheus text format parsing (enough for the exposition the agent writes)

_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\S+)?$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*')


def parse_metrics(text):
    """[(name, {labels}, float value)]"""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        if not m:
            raise ValueError("unparsable metrics line: %r" % line)
        labels = {}
        if m.group(3):
            for lm in _LABEL.finditer(m.group(3)):
                labels[lm.group(1)] = (lm.group(2).replace('\\"', '"').replace("\\n", "\n")
                                       .replace("\\\\", "\\"))
        v = m.group(4)
        out.append((m.group(1), labels, float(v)))
    return out


def select(samples, name, **labels):
    return [(l, v) for n, l, v in samples if n == name and all(l.get(k) == x for k, x in labels.items())]
