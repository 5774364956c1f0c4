#!/usr/bin/env python3
"""Generate ssd-monitor.json, the Grafana dashboard for ssd-monitor.

    python3 daemonset/dashboards/gen.py > daemonset/dashboards/ssd-monitor.json

The committed JSON must equal this script's output (test/deploy/test_dashboard.py
checks it), so review and edit this file, then regenerate.

Labels (docs/dashboard.md): the agent's series carry job="ssd-monitor", `device`
(the kernel name, as node_exporter's node_disk_* `device`) and `node` (the
PodMonitor's relabeling of __meta_kubernetes_pod_node_name). `instance` differs
between the two exporters (pod or host address and port), so the I/O panels join
node_exporter on (node, device): its scrape needs the same `node` relabeling.
"""
import json
import sys

AGENT = 'job="ssd-monitor", node=~"$node"'
DEV = 'job="ssd-monitor", node=~"$node", device=~"$device"'
NODE_DISK = 'node=~"$node", device=~"$device"'
# One row per drive for the joins: the info series (always 1) carries model/serial.
INFO = 'ssdmon_device_info{%s}' % DEV
DS = {"type": "prometheus", "uid": "${datasource}"}


class Layout:
    def __init__(self):
        self.panels = []
        self.y = 0
        self.x = 0
        self.h = 0
        self.id = 0

    def row(self, title):
        self.newline()
        self.id += 1
        self.panels.append({"type": "row", "title": title, "id": self.id, "collapsed": False,
                            "gridPos": {"h": 1, "w": 24, "x": 0, "y": self.y}, "panels": []})
        self.y += 1

    def newline(self):
        self.y += self.h
        self.x = 0
        self.h = 0

    def panel(self, kind, title, targets, w=8, h=8, description="", unit=None, instant=False,
              options=None, field=None):
        if self.x + w > 24:
            self.newline()
        self.id += 1
        p = {"type": kind, "title": title, "id": self.id, "datasource": DS,
             "gridPos": {"h": h, "w": w, "x": self.x, "y": self.y}}
        if description:
            p["description"] = description
        defaults = {}
        if unit:
            defaults["unit"] = unit
        if field:
            defaults.update(field)
        p["fieldConfig"] = {"defaults": defaults, "overrides": []}
        if options:
            p["options"] = options
        p["targets"] = []
        for i, t in enumerate(targets):
            expr, legend = t if isinstance(t, tuple) else (t, "")
            tgt = {"datasource": DS, "expr": expr, "refId": chr(ord("A") + i),
                   "legendFormat": legend or "__auto"}
            if instant:
                tgt["instant"] = True
                tgt["range"] = False
                tgt["format"] = "table"
            p["targets"].append(tgt)
        if instant and kind == "table":
            p["transformations"] = [{"id": "organize", "options": {
                "excludeByName": {"Time": True, "__name__": True, "job": True}}}]
        self.panels.append(p)
        self.x += w
        self.h = max(self.h, h)
        return p


