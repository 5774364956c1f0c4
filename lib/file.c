/* SPDX-License-Identifier: MIT */
#include "file.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

#include "util.h"

int sm_read_file(const char *path, void *buf, size_t max, size_t *ret_len, unsigned flags)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
                                                    (flags & SM_FILE_NONBLOCK ? O_NONBLOCK : 0));
        struct stat st;
        size_t len = 0;

        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EINVAL;
        for (;;) {
                char extra;
                ssize_t k =
                        len < max ? read(fd, (char *)buf + len, max - len) : read(fd, &extra, 1);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        break;
                if (len >= max)
                        return -EFBIG;
                len += (size_t)k;
        }
        *ret_len = len;
        return 0;
}
