/* SPDX-License-Identifier: MIT */
/*
 * history.h - a drive's persisted history: what the agent saw of it, hour by
 * hour for 14 days and day by day for 3 years, in one small file per drive
 * under --state.dir.
 *
 * A history is plain data (two fixed-size arrays, oldest sample first), so the
 * forecast and the verdict are pure functions of it. sm_history_add() folds
 * one collection into the current hour's and the current day's sample and
 * says when a bucket closed, which is when the caller persists it (at most
 * once an hour per drive).
 *
 * File format (version 1, all integers little-endian; docs/health.md):
 *   header, 224 bytes: magic "SSDMHIST", u32 version, u32 record size (40),
 *     u16 hourly capacity, u16 daily capacity, u16 hourly count, u16 daily
 *     count, i64 created (unix s), char node[64], char key[128] (NUL padded);
 *   hourly count records, then daily count records (oldest first), 40 bytes:
 *     i64 t, u64 written bytes, u32 power-on s, u32 media errors,
 *     u32 reallocated, u32 pending, u16 life used (1/10000), u16 spare
 *     (1/10000), i8 temperature max (C), u8 0, u16 present bits;
 *   u32 CRC-32 (zlib) of everything before it.
 * At most 224 + (336 + 1096) * 40 + 4 = 57508 bytes.
 */
#ifndef SM_HISTORY_H
#define SM_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SM_HIST_VERSION     1
#define SM_HIST_HOURLY      336  /* 14 days */
#define SM_HIST_DAILY       1096 /* 3 years */
#define SM_HIST_HEADER_SIZE 224
#define SM_HIST_RECORD_SIZE 40
#define SM_HIST_MAX_FILE \
        (SM_HIST_HEADER_SIZE + (SM_HIST_HOURLY + SM_HIST_DAILY) * SM_HIST_RECORD_SIZE + 4)
#define SM_HIST_KEY_MAX  128
#define SM_HIST_NODE_MAX 64
#define SM_HIST_SUFFIX   ".hist"

/* Which values a sample holds (present bits). */
enum sm_hist_field {
        SM_HIST_LIFE = 1u << 0,     /* endurance used */
        SM_HIST_WRITTEN = 1u << 1,  /* host bytes written */
        SM_HIST_MEDIA = 1u << 2,    /* media / uncorrectable errors */
        SM_HIST_REALLOC = 1u << 3,  /* reallocated sectors / grown bad blocks */
        SM_HIST_PENDING = 1u << 4,  /* pending sectors */
        SM_HIST_SPARE = 1u << 5,    /* available spare */
        SM_HIST_TEMP = 1u << 6,     /* temperature (max over the bucket) */
        SM_HIST_POWER_ON = 1u << 7, /* power-on time */
};

/* One sample, in the units the file stores (so a save/load round trip is exact). */
struct sm_hist_sample {
        int64_t t; /* unix seconds of the last collection folded into it */
        uint16_t present;
        uint16_t life_e4;  /* endurance used, 1/10000 (10000 = 100 %), saturating */
        uint16_t spare_e4; /* available spare, 1/10000 */
        int8_t temp_max_c;
        uint64_t written_bytes;
        uint32_t power_on_s; /* saturating */
        uint32_t media_errors, reallocated, pending;
};

struct sm_history {
        char key[SM_HIST_KEY_MAX];   /* the drive's identity (sm_history_key) */
        char node[SM_HIST_NODE_MAX]; /* the node it was recorded on */
        int64_t created;             /* first sample (unix s) */
        uint16_t n_hourly, n_daily;
        struct sm_hist_sample hourly[SM_HIST_HOURLY]; /* oldest first */
        struct sm_hist_sample daily[SM_HIST_DAILY];   /* oldest first */
};

/* Fill a sample's fields from base units (ratios, bytes, seconds, C); sets the present bit. */
void sm_hist_set_life(struct sm_hist_sample *s, double ratio);
void sm_hist_set_spare(struct sm_hist_sample *s, double ratio);
void sm_hist_set_temp(struct sm_hist_sample *s, double celsius);
void sm_hist_set_written(struct sm_hist_sample *s, uint64_t bytes);
void sm_hist_set_power_on(struct sm_hist_sample *s, uint64_t seconds);
void sm_hist_set_media(struct sm_hist_sample *s, uint64_t n);
void sm_hist_set_realloc(struct sm_hist_sample *s, uint64_t n);
void sm_hist_set_pending(struct sm_hist_sample *s, uint64_t n);

