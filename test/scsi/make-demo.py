#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""make-demo.py - write the SCSI demo captures in test/data/demo/ (run from the
repository root; needs the shared fixtures at ../shared).

Each <stem>.scsi/ directory holds what the sg3-utils tools write (see
collectors/scsi.h): `inquiry` (sg_inq --raw), `vpd-XX` (sg_vpd --page=0xXX --raw),
`logs` (sg_logs --all --raw: the pages one after another) and `defects` (the
READ DEFECT DATA(10) header).

  sas-hitachi-h109060      rebuilt from smartctl_exporter's HITACHI_H109060SESUN600G_10.json
  sas-seagate-st4000nm0043 rebuilt from scrutiny's smart-scsi.json
  sas-ssd-synthetic        written from the SPC-5/SBC-4/SPL-4 layouts, no drive behind it
  scsi-debug               captured (copied by hand from test/data/scsi/, see its README)

Rebuilt pages carry exactly the values smartctl printed; what smartctl does not
print is left out (a page or parameter the drive may have had is simply absent).
smartctl prints bytes processed as gigabytes with 3 decimals, so those counters
are exact to 10^6 bytes. Python 3 standard library only.
"""

import json
import os
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.join(os.environ.get("SM_SHARED") or os.path.join(ROOT, "..", "shared"),
                      "fixtures", "smartctl-json")
DEMO = os.path.join(ROOT, "test", "data", "demo")

CTL_COUNTER, CTL_ASCII, CTL_BINARY = 0x02, 0x01, 0x03


def param(code, control, value):
    return struct.pack(">HBB", code, control, len(value)) + bytes(value)


def counter(code, v, width=4, control=CTL_COUNTER):
    return param(code, control, v.to_bytes(width, "big"))


def page(code, params, sub=0):
    body = b"".join(params)
    return bytes([code | (0x40 if sub else 0), sub]) + struct.pack(">H", len(body)) + body


def supported(pages):
    return page(0x00, [bytes(pages)])


def supported_sub(pairs):
    return page(0x00, [bytes([x for p in pairs for x in p])], sub=0xff)


def inquiry(vendor, product, rev, version):
    b = bytearray(96)
    b[2] = version
    b[3] = 0x02
    b[4] = 91
    b[8:16] = vendor.ljust(8)[:8].encode()
    b[16:32] = product.ljust(16)[:16].encode()
    b[32:36] = rev.ljust(4)[:4].encode()
    return bytes(b)


def vpd(code, body):
    return bytes([0, code]) + struct.pack(">H", len(body)) + body


def vpd_list(codes):
    return vpd(0x00, bytes(codes))


def naa(hexstr):
    v = bytes.fromhex(hexstr[2:] if hexstr.startswith("0x") else hexstr)
    return vpd(0x83, bytes([0x01, 0x03, 0x00, len(v)]) + v)


def bdc(rpm):
    b = bytearray(60)
    b[0:2] = struct.pack(">H", rpm)
    return vpd(0xb1, bytes(b))


def error_page(code, e):
    """02h/03h/05h from smartctl's scsi_error_counter_log entry."""
    keys = ["errors_corrected_by_eccfast", "errors_corrected_by_eccdelayed",
            "errors_corrected_by_rereads_rewrites", "total_errors_corrected",
            "correction_algorithm_invocations", None, "total_uncorrected_errors"]
    params = []
    for k, key in enumerate(keys):
        if key is None:
            gb = e["gigabytes_processed"]
            whole, _, frac = gb.partition(".")
            v = int(whole) * 10**9 + int((frac + "000")[:3]) * 10**6
            params.append(counter(k, v, 8))
        elif key in e:
            params.append(counter(k, int(e[key]), 4 if int(e[key]) < 2**32 else 8))
    return page(code, params)


def write(stem, files):
    d = os.path.join(DEMO, stem + ".scsi")
    os.makedirs(d, exist_ok=True)
    for name, data in files.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


def from_smartctl(stem, path, vendor, product, rev):
    j = json.load(open(os.path.join(SHARED, path)))
    version = {"SPC-3": 5, "SPC-4": 6, "SPC-5": 7}[j["scsi_version"]]
    t = j["temperature"]
    ec = j.get("scsi_error_counter_log", {})
    pages = [0x00]
    logs = []
    body = {}
    for op, code in (("write", 0x02), ("read", 0x03), ("verify", 0x05)):
        if op in ec:
            body[code] = error_page(code, ec[op])
    body[0x0d] = page(0x0d, [param(0, CTL_BINARY, [0, t["current"]]),
                             param(1, CTL_BINARY, [0, t["drive_trip"]])])
    ss = j.get("scsi_start_stop_cycle_counter")
    if ss:
        ps = [param(1, CTL_ASCII, (ss["year_of_manufacture"] + ss["week_of_manufacture"]).encode())]
        for code, key in ((3, "specified_cycle_count_over_device_lifetime"),
                          (4, "accumulated_start_stop_cycles"),
                          (5, "specified_load_unload_count_over_device_lifetime"),
                          (6, "accumulated_load_unload_cycles")):
            if key in ss:
                ps.append(counter(code, ss[key], 4, CTL_BINARY))
        body[0x0e] = page(0x0e, ps)
    po = j["power_on_time"]
    minutes = po["hours"] * 60 + po.get("minutes", 0)
    body[0x15] = page(0x15, [param(0, CTL_BINARY, struct.pack(">IBBHHH", minutes, 0, 0, 0, 0, 0))])
    # smart_status passed: IE ASC/ASCQ 00h/00h; the most recent temperature is not in the
    # JSON: FFh (not available)
    body[0x2f] = page(0x2f, [param(0, CTL_BINARY, [0x00, 0x00, 0xff])])
    pages += sorted(body)
    logs.append(supported(pages))
    logs += [body[p] for p in sorted(body)]
    serial = j["serial_number"]
    files = {
        "inquiry": inquiry(vendor, product, rev, version),
        "vpd-00": vpd_list([0x00, 0x80] + ([0x83] if j.get("logical_unit_id") else []) + [0xb1]),
        "vpd-80": vpd(0x80, serial.encode()),
        "vpd-b1": bdc(j["rotation_rate"]),
        "logs": b"".join(logs),
        # READ DEFECT DATA(10) header: GLISTV, bytes-from-index format, length = 8 x entries
        "defects": bytes([0x00, 0x0c]) + struct.pack(">H", 8 * j["scsi_grown_defect_list"]),
    }
    if j.get("logical_unit_id"):
        files["vpd-83"] = naa(j["logical_unit_id"])
    write(stem, files)


