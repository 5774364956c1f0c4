/* SPDX-License-Identifier: MIT */
/*
 * summary.h - what a person wants to know about a drive, in one plain struct:
 * the landing page (render_html.c) and `ssd-monitor report` render from it.
 *
 * Pure: built from a device's state (struct sm_device_state, with its forecast
 * and verdict). Values are picked from the device's declared readings by family
 * name (ssdmon_endurance_used_ratio, ssdmon_temperature_celsius, ...), so NVMe,
 * SATA (Device Statistics or attributes) and SCSI fill the same fields. A value
 * the drive does not report has its has_* false (never a 0 standing in for it).
 */
#ifndef SM_SUMMARY_H
#define SM_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "state.h"

/* The state shown for a drive; sm_sum_state_rank() orders them worst first. */
enum sm_sum_state {
        SM_SUM_CRITICAL = 0,
        SM_SUM_WARNING,
        SM_SUM_UNKNOWN, /* read failed / timed out, or no reason could be evaluated */
        SM_SUM_NEVER,   /* not read yet */
        SM_SUM_OK,
        SM_SUM_ASLEEP,      /* in standby at the last read (values from before) */
        SM_SUM_UNSUPPORTED, /* no collector for its protocol */
        SM_SUM_N
};

struct sm_summary {
        const struct sm_device_state *d; /* what it was built from (not owned) */
        const char *name;                /* d->id.name */
        struct sm_identity ident;        /* model, serial, firmware, wwn ("" unknown) */
        const char *cls, *proto;         /* "ssd", "nvme", ... */
        uint64_t capacity_bytes;         /* 0 unknown */

        enum sm_sum_state state;
        uint32_t reasons;       /* bit per enum sm_reason set (sm_reasons[i].summary: words) */
        const char *state_why;  /* for unknown/never/asleep/unsupported: why, in words; or NULL */
        const char *last_error; /* the last read's failure, or NULL */
        bool stale;             /* values are from an earlier read than the last attempt */

        bool has_life;
        double life_used;     /* ratio, 1 = rated endurance used (may exceed 1) */
        char life_source[24]; /* "nvme", "devstat", "attribute 233", "scsi", "" unknown */
        bool has_days_left;
        double days_left;
        const char *days_left_method; /* "recent" or "lifetime" */
        bool has_written;
        uint64_t written_bytes;
        bool has_dwpd;
        double dwpd;
        const char *dwpd_method;
        bool has_spare, has_spare_threshold;
        double spare, spare_threshold; /* ratios */
        bool has_temp, has_temp_warning;
        double temp_c, temp_warning_c; /* without a drive threshold the verdict uses 70 C */
        bool has_power_on;
        uint64_t power_on_s;
        double last_success_ts, last_attempt_ts; /* unix s, 0 never */
        double age_s;                            /* now - last_success_ts, or -1 never */
};

struct sm_node_summary {
        size_t n;
        size_t by_state[SM_SUM_N];
        long worst_life;  /* index (in the sorted array) of the highest life used, or -1 */
        long fewest_days; /* index of the fewest days left, or -1 */
        long hottest;     /* index of the highest temperature, or -1 */
};

/* How a state is shown: page (icon, card class) and report (terminal colour). */
struct sm_sum_state_look {
        const char *name;   /* "critical", "warning", "unknown", "never read", "ok", ... */
        const char *icon;   /* HTML character reference: the state reads without colour too */
        const char *css;    /* the page's card class */
        const char *colour; /* the report's SGR sequence, or NULL: none */
};

/* The look of s (an unknown value: "?", no colour). */
const struct sm_sum_state_look *sm_sum_state_look(enum sm_sum_state s);

/* sm_sum_state_look(s)->name. */
const char *sm_sum_state_name(enum sm_sum_state s);

/* One drive's summary at time now (unix s, for the age). */
void sm_summary_device(const struct sm_device_state *d, double now, struct sm_summary *ret);

/* Worst first: state (the enum order), then life used (highest first, absent last), then name. */
int sm_summary_cmp(const struct sm_summary *a, const struct sm_summary *b);

/* Summaries of devs[0..n) into ret[0..n), sorted worst first, and the node's summary. */
void sm_summary_build(const struct sm_device_state *devs, size_t n, double now,
                      struct sm_summary *ret, struct sm_node_summary *node);

/* "3 y 127 d", "41 d 6 h", "5 h 12 min" (power-on time, ages). */
void sm_summary_fmt_duration(double seconds, char *buf, size_t n);

#endif
