/* SPDX-License-Identifier: MIT */
/*
 * history.c - the per-drive history: buckets in memory, one checksummed file
 * per drive on disk, replaced atomically. See history.h for the format.
 */
#include "history.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

static const char magic[8] = {'S', 'S', 'D', 'M', 'H', 'I', 'S', 'T'};

#define TMP_SUFFIX ".tmp"

/* ===== samples ===== */

static uint16_t ratio_e4(double ratio)
{
        double v = ratio * 10000.0;

        if (!(v > 0.0)) /* also NaN */
                return 0;
        if (v >= 65535.0)
                return 65535;
        return (uint16_t)lround(v);
}

static uint32_t sat32(uint64_t v)
{
        return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* Setters: store the value in the sample's width (saturated) and mark it present. */
#define SET_RATIO(fn, field, bit)                       \
        void fn(struct sm_hist_sample *s, double ratio) \
        {                                               \
                s->field = ratio_e4(ratio);             \
                s->present |= (bit);                    \
        }
#define SET_COUNT32(fn, field, bit)                   \
        void fn(struct sm_hist_sample *s, uint64_t n) \
        {                                             \
                s->field = sat32(n);                  \
                s->present |= (bit);                  \
        }

SET_RATIO(sm_hist_set_life, life_e4, SM_HIST_LIFE)
SET_RATIO(sm_hist_set_spare, spare_e4, SM_HIST_SPARE)
SET_COUNT32(sm_hist_set_power_on, power_on_s, SM_HIST_POWER_ON)
SET_COUNT32(sm_hist_set_media, media_errors, SM_HIST_MEDIA)
SET_COUNT32(sm_hist_set_realloc, reallocated, SM_HIST_REALLOC)
SET_COUNT32(sm_hist_set_pending, pending, SM_HIST_PENDING)

void sm_hist_set_temp(struct sm_hist_sample *s, double celsius)
{
        if (isnan(celsius))
                return;
        if (celsius < -128.0)
                celsius = -128.0;
        if (celsius > 127.0)
                celsius = 127.0;
        s->temp_max_c = (int8_t)lround(celsius);
        s->present |= SM_HIST_TEMP;
}

void sm_hist_set_written(struct sm_hist_sample *s, uint64_t bytes)
{
        s->written_bytes = bytes;
        s->present |= SM_HIST_WRITTEN;
}

/* ===== identity and names ===== */

int sm_history_key(const char *wwn, const char *model, const char *serial, char *buf, size_t n)
{
        int len;

        if (wwn && wwn[0])
                len = snprintf(buf, n, "wwn:%s", wwn);
        else if (serial && serial[0])
                len = snprintf(buf, n, "ms:%s:%s", model ? model : "", serial);
        else
                return -ENOENT;
        if (len < 0 || (size_t)len >= n || (size_t)len >= SM_HIST_KEY_MAX)
                return -ENAMETOOLONG;
        return 0;
}

static bool safe_char(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '_' || c == '-';
}

int sm_history_file_name(const char *key, char *buf, size_t n)
{
        char safe[81];
        size_t i, len = strlen(key);
        uLong crc = crc32(0L, (const Bytef *)key, (uInt)len);
        int r;

        for (i = 0; i < len && i < sizeof(safe) - 1; i++)
                safe[i] = safe_char(key[i]) ? key[i] : '_';
        safe[i] = '\0';
        if (safe[0] == '.')
                safe[0] = '_';
        r = snprintf(buf, n, "%s-%08lx" SM_HIST_SUFFIX, safe, (unsigned long)crc);
        if (r < 0 || (size_t)r >= n)
                return -ENAMETOOLONG;
        return 0;
}

void sm_history_node_id(char *buf, size_t n)
{
        if (n == 0)
                return;
        if (gethostname(buf, n) < 0)
                buf[0] = '\0';
        buf[n - 1] = '\0';
}

static void copy_str(char *dst, size_t n, const char *src)
{
        size_t l = src ? strnlen(src, n - 1) : 0;

        memset(dst, 0, n);
        if (l)
                memcpy(dst, src, l);
}

void sm_history_init(struct sm_history *h, const char *key, const char *node)
{
        memset(h, 0, sizeof(*h));
        copy_str(h->key, sizeof(h->key), key);
        copy_str(h->node, sizeof(h->node), node);
}

/* ===== buckets ===== */

static int64_t floor_div(int64_t a, int64_t b)
{
        return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static void merge(struct sm_hist_sample *dst, const struct sm_hist_sample *s)
{
        bool had_temp = dst->present & SM_HIST_TEMP;
        int8_t old = dst->temp_max_c;

        *dst = *s;
        if (had_temp && (s->present & SM_HIST_TEMP) && old > s->temp_max_c)
                dst->temp_max_c = old;
        else if (had_temp && !(s->present & SM_HIST_TEMP)) {
                dst->temp_max_c = old;
                dst->present |= SM_HIST_TEMP;
        }
}

/* The error counters the verdict watches for growth differ between a and b. */
static bool counters_changed(const struct sm_hist_sample *a, const struct sm_hist_sample *b)
{
        return a->media_errors != b->media_errors || a->reallocated != b->reallocated ||
               a->pending != b->pending ||
               (a->present & (SM_HIST_MEDIA | SM_HIST_REALLOC | SM_HIST_PENDING)) !=
                       (b->present & (SM_HIST_MEDIA | SM_HIST_REALLOC | SM_HIST_PENDING));
}

/*
 * Fold s into a ring of cap samples bucketed by `period` seconds; true if a new
 * sample began. A change of the error counters within a bucket keeps the
 * sample before it and starts a second one for the bucket (at most two per
 * bucket), so the history holds the value from before the change: an error in
 * the first hour of monitoring is growth too.
 */
static bool fold(struct sm_hist_sample *ring, uint16_t *n, size_t cap, int64_t period,
                 const struct sm_hist_sample *s)
{
        int64_t b = floor_div(s->t, period);

        if (*n > 0 && floor_div(ring[*n - 1].t, period) == b) {
                bool second = *n > 1 && floor_div(ring[*n - 2].t, period) == b;

                if (second || !counters_changed(&ring[*n - 1], s)) {
                        merge(&ring[*n - 1], s);
                        return false;
                }
        }
        if (*n == cap) {
                memmove(ring, ring + 1, (cap - 1) * sizeof(*ring));
                (*n)--;
        }
        ring[(*n)++] = *s;
        return true;
}

static bool went_backwards(const struct sm_hist_sample *last, const struct sm_hist_sample *s)
{
        uint16_t both = last->present & s->present;

        /* A drive reports whole hours; allow one hour of rounding. */
        if ((both & SM_HIST_POWER_ON) && (uint64_t)s->power_on_s + 3600 < last->power_on_s)
                return true;
        if ((both & SM_HIST_WRITTEN) && s->written_bytes < last->written_bytes)
                return true;
        return false;
}

const struct sm_hist_sample *sm_history_last(const struct sm_history *h)
{
        return h->n_hourly ? &h->hourly[h->n_hourly - 1] : NULL;
}

enum sm_hist_add sm_history_add(struct sm_history *h, const struct sm_hist_sample *s)
{
        const struct sm_hist_sample *last = sm_history_last(h);
        enum sm_hist_add ret = SM_HIST_ADD_MERGED;

        if (last && s->t < last->t)
                return SM_HIST_ADD_OLDER;
        if (last && went_backwards(last, s)) {
                h->n_hourly = h->n_daily = 0;
                ret = SM_HIST_ADD_RESET;
        }
        if (h->n_hourly == 0)
                h->created = s->t;
        if (fold(h->hourly, &h->n_hourly, SM_HIST_HOURLY, 3600, s) && ret == SM_HIST_ADD_MERGED)
                ret = SM_HIST_ADD_NEW_HOUR;
        fold(h->daily, &h->n_daily, SM_HIST_DAILY, 86400, s);
        return ret;
}

size_t sm_history_series(const struct sm_history *h, const struct sm_hist_sample **out, size_t cap)
{
        size_t n = 0;
        int64_t first = h->n_hourly ? h->hourly[0].t : INT64_MAX;

        for (size_t i = 0; i < h->n_daily && n < cap; i++)
                if (h->daily[i].t < first)
                        out[n++] = &h->daily[i];
        for (size_t i = 0; i < h->n_hourly && n < cap; i++)
                out[n++] = &h->hourly[i];
        return n;
}

/* ===== encoding ===== */

static uint8_t *put16(uint8_t *p, uint16_t v)
{
        p[0] = (uint8_t)v;
        p[1] = (uint8_t)(v >> 8);
        return p + 2;
}

static uint8_t *put32(uint8_t *p, uint32_t v)
{
        for (unsigned i = 0; i < 4; i++)
                p[i] = (uint8_t)(v >> (8 * i));
        return p + 4;
}

static uint8_t *put64(uint8_t *p, uint64_t v)
{
        for (unsigned i = 0; i < 8; i++)
                p[i] = (uint8_t)(v >> (8 * i));
        return p + 8;
}

static uint16_t get16(const uint8_t *p)
{
        return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
        return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
        return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static uint8_t *put_record(uint8_t *p, const struct sm_hist_sample *s)
{
        p = put64(p, (uint64_t)s->t);
        p = put64(p, s->written_bytes);
        p = put32(p, s->power_on_s);
        p = put32(p, s->media_errors);
        p = put32(p, s->reallocated);
        p = put32(p, s->pending);
        p = put16(p, s->life_e4);
        p = put16(p, s->spare_e4);
        *p++ = (uint8_t)s->temp_max_c;
        *p++ = 0;
        return put16(p, s->present);
}

static void get_record(const uint8_t *p, struct sm_hist_sample *s)
{
        s->t = (int64_t)get64(p);
        s->written_bytes = get64(p + 8);
        s->power_on_s = get32(p + 16);
        s->media_errors = get32(p + 20);
        s->reallocated = get32(p + 24);
        s->pending = get32(p + 28);
        s->life_e4 = get16(p + 32);
        s->spare_e4 = get16(p + 34);
        s->temp_max_c = (int8_t)p[36];
        s->present = get16(p + 38);
}

size_t sm_history_encode(const struct sm_history *h, uint8_t *buf)
{
        uint8_t *p = buf;
        uLong crc;

        memcpy(p, magic, sizeof(magic));
        p += sizeof(magic);
        p = put32(p, SM_HIST_VERSION);
        p = put32(p, SM_HIST_RECORD_SIZE);
        p = put16(p, SM_HIST_HOURLY);
        p = put16(p, SM_HIST_DAILY);
        p = put16(p, h->n_hourly);
        p = put16(p, h->n_daily);
        p = put64(p, (uint64_t)h->created);
        memcpy(p, h->node, SM_HIST_NODE_MAX);
        p += SM_HIST_NODE_MAX;
        memcpy(p, h->key, SM_HIST_KEY_MAX);
        p += SM_HIST_KEY_MAX;
        for (size_t i = 0; i < h->n_hourly; i++)
                p = put_record(p, &h->hourly[i]);
        for (size_t i = 0; i < h->n_daily; i++)
                p = put_record(p, &h->daily[i]);
        crc = crc32(0L, buf, (uInt)(p - buf));
        p = put32(p, (uint32_t)crc);
        return (size_t)(p - buf);
}

/* Say why in why (n bytes) and return r. */
__attribute__((format(printf, 4, 5))) static int say(char *why, size_t n, int r, const char *fmt,
                                                     ...)
{
        va_list ap;

        if (why && n) {
                va_start(ap, fmt);
                vsnprintf(why, n, fmt, ap);
                va_end(ap);
        }
        return r;
}

#define bad(why, n, ...) say(why, n, -EBADMSG, __VA_ARGS__)

static bool ordered(const struct sm_hist_sample *s, size_t n)
{
        for (size_t i = 1; i < n; i++)
                if (s[i].t <= s[i - 1].t)
                        return false;
        return true;
}

int sm_history_decode(const uint8_t *buf, size_t len, const char *key, const char *node,
                      struct sm_history *ret, char *why, size_t whylen)
{
        const uint8_t *p = buf;
        uint16_t nh, nd;
        size_t want;

        if (len < SM_HIST_HEADER_SIZE + 4)
                return bad(why, whylen, "truncated (%zu bytes)", len);
        if (memcmp(p, magic, sizeof(magic)) != 0)
                return bad(why, whylen, "not a history file (bad magic)");
        if (get32(p + 8) != SM_HIST_VERSION)
                return bad(why, whylen, "unknown version %" PRIu32, get32(p + 8));
        if (get32(p + 12) != SM_HIST_RECORD_SIZE || get16(p + 16) != SM_HIST_HOURLY ||
            get16(p + 18) != SM_HIST_DAILY)
                return bad(why, whylen, "unexpected record size or capacities");
        nh = get16(p + 20);
        nd = get16(p + 22);
        if (nh > SM_HIST_HOURLY || nd > SM_HIST_DAILY)
                return bad(why, whylen, "sample counts %u/%u over capacity", nh, nd);
        want = SM_HIST_HEADER_SIZE + ((size_t)nh + nd) * SM_HIST_RECORD_SIZE + 4;
        if (len != want)
                return bad(why, whylen, "%zu bytes, %zu expected (truncated?)", len, want);
        if (get32(buf + len - 4) != (uint32_t)crc32(0L, buf, (uInt)(len - 4)))
                return bad(why, whylen, "checksum mismatch");
        if (p[24 + 8 + SM_HIST_NODE_MAX - 1] != '\0' ||
            p[24 + 8 + SM_HIST_NODE_MAX + SM_HIST_KEY_MAX - 1] != '\0')
                return bad(why, whylen, "unterminated node or key");

        memset(ret, 0, sizeof(*ret));
        ret->created = (int64_t)get64(p + 24);
        memcpy(ret->node, p + 32, SM_HIST_NODE_MAX);
        memcpy(ret->key, p + 32 + SM_HIST_NODE_MAX, SM_HIST_KEY_MAX);
        if (node && strcmp(ret->node, node) != 0)
                return say(why, whylen, -EXDEV, "recorded on node '%s'", ret->node);
        if (key && strcmp(ret->key, key) != 0)
                return say(why, whylen, -ESTALE, "belongs to drive '%s'", ret->key);
        p = buf + SM_HIST_HEADER_SIZE;
        for (size_t i = 0; i < nh; i++, p += SM_HIST_RECORD_SIZE)
                get_record(p, &ret->hourly[i]);
        for (size_t i = 0; i < nd; i++, p += SM_HIST_RECORD_SIZE)
                get_record(p, &ret->daily[i]);
        ret->n_hourly = nh;
        ret->n_daily = nd;
        if (!ordered(ret->hourly, nh) || !ordered(ret->daily, nd))
                return bad(why, whylen, "samples out of order");
        return 0;
}

/* ===== files ===== */

static int name_of(const char *key, char *name, size_t n, char *tmp, size_t tn)
{
        int r = sm_history_file_name(key, name, n);

        if (r < 0)
                return r;
        r = snprintf(tmp, tn, ".%s" TMP_SUFFIX, name);
        return r < 0 || (size_t)r >= tn ? -ENAMETOOLONG : 0;
}

int sm_history_load(int dirfd, const char *key, const char *node, struct sm_history *ret, char *why,
                    size_t whylen)
{
        char name[128], tmp[160];
        uint8_t *buf;
        struct stat st;
        size_t len = 0;
        int fd, r;

        if (why && whylen)
                why[0] = '\0';
        r = name_of(key, name, sizeof(name), tmp, sizeof(tmp));
        if (r < 0)
                return r;
        fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                r = S_ISREG(st.st_mode) ? -errno : bad(why, whylen, "not a regular file");
                close(fd);
                return r;
        }
        buf = malloc(SM_HIST_MAX_FILE + 1);
        if (buf == NULL) {
                close(fd);
                return -ENOMEM;
        }
        /* One byte more than the largest valid file tells an oversized one apart. */
        while (len < SM_HIST_MAX_FILE + 1) {
                ssize_t k = read(fd, buf + len, SM_HIST_MAX_FILE + 1 - len);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0) {
                        r = -errno;
                        free(buf);
                        close(fd);
                        return r;
                }
                if (k == 0)
                        break;
                len += (size_t)k;
        }
        close(fd);
        r = sm_history_decode(buf, len, key, node, ret, why, whylen);
        free(buf);
        return r;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
        while (len > 0) {
                ssize_t k = write(fd, p, len);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                p += k;
                len -= (size_t)k;
        }
        return 0;
}

int sm_history_save_bytes(int dirfd, const char *key, const uint8_t *buf, size_t len)
{
        char name[128], tmp[160];
        int fd, r;

        r = name_of(key, name, sizeof(name), tmp, sizeof(tmp));
        if (r < 0)
                return r;
        (void)unlinkat(dirfd, tmp, 0);
        fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        r = write_all(fd, buf, len);
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
                r = -errno;
        if (r < 0) {
                (void)unlinkat(dirfd, tmp, 0);
                return r;
        }
        /* Make the rename durable; a failure here does not undo the write. */
        (void)fsync(dirfd);
        return 0;
}

int sm_history_save(int dirfd, const struct sm_history *h)
{
        uint8_t *buf = malloc(SM_HIST_MAX_FILE);
        int r;

        if (buf == NULL)
                return -ENOMEM;
        r = sm_history_save_bytes(dirfd, h->key, buf, sm_history_encode(h, buf));
        free(buf);
        return r;
}

static bool is_tmp_name(const char *n)
{
        size_t l = strlen(n), sl = strlen(SM_HIST_SUFFIX TMP_SUFFIX);

        return n[0] == '.' && l > sl + 1 && strcmp(n + l - sl, SM_HIST_SUFFIX TMP_SUFFIX) == 0;
}

int sm_history_clean_dir(int dirfd)
{
        int fd = dup(dirfd), removed = 0;
        DIR *d;
        struct dirent *e;

        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (d == NULL) {
                close(fd);
                return -errno;
        }
        rewinddir(d);
        while ((e = readdir(d)) != NULL)
                if (is_tmp_name(e->d_name) && unlinkat(dirfd, e->d_name, 0) == 0)
                        removed++;
        closedir(d);
        return removed;
}
