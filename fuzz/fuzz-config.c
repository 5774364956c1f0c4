/* SPDX-License-Identifier: MIT */
/*
 * fuzz-config.c - sm_config_parse on an argv made from the input: arguments are
 * separated by NUL bytes (at most 300). Also feeds every argument to the number
 * and duration parsers. Checks that a failure leaves a terminated message and
 * a success a consistent config.
 *
 * Known and reported: glibc's regcomp() needs memory exponential in stacked
 * quantifiers ("^a++++++++++++++++++++++++b" takes 8 GB), and the regex
 * options are compiled while parsing. Inputs whose regex values hold more
 * than 8 quantifier characters are skipped so the fuzzer can look further.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/config.h"
#include "lib/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* cur is a regex option's value ("--opt=RE", or "RE" after "--opt") with many quantifiers. */
static bool regex_blowup(const char *prev, const char *cur)
{
        unsigned q = 0;

        if (!strstr(cur, "device-include") && !strstr(cur, "device-exclude") &&
            !(prev && (strstr(prev, "device-include") || strstr(prev, "device-exclude"))))
                return false;
        for (; *cur; cur++)
                q += strchr("+*?{", *cur) != NULL;
        return q > 8;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *copy = malloc(size + 1);
        char *argv[302];
        int argc = 0;
        struct sm_config c;
        char err[128];
        size_t i = 0;

        if (!copy)
                return 0;
        memcpy(copy, data, size);
        copy[size] = '\0';
        argv[argc++] = (char *)(uintptr_t) "ssd-monitor";
        while (i <= size && argc < 301) {
                uint64_t v;

                if (regex_blowup(argc > 1 ? argv[argc - 1] : NULL, copy + i)) {
                        free(copy);
                        return 0;
                }
                argv[argc++] = copy + i;
                (void)sm_parse_u64(copy + i, 0, UINT64_MAX, &v);
                (void)sm_parse_duration_ms(copy + i, &v);
                i += strlen(copy + i) + 1;
        }
        argv[argc] = NULL;
        memset(err, 'x', sizeof(err));
        if (sm_config_parse(argc, argv, &c, err, sizeof(err)) < 0) {
                if (!memchr(err, '\0', sizeof(err)))
                        abort();
        } else {
                if (c.n_listen < 1 || c.n_listen > SM_MAX_LISTEN || c.n_devices > SM_MAX_DEVICES ||
                    c.parallel < 1 || c.parallel > 64 || c.http_timeout_s < 1 ||
                    (c.mode == SM_MODE_SERVE && c.timeout_ms > c.interval_ms) ||
                    (c.replay_dir && c.n_devices))
                        abort();
                for (size_t k = 0; k < c.n_listen; k++)
                        (void)strlen(c.listen[k]);
                sm_config_free(&c);
        }
        free(copy);
        return 0;
}
