#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""HTTP suite: runs the real ssd-monitor binary on 127.0.0.1, port 0, replaying
a copy of test/data/http, and checks every route, method, header, the JSON
shape, gzip, keep-alive, malformed and abusive clients, signals and CLI errors.

Usage: test_http.py SSD_MONITOR_BINARY DATA_DIR [PROMTOOL]

Expected values are written by hand (routes and headers from docs/http-api.md,
serials from `skdump --load` on the captures). No decoded SMART value is checked
here: the collectors' own suites do that.
"""

import gzip
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

# The weird device name checks escaping end to end (Prometheus labels, JSON, HTML, URL).
ODD = 'x"y\\z'
NAMES = sorted(["sda", "sdb", "nvme0n1", ODD])
SERIAL_SDA = "CVPR109301UZ120LGN"  # skdump --load test/data/http/sda

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


class Server:
    """One daemon process; stderr goes to a file we can read while it runs."""

    def __init__(self, replay_dir, *extra, wait_port=True):
        self.log = tempfile.NamedTemporaryFile(prefix="sm-http-", suffix=".log", delete=False)
        args = [BIN, "--replay", replay_dir, "--web.listen-address=127.0.0.1:0",
                "--collector.interval=1s", "--log.level=debug", *extra]
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=self.log)
        self.port = None
        if wait_port:
            self.port = self.wait_log(r"listening on \S+ \(port (\d+)\)", 15)
            if self.port is None:
                raise RuntimeError("server did not report its port:\n" + self.stderr())
            self.port = int(self.port)

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

    def alive(self):
        return self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
            rc = ("killed", rc)
        os.unlink(self.log.name)
        return rc


def request(port, method, path, headers=None, body=None, timeout=10):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data
    finally:
        c.close()


def raw(port, data, timeout=5, shut=False):
    """Send raw bytes, return everything the server sends until it closes or goes quiet."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    out = b""
    try:
        try:
            s.sendall(data)
            if shut:
                s.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server may close before reading all of it
        while True:
            try:
                chunk = s.recv(65536)
            except (socket.timeout, ConnectionResetError):
                break
            if not chunk:
                break
            out += chunk
    finally:
        s.close()
    return out


def status_of(resp_bytes):
    m = re.match(rb"HTTP/1\.[01] (\d{3})", resp_bytes)
    return int(m.group(1)) if m else None


def same_etag_get(port, path, headers=None):
    """GET path twice with the same snapshot generation (ETag): plain and with headers."""
    for _ in range(10):
        s1, h1, b1 = request(port, "GET", path)
        s2, h2, b2 = request(port, "GET", path, headers)
        # The gzip representation's tag is the generation's with "-gz".
        if h1.get("etag", "").strip('"') == h2.get("etag", "").strip('"').removesuffix("-gz"):
            return (s1, h1, b1), (s2, h2, b2)
    raise RuntimeError("snapshot changed on every try")


def healthy(srv):
    try:
        st, _, body = request(srv.port, "GET", "/healthz", timeout=5)
    except OSError as e:
        return check(False, f"/healthz after abuse: {e}")
    return check(st == 200 and body == b"ok\n" and srv.alive(), "server still answers /healthz")


# ===== routes =====

