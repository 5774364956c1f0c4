/* SPDX-License-Identifier: MIT */
/* Placeholder until the node integrations land (issue #6). */
#include "oneshot.h"

#include <stdio.h>

int sm_oneshot_check(const struct sm_config *cfg)
{
        (void)cfg;
        puts("ssd-monitor check: not implemented yet");
        return 2;
}

int sm_oneshot_features(const struct sm_config *cfg)
{
        (void)cfg;
        fputs("ssd-monitor features: not implemented yet\n", stderr);
        return 1;
}
