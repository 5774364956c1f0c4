/* SPDX-License-Identifier: MIT */
/*
 * hist_stop.c - LD_PRELOAD shim for test_history_agent.py: stops the whole
 * process (SIGSTOP) at a chosen point of a history write, so the test can
 * kill -9 it there, deterministically.
 *
 *   SM_HIST_STOP=write    inside write(2) to a "*.hist.tmp" (or "*.hist") file:
 *                         half of the bytes are written, then the process stops
 *   SM_HIST_STOP=rename   in renameat(2) of a "*.hist.tmp" file, before it
 *   SM_HIST_STOP_ARM=PATH armed only while PATH exists (the test creates it
 *                         before the collection whose write it wants to cut)
 *
 * Unarmed, both calls go straight to libc.
 */
#include <dlfcn.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char tmp_suffix[] = ".hist.tmp";

static bool ends_tmp(const char *s)
{
        size_t l = strlen(s), k = sizeof(tmp_suffix) - 1;

        return l > k && strcmp(s + l - k, tmp_suffix) == 0;
}

static bool armed(const char *point)
{
        const char *mode = getenv("SM_HIST_STOP"), *arm = getenv("SM_HIST_STOP_ARM");

        return mode && arm && strcmp(mode, point) == 0 && access(arm, F_OK) == 0;
}

/*
 * Stop here: raise() signals this thread, so it stops on the way out of the call
 * (kill(getpid()) may pick another thread and let this one run on for a while); and
 * while armed it never goes on, whatever the stop's timing.
 */
static void stop_here(void)
{
        raise(SIGSTOP);
        while (access(getenv("SM_HIST_STOP_ARM"), F_OK) == 0)
                usleep(1000);
}

static bool ends_hist(const char *s)
{
        size_t l = strlen(s), k = sizeof(".hist") - 1;

        return ends_tmp(s) || (l > k && strcmp(s + l - k, ".hist") == 0);
}

/* A history file, temp or final: an agent that wrote in place would be cut too. */
static bool fd_is_hist(int fd)
{
        char link[64], path[4096];
        ssize_t n;

        if (fd <= 2)
                return false;
        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        n = readlink(link, path, sizeof(path) - 1);
        if (n <= 0)
                return false;
        path[n] = '\0';
        return ends_hist(path);
}

ssize_t write(int fd, const void *buf, size_t count)
{
        static ssize_t (*real)(int, const void *, size_t);

        if (!real)
                real = (ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
        if (count > 1 && fd_is_hist(fd) && armed("write")) {
                ssize_t k = real(fd, buf, count / 2);

                stop_here(); /* the test kills the process here */
                return k;
        }
        return real(fd, buf, count);
}

int renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath)
{
        static int (*real)(int, const char *, int, const char *);

        if (!real)
                real = (int (*)(int, const char *, int, const char *))dlsym(RTLD_NEXT, "renameat");
        if (ends_tmp(oldpath) && armed("rename"))
                stop_here();
        return real(olddirfd, oldpath, newdirfd, newpath);
}