def test_routes(srv):
    p = srv.port
    st, h, body = request(p, "GET", "/metrics")
    check(st == 200, f"/metrics status {st}")
    check(h.get("content-type") == "text/plain; version=0.0.4; charset=utf-8",
          f"/metrics content-type {h.get('content-type')}")
    check(h.get("vary") == "Accept-Encoding", "/metrics Vary")
    check(re.fullmatch(r'"g\d+"', h.get("etag", "")) is not None, f"/metrics ETag {h.get('etag')}")
    check(h.get("cache-control") == "no-cache", "/metrics Cache-Control")
    check("content-encoding" not in h, "/metrics not compressed without Accept-Encoding")
    check(int(h.get("content-length", -1)) == len(body), "/metrics Content-Length")
    text = body.decode()
    check("ssdmon_build_info{" in text, "/metrics has ssdmon_build_info")
    check("# TYPE ssdmon_device_up gauge" in text, "/metrics has ssdmon_device_up")
    for name in NAMES:
        esc = name.replace("\\", "\\\\").replace('"', '\\"')
        check(f'ssdmon_device_up{{device="{esc}"}}' in text, f"/metrics has device {name!r}")
    # Every family once, with HELP and TYPE, and HELP says values are cached.
    helps = re.findall(r"^# HELP (\S+) ", text, re.M)
    types = re.findall(r"^# TYPE (\S+) ", text, re.M)
    check(len(helps) == len(set(helps)), "every HELP once")
    check(helps == types, "HELP and TYPE pair up")
    check(all(n.startswith("ssdmon_") for n in helps), "metric prefix ssdmon_")

    if PROMTOOL:
        r = subprocess.run([PROMTOOL, "check", "metrics"], input=body, capture_output=True)
        out = (r.stdout + r.stderr).decode(errors="replace").strip()
        check(r.returncode == 0 and out == "", f"promtool check metrics: rc {r.returncode}: {out[:2000]}")
    else:
        check(False, "promtool not found (install the 'prometheus' package)")

    # HEAD: same headers, no body (raw socket, so nothing can hide a body).
    (_, hg, bg), _ = same_etag_get(p, "/metrics")
    for path in ["/metrics", "/api/v1/devices", "/api/v1/devices/sda", "/healthz", "/readyz", "/"]:
        resp = raw(p, f"HEAD {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".encode())
        head, _, rest = resp.partition(b"\r\n\r\n")
        check(status_of(resp) == 200, f"HEAD {path}: {resp[:60]!r}")
        check(rest == b"", f"HEAD {path} sent {len(rest)} body bytes")
        m = re.search(rb"(?im)^content-length: (\d+)", head)
        st, hgot, bgot = request(p, "GET", path)
        if path == "/metrics" or path.startswith("/api"):
            # Bodies of other generations may differ in length by a digit or two; compare loosely.
            check(m is not None and abs(int(m.group(1)) - len(bgot)) < 64,
                  f"HEAD {path} Content-Length {m.group(1) if m else None} vs {len(bgot)}")
        else:
            check(m is not None and int(m.group(1)) == len(bgot), f"HEAD {path} Content-Length")

    # JSON list.
    st, h, body = request(p, "GET", "/api/v1/devices")
    check(st == 200 and h.get("content-type") == "application/json", f"/api/v1/devices {st} {h.get('content-type')}")
    doc = json.loads(body)
    check(isinstance(doc.get("generation"), int) and doc["generation"] >= 1, "generation")
    check(h.get("etag") == f'"g{doc.get("generation")}"', f"ETag {h.get('etag')} names generation {doc.get('generation')}")
    check(doc.get("ready") is True, "ready true in JSON")
    check(isinstance(doc.get("collection_timestamp"), (int, float)) and doc["collection_timestamp"] > 1.6e9,
          "collection_timestamp")
    devs = doc.get("devices")
    check(isinstance(devs, list) and [d.get("device") for d in devs] == NAMES,
          f"device names sorted: {[d.get('device') for d in devs or []]}")
    keys = {"device": str, "class": str, "protocol": str, "bus": (str, type(None)), "path": str,
            "model": (str, type(None)), "serial": (str, type(None)),
            "firmware": (str, type(None)), "wwn": (str, type(None)),
            "capacity_bytes": (int, type(None)), "status": str, "up": bool, "asleep": bool,
            "error": (str, type(None)), "stale": bool, "last_success_timestamp": (int, float),
            "last_attempt_timestamp": (int, float), "read_duration_seconds": (int, float),
            "reads_total": int, "reads_total_string": str, "read_errors_total": int,
            "read_errors_total_string": str, "health": (dict, type(None))}
    for d in devs or []:
        for k, t in keys.items():
            check(k in d and isinstance(d[k], t), f"device {d.get('device')!r}: key {k} type {type(d.get(k))}")
        check(d.get("status") in ("never", "ok", "asleep", "error", "timeout"), f"status {d.get('status')}")
        check(d.get("protocol") == ("nvme" if d["device"] == "nvme0n1" else "ata"), f"protocol of {d['device']}")
        check(d.get("bus") == "replay", "bus replay")
        check(str(d.get("reads_total")) == d.get("reads_total_string"), "reads_total_string exact")
        check(d.get("up") == (d.get("status") in ("ok", "asleep")), "up follows status")
        check((d.get("error") is None) == (d.get("status") == "ok") or d.get("status") == "asleep",
              f"error set iff not ok ({d.get('status')}, {d.get('error')!r})")
        if d.get("health") is not None:
            hl = d["health"]
            check(isinstance(hl.get("sensor_temperatures_celsius"), list)
                  and len(hl["sensor_temperatures_celsius"]) == 8, "8 sensor slots")
            check("healthy" in hl and "temperature_celsius" in hl, "health keys")
    st, _, body2 = request(p, "GET", "/api/v1/devices/")
    check(st == 200 and "devices" in json.loads(body2), "/api/v1/devices/ (trailing slash)")

    # One device, by name; equal to its entry in the list of the same generation.
    for name in NAMES:
        quoted = "".join(c if c.isalnum() else "%%%02X" % ord(c) for c in name)
        for _ in range(10):
            s1, h1, b1 = request(p, "GET", "/api/v1/devices")
            s2, h2, b2 = request(p, "GET", "/api/v1/devices/" + quoted)
            if h1.get("etag") == h2.get("etag"):
                break
        check(s2 == 200 and h2.get("content-type") == "application/json", f"/api/v1/devices/{quoted}: {s2}")
        one = json.loads(b2)
        listed = [d for d in json.loads(b1)["devices"] if d["device"] == name]
        check(one.get("device") == name and listed and listed[0] == one,
              f"device {name!r} body equals its list entry")

    # By serial (the ATA collector fills it from IDENTIFY; skdump gives the same).
    st, _, body = request(p, "GET", "/api/v1/devices/" + SERIAL_SDA)
    check(st == 200 and json.loads(body).get("device") == "sda", f"/api/v1/devices/<serial of sda>: {st}")
    for d in devs or []:
        if d.get("serial") and d["serial"] != SERIAL_SDA:
            st, _, body = request(p, "GET", "/api/v1/devices/" + d["serial"].replace(" ", "%20"))
            check(st == 200 and json.loads(body)["device"] == d["device"], f"serial {d['serial']}")

    # Unknown device: 404 with a JSON error.
    for path in ["/api/v1/devices/nope", "/api/v1/devices/sd", "/api/v1/devices/SDA",
                 "/api/v1/devices/sda/extra", "/api/v1/devices//sda"]:
        st, h, body = request(p, "GET", path)
        ok = st == 404 and h.get("content-type") == "application/json"
        try:
            ok = ok and isinstance(json.loads(body).get("error"), str)
        except ValueError:
            ok = False
        check(ok, f"{path}: {st} {h.get('content-type')} {body[:80]!r}")

    # Health and readiness.
    st, h, body = request(p, "GET", "/healthz")
    check(st == 200 and body == b"ok\n", f"/healthz {st} {body!r}")
    st, h, body = request(p, "GET", "/readyz")
    check(st == 200 and body == b"ok\n", f"/readyz {st} {body!r}")

    # Landing page.
    st, h, body = request(p, "GET", "/")
    page = body.decode()
    check(st == 200 and h.get("content-type", "").startswith("text/html"), f"/ {st} {h.get('content-type')}")
    check('href="/metrics"' in page and 'href="/api/v1/devices"' in page, "/ links metrics and API")
    check("x&quot;y\\z" in page and ODD not in page, "/ escapes HTML")
    for name in ["sda", "sdb", "nvme0n1"]:
        check(f'href="/device/{name}"' in page, f"/ lists {name}")
    # The per-drive page links the JSON; an unknown name is 404.
    st, h, body = request(p, "GET", "/device/sda")
    check(st == 200 and h.get("content-type", "").startswith("text/html")
          and b'href="/api/v1/devices/sda"' in body, f"/device/sda {st}")
    st, h, body = request(p, "GET", "/device/x%22y%5Cz")
    check(st == 200 and b"x&quot;y\\z" in body and ODD.encode() not in body,
          f"/device/ODD {st} escapes HTML")
    st, h, body = request(p, "GET", "/device/nope")
    check(st == 404, f"/device/nope {st}")

    # Unknown paths.
    for path in ["/nope", "/metrics/", "/metricsx", "/api", "/api/v1", "/api/v1/devicesx",
                 "/healthz/", "/index.html", "//metrics"]:
        st, h, body = request(p, "GET", path)
        check(st == 404, f"GET {path}: {st}")
    # Query strings do not change the route.
    st, _, _ = request(p, "GET", "/metrics?x=1")
    check(st == 200, f"/metrics?x=1: {st}")

    # Methods other than GET and HEAD.
    for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"]:
        for path in ["/metrics", "/api/v1/devices", "/healthz", "/nope"]:
            st, h, body = request(p, method, path, body=b"x=1" if method in ("POST", "PUT") else None)
            check(st == 405 and h.get("allow") == "GET, HEAD", f"{method} {path}: {st} Allow={h.get('allow')}")


