#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Rebuild a Device Statistics capture (`<name>.devstat`) from a real drive's
`smartctl -x --json` output (its `ata_device_statistics` block).

Format written (docs/replay.md, collectors/ata_log.h): 512-byte pages, page 00h
first, then each statistics page in ascending order. Page 00h lists 00h and every
page smartctl printed (with -x smartctl prints every page page 00h lists, so this
is the drive's list). Each page: revision (bytes 0-1) and page number (byte 2) from
the JSON; for every table entry, its value in the low `size` bytes of the qword at
`offset` (only when valid) and the flags byte (flags.value) in byte 7. Entries
smartctl did not print (not SUPPORTED) stay zero, as the drive's would read for
bit 63; bytes the JSON does not carry (vendor bits 55:48 above a value's size) are 0.

usage: make-devstat.py SMARTCTL.json OUT.devstat
"""
import json
import sys


def main():
    src, out = sys.argv[1], sys.argv[2]
    d = json.load(open(src))
    st = d["ata_device_statistics"]
    pages = sorted(p["number"] for p in st["pages"])
    blob = bytearray(512 * (1 + len(pages)))
    p0 = blob[0:512]
    p0[0:2] = (1).to_bytes(2, "little")
    p0[2] = 0
    lst = [0] + pages
    p0[8] = len(lst)
    p0[9 : 9 + len(lst)] = bytes(lst)
    blob[0:512] = p0
    for i, num in enumerate(pages, start=1):
        page = next(p for p in st["pages"] if p["number"] == num)
        b = bytearray(512)
        b[0:2] = int(page["revision"]).to_bytes(2, "little")
        b[2] = num
        for e in page.get("table", []):
            off, size, flags = e["offset"], e["size"], e["flags"]["value"]
            if "value" in e:
                v = e["value"]
                if v < 0:  # signed 8-bit temperatures
                    v &= 0xFF
                b[off : off + size] = int(v).to_bytes(size, "little")
            b[off + 7] = flags
        blob[512 * i : 512 * (i + 1)] = b
    open(out, "wb").write(blob)


if __name__ == "__main__":
    main()
