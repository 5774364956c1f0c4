/* SPDX-License-Identifier: MIT */
/*
 * poller.h - the collector thread. It owns discovery, the per-device state
 * table and the worker threads that read devices with a deadline each; after
 * every collection (schedule, udev event, rescan) it builds a snapshot and
 * publishes it in the store. HTTP never waits for it.
 */
#ifndef SM_POLLER_H
#define SM_POLLER_H

#include <stdint.h>

#include "config.h"
#include "snapshot.h"

struct sm_poller;

/* -errno with a message in err (bad regex, no udev, unreadable replay dir). */
int sm_poller_new(const struct sm_config *cfg, struct sm_store *store, struct sm_poller **ret,
                  char *err, size_t errlen);
/* Start the collector thread: first collection at once, then every interval. */
int sm_poller_start(struct sm_poller *p);
/* Ask for a collection of every device now (SIGUSR1, tests). */
void sm_poller_trigger(struct sm_poller *p);
/* Monotonic ms of the collector loop's last turn (for the systemd watchdog). */
uint64_t sm_poller_heartbeat(const struct sm_poller *p);
/* Stop and join the thread; abandoned reads are left to finish on their own. */
void sm_poller_stop(struct sm_poller *p);
/*
 * Stop, then wait up to max_ms for reads still in flight (not the abandoned ones) to
 * return. Returns how many workers are still running: what they use (the drive
 * database, the collectors' libraries) must then stay alive until the process exits.
 */
size_t sm_poller_drain(struct sm_poller *p, unsigned max_ms);
struct sm_poller *sm_poller_free(struct sm_poller *p);

/*
 * One synchronous collection without a thread or store (check/features modes):
 * discover, read every device with its deadline, return the snapshot.
 */
int sm_poller_collect_once(const struct sm_config *cfg, struct sm_snapshot **ret, char *err,
                           size_t errlen);

#endif