# ===== gzip =====

def test_gzip(srv):
    p = srv.port
    for path in ["/metrics", "/api/v1/devices"]:
        (s1, h1, plain), (s2, h2, zipped) = same_etag_get(p, path, {"Accept-Encoding": "gzip"})
        check(s2 == 200 and h2.get("content-encoding") == "gzip", f"{path} gzip: {h2.get('content-encoding')}")
        check(h2.get("vary") == "Accept-Encoding", f"{path} gzip Vary")
        check(h2.get("content-type") == h1.get("content-type"), f"{path} gzip Content-Type")
        try:
            check(gzip.decompress(zipped) == plain, f"{path}: gunzip equals the plain body")
        except OSError as e:
            check(False, f"{path}: not gzip: {e}")
        check(len(zipped) < len(plain), f"{path}: gzip smaller")
        for ae in ["gzip;q=0", "identity", "deflate", "gzip; q=0.000", "br"]:
            st, h, body = request(p, "GET", path, {"Accept-Encoding": ae})
            check(st == 200 and "content-encoding" not in h and body.startswith(b"#" if path == "/metrics" else b"{"),
                  f"{path} Accept-Encoding '{ae}' must be plain: {h.get('content-encoding')}")
        for ae in ["GZIP", "deflate, gzip;q=0.5", "*"]:
            st, h, _ = request(p, "GET", path, {"Accept-Encoding": ae})
            check(h.get("content-encoding") == "gzip", f"{path} Accept-Encoding '{ae}' gives gzip")
    # HEAD with gzip: gzip headers, no body.
    resp = raw(p, b"HEAD /metrics HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n")
    head, _, rest = resp.partition(b"\r\n\r\n")
    check(re.search(rb"(?im)^content-encoding: gzip", head) is not None and rest == b"", "HEAD gzip")


