/* SPDX-License-Identifier: MIT */
/*
 * bench-send.c - the kernel's cost of sending one HTTP response of a given size over
 * loopback TCP, by syscall sequence, without any HTTP server around it. It tells what a
 * zero-copy (sendfile from a sealed memfd) /metrics could save, and what of that the
 * sequence libmicrohttpd 0.9.75 uses for a file-descriptor response (seen with strace:
 * headers sent and pushed alone, TCP_CORK toggled, 128 KiB sendfile() chunks with an
 * epoll_wait() between them, the descriptor dup()ed per response and closed) leaves.
 *
 *   bench-send METHOD [BYTES [N]]
 *
 * METHOD: sendmsg  headers and body in one sendmsg() from memory (what the agent does)
 *         nginx    TCP_CORK, writev(headers), one sendfile() of the whole body, uncork
 *         more     send(headers, MSG_MORE), one sendfile()
 *         mhd      the libmicrohttpd 0.9.75 sequence described above
 *         mhd2m    the same with its thread-per-connection chunk (2 MiB)
 *
 * A child process reads the responses (it sends one byte per request and reads the
 * whole response); the number printed is the sending thread's CPU time per response
 * (CLOCK_THREAD_CPUTIME_ID), which on loopback includes the TCP receive processing
 * the kernel runs in the sender's context, as for a real server.
 */
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define HDR_LEN 196 /* the size of the agent's /metrics response headers */

static double thread_cpu_s(void)
{
        struct timespec t;

        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
        return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static bool opt(int fd, int name, int v)
{
        return setsockopt(fd, IPPROTO_TCP, name, &v, sizeof(v)) == 0;
}

static bool send_file(int sock, int fd, size_t len, size_t chunk, int ep)
{
        off_t off = 0;

        while ((size_t)off < len) {
                size_t want = len - (size_t)off < chunk ? len - (size_t)off : chunk;
                struct epoll_event ev;

                if (sendfile(sock, fd, &off, want) <= 0)
                        return false;
                if (ep >= 0 && (size_t)off < len && epoll_wait(ep, &ev, 1, 0) < 0)
                        return false;
        }
        return true;
}

static bool respond(const char *method, int c, const char *hdr, const char *body, size_t len,
                    int mfd, int ep)
{
        if (strcmp(method, "sendmsg") == 0) {
                struct iovec v[2] = {{(void *)(uintptr_t)hdr, HDR_LEN},
                                     {(void *)(uintptr_t)body, len}};
                struct msghdr m = {.msg_iov = v, .msg_iovlen = 2};

                return sendmsg(c, &m, MSG_NOSIGNAL) == (ssize_t)(HDR_LEN + len);
        }
        if (strcmp(method, "nginx") == 0) {
                struct iovec v = {(void *)(uintptr_t)hdr, HDR_LEN};

                return opt(c, TCP_CORK, 1) && writev(c, &v, 1) == HDR_LEN &&
                       send_file(c, mfd, len, len, -1) && opt(c, TCP_CORK, 0);
        }
        if (strcmp(method, "more") == 0)
                return send(c, hdr, HDR_LEN, MSG_MORE | MSG_NOSIGNAL) == HDR_LEN &&
                       send_file(c, mfd, len, len, -1);
        if (strcmp(method, "mhd") == 0 || strcmp(method, "mhd2m") == 0) {
                int d = fcntl(mfd, F_DUPFD_CLOEXEC, 3);
                bool ok = d >= 0 && send(c, hdr, HDR_LEN, MSG_NOSIGNAL) == HDR_LEN &&
                          opt(c, TCP_CORK, 0) && opt(c, TCP_CORK, 1) &&
                          send_file(c, d, len, method[3] ? 2u << 20 : 128u << 10, ep) &&
                          opt(c, TCP_NODELAY, 1);

                if (d >= 0)
                        close(d);
                return ok;
        }
        return false;
}

static int reader(const struct sockaddr_in *sa, size_t total, int n)
{
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        size_t cap = 1u << 20;
        char *buf = malloc(cap), one = 'x';

        if (fd < 0 || !buf || connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0)
                return 1;
        for (int i = 0; i < n; i++) {
                size_t want = total;

                if (write(fd, &one, 1) != 1)
                        return 1;
                while (want) {
                        ssize_t k = read(fd, buf, want < cap ? want : cap);

                        if (k <= 0)
                                return 1;
                        want -= (size_t)k;
                }
        }
        free(buf);
        close(fd);
        return 0;
}

int main(int argc, char **argv)
{
        const char *method = argc > 1 ? argv[1] : "";
        size_t len = argc > 2 ? strtoul(argv[2], NULL, 10) : 273819;
        int n = argc > 3 ? atoi(argv[3]) : 3000;
        struct sockaddr_in sa = {.sin_family = AF_INET};
        socklen_t sl = sizeof(sa);
        char hdr[HDR_LEN], *body = malloc(len ? len : 1);
        int ls, c, mfd, ep, status = 1;
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET};
        double t0, cpu;
        pid_t pid;

        if (!strstr(" sendmsg nginx more mhd mhd2m ", method) || !*method || !len || n <= 0 ||
            !body) {
                fprintf(stderr, "usage: %s sendmsg|nginx|more|mhd|mhd2m [BYTES [N]]\n", argv[0]);
                return 2;
        }
        memset(hdr, 'h', sizeof(hdr));
        for (size_t i = 0; i < len; i++)
                body[i] = "abcdefghijklmnopqrstuvwxyz\n"[i % 27];
        mfd = memfd_create("bench-send", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (mfd < 0 || write(mfd, body, len) != (ssize_t)len ||
            fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) {
                perror("memfd");
                return 1;
        }
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(ls, 1) < 0 ||
            getsockname(ls, (struct sockaddr *)&sa, &sl) < 0) {
                perror("listen");
                return 1;
        }
        pid = fork();
        if (pid == 0)
                _exit(reader(&sa, HDR_LEN + len, n));
        c = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
        ep = epoll_create1(EPOLL_CLOEXEC);
        if (c < 0 || ep < 0 || !opt(c, TCP_NODELAY, 1) ||
            epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev) < 0) {
                perror("accept");
                return 1;
        }
        t0 = thread_cpu_s();
        for (int i = 0; i < n; i++) {
                char x;

                if (read(c, &x, 1) != 1 || !respond(method, c, hdr, body, len, mfd, ep)) {
                        perror(method);
                        return 1;
                }
        }
        cpu = thread_cpu_s() - t0;
        close(c);
        if (waitpid(pid, &status, 0) != pid || status != 0) {
                fprintf(stderr, "reader failed\n");
                return 1;
        }
        printf("%-7s %zu B: %.1f us CPU per response (sending thread)\n", method, len,
               cpu * 1e6 / n);
        free(body);
        return 0;
}
