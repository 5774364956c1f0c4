#!/usr/bin/env python3
"""Suite 'deploy': the Grafana dashboard and the alert rules against a real Prometheus.

The built agent replays the demo captures (plus nvme-qemu once more under the
name of a real block device of this machine, so node_exporter's node_disk_* and
the agent share a `device` and the I/O join has something to join),
prometheus-node-exporter serves this machine's disks, and Debian's Prometheus
scrapes both every second with the rules of daemonset/prometheusrule.yaml.
Both jobs get node="<hostname>" as the PodMonitor's relabeling (and
docs/dashboard.md for node_exporter) gives it in a cluster.

Checks: the committed JSON equals gen.py's output; every template variable
query (label_values) returns values; every panel target, with the variables
substituted (All = every value, and a single drive), parses and returns data
through /api/v1/query and /api/v1/query_range - except the panels listed in
NO_DATA_ON_DEMO, whose series must exist; every rule in /api/v1/rules has
health "ok"; every metric name a panel or rule references is served by the
agent or node_exporter (or is Prometheus' own up/scrape_*).
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
import urllib.parse
import urllib.request

SRC = os.environ.get("SM_SOURCE_ROOT") or os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
BUILD = os.environ.get("SM_BUILD_ROOT") or os.path.join(SRC, "build")
DASH = os.path.join(SRC, "daemonset", "dashboards")

# Panels that legitimately have no data on the demo captures (a replay does not
# change its counters, so nothing increases), with the reason. Their metric names
# must still have series.
NO_DATA_ON_DEMO = {
    "Media / uncorrectable errors increasing (1h)": "replayed counters never increase",
}
# Targets (panel title, refId) with no data on demo: the read-error rate of a
# replay is 0 and the query keeps only drives > 0.
NO_DATA_TARGETS = {("Read errors", "A"): "replay reads never fail"}
PROMETHEUS_OWN = {"up", "scrape_duration_seconds"}
# Families a panel uses that no demo capture produces; each must be documented
# in docs/metrics.md.
NOT_ON_DEMO = {
    "ssdmon_ata_error_log_errors_total":
        "from the ATA SMART error log, which the demo's libatasmart captures do not contain",
}
# The capture served under the name of this machine's real disk (the I/O join):
# a drive with a forecast, spare and temperature, so the drill-down has data.
JOIN_CAPTURE = "nvme-intel-p4500-worn"

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg, flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def get(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode()


def api(base, path, **params):
    url = base + path + ("?" + urllib.parse.urlencode(params) if params else "")
    try:
        body = get(url)
    except urllib.error.HTTPError as e:
        body = e.read().decode()
    return json.loads(body)


def wait(what, fn, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        try:
            v = fn()
            if v:
                return v
        except Exception:
            pass
        time.sleep(0.5)
    raise SystemExit("timed out waiting for " + what)


def metric_names(expr):
    expr = re.sub(r'"(\\.|[^"\\])*"', '""', expr)  # label values
    expr = re.sub(r"\{[^}]*\}", "", expr)  # matchers
    expr = re.sub(r"\[[^\]]*\]", "", expr)  # ranges
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)
    names = set()
    for m in re.finditer(r"[a-zA-Z_:][a-zA-Z0-9_:]*", expr):
        tail = expr[m.end():].lstrip()
        if tail.startswith("("):
            continue  # function or aggregation
        w = m.group(0)
        if w in ("and", "or", "unless", "bool", "offset", "inf", "nan", "Inf", "NaN"):
            continue
        names.add(w)
    return names


def served(text):
    names = set()
    for line in text.splitlines():
        if line and not line.startswith("#"):
            names.add(re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group(0))
    # histograms/summaries are served by their base name too
    return names


def prom_regex_escape(v):
    # Grafana's Prometheus datasource (prometheusRegularEscape): regex
    # metacharacters get a backslash, doubled for the PromQL string literal.
    return re.sub(r"[$^*{}\[\]'+?.()|]", lambda m: "\\\\" + m.group(0), v.replace("\\", "\\\\\\\\"))


def regex_alt(values):
    return "|".join(prom_regex_escape(v) for v in values)


def substitute(expr, vars_):
    for k, v in vars_.items():
        expr = expr.replace("${%s}" % k, v).replace("$" + k, v)
    return expr


def main():
    t0 = time.time()
    gen = subprocess.run([sys.executable, os.path.join(DASH, "gen.py")], check=True,
                         capture_output=True, text=True).stdout
    with open(os.path.join(DASH, "ssd-monitor.json")) as f:
        committed = f.read()
    if gen != committed:
        fail("daemonset/dashboards/ssd-monitor.json differs from gen.py's output (regenerate it)")
    dash = json.loads(committed)

    prom = shutil.which("prometheus")
    nexp = shutil.which("prometheus-node-exporter")
    agent = os.path.join(BUILD, "ssd-monitor")
    if not prom or not nexp:
        print("prometheus or prometheus-node-exporter not installed (test/deploy/packages)")
        return 77
    work = tempfile.mkdtemp(prefix="dash-", dir=BUILD if os.path.isdir(BUILD) else None)
    procs = []
    try:
        host = socket.gethostname()
        nport = free_port()
        procs.append(subprocess.Popen(
            [nexp, "--web.listen-address=127.0.0.1:%d" % nport, "--collector.disable-defaults",
             "--collector.diskstats"],
            stdout=open(os.path.join(work, "node-exporter.log"), "w"), stderr=subprocess.STDOUT))
        nurl = "http://127.0.0.1:%d/metrics" % nport
        ntext = wait("node_exporter", lambda: get(nurl))
        disks = [m.group(1) for m in re.finditer(
            r'^node_disk_read_bytes_total\{device="([^"]+)"\}', ntext, re.M)]
        real = [d for d in disks if not re.match(r"(loop|ram|zram|dm-|sr|md)", d)] or disks
        if not real:
            print("node_exporter sees no disks here")
            return 77
        disk = real[0]

        replay = os.path.join(work, "replay")
        os.mkdir(replay)
        demo = os.path.join(SRC, "test", "data", "demo")
        for n in os.listdir(demo):
            if not n.startswith("README"):
                (shutil.copytree if os.path.isdir(os.path.join(demo, n)) else shutil.copy)(
                    os.path.join(demo, n), os.path.join(replay, n))
        for ext in ("id-ctrl", "smart-log"):
            shutil.copy(os.path.join(demo, JOIN_CAPTURE + "." + ext), os.path.join(replay, disk + "." + ext))
        state = os.path.join(work, "state")
        os.mkdir(state)
        alog = os.path.join(work, "agent.log")
        procs.append(subprocess.Popen(
            [agent, "--replay", replay, "--state.dir", state, "--web.listen-address=127.0.0.1:0",
             "--collector.interval=1s"], stdout=open(alog, "w"), stderr=subprocess.STDOUT))

        def agent_port():
            m = re.search(r"listening on \S+ \(port (\d+)\)", open(alog).read())
            return m and int(m.group(1))
        aport = wait("agent to listen", agent_port)
        aurl = "http://127.0.0.1:%d/metrics" % aport
        atext = wait("agent metrics", lambda: "ssdmon_device_info" in get(aurl) and get(aurl))

        # The rules exactly as test-rules.sh extracts them: everything under spec:.
        rules = os.path.join(work, "rules.yml")
        with open(os.path.join(SRC, "daemonset", "prometheusrule.yaml")) as f, open(rules, "w") as o:
            on = False
            for line in f:
                if on:
                    o.write(line[2:] if line.startswith("  ") else line)
                elif line.startswith("spec:"):
                    on = True
        pport = free_port()
        cfg = os.path.join(work, "prometheus.yml")
        with open(cfg, "w") as o:
            o.write("""global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [%s]
