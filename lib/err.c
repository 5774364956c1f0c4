/* SPDX-License-Identifier: MIT */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>

int sm_errf(char *err, size_t errlen, int r, const char *fmt, ...)
{
        va_list ap;

        if (!err || errlen == 0)
                return r;
        va_start(ap, fmt);
        (void)vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
        return r;
}
