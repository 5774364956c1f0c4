/* SPDX-License-Identifier: MIT */
/*
 * render.c - gzip of the bodies. The Prometheus text is rendered in
 * render_prom.c, the JSON in render_json.c, the HTML pages in render_html.c.
 */
#include "render.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define GZIP_MIN_BYTES 1024

/* ===== gzip ===== */

int sm_render_gzip(struct sm_body *b)
{
        z_stream zs = {0};
        uLong bound;
        char *out;
        int r;

        if (b->len < GZIP_MIN_BYTES)
                return 0;
        if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
                return -ENOMEM;
        bound = deflateBound(&zs, (uLong)b->len);
        out = malloc(bound);
        if (!out) {
                deflateEnd(&zs);
                return -ENOMEM;
        }
        zs.next_in = (Bytef *)b->data;
        zs.avail_in = (uInt)b->len;
        zs.next_out = (Bytef *)out;
        zs.avail_out = (uInt)bound;
        r = deflate(&zs, Z_FINISH);
        if (r != Z_STREAM_END) {
                deflateEnd(&zs);
                free(out);
                return -ENOMEM;
        }
        b->gz = out;
        b->gz_len = zs.total_out;
        deflateEnd(&zs);
        return 0;
}
