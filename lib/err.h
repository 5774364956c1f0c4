/* SPDX-License-Identifier: MIT */
/*
 * err.h - one way to report a failure: format a one-line reason for people
 * into the caller's buffer and return the negative errno, in one statement:
 *
 *     return sm_errf(err, errlen, -EIO, "SMART READ DATA failed: %s", strerror(e));
 */
#ifndef SM_ERR_H
#define SM_ERR_H

#include <stddef.h>

/* Format the reason into err (when err && errlen; always terminated, may truncate); return r. */
int sm_errf(char *err, size_t errlen, int r, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

#endif
