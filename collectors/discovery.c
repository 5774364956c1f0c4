/* SPDX-License-Identifier: MIT */
/* Placeholder until discovery lands (issue #4): finds nothing, follows nothing. */
#include "discovery.h"

#include <errno.h>
#include <stdlib.h>

struct sm_discovery {
        int unused;
};

int sm_discovery_new(const struct sm_discovery_opts *opts, struct sm_discovery **ret, char *err,
                     size_t errlen)
{
        (void)opts;
        (void)err;
        (void)errlen;
        *ret = calloc(1, sizeof(**ret));
        return *ret ? 0 : -ENOMEM;
}

struct sm_discovery *sm_discovery_free(struct sm_discovery *d)
{
        free(d);
        return NULL;
}

int sm_discovery_scan(struct sm_discovery *d, struct sm_device_id **ret, size_t *ret_n)
{
        (void)d;
        *ret = NULL;
        *ret_n = 0;
        return 0;
}

int sm_discovery_fd(const struct sm_discovery *d)
{
        (void)d;
        return -1;
}

int sm_discovery_process(struct sm_discovery *d)
{
        (void)d;
        return 0;
}

bool sm_discovery_has_udev_db(const struct sm_discovery *d)
{
        (void)d;
        return false;
}
