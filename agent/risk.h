/* SPDX-License-Identifier: MIT */
/*
 * risk.h - a device's forecast and verdict as readings (the agent's own
 * families, declared once here), and the other way round: the history sample
 * and the verdict input taken from a device's readings, by family name, so
 * every protocol that serves a shared family (endurance used, bytes written,
 * temperature, ...) feeds the history without this file knowing its layout.
 */
#ifndef SM_RISK_H
#define SM_RISK_H

#include <stdbool.h>

#include "collectors/metric.h"
#include "forecast.h"
#include "history.h"
#include "trend.h"
#include "verdict.h"

struct sm_device_state;

/* What a device's snapshot carries: plain data, copyable. */
struct sm_risk {
        bool have; /* computed (the device had a successful read) */
        struct sm_forecast fc;
        struct sm_verdict verdict;
        bool persisted;         /* the history is kept in the state directory */
        const char *memory_why; /* static: why it is kept in memory only, else NULL */
        struct sm_trend trend;  /* life used and temperature over time, for the pages */
};

/* NULL-terminated: the families sm_risk_readings() emits, in exposition order. */
extern const struct sm_family *const sm_risk_families[];

/* The readings of r: JSON sections "forecast", "history", "verdict" and "trend". */
void sm_risk_readings(const struct sm_risk *r, sm_emit_fn emit, void *ctx);

/*
 * The history sample (time t) and the verdict input of d's last successful
 * read, from its readings. Values the drive does not report stay absent.
 */
void sm_risk_input(const struct sm_device_state *d, int64_t t, struct sm_hist_sample *ret_s,
                   struct sm_verdict_input *ret_in);

#endif
