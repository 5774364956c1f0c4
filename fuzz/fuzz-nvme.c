/* SPDX-License-Identifier: MIT */
/*
 * fuzz-nvme.c - the NVMe collector's decoders on arbitrary bytes: the first
 * 512 bytes are the SMART/Health log page, the next 4096 (if present) the
 * Identify Controller data (zero-padded). The decoded health is then rendered
 * through a real snapshot (Prometheus, JSON, landing page, gzip), so the
 * renderers see every value the decoder can produce.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/snapshot.h"
#include "collectors/nvme.h"
#include "lib/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static uint8_t log[SM_NVME_LOG_SIZE], id_ctrl[4096];
        static struct sm_device_state d;
        struct sm_agent_stats stats = {.collections_total = 1};
        struct sm_snapshot *s;

        memset(log, 0, sizeof(log));
        memset(id_ctrl, 0, sizeof(id_ctrl));
        memcpy(log, data, size < sizeof(log) ? size : sizeof(log));
        if (size > sizeof(log))
                memcpy(id_ctrl, data + sizeof(log),
                       size - sizeof(log) < sizeof(id_ctrl) ? size - sizeof(log) : sizeof(id_ctrl));
        memset(&d, 0, sizeof(d));
        sm_strlcpy(d.id.name, "nvme0n1", sizeof(d.id.name));
        sm_strlcpy(d.id.bus, "nvme", sizeof(d.id.bus));
        d.id.proto = SM_PROTO_NVME;
        sm_health_init(&d.health);
        sm_nvme_decode_health(log, &d.health);
        if (size > sizeof(log))
                sm_nvme_decode_id_ctrl(id_ctrl, &d.health);
        for (size_t i = 0; i < sm_nvme_n_fields; i++) {
                struct sm_nvme_value v;

                sm_nvme_field_decode(&sm_nvme_fields[i], log, &v);
                if (!memchr(v.raw_dec, '\0', sizeof(v.raw_dec)) ||
                    !memchr(v.exact, '\0', sizeof(v.exact)))
                        abort();
        }
        d.status = SM_READ_OK;
        d.have_data = true;
        s = sm_snapshot_build(1, true, &stats, &d, 1);
        if (s && (s->metrics.len != strlen(s->metrics.data) ||
                  s->devices_json.len != strlen(s->devices_json.data)))
                abort();
        sm_snapshot_unref(s);
        return 0;
}
