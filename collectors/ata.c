/* SPDX-License-Identifier: MIT */
/* Placeholder until the ATA collector lands: every read fails clearly. */
#include "ata.h"

#include <errno.h>
#include <stdio.h>

static int ata_read(const struct sm_device_id *id, const struct sm_read_opts *opts,
                    struct sm_health *ret, char *err, size_t errlen)
{
        (void)id;
        (void)opts;
        (void)ret;
        snprintf(err, errlen, "ATA collector not built yet");
        return -ENOTSUP;
}

static void ata_prom(struct sm_buf *b, const struct sm_device_state *const *devs, size_t n)
{
        (void)b;
        (void)devs;
        (void)n;
}

static int ata_json(cJSON *obj, const struct sm_device_state *d)
{
        (void)obj;
        (void)d;
        return 0;
}

const struct sm_collector sm_ata_collector = {
        .name = "ata",
        .proto = SM_PROTO_ATA,
        .read = ata_read,
        .render_prom = ata_prom,
        .render_json = ata_json,
};
