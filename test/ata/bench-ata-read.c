/* SPDX-License-Identifier: MIT */
/*
 * bench-ata-read - cost of one ATA replay read (fresh SkDisk, blob load, one
 * attribute parse, verdict). Not a test: prints the mean over N reads.
 *   build/test/ata/bench-ata-read test/data/demo/INTEL_SSDSA2CW120G3--4PC10302 1000
 *   valgrind --tool=callgrind build/test/ata/bench-ata-read FILE 10   (instructions / 10)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collectors/ata.h"

int main(int argc, char **argv)
{
        struct sm_device_id id;
        struct sm_read_opts opts = {.timeout_ms = 2000};
        struct sm_health h;
        struct timespec a, b;
        char err[192];
        long n;

        if (argc < 2) {
                fprintf(stderr, "usage: %s BLOB [N]\n", argv[0]);
                return 2;
        }
        n = argc > 2 ? strtol(argv[2], NULL, 10) : 1000;
        if (n <= 0)
                n = 1;
        memset(&id, 0, sizeof(id));
        id.replay = true;
        id.proto = SM_PROTO_ATA;
        snprintf(id.name, sizeof(id.name), "bench");
        snprintf(id.devnode, sizeof(id.devnode), "%s", argv[1]);
        clock_gettime(CLOCK_MONOTONIC, &a);
        for (long i = 0; i < n; i++) {
                if (sm_ata_collector.read(&id, &opts, &h, err, sizeof(err)) != 0) {
                        fprintf(stderr, "read failed: %s\n", err);
                        return 1;
                }
        }
        clock_gettime(CLOCK_MONOTONIC, &b);
        printf("%ld reads of %s: %.1f us per read (%u attributes)\n", n, argv[1],
               ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / 1e3 /
                       (double)n,
               h.ata.n_attrs);
        return 0;
}
