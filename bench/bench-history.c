/* SPDX-License-Identifier: MIT */
/*
 * bench-history - what keeping a drive's history costs, side by side:
 * encoding a full history (57508 bytes), writing it without fsync, the real
 * atomic save (temp file, fsync, rename, directory fsync), loading it, and the
 * forecast + verdict computed after every collection. Median of N runs each,
 * in a directory given on the command line (default: the current one), so
 * the numbers are for that file system. Not a test: nothing is asserted.
 *
 *   build/bench/bench-history [DIR] [N]
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/forecast.h"
#include "agent/history.h"
#include "agent/verdict.h"

static double now_us(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;

        return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
        qsort(v, (size_t)n, sizeof(*v), cmp);
        return v[n / 2];
}

static struct sm_history h, g;

int main(int argc, char **argv)
{
        const char *dir = argc > 1 ? argv[1] : ".";
        int n = argc > 2 ? atoi(argv[2]) : 50;
        double *t = calloc((size_t)(n > 0 ? n : 1), sizeof(*t)), enc, raw, save, load, fcv;
        uint8_t *buf = malloc(SM_HIST_MAX_FILE);
        int dfd = open(dir, O_RDONLY | O_DIRECTORY);
        size_t len = 0;

        if (n <= 0 || !t || !buf || dfd < 0) {
                fprintf(stderr, "usage: bench-history [DIR] [N]\n");
                return 1;
        }
        sm_history_init(&h, "wwn:bench-history", "bench");
        for (int64_t s = 0; s < 4 * 365 * 86400LL; s += 3600) {
                struct sm_hist_sample x = {.t = 1699920000 + s};

                sm_hist_set_life(&x, (double)s / (4 * 365 * 86400.0));
                sm_hist_set_written(&x, (uint64_t)s * 100000);
                sm_hist_set_power_on(&x, (uint64_t)s);
                sm_hist_set_temp(&x, 40);
                sm_history_add(&h, &x);
        }

        for (int i = 0; i < n; i++) {
                double a = now_us();

                len = sm_history_encode(&h, buf);
                t[i] = now_us() - a;
        }
        enc = median(t, n);
        for (int i = 0; i < n; i++) {
                double a = now_us();
                int fd;

                /* A new file each time (a truncated one makes ext4 flush it on close). */
                unlinkat(dfd, "bench-raw.tmp", 0);
                fd = openat(dfd, "bench-raw.tmp", O_WRONLY | O_CREAT | O_EXCL, 0600);

                if (fd < 0 || write(fd, buf, len) != (ssize_t)len)
                        return 1;
                close(fd);
                t[i] = now_us() - a;
        }
        raw = median(t, n);
        unlinkat(dfd, "bench-raw.tmp", 0);
        for (int i = 0; i < n; i++) {
                double a = now_us();

                if (sm_history_save(dfd, &h) < 0)
                        return 1;
                t[i] = now_us() - a;
        }
        save = median(t, n);
        for (int i = 0; i < n; i++) {
                double a = now_us();

                if (sm_history_load(dfd, h.key, "bench", &g, NULL, 0) < 0)
                        return 1;
                t[i] = now_us() - a;
        }
        load = median(t, n);
        for (int i = 0; i < n; i++) {
                struct sm_forecast fc;
                struct sm_verdict v;
                struct sm_verdict_input in = {.smart_healthy = 1};
                double a = now_us();

                sm_forecast_compute(&h, 1000000000000ULL, &fc);
                sm_verdict_compute(&in, &h, &fc, &v);
                t[i] = now_us() - a;
        }
        fcv = median(t, n);
        {
                char name[160];

                sm_history_file_name(h.key, name, sizeof(name));
                unlinkat(dfd, name, 0);
        }

        printf("full history file: %zu bytes (bound %d)\n", len, SM_HIST_MAX_FILE);
        printf("median of %d, in %s:\n", n, dir);
        printf("  %-34s %10.1f us  %6.2fx\n", "encode", enc, enc / raw);
        printf("  %-34s %10.1f us  %6.2fx\n", "write, no fsync (reference)", raw, 1.0);
        printf("  %-34s %10.1f us  %6.2fx\n", "atomic save (fsync x2, rename)", save, save / raw);
        printf("  %-34s %10.1f us  %6.2fx\n", "load + verify", load, load / raw);
        printf("  %-34s %10.1f us  %6.2fx\n", "forecast + verdict (per collection)", fcv,
               fcv / raw);
        free(t);
        free(buf);
        close(dfd);
        return 0;
}