# ===== keep-alive =====

def test_keepalive(srv):
    p = srv.port
    c = http.client.HTTPConnection("127.0.0.1", p, timeout=10)
    c.connect()
    sock = c.sock
    results = []
    for path in ["/metrics", "/api/v1/devices", "/healthz", "/api/v1/devices/nope", "/metrics"]:
        c.request("GET", path, headers={"Accept-Encoding": "gzip"})
        r = c.getresponse()
        r.read()
        results.append((r.status, r.getheader("Connection"), r.will_close))
    check(c.sock is sock, "http.client reused the connection")
    check([s for s, _, _ in results] == [200, 200, 200, 404, 200], f"statuses {results}")
    check(all((conn or "").lower() != "close" and not wc for _, conn, wc in results),
          f"no Connection: close: {results}")
    c.close()

    # Two pipelined requests in one write on a raw socket: both answered.
    resp = raw(p, b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"
                  b"GET /readyz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    check(resp.count(b"HTTP/1.1 200") == 2, f"pipelined: {resp.count(b'HTTP/1.1 200')} answers")
    # HTTP/1.0 without keep-alive is closed after the answer.
    resp = raw(p, b"GET /healthz HTTP/1.0\r\n\r\n")
    check(status_of(resp) == 200, f"HTTP/1.0: {resp[:40]!r}")


# ===== malformed and abusive clients =====

def test_malformed(srv, timeout_s):
    p = srv.port

    # 100 KB path: refused (414/431/400) or closed, never served.
    resp = raw(p, b"GET /" + b"a" * 100000 + b" HTTP/1.1\r\nHost: t\r\n\r\n")
    check(status_of(resp) in (400, 414, 431), f"100 KB path: {resp[:60]!r}")
    healthy(srv)

    # 100 KB header value.
    resp = raw(p, b"GET /metrics HTTP/1.1\r\nHost: t\r\nX-Big: " + b"b" * 100000 + b"\r\n\r\n")
    check(status_of(resp) in (400, 431), f"100 KB header: {resp[:60]!r}")
    healthy(srv)

    # Garbage bytes.
    garbage = bytes((i * 37 + 11) % 256 for i in range(4096))
    for g in [garbage, garbage + b"\r\n\r\n", b"\x00" * 100 + b"\r\n\r\n", b"\r\n\r\n\r\n",
              b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n", b"GET / FOO/1.1\r\n\r\n",
              b"GET /metrics HTTP/1.1\r\nHost t\r\n\r\n"]:
        resp = raw(p, g, shut=True)
        st = status_of(resp)
        check(st is None or 400 <= st < 600, f"garbage {g[:20]!r}: {resp[:60]!r}")
    healthy(srv)

    # Unknown method: 405 (or a parser refusal), never 200.
    resp = raw(p, b"FROB /metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    check(status_of(resp) in (400, 405, 501), f"unknown method: {resp[:60]!r}")

    # A GET with a body: the body is discarded, the answer is normal, the next request works.
    resp = raw(p, b"GET /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n0123456789"
                  b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    check(resp.count(b"HTTP/1.1 200") == 2, f"GET with body then GET: {resp[:200]!r}")
    # A POST with a chunked body: 405.
    resp = raw(p, b"POST /metrics HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"
                  b"Connection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
    check(status_of(resp) == 405, f"chunked POST: {resp[:60]!r}")
    # A large body (1 MB) on POST: refused without harm.
    resp = raw(p, b"POST /metrics HTTP/1.1\r\nHost: t\r\nContent-Length: 1048576\r\nConnection: close\r\n\r\n"
                  + b"z" * 1048576)
    st = status_of(resp)
    check(st is None or st in (405, 413), f"1 MB POST: {resp[:60]!r}")
    healthy(srv)

    # Half-sent request: closed after --web.timeout.
    s = socket.create_connection(("127.0.0.1", p), timeout=timeout_s + 10)
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: t\r\n")
    t0 = time.monotonic()
    try:
        data = s.recv(65536)
    except ConnectionResetError:
        data = b""
    took = time.monotonic() - t0
    s.close()
    st = status_of(data)
    print(f"half-sent request closed after {took:.2f} s", flush=True)
    check((data == b"" or (st is not None and st >= 400)) and took < timeout_s + 3,
          f"half-sent request closed after {took:.1f} s (timeout {timeout_s} s): {data[:40]!r}")
    check(took > timeout_s * 0.5, f"half-sent request closed too early ({took:.1f} s)")

    # An idle keep-alive connection is closed after the timeout too.
    s = socket.create_connection(("127.0.0.1", p), timeout=timeout_s + 10)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
    first = s.recv(65536)
    t0 = time.monotonic()
    try:
        rest = s.recv(65536)
    except ConnectionResetError:
        rest = b""
    took = time.monotonic() - t0
    s.close()
    check(status_of(first) == 200 and rest == b"" and took < timeout_s + 3,
          f"idle keep-alive closed after {took:.1f} s")
    healthy(srv)


def test_mutations(srv, count=120):
    """Deterministic random damage to valid requests (seeded, so a failure replays):
    every answer is well-formed HTTP or the connection is closed, and the server
    keeps serving."""
    import random
    rng = random.Random(20261127)
    bases = [b"GET /metrics HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\n\r\n",
             b"HEAD /api/v1/devices/sda HTTP/1.1\r\nHost: t\r\n\r\n",
             b"POST /metrics HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello",
             b"GET /api/v1/devices HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"]
    extras = [b"\r\n", b"\n", b"\x00", b":", b" ", b"%", b"%00", b"\xff", b"Content-Length: -1\r\n",
              b"Content-Length: 99999999999999999999\r\n", b"Transfer-Encoding: chunked\r\n",
              b"Host: a\r\nHost: b\r\n", b"ffffffffffffffff\r\n", b"Expect: 100-continue\r\n"]
    bad = []
    for i in range(count):
        req = bytearray(rng.choice(bases))
        for _ in range(rng.randint(1, 4)):
            op = rng.randrange(4)
            pos = rng.randrange(len(req) + 1)
            if op == 0 and req:
                req[min(pos, len(req) - 1)] = rng.randrange(256)
            elif op == 1:
                req[pos:pos] = rng.choice(extras)
            elif op == 2:
                del req[pos:pos + rng.randint(1, 8)]
            else:
                req = req[:pos]
        resp = raw(srv.port, bytes(req), timeout=0.5, shut=True)
        if resp and status_of(resp) is None:
            bad.append((bytes(req), resp[:60]))
        if i % 40 == 39 and not srv.alive():
            break
    check(not bad, f"{len(bad)} malformed answers, first: {bad[:1]}")
    healthy(srv)


def test_connection_limit(srv, per_ip):
    p = srv.port
    socks = []
    for _ in range(per_ip + 12):
        try:
            socks.append(socket.create_connection(("127.0.0.1", p), timeout=5))
        except OSError:
            pass
    time.sleep(0.3)
    answered = 0
    for s in socks:
        try:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
            if status_of(s.recv(4096)) == 200:
                answered += 1
        except OSError:
            pass
    print(f"connection limit: {answered} of {len(socks)} connections answered", flush=True)
    check(1 <= answered <= per_ip, f"{answered} of {len(socks)} connections answered (per-IP limit {per_ip})")
    for s in socks:
        s.close()
    time.sleep(0.3)
    healthy(srv)
    st = srv.stderr()
    check("reached connection limit" in st or "limit" in st, "the limit is logged (debug)")


# ===== readiness before the first collection =====

def test_not_ready(tmp):
    """An NVMe capture that is a FIFO nobody writes to stalls the first collection
    until --collector.timeout: /readyz is 503 meanwhile, /healthz 200."""
    d = os.path.join(tmp, "stall")
    os.mkdir(d)
    shutil.copy(os.path.join(DATA, "sda"), d)
    os.mkfifo(os.path.join(d, "nvme9n1.smart-log"))
    srv = Server(d, "--collector.timeout=4s", "--collector.interval=30s")
    try:
        st, _, body = request(srv.port, "GET", "/readyz")
        check(st == 503, f"/readyz before the first collection: {st} {body!r}")
        st, _, _ = request(srv.port, "GET", "/healthz")
        check(st == 200, "/healthz before the first collection")
        st, _, body = request(srv.port, "GET", "/metrics")
        check(st == 503 or (st == 200 and b"\nssdmon_ready 0\n" in body),
              f"/metrics before the first collection: {st}")
        end = time.monotonic() + 15
        while time.monotonic() < end:
            st, _, _ = request(srv.port, "GET", "/readyz")
            if st == 200:
                break
            time.sleep(0.2)
        check(st == 200, "/readyz 200 after the first collection (with a timed-out device)")
        st, _, body = request(srv.port, "GET", "/api/v1/devices/nvme9n1")
        check(st == 200 and json.loads(body).get("status") == "timeout",
              f"stalled device reported as timeout: {body[:200]!r}")
    finally:
        rc = srv.stop()
    check(rc == 0, f"exit code after SIGTERM with a stuck read: {rc}")


# ===== process behaviour =====

def test_process(tmp, replay):
    # SIGTERM and SIGINT: exit 0 promptly.
    for sig in (signal.SIGTERM, signal.SIGINT):
        srv = Server(replay)
        request(srv.port, "GET", "/healthz")
        t0 = time.monotonic()
        rc = srv.stop(sig)
        took = time.monotonic() - t0
        check(rc == 0 and took < 5, f"{sig.name}: exit {rc} after {took:.1f} s")

    # SIGUSR1 triggers a collection and keeps serving.
    srv = Server(replay, "--collector.interval=1h")
    srv.wait_log(r"first collection finished", 15)
    _, h1, _ = request(srv.port, "GET", "/metrics")
    srv.proc.send_signal(signal.SIGUSR1)
    time.sleep(1.5)
    _, h2, _ = request(srv.port, "GET", "/metrics")
    check(h1.get("etag") != h2.get("etag") and srv.alive(), f"SIGUSR1 publishes a new snapshot {h1.get('etag')} -> {h2.get('etag')}")

    # Port in use: exit 1 with a clear message.
    other = subprocess.run([BIN, "--replay", replay, f"--web.listen-address=127.0.0.1:{srv.port}"],
                           capture_output=True, timeout=20)
    err = other.stderr.decode(errors="replace")
    check(other.returncode == 1 and f"127.0.0.1:{srv.port}" in err and "listen" in err,
          f"port in use: rc {other.returncode}: {err.strip()}")
    check(srv.alive(), "first server unaffected")
    srv.stop()

    # Bad command lines: exit 2, one line naming the problem.
    for args, word in [(["--web.timeout=abc"], "--web.timeout"), (["--bogus"], "--bogus"),
                       (["--web.listen-address=nope"], "--web.listen-address"),
                       (["--collector.parallel=0"], "--collector.parallel"),
                       (["frobnicate"], "frobnicate"), (["--replay"], "--replay")]:
        r = subprocess.run([BIN, *args], capture_output=True, timeout=10)
        err = r.stderr.decode(errors="replace")
        check(r.returncode == 2 and word in err and err.count("\n") == 1 and err.startswith("ssd-monitor: "),
              f"{args}: rc {r.returncode}: {err.strip()}")

    # A replay directory that does not exist: exit 1 with the path in the message.
    missing = os.path.join(tmp, "does-not-exist")
    r = subprocess.run([BIN, "--replay", missing, "--web.listen-address=127.0.0.1:0"],
                       capture_output=True, timeout=10)
    err = r.stderr.decode(errors="replace")
    check(r.returncode == 1 and missing in err, f"missing replay dir: rc {r.returncode}: {err.strip()}")

    # --help and --version: exit 0 on stdout.
    r = subprocess.run([BIN, "--help"], capture_output=True, timeout=10)
    check(r.returncode == 0 and b"--web.listen-address" in r.stdout, "--help")
    r = subprocess.run([BIN, "--version"], capture_output=True, timeout=10)
    check(r.returncode == 0 and r.stdout.startswith(b"ssd-monitor "), "--version")

    # A custom telemetry path moves /metrics.
    srv = Server(replay, "--web.telemetry-path=/custom")
    srv.wait_log(r"first collection finished", 15)
    st1, _, body = request(srv.port, "GET", "/custom")
    st2, _, _ = request(srv.port, "GET", "/metrics")
    st3, _, page = request(srv.port, "GET", "/")
    check(st1 == 200 and b"ssdmon_build_info" in body and st2 == 404 and b'href="/custom"' in page,
          f"--web.telemetry-path: {st1} {st2}")
    srv.stop()


def ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def test_listen(replay):
    """Several listen addresses, IPv6 included: each one serves the same snapshot."""
    extra = ["--web.listen-address=127.0.0.1:0", "--web.listen-address=[::1]:0"] if ipv6_loopback() \
        else ["--web.listen-address=127.0.0.1:0"]
    if len(extra) == 1:
        print("note: no IPv6 loopback here; only two IPv4 listeners are checked")
    srv = Server(replay, *extra)
    try:
        srv.wait_log(r"first collection finished", 15)
        found = re.findall(r"listening on (\S+) \(port (\d+)\)", srv.stderr())
        check(len(found) == 1 + len(extra), f"one listener per address: {found}")
        etags = set()
        for spec, port in found:
            host = "::1" if spec.startswith("[::1]") else "127.0.0.1"
            c = http.client.HTTPConnection(host, int(port), timeout=5)
            c.request("GET", "/api/v1/devices/sda")
            r = c.getresponse()
            body = r.read()
            etags.add(r.getheader("ETag"))
            c.close()
            check(r.status == 200 and json.loads(body).get("device") == "sda", f"listener {spec} port {port}: {r.status}")
        check(len({p for _, p in found}) == len(found), "distinct ports")
    finally:
        check(srv.stop() == 0, "multi-listener server exits 0")


def test_total_limit(replay):
    """--web.max-connections caps connections from everyone together: beyond it the
    server stops accepting, so further clients wait in the kernel's backlog and are
    served once a slot frees (unlike the per-IP limit, which closes them)."""
    import select
    srv = Server(replay, "--web.max-connections=5", "--web.max-connections-per-ip=100")
    try:
        socks = [socket.create_connection(("127.0.0.1", srv.port), timeout=5) for _ in range(12)]
        for s in socks:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        time.sleep(1.0)
        ready, _, _ = select.select(socks, [], [], 0)
        served = [s for s in ready if status_of(s.recv(4096)) == 200]
        print(f"total connection limit: {len(served)} of 12 served at once", flush=True)
        check(len(served) == 5, f"total limit 5: {len(served)} of 12 served at once")
        for s in served:
            s.close()
        waiting = [s for s in socks if s not in served]
        time.sleep(1.0)
        ready, _, _ = select.select(waiting, [], [], 0)
        check(len(ready) == 5, f"5 queued clients served after 5 slots freed: {len(ready)}")
        for s in socks:
            s.close()
        time.sleep(0.3)
        healthy(srv)
    finally:
        srv.stop()


def main():
    tmp = tempfile.mkdtemp(prefix="sm-http-")
    replay = os.path.join(tmp, "replay")
    shutil.copytree(DATA, replay)
    os.unlink(os.path.join(replay, "README.md"))
    shutil.copy(os.path.join(DATA, "sda"), os.path.join(replay, ODD))
    timeout_s = 2
    per_ip = 8
    srv = None
    try:
        srv = Server(replay, f"--web.timeout={timeout_s}s", f"--web.max-connections-per-ip={per_ip}")
        if not srv.wait_log(r"first collection finished", 20):
            check(False, "first collection did not finish:\n" + srv.stderr())
        for name, fn in [("routes", lambda: test_routes(srv)), ("gzip", lambda: test_gzip(srv)),
                         ("keep-alive", lambda: test_keepalive(srv)),
                         ("malformed", lambda: test_malformed(srv, timeout_s)),
                         ("mutated requests", lambda: test_mutations(srv)),
                         ("connection limit", lambda: test_connection_limit(srv, per_ip)),
                         ("not ready", lambda: test_not_ready(tmp)),
                         ("listeners", lambda: test_listen(replay)),
                         ("total connection limit", lambda: test_total_limit(replay)),
                         ("process", lambda: test_process(tmp, replay))]:
            print(f"--- {name}", flush=True)
            try:
                fn()
            except Exception:
                check(False, f"{name} raised:\n{traceback.format_exc()}")
            check(srv.alive(), f"server alive after {name}")
        rc = srv.stop()
        check(rc == 0, f"main server exit code {rc}")
        srv = None
    finally:
        if srv is not None:
            print(srv.stderr()[-3000:])
            srv.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
