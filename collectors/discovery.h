/* SPDX-License-Identifier: MIT */
/*
 * discovery.h - finds the block devices to monitor through libudev (enumerate
 * at start, then a udev monitor), classifies them (classify.h) and gives the
 * poller a list of struct sm_device_id. Owned by the collector thread.
 */
#ifndef SM_DISCOVERY_H
#define SM_DISCOVERY_H

#include <stdbool.h>
#include <stddef.h>

#include "device.h"

struct sm_discovery_opts {
        bool include_hdd; /* monitor HDDs too (default: SSDs only) */
        const char *device_include; /* POSIX extended regex on the kernel name, or NULL */
        const char *device_exclude; /* same; applied after include */
        const char *const *devices; /* explicit --device paths (monitored whatever their class) */
        size_t n_devices;
        bool monitor; /* follow udev events (false: enumerate only) */
};

struct sm_discovery;

/* -EINVAL with a message in err for a bad regex; other negative errno otherwise. */
int sm_discovery_new(const struct sm_discovery_opts *opts, struct sm_discovery **ret, char *err,
                     size_t errlen);
struct sm_discovery *sm_discovery_free(struct sm_discovery *d);

/*
 * Enumerate now. *ret is a malloc'd array of the devices to monitor (one entry per
 * physical drive; NVMe namespaces carry their controller node in devnode), sorted by
 * name; the caller frees it.
 */
int sm_discovery_scan(struct sm_discovery *d, struct sm_device_id **ret, size_t *ret_n);

/* A pollable fd that becomes readable when uevents are pending; -1 without a monitor. */
int sm_discovery_fd(const struct sm_discovery *d);

/*
 * Drain pending uevents. Returns 1 when the device set may have changed (add or
 * remove of a block disk, or a change event: the caller debounces and rescans),
 * 0 when nothing relevant happened, or a negative errno.
 */
int sm_discovery_process(struct sm_discovery *d);

/* True when udev properties are available (host /run/udev visible). */
bool sm_discovery_has_udev_db(const struct sm_discovery *d);

#endif
