/* SPDX-License-Identifier: MIT */
#include "listen.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/err.h"
#include "lib/util.h"

#define BACKLOG 128

int sm_listen_parse(const char *spec, struct sm_listen_spec *ret)
{
        const char *colon = strrchr(spec, ':');
        size_t hlen;
        uint64_t port;

        if (!colon || strlen(spec) > 255 || sm_parse_u64(colon + 1, 0, 65535, &port) < 0)
                return -EINVAL;
        hlen = (size_t)(colon - spec);
        if (spec[0] == '[') {
                if (hlen < 2 || spec[hlen - 1] != ']')
                        return -EINVAL;
                spec++;
                hlen -= 2;
        }
        memcpy(ret->host, spec, hlen);
        ret->host[hlen] = '\0';
        snprintf(ret->port, sizeof(ret->port), "%u", (unsigned)port);
        return 0;
}

static void describe(const struct sockaddr *sa, char *dst, size_t n)
{
        char ip[INET6_ADDRSTRLEN] = "?";
        unsigned port = 0;

        if (sa->sa_family == AF_INET6) {
                const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;

                inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
                port = ntohs(s6->sin6_port);
                snprintf(dst, n, "[%s]:%u", ip, port);
        } else {
                const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)sa;

                inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
                port = ntohs(s4->sin_port);
                snprintf(dst, n, "%s:%u", ip, port);
        }
}

static void set_port(struct sockaddr *sa, unsigned port)
{
        if (sa->sa_family == AF_INET6)
                ((struct sockaddr_in6 *)(void *)sa)->sin6_port = htons((uint16_t)port);
        else
                ((struct sockaddr_in *)(void *)sa)->sin_port = htons((uint16_t)port);
}

/* One socket on sa; dual: an IPv6 wildcard that takes IPv4 too. -errno on failure. */
static int open_one(const struct sockaddr *sa, socklen_t len, bool dual, struct sm_listener *ret)
{
        struct sockaddr_storage bound;
        socklen_t blen = sizeof(bound);
        int one = 1, v6only = !dual, r;
        int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

        if (fd < 0)
                return -errno;
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (sa->sa_family == AF_INET6)
                (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
        if (bind(fd, sa, len) < 0 || listen(fd, BACKLOG) < 0 ||
            getsockname(fd, (struct sockaddr *)&bound, &blen) < 0) {
                r = -errno;
                close(fd);
                return r;
        }
        ret->fd = fd;
        ret->port = bound.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&bound)->sin6_port)
                                                : ntohs(((struct sockaddr_in *)&bound)->sin_port);
        describe((const struct sockaddr *)&bound, ret->addr, sizeof(ret->addr));
        return 0;
}

static int open_any(const char *spec, const struct sm_listen_spec *ls, struct sm_listener *ret,
                    char *err, size_t errlen)
{
        unsigned port = (unsigned)strtoul(ls->port, NULL, 10);
        struct sockaddr_in6 s6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT};
        struct sockaddr_in s4 = {.sin_family = AF_INET};
        int r;

        s6.sin6_port = htons((uint16_t)port);
        s4.sin_port = htons((uint16_t)port);
        s4.sin_addr.s_addr = htonl(INADDR_ANY);
        r = open_one((struct sockaddr *)&s6, sizeof(s6), true, ret);
        /* No IPv6 on this host: IPv4 only. */
        if (r == -EAFNOSUPPORT || r == -EADDRNOTAVAIL)
                r = open_one((struct sockaddr *)&s4, sizeof(s4), false, ret);
        if (r < 0)
                return sm_errf(err, errlen, r, "cannot listen on '%s': %s", spec, strerror(-r));
        return r;
}

static bool seen_before(const struct addrinfo *first, const struct addrinfo *ai)
{
        for (const struct addrinfo *p = first; p != ai; p = p->ai_next) {
                if (p->ai_addrlen == ai->ai_addrlen &&
                    memcmp(p->ai_addr, ai->ai_addr, ai->ai_addrlen) == 0)
                        return true;
        }
        return false;
}

int sm_listen_open(const char *spec, struct sm_listener *ret, size_t max, size_t *n, char *err,
                   size_t errlen)
{
        struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
        struct addrinfo *ai = NULL;
        struct sm_listen_spec ls;
        size_t first = *n;
        unsigned port;
        int r;

        if (sm_listen_parse(spec, &ls) < 0)
                return sm_errf(err, errlen, -EINVAL, "invalid listen address '%s'", spec);
        if (*n == max)
                return sm_errf(err, errlen, -E2BIG,
                               "'%s': too many listening sockets (at most %zu)", spec, max);
        if (!ls.host[0]) {
                r = open_any(spec, &ls, &ret[*n], err, errlen);
                if (r == 0)
                        (*n)++;
                return r;
        }
        r = getaddrinfo(ls.host, ls.port, &hints, &ai);
        if (r != 0 || !ai) {
                snprintf(err, errlen, "cannot resolve listen address '%s': %s", spec,
                         r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
                if (ai)
                        freeaddrinfo(ai);
                return -EINVAL;
        }
        port = (unsigned)strtoul(ls.port, NULL, 10);
        r = 0;
        for (const struct addrinfo *p = ai; p && r == 0; p = p->ai_next) {
                char where[64];

                if ((p->ai_family != AF_INET && p->ai_family != AF_INET6) || seen_before(ai, p))
                        continue;
                if (*n == max) {
                        snprintf(err, errlen, "'%s': too many listening sockets (at most %zu)",
                                 spec, max);
                        r = -E2BIG;
                        break;
                }
                /* Port 0: the kernel picks one for the first address; the others follow. */
                if (port == 0 && *n > first)
                        set_port(p->ai_addr, ret[first].port);
                r = open_one(p->ai_addr, p->ai_addrlen, false, &ret[*n]);
                if (r < 0) {
                        describe(p->ai_addr, where, sizeof(where));
                        snprintf(err, errlen, "cannot listen on '%s' (%s): %s", spec, where,
                                 strerror(-r));
                        break;
                }
                (*n)++;
        }
        freeaddrinfo(ai);
        if (r < 0) {
                while (*n > first)
                        close(ret[--*n].fd);
        }
        return r;
}
