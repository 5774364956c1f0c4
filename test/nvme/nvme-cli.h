/* SPDX-License-Identifier: MIT */
/* nvme-cli.h - run the real nvme-cli against the mock controller (the reference decoder). */
#ifndef SM_TEST_NVME_CLI_H
#define SM_TEST_NVME_CLI_H

#include <stdio.h>
#include <stdlib.h>

#include "test/check.h"

/*
 * Output of `nvme ARGS DEV` with the mock serving the file in env_value through
 * env_name (SM_NVME_MOCK_SMART or SM_NVME_MOCK_IDCTRL); NULL if nvme-cli failed.
 */
static inline char *nvme_cli_run(const char *env_name, const char *env_value, const char *args,
                                 const char *dev, size_t *ret_len)
{
        char cmd[1536];
        FILE *p;
        char *out;

        snprintf(cmd, sizeof(cmd),
                 "%s='%s' ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0 nvme %s '%s' 2>&1",
                 env_name, env_value, args, dev);
        p = popen(cmd, "r");
        if (!p)
                return NULL;
        out = check_slurp_stream(p, ret_len);
        if (pclose(p) != 0) {
                printf("nvme %s failed: %s\n", args, out ? out : "");
                free(out);
                return NULL;
        }
        return out;
}

#endif