scrape_configs:
  - job_name: ssd-monitor
    static_configs:
      - targets: ['127.0.0.1:%d']
        labels: {node: '%s'}
  - job_name: node-exporter
    static_configs:
      - targets: ['127.0.0.1:%d']
        labels: {node: '%s'}
""" % (json.dumps(rules), aport, host, nport, host))
        procs.append(subprocess.Popen(
            [prom, "--config.file=" + cfg, "--storage.tsdb.path=" + os.path.join(work, "tsdb"),
             "--web.listen-address=127.0.0.1:%d" % pport],
            stdout=open(os.path.join(work, "prometheus.log"), "w"), stderr=subprocess.STDOUT))
        base = "http://127.0.0.1:%d" % pport

        # Enough samples for rate() over $__rate_interval (1m here) with 1 s scrapes.
        def ready():
            r = api(base, "/api/v1/query",
                    query='count_over_time(ssdmon_device_info{job="ssd-monitor"}[1m]) > 15')
            n = api(base, "/api/v1/query",
                    query='count_over_time(node_disk_read_bytes_total[1m]) > 15')
            return (r["status"] == "success" and len(r["data"]["result"]) >= 30 and
                    n["data"]["result"])
        try:
            wait("20 s of samples", ready, timeout=90)
        except SystemExit:
            fail("no samples; prometheus log: " + open(os.path.join(work, "prometheus.log")).read()[-2000:])
            raise
        t_ready = time.time()

        # Template variables.
        tv = {v["name"]: v for v in dash["templating"]["list"]}
        values = {}
        queries = 0
        for name in ("node", "device"):
            q = tv[name]["query"]["query"]
            m = re.fullmatch(r"label_values\((.*),\s*(\w+)\)", q, re.S)
            if not m:
                fail("variable %s: not label_values(selector, label): %s" % (name, q))
                continue
            sel = substitute(m.group(1), {k: regex_alt(v) for k, v in values.items()})
            r = api(base, "/api/v1/series", **{"match[]": sel, "start": str(time.time() - 60)})
            queries += 1
            vals = sorted({s.get(m.group(2)) for s in r.get("data", []) if s.get(m.group(2))})
            if r.get("status") != "success" or not vals:
                fail("variable %s: %s gave %s" % (name, sel, r))
            values[name] = vals
        if host not in values.get("node", []):
            fail("node variable lacks %s: %s" % (host, values.get("node")))
        if disk not in values.get("device", []) or "nvme-intel-p4500-worn" not in values.get("device", []):
            fail("device variable lacks %s or the demo drives: %s" % (disk, values.get("device")))

        grafana = {"__rate_interval": "1m", "__interval": "1s", "__range": "5m"}
        passes = [
            ("All", dict(grafana, node=".*", device=".*")),
            ("every value", dict(grafana, node=regex_alt(values["node"]),
                                 device=regex_alt(values["device"]))),
            ("single drive " + disk, dict(grafana, node=prom_regex_escape(host), device=prom_regex_escape(disk))),
        ]
        all_names = set()
        targets = 0
        panels = [p for p in dash["panels"] if p["type"] != "row"]
        for p in panels:
            for t in p["targets"]:
                targets += 1
                all_names |= metric_names(t["expr"])
                for pname, vars_ in passes:
                    expr = substitute(t["expr"], vars_)
                    if "$" in expr:
                        fail("%s: unsubstituted variable in %s" % (p["title"], expr))
                        continue
                    now = time.time()
                    inst = api(base, "/api/v1/query", query=expr, time="%.3f" % now)
                    rng = api(base, "/api/v1/query_range", query=expr, start="%.3f" % (now - 20),
                              end="%.3f" % now, step="1")
                    queries += 2
                    where = "%s [%s] %s (%s)" % (p["title"], t["refId"], expr, pname)
                    if inst.get("status") != "success" or rng.get("status") != "success":
                        fail("%s: %s %s" % (where, inst.get("error"), rng.get("error")))
                        continue
                    nodata = p["title"] in NO_DATA_ON_DEMO or (p["title"], t["refId"]) in NO_DATA_TARGETS
                    # The single-drive pass is the real disk (nvme-qemu's capture):
                    # life used, spare etc. exist for it; the I/O join needs it.
                    got = bool(inst["data"]["result"]) and bool(rng["data"]["result"])
                    if not nodata and not got:
                        fail("%s: no data" % where)
                    if nodata and pname == "All":
                        for n in sorted(metric_names(t["expr"]) - set(NOT_ON_DEMO)):
                            c = api(base, "/api/v1/query", query="count(%s)" % n)
                            queries += 1
                            if not c["data"]["result"]:
                                fail("%s: no series of %s behind a no-data panel" % (where, n))
        # Every rule evaluates.
        time.sleep(2)
        r = api(base, "/api/v1/rules")
        nrules = 0
        for g in r["data"]["groups"]:
            for rule in g["rules"]:
                nrules += 1
                all_names |= metric_names(rule["query"])
                if rule.get("health") != "ok":
                    fail("rule %s: health %s %s" % (rule["name"], rule.get("health"),
                                                     rule.get("lastError")))
                q = api(base, "/api/v1/query", query=rule["query"])
                queries += 1
                if q.get("status") != "success":
                    fail("rule %s: %s" % (rule["name"], q.get("error")))
        if nrules < 10:
            fail("only %d rules loaded" % nrules)
        firing = sorted({a["labels"]["alertname"] for a in api(base, "/api/v1/alerts")["data"]["alerts"]})

        have = served(get(aurl)) | served(get(nurl)) | PROMETHEUS_OWN
        recorded = {rule["name"] for g in r["data"]["groups"] for rule in g["rules"]
                    if rule["type"] == "recording"}
        with open(os.path.join(SRC, "docs", "metrics.md")) as f:
            documented = set(re.findall(r"^\| `([a-z_:]+)`", f.read(), re.M))
        for n in NOT_ON_DEMO:
            if n not in documented:
                fail("%s is listed as not on demo but not documented in docs/metrics.md" % n)
        missing = sorted(all_names - have - recorded - set(NOT_ON_DEMO))
        if missing:
            fail("metric names no exporter serves: %s" % missing)

        print("panels %d, targets %d, variables 2, rules %d, metric names %d, HTTP queries %d"
              % (len(panels), targets, nrules, len(all_names), queries))
        print("names not served on demo (documented): %s" % sorted(NOT_ON_DEMO))
        print("no-data panels on demo: %s; targets: %s" % (sorted(NO_DATA_ON_DEMO), sorted(NO_DATA_TARGETS)))
        print("alerts pending/firing on demo: %s" % firing)
        print("joined disk %s; wait for samples %.1f s; total %.1f s"
              % (disk, t_ready - t0, time.time() - t0))
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        if not failures:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("logs kept in", work)
    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
