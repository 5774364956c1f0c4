/* SPDX-License-Identifier: MIT */
/*
 * check.h - the few assertion macros the unit tests share. Every check counts
 * as passed or failed; a program ends with "N passed, N failed" and exits 1 if
 * anything failed.
 */
#ifndef SM_TEST_CHECK_H
#define SM_TEST_CHECK_H

#include <inttypes.h>
#include <stdio.h>
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

static inline int check_summary(void)
{
        printf("%u passed, %u failed\n", check_passed, check_failed);
        return check_failed ? 1 : 0;
}

#endif
