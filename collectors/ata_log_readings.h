/* SPDX-License-Identifier: MIT */
/*
 * ata_log_readings.h - the declarations (metric.h) of the ATA log values in
 * struct sm_ata_logs, and their readings. Used by ata.c's readings().
 */
#ifndef SM_ATA_LOG_READINGS_H
#define SM_ATA_LOG_READINGS_H

#include "ata_log.h"
#include "metric.h"

extern const struct sm_family sm_family_ata_devstat_temp_highest;
extern const struct sm_family sm_family_ata_devstat_temp_lowest;
extern const struct sm_family sm_family_ata_devstat_uncorrectable;
extern const struct sm_family sm_family_ata_error_log_errors;
extern const struct sm_family sm_family_ata_self_test_last_status;
extern const struct sm_family sm_family_ata_self_tests_failed;

/* In exposition order, for a collector's families list. */
#define SM_ATA_LOG_FAMILIES                                                            \
        &sm_family_ata_devstat_temp_highest, &sm_family_ata_devstat_temp_lowest,       \
                &sm_family_ata_devstat_uncorrectable, &sm_family_ata_error_log_errors, \
                &sm_family_ata_self_test_last_status, &sm_family_ata_self_tests_failed

/* The readings of one drive's logs, in JSON order (inside the "ata" section). */
void sm_ata_logs_readings(const struct sm_ata_logs *l, sm_emit_fn emit, void *ctx);

#endif
