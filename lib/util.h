/* SPDX-License-Identifier: MIT */
/*
 * util.h - small helpers shared by every module: scoped cleanup, TAKE_PTR,
 * ARRAY_SIZE, build-time checks, string comparison, bounded and trimmed string copies, strict
 * number and duration parsing, clocks.
 */
#ifndef SM_UTIL_H
#define SM_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* 0 (an integer constant expression) when ok holds; a build error when not (Linux's
 * BUILD_BUG_ON_ZERO, turned around), for checks inside static initializers. */
#define SM_ZERO_UNLESS(ok) (0 * sizeof(char[(ok) ? 1 : -1]))

/* The name of enum value v in a table indexed by the enum, or fallback outside it. */
#define SM_ENUM_NAME(table, v, fallback)                                                \
        ((size_t)(v) < ARRAY_SIZE(table) && (table)[(size_t)(v)] ? (table)[(size_t)(v)] \
                                                                 : (fallback))

#define _cleanup_(f) __attribute__((cleanup(f)))

/* Hand a cleanup-managed pointer to someone else: return it and NULL the local. */
#define TAKE_PTR(p)                       \
        ({                                \
                __typeof__(p) _tp_ = (p); \
                (p) = NULL;               \
                _tp_;                     \
        })

#define TAKE_FD(fd)              \
        ({                       \
                int _tf_ = (fd); \
                (fd) = -1;       \
                _tf_;            \
        })

static inline void sm_freep(void *p)
{
        free(*(void **)p);
}

static inline void sm_closep(int *fd)
{
        if (*fd >= 0)
                (void)close(*fd);
}

#define _cleanup_free_  _cleanup_(sm_freep)
#define _cleanup_close_ _cleanup_(sm_closep)

/* Both strings non-NULL and equal. */
bool sm_streq(const char *a, const char *b);

/* Copy src (NULL: empty) into dst (size n) without leading and trailing whitespace. */
void sm_copy_trimmed(char *dst, size_t n, const char *src);

/* Copy src into dst (size n), always NUL-terminated; returns true if it fitted. */
bool sm_strlcpy(char *dst, const char *src, size_t n);

/* dst = a "/" b [suffix]; -ENAMETOOLONG when it does not fit in n bytes. */
int sm_path_join(char *dst, size_t n, const char *a, const char *b, const char *suffix);

/* Parse a whole decimal string into [min, max]; -EINVAL or -ERANGE on failure. */
int sm_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *ret);

/* Parse a duration such as "60s", "5m", "1h", "500ms" or "30" (seconds) into ms. */
int sm_parse_duration_ms(const char *s, uint64_t *ret_ms);

/* Monotonic and wall-clock time. */
uint64_t sm_now_mono_ms(void);
uint64_t sm_now_mono_us(void);
double sm_now_real_s(void);

#endif
