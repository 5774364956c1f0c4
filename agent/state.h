/* SPDX-License-Identifier: MIT */
/*
 * state.h - the poller's bookkeeping of one device: identity, what the last read
 * attempt came to, the last successful read's health, counters. Owned by the
 * poller, copied into each snapshot, rendered through the declarations in
 * state.c (the agent's own per-device families).
 */
#ifndef SM_STATE_H
#define SM_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "collectors/device.h"
#include "collectors/health.h"
#include "collectors/metric.h"
#include "risk.h"

/* What the last read attempt of a device came to. */
enum sm_read_status {
        SM_READ_NEVER = 0, /* not read yet */
        SM_READ_OK,
        SM_READ_ASLEEP, /* drive in standby/sleep: not read, so not woken */
        SM_READ_ERROR,
        SM_READ_TIMEOUT,     /* the read overran its deadline (still running or abandoned) */
        SM_READ_UNSUPPORTED, /* no collector for its protocol: never read, not an error */
};

/* Per-device state: owned by the poller, copied into each snapshot. */
struct sm_device_state {
        struct sm_device_id id;
        enum sm_read_status status;
        int err;                 /* negative errno of the last failure, 0 */
        char error[192];         /* last failure, for people; empty when the last read succeeded */
        bool have_data;          /* health holds a successful read */
        struct sm_health health; /* the last successful read */
        double last_success_ts;  /* wall clock, seconds; 0 never */
        double last_attempt_ts;
        double read_duration_s; /* duration of the last attempt */
        uint64_t reads_total;
        uint64_t read_errors_total;
        struct sm_risk risk; /* forecast and verdict after the last successful read */
};

/* Agent-level facts rendered next to the devices. */
struct sm_agent_stats {
        double collection_duration_s; /* the last full collection */
        double collection_ts;         /* wall clock when it finished */
        uint64_t collections_total;
        bool udev_monitor; /* hotplug events followed */
        bool udev_db;      /* udev properties available */
        bool replay;
        char telemetry_path[132];   /* for the landing page's link */
        uint64_t stuck_reads;       /* abandoned reads whose workers have not returned */
        uint64_t stuck_reads_limit; /* at most this many; then no new reads are started */
};

const char *sm_read_status_name(enum sm_read_status s);

/* The device's best identity: udev/sysfs values, with the drive's own filling the gaps. */
void sm_device_identity(const struct sm_device_state *d, struct sm_identity *ret);

/* The capacity to report: discovery's, else the drive's own; 0 unknown. */
uint64_t sm_device_capacity(const struct sm_device_state *d);

/* up: the last read succeeded or found the drive asleep. */
bool sm_device_up(const struct sm_device_state *d);

/* The health values are from a read that is still current (exported to Prometheus). */
bool sm_device_values_current(const struct sm_device_state *d);

/* NULL-terminated: the agent's per-device families, in exposition order. */
extern const struct sm_family *const sm_state_families[];

/* The readings of d's own state (top level of its JSON object), in JSON order. */
void sm_state_readings(const struct sm_device_state *d, sm_emit_fn emit, void *ctx);

#endif
