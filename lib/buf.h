/* SPDX-License-Identifier: MIT */
/*
 * buf.h - an append-only byte buffer with a sticky error. Renderers append
 * freely and check sm_buf_failed() once at the end, so a half-rendered body is
 * never published (an allocation failure poisons the whole buffer).
 */
#ifndef SM_BUF_H
#define SM_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct sm_buf {
        char *data;
        size_t len;
        size_t cap;
        bool failed;
};

void sm_buf_init(struct sm_buf *b);
void sm_buf_free(struct sm_buf *b);
void sm_buf_append(struct sm_buf *b, const void *p, size_t n);
void sm_buf_puts(struct sm_buf *b, const char *s);
void sm_buf_printf(struct sm_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool sm_buf_failed(const struct sm_buf *b);
/* Take the NUL-terminated bytes (caller frees); NULL if the buffer failed. */
char *sm_buf_steal(struct sm_buf *b, size_t *ret_len);

#endif
