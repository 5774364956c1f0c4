/* SPDX-License-Identifier: MIT */
/*
 * shim.h - for tests that interpose libc's open(): the optional mode argument,
 * read the way open(2) defines it (present only with O_CREAT or O_TMPFILE).
 */
#ifndef SM_TEST_SHIM_H
#define SM_TEST_SHIM_H

#include <sys/types.h>

#include <fcntl.h>
#include <stdarg.h>

/* In `int open(const char *path, int flags, ...)`: mode_t mode = SHIM_OPEN_MODE(flags); */
#define SHIM_OPEN_MODE(flags)                          \
        __extension__({                                \
                mode_t mode_ = 0;                      \
                if ((flags) & (O_CREAT | O_TMPFILE)) { \
                        va_list ap_;                   \
                        va_start(ap_, flags);          \
                        mode_ = va_arg(ap_, mode_t);   \
                        va_end(ap_);                   \
                }                                      \
                mode_;                                 \
        })

#endif
