/* SPDX-License-Identifier: MIT */
/*
 * oneshot.h - the one-collection modes: `ssd-monitor check` (node-problem-detector
 * custom plugin protocol) and `ssd-monitor features` (node-feature-discovery
 * local feature file). Each returns the process exit code.
 *
 * The verdict and the feature file are pure functions of a snapshot
 * (sm_oneshot_verdict, sm_oneshot_render_features) so tests can feed them
 * hand-built device states; the sm_oneshot_* entry points add the collection
 * and the I/O.
 */
#ifndef SM_ONESHOT_H
#define SM_ONESHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "config.h"
#include "lib/buf.h"
#include "snapshot.h"

/* NPD custom plugin exit codes. */
enum sm_npd_status {
        SM_NPD_OK = 0,
        SM_NPD_PROBLEM = 1,
        SM_NPD_UNKNOWN = 2,
};

/* The longest message line NPD keeps by default (max_output_length). */
#define SM_NPD_MAX_MESSAGE 80

/* Prefix of every feature label written by `ssd-monitor features`. */
#define SM_FEATURES_PREFIX "feature.node.kubernetes.io/ssd-monitor."

/* Default lifetime of a feature file when the config gives none (seconds). */
#define SM_FEATURES_DEFAULT_EXPIRY_S 3600

/* Endurance thresholds shared with the PrometheusRule alerts (percent used). */
#define SM_ENDURANCE_WARN_PCT     80
#define SM_ENDURANCE_CRITICAL_PCT 95

/*
 * The NPD verdict over the monitored devices of s (SSDs; HDDs too with
 * include_hdd): SM_NPD_PROBLEM if any has a failing health verdict or an NVMe
 * critical warning, SM_NPD_UNKNOWN if none could be read or some could not be
 * read and none failed, SM_NPD_OK otherwise. msg (msglen bytes, at most
 * SM_NPD_MAX_MESSAGE characters are used) gets the one-line message.
 */
enum sm_npd_status sm_oneshot_verdict(const struct sm_snapshot *s, bool include_hdd, char *msg,
                                      size_t msglen);

/*
 * Append the NFD feature file for s to b: the expiry directive (now + expiry_s,
 * RFC 3339 UTC) and one `feature.node.kubernetes.io/ssd-monitor.<name>=<value>`
 * line per fact.
 */
void sm_oneshot_render_features(struct sm_buf *b, const struct sm_snapshot *s, bool include_hdd,
                                time_t now, uint64_t expiry_s);

/*
 * Replace path with data atomically: a hidden temp file in the same directory
 * (NFD ignores dot files), fsync, rename, fsync of the directory. Mode 0644.
 * Returns 0 or -errno.
 */
int sm_oneshot_write_atomic(const char *path, const char *data, size_t len);

/* NPD protocol: exit 0 OK, 1 problem, 2 unknown; one line (<= 80 chars) on stdout. */
int sm_oneshot_check(const struct sm_config *cfg);

/*
 * Write the NFD feature file (cfg->features_file, "-" for stdout) atomically;
 * exit 0 on success, 1 on failure (the previous file is left to expire).
 */
int sm_oneshot_features(const struct sm_config *cfg);

#endif