def synthetic_ssd():
    """A SAS SSD with every page the collector reads (values chosen to be distinct)."""
    pairs = [(0x00, 0x00), (0x00, 0xff), (0x02, 0), (0x03, 0), (0x05, 0), (0x06, 0), (0x0d, 0),
             (0x0d, 0x01), (0x0e, 0), (0x10, 0), (0x11, 0), (0x15, 0), (0x18, 0), (0x2f, 0)]
    logs = [supported(sorted({p for p, _s in pairs})), supported_sub(pairs)]
    logs.append(page(0x02, [counter(0, 0), counter(1, 0), counter(2, 0), counter(3, 0),
                            counter(4, 0), counter(5, 351843720888320, 8), counter(6, 0)]))
    logs.append(page(0x03, [counter(0, 1520), counter(1, 4), counter(2, 0), counter(3, 1524),
                            counter(4, 1524), counter(5, 703687441776640, 8), counter(6, 0)]))
    logs.append(page(0x05, [counter(0, 0), counter(3, 0), counter(6, 0)]))
    logs.append(page(0x06, [counter(0, 3, 2)]))
    logs.append(page(0x0d, [param(0, CTL_BINARY, [0, 41]), param(1, CTL_BINARY, [0, 70])]))
    logs.append(page(0x0d, [param(0, CTL_BINARY, [0x00, 41, 58, 18, 47, 29, 0, 0, 0, 0, 0, 0])],
                     sub=0x01))
    logs.append(page(0x0e, [param(1, CTL_ASCII, b"202141"), counter(3, 0, 4, CTL_BINARY),
                            counter(4, 37, 4, CTL_BINARY)]))
    st = []
    for n in range(1, 21):
        e = bytearray(16)
        if n == 1:
            e[0], e[1], e[2:4] = (1 << 5) | 0, 3, struct.pack(">H", 21000)
            e[4:12] = b"\xff" * 8
        elif n == 2:
            e[0], e[1], e[2:4] = (1 << 5) | 0, 2, struct.pack(">H", 14000)
            e[4:12] = b"\xff" * 8
        st.append(param(n, CTL_BINARY, e))
    logs.append(page(0x10, st))
    logs.append(page(0x11, [param(1, CTL_BINARY, [0, 0, 0, 23])]))
    logs.append(page(0x15, [param(0, CTL_BINARY,
                                  struct.pack(">IBBHHH", 21034 * 60 + 12, 0, 0, 184, 0, 184))]))
    phys = bytearray([0x06, 0, 1, 2])
    for k, cnt in enumerate(((0, 0, 0, 0), (17, 12, 2, 1))):
        d = bytearray(48)
        d[1], d[3] = k, 44
        d[4] = 0x10  # attached device type: end device
        for i, c in enumerate(cnt):
            d[32 + 4 * i:36 + 4 * i] = struct.pack(">I", c)
        phys += d
    logs.append(page(0x18, [param(1, CTL_BINARY, phys)]))
    logs.append(page(0x2f, [param(0, CTL_BINARY, [0x00, 0x00, 41, 0x00])]))
    write("sas-ssd-synthetic", {
        "inquiry": inquiry("SMVM", "SYNTH SAS SSD", "S100", 7),
        "vpd-00": vpd_list([0x00, 0x80, 0x83, 0xb1]),
        "vpd-80": vpd(0x80, b"SYN0000000001"),
        "vpd-83": naa("0x5000000000000a01"),
        "vpd-b1": bdc(1),
        "logs": b"".join(logs),
        "defects": bytes([0x00, 0x0c, 0x00, 0x10]),
    })


def main():
    from_smartctl("sas-hitachi-h109060", "smartctl_exporter/HITACHI_H109060SESUN600G_10.json",
                  "HITACHI", "H109060SESUN600G", "A31A")
    from_smartctl("sas-seagate-st4000nm0043", "scrutiny/smart-scsi.json", "SEAGATE",
                  "ST4000NM0043", "MS03")
    synthetic_ssd()
    return 0


if __name__ == "__main__":
    sys.exit(main())
