/* SPDX-License-Identifier: MIT */
/*
 * discovery.h - finds the block devices to monitor through libudev (enumerate
 * at start, then a udev monitor), classifies them (classify.h) and gives the
 * poller a list of struct sm_device_id. Owned by the collector thread.
 */
#ifndef SM_DISCOVERY_H
#define SM_DISCOVERY_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#include "device.h"

struct sm_discovery_opts {
        bool include_hdd;           /* monitor HDDs too (default: SSDs only) */
        const regex_t *include;     /* on the kernel name (lib/regex.h; borrowed), or NULL */
        const regex_t *exclude;     /* same; applied after include */
        const char *const *devices; /* explicit --device paths (monitored whatever their class) */
        size_t n_devices;
        bool monitor; /* follow udev events (false: enumerate only) */
};

/*
 * Policy: without explicit devices, every monitorable block disk (classify.h) of
 * class ssd (and hdd with include_hdd) whose kernel name passes include/exclude.
 * With explicit devices, exactly those (symlinks such as /dev/disk/by-id/...
 * resolved, a partition means its disk, an NVMe controller node its first
 * namespace), whatever their class; include/exclude then do not apply. A path
 * that does not exist (yet) is skipped until a rescan finds it.
 */
struct sm_discovery;

/* -errno with a message in err. */
int sm_discovery_new(const struct sm_discovery_opts *opts, struct sm_discovery **ret, char *err,
                     size_t errlen);
struct sm_discovery *sm_discovery_free(struct sm_discovery *d);

/*
 * Enumerate now. *ret is a malloc'd array of the devices to monitor (one entry per
 * physical drive; NVMe namespaces carry their controller node in devnode), sorted by
 * name; the caller frees it. Devices with the same WWN or the same serial+model are
 * one drive (the first name is kept). When udevd's events reach us, a NEW disk udevd
 * has not processed yet is left out until its udev event asks for another rescan.
 */
int sm_discovery_scan(struct sm_discovery *d, struct sm_device_id **ret, size_t *ret_n);

/*
 * A pollable fd that becomes readable when uevents are pending; -1 without a monitor.
 * It is an epoll fd over the "kernel" uevent source (reaches any network namespace
 * of the initial user namespace) and, when udevd is visible (/run/udev/control),
 * the "udev" source (host network namespace only).
 */
int sm_discovery_fd(const struct sm_discovery *d);

/*
 * Drain pending uevents. Returns 1 when the device set may have changed (add or
 * remove of a block disk, or a change event: the caller debounces and rescans; also
 * after the kernel dropped events), 0 when nothing relevant happened (events of
 * loop/zram/dm/md/optical/virtio devices and partitions are ignored unless explicit
 * devices are configured), or a negative errno. At most 4096 events per call.
 */
int sm_discovery_process(struct sm_discovery *d);

/*
 * True when udev properties are available (host /run/udev/data visible). Without
 * them identities come from sysfs (SCSI VPD page 80h, wwid, NVMe controller
 * attributes) and SSDs are told from HDDs by queue/rotational alone.
 */
bool sm_discovery_has_udev_db(const struct sm_discovery *d);

#endif
