/* SPDX-License-Identifier: MIT */
#include "device.h"

#include <math.h>
#include <string.h>

void sm_health_init(struct sm_health *h)
{
        memset(h, 0, sizeof(*h));
        h->healthy = -1;
        h->rotation_rate = -1;
        h->ata.overall = -1;
        for (unsigned i = 0; i < 8; i++)
                h->sensor_temps_c[i] = (double)NAN;
}

const char *sm_class_name(enum sm_class c)
{
        switch (c) {
        case SM_CLASS_SSD:
                return "ssd";
        case SM_CLASS_HDD:
                return "hdd";
        case SM_CLASS_VIRTUAL:
                return "virtual";
        case SM_CLASS_COUNT:
                break;
        }
        return "unknown";
}

const char *sm_proto_name(enum sm_proto p)
{
        switch (p) {
        case SM_PROTO_ATA:
                return "ata";
        case SM_PROTO_NVME:
                return "nvme";
        case SM_PROTO_NONE:
                break;
        }
        return "none";
}

const char *sm_read_status_name(enum sm_read_status s)
{
        switch (s) {
        case SM_READ_NEVER:
                return "never";
        case SM_READ_OK:
                return "ok";
        case SM_READ_ASLEEP:
                return "asleep";
        case SM_READ_ERROR:
                return "error";
        case SM_READ_TIMEOUT:
                return "timeout";
        }
        return "unknown";
}

static void fill(char *dst, const char *primary, const char *fallback, size_t n)
{
        const char *src = primary[0] ? primary : fallback;
        size_t len = strnlen(src, n - 1);

        memcpy(dst, src, len);
        dst[len] = '\0';
}

void sm_device_identity(const struct sm_device_state *d, struct sm_identity *ret)
{
        const struct sm_identity *u = &d->id.ident;
        const struct sm_identity *h = &d->health.ident;

        fill(ret->model, u->model, h->model, sizeof(ret->model));
        fill(ret->serial, u->serial, h->serial, sizeof(ret->serial));
        fill(ret->firmware, u->firmware, h->firmware, sizeof(ret->firmware));
        fill(ret->wwn, u->wwn, h->wwn, sizeof(ret->wwn));
}
