/* SPDX-License-Identifier: MIT */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

static _Atomic int max_level = SM_LOG_INFO;

void sm_log_set_level(enum sm_log_level level)
{
        atomic_store(&max_level, (int)level);
}

int sm_log_parse_level(const char *s, enum sm_log_level *ret)
{
        static const struct {
                const char *name;
                enum sm_log_level level;
        } names[] = {{"error", SM_LOG_ERR},
                     {"warn", SM_LOG_WARN},
                     {"info", SM_LOG_INFO},
                     {"debug", SM_LOG_DEBUG}};

        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
                if (strcmp(s, names[i].name) == 0) {
                        *ret = names[i].level;
                        return 0;
                }
        }
        return -EINVAL;
}

void sm_log(enum sm_log_level level, const char *fmt, ...)
{
        static const char *const prefix[] = {[SM_LOG_ERR] = "<3>error",
                                             [SM_LOG_WARN] = "<4>warning",
                                             [SM_LOG_INFO] = "<6>info",
                                             [SM_LOG_DEBUG] = "<7>debug"};
        char msg[1024];
        int saved = errno;
        va_list ap;

        if ((int)level > atomic_load(&max_level))
                return;
        va_start(ap, fmt);
        (void)vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        /* Strip the "<N>" syslog prefix unless stderr goes to the journal. */
        fprintf(stderr, "%s: %s\n", prefix[level] + 3, msg);
        errno = saved;
}
