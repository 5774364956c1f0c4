#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Page suite: the real agent replays the demo captures (plus a copy of one NVMe drive
whose model string is hostile HTML) on 127.0.0.1:0; headless Chromium loads / at 1280
and 375 px through the DevTools protocol (a small stdlib websocket client). The
rendered DOM is checked against the agent's own JSON API (/api/v1/devices): every
drive present, the worn P4500 at 75 % with its days left, the critical drives as
critical with their reasons, worst first, no horizontal overflow at 375 px, the page
well-formed, the hostile string escaped. Screenshots: OUTDIR/page-1280.png, page-375.png,
device-375.png, device-trend-375.png (top of a page with a trend), card-DRIVE-WIDTH.png
(the cards with sparklines), card-trend-light.png / card-trend-dark.png.

Sparklines: --state.dir is seeded with history files this test encodes itself from the
documented format (agent/history.h, docs/health.md; zlib.crc32), for two drives with known
samples: nvme-intel-optane-m10 (60 daily samples, so a daily trend downsampled to 48
points) and nvme-samsung-970evoplus (10 hourly samples). The expected points, the SVG
coordinates and the words are computed here from those samples, the drive's current
values decoded from its capture (NVMe SMART log: percentage used byte 5, composite
temperature bytes 1-2 in K, - 273 as nvme-cli prints it) and the rule of agent/trend.h.
Every other drive has no history: no sparkline, and the JSON says why.

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
import zlib

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


# ===== history files (agent/history.h: version 1, little-endian) =====

HIST_LIFE, HIST_TEMP = 1 << 0, 1 << 6


def hist_record(t, life_e4, temp):
    # i64 t, u64 written, u32 power-on, u32 media, u32 realloc, u32 pending,
    # u16 life (1/10000), u16 spare, i8 temperature max, u8 0, u16 present bits
    return struct.pack("<qQIIIIHHbBH", t, 0, 0, 0, 0, 0, life_e4, 0, temp, 0,
                       HIST_LIFE | HIST_TEMP)


def hist_file(key, node, hourly, daily):
    """hourly/daily: [(t, life_e4, temp)], oldest first."""
    body = b"SSDMHIST" + struct.pack("<IIHHHHq", 1, 40, 336, 1096, len(hourly), len(daily),
                                     (hourly or daily)[0][0])
    body += node.encode()[:63].ljust(64, b"\0") + key.encode().ljust(128, b"\0")
    assert len(body) == 224
    for r in hourly + daily:
        body += hist_record(*r)
    return body + struct.pack("<I", zlib.crc32(body))


def hist_name(key):
    safe = "".join(c if (c.isascii() and c.isalnum()) or c in "._-" else "_" for c in key)[:80]
    if safe.startswith("."):
        safe = "_" + safe[1:]
    return f"{safe}-{zlib.crc32(key.encode()):08x}.hist"


def nvme_current(data, stem):
    """The drive's key and its current (life used 1/10000, temperature C) from its capture."""
    idc = open(os.path.join(data, f"{stem}.id-ctrl"), "rb").read()
    log = open(os.path.join(data, f"{stem}.smart-log"), "rb").read()
    serial, model = idc[4:24].decode().strip(" \0"), idc[24:64].decode().strip(" \0")
    return f"ms:{model}:{serial}", log[5] * 100, int.from_bytes(log[1:3], "little") - 273


