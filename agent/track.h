/* SPDX-License-Identifier: MIT */
/*
 * track.h - the agent's side of drive history: the state directory, each
 * drive's history in memory, a background writer, and what the forecast and
 * the verdict make of it after each collection (docs/health.md).
 *
 * Owned and called by the poller thread only. File writes happen on the
 * tracker's own writer thread, so a slow or hung state directory never delays
 * a collection; loads (at most 57508 bytes, once per drive) happen inline.
 */
#ifndef SM_TRACK_H
#define SM_TRACK_H

#include <stdbool.h>
#include <stdint.h>

#include "forecast.h"
#include "history.h"
#include "risk.h"
#include "verdict.h"

struct sm_tracker;

/*
 * A tracker over state_dir (NULL or "": memory only). write false: load
 * histories but never write (one-shot modes next to a running daemon).
 * Never fails for a bad directory (memory only, one warning); NULL on ENOMEM.
 */
struct sm_tracker *sm_tracker_new(const char *state_dir, bool write);

/* Persist what changed (waiting at most 5 s for the writer), stop the writer, free. */
struct sm_tracker *sm_tracker_free(struct sm_tracker *t);

/*
 * After a successful collection of a drive: fold s into the drive's history
 * (loading it on first sight), queue a write when a new hour began, and fill
 * ret with the forecast, the verdict and the trend (agent/trend.h). key: sm_history_key(), or NULL
 * when the drive has no stable identity (then `name` keys an in-memory history).
 */
void sm_tracker_update(struct sm_tracker *t, const char *key, const char *name,
                       const struct sm_hist_sample *s, uint64_t capacity,
                       const struct sm_verdict_input *in, struct sm_risk *ret);

/* A device left: queue its last write and drop its history from memory. */
void sm_tracker_forget(struct sm_tracker *t, const char *key, const char *name);

/* Wait (at most timeout_ms) until queued writes are done; true if they are (tests). */
bool sm_tracker_sync(struct sm_tracker *t, unsigned timeout_ms);

#endif
