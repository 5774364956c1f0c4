/* SPDX-License-Identifier: MIT */
#include "buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sm_buf_init(struct sm_buf *b)
{
        *b = (struct sm_buf){0};
}

void sm_buf_free(struct sm_buf *b)
{
        free(b->data);
        sm_buf_init(b);
}

static bool reserve(struct sm_buf *b, size_t extra)
{
        size_t need, cap;
        char *p;

        if (b->failed)
                return false;
        if (extra > SIZE_MAX / 2 - b->len - 1) {
                b->failed = true;
                return false;
        }
        need = b->len + extra + 1;
        if (need <= b->cap)
                return true;
        cap = b->cap ? b->cap : 4096;
        while (cap < need)
                cap *= 2;
        p = realloc(b->data, cap);
        if (!p) {
                b->failed = true;
                return false;
        }
        b->data = p;
        b->cap = cap;
        return true;
}

void sm_buf_append(struct sm_buf *b, const void *p, size_t n)
{
        if (!reserve(b, n))
                return;
        memcpy(b->data + b->len, p, n);
        b->len += n;
        b->data[b->len] = '\0';
}

void sm_buf_puts(struct sm_buf *b, const char *s)
{
        sm_buf_append(b, s, strlen(s));
}

void sm_buf_printf(struct sm_buf *b, const char *fmt, ...)
{
        va_list ap;
        int n;

        if (b->failed)
                return;
        va_start(ap, fmt);
        n = vsnprintf(NULL, 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
                b->failed = true;
                return;
        }
        if (!reserve(b, (size_t)n))
                return;
        va_start(ap, fmt);
        (void)vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
        b->len += (size_t)n;
}

bool sm_buf_failed(const struct sm_buf *b)
{
        return b->failed;
}

char *sm_buf_steal(struct sm_buf *b, size_t *ret_len)
{
        char *p;

        if (b->failed || !reserve(b, 0)) {
                sm_buf_free(b);
                return NULL;
        }
        b->data[b->len] = '\0'; /* an empty buffer was never terminated */
        p = b->data;
        if (ret_len)
                *ret_len = b->len;
        sm_buf_init(b);
        return p;
}
