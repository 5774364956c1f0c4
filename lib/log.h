/* SPDX-License-Identifier: MIT */
/*
 * log.h - the daemon's logging. Only main and the poller log user-visible
 * messages; collectors and renderers log at debug level at most.
 * Format: "level: message" on stderr (kubectl logs, a terminal); when stderr is the
 * journal's stream (JOURNAL_STREAM), "<N>level: message" so journald keeps the priority.
 */
#ifndef SM_LOG_H
#define SM_LOG_H

enum sm_log_level { SM_LOG_ERR = 3, SM_LOG_WARN = 4, SM_LOG_INFO = 6, SM_LOG_DEBUG = 7 };

void sm_log_set_level(enum sm_log_level level);
/* Parse "error", "warn", "info" or "debug"; -EINVAL otherwise. */
int sm_log_parse_level(const char *s, enum sm_log_level *ret);
void sm_log(enum sm_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define sm_log_err(...)   sm_log(SM_LOG_ERR, __VA_ARGS__)
#define sm_log_warn(...)  sm_log(SM_LOG_WARN, __VA_ARGS__)
#define sm_log_info(...)  sm_log(SM_LOG_INFO, __VA_ARGS__)
#define sm_log_debug(...) sm_log(SM_LOG_DEBUG, __VA_ARGS__)

#endif
