#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Regression tests for the review defects of issue #10 that show at the process
boundary: the real ssd-monitor binary on 127.0.0.1 (port 0), replaying a copy of
test/data/http. Each test names the item it covers; each failed before its fix.

Usage: test_defects.py SSD_MONITOR_BINARY DATA_DIR [PROMTOOL]
"""

import json
import os
import re
import shutil
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
