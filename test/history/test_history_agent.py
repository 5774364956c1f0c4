#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""History suite: the real ssd-monitor daemon lives through months of a drive's life
in seconds, and is killed in the middle of writing its history (issue #14).

Usage: test_history_agent.py SSD_MONITOR HIST_STOP_SO DEMO_DIR

The drive is a replay NVMe capture (collectors/replay.c): the Identify Controller page
of test/data/demo/nvme-intel-p4500-worn and a SMART / Health log that this test writes
itself, field by field in the NVMe Base Specification's layout, before every collection.

The clock: libfaketime (Debian package faketime) with a frozen wall clock read from a
file the test rewrites (FAKETIME_TIMESTAMP_FILE, FAKETIME_NO_CACHE=1), so every sample
the agent takes has exactly the time the test chose; CLOCK_MONOTONIC is left alone
(FAKETIME_DONT_FAKE_MONOTONIC=1), so the poller's schedule, the HTTP timeouts and the
writer thread's waits run in real time. The collection interval is an hour of real
time: collections happen only when the test sends SIGUSR1 ("collect now"), one at a
time, each after the capture and the clock were changed.

Expected values come from docs/health.md's rules applied by hand (reference_forecast()
below) to the values this test wrote, and at some points from numbers worked out in
the comments; never from the agent's output.

