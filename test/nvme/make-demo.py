#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the NVMe demo captures in test/data/demo/ (maintainer tool, not run by CI).

nvme-qemu.*       copied from test/data/qemu/ (captured in the VM harness).
<stem>.smart-log  512-byte SMART/Health page, the format `nvme smart-log -b` writes:
                  copied unchanged from test/data/nvme/smart-log/ (pages rebuilt from
                  real drives' smartctl JSON), or built from the spec layout (synthetic).
<stem>.id-ctrl    4096-byte Identify Controller data, the format `nvme id-ctrl -b`
                  writes, RECONSTRUCTED from the same smartctl JSON (vid, ssvid, sn,
                  mn, fr, ieee, cntlid, ver, tnvmcap, nn; everything else 0).

Usage: test/nvme/make-demo.py   (from the repository root)
"""
import json
import os
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SRC = os.path.join(ROOT, "test/data/nvme")
DEMO = os.path.join(ROOT, "test/data/demo")

# demo stem -> fixture stem
REAL = {
    "nvme-samsung-970evoplus": "smartctl_exporter__nvme-null-Samsung_SSD_970_EVO_Plus_250GB-nvme0",
    "nvme-samsung-970evo-mediaerr": "scrutiny__smart-nvme-failed",
    "nvme-samsung-pm1725a-critical": "smartctl_exporter__nvme-null-SAMSUNG_MZWLL3T2HAJQ-00005-nvme0",
    "nvme-intel-p4500-worn": "smartctl_exporter__nvme-null-INTEL_SSDPE2KX020T7-nvme6",
    "nvme-intel-optane-m10": "smartctl_exporter__nvme-null-INTEL_MEMPEK1W032GA-nvme0",
}


def pad(s, n):
    b = s.encode("ascii", "replace")[:n]
    return b + b" " * (n - len(b))


def id_ctrl(doc):
    b = bytearray(4096)
    vendor = doc.get("nvme_pci_vendor") or {}
    struct.pack_into("<HH", b, 0, vendor.get("id", 0), vendor.get("subsystem_id", 0))
    b[4:24] = pad(doc.get("serial_number", ""), 20)
    b[24:64] = pad(doc.get("model_name", ""), 40)
    b[64:72] = pad(doc.get("firmware_version", ""), 8)
    oui = doc.get("nvme_ieee_oui_identifier", 0)
    b[73:76] = oui.to_bytes(3, "little")
    struct.pack_into("<H", b, 78, doc.get("nvme_controller_id", 0))
    struct.pack_into("<I", b, 80, (doc.get("nvme_version") or {}).get("value", 0))
    b[280:296] = (doc.get("nvme_total_capacity") or 0).to_bytes(16, "little")
    struct.pack_into("<I", b, 516, doc.get("nvme_number_of_namespaces", 1))
    return bytes(b)


def synthetic():
    """A worn-out drive past its rating, from the spec layout (no real drive)."""
    p = bytearray(512)
    p[0] = 0x04  # critical warning: reliability degraded
    struct.pack_into("<H", p, 1, 331)  # 58 C
    p[3], p[4], p[5] = 3, 10, 180  # spare 3 % < threshold 10 %; 180 % used
    p[0] |= 0x01  # so the spare bit is set too
    p[32:48] = (912345678).to_bytes(16, "little")  # data units read
    p[48:64] = (2**64 + 5).to_bytes(16, "little")  # data units written > 2^64
    p[64:80] = (5551234567).to_bytes(16, "little")
    p[80:96] = (2**40 + 7).to_bytes(16, "little")
    p[96:112] = (123456).to_bytes(16, "little")  # busy minutes
    p[112:128] = (1234).to_bytes(16, "little")
    p[128:144] = (52000).to_bytes(16, "little")  # hours
    p[144:160] = (77).to_bytes(16, "little")
    p[160:176] = (1024).to_bytes(16, "little")  # media errors
    p[176:192] = (4096).to_bytes(16, "little")
    struct.pack_into("<II", p, 192, 600, 12)  # warning / critical minutes
    for i, k in enumerate((331, 345, 329, 0, 0, 0, 0, 0)):
        struct.pack_into("<H", p, 200 + 2 * i, k)
    struct.pack_into("<IIII", p, 216, 40, 3, 7200, 300)
    return bytes(p)


def synthetic_id():
    b = bytearray(4096)
    struct.pack_into("<HH", b, 0, 0x1B36, 0x1AF4)  # QEMU's ids
    b[4:24] = pad("SYNTHETIC0001", 20)
    b[24:64] = pad("ssd-monitor synthetic worn-out NVMe", 40)
    b[64:72] = pad("1.0", 8)
    struct.pack_into("<H", b, 256, 0x0016)  # OACS: Format, Firmware, Device Self-test (bit 4)
    b[261] = 0x02  # LPA: Commands Supported and Effects
    b[262] = 15  # ELPE: 16 Error Information log entries
    struct.pack_into("<HH", b, 266, 343, 358)  # WCTEMP 70 C, CCTEMP 85 C
    b[280:296] = (960197124096).to_bytes(16, "little")
    struct.pack_into("<I", b, 516, 1)
    return bytes(b)


def synthetic_error_log():
    """16 entries (ELPE 15), the newest first, error counts 4096..4081 (the SMART log's
    Number of Error Information Log Entries is 4096): unrecovered read errors (SCT 2h,
    SC 81h, DNR) on I/O queue 3 at growing LBAs, every fourth an Invalid Field (SCT 0,
    SC 02h, DNR) on the admin queue. Layout: NVMe Base 2.0 "Error Information Log Entry"."""
    out = bytearray()
    for i in range(16):
        count = 4096 - i
        if i % 4 == 3:
            sqid, cid, status, pel, lba, nsid = 0, 0x1000 + i, 0x4002, 0x0328, 0, 0xFFFFFFFF
        else:
            sqid, cid, status, pel, lba, nsid = 3, 0x200 + i, 0x4281, 0xFFFF, 0x3A2B1C - 8 * i, 1
        e = struct.pack("<QHHHHQIBB2xQH22x", count, sqid, cid, status << 1 | (i & 1), pel, lba,
                        nsid, 0, 0, 0, 0)
        assert len(e) == 64
        out += e
    return bytes(out)


def synthetic_self_test_log():
    """Device Self-test log (564 bytes): no test running; newest a short test that
    completed with a failed segment (result 7h, segment 2, NSID/FLBA/SCT/SC valid,
    failing LBA 3A2B1Ch, SCT 2h SC 81h) at 51990 h; before it an extended test
    aborted by a controller reset (2h) and a short test without error."""
    p = bytearray(564)
    results = [
        (0x17, 2, 0x0F, 51990, 1, 0x3A2B1C, 2, 0x81),
        (0x22, 0, 0x00, 51500, 0, 0, 0, 0),
        (0x10, 0, 0x00, 51000, 0, 0, 0, 0),
    ]
    for i in range(20):
        r = results[i] if i < len(results) else (0x0F, 0, 0, 0, 0, 0, 0, 0)
        p[4 + 28 * i:32 + 28 * i] = struct.pack("<BBBxQIQBB2x", *r)
    return bytes(p)


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def main():
    for stem, src in REAL.items():
        with open(os.path.join(SRC, "smart-log", src + ".bin"), "rb") as f:
            page = f.read()
        assert len(page) == 512
        with open(os.path.join(SRC, "smartctl-json", src + ".json")) as f:
            doc = json.load(f)
        write(os.path.join(DEMO, stem + ".smart-log"), page)
        write(os.path.join(DEMO, stem + ".id-ctrl"), id_ctrl(doc))
    for ext in ("smart-log", "id-ctrl"):  # QEMU's emulated controller, from the VM harness
        with open(os.path.join(ROOT, "test/data/qemu/qemu-nvme." + ext), "rb") as f:
            write(os.path.join(DEMO, "nvme-qemu." + ext), f.read())
    write(os.path.join(DEMO, "nvme-synthetic-worn-out.smart-log"), synthetic())
    write(os.path.join(DEMO, "nvme-synthetic-worn-out.id-ctrl"), synthetic_id())
    write(os.path.join(DEMO, "nvme-synthetic-worn-out.error-log"), synthetic_error_log())
    write(os.path.join(DEMO, "nvme-synthetic-worn-out.self-test-log"), synthetic_self_test_log())
    return 0


if __name__ == "__main__":
    sys.exit(main())
