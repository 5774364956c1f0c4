/* SPDX-License-Identifier: MIT */
/*
 * check.h - the assertion macros every C test shares. Every check counts
 * as passed or failed; a program ends with "N passed, N failed" and exits 1 if
 * anything failed.
 */
#ifndef SM_TEST_CHECK_H
#define SM_TEST_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned check_passed, check_failed;

#define CHECK(cond, ...)                                                                \
        do {                                                                            \
                if (cond) {                                                             \
                        check_passed++;                                                 \
                } else {                                                                \
                        check_failed++;                                                 \
                        fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
                        fprintf(stderr, __VA_ARGS__);                                   \
                        fputc('\n', stderr);                                            \
                }                                                                       \
        } while (0)

/* An optional value as one number for comparisons: the value, or -1 when its flag is false. */
#define OPT(has, v) ((has) ? (int)(v) : -1)

#define CHECK_STR(got, want, ctx)                                                 \
        do {                                                                      \
                const char *g_ = (got), *w_ = (want);                             \
                CHECK(g_ &&strcmp(g_, w_) == 0, "%s: got '%s', want '%s'", (ctx), \
                      g_ ? g_ : "(null)", w_);                                    \
        } while (0)

#define CHECK_U64(got, want, ctx)                                                     \
        do {                                                                          \
                uint64_t g_ = (uint64_t)(got), w_ = (uint64_t)(want);                 \
                CHECK(g_ == w_, "%s: got %" PRIu64 ", want %" PRIu64, (ctx), g_, w_); \
        } while (0)

/* The whole of a stream (NUL-terminated, caller frees), or NULL. */
static inline char *check_slurp_stream(FILE *f, size_t *ret_len)
{
        size_t cap = 8192, len = 0, n;
        char *buf = malloc(cap + 1);

        while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
                len += n;
                if (len == cap) {
                        char *p = realloc(buf, 2 * cap + 1);

                        if (!p) {
                                free(buf);
                                return NULL;
                        }
                        buf = p;
                        cap *= 2;
                }
        }
        if (buf)
                buf[len] = '\0';
        if (ret_len)
                *ret_len = len;
        return buf;
}

static inline int check_summary(void)
{
        printf("%u passed, %u failed\n", check_passed, check_failed);
        return check_failed ? 1 : 0;
}

#endif
