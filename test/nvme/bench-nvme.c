/* SPDX-License-Identifier: MIT */
/*
 * bench-nvme.c - cost of reading (replay), decoding and rendering one NVMe device.
 * Each phase is its own function so callgrind reports it separately:
 *
 *   valgrind --tool=callgrind --callgrind-out-file=cg.out \
 *       build/test/nvme/bench-nvme test/data/demo/nvme-synthetic-worn-out.smart-log 1000
 *   callgrind_annotate --inclusive=yes cg.out | grep -E 'phase_|PROGRAM'
 *
 * and divide each phase_* count by the iteration count.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/render.h"
#include "collectors/nvme.h"
#include "lib/buf.h"
#include "lib/util.h"

__attribute__((noinline)) static int phase_read(const struct sm_device_id *id, struct sm_health *h)
{
        struct sm_read_opts opts = {.timeout_ms = 1000};
        char err[192];
        int r = sm_nvme_collector.read(id, &opts, h, err, sizeof(err));

        if (r < 0)
                fprintf(stderr, "read: %s\n", err);
        return r;
}

__attribute__((noinline)) static void phase_decode(const uint8_t *log, struct sm_health *h)
{
        sm_health_init(h);
        sm_nvme_decode_health(log, h);
}

__attribute__((noinline)) static size_t phase_prom(const struct sm_device_state *d)
{
        const struct sm_device_state *devs[] = {d};
        struct sm_buf b;
        size_t len;

        sm_buf_init(&b);
        sm_render_prom_protocol(&b, SM_PROTO_NVME, devs, 1);
        len = b.len;
        sm_buf_free(&b);
        return len;
}

__attribute__((noinline)) static size_t phase_json(const struct sm_device_state *d)
{
        cJSON *o = cJSON_CreateObject();
        char *s;
        size_t len = 0;

        if (o && sm_render_json_protocol(o, d) == 0) {
                s = cJSON_PrintUnformatted(o);
                len = s ? strlen(s) : 0;
                free(s);
        }
        cJSON_Delete(o);
        return len;
}

int main(int argc, char **argv)
{
        static struct sm_device_state d;
        static struct sm_health scratch;
        unsigned long iters = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000;
        size_t prom = 0, json = 0;

        if (argc < 2) {
                fprintf(stderr, "usage: %s CAPTURE.smart-log [ITERATIONS]\n", argv[0]);
                return 2;
        }
        d.id.replay = true;
        d.id.proto = SM_PROTO_NVME;
        sm_strlcpy(d.id.name, "nvme0n1", sizeof(d.id.name));
        if (!sm_strlcpy(d.id.devnode, argv[1], sizeof(d.id.devnode)))
                return 2;
        d.have_data = true;
        d.status = SM_READ_OK;
        for (unsigned long i = 0; i < iters; i++) {
                if (phase_read(&d.id, &d.health) < 0)
                        return 1;
                phase_decode(d.health.nvme.smart_log, &scratch);
                prom = phase_prom(&d);
                json = phase_json(&d);
        }
        printf("%lu iterations; prometheus %zu bytes, json %zu bytes per device\n", iters, prom,
               json);
        return 0;
}
