/* SPDX-License-Identifier: MIT */
/*
 * listen.h - --web.listen-address: the one parser of "[host]:port", and the
 * listening sockets, opened before privileges are dropped (binding a port
 * below 1024 needs CAP_NET_BIND_SERVICE, which the agent does not keep).
 *
 *   ":port"         every address: one IPv6 socket that also takes IPv4 (IPv4
 *                   only where the host has no IPv6)
 *   "host:port"     every address the name resolves to (localhost: ::1 and
 *                   127.0.0.1 where /etc/hosts lists both), all on one port
 *   "[v6]:port"     that IPv6 address
 * Port 0 asks the kernel for a free port (the first socket's, then the same
 * for the other addresses of that name).
 */
#ifndef SM_LISTEN_H
#define SM_LISTEN_H

#include <stdbool.h>
#include <stddef.h>

struct sm_listen_spec {
        char host[256]; /* without brackets; empty for every address */
        char port[12];  /* decimal, 0..65535 */
};

/* Split spec (syntax only, no name lookup); -EINVAL when it is not [host]:port. */
int sm_listen_parse(const char *spec, struct sm_listen_spec *ret);

struct sm_listener {
        int fd;        /* bound, listening, non-blocking, close-on-exec */
        unsigned port; /* the port it is bound to */
        char addr[64]; /* "127.0.0.1:9638", "[::1]:9638", "[::]:9638" */
};

/*
 * Bind and listen on every address of spec; appends to ret (room for max in all,
 * *n used so far). -errno with a message naming spec, the address and the
 * kernel's reason in err; sockets opened by a failed call are closed.
 */
int sm_listen_open(const char *spec, struct sm_listener *ret, size_t max, size_t *n, char *err,
                   size_t errlen);

#endif