def stat(L, title, expr, description, unit=None, thresholds=None, w=4):
    field = {}
    if thresholds:
        field["thresholds"] = {"mode": "absolute", "steps": thresholds}
        field["color"] = {"mode": "thresholds"}
    L.panel("stat", title, [expr], w=w, h=4, description=description, unit=unit, field=field,
            options={"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                     "colorMode": "background", "graphMode": "none", "textMode": "auto"})


GREEN, AMBER, RED = "green", "orange", "red"


def steps(*pairs):
    return [{"color": c, "value": v} for v, c in pairs]


def build():
    L = Layout()
    L.row("Fleet")
    L.panel("piechart", "Drives by state",
            [('count by (state) (ssdmon_health_state{%s} == 1)' % AGENT, "{{state}}")],
            description="The agent's verdict per drive (ssdmon_health_state, docs/health.md).",
            options={"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                     "legend": {"displayMode": "table", "placement": "right", "values": ["value"]}},
            w=6)
    L.panel("bargauge", "Drives by risk reason",
            [('count by (reason) (ssdmon_health_risk{%s} == 1)' % AGENT, "{{reason}}")],
            description="Drives for which each reason of ssdmon_health_risk applies.",
            options={"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                     "orientation": "horizontal", "displayMode": "basic"},
            w=6)
    L.panel("table", "Lowest days left",
            [('bottomk(10, min by (node, device) (ssdmon_endurance_remaining_seconds{%s}) / 86400)'
              % AGENT, "")],
            description="Days until 100 % rated endurance at the better known rate "
                        "(min over method recent/lifetime; absent when the rate is 0 or unknown).",
            unit="d", instant=True, w=6)
    L.panel("table", "Highest life used",
            [('topk(10, max by (node, device) (ssdmon_endurance_used_ratio{%s}))' % AGENT, "")],
            description="Vendor estimate of the rated endurance used (may exceed 100 %).",
            unit="percentunit", instant=True, w=6)
    L.panel("table", "Media / uncorrectable errors increasing (1h)",
            [('sum by (node, device) (increase(ssdmon_nvme_media_errors_total{%s}[1h])) > 0' % AGENT,
              "nvme media"),
             ('sum by (node, device) (increase(ssdmon_ata_devstat_reported_uncorrectable_errors_total{%s}[1h])) > 0'
              % AGENT, "ata uncorrectable"),
             ('sum by (node, device) (increase(ssdmon_ata_error_log_errors_total{%s}[1h])) > 0' % AGENT,
              "ata error log"),
             ('sum by (node, device) (delta(ssdmon_bad_sectors{%s}[1h])) > 0' % AGENT,
              "ata bad sectors"),
             ('sum by (node, device) (increase(ssdmon_scsi_errors_uncorrected_total{%s}[1h])) > 0'
              % AGENT, "scsi uncorrected")],
            description="Error counters that grew in the last hour (NVMe media errors, ATA "
                        "uncorrectable and error-log counts, reallocated+pending sectors, SCSI "
                        "uncorrected errors). Empty is good.",
            instant=True, w=12)
    L.panel("table", "Hottest drives",
            [('topk(10, max by (node, device) (ssdmon_temperature_celsius{%s, sensor=""}))' % AGENT, "")],
            description="The drive's own (composite) temperature.", unit="celsius", instant=True,
            w=12)
    L.newline()
    stat(L, "Unreadable drives",
         'count(ssdmon_device_up{%s} == 0 unless on (job, instance, device) '
         'ssdmon_device_unsupported{%s} == 1) or vector(0)' % (AGENT, AGENT),
         "Drives whose last read failed or timed out (unsupported protocols left out, as in "
         "SSDDeviceUnreadable).", thresholds=steps((None, GREEN), (1, RED)))
    stat(L, "Stuck reads", 'sum(ssdmon_stuck_reads{%s})' % AGENT,
         "Reads past --collector.timeout whose threads the kernel has not returned.",
         thresholds=steps((None, GREEN), (1, RED)))
    stat(L, "Asleep drives", 'sum(ssdmon_device_asleep{%s})' % AGENT,
         "Drives in standby that the agent left alone (values from the last read while awake).",
         thresholds=steps((None, "blue")))
    stat(L, "Unsupported drives", 'sum(ssdmon_device_unsupported{%s})' % AGENT,
         "Drives no collector reads yet.", thresholds=steps((None, "text")))
    stat(L, "Agents up", 'sum(up{job="ssd-monitor", node=~"$node"})',
         "Scrape targets of job ssd-monitor that answered.", thresholds=steps((None, RED), (1, GREEN)))
    stat(L, "Agents down", 'count(up{job="ssd-monitor", node=~"$node"} == 0) or vector(0)',
         "Targets Prometheus cannot scrape (alert SSDMonitorDown).",
         thresholds=steps((None, GREEN), (1, RED)))

    L.row("Agent health")
    L.panel("timeseries", "Collection duration",
            [('ssdmon_collection_duration_seconds{%s}' % AGENT, "{{node}}")],
            description="Wall time of the last full collection of all devices.", unit="s")
    L.panel("timeseries", "Scrape duration",
            [('scrape_duration_seconds{job="ssd-monitor", node=~"$node"}', "{{node}}")],
            description="How long Prometheus took to scrape /metrics.", unit="s")
    L.panel("timeseries", "Read errors",
            [('sum by (node, device) (rate(ssdmon_read_errors_total{%s}[$__rate_interval])) > 0'
              % AGENT, "{{node}} {{device}}"),
             ('sum by (node) (rate(ssdmon_reads_total{%s}[$__rate_interval]))' % AGENT,
              "{{node}} reads")],
            description="Failed or timed-out reads per second (and all reads).", unit="ops")

    L.row("Drive: $device on $node")
    L.panel("table", "Identity and verdict",
            [(INFO, ""),
             ('ssdmon_health_state{%s} == 1' % DEV, "")],
            description="ssdmon_device_info and the current state.", instant=True, w=24, h=6)
    L.panel("timeseries", "Life used",
            [('ssdmon_endurance_used_ratio{%s}' % DEV, "{{node}} {{device}}")],
            unit="percentunit")
    L.panel("timeseries", "Days left",
            [('ssdmon_endurance_remaining_seconds{%s} / 86400' % DEV,
              "{{node}} {{device}} {{method}}")],
            description="Forecast per method (recent: the agent's history; lifetime: the drive's "
                        "own average).", unit="d")
    L.panel("timeseries", "Temperature",
            [('ssdmon_temperature_celsius{%s}' % DEV, "{{node}} {{device}} {{sensor}}")],
            unit="celsius")
    L.panel("timeseries", "Available spare",
            [('ssdmon_available_spare_ratio{%s}' % DEV, "{{device}} spare"),
             ('ssdmon_available_spare_threshold_ratio{%s}' % DEV, "{{device}} threshold")],
            unit="percentunit")
    L.panel("timeseries", "Host writes (drive counters)",
            [('rate(ssdmon_host_written_bytes_total{%s}[$__rate_interval])' % DEV,
              "{{device}} written"),
             ('rate(ssdmon_host_read_bytes_total{%s}[$__rate_interval])' % DEV, "{{device}} read")],
            description="What the drive reports; NVMe counts in units of 512000 bytes, so short "
                        "ranges are steppy.", unit="Bps")
    L.panel("state-timeline", "Risk reasons (1 = applies)",
            [('ssdmon_health_risk{%s}' % DEV, "{{device}} {{reason}}")],
            description="Every reason the drive reports what it needs for (docs/health.md).",
            field={"color": {"mode": "thresholds"},
                   "thresholds": {"mode": "absolute", "steps": steps((None, GREEN), (1, RED))}})

    L.row("Drive I/O (node_exporter, joined on node and device)")
    join = ' * on (node, device) group_left (model, serial) %s' % INFO
    L.panel("timeseries", "Read bytes/s",
            [('rate(node_disk_read_bytes_total{%s}[$__rate_interval])%s' % (NODE_DISK, join),
              "{{node}} {{device}} {{model}}")], unit="Bps")
    L.panel("timeseries", "Written bytes/s",
            [('rate(node_disk_written_bytes_total{%s}[$__rate_interval])%s' % (NODE_DISK, join),
              "{{node}} {{device}} {{model}}")], unit="Bps")
    L.panel("timeseries", "I/O time (busy)",
            [('rate(node_disk_io_time_seconds_total{%s}[$__rate_interval])%s' % (NODE_DISK, join),
              "{{node}} {{device}} {{model}}")], unit="percentunit")

    def var(name, label, query):
        return {"name": name, "label": label, "type": "query", "datasource": DS,
                "query": {"query": query, "refId": "PrometheusVariableQueryEditor-VariableQuery"},
                "definition": query, "refresh": 2, "includeAll": True, "multi": True,
                "allValue": ".*", "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
                "sort": 1, "options": [], "hide": 0}

    return {
        "title": "SSD health (ssd-monitor)",
        "uid": "ssd-monitor",
        "description": "SSD health from ssd-monitor, I/O from node_exporter. Generated by "
                       "daemonset/dashboards/gen.py; docs/dashboard.md.",
        "tags": ["ssd-monitor", "storage"],
        "schemaVersion": 39,
        "version": 1,
        "editable": True,
        "graphTooltip": 1,
        "time": {"from": "now-24h", "to": "now"},
        "refresh": "1m",
        "timezone": "",
        "links": [],
        "annotations": {"list": []},
        "templating": {"list": [
            {"name": "datasource", "label": "Data source", "type": "datasource",
             "query": "prometheus", "current": {}, "hide": 0, "refresh": 1, "regex": "",
             "options": []},
            var("node", "Node", 'label_values(ssdmon_device_info{job="ssd-monitor"}, node)'),
            var("device", "Device",
                'label_values(ssdmon_device_info{job="ssd-monitor", node=~"$node"}, device)'),
        ]},
        "panels": L.panels,
    }


if __name__ == "__main__":
    json.dump(build(), sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
