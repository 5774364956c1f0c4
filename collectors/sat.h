/* SPDX-License-Identifier: MIT */
/*
 * sat.h - ATA log reads through SCSI/ATA Translation (SAT): ATA PASS-THROUGH(16)
 * over SG_IO, sent with libsgutils2 (sg3_utils' sg_pt_* interface, sense decoding
 * by sg_lib). Read-only: the only ATA commands built here are READ LOG EXT (2Fh,
 * PIO data-in) and SMART READ LOG (B0h/D5h, PIO data-in). Needs CAP_SYS_RAWIO
 * (the kernel refuses opcode 85h without it) and an fd of the disk node (O_RDONLY
 * is enough).
 */
#ifndef SM_SAT_H
#define SM_SAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collectors/ata_log.h"

#define SM_SAT_CDB_LEN 16

/*
 * The ATA PASS-THROUGH(16) CDB of one log read (SAT-4 table 154, ACS-4 7.24/7.48.8):
 *  byte 0  85h
 *  byte 1  protocol 4 (PIO data-in) << 1 | EXTEND (1 for READ LOG EXT, a 48-bit command)
 *  byte 2  T_DIR=1 (from device) << 3 | BYT_BLOK=1 (count in 512-byte blocks) << 2 |
 *          T_LENGTH=2 (length in the COUNT field); OFF_LINE=0, CK_COND=0
 *  bytes 3-4   FEATURES 15:8, 7:0: 0 (READ LOG EXT), D5h (SMART READ LOG)
 *  bytes 5-6   COUNT 15:8, 7:0: pages to read
 *  bytes 7-12  LBA: 8 = LBA 7:0 = log address; READ LOG EXT: 10 = LBA 15:8 = page 7:0,
 *              9 = LBA 39:32 = page 15:8; SMART READ LOG: 10 = 4Fh, 12 = C2h
 *  byte 13 DEVICE 0, byte 14 COMMAND 2Fh or B0h, byte 15 CONTROL 0
 */
void sm_sat_cdb_read_log(uint8_t cdb[SM_SAT_CDB_LEN], bool gpl, uint8_t log, uint16_t page,
                         uint16_t count);

/*
 * One log read of `count` pages into buf (count * 512 bytes). Returns 0; -EREMOTEIO
 * when the drive or translator refused the command (CHECK CONDITION, ATA ERR: the drive
 * is fine to ask for something else); -ENODATA for a short transfer; any other negative
 * errno (-EIO, -EPERM, -ENODEV, -ETIMEDOUT, -ECOMM for a transport error) when the
 * command may not have reached the drive or it did not answer: send nothing more to
 * this drive in this read. err gets one line either way.
 */
int sm_sat_read_log(int fd, bool gpl, uint8_t log, uint16_t page, uint16_t count, uint8_t *buf,
                    int timeout_ms, char *err, size_t errlen);

/*
 * Everything besides attributes, for a drive the caller found awake with SMART
 * enabled. Gated on IDENTIFY: GPL (word 84/87 bit 5) -> the GPL directory; SMART
 * logging (error logging, self-test or GPL) -> the SMART directory when a log is not
 * found in the GPL one; then log 04h (pages 00h and the listed ones of 01h 04h 05h 07h),
 * the error log (03h, else 01h; only with error logging supported) and the self-test
 * log (07h, else 06h; only with self-test supported), each only when its directory
 * lists it. A failed read leaves that part absent with the reason in its `why`; a
 * transport failure ends the sequence. Returns the number of commands sent.
 */
unsigned sm_sat_read_logs(int fd, const uint8_t *identify, int timeout_ms, struct sm_ata_logs *out);

#endif
