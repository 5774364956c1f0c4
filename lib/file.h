/* SPDX-License-Identifier: MIT */
/*
 * file.h - reading a small file whole: captures, sysfs attributes.
 */
#ifndef SM_FILE_H
#define SM_FILE_H

#include <stddef.h>

/* sm_read_file() flags */
#define SM_FILE_NONBLOCK (1u << 0) /* open with O_NONBLOCK: a FIFO fails at once, not blocks */

/*
 * Read the regular file at path (opened read-only, close-on-exec, never a
 * controlling tty) into buf, at most max bytes, and set *ret_len. Returns 0,
 * -errno of open/read, -EINVAL when it is not a regular file, or -EFBIG when
 * it holds more than max bytes.
 */
int sm_read_file(const char *path, void *buf, size_t max, size_t *ret_len, unsigned flags);

#endif
