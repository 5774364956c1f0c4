/* SPDX-License-Identifier: MIT */
/*
 * bench-ata-read - cost of one ATA replay read (fresh SkDisk, blob load, our
 * attribute decode, verdict, names, endurance). Not a test: prints the mean wall
 * and CPU time over N reads. With a third argument (a drivedb.h), the drive
 * database is loaded first, as the agent does; the first read of a model
 * (matching it against the database) is timed separately.
 *   build/test/ata/bench-ata-read test/data/demo/INTEL_SSDSA2CW120G3--4PC10302 1000
 *   build/test/ata/bench-ata-read FILE 1000 /usr/share/smartmontools/drivedb.h
 *   valgrind --tool=callgrind build/test/ata/bench-ata-read FILE 10   (instructions / 10)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collectors/ata.h"
#include "collectors/drivedb.h"

static double cpu_us(void)
{
        struct timespec t;

        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
        return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
        struct sm_device_id id;
        struct sm_read_opts opts = {.timeout_ms = 2000};
        struct sm_health h;
        struct timespec a, b;
        double cpu0;
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
        if (argc > 3) {
                struct sm_drivedb *db = NULL;
                double c0 = cpu_us(), c1;

                if (sm_drivedb_load(argv[3], &db, err, sizeof(err)) < 0) {
                        fprintf(stderr, "%s\n", err);
                        return 1;
                }
                c1 = cpu_us();
                sm_ata_set_drivedb(db);
                if (sm_ata_collector.read(&id, &opts, &h, err, sizeof(err)) != 0) {
                        fprintf(stderr, "read failed: %s\n", err);
                        return 1;
                }
                printf("drive database: %.1f ms CPU to parse, %.1f ms CPU for the first read "
                       "(match)\n",
                       (c1 - c0) / 1e3, (cpu_us() - c1) / 1e3);
        }
        cpu0 = cpu_us();
        clock_gettime(CLOCK_MONOTONIC, &a);
        for (long i = 0; i < n; i++) {
                if (sm_ata_collector.read(&id, &opts, &h, err, sizeof(err)) != 0) {
                        fprintf(stderr, "read failed: %s\n", err);
                        return 1;
                }
        }
        clock_gettime(CLOCK_MONOTONIC, &b);
        printf("%ld reads of %s: %.1f us per read, %.1f us CPU (%u attributes)\n", n, argv[1],
               ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / 1e3 /
                       (double)n,
               (cpu_us() - cpu0) / (double)n, h.ata.n_attrs);
        return 0;
}
