/* SPDX-License-Identifier: MIT */
/*
 * oneshot.h - the one-collection modes: `ssd-monitor check` (node-problem-detector
 * custom plugin protocol) and `ssd-monitor features` (node-feature-discovery
 * local feature file). Each returns the process exit code.
 */
#ifndef SM_ONESHOT_H
#define SM_ONESHOT_H

#include "config.h"

/* NPD protocol: exit 0 OK, 1 problem, 2 unknown; one line (<= 80 chars) on stdout. */
int sm_oneshot_check(const struct sm_config *cfg);

/* Write the NFD feature file atomically; exit 0 on success, 1 on failure. */
int sm_oneshot_features(const struct sm_config *cfg);

#endif
