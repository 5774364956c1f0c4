/* SPDX-License-Identifier: MIT */
#include "log.h"

#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static _Atomic int max_level = SM_LOG_INFO;
static _Atomic int to_journal = -1; /* -1 not checked yet, else 0/1 */

/*
 * Is stderr the journal's stream? systemd sets JOURNAL_STREAM to the device and
 * inode of the stream it connected stdout/stderr to ("DEV:INO", decimal); it is
 * inherited by children that may have redirected stderr, so the numbers must
 * match stderr itself (sd-daemon(3), systemd.exec(5)).
 */
static bool stderr_is_journal(void)
{
        const char *v = getenv("JOURNAL_STREAM");
        uintmax_t dev, ino;
        struct stat st;
        char tail;

        if (!v || sscanf(v, "%ju:%ju%c", &dev, &ino, &tail) != 2)
                return false;
        if (fstat(STDERR_FILENO, &st) < 0)
                return false;
        return (uintmax_t)st.st_dev == dev && (uintmax_t)st.st_ino == ino;
}

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
        int saved = errno, j;
        va_list ap;

        if ((int)level > atomic_load(&max_level))
                return;
        va_start(ap, fmt);
        (void)vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        j = atomic_load(&to_journal);
        if (j < 0) {
                j = stderr_is_journal();
                atomic_store(&to_journal, j);
        }
        /* The journal reads the "<N>" syslog prefix as the priority; others get "level: ". */
        fprintf(stderr, "%s: %s\n", j ? prefix[level] : prefix[level] + 3, msg);
        errno = saved;
}
