/* SPDX-License-Identifier: MIT */
/*
 * scsi.h - reading a SCSI (SAS) device's health through libsgutils2, live or
 * from captures, into a struct sm_scsi_health (scsi_pages.h decodes).
 *
 * Live: the node (/dev/sdX or /dev/sgN) is opened read-only; every command is
 * read-only (INQUIRY, LOG SENSE, MODE SENSE(10), READ DEFECT DATA(10) with
 * the header only) and carries a timeout. LOG SENSE 00h (and 00h/FFh for
 * subpages) is asked first, then only the pages the device lists. No
 * self-test is started, no log is reset (PPC=0, SP=0; PC=01b cumulative).
 *
 * Capture: a directory <stem>.scsi/ holding what the sg3-utils tools write:
 *   inquiry   sg_inq --raw DEV                  (standard INQUIRY data)
 *   vpd-XX    sg_vpd --page=0xXX --raw DEV      (XX = 00, 80, 83, 89, b1; each optional)
 *   logs      sg_logs --all --raw DEV, or several `sg_logs --page=P[,S] --raw`
 *             outputs concatenated (one log page after another)
 *   defects   optional, READ DEFECT DATA(10) header
 *             (sg_raw -b -r 4 DEV 37 0c 00 00 00 00 00 00 04 00)
 * Pages are decoded only if the capture's page 00h lists them, as live.
 */
#ifndef SM_SCSI_H
#define SM_SCSI_H

#include <stddef.h>

#include "scsi_pages.h"

/* Per-command bound when the caller gives none. */
#define SM_SCSI_DEFAULT_TIMEOUT_MS 5000u

/* Largest LOG SENSE response asked for (15h with many defects is cut here; its status is first). */
#define SM_SCSI_MAX_PAGE_LEN 8192

/* Returned (negated) for a SATA drive behind SAT: the ATA collector reads it. */
#define SM_SCSI_ERR_SAT EPROTOTYPE

/*
 * Read a live device. Returns 0 with *ret filled (values the device did not
 * give stay absent), or a negative errno with a one-line reason in err:
 * -EACCES/-EPERM (needs read access and, for these commands, see docs),
 * -ENODEV (vanished), -SM_SCSI_ERR_SAT, -ETIMEDOUT, -EIO.
 */
int sm_scsi_read_device(const char *node, unsigned timeout_ms, struct sm_scsi_health *ret,
                        char *err, size_t errlen);

/* Read a capture directory (format above). */
int sm_scsi_read_capture(const char *dir, struct sm_scsi_health *ret, char *err, size_t errlen);

/*
 * Split a concatenation of log pages (`sg_logs --all --raw`) and decode each
 * page that page 00h lists; page 00h itself (and 00h/FFh) first. -EINVAL when
 * the bytes do not start with a page 00h.
 */
int sm_scsi_decode_log_stream(const uint8_t *buf, size_t len, struct sm_scsi_health *h);

/* sg_lib's name of an additional sense code, e.g. "Failure prediction threshold exceeded". */
void sm_scsi_asc_name(uint8_t asc, uint8_t ascq, char *buf, size_t len);

#endif
