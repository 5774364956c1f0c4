/* SPDX-License-Identifier: MIT */
/* common.h - tiny check helpers shared by the ATA tests. */
#ifndef SM_TEST_ATA_COMMON_H
#define SM_TEST_ATA_COMMON_H

#include <stdio.h>

static unsigned t_passed, t_failed;

#define CHECK(cond, ...)                                                     \
        do {                                                                 \
                if (cond) {                                                  \
                        t_passed++;                                          \
                } else {                                                     \
                        t_failed++;                                          \
                        fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
                        fprintf(stderr, __VA_ARGS__);                        \
                        fputc('\n', stderr);                                 \
                }                                                            \
        } while (0)

static inline int t_summary(void)
{
        printf("%u passed, %u failed\n", t_passed, t_failed);
        return t_failed ? 1 : 0;
}

#endif
