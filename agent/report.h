/* SPDX-License-Identifier: MIT */
/*
 * report.h - `ssd-monitor report [--json]`: one collection, then every monitored
 * drive as a table for a terminal (or one JSON object), from the same per-drive
 * summary (agent/summary.h) the landing page shows. Exit code: check's.
 */
#ifndef SM_REPORT_H
#define SM_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "lib/buf.h"
#include "summary.h"

struct sm_report_opts {
        bool colour;          /* ANSI colours (a terminal, NO_COLOR unset) */
        int exit_code;        /* check's verdict for the same snapshot (SM_NPD_*) */
        const char *message;  /* check's one-line message */
        size_t not_monitored; /* devices left out (rotational without include_hdd, ...) */
        double now;           /* unix s */
};

/* The table of s[0..n) (sorted as wanted) into b. */
void sm_report_text(struct sm_buf *b, const struct sm_summary *s, size_t n,
                    const struct sm_report_opts *o);

/* The same as one JSON object (with a trailing newline) into b. */
void sm_report_json(struct sm_buf *b, const struct sm_summary *s, size_t n,
                    const struct sm_report_opts *o);

/* The whole mode: collect, print on stdout; returns the exit code (check's). */
int sm_report_run(const struct sm_config *cfg);

#endif