Crash safety: hist_stop.so (LD_PRELOAD, next to libfaketime) stops the process inside
the write(2) of the history's temp file, half written (or just before its rename); the
test kills it with SIGKILL there and restarts it on the same --state.dir. (The shim stops a
write to the history file itself too, so an agent that wrote in place would be caught.)
"""

import glob
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request
import zlib

BIN, SHIM, DEMO = sys.argv[1], sys.argv[2], sys.argv[3]
IDCTRL = os.path.join(DEMO, "nvme-intel-p4500-worn.id-ctrl")
DEV = "nvme-sim"  # the replay device name: the capture's stem
DAY = 86400
T0 = 1798804800  # 2027-01-01 12:00:00 UTC, day 0 of the drive's life in this test
UNIT = 512000  # NVMe data unit: 1000 x 512 bytes

passed = failed = 0


def check(cond, what, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok - %s" % what, flush=True)
    else:
        failed += 1
        print("not ok - %s%s" % (what, (": " + str(detail)) if detail != "" else ""), flush=True)
    return bool(cond)


def eq(got, want, what):
    return check(got == want, "%s == %r" % (what, want), "got %r" % (got,))


def near(got, want, what, rel=1e-9):
    good = (got is None and want is None) or (
        got is not None and want is not None and abs(got - want) <= rel * max(1.0, abs(want)))
    return check(good, "%s == %r" % (what, want), "got %r" % (got,))


# ----------------------------------------------------------------------------
# the drive: a SMART / Health log page (NVMe Base Spec 2.0, Figure 207)


def smart_log(cw=0, temp_k=308, spare=100, spare_thresh=10, used=0, units_written=0,
              power_on_hours=0, media_errors=0):
    b = bytearray(512)
    b[0] = cw
    b[1:3] = temp_k.to_bytes(2, "little")
    b[3], b[4], b[5] = spare, spare_thresh, min(used, 255)
    b[48:64] = units_written.to_bytes(16, "little")  # Data Units Written
    b[128:144] = power_on_hours.to_bytes(16, "little")  # Power On Hours
    b[160:176] = media_errors.to_bytes(16, "little")  # Media and Data Integrity Errors
    return bytes(b)


def tnvmcap():
    """Identify Controller bytes 295:280, Total NVM Capacity."""
    with open(IDCTRL, "rb") as f:
        return int.from_bytes(f.read()[280:296], "little")


ATA_BLOB = os.path.join(DEMO, "Samsung_SSD_860_EVO_500GB--RVT02B6Q")


def ata_blob(raw):
    """The demo SATA SSD's skdump blob (records: 4-byte tag, 4-byte big-endian length,
    payload) with SMART READ DATA attribute raw values replaced: raw = {id: value}.
    The attribute table (ATA/ATAPI SMART, as smartmontools reads it): 30 entries of 12
    bytes from byte 2, id, flags (2), value, worst, raw (6, little-endian), reserved;
    byte 511 makes the sector sum to 0 mod 256."""
    with open(ATA_BLOB, "rb") as f:
        b = bytearray(f.read())
    i = 0
    while i < len(b):
        tag, n = bytes(b[i:i + 4]), int.from_bytes(b[i + 4:i + 8], "big")
        if tag == b"SMDT":
            d = i + 8
            for k in range(30):
                e = d + 2 + 12 * k
                if b[e] in raw:
                    b[e + 5:e + 11] = raw[b[e]].to_bytes(6, "little")
            b[d + 511] = (-sum(b[d:d + 511])) % 256
        i += 8 + n
    return bytes(b)


class Drive:
    """What the test makes the drive report on each simulated day."""

    def __init__(self):
        self.units = 100000000  # 51.2 TB written before day 0
        self.poh = 10000  # power-on hours at day 0
        self.used = 80  # Percentage Used
        self.media = 0

    def page(self):
        return smart_log(used=self.used, units_written=self.units, power_on_hours=self.poh,
                         media_errors=self.media)


# ----------------------------------------------------------------------------
# docs/health.md by hand, over the samples the agent should hold: one per UTC hour with
# a collection, the values of that hour's last collection (none of these runs has more
# than 336 hours, so no sample falls off).


def grew(samples, i):
    """docs/health.md "growing": field i of the newest sample is above its lowest value
    among the samples of the last 30 days."""
    t_now = samples[-1][0]
    return int(samples[-1][i] > min(s[i] for s in samples if s[0] >= t_now - 30 * DAY))


def reference_forecast(samples, capacity):
    """samples: [(t, used %, bytes written, power-on s, media errors)], oldest first."""
    r = {"life_recent": None, "life_lifetime": None, "written_recent": None,
         "written_lifetime": None}
    t_now, used_now, w_now, poh_now, _m = samples[-1]
    # recent endurance: a sample whose Percentage Used is above its predecessor's marks a
    # change; from the oldest change within 30 days (or the one before the newest) to the
    # newest, capped at one step over the time since the newest change
    edges = [i for i in range(1, len(samples)) if samples[i][1] > samples[i - 1][1]]
    if len(edges) >= 2:
        newest = edges[-1]
        inwin = [i for i in edges if samples[i][0] >= t_now - 30 * DAY]
        first = inwin[0] if inwin and inwin[0] != newest else edges[-2]
        rate = (samples[newest][1] - samples[first][1]) / 100.0 / (
            (samples[newest][0] - samples[first][0]) / DAY)
        step = (samples[newest][1] - samples[newest - 1][1]) / 100.0
        since = (t_now - samples[newest][0]) / DAY
        if since > 0 and step / since < rate:
            rate = step / since
        r["life_recent"] = rate
    # recent writes: from the oldest sample within 7 days to the newest, at least a day
    old = next(s for s in samples if s[0] >= t_now - 7 * DAY)
    if t_now - old[0] >= DAY:
        r["written_recent"] = (w_now - old[2]) / ((t_now - old[0]) / DAY)
    if poh_now >= DAY:
        r["life_lifetime"] = used_now / 100.0 / (poh_now / DAY)
        r["written_lifetime"] = w_now / (poh_now / DAY)
    for m in ("recent", "lifetime"):
        rate = r["life_" + m]
        r["days_left_" + m] = (0.0 if rate is not None and used_now >= 100 else
                               (1 - used_now / 100.0) / rate if rate else None)
        w = r["written_" + m]
        r["dwpd_" + m] = w / capacity if w is not None else None
    best = "recent" if r["life_recent"] is not None else "lifetime" if r["life_lifetime"] is not None else None
    r["method"] = best
    # reasons that depend on the history (the others are fixed by the page: see below)
    r["media_errors_growing"] = grew(samples, 4)
    r["endurance_days_left_under_30"] = (None if best is None else
                                         int(r["days_left_" + best] is not None and r["days_left_" + best] < 30))
    r["endurance_over_90"] = int(used_now >= 90)
    return r


# ----------------------------------------------------------------------------
# the agent


FAKETIME_LIB = (glob.glob("/usr/lib/*/faketime/libfaketimeMT.so.1") or [None])[0]


class Agent:
    def __init__(self, replay, state, clock, stop=None, arm=None):
        self.log_path = tempfile.mktemp(prefix="sm-hist-", suffix=".log")
        env = dict(os.environ)
        env.update({"LD_PRELOAD": FAKETIME_LIB + ":" + SHIM, "FAKETIME_TIMESTAMP_FILE": clock,
                    "FAKETIME_NO_CACHE": "1", "FAKETIME_DONT_FAKE_MONOTONIC": "1", "TZ": "UTC"})
        if stop:
            env.update({"SM_HIST_STOP": stop, "SM_HIST_STOP_ARM": arm})
        self.logf = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [BIN, "--replay", replay, "--state.dir=" + state, "--web.listen-address=127.0.0.1:0",
             "--collector.interval=1h", "--log.level=debug"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.logf, env=env)
        m = self.wait_log(r"listening on \S+ \(port (\d+)\)")
        if not m:
            raise RuntimeError("agent did not report its port:\n" + self.text())
        self.port = int(m.group(1))
        # the first collection starts by itself
        if not self.wait(lambda: (self.metric("ssdmon_collections_total") or 0) >= 1):
            raise RuntimeError("no first collection:\n" + self.text())

    def text(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def wait_log(self, pattern, timeout=15):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            m = re.search(pattern, self.text())
            if m or self.proc.poll() is not None:
                return m
            time.sleep(0.02)
        return None

    def wait(self, fn, timeout=15):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                if fn():
                    return True
            except OSError:
                pass
            if self.proc.poll() is not None:
                return False
            time.sleep(0.01)
        return False

    def get(self, path):
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (self.port, path), timeout=10) as r:
            return r.read().decode()

    def metrics(self):
        out = {}
        for line in self.get("/metrics").splitlines():
            if line.startswith("#") or not line.strip():
                continue
            m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$', line)
            if m:
                labels = tuple(sorted(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(2) or "")))
                out[(m.group(1), labels)] = float(m.group(3))
        return out

    def metric(self, name, **labels):
        """The value of the one series of name whose labels include these."""
        want = set(labels.items())
        got = [v for (n, ls), v in self.metrics().items() if n == name and want <= set(ls)]
        return got[0] if len(got) == 1 else None

    def device(self):
        return json.loads(self.get("/api/v1/devices/" + DEV))

    def collect(self):
        """One collection, started now, finished and published."""
        n = self.metric("ssdmon_collections_total")
        self.proc.send_signal(signal.SIGUSR1)
        if not self.wait(lambda: self.metric("ssdmon_collections_total") >= n + 1):
            raise RuntimeError("SIGUSR1 collection did not finish:\n" + self.text()[-2000:])

    def state(self):
        with open("/proc/%d/stat" % self.proc.pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0]

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = ("killed", self.proc.wait())
        self.logf.close()
        return rc


def set_clock(path, t):
    with open(path + ".new", "w") as f:
        f.write(time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t)) + "\n")
    os.replace(path + ".new", path)


def write_capture(replay, page):
    p = os.path.join(replay, DEV + ".smart-log")
    with open(p + ".new", "wb") as f:
        f.write(page)
    os.replace(p + ".new", p)


# ----------------------------------------------------------------------------
# the history file, read by docs/health.md's format (agent/history.h)


def read_hist(path):
    with open(path, "rb") as f:
        b = f.read()
    r = {"size": len(b), "magic": b[:8], "crc_ok": zlib.crc32(b[:-4]) == struct.unpack("<I", b[-4:])[0]}
    r["version"], r["rec"], r["cap_h"], r["cap_d"], r["n_h"], r["n_d"], r["created"] = struct.unpack(
        "<IIHHHHq", b[8:32])
    r["key"] = b[96:224].rstrip(b"\0").decode()
    r["hourly_t"] = [struct.unpack("<q", b[224 + 40 * i:232 + 40 * i])[0] for i in range(r["n_h"])]
    return r


def hist_name(key):
    safe = "".join(ch if (ch.isascii() and (ch.isalnum() or ch in "._-")) else "_" for ch in key)[:80]
    if safe.startswith("."):
        safe = "_" + safe[1:]
    return "%s-%08x.hist" % (safe, zlib.crc32(key.encode()))


# ----------------------------------------------------------------------------


def check_served(a, samples, capacity, what):
    """Everything the forecast and the history serve, against the reference."""
    want = reference_forecast(samples, capacity)
    m = a.metrics()
    dev = a.device()
    fc, hist, verdict = dev.get("forecast") or {}, dev.get("history") or {}, dev.get("verdict") or {}

    def prom(name, method):
        return m.get((name, (("device", DEV), ("method", method))))

    for meth in ("recent", "lifetime"):
        near(prom("ssdmon_endurance_used_per_day_ratio", meth), want["life_" + meth],
             "%s: ssdmon_endurance_used_per_day_ratio{method=%s}" % (what, meth))
        near(fc.get("endurance_used_per_day_" + meth), want["life_" + meth],
             "%s: JSON forecast.endurance_used_per_day_%s" % (what, meth))
        dl = want["days_left_" + meth]
        near(prom("ssdmon_endurance_remaining_seconds", meth), None if dl is None else dl * DAY,
             "%s: ssdmon_endurance_remaining_seconds{method=%s}" % (what, meth))
        near(fc.get("endurance_days_left_" + meth), dl, "%s: JSON forecast.endurance_days_left_%s" % (what, meth))
        near(prom("ssdmon_host_written_bytes_per_day", meth), want["written_" + meth],
             "%s: ssdmon_host_written_bytes_per_day{method=%s}" % (what, meth))
        near(fc.get("host_written_bytes_per_day_" + meth), want["written_" + meth],
             "%s: JSON forecast.host_written_bytes_per_day_%s" % (what, meth))
        near(prom("ssdmon_drive_writes_per_day", meth), want["dwpd_" + meth],
             "%s: ssdmon_drive_writes_per_day{method=%s}" % (what, meth))
    eq(fc.get("method"), want["method"], "%s: JSON forecast.method" % what)
    eq(m.get(("ssdmon_history_samples", (("device", DEV),))), len(samples), "%s: ssdmon_history_samples" % what)
    eq(hist.get("samples"), len(samples), "%s: JSON history.samples" % what)
    eq(hist.get("span_seconds"), samples[-1][0] - samples[0][0], "%s: JSON history.span_seconds" % what)
    eq(hist.get("persisted"), True, "%s: JSON history.persisted" % what)
    reasons = {r["reason"]: int(r["risk"]) for r in verdict.get("reasons", [])}
    for k in ("media_errors_growing", "endurance_days_left_under_30", "endurance_over_90"):
        eq(reasons.get(k), want[k], "%s: JSON verdict reason %s" % (what, k))
        eq(m.get(("ssdmon_health_risk", (("device", DEV), ("reason", k)))), want[k],
           "%s: ssdmon_health_risk{reason=%s}" % (what, k))
    sev = {"media_errors_growing": "warning", "endurance_days_left_under_30": "warning",
           "endurance_over_90": "warning"}
    # the page's other reasons are all clear here (no warning bit, spare 100 % > 10 % + 10,
    # 35 C, used < 100 %), so the state is warning exactly when one of these is set
    state = "warning" if any(want[k] for k in sev) else "ok"
    eq(verdict.get("state"), state, "%s: JSON verdict.state" % what)
    return want


def live(a, replay, clock, drive, samples, t, capacity, what=None, check_all=True):
    """Day t: the drive reports its page, the clock says t, one collection."""
    write_capture(replay, drive.page())
    set_clock(clock, t)
    a.collect()
    s = (t, drive.used, drive.units * UNIT, drive.poh * 3600, drive.media)
    if samples and samples[-1][0] // 3600 == t // 3600:
        samples[-1] = s  # the same hour: the sample holds the hour's last collection
    else:
        samples.append(s)
    if check_all:
        return check_served(a, samples, capacity, what or "day %g" % ((t - T0) / DAY))
    return None


def bad_log_lines(text):
    """Anything a restart after a crash must not say: warnings, errors, a history
    declared unusable, restarted or reset."""
    return [l for l in text.splitlines()
            if l.startswith(("warning", "error")) or re.search(
                r"unusable|starts over|new history|checksum|truncated|Sanitizer|runtime error", l)]


def main():
    if not FAKETIME_LIB:
        print("SKIP: libfaketime not installed (Debian package faketime, test/history/packages)")
        return 77
    work = tempfile.mkdtemp(prefix="sm-history-")
    agents = []
    try:
        run(work, agents)
        run_ata(work, agents)
    except Exception as e:  # noqa: BLE001 - report and count
        check(False, "test ran to the end", "%s: %s" % (type(e).__name__, e))
        traceback.print_exc(file=sys.stdout)
    finally:
        for a in agents:
            if a.proc.poll() is None:
                a.proc.kill()
                a.proc.wait()
        if failed:
            for a in agents[-2:]:
                print("# --- agent log\n# " + a.text()[-3000:].replace("\n", "\n# "))
        for a in agents:
            if os.path.exists(a.log_path):
                os.unlink(a.log_path)
        shutil.rmtree(work, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


def run(work, agents):
    replay, state, clock = (os.path.join(work, d) for d in ("replay", "state", "clock"))
    os.mkdir(replay)
    arm = os.path.join(work, "arm")
    shutil.copyfile(IDCTRL, os.path.join(replay, DEV + ".id-ctrl"))
    drive = Drive()
    capacity = tnvmcap()
    samples = []
    write_capture(replay, drive.page())
    set_clock(clock, T0)

    a = Agent(replay, state, clock, stop="write", arm=arm)
    agents.append(a)
    eq(a.metric("ssdmon_device_capacity_bytes", device=DEV), capacity,
       "capacity = Identify Controller TNVMCAP")
    samples.append((T0, drive.used, drive.units * UNIT, drive.poh * 3600, drive.media))
    w = check_served(a, samples, capacity, "day 0, first collection")
    eq(w["written_recent"], None, "(reference: a single sample has no recent rate)")

    # Two collections in the same hour are one sample: the later one's values.
    drive.units += 1000
    live(a, replay, clock, drive, samples, T0 + 1800, capacity, "day 0 + 30 min (same hour)")
    eq(len(samples), 1, "(reference: still one sample)")

    # Days 1..14: 200 GB a day (390625 data units), 24 power-on hours a day, 1 % of the
    # rated endurance every 5 days.
    for d in range(1, 15):
        drive.units += 390625
        drive.poh += 24
        if d % 5 == 0:
            drive.used += 1
        live(a, replay, clock, drive, samples, T0 + d * DAY, capacity, check_all=d in (1, 7, 10, 14))
    # Worked by hand at day 14: writes over the 7 days since day 7 = 7 x 200 GB -> 200e9 a
    # day; endurance: changes on days 5 and 10 (81, 82 %): 1 % in 5 days = 0.002 a day,
    # capped at 1 % over the 4 days since day 10 = 0.0025 -> stays 0.002; days left
    # (1 - 0.82) / 0.002 = 90.
    near(a.device()["forecast"]["host_written_bytes_per_day_recent"], 200e9, "day 14 by hand: 200 GB/day")
    near(a.device()["forecast"]["endurance_used_per_day_recent"], 0.002, "day 14 by hand: 0.2 %/day")
    near(a.device()["forecast"]["endurance_days_left_recent"], 90.0, "day 14 by hand: 90 days left")

    # Days 15..44: 600 GB a day, and faster wear: 1 % every 2 days.
    for d in range(15, 45):
        drive.units += 1171875
        drive.poh += 24
        if d % 2 == 0:
            drive.used += 1
        live(a, replay, clock, drive, samples, T0 + d * DAY, capacity, check_all=d in (15, 18, 21, 30, 44))
    # By hand, day 44: the 7 days since day 37 hold 7 x 600 GB -> 600 GB a day (on day 18
    # the window from day 11 still holds 3 days at 200 GB). Changes within 30 days
    # from day 16 (83 %) to day 44 (97 %): 14 % in 28 days = 0.005 a day; days left
    # (1 - 0.97) / 0.005 = 6 -> under 30.
    fc = a.device()["forecast"]
    near(fc["host_written_bytes_per_day_recent"], 600e9, "day 44 by hand: 600 GB/day")
    near(fc["endurance_used_per_day_recent"], 0.005, "day 44 by hand: 0.5 %/day")
    near(fc["endurance_days_left_recent"], 6.0, "day 44 by hand: 6 days left")
    eq(a.metric("ssdmon_health_risk", device=DEV, reason="endurance_days_left_under_30"), 1,
       "day 44 by hand: endurance_days_left_under_30")

    # Day 45: a media error, 2 h later a second one; growth is against the lowest count
    # within the last 30 days of history.
    drive.poh += 24
    drive.media = 1
    live(a, replay, clock, drive, samples, T0 + 45 * DAY, capacity)
    drive.poh += 2
    drive.media = 2
    live(a, replay, clock, drive, samples, T0 + 45 * DAY + 2 * 3600, capacity, "day 45, 2 h later")
    # Then the wear stops: no change of Percentage Used and no writes for 51 days; the
    # errors stay at 2.
    for d in (50, 60, 75, 76, 95):
        drive.poh = 10000 + 24 * d
        live(a, replay, clock, drive, samples, T0 + d * DAY, capacity)
        if d == 75:  # by hand: day 45 12:00 (1 error) is exactly 30 days old: inside
            eq(a.metric("ssdmon_health_risk", device=DEV, reason="media_errors_growing"), 1,
               "day 75 by hand: media_errors_growing (day 45's first sample is 30 days old)")
        if d == 76:
            eq(a.metric("ssdmon_health_risk", device=DEV, reason="media_errors_growing"), 0,
               "day 76 by hand: media errors did not grow within 30 days")
    # By hand, day 95: the newest change is day 44 (97 %, a 1 % step), 51 days ago, so the
    # rate is capped at 0.01 / 51 a day: days left 0.03 / (0.01 / 51) = 153.
    near(a.device()["forecast"]["endurance_days_left_recent"], 153.0, "day 95 by hand: 153 days left")
    eq(a.metric("ssdmon_health_risk", device=DEV, reason="endurance_days_left_under_30"), 0,
       "day 95 by hand: not under 30 days any more")

    # SIGTERM: the writer finishes; the file has every sample, in the documented format,
    # named after the drive's key.
    eq(a.stop(), 0, "agent exits 0 on SIGTERM")
    files = sorted(os.listdir(state))
    key = "ms:INTEL SSDPE2KX020T7:REDACTED"  # Identify Controller MN and SN, no WWN
    eq(files, [hist_name(key)], "state dir: one file, named by docs/health.md's rule")
    h = read_hist(os.path.join(state, files[0]))
    eq((h["magic"], h["version"], h["key"], h["crc_ok"]), (b"SSDMHIST", 1, key, True),
       "history file: magic, version, key, CRC-32")
    eq(h["hourly_t"], [s[0] for s in samples], "history file: one hourly sample per hour, at the times the clock said")
    eq(h["size"], 224 + 40 * (h["n_h"] + h["n_d"]) + 4, "history file: size from its counts")

    # Restart on the same state dir: the history goes on.
    a = Agent(replay, state, clock)
    agents.append(a)
    eq(bad_log_lines(a.text()), [], "restart after SIGTERM: nothing alarming in the log")
    check_served(a, samples, capacity, "restart, same hour")  # the first collection merged into day 95
    drive.poh += 24
    drive.units += 390625
    live(a, replay, clock, drive, samples, T0 + 96 * DAY, capacity, "restart, day 96")
    eq(a.stop(), 0, "agent exits 0 on SIGTERM")

    # kill -9 inside the write(2) of the temp file (half of it written), then just before
    # its rename (complete): each time the file stays the last good one.
    for mode, day in (("write", 97), ("rename", 98)):
        a = Agent(replay, state, clock, stop=mode, arm=arm)
        agents.append(a)
        check_served(a, samples, capacity, "%s: armed agent, same hour" % mode)
        before = read_hist(os.path.join(state, files[0]))
        with open(arm, "w"):
            pass
        last_page, last_t = drive.page(), samples[-1][0]
        drive.poh += 24
        drive.units += 390625
        drive.used += 1
        write_capture(replay, drive.page())
        set_clock(clock, T0 + day * DAY)
        a.proc.send_signal(signal.SIGUSR1)
        stopped = a.wait(lambda: a.state() == "T", 15)
        tmp = [f for f in os.listdir(state) if f.endswith(".tmp")]
        if not check(stopped, "%s: agent stopped in the history write" % mode, "state %s" % a.state()):
            return
        if check(len(tmp) == 1, "%s: it writes a temp file" % mode, repr(os.listdir(state))):
            size = os.path.getsize(os.path.join(state, tmp[0]))
            full = 224 + 40 * (before["n_h"] + 1 + before["n_d"] + 1) + 4  # one new hourly and daily sample
            eq(size, full // 2 if mode == "write" else full,
               "%s: the temp file is %s" % (mode, "half written" if mode == "write" else "complete, not renamed"))
        a.proc.kill()
        a.proc.wait()
        a.logf.close()
        os.unlink(arm)
        h = read_hist(os.path.join(state, files[0]))
        eq((h["crc_ok"], h["hourly_t"]), (True, [s[0] for s in samples]),
           "%s: after kill -9 the file is the last good one (%d samples, up to day %d)"
           % (mode, len(samples), (samples[-1][0] - T0) // DAY))
        # Restart with the drive and the clock as at the last good sample, so the first
        # collection merges into it and writes nothing yet: the temp file is gone, the
        # history is the file's.
        write_capture(replay, last_page)
        set_clock(clock, last_t)
        a = Agent(replay, state, clock)
        agents.append(a)
        eq(sorted(os.listdir(state)), files, "%s: restart: no temp file left" % mode)
        eq(re.findall(r"removed (\d+) unfinished temp file", a.text()), ["1"],
           "%s: restart says it removed 1 unfinished temp file" % mode)
        eq(bad_log_lines(a.text()), [], "%s: restart: nothing misleading in the log" % mode)
        check_served(a, samples, capacity, "%s: restart after kill -9, the last good history" % mode)
        # and the day that was lost is taken again
        live(a, replay, clock, drive, samples, T0 + day * DAY, capacity,
             "%s: restart after kill -9, day %d again" % (mode, day))
        eq(a.stop(), 0, "agent exits 0 on SIGTERM")
        eq(bad_log_lines(a.text()), [], "%s: restarted agent: nothing alarming in its log" % mode)


def run_ata(work, agents):
    """A SATA SSD (the demo blob, attributes rewritten): reallocated sectors (5) and
    reported uncorrectable errors (187) grow, the reasons follow the 30-day rule, and a
    restart keeps what the history knows."""
    replay, state, clock = (os.path.join(work, "ata-" + d) for d in ("replay", "state", "clock"))
    os.mkdir(replay)
    dev = "ata-sim"
    realloc = unc = 0
    samples = []  # (t, reallocated, uncorrectable)

    def day(d):
        t = T0 + d * DAY
        with open(os.path.join(replay, dev + ".new"), "wb") as f:
            f.write(ata_blob({5: realloc, 187: unc}))
        os.replace(os.path.join(replay, dev + ".new"), os.path.join(replay, dev))
        set_clock(clock, t)
        if a is None:
            return t
        a.collect()
        samples.append((t, realloc, unc))
        return t

    def reasons(what):
        got = (a.metric("ssdmon_health_risk", device=dev, reason="reallocations_growing"),
               a.metric("ssdmon_health_risk", device=dev, reason="media_errors_growing"))
        want = (grew(samples, 1), grew(samples, 2))
        eq(got, want, "ATA %s: ssdmon_health_risk{reason=reallocations_growing, media_errors_growing}" % what)
        eq(a.metric("ssdmon_ata_attribute_raw", device=dev, id="5"), realloc, "(ATA %s: attribute 5 raw as written)" % what)
        eq(a.metric("ssdmon_history_samples", device=dev), len(samples), "ATA %s: ssdmon_history_samples" % what)
        return got

    a = None
    day(0)
    a = Agent(replay, state, clock)
    agents.append(a)
    samples.append((T0, realloc, unc))
    reasons("day 0")
    for d in range(1, 42):
        if d == 4:
            realloc = 8
        if d == 10:
            unc = 1
        day(d)
        if d in (3, 4, 10, 20, 33, 34, 39, 40):
            got = reasons("day %d" % d)
            # by hand: reallocations grew on day 4, uncorrectable errors on day 10; each is
            # "growing" while the sample before the change (day 3, day 9) is within 30 days
            eq(got, (int(4 <= d <= 33), int(10 <= d <= 39)), "ATA day %d by hand" % d)
        if d == 20:
            eq(a.stop(), 0, "ATA agent exits 0 on SIGTERM")
            a = Agent(replay, state, clock)  # the first collection merges into day 20
            agents.append(a)
            eq(reasons("day 20 after a restart"), (1, 1), "ATA day 20 after a restart: still growing (history kept)")
            eq(bad_log_lines(a.text()), [], "ATA restart: nothing alarming in the log")
    eq(a.stop(), 0, "ATA agent exits 0 on SIGTERM")


if __name__ == "__main__":
    sys.exit(main())
