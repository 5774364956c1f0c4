/* SPDX-License-Identifier: MIT */
/* Placeholder until the NVMe collector lands (issue #3): every read fails clearly. */
#include "nvme.h"

#include <errno.h>
#include <stdio.h>

static int nvme_read(const struct sm_device_id *id, const struct sm_read_opts *opts,
                     struct sm_health *ret, char *err, size_t errlen)
{
        (void)id;
        (void)opts;
        (void)ret;
        snprintf(err, errlen, "NVMe collector not built yet");
        return -ENOTSUP;
}

static void nvme_prom(struct sm_buf *b, const struct sm_device_state *const *devs, size_t n)
{
        (void)b;
        (void)devs;
        (void)n;
}

static int nvme_json(cJSON *obj, const struct sm_device_state *d)
{
        (void)obj;
        (void)d;
        return 0;
}

const struct sm_collector sm_nvme_collector = {
        .name = "nvme",
        .proto = SM_PROTO_NVME,
        .read = nvme_read,
        .render_prom = nvme_prom,
        .render_json = nvme_json,
};
