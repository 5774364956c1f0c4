/* SPDX-License-Identifier: MIT */
/*
 * web.h - --web.config.file at run time: the loaded config (webconfig.c), its
 * TLS objects (tls.c) and basic-auth workers (auth.c), hooked into
 * libmicrohttpd. http.c asks for daemon flags/options and passes every request
 * through sm_web_gate; main.c polls sm_web_reload so a changed file (or a
 * rotated certificate) applies to the next connection, and a broken one is
 * logged while the last good one stays in force.
 */
#ifndef SM_WEB_H
#define SM_WEB_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

struct sm_web;

/* Load and validate path (NULL: *ret = NULL, plain HTTP). -errno with "FILE:LINE: KEY: ..." */
int sm_web_open(const char *path, struct sm_web **ret, char *err, size_t errlen);
void sm_web_free(struct sm_web *w);

bool sm_web_tls(const struct sm_web *w);

/* Daemon flags and options (into opts[0..max), terminated by MHD_OPTION_END). */
unsigned sm_web_mhd_flags(const struct sm_web *w);
size_t sm_web_mhd_options(struct sm_web *w, struct MHD_OptionItem *opts, size_t max);

enum sm_web_verdict {
        SM_WEB_PASS,      /* serve the request */
        SM_WEB_RESPOND,   /* queue *resp with *code (401, 429, 503), then destroy it */
        SM_WEB_SUSPENDED, /* a worker is checking the password; return MHD_YES */
        SM_WEB_CLOSE,     /* drop the connection (return MHD_NO) */
};

/* Rate limit and credentials for one request (probes /healthz and /readyz need neither). */
enum sm_web_verdict sm_web_gate(struct sm_web *w, struct MHD_Connection *c, const char *url,
                                struct MHD_Response **resp, unsigned *code);
/* Add http_server_config.headers to a response made for one request. */
int sm_web_add_headers(struct sm_web *w, struct MHD_Response *r);

/* Re-read the file if it or a file it names changed (force: unconditionally). */
int sm_web_reload(struct sm_web *w, bool force);

/* Stop the password workers (before the daemons stop). */
void sm_web_stop(struct sm_web *w);

#endif
