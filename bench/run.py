#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run every ssd-monitor benchmark and print one report (see bench/README.md).

usage: run.py BENCH_SCRAPE SSD_MONITOR SOURCE_ROOT [--requests N] [--nginx-only]
              [--rounds R] [--variant LABEL=SSD_MONITOR]...

1. bench-scrape: scrape cost (server CPU, latency, bytes) for 1/10/100/1000
   devices served by the real HTTP server, render cost per snapshot, RSS.
2. The real daemon replaying the demo captures plus one NVMe "drive" that never
   answers (a FIFO): scrape latency and daemon CPU per scrape while the
   collection is stuck on it, after it, and while collections run back to back.
3. Plain and gzip scrapes of the real daemon (and of --variant builds) against nginx
   (sendfile, gzip_static) serving byte-identical copies of its bodies: server CPU per
   request, as ratios paired within each round (--rounds, default 5).
4. Collection CPU: our collectors per capture (in-process) and our whole
   one-shot `check` process, against `skdump --load` per ATA capture.
Nothing is asserted; numbers only.
"""

import glob
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

BENCH, DAEMON, ROOT = sys.argv[1:4]
REQUESTS = int(sys.argv[sys.argv.index("--requests") + 1]) if "--requests" in sys.argv else 5000
ROUNDS = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 5
# --variant LABEL=BINARY (repeatable): another ssd-monitor build measured in the same rounds
VARIANTS = tuple(tuple(sys.argv[i + 1].split("=", 1)) for i, a in enumerate(sys.argv)
                 if a == "--variant")


def demo_dir():
    d = os.path.join(ROOT, "test", "data", "demo")
    if len([f for f in os.listdir(d) if f != "README.md"]) if os.path.isdir(d) else 0:
        return d
    return os.path.join(ROOT, "test", "data", "http")


def proc_cpu_ns(pid):
    """CPU time of each thread of pid, in ns, by thread id (schedstat is exact,
    unlike stat's 10 ms ticks)."""
    out = {}
    for f in glob.glob(f"/proc/{pid}/task/*/schedstat"):
        try:
            with open(f) as fh:
                out[f.split("/")[4]] = int(fh.read().split()[0])
        except OSError:
            pass
    return out


def cpu_delta_ns(before, after):
    """CPU used between two samples by the threads alive at both (the HTTP thread,
    main, the poller loop; short-lived read workers are left out)."""
    return sum(after[t] - before[t] for t in before if t in after)


def proc_status(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return line.split(":", 1)[1].strip()
    return "?"


def client(port, n, mode="gzip"):
    out = subprocess.run([BENCH, "--client", str(port), "/metrics", str(n), mode],
                         capture_output=True, text=True, timeout=300)
    m = dict(re.findall(r"(\w+)=([\d.]+)", out.stdout))
    if not m:
        raise RuntimeError("client failed: " + out.stderr)
    return {k: float(v) for k, v in m.items()}


class Daemon:
    def __init__(self, replay, *extra, binary=None):
        self.log = tempfile.NamedTemporaryFile(prefix="sm-bench-", delete=False)
        self.p = subprocess.Popen([binary or DAEMON, "--replay", replay, "--web.listen-address=127.0.0.1:0",
                                   "--web.max-connections-per-ip=64", *extra],
                                  stdout=subprocess.DEVNULL, stderr=self.log)
        self.port = int(self.wait(r"listening on \S+ \(port (\d+)\)", 10))

    def text(self):
        with open(self.log.name, errors="replace") as f:
            return f.read()

    def wait(self, pattern, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            m = re.search(pattern, self.text())
            if m:
                return m.group(1) if m.groups() else m.group(0)
            time.sleep(0.02)
        raise RuntimeError(f"timed out waiting for {pattern!r}:\n{self.text()}")

    def measure(self, n, rounds=3):
        """Best of rounds (lowest daemon CPU): the machine may be shared."""
        best = None
        for _ in range(rounds):
            c0 = proc_cpu_ns(self.p.pid)
            r = client(self.port, n)
            r["cpu_us"] = cpu_delta_ns(c0, proc_cpu_ns(self.p.pid)) / 1e3 / (n + n // 10)
            if best is None or r["cpu_us"] < best["cpu_us"]:
                best = r
        return best

    def stop(self):
        self.p.terminate()
        self.p.wait(10)
        os.unlink(self.log.name)


def nginx_compare(demo, n, rounds=5, variants=()):
    """The daemon (and any --variant LABEL=BINARY builds of it, e.g. main's, for a before and
    after in the same run) against nginx (sendfile on, gzip_static) serving byte-identical
    copies of the daemon's /metrics bodies. Server CPU per keep-alive request from /proc
    schedstat; the servers are measured in turn within each round (the order rotating), so
    each round gives one agent/nginx ratio taken under the same load: the table shows the
    best of the rounds and the median and range of those paired ratios."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(nginx):
        print("nginx not installed (Debian package nginx, see bench/packages): skipped")
        return
    tmp = tempfile.mkdtemp(prefix="sm-bench-nginx-")
    daemons = []
    ng = None
    try:
        for label, binary in (("agent", DAEMON),) + tuple(variants):
            d = Daemon(demo, "--collector.interval=1h", binary=binary)
            daemons.append((label, d))
            d.wait(r"first collection finished", 30)
        time.sleep(0.3)
        import http.client
        bodies = {}
        for mode, hdrs in (("plain", {}), ("gzip", {"Accept-Encoding": "gzip"})):
            c = http.client.HTTPConnection("127.0.0.1", daemons[0][1].port, timeout=10)
            c.request("GET", "/metrics", headers=hdrs)
            bodies[mode] = c.getresponse().read()
            c.close()
        www = os.path.join(tmp, "www")
        os.makedirs(www)
        with open(os.path.join(www, "metrics"), "wb") as f:
            f.write(bodies["plain"])
        with open(os.path.join(www, "metrics.gz"), "wb") as f:
            f.write(bodies["gzip"])
        with socket_free() as port:
            pass
        conf = os.path.join(tmp, "nginx.conf")
        with open(conf, "w") as f:
            f.write(f"""daemon off; master_process off; worker_processes 1;
pid {tmp}/nginx.pid; error_log {tmp}/error.log warn;
events {{ worker_connections 64; }}
http {{
  access_log off; sendfile on; tcp_nopush on; keepalive_requests 1000000;
  open_file_cache max=16 inactive=1h; open_file_cache_valid 1h;
  client_body_temp_path {tmp}; proxy_temp_path {tmp}; fastcgi_temp_path {tmp};
  uwsgi_temp_path {tmp}; scgi_temp_path {tmp};
  server {{
    listen 127.0.0.1:{port};
    location = /metrics {{ default_type "text/plain; version=0.0.4; charset=utf-8";
      gzip_static on; etag on; root {www}; }}
  }}
}}
""")
        ng = subprocess.Popen([nginx, "-c", conf, "-p", tmp], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                client(port, 5, "plain")
                break
            except RuntimeError:
                time.sleep(0.05)

        servers = [(label, d.p.pid, d.port) for label, d in daemons] + [("nginx", ng.pid, port)]
        cpu = {(name, mode): [] for name, _, _ in servers for mode in ("plain", "gzip")}
        p50 = {}
        for r in range(rounds):
            for mode in ("plain", "gzip"):
                k = r % len(servers)
                for name, pid, p in servers[k:] + servers[:k]:
                    c0 = proc_cpu_ns(pid)
                    res = client(p, n, mode)
                    cpu[(name, mode)].append(cpu_delta_ns(c0, proc_cpu_ns(pid)) / 1e3 / (n + n // 10))
                    p50.setdefault((name, mode), []).append(res["p50_us"])

        def med(v):
            v = sorted(v)
            return v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2

        print(f"{n} keep-alive GET /metrics per run (+10 % warm-up), {rounds} rounds, the servers in turn")
        print("within each round; server CPU per request from /proc/PID/task/*/schedstat (agent: HTTP,")
        print("main and poller threads; nginx: its one process). Same bytes: nginx serves copies of the")
        print(f"agent's bodies ({len(bodies['plain'])} B plain, {len(bodies['gzip'])} B gzip, gzip_static).")
        print("'paired' = the agent/nginx ratio of each round (same load): median [min-max].\n")
        print(f"{'mode':6} | {'server':14} | {'best us/req':>11} | {'median':>7} | {'best/nginx best':>15} | "
              f"{'paired ratio':>22} | {'p50 latency':>11}")
        for mode in ("plain", "gzip"):
            ng_cpu = cpu[("nginx", mode)]
            for name, _, _ in servers:
                v = cpu[(name, mode)]
                line = f"{mode:6} | {name:14} | {min(v):11.1f} | {med(v):7.1f} | "
                if name == "nginx":
                    line += f"{'':>15} | {'':>22} | "
                else:
                    pr = [a / b for a, b in zip(v, ng_cpu)]
                    line += (f"{min(v) / min(ng_cpu):14.2f}x | "
                             f"{med(pr):6.2f}x [{min(pr):.2f}-{max(pr):.2f}]{'':>5} | ")
                print(line + f"{med(p50[(name, mode)]):8.1f} us")
    finally:
        if ng:
            ng.terminate()
            ng.wait(10)
        for _, d in daemons:
            d.stop()
        shutil.rmtree(tmp, ignore_errors=True)


class socket_free:
    """A port the kernel says is free (bound to 0, then released)."""
    def __enter__(self):
        import socket
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        return self.port

    def __exit__(self, *a):
        return False


def section(title):
    print(f"\n=== {title} ===\n", flush=True)


def main():
    demo = demo_dir()
    captures = sorted(f for f in os.listdir(demo) if not f.endswith(".md") and not f.startswith("."))
    devices = [f for f in captures if not f.endswith(".id-ctrl")]
    print(f"ssd-monitor benchmarks; {os.cpu_count()} CPUs; demo captures: {demo} ({len(devices)} devices)")
    if "--nginx-only" in sys.argv:
        section("3. plain and gzip scrapes: the agent vs nginx serving the same bytes")
        nginx_compare(demo, min(REQUESTS, 5000), ROUNDS, VARIANTS)
        return

    section("1. scrape cost vs device count (bench-scrape, in-process server)")
    sys.stdout.flush()
    subprocess.run([BENCH, "--requests", str(REQUESTS), "--rounds", "3", "--data",
                    os.path.join(ROOT, "test", "data", "http")], check=True)

    section("2. scrape latency vs disk latency (real daemon, demo captures + a drive that never answers)")
    tmp = tempfile.mkdtemp(prefix="sm-bench-")
    try:
        replay = os.path.join(tmp, "replay")
        shutil.copytree(demo, replay)
        if os.path.exists(os.path.join(replay, "README.md")):
            os.unlink(os.path.join(replay, "README.md"))
        os.mkfifo(os.path.join(replay, "nvme-stuck.smart-log"))
        n = min(REQUESTS, 2000)
        rows = []
        d = Daemon(replay, "--collector.interval=60s", "--collector.timeout=20s")
        try:
            t0 = time.monotonic()
            stuck = d.measure(n)
            took = time.monotonic() - t0
            still_stuck = "first collection finished" not in d.text()
            rows.append((f"collection stuck on a dead drive ({'whole run' if still_stuck else 'partly'}, {took:.1f} s)", stuck))
            d.wait(r"first collection finished", 30)
            rows.append(("after the collection (drive timed out)", d.measure(n)))
            rss, hwm = proc_status(d.p.pid, "VmRSS"), proc_status(d.p.pid, "VmHWM")
        finally:
            d.stop()
        busy = Daemon(replay, "--collector.interval=100ms", "--collector.timeout=100ms")
        try:
            busy.wait(r"first collection finished", 30)
            rows.append(("collections back to back (interval 100ms)", busy.measure(n)))
        finally:
            busy.stop()
        print(f"{n} keep-alive gzip requests for /metrics per run, best of 3 runs; daemon CPU per request from")
        print(f"/proc/PID/task/*/schedstat of the threads alive throughout (HTTP, main, poller loop;")
        print(f"not the short-lived read workers); {len(devices) + 1} devices.\n")
        print(f"{'while':58} | {'bytes':>7} | {'p50 us':>8} | {'p99 us':>8} | {'max us':>8} | {'daemon CPU us/req':>17}")
        for name, r in rows:
            print(f"{name:58} | {int(r['bytes']):7} | {r['p50_us']:8.1f} | {r['p99_us']:8.1f} | "
                  f"{r['max_us']:8.1f} | {r['cpu_us']:17.1f}")
        print(f"\ndaemon memory with the demo captures: VmRSS {rss}, VmHWM {hwm}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    section("3. plain and gzip scrapes: the agent vs nginx serving the same bytes")
    nginx_compare(demo, min(REQUESTS, 5000), ROUNDS, VARIANTS)

    section("4. collection CPU: our collectors vs skdump --load")
    out = subprocess.run([BENCH, "--collect", demo, "20"], capture_output=True, text=True, check=True)
    print("in-process, per capture read through the real collectors (20 rounds):")
    print(out.stdout.rstrip())
    ata = []
    for f in captures:
        path = os.path.join(demo, f)
        with open(path, "rb") as fh:
            if fh.read(4) in (b"IDFY", b"SMST", b"SMDT", b"SMTH"):
                ata.append(path)

    def children_cpu():
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        return ru.ru_utime + ru.ru_stime

    rounds = 5
    c0 = children_cpu()
    for _ in range(rounds):
        for path in ata:
            subprocess.run(["skdump", f"--load={path}"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    sk = (children_cpu() - c0) / rounds
    c0 = children_cpu()
    for _ in range(rounds):
        subprocess.run(["skdump", "--help"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sk_floor = (children_cpu() - c0) / rounds
    c0 = children_cpu()
    for _ in range(rounds):
        subprocess.run([DAEMON, "check", "--replay", demo], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    ours = (children_cpu() - c0) / rounds
    print(f"\nwhole processes, mean of {rounds} rounds:")
    print(f"  skdump --load, one process per ATA capture: {sk * 1e3:.1f} ms CPU for {len(ata)} captures "
          f"= {sk * 1e3 / max(len(ata), 1):.2f} ms each (process start alone, skdump --help: {sk_floor * 1e3:.2f} ms)")
    print(f"  ssd-monitor check --replay (one process, all {len(devices)} devices, ATA + NVMe): {ours * 1e3:.1f} ms CPU")
    print("  smartctl and nvme-cli cannot read capture files (live devices only), so they are not compared.")


if __name__ == "__main__":
    main()
