#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Regression tests for the review defects of issue #10 that show at the process
boundary: the real ssd-monitor binary on 127.0.0.1 (port 0), replaying a copy of
test/data/http. Each test names the item it covers; each failed before its fix.

Usage: test_defects.py SSD_MONITOR_BINARY DATA_DIR [PROMTOOL]
"""

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

BIN = sys.argv[1]
DATA = sys.argv[2]
PROMTOOL = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] else shutil.which("promtool")

passed = 0
failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {what}", flush=True)
    return cond


def run(args, timeout=20, **kw):
    return subprocess.run([BIN, *args], capture_output=True, timeout=timeout, **kw)


class Server:
    """One daemon process; stderr goes to a file we can read while it runs."""

    def __init__(self, *args, listen=True, wait_port=True, env=None, prefix=()):
        self.log = tempfile.NamedTemporaryFile(prefix="sm-defects-", suffix=".log", delete=False)
        argv = [*prefix, BIN, *args, "--log.level=debug"]
        if listen:
            argv.append("--web.listen-address=127.0.0.1:0")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=self.log, env=env)
        self.port = None
        if wait_port:
            port = self.wait_log(r"listening on \S+ \(port (\d+)\)", 15)
            if port is None:
                raise RuntimeError("server did not report its port:\n" + self.stderr())
            self.port = int(port)

    def stderr(self):
        with open(self.log.name, "r", errors="replace") as f:
            return f.read()

    def wait_log(self, pattern, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            m = re.search(pattern, self.stderr())
            if m:
                return m.group(1) if m.groups() else m.group(0)
            if self.proc.poll() is not None:
                return None
            time.sleep(0.05)
        return None

    def stop(self, timeout=10):
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = ("killed", self.proc.wait())
        os.unlink(self.log.name)
        return rc


def get(port, path, headers=None, host="127.0.0.1", method="GET"):
    c = http.client.HTTPConnection(host, port, timeout=10)
    try:
        c.request(method, path, headers=headers or {})
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


@test
def journal_priority(tmp, replay):
    """Item 8: with stderr connected to the journal (JOURNAL_STREAM names stderr's
    device:inode, sd-daemon(3)), lines keep the "<N>" priority prefix; otherwise not."""
    missing = os.path.join(tmp, "no-such-dir")
    for env_kind in ("match", "other", "unset"):
        with tempfile.TemporaryFile() as err:
            st = os.fstat(err.fileno())
            env = dict(os.environ)
            env.pop("JOURNAL_STREAM", None)
            if env_kind == "match":
                env["JOURNAL_STREAM"] = f"{st.st_dev}:{st.st_ino}"
            elif env_kind == "other":
                env["JOURNAL_STREAM"] = f"{st.st_dev}:{st.st_ino + 1}"
            r = subprocess.run([BIN, "--replay", missing, "--web.listen-address=127.0.0.1:0"],
                               stdout=subprocess.DEVNULL, stderr=err, env=env, timeout=20)
            err.seek(0)
            text = err.read().decode(errors="replace")
        first = text.splitlines()[0] if text else ""
        want = "<3>error: " if env_kind == "match" else "error: "
        check(r.returncode == 1 and first.startswith(want) and (env_kind == "match" or "<" not in first[:1]),
              f"JOURNAL_STREAM {env_kind}: first line {first!r}, want prefix {want!r}")


@test
def replay_skips_bad_file(tmp, replay):
    """Item 11: a capture whose name does not fit (64 characters) is skipped with one
    warning, however often the directory is rescanned; the other captures are served."""
    d = os.path.join(tmp, "replay-longname")
    shutil.copytree(replay, d)
    long_name = "x" * 64
    shutil.copy(os.path.join(replay, "sda"), os.path.join(d, long_name))
    srv = Server("--replay", d, "--collector.rescan=1s", "--collector.interval=1h")
    try:
        check(srv.wait_log(r"first collection finished", 15) is not None, "served despite the bad file")
        time.sleep(2.5)  # two or three rescans
        st, _, body = get(srv.port, "/api/v1/devices")
        names = sorted(dev["device"] for dev in json.loads(body)["devices"]) if st == 200 else []
        check(names == ["nvme0n1", "sda", "sdb"], f"the other captures are served: {st} {names}")
        warnings = [l for l in srv.stderr().splitlines() if long_name in l]
        check(len(warnings) == 1 and warnings[0].startswith("warning: ") and "skipped" in warnings[0],
              f"one warning for the bad file: {warnings}")
    finally:
        srv.stop()


def free_port(lo, hi):
    for port in range(lo, hi):
        try:
            with socket.socket() as s:
                s.bind(("127.0.0.1", port))
            return port
        except OSError:
            pass
    return None


def cap_eff(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("CapEff:"):
                return int(line.split()[1], 16)
    return None


@test
def bind_before_drop(tmp, replay):
    """Item 5: the listeners are bound before privileges are dropped (as root a port
    below 1024 works, and the running agent still has no CAP_NET_BIND_SERVICE), and
    a bind that fails reports the real errno."""
    if os.geteuid() != 0:
        print("note: not root; the privileged-port case is skipped")
    else:
        port = free_port(600, 1000)
        srv = Server("--replay", replay, f"--web.listen-address=127.0.0.1:{port}", listen=False,
                     wait_port=False)
        try:
            up = srv.wait_log(r"listening on \S+ \(port (\d+)\)", 15)
            check(up == str(port), f"root binds port {port} (then drops): {srv.stderr().strip()[-300:]}")
            if up:
                st, _, _ = get(port, "/healthz")
                caps = cap_eff(srv.proc.pid)
                check(st == 200 and caps is not None and not caps & (1 << 10),
                      f"serves /healthz without CAP_NET_BIND_SERVICE: {st} CapEff={caps:#x}")
        finally:
            srv.stop()
        # Without the capability the kernel says EACCES, and so do we.
        os.chmod(tmp, 0o755)  # the replay copy must be readable by nobody
        if shutil.which("setpriv"):
            r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                "--inh-caps=-all", BIN, "--replay", replay,
                                f"--web.listen-address=127.0.0.1:{port}"],
                               capture_output=True, timeout=20)
            err = r.stderr.decode(errors="replace")
            check(r.returncode == 1 and "Permission denied" in err and f"127.0.0.1:{port}" in err,
                  f"unprivileged low port: rc {r.returncode}: {err.strip()}")
    # Address in use: the real reason.
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        r = run(["--replay", replay, f"--web.listen-address=127.0.0.1:{port}"])
        err = r.stderr.decode(errors="replace")
        check(r.returncode == 1 and "Address already in use" in err, f"port in use: {err.strip()}")


def has_ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


@test
def localhost_every_address(tmp, replay):
    """Item 10: a host name is bound on every address it resolves to. The name
    localhost is given both ::1 and 127.0.0.1 by a private /etc/hosts (a mount
    namespace of the agent's own); both answer, on one port."""
    if os.geteuid() != 0 or not shutil.which("unshare") or not has_ipv6_loopback():
        print("note: needs root, unshare and IPv6 loopback; skipped")
        return
    hosts = os.path.join(tmp, "hosts")
    with open(hosts, "w") as f:
        f.write("127.0.0.1 localhost\n::1 localhost\n")
    srv = Server("--replay", replay, "--web.listen-address=localhost:0", listen=False,
                 prefix=["unshare", "-m", "sh", "-c", f'mount --bind "{hosts}" /etc/hosts && exec "$0" "$@"'])
    try:
        srv.wait_log(r"first collection finished", 15)
        ports = re.findall(r"listening on (\S+) \(port (\d+)\)", srv.stderr())
        check(len(ports) == 2 and len({p for _, p in ports}) == 1, f"two listeners, one port: {ports}")
        port = int(ports[0][1]) if ports else 0
        for host in ("127.0.0.1", "::1"):
            try:
                st, _, _ = get(port, "/healthz", host=host)
            except OSError as e:
                st = str(e)
            check(st == 200, f"localhost:{port} answers on {host}: {st}")
    finally:
        srv.stop()


@test
def mhd_speaks_through_our_logger(tmp, replay):
    """Item 7: libmicrohttpd's own messages go through --log.level (the external
    logger is its first option) and quiescing at shutdown works (MHD_USE_ITC)."""
    srv = Server("--replay", replay)
    srv.wait_log(r"first collection finished", 15)
    get(srv.port, "/metrics")
    with open(srv.log.name, errors="replace") as f:
        pass
    log_name = srv.log.name
    srv.proc.terminate()
    srv.proc.wait(10)
    with open(log_name, errors="replace") as f:
        text = f.read()
    os.unlink(log_name)
    check("is not the first option" not in text, "MHD: external logger is the first option")
    check("requires MHD_USE_ITC" not in text, "MHD: quiesce works (MHD_USE_ITC)")
    bad = [l for l in text.splitlines() if not re.match(r"(error|warning|info|debug): ", l)]
    check(not bad, f"every line in our format: {bad[:3]}")


@test
def etag_per_representation(tmp, replay):
    """Item 9: the gzip and the identity body have different strong ETags (RFC 9110
    8.8.3), and If-None-Match that matches (weak comparison, 13.1.2) is answered
    304 Not Modified without a body, with the validator and Vary."""
    srv = Server("--replay", replay, "--collector.interval=1h")
    try:
        srv.wait_log(r"first collection finished", 15)
        # The snapshot published with ready=1 is the last one for an hour (the log
        # line comes just before that publish).
        for _ in range(100):
            if get(srv.port, "/readyz")[0] == 200:
                break
            time.sleep(0.05)
        for path in ["/metrics", "/api/v1/devices"]:
            _, h1, plain = get(srv.port, path)
            _, h2, zipped = get(srv.port, path, {"Accept-Encoding": "gzip"})
            e1, e2 = h1.get("etag"), h2.get("etag")
            check(e1 and e2 and e1 != e2 and h2.get("content-encoding") == "gzip",
                  f"{path}: identity {e1} and gzip {e2} differ")
            for hdr, ae, etag in [(e1, None, e1), (f"W/{e1}", None, e1), (f'"nope", {e1}', None, e1),
                                  ("*", None, e1), (e2, "gzip", e2)]:
                headers = {"If-None-Match": hdr}
                if ae:
                    headers["Accept-Encoding"] = ae
                st, h, body = get(srv.port, path, headers)
                check(st == 304 and body == b"" and h.get("etag") == etag and h.get("vary") == "Accept-Encoding",
                      f"{path} If-None-Match {hdr} ({ae}): {st} etag {h.get('etag')} {len(body)} bytes")
            # The other representation's tag, or an old one, is no match.
            for hdr, ae in [(e2, None), (e1, "gzip"), ('"g0"', None)]:
                headers = {"If-None-Match": hdr}
                if ae:
                    headers["Accept-Encoding"] = ae
                st, h, body = get(srv.port, path, headers)
                check(st == 200 and len(body) == len(zipped if ae else plain),
                      f"{path} If-None-Match {hdr} ({ae}) must be 200: {st}")
            st, h, body = get(srv.port, path, {"If-None-Match": e1}, method="HEAD")
            check(st == 304 and body == b"", f"HEAD {path} If-None-Match: {st}")
    finally:
        srv.stop()


@test
def exit_with_read_in_flight(tmp, replay):
    """SIGTERM while a device read is in flight: the agent gives the read a moment to
    return, and leaves a stuck one running instead of freeing what it uses under it
    (the drive database: an ASan build reported a heap-use-after-free in
    sm_drivedb_attr_name when SIGINT came during an ATA read). Exit 0 either way."""
    nvme = os.path.join(DATA, "..", "demo", "nvme-qemu.smart-log")
    for answer in (False, True):
        d = os.path.join(tmp, f"inflight-{int(answer)}")
        os.mkdir(d)
        fifo = os.path.join(d, "nvme9n1.smart-log")
        os.mkfifo(fifo)
        srv = Server("--replay", d, "--collector.timeout=30s", "--collector.interval=1m")
        try:
            time.sleep(0.5)  # the worker is blocked opening the pipe
            t0 = time.monotonic()
            srv.proc.send_signal(signal.SIGTERM)
            if answer:
                time.sleep(0.3)
                # The worker's open() returns once a writer comes (ENXIO: nobody is
                # reading any more); it then finishes (a pipe is no capture it accepts,
                # so it may close before the bytes are written: EPIPE is fine).
                try:
                    fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
                    try:
                        with open(nvme, "rb") as f:
                            os.write(fd, f.read())
                    except BrokenPipeError:
                        pass
                    os.close(fd)
                except OSError as e:
                    check(False, f"the agent stopped reading before the drain: {e}")
            try:
                rc = srv.proc.wait(10)
            except subprocess.TimeoutExpired:
                srv.proc.kill()
                rc = ("killed", srv.proc.wait())
            took = time.monotonic() - t0
            log = srv.stderr()
            left = "still running at exit" in log
            if answer:
                check(rc == 0 and not left and took < 2.0,
                      f"read answered during the drain: exit {rc} after {took:.2f} s, left={left}")
            else:
                check(rc == 0 and left and 1.5 < took < 5.0,
                      f"stuck read at exit: exit {rc} after {took:.2f} s, left={left}: {log[-300:]}")
            check("ERROR: AddressSanitizer" not in log and "runtime error" not in log,
                  "no sanitizer report at exit")
        finally:
            srv.stop()


def main():
    tmp = tempfile.mkdtemp(prefix="sm-defects-")
    replay = os.path.join(tmp, "replay")
    shutil.copytree(DATA, replay)
    os.unlink(os.path.join(replay, "README.md"))
    only = os.environ.get("SM_DEFECTS_ONLY")
    try:
        for fn in TESTS:
            if only and fn.__name__ not in only.split(","):
                continue
            print(f"--- {fn.__name__}", flush=True)
            try:
                fn(tmp, replay)
            except Exception:
                check(False, f"{fn.__name__} raised:\n{traceback.format_exc()}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
