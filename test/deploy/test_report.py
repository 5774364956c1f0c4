#!/usr/bin/env python3
"""Suite 'deploy': `ssd-monitor report [--json]` end to end through the binary.

The reference is the JSON API of a running agent (`serve --replay`) on the same
replay data, and `ssd-monitor check` for the exit code: every monitored drive of
the API (class ssd) is in the report, with the API's verdict state, endurance
used (one of the drive's endurance_used_ratio readings) and temperature
(health.temperature_celsius); the report's exit code is check's. Then: the text
has no ANSI escapes when stdout is not a terminal, has them under a pty and not
with NO_COLOR; a drive whose NVMe model string holds control characters (an
identify controller capture edited here) does not break the table.
"""
import json
import os
import pty
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

SRC = os.environ["SM_SOURCE_ROOT"]
BUILD = os.environ["SM_BUILD_ROOT"]
BIN = os.path.join(BUILD, "ssd-monitor")
DEMO = os.path.join(SRC, "test", "data", "demo")
WORK = os.path.join(BUILD, "deploy-report")

passed = failed = 0


def ok(name, cond, why=""):
    global passed, failed
    if cond:
        passed += 1
        print(f"ok - {name}")
    else:
        failed += 1
        print(f"not ok - {name}{': ' + str(why) if why else ''}")


def run(*args, env=None):
    e = dict(os.environ)
    e.pop("NO_COLOR", None)
    e.update(env or {})
    return subprocess.run([BIN, *args], capture_output=True, env=e, timeout=60)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api_devices(replay):
    port = free_port()
    p = subprocess.Popen([BIN, f"--replay={replay}", f"--web.listen-address=127.0.0.1:{port}",
                          "--no-drop-privileges", "--log.level=warn"])
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/devices", timeout=5) as r:
            return json.load(r)["devices"]
    finally:
        p.terminate()
        p.wait(timeout=10)


def values_of(obj, key):
    """Every value of `key` anywhere in obj."""
    out = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == key:
                out.append(v)
            out += values_of(v, key)
    elif isinstance(obj, list):
        for v in obj:
            out += values_of(v, key)
    return out


def table_rows(text):
    """The data rows: the lines after the header up to the first blank line."""
    lines = text.split("\n")
    assert lines[0].startswith("DEVICE"), lines[0]
    rows = []
    for line in lines[1:]:
        if not line:
            break
        rows.append(line)
    return rows


