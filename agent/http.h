/* SPDX-License-Identifier: MIT */
/*
 * http.h - the HTTP server (libmicrohttpd, one internal epoll thread per
 * listen address). Handlers only take a reference to the current snapshot
 * and hand out its pre-rendered bytes: no disk I/O, no rendering, nothing
 * allocated in proportion to the number of devices.
 *
 * Routes: GET|HEAD <telemetry path>, /api/v1/devices, /api/v1/devices/{name|serial},
 * /healthz, /readyz, /. Other paths 404, other methods 405.
 */
#ifndef SM_HTTP_H
#define SM_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "snapshot.h"

struct sm_http;
struct sm_web;

/*
 * Bind every address of every listen address (listen.h), serving nothing yet: call
 * it before dropping privileges. -errno with a message (the kernel's reason) in err.
 */
int sm_http_bind(const struct sm_config *cfg, struct sm_http **ret, char *err, size_t errlen);
/* Start serving store on the bound sockets (web: --web.config.file, or NULL). */
int sm_http_serve(struct sm_http *h, struct sm_store *store, struct sm_web *web, char *err,
                  size_t errlen);
/* sm_http_bind + sm_http_serve (tests, benchmarks). */
int sm_http_start(const struct sm_config *cfg, struct sm_store *store, struct sm_http **ret,
                  char *err, size_t errlen);
/* The same with a --web.config.file (TLS, basic auth, headers, rate limit); web outlives it. */
int sm_http_start_web(const struct sm_config *cfg, struct sm_store *store, struct sm_web *web,
                      struct sm_http **ret, char *err, size_t errlen);
/* Stop accepting on every listener; open connections are still answered. */
void sm_http_quiesce(struct sm_http *h);
/* Stop accepting (all listeners first), close connections and free. */
struct sm_http *sm_http_stop(struct sm_http *h);
/* The port listener i is bound to (useful with port 0). */
unsigned sm_http_port(const struct sm_http *h, size_t i);

/* Does an Accept-Encoding header value accept gzip (q > 0)? */
bool sm_http_accepts_gzip(const char *accept_encoding);

#endif