def by_day(samples):
    """The daily samples the agent keeps for these (hourly) ones: per UTC day, the last
    one with the day's highest temperature."""
    days = {}
    for t, life, temp in samples:
        d = days.get(t // 86400)
        days[t // 86400] = (t, life, max(temp, d[2]) if d else temp)
    return [days[k] for k in sorted(days)]


def trend_points(samples, P=48):
    """agent/trend.h: <= P samples: each one; more: P groups [k m / P, (k + 1) m / P), a
    point at the newest sample of the group with its life used / the group's highest
    temperature."""
    m = len(samples)
    if m <= P:
        return [(t, l) for t, l, _ in samples], [(t, c) for t, _, c in samples]
    life, temp = [], []
    for k in range(P):
        g = samples[k * m // P:(k + 1) * m // P]
        life.append((g[-1][0], g[-1][1]))
        temp.append((g[-1][0], max(c for _, _, c in g)))
    return life, temp


def spark_xy(points, w, h, pad=20):
    t0, t1 = points[0][0], points[-1][0]
    lo, hi = min(v for _, v in points), max(v for _, v in points)
    return [(w * (t - t0) / (t1 - t0), h / 2 if hi == lo else pad + (h - 2 * pad) * (hi - v) / (hi - lo))
            for t, v in points]


def span_words(s):
    if s >= 2 * 86400:
        return f"{(s + 43200) // 86400} days"
    if s >= 2 * 3600:
        return f"{(s + 1800) // 3600} hours"
    return f"{(s + 30) // 60} minutes"


def pct_words(e4):
    return f"{e4 // 100} %" if e4 % 100 == 0 else f"{e4 // 100}.{e4 % 100 // 10} %"


def trend_words(life, temp, res):
    span = span_words(life[-1][0] - life[0][0])
    lw = f"life used {pct_words(life[0][1])} to {pct_words(life[-1][1])} over {span} ({res} samples)"
    vals = [v for _, v in temp]
    tw = (f"{res} maximum temperature {min(vals)} to {max(vals)} \u00b0C over "
          f"{span_words(temp[-1][0] - temp[0][0])}")
    return lw, tw


def parse_points(s):
    return [tuple(float(c) for c in p.split(",")) for p in s.split()]


def same_points(got, want):
    # whole units, rounded
    return len(got) == len(want) and all(abs(a - c) <= 0.5001 and abs(b - d) <= 0.5001
                                          for (a, b), (c, d) in zip(got, want))


def seed_histories(data, state, now):
    """Two drives' history files; returns {stem: (seeded samples as the agent will hold
    them in the trend's resolution, resolution, current life_e4, current temp)}."""
    os.makedirs(state)
    node = socket.gethostname()
    today, hour = now - now % 86400, now - now % 3600
    seeded = {}

    # nvme-intel-optane-m10: daily samples for the 60 days before today (23:30), life
    # 0.40 % + 0.01 % a day, temperature 28 + 7i mod 11; yesterday's 24 hourly samples.
    key, life, temp = nvme_current(data, "nvme-intel-optane-m10")
    daily = [(today - (60 - i) * 86400 + 84600, 40 + i, 28 + 7 * i % 11) for i in range(60)]
    hourly = [(today - 86400 + h * 3600 + 1800, 99, daily[-1][2] - (23 - h) % 3) for h in range(24)]
    with open(os.path.join(state, hist_name(key)), "wb") as f:
        f.write(hist_file(key, node, hourly, daily))
    seeded["nvme-intel-optane-m10"] = (daily, "daily", life, temp)

    # nvme-samsung-970evoplus: 10 hourly samples 12 to 3 hours ago, life 0 (as now).
    key, life, temp = nvme_current(data, "nvme-samsung-970evoplus")
    temps = [33, 36, 40, 45, 42, 38, 36, 35, 34, 33]
    hourly = [(hour - (12 - j) * 3600 + 1800, 0, temps[j]) for j in range(10)]
    with open(os.path.join(state, hist_name(key)), "wb") as f:
        f.write(hist_file(key, node, hourly, by_day(hourly)))
    seeded["nvme-samsung-970evoplus"] = (hourly, "hourly", life, temp)
    return seeded


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

    state = os.path.join(tmp, "state")
    seeded = seed_histories(data, state, int(time.time()))
    log = open(os.path.join(tmp, "agent.log"), "w+")
    agent = subprocess.Popen([BIN, "--replay", data, "--web.listen-address=127.0.0.1:0",
                              f"--state.dir={state}", "--collector.interval=1h"],
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
        # The expected trends: the seeded samples plus this collection's (at the drive's
        # last successful read, its current values from the capture).
        trends = {}
        for stem, (samples, res, life, temp) in seeded.items():
            t_now = int(devs[stem]["last_success_timestamp"])
            check(t_now > samples[-1][0], f"{stem}: collected after the seeded samples")
            lp, tp = trend_points(samples + [(t_now, life, temp)])
            trends[stem] = (res, lp, tp) + trend_words(lp, tp, res)
        # nvme-intel-optane-m10: 61 daily samples, 48 groups; by hand, the first group is
        # sample 0 alone (61 // 48 = 1) and the last ends with this collection (1.00 %).
        check(trends["nvme-intel-optane-m10"][1][0][1] == 40 and
              trends["nvme-intel-optane-m10"][1][-1][1] == 100 and
              len(trends["nvme-intel-optane-m10"][1]) == 48, "hand check of the optane trend")
        for stem, (res, lp, tp, lw, tw) in trends.items():
            tr = devs[stem].get("trend") or {}
            check(tr.get("source") == "history" and tr.get("resolution") == res,
                  f"{stem}: JSON trend {tr.get('source')}/{tr.get('resolution')} vs history/{res}")
            got_l = [(p["t"], round(p["ratio"] * 10000)) for p in tr.get("life_used", [])]
            got_t = [(p["t"], p["celsius"]) for p in tr.get("temperature", [])]
            check(got_l == lp, f"{stem}: JSON life_used {got_l[:3]}... vs {lp[:3]}...")
            check(got_t == tp, f"{stem}: JSON temperature {got_t[:3]}... vs {tp[:3]}...")
            check(all(abs(p["ratio"] * 10000 - round(p["ratio"] * 10000)) < 1e-6
                      for p in tr.get("life_used", [])), f"{stem}: ratios are 1/10000s")
        for name, d in devs.items():
            if name in trends or d.get("status") != "ok":
                continue
            tr = d.get("trend") or {}
            check(tr.get("source") is None and "life_used" not in tr and "temperature" not in tr
                  and tr.get("life_used_unavailable") == "fewer than 2 samples in the history",
                  f"{name}: no history, no trend: {tr}")
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

        for stem, (res, lp, tp, lw, tw) in trends.items():
            page = get(port, f"/device/{stem}")[1].decode()
            well_formed(page.encode(), f"/device/{stem}")
            svgs = re.findall(r'<svg class="spark big( temp)?" viewBox="0 0 3000 800"[^>]*'
                              r'role="img" aria-label="([^"]*)"><title>([^<]*)</title>'
                              r'<polyline points="([^"]*)"/></svg>', page)
            check(len(svgs) == 2, f"/device/{stem}: two large sparklines ({len(svgs)})")
            for (temp, label, title, pts), pts_want, words in zip(svgs, (lp, tp), (lw, tw)):
                words = words.replace("\u00b0", "&deg;")
                check(label == words and title == words, f"/device/{stem}: {label!r} vs {words!r}")
                check(same_points(parse_points(pts), spark_xy(pts_want, 3000, 800)),
                      f"/device/{stem}: points {pts[:60]}... vs {spark_xy(pts_want, 3000, 800)[:2]}")
        # A text browser shows the trend in words (w3m -dump of the landing page).
        w3m = shutil.which("w3m")
        if check(w3m is not None, "w3m installed (test/page/packages)"):
            dump = subprocess.run([w3m, "-dump", "-cols", "400", "-T", "text/html"], input=body,
                                  capture_output=True, timeout=30).stdout.decode()
            for stem, (res, lp, tp, lw, tw) in trends.items():
                check(lw in dump and tw in dump, f"w3m shows {stem}'s trend: {lw!r}, {tw!r}")
            check(dump.count("life used ") == len(trends),
                  f"w3m: trend words only for the drives with history ({dump.count('life used ')})")
        nohist = get(port, "/device/nvme-intel-p4500-worn")[1]
        check(b"<svg" not in nohist and b"trend" not in nohist.split(b"<table>")[0],
              "/device without history: no sparkline")

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
                sparks: [...a.querySelectorAll('svg')].map(g => ({
                    role: g.getAttribute('role'), label: g.getAttribute('aria-label'),
                    title: (g.querySelector('title') || {}).textContent,
                    points: (g.querySelector('polyline') || {getAttribute: () => ''}).getAttribute('points'),
                    vb: g.getAttribute('viewBox'), w: g.getBoundingClientRect().width,
                    h: g.getBoundingClientRect().height, color: getComputedStyle(g).color,
                    text: g.nextElementSibling && g.nextElementSibling.innerText})),
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
            for name, c in by.items():
                if name not in trends:
                    check(c.get("sparks") == [] and "trend" not in c.get("text", ""),
                          f"{width}: {name} has no history and no sparkline")
                    continue
                res, lp, tp, lw, tw = trends[name]
                sp = c.get("sparks", [])
                check(len(sp) == 2, f"{width}: {name}: two sparklines ({len(sp)})")
                for g, pts_want, words in zip(sp, (lp, tp), (lw, tw)):
                    check(g["role"] == "img" and g["label"] == words and g["title"] == words,
                          f"{width}: {name}: role {g['role']}, label {g['label']!r} vs {words!r}")
                    check(g["text"] == words and words in c["text"],
                          f"{width}: {name}: text line {g['text']!r} vs {words!r}")
                    check(g["vb"] == "0 0 1000 240" and same_points(parse_points(g["points"]),
                                                                   spark_xy(pts_want, 1000, 240)),
                          f"{width}: {name}: points {g['points'][:60]}... vs "
                          f"{spark_xy(pts_want, 1000, 240)[:2]}")
                    check(g["w"] > 50 and g["h"] > 10, f"{width}: {name}: drawn {g['w']}x{g['h']}")
            for name in trends:
                r = cdp.eval(f"(r => [r.x, r.y + scrollY, r.width, r.height])(document."
                             f"getElementById('dev-{name}').getBoundingClientRect())")
                shot = cdp.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                                clip=dict(x=r[0], y=r[1], width=r[2], height=r[3], scale=1))
                with open(os.path.join(OUT, f"card-{name}-{width}.png"), "wb") as f:
                    f.write(base64.b64decode(shot["data"]))
            crit = [c for c in cards if c["state"] == "critical"]
            check(len(crit) >= 2, f"demo has critical drives: {len(crit)}")
        # Dark mode: the lines take the page's text colour (life) and warning colour
        # (temperature), which change with the scheme; the card stays readable.
        colours = {}
        for scheme in ("light", "dark"):
            cdp.call("Emulation.setEmulatedMedia",
                     features=[{"name": "prefers-color-scheme", "value": scheme}])
            cdp.call("Page.navigate", url=f"http://127.0.0.1:{port}/")
            time.sleep(0.5)
            colours[scheme] = cdp.eval("""(c => [...c.querySelectorAll('svg')].map(g =>
                getComputedStyle(g).color).concat([getComputedStyle(document.body).color,
                getComputedStyle(c).backgroundColor]))(document.getElementById(
                'dev-nvme-intel-optane-m10'))""")
            r = cdp.eval("(r => [r.x, r.y + scrollY, r.width, r.height])(document."
                         "getElementById('dev-nvme-intel-optane-m10').getBoundingClientRect())")
            shot = cdp.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                            clip=dict(x=r[0], y=r[1], width=r[2], height=r[3], scale=1))
            with open(os.path.join(OUT, f"card-trend-{scheme}.png"), "wb") as f:
                f.write(base64.b64decode(shot["data"]))
        for scheme, (life_c, temp_c, body_c, card_bg) in colours.items():
            check(life_c == body_c and temp_c not in (life_c, card_bg),
                  f"{scheme}: line colours {life_c}, {temp_c} (text {body_c}, card {card_bg})")
        check(colours["light"] != colours["dark"], f"sparklines follow the scheme: {colours}")
        cdp.call("Emulation.setEmulatedMedia", features=[])
        cdp.call("Page.navigate", url=f"http://127.0.0.1:{port}/device/nvme-intel-p4500-worn")
        time.sleep(0.5)
        cdp.call("Emulation.setDeviceMetricsOverride", width=375, height=900,
                 deviceScaleFactor=1, mobile=True)
        shot = cdp.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        with open(os.path.join(OUT, "device-375.png"), "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        cdp.call("Page.navigate", url=f"http://127.0.0.1:{port}/device/nvme-intel-optane-m10")
        time.sleep(0.5)
        sw, iw = cdp.eval("[document.documentElement.scrollWidth, innerWidth]")
        check(sw <= iw, f"375 px /device with trend: no horizontal overflow ({sw} > {iw})")
        n_svg = cdp.eval("document.querySelectorAll('svg[role=img]').length")
        check(n_svg == 2, f"/device/nvme-intel-optane-m10 in the browser: {n_svg} sparklines")
        shot = cdp.call("Page.captureScreenshot", format="png")
        with open(os.path.join(OUT, "device-trend-375.png"), "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        print(f"screenshots in {OUT}: page-1280.png page-375.png device-375.png "
              "device-trend-375.png (viewport), card-<drive>-<width>.png (the cards with a trend)")
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
