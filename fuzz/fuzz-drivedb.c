/* SPDX-License-Identifier: MIT */
/*
 * fuzz-drivedb.c - smartmontools drive database text (collectors/drivedb.c):
 * parse, and on success match a few model/firmware strings and ask for every
 * attribute name. Errors must be NUL-terminated and say something; nothing may
 * crash, leak or hang (the regex guard keeps regcomp bounded).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/drivedb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const char *const models[][2] = {
                {"INTEL SSDSC2KB480G8", "XCV10100"},
                {"KINGSTON SA400S37240G", "SBFK10D7"},
                {"", ""},
        };
        static struct sm_drivedb_match m;
        struct sm_drivedb *db = NULL;
        char err[256];
        int r;

        memset(err, 'x', sizeof(err));
        r = sm_drivedb_parse((const char *)data, size, "fuzz", &db, err, sizeof(err));
        if (r < 0) {
                if (db || !memchr(err, '\0', sizeof(err)) || err[0] == '\0')
                        abort();
                return 0;
        }
        for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
                if (sm_drivedb_match(db, models[i][0], models[i][1], &m, err, sizeof(err)) < 0)
                        continue;
                for (unsigned id = 1; id < 256; id++) {
                        const char *n = sm_drivedb_attr_name(db, &m, (uint8_t)id, 1);

                        if (!n || strlen(n) > SM_DRIVEDB_NAME_MAX)
                                abort();
                }
        }
        (void)sm_drivedb_version(db);
        sm_drivedb_free(db);
        return 0;
}