static inline double sm_hist_life(const struct sm_hist_sample *s)
{
        return s->life_e4 / 10000.0;
}

static inline double sm_hist_spare(const struct sm_hist_sample *s)
{
        return s->spare_e4 / 10000.0;
}

/*
 * The drive's stable identity: "wwn:<wwn>" when it has a WWN, else
 * "ms:<model>:<serial>" when it has a serial; -ENOENT when it has neither
 * (no persisted history then), -ENAMETOOLONG when it does not fit.
 */
int sm_history_key(const char *wwn, const char *model, const char *serial, char *buf, size_t n);

/*
 * The file name for a key: the key with every byte outside [A-Za-z0-9._-]
 * replaced by '_' (at most 80 of them, no leading '.'), '-', the CRC-32 of the
 * whole key in hex (two keys that sanitize alike still get two files), ".hist".
 */
int sm_history_file_name(const char *key, char *buf, size_t n);

/* This node's identity for the file header: the host name. */
void sm_history_node_id(char *buf, size_t n);

/* An empty history for a drive on a node. */
void sm_history_init(struct sm_history *h, const char *key, const char *node);

enum sm_hist_add {
        SM_HIST_ADD_MERGED = 0, /* folded into the current hour's sample */
        SM_HIST_ADD_NEW_HOUR,   /* a new hourly sample began (persist now): new hour, or
                                   error counters changed within the hour */
        SM_HIST_ADD_OLDER,      /* older than the newest sample (clock stepped back): ignored */
        SM_HIST_ADD_RESET,      /* counters went backwards: history restarted from this sample */
};

/*
 * Fold one collection into h: a sample in the same UTC hour (day) as the
 * newest hourly (daily) sample replaces it, keeping the higher temperature
 * maximum; otherwise it starts the next sample, dropping the oldest when full.
 * When media errors, reallocated or pending sectors change within an hour
 * (day), the sample before the change is kept and a second one started
 * (at most two per hour or day), so a change is never merged away.
 * Power-on time or bytes written lower than before restart the history.
 */
enum sm_hist_add sm_history_add(struct sm_history *h, const struct sm_hist_sample *s);

/* The newest sample, or NULL when empty. */
const struct sm_hist_sample *sm_history_last(const struct sm_history *h);

/*
 * The history as one series, oldest first: the daily samples older than the
 * first hourly one, then the hourly ones. Fills up to cap pointers; returns the count.
 */
size_t sm_history_series(const struct sm_history *h, const struct sm_hist_sample **out, size_t cap);

/* Encode h into buf (at least SM_HIST_MAX_FILE bytes); returns the length. */
size_t sm_history_encode(const struct sm_history *h, uint8_t *buf);

/*
 * Decode a file's bytes. Returns 0, or -EBADMSG with why set (bad magic,
 * version, sizes, counts, checksum, unordered samples: corrupt or truncated),
 * -EXDEV when it belongs to another node, -ESTALE when to another drive (key).
 * key/node NULL: not checked.
 */
int sm_history_decode(const uint8_t *buf, size_t len, const char *key, const char *node,
                      struct sm_history *ret, char *why, size_t whylen);

/*
 * Load the history of key from the directory dirfd. -ENOENT when there is
 * none; the sm_history_decode errors; other -errno from reading.
 */
int sm_history_load(int dirfd, const char *key, const char *node, struct sm_history *ret, char *why,
                    size_t whylen);

/*
 * Replace the file of h->key in dirfd atomically: write ".<name>.tmp", fsync,
 * rename over the file, fsync the directory. On failure the old file is left
 * as it was and the temp file removed. Returns 0 or -errno (EROFS, ENOSPC, ...).
 */
int sm_history_save(int dirfd, const struct sm_history *h);

/* The same for bytes sm_history_encode() produced for key (the writer thread's form). */
int sm_history_save_bytes(int dirfd, const char *key, const uint8_t *buf, size_t len);

/* Remove temp files a killed writer left in dirfd; returns how many. */
int sm_history_clean_dir(int dirfd);

#endif
