/* SPDX-License-Identifier: MIT */
/*
 * replay.h - a directory of captures served as if they were devices
 * (--replay DIR, and the built-in demo data).
 *
 *   <name>            libatasmart blob as `skdump --save=FILE` writes it (sniffed by its
 *                     leading record tag: IDFY, SMST, SMDT or SMTH) -> ATA device <name>
 *   <stem>.smart-log  NVMe SMART/Health log page, 512 bytes (`nvme smart-log -b`)
 *   <stem>.id-ctrl    optional Identify Controller data, 4096 bytes (`nvme id-ctrl -b`)
 *                     -> NVMe device <stem>
 *   <stem>.scsi/      a directory of sg3-utils captures of one SCSI device (see scsi.h:
 *                     inquiry, vpd-XX, logs = `sg_logs --all --raw`, defects) -> SCSI <stem>
 *
 * A <stem>.smart-log may be a named pipe (a capture fed by a test harness; a
 * pipe nobody writes to behaves like a drive that never answers).
 * Anything else (README files, hidden files, directories) is ignored.
 */
#ifndef SM_REPLAY_H
#define SM_REPLAY_H

#include <stddef.h>

#include "device.h"

/*
 * Scan dir; *ret is a malloc'd array sorted by name. -errno with a message in err.
 * A capture that cannot be served (its name does not fit) is left out: the scan
 * still returns 0, with a warning naming it in err (err is empty otherwise).
 */
int sm_replay_scan(const char *dir, struct sm_device_id **ret, size_t *ret_n, char *err,
                   size_t errlen);

#endif