def under_pty(args, env_extra):
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    env.update(env_extra)
    master, slave = pty.openpty()
    p = subprocess.Popen([BIN, *args], stdout=slave, stderr=subprocess.DEVNULL, env=env)
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the pty
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    return p.wait(timeout=60), out


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    demo = f"--replay={DEMO}"

    api = api_devices(DEMO)
    ssds = {d["device"]: d for d in api if d["class"] == "ssd"}
    ok("reference: the API lists SSDs of the demo data", len(ssds) >= 10, len(ssds))

    rj = run("report", "--json", demo)
    try:
        rep = json.loads(rj.stdout)
        ok("--json parses", True)
    except ValueError as e:
        ok("--json parses", False, e)
        return
    drives = {d["device"]: d for d in rep["devices"]}
    ok("--json: every SSD of the API is reported, nothing else",
       set(drives) == set(ssds), set(drives) ^ set(ssds))
    for name, a in sorted(ssds.items()):
        r = drives.get(name)
        if r is None:
            continue
        want_state = (a.get("verdict") or {}).get("state")
        ok(f"{name}: state {want_state}", r["state"] == want_state, r["state"])
        lives = [v for v in values_of(a, "endurance_used_ratio") if v is not None]
        if lives:
            ok(f"{name}: life used one of {lives}",
               r["life_used_ratio"] is not None and
               any(abs(r["life_used_ratio"] - v) < 1e-9 for v in lives), r["life_used_ratio"])
        else:
            ok(f"{name}: no life used", r["life_used_ratio"] is None, r["life_used_ratio"])
        t = (a.get("health") or {}).get("temperature_celsius")
        ok(f"{name}: temperature {t}", r["temperature_celsius"] == t, r["temperature_celsius"])
        ok(f"{name}: model and serial", (r["model"], r["serial"]) == (a["model"], a["serial"]))

    check = run("check", demo)
    ok("reference: check on the demo data says PROBLEM (exit 1)", check.returncode == 1,
       check.returncode)
    ok("--json exit code is check's", rj.returncode == check.returncode, rj.returncode)
    ok("--json exit_code and message are check's",
       rep["exit_code"] == check.returncode and
       rep["message"] == check.stdout.decode().strip(), (rep["exit_code"], rep["message"]))

    rt = run("report", demo)
    text = rt.stdout.decode()
    ok("text exit code is check's", rt.returncode == check.returncode, rt.returncode)
    ok("text: no ANSI escapes when stdout is not a terminal", "\x1b" not in text)
    rows = table_rows(text)
    ok("text: one row per drive", len(rows) == len(ssds), len(rows))
    by_name = {row.split()[0]: row for row in rows}
    ok("text: every SSD of the API has its row", set(by_name) == set(ssds), set(by_name) ^ set(ssds))
    for name, a in sorted(ssds.items()):
        row = by_name.get(name, "")
        want_state = (a.get("verdict") or {}).get("state")
        t = (a.get("health") or {}).get("temperature_celsius")
        ok(f"text {name}: state and temperature",
           f"  {want_state}  " in row and (t is None or re.search(rf"\b{t:.0f} C\b", row)), row)
    summary_line = [l for l in text.split("\n") if re.match(r"^\d+ drives?", l)]
    ok("text: drive count line", summary_line and summary_line[0].startswith(f"{len(ssds)} drives"),
       summary_line)

    rc, out = under_pty(["report", demo], {})
    ok("pty: ANSI colour escapes on a terminal", b"\x1b[" in out and rc == check.returncode, rc)
    rc, out = under_pty(["report", demo], {"NO_COLOR": "1"})
    ok("pty + NO_COLOR: no escapes", b"\x1b" not in out and rc == check.returncode, out[:80])

    # A hostile model string: escape, newline, tab, backslash, bell, a '|' and a
    # non-ASCII byte in the identify controller's model number (bytes 24..63).
    hostile = os.path.join(WORK, "hostile")
    os.makedirs(hostile)
    for ext in ("id-ctrl", "smart-log"):
        shutil.copy(os.path.join(DEMO, f"nvme-qemu.{ext}"), os.path.join(hostile, f"nvme-evil.{ext}"))
    shutil.copy(os.path.join(DEMO, "nvme-samsung-970evoplus.id-ctrl"), hostile)
    shutil.copy(os.path.join(DEMO, "nvme-samsung-970evoplus.smart-log"), hostile)
    idc = bytearray(open(os.path.join(hostile, "nvme-evil.id-ctrl"), "rb").read())
    model = b"EVIL\x1b[31mRED\n|x\t\\\x07\xff"
    idc[24:64] = model.ljust(40, b" ")
    open(os.path.join(hostile, "nvme-evil.id-ctrl"), "wb").write(bytes(idc))
    rt = run("report", f"--replay={hostile}")
    text = rt.stdout.decode("utf-8", "strict")
    rows = table_rows(text)
    ok("hostile model: still one row per drive", len(rows) == 2, rows)
    ok("hostile model: no control characters in the table",
       not any(ord(c) < 0x20 and c != "\n" or ord(c) == 0x7f for c in text), repr(text[:300]))
    evil = [r for r in rows if r.startswith("nvme-evil")]
    ok("hostile model: the row is there, its model shown escaped",
       evil and "EVIL" in evil[0], evil)
    hdr = text.split("\n")[0]
    ok("hostile model: STATE column lines up",
       all(r[hdr.index("STATE"):].split()[0] in ("ok", "warning", "critical", "unknown") for r in rows),
       rows)
    rj = run("report", "--json", f"--replay={hostile}")
    try:
        hj = json.loads(rj.stdout.decode("utf-8", "strict"))
        m = [d["model"] for d in hj["devices"] if d["device"] == "nvme-evil"]
        ok("hostile model: --json parses and keeps the drive", len(m) == 1, hj)
    except ValueError as e:
        ok("hostile model: --json parses and keeps the drive", False, e)

    r = run("check", "--json", demo)
    ok("--json outside report is a usage error (exit 2)", r.returncode == 2, r.returncode)
    r = run("report", "--replay=" + os.path.join(WORK, "nothing"))
    ok("report on an empty/missing replay dir: exit as check's",
       r.returncode == run("check", "--replay=" + os.path.join(WORK, "nothing")).returncode,
       r.returncode)


if __name__ == "__main__":
    main()
    print(f"# passed {passed}, failed {failed}")
    sys.exit(1 if failed else 0)
