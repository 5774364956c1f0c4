#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Page suite: the real agent replays the demo captures (plus a copy of one NVMe drive
whose model string is hostile HTML) on 127.0.0.1:0; headless Chromium loads / at 1280
and 375 px through the DevTools protocol (a small stdlib websocket client). The
rendered DOM is checked against the agent's own JSON API (/api/v1/devices): every
drive present, the worn P4500 at 75 % with its days left, the critical drives as
critical with their reasons, worst first, no horizontal overflow at 375 px, the page
well-formed, the hostile string escaped. Screenshots: OUTDIR/page-1280.png, page-375.png.

Usage: test_page.py SSD_MONITOR DEMO_DIR OUTDIR CHROMIUM
"""

import base64
import html.parser
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request

BIN, DEMO, OUT, CHROME = sys.argv[1:5]
HOSTILE = "<script>alert(1)</script>\"'&amp;"  # 36 bytes: fits the 40-byte model field

failed = 0


def check(cond, what):
    global failed
    if not cond:
        failed += 1
        print(f"FAIL: {what}", flush=True)
    return cond


def get(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
        return r.status, r.read()


class CDP:
    """Minimal DevTools client: one websocket to one page target."""

    def __init__(self, ws_url):
        m = re.match(r"ws://([^:/]+):(\d+)(/.*)", ws_url)
        self.s = socket.create_connection((m.group(1), int(m.group(2))), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        self.s.sendall((f"GET {m.group(3)} HTTP/1.1\r\nHost: {m.group(1)}:{m.group(2)}\r\n"
                        f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                        "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        buf = b""
        while b"\r\n\r\n" not in buf:
            buf += self.s.recv(4096)
        if b" 101 " not in buf.split(b"\r\n")[0]:
            raise RuntimeError(f"websocket handshake: {buf[:100]!r}")
        self.rest = buf.split(b"\r\n\r\n", 1)[1]
        self.id = 0

    def _recv(self, n):
        while len(self.rest) < n:
            chunk = self.s.recv(1 << 16)
            if not chunk:
                raise RuntimeError("devtools closed")
            self.rest += chunk
        d, self.rest = self.rest[:n], self.rest[n:]
        return d

    def _frame(self):
        data = b""
        while True:
            b0, b1 = self._recv(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._recv(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._recv(8))[0]
            data += self._recv(n)
            if b0 & 0x80:
                return data

    def call(self, method, **params):
        self.id += 1
        msg = json.dumps({"id": self.id, "method": method, "params": params}).encode()
        hdr = bytes([0x81])
        n = len(msg)
        hdr += bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack(">H", n) \
            if n < 65536 else bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        self.s.sendall(hdr + mask + bytes(c ^ mask[i % 4] for i, c in enumerate(msg)))
        while True:
            r = json.loads(self._frame())
            if r.get("id") == self.id:
                if "error" in r:
                    raise RuntimeError(f"{method}: {r['error']}")
                return r.get("result", {})

    def eval(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True)
        return r["result"].get("value")


class Balanced(html.parser.HTMLParser):
    VOID = {"meta", "br", "img", "input", "link", "hr", "wbr", "source", "area", "col"}

    def __init__(self):
        super().__init__()
        self.stack, self.errors = [], []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()


def well_formed(body, what):
    p = Balanced()
    p.feed(body.decode())
    p.close()
    check(not p.errors and not p.stack, f"{what} well-formed: {p.errors[:3]} open {p.stack}")
    check(body.startswith(b"<!DOCTYPE html>"), f"{what} doctype")


def main():
    tmp = tempfile.mkdtemp(prefix="sm-page-")
    data = os.path.join(tmp, "data")
    shutil.copytree(DEMO, data)
    # A hostile identity: the P4500's Identify Controller with its model (bytes 24-63) replaced.
    for ext in ("smart-log", "id-ctrl"):
        shutil.copy(os.path.join(DEMO, f"nvme-intel-p4500-worn.{ext}"),
                    os.path.join(data, f"nvme-hostile.{ext}"))
    idc = bytearray(open(os.path.join(data, "nvme-hostile.id-ctrl"), "rb").read())
    idc[24:64] = HOSTILE.encode().ljust(40, b" ")
    open(os.path.join(data, "nvme-hostile.id-ctrl"), "wb").write(idc)

    log = open(os.path.join(tmp, "agent.log"), "w+")
    agent = subprocess.Popen([BIN, "--replay", data, "--web.listen-address=127.0.0.1:0",
                              "--state.dir=", "--collector.interval=1h"],
                             stdout=subprocess.DEVNULL, stderr=log)
    chrome = None
    try:
        port = None
        for _ in range(200):
            log.seek(0)
            m = re.search(r"listening on \S+ \(port (\d+)\)", log.read())
            if m:
                port = int(m.group(1))
                try:
                    if get(port, "/readyz")[0] == 200:
                        break
                except Exception:
                    pass
            time.sleep(0.05)
        check(port is not None, "agent listening")
        api = json.loads(get(port, "/api/v1/devices")[1])
        devs = {d["device"]: d for d in api["devices"]}
        st, body = get(port, "/")
        well_formed(body, "/")
        check(HOSTILE.encode() not in body and b"<script" not in body, "hostile model escaped in /")
        st, dbody = get(port, "/device/nvme-hostile")
        well_formed(dbody, "/device/nvme-hostile")
        check(HOSTILE.encode() not in dbody and b"<script" not in dbody,
              "hostile model escaped in /device")
        check(b'href="/api/v1/devices/nvme-hostile"' in dbody, "/device links the JSON")
        # every reading of the JSON's nvme section is on the device page
        page_text = dbody.decode()
        for k, v in devs["nvme-hostile"]["nvme"].items():
            if k.endswith("_string") or v is None or isinstance(v, (bool, dict, list)):
                continue
            check(f"nvme.{k}<" in page_text, f"/device shows nvme.{k}")

        prof = os.path.join(tmp, "chrome")
        chrome = subprocess.Popen([CHROME, "--headless", "--no-sandbox", "--disable-gpu",
                                   "--remote-debugging-port=0", f"--user-data-dir={prof}",
                                   "--no-first-run", "about:blank"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        ws = None
        end = time.monotonic() + 30
        while time.monotonic() < end and ws is None:
            line = chrome.stderr.readline()
            m = re.search(r"DevTools listening on (ws://\S+)", line)
            if m:
                ws = m.group(1)
        dport = int(re.match(r"ws://[^:]+:(\d+)", ws).group(1))
        targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{dport}/json/list").read())
        page = [t for t in targets if t["type"] == "page"][0]
        cdp = CDP(page["webSocketDebuggerUrl"])
        cdp.call("Page.enable")
        for width in (1280, 375):
            cdp.call("Emulation.setDeviceMetricsOverride", width=width, height=900,
                     deviceScaleFactor=1, mobile=width < 500)
            cdp.call("Page.navigate", url=f"http://127.0.0.1:{port}/")
            for _ in range(100):
                if cdp.eval("document.readyState") == "complete" and \
                        cdp.eval("!!document.getElementById('summary')"):
                    break
                time.sleep(0.05)
            shot = cdp.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
            with open(os.path.join(OUT, f"page-{width}.png"), "wb") as f:
                f.write(base64.b64decode(shot["data"]))
            sw, iw = cdp.eval("[document.documentElement.scrollWidth, innerWidth]")
            check(sw <= iw, f"{width} px: no horizontal overflow ({sw} > {iw})")
            cards = cdp.eval("""[...document.querySelectorAll('article.card')].map(a => ({
                name: a.querySelector('h2').innerText,
                state: a.querySelector('.st').dataset.state,
                stateText: a.querySelector('.st').innerText,
                reasons: [...a.querySelectorAll('li[data-reason]')].map(l => [l.dataset.reason, l.innerText]),
                life: (a.querySelector('.life') || {}).innerText,
                days: (a.querySelector('.days') || {}).innerText,
                model: [...a.querySelectorAll('dt')].filter(d => d.innerText == 'Model')
                        .map(d => d.nextElementSibling.innerText)[0],
                text: a.innerText}))""")
            names = [c["name"] for c in cards]
            check(sorted(names) == sorted(devs), f"{width}: every drive once: {len(names)} vs {len(devs)}")
            by = {c["name"]: c for c in cards}
            w = by.get("nvme-intel-p4500-worn", {})
            check(w.get("life") == "75 %", f"p4500 life {w.get('life')!r}")
            want_days = round(devs["nvme-intel-p4500-worn"]["forecast"]["endurance_days_left_lifetime"])
            check(w.get("days") == str(want_days), f"p4500 days left {w.get('days')!r} vs {want_days}")
            check(by.get("nvme-hostile", {}).get("model", "").strip() == HOSTILE,
                  f"hostile model shown as text: {by.get('nvme-hostile', {}).get('model')!r}")
            rank = {"critical": 0, "warning": 1, "unknown": 2, "never read": 3, "ok": 4,
                    "asleep": 5, "unsupported": 6}
            for name, d in devs.items():
                v = (d.get("verdict") or {}).get("state")
                c = by.get(name, {})
                if v in ("critical", "warning"):
                    check(c.get("state") == v and v in c.get("stateText", ""),
                          f"{name}: shown {c.get('state')} vs JSON {v}")
                    want = sorted(r["reason"] for r in d["verdict"]["reasons"] if r["risk"])
                    got = sorted(r[0] for r in c.get("reasons", []))
                    check(want == got and all(r[1] for r in c.get("reasons", [])),
                          f"{name}: reasons {got} vs {want}")
                elif v == "ok" and d["status"] == "ok":
                    check(c.get("state") == "ok", f"{name}: shown {c.get('state')} vs ok")
            ranks = [rank[c["state"]] for c in cards]
            check(ranks == sorted(ranks), f"{width}: worst first {[c['state'] for c in cards]}")
            crit = [c for c in cards if c["state"] == "critical"]
            check(len(crit) >= 2, f"demo has critical drives: {len(crit)}")
        cdp.call("Page.navigate", url=f"http://127.0.0.1:{port}/device/nvme-intel-p4500-worn")
        time.sleep(0.5)
        cdp.call("Emulation.setDeviceMetricsOverride", width=375, height=900,
                 deviceScaleFactor=1, mobile=True)
        shot = cdp.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        with open(os.path.join(OUT, "device-375.png"), "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        print(f"screenshots in {OUT}: page-1280.png page-375.png device-375.png")
    finally:
        for p in (chrome, agent):
            if p:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    print("page: " + ("FAILED" if failed else "ok"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
