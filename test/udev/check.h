/* SPDX-License-Identifier: MIT */
/* check.h - the few assertion helpers the udev tests share. */
#ifndef SM_TEST_UDEV_CHECK_H
#define SM_TEST_UDEV_CHECK_H

#include <stdio.h>
#include <string.h>

static unsigned n_pass, n_fail;

#define CHECK(cond, ...)                                                                \
        do {                                                                            \
                if (cond) {                                                             \
                        n_pass++;                                                       \
                } else {                                                                \
                        n_fail++;                                                       \
                        fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
                        fprintf(stderr, __VA_ARGS__);                                   \
                        fputc('\n', stderr);                                            \
                }                                                                       \
        } while (0)

#define CHECK_STR(got, want, ctx) \
        CHECK(strcmp((got), (want)) == 0, "%s: got '%s', want '%s'", (ctx), (got), (want))

static inline int check_summary(void)
{
        printf("%u passed, %u failed\n", n_pass, n_fail);
        return n_fail ? 1 : 0;
}

#endif
