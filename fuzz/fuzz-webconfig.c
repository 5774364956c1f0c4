/* SPDX-License-Identifier: MIT */
/*
 * fuzz-webconfig.c - sm_webcfg_parse (the --web.config.file YAML loader, libyaml)
 * on arbitrary bytes. The file names it may open are relative to a folder that
 * does not exist, so only the parser and validation run. Checks that a failure
 * leaves a terminated message naming the file and a success a consistent config
 * (every user's value a bcrypt hash, only allowed headers, versions in order).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/webconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const char path[] = "/nonexistent-fuzz-dir/web.yml";
        struct sm_webcfg *c = NULL;
        char err[512], why[128];
        int r;

        if (size > 65536)
                return 0;
        memset(err, 'x', sizeof(err));
        r = sm_webcfg_parse(path, (const char *)data, size, &c, err, sizeof(err));
        if (r < 0) {
                if (!memchr(err, '\0', sizeof(err)) || strncmp(err, path, strlen(path)) != 0)
                        abort();
                return 0;
        }
        if (!c || c->min_version > c->max_version || c->n_users > SM_WEB_MAX_USERS ||
            c->n_headers > SM_WEB_MAX_HEADERS)
                abort();
        for (size_t i = 0; i < c->n_users; i++)
                if (!c->users[i].name || !sm_webcfg_is_bcrypt(c->users[i].hash, why, sizeof(why)))
                        abort();
        /* TLS needs its files, which cannot exist here: a success never has TLS on. */
        if (c->tls && (!c->cert_pem || !c->key_pem))
                abort();
        sm_webcfg_free(c);
        return 0;
}
